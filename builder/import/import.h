/* SPDX-License-Identifier: MIT */
/* Debian's signed archive index as a source of vetted packages: verified suites, Packages, dependency closures. */
#ifndef PF_IMPORT_IMPORT_H
#define PF_IMPORT_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "catalog/catalog.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/mem.h"
#include "core/time.h"
#include "import/pgp.h"

#define IMPORT_DEFAULT_LISTS "/var/lib/apt/lists"
#define IMPORT_DEFAULT_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"
#define IMPORT_APT_ARCHIVES "/var/cache/apt/archives"

/*
 * Where a suite's files come from: apt's lists directory (files named
 * <archive>_dists_<suite>_InRelease and ..._<component>_binary-<arch>_Packages
 * with .lz4, .xz, .gz or no suffix), a mirror directory (dists/<suite>/InRelease,
 * dists/<suite>/<component>/binary-<arch>/Packages{.xz,.gz,}) or a mirror URL
 * (the same layout; fetch reads base/name and is supplied by the caller,
 * because transfers are fetch/'s business). fetch returns PF_ENOTFOUND for a
 * missing file.
 */
struct import_source {
	const char *where;
	int (*fetch)(void *ud, const char *base, const char *name, size_t max, struct pf_buf *out, struct pf_err *e);
	void *ud;
};

/* One suite, verified. */
struct import_suite {
	char *name;			/* as asked ("bookworm-security") */
	char *inrelease;		/* the file or URL that verified */
	char *archive;			/* the archive's files: mirror root or URL; NULL for apt's lists */
	char *origin, *label, *suite, *codename;
	time_t date, valid_until;	/* valid_until 0 when the file has none */
	char date_str[PF_TIME_STR];
	char signer[41], primary[41];	/* the first good signature's key and its primary key */
	char *signers;			/* every good signature's key, ", "-joined */
	size_t npackages;		/* binary packages of the architecture (and "all") it lists */
};

/* One binary package version from the verified indexes (strings borrowed from the index). */
struct import_pkg {
	const char *name, *version, *arch, *multiarch;	/* multiarch NULL when the field is absent */
	const char *filename;		/* pool path relative to the archive root */
	uint64_t size;
	char sha256[PF_SHA256_HEX];
	int priority;			/* 0 required, 1 important, 2 standard, 3 optional, 4 extra, 5 none */
	/* the relation fields as written (NULL when absent); split with import_pkg_relations() */
	const char *pre_depends, *depends, *provides, *conflicts, *breaks;
	unsigned char depends_first;	/* Depends came before Pre-Depends in the stanza */
	unsigned char breaks_first;	/* Breaks came before Conflicts */
	uint32_t suites;		/* bit i: suite i of the index lists it */
};

/*
 * The entries of p's relations the way 'catalog add' records a .deb's:
 * Pre-Depends and Depends (in stanza order) as depends, Provides, Conflicts
 * and Breaks as conflicts; split at commas, whitespace folded. Strings and
 * arrays are allocated in arena.
 */
void import_pkg_relations(const struct import_pkg *p, struct pf_arena *arena, const char ***depends, size_t *ndepends,
			  const char ***provides, size_t *nprovides, const char ***conflicts, size_t *nconflicts);

struct import_index;

/* An empty index for one Debian architecture ("amd64"); caller frees with import_index_free(). */
struct import_index *import_index_new(const char *arch);
void import_index_free(struct import_index *ix);

/*
 * Find suite in exactly one of the sources (two holding it is an error naming
 * both), verify its InRelease with kr at now (import_verify_cleartext), then
 * check it: Suite or Codename must be the suite asked for; Date not after
 * now; Valid-Until, when present, after now. Then for each component read
 * <component>/binary-<arch>/Packages in the first form present, check size and
 * SHA-256 against the verified InRelease (of the compressed file when it
 * lists that form, always of the decompressed bytes when it lists those; at
 * least one must be listed), and only then parse it. Packages of other
 * architectures are skipped. The same (name, version, arch) in two suites
 * must be the same file (size and SHA-256).
 * Errors: PF_ENOTFOUND (no such suite or Packages file), PF_EBADSIG,
 * PF_EUNTRUSTED, PF_EEXPIRED (signature or freshness), PF_EDIGEST (a
 * Packages file that is not what InRelease says), PF_EFORMAT.
 */
int import_index_add_suite(struct import_index *ix, const struct import_source *src, size_t nsrc, const char *suite,
			   const char *const *components, size_t ncomponents, const struct import_keyring *kr,
			   time_t now, struct pf_err *e);
size_t import_index_nsuites(const struct import_index *ix);
const struct import_suite *import_index_suite(const struct import_index *ix, size_t i);
size_t import_index_npkgs(const struct import_index *ix);
/*
 * Parse the bytes of a Packages file as suite i of ix (no verification: the
 * caller has checked them). The buffer is taken over (*buf is reset). On
 * failure ix is only fit to be freed.
 */
int import_index_add_packages(struct import_index *ix, size_t suite, const char *what, struct pf_buf *buf,
			      struct pf_err *e);

/* The verified InRelease fields (exposed for tests and fuzzing: parses text that was already verified). */
struct import_release {
	struct pf_arena arena;
	const char *origin, *label, *suite, *codename;
	time_t date, valid_until;
	struct import_release_file {
		const char *path;
		uint64_t size;
		char sha256[PF_SHA256_HEX];
	} *files;
	size_t nfiles;
};
int import_release_parse(const char *what, const char *text, size_t len, struct import_release *r, struct pf_err *e);
void import_release_release(struct import_release *r);
const struct import_release_file *import_release_find(const struct import_release *r, const char *path);

/* ---- dependency closures ---- */

/* The file name apt gives a package (what 'apt-get download' writes): NAME_VERSION_ARCH.deb, ':' as %3a. */
char *import_deb_file_name(const struct import_pkg *p);

/*
 * What the closure asks of the caller. exclusion: NULL when the package
 * version is eligible (release age, revocation), else a reason (caller frees):
 * the one eligibility rule lives above this layer. published: Debian's own
 * date of a version (the newest changelog entry of its .deb) into date, or
 * PF_ENOTFOUND when the .deb is not at hand; then the date of the newest index
 * that lists the version stands in (an upper bound). published may be NULL.
 */
struct import_hooks {
	char *(*exclusion)(void *ud, const struct catalog_pkg *p);
	int (*published)(void *ud, const struct import_index *ix, const struct import_pkg *p,
			 char date[PF_DATE_STR], struct pf_err *e);
	void *ud;
};

struct import_opts {
	int upgrade;			/* also take newer eligible versions of packages the catalog has */
	const char *vetted_by;		/* recorded as vetted.by */
	const char *today;		/* YYYY-MM-DD, recorded as vetted.date */
};

/* What import_resolve decided, one entry per package version it looked at. */
enum import_action { IMPORT_ADD, IMPORT_KEEP, IMPORT_SKIP };
struct import_line {
	enum import_action action;
	char *text;			/* "deb:NAME VERSION (...)": what and why */
};

struct import_result {
	struct pf_arena arena;
	struct catalog_pkg *add;	/* new catalog entries, sorted by name then version */
	size_t nadd, capadd;
	struct import_line *lines;	/* sorted by text within each action */
	size_t nlines, caplines;
	size_t dated_by_index;		/* added versions dated by their index (no .deb at hand) */
	struct pf_strv undated;		/* "NAME=VERSION" of versions dated by their index, for apt-get download */
};
void import_result_release(struct import_result *r);

/*
 * The complete dependency closure (Pre-Depends and Depends; Recommends and
 * Suggests are not followed) of the requests ("NAME" or "NAME=VERSION"),
 * against what cat already holds and the verified index ix:
 * - a relation is met by a deb package of cat (that the hooks find eligible)
 *   or one chosen earlier in this run, checked in the order of its
 *   alternatives; only when none is met does the index supply one: the first
 *   alternative, in Debian's order, that has an eligible version;
 * - a name is the real package when one of its versions fits, else a
 *   package that Provides it (with a version, for a versioned relation);
 *   several providers: the one already chosen, else by Priority, then name;
 * - of the fitting versions the newest eligible one wins (Debian version
 *   order); newer ineligible ones are reported as skipped, with the reason;
 * - architecture qualifiers: ":any", ":native" and ":<arch>" name the same
 *   package in a one-architecture closure; another architecture fails;
 * - packages already in cat are kept as they are (their recorded depends are
 *   followed, so the closure is complete); with o->upgrade a newer eligible
 *   version is added beside them.
 * Each new entry records depends/provides/conflicts as catalog add does, the
 * index's size and SHA-256, the published date, and vetted {by, date, note}
 * with the archive, suite, index Date and signing key.
 * Errors: PF_EUNSOLVABLE naming the package and the chain of packages that
 * needed it (no such package, nothing fits a relation, nothing eligible).
 */
int import_resolve(const struct import_index *ix, const struct catalog *cat, const char *const *requests,
		   size_t nrequests, const struct import_opts *o, const struct import_hooks *h,
		   struct import_result *r, struct pf_err *e);

/* Debian version order through libsolv (<0, 0, >0). */
int import_version_cmp(const struct import_index *ix, const char *a, const char *b);
/* 1 when s is a valid Debian version / package name. */
int import_version_ok(const char *s);
int import_name_ok(const char *s);

/*
 * libFuzzer-friendly entry points (see tests/fuzz/): each parses size bytes
 * of data as one kind of input, returns 0, and must never crash, hang or
 * leak, whatever the bytes.
 * - import_fuzz_inrelease: an InRelease (cleartext split, signature packets,
 *   verification against an empty keyring, Release fields);
 * - import_fuzz_keyring: an OpenPGP keyring, binary or armored;
 * - import_fuzz_packages: a Packages file (stanzas, the index tables, the
 *   relation syntax of every package's Depends).
 */
int import_fuzz_inrelease(const unsigned char *data, size_t size);
int import_fuzz_keyring(const unsigned char *data, size_t size);
int import_fuzz_packages(const unsigned char *data, size_t size);

#endif
