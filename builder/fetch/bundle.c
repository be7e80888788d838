/* SPDX-License-Identifier: MIT */
/* Air-gap bundles: reading the framing and strict index, and serving artifacts into the cache. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/yaml.h"
#include "fetch/bundle.h"
#include "fetch/fetch_int.h"

static const char *const catalog_files[] = {
	ADVISORIES_FILE, ADVISORIES_SIG, CATALOG_FILE, CATALOG_SIG, NULL,
};

/* "N.root.yaml" or "N.root.yaml.sig", N a version without leading zeros. */
static int root_name_ok(const char *s)
{
	size_t d = strspn(s, "0123456789");

	if (!d || d > 18 || s[0] == '0')
		return 0;
	return !strcmp(s + d, ".root.yaml") || !strcmp(s + d, ".root.yaml.sig");
}

static int entry_name_ok(const char *name)
{
	size_t lp = strlen(BUNDLE_CATALOG_PREFIX), la = strlen(BUNDLE_ARTIFACT_PREFIX);

	if (!strcmp(name, BUNDLE_LOCK))
		return 1;
	if (!strncmp(name, BUNDLE_CATALOG_PREFIX, lp)) {
		for (size_t i = 0; catalog_files[i]; i++)
			if (!strcmp(name + lp, catalog_files[i]))
				return 1;
		return 0;
	}
	if (!strncmp(name, BUNDLE_ROOTS_PREFIX, strlen(BUNDLE_ROOTS_PREFIX)))
		return root_name_ok(name + strlen(BUNDLE_ROOTS_PREFIX));
	return !strncmp(name, BUNDLE_ARTIFACT_PREFIX, la) && fetch_name_ok(name + la);
}

void fetch_bundle_close(struct fetch_bundle *b)
{
	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	free(b->path);
	free(b->entries);
	pf_arena_release(&b->arena);
	free(b);
}

int fetch_read_at(int fd, uint64_t off, void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t got = pread(fd, p, n, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		p += got;
		off += (uint64_t)got;
		n -= (size_t)got;
	}
	return 0;
}

static int parse_index(struct fetch_bundle *b, const char *data, size_t len, uint64_t blob_bytes,
		       struct pf_err *e)
{
	static const char *const top[] = { "format", "entries", NULL };
	static const char *const ent[] = { "name", "offset", "size", "sha256", NULL };
	struct pf_ydoc d = { 0 };
	const struct pf_ynode *list;
	const char *fmt = NULL;
	char *label = pf_xasprintf("%s (index)", b->path);
	uint64_t next = 0;
	int rc;

	rc = pf_yaml_parse(&d, label, data, len, e);
	if (rc)
		goto out;
	if (!d.root || d.root->type != PF_Y_MAP) {
		rc = pf_y_fail(&d, d.root, e, PF_EFORMAT, "the index is not a map");
		goto out;
	}
	rc = pf_y_check_map(&d, d.root, "bundle index", top, top, e);
	if (!rc)
		rc = pf_y_str(&d, d.root, "format", &fmt, e);
	if (rc)
		goto out;
	if (strcmp(fmt, BUNDLE_MAGIC)) {
		rc = pf_y_fail(&d, pf_y_get(d.root, "format"), e, PF_EFORMAT, "unknown format '%s'", fmt);
		goto out;
	}
	rc = pf_y_seq(&d, d.root, "entries", &list, e);
	if (rc)
		goto out;
	b->entries = pf_xcalloc(list->n ? list->n : 1, sizeof *b->entries);
	for (size_t i = 0; i < list->n; i++) {
		const struct pf_ynode *m = list->vals[i];
		struct fetch_bundle_entry *en = &b->entries[i];
		const char *name = NULL, *sha = NULL;
		long long off = 0, size = 0;

		if (m->type != PF_Y_MAP) {
			rc = pf_y_fail(&d, m, e, PF_EFORMAT, "an entry is not a map");
			goto out;
		}
		rc = pf_y_check_map(&d, m, "entry", ent, ent, e);
		if (!rc)
			rc = pf_y_str(&d, m, "name", &name, e);
		if (!rc)
			rc = pf_y_str(&d, m, "sha256", &sha, e);
		if (!rc)
			rc = pf_y_int(&d, m, "offset", 0, 1LL << 50, &off, e);
		if (!rc)
			rc = pf_y_int(&d, m, "size", 0, 1LL << 50, &size, e);
		if (rc)
			goto out;
		if (!entry_name_ok(name)) {
			rc = pf_y_fail(&d, m, e, PF_EFORMAT, "entry name '%s' is not allowed", name);
			goto out;
		}
		if (i && strcmp(b->entries[i - 1].name, name) >= 0) {
			rc = pf_y_fail(&d, m, e, PF_EFORMAT, "entry '%s' is out of order or repeated", name);
			goto out;
		}
		if (!pf_is_sha256_hex(sha)) {
			rc = pf_y_fail(&d, m, e, PF_EFORMAT, "entry '%s': sha256 is not 64 lowercase hex digits", name);
			goto out;
		}
		if ((uint64_t)off != next || (uint64_t)size > blob_bytes - next) {
			rc = pf_y_fail(&d, m, e, PF_EDIGEST, "entry '%s': offset %lld size %lld do not fit the "
				       "%llu bytes of blobs (next offset %llu)", name, off, size,
				       (unsigned long long)blob_bytes, (unsigned long long)next);
			goto out;
		}
		en->name = pf_arena_strdup(&b->arena, name);
		en->offset = (uint64_t)off;
		en->size = (uint64_t)size;
		memcpy(en->sha256, sha, PF_SHA256_HEX);
		next += (uint64_t)size;
		b->n++;
	}
	if (next != blob_bytes)
		rc = pf_error(e, PF_EDIGEST, "bundle '%s': the index describes %llu bytes of blobs but the file "
			      "holds %llu", b->path, (unsigned long long)next, (unsigned long long)blob_bytes);
out:
	pf_ydoc_release(&d);
	free(label);
	return rc;
}

int fetch_bundle_open(const char *path, struct fetch_bundle **out, struct pf_err *e)
{
	struct fetch_bundle *b = pf_xcalloc(1, sizeof *b);
	size_t lm = strlen(BUNDLE_MAGIC);
	char head[64];
	char *index = NULL;
	uint64_t ilen = 0, fsize;
	struct stat st;
	size_t pos;
	int rc = 0;

	*out = NULL;
	b->fd = -1;
	b->path = pf_xstrdup(path);
	b->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (b->fd < 0) {
		rc = pf_error(e, errno == ENOENT ? PF_ENOTFOUND : PF_EIO, "'%s': %s", path, strerror(errno));
		goto out;
	}
	if (fstat(b->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = pf_error(e, PF_EIO, "'%s': not a regular file", path);
		goto out;
	}
	fsize = (uint64_t)st.st_size;
	memset(head, 0, sizeof head);
	if (fetch_read_at(b->fd, 0, head, fsize < sizeof head ? (size_t)fsize : sizeof head) < 0 ||
	    fsize < lm + 1 || memcmp(head, BUNDLE_MAGIC "\n", lm + 1)) {
		rc = pf_error(e, PF_EFORMAT, "bundle '%s': not a pinfold bundle (no '%s' line)", path, BUNDLE_MAGIC);
		goto out;
	}
	pos = lm + 1;
	/* the index length: 1 to 9 digits, no leading zero, then a newline */
	for (; pos < sizeof head && head[pos] >= '0' && head[pos] <= '9'; pos++) {
		if ((pos == lm + 1 && head[pos] == '0') || pos - lm - 1 >= 9) {
			rc = pf_error(e, PF_ETOOBIG, "bundle '%s': bad or oversized index length", path);
			goto out;
		}
		ilen = ilen * 10 + (uint64_t)(head[pos] - '0');
	}
	if (pos == lm + 1 || pos >= sizeof head || head[pos] != '\n') {
		rc = pf_error(e, PF_EFORMAT, "bundle '%s': bad index length line", path);
		goto out;
	}
	pos++;
	if (ilen > BUNDLE_MAX_INDEX) {
		rc = pf_error(e, PF_ETOOBIG, "bundle '%s': index of %llu bytes is over the %zu byte cap, refused",
			      path, (unsigned long long)ilen, BUNDLE_MAX_INDEX);
		goto out;
	}
	if (ilen > fsize - pos) {
		rc = pf_error(e, PF_EDIGEST, "bundle '%s': truncated (index of %llu bytes, file of %llu)", path,
			      (unsigned long long)ilen, (unsigned long long)fsize);
		goto out;
	}
	index = pf_xmalloc((size_t)ilen + 1);
	if (fetch_read_at(b->fd, pos, index, (size_t)ilen) < 0) {
		rc = pf_error(e, PF_EIO, "bundle '%s': cannot read the index", path);
		goto out;
	}
	index[ilen] = '\0';
	b->data_start = pos + ilen;
	rc = parse_index(b, index, (size_t)ilen, fsize - b->data_start, e);
out:
	free(index);
	if (rc)
		fetch_bundle_close(b);
	else
		*out = b;
	return rc;
}

const struct fetch_bundle_entry *fetch_bundle_find(const struct fetch_bundle *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->entries[i].name, name))
			return &b->entries[i];
	return NULL;
}

int fetch_bundle_read(struct fetch_bundle *b, const char *name, size_t max, struct pf_buf *out,
		      struct pf_err *e)
{
	const struct fetch_bundle_entry *en = fetch_bundle_find(b, name);
	char hex[PF_SHA256_HEX];
	size_t start = out->len;

	if (!en)
		return pf_error(e, PF_ENOTFOUND, "bundle '%s': no '%s'", b->path, name);
	if (en->size > max)
		return pf_error(e, PF_ETOOBIG, "bundle '%s': '%s' is larger than %zu bytes, refused", b->path,
				name, max);
	PF_GROW(out->p, out->len + (size_t)en->size + 1, out->cap);
	if (fetch_read_at(b->fd, b->data_start + en->offset, out->p + start, (size_t)en->size) < 0)
		return pf_error(e, PF_EIO, "bundle '%s': cannot read '%s'", b->path, name);
	out->len += (size_t)en->size;
	out->p[out->len] = '\0';
	pf_sha256_hex(out->p + start, (size_t)en->size, hex);
	if (strcmp(hex, en->sha256)) {
		out->len = start;
		out->p[start] = '\0';
		return pf_error(e, PF_EDIGEST, "bundle '%s': '%s' does not match its sha256 in the index", b->path,
				name);
	}
	return 0;
}

/* fetch_all's bundle source: artifacts/<file>, hash-checked on the way into the cache. */
void fetch_from_bundle(struct fetch_run *r, struct fetch_bundle *b)
{
	char *place = pf_xasprintf("bundle '%s'", b->path);

	for (size_t i = 0; i < r->n && !r->e->code; i++) {
		struct fetch_item *it = &r->items[i];
		char *name = pf_xasprintf("%s%s", BUNDLE_ARTIFACT_PREFIX, it->a->file);
		const struct fetch_bundle_entry *en = fetch_bundle_find(b, name);
		struct fetch_sink s;
		char why[256] = "";
		int rc;

		free(name);
		if (it->done)
			continue;
		if (!en) {
			fetch_item_tried(it, PF_ENOTFOUND, place, "not in the bundle");
			continue;
		}
		if (en->size != it->a->size) {
			pf_warn(r->e, "%s: '%s' has the wrong size, trying the next place", place, it->a->file);
			fetch_item_tried(it, PF_EDIGEST, place, "wrong size");
			continue;
		}
		if (fetch_sink_open(&s, r, it->a))
			break;
		if (fetch_copy_range(b->fd, b->data_start + en->offset, en->size, &s, why, sizeof why) < 0) {
			fetch_sink_abort(&s);
			fetch_item_tried(it, PF_ENET, place, "%s", why);
			continue;
		}
		rc = fetch_sink_commit(&s, why, sizeof why, r->e);
		if (rc == -PF_EDIGEST) {
			pf_warn(r->e, "%s: '%s': %s, trying the next place", place, it->a->file, why);
			fetch_item_tried(it, PF_EDIGEST, place, "%s", why);
		} else if (!rc) {
			fetch_run_bytes(r, (int64_t)it->a->size);
			fetch_item_done(r, it, fetch_sink_take(&s));
		}
	}
	free(place);
}

