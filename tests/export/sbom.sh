#!/bin/sh
# SPDX-License-Identifier: MIT
# pinfold sbom (issue 16): SPDX 2.3 and CycloneDX 1.6 of a lock checked against its signed catalog
# and of an environment; both validate against their official schemas (npm's CycloneDX library,
# ajv), every locked package is there with a purl that round-trips through packageurl-js, the
# vetting and the dependencies from the lock are recorded, the same inputs give the same bytes,
# and a tampered lock or environment gives no SBOM at all.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/export/common.sh"

export_fixture
check "fixture: a signed test catalog of real artifacts, its lock and its environment" "[ -s t.lock ] && [ -s t.tar.zst ]"
[ "$HAVE_NET_ARTIFACTS" = 1 ] || echo "# npm or apt unreachable: the fixture has the wheels only"
lock_tsv t.lock >want.tsv
npk=$(wc -l <want.tsv)
LOCKSHA=$(sha256sum <t.lock | cut -d' ' -f1)

# --- from the lockfile
expect 0 "" "sbom LOCKFILE --format spdx-json" -- pf $TR sbom t.lock --format spdx-json --cache cache
cp "$T/.stdout" a.spdx.json
expect 0 "" "sbom LOCKFILE --format cyclonedx-json -o FILE" -- \
	pf $TR sbom t.lock --format cyclonedx-json -o a.cdx.json --mirror mirror --cache cache2
check "-o wrote the file and nothing else beside it" '[ -s a.cdx.json ] && ! ls -a | grep -q "a.cdx.json.tmp"'
check "both name every locked package ($npk)" \
	"[ \$(jq '.packages | length' a.spdx.json) -eq $((npk + 1)) ] && [ \$(jq '.components | length' a.cdx.json) -eq $npk ]"

# --- deterministic: time, zone, locale, directory and cache state do not matter
mkdir -p elsewhere/deeper
(cd elsewhere/deeper && TZ=Pacific/Auckland LC_ALL=C.UTF-8 "$PINFOLD" --now 2026-06-20T23:59:59Z $TR sbom \
	../../t.lock --format spdx-json --mirror ../../mirror --cache ../../cold >../../b.spdx.json 2>/dev/null)
(cd elsewhere && TZ=America/New_York LC_ALL=POSIX pf $TR sbom ../t.lock --format cyclonedx-json --cache ../cache \
	>../b.cdx.json 2>/dev/null)
check "SPDX: the same bytes from another directory, zone, clock and a cold cache" "cmp -s a.spdx.json b.spdx.json"
check "CycloneDX: the same bytes again" "cmp -s a.cdx.json b.cdx.json"
sde=$(sed -n 's/^source_date_epoch: //p' t.lock)
created=$(date -u -d "@$sde" +%Y-%m-%dT%H:%M:%SZ)
check "every timestamp is the lock's source_date_epoch ($created)" \
	"[ \"\$(jq -r .creationInfo.created a.spdx.json)\" = $created ] && [ \"\$(jq -r .metadata.timestamp a.cdx.json)\" = $created ]"
ns=$(python3 -c 'import uuid, sys; n = uuid.UUID("a46a1d5d-aecc-4c6c-89ec-d0414c5b6b26")
print(uuid.uuid5(n, "spdx:" + sys.argv[1]), uuid.uuid5(n, "cyclonedx:" + sys.argv[1]))' "$LOCKSHA")
check "SPDX namespace and CycloneDX serial are uuid5 of the lock's sha256 (docs/sbom.md)" \
	"[ \"\$(jq -r .documentNamespace a.spdx.json) \$(jq -r .serialNumber a.cdx.json)\" = \"urn:uuid:${ns% *} urn:uuid:${ns#* }\" ]"

# --- the official schemas and a purl parser, installed with npm at test time
sbom_tools
spdx_schema
V="$SRCDIR/tests/export/validate.js"
if [ -n "$NODE_TOOLS" ]; then
	expect 0 "" "CycloneDX validates against the 1.6 schema (the CycloneDX library's strict validator)" -- \
		node "$V" "$NODE_TOOLS" cdx-schema a.cdx.json
	expect 0 "" "every locked package is in both, with its sha256 and a purl that round-trips (packageurl-js)" -- \
		node "$V" "$NODE_TOOLS" packages want.tsv a.cdx.json a.spdx.json
	sed 's/^/# /' "$T/.stdout"
	expect 0 "" "every licence id pinfold may write is on the SPDX list CycloneDX ships" -- \
		node "$V" "$NODE_TOOLS" license-ids "$SRCDIR/builder/export/license.c"
	if [ -n "$SPDX_SCHEMA" ]; then
		expect 0 "" "SPDX validates against the SPDX 2.3 JSON schema (ajv)" -- \
			node "$V" "$NODE_TOOLS" spdx-schema a.spdx.json "$SPDX_SCHEMA"
	else
		skip "the SPDX 2.3 JSON schema is not on this machine (no Debian 12 or npm package ships it; put spdx/spdx-spec v2.3 schemas/spdx-schema.json at shared/schemas/spdx-schema-2.3.json or name it in PINFOLD_SPDX_SCHEMA)"
	fi
	# the validator must be able to fail: a document with a broken component
	jq '.components[0].hashes[0].alg = "SHA-0"' a.cdx.json >bad.cdx.json
	expect 1 "" "... and the CycloneDX check fails on a broken document" -- node "$V" "$NODE_TOOLS" cdx-schema bad.cdx.json
	jq 'del(.components[0])' a.cdx.json >short.cdx.json
	expect 1 "not in the CycloneDX document" "... and the package check fails when one is missing" -- \
		node "$V" "$NODE_TOOLS" packages want.tsv short.cdx.json a.spdx.json
else
	skip "SBOM schema validation: $NODE_WHY"
fi

# --- what the documents say
check "the environment is the described root" \
	"jq -e '.relationships[] | select(.spdxElementId == \"SPDXRef-DOCUMENT\" and .relationshipType == \"DESCRIBES\" and .relatedSpdxElement == \"SPDXRef-Environment\")' a.spdx.json >/dev/null && [ \"\$(jq -r .metadata.component.name a.cdx.json)\" = sbom-test ]"
check "pip: licence MIT (wheel METADATA), purl pkg:pypi/pip@23.0.1" \
	"jq -e '.packages[] | select(.name == \"pip\" and .licenseDeclared == \"MIT\")' a.spdx.json >/dev/null && jq -e '.components[] | select(.purl == \"pkg:pypi/pip@23.0.1\" and .licenses[0].license.id == \"MIT\")' a.cdx.json >/dev/null"
check "setuptools: MIT from its one licence classifier" \
	"jq -e '.packages[] | select(.name == \"setuptools\" and .licenseDeclared == \"MIT\")' a.spdx.json >/dev/null"
check "the vetting (by, date, note) is recorded per package" \
	"jq -e '.packages[] | select(.name == \"wheel\") | .annotations[] | select(.annotationType == \"REVIEW\" and .annotationDate == \"${NOW%%T*}T00:00:00Z\" and (.comment | test(\"pinfold:vetted:by: sec-team\")) and (.comment | test(\"pinfold:vetted:note: diff against the previous release reviewed\")))' a.spdx.json >/dev/null && jq -e '.components[] | select(.name == \"wheel\") | .properties[] | select(.name == \"pinfold:vetted:by\" and .value == \"sec-team\")' a.cdx.json >/dev/null"
check "the catalog the lock was checked against is named" \
	"jq -e '.metadata.component.properties[] | select(.name == \"pinfold:catalog:verified\" and (.value | startswith(\"version 1, sha256 \")))' a.cdx.json >/dev/null"
if [ "$HAVE_NET_ARTIFACTS" = 1 ]; then
	check "npm scoped: group @isaacs, purl pkg:npm/%40isaacs/string-locale-compare@1.1.0, licence ISC" \
		"jq -e '.components[] | select(.group == \"@isaacs\" and .name == \"string-locale-compare\" and .purl == \"pkg:npm/%40isaacs/string-locale-compare@1.1.0\" and .licenses[0].license.id == \"ISC\")' a.cdx.json >/dev/null"
	check "deb: '+' percent-encoded, arch from the file, distro from the +deb12u1 update" \
		"jq -e '.components[] | select(.purl == \"pkg:deb/debian/python3-idna@3.3-1%2Bdeb12u1?arch=all&distro=debian-12\")' a.cdx.json >/dev/null"
	check "deb: licence NOASSERTION, with the reason" \
		"jq -e '.packages[] | select(.name == \"python3-six\" and .licenseDeclared == \"NOASSERTION\" and (.licenseComments | test(\"free-text\")))' a.spdx.json >/dev/null && ! jq -e '.components[] | select(.name == \"python3-six\") | .licenses' a.cdx.json >/dev/null"
	sc=$(jq -r '.packages[] | select(.name == "supports-color") | .SPDXID' a.spdx.json)
	hf=$(jq -r '.packages[] | select(.name == "has-flag") | .SPDXID' a.spdx.json)
	check "dependencies from the lock: supports-color DEPENDS_ON has-flag (SPDX)" \
		"jq -e '.relationships[] | select(.spdxElementId == \"$sc\" and .relationshipType == \"DEPENDS_ON\" and .relatedSpdxElement == \"$hf\")' a.spdx.json >/dev/null"
	check "... and in CycloneDX; the image's own requests hang off the environment" \
		"jq -e '.dependencies[] | select(.ref == \"pkg:npm/supports-color@7.2.0\" and .dependsOn == [\"pkg:npm/has-flag@4.0.0\"])' a.cdx.json >/dev/null && jq -e '.dependencies[] | select(.ref == \"pinfold-environment\") | .dependsOn | index(\"pkg:npm/supports-color@7.2.0\") and (index(\"pkg:npm/has-flag@4.0.0\") | not)' a.cdx.json >/dev/null"
fi

# --- build put both documents into the environment; sbom ENV prints them after verifying it
mkdir env
tar --zstd -xf t.tar.zst -C env
check "build placed .pinfold/sbom.spdx.json and .pinfold/sbom.cdx.json in the environment" \
	"[ -s env/.pinfold/sbom.spdx.json ] && [ -s env/.pinfold/sbom.cdx.json ]"
check "... covered by the manifest" "grep -q '^.pinfold/sbom.cdx.json	f	0644' env/.pinfold/manifest"
expect 0 "" "verify still passes" -- pf verify t.tar.zst
check "the build's documents are these, less the vetting (build has no verified catalog yet)" \
	"[ \"\$(jq 'del(.components[].properties) | del(.metadata.component.properties)' env/.pinfold/sbom.cdx.json)\" = \"\$(jq 'del(.components[].properties) | del(.metadata.component.properties)' a.cdx.json)\" ]"
expect 0 "" "sbom ENV.tar.zst --catalog: verified, its lock checked, the document its build recorded" -- \
	pf $TR sbom t.tar.zst --format cyclonedx-json --catalog cat
check "... byte for byte" 'cmp -s "$T/.stdout" env/.pinfold/sbom.cdx.json'
expect 0 "" "sbom ENVDIR works the same" -- pf $TR sbom env --format spdx-json --catalog cat -o env.spdx.json
check "... byte for byte" 'cmp -s env.spdx.json env/.pinfold/sbom.spdx.json'
expect 2 "pass --catalog" "sbom ENV without --catalog: its lock's catalog is relative, so it must be named" -- \
	pf $TR sbom t.tar.zst --format spdx-json

# --- a tampered lock gives no SBOM
refuse() {	# refuse CODE TEXT DESCRIPTION LOCKFILE
	rm -f out.json
	expect "$1" "$2" "$3" -- pf $TR sbom "$4" --format spdx-json -o out.json --cache cache
	check "... no document, no temp file, nothing on stdout" \
		'[ ! -e out.json ] && ! ls -a | grep -q "out.json.tmp" && [ ! -s "$T/.stdout" ]'
}
first_sha=$(sed -n 2p want.tsv | cut -f4)
sed "s/$first_sha/$(printf '%064d' 7)/" t.lock >sha.lock
refuse 1 "is not the catalog's" "a locked sha256 edited after lock (the check build applies)" sha.lock
sed 's/^    version: "23.0.1"$/    version: "23.0.2"/' t.lock >ver.lock
check "(pip's version edited)" "! cmp -s t.lock ver.lock"
refuse 1 "is not in catalog 'sbomcat'" "a locked version edited after lock" ver.lock
sed 's/^  name: sbomcat$/  name: othercat/' t.lock >name.lock
refuse 1 "is not the catalog 'othercat' that is pinned" "a lock naming another catalog" name.lock
cp cat/catalog.yaml catalog.yaml.signed
printf ' ' >>cat/catalog.yaml
refuse 1 "catalog.yaml" "a catalog edited after signing" t.lock
cp catalog.yaml.signed cat/catalog.yaml
newkey other
rm -f out.json
expect 1 "" "a catalog signed by a key that is not trusted" -- \
	pf --trust "$T/keys/other.key.pub" sbom t.lock --format spdx-json -o out.json --cache cache
check "... no document" '[ ! -e out.json ]'

# --- a tampered environment gives no SBOM
cp -r env env2
printf 'x' >>env2/.pinfold/lock
expect 1 "difference" "an environment whose lock was edited" -- pf $TR sbom env2 --format spdx-json --catalog cat
check "... nothing on stdout" '[ ! -s "$T/.stdout" ]'
cp -r env env3
jq '.components[0].version = "6.6.6"' env/.pinfold/sbom.cdx.json >env3/.pinfold/sbom.cdx.json
expect 1 "changed: .pinfold/sbom.cdx.json" "an environment whose stored SBOM was edited" -- \
	pf $TR sbom env3 --format cyclonedx-json --catalog cat

# --- usage
expect 2 "--format spdx-json|cyclonedx-json is required" "no --format" -- pf sbom t.lock
expect 2 "is not spdx-json or cyclonedx-json" "an unknown format" -- pf sbom t.lock --format spdx-tv
expect 2 "expected one LOCKFILE or ENV" "no argument" -- pf sbom --format spdx-json
expect 3 "no such file" "a missing input" -- pf sbom nope.lock --format spdx-json
done_testing
