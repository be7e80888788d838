/* SPDX-License-Identifier: MIT */
/* Air-gap bundles: verifying what one holds, and writing one reproducibly. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/time.h"
#include "core/yaml.h"
#include "fetch/bundle.h"
#include "fetch/fetch_int.h"
#include "trust/trust.h"

void fetch_bundle_contents_release(struct fetch_bundle_contents *c)
{
	if (!c)
		return;
	pf_buf_release(&c->lock_bytes);
	lock_release(&c->lock);
	pf_buf_release(&c->catalog_bytes);
	pf_buf_release(&c->adv_bytes);
	pf_buf_release(&c->adv_sig);
	catalog_release(&c->catalog);
	pf_strv_release(&c->signers);
	advisories_release(&c->advisories);
	pf_strv_release(&c->adv_signers);
	memset(c, 0, sizeof *c);
}

int fetch_bundle_same_lock(const struct fetch_bundle_contents *c, const char *lock_path, struct pf_err *e)
{
	struct pf_buf mine = PF_BUF_INIT;
	int rc = pf_read_file(lock_path, PF_MAX_SMALL, &mine, e);

	if (!rc && (mine.len != c->lock_bytes.len || memcmp(mine.p, c->lock_bytes.p, mine.len)))
		rc = pf_error(e, PF_ECHECK, "'%s': the bundle holds a different lock (sha256 %s); refused",
			      lock_path, c->lock.sha256);
	pf_buf_release(&mine);
	return rc;
}

static int hash_entry(struct fetch_bundle *b, const struct fetch_bundle_entry *en, char hex[PF_SHA256_HEX],
		      struct pf_err *e)
{
	enum { CHUNK = 1 << 17 };
	char *buf = pf_xmalloc(CHUNK);
	uint64_t off = b->data_start + en->offset, left = en->size;
	struct pf_sha256 s;
	int rc = 0;

	pf_sha256_init(&s);
	while (left) {
		size_t want = left < CHUNK ? (size_t)left : CHUNK;

		if (fetch_read_at(b->fd, off, buf, want) < 0) {
			rc = pf_error(e, PF_EIO, "bundle '%s': cannot read '%s'", b->path, en->name);
			break;
		}
		pf_sha256_update(&s, buf, want);
		off += want;
		left -= want;
	}
	pf_sha256_final(&s, hex);
	free(buf);
	return rc;
}

/* The lock holds nothing signed of its own: bind every field that can be derived to the catalog. */
static int lock_derived(struct fetch_bundle *b, struct fetch_bundle_contents *out, struct pf_err *e)
{
	struct pf_buf canon = PF_BUF_INIT;
	time_t newest = 0;
	int same;

	for (size_t i = 0; i < out->lock.npkgs; i++) {
		const struct lock_pkg *p = &out->lock.pkgs[i];
		const struct catalog_pkg *cp = catalog_find(&out->catalog, p->ecosystem, p->name, p->version);
		time_t pub;

		if (cp && cp->published && pf_date_parse(cp->published, &pub) == 0 && pub > newest)
			newest = pub;
	}
	if (out->lock.source_date_epoch != (long long)newest)
		return pf_error(e, PF_ECHECK, "bundle '%s': the lock's source_date_epoch %lld is not the newest "
				"publication date of its packages (%lld); refused", b->path,
				out->lock.source_date_epoch, (long long)newest);
	lock_write(&out->lock, &canon);
	same = canon.len == out->lock_bytes.len && !memcmp(canon.p, out->lock_bytes.p, canon.len);
	pf_buf_release(&canon);
	if (!same)
		return pf_error(e, PF_ECHECK, "bundle '%s': the lock is not as 'pinfold lock' writes it (edited?); "
				"refused", b->path);
	return 0;
}

/* Read catalog/FILE and catalog/SIGFILE from the bundle; *label (caller frees) names FILE in errors. */
static int read_signed(struct fetch_bundle *b, const char *file, const char *sigfile, struct pf_buf *data,
		       struct pf_buf *sig, char **label, struct pf_err *e)
{
	char *name = pf_xasprintf("%s%s", BUNDLE_CATALOG_PREFIX, file);
	char *signame = pf_xasprintf("%s%s", BUNDLE_CATALOG_PREFIX, sigfile);
	int rc;

	*label = NULL;
	rc = fetch_bundle_read(b, name, PF_MAX_CATALOG, data, e);
	if (!rc)
		rc = fetch_bundle_read(b, signame, PF_MAX_SMALL, sig, e);
	if (!rc)
		*label = pf_xasprintf("%s:%s", b->path, name);
	free(name);
	free(signame);
	return rc;
}

int fetch_bundle_load(struct fetch_bundle *b, const struct verify_opts *o, int check_artifacts,
		      struct fetch_bundle_contents *out, struct pf_err *e)
{
	static const char *const required[] = {
		BUNDLE_LOCK, BUNDLE_CATALOG_PREFIX CATALOG_FILE, BUNDLE_CATALOG_PREFIX CATALOG_SIG, NULL,
	};
	struct pf_buf sig = PF_BUF_INIT;
	struct verify_opts vo = *o, ao = *o;
	char *label = NULL, hex[PF_SHA256_HEX];
	size_t nart = 0;
	int rc;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; required[i]; i++)
		if (!fetch_bundle_find(b, required[i]))
			return pf_error(e, PF_ECHECK, "bundle '%s': no '%s'; refused", b->path, required[i]);
	if (!fetch_bundle_find(b, BUNDLE_CATALOG_PREFIX ADVISORIES_FILE) !=
	    !fetch_bundle_find(b, BUNDLE_CATALOG_PREFIX ADVISORIES_SIG))
		return pf_error(e, PF_ECHECK, "bundle '%s': advisories.yaml and its signature must come together; "
				"refused", b->path);
	/* the caller raises the rollback state once the whole bundle checks out */
	vo.record = ao.record = 0;
	/* the lock first: its image pin can only narrow which keys count */
	rc = fetch_bundle_read(b, BUNDLE_LOCK, PF_MAX_SMALL, &out->lock_bytes, e);
	if (rc)
		goto out;
	label = pf_xasprintf("%s:%s", b->path, BUNDLE_LOCK);
	rc = lock_parse(&out->lock, label, out->lock_bytes.p, out->lock_bytes.len, e);
	free(label);
	if (rc)
		goto out;
	if (out->lock.trust_threshold > vo.policy.threshold)
		vo.policy.threshold = out->lock.trust_threshold;
	if (out->lock.ntrust_keys) {
		vo.policy.pin = out->lock.trust_keys;
		vo.policy.npin = out->lock.ntrust_keys;
	}
	rc = read_signed(b, CATALOG_FILE, CATALOG_SIG, &out->catalog_bytes, &sig, &label, e);
	if (rc)
		goto out;
	rc = catalog_verify_bytes(label, out->catalog_bytes.p, out->catalog_bytes.len, sig.p, sig.len, &vo,
				  &out->catalog, &out->signers, e);
	free(label);
	if (rc)
		goto out;
	if (fetch_bundle_find(b, BUNDLE_CATALOG_PREFIX ADVISORIES_FILE) ||
	    fetch_bundle_find(b, BUNDLE_CATALOG_PREFIX ADVISORIES_SIG)) {
		rc = read_signed(b, ADVISORIES_FILE, ADVISORIES_SIG, &out->adv_bytes, &out->adv_sig, &label, e);
		if (rc)
			goto out;
		/* advisories beside a catalog carry its name */
		ao.name = out->catalog.name;
		rc = advisories_verify_bytes(label, out->adv_bytes.p, out->adv_bytes.len, out->adv_sig.p,
					     out->adv_sig.len, &ao, &out->advisories, &out->adv_signers, e);
		free(label);
		if (rc)
			goto out;
		out->has_advisories = 1;
	}
	/* the lock must name this catalog; its version and artifacts are bound by the caller (ctx_lock_bind) */
	if (!out->lock.catalog_name || strcmp(out->lock.catalog_name, out->catalog.name)) {
		rc = pf_error(e, PF_ECHECK, "bundle '%s': the lock was made from catalog '%s', the bundle holds '%s'",
			      b->path, out->lock.catalog_name ? out->lock.catalog_name : "?", out->catalog.name);
		goto out;
	}
	for (size_t i = 0; i < out->lock.npkgs; i++) {
		const struct lock_pkg *p = &out->lock.pkgs[i];
		const struct fetch_bundle_entry *en;
		char *name;

		name = pf_xasprintf("%s%s", BUNDLE_ARTIFACT_PREFIX, p->artifact.file);
		en = fetch_bundle_find(b, name);
		free(name);
		if (!en) {
			rc = pf_error(e, PF_ECHECK, "bundle '%s': artifact '%s' of %s:%s %s is missing", b->path,
				      p->artifact.file, p->ecosystem, p->name, p->version);
			goto out;
		}
		if (en->size != p->artifact.size || strcmp(en->sha256, p->artifact.sha256)) {
			rc = pf_error(e, PF_EDIGEST, "bundle '%s': artifact '%s': the index records size %llu sha256 "
				      "%s, the lock %llu %s", b->path, p->artifact.file,
				      (unsigned long long)en->size, en->sha256,
				      (unsigned long long)p->artifact.size, p->artifact.sha256);
			goto out;
		}
		if (check_artifacts) {
			rc = hash_entry(b, en, hex, e);
			if (rc)
				goto out;
			if (strcmp(hex, p->artifact.sha256)) {
				rc = pf_error(e, PF_EDIGEST, "bundle '%s': artifact '%s' does not match the lock: sha256 "
					      "%s, expected %s", b->path, p->artifact.file, hex, p->artifact.sha256);
				goto out;
			}
		}
		out->artifact_bytes += p->artifact.size;
	}
	for (size_t i = 0; i < b->n; i++)
		nart += !strncmp(b->entries[i].name, BUNDLE_ARTIFACT_PREFIX, strlen(BUNDLE_ARTIFACT_PREFIX));
	if (nart != out->lock.npkgs) {
		rc = pf_error(e, PF_ECHECK, "bundle '%s': holds %zu artifacts, the lock names %zu", b->path, nart,
			      out->lock.npkgs);
		goto out;
	}
	rc = lock_derived(b, out, e);
	if (rc)
		goto out;
out:
	pf_buf_release(&sig);
	if (rc)
		fetch_bundle_contents_release(out);
	return rc;
}

/* What goes into a bundle being written. */
struct part {
	char *name;
	const char *data;		/* in memory, or */
	char *path;			/* a cache file */
	uint64_t size;
	char sha256[PF_SHA256_HEX];
};

static int part_cmp(const void *a, const void *b)
{
	return strcmp(((const struct part *)a)->name, ((const struct part *)b)->name);
}

static void add_mem(struct part *parts, size_t *n, const char *name, const struct pf_buf *buf)
{
	struct part *p = &parts[(*n)++];

	p->name = pf_xasprintf("%s", name);
	p->data = buf->p ? buf->p : "";
	p->size = buf->len;
	pf_sha256_hex(p->data, buf->len, p->sha256);
}

/* Copy a cache file into the bundle, hashing it again on the way. */
static int copy_part(struct pf_afile *f, const struct part *p, struct pf_err *e)
{
	char buf[1 << 16];
	char hex[PF_SHA256_HEX];
	struct pf_sha256 s;
	uint64_t total = 0;
	int fd, rc = 0;

	fd = open(p->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return pf_error(e, PF_EIO, "'%s': %s", p->path, strerror(errno));
	pf_sha256_init(&s);
	for (;;) {
		ssize_t got = read(fd, buf, sizeof buf);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = pf_error(e, PF_EIO, "'%s': %s", p->path, strerror(errno));
			break;
		}
		if (!got)
			break;
		if ((uint64_t)got > p->size - total) {
			total = p->size + 1;
			break;
		}
		pf_sha256_update(&s, buf, (size_t)got);
		pf_afile_write(f, buf, (size_t)got);
		total += (uint64_t)got;
	}
	pf_sha256_final(&s, hex);
	close(fd);
	if (!rc && (total != p->size || strcmp(hex, p->sha256)))
		rc = pf_error(e, PF_EDIGEST, "'%s': changed in the cache while the bundle was written", p->path);
	return rc;
}

int fetch_bundle_create(const struct fetch_bundle_spec *s, struct fetch_bundle_made *made, struct pf_err *e)
{
	struct pf_buf lockb = PF_BUF_INIT, cat = PF_BUF_INIT, sig = PF_BUF_INIT, adv = PF_BUF_INIT,
		advsig = PF_BUF_INIT, index = PF_BUF_INIT;
	struct lockfile lock = { 0 };
	const struct catalog_artifact **arts = NULL;
	struct pf_afile f = { .fd = -1 };
	struct part *parts = NULL;
	char **paths = NULL;
	char *catdir = NULL;
	char hex[PF_SHA256_HEX];
	struct pf_yw w = { 0 };
	struct pf_ynode *root, *list;
	size_t nparts = 0, nroots = 0;
	struct pf_buf *rootb = NULL;
	uint64_t off = 0;
	int rc, have_adv;

	memset(made, 0, sizeof *made);
	rc = pf_read_file(s->lock_path, PF_MAX_SMALL, &lockb, e);
	if (!rc)
		rc = lock_parse(&lock, s->lock_path, lockb.p, lockb.len, e);
	if (rc)
		goto out;
	catdir = pf_xstrdup(s->catalog);
	rc = fetch_small(catdir, CATALOG_FILE, PF_MAX_CATALOG, &cat, e);
	if (!rc)
		rc = fetch_small(catdir, CATALOG_SIG, PF_MAX_SMALL, &sig, e);
	if (rc)
		goto out;
	pf_sha256_hex(cat.p, cat.len, hex);
	if (strcmp(hex, s->catalog_sha256)) {
		rc = pf_error(e, PF_ECHECK, "catalog '%s': sha256 %s is not the %s that was verified for '%s' "
			      "(it changed meanwhile)", catdir, hex, s->catalog_sha256, s->lock_path);
		goto out;
	}
	rc = fetch_small(catdir, ADVISORIES_FILE, PF_MAX_CATALOG, &adv, e);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(e);
		have_adv = 0;
	} else if (rc) {
		goto out;
	} else {
		rc = fetch_small(catdir, ADVISORIES_SIG, PF_MAX_SMALL, &advsig, e);
		if (rc)
			goto out;
		have_adv = 1;
	}

	arts = pf_xcalloc(lock.npkgs + 1, sizeof *arts);
	paths = pf_xcalloc(lock.npkgs + 1, sizeof *paths);
	for (size_t i = 0; i < lock.npkgs; i++)
		arts[i] = &lock.pkgs[i].artifact;
	rc = fetch_all(s->fetch, arts, lock.npkgs, paths, NULL, e);	/* copy_part hashes again */
	if (rc)
		goto out;

	nroots = s->roots ? s->roots->n : 0;
	rootb = pf_xcalloc(nroots + 1, sizeof *rootb);
	for (size_t i = 0; i < nroots && !rc; i++)
		rc = pf_read_file(s->roots->v[i], PF_MAX_SMALL, &rootb[i], e);
	if (rc)
		goto out;
	parts = pf_xcalloc(lock.npkgs + 5 + nroots, sizeof *parts);
	add_mem(parts, &nparts, BUNDLE_LOCK, &lockb);
	add_mem(parts, &nparts, BUNDLE_CATALOG_PREFIX CATALOG_FILE, &cat);
	add_mem(parts, &nparts, BUNDLE_CATALOG_PREFIX CATALOG_SIG, &sig);
	if (have_adv) {
		add_mem(parts, &nparts, BUNDLE_CATALOG_PREFIX ADVISORIES_FILE, &adv);
		add_mem(parts, &nparts, BUNDLE_CATALOG_PREFIX ADVISORIES_SIG, &advsig);
	}
	for (size_t i = 0; i < nroots; i++) {
		const char *base = strrchr(s->roots->v[i], '/');
		char *name = pf_xasprintf("%s%s", BUNDLE_ROOTS_PREFIX, base ? base + 1 : s->roots->v[i]);

		add_mem(parts, &nparts, name, &rootb[i]);
		free(name);
	}
	for (size_t i = 0; i < lock.npkgs; i++) {
		struct part *p = &parts[nparts++];

		p->name = pf_xasprintf("%s%s", BUNDLE_ARTIFACT_PREFIX, arts[i]->file);
		p->path = paths[i];
		paths[i] = NULL;
		p->size = arts[i]->size;
		memcpy(p->sha256, arts[i]->sha256, PF_SHA256_HEX);
	}
	pf_qsort(parts, nparts, sizeof *parts, part_cmp);
	for (size_t i = 1; i < nparts; i++) {
		if (!strcmp(parts[i - 1].name, parts[i].name)) {
			rc = pf_error(e, PF_EFORMAT, "'%s': two locked packages share the artifact file name '%s'",
				      s->lock_path, parts[i].name + strlen(BUNDLE_ARTIFACT_PREFIX));
			goto out;
		}
	}

	root = pf_yw_map(&w);
	pf_yw_set_str(&w, root, "format", BUNDLE_MAGIC);
	list = pf_yw_seq(&w);
	for (size_t i = 0; i < nparts; i++) {
		struct pf_ynode *m = pf_yw_map(&w);

		pf_yw_set_str(&w, m, "name", parts[i].name);
		pf_yw_set_int(&w, m, "offset", (long long)off);
		pf_yw_set_int(&w, m, "size", (long long)parts[i].size);
		pf_yw_set_str(&w, m, "sha256", parts[i].sha256);
		pf_yw_push(&w, list, m);
		off += parts[i].size;
	}
	pf_yw_set(&w, root, "entries", list);
	pf_yaml_emit(root, &index);
	if (index.len > BUNDLE_MAX_INDEX) {
		rc = pf_error(e, PF_ETOOBIG, "bundle '%s': index over %zu bytes", s->out, BUNDLE_MAX_INDEX);
		goto out;
	}

	rc = pf_afile_open(&f, s->out, 0644, e);
	if (rc)
		goto out;
	{
		char head[64];
		int hl = snprintf(head, sizeof head, "%s\n%zu\n", BUNDLE_MAGIC, index.len);

		pf_afile_write(&f, head, (size_t)hl);
	}
	pf_afile_write(&f, index.p, index.len);
	for (size_t i = 0; i < nparts && !rc; i++) {
		if (parts[i].path)
			rc = copy_part(&f, &parts[i], e);
		else
			pf_afile_write(&f, parts[i].data, parts[i].size);
	}
	if (rc)
		goto out;
	rc = pf_afile_commit(&f, e);
	if (rc)
		goto out;
	rc = pf_sha256_file(s->out, made->sha256, &made->size, e);
	made->nartifacts = lock.npkgs;
	made->nentries = nparts;
	made->catalog_from = catdir;
	catdir = NULL;
out:
	pf_afile_abort(&f);
	for (size_t i = 0; i < nparts; i++) {
		free(parts[i].name);
		free(parts[i].path);
	}
	free(parts);
	for (size_t i = 0; paths && i < lock.npkgs; i++)
		free(paths[i]);
	free(paths);
	free(arts);
	pf_yw_release(&w);
	pf_buf_release(&index);
	pf_buf_release(&lockb);
	pf_buf_release(&cat);
	pf_buf_release(&sig);
	pf_buf_release(&adv);
	pf_buf_release(&advsig);
	for (size_t i = 0; rootb && i < nroots; i++)
		pf_buf_release(&rootb[i]);
	free(rootb);
	lock_release(&lock);
	free(catdir);
	return rc;
}
