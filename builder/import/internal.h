/* SPDX-License-Identifier: MIT */
/* Private to import/: decompression, the index's tables and Debian relation syntax. */
#ifndef PF_IMPORT_INTERNAL_H
#define PF_IMPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <solv/pool.h>

#include "import/import.h"

enum import_comp { IMPORT_PLAIN, IMPORT_LZ4, IMPORT_XZ, IMPORT_GZ };
/* The compression a file name's suffix names. */
enum import_comp import_comp_of(const char *name);
/*
 * Decompress n bytes into out (appended, NUL-terminated). More than max
 * bytes of output is PF_ETOOBIG; malformed or truncated data PF_EFORMAT.
 */
int import_decompress(enum import_comp c, const char *what, const void *in, size_t n, size_t max, struct pf_buf *out,
		      struct pf_err *e);

/* A string -> int map (open addressing); keys are borrowed. */
struct import_smap {
	struct import_sent {
		const char *k;
		uint32_t h;
		int v;
	} *t;
	size_t cap, n;
};
/* The value slot of k, created holding -1 when absent. */
int *import_smap_slot(struct import_smap *m, const char *k);
/* The value of k, or -1. */
int import_smap_get(const struct import_smap *m, const char *k);
void import_smap_release(struct import_smap *m);

/* A provided name: package index p provides it, at version (NULL when unversioned). */
struct import_prov {
	int pkg;
	const char *version;
	int next;		/* the next provider of the same name, or -1 */
};

struct import_index {
	struct pf_arena arena;
	char *arch;
	Pool *pool;			/* only for Debian version comparison */
	struct import_suite *suites;
	size_t nsuites, capsuites;
	struct import_pkg *pkgs;
	int *next;			/* the next version of the same name, or -1 */
	size_t npkgs, cappkgs;
	struct import_smap byname;	/* name -> first package version */
	struct import_prov *provs;
	size_t nprovs, capprovs;
	struct import_smap byprov;	/* provided name -> first provider */
	struct pf_buf *bufs;		/* the Packages texts the strings point into */
	size_t nbufs, capbufs;
};

/* One alternative of a relation: name[:arch] [(op version)]. */
enum { IREL_ANY, IREL_LT, IREL_LE, IREL_EQ, IREL_GE, IREL_GT };
struct import_rel {
	char name[128];
	char arch[32];		/* qualifier, "" when none */
	int op;
	char version[128];
};
/*
 * Parse one comma-separated entry: alternatives split at '|' into rels (at
 * most max). 0, or -1 with a short reason in why.
 */
int import_rel_parse(const char *s, struct import_rel *rels, size_t max, size_t *n, char *why, size_t wl);
/* 1 when version v satisfies op/want (IREL_ANY always). */
int import_rel_match(const struct import_index *ix, int op, const char *want, const char *v);

#endif
