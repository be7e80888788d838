/* SPDX-License-Identifier: MIT */
/* pinfold audit: list the packages of a lockfile or environment that signed advisories revoke. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/watch.h"
#include "core/file.h"
#include "core/time.h"
#include "ctx/ctx.h"
#include "install/envfile.h"
#include "install/startup.h"
#include "lock/lock.h"
#include "pack/pack.h"
#include "watch/advisories.h"

#define ENV_LOCK PACK_LOCK

static void usage(FILE *f)
{
	cli_print_usage(f, "audit");
	fputs("\nTARGET is a lockfile, an environment tarball (.tar.zst) or an unpacked environment\n"
	      "directory (its .pinfold/lock is read). A lockfile is checked as build checks it: against\n"
	      "its signed catalog (every locked artifact identical to the catalog's, eligible), whose\n"
	      "verified advisories then list the revoked packages. An environment (or --offline) is\n"
	      "checked against the last verified advisories kept in the state dir, unless --catalog\n"
	      "names its catalog. Exit 1 when a package is revoked or the lock cannot be checked.\n"
	      "For environments, the files that run code when Python starts (.pinfold/startup.yaml)\n"
	      "are shown too (on stderr; \"startup\" in --json).\n"
	      "\noptions:\n"
	      "  --catalog DIR|URL  the signed catalog (default: a lockfile's catalog.source; for\n"
	      "                     environments, the saved advisories)\n"
	      "  --offline          only the last verified advisories kept in the state dir; a\n"
	      "                     lockfile's artifacts are then not checked, which is an error\n"
	      "  --all              every environment this machine built, unpacked or ran (the registry),\n"
	      "                     deleted ones too: its lock and what is installed there now, against\n"
	      "                     every verified advisories set kept here (see 'pinfold advisories')\n", f);
}

enum target_kind { T_LOCKFILE, T_TARBALL, T_ENVDIR };

static const char *const kind_names[] = { "lockfile", "tarball", "environment" };

static int is_zstd(const char *path)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	unsigned char b[4];
	struct pf_err e = { 0 };
	int fd = pf_open_regular(path, 0, NULL, &e), r;	/* a FIFO is not waited for: the reader refuses it */

	r = fd >= 0 && pf_read_full(fd, b, 4) == 4 && !memcmp(b, magic, 4);
	if (fd >= 0)
		close(fd);
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

/*
 * What in an environment runs code when Python starts (.pinfold/startup.yaml,
 * written by build): shown, never a failure. Environments built before it
 * have none.
 */
static void load_startup(struct cli *c, const char *target, enum target_kind kind, struct pf_strv *lines,
			 struct pf_buf *json)
{
	struct pf_buf b = PF_BUF_INIT;
	struct pf_err e = { 0 };
	char *p = NULL;
	int rc;

	if (kind == T_ENVDIR) {
		p = pf_path_join(target, INSTALL_STARTUP_PATH);
		rc = pf_read_file_flags(p, PF_OPEN_NOFOLLOW, PF_MAX_SMALL, &b, &e);
	} else if (kind == T_TARBALL) {
		p = pf_xasprintf("%s:%s", target, INSTALL_STARTUP_PATH);
		rc = install_env_read(target, INSTALL_STARTUP_PATH, PF_MAX_SMALL, &b, &e);
	} else {
		return;
	}
	if (!rc)
		rc = install_startup_parse(p, b.p ? b.p : "", b.len, lines, json, &e);
	if (rc && rc != -PF_ENOTFOUND)
		cli_warn(c, "%s", e.msg);
	free(p);
	pf_buf_release(&b);
}

static void json_finding(const struct ctx_finding *f)
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

static void print_json(time_t now, const char *target, enum target_kind kind, const struct lockfile *l,
		       const struct ctx_adv *as, const struct ctx_finding *f, size_t n, int checked, int unchecked,
		       const struct pf_buf *startup)
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
		cli_json_str(stdout, as->a.name);
		printf(",\"version\":%lld,\"source\":", as->a.version);
		cli_json_str(stdout, as->where ? as->where : "");
		printf(",\"saved\":%s", as->saved ? "true" : "false");
		if (as->saved && as->saved_at) {
			pf_time_format(as->saved_at, when);
			printf(",\"verified_at\":\"%s\",\"age_days\":%lld", when,
			       (long long)(now - as->saved_at) / 86400);
		}
		printf(",\"expired\":%s,\"stale\":%s}", as->expired ? "true" : "false", as->stale ? "true" : "false");
	}
	printf(",\"affected\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			putchar(',');
		json_finding(&f[i]);
	}
	printf("],\"startup\":%s,\"catalog_checked\":%s,\"clean\":%s}\n", startup->len ? startup->p : "null",
	       checked ? "true" : "false", n || unchecked ? "false" : "true");
}

static void print_text(struct cli *c, time_t now, const char *target, const struct ctx_adv *as,
		       const struct ctx_finding *f, size_t n, int unchecked)
{
	char when[PF_TIME_STR], *age;

	for (size_t i = 0; i < n; i++) {
		cli_out(c, "%s:%s %s: revoked by %s (%s): %s", f[i].pkg->ecosystem, f[i].pkg->name,
			f[i].pkg->version, f[i].adv->id, f[i].adv->severity ? f[i].adv->severity : "unrated",
			f[i].adv->reason ? f[i].adv->reason : "");
		if (f[i].adv->advice && *f[i].adv->advice)
			cli_out(c, "  advice: %s", f[i].adv->advice);
	}
	if (as->none) {
		cli_info(c, "'%s': the catalog publishes no advisories; nothing is revoked", target);
		return;
	}
	/* how fresh the advisories are belongs in the summary, not in a warning (ctx/advisories.c warns) */
	pf_time_format(as->saved_at, when);
	age = !as->saved ? pf_xasprintf("just verified from '%s'", as->where ? as->where : "") :
	      as->saved_at ? pf_xasprintf("saved copy verified at %s, %lld day%s old", when,
					  (long long)(now - as->saved_at) / 86400,
					  (now - as->saved_at) / 86400 == 1 ? "" : "s") :
	      pf_xstrdup("saved copy of unknown age");
	if (unchecked)	/* never "clean": the lock itself was not checked (the error line says so) */
		cli_info(c, "'%s': %s advisories '%s' version %lld (%s)", target,
			 n ? "affected according to" : "nothing revoked by", as->a.name, as->a.version, age);
	else
		cli_info(c, "'%s': %s against advisories '%s' version %lld (%s)", target, n ? "affected" : "clean",
			 as->a.name, as->a.version, age);
	free(age);
}

int cmd_audit(struct cli *c, int argc, char **argv)
{
	enum { OPT_CATALOG = 256, OPT_OFFLINE, OPT_ALL };
	static const struct option opts[] = {
		{ "catalog", required_argument, NULL, OPT_CATALOG },
		{ "offline", no_argument, NULL, OPT_OFFLINE },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lockfile l;
	struct ctx_audit au;
	enum target_kind kind = T_LOCKFILE;
	const char *catalog = NULL, *target;
	char *dir = NULL;
	struct pf_strv startup = PF_STRV_INIT;
	struct pf_buf startup_json = PF_BUF_INIT;
	size_t n = 0;
	int opt, offline = 0, all = 0, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': usage(stdout); return 0;
		case OPT_CATALOG: catalog = optarg; break;
		case OPT_OFFLINE: offline = 1; break;
		case OPT_ALL: all = 1; break;
		default: return cli_bad_option(c, "audit", argv);
		}
	}
	if (all) {
		if (optind != argc || catalog || offline)
			return cli_usage(c, "audit", "--all takes no TARGET, --catalog or --offline");
		return cli_audit_all(c, NULL, NULL);
	}
	if (optind + 1 != argc)
		return cli_usage(c, "audit", "expected one TARGET (lockfile, environment tarball or directory)");
	if (offline && catalog)
		return cli_usage(c, "audit", "--offline and --catalog exclude each other");
	target = argv[optind];
	memset(&l, 0, sizeof l);
	memset(&au, 0, sizeof au);

	rc = load_target(c, target, &l, &kind);
	if (rc)
		goto out;
	{
		/* a lock inside an environment has no meaningful relative catalog path */
		struct ctx_lock_src src = { target, kind == T_LOCKFILE ? (dir = pf_dirname(target)) : NULL, catalog };

		if (kind != T_LOCKFILE || offline) {
			/* the advisories shipped with pinfold are a fresh machine's saved copy (watch/advisories.h) */
			struct pf_err se = { 0 };
			int seeded;

			if (watch_advisories_seed(&c->ctx, cli_default_catalog(c), &seeded, &se))
				cli_warn(c, "%s", se.msg);
		}
		rc = ctx_audit(&c->ctx, &l, &src, kind != T_LOCKFILE, offline, &au, &c->err);
	}
	if (rc)
		goto out;
	n = au.nrevoked;
	load_startup(c, target, kind, &startup, &startup_json);
	if (c->json) {
		print_json(c->ctx.now, target, kind, &l, &au.adv, au.revoked, n, au.checked, au.unchecked,
			   &startup_json);
	} else {
		print_text(c, c->ctx.now, target, &au.adv, au.revoked, n, au.unchecked);
		for (size_t i = 0; i < startup.n; i++)
			cli_info(c, "runs code at Python start (reviewed in the catalog): %s", startup.v[i]);
	}
	if (n && !c->json)
		cli_warn(c, "'%s': %zu package%s revoked; treat this %s as affected", target, n,
			 n == 1 ? " is" : "s are", kind_names[kind]);
	if (au.unchecked)
		rc = pf_error(&c->err, PF_ECHECK, "'%s': not checked against its signed catalog (%s); only its "
			      "revocations were, from the saved advisories", target,
			      offline ? "--offline" : "no catalog could be reached");
out:
	free(dir);
	pf_strv_release(&startup);
	pf_buf_release(&startup_json);
	ctx_audit_release(&au);
	lock_release(&l);
	if (rc)
		return cli_fail(c, rc);
	return n ? 1 : 0;
}
