/* SPDX-License-Identifier: MIT */
/* The advisories model: signed revocations of catalog versions, parsed strictly and written deterministically. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/internal.h"
#include "core/yaml.h"

static const char *const severities[] = { "low", "medium", "high", "critical", NULL };

int advisory_severity_ok(const char *s)
{
	for (const char *const *p = severities; s && *p; p++)
		if (!strcmp(*p, s))
			return 1;
	return 0;
}

static int adv_cmp(const void *a, const void *b)
{
	const struct advisory *x = a, *y = b;
	int r = strcmp(x->ecosystem, y->ecosystem);

	if (!r)
		r = strcmp(x->name, y->name);
	if (!r)
		r = strcmp(x->id, y->id);
	return r;
}

static int adv_check(const struct advisory *a, char *why, size_t whylen)
{
	if (!catalog_name_ok(a->id)) {
		snprintf(why, whylen, "advisory id '%s' must match [A-Za-z0-9][A-Za-z0-9._-]*", a->id ? a->id : "");
		return -1;
	}
	if (!catalog_ecosystem_ok(a->ecosystem)) {
		snprintf(why, whylen, "unknown ecosystem '%s'", a->ecosystem ? a->ecosystem : "");
		return -1;
	}
	if (!catalog_token_ok(a->name, 214)) {
		snprintf(why, whylen, "package name '%s' is empty, too long or has spaces", a->name ? a->name : "");
		return -1;
	}
	if (!!a->range == !!a->versions || (a->versions && !a->nversions)) {
		snprintf(why, whylen, "versions must be a non-empty list of versions or one range");
		return -1;
	}
	for (size_t i = 0; i < a->nversions; i++) {
		if (!catalog_token_ok(a->versions[i], 128)) {
			snprintf(why, whylen, "version '%s' is empty, too long or has spaces", a->versions[i]);
			return -1;
		}
	}
	if (a->range && (!a->range[0] || !catalog_text_ok(a->range, 256))) {
		snprintf(why, whylen, "range '%s' is empty, too long or has control characters", a->range);
		return -1;
	}
	if (!a->reason || !a->reason[0] || !catalog_text_ok(a->reason, 4096) ||
	    (a->advice && !catalog_text_ok(a->advice, 4096))) {
		snprintf(why, whylen, "reason must be non-empty text (reason and advice: no control characters)");
		return -1;
	}
	if (!advisory_severity_ok(a->severity)) {
		snprintf(why, whylen, "severity '%s' is not low, medium, high or critical",
			 a->severity ? a->severity : "");
		return -1;
	}
	if (!catalog_date_ok(a->published)) {
		snprintf(why, whylen, "published '%s' is not a date YYYY-MM-DD", a->published ? a->published : "");
		return -1;
	}
	return 0;
}

static const char *cp(struct advisories *a, const char *s)
{
	return s ? pf_arena_strdup(&a->arena, s) : NULL;
}

static void adv_copy(struct advisories *a, struct advisory *dst, const struct advisory *src)
{
	memset(dst, 0, sizeof *dst);
	dst->id = cp(a, src->id);
	dst->ecosystem = cp(a, src->ecosystem);
	dst->name = cp(a, src->name);
	if (src->versions) {
		const char **v = pf_arena_alloc(&a->arena, (src->nversions + 1) * sizeof *v);

		for (size_t i = 0; i < src->nversions; i++)
			v[i] = cp(a, src->versions[i]);
		dst->versions = v;
		dst->nversions = src->nversions;
	}
	dst->range = cp(a, src->range);
	dst->reason = cp(a, src->reason);
	dst->advice = cp(a, src->advice);
	dst->severity = cp(a, src->severity);
	dst->published = cp(a, src->published);
}

static const char *const top_keys[] = { "format", "name", "version", "expires", "advisories", NULL };
static const char *const top_req[] = { "format", "name", "version", "advisories", NULL };
static const char *const adv_keys[] = { "id", "ecosystem", "name", "versions", "reason", "advice", "severity",
					"published", NULL };
static const char *const adv_req[] = { "id", "ecosystem", "name", "versions", "reason", "severity",
				       "published", NULL };

static int parse_adv(struct advisories *a, struct pf_ydoc *d, const struct pf_ynode *m, struct pf_err *e)
{
	struct advisory adv;
	const struct pf_ynode *v;
	char why[512];
	int rc;

	memset(&adv, 0, sizeof adv);
	if ((rc = pf_y_check_map(d, m, "advisory", adv_keys, adv_req, e)) ||
	    (rc = pf_y_str(d, m, "id", &adv.id, e)) ||
	    (rc = pf_y_str(d, m, "ecosystem", &adv.ecosystem, e)) ||
	    (rc = pf_y_str(d, m, "name", &adv.name, e)) ||
	    (rc = pf_y_str(d, m, "reason", &adv.reason, e)) ||
	    (rc = pf_y_str(d, m, "advice", &adv.advice, e)) ||
	    (rc = pf_y_str(d, m, "severity", &adv.severity, e)) ||
	    (rc = pf_y_str(d, m, "published", &adv.published, e)))
		return rc;
	v = pf_y_get(m, "versions");
	if (v->type == PF_Y_SCALAR) {
		adv.range = v->str;
	} else if (v->type == PF_Y_SEQ) {
		if ((rc = pf_y_strlist(d, m, "versions", &adv.versions, &adv.nversions, e)))
			return rc;
	} else {
		return pf_y_fail(d, v, e, PF_EFORMAT, "versions must be a list of versions or a range string");
	}
	if (adv_check(&adv, why, sizeof why))
		return pf_y_fail(d, m, e, PF_EFORMAT, "%s", why);
	PF_GROW(a->items, a->n + 1, a->cap);
	adv_copy(a, &a->items[a->n++], &adv);
	return 0;
}

int advisories_parse(struct advisories *a, const char *file, const char *data, size_t len, struct pf_err *e)
{
	struct pf_ydoc d;
	const struct pf_ynode *root, *list = NULL;
	int rc;

	memset(a, 0, sizeof *a);
	memset(&d, 0, sizeof d);
	rc = pf_yaml_parse(&d, file, data, len, e);
	if (rc)
		goto out;
	root = d.root;
	if ((rc = pf_y_check_map(&d, root, "advisories", top_keys, top_req, e)) ||
	    (rc = catalog_parse_head(&d, root, ADVISORIES_FORMAT, &a->arena, &a->name, &a->version, &a->expires,
				     &a->expires_t, e)) ||
	    (rc = pf_y_seq(&d, root, "advisories", &list, e)))
		goto out;
	for (size_t i = 0; i < list->n; i++)
		if ((rc = parse_adv(a, &d, list->vals[i], e)))
			goto out;
	pf_qsort(a->items, a->n, sizeof *a->items, adv_cmp);
	for (size_t i = 0; i < a->n; i++) {
		for (size_t j = i + 1; j < a->n; j++) {
			if (!strcmp(a->items[i].id, a->items[j].id)) {
				rc = pf_y_fail(&d, list, e, PF_EFORMAT, "advisory id '%s' is listed twice",
					       a->items[i].id);
				goto out;
			}
		}
	}
	pf_sha256_hex(data, len, a->sha256);
out:
	pf_ydoc_release(&d);
	if (rc)
		advisories_release(a);
	return rc;
}

void advisories_write(const struct advisories *a, struct pf_buf *out)
{
	struct pf_yw w;
	struct pf_ynode *root, *list;

	memset(&w, 0, sizeof w);
	root = pf_yw_map(&w);
	pf_yw_set_str(&w, root, "format", ADVISORIES_FORMAT);
	pf_yw_set_str(&w, root, "name", a->name ? a->name : "");
	pf_yw_set_int(&w, root, "version", a->version);
	pf_yw_set_raw(&w, root, "expires", a->expires);
	list = pf_yw_seq(&w);
	for (size_t i = 0; i < a->n; i++) {
		const struct advisory *x = &a->items[i];
		struct pf_ynode *m = pf_yw_map(&w);

		pf_yw_set_str(&w, m, "id", x->id);
		pf_yw_set_str(&w, m, "ecosystem", x->ecosystem);
		pf_yw_set_str(&w, m, "name", x->name);
		if (x->range)
			pf_yw_set_str(&w, m, "versions", x->range);
		else
			pf_yw_set(&w, m, "versions", pf_yw_strlist(&w, x->versions, x->nversions));
		pf_yw_set_str(&w, m, "reason", x->reason);
		pf_yw_set_str(&w, m, "advice", x->advice);
		pf_yw_set_str(&w, m, "severity", x->severity);
		pf_yw_set_raw(&w, m, "published", x->published);
		pf_yw_push(&w, list, m);
	}
	pf_yw_set(&w, root, "advisories", list);
	pf_yaml_emit(root, out);
	pf_yw_release(&w);
}

void advisories_release(struct advisories *a)
{
	if (!a)
		return;
	pf_arena_release(&a->arena);
	free(a->items);
	memset(a, 0, sizeof *a);
}

int advisories_add(struct advisories *a, const struct advisory *adv, struct pf_err *e)
{
	char why[512];

	if (adv_check(adv, why, sizeof why))
		return pf_error(e, PF_EFORMAT, "advisory for %s:%s: %s", adv->ecosystem ? adv->ecosystem : "?",
				adv->name ? adv->name : "?", why);
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->items[i].id, adv->id))
			return pf_error(e, PF_EEXIST, "advisory '%s': already present in '%s'", adv->id,
					a->name ? a->name : "");
	PF_GROW(a->items, a->n + 1, a->cap);
	adv_copy(a, &a->items[a->n++], adv);
	pf_qsort(a->items, a->n, sizeof *a->items, adv_cmp);
	return 0;
}
