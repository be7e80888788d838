/* SPDX-License-Identifier: MIT */
/* pinfold sbom: SPDX 2.3 / CycloneDX 1.6 of a lockfile (checked against its signed catalog) or of an environment. */
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/file.h"
#include "ctx/ctx.h"
#include "export/sbom.h"
#include "fetch/fetch.h"
#include "lock/lock.h"
#include "pack/pack.h"

static void help(void)
{
	cli_print_usage(stdout, "sbom");
	fputs("\nWrites the SBOM of a lockfile or of an environment (tarball or directory) to stdout or FILE.\n"
	      "A lockfile is first checked against its signed catalog as build checks it (signature, expiry,\n"
	      "rollback, every locked artifact identical to the catalog's): a lock build would refuse gives no\n"
	      "SBOM. Licences are\n"
	      "read from the locked wheels and npm tarballs (cache, then --mirror). An environment is verified\n"
	      "against its manifest and its lock against the catalog; the SBOM is the one its build recorded.\n"
	      "\nOptions:\n"
	      "  --format spdx-json|cyclonedx-json   SPDX 2.3 or CycloneDX 1.6 JSON (required)\n"
	      "  -o, --output FILE                   write FILE (atomically) instead of stdout\n"
	      "  --catalog DIR|URL                   the catalog to check against (default: the one the lock\n"
	      "                                      names, relative to the lockfile; required for an\n"
	      "                                      environment whose lock names a relative one)\n"
	      "  --mirror DIR|URL                    where artifacts are found by file name (repeatable)\n"
	      "  --cache DIR                         content-addressed cache (default $XDG_CACHE_HOME/pinfold)\n",
	      stdout);
}

/* A directory, or a file that starts like zstd, is an environment; anything else is read as a lockfile. */
static int is_env(const char *path)
{
	unsigned char m[4];
	int fd, env = 0;

	if (pf_is_dir(path))
		return 1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	env = pf_read_full(fd, m, 4) == 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd;
	close(fd);
	return env;
}

/*
 * The lock checked against its signed catalog exactly as build checks it
 * (ctx_lock_check): an SBOM is written only for a lock build would accept.
 * lockdir: where a relative catalog.source is resolved (NULL for a lock read
 * from an environment, where it means nothing: then --catalog is needed).
 */
static int lock_catalog(struct cli *c, const struct lockfile *l, const char *what, const char *lockdir,
			const char *catalog, struct ctx_lock_check *chk)
{
	const char *src = l->catalog_source;
	struct ctx_lock_src ls = { what, lockdir, catalog };
	int rc;

	memset(chk, 0, sizeof *chk);
	if (!catalog && !lockdir && src && *src && !fetch_is_url(src) && src[0] != '/')
		return pf_error(&c->err, PF_EUSAGE, "'%s': its lock names its catalog relative to a lockfile; pass "
				"--catalog DIR|URL to check its lock against", what);
	rc = ctx_lock_check(&c->ctx, l, &ls, chk, &c->err);
	/* an SBOM of an affected lock is what incident response needs: written, with a warning */
	for (size_t i = 0; !rc && i < chk->nrevoked; i++)
		cli_warn(c, "%s:%s %s is revoked by %s (%s): %s", chk->revoked[i].pkg->ecosystem,
			 chk->revoked[i].pkg->name, chk->revoked[i].pkg->version, chk->revoked[i].adv->id,
			 chk->revoked[i].adv->severity ? chk->revoked[i].adv->severity : "unrated",
			 chk->revoked[i].adv->reason ? chk->revoked[i].adv->reason : "");
	return rc;
}

/* The licences need the wheels and npm tarballs: from the cache, else the mirrors, hash-checked. */
static int fetch_for_licenses(struct cli *c, const struct lockfile *l, struct pf_strv *mirrors, const char *cache,
			      char ***paths_out)
{
	struct fetch_ctx f;
	const struct catalog_artifact **arts = pf_xcalloc(l->npkgs ? l->npkgs : 1, sizeof *arts);
	char **paths = pf_xcalloc(l->npkgs ? l->npkgs : 1, sizeof *paths), **got;
	size_t *idx = pf_xcalloc(l->npkgs ? l->npkgs : 1, sizeof *idx), n = 0;
	int rc;

	memset(&f, 0, sizeof f);
	f.mirrors = *mirrors;
	f.jobs = 4;
	f.cache_dir = cache;
	rc = cache ? ctx_private_dir(cache, &c->err) : ctx_cache_dir(&c->ctx, &f.cache_dir, &c->err);
	if (rc) {
		free(arts);
		free(idx);
		*paths_out = paths;
		return rc;
	}
	for (size_t i = 0; i < l->npkgs; i++) {
		const char *fmt = l->pkgs[i].artifact.format;

		if (!strcmp(fmt, "wheel") || !strcmp(fmt, "npm")) {
			idx[n] = i;
			arts[n++] = &l->pkgs[i].artifact;
		}
	}
	got = pf_xcalloc(n ? n : 1, sizeof *got);
	rc = fetch_all(&f, arts, n, got, NULL, &c->err);
	for (size_t k = 0; !rc && k < n; k++)
		paths[idx[k]] = got[k];
	if (rc)
		for (size_t k = 0; k < n; k++)
			free(got[k]);
	free(got);
	free(arts);
	free(idx);
	*paths_out = paths;
	return rc;
}

/* What the verify pass of an environment keeps. */
struct env_docs {
	struct pf_buf lock, doc;
	int has_lock, has_doc;
	const char *want;		/* the stored document of the requested format */
};

static int env_visit(void *ud, const char *path, enum pack_type t, struct pf_err *e)
{
	struct env_docs *d = ud;

	(void)e;
	return t == PACK_FILE && (!strcmp(path, PACK_LOCK) || !strcmp(path, d->want));
}

static void env_kept(void *ud, const char *path, const void *data, size_t len)
{
	struct env_docs *d = ud;
	int lock = !strcmp(path, PACK_LOCK);
	struct pf_buf *b = lock ? &d->lock : &d->doc;

	b->len = 0;
	pf_buf_add(b, data, len);
	pf_buf_cstr(b);
	*(lock ? &d->has_lock : &d->has_doc) = 1;
}

static int from_env(struct cli *c, const char *target, enum export_sbom_format fmt, const char *catalog,
		    struct pf_buf *out)
{
	struct env_docs d;
	struct pack_verify_hook h = { env_visit, env_kept, &d, (size_t)64 << 20 };
	struct pack_verify v;
	struct lockfile l;
	struct ctx_lock_check cc;
	int rc, have_l = 0;

	memset(&d, 0, sizeof d);
	memset(&cc, 0, sizeof cc);
	d.want = fmt == EXPORT_SPDX_JSON ? EXPORT_SBOM_SPDX_PATH : EXPORT_SBOM_CDX_PATH;
	rc = pack_verify_hooked(target, NULL, NULL, &h, &v, &c->err);
	if (rc)
		goto out;
	if (v.lines.n)
		rc = pf_error(&c->err, PF_ECHECK, "'%s': %zu difference%s from its manifest (first: %s); no SBOM for "
			      "an environment that does not verify", target, v.lines.n, v.lines.n == 1 ? "" : "s",
			      v.lines.v[0]);
	pack_verify_release(&v);
	if (rc)
		goto out;
	if (!d.has_lock) {
		rc = pf_error(&c->err, PF_EFORMAT, "'%s': no %s: not a pinfold environment", target, PACK_LOCK);
		goto out;
	}
	rc = lock_parse(&l, PACK_LOCK, d.lock.p, d.lock.len, &c->err);
	if (rc)
		goto out;
	have_l = 1;
	rc = lock_catalog(c, &l, target, NULL, catalog, &cc);
	if (rc)
		goto out;
	if (!d.has_doc) {
		rc = pf_error(&c->err, PF_ENOTFOUND, "'%s': has no %s (built before pinfold recorded SBOMs); run "
			      "'pinfold sbom' on its lockfile", target, d.want);
		goto out;
	}
	pf_buf_add(out, d.doc.p, d.doc.len);
out:
	ctx_lock_check_release(&cc);
	if (have_l)
		lock_release(&l);
	pf_buf_release(&d.lock);
	pf_buf_release(&d.doc);
	return rc;
}

static int from_lock(struct cli *c, const char *path, enum export_sbom_format fmt, const char *catalog,
		     struct pf_strv *mirrors, const char *cache, struct pf_buf *out)
{
	struct lockfile l;
	struct ctx_lock_check cc;
	struct export_license *lic = NULL;
	char **paths = NULL, *dir = pf_dirname(path);
	int rc;

	memset(&cc, 0, sizeof cc);
	rc = lock_load(&l, path, &c->err);
	if (rc) {
		free(dir);
		return rc;
	}
	rc = lock_catalog(c, &l, path, dir, catalog, &cc);
	if (!rc)
		rc = fetch_for_licenses(c, &l, mirrors, cache, &paths);
	if (!rc)
		rc = export_sbom_licenses(&l, paths, &lic, &c->err);
	if (!rc) {
		struct export_sbom s = { &l, &cc.cc.cat, lic };

		rc = export_sbom_write(&s, fmt, out, &c->err);
	}
	for (size_t i = 0; paths && i < l.npkgs; i++)
		free(paths[i]);
	free(paths);
	export_sbom_licenses_free(lic, l.npkgs);
	ctx_lock_check_release(&cc);
	lock_release(&l);
	free(dir);
	return rc;
}

int cmd_sbom(struct cli *c, int argc, char **argv)
{
	enum { OPT_FORMAT = 256, OPT_CATALOG, OPT_MIRROR, OPT_CACHE };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "catalog", required_argument, NULL, OPT_CATALOG },
		{ "mirror", required_argument, NULL, OPT_MIRROR },
		{ "cache", required_argument, NULL, OPT_CACHE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pf_strv mirrors = PF_STRV_INIT;
	struct pf_buf doc = PF_BUF_INIT;
	const char *out = NULL, *catalog = NULL, *cache = NULL, *target;
	int opt, fmt = -1, rc, status;

	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_FORMAT:
			fmt = export_sbom_format_parse(optarg);
			if (fmt < 0) {
				status = cli_usage(c, "sbom", "--format: '%s' is not spdx-json or cyclonedx-json", optarg);
				goto done;
			}
			break;
		case 'o': out = optarg; break;
		case OPT_CATALOG: catalog = optarg; break;
		case OPT_MIRROR: pf_strv_push(&mirrors, optarg); break;
		case OPT_CACHE: cache = optarg; break;
		case 'h':
			help();
			status = 0;
			goto done;
		default:
			status = cli_bad_option(c, "sbom", argv);
			goto done;
		}
	}
	if (optind != argc - 1 || fmt < 0) {
		status = cli_usage(c, "sbom", optind != argc - 1 ? "expected one LOCKFILE or ENV" :
								  "--format spdx-json|cyclonedx-json is required");
		goto done;
	}
	target = argv[optind];
	if (!pf_exists(target)) {
		rc = pf_error(&c->err, PF_ENOTFOUND, "'%s': no such file or directory", target);
		status = cli_fail(c, rc);
		goto done;
	}
	rc = is_env(target) ? from_env(c, target, (enum export_sbom_format)fmt, catalog, &doc) :
			      from_lock(c, target, (enum export_sbom_format)fmt, catalog, &mirrors, cache, &doc);
	if (!rc && out)
		rc = pf_write_file(out, doc.p, doc.len, 0644, &c->err);
	if (!rc && !out && (fwrite(doc.p, 1, doc.len, stdout) != doc.len || fflush(stdout) != 0))
		rc = pf_error(&c->err, PF_EIO, "stdout: write failed");
	status = cli_fail(c, rc);
	if (!rc && out)
		cli_info(c, "wrote '%s' (%s)", out, fmt == EXPORT_SPDX_JSON ? "SPDX 2.3" : "CycloneDX 1.6");
done:
	pf_strv_release(&mirrors);
	pf_buf_release(&doc);
	return status;
}
