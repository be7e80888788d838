/* SPDX-License-Identifier: MIT */
/* audit --all: each registered environment's lock and installed packages, matched; the registry updated. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/digest.h"
#include "core/file.h"
#include "core/time.h"
#include "install/envfile.h"
#include "lock/lock.h"
#include "pack/pack.h"
#include "watch/audit.h"

#define INVENTORY_HEADER "# pinfold-inventory/1\t"
#define INVENTORY_MAX 100000

enum now_state { S_UNKNOWN = -1, S_PRESENT, S_GONE, S_REPLACED };

/* Where the environment's path stands now, compared with the lock the entry recorded. */
static enum now_state state_now(const struct watch_env *x)
{
	struct pf_buf lock = PF_BUF_INIT;
	struct stat st;
	char hex[PF_SHA256_HEX];
	int rc;

	if (lstat(x->path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? S_GONE : S_UNKNOWN;
	if (x->kind == WATCH_ENV_DIR) {
		char *p;

		if (!S_ISDIR(st.st_mode))
			return S_REPLACED;
		p = pf_path_join(x->path, PACK_LOCK);
		rc = pf_read_file(p, PF_MAX_SMALL, &lock, NULL);
		free(p);
		if (rc == -PF_ENOTFOUND)
			return S_REPLACED;	/* the directory is no longer this environment */
	} else {
		if (!S_ISREG(st.st_mode))
			return S_REPLACED;
		rc = install_env_read(x->path, PACK_LOCK, PF_MAX_SMALL, &lock, NULL);
		if (rc == -PF_ENOTFOUND || rc == -PF_EFORMAT || rc == -PF_EUNSAFE)
			return S_REPLACED;
	}
	if (rc) {
		pf_buf_release(&lock);
		return S_UNKNOWN;
	}
	pf_sha256_hex(lock.p ? lock.p : "", lock.len, hex);
	pf_buf_release(&lock);
	return strcmp(hex, x->lock_sha256) ? S_REPLACED : S_PRESENT;
}

/* Findings keep static ecosystem strings (the lock's own die with it). */
static const char *static_eco(const char *eco)
{
	return !strcmp(eco, "pypi") ? "pypi" : !strcmp(eco, "npm") ? "npm" : !strcmp(eco, "deb") ? "deb" : "generic";
}

/* The kept lock's packages as findings (source "lock"). */
static int lock_findings(const char *state_dir, struct watch_env_audit *r, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	struct lockfile l;
	char *p = pf_xasprintf("%s/" WATCH_REGISTRY_DIR "/locks/%s.lock", state_dir, r->env.lock_sha256);
	char hex[PF_SHA256_HEX];
	int rc;

	memset(&l, 0, sizeof l);
	rc = pf_read_file(p, PF_MAX_SMALL, &b, e);
	if (!rc) {
		pf_sha256_hex(b.p, b.len, hex);
		if (strcmp(hex, r->env.lock_sha256))
			rc = pf_error(e, PF_EDIGEST, "'%s': its SHA-256 is %s", p, hex);
	}
	if (!rc)
		rc = lock_parse(&l, p, b.p, b.len, e);
	if (!rc) {
		for (size_t i = 0; i < l.npkgs; i++)
			watch_findings_add(&r->found, static_eco(l.pkgs[i].ecosystem), l.pkgs[i].name,
					   l.pkgs[i].version, r->env.path, "lock", "pinfold lock");
	}
	lock_release(&l);
	pf_buf_release(&b);
	free(p);
	return rc;
}

/* PEP 503 for PyPI, exact elsewhere: is (eco, name, version) one of the lock's? */
static void norm(const char *eco, const char *s, char *out, size_t size)
{
	size_t n = 0;
	int pypi = !strcmp(eco, "pypi"), sep = 0;

	for (; *s && n + 1 < size; s++) {
		if (pypi && (*s == '-' || *s == '_' || *s == '.')) {
			sep = 1;
			continue;
		}
		if (sep && n)
			out[n++] = '-';
		sep = 0;
		if (n + 1 < size)
			out[n++] = pypi ? (char)tolower((unsigned char)*s) : *s;
	}
	out[n] = '\0';
}

static int in_lock(const struct watch_findings *f, size_t nlock, const struct watch_found *x)
{
	char a[300], b[300];

	norm(x->ecosystem, x->name, a, sizeof a);
	for (size_t i = 0; i < nlock; i++) {
		if (strcmp(f->v[i].ecosystem, x->ecosystem) || strcmp(f->v[i].version, x->version))
			continue;
		norm(f->v[i].ecosystem, f->v[i].name, b, sizeof b);
		if (!strcmp(a, b))
			return 1;
	}
	return 0;
}


/* A format string from an inventory line, mapped to the scan's static names (anything else is refused). */
static const char *static_format(const char *s)
{
	static const char *const known[] = { "dist-info", "egg-info", "node_modules", "dpkg status", NULL };

	for (const char *const *k = known; *k; k++)
		if (!strcmp(*k, s))
			return *k;
	return NULL;
}

static int inventory_save(const char *state_dir, const struct watch_env_audit *r, size_t nlock, time_t now,
			  struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	char when[PF_TIME_STR];
	char *p = watch_inventory_path(state_dir, &r->env), *dir = pf_dirname(p);
	size_t lines = 0;
	int rc;

	pf_time_format(now, when);
	pf_buf_addf(&b, INVENTORY_HEADER "%s\n", when);
	for (size_t i = nlock; i < r->found.n && lines < INVENTORY_MAX; i++) {
		const struct watch_found *x = &r->found.v[i];

		if (in_lock(&r->found, nlock, x) || !static_format(x->format))
			continue;
		pf_buf_addf(&b, "%s\t%s\t%s\t%s\t", x->ecosystem, x->name, x->version, x->format);
		watch_path_put(&b, x->path);
		pf_buf_addc(&b, '\n');
		lines++;
	}
	rc = pf_mkdir_p(dir, 0700, e);
	if (!rc)
		rc = pf_write_file(p, b.p, b.len, 0600, e);
	pf_buf_release(&b);
	free(p);
	free(dir);
	return rc;
}

/* Extra packages an earlier audit saw installed; a malformed inventory is an error naming it. */
static int inventory_load(const char *state_dir, struct watch_env_audit *r, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	char *p = watch_inventory_path(state_dir, &r->env);
	size_t lineno = 1;
	char *s, *nl;
	int rc = pf_read_file(p, (size_t)64 << 20, &b, e);

	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(e);
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	if (b.len < sizeof INVENTORY_HEADER - 1 || memcmp(b.p, INVENTORY_HEADER, sizeof INVENTORY_HEADER - 1) ||
	    !(nl = memchr(b.p, '\n', b.len))) {
		rc = pf_error(e, PF_EFORMAT, "'%s': not a pinfold inventory", p);
		goto out;
	}
	*nl = '\0';
	if (pf_time_parse(b.p + sizeof INVENTORY_HEADER - 1, &r->recorded_at) < 0) {
		rc = pf_error(e, PF_EFORMAT, "'%s':1: bad time", p);
		goto out;
	}
	for (s = nl + 1; s < b.p + b.len; s = nl + 1) {
		char *f[5], *path;
		size_t nf = 0;

		lineno++;
		nl = memchr(s, '\n', (size_t)(b.p + b.len - s));
		if (!nl) {
			rc = pf_error(e, PF_EFORMAT, "%s:%zu: no newline", p, lineno);
			goto out;
		}
		*nl = '\0';
		for (char *q = s; nf < 5; q++) {
			f[nf++] = q;
			q = strchr(q, '\t');
			if (!q)
				break;
			*q = '\0';
		}
		if (nf != 5 || (strcmp(f[0], "pypi") && strcmp(f[0], "npm") && strcmp(f[0], "deb")) ||
		    !*f[1] || !*f[2] || !static_format(f[3]) || !(path = watch_path_get(f[4]))) {
			rc = pf_error(e, PF_EFORMAT, "%s:%zu: malformed line", p, lineno);
			goto out;
		}
		watch_findings_add(&r->found, static_eco(f[0]), f[1], f[2], path, "recorded", static_format(f[3]));
		free(path);
	}
out:
	pf_buf_release(&b);
	free(p);
	return rc;
}

static void audit_one(const char *state_dir, struct watch_env_audit *r, enum now_state now_st,
		      const struct watch_scan_opts *so, time_t now, struct pf_err *e)
{
	struct pf_err one = { 0 };
	size_t nlock;

	if (lock_findings(state_dir, r, &one)) {
		r->no_lock = 1;
		pf_warn(e, "'%s': its kept lock cannot be read: %s", r->env.path, one.msg);
		memset(&one, 0, sizeof one);
	}
	nlock = r->found.n;
	if (now_st == S_PRESENT && r->env.kind == WATCH_ENV_DIR) {
		struct watch_scan_opts o = *so;
		struct watch_scan_stats st;

		memset(&st, 0, sizeof st);
		o.what = WATCH_SCAN_INSTALLED;
		if (watch_scan(r->env.path, &o, &r->found, &st, &one)) {
			pf_warn(e, "%s", one.msg);
			return;
		}
		if (st.stopped)
			pf_warn(e, "'%s': the scan of what is installed stopped at %s", r->env.path, st.stopped);
		r->scanned = 1;
		/* a package found installed that the lock also names is the same package, seen twice: keep both
		   (the report says "in the lock; installed at ..."); the extras are what the inventory keeps */
		if (inventory_save(state_dir, r, nlock, now, &one))
			pf_warn(e, "%s", one.msg);
		return;
	}
	if (inventory_load(state_dir, r, &one))
		pf_warn(e, "%s", one.msg);
}

int watch_audit_all(const char *state_dir, const struct watch_advset *as, const struct watch_scan_opts *so,
		    time_t now, struct watch_audit *out, struct pf_err *e)
{
	struct watch_registry reg;
	enum now_state *states = NULL;
	int rc, changed = 0;

	memset(out, 0, sizeof *out);
	rc = watch_registry_open(&reg, state_dir, 0, e);
	if (rc)
		return rc;
	out->v = pf_xcalloc(reg.n ? reg.n : 1, sizeof *out->v);
	states = pf_xcalloc(reg.n ? reg.n : 1, sizeof *states);
	for (size_t i = 0; i < reg.n; i++) {
		struct watch_env_audit *r = &out->v[out->n++];

		r->env = reg.v[i];
		r->env.path = pf_xstrdup(reg.v[i].path);
		states[i] = state_now(&r->env);
		audit_one(state_dir, r, states[i], so, now, e);
		if (watch_match(&r->found, as, &r->hits, &r->nhits, e) == 0 && r->nhits)
			out->affected++;
		if (states[i] != S_UNKNOWN && (int)states[i] != (int)r->env.state) {
			changed = 1;
			r->env.state = (enum watch_env_state)states[i];
			r->env.since = states[i] == S_PRESENT ? 0 : now;
		}
	}
	watch_registry_close(&reg);
	if (changed) {
		/* record what changed, under the lock; entries touched meanwhile win (they were just used) */
		struct pf_err one = { 0 };

		if (watch_registry_open(&reg, state_dir, 1, &one)) {
			pf_warn(e, "%s", one.msg);
		} else {
			for (size_t i = 0; i < out->n; i++) {
				struct watch_env *x = watch_registry_find(&reg, out->v[i].env.path,
									   out->v[i].env.lock_sha256);

				if (x && x->last == out->v[i].env.last && x->state != out->v[i].env.state) {
					x->state = out->v[i].env.state;
					x->since = out->v[i].env.since;
				}
			}
			if (watch_registry_commit(&reg, &one))
				pf_warn(e, "%s", one.msg);
			watch_registry_close(&reg);
		}
	}
	free(states);
	return 0;
}

void watch_audit_release(struct watch_audit *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].env.path);
		watch_findings_release(&a->v[i].found);
		free(a->v[i].hits);
	}
	free(a->v);
	memset(a, 0, sizeof *a);
}
