#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 13: escaping links. Symlinks are checked where they are installed, not where their
# archive put them: a wheel's NAME.data/data/* lands at the environment root and
# NAME.data/scripts/* in bin/, so "../../etc" that stayed inside the wheel leaves the environment
# there. build refuses it (nothing written); and whatever build writes, verify of its tarball
# accepts.
. "$SRCDIR/tests/lib.sh"
MK="python3 $SRCDIR/tests/harden/mkfixtures.py"
one_err() { [ "$(grep -c '^pinfold: error: ' "$T/.stderr")" -eq 1 ]; }

newkey a
A=$T/keys/a.key TA="--trust $T/keys/a.key.pub"
mkdir -p cat images mirror esc scr ins
$MK wheel-escape-data esc/esc-1.0-py3-none-any.whl
$MK wheel-escape-scripts scr/esc-1.0-py3-none-any.whl
$MK wheel-inside-data mirror/ins-1.0-py3-none-any.whl
pf catalog init cat --name links >/dev/null
pf catalog add cat mirror/ins-1.0-py3-none-any.whl --published 2023-01-10 >/dev/null
cp -r cat cat-esc
cp -r cat cat-scr
pf catalog add cat-esc esc/esc-1.0-py3-none-any.whl --published 2023-01-10 >/dev/null
pf catalog add cat-scr scr/esc-1.0-py3-none-any.whl --published 2023-01-10 >/dev/null
for c in cat cat-esc cat-scr; do pf catalog sign $c --key "$A" >/dev/null; done
for c in cat cat-esc cat-scr; do
	want='"pypi:ins"'
	[ $c = cat ] || want='"pypi:esc"'
	printf 'name: t\ncatalog: ../%s\ntarget: {python: "3.11", platform: linux-x86_64}\npackages: [%s]\n' $c "$want" \
		>images/$c.yaml
	pf --state-dir "$T/st-$c" $TA lock images/$c.yaml -o $c.lock >/dev/null 2>&1
done
check "three lockfiles" '[ -s cat.lock ] && [ -s cat-esc.lock ] && [ -s cat-scr.lock ]'

expect 1 "symlink 'escape' -> '../../etc' leaves the environment where it is installed" \
	"build: a wheel's .data/data link that leaves the environment root is refused" -- \
	pf --state-dir "$T/st-cat-esc" $TA build cat-esc.lock -o esc.tar.zst --mirror esc
check "... one error line naming the package, no output" 'one_err && grep -q "pypi:esc 1.0" "$T/.stderr" && [ ! -e esc.tar.zst ]'
expect 1 "symlink 'bin/tool' -> '../../outside' leaves the environment" \
	"build: a wheel's .data/scripts link that leaves the environment is refused" -- \
	pf --state-dir "$T/st-cat-scr" $TA build cat-scr.lock -o scr.tar.zst --mirror scr
check "... no output" '[ ! -e scr.tar.zst ] && ! ls -a | grep -q "\.pinfold-build-"'

expect 0 "" "build: a .data/data link that stays inside is installed" -- \
	pf --state-dir "$T/st-cat" $TA build cat.lock -o ins.tar.zst --mirror mirror
check "... as share/ins/link.txt -> real.txt" \
	'tar --zstd -tvf ins.tar.zst | grep -q "share/ins/link.txt -> real.txt"'
expect 0 "" "verify accepts the tarball build wrote" -- pf verify ins.tar.zst
mkdir env && tar --zstd -xf ins.tar.zst -C env
expect 0 "" "... and the unpacked environment" -- pf verify env
# every link in it resolves inside the environment (bin/python3 -> /usr/bin/python3 is pinfold's own)
check "every relative link resolves inside the environment" \
	'find env -type l | while read -r l; do t=$(readlink "$l"); case $t in /*) continue ;; esac
		r=$(realpath -ms "$(dirname "$l")/$t"); case $r in "$T/env"|"$T/env"/*) ;; *) echo "$l -> $t" ;; esac; done | grep -c . | grep -qx 0'
done_testing
