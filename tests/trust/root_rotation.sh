#!/bin/sh
# SPDX-License-Identifier: MIT
# Root rotation as a table, after python-tuf's test_updater_key_rotations.py and tuf-conformance:
# each row is a chain of roots (version 1 is the anchor given with --root) that 'pinfold trust
# update' must accept or refuse, then the version trusted afterwards. Then: a catalog signed by a
# key the catalog role drops is accepted before the update and refused after it; the walk's cap;
# the stored root and the anchor cannot be rolled back; a bundle carries the roots it needs.
# Real Ed25519 keys and signatures throughout (pinfold key generate, pinfold trust sign).
NOW=2026-06-01T00:00:00Z
. "$SRCDIR/tests/lib.sh"

FUTURE=2030-01-01T00:00:00Z
PAST=2026-01-01T00:00:00Z

for k in k1 k2 k3 k4 k5 n1 n2 n3 c1 c2 a1; do
	newkey $k
	eval "ID_$k=\$(\"\$PINFOLD\" key id \"\$T/keys/$k.key.pub\")"
	eval "PUB_$k=\$(openssl pkey -pubin -in \"\$T/keys/$k.key.pub\" -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \\n')"
done
id() { eval "printf %s \"\$ID_$1\""; }
ids() { _s=""; for _k; do _s="$_s${_s:+, }$(id "$_k")"; done; printf %s "$_s"; }

# mkroot FILE VERSION EXPIRES ROOT_THRESHOLD "ROOT KEYS" CATALOG_THRESHOLD "CATALOG KEYS"
#        [ADVISORIES_THRESHOLD "ADVISORIES KEYS"] (advisories default to the catalog's)
mkroot() {
	_f=$1 _v=$2 _x=$3 _rt=$4 _rk=$5 _ct=$6 _ck=$7 _at=${8:-$6} _ak=${9:-$7}
	{
		printf 'format: pinfold-root/1\nversion: %s\nexpires: %s\nkeys:\n' "$_v" "$_x"
		# shellcheck disable=SC2086 # key name lists
		for _k in $(printf '%s\n' $_rk $_ck $_ak | sort -u); do
			eval "printf '  %s: {type: ed25519, public: %s}\n' \"\$ID_$_k\" \"\$PUB_$_k\""
		done
		# shellcheck disable=SC2086
		printf 'roles:\n  root: {keys: [%s], threshold: %s}\n' "$(ids $_rk)" "$_rt"
		# shellcheck disable=SC2086
		printf '  catalog: {keys: [%s], threshold: %s}\n' "$(ids $_ck)" "$_ct"
		# shellcheck disable=SC2086
		printf '  advisories: {keys: [%s], threshold: %s}\n' "$(ids $_ak)" "$_at"
	} >"$_f"
}
# sign FILE KEY...: FILE.sig gets one line per key
sign() {
	_f=$1; shift
	_a=""
	for _k; do _a="$_a --key $T/keys/$_k.key"; done
	# shellcheck disable=SC2086
	"$PINFOLD" trust sign "$_f" $_a >/dev/null
}

# The anchor every row starts from: version 1, root keys k1..k5 (3 of 5), catalog key c1.
mkdir r1
mkroot r1/1.root.yaml 1 "$FUTURE" 3 "k1 k2 k3 k4 k5" 1 c1
sign r1/1.root.yaml k1 k2 k3
# a 1-of-1 anchor for the rows that rotate a single key
mkdir s1
mkroot s1/1.root.yaml 1 "$FUTURE" 1 k1 1 c1
sign s1/1.root.yaml k1

rows=0
# row NAME ANCHOR_DIR WANT_EXIT "WANT TEXT" WANT_VERSION: update from src/ (filled by the caller)
row() {
	rows=$((rows + 1))
	st=$T/st$rows
	expect "$3" "$4" "$1: update ${3:+exits $3}" -- \
		pf --state-dir "$st" --root "$T/$2/1.root.yaml" trust update --from src
	if [ "$3" != 0 ]; then
		check "$1: one line, 'pinfold: error: ...'" \
			'[ "$(wc -l <"$T/.stderr")" = 1 ] && grep -q "^pinfold: error: " "$T/.stderr"'
	fi
	got=$(pf --state-dir "$st" --root "$T/$2/1.root.yaml" trust show | sed -n 's/^root version \([0-9]*\).*/\1/p')
	want_v=$5
	check "$1: trusted root version is $5 (got ${got:-none})" '[ "$got" = "$want_v" ]'
	rm -rf src
	mkdir src
}
mkdir src

# 1-of-1 rotate: root key k1 -> k2; version 2 signed by the old key and the new one.
mkroot src/2.root.yaml 2 "$FUTURE" 1 k2 1 c1
sign src/2.root.yaml k1 k2
row "1-of-1 rotate" s1 0 "root version 1 -> 2" 2

# 1-of-1 rotate signed only by the new key: version 1's root key did not sign it.
mkroot src/2.root.yaml 2 "$FUTURE" 1 k2 1 c1
sign src/2.root.yaml k2
row "rotate without the old key" s1 1 "checked against version 1's root keys" 1

# 3-of-5 -> 3-of-3 new keys, with only 2 of the old keys: refused.
mkroot src/2.root.yaml 2 "$FUTURE" 3 "n1 n2 n3" 1 c1
sign src/2.root.yaml k1 k2 n1 n2 n3
row "3-of-5 rotate with only 2 old keys" r1 1 "signed by 2 distinct trusted keys, 3 required" 1

# the same with 3 old keys: accepted.
mkroot src/2.root.yaml 2 "$FUTURE" 3 "n1 n2 n3" 1 c1
sign src/2.root.yaml k3 k4 k5 n1 n2 n3
row "3-of-5 rotate with 3 old keys" r1 0 "root version 1 -> 2" 2

# new root not signed by a threshold of its own keys (old keys only, and 2 of 3 new).
mkroot src/2.root.yaml 2 "$FUTURE" 3 "n1 n2 n3" 1 c1
sign src/2.root.yaml k1 k2 k3
row "new root not signed by its own keys" r1 1 "checked against its own root keys" 1
mkroot src/2.root.yaml 2 "$FUTURE" 3 "n1 n2 n3" 1 c1
sign src/2.root.yaml k1 k2 k3 n1 n2
row "new root signed by 2 of its own 3" r1 1 "checked against its own root keys" 1

# version gap: the file for version 2 holds version 3.
mkroot src/2.root.yaml 3 "$FUTURE" 3 "k1 k2 k3 k4 k5" 1 c1
sign src/2.root.yaml k1 k2 k3
row "version gap (2.root.yaml is version 3)" r1 1 "version 3, but the next root must be version 2" 1
# a gap in the files: no 2.root.yaml, a 3.root.yaml: nothing to walk to
mkroot src/3.root.yaml 3 "$FUTURE" 3 "k1 k2 k3 k4 k5" 1 c1
sign src/3.root.yaml k1 k2 k3
row "version gap (no 2.root.yaml)" r1 0 "root version 1 is current" 1

# same version, other bytes: the source's version 1 is not the trusted one.
mkroot src/1.root.yaml 1 2029-01-01T00:00:00Z 3 "k1 k2 k3 k4 k5" 1 c1
sign src/1.root.yaml k1 k2 k3
mkroot src/2.root.yaml 2 "$FUTURE" 3 "k1 k2 k3 k4 k5" 1 c1
sign src/2.root.yaml k1 k2 k3
row "same version, other bytes" r1 1 "another root version 1 than the one trusted here" 1

# an expired intermediate root is fine while the final one is valid ...
mkroot src/2.root.yaml 2 "$PAST" 3 "k1 k2 k3 k4 k5" 1 c1
sign src/2.root.yaml k1 k2 k3
mkroot src/3.root.yaml 3 "$FUTURE" 3 "k1 k2 k3 k4 k5" 1 c1
sign src/3.root.yaml k1 k2 k3
row "expired intermediate, valid final" r1 0 "root version 1 -> 3" 3
# ... but an expired final root is refused, and nothing is stored
mkroot src/2.root.yaml 2 "$PAST" 3 "k1 k2 k3 k4 k5" 1 c1
sign src/2.root.yaml k1 k2 k3
row "expired final root" r1 1 "root version 2 expired at $PAST" 1

# a bad root in the middle of a walk: nothing of the walk is stored
mkroot src/2.root.yaml 2 "$FUTURE" 1 k2 1 c1
sign src/2.root.yaml k1 k2
mkroot src/3.root.yaml 3 "$FUTURE" 1 k3 1 c1
sign src/3.root.yaml k3
row "a bad third root: the good second is not kept either" s1 1 "checked against version 2's root keys" 1

# malformed roots (exit 3, as every malformed input), each one line naming the file (signed while well-formed, then changed: the
# strict parse refuses them before any signature is looked at)
mkroot src/2.root.yaml 2 "$FUTURE" 3 "k1 k2 k3 k4 k5" 1 c1
sign src/2.root.yaml k1 k2 k3 k4 k5
sed 's/threshold: 3}/threshold: 6}/' src/2.root.yaml >src/x && mv src/x src/2.root.yaml
row "threshold above the key count" r1 3 "2.root.yaml:" 1
mkroot src/2.root.yaml 2 "$FUTURE" 3 "k1 k2 k3 k4 k5" 1 c1
sign src/2.root.yaml k1 k2 k3
sed 's/^format: .*/format: pinfold-root\/2/' src/2.root.yaml >src/x && mv src/x src/2.root.yaml
row "another format" r1 3 "format 'pinfold-root/2' is not pinfold-root/1" 1
mkroot src/2.root.yaml 2 "$FUTURE" 3 "k1 k2 k3 k4 k5" 1 c1
sign src/2.root.yaml k1 k2 k3
printf 'extra: 1\n' >>src/2.root.yaml
row "an unknown field" r1 3 "extra" 1
mkroot src/2.root.yaml 2 "$FUTURE" 1 k1 1 c1
sign src/2.root.yaml k1
sed "s/public: $PUB_k1/public: $PUB_k2/" src/2.root.yaml >src/x && mv src/x src/2.root.yaml
row "a key id that is not its key's" s1 3 "is not the SHA-256 of its public key" 1
mkroot src/2.root.yaml 2 "$FUTURE" 1 k1 1 c1
row "unsigned" s1 1 "not signed (2.root.yaml.sig is missing)" 1
mkroot src/2.root.yaml 2 "$FUTURE" 1 k1 1 c1
head -c 600000 /dev/zero | tr '\0' '#' >>src/2.root.yaml
sign src/2.root.yaml k1 2>/dev/null
row "larger than the cap" s1 3 "larger than 524288 bytes" 1

# --- rollback: after 1 -> 3, older roots are never accepted again
st=$T/rb
mkroot src/2.root.yaml 2 "$FUTURE" 1 k2 1 c1
sign src/2.root.yaml k1 k2
mkroot src/3.root.yaml 3 "$FUTURE" 1 k3 1 c1
sign src/3.root.yaml k2 k3
cp -r src old
ok "rollback: walk 1 -> 3" pf --state-dir "$st" --root s1/1.root.yaml trust update --from src
rm -rf src && mkdir src
cp old/2.root.yaml src/4.root.yaml && cp old/2.root.yaml.sig src/4.root.yaml.sig
expect 1 "version 2, but the next root must be version 4" "rollback: an older root offered as the next one" -- \
	pf --state-dir "$st" --root s1/1.root.yaml trust update --from src
expect 0 "root version 3 (" "rollback: the anchor (version 1) does not replace the stored version 3" -- \
	pf --state-dir "$st" --root s1/1.root.yaml trust show
cp old/2.root.yaml "$st/roots/3.root.yaml" && cp old/2.root.yaml.sig "$st/roots/3.root.yaml.sig"
expect 1 "holds root version 2, not 3" "rollback: the stored root replaced by an older one is refused" -- \
	pf --state-dir "$st" --root s1/1.root.yaml trust show
rm "$st/roots/3.root.yaml" "$st/roots/3.root.yaml.sig"
expect 1 "root version 3 was accepted on this machine, but its file is gone" \
	"rollback: the stored root removed: refused, no fallback to the anchor" -- \
	pf --state-dir "$st" --root s1/1.root.yaml trust show
rm -rf src && mkdir src

# --- the cap: 34 new roots; one update takes 32, the next the rest
v=1
while [ $v -lt 35 ]; do
	v=$((v + 1))
	mkroot src/$v.root.yaml $v "$FUTURE" 1 k1 1 c1
	sign src/$v.root.yaml k1
done
st=$T/cap
expect 0 "root version 1 -> 33 (32 new roots" "cap: one update accepts 32 roots" -- \
	pf --state-dir "$st" --root s1/1.root.yaml trust update --from src
check "cap: and says more remain" 'grep -q "more roots remain after version 33" "$T/.stderr" "$T/.stdout"'
expect 0 "root version 33 -> 35" "cap: the next update takes the rest" -- \
	pf --state-dir "$st" --root s1/1.root.yaml trust update --from src
rm -rf src && mkdir src

# --- revocation: the catalog role drops c1 for c2
W=/usr/share/python-wheels
pf catalog init cat1 --name rot >/dev/null
pf catalog add cat1 "$W"/wheel-0.38.4-py3-none-any.whl --published 2023-01-10 --by sec >/dev/null
pf catalog sign cat1 --key "$T/keys/c1.key" >/dev/null
cp -r cat1 cat2
pf catalog sign cat2 --key "$T/keys/c2.key" >/dev/null
st=$T/rev
R="--state-dir $st --root s1/1.root.yaml"
# shellcheck disable=SC2086
expect 0 "catalog 'rot' version 1: ok" "revocation: before the update, the catalog signed by c1 is accepted" -- \
	pf $R catalog verify cat1
# shellcheck disable=SC2086
expect 1 "cat2/catalog.yaml" "revocation: before the update, one signed by c2 is not" -- \
	pf $R catalog verify cat2
mkroot src/2.root.yaml 2 "$FUTURE" 1 k1 1 c2
sign src/2.root.yaml k1
# shellcheck disable=SC2086
ok "revocation: update to a root whose catalog role is c2 only" pf $R trust update --from src
# shellcheck disable=SC2086
expect 1 "not signed by any trusted key" "revocation: after it, the catalog signed only by c1 is refused" -- \
	pf $R catalog verify cat1
# shellcheck disable=SC2086
expect 0 "catalog 'rot' version 2: ok" "revocation: and the one signed by c2 is accepted" -- \
	pf $R catalog verify cat2
# shellcheck disable=SC2086
expect 0 "catalog 'rot' version 1: ok" "revocation: --trust still overrides the root explicitly" -- \
	pf --state-dir "$T/rev-override" --root s1/1.root.yaml --trust "$T/keys/c1.key.pub" catalog verify cat1
# a catalog threshold of 2 in the root: one signature is not enough, a pin cannot lower it
mkroot src/3.root.yaml 3 "$FUTURE" 1 k1 2 "c1 c2"
sign src/3.root.yaml k1
# shellcheck disable=SC2086
ok "threshold: update to a root wanting 2 catalog keys" pf $R trust update --from src
cp -r cat2 cat3
pf catalog sign cat3 --key "$T/keys/c2.key" >/dev/null
# shellcheck disable=SC2086
expect 1 "signed by 1 distinct trusted key, 2 required" "threshold: one catalog key is refused" -- \
	pf $R catalog verify cat3 --threshold 1
cp -r cat2 cat4
pf catalog sign cat4 --key "$T/keys/c2.key" --key "$T/keys/c1.key" >/dev/null
# shellcheck disable=SC2086
expect 0 "catalog 'rot' version 3: ok" "threshold: two are accepted" -- pf $R catalog verify cat4
rm -rf src && mkdir src

# --- update --from URL (a real HTTP server on 127.0.0.1)
mkdir web
mkroot web/2.root.yaml 2 "$FUTURE" 1 k2 1 c1
sign web/2.root.yaml k1 k2
timeout 120 python3 "$SRCDIR/tests/fetch/hostile_httpd.py" web http.port 120 >/dev/null 2>&1 &
HTTP_PID=$!
trap 'kill $HTTP_PID 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s http.port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=http://127.0.0.1:$(cat http.port)
expect 3 "$URL/wrong/2.root.yaml" "URL: other bytes of the same length over HTTP are refused (malformed)" -- \
	pf --state-dir "$T/web1" --root s1/1.root.yaml trust update --from "$URL/wrong"
expect 0 "root version 1 -> 2 (1 new root from '$URL/good')" "URL: update --from an http URL walks 1 -> 2" -- \
	pf --state-dir "$T/web1" --root s1/1.root.yaml trust update --from "$URL/good"
expect 0 "root version 2 is current" "URL: and then finds nothing newer" -- \
	pf --state-dir "$T/web1" --root s1/1.root.yaml trust update --from "$URL/good"
kill $HTTP_PID 2>/dev/null
wait $HTTP_PID 2>/dev/null

# --- a bundle carries the roots it needs: an air-gapped site rotates with it
A="--state-dir $T/siteA --root s1/1.root.yaml"
mkroot src/2.root.yaml 2 "$FUTURE" 1 k1 1 c2
sign src/2.root.yaml k1
# shellcheck disable=SC2086
ok "bundle: the sending site rotates to version 2 (catalog key c2)" pf $A trust update --from src
mkdir -p proj/images proj/lockfiles mirror
pf catalog init proj/catalog --name bund >/dev/null
pf catalog add proj/catalog "$W"/wheel-0.38.4-py3-none-any.whl --published 2023-01-10 --by sec >/dev/null
pf catalog sign proj/catalog --key "$T/keys/c2.key" >/dev/null
cp "$W"/wheel-0.38.4-py3-none-any.whl mirror/
printf 'name: app\ncatalog: ../catalog\ntarget: {python: "3.11"}\npackages: ["pypi:wheel"]\n' >proj/images/app.yaml
# shellcheck disable=SC2086
ok "bundle: lock with the rotated root" pf $A lock proj/images/app.yaml
# shellcheck disable=SC2086
ok "bundle: create" pf $A bundle create proj/lockfiles/app.lock -o b.pfb --mirror mirror --cache "$T/cache"
check "bundle: it holds roots/2.root.yaml and its signature" \
	'grep -a -q "name: roots/2.root.yaml\$" b.pfb && grep -a -q "name: roots/2.root.yaml.sig" b.pfb'
B="--state-dir $T/siteB --root s1/1.root.yaml"
# shellcheck disable=SC2086
expect 1 "not signed by any trusted key" "bundle: without the rotation, the receiving site refuses its catalog" -- \
	pf $B catalog verify proj/catalog
# shellcheck disable=SC2086
expect 0 "root version 1 -> 2 (carried by the bundle)" "bundle: verify walks the roots it carries, then its catalog" -- \
	pf $B bundle verify b.pfb
# shellcheck disable=SC2086
expect 0 "root version 2 (" "bundle: the receiving site now trusts root version 2" -- pf $B trust show
# shellcheck disable=SC2086
expect 1 "checked against version 1's root keys" "bundle: roots of another chain are refused (anchor r1)" -- \
	pf --state-dir "$T/siteC" --root r1/1.root.yaml bundle verify b.pfb
rm -rf src && mkdir src

# --- the shipped root: version 1 is built in, signed by the release key
release=e27e350449e03facf9cc7798f6d1cf532dec755f039b57acce50a3ed010f7c9a
expect 0 "root version 1 (built-in)" "the built-in root is version 1" -- pf trust show
check "its root and catalog key is the release key" \
	'[ "$(grep -c "^  $release\$" "$T/.stdout")" = 3 ]'
same_text "the built-in root is the shipped builder/trust/root/1.root.yaml" \
	"$SRCDIR/builder/trust/root/1.root.yaml" "$BUILDDIR/data/trust/1.root.yaml"
cp "$SRCDIR/builder/trust/root/1.root.yaml" "$SRCDIR/builder/trust/root/1.root.yaml.sig" .
ok "the shipped root verifies as an anchor" pf --state-dir "$T/ship" --root 1.root.yaml trust show

done_testing
