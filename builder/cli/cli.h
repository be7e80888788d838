/* SPDX-License-Identifier: MIT */
/* The command-line front end: global options, output helpers and the command table. */
#ifndef PF_CLI_CLI_H
#define PF_CLI_CLI_H

#include <stdio.h>

#include "core/error.h"
#include "core/mem.h"
#include "ctx/ctx.h"

enum cli_progress { CLI_PROGRESS_AUTO, CLI_PROGRESS_ALWAYS, CLI_PROGRESS_NEVER };

/*
 * Global options and the error context of one invocation. Everything a
 * library operation needs (time, directories, trust) is in ctx, which
 * main() fills from --now, --state-dir, --trust and --trust-dir.
 */
struct cli {
	int verbose, quiet, json;
	enum cli_progress progress;
	struct ctx ctx;
	const char *default_catalog;	/* DATA/catalog: the shipped catalog's signed files (core/datadir.h) */
	struct pf_err err;		/* its warnings print as "pinfold: warning: ..." */
};

struct command {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *summary;
	const char *usage;		/* text after "pinfold NAME " */
};

/* The command table (main.c). */
extern const struct command commands[];

/*
 * Print "pinfold: error: <c->err.msg>" (or the code's text) on stderr and
 * return the exit status for rc. rc is a negative PF_E* code.
 */
int cli_fail(struct cli *c, int rc);
/* Print "pinfold: error: <fmt>" and return 2; hint names the command for --help. */
int cli_usage(struct cli *c, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A success line on stdout, hidden by -q. */
void cli_info(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line of data on stdout (never hidden). */
void cli_out(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "pinfold: warning: ..." on stderr. */
void cli_warn(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Verbose diagnostics on stderr (only with -v). */
void cli_debug(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the usage of command name to f. */
void cli_print_usage(FILE *f, const char *name);
/* 1 when a progress bar should be drawn on stderr. */
int cli_progress_on(const struct cli *c);
/* Write s as a JSON string literal to f. */
void cli_json_str(FILE *f, const char *s);

/* Shared helpers for commands (cli/common.c). */
/* 1 when argv[1..] holds --help or -h before any "--". */
int cli_help_asked(int argc, char **argv);
/*
 * After getopt_long returned '?' (opterr is 0): print one usage error naming
 * the offending option ("unknown option '--frob'", "option '--output' needs a
 * value") for cmd and return 2.
 */
int cli_bad_option(struct cli *c, const char *cmd, char **argv);
/* Parse s as a whole decimal number from lo to hi into *out; -1 (out untouched) when it is not. */
int cli_parse_long(const char *s, long lo, long hi, long *out);

/* One subcommand of a command with several (catalog, export, advisories, registry). */
struct cli_sub {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *usage;
};
/*
 * Run the subcommand argv[1] of cmd from subs (NULL-terminated), with
 * argv[1..]: --help (before a subcommand) prints cmd's usage line and every
 * subcommand's usage; SUB --help prints SUB's. No subcommand or an unknown
 * one is a usage error naming the expected ones.
 */
int cli_subcommand(struct cli *c, const char *cmd, const struct cli_sub *subs, int argc, char **argv);
/* Workers a build uses when --jobs is not given: the online CPUs, 1 to 8 (the output never depends on it). */
int cli_default_jobs(void);

/*
 * The unsigned working copy of a curator's catalog (cmd_catalog.c):
 * cli_catalog_load reads DIR/catalog.yaml and DIR/advisories.yaml (returns 1,
 * adv zeroed, when there are none yet; on failure nothing stays loaded);
 * cli_catalog_save writes catalog.yaml atomically.
 */
struct catalog;
struct advisories;
int cli_catalog_load(struct cli *c, const char *dir, struct catalog *cat, struct advisories *adv);
int cli_catalog_save(struct cli *c, const char *dir, const struct catalog *cat);
/* catalog import-debian (cmd_catalog_import.c), a subcommand of catalog. */
extern const char cli_usage_import_debian[];
int cat_import_debian(struct cli *c, int argc, char **argv);

/* Commands, one file each (cmd_<name>.c). */
int cmd_help(struct cli *c, int argc, char **argv);
int cmd_key(struct cli *c, int argc, char **argv);
int cmd_trust(struct cli *c, int argc, char **argv);
int cmd_catalog(struct cli *c, int argc, char **argv);
int cmd_lock(struct cli *c, int argc, char **argv);
int cmd_why(struct cli *c, int argc, char **argv);
int cmd_build(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_audit(struct cli *c, int argc, char **argv);
int cmd_unlock(struct cli *c, int argc, char **argv);
int cmd_bundle(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_sbom(struct cli *c, int argc, char **argv);
int cmd_advisories(struct cli *c, int argc, char **argv);
int cmd_scan(struct cli *c, int argc, char **argv);
int cmd_watch(struct cli *c, int argc, char **argv);
int cmd_registry(struct cli *c, int argc, char **argv);
int cmd_run(struct cli *c, int argc, char **argv);
int cmd_shell(struct cli *c, int argc, char **argv);
/* run and shell share their options (cmd_run.c); shell is 1 for an interactive shell. */
int cli_sandbox(struct cli *c, int argc, char **argv, int shell);

#endif
