#!/bin/sh
# SPDX-License-Identifier: MIT
# Acceptance: the CLI frame of issue 2 and ARCHITECTURE.md section 7 - --version, help (--help on
# every command is tests/cli/help.sh), exit 2 for bad usage of each command, errors as one
# "pinfold: error: " line naming the file, key file modes whatever the umask.
. "$SRCDIR/tests/lib.sh"

err_line() { head -n 1 "$T/.stderr" | grep -q '^pinfold: error: '; }
# one_err: stderr is exactly one line, "pinfold: error: ...", and stdout is empty
one_err() { [ "$(wc -l <"$T/.stderr")" -eq 1 ] && err_line && [ ! -s "$T/.stdout" ]; }

# --- version and help
expect 0 "" "pinfold --version exits 0" -- pf --version
check "--version prints 'pinfold X.Y.Z' on stdout" 'grep -Eqx "pinfold [0-9]+\.[0-9]+\.[0-9]+" "$T/.stdout"'
expect 0 "" "pinfold help exits 0" -- pf help
check "help lists every command on stdout" \
	'(for c in key catalog lock why build verify audit unlock bundle help; do grep -q "^  $c " "$T/.stdout" || exit 1; done)'
check "help writes nothing on stderr" '[ ! -s "$T/.stderr" ]'
expect 0 "usage: pinfold" "pinfold --help exits 0" -- pf --help
expect 2 "usage: pinfold" "pinfold without a command is a usage error (exit 2)" -- pf

# --help on every command and subcommand: tests/cli/help.sh.

# --- exit 2 for bad usage of every command, with a "pinfold: error: " line first
while IFS='|' read -r args want; do
	# shellcheck disable=SC2086 # the arguments are words
	expect 2 "$want" "usage error: pinfold $args" -- pf $args
	check "usage error: pinfold $args: first stderr line is 'pinfold: error: ', stdout empty" \
		'err_line && [ ! -s "$T/.stdout" ]'
done <<'USAGE'
frob|unknown command
help frob|unknown command
key|missing subcommand
key frob x|unknown subcommand
key generate|expected exactly one FILE
key generate a b|expected exactly one FILE
key id|expected exactly one FILE
catalog frob|unknown subcommand
catalog init|expected one DIR
catalog add x|expected DIR and at least one ARTIFACT
catalog remove x|expected DIR ECOSYSTEM:NAME VERSION
catalog list|expected one DIR
catalog sign x|--key
catalog verify|expected one DIR
catalog verify x --threshold 0|--threshold
catalog sign x --key k --expires-in 0|--expires-in
catalog revoke x|expected DIR
lock|expected one IMAGE
lock a b|expected one IMAGE
lock x --upgrade nocolon|
why|expected LOCKFILE ECOSYSTEM:NAME
why x|expected LOCKFILE ECOSYSTEM:NAME
build|expected one LOCKFILE
build x|-o OUT.tar.zst is required
build x -o y --jobs 0|--jobs
build x -o y --jobs many|--jobs
build x -o y --max-unpacked-size lots|--max-unpacked-size
verify|expected one TARGET
verify a b|expected one TARGET
audit|expected one TARGET
unlock|expected one environment directory
unlock x|without --reason
bundle|subcommand
bundle frob|
bundle create x|-o
bundle verify|one FILE.pfb
run|expected an environment
run x|expected a command
shell|expected an environment
shell x ls|unexpected 'ls'
--now yesterday help|--now
--progress=sometimes help|--progress
USAGE
expect 2 "" "catalog without a subcommand: exit 2" -- pf catalog

# An unknown option: exit 2 for every command, and the first stderr line is pinfold's one
# "pinfold: error:" line naming the option (getopt's own message is switched off).
for args in "--frob" "key generate --frob x" "catalog list --frob x" "lock --frob x" "why --frob x y" \
	"build --frob x" "verify --frob x" "audit --frob x" "unlock --frob x" "bundle verify --frob x" \
	"run --frob x -- true" "shell --frob x"; do
	# shellcheck disable=SC2086
	expect 2 "" "unknown option: pinfold $args exits 2" -- pf $args
	check "unknown option: pinfold $args: first stderr line is 'pinfold: error: '" err_line
	check "unknown option: pinfold $args: the error names '--frob'" "head -n 1 '$T/.stderr' | grep -qF -- \"'--frob'\""
done

# --- bad input: one "pinfold: error: " line that names the file, non-zero exit, nothing written
printf 'format: pinfold-lock/1\npackages: [\n' >broken.lock
printf 'garbage: [\n' >broken.yaml
mkdir -p cat && cp broken.yaml cat/catalog.yaml
printf 'not a key\n' >junk.pem
printf 'not a bundle\n' >junk.pfb
printf 'not a tarball\n' >junk.tar.zst
while IFS='|' read -r code file args; do
	# shellcheck disable=SC2086
	expect "$code" "$file" "bad input: pinfold $args: exit $code naming '$file'" -- pf $args
	check "bad input: pinfold $args: exactly one 'pinfold: error: ' line, no stdout" one_err
done <<'BAD'
3|broken.lock|build broken.lock -o out.tar.zst
3|broken.lock|why broken.lock npm:x
3|broken.lock|audit broken.lock
3|broken.lock|bundle create broken.lock -o out.pfb
3|broken.yaml|lock broken.yaml -o out.lock
3|cat/catalog.yaml|catalog list cat
3|cat/catalog.yaml|catalog add cat junk.pem --published 2020-01-01
1|cat/catalog.yaml|catalog verify cat
3|junk.pem|key id junk.pem
3|junk.pem|--trust junk.pem catalog verify cat
1|junk.pfb|bundle verify junk.pfb
3|junk.pfb|build --bundle junk.pfb -o out.tar.zst
1|junk.tar.zst|verify junk.tar.zst
3|missing.lock|build missing.lock -o out.tar.zst
3|missing.yaml|lock missing.yaml
3|nowhere|unlock nowhere --reason x
BAD
check "nothing was written by the refused commands" \
	'[ ! -e out.tar.zst ] && [ ! -e out.tar.zst.sha256 ] && [ ! -e out.pfb ] && [ ! -e out.lock ] &&
	 ! ls -a | grep -q "tmp-\|pinfold-build"'

# --- keys: modes whatever the umask; never overwrite, never half-written
(umask 077 && pf key generate u77.key >/dev/null)
(umask 000 && pf key generate u00.key >/dev/null)
check "key generate (umask 077): FILE 0600, FILE.pub 0644" \
	'[ "$(stat -c %a u77.key)" = 600 ] && [ "$(stat -c %a u77.key.pub)" = 644 ]'
check "key generate (umask 000): FILE 0600, FILE.pub 0644" \
	'[ "$(stat -c %a u00.key)" = 600 ] && [ "$(stat -c %a u00.key.pub)" = 644 ]'
check "FILE.pub holds the public key of FILE" '[ "$(pf key id u77.key)" = "$(pf key id u77.key.pub)" ]'
cp u77.key.pub pub.orig
rm u77.key
expect 3 "refusing to overwrite" "key generate refuses when only FILE.pub exists" -- pf key generate u77.key
same_text "... and FILE.pub is unchanged" pub.orig u77.key.pub
check "... and no private key appeared" '[ ! -e u77.key ]'
expect 3 "nodir/k.key" "key generate into a missing directory: exit 3 naming it" -- pf key generate nodir/k.key
check "... one error line" one_err
check "no temp files left by key generate" '! ls -a | grep -q "tmp-"'
expect 0 "" "key id of a public key with -q still prints the id (data is never hidden)" -- pf -q key id u00.key.pub
check "... the id" 'grep -Eqx "[0-9a-f]{64}" "$T/.stdout"'

done_testing
