/* SPDX-License-Identifier: MIT */
/* The interrupt guard: a signal during a build removes what it wrote, and never half of OUT and OUT.sha256. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "build/internal.h"
#include "core/file.h"

static _Noreturn void park(void)
{
	for (;;)
		pause();
}

static void *guard_wait(void *arg)
{
	struct guard *g = arg;
	int sig = 0;

	while (sigwait(&g->set, &sig) == 0) {
		char *dead;
		int fd;

		pthread_mutex_lock(&g->mu);
		if (g->stopping) {	/* the build has finished; its outcome stands */
			pthread_mutex_unlock(&g->mu);
			continue;
		}
		__atomic_store_n(&g->aborting, 1, __ATOMIC_SEQ_CST);
		if (g->committed) {
			unlink(g->out);
			unlink(g->shafile);
		}
		dead = pf_xasprintf("%s.interrupted", g->staging);
		fd = -1;
		if (rename(g->staging, dead) == 0) {
			fd = open(g->staging, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			pf_rm_rf(dead);
		} else {
			pf_rm_rf(g->staging);
		}
		if (g->interrupted)
			g->interrupted(g->ud, sig);
		/* the placeholder goes last, so the build cannot recreate the tree in between */
		if (fd >= 0) {
			close(fd);
			unlink(g->staging);
		}
		_exit(128 + sig);
	}
	return NULL;
}

void guard_start(struct guard *g, const char *staging, const char *out, const char *shafile)
{
	sigemptyset(&g->set);
	sigaddset(&g->set, SIGINT);
	sigaddset(&g->set, SIGTERM);
	sigaddset(&g->set, SIGHUP);
	pthread_mutex_init(&g->mu, NULL);
	g->staging = staging;
	g->out = out;
	g->shafile = shafile;
	g->on = !pthread_sigmask(SIG_BLOCK, &g->set, NULL) && !pthread_create(&g->tid, NULL, guard_wait, g);
}

void guard_check(struct guard *g)
{
	if (g->on && __atomic_load_n(&g->aborting, __ATOMIC_SEQ_CST))
		park();
}

void guard_commit(struct guard *g, int enter)
{
	if (!g->on)
		return;
	if (enter) {
		pthread_mutex_lock(&g->mu);
		if (g->aborting)
			park();
	} else {
		g->committed = 1;
		pthread_mutex_unlock(&g->mu);
	}
}

void guard_quiesce(struct guard *g)
{
	if (!g->on)
		return;
	pthread_mutex_lock(&g->mu);
	if (g->aborting)
		park();
	g->stopping = 1;
	pthread_mutex_unlock(&g->mu);
}

void guard_stop(struct guard *g)
{
	if (!g->on)
		return;
	pthread_cancel(g->tid);
	pthread_join(g->tid, NULL);
	/*
	 * The signals stay blocked: the build's outcome stands from here, and a
	 * signal arriving while pinfold tears down and exits must not turn a
	 * committed OUT into "killed". Pending ones are discarded at exit.
	 */
	pthread_mutex_destroy(&g->mu);
	g->on = 0;
}

