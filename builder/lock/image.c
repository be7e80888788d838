/* SPDX-License-Identifier: MIT */
/* Image definitions (images/NAME.yaml): a strict reader. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/file.h"
#include "core/yaml.h"
#include "lock/lock.h"
#include "solve/solve.h"

static const char *const image_keys[] = { "name", "catalog", "catalog_name", "trust", "target", "packages", "policy",
					  "sandbox", NULL };
static const char *const image_required[] = { "name", "catalog", "packages", NULL };
static const char *const trust_keys[] = { "keys", "threshold", NULL };
static const char *const target_keys[] = { "runtime", "python", "platform", "host", NULL };
static const char *const policy_keys[] = { "min_age_days", NULL };
static const char *const sandbox_keys[] = { "allow_hosts", NULL };

static int name_ok(const char *s)
{
	if (!*s || *s == '.' || strlen(s) > 100)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return 0;
	return 1;
}

static int is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

static int parse_image(struct image *im, struct pf_ydoc *d, struct pf_err *e)
{
	const struct pf_ynode *root = d->root, *m;
	long long v;
	int rc;

	if (!root)
		return pf_y_fail(d, NULL, e, PF_EFORMAT, "empty image definition");
	if ((rc = pf_y_check_map(d, root, "image", image_keys, image_required, e)) ||
	    (rc = pf_y_str(d, root, "name", &im->name, e)) ||
	    (rc = pf_y_str(d, root, "catalog", &im->catalog, e)))
		return rc;
	if (!name_ok(im->name))
		return pf_y_fail(d, pf_y_get(root, "name"), e, PF_EFORMAT,
				 "name '%s' must be letters, digits, '.', '_' or '-'", im->name);
	if (!*im->catalog)
		return pf_y_fail(d, pf_y_get(root, "catalog"), e, PF_EFORMAT, "catalog must not be empty");
	if ((rc = pf_y_str(d, root, "catalog_name", &im->catalog_name, e)))
		return rc;
	if (im->catalog_name && !catalog_name_ok(im->catalog_name))
		return pf_y_fail(d, pf_y_get(root, "catalog_name"), e, PF_EFORMAT,
				 "catalog_name '%s' is not a catalog name ([A-Za-z0-9][A-Za-z0-9._-]*)", im->catalog_name);
	if ((rc = pf_y_map(d, root, "trust", &m, e)))
		return rc;
	if (m) {
		long long th = 1;

		if ((rc = pf_y_check_map(d, m, "trust", trust_keys, trust_keys, e)) ||
		    (rc = pf_y_strlist(d, m, "keys", &im->trust_keys, &im->ntrust_keys, e)) ||
		    (rc = pf_y_int(d, m, "threshold", 1, 64, &th, e)))
			return rc;
		if (!im->ntrust_keys)
			return pf_y_fail(d, m, e, PF_EFORMAT, "trust.keys must list at least one key id");
		for (size_t i = 0; i < im->ntrust_keys; i++)
			if (!pf_is_sha256_hex(im->trust_keys[i]))
				return pf_y_fail(d, m, e, PF_EFORMAT,
						 "trust.keys: '%s' is not a key id (64 lowercase hex digits)",
						 im->trust_keys[i]);
		if ((size_t)th > im->ntrust_keys)
			return pf_y_fail(d, m, e, PF_EFORMAT, "trust.threshold %lld is more than the %zu pinned keys",
					 th, im->ntrust_keys);
		im->trust_threshold = (int)th;
	}
	if ((rc = pf_y_map(d, root, "target", &m, e)))
		return rc;
	if (m) {
		if ((rc = pf_y_check_map(d, m, "target", target_keys, NULL, e)) ||
		    (rc = pf_y_str(d, m, "runtime", &im->target_runtime, e)) ||
		    (rc = pf_y_str(d, m, "python", &im->target_python, e)) ||
		    (rc = pf_y_str(d, m, "platform", &im->target_platform, e)) ||
		    (rc = pf_y_strlist(d, m, "host", &im->host_provides, &im->nhost_provides, e)))
			return rc;
		if (lock_runtime_problem(im->target_runtime, im->nhost_provides))
			return pf_y_fail(d, m, e, PF_EFORMAT, "%s",
					 lock_runtime_problem(im->target_runtime, im->nhost_provides));
		if (im->target_python) {
			struct pf_buf b = PF_BUF_INIT;
			int bad = solve_version_key("pypi", im->target_python, &b, NULL) < 0;

			pf_buf_release(&b);
			if (bad)
				return pf_y_fail(d, m, e, PF_EFORMAT, "target.python '%s' is not a version",
						 im->target_python);
		}
		for (size_t i = 0; i < im->nhost_provides; i++) {
			const char *h = im->host_provides[i], *sp = strchr(h, ' '), *c = strchr(h, ':');
			char *eco;
			int good;

			if (!sp || !c || c > sp)
				return pf_y_fail(d, m, e, PF_EFORMAT,
						 "target.host: '%s' is not 'ECOSYSTEM:NAME VERSION'", h);
			eco = pf_xstrndup(h, (size_t)(c - h));
			good = catalog_ecosystem_ok(eco);
			if (good) {
				struct pf_buf b = PF_BUF_INIT;

				good = solve_version_key(eco, sp + 1, &b, NULL) == 0;
				pf_buf_release(&b);
			}
			free(eco);
			if (!good)
				return pf_y_fail(d, m, e, PF_EFORMAT,
						 "target.host: '%s' has an unknown ecosystem or an invalid version", h);
		}
	}
	if ((rc = pf_y_map(d, root, "sandbox", &m, e)))
		return rc;
	if (m && ((rc = pf_y_check_map(d, m, "sandbox", sandbox_keys, NULL, e)) ||
		  (rc = lock_allow_hosts_check(d, m, &im->allow_hosts, &im->nallow_hosts, e))))
		return rc;
	if ((rc = pf_y_strlist(d, root, "packages", &im->packages, &im->npackages, e)))
		return rc;
	if (!im->npackages)
		return pf_y_fail(d, pf_y_get(root, "packages"), e, PF_EFORMAT, "packages must list at least one request");
	for (size_t i = 0; i < im->npackages; i++) {
		char *eco, *name, *spec;

		rc = solve_parse_request(im->packages[i], &eco, &name, &spec, e);
		if (rc) {
			char msg[PF_ERR_MAX];

			snprintf(msg, sizeof msg, "%s", e ? e->msg : "");
			if (e)
				pf_err_clear(e);
			return pf_y_fail(d, pf_y_get(root, "packages"), e, PF_EFORMAT, "packages: %s", msg);
		}
		free(eco);
		free(name);
		free(spec);
	}
	im->min_age_days = -1;
	if ((rc = pf_y_map(d, root, "policy", &m, e)))
		return rc;
	if (m) {
		if ((rc = pf_y_check_map(d, m, "policy", policy_keys, NULL, e)) ||
		    (rc = pf_y_int(d, m, "min_age_days", 0, 3650, &v, e)))
			return rc;
		if (pf_y_get(m, "min_age_days"))
			im->min_age_days = (int)v;
	}
	return 0;
}

int image_load(struct image *im, const char *path, struct pf_err *e)
{
	struct pf_ydoc d;
	struct pf_buf b = PF_BUF_INIT;
	int rc;

	memset(im, 0, sizeof *im);
	memset(&d, 0, sizeof d);
	rc = pf_read_file(path, PF_MAX_SMALL, &b, e);
	if (rc)
		goto out;
	pf_sha256_hex(b.p ? b.p : "", b.len, im->sha256);
	rc = pf_yaml_parse(&d, path, b.p ? b.p : "", b.len, e);
	if (rc)
		goto out;
	rc = parse_image(im, &d, e);
	/* The document's arena becomes the image's: strings stay valid until image_release(). */
	im->arena = d.arena;
	d.arena.head = NULL;
	if (rc)
		goto out;
	im->path = pf_arena_strdup(&im->arena, path);
	if (is_url(im->catalog) || im->catalog[0] == '/') {
		im->catalog_resolved = im->catalog;
	} else {
		char *dir = pf_dirname(path), *j = pf_path_join(dir, im->catalog);

		im->catalog_resolved = pf_arena_strdup(&im->arena, j);
		free(dir);
		free(j);
	}
out:
	pf_buf_release(&b);
	pf_ydoc_release(&d);
	if (rc)
		image_release(im);
	return rc;
}

void image_release(struct image *im)
{
	if (!im)
		return;
	pf_arena_release(&im->arena);
	memset(im, 0, sizeof *im);
	im->min_age_days = -1;
}
