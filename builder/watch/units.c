/* SPDX-License-Identifier: MIT */
/* Generating and installing the systemd user units (or the crontab line) of the daily watch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "watch/notify.h"
#include "watch/units.h"

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int check_cmd(const struct watch_cmd *cmd, struct pf_err *e)
{
	if (cmd->exe[0] != '/')
		return pf_error(e, PF_EUSAGE, "'%s': the watch needs pinfold's absolute path", cmd->exe);
	if (has_control(cmd->exe))
		return pf_error(e, PF_EUSAGE, "'%s': control characters in pinfold's path", cmd->exe);
	for (size_t i = 0; i < cmd->nargs; i++)
		if (has_control(cmd->args[i]))
			return pf_error(e, PF_EUSAGE, "an option for the watch holds control characters");
	return 0;
}

/* One word of a systemd command line: plain when safe, else double-quoted; '%' and '$' doubled. */
static void unit_word(struct pf_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._:=+@,-") == n) {
		pf_buf_adds(b, s);
		return;
	}
	pf_buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			pf_buf_addc(b, '\\');
		if (*s == '%' || *s == '$')
			pf_buf_addc(b, *s);
		pf_buf_addc(b, *s);
	}
	pf_buf_addc(b, '"');
}

int watch_unit_texts(const struct watch_cmd *cmd, struct pf_buf *service, struct pf_buf *timer, struct pf_err *e)
{
	int rc = check_cmd(cmd, e);

	if (rc)
		return rc;
	pf_buf_adds(service,
		    "# Written by 'pinfold watch --install'; removed by 'pinfold watch --uninstall'.\n"
		    "[Unit]\n"
		    "Description=pinfold: update signed advisories, audit every environment used here\n"
		    "\n"
		    "[Service]\n"
		    "Type=oneshot\n"
		    "ExecStart=");
	unit_word(service, cmd->exe);
	for (size_t i = 0; i < cmd->nargs; i++) {
		pf_buf_addc(service, ' ');
		unit_word(service, cmd->args[i]);
	}
	/* exit 1 means "something is affected": the notice and notification did their job */
	pf_buf_adds(service, " watch --run\n"
		    "SuccessExitStatus=1\n"
		    "Nice=10\n"
		    "IOSchedulingClass=idle\n"
		    "NoNewPrivileges=yes\n"
		    "PrivateTmp=yes\n");
	pf_buf_adds(timer,
		    "# Written by 'pinfold watch --install'; removed by 'pinfold watch --uninstall'.\n"
		    "[Unit]\n"
		    "Description=Daily pinfold advisories update and audit of every environment used here\n"
		    "\n"
		    "[Timer]\n"
		    "OnCalendar=daily\n"
		    "RandomizedDelaySec=1h\n"
		    "Persistent=true\n"
		    "\n"
		    "[Install]\n"
		    "WantedBy=timers.target\n");
	return 0;
}

/* sh single quotes, with cron's '%' escaped (cron turns a bare '%' into a newline). */
static void cron_word(struct pf_buf *b, const char *s)
{
	pf_buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			pf_buf_adds(b, "'\\''");
		else if (*s == '%')
			pf_buf_adds(b, "\\%");
		else
			pf_buf_addc(b, *s);
	}
	pf_buf_addc(b, '\'');
}

int watch_cron_line(const struct watch_cmd *cmd, const char *seed, struct pf_buf *line, struct pf_err *e)
{
	unsigned h = 5381;
	int rc = check_cmd(cmd, e);

	if (rc)
		return rc;
	for (const char *s = seed; s && *s; s++)
		h = h * 33 ^ (unsigned char)*s;
	pf_buf_addf(line, "%u %u * * * ", h % 60, 9 + (h / 60) % 10);
	cron_word(line, cmd->exe);
	for (size_t i = 0; i < cmd->nargs; i++) {
		pf_buf_addc(line, ' ');
		cron_word(line, cmd->args[i]);
	}
	pf_buf_adds(line, " -q watch --run >/dev/null 2>&1 " WATCH_CRON_MARK);
	return 0;
}

char *watch_unit_dir(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (x && *x == '/')
		return pf_xasprintf("%s/systemd/user", x);
	return pf_xasprintf("%s/.config/systemd/user", home && *home ? home : "/");
}

int watch_user_manager(void)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char *p = rt && *rt == '/' ? pf_xasprintf("%s/systemd/private", rt) :
		  pf_xasprintf("/run/user/%u/systemd/private", (unsigned)getuid());
	struct stat st;
	int r = !stat(p, &st) && S_ISSOCK(st.st_mode);

	free(p);
	return r;
}

int watch_units_write(const char *dir, const struct watch_cmd *cmd, struct pf_err *e)
{
	struct pf_buf s = PF_BUF_INIT, t = PF_BUF_INIT;
	char *sp = pf_xasprintf("%s/" WATCH_UNIT ".service", dir), *tp = pf_xasprintf("%s/" WATCH_UNIT ".timer", dir);
	int rc = watch_unit_texts(cmd, &s, &t, e);

	if (!rc)
		rc = pf_mkdir_p(dir, 0755, e);
	/* the service first: a timer never points at a missing service */
	if (!rc)
		rc = pf_write_file(sp, s.p, s.len, 0644, e);
	if (!rc)
		rc = pf_write_file(tp, t.p, t.len, 0644, e);
	pf_buf_release(&s);
	pf_buf_release(&t);
	free(sp);
	free(tp);
	return rc;
}

int watch_units_remove(const char *dir, int *removed, struct pf_err *e)
{
	static const char *const ext[] = { ".timer", ".service" };
	int rc = 0;

	*removed = 0;
	for (size_t i = 0; i < 2 && !rc; i++) {
		char *p = pf_xasprintf("%s/" WATCH_UNIT "%s", dir, ext[i]);

		if (!unlink(p))
			(*removed)++;
		else if (errno != ENOENT)
			rc = pf_error(e, PF_EIO, "'%s': cannot remove: %s", p, strerror(errno));
		free(p);
	}
	return rc;
}

int watch_systemctl(const char *const *args, size_t nargs, struct pf_buf *out, int *status, struct pf_err *e)
{
	const char **argv = pf_xcalloc(nargs + 3, sizeof *argv);
	int rc;

	argv[0] = "systemctl";
	argv[1] = "--user";
	for (size_t i = 0; i < nargs; i++)
		argv[i + 2] = args[i];
	rc = watch_run(argv, 30, out, status, e);
	free(argv);
	return rc;
}

int watch_cron_set(const char *line, int *had, struct pf_err *e)
{
	const char *list[] = { "crontab", "-l", NULL };
	struct pf_buf cur = PF_BUF_INIT, next = PF_BUF_INIT;
	char *prog = watch_which("crontab"), *dir = NULL, *tmp = NULL;
	int status, rc;

	*had = 0;
	if (!prog)
		return pf_error(e, PF_ENOTFOUND, "no crontab program on PATH");
	list[0] = prog;
	rc = watch_run(list, 30, &cur, &status, e);
	if (rc)
		goto out;
	if (status) {
		cur.len = 0;	/* "no crontab for USER" */
		pf_buf_cstr(&cur);
	}
	for (char *s = cur.p, *nl; s && *s; s = nl ? nl + 1 : s + strlen(s)) {
		size_t n;

		nl = strchr(s, '\n');
		n = nl ? (size_t)(nl - s) : strlen(s);
		if (n >= sizeof WATCH_CRON_MARK - 1 &&
		    !memcmp(s + n - (sizeof WATCH_CRON_MARK - 1), WATCH_CRON_MARK, sizeof WATCH_CRON_MARK - 1)) {
			*had = 1;
			continue;
		}
		pf_buf_add(&next, s, n);
		pf_buf_addc(&next, '\n');
	}
	if (line)
		pf_buf_addf(&next, "%s\n", line);
	if (!line && !*had)
		goto out;
	dir = pf_mkdtemp(getenv("TMPDIR") && *getenv("TMPDIR") == '/' ? getenv("TMPDIR") : "/tmp", "pinfold-cron-", e);
	if (!dir) {
		rc = -PF_EIO;
		goto out;
	}
	tmp = pf_path_join(dir, "crontab");
	rc = pf_write_file(tmp, next.p ? next.p : "", next.len, 0600, e);
	if (!rc) {
		const char *install[] = { prog, tmp, NULL };

		cur.len = 0;
		rc = watch_run(install, 30, &cur, &status, e);
		if (!rc && status)
			rc = pf_error(e, PF_EIO, "crontab refused the new table (exit %d): %s", status,
				      pf_buf_cstr(&cur));
	}
out:
	if (dir)
		pf_rm_rf(dir);
	free(dir);
	free(tmp);
	free(prog);
	pf_buf_release(&cur);
	pf_buf_release(&next);
	return rc;
}

int watch_cron_present(void)
{
	const char *list[] = { "crontab", "-l", NULL };
	struct pf_buf cur = PF_BUF_INIT;
	struct pf_err e = { 0 };
	char *prog = watch_which("crontab");
	int status, r = 0;

	if (prog) {
		list[0] = prog;
		r = !watch_run(list, 30, &cur, &status, &e) && !status && cur.p &&
		    strstr(cur.p, WATCH_CRON_MARK "\n");
	}
	free(prog);
	pf_buf_release(&cur);
	return r;
}
