/* SPDX-License-Identifier: MIT */
/* PINFOLD_TEST_KILL_AT: SIGKILL at the Nth write, fsync or rename (crash-consistency tests only). */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"

static int armed = -1;		/* the kind that kills, -1: none */
static long at;
static long count;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
	static const char *const names[] = { "write:", "fsync:", "rename:" };
	const char *s = getenv("PINFOLD_TEST_KILL_AT");

	for (int k = 0; s && k < 3; k++) {
		size_t n = strlen(names[k]);
		char *end;

		if (!strncmp(s, names[k], n)) {
			at = strtol(s + n, &end, 10);
			if (!*end && at > 0)
				armed = k;
		}
	}
}

void pf_fault(enum pf_fault_kind kind)
{
	pthread_once(&once, init);
	if (armed != (int)kind)
		return;
	if (__atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST) == at)
		raise(SIGKILL);
}
