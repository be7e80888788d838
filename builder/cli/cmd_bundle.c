/* SPDX-License-Identifier: MIT */
/* pinfold bundle: write one air-gap file (catalog, lock, artifacts) and verify one. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "core/digest.h"
#include "core/file.h"
#include "ctx/ctx.h"
#include "fetch/bundle.h"
#include "fetch/fetch.h"
#include "lock/lock.h"

static const char create_usage[] =
	"usage: pinfold bundle create LOCKFILE -o FILE.pfb [--mirror DIR|URL]... [--cache DIR]\n"
	"                             [--catalog DIR|URL] [--jobs N]\n"
	"Write one reproducible file holding the signed catalog (and advisories), the lock and\n"
	"every locked artifact, each fetched and checked against its size and SHA-256. The lock is\n"
	"first checked as build checks it (against its signed catalog; no revoked package).\n"
	"  -o, --output FILE   the bundle to write (atomically)\n"
	"  --mirror DIR|URL    where artifacts come from, tried in order (repeatable)\n"
	"  --cache DIR         the artifact cache (default $XDG_CACHE_HOME/pinfold)\n"
	"  --catalog DIR|URL   the catalog (default: the lock's catalog source, relative to the lock)\n"
	"  --jobs N            parallel downloads (default 4)\n";

static const char verify_usage[] =
	"usage: pinfold bundle verify FILE.pfb [--lock LOCKFILE]\n"
	"Check a bundle without unpacking it: the catalog (and advisories) signatures against the\n"
	"trust store with expiry and rollback rules, the lock against the catalog (as build checks\n"
	"it: identical artifacts, eligible, not revoked), and every artifact's size and SHA-256\n"
	"against the lock. Prints what it holds; exit 1 when refused.\n"
	"  --lock LOCKFILE     also require the bundled lock to be exactly this one (e.g. from git)\n";

static int parse_jobs(struct cli *c, const char *s, int *out)
{
	long v;

	if (cli_parse_long(s, 1, 64, &v))
		return cli_usage(c, "bundle", "--jobs: expected a number from 1 to 64, not '%s'", s);
	*out = (int)v;
	return 0;
}

static void warn_revoked(struct cli *c, const struct ctx_finding *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cli_warn(c, "%s:%s %s is revoked by %s (%s): %s", f[i].pkg->ecosystem, f[i].pkg->name, f[i].pkg->version,
			 f[i].adv->id, f[i].adv->severity ? f[i].adv->severity : "unrated",
			 f[i].adv->reason ? f[i].adv->reason : "");
}

/*
 * A bundle carries only what build would install: the lock checked against
 * its signed catalog first; *where and sha get that catalog (caller frees *where).
 */
static int check_lock(struct cli *c, const char *path, const char *catalog, char **where, char sha[PF_SHA256_HEX])
{
	struct lockfile l;
	struct ctx_lock_check chk;
	char *dir = pf_dirname(path);
	struct ctx_lock_src src = { path, dir, catalog };
	int rc;

	memset(&chk, 0, sizeof chk);
	rc = lock_load(&l, path, &c->err);
	if (!rc) {
		rc = ctx_lock_check(&c->ctx, &l, &src, &chk, &c->err);
		warn_revoked(c, chk.revoked, chk.nrevoked);
		if (!rc && chk.nrevoked)
			rc = pf_error(&c->err, PF_EREVOKED, "'%s': %zu locked package%s revoked (first: %s:%s %s); lock "
				      "again before bundling", path, chk.nrevoked, chk.nrevoked == 1 ? " is" : "s are",
				      chk.revoked[0].pkg->ecosystem, chk.revoked[0].pkg->name, chk.revoked[0].pkg->version);
		if (!rc) {
			*where = pf_xstrdup(chk.cc.where);
			memcpy(sha, chk.cc.cat.sha256, PF_SHA256_HEX);
		}
		ctx_lock_check_release(&chk);
		lock_release(&l);
	}
	free(dir);
	return rc;
}

static int bundle_create(struct cli *c, int argc, char **argv)
{
	enum { OPT_MIRROR = 256, OPT_CACHE, OPT_CATALOG, OPT_JOBS };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "mirror", required_argument, NULL, OPT_MIRROR },
		{ "cache", required_argument, NULL, OPT_CACHE },
		{ "catalog", required_argument, NULL, OPT_CATALOG },
		{ "jobs", required_argument, NULL, OPT_JOBS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fetch_ctx f;
	struct fetch_bundle_spec spec = { 0 };
	struct pf_strv roots = PF_STRV_INIT;
	struct fetch_bundle_made made = { 0 };
	struct cli_bar bar;
	char *where = NULL, sha[PF_SHA256_HEX];
	int opt, rc, status;

	memset(&f, 0, sizeof f);
	f.jobs = 4;
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': spec.out = optarg; break;
		case OPT_MIRROR: pf_strv_push(&f.mirrors, optarg); break;
		case OPT_CACHE: f.cache_dir = optarg; break;
		case OPT_CATALOG: spec.catalog = optarg; break;
		case OPT_JOBS:
			if ((status = parse_jobs(c, optarg, &f.jobs)))
				goto out_status;
			break;
		case 'h': fputs(create_usage, stdout); status = 0; goto out_status;
		default: status = cli_bad_option(c, "bundle", argv); goto out_status;
		}
	}
	if (optind + 1 != argc || !spec.out) {
		status = cli_usage(c, "bundle", "bundle create needs one LOCKFILE and -o FILE.pfb");
		goto out_status;
	}
	spec.lock_path = argv[optind];
	rc = check_lock(c, spec.lock_path, spec.catalog, &where, sha);
	if (!rc)
		rc = f.cache_dir ? ctx_private_dir(f.cache_dir, &c->err) : ctx_cache_dir(&c->ctx, &f.cache_dir, &c->err);
	if (rc) {
		status = cli_fail(c, rc);
		goto out_status;
	}
	spec.catalog = where;
	spec.catalog_sha256 = sha;
	/* the roots accepted here after version 1 travel with it: the receiving site walks them */
	if (!ctx_trust_overridden(&c->ctx) && (rc = ctx_root_files(&c->ctx, &roots, &c->err))) {
		status = cli_fail(c, rc);
		goto out_status;
	}
	spec.roots = &roots;
	spec.fetch = &f;
	cli_bar_init(&bar, c, "fetching");
	f.progress = cli_bar_fetch;
	f.progress_ud = &bar;
	rc = fetch_bundle_create(&spec, &made, &c->err);
	cli_bar_done(&bar);
	if (rc) {
		status = cli_fail(c, rc);
		goto out_status;
	}
	if (c->json) {
		printf("{\"bundle\":");
		cli_json_str(stdout, spec.out);
		printf(",\"sha256\":\"%s\",\"size\":%llu,\"artifacts\":%zu,\"catalog\":", made.sha256,
		       (unsigned long long)made.size, made.nartifacts);
		cli_json_str(stdout, made.catalog_from);
		printf("}\n");
	} else {
		cli_info(c, "wrote %s: %zu artifact%s, catalog from %s, %llu bytes, sha256 %s", spec.out,
			 made.nartifacts, made.nartifacts == 1 ? "" : "s", made.catalog_from,
			 (unsigned long long)made.size, made.sha256);
	}
	status = 0;
out_status:
	pf_strv_release(&roots);
	free(made.catalog_from);
	free(where);
	pf_strv_release(&f.mirrors);
	return status;
}

static void print_contents(struct cli *c, const char *path, const char *sha, uint64_t size,
			   const struct fetch_bundle_contents *bc)
{
	const struct lockfile *l = &bc->lock;

	if (c->json) {
		printf("{\"bundle\":");
		cli_json_str(stdout, path);
		printf(",\"sha256\":\"%s\",\"size\":%llu,\"catalog\":{\"name\":", sha, (unsigned long long)size);
		cli_json_str(stdout, bc->catalog.name);
		printf(",\"version\":%lld,\"sha256\":\"%s\",\"signers\":[", bc->catalog.version, bc->catalog.sha256);
		for (size_t i = 0; i < bc->signers.n; i++)
			printf("%s\"%s\"", i ? "," : "", bc->signers.v[i]);
		printf("]},\"advisories\":");
		if (bc->has_advisories) {
			printf("{\"name\":");
			cli_json_str(stdout, bc->advisories.name);
			printf(",\"version\":%lld,\"count\":%zu}", bc->advisories.version, bc->advisories.n);
		} else {
			printf("null");
		}
		printf(",\"lock\":{\"image\":");
		cli_json_str(stdout, l->image_name ? l->image_name : "");
		printf(",\"sha256\":\"%s\"},\"packages\":[", l->sha256);
		for (size_t i = 0; i < l->npkgs; i++) {
			const struct lock_pkg *p = &l->pkgs[i];

			printf("%s{\"ecosystem\":", i ? "," : "");
			cli_json_str(stdout, p->ecosystem);
			printf(",\"name\":");
			cli_json_str(stdout, p->name);
			printf(",\"version\":");
			cli_json_str(stdout, p->version);
			printf(",\"file\":");
			cli_json_str(stdout, p->artifact.file);
			printf(",\"size\":%llu,\"sha256\":\"%s\"}", (unsigned long long)p->artifact.size,
			       p->artifact.sha256);
		}
		printf("],\"ok\":true}\n");
		return;
	}
	cli_out(c, "bundle %s", path);
	cli_out(c, "  sha256 %s, %llu bytes", sha, (unsigned long long)size);
	cli_out(c, "catalog %s version %lld (sha256 %s)", bc->catalog.name, bc->catalog.version, bc->catalog.sha256);
	cli_out(c, "  expires %s", bc->catalog.expires);
	for (size_t i = 0; i < bc->signers.n; i++)
		cli_out(c, "  signed by %s", bc->signers.v[i]);
	if (bc->has_advisories)
		cli_out(c, "advisories %s version %lld: %zu advisor%s, expires %s", bc->advisories.name,
			bc->advisories.version, bc->advisories.n, bc->advisories.n == 1 ? "y" : "ies",
			bc->advisories.expires);
	else
		cli_out(c, "advisories: none in this bundle");
	cli_out(c, "lock for image %s (sha256 %s): %zu package%s, %llu bytes of artifacts",
		l->image_name ? l->image_name : "?", l->sha256, l->npkgs, l->npkgs == 1 ? "" : "s",
		(unsigned long long)bc->artifact_bytes);
	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];

		cli_out(c, "  %s:%s %s  %s  %llu  %s", p->ecosystem, p->name, p->version, p->artifact.file,
			(unsigned long long)p->artifact.size, p->artifact.sha256);
	}
	cli_info(c, "ok: signatures, lock and every artifact check out");
}

static int bundle_verify(struct cli *c, int argc, char **argv)
{
	enum { OPT_LOCK = 256 };
	static const struct option opts[] = {
		{ "lock", required_argument, NULL, OPT_LOCK },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *lock_path = NULL;
	struct ctx_bundle cb;
	char sha[PF_SHA256_HEX];
	uint64_t size = 0;
	int opt, rc, status;

	memset(&cb, 0, sizeof cb);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(verify_usage, stdout);
			return 0;
		}
		if (opt == OPT_LOCK) {
			lock_path = optarg;
			continue;
		}
		return cli_bad_option(c, "bundle", argv);
	}
	if (optind + 1 != argc)
		return cli_usage(c, "bundle", "bundle verify needs one FILE.pfb");
	rc = ctx_bundle_open(&c->ctx, argv[optind], 1, &cb, &c->err);
	if (cb.root.to > cb.root.from)
		cli_info(c, "root version %lld -> %lld (carried by the bundle)", cb.root.from, cb.root.to);
	if (!rc && lock_path)
		rc = fetch_bundle_same_lock(&cb.bc, lock_path, &c->err);
	if (!rc) {
		warn_revoked(c, cb.revoked, cb.nrevoked);
		if (cb.nrevoked)
			rc = pf_error(&c->err, PF_EREVOKED, "bundle '%s': %zu locked package%s revoked by its advisories "
				      "(first: %s:%s %s)", argv[optind], cb.nrevoked, cb.nrevoked == 1 ? " is" : "s are",
				      cb.revoked[0].pkg->ecosystem, cb.revoked[0].pkg->name, cb.revoked[0].pkg->version);
	}
	if (!rc)
		rc = pf_sha256_file(argv[optind], sha, &size, &c->err);
	if (rc) {
		status = cli_fail(c, rc);
		/* a bundle that is malformed, oversized or truncated is refused like a tampered one */
		if (rc == -PF_EFORMAT || rc == -PF_ETOOBIG)
			status = 1;
		goto out;
	}
	print_contents(c, argv[optind], sha, size, &cb.bc);
	status = 0;
out:
	ctx_bundle_close(&cb);
	return status;
}

int cmd_bundle(struct cli *c, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		if (argc < 2)
			return cli_usage(c, "bundle", "bundle needs a subcommand: create or verify");
		cli_print_usage(stdout, "bundle");
		fputs("\n", stdout);
		fputs(create_usage, stdout);
		fputs("\n", stdout);
		fputs(verify_usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "create"))
		return bundle_create(c, argc - 1, argv + 1);
	if (!strcmp(argv[1], "verify"))
		return bundle_verify(c, argc - 1, argv + 1);
	return cli_usage(c, "bundle", "'%s': unknown bundle subcommand (create or verify)", argv[1]);
}
