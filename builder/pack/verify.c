/* SPDX-License-Identifier: MIT */
/* verify: an environment (tarball or directory) against its manifest, constraint state and lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "install/constraints.h"
#include "install/extract.h"
#include "lock/lock.h"
#include "pack/internal.h"
#include "pack/pack.h"

#define MAX_MANIFEST ((size_t)256 << 20)

/* Small files verify needs from .pinfold/. */
struct meta {
	struct pf_buf manifest, lock, policy, unlocked;
	int has_manifest, has_lock, has_policy, has_unlocked;
};

static struct pf_buf *meta_slot(struct meta *m, const char *path, int **has)
{
	if (!strcmp(path, PACK_MANIFEST))
		return *has = &m->has_manifest, &m->manifest;
	if (!strcmp(path, PACK_LOCK))
		return *has = &m->has_lock, &m->lock;
	if (!strcmp(path, INSTALL_POLICY_PATH))
		return *has = &m->has_policy, &m->policy;
	if (!strcmp(path, INSTALL_UNLOCKED_PATH))
		return *has = &m->has_unlocked, &m->unlocked;
	return NULL;
}

static void meta_release(struct meta *m)
{
	pf_buf_release(&m->manifest);
	pf_buf_release(&m->lock);
	pf_buf_release(&m->policy);
	pf_buf_release(&m->unlocked);
}

/* Ask the hook about one path; 1 means keep its bytes. */
static int hook_visit(const struct pack_verify_hook *h, const char *path, enum pack_type t, struct pf_err *e)
{
	return h && h->visit ? h->visit(h->ud, path, t, e) : 0;
}

/*
 * Read a tarball under the hostile-archive rules: every entry hashed,
 * .pinfold/ files kept, and each entry written to sink when there is one.
 */
static int read_tarball(const char *path, struct pack_list *l, struct meta *m, const struct pack_verify_hook *h,
			struct pack_sink *sink, struct pf_err *e)
{
	struct install_reader_opts o;
	struct install_reader *r = NULL;
	struct install_entry ent;
	uint64_t unpacked = 0;
	int rc;

	memset(&o, 0, sizeof o);
	o.artifact = path;
	o.flags = INSTALL_FMT_TAR | INSTALL_FILTER_ZSTD | INSTALL_ALLOW_ABSOLUTE_LINKS | INSTALL_CASE_DIRS;
	o.max_entries = 1000000;
	o.unpacked = &unpacked;
	o.max_unpacked = (uint64_t)64 << 30;
	rc = install_reader_open(&r, path, &o, e);
	while (!rc && (rc = install_reader_next(r, &ent, e)) > 0) {
		struct pack_entry *pe;
		int *has = NULL, want;
		struct pf_buf *keep = meta_slot(m, ent.path, &has), hk = PF_BUF_INIT;

		want = hook_visit(h, ent.path, ent.type == INSTALL_E_DIR ? PACK_DIR : ent.type == INSTALL_E_SYMLINK ?
					       PACK_LINK : ent.type == INSTALL_E_HARDLINK ? PACK_OTHER : PACK_FILE, e);
		if (want < 0 || want > 1) {
			rc = want;
			break;
		}
		rc = 0;
		if (sink && (rc = pack_sink_entry(sink, &ent, e)))
			break;
		PF_GROW(l->v, l->n + 1, l->cap);
		pe = &l->v[l->n++];
		memset(pe, 0, sizeof *pe);
		pe->path = pf_xstrdup(ent.path);
		pe->raw_mode = ent.perm;
		pe->mode = ent.mode;
		if (ent.type == INSTALL_E_DIR) {
			pe->type = PACK_DIR;
		} else if (ent.type == INSTALL_E_SYMLINK) {
			pe->type = PACK_LINK;
			pe->target = pf_xstrdup(ent.target);
		} else if (ent.type == INSTALL_E_HARDLINK) {
			pe->type = PACK_OTHER;	/* pinfold never writes hardlinks */
		} else {
			struct pf_sha256 s;
			const void *buf;
			size_t n;

			pe->type = PACK_FILE;
			pf_sha256_init(&s);
			while ((rc = install_reader_block(r, &buf, &n, e)) > 0) {
				pf_sha256_update(&s, buf, n);
				pe->size += n;
				if (sink && (rc = pack_sink_data(sink, buf, n, e)))
					break;
				if (keep && keep->len + n <= MAX_MANIFEST)
					pf_buf_add(keep, buf, n);
				if (want && hk.len + n > h->max_keep)
					rc = pf_error(e, PF_ETOOBIG, "'%s': '%s' is larger than %zu bytes", path, ent.path,
						      h->max_keep);
				else if (want)
					pf_buf_add(&hk, buf, n);
			}
			pf_sha256_final(&s, pe->sha256);
			if (sink && !rc)
				rc = pack_sink_end_file(sink, e);
			if (keep && !rc) {
				*has = 1;
				pf_buf_cstr(keep);
			}
			if (want && !rc)
				h->kept(h->ud, ent.path, hk.p ? hk.p : "", hk.len);
		}
		pf_buf_release(&hk);
	}
	install_reader_close(r);
	if (!rc)
		pack_list_sort(l);
	return rc;
}

/*
 * The .pinfold/ files of an unpacked environment, read without following a
 * symlink anywhere on the way: a link (or a directory or device) in their
 * place is refused, so verify never reads outside the tree it checks.
 */
static int read_dir_meta(const char *root, struct meta *m, struct pf_err *e)
{
	static const char *const files[] = { PACK_MANIFEST, PACK_LOCK, INSTALL_POLICY_PATH, INSTALL_UNLOCKED_PATH,
					     NULL };
	int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (dfd < 0)
		return pf_error(e, PF_EIO, "'%s': %s", root, strerror(errno));
	for (const char *const *f = files; !rc && *f; f++) {
		int *has = NULL, fd;
		struct pf_buf *b = meta_slot(m, *f, &has);
		struct stat st;
		char chunk[65536];
		ssize_t n;

		fd = pack_open_beneath(dfd, *f);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			const char *what = fd < 0 ? (errno == ELOOP ? "a symlink" : strerror(errno)) :
					   S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ? "a directory" :
					   S_ISSOCK(st.st_mode) ? "a socket" : "a device";

			/* never waited on (opened O_NONBLOCK) and never followed */
			rc = pf_error(e, PF_EUNSAFE, "'%s/%s': not a regular file inside the environment (%s); "
				      "verify follows no symlink", root, *f, what);
		} else if ((uint64_t)st.st_size > MAX_MANIFEST) {
			rc = pf_error(e, PF_ETOOBIG, "'%s/%s': larger than %zu bytes", root, *f, MAX_MANIFEST);
		} else {
			while ((n = pf_read_full(fd, chunk, sizeof chunk)) > 0 && b->len + (size_t)n <= MAX_MANIFEST)
				pf_buf_add(b, chunk, (size_t)n);
			if (n < 0)
				rc = pf_error(e, PF_EIO, "'%s/%s': %s", root, *f, strerror((int)-n));
			else if (n > 0)
				rc = pf_error(e, PF_ETOOBIG, "'%s/%s': larger than %zu bytes", root, *f, MAX_MANIFEST);
			pf_buf_cstr(b);
			*has = !rc;
		}
		if (fd >= 0)
			close(fd);
	}
	close(dfd);
	return rc;
}

/*
 * The constraint state, from the policy and unlock record already read (the
 * reader works on a directory: give it a private one, so nothing in the
 * checked tree is opened again).
 */
static int cstate(struct meta *m, struct install_cstate *cs, struct pf_err *e)
{
	char *tmp = NULL, *d = NULL;
	int rc;

	if (!m->has_policy)
		return 0;
	tmp = pf_mkdtemp(getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", "pinfold-verify-", e);
	if (!tmp)
		return -PF_EIO;
	d = pf_path_join(tmp, ".pinfold");
	rc = pf_mkdir_p(d, 0700, e);
	free(d);
	if (!rc) {
		d = pf_path_join(tmp, INSTALL_POLICY_PATH);
		rc = pf_write_file(d, m->policy.p, m->policy.len, 0600, e);
		free(d);
	}
	if (!rc && m->has_unlocked) {
		d = pf_path_join(tmp, INSTALL_UNLOCKED_PATH);
		rc = pf_write_file(d, m->unlocked.p, m->unlocked.len, 0600, e);
		free(d);
	}
	if (!rc)
		rc = install_constraints_state(tmp, cs, e);
	pf_rm_rf(tmp);
	free(tmp);
	return rc;
}

/* Which locked artifacts differ between the environment's lock and the one given. */
static void lock_diff(struct pack_verify *v, const struct pf_buf *env, const struct pf_buf *want, const char *file)
{
	struct lockfile a, b;
	struct pf_err e = { 0 };
	int ra, rb;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	ra = lock_parse(&a, PACK_LOCK, env->p ? env->p : "", env->len, &e);
	rb = lock_parse(&b, file, want->p ? want->p : "", want->len, &e);
	for (int side = 0; !ra && !rb && side < 2; side++) {
		const struct lockfile *x = side ? &b : &a, *y = side ? &a : &b;

		for (size_t i = 0; i < x->npkgs; i++) {
			const struct lock_pkg *p = &x->pkgs[i], *q = lock_find_version(y, p->ecosystem, p->name, p->version);

			if (q && !strcmp(q->version, p->version) && !strcmp(q->artifact.sha256, p->artifact.sha256))
				continue;
			pf_strv_push_owned(&v->lines, pf_xasprintf("lock: %s:%s %s (%.12s) is %s", p->ecosystem,
								   p->name, p->version, p->artifact.sha256,
								   side ? "locked but not in the environment" :
									  "in the environment but not locked"));
		}
	}
	if (!ra)
		lock_release(&a);
	if (!rb)
		lock_release(&b);
}

static void line(struct pack_verify *v, const char *fmt, const char *path)
{
	pf_strv_push_owned(&v->lines, pf_xasprintf(fmt, path));
}

static int same_content(const struct pack_entry *a, const struct pack_entry *m)
{
	if (a->type != m->type)
		return 0;
	if (a->type == PACK_FILE)
		return a->size == m->size && !strcmp(a->sha256, m->sha256);
	if (a->type == PACK_LINK)
		return a->target && m->target && !strcmp(a->target, m->target);
	return 1;
}

static void compare(const struct pack_list *act, const struct pack_list *man, const struct install_cstate *cs,
		    struct pack_verify *v)
{
	size_t i = 0, j = 0;

	while (i < act->n || j < man->n) {
		int c = i >= act->n ? 1 : j >= man->n ? -1 : strcmp(act->v[i].path, man->v[j].path);

		if (c < 0) {
			const char *p = act->v[i++].path;

			if (strcmp(p, PACK_MANIFEST) && !(cs->unlocked && !strcmp(p, INSTALL_UNLOCKED_PATH)))
				line(v, "added: %s", p);
		} else if (c > 0) {
			const char *p = man->v[j++].path;

			if (!(cs->unlocked && install_cstate_is_constraint(cs, p)))
				line(v, "removed: %s", p);
		} else {
			const struct pack_entry *a = &act->v[i++], *m = &man->v[j++];

			if (!same_content(a, m)) {
				line(v, "changed: %s", a->path);
			} else if (a->type != PACK_LINK && a->mode != m->mode) {
				pf_strv_push_owned(&v->lines, pf_xasprintf("mode: %s (%04o -> %04o)", a->path, m->mode,
									   a->mode));
			} else if (a->type != PACK_LINK && (a->raw_mode & 07002)) {
				pf_strv_push_owned(&v->lines, pf_xasprintf("mode: %s (unsafe %04o)", a->path,
									   a->raw_mode));
			}
		}
	}
}

/*
 * The environment's actual paths act against the manifest m carries, under
 * its constraint state: fills v (paths, differences, unlock status).
 */
static int check_against_manifest(const char *what, struct meta *m, const struct pack_list *act,
				  struct pack_list *man, struct install_cstate *cs, struct pack_verify *v,
				  struct pf_err *e)
{
	int rc;

	if (!m->has_manifest)
		return pf_error(e, PF_EFORMAT, "'%s': no %s: not a pinfold environment", what, PACK_MANIFEST);
	rc = pack_manifest_parse(PACK_MANIFEST, m->manifest.p, m->manifest.len, man, e);
	if (!rc)
		rc = cstate(m, cs, e);
	if (rc)
		return rc;
	v->npaths = man->n;
	compare(act, man, cs, v);
	if (cs->unlocked)
		v->status = pf_xasprintf("unlocked: %s (by %s at %s)", cs->reason ? cs->reason : "?",
					 cs->by ? cs->by : "?", cs->at ? cs->at : "?");
	return 0;
}

/* A directory target: visit every path; read the files the hook keeps. */
static int hook_dir(const char *target, const struct pack_list *act, const struct pack_verify_hook *h, struct pf_err *e)
{
	for (size_t i = 0; h && i < act->n; i++) {
		const struct pack_entry *p = &act->v[i];
		int want = hook_visit(h, p->path, p->type, e);

		if (want < 0 || want > 1)
			return want;
		if (want && p->type == PACK_FILE) {
			struct pf_buf b = PF_BUF_INIT;
			char *path = pf_path_join(target, p->path);
			int rc = pf_read_file(path, h->max_keep, &b, e);

			if (!rc)
				h->kept(h->ud, p->path, b.p ? b.p : "", b.len);
			pf_buf_release(&b);
			free(path);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int pack_verify(const char *target, const char *lockfile, const char *against, struct pack_verify *v,
		struct pf_err *e)
{
	return pack_verify_hooked(target, lockfile, against, NULL, v, e);
}

int pack_verify_hooked(const char *target, const char *lockfile, const char *against,
		       const struct pack_verify_hook *hook, struct pack_verify *v, struct pf_err *e)
{
	struct pack_list act = { NULL, 0, 0 }, man = { NULL, 0, 0 }, refl = { NULL, 0, 0 };
	struct meta m, ref;
	struct install_cstate cs;
	struct pf_buf lk = PF_BUF_INIT;
	int is_dir = pf_is_dir(target), rc;

	memset(v, 0, sizeof *v);
	memset(&m, 0, sizeof m);
	memset(&ref, 0, sizeof ref);
	memset(&cs, 0, sizeof cs);
	if (!is_dir && !pf_exists(target))
		return pf_error(e, PF_ENOTFOUND, "'%s': no such file or directory", target);
	if (is_dir) {
		rc = pack_scan(target, 1, &act, e);
		if (!rc)
			rc = read_dir_meta(target, &m, e);
		if (!rc)
			rc = hook_dir(target, &act, hook, e);
	} else {
		rc = read_tarball(target, &act, &m, hook, NULL, e);
	}
	if (rc)
		goto out;
	if (against) {
		/* The reference's manifest replaces target's own, which must then be the same bytes. */
		if (pf_is_dir(against)) {
			rc = pf_error(e, PF_EUSAGE, "'%s': --against takes an environment tarball", against);
			goto out;
		}
		rc = read_tarball(against, &refl, &ref, NULL, NULL, e);
		if (rc)
			goto out;
		if (!ref.has_manifest) {
			rc = pf_error(e, PF_EFORMAT, "'%s': no %s: not a pinfold environment", against, PACK_MANIFEST);
			goto out;
		}
		if (!m.has_manifest)
			pf_strv_push(&v->lines, "removed: " PACK_MANIFEST);
		else if (m.manifest.len != ref.manifest.len || memcmp(m.manifest.p, ref.manifest.p, m.manifest.len))
			pf_strv_push(&v->lines, "changed: " PACK_MANIFEST);
		pf_buf_release(&m.manifest);
		m.manifest = ref.manifest;
		memset(&ref.manifest, 0, sizeof ref.manifest);
		m.has_manifest = 1;
	}
	rc = check_against_manifest(target, &m, &act, &man, &cs, v, e);
	if (rc)
		goto out;
	if (lockfile) {
		rc = pf_read_file(lockfile, PF_MAX_SMALL, &lk, e);
		if (rc)
			goto out;
		if (!m.has_lock)
			pf_strv_push(&v->lines, "lock: the environment has no " PACK_LOCK);
		else if (lk.len != m.lock.len || memcmp(lk.p, m.lock.p, lk.len)) {
			pf_strv_push_owned(&v->lines, pf_xasprintf("lock: %s is not '%s'", PACK_LOCK, lockfile));
			lock_diff(v, &m.lock, &lk, lockfile);
		}
	}
out:
	pack_list_release(&act);
	pack_list_release(&man);
	pack_list_release(&refl);
	meta_release(&ref);
	install_cstate_release(&cs);
	meta_release(&m);
	pf_buf_release(&lk);
	return rc;
}

int pack_unpack(const char *tarball, const char *dest, struct pack_verify *v, struct pf_err *e)
{
	struct pack_list act = { NULL, 0, 0 }, man = { NULL, 0, 0 };
	struct pack_sink *sink = NULL;
	struct install_cstate cs;
	struct meta m;
	int rc;

	memset(v, 0, sizeof *v);
	memset(&m, 0, sizeof m);
	memset(&cs, 0, sizeof cs);
	rc = pack_sink_open(&sink, dest, e);
	if (!rc)
		rc = read_tarball(tarball, &act, &m, NULL, sink, e);
	pack_sink_close(sink);
	if (rc)
		goto out;
	rc = check_against_manifest(tarball, &m, &act, &man, &cs, v, e);
	if (rc)
		goto out;
out:
	pack_list_release(&act);
	pack_list_release(&man);
	install_cstate_release(&cs);
	meta_release(&m);
	return rc;
}

void pack_verify_release(struct pack_verify *v)
{
	pf_strv_release(&v->lines);
	free(v->status);
	memset(v, 0, sizeof *v);
}
