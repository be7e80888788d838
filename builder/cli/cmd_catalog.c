/* SPDX-License-Identifier: MIT */
/* pinfold catalog: create, edit, sign, verify and revoke in a curator's catalog directory. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "catalog/publish.h"
#include "catalog/verified.h"
#include "cli/cli.h"
#include "core/digest.h"
#include "core/file.h"
#include "core/time.h"
#include "ctx/ctx.h"
#include "install/meta.h"
#include "trust/trust.h"

#define DAY 86400

static const char usage_init[] =
	"usage: pinfold catalog init DIR --name NAME [--min-age-days N] [--startup refuse|allow]\n"
	"                            [--advisories-url URL]...\n"
	"  Create DIR/catalog.yaml (unsigned, version 0). NAME: [A-Za-z0-9][A-Za-z0-9._-]*.\n"
	"  --min-age-days N        release-age delay for new packages (default 7)\n"
	"  --startup POLICY        artifacts with code that runs at interpreter or package start: refuse\n"
	"                          (the default: each needs --allow-startup --note at 'add') or allow\n"
	"  --advisories-url URL    where the signed advisories.yaml(.sig) are published (an http(s)\n"
	"                          base; repeatable, tried in order by 'pinfold advisories update')\n";
static const char usage_add[] =
	"usage: pinfold catalog add DIR ARTIFACT... [--published YYYY-MM-DD] [--by WHO] [--note TEXT]\n"
	"                           [--allow-young] [--allow-startup] [--name N --version V [--ecosystem E]]\n"
	"                           [--provides 'ECO:NAME (= VERSION)']...\n"
	"  Add artifacts (.whl, npm .tgz, .deb, generic .tar.gz/.tar.xz/.tar.zst) with the name, version\n"
	"  and dependencies they declare, their size and SHA-256.\n"
	"  --published DATE   upstream release date (default today, which is too young)\n"
	"  --by WHO, --note   who vetted it and what was reviewed\n"
	"  --allow-young      accept a release inside the catalog's min_age_days (needs --note WHY)\n"
	"  --allow-startup    accept code that runs at interpreter or package start (.pth import lines,\n"
	"                     sitecustomize, npm install scripts; needs --note WHY, recorded as\n"
	"                     startup_note); what was found is recorded as startup either way\n"
	"  --name, --version, --ecosystem   name a generic tarball (one artifact only)\n"
	"  --provides TEXT    also provides TEXT, e.g. 'npm:node (= 18.20.4)' for Debian's nodejs\n"
	"                     (one artifact only; a name of any ecosystem; vouched for by the curator)\n";
static const char usage_remove[] =
	"usage: pinfold catalog remove DIR ECOSYSTEM:NAME VERSION\n";
static const char usage_list[] =
	"usage: pinfold catalog list DIR\n"
	"  Print \"ecosystem:name version sha256\" per package of the working copy (unverified), and\n"
	"  what in it runs code at start: \"[startup code: KIND FILE, ...]\", deb maintainer scripts.\n";
static const char usage_sign[] =
	"usage: pinfold catalog sign DIR --key KEY [--key KEY]... [--expires-in DAYS]\n"
	"                            [--advisories-url URL]...\n"
	"  Raise the version, set the expiry (default 30 days) and write catalog.yaml.sig with one\n"
	"  line per key; advisories.yaml, when present, is signed the same way.\n"
	"  --advisories-url URL    replace the catalog's advisories.urls (repeatable)\n";
static const char usage_verify[] =
	"usage: pinfold [--trust FILE]... [--trust-dir DIR] catalog verify DIR [--threshold N]\n"
	"                                                   [--artifacts MIRRORDIR]\n"
	"  Check signatures (N distinct keys of the root's catalog role, never fewer than its\n"
	"  threshold; docs/root.md), expiry and rollback state of\n"
	"  catalog.yaml and advisories.yaml; with --artifacts, also every artifact's size and SHA-256.\n";
static const char usage_revoke[] =
	"usage: pinfold catalog revoke DIR ECOSYSTEM:NAME VERSION...|RANGE --reason TEXT [--advice TEXT]\n"
	"                              [--severity low|medium|high|critical] [--id ID]\n"
	"  Add an advisory to DIR/advisories.yaml (run 'catalog sign' to publish it). A value with\n"
	"  any of '<>=^~*|, ' is a range in the ecosystem's syntax, else exact versions.\n";

static int usage_err(struct cli *c, const char *sub, const char *fmt, const char *arg)
{
	char cmd[64];

	snprintf(cmd, sizeof cmd, "catalog %s", sub);
	return cli_usage(c, cmd, fmt, arg ? arg : "");
}

/* Split "eco:name"; name may contain ':' only after the first one. */
static int split_pkg(const char *arg, char **eco, const char **name)
{
	const char *colon = strchr(arg, ':');

	if (!colon || colon == arg || !colon[1])
		return -1;
	*eco = pf_xstrndup(arg, (size_t)(colon - arg));
	*name = colon + 1;
	return 0;
}

/* Read DIR/FILE of the working copy (unverified); -PF_ENOTFOUND comes back with c->err clear. */
static int read_working(struct cli *c, const char *dir, const char *file, char **path, struct pf_buf *b)
{
	int rc;

	*path = pf_path_join(dir, file);
	rc = pf_read_file(*path, PF_MAX_CATALOG, b, &c->err);
	if (rc == -PF_ENOTFOUND)
		pf_err_clear(&c->err);
	return rc;
}

/* Write body to DIR/FILE (temp + rename). */
static int write_working(struct cli *c, const char *dir, const char *file, const struct pf_buf *body)
{
	char *path = pf_path_join(dir, file);
	int rc = pf_write_file(path, body->p, body->len, 0644, &c->err);

	free(path);
	return rc;
}

static int load_working(struct cli *c, const char *dir, struct catalog *cat)
{
	struct pf_buf b = PF_BUF_INIT;
	char *path;
	int rc;

	memset(cat, 0, sizeof *cat);
	rc = read_working(c, dir, CATALOG_FILE, &path, &b);
	if (rc == -PF_ENOTFOUND)
		rc = pf_error(&c->err, PF_ENOTFOUND, "'%s': no catalog here (create one with 'pinfold catalog "
			      "init %s --name NAME')", path, dir);
	else if (!rc)
		rc = catalog_parse(cat, path, b.p, b.len, &c->err);
	pf_buf_release(&b);
	free(path);
	return rc;
}

static int save_catalog(struct cli *c, const char *dir, const struct catalog *cat)
{
	struct pf_buf b = PF_BUF_INIT;
	int rc;

	catalog_write(cat, &b);
	rc = write_working(c, dir, CATALOG_FILE, &b);
	pf_buf_release(&b);
	return rc;
}

/*
 * Load the catalog and DIR/advisories.yaml of the working copy; 1 when there
 * are no advisories yet (adv is then zeroed). On failure nothing stays loaded.
 */
static int load_both(struct cli *c, const char *dir, struct catalog *cat, struct advisories *adv)
{
	struct pf_buf b = PF_BUF_INIT;
	char *path = NULL;
	int rc;

	memset(adv, 0, sizeof *adv);
	rc = load_working(c, dir, cat);
	if (rc)
		return rc;
	rc = read_working(c, dir, ADVISORIES_FILE, &path, &b);
	if (rc == -PF_ENOTFOUND)
		rc = 1;
	else if (!rc)
		rc = advisories_parse(adv, path, b.p, b.len, &c->err);
	if (rc < 0)
		catalog_release(cat);
	pf_buf_release(&b);
	free(path);
	return rc;
}

/* One --advisories-url: valid (catalog_url_ok), distinct, at most CATALOG_URLS_MAX; 0 or the usage status. */
static int push_url(struct cli *c, const char *sub, struct pf_strv *urls, const char *url)
{
	const char *why = !catalog_url_ok(url) ? "'%s' is not an http:// or https:// URL" :
			  pf_strv_contains(urls, url) ? "'%s' is given twice" :
			  urls->n >= CATALOG_URLS_MAX ? "'%s': too many URLs" : NULL;
	char fmt[128];

	if (!why) {
		pf_strv_push(urls, url);
		return 0;
	}
	pf_strv_release(urls);
	snprintf(fmt, sizeof fmt, "--advisories-url: %s", why);
	return usage_err(c, sub, fmt, url);
}

static int cat_init(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "min-age-days", required_argument, NULL, 'm' },
		{ "startup", required_argument, NULL, 's' },
		{ "advisories-url", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct catalog cat;
	struct pf_strv urls = PF_STRV_INIT;
	const char *name = NULL, *dir, *startup = "refuse";
	char *path = NULL;
	long min_age = 7;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': name = optarg; break;
		case 'm':
			if (cli_parse_long(optarg, 0, 3650, &min_age))
				return usage_err(c, "init", "--min-age-days: '%s' is not a number from 0 to 3650",
						 optarg);
			break;
		case 's':
			if (strcmp(optarg, "refuse") && strcmp(optarg, "allow")) {
				pf_strv_release(&urls);
				return usage_err(c, "init", "--startup: '%s' is not refuse or allow", optarg);
			}
			startup = optarg;
			break;
		case 'u':
			if ((rc = push_url(c, "init", &urls, optarg)))
				return rc;
			break;
		default:
			pf_strv_release(&urls);
			return cli_bad_option(c, "catalog init", argv);
		}
	}
	if (argc - optind != 1) {
		pf_strv_release(&urls);
		return usage_err(c, "init", "catalog init: expected one DIR%s", NULL);
	}
	dir = argv[optind];
	if (!name || !catalog_name_ok(name)) {
		pf_strv_release(&urls);
		if (!name)
			return usage_err(c, "init", "catalog init: --name NAME is required%s", NULL);
		return usage_err(c, "init", "--name: '%s' must match [A-Za-z0-9][A-Za-z0-9._-]* (at most 100 bytes)",
				 name);
	}
	path = pf_path_join(dir, CATALOG_FILE);
	if (pf_exists(path)) {
		rc = pf_error(&c->err, PF_EEXIST, "'%s': already exists (refusing to overwrite a catalog)", path);
		goto out;
	}
	rc = pf_mkdir_p(dir, 0755, &c->err);
	if (rc)
		goto out;
	memset(&cat, 0, sizeof cat);
	cat.name = name;
	cat.min_age_days = (int)min_age;
	cat.allow_startup = !strcmp(startup, "allow");
	cat.advisory_urls = (const char **)urls.v;
	cat.nadvisory_urls = urls.n;
	rc = save_catalog(c, dir, &cat);
	if (!rc)
		cli_info(c, "created catalog '%s' in '%s' (min_age_days %ld)", name, dir, min_age);
out:
	free(path);
	pf_strv_release(&urls);
	return rc ? cli_fail(c, rc) : 0;
}

/* The curator's review is needed: say what runs and how to accept it. */
static int startup_refused(struct cli *c, const struct catalog_pkg *p)
{
	struct pf_buf b = PF_BUF_INIT;
	int rc;

	for (size_t i = 0; i < p->nstartup; i++)
		if (catalog_startup_runs(p->startup[i].kind))
			pf_buf_addf(&b, "%s%s '%s'", b.len ? ", " : "", p->startup[i].kind, p->startup[i].file);
	rc = pf_error(&c->err, PF_EPOLICY, "%s:%s %s: runs code at interpreter or package start (%s); review it, "
		      "then add it with --allow-startup --note WHY (the catalog's policy refuses startup code)",
		      p->ecosystem, p->name, p->version, b.p);
	pf_buf_release(&b);
	return rc;
}

/* path's bytes, hashed while copied into a private unlinked file (*fd): a writer racing us cannot split them. */
static int private_copy(struct cli *c, const char *path, char hex[PF_SHA256_HEX], uint64_t *size, int *fd)
{
	const char *tmp = getenv("TMPDIR");
	int in, rc;

	*fd = -1;
	in = pf_open_regular(path, 0, NULL, &c->err);
	if (in < 0)
		return in;
	*fd = pf_tmpfile(tmp && *tmp == '/' ? tmp : "/tmp", &c->err);
	rc = *fd < 0 ? *fd : pf_sha256_fd(in, *fd, path, hex, size, &c->err);
	close(in);
	return rc;
}

/* --provides: "[ECO:]NAME" or "[ECO:]NAME (= VERSION)", ECO one of the ecosystems, no other text. */
static int provide_ok(const char *s)
{
	size_t n = strcspn(s, ": (");
	const char *name = s, *v, *end;

	if (s[n] == ':') {
		char eco[16];

		if (n >= sizeof eco)
			return 0;
		memcpy(eco, s, n);
		eco[n] = '\0';
		if (!catalog_ecosystem_ok(eco))
			return 0;
		name = s + n + 1;
	}
	n = strcspn(name, " (");
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] <= 0x20 || name[i] == 0x7f || strchr(":,|", name[i]))
			return 0;
	if (!name[n])
		return 1;
	if (strncmp(name + n, " (= ", 4))
		return 0;
	v = name + n + 4;
	end = strchr(v, ')');
	if (!end || end == v || end[1] || strcspn(v, " ()") != (size_t)(end - v))
		return 0;
	return 1;
}

static int cat_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "published", required_argument, NULL, 'p' },
		{ "by", required_argument, NULL, 'b' },
		{ "note", required_argument, NULL, 'n' },
		{ "allow-young", no_argument, NULL, 'y' },
		{ "allow-startup", no_argument, NULL, 'S' },
		{ "name", required_argument, NULL, 'N' },
		{ "version", required_argument, NULL, 'V' },
		{ "ecosystem", required_argument, NULL, 'E' },
		{ "provides", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *published = NULL, *by = NULL, *note = NULL, *gname = NULL, *gversion = NULL, *geco = NULL;
	struct catalog cat;
	struct advisories adv;
	struct solve_policy pol;
	struct pf_strv done = PF_STRV_INIT;
	const char *extra[16], **provides = NULL;
	size_t nextra = 0;
	char today[PF_DATE_STR];
	const char *dir;
	int allow_young = 0, allow_startup = 0, opt, rc = 0, loaded = 0, have_adv = 0;
	time_t pub_t, now = c->ctx.now;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (pf_date_parse(optarg, &pub_t))
				return usage_err(c, "add", "--published: '%s' is not a date YYYY-MM-DD", optarg);
			published = optarg;
			break;
		case 'b': by = optarg; break;
		case 'n': note = optarg; break;
		case 'y': allow_young = 1; break;
		case 'S': allow_startup = 1; break;
		case 'N': gname = optarg; break;
		case 'V': gversion = optarg; break;
		case 'E': geco = optarg; break;
		case 'P':
			if (!provide_ok(optarg))
				return usage_err(c, "add", "--provides: '%s' is not '[ECO:]NAME (= VERSION)'", optarg);
			if (nextra == sizeof extra / sizeof *extra)
				return usage_err(c, "add", "--provides: at most 16%s", "");
			extra[nextra++] = optarg;
			break;
		default: return cli_bad_option(c, "catalog add", argv);
		}
	}
	if (argc - optind < 2)
		return usage_err(c, "add", "catalog add: expected DIR and at least one ARTIFACT%s", NULL);
	if (nextra && argc - optind != 2)
		return usage_err(c, "add", "catalog add: --provides names exactly one artifact%s", NULL);
	if ((gname || gversion || geco) && (argc - optind != 2 || !gname || !gversion))
		return usage_err(c, "add", "catalog add: --name and --version (and --ecosystem) name exactly one "
				 "generic artifact%s", NULL);
	if (geco && !catalog_ecosystem_ok(geco))
		return usage_err(c, "add", "--ecosystem: unknown ecosystem '%s' (pypi, npm, deb or generic)", geco);
	if (allow_young && (!note || !*note))
		return usage_err(c, "add", "--allow-young needs --note WHY (recorded as young_note)%s", NULL);
	if (allow_startup && (!note || !*note))
		return usage_err(c, "add", "--allow-startup needs --note WHY (recorded as startup_note)%s", NULL);
	dir = argv[optind];
	pf_date_format(now, today);
	if (published && pub_t > now) {
		rc = pf_error(&c->err, PF_EPOLICY, "--published %s: the date lies in the future (today is %s)",
			      published, today);
		goto out;
	}
	rc = load_both(c, dir, &cat, &adv);
	if (rc < 0)
		goto out;
	loaded = 1;
	have_adv = rc == 0;
	rc = 0;
	/* the one eligibility rule, against the catalog's own policy and (working) advisories */
	ctx_policy(&c->ctx, cat.min_age_days, 0, have_adv ? &adv : NULL, &pol);
	for (int i = optind + 1; i < argc && !rc; i++) {
		const char *path = argv[i];
		struct install_meta m;
		struct catalog_pkg p;
		uint64_t size = 0;
		int priv = -1;
		const char *fmt = install_meta_guess_format(path);

		memset(&p, 0, sizeof p);
		if (gname)
			fmt = "generic";
		if (fmt && !strcmp(fmt, "generic") && !gname) {
			rc = pf_error(&c->err, PF_EUSAGE, "'%s': a generic tarball needs --name N --version V", path);
			break;
		}
		if (gname && strcmp(install_meta_guess_format(path) ? install_meta_guess_format(path) : "", "generic")) {
			rc = pf_error(&c->err, PF_EUSAGE, "'%s': --name/--version are only for generic tarballs "
				      "(.tar.gz, .tar.xz, .tar.zst)", path);
			break;
		}
		/* hash a private copy and read the metadata from it: the entry describes the bytes recorded */
		memset(&m, 0, sizeof m);
		rc = private_copy(c, path, p.artifact.sha256, &size, &priv);
		if (!rc)
			rc = install_read_meta_fd(priv, path, fmt, &m, &c->err);
		if (rc) {
			install_meta_release(&m);
			if (priv >= 0)
				close(priv);
			break;
		}
		p.ecosystem = gname ? (geco ? geco : "generic") : m.ecosystem;
		p.name = gname ? gname : m.name;
		p.version = gname ? gversion : m.version;
		p.published = published ? published : today;
		p.artifact.file = pf_basename(path);
		p.artifact.format = m.format;
		p.depends = m.depends;
		p.ndepends = m.ndepends;
		p.provides = m.provides;
		p.nprovides = m.nprovides;
		if (nextra) {
			/* the artifact's own provides, then the curator's */
			free(provides);
			provides = pf_xcalloc(m.nprovides + nextra, sizeof *provides);
			for (size_t k = 0; k < m.nprovides; k++)
				provides[k] = m.provides[k];
			for (size_t k = 0; k < nextra; k++)
				provides[m.nprovides + k] = extra[k];
			p.provides = provides;
			p.nprovides = m.nprovides + nextra;
		}
		p.conflicts = m.conflicts;
		p.nconflicts = m.nconflicts;
		p.vetted_by = by;
		p.vetted_note = note;
		p.vetted_date = (by || note) ? today : NULL;
		p.artifact.size = size;
		p.startup = m.startup;
		p.nstartup = m.nstartup;
		if (!cat.allow_startup && catalog_pkg_has_startup(&p)) {
			if (allow_startup)
				p.startup_note = note;
			else
				rc = startup_refused(c, &p);
		}
		if (!rc) {
			const struct advisory *by_adv = NULL;
			int code = 0;
			char *why = ctx_eligible(&pol, &p, &code, &by_adv);

			if (code == PF_ETOOYOUNG && !allow_young && !published)
				rc = pf_error(&c->err, PF_ETOOYOUNG,
					      "%s:%s %s: no --published date given, so it counts as published today "
					      "and is inside the catalog's %d-day release-age delay; pass --published "
					      "YYYY-MM-DD (the upstream release date)", p.ecosystem, p.name, p.version,
					      cat.min_age_days);
			else if (code == PF_ETOOYOUNG && !allow_young)
				rc = pf_error(&c->err, PF_ETOOYOUNG,
					      "%s:%s %s: published %s, inside the catalog's %d-day release-age delay; "
					      "wait, or pass --allow-young --note WHY", p.ecosystem, p.name, p.version,
					      p.published, cat.min_age_days);
			else if (code == PF_ETOOYOUNG)
				p.young_note = note;
			else if (code == PF_EREVOKED)
				rc = pf_error(&c->err, PF_EREVOKED, "%s:%s %s: revoked by the catalog's advisory %s (%s); "
					      "refusing to add it", p.ecosystem, p.name, p.version, by_adv->id,
					      by_adv->reason ? by_adv->reason : "");
			else if (code)
				rc = pf_error(&c->err, code, "%s", why);
			free(why);
		}
		if (!rc)
			rc = catalog_add(&cat, &p, &c->err);
		if (!rc)
			pf_strv_push_owned(&done, pf_xasprintf("added %s:%s %s (%s, sha256 %s)%s%s", p.ecosystem,
							       p.name, p.version, p.artifact.file, p.artifact.sha256,
							       p.young_note ? " [young]" : "",
							       p.startup_note ? " [startup code allowed]" : ""));
		install_meta_release(&m);
		if (priv >= 0)
			close(priv);
	}
	if (!rc)
		rc = save_catalog(c, dir, &cat);
	for (size_t i = 0; !rc && i < done.n; i++)
		cli_info(c, "%s", done.v[i]);
out:
	if (loaded)
		catalog_release(&cat);
	if (have_adv)
		advisories_release(&adv);
	pf_strv_release(&done);
	free(provides);
	return rc ? cli_fail(c, rc) : 0;
}

static int cat_remove(struct cli *c, int argc, char **argv)
{
	struct catalog cat;
	const char *name;
	char *eco = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", (const struct option[]){ { NULL, 0, NULL, 0 } }, NULL)) != -1)
		return cli_bad_option(c, "catalog remove", argv);
	if (argc - optind != 3 || split_pkg(argv[optind + 1], &eco, &name))
		return usage_err(c, "remove", "catalog remove: expected DIR ECOSYSTEM:NAME VERSION%s", NULL);
	rc = load_working(c, argv[optind], &cat);
	if (!rc) {
		rc = catalog_remove(&cat, eco, name, argv[optind + 2], &c->err);
		if (!rc)
			rc = save_catalog(c, argv[optind], &cat);
		if (!rc)
			cli_info(c, "removed %s:%s %s", eco, name, argv[optind + 2]);
		catalog_release(&cat);
	}
	free(eco);
	return rc ? cli_fail(c, rc) : 0;
}

/* "  [startup code: KIND FILE, ...; allowed: NOTE]  [maintainer scripts, never run: ...]" or "". */
static char *startup_text(const struct catalog_pkg *p)
{
	struct pf_buf b = PF_BUF_INIT;
	int n = 0;

	for (size_t k = 0; k < p->nstartup; k++)
		if (catalog_startup_runs(p->startup[k].kind))
			pf_buf_addf(&b, "%s%s %s", n++ ? ", " : "  [startup code: ", p->startup[k].kind, p->startup[k].file);
	if (n && p->startup_note)
		pf_buf_addf(&b, "; allowed: %s", p->startup_note);
	if (n)
		pf_buf_addc(&b, ']');
	n = 0;
	for (size_t k = 0; k < p->nstartup; k++)
		if (!catalog_startup_runs(p->startup[k].kind))
			pf_buf_addf(&b, "%s%s", n++ ? ", " : "  [maintainer scripts, never run: ",
				    pf_basename(p->startup[k].file));
	if (n)
		pf_buf_addc(&b, ']');
	return b.p ? pf_buf_detach(&b, NULL) : pf_xstrdup("");
}

static int cat_list(struct cli *c, int argc, char **argv)
{
	struct catalog cat;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", (const struct option[]){ { NULL, 0, NULL, 0 } }, NULL)) != -1)
		return cli_bad_option(c, "catalog list", argv);
	if (argc - optind != 1)
		return usage_err(c, "list", "catalog list: expected one DIR%s", NULL);
	rc = load_working(c, argv[optind], &cat);
	if (rc)
		return cli_fail(c, rc);
	if (c->json) {
		fputs("[", stdout);
		for (size_t i = 0; i < cat.npkgs; i++) {
			const struct catalog_pkg *p = &cat.pkgs[i];

			fputs(i ? ",\n {\"ecosystem\": " : "{\"ecosystem\": ", stdout);
			cli_json_str(stdout, p->ecosystem);
			fputs(", \"name\": ", stdout);
			cli_json_str(stdout, p->name);
			fputs(", \"version\": ", stdout);
			cli_json_str(stdout, p->version);
			fputs(", \"file\": ", stdout);
			cli_json_str(stdout, p->artifact.file);
			printf(", \"size\": %llu, \"sha256\": \"%s\", \"startup\": [", (unsigned long long)p->artifact.size,
			       p->artifact.sha256);
			for (size_t k = 0; k < p->nstartup; k++) {
				fputs(k ? ", {\"file\": " : "{\"file\": ", stdout);
				cli_json_str(stdout, p->startup[k].file);
				fputs(", \"kind\": ", stdout);
				cli_json_str(stdout, p->startup[k].kind);
				printf(", \"runs\": %s}", catalog_startup_runs(p->startup[k].kind) ? "true" : "false");
			}
			fputs("]", stdout);
			if (p->startup_note) {
				fputs(", \"startup_note\": ", stdout);
				cli_json_str(stdout, p->startup_note);
			}
			fputs("}", stdout);
		}
		fputs("]\n", stdout);
	} else {
		for (size_t i = 0; i < cat.npkgs; i++) {
			char *tail = startup_text(&cat.pkgs[i]);

			cli_out(c, "%s:%s %s %s%s", cat.pkgs[i].ecosystem, cat.pkgs[i].name, cat.pkgs[i].version,
				cat.pkgs[i].artifact.sha256, tail);
			free(tail);
		}
	}
	catalog_release(&cat);
	return 0;
}

/* Sign bytes with every key into a .sig text. */
static int sign_all(struct cli *c, struct trust_key **keys, size_t nkeys, const char *type, const char *data,
		    size_t len, struct pf_buf *sig)
{
	for (size_t i = 0; i < nkeys; i++) {
		int rc = trust_sign(keys[i], type, data, len, sig, &c->err);

		if (rc)
			return rc;
	}
	return 0;
}

static int write_signed(struct cli *c, const char *dir, const char *file, const char *sigfile, const char *type,
			struct pf_buf *body, struct trust_key **keys, size_t nkeys)
{
	struct pf_buf sig = PF_BUF_INIT;
	int rc;

	rc = sign_all(c, keys, nkeys, type, body->p, body->len, &sig);
	if (!rc)
		rc = catalog_publish(dir, file, sigfile, body, &sig, &c->err);
	pf_buf_release(&sig);
	return rc;
}

static int cat_sign(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "expires-in", required_argument, NULL, 'x' },
		{ "advisories-url", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct trust_key **keys = NULL;
	struct pf_strv keyfiles = PF_STRV_INIT, ids = PF_STRV_INIT, urls = PF_STRV_INIT;
	struct catalog cat;
	struct advisories adv;
	struct pf_buf body = PF_BUF_INIT;
	char expires[PF_TIME_STR];
	size_t nkeys = 0;
	long days = 30;
	int opt, rc = 0, have_cat = 0, have_adv = 0;
	const char *dir;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'k': pf_strv_push(&keyfiles, optarg); break;
		case 'x':
			if (cli_parse_long(optarg, 1, 3650, &days)) {
				pf_strv_release(&keyfiles);
				pf_strv_release(&urls);
				return usage_err(c, "sign", "--expires-in: '%s' is not a number of days from 1 to 3650",
						 optarg);
			}
			break;
		case 'u':
			if ((rc = push_url(c, "sign", &urls, optarg))) {
				pf_strv_release(&keyfiles);
				return rc;
			}
			break;
		default:
			pf_strv_release(&keyfiles);
			pf_strv_release(&urls);
			return cli_bad_option(c, "catalog sign", argv);
		}
	}
	if (argc - optind != 1 || !keyfiles.n) {
		pf_strv_release(&keyfiles);
		pf_strv_release(&urls);
		return usage_err(c, "sign", "catalog sign: expected DIR and at least one --key KEY%s", NULL);
	}
	dir = argv[optind];
	keys = pf_xcalloc(keyfiles.n, sizeof *keys);
	for (size_t i = 0; i < keyfiles.n && !rc; i++) {
		struct trust_key *k;

		rc = trust_key_load(keyfiles.v[i], &k, &c->err);
		if (rc)
			break;
		if (!trust_key_is_private(k)) {
			rc = pf_error(&c->err, PF_EUSAGE, "'%s': a public key cannot sign (pass the private key file)",
				      keyfiles.v[i]);
			trust_key_free(k);
			break;
		}
		if (pf_strv_contains(&ids, trust_key_id(k))) {
			trust_key_free(k);	/* the same key twice signs once */
			continue;
		}
		pf_strv_push(&ids, trust_key_id(k));
		keys[nkeys++] = k;
	}
	if (rc)
		goto out;
	rc = load_both(c, dir, &cat, &adv);
	if (rc < 0)
		goto out;
	have_cat = 1;
	have_adv = rc == 0;
	rc = 0;
	if (have_adv && strcmp(adv.name, cat.name)) {
		rc = pf_error(&c->err, PF_EFORMAT, "'%s/%s': its name '%s' is not the catalog's name '%s'", dir,
			      ADVISORIES_FILE, adv.name, cat.name);
		goto out;
	}
	pf_time_format(c->ctx.now + (time_t)days * DAY, expires);
	cat.version++;
	cat.expires = expires;
	if (urls.n) {
		cat.advisory_urls = (const char **)urls.v;
		cat.nadvisory_urls = urls.n;
	}
	catalog_write(&cat, &body);
	rc = write_signed(c, dir, CATALOG_FILE, CATALOG_SIG, CATALOG_PAYLOAD_TYPE, &body, keys, nkeys);
	if (rc)
		goto out;
	cli_info(c, "signed catalog '%s' version %lld (expires %s) with %zu key%s", cat.name, cat.version,
		 expires, nkeys, nkeys == 1 ? "" : "s");
	if (have_adv) {
		body.len = 0;
		adv.version++;
		adv.expires = expires;
		advisories_write(&adv, &body);
		rc = write_signed(c, dir, ADVISORIES_FILE, ADVISORIES_SIG, ADVISORIES_PAYLOAD_TYPE, &body, keys,
				  nkeys);
		if (rc)
			goto out;
		cli_info(c, "signed advisories '%s' version %lld (expires %s)", adv.name, adv.version, expires);
	}
	for (size_t i = 0; i < ids.n; i++)
		cli_debug(c, "signed by %s", ids.v[i]);
out:
	if (have_cat)
		catalog_release(&cat);
	if (have_adv)
		advisories_release(&adv);
	for (size_t i = 0; i < nkeys; i++)
		trust_key_free(keys[i]);
	free(keys);
	pf_strv_release(&keyfiles);
	pf_strv_release(&ids);
	pf_strv_release(&urls);
	pf_buf_release(&body);
	return rc ? cli_fail(c, rc) : 0;
}

static char *join_ids(const struct pf_strv *ids)
{
	struct pf_buf b = PF_BUF_INIT;

	for (size_t i = 0; i < ids->n; i++)
		pf_buf_addf(&b, "%s%s", i ? ", " : "", ids->v[i]);
	return b.p ? pf_buf_detach(&b, NULL) : pf_xstrdup("");
}

static int check_artifacts(struct cli *c, const struct catalog *cat, const char *mirror)
{
	size_t bad = 0;

	for (size_t i = 0; i < cat->npkgs; i++) {
		const struct catalog_pkg *p = &cat->pkgs[i];
		char *path = pf_path_join(mirror, p->artifact.file);
		char hex[PF_SHA256_HEX];
		uint64_t size = 0;
		struct pf_err e;

		memset(&e, 0, sizeof e);
		if (pf_sha256_file(path, hex, &size, &e)) {
			cli_warn(c, "%s:%s %s: %s", p->ecosystem, p->name, p->version, e.msg);
			bad++;
		} else if (size != p->artifact.size) {
			cli_warn(c, "%s:%s %s: '%s' has %llu bytes, the catalog says %llu", p->ecosystem, p->name,
				 p->version, path, (unsigned long long)size, (unsigned long long)p->artifact.size);
			bad++;
		} else if (strcmp(hex, p->artifact.sha256)) {
			cli_warn(c, "%s:%s %s: '%s' has sha256 %s, the catalog says %s", p->ecosystem, p->name,
				 p->version, path, hex, p->artifact.sha256);
			bad++;
		}
		free(path);
	}
	if (bad)
		return pf_error(&c->err, PF_EDIGEST, "'%s': %zu of %zu artifacts missing or not matching the catalog",
				mirror, bad, cat->npkgs);
	return 0;
}

static int cat_verify(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "artifacts", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx_catalog cc;
	struct ctx_pin pin;
	const struct catalog *cat = &cc.cat;
	const struct advisories *adv = &cc.adv;
	const char *mirror = NULL, *dir;
	char *ids = NULL;
	long threshold = 1;
	int opt, rc, have_adv = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (cli_parse_long(optarg, 1, 100, &threshold))
				return usage_err(c, "verify", "--threshold: '%s' is not a number from 1 to 100", optarg);
			break;
		case 'a': mirror = optarg; break;
		default: return cli_bad_option(c, "catalog verify", argv);
		}
	}
	if (argc - optind != 1)
		return usage_err(c, "verify", "catalog verify: expected one DIR%s", NULL);
	dir = argv[optind];
	/* the curator's check is the users' check: ctx_catalog_open, with the threshold asked for */
	memset(&pin, 0, sizeof pin);
	pin.threshold = (int)threshold;
	rc = ctx_catalog_open(&c->ctx, dir, &pin, &cc, &c->err);
	if (rc)
		goto out;
	have_adv = cc.has_adv;
	if (mirror) {
		rc = check_artifacts(c, cat, mirror);
		if (rc)
			goto out;
	}
	if (c->json) {
		fputs("{\"catalog\": ", stdout);
		cli_json_str(stdout, cat->name);
		printf(", \"version\": %lld, \"expires\": \"%s\", \"packages\": %zu, \"signers\": [", cat->version,
		       cat->expires, cat->npkgs);
		for (size_t i = 0; i < cc.signers.n; i++)
			printf("%s\"%s\"", i ? ", " : "", cc.signers.v[i]);
		fputs("]", stdout);
		if (have_adv)
			printf(", \"advisories\": {\"version\": %lld, \"expires\": \"%s\", \"count\": %zu}",
			       adv->version, adv->expires, adv->n);
		if (mirror)
			printf(", \"artifacts_ok\": %zu", cat->npkgs);
		fputs("}\n", stdout);
		goto out;
	}
	ids = join_ids(&cc.signers);
	cli_out(c, "catalog '%s' version %lld: ok, %zu packages, expires %s, signed by %s", cat->name, cat->version,
		cat->npkgs, cat->expires, ids);
	if (have_adv)
		cli_out(c, "advisories '%s' version %lld: ok, %zu advisories, expires %s", adv->name, adv->version,
			adv->n, adv->expires);
	if (mirror)
		cli_out(c, "artifacts in '%s': ok, %zu of %zu match", mirror, cat->npkgs, cat->npkgs);
out:
	free(ids);
	ctx_catalog_release(&cc);
	return rc ? cli_fail(c, rc) : 0;
}

static int is_range(const char *s)
{
	return strpbrk(s, "<>=^~*|, ") != NULL;
}

static int cat_revoke(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "advice", required_argument, NULL, 'a' },
		{ "severity", required_argument, NULL, 's' },
		{ "id", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = NULL, *advice = NULL, *severity = "high", *id = NULL, *dir, *name;
	struct advisories adv;
	struct catalog cat;
	struct advisory a;
	struct pf_buf key = PF_BUF_INIT, body = PF_BUF_INIT;
	char today[PF_DATE_STR], hex[PF_SHA256_HEX], idbuf[16];
	char *eco = NULL;
	int opt, rc, nvals, have_cat = 0, have_adv = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'r': reason = optarg; break;
		case 'a': advice = optarg; break;
		case 's': severity = optarg; break;
		case 'i': id = optarg; break;
		default: return cli_bad_option(c, "catalog revoke", argv);
		}
	}
	nvals = argc - optind - 2;
	if (nvals < 1 || split_pkg(argv[optind + 1], &eco, &name))
		return usage_err(c, "revoke", "catalog revoke: expected DIR ECOSYSTEM:NAME VERSION...|RANGE%s", NULL);
	if (!reason || !*reason) {
		free(eco);
		return usage_err(c, "revoke", "catalog revoke: --reason TEXT is required (say what is wrong)%s", NULL);
	}
	if (!advisory_severity_ok(severity)) {
		free(eco);
		return usage_err(c, "revoke", "--severity: '%s' is not low, medium, high or critical", severity);
	}
	for (int i = 0; i < nvals; i++) {
		if (is_range(argv[optind + 2 + i]) && nvals > 1) {
			free(eco);
			return usage_err(c, "revoke", "catalog revoke: give one RANGE or exact versions, not both ('%s')",
					 argv[optind + 2 + i]);
		}
	}
	dir = argv[optind];
	rc = load_both(c, dir, &cat, &adv);
	if (rc < 0)
		goto out;
	have_cat = 1;
	if (rc == 1)
		adv.name = pf_arena_strdup(&adv.arena, cat.name);
	have_adv = 1;
	rc = 0;
	memset(&a, 0, sizeof a);
	a.ecosystem = eco;
	a.name = name;
	pf_buf_addf(&key, "%s:%s:", eco, name);
	if (nvals == 1 && is_range(argv[optind + 2])) {
		a.range = argv[optind + 2];
		pf_buf_adds(&key, a.range);
	} else {
		a.versions = (const char **)argv + optind + 2;
		a.nversions = (size_t)nvals;
		for (int i = 0; i < nvals; i++)
			pf_buf_addf(&key, "%s%s", i ? "," : "", argv[optind + 2 + i]);
	}
	if (!id) {
		pf_sha256_hex(key.p, key.len, hex);
		snprintf(idbuf, sizeof idbuf, "PF-%.8s", hex);
		id = idbuf;
	}
	pf_date_format(c->ctx.now, today);
	a.id = id;
	a.reason = reason;
	a.advice = advice;
	a.severity = severity;
	a.published = today;
	rc = advisories_add(&adv, &a, &c->err);
	if (rc)
		goto out;
	advisories_write(&adv, &body);
	rc = write_working(c, dir, ADVISORIES_FILE, &body);
	if (!rc)
		cli_info(c, "added advisory %s for %s:%s %s; run 'pinfold catalog sign %s --key KEY' to publish it",
			 id, eco, name, key.p + strlen(eco) + strlen(name) + 2, dir);
out:
	if (have_cat)
		catalog_release(&cat);
	if (have_adv)
		advisories_release(&adv);
	pf_buf_release(&key);
	pf_buf_release(&body);
	free(eco);
	return rc ? cli_fail(c, rc) : 0;
}

int cli_catalog_load(struct cli *c, const char *dir, struct catalog *cat, struct advisories *adv)
{
	return load_both(c, dir, cat, adv);
}

int cli_catalog_save(struct cli *c, const char *dir, const struct catalog *cat)
{
	return save_catalog(c, dir, cat);
}

static const struct cli_sub subs[] = {
	{ "init", cat_init, usage_init },
	{ "add", cat_add, usage_add },
	{ "import-debian", cat_import_debian, cli_usage_import_debian },
	{ "remove", cat_remove, usage_remove },
	{ "list", cat_list, usage_list },
	{ "sign", cat_sign, usage_sign },
	{ "verify", cat_verify, usage_verify },
	{ "revoke", cat_revoke, usage_revoke },
	{ NULL, NULL, NULL },
};

int cmd_catalog(struct cli *c, int argc, char **argv)
{
	return cli_subcommand(c, "catalog", subs, argc, argv);
}
