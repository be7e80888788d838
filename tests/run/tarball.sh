#!/bin/sh
# SPDX-License-Identifier: MIT
# pinfold run straight from an environment tarball: verified and unpacked once into the cache;
# a changed byte, a wrong .sha256, a rewritten member, a hostile archive and a host-mode tarball
# are refused before anything runs; a modified cached tree is found and unpacked again; first
# runs at the same time share one cache entry.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/run/rootfs.sh"

run_base mini
mkdir -p "$T/proj" "$T/tar"
P=$T/proj
cp "$BASE_TAR" "$BASE_TAR.sha256" "$T/tar/"
TAR=$T/tar/env.tar.zst
ENVS=$XDG_CACHE_HOME/pinfold/envs
sha=$(cut -d' ' -f1 "$TAR.sha256")
ran() { [ -e "$P/ran" ]; }

expect 0 "hello from the tarball" "run straight from the tarball" -- \
	pf -v run "$TAR" --project "$P" sh -c 'echo hello from the tarball'
check "the first run unpacked it" 'grep -q "unpacked .*env.tar.zst" "$T/.stderr"'
check "into the cache, under its SHA-256" '[ -d "$ENVS/$sha/root/usr/bin" ] && [ -s "$ENVS/$sha/seal" ]'
check "nothing half-written is left in the cache" '! ls -a "$ENVS" | grep -q "^\.tmp-"'
check "cached files are read-only" '[ "$(stat -c %a "$ENVS/$sha/root/usr/bin/dash")" = 555 ] &&
	[ "$(stat -c %a "$ENVS/$sha/root/.pinfold/lock")" = 444 ]'
expect 0 "" "pinfold verify: the cached tree is exactly the manifest" -- pf verify "$ENVS/$sha/root"
expect 0 "" "the second run uses the cache" -- pf -v run "$TAR" --project "$P" true
check "without unpacking again" 'grep -q "using .*env.tar.zst" "$T/.stderr" && ! grep -q unpacked "$T/.stderr"'
expect 2 "Read-only file system" "inside, the cached environment is read-only" -- \
	pf run "$TAR" --project "$P" sh -c 'echo x >/usr/lib/new'

# One byte changed: refused before anything runs; nothing of it is cached.
cp "$TAR" "$T/tar/flip.tar.zst"
cp "$TAR.sha256" "$T/tar/flip.tar.zst.sha256"
size=$(stat -c %s "$TAR")
python3 - "$T/tar/flip.tar.zst" "$((size / 2))" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0x01]))
PY
before=$(ls "$ENVS" | wc -l)
expect 1 "refusing to run it" "one byte changed (with its .sha256): refused" -- \
	pf run "$T/tar/flip.tar.zst" --project "$P" sh -c 'touch /project/ran'
check "it names the SHA-256 mismatch" 'grep -q "the tarball was changed" "$T/.stderr"'
check "the command never ran" '! ran'
check "nothing was added to the cache" '[ "$(ls "$ENVS" | wc -l)" = "$before" ]'
rm "$T/tar/flip.tar.zst.sha256"
expect 1 "" "one byte changed, no .sha256: refused" -- pf run "$T/tar/flip.tar.zst" --project "$P" sh -c 'touch /project/ran'
check "one error line" '[ "$(grep -c "^pinfold: error: " "$T/.stderr")" = 1 ]'
check "the command never ran" '! ran'
check "no tree of it is cached, nothing half-written is left" \
	'[ "$(ls "$ENVS" | wc -l)" = "$before" ] && ! ls -a "$ENVS" | grep -q "^\.tmp-"'

# A member rewritten and the tarball re-compressed (valid zstd, no .sha256): the manifest catches it.
mkdir "$T/x"
tar -C "$T/x" --zstd -xf "$TAR"
printf '#!/bin/sh\ntouch /project/ran\n' >"$T/x/usr/bin/true"
(cd "$T/x" && tar --zstd -cf "$T/tar/rewritten.tar.zst" .)
expect 1 "does not match its own manifest" "a rewritten member: refused" -- \
	pf run "$T/tar/rewritten.tar.zst" --project "$P" true
check "it names the member" 'grep -q "changed: usr/bin/true" "$T/.stderr"'
check "the command never ran" '! ran'
# A .sha256 that names another digest.
cp "$TAR" "$T/tar/side.tar.zst"
echo "$(printf '%064d' 0)  side.tar.zst" >"$T/tar/side.tar.zst.sha256"
expect 1 "the tarball was changed" "a .sha256 naming another digest: refused" -- \
	pf run "$T/tar/side.tar.zst" --project "$P" sh -c 'touch /project/ran'
echo "not a digest" >"$T/tar/side.tar.zst.sha256"
expect 3 "not a SHA-256 line" "a malformed .sha256: refused" -- pf run "$T/tar/side.tar.zst" --project "$P" true
check "the command never ran" '! ran'
# A hostile archive: refused, nothing written outside the cache.
python3 - "$T/tar/evil.tar" <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
for name, data in ((".pinfold/lock", b"x"), ("../escape", b"x")):
    ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
t.close()
PY
zstd -q "$T/tar/evil.tar" -o "$T/tar/evil.tar.zst"
expect 1 "'..' component" "a hostile tarball is refused" -- pf run "$T/tar/evil.tar.zst" --project "$P" true
check "nothing escaped" '[ ! -e "$ENVS/escape" ] && [ ! -e "$XDG_CACHE_HOME/pinfold/escape" ]'
# A host-mode tarball.
cp -a "$T/x" "$T/hostmode"
cp "$BASE_ROOT/usr/bin/true" "$T/hostmode/usr/bin/true"
sed -i 's/runtime: self-contained, //' "$T/hostmode/.pinfold/lock"
rm -f "$T/hostmode/.pinfold/manifest"
"$RUN_MKENV" "$T/hostmode" "$T/tar/hostmode.tar.zst"
expect 1 "a host-mode environment" "a host-mode tarball is refused" -- \
	pf run "$T/tar/hostmode.tar.zst" --project "$P" sh -c 'touch /project/ran'
check "the command never ran" '! ran'

# The cached tree modified after unpacking: found before the run, unpacked again.
f=$ENVS/$sha/root/etc/passwd
chmod u+w "$f"
echo 'evil:x:0:0::/:/bin/sh' >>"$f"
expect 0 "was modified since it was unpacked" "a modified cached tree is found" -- \
	pf run "$TAR" --project "$P" cat /etc/passwd
check "it names what changed" 'grep -q "etc/passwd" "$T/.stderr"'
check "the modified copy was not used" '! grep -q evil "$T/.stdout" && grep -q "^user:" "$T/.stdout"'
check "the tree was unpacked again from the tarball" '! grep -q evil "$f"'
expect 0 "" "and is sealed again" -- pf -v run "$TAR" --project "$P" true
check "no warning the next time" '! grep -q "modified" "$T/.stderr"'
touch "$ENVS/$sha/root/usr/bin/added"
expect 0 "was modified" "a file added to the cached tree is found" -- pf run "$TAR" --project "$P" true
check "and it is gone" '[ ! -e "$ENVS/$sha/root/usr/bin/added" ]'

# The tarball itself replaced by another (same path, new bytes): hashed again, not served from cache.
cp "$T/tar/rewritten.tar.zst" "$T/tar/swap.tar.zst"
cp "$TAR" "$T/tar/swap2.tar.zst"
expect 0 "" "a tarball at a path" -- pf run "$T/tar/swap2.tar.zst" --project "$P" true
cp "$T/tar/swap.tar.zst" "$T/tar/swap2.tar.zst"
expect 1 "does not match its own manifest" "the same path with other bytes is checked again and refused" -- \
	pf run "$T/tar/swap2.tar.zst" --project "$P" true
check "the command never ran" '! ran'

# Three first runs at once, with an empty cache: all run, one tree, no leftovers.
export XDG_CACHE_HOME="$T/cache2"
for i in 1 2 3; do
	(pf run "$TAR" --project "$P" sh -c "echo run $i" >"$T/par$i.out" 2>&1; echo $? >"$T/par$i.rc") &
done
wait
check "all three ran" 'for i in 1 2 3; do [ "$(cat "$T/par$i.rc")" = 0 ] && grep -qx "run $i" "$T/par$i.out" || exit 1; done'
check "one cached tree" '[ "$(ls "$T/cache2/pinfold/envs" | grep -c "^$sha$")" = 1 ]'
check "no temporary trees left" '! ls -a "$T/cache2/pinfold/envs" | grep -q "^\.\(tmp\|stale\)-"'

done_testing
