/* SPDX-License-Identifier: MIT */
/* Verified loading: signature over the raw bytes, then strict parse, expiry and rollback checks. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/verified.h"
#include "core/file.h"
#include "core/digest.h"
#include "core/time.h"

int verified_check_fresh(const char *label, const struct verified_head *h, const struct verify_opts *o,
			 struct pf_err *e)
{
	struct trust_doc d = { h->kind, h->name, h->version, h->sha256, (const char *const *)h->signers->v,
			       h->signers->n, o->store };
	char now[PF_TIME_STR];
	int rc;

	pf_time_format(o->now, now);
	if (o->name && strcmp(o->name, h->name))
		return pf_error(e, PF_EUNTRUSTED, "'%s': %s '%s' is not the %s '%s' that is pinned", label, h->kind,
				h->name, h->kind, o->name);
	if (!h->expires)
		return pf_error(e, PF_EEXPIRED, "'%s': %s '%s' has no expiry time (it was never signed)", label,
				h->kind, h->name);
	if (o->now >= h->expires_t)
		return pf_error(e, PF_EEXPIRED, "'%s': %s '%s' version %lld expired at %s (now %s); ask its "
				"curator for a freshly signed copy", label, h->kind, h->name, h->version, h->expires, now);
	rc = trust_state_check(o->state_dir, &d, e);
	if (rc)
		return rc;
	if (o->record)
		rc = trust_state_record(o->state_dir, &d, e);
	return rc;
}

/* What differs between loading a catalog and loading advisories. */
struct doc_kind {
	const char *kind;		/* as the trust state and errors name it */
	const char *payload_type;
	const char *file, *sigfile;
	size_t size;
	int (*parse)(void *doc, const char *label, const char *data, size_t len, struct verified_head *h,
		     struct pf_err *e);
	void (*release)(void *doc);
};

static int parse_catalog(void *doc, const char *label, const char *data, size_t len, struct verified_head *h,
			 struct pf_err *e)
{
	struct catalog *c = doc;
	int rc = catalog_parse(c, label, data, len, e);

	if (!rc)
		*h = (struct verified_head){ "catalog", c->name, c->version, c->expires, c->expires_t, c->sha256, NULL };
	return rc;
}

static void release_catalog(void *doc)
{
	catalog_release(doc);
}

static int parse_advisories(void *doc, const char *label, const char *data, size_t len, struct verified_head *h,
			    struct pf_err *e)
{
	struct advisories *a = doc;
	int rc = advisories_parse(a, label, data, len, e);

	if (!rc)
		*h = (struct verified_head){ "advisories", a->name, a->version, a->expires, a->expires_t, a->sha256, NULL };
	return rc;
}

static void release_advisories(void *doc)
{
	advisories_release(doc);
}

static const struct doc_kind CATALOG_KIND = {
	"catalog", CATALOG_PAYLOAD_TYPE, CATALOG_FILE, CATALOG_SIG, sizeof(struct catalog),
	parse_catalog, release_catalog,
};

static const struct doc_kind ADVISORIES_KIND = {
	"advisories", ADVISORIES_PAYLOAD_TYPE, ADVISORIES_FILE, ADVISORIES_SIG, sizeof(struct advisories),
	parse_advisories, release_advisories,
};

/* Signature first, then strict parse, then expiry and rollback; doc is left released on failure. */
static int verify_doc(const struct doc_kind *k, const char *label, const char *data, size_t len,
		      const char *sig, size_t siglen, const struct verify_opts *o, void *doc,
		      struct pf_strv *signers, struct pf_err *e)
{
	struct pf_strv who = PF_STRV_INIT;
	struct verified_head h;
	int rc;

	memset(doc, 0, k->size);
	rc = trust_verify(o->store, label, k->payload_type, data, len, sig, siglen, &o->policy, &who, e);
	if (rc)
		goto out;
	rc = k->parse(doc, label, data, len, &h, e);
	if (rc)
		goto out;
	h.signers = &who;
	rc = verified_check_fresh(label, &h, o, e);
	if (rc) {
		k->release(doc);
		goto out;
	}
	for (size_t i = 0; signers && i < who.n; i++)
		pf_strv_push(signers, who.v[i]);
out:
	pf_strv_release(&who);
	return rc;
}

int catalog_verify_bytes(const char *label, const char *data, size_t len, const char *sig, size_t siglen,
			 const struct verify_opts *o, struct catalog *c, struct pf_strv *signers,
			 struct pf_err *e)
{
	return verify_doc(&CATALOG_KIND, label, data, len, sig, siglen, o, c, signers, e);
}

void verify_opts_advisories(const struct verify_opts *o, struct verify_opts *out)
{
	*out = *o;
	if (o->adv_store) {
		out->store = o->adv_store;
		out->policy.threshold = o->adv_threshold > 0 ? o->adv_threshold : 1;
		out->adv_store = NULL;
	}
}

int advisories_verify_bytes(const char *label, const char *data, size_t len, const char *sig, size_t siglen,
			    const struct verify_opts *o, struct advisories *a, struct pf_strv *signers,
			    struct pf_err *e)
{
	struct verify_opts ao;

	verify_opts_advisories(o, &ao);
	return verify_doc(&ADVISORIES_KIND, label, data, len, sig, siglen, &ao, a, signers, e);
}

/* Read DIR/FILE and DIR/FILE.sig with their caps. */
static int read_pair(const char *dir, const char *file, const char *sigfile, const struct verify_opts *o,
		     char **label, struct pf_buf *data, struct pf_buf *sig, struct pf_err *e)
{
	char *sigpath = pf_path_join(dir, sigfile);
	const char *src;
	int rc;

	*label = pf_path_join(dir, file);
	if (trust_store_key_in_dir(o->store, dir, &src)) {
		rc = pf_error(e, PF_EUNTRUSTED, "'%s': the trusted key '%s' lies inside the catalog's own "
			      "directory; trust must come from elsewhere", *label, src);
		goto out;
	}
	rc = pf_read_file(*label, PF_MAX_CATALOG, data, e);
	if (rc)
		goto out;
	rc = pf_read_file(sigpath, PF_MAX_SMALL, sig, e);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(e);
		rc = pf_error(e, PF_EBADSIG, "'%s': not signed ('%s' is missing; run 'pinfold catalog sign')",
			      *label, sigpath);
	}
out:
	free(sigpath);
	return rc;
}

/* Read DIR's document and its signature, then verify_doc(). */
static int open_doc(const struct doc_kind *k, const char *dir, const struct verify_opts *o, void *doc,
		    struct pf_strv *signers, struct pf_err *e)
{
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	char *label = NULL;
	int rc;

	memset(doc, 0, k->size);
	rc = read_pair(dir, k->file, k->sigfile, o, &label, &data, &sig, e);
	if (!rc)
		rc = verify_doc(k, label, data.p, data.len, sig.p, sig.len, o, doc, signers, e);
	free(label);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	return rc;
}

int catalog_open_dir(const char *dir, const struct verify_opts *o, struct catalog *c, struct pf_strv *signers,
		     struct pf_err *e)
{
	struct catalog_file f;
	int rc;

	memset(c, 0, sizeof *c);
	rc = catalog_file_read(dir, o, &f, e);
	if (!rc)
		rc = catalog_file_open(&f, o, c, signers, e);
	catalog_file_release(&f);
	return rc;
}

int advisories_open_dir(const char *dir, const struct verify_opts *o, struct advisories *a,
			struct pf_strv *signers, struct pf_err *e)
{
	struct verify_opts ao;

	verify_opts_advisories(o, &ao);
	return open_doc(&ADVISORIES_KIND, dir, &ao, a, signers, e);
}

/* Room for the PAE header in front of the data: "DSSEv1 <n> <type> <n> ". */
#define PAE_ROOM 128
#define BIG_FILE ((size_t)4 << 20)
#define HUGE ((size_t)2 << 20)

static void free_buf(struct catalog_file *f)
{
	if (f->map)
		munmap(f->buf, f->map);
	else
		free(f->buf);
	f->buf = NULL;
	f->map = 0;
}

/*
 * Read path whole, once, into f->buf with PAE_ROOM bytes free in front, so the
 * signature is checked, the SHA-256 taken and the YAML parsed from the same
 * private bytes (not a mapping: a file changed under us must not change what
 * was verified). Same messages and limits as pf_read_file().
 */
static int read_with_room(const char *path, size_t max, struct catalog_file *f, struct pf_err *e)
{
	struct stat st;
	size_t want, got = 0;
	int fd, rc = 0;

	fd = pf_open_regular(path, 0, &st, e);
	if (fd < 0)
		return fd;
	if ((uint64_t)st.st_size > max) {
		rc = pf_error(e, PF_ETOOBIG, "'%s': larger than %zu bytes, refused unread", path, max);
		goto out;
	}
	want = (size_t)st.st_size;
	if (want >= BIG_FILE) {
		/* fresh memory in huge pages: a few faults instead of one per 4 KiB */
		f->map = (PAE_ROOM + want + 1 + HUGE - 1) & ~(HUGE - 1);
		f->buf = mmap(NULL, f->map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (f->buf == MAP_FAILED) {
			f->buf = NULL;
			f->map = 0;
		} else {
			madvise(f->buf, f->map, MADV_HUGEPAGE);
		}
	}
	if (!f->buf)
		f->buf = pf_xmalloc(PAE_ROOM + want + 1);
	{
		ssize_t n = pf_read_full(fd, f->buf + PAE_ROOM, want);

		if (n < 0) {
			rc = pf_error(e, PF_EIO, "'%s': %s", path, strerror((int)-n));
			goto out;
		}
		got = (size_t)n;
	}
	if (got == want) {
		char extra;

		if (pf_read_full(fd, &extra, 1) != 0) {
			rc = pf_error(e, PF_EIO, "'%s': it grew while being read; try again", path);
			goto out;
		}
	}
	f->len = got;
out:
	if (fd >= 0)
		close(fd);
	if (rc) {
		free_buf(f);
	} else {
		f->buf[PAE_ROOM + f->len] = '\0';
		f->data = f->buf + PAE_ROOM;
	}
	return rc;
}

/* The PAE in place in front of the bytes, and the signature check over it. */
static int verify_sig(struct catalog_file *f, const struct verify_opts *o, struct pf_strv *who, struct pf_err *e)
{
	char hdr[PAE_ROOM];
	size_t h = trust_pae_header(CATALOG_PAYLOAD_TYPE, f->len, hdr, sizeof hdr);
	char *pae = f->buf + PAE_ROOM - h;

	if (!h)
		return pf_error(e, PF_EINTERNAL, "'%s': payload type too long", f->label);
	memcpy(pae, hdr, h);
	return trust_verify_pae(o->store, f->label, pae, h + f->len, f->sig.p ? f->sig.p : "", f->sig.len,
				&o->policy, who, e);
}

static void *sig_thread(void *arg)
{
	struct catalog_file *f = arg;

	f->sig_rc = verify_sig(f, f->sig_opts, &f->sig_who, &f->sig_err);
	return NULL;
}

int catalog_file_read(const char *dir, const struct verify_opts *o, struct catalog_file *f, struct pf_err *e)
{
	char *sigpath = pf_path_join(dir, CATALOG_SIG);
	const char *src;
	int rc;

	memset(f, 0, sizeof *f);
	f->label = pf_path_join(dir, CATALOG_FILE);
	if (trust_store_key_in_dir(o->store, dir, &src)) {
		rc = pf_error(e, PF_EUNTRUSTED, "'%s': the trusted key '%s' lies inside the catalog's own "
			      "directory; trust must come from elsewhere", f->label, src);
		goto out;
	}
	rc = read_with_room(f->label, PF_MAX_CATALOG, f, e);
	if (rc)
		goto out;
	rc = pf_read_file(sigpath, PF_MAX_SMALL, &f->sig, e);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(e);
		rc = pf_error(e, PF_EBADSIG, "'%s': not signed ('%s' is missing; run 'pinfold catalog sign')",
			      f->label, sigpath);
	}
	if (rc)
		goto out;
	/*
	 * Both digests over 35 MiB are most of a warm run: the signature's SHA-512
	 * runs on a second core while this one takes the SHA-256. Nothing is
	 * trusted before catalog_file_verify_sig() has its result.
	 */
	f->sig_opts = o;
	f->sig_thread = pthread_create(&f->sig_tid, NULL, sig_thread, f) == 0;
	pf_sha256_hex(f->data, f->len, f->sha256);
out:
	free(sigpath);
	if (rc)
		catalog_file_release(f);
	return rc;
}

static void join_sig(struct catalog_file *f)
{
	if (f->sig_thread) {
		pthread_join(f->sig_tid, NULL);
		f->sig_thread = 0;
		f->sig_done = 1;
	}
}

int catalog_file_verify_sig(struct catalog_file *f, const struct verify_opts *o, struct pf_strv *signers,
			    struct pf_err *e)
{
	join_sig(f);
	if (!f->sig_done || f->sig_opts != o) {
		/* no thread ran (or other options): check here */
		pf_strv_release(&f->sig_who);
		memset(&f->sig_err, 0, sizeof f->sig_err);
		f->sig_rc = verify_sig(f, o, &f->sig_who, &f->sig_err);
		f->sig_opts = o;
		f->sig_done = 1;
	}
	if (f->sig_rc)
		return pf_error(e, f->sig_err.code, "%s", f->sig_err.msg);
	for (size_t i = 0; signers && i < f->sig_who.n; i++)
		pf_strv_push(signers, f->sig_who.v[i]);
	return 0;
}

int catalog_file_open(struct catalog_file *f, const struct verify_opts *o, struct catalog *c,
		      struct pf_strv *signers, struct pf_err *e)
{
	struct pf_strv who = PF_STRV_INIT;
	int rc;

	memset(c, 0, sizeof *c);
	rc = catalog_file_verify_sig(f, o, &who, e);
	if (!rc)
		rc = catalog_parse_hashed(c, f->label, f->data, f->len, f->sha256, e);
	if (rc)
		goto out;
	{
		struct verified_head h = { "catalog", c->name, c->version, c->expires, c->expires_t, c->sha256, &who };

		rc = verified_check_fresh(f->label, &h, o, e);
	}
	if (rc) {
		catalog_release(c);
		goto out;
	}
	for (size_t i = 0; signers && i < who.n; i++)
		pf_strv_push(signers, who.v[i]);
out:
	pf_strv_release(&who);
	return rc;
}

void catalog_file_release(struct catalog_file *f)
{
	if (!f)
		return;
	join_sig(f);	/* it reads buf */
	pf_strv_release(&f->sig_who);
	free_buf(f);
	free(f->label);
	pf_buf_release(&f->sig);
	memset(f, 0, sizeof *f);
}
