#!/bin/sh
# SPDX-License-Identifier: MIT
# The shipped default catalog: verifies with the built-in trust anchor only, matches
# catalog/packages.list, records the March 2026 revocations, and every image locks against it
# (and its committed lockfile, when there is one, is up to date).
NOW=${NOW:-2026-11-30T00:00:00Z}	# the default catalog (version 7) was signed 2026-11-30 00:40, expires 2027-11-30
. "$SRCDIR/tests/lib.sh"

cat=$SRCDIR/catalog
release=e27e350449e03facf9cc7798f6d1cf532dec755f039b57acce50a3ed010f7c9a

expect 0 "signed by $release" "shipped catalog verifies with the built-in trust anchor" -- \
	pf catalog verify "$cat"
expect 0 "4 advisories" "shipped advisories verify with the built-in trust anchor" -- \
	pf catalog verify "$cat"
"$PINFOLD" key id "$SRCDIR/builder/trust/keys/catalog-release.pub" >"$T/keyid" 2>&1
check "the built-in trust anchor is the release key the images pin" \
	"[ \"\$(cat '$T/keyid')\" = $release ] && grep -q $release '$SRCDIR/images/agent-default.yaml'"
check "no private key is committed" "! grep -rlE 'PRIVATE[ ]KEY' '$SRCDIR/catalog' '$SRCDIR/builder/trust/keys' '$SRCDIR/images'"

# A tampered copy is refused: one changed hash, one changed advisory, a dropped signature.
cp -r "$cat" "$T/cat"
sed '0,/sha256: /s/\(sha256: "*\)[0-9a-f]/\10/' "$cat/catalog.yaml" >"$T/cat/catalog.yaml"
expect 1 "" "a catalog with one altered hash is refused" -- pf --state-dir "$T/s1" catalog verify "$T/cat"
cp "$cat/catalog.yaml" "$T/cat/catalog.yaml"
sed 's/severity: critical/severity: low/' "$cat/advisories.yaml" >"$T/cat/advisories.yaml"
expect 1 "" "advisories with an altered severity are refused" -- pf --state-dir "$T/s2" catalog verify "$T/cat"
cp "$cat/advisories.yaml" "$T/cat/advisories.yaml"
rm "$T/cat/catalog.yaml.sig"
expect 1 "" "a catalog without its signature is refused" -- pf --state-dir "$T/s3" catalog verify "$T/cat"

# packages.list is the one list: the signed catalog holds exactly its entries.
awk '$1 ~ /^(npm|deb|pypi)$/ { print $1 ":" $2, $3 }' "$cat/packages.list" | sort >"$T/listed"
pf catalog list "$cat" | awk '{ print $1, $2 }' | sort >"$T/signed"
same_text "catalog/packages.list and the signed catalog agree" "$T/listed" "$T/signed"
check "at least 40 packages" "[ \$(wc -l <'$T/signed') -ge 40 ]"

for want in "pypi litellm 1.82.7" "pypi litellm 1.82.8" "npm axios 1.14.1" "npm axios 0.30.4"; do
	# shellcheck disable=SC2086 # split into ecosystem, name, version
	set -- $want
	check "advisories revoke $1:$2 $3 (critical)" \
		"awk -v e=$1 -v n=$2 -v v='\"$3\"' '
			\$1 == \"-\" && \$2 == \"id:\" { eco = \"\"; name = \"\"; hit = 0 }
			\$1 == \"ecosystem:\" { eco = \$2 } \$1 == \"name:\" { name = \$2 }
			\$1 == \"-\" && \$2 == v && eco == e && name == n { hit = 1 }
			\$1 == \"severity:\" && hit && \$2 == \"critical\" { found = 1 }
			END { exit !found }' '$cat/advisories.yaml'"
done

# Every image resolves against the signed catalog alone; committed lockfiles are up to date.
for img in "$SRCDIR"/images/*.yaml; do
	name=$(basename "$img" .yaml)
	expect 0 "" "images/$name.yaml locks against the default catalog" -- \
		pf lock "$img" -o "$T/$name.lock"
	if [ -f "$SRCDIR/lockfiles/$name.lock" ]; then
		expect 0 "" "lockfiles/$name.lock is up to date (lock --check)" -- pf lock --check "$img"
	fi
done
# every vetted artifact is there for an image: the committed locks together use the whole catalog
python3 - "$SRCDIR"/lockfiles/*.lock >"$T/locked" <<'PY'
import sys
seen = set()
for f in sys.argv[1:]:
    eco = name = None
    for line in open(f):
        k, _, v = line.strip().lstrip("- ").partition(": ")
        v = v.strip('"')
        if k == "ecosystem":
            eco, name = v, None
        elif k == "name" and eco and name is None:
            name = v
        elif k == "version" and eco and name:
            seen.add(f"{eco}:{name} {v}")
            eco = name = None
print("\n".join(sorted(seen)))
PY
sort -o "$T/locked" "$T/locked"
same_text "the images together lock every package of the catalog" "$T/locked" "$T/signed"
check "agent-default, the main image, locks more than 400 of them" \
	"[ \$(grep -c '^  - ecosystem:' '$T/agent-default.lock') -gt 400 ]"

done_testing
