#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 13: the cache race. Whoever can write the cache (a shared CI cache) swaps an entry's bytes
# while builds run: in place and by rename, in a tight loop. What a build installs is the private
# copy it hashed, so every build either ships the vetted bytes (the reference tarball, byte for
# byte) or fails; none ships the swapped-in bytes.
. "$SRCDIR/tests/lib.sh"

newkey a
A=$T/keys/a.key TA="--trust $T/keys/a.key.pub"
mkdir -p good evil cat images mirror
# two generic tarballs of the same size: the vetted one and the attacker's
printf 'vetted payload\n' >good/payload.txt
printf 'EVIL!! payload\n' >evil/payload.txt
tar --sort=name --owner=0 --group=0 --mtime=@1577836800 -cf good.tar -C good payload.txt
tar --sort=name --owner=0 --group=0 --mtime=@1577836800 -cf evil.tar -C evil payload.txt
xz -6 -c good.tar >mirror/payload-1.tar.xz
xz -6 -c evil.tar >evil.tar.xz
check "the two artifacts have the same size and differ" \
	'[ "$(wc -c <mirror/payload-1.tar.xz)" -eq "$(wc -c <evil.tar.xz)" ] && ! cmp -s mirror/payload-1.tar.xz evil.tar.xz'
pf catalog init cat --name race >/dev/null
pf catalog add cat mirror/payload-1.tar.xz --name payload --version 1 --published 2023-01-10 >/dev/null
pf catalog sign cat --key "$A" >/dev/null
printf 'name: t\ncatalog: ../cat\npackages: ["generic:payload"]\n' >images/t.yaml
expect 0 "" "lock" -- pf $TA lock images/t.yaml -o t.lock
expect 0 "" "reference build (fills the cache)" -- pf $TA build t.lock -o ref.tar.zst --mirror mirror --cache cache
sha=$(sha256sum mirror/payload-1.tar.xz | cut -c1-64)
check "the cache holds the entry" '[ -f "cache/sha256/$sha" ]'

# the racing writer: vetted and evil bytes by turns, in place and by rename, every half millisecond
cat >writer.py <<'PY'
import os, sys, time
path, good, evil, stop = sys.argv[1:5]
g, e = open(good, "rb").read(), open(evil, "rb").read()
i = 0
while not os.path.exists(stop) and i < 2000000:
    data = e if i % 2 else g
    try:
        if (i // 2) % 2 == 0:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
            os.write(fd, data)
            os.close(fd)
        else:
            with open(path + ".w", "wb") as f:
                f.write(data)
            os.rename(path + ".w", path)
    except OSError:
        pass
    i += 1
    time.sleep(0.0005)
print(i)
PY
python3 writer.py "cache/sha256/$sha" mirror/payload-1.tar.xz evil.tar.xz stop >writer.out 2>&1 &
WPID=$!
trap 'touch "$T/stop"; kill $WPID 2>/dev/null; rm -rf "$T"' EXIT
ok=0 failed_builds=0 shipped_evil=0 i=0
while [ $i -lt 25 ]; do
	i=$((i + 1))
	if "$PINFOLD" -q --now "$NOW" $TA build t.lock -o "out$i.tar.zst" --mirror mirror --cache cache >/dev/null 2>"err$i"; then
		if cmp -s ref.tar.zst "out$i.tar.zst"; then ok=$((ok + 1)); else shipped_evil=$((shipped_evil + 1)); fi
	else
		failed_builds=$((failed_builds + 1))
	fi
done
touch stop
wait $WPID
echo "# $ok builds ok, $failed_builds failed, $shipped_evil shipped other bytes; writer swapped $(cat writer.out) times"
check "the writer was swapping the entry all along" '[ "$(cat writer.out)" -gt 100 ]'
check "no build shipped bytes other than the vetted ones (25 builds against a racing writer)" '[ $shipped_evil -eq 0 ]'
check "every build succeeded: a swapped entry is refused and the mirror used" '[ $ok -eq 25 ]'
for f in out*.tar.zst; do
	mkdir -p x && tar --zstd -xOf "$f" payload.txt >>x/payloads 2>/dev/null
done
check "every output holds the vetted payload" '[ "$(grep -cx "vetted payload" x/payloads)" -eq 25 ] && ! grep -qvx "vetted payload" x/payloads'
done_testing
