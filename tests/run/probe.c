/* SPDX-License-Identifier: MIT */
/* Test program (static, run inside and outside the sandbox): tries each system call the filter blocks. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Each line is "NAME RESULT": RESULT is "ok" when the call did what it asks
 * for, else the errno name. Arguments are chosen so that an unfiltered call
 * either succeeds harmlessly or fails with an errno the filter does not use
 * (EBADF, EFAULT, EINVAL, ENOTTY, ENOKEY), so the filter's EPERM/ENOSYS/
 * EAFNOSUPPORT can be told apart. Every call runs in a child of its own.
 */

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOSYS: return "ENOSYS";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EBADF: return "EBADF";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case ENOSPC: return "ENOSPC";
	case EIO: return "EIO";
	case EROFS: return "EROFS";
	case ENOKEY: return "ENOKEY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case ENOTDIR: return "ENOTDIR";
	default: return "EOTHER";
	}
}

static long sys(long nr, long a, long b, long c, long d, long e)
{
	return syscall(nr, a, b, c, d, e, 0);
}

/* A pty slave that is the caller's controlling terminal (TIOCSTI is allowed on one's own terminal). */
static int own_tty(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY), s;

	if (m < 0 || grantpt(m) || unlockpt(m))
		return -1;
	if (setsid() < 0)
		return -1;
	s = open(ptsname(m), O_RDWR);	/* no O_NOCTTY: becomes the controlling terminal */
	return s;
}

static long try(const char *name)
{
	char c = 'x';
	int fd;

	if (!strcmp(name, "tiocsti")) {
		fd = own_tty();
		return fd < 0 ? -2 : ioctl(fd, TIOCSTI, &c);
	}
	if (!strcmp(name, "tiocsti-high-bits")) {
		fd = own_tty();
		return fd < 0 ? -2 : sys(SYS_ioctl, fd, (long)(TIOCSTI | 0x100000000UL), (long)&c, 0, 0);
	}
	if (!strcmp(name, "tioclinux")) {
		char sub = 12;	/* TIOCL_GETSHIFTSTATE: harmless; ENOTTY/EINVAL on a pty */

		fd = own_tty();
		return fd < 0 ? -2 : ioctl(fd, TIOCLINUX, &sub);
	}
	if (!strcmp(name, "keyctl"))
		return sys(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -2 /* process keyring */, 0, 0, 0);
	if (!strcmp(name, "add_key"))
		return sys(SYS_add_key, (long)"user", (long)"pinfold-probe", (long)"x", 1, -2);
	if (!strcmp(name, "request_key"))
		return sys(SYS_request_key, (long)"user", (long)"pinfold-probe-none", 0, 0, 0);
	if (!strcmp(name, "mount"))
		return mount("none", "/tmp", "tmpfs", 0, NULL);
	if (!strcmp(name, "umount2"))
		return umount2("/tmp", MNT_DETACH);
	if (!strcmp(name, "pivot_root"))
		return sys(SYS_pivot_root, (long)"/nonexistent-a", (long)"/nonexistent-b", 0, 0, 0);
	if (!strcmp(name, "chroot"))
		return chroot("/");
	if (!strcmp(name, "unshare-user"))
		return unshare(CLONE_NEWUSER);
	if (!strcmp(name, "unshare-files"))
		return unshare(CLONE_FILES);
	if (!strcmp(name, "setns"))
		return setns(-1, 0);
	if (!strcmp(name, "clone-newuser") || !strcmp(name, "clone-newnet") || !strcmp(name, "clone-newns") ||
	    !strcmp(name, "clone-newpid")) {
		long flags = SIGCHLD | (name[9] == 'u' ? CLONE_NEWUSER : name[9] == 'n' && name[10] == 'e' ?
					CLONE_NEWNET : name[9] == 'n' ? CLONE_NEWNS : CLONE_NEWPID);
		long r = sys(SYS_clone, flags, 0, 0, 0, 0);

		if (r == 0)
			_exit(0);
		if (r > 0)
			waitpid((pid_t)r, NULL, 0);
		return r > 0 ? 0 : r;
	}
	if (!strcmp(name, "clone3")) {
		struct clone_args a;
		long r;

		memset(&a, 0, sizeof a);
		a.exit_signal = SIGCHLD;
		r = sys(SYS_clone3, (long)&a, sizeof a, 0, 0, 0);
		if (r == 0)
			_exit(0);
		if (r > 0)
			waitpid((pid_t)r, NULL, 0);
		return r > 0 ? 0 : r;
	}
	if (!strcmp(name, "fsopen"))
		return sys(SYS_fsopen, (long)"tmpfs", 0, 0, 0, 0);
	if (!strcmp(name, "fsconfig"))
		return sys(SYS_fsconfig, -1, 0, 0, 0, 0);
	if (!strcmp(name, "fsmount"))
		return sys(SYS_fsmount, -1, 0, 0, 0, 0);
	if (!strcmp(name, "fspick"))
		return sys(SYS_fspick, -1, (long)"", 0, 0, 0);
	if (!strcmp(name, "move_mount"))
		return sys(SYS_move_mount, -1, (long)"", -1, (long)"", 0);
	if (!strcmp(name, "open_tree"))
		return sys(SYS_open_tree, -1, (long)"", 0, 0, 0);
	if (!strcmp(name, "mount_setattr"))
		return sys(SYS_mount_setattr, -1, (long)"", 0, 0, 0);
	if (!strcmp(name, "perf_event_open"))
		return sys(SYS_perf_event_open, 0, 0, -1, -1, 0);
	if (!strcmp(name, "ptrace"))
		return sys(SYS_ptrace, 0x4206 /* PTRACE_SEIZE */, getppid(), 0, 0, 0);
	if (!strcmp(name, "bpf"))
		return sys(SYS_bpf, 0 /* BPF_MAP_CREATE */, 0, 0, 0, 0);
	if (!strcmp(name, "kexec_load"))
		return sys(SYS_kexec_load, 0, 0, 0, 0, 0);
	if (!strcmp(name, "kexec_file_load"))
		return sys(SYS_kexec_file_load, -1, -1, 0, 0, 0);
	if (!strcmp(name, "io_uring_setup"))
		return sys(SYS_io_uring_setup, 1, 0, 0, 0, 0);
	if (!strcmp(name, "userfaultfd"))
		return sys(SYS_userfaultfd, 0, 0, 0, 0, 0);
	if (!strcmp(name, "personality-linux32"))
		return personality(PER_LINUX32);
	if (!strcmp(name, "personality-no-aslr"))
		return personality(ADDR_NO_RANDOMIZE);
	if (!strcmp(name, "personality-linux"))
		return personality(PER_LINUX);
	if (!strcmp(name, "socket-unix"))
		return socket(AF_UNIX, SOCK_STREAM, 0);
	if (!strcmp(name, "socket-inet"))
		return socket(AF_INET, SOCK_STREAM, 0);
	if (!strcmp(name, "socket-inet6"))
		return socket(AF_INET6, SOCK_DGRAM, 0);
	if (!strcmp(name, "socket-netlink"))
		return socket(AF_NETLINK, SOCK_RAW, 0);
	if (!strcmp(name, "socket-packet"))
		return socket(AF_PACKET, SOCK_RAW, 0);
	if (!strcmp(name, "socket-vsock"))
		return socket(40 /* AF_VSOCK */, SOCK_STREAM, 0);
	if (!strcmp(name, "socket-netlink-high-bits"))
		return sys(SYS_socket, (long)(AF_NETLINK | 0x100000000UL), SOCK_RAW, 0, 0, 0);
	if (!strcmp(name, "syslog"))
		return sys(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, 0, 0, 0, 0);
	if (!strcmp(name, "acct"))
		return sys(SYS_acct, 0, 0, 0, 0, 0);
	if (!strcmp(name, "modify_ldt"))
		return sys(SYS_modify_ldt, 0, 0, 0, 0, 0);
	if (!strcmp(name, "get_mempolicy"))
		return sys(SYS_get_mempolicy, 0, 0, 0, 0, 0);
	fprintf(stderr, "probe: unknown call '%s'\n", name);
	exit(2);
}

static const char *const all[] = {
	"tiocsti", "tiocsti-high-bits", "tioclinux", "keyctl", "add_key", "request_key", "mount", "umount2",
	"pivot_root", "chroot", "unshare-user", "unshare-files", "setns", "clone-newuser", "clone-newnet",
	"clone-newns", "clone-newpid", "clone3", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
	"open_tree", "mount_setattr", "perf_event_open", "ptrace", "bpf", "kexec_load", "kexec_file_load",
	"io_uring_setup", "userfaultfd", "personality-linux32", "personality-no-aslr", "personality-linux",
	"socket-unix", "socket-inet", "socket-inet6", "socket-netlink", "socket-packet", "socket-vsock",
	"socket-netlink-high-bits", "syslog", "acct", "modify_ldt", "get_mempolicy", NULL,
};

int main(int argc, char **argv)
{
	const char *const *names = argc > 1 ? (const char *const *)argv + 1 : all;

	for (; *names; names++) {
		int p[2], st;
		char buf[32] = "";
		pid_t pid;

		if (pipe(p))
			return 1;
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			long r = try(*names);
			const char *res = r >= 0 ? "ok" : r == -2 ? "SETUP" : errname(errno);

			if (write(p[1], res, strlen(res)) < 0)
				_exit(1);
			_exit(0);
		}
		close(p[1]);
		if (read(p[0], buf, sizeof buf - 1) < 0)
			buf[0] = '\0';
		close(p[0]);
		waitpid(pid, &st, 0);
		if (!buf[0])
			snprintf(buf, sizeof buf, WIFSIGNALED(st) ? "SIGNAL%d" : "EXIT%d",
				 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		printf("%s %s\n", *names, buf);
	}
	return 0;
}
