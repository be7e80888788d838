/* SPDX-License-Identifier: MIT */
/* The JSON writer behind the OCI blobs and the SBOMs (byte-for-byte the same output for the same calls). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export/json.h"

void export_json_init(struct export_json *j, struct pf_buf *out, int pretty)
{
	memset(j, 0, sizeof *j);
	j->out = out;
	j->pretty = pretty;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* no overlong forms, no surrogates, nothing past U+10FFFF */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void export_json_quote(struct pf_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	pf_buf_addc(out, '"');
	while (n) {
		size_t len;

		switch (*p) {
		case '"': pf_buf_adds(out, "\\\""); p++; n--; continue;
		case '\\': pf_buf_adds(out, "\\\\"); p++; n--; continue;
		case '\n': pf_buf_adds(out, "\\n"); p++; n--; continue;
		case '\r': pf_buf_adds(out, "\\r"); p++; n--; continue;
		case '\t': pf_buf_adds(out, "\\t"); p++; n--; continue;
		}
		if (*p < 0x20) {
			pf_buf_addf(out, "\\u%04x", *p);
			p++;
			n--;
			continue;
		}
		len = utf8_len(p, n);
		if (!len) {
			pf_buf_adds(out, "\\ufffd");
			p++;
			n--;
			continue;
		}
		pf_buf_add(out, p, len);
		p += len;
		n -= len;
	}
	pf_buf_addc(out, '"');
}

static void indent(struct export_json *j)
{
	pf_buf_addc(j->out, '\n');
	for (int i = 0; i < j->depth; i++)
		pf_buf_adds(j->out, "  ");
}

/* The separator and key before a value. */
static void item(struct export_json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->has[j->depth])
			pf_buf_addc(j->out, ',');
		j->has[j->depth] = 1;
		if (j->pretty)
			indent(j);
	}
	if (key) {
		export_json_quote(j->out, key);
		pf_buf_adds(j->out, j->pretty ? ": " : ":");
	}
}

void export_json_open(struct export_json *j, const char *key, char brace)
{
	item(j, key);
	pf_buf_addc(j->out, brace);
	if (j->depth + 1 >= EXPORT_JSON_DEPTH)
		abort();	/* the documents pinfold writes are shallow; deeper is a bug */
	j->depth++;
	j->has[j->depth] = 0;
}

void export_json_close(struct export_json *j, char brace)
{
	int had = j->has[j->depth];

	j->depth--;
	if (j->pretty && had)
		indent(j);
	pf_buf_addc(j->out, brace == '{' ? '}' : brace == '[' ? ']' : brace);
}

void export_json_str(struct export_json *j, const char *key, const char *val)
{
	item(j, key);
	export_json_quote(j->out, val ? val : "");
}

void export_json_int(struct export_json *j, const char *key, long long v)
{
	item(j, key);
	pf_buf_addf(j->out, "%lld", v);
}

void export_json_bool(struct export_json *j, const char *key, int v)
{
	item(j, key);
	pf_buf_adds(j->out, v ? "true" : "false");
}

void export_json_raw(struct export_json *j, const char *key, const char *text)
{
	item(j, key);
	pf_buf_adds(j->out, text);
}

void export_json_finish(struct export_json *j)
{
	if (j->pretty)
		pf_buf_addc(j->out, '\n');
	pf_buf_cstr(j->out);
}
