/* SPDX-License-Identifier: MIT */
/* Lockfiles: a strict reader and a deterministic writer (same lock, same bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/file.h"
#include "core/time.h"
#include "core/yaml.h"
#include "lock/lock.h"

static const char *const top_keys[] = { "format", "image", "catalog", "trust", "policy", "target", "requests",
					"source_date_epoch", "packages", "sandbox", NULL };
static const char *const top_required[] = { "format", "image", "catalog", "policy", "source_date_epoch",
					    "packages", NULL };
static const char *const image_keys[] = { "name", "sha256", NULL };
static const char *const catalog_keys[] = { "name", "version", "sha256", "keys", "source", NULL };
static const char *const catalog_required[] = { "name", "version", "sha256", "keys", NULL };
static const char *const trust_keys[] = { "keys", "threshold", NULL };
static const char *const policy_keys[] = { "min_age_days", "age_cutoff", "relax_reason", NULL };
static const char *const policy_required[] = { "min_age_days", "age_cutoff", NULL };
static const char *const target_keys[] = { "runtime", "python", "platform", "host", NULL };
static const char *const pkg_keys[] = { "ecosystem", "name", "version", "artifact", "requested_by", NULL };
static const char *const pkg_required[] = { "ecosystem", "name", "version", "artifact", NULL };
static const char *const art_keys[] = { "file", "format", "size", "sha256", NULL };
static const char *const sandbox_keys[] = { "allow_hosts", NULL };

/*
 * sandbox.allow_hosts: the patterns as written; run/ parses them
 * (docs/network.md). Here only what any string must be: one line of
 * printable ASCII, at most 300 bytes.
 */
int lock_allow_hosts_check(struct pf_ydoc *d, const struct pf_ynode *m, const char ***out, size_t *n,
			   struct pf_err *e)
{
	int rc = pf_y_strlist(d, m, "allow_hosts", out, n, e);

	for (size_t i = 0; !rc && i < *n; i++) {
		const char *s = (*out)[i];
		size_t len = strlen(s);
		int bad = !len || len > 300;

		for (const char *c = s; *c && !bad; c++)
			bad = *c <= 0x20 || *c >= 0x7f;
		if (bad)
			rc = pf_y_fail(d, m, e, PF_EFORMAT, "sandbox.allow_hosts: '%.300s' is not a host pattern "
				       "(printable ASCII, no spaces, at most 300 characters)", s);
	}
	return rc;
}

static int hex_field(const struct pf_ydoc *d, const struct pf_ynode *m, const char *key, char out[PF_SHA256_HEX],
		     const char *what, struct pf_err *e)
{
	const char *s = NULL;
	int rc = pf_y_str(d, m, key, &s, e);

	if (rc)
		return rc;
	if (!s || !pf_is_sha256_hex(s))
		return pf_y_fail(d, pf_y_get(m, key) ? pf_y_get(m, key) : m, e, PF_EFORMAT,
				 "%s: %s must be 64 lowercase hex digits", what, key);
	memcpy(out, s, PF_SHA256_HEX);
	return 0;
}

static int parse_pkg(struct lockfile *l, struct pf_ydoc *d, const struct pf_ynode *m, struct lock_pkg *p,
		     struct pf_err *e)
{
	const struct pf_ynode *a;
	char what[512];
	long long size = -1;
	int rc;

	if ((rc = pf_y_check_map(d, m, "package", pkg_keys, pkg_required, e)) ||
	    (rc = pf_y_str(d, m, "ecosystem", &p->ecosystem, e)) ||
	    (rc = pf_y_str(d, m, "name", &p->name, e)) ||
	    (rc = pf_y_str(d, m, "version", &p->version, e)))
		return rc;
	snprintf(what, sizeof what, "package %s:%s %s", p->ecosystem, p->name, p->version);
	if (!catalog_ecosystem_ok(p->ecosystem))
		return pf_y_fail(d, m, e, PF_EFORMAT, "%s: unknown ecosystem", what);
	if ((rc = pf_y_map(d, m, "artifact", &a, e)))
		return rc;
	if (!a)
		return pf_y_fail(d, m, e, PF_EFORMAT, "%s: artifact is missing", what);
	if ((rc = pf_y_check_map(d, a, what, art_keys, NULL, e)))
		return rc;
	if (!pf_y_get(a, "sha256") || !pf_y_get(a, "size") || !pf_y_get(a, "format") || !pf_y_get(a, "file"))
		return pf_y_fail(d, a, e, PF_EFORMAT, "%s: artifact needs file, format, size and sha256", what);
	if ((rc = pf_y_str(d, a, "file", &p->artifact.file, e)) ||
	    (rc = pf_y_str(d, a, "format", &p->artifact.format, e)) ||
	    (rc = pf_y_int(d, a, "size", 0, (long long)1 << 40, &size, e)) ||
	    (rc = hex_field(d, a, "sha256", p->artifact.sha256, what, e)))
		return rc;
	if (!catalog_format_ok(p->artifact.format))
		return pf_y_fail(d, a, e, PF_EFORMAT, "%s: unknown artifact format '%s'", what, p->artifact.format);
	if (!*p->artifact.file || strchr(p->artifact.file, '/') || !strcmp(p->artifact.file, "..") ||
	    !strcmp(p->artifact.file, "."))
		return pf_y_fail(d, a, e, PF_EFORMAT, "%s: artifact file must be a plain file name", what);
	p->artifact.size = (uint64_t)size;
	(void)l;
	return pf_y_strlist(d, m, "requested_by", &p->requested_by, &p->nrequested_by, e);
}

static int name_cmp(const void *a, const void *b)
{
	const struct lock_pkg *x = *(const struct lock_pkg *const *)a, *y = *(const struct lock_pkg *const *)b;
	int c = strcmp(x->ecosystem, y->ecosystem);

	return c ? c : strcmp(x->name, y->name);
}

/*
 * Each (ecosystem, name) at most once, but npm nests: an npm name may be
 * locked at several versions, each at most once. A sorted copy, so big locks
 * stay fast.
 */
static int check_unique(const struct lockfile *l, const struct pf_ydoc *d, const struct pf_ynode *seq,
			struct pf_err *e)
{
	const struct lock_pkg **v = pf_xcalloc(l->npkgs + 1, sizeof *v);
	int rc = 0;

	for (size_t i = 0; i < l->npkgs; i++)
		v[i] = &l->pkgs[i];
	pf_qsort(v, l->npkgs, sizeof *v, name_cmp);
	for (size_t i = 1; i < l->npkgs && !rc; i++) {
		if (name_cmp(&v[i - 1], &v[i]))
			continue;
		if (strcmp(v[i]->ecosystem, "npm"))
			rc = pf_y_fail(d, seq, e, PF_EFORMAT, "package %s:%s is listed twice", v[i]->ecosystem,
				       v[i]->name);
		for (size_t j = i; j-- > 0 && !rc && !name_cmp(&v[j], &v[i]);)
			if (!strcmp(v[j]->version, v[i]->version))
				rc = pf_y_fail(d, seq, e, PF_EFORMAT, "package %s:%s %s is listed twice",
					       v[i]->ecosystem, v[i]->name, v[i]->version);
	}
	free(v);
	return rc;
}

static int parse_lock(struct lockfile *l, struct pf_ydoc *d, struct pf_err *e)
{
	const struct pf_ynode *root = d->root, *m, *seq;
	const char *fmt = NULL, *s = NULL;
	long long v;
	int rc;

	if (!root)
		return pf_y_fail(d, NULL, e, PF_EFORMAT, "empty lockfile");
	if ((rc = pf_y_check_map(d, root, "lockfile", top_keys, top_required, e)) ||
	    (rc = pf_y_str(d, root, "format", &fmt, e)))
		return rc;
	if (strcmp(fmt, LOCK_FORMAT))
		return pf_y_fail(d, pf_y_get(root, "format"), e, PF_EFORMAT, "format '%s' is not %s", fmt, LOCK_FORMAT);
	if ((rc = pf_y_map(d, root, "image", &m, e)))
		return rc;
	if ((rc = pf_y_check_map(d, m, "image", image_keys, image_keys, e)) ||
	    (rc = pf_y_str(d, m, "name", &l->image_name, e)) ||
	    (rc = hex_field(d, m, "sha256", l->image_sha256, "image", e)))
		return rc;
	if ((rc = pf_y_map(d, root, "catalog", &m, e)))
		return rc;
	if ((rc = pf_y_check_map(d, m, "catalog", catalog_keys, catalog_required, e)) ||
	    (rc = pf_y_str(d, m, "name", &l->catalog_name, e)) ||
	    (rc = pf_y_int(d, m, "version", 0, (long long)1 << 62, &l->catalog_version, e)) ||
	    (rc = hex_field(d, m, "sha256", l->catalog_sha256, "catalog", e)) ||
	    (rc = pf_y_strlist(d, m, "keys", &l->catalog_keys, &l->ncatalog_keys, e)) ||
	    (rc = pf_y_str(d, m, "source", &l->catalog_source, e)))
		return rc;
	for (size_t i = 0; i < l->ncatalog_keys; i++)
		if (!pf_is_sha256_hex(l->catalog_keys[i]))
			return pf_y_fail(d, m, e, PF_EFORMAT, "catalog.keys: '%s' is not a key id", l->catalog_keys[i]);
	if ((rc = pf_y_map(d, root, "trust", &m, e)))
		return rc;
	if (m) {
		long long th = 0;

		if ((rc = pf_y_check_map(d, m, "trust", trust_keys, trust_keys, e)) ||
		    (rc = pf_y_strlist(d, m, "keys", &l->trust_keys, &l->ntrust_keys, e)) ||
		    (rc = pf_y_int(d, m, "threshold", 1, 64, &th, e)))
			return rc;
		l->trust_threshold = (int)th;
	}
	if ((rc = pf_y_map(d, root, "policy", &m, e)))
		return rc;
	if ((rc = pf_y_check_map(d, m, "policy", policy_keys, policy_required, e)) ||
	    (rc = pf_y_int(d, m, "min_age_days", 0, 3650, &v, e)) ||
	    (rc = pf_y_str(d, m, "age_cutoff", &l->age_cutoff, e)) ||
	    (rc = pf_y_str(d, m, "relax_reason", &l->relax_reason, e)))
		return rc;
	l->min_age_days = (int)v;
	{
		time_t t;

		if (pf_time_parse(l->age_cutoff, &t) < 0)
			return pf_y_fail(d, pf_y_get(m, "age_cutoff"), e, PF_EFORMAT,
					 "policy.age_cutoff '%s' is not an RFC 3339 time", l->age_cutoff);
	}
	if ((rc = pf_y_map(d, root, "target", &m, e)))
		return rc;
	if (m && ((rc = pf_y_check_map(d, m, "target", target_keys, NULL, e)) ||
		  (rc = pf_y_str(d, m, "runtime", &l->target_runtime, e)) ||
		  (rc = pf_y_str(d, m, "python", &l->target_python, e)) ||
		  (rc = pf_y_str(d, m, "platform", &l->target_platform, e)) ||
		  (rc = pf_y_strlist(d, m, "host", &l->host_provides, &l->nhost_provides, e))))
		return rc;
	if (m && lock_runtime_problem(l->target_runtime, l->nhost_provides))
		return pf_y_fail(d, m, e, PF_EFORMAT, "%s", lock_runtime_problem(l->target_runtime, l->nhost_provides));
	if ((rc = pf_y_map(d, root, "sandbox", &m, e)))
		return rc;
	if (m && ((rc = pf_y_check_map(d, m, "sandbox", sandbox_keys, NULL, e)) ||
		  (rc = lock_allow_hosts_check(d, m, &l->allow_hosts, &l->nallow_hosts, e))))
		return rc;
	if ((rc = pf_y_strlist(d, root, "requests", &l->requests, &l->nrequests, e)) ||
	    (rc = pf_y_int(d, root, "source_date_epoch", 0, (long long)1 << 40, &l->source_date_epoch, e)) ||
	    (rc = pf_y_seq(d, root, "packages", &seq, e)))
		return rc;
	(void)s;
	for (size_t i = 0; i < seq->n; i++) {
		struct lock_pkg p;

		memset(&p, 0, sizeof p);
		if (seq->vals[i]->type != PF_Y_MAP)
			return pf_y_fail(d, seq->vals[i], e, PF_EFORMAT, "packages: each entry must be a map");
		rc = parse_pkg(l, d, seq->vals[i], &p, e);
		if (rc)
			return rc;
		PF_GROW(l->pkgs, l->npkgs + 1, l->cap);
		l->pkgs[l->npkgs++] = p;
	}
	return check_unique(l, d, seq, e);
}

int lock_parse(struct lockfile *l, const char *file, const char *data, size_t len, struct pf_err *e)
{
	struct pf_ydoc d;
	int rc;

	memset(l, 0, sizeof *l);
	memset(&d, 0, sizeof d);
	pf_sha256_hex(data, len, l->sha256);
	rc = pf_yaml_parse(&d, file, data, len, e);
	if (rc)
		return rc;
	rc = parse_lock(l, &d, e);
	l->arena = d.arena;
	d.arena.head = NULL;
	pf_ydoc_release(&d);
	if (rc)
		lock_release(l);
	return rc;
}

int lock_load(struct lockfile *l, const char *path, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	int rc;

	memset(l, 0, sizeof *l);
	rc = pf_read_file(path, PF_MAX_SMALL, &b, e);
	if (!rc)
		rc = lock_parse(l, path, b.p ? b.p : "", b.len, e);
	pf_buf_release(&b);
	return rc;
}

static int pkg_cmp(const void *a, const void *b)
{
	const struct lock_pkg *x = a, *y = b;
	int c = strcmp(x->ecosystem, y->ecosystem);

	if (!c)
		c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->version, y->version);
}

void lock_write(const struct lockfile *l, struct pf_buf *out)
{
	struct pf_yw w;
	struct pf_ynode *root, *m, *seq;
	struct lock_pkg *sorted;

	memset(&w, 0, sizeof w);
	root = pf_yw_map(&w);
	pf_yw_set_str(&w, root, "format", LOCK_FORMAT);
	m = pf_yw_map(&w);
	pf_yw_set_str(&w, m, "name", l->image_name);
	pf_yw_set_str(&w, m, "sha256", l->image_sha256);
	pf_yw_set(&w, root, "image", m);
	m = pf_yw_map(&w);
	pf_yw_set_str(&w, m, "name", l->catalog_name);
	pf_yw_set_int(&w, m, "version", l->catalog_version);
	pf_yw_set_str(&w, m, "sha256", l->catalog_sha256);
	pf_yw_set(&w, m, "keys", pf_yw_strlist(&w, l->catalog_keys, l->ncatalog_keys));
	pf_yw_set_str(&w, m, "source", l->catalog_source);
	pf_yw_set(&w, root, "catalog", m);
	if (l->ntrust_keys) {
		m = pf_yw_map(&w);
		pf_yw_set(&w, m, "keys", pf_yw_strlist(&w, l->trust_keys, l->ntrust_keys));
		pf_yw_set_int(&w, m, "threshold", l->trust_threshold);
		pf_yw_set(&w, root, "trust", m);
	}
	m = pf_yw_map(&w);
	pf_yw_set_int(&w, m, "min_age_days", l->min_age_days);
	pf_yw_set_str(&w, m, "age_cutoff", l->age_cutoff);
	pf_yw_set_str(&w, m, "relax_reason", l->relax_reason);
	pf_yw_set(&w, root, "policy", m);
	if (l->target_runtime || l->target_python || l->target_platform || l->nhost_provides) {
		m = pf_yw_map(&w);
		pf_yw_set_str(&w, m, "runtime", l->target_runtime);
		pf_yw_set_str(&w, m, "python", l->target_python);
		pf_yw_set_str(&w, m, "platform", l->target_platform);
		if (l->nhost_provides)
			pf_yw_set(&w, m, "host", pf_yw_strlist(&w, l->host_provides, l->nhost_provides));
		pf_yw_set(&w, root, "target", m);
	}
	pf_yw_set(&w, root, "requests", pf_yw_strlist(&w, l->requests, l->nrequests));
	if (l->nallow_hosts) {
		m = pf_yw_map(&w);
		pf_yw_set(&w, m, "allow_hosts", pf_yw_strlist(&w, l->allow_hosts, l->nallow_hosts));
		pf_yw_set(&w, root, "sandbox", m);
	}
	pf_yw_set_int(&w, root, "source_date_epoch", l->source_date_epoch);
	sorted = pf_xcalloc(l->npkgs + 1, sizeof *sorted);
	if (l->npkgs)
		memcpy(sorted, l->pkgs, l->npkgs * sizeof *sorted);
	pf_qsort(sorted, l->npkgs, sizeof *sorted, pkg_cmp);
	seq = pf_yw_seq(&w);
	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &sorted[i];
		struct pf_ynode *pm = pf_yw_map(&w);

		pf_yw_set_str(&w, pm, "ecosystem", p->ecosystem);
		pf_yw_set_str(&w, pm, "name", p->name);
		pf_yw_set_str(&w, pm, "version", p->version);
		pf_yw_set(&w, pm, "artifact", catalog_artifact_node(&w, &p->artifact));
		pf_yw_set(&w, pm, "requested_by", pf_yw_strlist(&w, p->requested_by, p->nrequested_by));
		pf_yw_push(&w, seq, pm);
	}
	pf_yw_set(&w, root, "packages", seq);
	pf_buf_adds(out, "# pinfold lockfile: generated by `pinfold lock`; do not edit.\n");
	pf_yaml_emit(root, out);
	free(sorted);
	pf_yw_release(&w);
}

int lock_save(const struct lockfile *l, const char *path, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	int rc;

	lock_write(l, &b);
	rc = pf_write_file(path, b.p, b.len, 0644, e);
	pf_buf_release(&b);
	return rc;
}

void lock_release(struct lockfile *l)
{
	if (!l)
		return;
	pf_arena_release(&l->arena);
	free(l->pkgs);
	memset(l, 0, sizeof *l);
}

const struct lock_pkg *lock_find_version(const struct lockfile *l, const char *eco, const char *name,
					 const char *version)
{
	for (size_t i = 0; i < l->npkgs; i++)
		if (!strcmp(l->pkgs[i].ecosystem, eco) && !strcmp(l->pkgs[i].name, name) &&
		    !strcmp(l->pkgs[i].version, version))
			return &l->pkgs[i];
	return NULL;
}

const struct lock_pkg *lock_find(const struct lockfile *l, const char *eco, const char *name)
{
	for (size_t i = 0; i < l->npkgs; i++)
		if (!strcmp(l->pkgs[i].ecosystem, eco) && !strcmp(l->pkgs[i].name, name))
			return &l->pkgs[i];
	return NULL;
}

const char *lock_runtime_problem(const char *runtime, size_t nhost)
{
	if (!runtime || !strcmp(runtime, LOCK_RUNTIME_HOST))
		return NULL;
	if (strcmp(runtime, LOCK_RUNTIME_SELF))
		return "target.runtime must be 'host' or 'self-contained'";
	if (nhost)
		return "target.host cannot be used with target.runtime 'self-contained' (nothing comes from the host)";
	return NULL;
}

int lock_self_contained(const char *runtime)
{
	return runtime && !strcmp(runtime, LOCK_RUNTIME_SELF);
}
