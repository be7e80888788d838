/* SPDX-License-Identifier: MIT */
/* The manifest of an environment, the reproducible tar+zstd writer, and verify. */
#ifndef PF_PACK_PACK_H
#define PF_PACK_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/error.h"
#include "core/mem.h"

/*
 * zstd is pinned: level 3 with 2 worker threads, the level of the reference
 * pipeline (tar | zstd -T2 -3) the build is measured against. Measured on a
 * 240 MiB environment (bench/README.md): level 4 costs 25% more CPU for 0.9%
 * smaller output, level 5 and up 4-5x the CPU for 5-9% smaller output; level
 * 2 saves a fifth of the CPU for 8% larger output. zstd's multi-threaded
 * output depends only on the parameters, never on timing, on how the input is
 * fed or on the number of CPUs, so the bytes are the same on every machine
 * with this libzstd (its version goes into .pinfold/build-info); --jobs never
 * touches it.
 */
#define PACK_ZSTD_LEVEL		3
#define PACK_ZSTD_WORKERS	2

#define PACK_MANIFEST		".pinfold/manifest"
#define PACK_BUILD_INFO		".pinfold/build-info"
#define PACK_LOCK		".pinfold/lock"
#define PACK_MANIFEST_HEADER	"#pinfold-manifest/1\tpath\ttype\tmode\tsize\tsha256\ttarget"

enum pack_type { PACK_FILE = 'f', PACK_DIR = 'd', PACK_LINK = 'l', PACK_OTHER = '?' };

/* One path of an environment. */
struct pack_entry {
	char *path;			/* relative, no "./", no trailing '/' */
	enum pack_type type;
	unsigned mode;			/* normalised: 0644/0755 files, 0755 dirs, 0777 links */
	unsigned raw_mode;		/* as found on disk or in the archive (verify) */
	uint64_t size;			/* files */
	char sha256[PF_SHA256_HEX];	/* files ("" when not hashed) */
	char *target;			/* links */
	int64_t spool_off;		/* >= 0: bytes in install spool number spool; -1: read from root/path */
	int spool;
};

struct pack_list {
	struct pack_entry *v;
	size_t n, cap;
};

/* Every path under root (not root itself), sorted bytewise; files hashed when hash is set. */
int pack_scan(const char *root, int hash, struct pack_list *l, struct pf_err *e);
void pack_list_sort(struct pack_list *l);
void pack_list_release(struct pack_list *l);
/* Manifest text of l (one line per path, .pinfold/manifest itself left out). */
void pack_manifest_text(const struct pack_list *l, struct pf_buf *out);
/* Parse manifest text into l (sorted, strict); file names it in errors. */
int pack_manifest_parse(const char *file, const char *text, size_t len, struct pack_list *l, struct pf_err *e);

struct install_ctx;
/*
 * The environment as it will be packed: the entries install staged (bytes in
 * its spool, hashes already known) merged with the real files under root
 * (constraints, .pinfold/), which win over staged files of the same path.
 * Sorted bytewise; real files hashed when hash is set.
 */
int pack_collect(const char *root, const struct install_ctx *x, int hash, struct pack_list *l, struct pf_err *e);

/* Write root/.pinfold/build-info (pinfold, libzstd, libarchive versions, zstd settings). */
int pack_write_build_info(const char *root, long long source_date_epoch, struct pf_err *e);
/* Collect, hash and write root/.pinfold/manifest; *nfiles gets the number of paths when not NULL. */
int pack_write_manifest(const char *root, const struct install_ctx *x, size_t *nfiles, struct pf_err *e);

struct pack_result {
	char sha256_out[PF_SHA256_HEX];	/* of OUT */
	char sha256_tar[PF_SHA256_HEX];	/* of the uncompressed tar */
	uint64_t out_size, tar_size;
	size_t nentries;
};

/*
 * Pack root merged with x's staged entries (x may be NULL) into out (tar + zstd), reproducibly: entries built from scratch,
 * sorted bytewise, pax restricted, uid/gid 0 with empty names, mtime =
 * source_date_epoch, normalised modes. Written to a temp file next to out
 * and renamed; nothing is left on failure. Files are streamed.
 */
int pack_tarball(const char *root, const struct install_ctx *x, const char *out, long long source_date_epoch,
		 struct pack_result *res, struct pf_err *e);

/* The outcome of verify. */
struct pack_verify {
	struct pf_strv lines;		/* "added: P", "removed: P", "changed: P", "mode: P (...)", "lock: ..." */
	char *status;			/* "unlocked: REASON (by WHO at TIME)" or NULL */
	size_t npaths;			/* paths in the manifest */
};

/*
 * Check an environment (a tarball, read under the hostile-archive rules, or
 * an unpacked directory) against its .pinfold/manifest, and with lockfile
 * against that lock's bytes. With against (an environment tarball the
 * caller trusts, e.g. checked with its OUT.sha256), the manifest comes from
 * it instead, so a rewritten .pinfold/manifest in target is caught too.
 * Returns 0 when the check ran (v->lines empty: pristine), negative when it
 * could not (unsafe archive, no manifest, I/O). Release v with
 * pack_verify_release().
 */
int pack_verify(const char *target, const char *lockfile, const char *against, struct pack_verify *v,
		struct pf_err *e);
void pack_verify_release(struct pack_verify *v);
/*
 * Unpack an environment tarball into dest (an existing empty directory) in
 * one pass, under the same hostile-archive rules and with the same check as
 * pack_verify(): every entry is hashed as it is written and the result is
 * compared with the tarball's own .pinfold/manifest (v->lines empty: the
 * tree is exactly the manifest). Files are written read-only (0444/0555),
 * nothing is written outside dest and no link is followed. On a negative
 * return or differences the caller removes dest. Release v with
 * pack_verify_release().
 */
int pack_unpack(const char *tarball, const char *dest, struct pack_verify *v, struct pf_err *e);

/*
 * What a caller wants to see of the environment while it is verified (export,
 * sbom): visit() is called for every path of the target, in the order read;
 * it returns 1 to keep a file's bytes, and kept() then receives them (the
 * bytes verify hashed, so what the caller reads is what was checked). A kept
 * file over max_keep bytes fails the verify with PF_ETOOBIG. A non-zero
 * return from visit() other than 1 stops the verify and is returned (with
 * e filled by the caller).
 */
struct pack_verify_hook {
	int (*visit)(void *ud, const char *path, enum pack_type type, struct pf_err *e);
	void (*kept)(void *ud, const char *path, const void *data, size_t len);
	void *ud;
	size_t max_keep;
};
int pack_verify_hooked(const char *target, const char *lockfile, const char *against,
		       const struct pack_verify_hook *hook, struct pack_verify *v, struct pf_err *e);

/*
 * Decompress an environment tarball (tar + zstd) and pass its tar bytes to
 * sink in order. More than max bytes of tar, a zstd error or a truncated
 * frame fail; a non-zero return from sink stops and is returned.
 */
typedef int (*pack_tar_sink)(void *ud, const void *buf, size_t n, struct pf_err *e);
int pack_tar_stream(const char *path, uint64_t max, pack_tar_sink sink, void *ud, struct pf_err *e);

#endif
