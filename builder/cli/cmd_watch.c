/* SPDX-License-Identifier: MIT */
/* pinfold watch: a daily timer that updates advisories, audits every environment and tells the user. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/watch.h"
#include "core/file.h"
#include "core/time.h"
#include "watch/audit.h"
#include "watch/notify.h"
#include "watch/units.h"

static void usage(FILE *f)
{
	cli_print_usage(f, "watch");
	fputs("\nA daily job that runs 'pinfold advisories update' and 'pinfold audit --all' and, when an\n"
	      "environment used on this machine turns out to contain a revoked package, tells you: a desktop\n"
	      "notification (notify-send), a notice at the next 'pinfold run', 'shell' or activation, and\n"
	      "the file STATE/watch/notice.\n"
	      "\noptions:\n"
	      "  --install      write a systemd user timer and service (pinfold-watch.timer/.service in\n"
	      "                 $XDG_CONFIG_HOME/systemd/user) and enable the timer; without a systemd user\n"
	      "                 manager, add a daily line to your crontab instead\n"
	      "  --no-enable    with --install: write the units only (enable them yourself later)\n"
	      "  --uninstall    disable and remove the units and the crontab line\n"
	      "  --status       what is installed, enabled, the last run and any pending notice\n"
	      "  --run          what the timer runs: update, audit --all, notify (exit 1 when affected)\n"
	      "  --ack          stop showing the current notice (it comes back for new findings)\n"
	      "The global --state-dir, --trust, --trust-dir and --root given with --install are kept in the job.\n", f);
}

/* pinfold's own absolute path, for the units. */
static char *self_exe(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

	if (n <= 0 || (size_t)n >= sizeof buf - 1)
		return NULL;
	buf[n] = '\0';
	return pf_xstrdup(buf);
}

static char *absolute(const char *p)
{
	char *r = realpath(p, NULL);

	if (r)
		return r;
	if (p[0] == '/')
		return pf_xstrdup(p);
	{
		char cwd[4096];

		return getcwd(cwd, sizeof cwd) ? pf_path_join(cwd, p) : pf_xstrdup(p);
	}
}

/* The global options the job keeps: the state dir always (absolute), --trust and --trust-dir as given. */
static void job_args(struct cli *c, struct pf_strv *args)
{
	pf_strv_push(args, "--state-dir");
	pf_strv_push_owned(args, absolute(c->ctx.state_dir));
	for (size_t i = 0; i < c->ctx.trust_files.n; i++) {
		pf_strv_push(args, "--trust");
		pf_strv_push_owned(args, absolute(c->ctx.trust_files.v[i]));
	}
	if (c->ctx.trust_dir) {
		pf_strv_push(args, "--trust-dir");
		pf_strv_push_owned(args, absolute(c->ctx.trust_dir));
	}
	if (c->ctx.root_file) {
		pf_strv_push(args, "--root");
		pf_strv_push_owned(args, absolute(c->ctx.root_file));
	}
}

static int systemctl(struct cli *c, const char *a, const char *b, const char *d)
{
	const char *args[3] = { a, b, d };
	struct pf_buf out = PF_BUF_INIT;
	struct pf_err e = { 0 };
	int status = -1;

	if (watch_systemctl(args, d ? 3 : b ? 2 : 1, &out, &status, &e))
		cli_warn(c, "%s", e.msg);
	else if (status)
		cli_debug(c, "systemctl --user %s %s: exit %d: %s", a, b ? b : "", status, pf_buf_cstr(&out));
	pf_buf_release(&out);
	return status;
}

static int install(struct cli *c, int enable)
{
	struct pf_strv args = PF_STRV_INIT;
	struct watch_cmd cmd;
	char *exe = self_exe(), *dir = watch_unit_dir();
	int rc = 0;

	if (!exe) {
		rc = pf_error(&c->err, PF_EIO, "cannot find pinfold's own path (/proc/self/exe)");
		goto out;
	}
	job_args(c, &args);
	cmd.exe = exe;
	cmd.args = (const char *const *)args.v;
	cmd.nargs = args.n;
	if (!enable || watch_user_manager()) {
		rc = watch_units_write(dir, &cmd, &c->err);
		if (rc)
			goto out;
		cli_info(c, "wrote %s/" WATCH_UNIT ".service and " WATCH_UNIT ".timer", dir);
		if (!enable) {
			cli_info(c, "not enabled; to enable: systemctl --user daemon-reload && systemctl --user enable "
				 "--now " WATCH_UNIT ".timer");
			goto out;
		}
		systemctl(c, "daemon-reload", NULL, NULL);
		if (systemctl(c, "enable", "--now", WATCH_UNIT ".timer")) {
			rc = pf_error(&c->err, PF_EIO, "systemctl --user enable --now " WATCH_UNIT ".timer failed "
				      "(run it with -v for its output)");
			goto out;
		}
		cli_info(c, "enabled " WATCH_UNIT ".timer: advisories update and audit --all run daily");
	} else {
		struct pf_buf line = PF_BUF_INIT;
		int had;

		rc = watch_cron_line(&cmd, c->ctx.state_dir, &line, &c->err);
		if (!rc)
			rc = watch_cron_set(line.p, &had, &c->err);
		if (rc == -PF_ENOTFOUND) {
			pf_err_clear(&c->err);
			rc = pf_error(&c->err, PF_ENOTFOUND, "no systemd user manager and no crontab on this machine; "
				      "'pinfold watch --install --no-enable' writes the units for a later login");
		}
		if (!rc)
			cli_info(c, "%s the daily crontab line (no systemd user manager here): %s",
				 had ? "replaced" : "added", line.p);
		pf_buf_release(&line);
	}
out:
	pf_strv_release(&args);
	free(exe);
	free(dir);
	return rc ? cli_fail(c, rc) : 0;
}

static int uninstall(struct cli *c)
{
	char *dir = watch_unit_dir(), *timer = pf_xasprintf("%s/" WATCH_UNIT ".timer", dir);
	int removed = 0, had = 0, manager = watch_user_manager(), rc = 0;

	if (manager && pf_exists(timer))
		systemctl(c, "disable", "--now", WATCH_UNIT ".timer");
	rc = watch_units_remove(dir, &removed, &c->err);
	if (!rc && removed) {
		cli_info(c, "removed %d unit file%s from %s", removed, removed == 1 ? "" : "s", dir);
		if (manager)
			systemctl(c, "daemon-reload", NULL, NULL);
	}
	if (!rc) {
		struct pf_err e = { 0 };

		if (watch_cron_set(NULL, &had, &e) && e.code != PF_ENOTFOUND)
			rc = pf_error(&c->err, e.code, "%s", e.msg);
		else if (had)
			cli_info(c, "removed the crontab line");
	}
	if (!rc && !removed && !had)
		cli_info(c, "the watch was not installed; nothing to remove");
	free(dir);
	free(timer);
	return rc ? cli_fail(c, rc) : 0;
}

static int status(struct cli *c)
{
	char *dir = watch_unit_dir(), *svc = pf_xasprintf("%s/" WATCH_UNIT ".service", dir);
	char *tim = pf_xasprintf("%s/" WATCH_UNIT ".timer", dir), *lastp = pf_path_join(c->ctx.state_dir,
											    WATCH_LAST_RUN_FILE);
	struct pf_buf last = PF_BUF_INIT, notice = PF_BUF_INIT, out = PF_BUF_INIT;
	struct pf_err e = { 0 };
	int units = pf_exists(svc) && pf_exists(tim), manager = watch_user_manager(), cron = watch_cron_present();
	int enabled = -1, has_notice, has_last;

	if (manager && units) {
		const char *args[] = { "is-enabled", WATCH_UNIT ".timer" };
		int st;

		enabled = !watch_systemctl(args, 2, &out, &st, &e) && st == 0;
	}
	has_last = !pf_read_file(lastp, PF_MAX_SMALL, &last, &e);
	pf_err_clear(&e);
	has_notice = !watch_notice_read(c->ctx.state_dir, &notice, &e);
	if (has_last && last.len && last.p[last.len - 1] == '\n')
		last.p[--last.len] = '\0';
	if (c->json) {
		printf("{\"units\":%s,\"unit_dir\":", units ? "true" : "false");
		cli_json_str(stdout, dir);
		printf(",\"user_manager\":%s,\"enabled\":%s,\"cron\":%s,\"last_run\":", manager ? "true" : "false",
		       enabled < 0 ? "null" : enabled ? "true" : "false", cron ? "true" : "false");
		if (has_last)
			cli_json_str(stdout, last.p);
		else
			printf("null");
		printf(",\"notice\":");
		if (has_notice)
			cli_json_str(stdout, notice.p);
		else
			printf("null");
		printf("}\n");
	} else {
		cli_out(c, "units: %s (%s)%s", units ? "installed" : "not installed", dir,
			enabled < 0 ? (units && !manager ? ", no systemd user manager to run them" : "") :
			enabled ? ", timer enabled" : ", timer not enabled");
		cli_out(c, "crontab line: %s", cron ? "installed" : "none");
		cli_out(c, "last run: %s", has_last ? last.p : "never");
		cli_out(c, "notice: %s", has_notice ? "pending (shown at the next run, shell and activation; "
			"'pinfold watch --ack' clears it)" : "none");
	}
	pf_buf_release(&last);
	pf_buf_release(&notice);
	pf_buf_release(&out);
	free(dir);
	free(svc);
	free(tim);
	free(lastp);
	return 0;
}

struct run_ctx {
	size_t fresh;
	int notified;
};

static int after_audit(struct cli *c, const struct watch_audit *a, void *ud)
{
	struct run_ctx *r = ud;
	struct pf_buf text = PF_BUF_INIT;
	struct pf_err e = { 0 };

	if (watch_notice_update(c->ctx.state_dir, a, c->ctx.now, &r->fresh, &e)) {
		cli_warn(c, "cannot write the notice: %s", e.msg);
		return 3;
	}
	if (r->fresh && !watch_notice_read(c->ctx.state_dir, &text, &e)) {
		char *body = pf_xasprintf("%zu environment%s used on this machine contain%s revoked packages; run "
					  "'pinfold audit --all' to see which, and what to rotate", a->affected,
					  a->affected == 1 ? "" : "s", a->affected == 1 ? "s" : "");

		if (watch_notify_desktop("pinfold: revoked packages in environments you used", body, &r->notified,
					 &e))
			cli_debug(c, "no desktop notification: %s", e.msg);
		free(body);
		cli_info(c, "%zu new finding%s: notice written to %s/" WATCH_NOTICE_FILE "%s", r->fresh,
			 r->fresh == 1 ? "" : "s", c->ctx.state_dir, r->notified ? ", desktop notified" : "");
	}
	pf_buf_release(&text);
	return 0;
}

static int run(struct cli *c)
{
	struct run_ctx r = { 0, 0 };
	char when[PF_TIME_STR], *line, *p = pf_path_join(c->ctx.state_dir, WATCH_LAST_RUN_FILE), *dir = pf_dirname(p);
	struct pf_err e = { 0 };
	int upd, aud;

	upd = cli_advisories_update(c, NULL);
	if (upd)
		cli_warn(c, "the advisories could not all be updated; auditing with the copies kept here");
	aud = cli_audit_all(c, after_audit, &r);
	pf_time_format(c->ctx.now, when);
	line = pf_xasprintf("%s update=%s audit=%s new=%zu\n", when, upd ? "failed" : "ok",
			    aud == 0 ? "clean" : aud == 1 ? "affected" : "failed", r.fresh);
	if (pf_mkdir_p(dir, 0700, &e) || pf_write_file(p, line, strlen(line), 0600, &e))
		cli_warn(c, "%s", e.msg);
	free(line);
	free(p);
	free(dir);
	return aud ? aud : upd;
}

int cmd_watch(struct cli *c, int argc, char **argv)
{
	enum { OPT_INSTALL = 256, OPT_UNINSTALL, OPT_STATUS, OPT_RUN, OPT_ACK, OPT_NO_ENABLE };
	static const struct option opts[] = {
		{ "install", no_argument, NULL, OPT_INSTALL },
		{ "uninstall", no_argument, NULL, OPT_UNINSTALL },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "run", no_argument, NULL, OPT_RUN },
		{ "ack", no_argument, NULL, OPT_ACK },
		{ "no-enable", no_argument, NULL, OPT_NO_ENABLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, action = 0, no_enable = 0, rc;

	if ((rc = cli_watch_state(c, argc, argv)))
		return rc;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': usage(stdout); return 0;
		case OPT_NO_ENABLE: no_enable = 1; break;
		case OPT_INSTALL: case OPT_UNINSTALL: case OPT_STATUS: case OPT_RUN: case OPT_ACK:
			if (action && action != opt)
				return cli_usage(c, "watch", "watch: give one of --install, --uninstall, --status, --run, --ack");
			action = opt;
			break;
		default: return cli_bad_option(c, "watch", argv);
		}
	}
	if (optind != argc)
		return cli_usage(c, "watch", "watch: unexpected argument '%s'", argv[optind]);
	if (!action)
		return cli_usage(c, "watch", "watch: give one of --install, --uninstall, --status, --run, --ack");
	if (no_enable && action != OPT_INSTALL)
		return cli_usage(c, "watch", "--no-enable goes with --install");
	switch (action) {
	case OPT_INSTALL: return install(c, !no_enable);
	case OPT_UNINSTALL: return uninstall(c);
	case OPT_STATUS: return status(c);
	case OPT_RUN: return run(c);
	default:
		rc = watch_notice_clear(c->ctx.state_dir, &c->err);
		if (!rc)
			cli_info(c, "the notice is cleared; new findings bring it back");
		return rc ? cli_fail(c, rc) : 0;
	}
}
