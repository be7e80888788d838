/* SPDX-License-Identifier: MIT */
/* The catalog and advisories models: parse, edit, write (no signature logic here). */
#ifndef PF_CATALOG_CATALOG_H
#define PF_CATALOG_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/digest.h"
#include "core/error.h"
#include "core/mem.h"

#define CATALOG_FORMAT "pinfold-catalog/1"
#define ADVISORIES_FORMAT "pinfold-advisories/1"
#define CATALOG_FILE "catalog.yaml"
#define CATALOG_SIG "catalog.yaml.sig"
#define ADVISORIES_FILE "advisories.yaml"
#define ADVISORIES_SIG "advisories.yaml.sig"
#define CATALOG_PAYLOAD_TYPE "application/vnd.pinfold.catalog+yaml"
#define ADVISORIES_PAYLOAD_TYPE "application/vnd.pinfold.advisories+yaml"

/* One artifact: the exact upstream file, pinned by size and SHA-256. */
struct catalog_artifact {
	const char *file;		/* base name, no '/' */
	const char *format;		/* wheel | npm | deb | generic */
	uint64_t size;
	char sha256[PF_SHA256_HEX];
};

/*
 * A file of the artifact that runs code at interpreter or package start, as
 * 'catalog add' found it (docs/hardening.md, "Startup code"). Kinds:
 * CATALOG_STARTUP_* below.
 */
#define CATALOG_STARTUP_PTH "pth"
#define CATALOG_STARTUP_SITECUSTOMIZE "sitecustomize"
#define CATALOG_STARTUP_USERCUSTOMIZE "usercustomize"
#define CATALOG_STARTUP_NPM "npm-script"
#define CATALOG_STARTUP_DEB "deb-maintainer-script"	/* recorded; pinfold never runs them */
#define CATALOG_MAX_STARTUP 1000	/* entries per package */
struct catalog_startup {
	const char *file;		/* path inside the artifact (npm scripts: "package/package.json: scripts.X") */
	const char *kind;
};
/* 1 when kind is a CATALOG_STARTUP_* kind. */
int catalog_startup_kind_ok(const char *kind);
/* 1 when kind is code that runs (all but deb maintainer scripts): what the startup policy is about. */
int catalog_startup_runs(const char *kind);

struct catalog_pkg {
	const char *ecosystem;		/* pypi | npm | deb | generic */
	const char *name;		/* as upstream spells it */
	const char *version;		/* as upstream spells it */
	const char *published;		/* YYYY-MM-DD */
	struct catalog_artifact artifact;
	const char **depends; size_t ndepends;	/* ecosystem syntax */
	const char **provides; size_t nprovides;
	const char **conflicts; size_t nconflicts;
	const char *vetted_by, *vetted_date, *vetted_note;	/* may be NULL */
	const char *young_note;		/* set when added with --allow-young */
	const struct catalog_startup *startup; size_t nstartup;	/* sorted by (file, kind) */
	const char *startup_note;	/* set when added with --allow-startup */
};
/* 1 when p has startup code that runs (see catalog_startup_runs). */
int catalog_pkg_has_startup(const struct catalog_pkg *p);

/*
 * A catalog. Strings live in the arena; pkgs is sorted by (ecosystem, name,
 * version string) after parsing and before writing.
 */
struct catalog {
	struct pf_arena arena;
	const char *name;
	long long version;		/* 0 before the first sign */
	const char *expires;		/* RFC 3339, NULL before the first sign */
	time_t expires_t;
	int min_age_days;
	int allow_startup;		/* policy.startup: allow; else refuse (the default) */
	/* advisories.urls: where the catalog's signed advisories are published (http(s) bases, in order) */
	const char **advisory_urls; size_t nadvisory_urls;
	struct catalog_pkg *pkgs;
	size_t npkgs, cap;
	char sha256[PF_SHA256_HEX];	/* of the catalog.yaml bytes parsed ("" if built) */
};

/*
 * Parse catalog.yaml bytes (strict; file names errors as "file:line:col: ...").
 * On failure c is released. A zeroed struct catalog plus a name is a valid
 * empty catalog for catalog_add()/catalog_write().
 */
int catalog_parse(struct catalog *c, const char *file, const char *data, size_t len, struct pf_err *e);
/* The same, when the caller already has the bytes' SHA-256 (hex): they are not hashed again. */
int catalog_parse_hashed(struct catalog *c, const char *file, const char *data, size_t len, const char *sha256,
			 struct pf_err *e);
/* Serialise deterministically (sorted packages, fixed key order). */
void catalog_write(const struct catalog *c, struct pf_buf *out);
void catalog_release(struct catalog *c);
/* The artifact as a YAML map {file, format, size, sha256}, as catalogs and lockfiles write it. */
struct pf_yw;
struct pf_ynode *catalog_artifact_node(struct pf_yw *w, const struct catalog_artifact *a);
/* Find (ecosystem, name, version); NULL when absent. */
const struct catalog_pkg *catalog_find(const struct catalog *c, const char *eco, const char *name,
				       const char *version);
/* Add a copy of p (strings copied into the arena). A same version with another hash is refused. */
int catalog_add(struct catalog *c, const struct catalog_pkg *p, struct pf_err *e);
/* Remove (ecosystem, name, version); PF_ENOTFOUND when absent. */
int catalog_remove(struct catalog *c, const char *eco, const char *name, const char *version, struct pf_err *e);
/*
 * 1 when s may be listed under advisories.urls: an http:// or https:// URL
 * with a host, at most CATALOG_URL_MAX bytes, no spaces, quotes, backslashes
 * or control characters. A catalog lists at most CATALOG_URLS_MAX of them.
 */
#define CATALOG_URL_MAX 2048
#define CATALOG_URLS_MAX 16
int catalog_url_ok(const char *s);
/* 1 when s is a known ecosystem / artifact format. */
int catalog_ecosystem_ok(const char *s);
int catalog_format_ok(const char *s);
/* 1 when s is a valid catalog / advisory name or id: [A-Za-z0-9][A-Za-z0-9._-]*, at most 100 bytes. */
int catalog_name_ok(const char *s);
/*
 * Check one package's fields (the rules catalog_parse applies). 0, or -1 with
 * a short reason in why (e.g. "artifact file 'a/b' must be a base name").
 */
int catalog_pkg_check(const struct catalog_pkg *p, char *why, size_t whylen);

/* A signed revocation. versions is either a list of exact versions or one range. */
struct advisory {
	const char *id, *ecosystem, *name;
	const char **versions; size_t nversions;	/* exact versions, or NULL */
	const char *range;				/* ecosystem range syntax, or NULL */
	const char *reason, *advice, *severity, *published;
};

struct advisories {
	struct pf_arena arena;
	const char *name;
	long long version;
	const char *expires;
	time_t expires_t;
	struct advisory *items;
	size_t n, cap;
	char sha256[PF_SHA256_HEX];
};

int advisories_parse(struct advisories *a, const char *file, const char *data, size_t len, struct pf_err *e);
void advisories_write(const struct advisories *a, struct pf_buf *out);
void advisories_release(struct advisories *a);
/* Add a copy of adv; an id already present is PF_EEXIST. Items stay sorted by (ecosystem, name, id). */
int advisories_add(struct advisories *a, const struct advisory *adv, struct pf_err *e);
/* 1 when s is a known severity (low | medium | high | critical). */
int advisory_severity_ok(const char *s);

#endif
