/* SPDX-License-Identifier: MIT */
/* pinfold audit: list the packages of a lockfile or environment that signed advisories revoke. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog/verified.h"
#include "cli/cli.h"
#include "core/file.h"
#include "core/time.h"
#include "fetch/fetch.h"
#include "install/envfile.h"
#include "lock/audit.h"
#include "lock/lock.h"
#include "trust/trust.h"

#define ENV_LOCK ".pinfold/lock"

static void usage(FILE *f)
{
	cli_print_usage(f, "audit");
	fputs("\nTARGET is a lockfile, an environment tarball (.tar.zst) or an unpacked environment\n"
	      "directory (its .pinfold/lock is read). The advisories are verified first; then every\n"
	      "locked package an advisory covers is listed. Exit 1 when any is, 0 when none is.\n"
	      "\noptions:\n"
	      "  --catalog DIR|URL  read advisories.yaml from this catalog (default: the catalog\n"
	      "                     recorded in a lockfile; for environments, the saved copy)\n"
	      "  --offline          use only the last verified advisories kept in the state dir\n", f);
}

enum target_kind { T_LOCKFILE, T_TARBALL, T_ENVDIR };

static const char *const kind_names[] = { "lockfile", "tarball", "environment" };

static int is_zstd(const char *path)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	unsigned char b[4];
	FILE *f = fopen(path, "rb");
	int r = f && fread(b, 1, 4, f) == 4 && !memcmp(b, magic, 4);

	if (f)
		fclose(f);
	return r;
}

static int load_target(struct cli *c, const char *target, struct lockfile *l, enum target_kind *kind)
{
	struct pf_buf buf = PF_BUF_INIT;
	char *p = NULL;
	int rc;

	if (pf_is_dir(target)) {
		*kind = T_ENVDIR;
		p = pf_path_join(target, ENV_LOCK);
		if (!pf_exists(p)) {
			rc = pf_error(&c->err, PF_ENOTFOUND, "'%s': not a pinfold environment (no %s)", target,
				      ENV_LOCK);
			goto out;
		}
		rc = lock_load(l, p, &c->err);
	} else if (is_zstd(target)) {
		*kind = T_TARBALL;
		rc = install_env_read(target, ENV_LOCK, PF_MAX_SMALL, &buf, &c->err);
		p = pf_xasprintf("%s:%s", target, ENV_LOCK);
		if (!rc)
			rc = lock_parse(l, p, buf.p, buf.len, &c->err);
	} else {
		*kind = T_LOCKFILE;
		rc = lock_load(l, target, &c->err);
	}
out:
	free(p);
	pf_buf_release(&buf);
	return rc;
}

/* Where the lock's catalog lives, relative to the lockfile; NULL for environments. Caller frees. */
static char *lock_catalog_source(const char *target, enum target_kind kind, const struct lockfile *l)
{
	char *dir, *s;

	if (!l->catalog_source || !*l->catalog_source)
		return NULL;
	if (fetch_is_url(l->catalog_source) || l->catalog_source[0] == '/')
		return pf_xstrdup(l->catalog_source);
	if (kind != T_LOCKFILE)
		return NULL;
	dir = pf_dirname(target);
	s = pf_path_join(dir, l->catalog_source);
	free(dir);
	return s;
}

struct adv_source {
	const char *where;		/* the catalog read, or the saved copy's directory */
	int saved;			/* 1: the state dir's copy */
	time_t saved_at;
	int expired;
	int none;			/* the catalog publishes no advisories */
};

/* 1 when src cannot be reached at all (as opposed to a file in it being bad). */
static int unreachable(const char *src, int rc)
{
	return rc == -PF_ENET || (!fetch_is_url(src) && !pf_is_dir(src));
}

static int open_from_catalog(struct cli *c, const char *src, const struct verify_opts *o, struct advisories *a,
			     struct adv_source *as)
{
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	char *label = fetch_is_url(src) ? pf_xasprintf("%s/%s", src, ADVISORIES_FILE) : pf_path_join(src, ADVISORIES_FILE);
	int rc;

	rc = fetch_small(src, ADVISORIES_FILE, PF_MAX_CATALOG, &data, &c->err);
	if (rc == -PF_ENOTFOUND && !unreachable(src, rc)) {
		pf_err_clear(&c->err);
		as->none = 1;
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	rc = fetch_small(src, ADVISORIES_SIG, PF_MAX_SMALL, &sig, &c->err);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(&c->err);
		rc = pf_error(&c->err, PF_EBADSIG, "'%s': not signed (%s is missing)", label, ADVISORIES_SIG);
	}
	if (rc)
		goto out;
	rc = advisories_verify_bytes(label, data.p, data.len, sig.p, sig.len, o, a, NULL, &c->err);
	if (rc)
		goto out;
	as->where = src;
	/* Keep what verified for offline audits and the activation check. */
	if (lock_audit_save(c->state_dir, a, data.p, data.len, sig.p, sig.len, &c->err)) {
		cli_warn(c, "cannot save the verified advisories: %s", c->err.msg);
		pf_err_clear(&c->err);
	}
out:
	free(label);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	return rc;
}

static void print_age(struct cli *c, const struct advisories *a, const struct adv_source *as)
{
	char when[PF_TIME_STR];
	long long days = as->saved_at ? (long long)(pf_now() - as->saved_at) / 86400 : -1;

	pf_time_format(as->saved_at, when);
	if (as->saved_at)
		cli_warn(c, "using the advisories '%s' version %lld last verified at %s (%lld day%s old)", a->name,
			 a->version, when, days, days == 1 ? "" : "s");
	else
		cli_warn(c, "using the saved advisories '%s' version %lld (age unknown)", a->name, a->version);
	if (as->expired)
		cli_warn(c, "advisories '%s' expired at %s; newer advisories may exist", a->name,
			 a->expires ? a->expires : "?");
}

static void json_finding(const struct audit_finding *f)
{
	printf("{\"ecosystem\":");
	cli_json_str(stdout, f->pkg->ecosystem);
	printf(",\"name\":");
	cli_json_str(stdout, f->pkg->name);
	printf(",\"version\":");
	cli_json_str(stdout, f->pkg->version);
	printf(",\"advisory\":");
	cli_json_str(stdout, f->adv->id);
	printf(",\"severity\":");
	cli_json_str(stdout, f->adv->severity ? f->adv->severity : "");
	printf(",\"reason\":");
	cli_json_str(stdout, f->adv->reason ? f->adv->reason : "");
	printf(",\"advice\":");
	cli_json_str(stdout, f->adv->advice ? f->adv->advice : "");
	printf(",\"published\":");
	cli_json_str(stdout, f->adv->published ? f->adv->published : "");
	printf("}");
}

static void print_json(const char *target, enum target_kind kind, const struct lockfile *l,
		       const struct advisories *a, const struct adv_source *as, const struct audit_finding *f,
		       size_t n)
{
	char when[PF_TIME_STR];

	printf("{\"target\":");
	cli_json_str(stdout, target);
	printf(",\"kind\":\"%s\",\"image\":", kind_names[kind]);
	cli_json_str(stdout, l->image_name ? l->image_name : "");
	printf(",\"advisories\":");
	if (as->none) {
		printf("null");
	} else {
		printf("{\"name\":");
		cli_json_str(stdout, a->name);
		printf(",\"version\":%lld,\"source\":", a->version);
		cli_json_str(stdout, as->where ? as->where : "");
		printf(",\"saved\":%s", as->saved ? "true" : "false");
		if (as->saved && as->saved_at) {
			pf_time_format(as->saved_at, when);
			printf(",\"verified_at\":\"%s\",\"age_days\":%lld", when,
			       (long long)(pf_now() - as->saved_at) / 86400);
		}
		printf(",\"expired\":%s}", as->expired ? "true" : "false");
	}
	printf(",\"affected\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			putchar(',');
		json_finding(&f[i]);
	}
	printf("],\"clean\":%s}\n", n ? "false" : "true");
}

static void print_text(struct cli *c, const char *target, const struct advisories *a, const struct adv_source *as,
		       const struct audit_finding *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cli_out(c, "%s:%s %s: revoked by %s (%s): %s", f[i].pkg->ecosystem, f[i].pkg->name,
			f[i].pkg->version, f[i].adv->id, f[i].adv->severity ? f[i].adv->severity : "unrated",
			f[i].adv->reason ? f[i].adv->reason : "");
		if (f[i].adv->advice && *f[i].adv->advice)
			cli_out(c, "  advice: %s", f[i].adv->advice);
	}
	if (as->none)
		cli_info(c, "'%s': the catalog publishes no advisories; nothing is revoked", target);
	else if (!n)
		cli_info(c, "'%s': clean against advisories '%s' version %lld", target, a->name, a->version);
}

int cmd_audit(struct cli *c, int argc, char **argv)
{
	enum { OPT_CATALOG = 256, OPT_OFFLINE };
	static const struct option opts[] = {
		{ "catalog", required_argument, NULL, OPT_CATALOG },
		{ "offline", no_argument, NULL, OPT_OFFLINE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lockfile l;
	struct advisories a;
	struct adv_source as;
	struct trust_store *store = NULL;
	struct verify_opts o;
	struct audit_finding *f = NULL;
	enum target_kind kind = T_LOCKFILE;
	const char *catalog = NULL, *target;
	char *src = NULL, *saved_dir = NULL;
	size_t n = 0;
	int opt, offline = 0, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': usage(stdout); return 0;
		case OPT_CATALOG: catalog = optarg; break;
		case OPT_OFFLINE: offline = 1; break;
		default: return cli_usage(c, "audit", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage(c, "audit", "expected one TARGET (lockfile, environment tarball or directory)");
	if (offline && catalog)
		return cli_usage(c, "audit", "--offline and --catalog exclude each other");
	target = argv[optind];
	memset(&l, 0, sizeof l);
	memset(&a, 0, sizeof a);
	memset(&as, 0, sizeof as);

	rc = load_target(c, target, &l, &kind);
	if (!rc)
		rc = cli_trust_store(c, &store);
	if (rc)
		goto out;
	cli_verify_opts(c, store, 1, &o);

	if (!offline)
		src = catalog ? pf_xstrdup(catalog) : lock_catalog_source(target, kind, &l);
	if (src) {
		cli_debug(c, "reading advisories from '%s'", src);
		rc = open_from_catalog(c, src, &o, &a, &as);
		if (rc && unreachable(src, rc)) {
			cli_warn(c, "%s", c->err.code ? c->err.msg : pf_strerror(rc));
			cli_warn(c, "'%s' cannot be reached; falling back to the saved advisories", src);
			pf_err_clear(&c->err);
			free(src);
			src = NULL;
		} else if (rc) {
			goto out;
		}
	}
	if (!src) {
		if (!l.catalog_name) {
			rc = pf_error(&c->err, PF_ENOTFOUND, "'%s': the lock names no catalog", target);
			goto out;
		}
		rc = lock_audit_load_saved(c->state_dir, l.catalog_name, store, &o.policy, &a, &as.saved_at,
					   &as.expired, &c->err);
		if (rc == -PF_ENOTFOUND) {
			pf_err_clear(&c->err);
			rc = pf_error(&c->err, PF_ENOTFOUND, "no reachable catalog and no saved advisories for "
				      "catalog '%s'; run 'pinfold audit %s --catalog DIR|URL' once", l.catalog_name,
				      target);
		}
		if (rc)
			goto out;
		saved_dir = pf_xasprintf("%s/" LOCK_AUDIT_SAVED "/%s", c->state_dir, l.catalog_name);
		as.where = saved_dir;
		as.saved = 1;
		print_age(c, &a, &as);
	} else if (as.none && pf_exists(saved_dir = pf_xasprintf("%s/" LOCK_AUDIT_SAVED "/%s/%s", c->state_dir,
							      l.catalog_name ? l.catalog_name : "-",
							      ADVISORIES_FILE))) {
		/* Advisories were published before: a catalog without them now hides revocations. */
		rc = pf_error(&c->err, PF_EROLLBACK, "'%s': has no %s, but advisories '%s' were verified before; "
			      "refusing to treat the catalog as clean", src, ADVISORIES_FILE, l.catalog_name);
		goto out;
	}

	if (!as.none) {
		rc = lock_audit(&l, &a, &f, &n, &c->err);
		if (rc)
			goto out;
	}
	if (c->json)
		print_json(target, kind, &l, &a, &as, f, n);
	else
		print_text(c, target, &a, &as, f, n);
	rc = n ? 1 : 0;
	if (n && !c->json)
		cli_warn(c, "'%s': %zu package%s revoked; treat this %s as affected", target, n,
			 n == 1 ? " is" : "s are", kind_names[kind]);
	free(f);
	free(src);
	free(saved_dir);
	advisories_release(&a);
	lock_release(&l);
	trust_store_free(store);
	return rc;
out:
	free(f);
	free(src);
	free(saved_dir);
	advisories_release(&a);
	lock_release(&l);
	trust_store_free(store);
	return cli_fail(c, rc);
}
