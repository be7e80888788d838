/* SPDX-License-Identifier: MIT */
/* Running bubblewrap: its arguments through a file descriptor, signals passed on, the exit status passed back. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "run/run.h"

#define STR_(x) #x
#define STR(x) STR_(x)

int run_find_bwrap(char **out, struct pf_err *e)
{
	const char *path = getenv("PATH");
	char *dirs, *save = NULL;

	*out = NULL;
	dirs = pf_xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d && !*out; d = strtok_r(NULL, ":", &save)) {
		char *cand = pf_path_join(d, "bwrap");
		struct stat st;

		if (*d == '/' && !stat(cand, &st) && S_ISREG(st.st_mode) && !access(cand, X_OK))
			*out = cand;
		else
			free(cand);
	}
	free(dirs);
	if (!*out)
		return pf_error(e, PF_ENOTFOUND, "bubblewrap is not installed (no 'bwrap' on PATH): install Debian's "
				"'bubblewrap' package (apt-get install bubblewrap); pinfold never runs a command "
				"without its sandbox");
	return 0;
}

/* bwrap's options as NUL-separated words in a memfd (--args): none of them appear in the process list. */
static int args_fd(const struct run_plan *p, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	int fd = memfd_create("pinfold-bwrap-args", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return pf_error(e, PF_EIO, "memfd_create: %s", strerror(errno));
	for (size_t i = 0; i < p->nargs; i++) {
		pf_buf_add(&b, p->args[i].opt, strlen(p->args[i].opt) + 1);
		if (p->args[i].a)
			pf_buf_add(&b, p->args[i].a, strlen(p->args[i].a) + 1);
		if (p->args[i].b)
			pf_buf_add(&b, p->args[i].b, strlen(p->args[i].b) + 1);
	}
	pf_buf_addf(&b, "--seccomp%c%d%c--json-status-fd%c%d%c", 0, RUN_FD_SECCOMP, 0, 0, RUN_FD_STATUS, 0);
	while (off < b.len) {
		ssize_t w = write(fd, b.p + off, b.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int err = errno;

			close(fd);
			pf_buf_release(&b);
			return pf_error(e, PF_EIO, "bwrap arguments: %s", strerror(err));
		}
		off += (size_t)w;
	}
	pf_buf_release(&b);
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return pf_error(e, PF_EIO, "bwrap arguments: %s", strerror(errno));
	}
	return fd;
}

/* bwrap's own argv: its options come through RUN_FD_ARGS, the command stays visible. Caller frees. */
static char **bwrap_argv(const struct run_plan *p)
{
	char **argv = pf_xcalloc(p->cmd.n + 5, sizeof *argv);
	size_t n = 0;

	argv[n++] = (char *)"bwrap";
	argv[n++] = (char *)"--args";
	argv[n++] = (char *)STR(RUN_FD_ARGS);
	argv[n++] = (char *)"--";
	for (size_t i = 0; i < p->cmd.n; i++)
		argv[n++] = p->cmd.v[i];
	return argv;
}

/*
 * Start bwrap: a process group of its own (handed the terminal for a shell
 * on one), the signal mask pinfold started with, fds[i] at RUN_FD_ARGS,
 * RUN_FD_SECCOMP, RUN_FD_STATUS and every other descriptor above stderr
 * closed, an empty environment. posix_spawn (vfork-like) copies nothing of
 * pinfold's address space.
 */
static int spawn(const struct run_plan *p, const char *bwrap, char **argv, const int *fds, const sigset_t *oldmask,
		 pid_t *pid, struct pf_err *e)
{
	static const int want[3] = { RUN_FD_ARGS, RUN_FD_SECCOMP, RUN_FD_STATUS };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char *envp[] = { NULL };
	int hi[3] = { -1, -1, -1 }, rc = 0;

	/* Copies above the targets first, so that no dup2 overwrites a source still to be placed. */
	for (int i = 0; i < 3 && !rc; i++) {
		hi[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 16);
		if (hi[i] < 0)
			rc = errno;
	}
	if (rc) {
		for (int i = 0; i < 3; i++)
			if (hi[i] >= 0)
				close(hi[i]);
		return pf_error(e, PF_EIO, "cannot pass file descriptors to bwrap: %s", strerror(rc));
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	if (p->terminal)	/* after the new process group is made: give it the terminal */
		posix_spawn_file_actions_addtcsetpgrp_np(&fa, STDIN_FILENO);
	for (int i = 0; i < 3; i++)
		posix_spawn_file_actions_adddup2(&fa, hi[i], want[i]);
	posix_spawn_file_actions_addclosefrom_np(&fa, want[2] + 1);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, oldmask);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
	/* An empty environment: nothing of pinfold's reaches bwrap's /proc/PID/environ (pid 1 inside). */
	rc = posix_spawn(pid, bwrap, &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	for (int i = 0; i < 3; i++)
		close(hi[i]);
	if (rc)
		return pf_error(e, PF_EIO, "'%s': cannot execute: %s", bwrap, strerror(rc));
	return 0;
}

/* What bwrap reported on --json-status-fd: { "child-pid": N ... } then { "exit-code": N }. */
struct status {
	char buf[4096];
	size_t len;
	pid_t init;		/* the sandbox's pid 1, as the host sees it; 0 until known */
	int exit_code;		/* -1 until known */
};

static long field(const char *buf, const char *name)
{
	const char *s = strstr(buf, name);
	char *end;
	long v;

	if (!s)
		return -1;
	s += strlen(name);
	while (*s == ' ' || *s == ':')
		s++;
	v = strtol(s, &end, 10);
	return end == s ? -1 : v;
}

static void read_status(int fd, struct status *st)
{
	ssize_t n;

	while (st->len < sizeof st->buf - 1 &&
	       (n = read(fd, st->buf + st->len, sizeof st->buf - 1 - st->len)) > 0) {
		st->len += (size_t)n;
		st->buf[st->len] = '\0';
	}
	if (!st->init) {
		long v = field(st->buf, "\"child-pid\"");

		if (v > 0)
			st->init = (pid_t)v;
	}
	if (st->exit_code < 0) {
		long v = field(st->buf, "\"exit-code\"");

		if (v >= 0 && v <= 255)
			st->exit_code = (int)v;
	}
}

/* The parent pid of pid (from /proc/PID/stat), or -1. */
static pid_t ppid_of(pid_t pid)
{
	char path[64], buf[512], *close_paren;
	int fd, ppid = -1;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	close_paren = strrchr(buf, ')');
	if (!close_paren || sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

/*
 * Send sig to every process in the sandbox's pid namespace (found through
 * /proc/PID/ns/pid), not only to one process group: a shell's jobs and
 * daemonised children are reached too. Returns -1 when the namespace could
 * not be identified (the caller then kills the sandbox).
 */
static int signal_sandbox(pid_t bwrap, pid_t init, int sig)
{
	char path[64];
	struct stat ns, st;
	DIR *d;
	struct dirent *de;

	/* bwrap wrote the pid; a process of the sandbox cannot, but check that it is bwrap's child. */
	if (init <= 0 || ppid_of(init) != bwrap)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)init);
	if (stat(path, &ns))
		return -1;
	d = opendir("/proc");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || pid == init)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/ns/pid", pid);
		if (!stat(path, &st) && st.st_ino == ns.st_ino && st.st_dev == ns.st_dev)
			kill((pid_t)pid, sig);
	}
	closedir(d);
	return 0;
}

static void kill_sandbox(pid_t bwrap, pid_t init)
{
	/*
	 * Ending the namespace's pid 1 ends every process in it, and bwrap then
	 * reports that as the exit status; before there is a pid 1, bwrap
	 * itself goes (--die-with-parent takes whatever it started).
	 */
	if (init > 0 && ppid_of(init) == bwrap)
		kill(init, SIGKILL);
	else
		kill(bwrap, SIGKILL);
}

/*
 * After a signal: CALM -> GRACE (passed on, RUN_GRACE_MS to finish) ->
 * KILLED (pid 1 killed; bwrap gets KILL_WAIT_MS to report, then is killed).
 */
enum stage { CALM, GRACE, KILLED };
#define KILL_WAIT_MS 2000

static long long now_ms(void);

static void escalate(pid_t bwrap, const struct status *st, enum stage *stage, long long *deadline)
{
	if (*stage != KILLED) {
		kill_sandbox(bwrap, st->init);
		*stage = KILLED;
		*deadline = now_ms() + KILL_WAIT_MS;
	} else {
		kill(bwrap, SIGKILL);
		*deadline = -1;
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int read_sysctl(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoi(buf);
}

/* bwrap ended before the command started: say why when the cause is a known one, with its fix. */
static int setup_failed(const char *bwrap, int wstatus, struct pf_err *e)
{
	int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);

	if (read_sysctl("/proc/sys/user/max_user_namespaces") == 0)
		return pf_error(e, PF_EINTERNAL, "bubblewrap could not create the sandbox: user namespaces are "
				"disabled here (user.max_user_namespaces=0, as in many containers); enable them with "
				"'sysctl -w user.max_user_namespaces=15000' (in a container: on the host, or run the "
				"container with user namespaces allowed); the command was not run");
	if (geteuid() != 0 && read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
		return pf_error(e, PF_EINTERNAL, "bubblewrap could not create the sandbox: AppArmor restricts "
				"unprivileged user namespaces here (kernel.apparmor_restrict_unprivileged_userns=1, "
				"Ubuntu 23.10 and later); give '%s' an AppArmor profile that allows 'userns' "
				"(docs/run.md shows one) or set 'sysctl -w "
				"kernel.apparmor_restrict_unprivileged_userns=0'; the command was not run", bwrap);
	if (geteuid() != 0 && read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		return pf_error(e, PF_EINTERNAL, "bubblewrap could not create the sandbox: unprivileged user "
				"namespaces are off (kernel.unprivileged_userns_clone=0); enable them with 'sysctl -w "
				"kernel.unprivileged_userns_clone=1'; the command was not run");
	return pf_error(e, PF_EINTERNAL, "bubblewrap ('%s') could not set up the sandbox (exit %d; its message is "
			"above; pinfold needs bubblewrap 0.8 or later); the command was not run", bwrap, code);
}

/* The compiled filter (run_seccomp_fd) as bytes, to be written into bwrap's --seccomp pipe. */
static int filter_program(struct pf_buf *out, struct pf_err *e)
{
	int fd = -1, rc = run_seccomp_fd(&fd, NULL, e);
	char buf[4096];
	ssize_t n;

	if (rc)
		return rc;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		pf_buf_add(out, buf, (size_t)n);
	close(fd);
	/* One write of at most PIPE_BUF bytes is atomic: bwrap reads all of the filter or none. */
	if (n < 0 || !out->len || out->len > PIPE_BUF || out->len % 8)
		return pf_error(e, PF_EINTERNAL, "seccomp filter: %zu bytes, not a program of at most %d", out->len,
				PIPE_BUF);
	return 0;
}

/* The gate failed: end the sandbox before its command can start (bwrap's child is waiting for the filter). */
static void stop_before_start(pid_t bwrap, struct status *st, int statusfd)
{
	long long until = now_ms() + 5000;
	int ws;

	/* bwrap reports its child right after creating it; that child has no --die-with-parent yet. */
	while (!st->init && now_ms() < until && waitpid(bwrap, &ws, WNOHANG) == 0) {
		struct pollfd pf = { statusfd, POLLIN, 0 };

		if (poll(&pf, 1, 100) > 0)
			read_status(statusfd, st);
	}
	if (st->init > 0 && ppid_of(st->init) == bwrap)
		kill(st->init, SIGKILL);
	kill(bwrap, SIGKILL);
	waitpid(bwrap, &ws, 0);
}

/*
 * The allow-list's proxy, listening inside the sandbox's network namespace
 * (bwrap's child, reported on the status pipe, holds it). Called before
 * the filter is handed over, so the command cannot start before it listens;
 * any failure ends the sandbox before its command starts (fail closed).
 * *px stays NULL when bwrap ended before making its child: it then reports
 * its own failure, and nothing ran.
 */
static int start_proxy(const struct run_plan *p, pid_t bwrap, struct status *st, int statusfd,
		       struct run_proxy **px, struct pf_err *e)
{
	long long until = now_ms() + 15000;

	while (!st->init && now_ms() < until) {
		struct pollfd pf = { statusfd, POLLIN, 0 };
		siginfo_t si;

		si.si_pid = 0;
		if (!waitid(P_PID, (id_t)bwrap, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == bwrap)
			return 0;
		if (poll(&pf, 1, 50) > 0)
			read_status(statusfd, st);
	}
	if (!st->init || ppid_of(st->init) != bwrap)
		return pf_error(e, PF_EINTERNAL, "proxy: bubblewrap did not report its sandbox in time; the command was "
				"not run");
	return run_proxy_start(px, st->init, p->allow, p->nallow, p->netlog, e);
}

int run_plan_exec(const struct run_plan *p, const char *bwrap, run_gate_fn *gate, void *ud, int *status,
		  struct pf_err *e)
{
	struct run_proxy *px = NULL;
	struct status st = { .len = 0, .init = 0, .exit_code = -1 };
	struct pf_buf prog = PF_BUF_INIT;
	int fds[3] = { -1, -1, -1 }, pipefd[2] = { -1, -1 }, sc[2] = { -1, -1 }, sfd = -1, rc, wstatus = 0;
	int signalled = 0, masked = 0;
	long long deadline = -1;
	enum stage stage = CALM;
	sigset_t mask, oldmask;
	char **argv = NULL;
	pid_t pid = -1;

	*status = -1;
	st.buf[0] = '\0';
	if (p->home) {
		rc = pf_mkdir_p(p->home, 0700, e);
		if (rc)
			return rc;
	}
	if (p->netlog) {
		char *dir = pf_dirname(p->netlog);

		rc = pf_mkdir_p(dir, 0700, e);
		free(dir);
		if (rc)
			return rc;
	}
	rc = filter_program(&prog, e);
	if (rc)
		goto out;
	fds[0] = args_fd(p, e);
	if (fds[0] < 0) {
		rc = fds[0];
		goto out;
	}
	if (pipe2(pipefd, O_CLOEXEC) || pipe2(sc, O_CLOEXEC)) {
		rc = pf_error(e, PF_EIO, "pipe: %s", strerror(errno));
		goto out;
	}
	fds[1] = sc[0];
	fds[2] = pipefd[1];
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	masked = 1;
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		rc = pf_error(e, PF_EIO, "signalfd: %s", strerror(errno));
		goto out;
	}
	argv = bwrap_argv(p);
	fflush(NULL);
	rc = spawn(p, bwrap, argv, fds, &oldmask, &pid, e);
	if (rc) {
		pid = -1;
		goto out;
	}
	close(pipefd[1]);
	close(sc[0]);
	pipefd[1] = sc[0] = fds[1] = fds[2] = -1;
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	/* While bwrap builds the sandbox: the proxy, the gate, then the filter, without which bwrap starts nothing. */
	if (p->nallow && (rc = start_proxy(p, pid, &st, pipefd[0], &px, e)) < 0) {
		stop_before_start(pid, &st, pipefd[0]);
		goto out;
	}
	if (gate && (rc = gate(ud, e)) < 0) {
		stop_before_start(pid, &st, pipefd[0]);
		goto out;
	}
	{
		/* bwrap may be gone already (it failed): EPIPE then, its exit status tells the rest. */
		struct sigaction ign = { .sa_handler = SIG_IGN }, old;
		ssize_t w;

		sigaction(SIGPIPE, &ign, &old);
		w = write(sc[1], prog.p, prog.len);
		if (w != (ssize_t)prog.len && !(w < 0 && errno == EPIPE))
			rc = pf_error(e, PF_EIO, "seccomp filter: cannot pass it to bwrap: %s",
				      w < 0 ? strerror(errno) : "short write");
		sigaction(SIGPIPE, &old, NULL);
		if (rc) {
			stop_before_start(pid, &st, pipefd[0]);
			goto out;
		}
	}
	close(sc[1]);
	sc[1] = -1;
	for (;;) {
		struct pollfd pf[2] = { { sfd, POLLIN, 0 }, { pipefd[0], POLLIN, 0 } };
		int timeout = deadline < 0 ? -1 : (int)(deadline - now_ms() > 0 ? deadline - now_ms() : 0);
		struct signalfd_siginfo si;

		if (poll(pf, pipefd[0] >= 0 ? 2 : 1, timeout) < 0 && errno != EINTR) {
			rc = pf_error(e, PF_EIO, "poll: %s", strerror(errno));
			kill(pid, SIGKILL);
			waitpid(pid, &wstatus, 0);
			break;
		}
		if (pipefd[0] >= 0 && pf[1].revents) {
			read_status(pipefd[0], &st);
			if (pf[1].revents & (POLLHUP | POLLERR)) {
				close(pipefd[0]);
				pipefd[0] = -1;
			}
		}
		while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
			int sig = (int)si.ssi_signo;

			if (sig == SIGCHLD)
				continue;
			if (stage == CALM) {
				signalled = sig;
				stage = GRACE;
				deadline = now_ms() + RUN_GRACE_MS;
				if (st.init > 0 && !signal_sandbox(pid, st.init, sig))
					continue;
			}
			if (stage != KILLED)
				escalate(pid, &st, &stage, &deadline);
		}
		if (deadline >= 0 && now_ms() >= deadline)
			escalate(pid, &st, &stage, &deadline);
		if (waitpid(pid, &wstatus, WNOHANG) == pid)
			break;
	}
	if (pipefd[0] >= 0)
		read_status(pipefd[0], &st);
	if (rc)
		goto out;
	if (st.exit_code >= 0)
		*status = st.exit_code;
	else if (signalled)
		*status = 128 + signalled;
	else
		rc = setup_failed(bwrap, wstatus, e);
out:
	run_proxy_stop(px);	/* the sandbox is gone: nothing is left to connect */
	if (pid > 0 && p->terminal) {
		/* Take the terminal back (the shell may have been killed while it held it). */
		struct sigaction ign = { .sa_handler = SIG_IGN }, old;

		sigaction(SIGTTOU, &ign, &old);
		tcsetpgrp(STDIN_FILENO, getpgrp());
		sigaction(SIGTTOU, &old, NULL);
	}
	if (sfd >= 0)
		close(sfd);
	if (masked)
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (int i = 0; i < 2; i++) {
		if (pipefd[i] >= 0 && pipefd[i] != fds[2])
			close(pipefd[i]);
		if (sc[i] >= 0 && sc[i] != fds[1])
			close(sc[i]);
	}
	free(argv);
	pf_buf_release(&prog);
	return rc;
}
