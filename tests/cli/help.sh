#!/bin/sh
# SPDX-License-Identifier: MIT
# --help on every command and subcommand: exit 0, a "usage:" line on stdout, nothing on stderr;
# and each command's usage synopsis names every long option its option table accepts.
. "$SRCDIR/tests/lib.sh"

# helps DESCRIPTION ARGS...: ARGS exits 0, stdout has a line starting "usage: ", stderr is empty
helps() {
	d=$1; shift
	expect 0 "" "$d: exit 0" -- pf "$@"
	check "$d: a 'usage:' line on stdout" 'grep -q "^usage: pinfold" "$T/.stdout"'
	check "$d: nothing on stderr" '[ ! -s "$T/.stderr" ]'
}

helps "pinfold --help" --help
helps "pinfold help" help
for cmd in key trust catalog lock why build verify audit unlock bundle export sbom advisories scan watch registry run shell help; do
	helps "$cmd --help" $cmd --help
	helps "$cmd -h" $cmd -h
	helps "help $cmd" help $cmd
done
for sub in "key generate" "key id" "trust show" "trust update" "trust sign" "catalog init" "catalog add" "catalog import-debian" "catalog remove" "catalog list" \
	"catalog sign" "catalog verify" "catalog revoke" "bundle create" "bundle verify" "export oci" \
	"advisories update" "advisories show" "registry list" "registry touch" "registry forget"; do
	# shellcheck disable=SC2086 # command and subcommand
	helps "$sub --help" $sub --help
	# shellcheck disable=SC2086
	helps "$sub --help after other words" $sub x --help
done

# The long options a command's source accepts (its getopt_long tables), --help aside.
options_of() {
	grep -o '{ "[a-z][a-z-]*", [a-z_]*_argument' "$SRCDIR/builder/cli/cmd_$1.c" |
		sed 's/^{ "\([^"]*\)".*/\1/' | grep -vx help | sort -u
}
# names FILE OPT: FILE names --OPT (not only a longer option starting with it); -o counts for --output
names() {
	grep -q -e "--$2\([^a-z-]\|\$\)" "$1" || { [ "$2" = output ] && grep -q -e "[[ ]-o " "$1"; }
}
# The synopsis: the "usage:" line and its indented continuation lines.
synopsis() { awk 'NR == 1 { print; next } /^ / { print; next } { exit }'; }

# unnamed FILE CMD: the options of CMD that FILE does not name (empty when all are)
unnamed() {
	for o in $(options_of "$2"); do
		names "$1" "$o" || printf ' --%s' "$o"
	done
}

for cmd in trust lock why build verify audit unlock bundle export sbom advisories scan watch registry run; do
	pf help $cmd | synopsis >syn.txt
	missing=$(unnamed syn.txt $cmd)
	check "$cmd: the usage synopsis names every option (missing:${missing:- none})" '[ -z "$missing" ]'
done
# shell shares run's option table (cmd_run.c)
pf help shell | synopsis >syn.txt
missing=$(unnamed syn.txt run)
check "shell: the usage synopsis names every option of run's table (missing:${missing:- none})" '[ -z "$missing" ]'
check "run: the option table was found at all" '[ "$(options_of run | wc -l)" -ge 7 ]'
check "build: the option tables were found at all" '[ "$(options_of build | wc -l)" -ge 7 ]'
pf catalog --help >all.txt
missing=$(unnamed all.txt catalog)
check "catalog --help names every option of its subcommands (missing:${missing:- none})" '[ -z "$missing" ]'
# catalog import-debian has a file of its own (cmd_catalog_import.c)
pf catalog import-debian --help | synopsis >syn.txt
missing=$(for o in $(options_of catalog_import); do names syn.txt "$o" || printf ' --%s' "$o"; done)
check "catalog import-debian: the usage synopsis names every option (missing:${missing:- none})" '[ -z "$missing" ]'
check "catalog import-debian: the option table was found" '[ "$(options_of catalog_import | wc -l)" -ge 10 ]'

done_testing
