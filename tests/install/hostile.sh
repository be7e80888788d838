#!/bin/sh
# SPDX-License-Identifier: MIT
# Every hostile-archive rule, in wheel, npm and tar form: the build fails with exit 1, names the
# artifact and the entry, and leaves no output and no staging tree.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/install/lockgen.sh"
gen() { python3 "$SRCDIR/tests/install/mkhostile.py" "$@"; }

# rule|message
rules='absolute|absolute path
dotdot|'"'..'"' component in path
backslash|backslash in path
link-absolute|is absolute
link-escape|leaves the package
through-link|written through symlink
hardlink|not an earlier regular file of the package
device|device node
fifo|FIFO
duplicate|duplicate entry
case|collides case-insensitively
utf8|is not valid UTF-8 or has control characters
control|is not valid UTF-8 or has control characters
long-path|path longer than 1024 bytes
long-name|component longer than 255 bytes
size|--max-unpacked-size
count|more than 100000 entries'

for form in wheel npm tar; do
	case $form in
	wheel) eco=pypi fmt=wheel art=hostile-1.0-py3-none-any.whl pre= ;;
	npm) eco=npm fmt=npm art=hostile-1.0.0.tgz pre=package/ ;;
	tar) eco=generic fmt=generic art=hostile-1.0.tar.gz pre= ;;
	esac
	while IFS='|' read -r rule msg; do
		# zip has no hardlinks: the wheel form of that rule cannot exist
		[ "$form.$rule" = wheel.hardlink ] && continue
		w="$T/$form-$rule"
		mkdir -p "$w/mirror" "$w/out"
		entry=$(gen "$form" "$rule" "$w/mirror/$art")
		case $rule in
		utf8) entry="${pre}bad-\\xff.txt" ;;
		control) entry="${pre}new\\x0aline.txt" ;;
		long-path) entry="${pre}aaaaaaaaaa" ;;
		long-name) entry="${pre}bbbbbbbbbb" ;;
		count) entry="$art" ;;
		esac
		mklock 3.11 0 "$eco:hostile:1.0:$fmt:$w/mirror/$art" >"$w/l.lock"
		expect 1 "$msg" "$form/$rule: refused ($msg)" -- \
			pf build "$w/l.lock" -o "$w/out/out.tar.zst" --mirror "$w/mirror" --cache "$w/cache" \
			--max-unpacked-size 2M
		check "$form/$rule: error names '$art' and the entry" \
			"grep -qF -- \"pinfold: error: '$art': \" '$T/.stderr' && grep -qF -- \"$entry\" '$T/.stderr'"
		check "$form/$rule: one error line" "[ \$(wc -l <'$T/.stderr') -eq 1 ]"
		check "$form/$rule: no output, no staging left" "no_leftovers '$w/out'"
		# the hostile archive was never written anywhere near its target
		check "$form/$rule: nothing escaped" "[ ! -e /etc/evil ] && [ ! -e '$w/evil' ] && [ ! -e '$w/out/evil' ]"
		rm -rf "$w"
	done <<RULES
$rules
RULES
done

# Benign cases that look alike: setuid bits are dropped, an in-package hardlink is a copy.
for form in npm tar; do
	case $form in
	npm) eco=npm fmt=npm art=ok-1.0.0.tgz sub=lib/node_modules/ok/ ;;
	tar) eco=generic fmt=generic art=ok-1.0.tar.gz sub= ;;
	esac
	w="$T/ok-$form"; mkdir -p "$w/m"
	gen "$form" setuid "$w/m/$art" >/dev/null
	mklock 3.11 0 "$eco:ok:1.0:$fmt:$w/m/$art" >"$w/l.lock"
	ok "$form: setuid/world-writable entry builds" pf build "$w/l.lock" -o "$w/out.tar.zst" --mirror "$w/m" --cache "$w/c"
	check "$form: setuid entry packed as 0755" \
		"tar --zstd -tvf '$w/out.tar.zst' '${sub}suid.sh' | grep -q '^-rwxr-xr-x 0/0'"
	gen "$form" good-hardlink "$w/m/$art" >/dev/null
	mklock 3.11 0 "$eco:ok:1.0:$fmt:$w/m/$art" >"$w/l.lock"
	ok "$form: hardlink to an earlier file of the package builds" \
		pf build "$w/l.lock" -o "$w/out2.tar.zst" --mirror "$w/m" --cache "$w/c2"
	check "$form: the hardlink became a regular file with the same bytes" \
		"[ \"\$(tar --zstd -xOf '$w/out2.tar.zst' '${sub}copy.txt')\" = x ] && tar --zstd -tvf '$w/out2.tar.zst' '${sub}copy.txt' | grep -q '^-rw-r--r--'"
done

# Two packages writing the same path fail naming both.
w="$T/clash"; mkdir -p "$w/m"
gen tar ok "$w/m/one-1.0.tar.gz" >/dev/null
cp "$w/m/one-1.0.tar.gz" "$w/m/two-1.0.tar.gz"
mklock 3.11 0 "generic:one:1.0:generic:$w/m/one-1.0.tar.gz" "generic:two:1.0:generic:$w/m/two-1.0.tar.gz" >"$w/l.lock"
mkdir -p "$w/out"
expect 1 "'good.txt' is installed by both 'generic:one 1.0' and 'generic:two 1.0'" "same path from two packages is refused" -- \
	pf build "$w/l.lock" -o "$w/out/out.tar.zst" --mirror "$w/m" --cache "$w/c"
check "clash: no output, no staging left" "no_leftovers '$w/out'"
for j in 2 2 2; do
	expect 1 "'good.txt' is installed by both 'generic:one 1.0' and 'generic:two 1.0'" \
		"same path, parallel install (--jobs $j): the same message" -- \
		pf build "$w/l.lock" -o "$w/out/out.tar.zst" --mirror "$w/m" --cache "$w/c" --jobs $j
done

# A package may not write pinfold's own files.
w="$T/reserved"; mkdir -p "$w/m" "$w/out"
python3 - "$w/m/evil-1.0.tar.gz" <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w:gz")
for n in ("bin/activate",):
    ti = tarfile.TarInfo(n); ti.size = 3; t.addfile(ti, io.BytesIO(b"x\n\n"))
t.close()
PY
mklock 3.11 0 "generic:evil:1.0:generic:$w/m/evil-1.0.tar.gz" >"$w/l.lock"
expect 1 "'bin/activate' is installed by both 'pinfold' and 'generic:evil 1.0'" "a package cannot replace bin/activate" -- \
	pf build "$w/l.lock" -o "$w/out/out.tar.zst" --mirror "$w/m" --cache "$w/c"

# A truncated artifact (its hash matches the lock, its archive is broken) is fatal.
w="$T/trunc"; mkdir -p "$w/m" "$w/out"
gen tar ok "$w/full.tar.gz" >/dev/null
head -c 60 "$w/full.tar.gz" >"$w/m/cut-1.0.tar.gz"
mklock 3.11 0 "generic:cut:1.0:generic:$w/m/cut-1.0.tar.gz" >"$w/l.lock"
expect 1 "'cut-1.0.tar.gz'" "a truncated archive is refused" -- \
	pf build "$w/l.lock" -o "$w/out/out.tar.zst" --mirror "$w/m" --cache "$w/c"
check "truncated: no output, no staging left" "no_leftovers '$w/out'"

done_testing
