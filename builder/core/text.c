/* SPDX-License-Identifier: MIT */
/* UTF-8 validation that also refuses control characters (C0, DEL, C1, bidi controls). */
#include <stdint.h>
#include <string.h>

#include "core/text.h"

static int control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

int pf_text_check(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p, need;
		uint32_t cp;

		if (c < 0x80) {
			if (control(c))
				return -1;
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return -1;
		}
		if ((size_t)(end - p) <= need)
			return -1;
		for (unsigned i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || control(cp))
			return -1;
		p += need + 1;
	}
	return 0;
}

int pf_text_check_str(const char *s)
{
	return s ? pf_text_check(s, strlen(s)) : 0;
}

void pf_utf8_put(struct pf_buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		pf_buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		pf_buf_addc(b, (char)(0xc0 | cp >> 6));
		pf_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		pf_buf_addc(b, (char)(0xe0 | cp >> 12));
		pf_buf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		pf_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		pf_buf_addc(b, (char)(0xf0 | cp >> 18));
		pf_buf_addc(b, (char)(0x80 | (cp >> 12 & 0x3f)));
		pf_buf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		pf_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}
