/* SPDX-License-Identifier: MIT */
/* The sandbox's seccomp filter, after Flatpak's blocklist, compiled with libseccomp for bwrap --seccomp. */
#include <errno.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <unistd.h>

#include "run/run.h"

/*
 * Everything else is allowed: like Flatpak (common/flatpak-run.c,
 * setup_seccomp) this is a blocklist of what lets a process leave or widen
 * the sandbox, attack the terminal it shares, or reach rarely used kernel
 * code. EPERM for operations that are refused; ENOSYS for newer interfaces
 * that user space falls back from (clone3 -> clone, the new mount API ->
 * mount(2), io_uring -> plain syscalls). docs/run.md lists them.
 */
struct rule {
	int nr;
	int err;
	int nargs;
	struct scmp_arg_cmp arg[1];
};

#define R0(sys, err) { SCMP_SYS(sys), err, 0, { { 0 } } }
#define R1(sys, err, a) { SCMP_SYS(sys), err, 1, { a } }
/* clone(2) takes its flags first on x86_64 and most others (CONFIG_CLONE_BACKWARDS2 archs differ). */
#if defined(__s390__) || defined(__s390x__) || defined(__CRIS__)
#define CLONE_NS(flag) R1(clone, EPERM, SCMP_A1(SCMP_CMP_MASKED_EQ, flag, flag))
#else
#define CLONE_NS(flag) R1(clone, EPERM, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag))
#endif

static const struct rule rules[] = {
	/* the kernel log, accounting, quotas, 16-bit segments, an obsolete loader */
	R0(syslog, EPERM), R0(uselib, EPERM), R0(acct, EPERM), R0(quotactl, EPERM), R0(modify_ldt, EPERM),
	/* the kernel keyrings (they are not namespaced: host secrets live there) */
	R0(add_key, EPERM), R0(keyctl, EPERM), R0(request_key, EPERM),
	/* NUMA memory operations */
	R0(move_pages, EPERM), R0(mbind, EPERM), R0(get_mempolicy, EPERM), R0(set_mempolicy, EPERM),
	R0(migrate_pages, EPERM),
	/* no new namespaces, no changes to the mount table */
	R0(unshare, EPERM), R0(setns, EPERM), R0(mount, EPERM), R0(umount, EPERM), R0(umount2, EPERM),
	R0(pivot_root, EPERM), R0(chroot, EPERM),
	CLONE_NS(CLONE_NEWNS), CLONE_NS(CLONE_NEWCGROUP), CLONE_NS(CLONE_NEWUTS), CLONE_NS(CLONE_NEWIPC),
	CLONE_NS(CLONE_NEWUSER), CLONE_NS(CLONE_NEWPID), CLONE_NS(CLONE_NEWNET),
	/* seccomp cannot read clone3's flags: ENOSYS, and libc falls back to clone */
	R0(clone3, ENOSYS),
	R0(open_tree, ENOSYS), R0(move_mount, ENOSYS), R0(fsopen, ENOSYS), R0(fsconfig, ENOSYS),
	R0(fsmount, ENOSYS), R0(fspick, ENOSYS), R0(mount_setattr, ENOSYS),
	/*
	 * Typing into the terminal (CVE-2017-5226) and the console's selection
	 * buffer (CVE-2023-28100). The kernel reads the request as 32 bits, so
	 * only those are compared (CVE-2019-10063).
	 */
	R1(ioctl, EPERM, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, TIOCSTI)),
	R1(ioctl, EPERM, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, TIOCLINUX)),
	/* tracing, profiling, BPF, other kernels, io_uring, faults handled in user space */
	R0(ptrace, EPERM), R0(perf_event_open, EPERM), R0(bpf, EPERM), R0(userfaultfd, EPERM),
	R0(kexec_load, EPERM), R0(kexec_file_load, EPERM),
	R0(io_uring_setup, ENOSYS), R0(io_uring_enter, ENOSYS), R0(io_uring_register, ENOSYS),
	/* execution domains other than Linux's own (as Flatpak: asking, 0xffffffff, is refused too) */
	R1(personality, EPERM, SCMP_A0(SCMP_CMP_NE, PER_LINUX)),
};

/* Socket families allowed; every other one (and any value with high bits set) gets EAFNOSUPPORT. */
static const int families[] = { AF_UNIX, AF_INET, AF_INET6 };	/* ascending */

static int fail(struct pf_err *e, const char *what, int r)
{
	return pf_error(e, PF_EINTERNAL, "seccomp filter: %s: %s", what, strerror(r < 0 ? -r : r));
}

int run_seccomp_fd(int *out, size_t *ninsns, struct pf_err *e)
{
	scmp_filter_ctx ctx = NULL;
	int fd = -1, r, rc = 0, next = 0;
	off_t len;

	*out = -1;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return pf_error(e, PF_EINTERNAL, "seccomp filter: libseccomp could not start a filter");
	/* Only the native ABI: a 32-bit or x32 system call ends the process (no socketcall bypass). */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0) {
		rc = fail(e, "setting the action for other ABIs", r);
		goto out;
	}
	for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
		const struct rule *x = &rules[i];

		r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO((unsigned)x->err), x->nr, (unsigned)x->nargs, x->arg);
		if (r == -EFAULT && x->nr < 0)
			continue;	/* a system call this architecture does not have (umount on x86_64) */
		if (r < 0) {
			char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, x->nr);

			rc = pf_error(e, PF_EINTERNAL, "seccomp filter: cannot block '%s': %s", name ? name : "?",
				      strerror(-r));
			free(name);
			goto out;
		}
	}
	/* _exact: libseccomp must not rewrite these (socketcall multiplexing) into something weaker. */
	for (size_t i = 0; i < sizeof families / sizeof *families; i++) {
		for (int f = next; f < families[i] && !rc; f++) {
			r = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
						   SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)f));
			if (r < 0)
				rc = fail(e, "socket families", r);
		}
		next = families[i] + 1;
	}
	if (!rc) {
		r = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
					   SCMP_A0(SCMP_CMP_GE, (scmp_datum_t)next));
		if (r < 0)
			rc = fail(e, "socket families", r);
	}
	if (rc)
		goto out;
	fd = memfd_create("pinfold-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		rc = fail(e, "memfd_create", errno);
		goto out;
	}
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0) {
		rc = fail(e, "exporting the program", r);
		goto out;
	}
	len = lseek(fd, 0, SEEK_CUR);
	if (len <= 0 || lseek(fd, 0, SEEK_SET) != 0) {
		rc = fail(e, "exporting the program", len < 0 ? errno : EIO);
		goto out;
	}
	if (ninsns)
		*ninsns = (size_t)len / 8;	/* struct sock_filter */
	*out = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return rc;
}
