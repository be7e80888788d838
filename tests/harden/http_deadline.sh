#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 13: HTTP deadlines. A server that stays above libcurl's low-speed limit (2 KB/s) would
# keep 'lock' fetching a catalog for hours: a transfer must keep a minimum average rate after a
# grace period (so a file of S bytes gets grace + S / rate seconds), and all transfers of a run
# share one deadline. Knobs: PINFOLD_MIN_RATE, PINFOLD_TRANSFER_GRACE, PINFOLD_FETCH_DEADLINE.
. "$SRCDIR/tests/lib.sh"
export no_proxy='*' NO_PROXY='*'
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export PINFOLD_FETCH_RETRIES=0 PINFOLD_TRANSFER_GRACE=2 PINFOLD_MIN_RATE=16384
tpf() { timeout 40 "$PINFOLD" --now "$NOW" "$@"; }

newkey a
A=$T/keys/a.key TA="--trust $T/keys/a.key.pub"
mkdir -p site/cat mirror images
for i in 1 2 3; do
	head -c 12000 /dev/urandom >r$i.bin
	tar --owner=0 --group=0 --mtime=@1577836800 -cf - r$i.bin | xz -0 -c >mirror/r$i-1.tar.xz
done
pf catalog init site/cat --name slow >/dev/null
for i in 1 2 3; do
	pf catalog add site/cat mirror/r$i-1.tar.xz --name r$i --version 1 --published 2023-01-10 >/dev/null
done
pf catalog sign site/cat --key "$A" >/dev/null
# pad the catalog to 120 kB (a minute at 2 KB/s) and sign it by hand
{ cat site/cat/catalog.yaml; printf '# '; head -c 120000 /dev/zero | tr '\0' x; printf '\n'; } >big.yaml
mv big.yaml site/cat/catalog.yaml
ty=application/vnd.pinfold.catalog+yaml
{ printf 'DSSEv1 %s %s %s ' ${#ty} $ty "$(stat -c %s site/cat/catalog.yaml)"; cat site/cat/catalog.yaml; } >pae
printf '%s %s\n' "$(pf key id "$A")" "$(openssl pkeyutl -sign -inkey "$A" -rawin -in pae | base64 -w0)" \
	>site/cat/catalog.yaml.sig
cp site/cat/catalog.yaml site/cat/catalog.yaml.sig mirror/*.tar.xz site/
timeout 300 python3 "$SRCDIR/tests/harden/slow_httpd.py" site http.port 300 >/dev/null 2>&1 &
HPID=$!
trap 'kill $HPID 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s http.port ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
URL="http://127.0.0.1:$(cat http.port)"
for c in good rate/2048; do
	n2=$(echo $c | tr / -)
	printf 'name: t\ncatalog: "%s/%s/"\npackages: ["generic:r1", "generic:r2", "generic:r3"]\n' "$URL" "$c" \
		>images/$n2.yaml
done
expect 0 "" "lock against the catalog at full speed" -- tpf --state-dir "$T/st1" $TA lock images/good.yaml -o t.lock

# --- the issue's finding: a catalog at 2 KB/s (above the 1 KB/s low-speed limit)
expect 3 "too slow" "lock: a catalog served at 2 KB/s is given up after the grace period" -- \
	tpf --state-dir "$T/st2" $TA lock images/rate-2048.yaml -o slow.lock
check "... naming the URL and the knobs, no lockfile" \
	'grep -q "rate/2048/catalog.yaml.*PINFOLD_MIN_RATE" "$T/.stderr" && [ ! -e slow.lock ]'

# --- artifacts: a slow mirror is given up, the next one is used
expect 0 "too slow" "build: an artifact mirror at 2 KB/s is given up and the next mirror used" -- \
	tpf --state-dir "$T/st1" $TA build t.lock -o a.tar.zst --mirror "$URL/rate/2048/" --mirror mirror --cache c1
check "... the tarball was built" '[ -s a.tar.zst ]'

# --- one deadline for the whole run: each transfer keeps the pace, together they take too long
expect 3 "deadline for all transfers of this run (2 s, PINFOLD_FETCH_DEADLINE)" \
	"build: transfers that keep the pace but overrun the run's deadline fail the build" -- \
	env PINFOLD_FETCH_DEADLINE=2 PINFOLD_MIN_RATE=1000 timeout 40 "$PINFOLD" --now "$NOW" --state-dir "$T/st1" \
	$TA build t.lock -o b.tar.zst --mirror "$URL/rate/5000/" --mirror mirror --cache c2
check "... without falling through to the next mirror, nothing written" '[ ! -e b.tar.zst ]'
expect 0 "" "... the same build with the default deadline succeeds from that mirror" -- \
	env PINFOLD_MIN_RATE=1000 timeout 40 "$PINFOLD" --now "$NOW" --state-dir "$T/st1" \
	$TA build t.lock -o b.tar.zst --mirror "$URL/rate/5000/" --cache c3
done_testing
