/* SPDX-License-Identifier: MIT */
/* Shared by the libFuzzer harnesses: inputs as files (a memfd), and strict invariants. */
#ifndef PF_TESTS_FUZZ_H
#define PF_TESTS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a regular file for APIs that take a path: "/proc/self/fd/N" of one memfd. */
static __attribute__((unused)) const char *fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];

	if (fd < 0) {
		fd = memfd_create("pinfold-fuzz", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	return path;
}

/* What every failure must hold: one recorded line, a code, and no control characters echoed. */
static void fuzz_check_err(int rc, const struct pf_err *e)
{
	if (rc > 0)
		abort();
	if (rc < 0 && (e->code != -rc || !e->msg[0] || strchr(e->msg, '\n')))
		abort();
}

#endif
