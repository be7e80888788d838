/* SPDX-License-Identifier: MIT */
/* pinfold's entry point: global options, then one command from the table. */
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pf_config.h"
#include "cli/cli.h"
#include "core/datadir.h"
#include "core/file.h"
#include "core/time.h"

const struct command commands[] = {
	{ "key", cmd_key, "generate Ed25519 keys and show key ids",
	  "generate FILE | id FILE" },
	{ "trust", cmd_trust, "show, update (rotate) and sign the root of trust",
	  "show | update [--from DIR|URL] | sign FILE --key KEY..." },
	{ "catalog", cmd_catalog, "create, edit, sign and verify a catalog",
	  "init|add|import-debian|remove|list|sign|verify|revoke DIR ..." },
	{ "lock", cmd_lock, "resolve an image against its verified catalog into a lockfile",
	  "IMAGE [-o LOCKFILE] [--check] [--upgrade ECO:NAME]... [--upgrade-all]\n"
	  "                    [--relax-policy --reason TEXT]" },
	{ "why", cmd_why, "show why a package is in a lockfile",
	  "LOCKFILE ECOSYSTEM:NAME" },
	{ "build", cmd_build, "build a reproducible environment tarball from a lockfile",
	  "LOCKFILE -o OUT.tar.zst [--mirror DIR|URL]... [--cache DIR] [--jobs N]\n"
	  "                     [--bundle FILE.pfb] [--catalog DIR|URL] [--allow-revoked]\n"
	  "                     [--max-unpacked-size BYTES]" },
	{ "verify", cmd_verify, "check an environment against its manifest",
	  "TARGET [--lock LOCKFILE [--catalog DIR|URL]] [--against ENV.tar.zst]" },
	{ "audit", cmd_audit, "list packages that signed advisories revoke",
	  "TARGET [--catalog DIR|URL | --offline]\n"
	  "       pinfold audit --all" },
	{ "advisories", cmd_advisories, "fetch, verify and keep signed advisories; list them",
	  "update [--catalog DIR|URL] | show [NAME]" },
	{ "scan", cmd_scan, "find revoked packages installed, locked or cached anywhere",
	  "[PATH]... [--only KINDS] [--max-time SECONDS] [--max-depth N] [--max-entries N]" },
	{ "watch", cmd_watch, "a daily advisories update + audit --all that notifies you",
	  "--install [--no-enable] | --uninstall | --status | --run | --ack" },
	{ "registry", cmd_registry, "the environments this machine built, unpacked or ran",
	  "list | touch ENV [--how activate|touch] | forget PATH" },
	{ "unlock", cmd_unlock, "lift an environment's install constraints, with a reason",
	  "ENVDIR --reason TEXT" },
	{ "bundle", cmd_bundle, "create or verify an air-gap bundle",
	  "create LOCKFILE -o FILE.pfb [--mirror DIR|URL]... [--cache DIR]\n"
	  "                             [--catalog DIR|URL] [--jobs N]\n"
	  "       pinfold bundle verify FILE.pfb [--lock LOCKFILE]" },
	{ "export", cmd_export, "export an environment as an OCI image (with its SBOMs attached)",
	  "oci ENV.tar.zst|LOCKFILE -o DIR [--archive FILE.tar] [--compression gzip|zstd] [--tag NAME]\n"
	  "                    [--mirror DIR|URL]... [--cache DIR] [--catalog DIR|URL]" },
	{ "sbom", cmd_sbom, "write the SPDX or CycloneDX SBOM of a lockfile or an environment",
	  "LOCKFILE|ENV --format spdx-json|cyclonedx-json [-o FILE] [--catalog DIR|URL]\n"
	  "                    [--mirror DIR|URL]... [--cache DIR]" },
	{ "run", cmd_run, "run a command in a self-contained environment, in a sandbox",
	  "ENV [--project DIR] [--net] [--env NAME[=VALUE]]... [--ro PATH]...\n"
	  "                   [--rw PATH]... [--ephemeral] [--dry-run] [--allow-host PATTERN]...\n"
	  "                   [--agent NAME]... [--secret-file SRC:DEST]... [--] CMD [ARG]..." },
	{ "shell", cmd_shell, "start an interactive shell in a self-contained environment, in a sandbox",
	  "ENV [--project DIR] [--net] [--env NAME[=VALUE]]... [--ro PATH]...\n"
	  "                     [--rw PATH]... [--ephemeral] [--dry-run] [--allow-host PATTERN]...\n"
	  "                     [--agent NAME]... [--secret-file SRC:DEST]..." },
	{ "help", cmd_help, "show help for pinfold or a command", "[COMMAND]" },
	{ NULL, NULL, NULL, NULL },
};

static void emit(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	if (prefix)
		fputs(prefix, f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

int cli_fail(struct cli *c, int rc)
{
	if (rc >= 0)
		return 0;
	fflush(stdout);
	fprintf(stderr, "pinfold: error: %s\n", c->err.code ? c->err.msg : pf_strerror(rc));
	return pf_exit_status(rc);
}

int cli_usage(struct cli *c, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	(void)c;
	va_start(ap, fmt);
	emit(stderr, "pinfold: error: ", fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "usage: pinfold %s %s\n       (see 'pinfold %s --help')\n", cmd,
			strcmp(cmd, "help") ? "..." : "", cmd);
	return 2;
}

void cli_info(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet)
		return;
	va_start(ap, fmt);
	emit(stdout, NULL, fmt, ap);
	va_end(ap);
}

void cli_out(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	(void)c;
	va_start(ap, fmt);
	emit(stdout, NULL, fmt, ap);
	va_end(ap);
}

void cli_warn(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	(void)c;
	fflush(stdout);
	va_start(ap, fmt);
	emit(stderr, "pinfold: warning: ", fmt, ap);
	va_end(ap);
}

void cli_debug(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->verbose)
		return;
	va_start(ap, fmt);
	emit(stderr, "pinfold: ", fmt, ap);
	va_end(ap);
}

int cli_progress_on(const struct cli *c)
{
	if (c->progress == CLI_PROGRESS_ALWAYS)
		return 1;
	if (c->progress == CLI_PROGRESS_NEVER || c->quiet)
		return 0;
	return isatty(STDERR_FILENO);
}

void cli_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void cli_print_usage(FILE *f, const char *name)
{
	for (const struct command *cmd = commands; cmd->name; cmd++)
		if (!strcmp(cmd->name, name))
			fprintf(f, "usage: pinfold %s %s\n%s\n", cmd->name, cmd->usage, cmd->summary);
}

static void warn_sink(void *ud, const char *msg)
{
	cli_warn(ud, "%s", msg);
}

static void print_main_usage(FILE *f)
{
	fputs("usage: pinfold [-v|-q] [--json] [--now RFC3339] [--state-dir DIR] [--trust FILE]...\n"
	      "               [--trust-dir DIR] [--root FILE] [--progress=auto|always|never] COMMAND ...\n"
	      "       pinfold --version\n\ncommands:\n", f);
	for (const struct command *cmd = commands; cmd->name; cmd++)
		fprintf(f, "  %-10s %s\n", cmd->name, cmd->summary);
	fputs("\nRun 'pinfold COMMAND --help' for a command's options.\n", f);
}

int cmd_help(struct cli *c, int argc, char **argv)
{
	(void)c;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_main_usage(stdout);
		return 0;
	}
	for (const struct command *cmd = commands; cmd->name; cmd++) {
		if (!strcmp(cmd->name, argv[1])) {
			char *args[] = { argv[1], (char *)"--help", NULL };

			return cmd->fn(c, 2, args);
		}
	}
	return cli_usage(c, NULL, "'%s': unknown command", argv[1]);
}

int main(int argc, char **argv)
{
	enum { OPT_NOW = 256, OPT_STATE, OPT_TRUST, OPT_TRUST_DIR, OPT_ROOT, OPT_JSON, OPT_VERSION, OPT_PROGRESS };
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "now", required_argument, NULL, OPT_NOW },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "trust", required_argument, NULL, OPT_TRUST },
		{ "trust-dir", required_argument, NULL, OPT_TRUST_DIR },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "progress", required_argument, NULL, OPT_PROGRESS },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli c;
	char *data = NULL, *anchor = NULL, *catalog = NULL;
	const char *how;
	int opt, status;

	/*
	 * Descriptors 0-2 are always open (on /dev/null when we were started
	 * without them), so no file we open lands on them: a private copy of an
	 * artifact must never be where stdout writes.
	 */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd ? O_WRONLY : O_RDONLY) < 0)
			return 3;
	memset(&c, 0, sizeof c);
	ctx_init(&c.ctx);
	data = pf_data_dir(&how);
	c.ctx.builtin_trust_dir = anchor = pf_path_join(data, "trust");
	c.default_catalog = catalog = pf_path_join(data, "catalog");
	c.err.warn = warn_sink;
	c.err.warn_ud = &c;
	opterr = 0;	/* every command reports option errors itself, as one line */
	while ((opt = getopt_long(argc, argv, "+vqh", opts, NULL)) != -1) {
		switch (opt) {
		case 'v': c.verbose++; c.quiet = 0; break;
		case 'q': c.quiet = 1; c.verbose = 0; break;
		case 'h': print_main_usage(stdout); status = 0; goto done;
		case OPT_JSON: c.json = 1; break;
		case OPT_NOW: {
			time_t t;

			if (pf_time_parse(optarg, &t) < 0) {
				status = cli_usage(&c, NULL, "--now: '%s' is not an RFC 3339 UTC time "
						   "(e.g. 2026-01-31T12:00:00Z)", optarg);
				goto done;
			}
			c.ctx.now = t;
			break;
		}
		case OPT_STATE: c.ctx.state_dir_opt = optarg; break;
		case OPT_TRUST: pf_strv_push(&c.ctx.trust_files, optarg); break;
		case OPT_TRUST_DIR: c.ctx.trust_dir = optarg; break;
		case OPT_ROOT: c.ctx.root_file = optarg; break;
		case OPT_PROGRESS:
			if (!strcmp(optarg, "auto"))
				c.progress = CLI_PROGRESS_AUTO;
			else if (!strcmp(optarg, "always"))
				c.progress = CLI_PROGRESS_ALWAYS;
			else if (!strcmp(optarg, "never"))
				c.progress = CLI_PROGRESS_NEVER;
			else {
				status = cli_usage(&c, NULL, "--progress: expected auto, always or never");
				goto done;
			}
			break;
		case OPT_VERSION:
			printf("pinfold %s\n", PF_VERSION);
			if (c.verbose) {
				printf("data directory: %s (%s%s)\n", data, how, pf_is_dir(data) ? "" : ", missing");
				printf("built-in trust directory: %s\n", c.ctx.builtin_trust_dir);
			}
			status = 0;
			goto done;
		default:
			status = cli_bad_option(&c, NULL, argv);
			goto done;
		}
	}
	if (optind >= argc) {
		print_main_usage(stderr);
		status = 2;
		goto done;
	}
	status = -1;
	for (const struct command *cmd = commands; cmd->name; cmd++) {
		if (!strcmp(cmd->name, argv[optind])) {
			char **sub = argv + optind;
			int subc = argc - optind;

			optind = 0;	/* reset getopt for the command */
			status = cmd->fn(&c, subc, sub);
			break;
		}
	}
	if (status < 0)
		status = cli_usage(&c, NULL, "'%s': unknown command (see 'pinfold help')", argv[optind]);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fputs("pinfold: error: cannot write to standard output\n", stderr);
		if (!status)
			status = 3;
	}
done:
	ctx_release(&c.ctx);
	free(catalog);
	free(anchor);
	free(data);
	return status;
}
