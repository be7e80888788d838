/* SPDX-License-Identifier: MIT */
/* pinfold catalog import-debian: Debian packages and their dependency closure from the archive's signed index. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "core/file.h"
#include "core/time.h"
#include "fetch/fetch.h"
#include "import/import.h"
#include "install/meta.h"
#include "solve/solve.h"

const char cli_usage_import_debian[] =
	"usage: pinfold catalog import-debian DIR [--lists DIR|URL]... [--keyring FILE|DIR]...\n"
	"                                     [--suite NAME]... [--component NAME]... [--arch ARCH]\n"
	"                                     [--debs DIR|URL]... [--no-debs] [--upgrade] [--dry-run]\n"
	"                                     [--by WHO] PACKAGE[=VERSION]...\n"
	"  Add Debian packages and their whole dependency closure (Pre-Depends, Depends) from the\n"
	"  archive's signed index to the working catalog DIR, verified in-process first: InRelease's\n"
	"  OpenPGP signature, the signing key, Valid-Until, each Packages file's size and SHA-256.\n"
	"  --lists DIR|URL     apt's lists directory (default " IMPORT_DEFAULT_LISTS "), a mirror\n"
	"                      directory or a mirror URL (with dists/); repeatable\n"
	"  --keyring FILE|DIR  trusted OpenPGP keys: a keyring file, or every *.gpg and *.asc in a\n"
	"                      directory (default " IMPORT_DEFAULT_KEYRING ")\n"
	"  --suite NAME        suites to read, newest eligible version wins (default: this system's\n"
	"                      codename with -updates and -security)\n"
	"  --component NAME    archive components (default main)\n"
	"  --arch ARCH         Debian architecture (default: this machine's)\n"
	"  --debs DIR|URL      where .debs may lie, to date a version by its changelog (default\n"
	"                      " IMPORT_APT_ARCHIVES "; mirrors given with --lists are used too)\n"
	"  --no-debs           date every version by its index's Date (an upper bound)\n"
	"  --upgrade           also add newer eligible versions of packages the catalog has\n"
	"  --dry-run           show what would change; write nothing\n"
	"  --by WHO            recorded as vetted.by (default import-debian)\n";

struct import_cli {
	struct cli *c;
	struct solve_policy pol;
	struct pf_strv debs;		/* flat directories or URLs of .debs by apt's file names */
	int no_debs;
	const char *cache;		/* borrowed from the context */
};

/* The one eligibility rule (release age, revocation), called here and nowhere else in this command. */
static char *exclusion(void *ud, const struct catalog_pkg *p)
{
	struct import_cli *ic = ud;

	int code = 0;

	return ctx_eligible(&ic->pol, p, &code, NULL);
}

static int fetch_one(struct import_cli *ic, const struct pf_strv *mirrors, const char *file,
		     const struct import_pkg *p, char **path, int *fd, struct pf_err *e)
{
	struct catalog_artifact a;
	const struct catalog_artifact *arts[1] = { &a };
	struct fetch_ctx f;
	int rc;

	memset(&a, 0, sizeof a);
	a.file = file;
	a.format = "deb";
	a.size = p->size;
	memcpy(a.sha256, p->sha256, PF_SHA256_HEX);
	memset(&f, 0, sizeof f);
	f.cache_dir = ic->cache;
	f.mirrors = *mirrors;
	f.jobs = 1;
	rc = fetch_all(&f, arts, 1, path, fd, e);
	return rc;
}

/* Debian's own date of a version: the changelog of its .deb, when the .deb can be had with the right hash. */
static int published(void *ud, const struct import_index *ix, const struct import_pkg *p, char date[PF_DATE_STR],
		     struct pf_err *e)
{
	struct import_cli *ic = ud;
	struct pf_strv pool = PF_STRV_INIT;
	char *file = NULL, *path = NULL, *dir;
	const char *how = "";
	int fd = -1;
	int rc = -PF_ENOTFOUND;

	if (ic->no_debs)
		return pf_error(e, PF_ENOTFOUND, "no .debs asked for");
	file = import_deb_file_name(p);
	if (ic->debs.n) {
		rc = fetch_one(ic, &ic->debs, file, p, &path, &fd, e);
		if (rc == -PF_ENOTFOUND || rc == -PF_EDIGEST)
			pf_err_clear(e);
	}
	/* a mirror's pool: <archive>/<dirname of Filename>/<its base name> */
	dir = pf_dirname(p->filename);
	for (size_t s = 0; s < import_index_nsuites(ix); s++) {
		const struct import_suite *su = import_index_suite(ix, s);

		if ((p->suites & (1u << s)) && su->archive) {
			char *m = pf_xasprintf("%s/%s", su->archive, dir);

			if (!pf_strv_contains(&pool, m))
				pf_strv_push(&pool, m);
			free(m);
		}
	}
	free(dir);
	if (!path && pool.n) {
		rc = fetch_one(ic, &pool, pf_basename(p->filename), p, &path, &fd, e);
		if (rc == -PF_ENOTFOUND || rc == -PF_EDIGEST)
			pf_err_clear(e);
	}
	if (path) {
		rc = install_deb_date(fd, path, p->name, p->arch, date, &how, e);
		if (!rc)
			cli_debug(ic->c, "deb:%s %s: published %s (%s of %s)", p->name, p->version, date, how, path);
	} else if (rc == -PF_ENOTFOUND || rc == -PF_EDIGEST) {
		rc = pf_error(e, PF_ENOTFOUND, "no .deb");
	}
	if (fd >= 0)
		close(fd);
	free(path);
	free(file);
	pf_strv_release(&pool);
	return rc;
}

static int url_fetch(void *ud, const char *base, const char *name, size_t max, struct pf_buf *out, struct pf_err *e)
{
	(void)ud;
	return fetch_small(base, name, max, out, e);
}

/* This machine's Debian architecture (dpkg's name for it). */
static const char *host_arch(void)
{
	static const struct { const char *uname, *deb; } map[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i686", "i386" }, { "i586", "i386" },
		{ "i386", "i386" }, { "armv7l", "armhf" }, { "ppc64le", "ppc64el" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" }, { "mips64", "mips64el" },
	};
	static struct utsname u;

	if (uname(&u) == 0)
		for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
			if (!strcmp(u.machine, map[i].uname))
				return map[i].deb;
	return NULL;
}

/* VERSION_CODENAME of /etc/os-release (caller frees), or NULL. */
static char *host_codename(void)
{
	struct pf_buf b = PF_BUF_INIT;
	struct pf_err e;
	char *out = NULL;

	memset(&e, 0, sizeof e);
	if (pf_read_file("/etc/os-release", 65536, &b, &e) == 0) {
		for (const char *p = pf_buf_cstr(&b); p && *p;) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);

			if (len > 17 && !strncmp(p, "VERSION_CODENAME=", 17)) {
				const char *v = p + 17;
				size_t vl = len - 17;

				if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
					v++;
					vl -= 2;
				}
				if (vl)
					out = pf_xstrndup(v, vl);
				break;
			}
			p = nl ? nl + 1 : NULL;
		}
	}
	pf_buf_release(&b);
	return out;
}

static const char *action_word(enum import_action a, int dry)
{
	switch (a) {
	case IMPORT_ADD: return dry ? "would add" : "added";
	case IMPORT_KEEP: return "kept";
	default: return "skipped";
	}
}

int cat_import_debian(struct cli *c, int argc, char **argv)
{
	enum { O_LISTS = 256, O_KEYRING, O_SUITE, O_COMPONENT, O_ARCH, O_DEBS, O_NO_DEBS, O_UPGRADE, O_DRY, O_BY };
	static const struct option opts[] = {
		{ "lists", required_argument, NULL, O_LISTS },
		{ "keyring", required_argument, NULL, O_KEYRING },
		{ "suite", required_argument, NULL, O_SUITE },
		{ "component", required_argument, NULL, O_COMPONENT },
		{ "arch", required_argument, NULL, O_ARCH },
		{ "debs", required_argument, NULL, O_DEBS },
		{ "no-debs", no_argument, NULL, O_NO_DEBS },
		{ "upgrade", no_argument, NULL, O_UPGRADE },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "by", required_argument, NULL, O_BY },
		{ NULL, 0, NULL, 0 },
	};
	struct pf_strv lists = PF_STRV_INIT, keyrings = PF_STRV_INIT, suites = PF_STRV_INIT, comps = PF_STRV_INIT;
	struct import_cli ic;
	struct import_source *src = NULL;
	struct import_keyring *kr = NULL;
	struct import_index *ix = NULL;
	struct import_result res;
	struct import_opts io;
	struct import_hooks hooks;
	struct catalog cat;
	struct advisories adv;
	const char *arch = NULL, *by = "import-debian", *dir;
	char today[PF_DATE_STR], *codename = NULL;
	int opt, rc = 0, upgrade = 0, dry = 0, have_cat = 0, have_adv = 0, have_res = 0;
	time_t now = c->ctx.now;

	memset(&ic, 0, sizeof ic);
	memset(&res, 0, sizeof res);
	ic.c = c;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case O_LISTS: pf_strv_push(&lists, optarg); break;
		case O_KEYRING: pf_strv_push(&keyrings, optarg); break;
		case O_SUITE: pf_strv_push(&suites, optarg); break;
		case O_COMPONENT: pf_strv_push(&comps, optarg); break;
		case O_ARCH: arch = optarg; break;
		case O_DEBS: pf_strv_push(&ic.debs, optarg); break;
		case O_NO_DEBS: ic.no_debs = 1; break;
		case O_UPGRADE: upgrade = 1; break;
		case O_DRY: dry = 1; break;
		case O_BY: by = optarg; break;
		default:
			rc = cli_bad_option(c, "catalog import-debian", argv);
			goto done;
		}
	}
	if (argc - optind < 2) {
		rc = cli_usage(c, "catalog import-debian", "catalog import-debian: expected DIR and at least one PACKAGE");
		goto done;
	}
	if (ic.no_debs && ic.debs.n) {
		rc = cli_usage(c, "catalog import-debian", "catalog import-debian: --debs and --no-debs exclude each other");
		goto done;
	}
	if (!*by) {
		rc = cli_usage(c, "catalog import-debian", "--by: must not be empty");
		goto done;
	}
	if (!arch && !(arch = host_arch())) {
		rc = cli_usage(c, "catalog import-debian", "this machine's Debian architecture is unknown; name it with "
			       "--arch");
		goto done;
	}
	for (const char *p = arch; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
			rc = cli_usage(c, "catalog import-debian", "--arch: '%s' is not a Debian architecture name", arch);
			goto done;
		}
	for (size_t i = 0; i < suites.n + comps.n; i++) {
		const char *s = i < suites.n ? suites.v[i] : comps.v[i - suites.n];

		if (!*s || strstr(s, "..") || s[0] == '/' || strpbrk(s, " \t\n\\")) {
			rc = cli_usage(c, "catalog import-debian", "'%s' is not a suite or component name", s);
			goto done;
		}
	}
	if (!suites.n) {
		codename = host_codename();
		if (!codename) {
			rc = cli_usage(c, "catalog import-debian", "no VERSION_CODENAME in /etc/os-release; name the suites "
				       "with --suite");
			goto done;
		}
		pf_strv_push(&suites, codename);
		pf_strv_push_owned(&suites, pf_xasprintf("%s-updates", codename));
		pf_strv_push_owned(&suites, pf_xasprintf("%s-security", codename));
	}
	if (!comps.n)
		pf_strv_push(&comps, "main");
	if (!lists.n)
		pf_strv_push(&lists, IMPORT_DEFAULT_LISTS);
	if (!keyrings.n)
		pf_strv_push(&keyrings, IMPORT_DEFAULT_KEYRING);
	if (!ic.debs.n && !ic.no_debs && pf_is_dir(IMPORT_APT_ARCHIVES))
		pf_strv_push(&ic.debs, IMPORT_APT_ARCHIVES);
	dir = argv[optind];

	/* the working catalog and its policy; nothing is written until everything below passed */
	rc = cli_catalog_load(c, dir, &cat, &adv);
	if (rc < 0)
		goto out;
	have_cat = 1;
	have_adv = rc == 0;
	rc = 0;
	ctx_policy(&c->ctx, cat.min_age_days, 0, have_adv ? &adv : NULL, &ic.pol);
	if (!ic.no_debs) {
		rc = ctx_cache_dir(&c->ctx, &ic.cache, &c->err);
		if (rc)
			goto out;
	}

	kr = import_keyring_new();
	for (size_t i = 0; i < keyrings.n && !rc; i++)
		rc = import_keyring_add_path(kr, keyrings.v[i], &c->err);
	if (rc)
		goto out;
	cli_debug(c, "%zu trusted OpenPGP key%s", import_keyring_count(kr), import_keyring_count(kr) == 1 ? "" : "s");
	src = pf_xcalloc(lists.n, sizeof *src);
	for (size_t i = 0; i < lists.n; i++) {
		src[i].where = lists.v[i];
		src[i].fetch = url_fetch;
	}
	ix = import_index_new(arch);
	for (size_t i = 0; i < suites.n && !rc; i++) {
		const struct import_suite *s;

		rc = import_index_add_suite(ix, src, lists.n, suites.v[i], (const char *const *)comps.v, comps.n, kr, now,
					    &c->err);
		if (rc)
			break;
		s = import_index_suite(ix, i);
		cli_info(c, "verified %s: InRelease of %s signed by %s; %zu package%s (%s)", s->name, s->date_str,
			 s->signer, s->npackages, s->npackages == 1 ? "" : "s", arch);
	}
	if (rc)
		goto out;

	pf_date_format(now, today);
	memset(&io, 0, sizeof io);
	io.upgrade = upgrade;
	io.vetted_by = by;
	io.today = today;
	memset(&hooks, 0, sizeof hooks);
	hooks.exclusion = exclusion;
	hooks.published = published;
	hooks.ud = &ic;
	rc = import_resolve(ix, &cat, (const char *const *)argv + optind + 1, (size_t)(argc - optind - 1), &io, &hooks,
			    &res, &c->err);
	if (rc)
		goto out;
	have_res = 1;
	for (size_t i = 0; i < res.nadd && !rc; i++)
		rc = catalog_add(&cat, &res.add[i], &c->err);
	if (rc)
		goto out;
	if (!dry && res.nadd)
		rc = cli_catalog_save(c, dir, &cat);
	if (rc)
		goto out;
	for (size_t i = 0; i < res.nlines; i++)
		cli_info(c, "%s %s", action_word(res.lines[i].action, dry), res.lines[i].text);
	if (res.undated.n) {
		struct pf_buf b = PF_BUF_INIT;

		for (size_t i = 0; i < res.undated.n; i++)
			pf_buf_addf(&b, " %s", res.undated.v[i]);
		cli_info(c, "note: %zu version%s dated by the index (an upper bound: no .deb at hand for the changelog);"
			 " to date them by their changelogs, run 'apt-get download%s' in a directory and pass it with "
			 "--debs", res.undated.n, res.undated.n == 1 ? " is" : "s are", pf_buf_cstr(&b));
		pf_buf_release(&b);
	}
	if (dry)
		cli_info(c, "dry run: %zu package%s would be added to '%s'; nothing written", res.nadd,
			 res.nadd == 1 ? "" : "s", dir);
	else if (res.nadd)
		cli_info(c, "catalog '%s' in '%s': %zu package%s added, %zu in all (unsigned: run 'pinfold catalog sign "
			 "%s --key KEY')", cat.name, dir, res.nadd, res.nadd == 1 ? "" : "s", cat.npkgs, dir);
	else
		cli_info(c, "catalog '%s' in '%s': nothing to add", cat.name, dir);
out:
	if (have_res)
		import_result_release(&res);
	import_index_free(ix);
	import_keyring_free(kr);
	free(src);
	if (have_cat)
		catalog_release(&cat);
	if (have_adv)
		advisories_release(&adv);
	rc = rc ? cli_fail(c, rc) : 0;
done:
	free(codename);
	pf_strv_release(&ic.debs);
	pf_strv_release(&lists);
	pf_strv_release(&keyrings);
	pf_strv_release(&suites);
	pf_strv_release(&comps);
	return rc;
}
