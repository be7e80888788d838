#!/bin/sh
# SPDX-License-Identifier: MIT
# Real wheels, npm packages and a deb: the same lock gives the same bytes under a different umask, TZ,
# locale, build directory, cache, mirror order, file times and --jobs; wrong mirror bytes fall through.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/install/lockgen.sh"

real_artifacts "$T/art"
# shellcheck disable=SC2086
set -f; IFS='
'; mklock 3.11 1700000000 $REAL_SPECS >"$T/env.lock"; unset IFS; set +f

mkdir -p "$T/a"
(umask 022; TZ=UTC LC_ALL=C pf build "$T/env.lock" -o "$T/a/env.tar.zst" --mirror "$T/art" \
	--cache "$T/cache-a" --jobs 1 >"$T/a/stdout" 2>"$T/a/stderr")
check "first build succeeds" "[ -s '$T/a/env.tar.zst' ]"
sed 's/^/# /' "$T/a/stderr"

# Second build: everything that must not matter is different.
mkdir -p "$T/b/deeper/dir" "$T/mirror-b"
for f in $(ls "$T/art" | sort -r); do cp "$T/art/$f" "$T/mirror-b/$f"; touch -d '2001-02-03 04:05:06' "$T/mirror-b/$f"; done
sleep 1
(umask 077; cd "$T/b" && TZ=Asia/Tokyo LC_ALL=C.UTF-8 LANG=fr_FR.UTF-8 pf build "$T/env.lock" \
	-o deeper/dir/env.tar.zst --mirror "$T/mirror-b" --cache "$T/cache-b" --jobs 4 >"$T/b/stdout" 2>"$T/b/stderr")
ok "second build (umask 077, TZ, locale, other dir, cold cache, --jobs 4) is byte-identical" \
	cmp "$T/a/env.tar.zst" "$T/b/deeper/dir/env.tar.zst"
# Third: warm cache, no mirror at all.
(cd "$T" && pf build "$T/env.lock" -o "$T/c.tar.zst" --cache "$T/cache-a" --jobs 3 >/dev/null 2>&1)
ok "third build from the warm cache alone is byte-identical" cmp "$T/a/env.tar.zst" "$T/c.tar.zst"

# Another user (when the tests run as root and setpriv exists): same bytes. The clone, the build
# dir and $T may sit under directories that user cannot enter (a 0700 home, mktemp -d): what it
# needs (the binary, the lock, the artifacts) is copied to a directory of its own under /tmp.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	# the clone may sit under a 0700 directory: nobody gets copies in a directory of its own
	chmod 711 "$T" "$T/.lockgen"	# the lock's catalog (its source is absolute, under $T)
	NOB=$(mktemp -d /tmp/pinfold-nobody.XXXXXX)
	trap 'rm -rf "$T" "$NOB"' EXIT
	chmod 755 "$NOB"
	cp "$PINFOLD" "$T/art"/* "$T/env.lock" "$LOCKGEN_KEY.pub" "$NOB/"
	chmod 644 "$NOB"/*
	chmod 755 "$NOB/$(basename "$PINFOLD")"
	# nobody's own directory: pinfold refuses state or cache under a directory others can write
	mkdir "$NOB/work"
	chown 65534:65534 "$NOB/work"
	(cd "$NOB/work" && setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$NOB/work" \
		XDG_CACHE_HOME="$NOB/work/cache" PINFOLD_STATE_DIR="$NOB/work/state" \
		"$NOB/$(basename "$PINFOLD")" --now "$NOW" --trust "$NOB/$(basename "$LOCKGEN_KEY.pub")" \
		build ../env.lock -o env.tar.zst --mirror .. >"$T/nob.out" 2>&1)
	sed 's/^/# nobody: /' "$T/nob.out"
	ok "a build as another user (nobody) is byte-identical" cmp "$T/a/env.tar.zst" "$NOB/work/env.tar.zst"
	rm -rf "$NOB"
fi

sum=$(sha256sum "$T/a/env.tar.zst" | cut -d' ' -f1)
tarsum=$(zstd -dc "$T/a/env.tar.zst" | sha256sum | cut -d' ' -f1)
check "OUT.sha256 holds the output's SHA-256" "[ \"\$(cat '$T/a/env.tar.zst.sha256')\" = '$sum  env.tar.zst' ]"
check "build prints the SHA-256 of OUT" "grep -q '^sha256 $sum ' '$T/a/stdout'"
check "build prints the SHA-256 of the uncompressed tar" "grep -q '^sha256 $tarsum  (uncompressed tar)' '$T/a/stdout'"
check "no staging tree left next to OUT" "! ls -a '$T/a' '$T/b/deeper/dir' | grep -q pinfold-build"

# The tar itself: sorted, 0:0, fixed mtime, no names.
zstd -dc "$T/a/env.tar.zst" >"$T/env.tar"
tar -tf "$T/env.tar" | sed 's|/$||' >"$T/names"
LC_ALL=C sort "$T/names" >"$T/names.sorted"
same_text "entries are sorted bytewise" "$T/names.sorted" "$T/names"
check "every entry is 0/0 with mtime = source_date_epoch" \
	"[ -z \"\$(tar --numeric-owner --full-time -tvf '$T/env.tar' | grep -v ' 0/0 .* 2023-11-14 22:13:20 ')\" ]"
check "no user or group names" "python3 -c '
import sys, tarfile
sys.exit(any(m.uname or m.gname for m in tarfile.open(sys.argv[1])))' '$T/env.tar'"
check "only modes 0644, 0755 and symlinks" \
	"[ -z \"\$(tar -tvf '$T/env.tar' | awk '{print \$1}' | sort -u | grep -v '^-rw-r--r--\$\\|^-rwxr-xr-x\$\\|^drwxr-xr-x\$\\|^lrwxrwxrwx\$')\" ]"
check "build-info records libzstd and the zstd settings" \
	"tar -xOf '$T/env.tar' .pinfold/build-info | grep -q '^libzstd: \"[0-9.]*\"' && tar -xOf '$T/env.tar' .pinfold/build-info | grep -q '^zstd_level: '"
check ".pinfold/lock is the lock, byte for byte" "tar -xOf '$T/env.tar' .pinfold/lock | cmp - '$T/env.lock'"

# A mirror serving wrong bytes: warned about, and the next mirror is used.
mkdir -p "$T/bad" "$T/good"
cp "$T/art/wheel-0.38.4-py3-none-any.whl" "$T/good/"
cp "$T/art/pip-23.0.1-py3-none-any.whl" "$T/bad/wheel-0.38.4-py3-none-any.whl"
mklock 3.11 1700000000 "pypi:wheel:0.38.4:wheel:$T/art/wheel-0.38.4-py3-none-any.whl" >"$T/one.lock"
expect 0 "" "a mirror with wrong bytes falls through to the next" -- \
	pf build "$T/one.lock" -o "$T/one.tar.zst" --mirror "$T/bad" --mirror "$T/good" --cache "$T/cache-one"
check "the wrong mirror is warned about" "grep -q 'warning' '$T/.stderr' && grep -qF '$T/bad' '$T/.stderr'"
expect 1 "wheel" "only wrong bytes anywhere: refused naming the package" -- \
	pf build "$T/one.lock" -o "$T/none.tar.zst" --mirror "$T/bad" --cache "$T/cache-none"
check "the failure names the places tried" "grep -qF '$T/bad' '$T/.stderr'"
check "no output after the refusal" "[ ! -e '$T/none.tar.zst' ] && [ ! -e '$T/none.tar.zst.sha256' ]"
expect 3 "" "no mirror has it: fails" -- \
	pf build "$T/one.lock" -o "$T/none.tar.zst" --mirror "$T/b" --cache "$T/cache-none2"
check "no output after the failure" "[ ! -e '$T/none.tar.zst' ] && ! ls -a '$T' | grep -q pinfold-build"

# Bad locks are refused before anything is fetched.
sed 's/sha256: [0-9a-f]\{64\}}/}/' "$T/one.lock" >"$T/nohash.lock"
expect 3 "sha256" "a lock without artifact hashes is refused" -- pf build "$T/nohash.lock" -o "$T/x.tar.zst"
sed 's/format: wheel/format: exe/' "$T/one.lock" >"$T/fmt.lock"
expect 3 "unknown artifact format 'exe'" "a lock with an unknown format is refused" -- pf build "$T/fmt.lock" -o "$T/x.tar.zst"
printf 'format: pinfold-lock/1\npackages: [\n' >"$T/broken.lock"
expect 3 "broken.lock" "an unparseable lock is refused" -- pf build "$T/broken.lock" -o "$T/x.tar.zst"
check "no output from refused locks" "[ ! -e '$T/x.tar.zst' ]"
expect 0 "--max-unpacked-size" "build --help" -- pf build --help
expect 2 "" "build without -o is a usage error" -- pf build "$T/one.lock"

done_testing
