/* SPDX-License-Identifier: MIT */
/* pinfold export oci: an environment as a reproducible OCI image layout (and oci-archive) with its SBOMs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/build.h"
#include "cli/cli.h"
#include "core/file.h"
#include "export/oci.h"
#include "install/install.h"

static const char usage_oci[] =
	"usage: pinfold export oci ENV.tar.zst|LOCKFILE -o DIR [--archive FILE.tar] [--compression gzip|zstd]\n"
	"                          [--tag NAME] [--mirror DIR|URL]... [--cache DIR] [--catalog DIR|URL]\n"
	"  Write the environment as an OCI image layout in DIR (replacing an image layout already\n"
	"  there): its tar as the one layer (gzip, or zstd: the tarball's own bytes), a config for a\n"
	"  non-root shell, and its SBOMs as OCI 1.1 artifacts whose subject is the image. ENV is\n"
	"  verified against its manifest first. The same ENV gives the same bytes; prints the image\n"
	"  digest. --archive also writes an oci-archive tarball (podman load, skopeo copy\n"
	"  oci-archive:FILE). --tag names the image in index.json (default: the lock's image name).\n"
	"  A LOCKFILE is built first, exactly as 'pinfold build' builds it (checked against its signed\n"
	"  catalog, or --catalog; artifacts from --cache and each --mirror), into a private temporary\n"
	"  tarball that is exported and removed. See docs/oci.md.\n";

/* 1 when path starts with zstd's magic: an environment tarball, not a lockfile. */
static int is_tarball(const char *path)
{
	struct pf_err e = { 0 };
	unsigned char m[4];
	int fd = pf_open_regular(path, 0, NULL, &e), r;

	r = fd >= 0 && pf_read_full(fd, m, 4) == 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd;
	if (fd >= 0)
		close(fd);
	return r;
}

/* Build the lockfile into dir/env.tar.zst, as cmd_build does; *out: caller frees. */
static int build_lockfile(struct cli *c, const char *lock, const char *catalog, const struct pf_strv *mirrors,
			  const char *cache, const char *dir, char **out)
{
	struct build_src src = { lock, NULL, catalog, 0 };
	struct build_opts bo = { 0 };
	struct build_lock bl;
	struct build_result br;
	int rc;

	*out = pf_path_join(dir, "env.tar.zst");
	bo.out = *out;
	bo.cache_dir = cache;
	bo.mirrors = mirrors;
	bo.jobs = cli_default_jobs();
	bo.max_unpacked = INSTALL_DEFAULT_MAX_UNPACKED;
	rc = build_lock_open(&c->ctx, &src, &bl, &c->err);
	if (rc)
		return rc;
	rc = build_run(&c->ctx, &bl, &bo, &br, &c->err);
	if (!rc)
		cli_debug(c, "built '%s' from '%s' (%zu packages) for export", *out, lock, bl.lock.npkgs);
	build_lock_release(&bl);
	return rc;
}

static int export_oci_cmd(struct cli *c, int argc, char **argv)
{
	enum { OPT_ARCHIVE = 256, OPT_COMPRESSION, OPT_TAG, OPT_MIRROR, OPT_CACHE, OPT_CATALOG };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "mirror", required_argument, NULL, OPT_MIRROR },
		{ "cache", required_argument, NULL, OPT_CACHE },
		{ "catalog", required_argument, NULL, OPT_CATALOG },
		{ "archive", required_argument, NULL, OPT_ARCHIVE },
		{ "compression", required_argument, NULL, OPT_COMPRESSION },
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct export_oci_opts o = { NULL, NULL, NULL, EXPORT_GZIP, NULL };
	struct export_oci_result r;
	struct pf_strv mirrors = PF_STRV_INIT;
	const char *cache = NULL, *catalog = NULL;
	char *tmp = NULL, *built = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': o.out_dir = optarg; break;
		case OPT_ARCHIVE: o.archive = optarg; break;
		case OPT_TAG: o.tag = optarg; break;
		case OPT_MIRROR: pf_strv_push(&mirrors, optarg); break;
		case OPT_CACHE: cache = optarg; break;
		case OPT_CATALOG: catalog = optarg; break;
		case OPT_COMPRESSION:
			if (!strcmp(optarg, "gzip"))
				o.compression = EXPORT_GZIP;
			else if (!strcmp(optarg, "zstd"))
				o.compression = EXPORT_ZSTD;
			else {
				pf_strv_release(&mirrors);
				return cli_usage(c, "export oci", "--compression: '%s' is not gzip or zstd", optarg);
			}
			break;
		case 'h':
			pf_strv_release(&mirrors);
			fputs(usage_oci, stdout);
			return 0;
		default:
			pf_strv_release(&mirrors);
			return cli_bad_option(c, "export oci", argv);
		}
	}
	if (optind != argc - 1 || !o.out_dir) {
		pf_strv_release(&mirrors);
		return cli_usage(c, "export oci", optind != argc - 1 ? "expected one ENV.tar.zst or LOCKFILE" :
				 "-o DIR is required");
	}
	o.env = argv[optind];
	rc = 0;
	if (!is_tarball(o.env) && pf_exists(o.env)) {
		/* a lockfile: built into a private directory first, like 'pinfold build' (never trusted as is) */
		const char *td = getenv("TMPDIR");

		tmp = pf_mkdtemp(td && *td == '/' ? td : "/tmp", "pinfold-export-", &c->err);
		rc = tmp ? build_lockfile(c, o.env, catalog, &mirrors, cache, tmp, &built) : -PF_EIO;
		o.env = built;
	} else if (mirrors.n || cache || catalog) {
		rc = pf_error(&c->err, PF_EUSAGE, "--mirror, --cache and --catalog go with a LOCKFILE, not with an "
			      "environment tarball");
	}
	if (!rc)
		rc = export_oci(&o, &r, &c->err);
	if (tmp) {
		pf_rm_rf(tmp);
		free(tmp);
	}
	pf_strv_release(&mirrors);
	if (rc) {
		free(built);
		return cli_fail(c, rc);
	}
	free(built);	/* removed with tmp; messages name what was given */
	o.env = argv[optind];
	if (c->json) {
		/* {"image":..., "layout":..., "ref":..., "config":..., "layer":..., "diff_id":..., ...} */
		fputs("{\"image\": ", stdout);
		cli_json_str(stdout, r.manifest);
		fputs(", \"layout\": ", stdout);
		cli_json_str(stdout, o.out_dir);
		fputs(", \"ref\": ", stdout);
		cli_json_str(stdout, r.ref_name);
		fputs(", \"config\": ", stdout);
		cli_json_str(stdout, r.config);
		fputs(", \"layer\": ", stdout);
		cli_json_str(stdout, r.layer);
		printf(", \"layer_size\": %llu, \"diff_id\": ", (unsigned long long)r.layer_size);
		cli_json_str(stdout, r.diff_id);
		printf(", \"tar_size\": %llu, \"compression\": \"%s\", \"sboms\": %d, \"archive\": ",
		       (unsigned long long)r.tar_size, o.compression == EXPORT_GZIP ? "gzip" : "zstd", r.nreferrers);
		if (o.archive) {
			cli_json_str(stdout, o.archive);
			fputs(", \"archive_sha256\": ", stdout);
			cli_json_str(stdout, r.archive_sha256);
		} else {
			fputs("null, \"archive_sha256\": null", stdout);
		}
		fputs("}\n", stdout);
	} else {
		cli_info(c, "exported '%s' to '%s' as '%s': layer %s (%llu bytes, %s), %d SBOM%s attached", o.env,
			 o.out_dir, r.ref_name, r.layer, (unsigned long long)r.layer_size,
			 o.compression == EXPORT_GZIP ? "gzip" : "zstd", r.nreferrers, r.nreferrers == 1 ? "" : "s");
		cli_out(c, "image %s  %s", r.manifest, o.out_dir);
		if (o.archive)
			cli_out(c, "archive sha256:%s  %s", r.archive_sha256, o.archive);
	}
	if (fflush(stdout) != 0)
		return cli_fail(c, pf_error(&c->err, PF_EIO, "stdout: write failed"));
	return 0;
}

static const struct cli_sub subs[] = {
	{ "oci", export_oci_cmd, usage_oci },
	{ NULL, NULL, NULL },
};

int cmd_export(struct cli *c, int argc, char **argv)
{
	return cli_subcommand(c, "export", subs, argc, argv);
}
