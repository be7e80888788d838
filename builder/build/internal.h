/* SPDX-License-Identifier: MIT */
/* Private to build/: the interrupt guard around a build's staging tree and its commit. */
#ifndef PF_BUILD_INTERNAL_H
#define PF_BUILD_INTERNAL_H

#include <pthread.h>
#include <signal.h>

/*
 * Interrupts during a build: the signals are blocked in every thread and one
 * thread waits for them. It takes the commit lock (so OUT and OUT.sha256 are
 * either both in place or not yet touched), marks the build as aborting (the
 * main thread then parks instead of reporting or cleaning up), removes what the
 * build wrote (the staging directory, which also holds the unfinished tarball;
 * OUT and OUT.sha256 when they were already committed), calls interrupted and
 * exits. The staging directory is first renamed away and a plain file put at
 * its name, so the still running build cannot create anything under it again.
 */
struct guard {
	pthread_t tid;
	pthread_mutex_t mu;	/* held around the commit and while the guard cleans up */
	sigset_t set;
	const char *staging, *out, *shafile;
	void (*interrupted)(void *ud, int sig);
	void *ud;
	int on, aborting, stopping, committed;
};

void guard_start(struct guard *g, const char *staging, const char *out, const char *shafile);
/* The calling thread stops here for good when the guard has taken over. */
void guard_check(struct guard *g);
/* Enter (1) and leave (0) the commit: renaming OUT into place and writing OUT.sha256. */
void guard_commit(struct guard *g, int enter);
/* From here the build's own cleanup and exit status stand; later signals are swallowed. */
void guard_quiesce(struct guard *g);
void guard_stop(struct guard *g);

#endif
