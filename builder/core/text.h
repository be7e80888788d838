/* SPDX-License-Identifier: MIT */
/* The one rule for strings read from files: valid UTF-8 with nothing a terminal would act on. */
#ifndef PF_CORE_TEXT_H
#define PF_CORE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

/*
 * 0 when the len bytes at s are valid UTF-8 (shortest form, no surrogates)
 * without control characters: C0 (U+0000-U+001F, so no tab or newline
 * either), DEL, C1 (U+0080-U+009F, where CSI lives), the line and paragraph
 * separators (U+2028, U+2029) and the bidirectional embedding, override and
 * isolate controls (U+202A-U+202E, U+2066-U+2069) that make text display
 * other than it reads. -1 otherwise. Every string pinfold reads from a file
 * passes this before it is kept or printed.
 */
int pf_text_check(const char *s, size_t len);
/* The same for a NUL-terminated string; NULL is fine (0). */
int pf_text_check_str(const char *s);
/* Append code point cp (at most U+10FFFF, checked by the caller) to b as UTF-8. */
void pf_utf8_put(struct pf_buf *b, uint32_t cp);

#endif
