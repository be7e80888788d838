/* SPDX-License-Identifier: MIT */
/* Publishing a signed document and its signature so that readers and crashes never see a torn pair. */
#include <stdlib.h>
#include <string.h>

#include "catalog/publish.h"
#include "core/file.h"
#include "trust/trust.h"

/*
 * The pair is two files, renamed one after the other; there is no moment at
 * which both change at once, and an HTTP reader makes two requests anyway.
 * So the new .sig carries, after the new signatures, the published version's
 * (its first line per key), and it is renamed into place before the document:
 *
 *   before:        doc N,   sig {N}          verifies (N)
 *   sig renamed:   doc N,   sig {N+1, N}     verifies (N)
 *   doc renamed:   doc N+1, sig {N+1, N}     verifies (N+1)
 *
 * A kill at any instant leaves a pair that verifies, and a reader that reads
 * the document, then the signature, verifies whichever version it got, even
 * when one publication happens between its two reads. Readers check each key
 * at most twice (trust_verify), so the extra line costs one verification.
 */
int catalog_publish(const char *dir, const char *file, const char *sigfile, const struct pf_buf *body,
		    const struct pf_buf *sig, struct pf_err *e)
{
	char *path = pf_path_join(dir, file), *sigpath = pf_path_join(dir, sigfile);
	struct pf_buf old = PF_BUF_INIT, next = PF_BUF_INIT;
	struct pf_err e2 = { 0 };
	int rc;

	pf_buf_add(&next, sig->p ? sig->p : "", sig->len);
	/* no old signature (first sign) or an unreadable one: nothing to carry */
	if (!pf_read_file_flags(sigpath, PF_OPEN_NOFOLLOW, PF_MAX_SMALL, &old, &e2))
		trust_sig_carry(old.p ? old.p : "", old.len, TRUST_MAX_SIG_LINES / 2, &next);
	rc = pf_write_file(sigpath, next.p, next.len, 0644, e);
	if (!rc)
		rc = pf_write_file(path, body->p, body->len, 0644, e);
	pf_buf_release(&old);
	pf_buf_release(&next);
	free(path);
	free(sigpath);
	return rc;
}
