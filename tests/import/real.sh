#!/bin/sh
# SPDX-License-Identifier: MIT
# catalog import-debian end to end against this machine's real apt lists and Debian's archive keyring:
# python3-requests and its closure, cross-checked with apt's own index, signed, verified and locked; then
# a copy of the real InRelease with one byte changed, and a real Packages file with one byte changed.
# shellcheck disable=SC2034 # variables read in check strings
. "$SRCDIR/tests/lib.sh"

LISTS=/var/lib/apt/lists
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null | tr -d '"')
inrel=$(ls "$LISTS"/*_dists_"${codename:-none}"_InRelease 2>/dev/null | head -n 1)
if [ -z "$codename" ] || [ -z "$inrel" ] || [ ! -r "$KEYRING" ]; then
	echo "1..0 # SKIP no apt lists for this Debian release (run apt-get update) or no $KEYRING"
	exit 0
fi
for s in "$codename-updates" "$codename-security"; do
	ls "$LISTS"/*_dists_"$s"_InRelease >/dev/null 2>&1 ||
		{ echo "1..0 # SKIP apt's lists lack suite $s (the default suites are $codename, -updates, -security)"; exit 0; }
done
# the real clock: these lists were signed for it
real() { "$PINFOLD" "$@"; }

real catalog init "$T/cat" --name real >/dev/null
real catalog import-debian "$T/cat" python3-requests >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -ne 0 ] && grep -q "Valid-Until" "$T/err"; then
	echo "1..0 # SKIP apt's lists are past their Valid-Until (run apt-get update): $(cat "$T/err")"
	exit 0
fi
n=$((n + 1))
if [ $rc -eq 0 ]; then echo "ok $n - python3-requests and its closure import from the real lists"
else echo "not ok $n - import from the real lists (exit $rc)"; sed 's/^/#   /' "$T/err"; failed=$((failed + 1)); fi
check "the suites verified against Debian's keyring" \
	'[ "$(grep -c "^verified " "$T/out")" -eq 3 ] && grep -q "^verified $codename: " "$T/out"'
real catalog list "$T/cat" >list.txt
check "python3-requests, python3 and libc6 are in the closure" \
	'grep -q "^deb:python3-requests " list.txt && grep -q "^deb:python3 " list.txt && grep -q "^deb:libc6 " list.txt'
check "a closure of some size" '[ "$(wc -l <list.txt)" -ge 20 ]'
# apt verified the same index with gpgv; every SHA-256 must be the one apt has (one apt-cache call)
# shellcheck disable=SC2046 # one NAME=VERSION word per package
apt-cache show $(sed 's/^deb:\([^ ]*\) \([^ ]*\) .*/\1=\2/' list.txt) 2>/dev/null |
	awk '/^Package: /{p=$2} /^Version: /{v=$2} /^SHA256: /{print "deb:" p, v, $2}' | sort -u >apt.txt
sort list.txt >pf.txt
bad=$(comm -23 pf.txt apt.txt | wc -l)
comm -23 pf.txt apt.txt | sed 's/^/#   not in apt: /'
check "every SHA-256 equals apt-cache show's for the same version" '[ "$bad" -eq 0 ] && [ -s apt.txt ]'
newkey cur
check "the catalog signs" 'real catalog sign "$T/cat" --key "$T/keys/cur.key" >/dev/null'
check "and verifies" 'real --trust "$T/keys/cur.key.pub" catalog verify "$T/cat" | grep -q "ok, $(wc -l <list.txt) packages"'
cat >img.yaml <<EOF
name: real
catalog: $T/cat
target: {python: "3.11", platform: linux-x86_64}
packages: ["deb:python3-requests"]
EOF
check "pinfold lock resolves python3-requests from it" \
	'real --trust "$T/keys/cur.key.pub" lock img.yaml -o img.lock >/dev/null 2>"$T/lockerr" || { cat "$T/lockerr"; false; }'
before=$(sha256sum "$T/cat/catalog.yaml")

# a copy of the real InRelease with one byte changed in its signed text
mkdir tl
pre=${inrel%InRelease}
cp "$inrel" tl/
cp "$pre"main_binary-*_Packages* tl/ 2>/dev/null
f=tl/$(basename "$inrel")
sed -i '0,/^Origin: Debian$/s//Origin: Debiam/' "$f"
check "the copy differs from the real file" '! cmp -s "$f" "$inrel"'
expect 1 "bad signature by key" "one byte changed in a real InRelease: refused" -- \
	real catalog import-debian "$T/cat" --lists "$T/tl" --suite "$codename" python3-requests
check "one error line" '[ "$(wc -l <"$T/.stderr")" -eq 1 ]'
if [ -r /usr/share/keyrings/debian-archive-removed-keys.gpg ]; then
	expect 1 "not signed by any key of the keyring" "the real InRelease against Debian's removed keys: refused" -- \
		real catalog import-debian "$T/cat" --keyring /usr/share/keyrings/debian-archive-removed-keys.gpg \
		--suite "$codename" python3-requests
fi

# the real InRelease, but a Packages file with one byte changed
mkdir tp
cp "$inrel" tp/
for p in "$pre"main_binary-*_Packages*; do
	case $p in
	*.lz4) lz4 -dc "$p" | sed '1s/^Package: /Package:  /' | lz4 -q -f - "tp/$(basename "$p")" ;;
	*) cp "$p" tp/ ;;
	esac
done
expect 1 "but the verified" "a real Packages file with one byte changed: refused" -- \
	real catalog import-debian "$T/cat" --lists "$T/tp" --suite "$codename" python3-requests
check "the catalog was left alone by the refusals" '[ "$(sha256sum "$T/cat/catalog.yaml")" = "$before" ]'
done_testing
