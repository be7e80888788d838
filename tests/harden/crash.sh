#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 13: crash consistency. pinfold is killed (SIGKILL, through the test-only
# PINFOLD_TEST_KILL_AT=KIND:N) at its Nth write, fsync or rename during catalog sign, lock, build,
# bundle create, unlock and the state updates of catalog verify and audit; after each kill every
# output is absent, the old one or the new one (never half-written), every pair (catalog and its
# signature, OUT and OUT.sha256, saved advisories and theirs) matches, and the next run works.
. "$SRCDIR/tests/lib.sh"

newkey a
A=$T/keys/a.key TA="--trust $T/keys/a.key.pub"
W=/usr/share/python-wheels
mkdir -p cat images mirror
pf catalog init cat --name crash >/dev/null
pf catalog add cat "$W"/wheel-0.38.4-py3-none-any.whl "$W"/pip-23.0.1-py3-none-any.whl --published 2023-01-10 >/dev/null
pf catalog revoke cat pypi:wheel 0.1 --reason "test advisory" >/dev/null
pf catalog sign cat --key "$A" >/dev/null
cp "$W"/wheel-0.38.4-py3-none-any.whl "$W"/pip-23.0.1-py3-none-any.whl mirror/
printf 'name: t\ncatalog: ../cat\ntarget: {python: "3.11", platform: linux-x86_64}\npackages: ["pypi:wheel"]\n' \
	>images/t.yaml
pf $TA lock images/t.yaml -o t.lock >/dev/null
pf $TA build t.lock -o ref.tar.zst --mirror mirror --cache cache >/dev/null
pf $TA bundle create t.lock -o ref.pfb --mirror mirror --cache cache >/dev/null
check "the reference outputs exist" '[ -s t.lock ] && [ -s ref.tar.zst ] && [ -s ref.pfb ]'

# crash_points KIND: the N to try for KIND (every one for fsync and rename, a spread for writes)
crash_points() {
	case $1 in
	write) echo 1 2 3 4 5 6 8 10 13 17 22 29 38 50 66 87 115 152 201 266 352 466 617 817 1082 ;;
	*) seq 1 40 ;;
	esac
}
kills=0
# run_killed KIND N CMD...: run CMD with the crash point; 0 when it was killed there, 1 when it ran to its end
run_killed() {
	_k=$1 _n=$2
	shift 2
	PINFOLD_TEST_KILL_AT="$_k:$_n" "$@" >/dev/null 2>&1
	[ $? -eq 137 ] && { kills=$((kills + 1)); return 0; }
	return 1
}
# no_partial DIR: nothing in DIR but whole outputs, temp files (*.tmp-*) and staging trees
no_partial() {
	! ls -A "$1" | grep -v '\.tmp-\|^\.pinfold-build-' | grep -q 'partial'
}

# --- catalog sign: the catalog and the advisories each verify, old version or new
fails=0
for k in write fsync rename; do
	for pt in $(crash_points $k); do
		rm -rf c && cp -r cat c
		run_killed $k $pt "$PINFOLD" --now "$NOW" catalog sign c --key "$A" || break
		"$PINFOLD" --now "$NOW" --state-dir "$T/st-sign" $TA catalog verify c >/dev/null 2>"$T/err" ||
			{ fails=$((fails + 1)); echo "# sign killed at $k:$pt: $(cat "$T/err")"; }
		rm -rf "$T/st-sign"
	done
done
check "catalog sign killed at every write/fsync/rename: both pairs verify each time" '[ $fails -eq 0 ]'

# --- lock over an existing lockfile: the old lock or the new one, never a torn one
# the image gains a package: the lock over the old one becomes the new one
cp t.lock old.lock
sed -i 's/packages: \["pypi:wheel"\]/packages: ["pypi:wheel", "pypi:pip"]/' images/t.yaml
pf --state-dir "$T/st-new" $TA lock images/t.yaml -o new.lock >/dev/null 2>&1
check "the new lockfile differs from the old one" '[ -s new.lock ] && ! cmp -s old.lock new.lock'
fails=0
for k in write fsync rename; do
	for pt in $(crash_points $k); do
		cp old.lock l.lock
		run_killed $k $pt "$PINFOLD" --now "$NOW" --state-dir "$T/st-lock" $TA lock images/t.yaml -o l.lock || break
		cmp -s l.lock old.lock || cmp -s l.lock new.lock || { fails=$((fails + 1)); echo "# lock killed at $k:$pt: torn lockfile"; }
		# the state written on the way (rollback state, solver cache) must not stop the next run
		"$PINFOLD" --now "$NOW" --state-dir "$T/st-lock" $TA lock images/t.yaml -o l2.lock >/dev/null 2>"$T/err" ||
			{ fails=$((fails + 1)); echo "# after lock killed at $k:$pt: $(cat "$T/err")"; }
	done
done
check "lock killed at every write/fsync/rename: the lockfile is old or new, the next lock works" '[ $fails -eq 0 ]'

# --- build over an existing OUT: OUT old or new, OUT.sha256 absent or matching OUT
pf $TA build new.lock -o new.tar.zst --mirror mirror --cache cache >/dev/null
check "the two builds differ" '! cmp -s ref.tar.zst new.tar.zst'
fails=0
for k in write fsync rename; do
	for pt in $(crash_points $k); do
		rm -rf b && mkdir b && cp ref.tar.zst b/out.tar.zst && (cd b && sha256sum out.tar.zst >out.tar.zst.sha256)
		run_killed $k $pt "$PINFOLD" --now "$NOW" $TA build new.lock -o b/out.tar.zst --mirror mirror --cache cache || break
		if ! cmp -s b/out.tar.zst ref.tar.zst && ! cmp -s b/out.tar.zst new.tar.zst; then
			fails=$((fails + 1)); echo "# build killed at $k:$pt: OUT is neither the old nor the new tarball"
		elif [ -e b/out.tar.zst.sha256 ] && ! (cd b && sha256sum -c --status out.tar.zst.sha256); then
			fails=$((fails + 1)); echo "# build killed at $k:$pt: OUT.sha256 does not match OUT"
		fi
	done
done
check "build killed at every write/fsync/rename: OUT old or new, OUT.sha256 absent or matching" '[ $fails -eq 0 ]'
check "... the last run (not killed) left the new pair" \
	'cmp -s b/out.tar.zst new.tar.zst && (cd b && sha256sum -c --status out.tar.zst.sha256)'

# --- bundle create over an existing bundle
pf $TA bundle create new.lock -o new.pfb --mirror mirror --cache cache >/dev/null
fails=0
for k in write fsync rename; do
	for pt in $(crash_points $k); do
		cp ref.pfb o.pfb
		run_killed $k $pt "$PINFOLD" --now "$NOW" $TA bundle create new.lock -o o.pfb --mirror mirror --cache cache || break
		cmp -s o.pfb ref.pfb || cmp -s o.pfb new.pfb || { fails=$((fails + 1)); echo "# bundle killed at $k:$pt: torn bundle"; }
	done
done
check "bundle create killed at every write/fsync/rename: the bundle is old or new" '[ $fails -eq 0 ]'

# --- unlock: locked as built, or unlocked with its record; unlocking again finishes the job
mkdir env0 && tar --zstd -xf ref.tar.zst -C env0
fails=0
for k in write fsync rename; do
	for pt in $(crash_points $k); do
		rm -rf env && cp -a env0 env
		run_killed $k $pt "$PINFOLD" --now "$NOW" unlock env --reason crash-test || break
		if [ -e env/.pinfold/unlocked.yaml ]; then
			pf unlock env --reason again >/dev/null 2>&1
			pf verify env >"$T/out" 2>&1 && grep -q "unlocked" "$T/out" && [ ! -e env/.pinfold/constraints.txt ] ||
				{ fails=$((fails + 1)); echo "# unlock killed at $k:$pt: the record is there, the rerun did not finish"; }
		else
			pf verify env >"$T/out" 2>&1 && ! grep -q unlocked "$T/out" ||
				{ fails=$((fails + 1)); echo "# unlock killed at $k:$pt: constraints touched without a record: $(cat "$T/out")"; }
		fi
	done
done
check "unlock killed at every write/fsync/rename: locked and pristine, or recorded as unlocked" '[ $fails -eq 0 ]'

# --- state updates: the rollback state (catalog verify) and the saved advisories (audit)
fails=0
for k in write fsync rename; do
	for pt in $(crash_points $k); do
		rm -rf st && mkdir st
		pf --state-dir "$T/st" $TA catalog verify cat >/dev/null 2>&1
		pf catalog sign cat --key "$A" >/dev/null
		run_killed $k $pt "$PINFOLD" --now "$NOW" --state-dir "$T/st" $TA audit t.lock --catalog cat || break
		"$PINFOLD" --now "$NOW" --state-dir "$T/st" $TA catalog verify cat >/dev/null 2>"$T/err" ||
			{ fails=$((fails + 1)); echo "# audit killed at $k:$pt: then catalog verify: $(cat "$T/err")"; }
		"$PINFOLD" --now "$NOW" --state-dir "$T/st" $TA audit --offline t.lock >/dev/null 2>"$T/err"
		rc=$?
		{ [ $rc -le 1 ] || grep -q "no saved advisories" "$T/err"; } ||
			{ fails=$((fails + 1)); echo "# audit killed at $k:$pt: then audit --offline: $(cat "$T/err")"; }
	done
done
check "audit and catalog verify killed at every write/fsync/rename: state and saved advisories stay usable" \
	'[ $fails -eq 0 ]'
echo "# $kills runs were killed"
check "the crash points were reached (hundreds of kills)" '[ $kills -gt 100 ]'
done_testing
