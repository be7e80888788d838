#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 13: unbounded work. A .sig padded with 100,000 lines for the trusted key is refused before
# any check; each key is verified once; a hostile lockfile's parse is bounded by memory per input
# byte (docs/limits.md). Commands run under timeout(1): 124 means the work was not bounded.
. "$SRCDIR/tests/lib.sh"
tpf() { timeout "${TMO:-60}" "$PINFOLD" --now "$NOW" "$@"; }

newkey a
A=$T/keys/a.key TA="--trust $T/keys/a.key.pub"
mkdir -p cat
pf catalog init cat --name limits >/dev/null
pf catalog add cat /usr/share/python-wheels/wheel-0.38.4-py3-none-any.whl --published 2023-01-10 >/dev/null
pf catalog sign cat --key "$A" >/dev/null
# a 4 MiB catalog (a comment pads it), validly signed by hand: each signature check hashes it all
{ cat cat/catalog.yaml; printf '# '; head -c 4194304 /dev/zero | tr '\0' x; printf '\n'; } >big.yaml
mv big.yaml cat/catalog.yaml
ty=application/vnd.pinfold.catalog+yaml
{ printf 'DSSEv1 %s %s %s ' ${#ty} $ty "$(stat -c %s cat/catalog.yaml)"; cat cat/catalog.yaml; } >pae
line="$(pf key id "$A") $(openssl pkeyutl -sign -inkey "$A" -rawin -in pae | base64 -w0)"
printf '%s\n' "$line" >cat/catalog.yaml.sig
expect 0 "signed by" "the padded catalog verifies with one signature line" -- tpf $TA catalog verify cat
cp -r cat cat100k
awk -v l="$line" 'BEGIN { for (i = 0; i < 100000; i++) print l }' >cat100k/catalog.yaml.sig
TMO=20 expect 1 "more than 256 signature lines" \
	"a .sig padded with 100,000 lines for the trusted key is refused before any check" -- \
	tpf --state-dir "$T/st2" $TA catalog verify cat100k
check "... one error line naming the catalog" 'grep -c "^pinfold: error: .*cat100k/catalog.yaml" "$T/.stderr" | grep -qx 1'
cp -r cat cat256
awk -v l="$line" 'BEGIN { for (i = 0; i < 256; i++) print l }' >cat256/catalog.yaml.sig
TMO=20 expect 0 "signed by" "256 copies of the line: the key is checked once and counts once" -- \
	tpf --state-dir "$T/st3" $TA catalog verify cat256
newkey b
{ awk -v l="$line" 'BEGIN { for (i = 0; i < 255; i++) print l }'
  printf '%s %s\n' "$(pf key id "$T/keys/b.key")" "$(openssl pkeyutl -sign -inkey "$T/keys/b.key" -rawin -in pae | base64 -w0)"; } \
	>cat256/catalog.yaml.sig
TMO=20 expect 0 "" "... and a second key's line after them still counts (threshold 2)" -- \
	tpf --state-dir "$T/st4" $TA --trust "$T/keys/b.key.pub" catalog verify cat256 --threshold 2
cp -r cat catbad
# well-formed but wrong lines (one base64 character changed), then the good one
bad=$(printf '%s\n' "$line" | awk '{ c = substr($0, 80, 1); print substr($0, 1, 79) (c == "A" ? "B" : "A") substr($0, 81) }')
check "the altered line differs from the good one" '[ "$bad" != "$line" ]'
printf '%s\n%s\n' "$bad" "$line" >catbad/catalog.yaml.sig
expect 0 "" "a key's second line is checked (catalog sign keeps the previous version's signature)" -- \
	tpf --state-dir "$T/st5" $TA catalog verify catbad
printf '%s\n%s\n%s\n' "$bad" "$bad" "$line" >catbad/catalog.yaml.sig
expect 1 "does not verify" "... but not a third: each key is checked at most twice" -- \
	tpf --state-dir "$T/st6" $TA catalog verify catbad

# --- memory per input byte: 8 MiB lockfiles that would build a huge tree
python3 - "$SRCDIR/lockfiles/agent-python.lock" <<'PY'
import sys
head = open(sys.argv[1]).read().split("packages:")[0]
n = 8 * 1024 * 1024 - len(head) - 64
open("flow.lock", "w").write(head + "packages: [" + "a," * (n // 2) + "a]\n")
open("block.lock", "w").write(head + "packages:\n" + "- a\n" * (n // 4))
open("deep.lock", "w").write(head + "packages:\n  - {" + ", ".join("k%d: v" % i for i in range(n // 12)) + "}\n")
PY
asan=0
ldd "$PINFOLD" 2>/dev/null | grep -q libasan && asan=1
for f in flow block deep; do
	TMO=120 expect 3 "bytes of memory" "$f.lock (8 MiB): the parse stops at the memory budget" -- \
		/usr/bin/time -f 'maxrss %M' -o "$f.rss" "$PINFOLD" why "$f.lock" pypi:x
	rss=$(sed -n 's/^maxrss //p' "$f.rss")
	echo "# $f.lock: peak RSS $rss KiB"
	if [ $asan -eq 1 ]; then
		n=$((n + 1)); echo "ok $n # SKIP peak memory under ASan is not the program's"
	else
		# 8 MiB of input + 12 bytes of tree per input byte + 1 MiB, and the process itself
		check "... peak memory under 150 MiB ($rss KiB; the old parser took about 410 MiB)" '[ "$rss" -lt 153600 ]'
	fi
done
done_testing
