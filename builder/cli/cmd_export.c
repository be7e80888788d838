/* SPDX-License-Identifier: MIT */
/* pinfold export oci: an environment as a reproducible OCI image layout (and oci-archive) with its SBOMs. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "export/oci.h"

static const char usage_oci[] =
	"usage: pinfold export oci ENV.tar.zst -o DIR [--archive FILE.tar] [--compression gzip|zstd]\n"
	"                          [--tag NAME]\n"
	"  Write the environment as an OCI image layout in DIR (replacing an image layout already\n"
	"  there): its tar as the one layer (gzip, or zstd: the tarball's own bytes), a config for a\n"
	"  non-root shell, and its SBOMs as OCI 1.1 artifacts whose subject is the image. ENV is\n"
	"  verified against its manifest first. The same ENV gives the same bytes; prints the image\n"
	"  digest. --archive also writes an oci-archive tarball (podman load, skopeo copy\n"
	"  oci-archive:FILE). --tag names the image in index.json (default: the lock's image name).\n"
	"  See docs/oci.md.\n";

static int export_oci_cmd(struct cli *c, int argc, char **argv)
{
	enum { OPT_ARCHIVE = 256, OPT_COMPRESSION, OPT_TAG };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "archive", required_argument, NULL, OPT_ARCHIVE },
		{ "compression", required_argument, NULL, OPT_COMPRESSION },
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct export_oci_opts o = { NULL, NULL, NULL, EXPORT_GZIP, NULL };
	struct export_oci_result r;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': o.out_dir = optarg; break;
		case OPT_ARCHIVE: o.archive = optarg; break;
		case OPT_TAG: o.tag = optarg; break;
		case OPT_COMPRESSION:
			if (!strcmp(optarg, "gzip"))
				o.compression = EXPORT_GZIP;
			else if (!strcmp(optarg, "zstd"))
				o.compression = EXPORT_ZSTD;
			else
				return cli_usage(c, "export oci", "--compression: '%s' is not gzip or zstd", optarg);
			break;
		case 'h':
			fputs(usage_oci, stdout);
			return 0;
		default:
			return cli_bad_option(c, "export oci", argv);
		}
	}
	if (optind != argc - 1 || !o.out_dir)
		return cli_usage(c, "export oci", optind != argc - 1 ? "expected one ENV.tar.zst" : "-o DIR is required");
	o.env = argv[optind];
	rc = export_oci(&o, &r, &c->err);
	if (rc)
		return cli_fail(c, rc);
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
