/* SPDX-License-Identifier: MIT */
/* The watch's notice file, its memory of what was already told, notify-send, and running helpers. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/file.h"
#include "core/time.h"
#include "watch/notify.h"

#define SEEN_MAX 100000
#define RUN_OUT_MAX ((size_t)64 << 10)

extern char **environ;

/* Text for a terminal: control characters become '?'. */
static void safe(struct pf_buf *b, const char *s)
{
	for (; s && *s; s++)
		pf_buf_addc(b, ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s);
}

static void hit_key(const struct watch_env_audit *r, const struct watch_hit *h, char hex[PF_SHA256_HEX])
{
	char *k = pf_xasprintf("%s\n%s\n%s\n%s\n%s\n%s\n%s", r->env.path, r->env.lock_sha256, h->found->ecosystem,
			       h->found->name, h->found->version, h->set->a.name, h->adv->id);

	pf_sha256_hex(k, strlen(k), hex);
	free(k);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void notice_text(const struct watch_audit *a, time_t now, struct pf_buf *b)
{
	char when[PF_TIME_STR], first[PF_TIME_STR], last[PF_TIME_STR], since[PF_TIME_STR];

	pf_time_format(now, when);
	pf_buf_addf(b, "pinfold watch, %s: environments used on this machine contain packages that signed "
		    "advisories revoke.\n", when);
	for (size_t i = 0; i < a->n; i++) {
		const struct watch_env_audit *r = &a->v[i];

		if (!r->nhits)
			continue;
		pf_time_format(r->env.first, first);
		pf_time_format(r->env.last, last);
		pf_buf_adds(b, "\n");
		safe(b, r->env.path);
		pf_buf_addf(b, " (%s", watch_env_kind_name(r->env.kind));
		if (r->env.state != WATCH_PRESENT) {
			pf_time_format(r->env.since, since);
			pf_buf_addf(b, ", %s since %s", watch_env_state_name(r->env.state), since);
		}
		pf_buf_addf(b, "), used from %s to %s:\n", first, last);
		for (size_t k = 0; k < r->nhits; k++) {
			const struct watch_hit *h = &r->hits[k];

			if (k && r->hits[k - 1].adv == h->adv && !strcmp(r->hits[k - 1].found->name, h->found->name) &&
			    !strcmp(r->hits[k - 1].found->version, h->found->version))
				continue;	/* the same package and advisory, found in another place */
			pf_buf_addf(b, "  %s:", h->found->ecosystem);
			safe(b, h->found->name);
			pf_buf_adds(b, " ");
			safe(b, h->found->version);
			pf_buf_adds(b, ": revoked by ");
			safe(b, h->adv->id);
			pf_buf_addf(b, " (%s): ", h->adv->severity ? h->adv->severity : "unrated");
			safe(b, h->adv->reason);
			pf_buf_adds(b, "\n");
			if (h->adv->advice && *h->adv->advice) {
				pf_buf_adds(b, "    rotate/act: ");
				safe(b, h->adv->advice);
				pf_buf_adds(b, "\n");
			}
		}
	}
	pf_buf_adds(b, "\nRun 'pinfold audit --all' for details; 'pinfold watch --ack' stops this notice.\n");
}

int watch_notice_update(const char *state_dir, const struct watch_audit *a, time_t now, size_t *fresh,
			struct pf_err *e)
{
	struct pf_buf seen = PF_BUF_INIT, out = PF_BUF_INIT;
	struct pf_strv keys = PF_STRV_INIT;
	char *seenp = pf_path_join(state_dir, WATCH_SEEN_FILE), *notice = pf_path_join(state_dir, WATCH_NOTICE_FILE);
	char *dir = pf_dirname(seenp);
	int rc;

	*fresh = 0;
	rc = pf_read_file(seenp, (size_t)16 << 20, &seen, e);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(e);
		rc = 0;
	}
	if (rc)
		goto out;
	for (char *s = seen.p, *nl; s && (nl = strchr(s, '\n')); s = nl + 1) {
		*nl = '\0';
		if (pf_is_sha256_hex(s))
			pf_strv_push(&keys, s);
	}
	pf_strv_sort(&keys);
	for (size_t i = 0; i < a->n; i++) {
		for (size_t k = 0; k < a->v[i].nhits; k++) {
			char hex[PF_SHA256_HEX];

			hit_key(&a->v[i], &a->v[i].hits[k], hex);
			if (keys.n && bsearch(&(char *){ hex }, keys.v, keys.n, sizeof *keys.v, str_cmp))
				continue;
			pf_strv_push(&keys, hex);
			pf_strv_sort(&keys);
			(*fresh)++;
		}
	}
	rc = pf_mkdir_p(dir, 0700, e);
	if (rc)
		goto out;
	if (!a->affected) {
		if (unlink(notice) < 0 && errno != ENOENT)
			rc = pf_error(e, PF_EIO, "'%s': %s", notice, strerror(errno));
		goto out;
	}
	if (!*fresh)
		goto out;	/* nothing new: the notice (or its acknowledgement) stays as it is */
	notice_text(a, now, &out);
	rc = pf_write_file(notice, out.p, out.len, 0600, e);
	if (rc)
		goto out;
	out.len = 0;
	for (size_t i = keys.n > SEEN_MAX ? keys.n - SEEN_MAX : 0; i < keys.n; i++)
		pf_buf_addf(&out, "%s\n", keys.v[i]);
	rc = pf_write_file(seenp, out.p, out.len, 0600, e);
out:
	pf_strv_release(&keys);
	pf_buf_release(&seen);
	pf_buf_release(&out);
	free(seenp);
	free(notice);
	free(dir);
	return rc;
}

int watch_notice_read(const char *state_dir, struct pf_buf *out, struct pf_err *e)
{
	char *p = pf_path_join(state_dir, WATCH_NOTICE_FILE);
	int rc = pf_read_file(p, (size_t)1 << 20, out, e);

	free(p);
	return rc;
}

int watch_notice_clear(const char *state_dir, struct pf_err *e)
{
	char *p = pf_path_join(state_dir, WATCH_NOTICE_FILE);
	int rc = 0;

	if (unlink(p) < 0 && errno != ENOENT)
		rc = pf_error(e, PF_EIO, "'%s': %s", p, strerror(errno));
	free(p);
	return rc;
}

char *watch_which(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL, *found = NULL;

	if (strchr(prog, '/'))
		return access(prog, X_OK) ? NULL : pf_xstrdup(prog);
	copy = pf_xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = pf_path_join(*d ? d : ".", prog);
		struct stat st;

		if (!stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK))
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

int watch_run(const char *const *argv, int timeout_s, struct pf_buf *out, int *status, struct pf_err *e)
{
	posix_spawn_file_actions_t fa;
	int pfd[2] = { -1, -1 }, rc = 0, st = 0, timed_out = 0;
	long long deadline = 0;
	pid_t pid;

	*status = -1;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return pf_error(e, PF_EIO, "pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc) {
		close(pfd[0]);
		return pf_error(e, PF_ENOTFOUND, "'%s': cannot run: %s", argv[0], strerror(rc));
	}
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		deadline = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + (long long)timeout_s * 1000;
	}
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		struct timespec ts;
		long long now;
		char buf[4096];
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (now >= deadline) {
			timed_out = 1;
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, (int)(deadline - now)) < 0 && errno != EINTR)
			break;
		if (!p.revents)
			continue;
		n = read(pfd[0], buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out && out->len < RUN_OUT_MAX)
			pf_buf_add(out, buf, (size_t)n);
	}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		return pf_error(e, PF_EIO, "'%s': did not finish within %d seconds", argv[0], timeout_s);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (out)
		pf_buf_cstr(out);
	return 0;
}

int watch_notify_desktop(const char *title, const char *body, int *sent, struct pf_err *e)
{
	const char *argv[] = { "notify-send", "--app-name=pinfold", "--urgency=critical", title, body, NULL };
	char *prog = watch_which("notify-send");
	int status, rc = 0;

	*sent = 0;
	if (!prog || (!getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY") && !getenv("DBUS_SESSION_BUS_ADDRESS")))
		goto out;
	argv[0] = prog;
	rc = watch_run(argv, 10, NULL, &status, e);
	*sent = !rc && status == 0;
out:
	free(prog);
	return rc;
}
