#!/bin/sh
# SPDX-License-Identifier: MIT
# The generated man pages and bash completion (BUILDDIR/docs, what meson installs): a page per
# command that man renders without a warning and that names every option of the command's option
# tables; a completion that bash loads and that offers every command, subcommand and option.
. "$SRCDIR/tests/lib.sh"

D=${DOCDIR:-$BUILDDIR/docs}
comp=$D/pinfold

# The commands pinfold lists, and the long options a command's source accepts (as tests/cli/help.sh).
commands=$("$PINFOLD" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
options_of() {
	grep -o '{ "[a-z][a-z-]*", [a-z_]*_argument' "$SRCDIR/builder/cli/cmd_$1.c" |
		sed 's/^{ "\([^"]*\)".*/\1/' | grep -vx help | sort -u
}
check "pinfold --help lists commands" '[ "$(echo "$commands" | wc -w)" -ge 12 ]'

# --- man pages
pages=$(cd "$D" && ls ./*.1 | sed 's|^\./||' | sort)
want=$( (echo pinfold.1; for c in $commands; do echo "pinfold-$c.1"; done) | sort)
check "one page per command, and pinfold.1 (have: $(echo $pages))" '[ "$pages" = "$want" ]'
mkdir "$T/txt"
for p in $pages; do
	MANWIDTH=80 man --warnings -l "$D/$p" >"$T/txt/$p" 2>"$T/warn.txt"
	check "man --warnings -l $p: renders, nothing on stderr$(head -c 300 "$T/warn.txt" | tr '\n' ' ')" \
		'[ -s "$T/txt/$p" ] && [ ! -s "$T/warn.txt" ]'
done
for c in $commands; do
	cp "$T/txt/pinfold-$c.1" "$T/page.txt" 2>/dev/null || : >"$T/page.txt"
	check "pinfold-$c(1): NAME says what the command is" \
		'grep -A1 "^NAME" "$T/page.txt" | grep -q "pinfold-$c - "'
	[ -f "$SRCDIR/builder/cli/cmd_$c.c" ] || continue
	missing=""
	for o in $(options_of "$c"); do
		grep -q -e "--$o\([^a-z-]\|\$\)" "$T/page.txt" ||
			{ [ "$o" = output ] && grep -q -e "-o " "$T/page.txt"; } || missing="$missing --$o"
	done
	check "pinfold-$c(1) names every option of cmd_$c.c (missing:${missing:- none})" '[ -z "$missing" ]'
done
cp "$T/txt/pinfold.1" "$T/page.txt" 2>/dev/null || : >"$T/page.txt"
for c in $commands; do
	grep -q "pinfold-$c(1)" "$T/page.txt" || missing_ref="${missing_ref:-} $c"
done
check "pinfold(1) refers to every command's page (missing:${missing_ref:- none})" '[ -z "${missing_ref:-}" ]'
check "pinfold(1) shows the global options" 'grep -q -e "--state-dir DIR" "$T/page.txt"'

# --- bash completion
# complete_words WORD...: what the completion offers for the last WORD, one per line, sorted
complete_words() {
	bash --norc --noprofile -c '. "$0" || exit 9
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_pinfold 2>/dev/null; printf "%s\n" "${COMPREPLY[@]}"' "$comp" pinfold "$@" | sort
}
words() { tr ' ' '\n' | sed '/^$/d' | sort; }

out=$(bash --norc --noprofile -c '. "$0" && complete -p pinfold' "$comp" 2>&1)
check "complete -p pinfold after sourcing it: '$out'" '[ "$out" = "complete -F _pinfold pinfold" ]'
check "pinfold cat<TAB> gives catalog" '[ "$(complete_words cat)" = catalog ]'
check "pinfold <TAB> gives every command" '[ "$(complete_words "")" = "$(echo $commands | words)" ]'
check "pinfold help b<TAB> gives build and bundle" '[ "$(complete_words help b | tr "\n" " ")" = "build bundle " ]'
check "pinfold catalog <TAB> gives its subcommands" \
	'[ "$(complete_words catalog "" | tr "\n" " ")" = "add import-debian init list remove revoke sign verify " ]'
check "pinfold bundle <TAB> gives create and verify" '[ "$(complete_words bundle "" | tr "\n" " ")" = "create verify " ]'
check "global options before the command are skipped with their values" \
	'[ "$(complete_words --trust k.pub --state-dir s cat)" = catalog ]'
check "pinfold --progress=<TAB> gives its values" \
	'[ "$(complete_words --progress = "" | tr "\n" " ")" = "always auto never " ]'
check "pinfold sbom L --format <TAB> gives the formats" \
	'[ "$(complete_words sbom L --format "" | tr "\n" " ")" = "cyclonedx-json spdx-json " ]'
check "pinfold catalog revoke D X 1 --severity h<TAB> gives high" \
	'[ "$(complete_words catalog revoke D X 1 --severity h)" = high ]'
check "pinfold catalog sign D --<TAB> gives sign's options only" \
	'[ "$(complete_words catalog sign D -- | tr "\n" " ")" = "--advisories-url --expires-in --help --key " ]'
check "an option's value is not taken for a subcommand" \
	'[ "$(complete_words catalog sign --key verify --e)" = "--expires-in" ]'
if command -v shellcheck >/dev/null 2>&1; then
	check "the completion is shellcheck-clean" 'shellcheck -s bash -S style "$comp" >"$T/sc.txt" 2>&1'
fi
mkdir -p "$T/files/sub" && : >"$T/files/lockfile.lock" && : >"$T/files/with space.lock"
check "pinfold audit <TAB> completes file names" \
	'[ "$(cd "$T/files" && complete_words audit lock)" = lockfile.lock ]'
check "a file name with a space is one completion" \
	'[ "$(cd "$T/files" && complete_words audit with)" = "with space.lock" ]'
check "pinfold build L --cache <TAB> completes directories only" \
	'[ "$(cd "$T/files" && complete_words build L --cache "")" = sub ]'
check "pinfold build L --jobs <TAB> offers nothing" '[ -z "$(cd "$T/files" && complete_words build L --jobs "")" ]'
for c in $commands; do
	[ -f "$SRCDIR/builder/cli/cmd_$c.c" ] || continue
	offered=$(complete_words "$c" --)
	missing=""
	for o in $(options_of "$c"); do
		echo "$offered" | grep -qx -e "--$o" || missing="$missing --$o"
	done
	check "pinfold $c --<TAB> offers every option of cmd_$c.c (missing:${missing:- none})" '[ -z "$missing" ]'
done
for sub in "catalog init" "catalog add" "catalog remove" "catalog list" "catalog sign" "catalog verify" \
	"catalog revoke" "bundle create" "bundle verify" "key generate" "key id" "export oci"; do
	# shellcheck disable=SC2086 # command and subcommand
	offered=$(complete_words $sub x --)
	# shellcheck disable=SC2086
	# (global options written before the command, as in "pinfold [--trust FILE]... catalog verify", aside)
	# (the synopsis, and the first words of each option line: prose may name another command's options)
	want=$(pf $sub --help | sed 's/pinfold \(\[[^]]*\]\(\.\.\.\)\{0,1\} \)*/pinfold /' |
		awk '/^usage:/ { u = 1 } u && /^  [^ ]/ { u = 0 } u { print } /^  -/ { print $1, $2 }' |
		grep -o -e '--[a-z][a-z-]*' | sed 's/^--//' | sort -u)
	missing=""
	for o in $want; do
		echo "$offered" | grep -qx -e "--$o" || missing="$missing --$o"
	done
	check "pinfold $sub --<TAB> offers the options its --help names (missing:${missing:- none})" '[ -z "$missing" ]'
done

done_testing
