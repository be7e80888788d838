#!/bin/sh
# SPDX-License-Identifier: MIT
# catalog import-debian against a small Debian archive that mkarchive.py builds and signs with throwaway
# OpenPGP keys: the closure rules, the three ways to read an archive, and every refusal.
# shellcheck disable=SC2034,SC2086 # variables read in check strings; $KR and $S are option lists
. "$SRCDIR/tests/lib.sh"

for tool in gpg gpgconf dpkg-deb lz4 python3; do
	command -v $tool >/dev/null 2>&1 || { echo "1..0 # SKIP $tool is not installed (tools/install-deps)"; exit 0; }
done
# gpg-agent's socket lives in GNUPGHOME: keep the path short wherever the test directory is
A=$(mktemp -d /tmp/pfimp.XXXXXX)
trap 'GNUPGHOME="$A/gnupg" gpgconf --kill all 2>/dev/null; [ -n "${HTTPD_PID:-}" ] && kill "$HTTPD_PID" 2>/dev/null;
	rm -rf "$T" "$A"' EXIT
python3 "$SRCDIR/tests/import/mkarchive.py" all "$A" >"$T/mk.log" 2>&1 || { cat "$T/mk.log"; exit 1; }
GNUPGHOME="$A/gnupg" gpgconf --kill all	# the fixtures are made; nothing below runs gpg
M=$A/mirror
KR="--keyring $A/keys/ed.gpg"
S="--suite testing --suite testing-security"
ED=$(cat "$A/keys/ed.fpr")

# newcat NAME [init options]: an empty working catalog
newcat() { d=$1; shift; pf catalog init "$T/$d" --name "$d" "$@" >/dev/null; }
# listing of a catalog: "deb:name version" lines
names() { pf catalog list "$T/$1" | awk '{ print $1, $2 }'; }
sha() { grep -v '^name: ' "$T/$1/catalog.yaml" | sha256sum | cut -c1-64; }	# its bytes but the name
imp() { d=$1; shift; pf catalog import-debian "$T/$d" "$@"; }

# ---- the closure, from a mirror directory (xz Packages, .debs in its pool) ----
newcat m
expect 0 "added deb:app 1.0-1" "mirror: app and its closure are imported" -- imp m --lists "$M" $KR $S app
cat >want.txt <<'EOF'
deb:app 1.0-1
deb:exim-ish 4.0-1
deb:libalt 1.0-1
deb:libbar 1.0-1
deb:libc-fake 2.0-1
deb:libfoo 1.2-1+sec1
deb:libpre 1.0-1
deb:provider-a 1.0-1
deb:pyx 3.11-1
deb:vprov 1.0-1
EOF
names m >got.txt
same_text "closure: Pre-Depends, versioned, alternatives, virtuals by Priority then name, :any, :i386 falls through" \
	want.txt got.txt
check "verified suites are named with their signing key" 'grep -q "verified testing: InRelease of 2026-03-01T00:00:00Z signed by $ED" "$T/.stdout"'
check "newest eligible wins: libfoo from testing-security, dated by its changelog" \
	'grep -q "added deb:libfoo 1.2-1+sec1 (testing-security, published 2026-05-20 by its changelog" "$T/.stdout"'
Y=$T/m/catalog.yaml
check "published is the changelog date of the .deb" 'grep -A3 "name: app$" "$Y" | grep -q "published: 2026-01-10"'
check "size and sha256 come from the signed index" \
	'[ "$(grep -A8 "name: app$" "$Y" | awk "/size:/ { print \$2 }")" = "$(stat -c %s "$A/debs/app_1.0-1_all.deb")" ] &&
	 grep -A8 "name: app$" "$Y" | grep -q "sha256: \"*$(sha256sum "$A/debs/app_1.0-1_all.deb" | cut -c1-64)"'
check "depends keep Pre-Depends then Depends, as written" \
	'grep -A20 "name: app$" "$Y" | grep -A3 "depends:" | sed -n 2p | grep -q "libpre"'
check "conflicts hold Breaks and Conflicts in stanza order" \
	'grep -A16 "name: libbar$" "$Y" | grep -A2 "conflicts:" | tr -d "\n" | grep -q "libbaz (<< 0.5).*libold"'
check "the vetting note names archive, suite, index Date and signing key" \
	'grep -A24 "name: libfoo$" "$Y" | grep "note:" | grep -q "testing-security (Origin PinfoldTest, Label PinfoldTest, InRelease Date 2026-05-30T02:00:00Z, signed by $ED)"'
check "the catalog is not signed by the import" '[ ! -e "$T/m/catalog.yaml.sig" ]'
newkey cur
expect 0 "signed catalog" "the imported catalog signs" -- pf catalog sign "$T/m" --key "$T/keys/cur.key"
expect 0 "ok, 10 packages" "and verifies" -- pf --trust "$T/keys/cur.key.pub" catalog verify "$T/m"
cat >img.yaml <<EOF
name: imported
catalog: $T/m
target: {python: "3.11", platform: linux-x86_64}
packages: ["deb:app"]
EOF
expect 0 "" "pinfold lock resolves the imported closure" -- pf --trust "$T/keys/cur.key.pub" lock img.yaml -o img.lock
check "the lock holds all ten packages" '[ "$(grep -c "ecosystem: deb" img.lock)" -eq 10 ]'

# ---- determinism and re-runs ----
newcat m2
expect 0 "" "a second import into a fresh catalog" -- imp m2 --lists "$M" $KR $S app
newcat m3
imp m3 --lists "$M" $KR $S app >/dev/null 2>&1
check "identical bytes from two fresh imports" '[ "$(sha m2)" = "$(sha m3)" ]'
before=$(sha m2)
expect 0 "kept deb:app 1.0-1 (already in the catalog)" "re-running changes nothing" -- imp m2 --lists "$M" $KR $S app
check "and says so" 'grep -q "nothing to add" "$T/.stdout"'
check "the file is untouched" '[ "$(sha m2)" = "$before" ]'
expect 0 "would add deb:lonely 1.0-1" "--dry-run shows what would be added" -- imp m2 --lists "$M" $KR $S --dry-run lonely
check "and writes nothing" '[ "$(sha m2)" = "$before" ]'

# ---- apt's lists (lz4) and a mirror URL give the same catalog ----
newcat l
expect 0 "" "apt lists dir with the .debs at hand (--debs)" -- imp l --lists "$A/lists" --debs "$A/debs" $KR $S app
check "lz4 lists + flat .debs == mirror" '[ "$(sha l)" = "$(sha m3)" ]'
python3 "$SRCDIR/tests/import/httpd.py" "$M" "$T/port" 300 &
HTTPD_PID=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
newcat u
expect 0 "" "mirror URL on 127.0.0.1 (indexes and .debs over HTTP)" -- \
	imp u --lists "http://127.0.0.1:$(cat "$T/port")/" --no-debs $KR $S app
check "URL + index dates: libfoo 1.2 is too young by its index's Date, 1.0 wins" 'grep -q "deb:libfoo 1.0-1" "$T/.stdout"'
newcat u2
expect 0 "" "mirror URL, .debs fetched from its pool" -- imp u2 --lists "http://127.0.0.1:$(cat "$T/port")" $KR $S app
check "URL == mirror directory" '[ "$(sha u2)" = "$(sha m3)" ]'

# ---- dates when no .deb is at hand ----
newcat n
expect 0 "skipped deb:libfoo 1.2-1+sec1 (testing-security, published 2026-05-30 by its index, no .deb at hand)" \
	"without .debs a version is dated by its index (an upper bound) and may be too young" -- \
	imp n --lists "$A/lists" --no-debs $KR $S app
check "so the older eligible libfoo is taken" 'names n | grep -qx "deb:libfoo 1.0-1"'
check "and the note says how to date them by changelog" 'grep -q "apt-get download .*libfoo=1.2-1+sec1" "$T/.stdout"'
check "an index date is recorded as such" 'grep -A20 "name: libfoo$" "$T/n/catalog.yaml" | grep -q "an upper bound"'

# ---- the catalog's own packages come first ----
newcat p
imp p --lists "$M" $KR $S libbaz postfix-ish >/dev/null 2>&1
expect 0 "" "import app into a catalog that has libbaz and postfix-ish" -- imp p --lists "$M" $KR $S app
check "alternatives already met by the catalog are kept (libbaz, postfix-ish), not Debian's first" \
	'names p | grep -qx "deb:libbaz 1.0-1" && names p | grep -qx "deb:postfix-ish 3.0-1" &&
	 ! names p | grep -q "deb:libbar" && ! names p | grep -q "deb:exim-ish"'
check "libbaz (doc dir a link) is dated by its members' SOURCE_DATE_EPOCH" \
	'grep -A3 "name: libbaz$" "$T/p/catalog.yaml" | grep -q "published: 2026-01-09"'
expect 0 "added deb:epochpkg 1:2.0-1+b1" "an epoch version" -- imp p --lists "$M" $KR $S epochpkg
check "is stored under apt's file name (%3a)" 'grep -q "file: \"epochpkg_1%3a2.0-1+b1_amd64.deb\"" "$T/p/catalog.yaml"'
check "a binNMU is dated by its own changelog entry" 'grep -A3 "name: epochpkg$" "$T/p/catalog.yaml" | grep -q "published: 2026-01-12"'

# ---- --upgrade ----
newcat g
imp g --lists "$M" $KR --suite testing libfoo >/dev/null 2>&1
expect 0 "" "app into a catalog holding libfoo 1.0" -- imp g --lists "$M" $KR $S app
check "libfoo 1.0 meets 'libfoo (>= 1.0)': no newer version without --upgrade" '! names g | grep -q "libfoo 1.2"'
expect 0 "added deb:libfoo 1.2-1+sec1" "--upgrade adds the newer eligible version" -- imp g --lists "$M" $KR $S --upgrade app
check "beside the old one" 'names g | grep -qx "deb:libfoo 1.0-1"'

# ---- eligibility: the catalog's release age and revocations ----
newcat old --min-age-days 30
expect 0 "skipped deb:libfoo 1.2-1+sec1 (testing-security, published 2026-05-20 by its changelog): excluded: published 12 days ago, policy requires 30" \
	"min_age_days 30: libfoo 1.2 (12 days) is skipped" -- imp old --lists "$M" $KR $S app
check "and 1.0 taken" 'names old | grep -qx "deb:libfoo 1.0-1"'
newcat r
pf catalog revoke "$T/r" deb:libfoo 1.2-1+sec1 --reason "test revocation" >/dev/null
expect 0 "revoked: test revocation" "a revoked version is skipped" -- imp r --lists "$M" $KR $S app
check "and 1.0 taken" 'names r | grep -qx "deb:libfoo 1.0-1"'

# ---- other keys that are fine: RSA, a signing subkey, a keyring directory, armored keys ----
mkmirror() {	# mkmirror NAME INRELEASE: a copy of the mirror (at $T/mir-NAME) with testing's InRelease replaced
	cp -a "$M" "$T/mir-$1"; cp "$2" "$T/mir-$1/dists/testing/InRelease"
}
mkmirror rsa "$A/InRelease.rsa"
newcat k1
expect 0 "" "an RSA signature verifies" -- imp k1 --lists "$T/mir-rsa" --keyring "$A/keys/rsa.gpg" --suite testing lonely
mkmirror sub "$A/InRelease.sub"
newcat k2
expect 0 "signed by $(cat "$A/keys/sub.subfpr")" "a signing subkey with binding and back-signature verifies" -- \
	imp k2 --lists "$T/mir-sub" --keyring "$A/keys/sub.gpg" --suite testing lonely
mkdir keydir; cp "$A/keys/ed.asc" "$A/keys/rsa.gpg" keydir/
newcat k3
expect 0 "" "--keyring DIR reads every *.gpg and *.asc (armored keys too)" -- \
	imp k3 --lists "$M" --keyring "$T/keydir" --suite testing lonely

# ---- refusals: one error line, exit 1, the working catalog untouched ----
newcat x
imp x --lists "$M" $KR --suite testing lonely >/dev/null 2>&1
X=$(sha x)
refuse() {	# refuse "message" description -- command...
	want=$1 d=$2; shift 3
	expect 1 "$want" "$d" -- "$@"
	check "$d: one error line" '[ "$(wc -l <"$T/.stderr")" -eq 1 ] && grep -q "^pinfold: error: " "$T/.stderr"'
	check "$d: catalog untouched" '[ "$(sha x)" = "$X" ] && [ -z "$(ls "$T/x" | grep tmp)" ]'
}
cp -a "$M" "$T/tampered"
sed -i 's/^Label: PinfoldTest$/Label: PinfoldTesT/' "$T/tampered/dists/testing/InRelease"
refuse "bad signature by key $ED" "a tampered InRelease" -- imp x --lists "$T/tampered" $KR --suite testing app
refuse "not signed by any key of the keyring (signed by $ED)" "a wrong keyring" -- \
	imp x --lists "$M" --keyring "$A/keys/rsa.gpg" --suite testing app
mkmirror old "$A/InRelease.old"
refuse "expired on 2020-12-31" "a key that has expired" -- imp x --lists "$T/mir-old" --keyring "$A/keys/old.gpg" --suite testing app
mkmirror revoked "$A/InRelease.revoked"
refuse "was revoked on" "a revoked key" -- imp x --lists "$T/mir-revoked" --keyring "$A/keys/revoked.gpg" --suite testing app
mkmirror weak "$A/InRelease.weak"
refuse "shorter than 2048 bits" "an RSA-1024 key" -- imp x --lists "$T/mir-weak" --keyring "$A/keys/weak.gpg" --suite testing app
mkmirror nobacksig "$A/InRelease.nobacksig"
refuse "no valid back-signature" "a signing subkey without its back-signature" -- \
	imp x --lists "$T/mir-nobacksig" --keyring "$A/keys/nobacksig.gpg" --suite testing app
mkmirror sha1 "$A/InRelease.sha1"
refuse "uses SHA1, a hash pinfold does not accept" "a SHA-1 signature" -- \
	imp x --lists "$T/mir-sha1" --keyring "$A/keys/rsa.gpg" --suite testing app
cp -a "$M" "$T/badpkg"
xz -dc "$M/dists/testing/main/binary-amd64/Packages.xz" | sed 's/^Size: \([0-9]*\)$/Size: 1\1/' |
	xz -c >"$T/badpkg/dists/testing/main/binary-amd64/Packages.xz"
refuse "but the verified" "a Packages file whose hash differs" -- imp x --lists "$T/badpkg" $KR --suite testing app
cp -a "$A/lists" "$T/badlists"
lz4 -dc "$A/lists/archive.test_debian_dists_testing_main_binary-amd64_Packages.lz4" | sed 's/^Priority: standard$/Priority: required/' |
	lz4 -q -f - "$T/badlists/archive.test_debian_dists_testing_main_binary-amd64_Packages.lz4"
refuse "(decompressed)" "apt's lz4 Packages whose decompressed bytes differ" -- \
	imp x --lists "$T/badlists" $KR --suite testing app
refuse "deb:nosuchpackage: 'nosuchpackage': no such package, and nothing provides it" "a package that does not exist" -- \
	imp x --lists "$M" $KR $S nosuchpackage
refuse "deb:needsmissing 1.0-1 needs 'doesnotexist (>= 1)'" "a dependency nothing provides, with the chain" -- \
	imp x --lists "$M" $KR $S needsmissing
refuse "no such version" "an exact version that is not there" -- imp x --lists "$M" $KR $S lonely=9.9-1
NOW=2026-06-07T00:00:00Z refuse "expired on 2026-06-06T02:00:00Z (its Valid-Until)" "an index past its Valid-Until" -- \
	imp x --lists "$M" $KR $S app
NOW=2026-02-01T00:00:00Z refuse "in the future" "an index from the future" -- imp x --lists "$M" $KR --suite testing app
cp -a "$M" "$T/swapped"
cp "$M/dists/testing-security/InRelease" "$T/swapped/dists/testing/InRelease"
refuse "signed for suite 'stable-security' (codename 'testing-security'), not 'testing'" "another suite's InRelease put in place" -- \
	imp x --lists "$T/swapped" $KR --suite testing app
mkdir rmdir; cp "$A/keys/ed.gpg" rmdir/; cp "$A/keys/rsa.gpg" rmdir/debian-archive-removed-keys.gpg
refuse "keys Debian no longer trusts" "a keyring directory holding Debian's removed keys" -- \
	imp x --lists "$M" --keyring "$T/rmdir" --suite testing app
printf 'not a keyring\n' >junk.gpg
expect 3 "neither an OpenPGP keyring nor ASCII armor" "a keyring that is not one (exit 3)" -- \
	imp x --lists "$M" --keyring "$T/junk.gpg" --suite testing app
expect 3 "no InRelease for it" "a suite that is not there (exit 3)" -- imp x --lists "$M" $KR --suite nosuite app
check "nothing of that was written" '[ "$(sha x)" = "$X" ]'

# ---- usage ----
expect 2 "expected DIR and at least one PACKAGE" "no PACKAGE" -- imp x --lists "$M"
expect 2 "exclude each other" "--debs with --no-debs" -- imp x --debs "$A/debs" --no-debs app
expect 2 "not a Debian architecture name" "a bad --arch" -- imp x --arch 'x/y' app
expect 2 "unknown option '--frob'" "an unknown option" -- imp x --frob app
expect 2 "expected a Debian package name" "a bad package name" -- imp x --lists "$M" $KR --suite testing 'Bad Name'

done_testing
