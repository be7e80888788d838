# SPDX-License-Identifier: MIT
# shellcheck shell=sh disable=SC2034 # sourced: sets variables for the test that sources it
# Sourced by the export tests (after tests/lib.sh): a small signed catalog of real artifacts, its
# lock and environment, and the npm tools that judge the SBOMs.

# export_fixture: catalog cat/ (signed with a throwaway key; TR holds the --trust option), mirror/,
# images/t.yaml, t.lock and t.tar.zst in $T. Real artifacts: Debian's wheels, npm tarballs from
# `npm pack` and debs from `apt-get download` (cached under $BUILDDIR so later runs need no
# network). HAVE_NET_ARTIFACTS=0 when the npm/deb part could not be had (the wheels remain).
export_fixture() {
	_c="$BUILDDIR/test-cache/export"
	mkdir -p "$_c" "$T/mirror" "$T/images"
	for _p in semver@7.6.3 is-number@7.0.0 @isaacs/string-locale-compare@1.1.0 supports-color@7.2.0 has-flag@4.0.0; do
		_f=$(echo "$_p" | sed 's/^@//; s|/|-|; s/@/-/').tgz
		[ -s "$_c/$_f" ] || (cd "$_c" && npm pack --silent "$_p" >/dev/null 2>&1) || true
	done
	for _d in python3-six=1.16.0-4 python3-idna=3.3-1+deb12u1; do
		ls "$_c/${_d%%=*}"_*.deb >/dev/null 2>&1 || (cd "$_c" && apt-get download "$_d" >/dev/null 2>&1) || true
	done
	W=/usr/share/python-wheels
	cp "$W/pip-23.0.1-py3-none-any.whl" "$W/setuptools-66.1.1-py3-none-any.whl" \
		"$W/wheel-0.38.4-py3-none-any.whl" "$T/mirror/"
	HAVE_NET_ARTIFACTS=1
	for _f in semver-7.6.3.tgz is-number-7.0.0.tgz isaacs-string-locale-compare-1.1.0.tgz supports-color-7.2.0.tgz \
		has-flag-4.0.0.tgz python3-six_1.16.0-4_all.deb python3-idna_3.3-1+deb12u1_all.deb; do
		if [ -s "$_c/$_f" ]; then cp "$_c/$_f" "$T/mirror/"; else HAVE_NET_ARTIFACTS=0; fi
	done
	newkey cur
	TR="--trust $T/keys/cur.key.pub"
	pf catalog init "$T/cat" --name sbomcat --min-age-days 7 >/dev/null
	pf catalog add "$T/cat" "$T"/mirror/*.whl --published 2023-01-10 --by sec-team \
		--note "diff against the previous release reviewed" --allow-startup >/dev/null
	_req='"pypi:pip", "pypi:wheel", "pypi:setuptools"'
	if [ "$HAVE_NET_ARTIFACTS" = 1 ]; then
		pf catalog add "$T/cat" "$T"/mirror/*.tgz "$T"/mirror/*.deb --published 2023-02-01 --by alice \
			--note "read every file" >/dev/null
		_req="$_req"', "npm:semver", "npm:is-number", "npm:@isaacs/string-locale-compare", "npm:supports-color", "deb:python3-six", "deb:python3-idna"'
	fi
	pf catalog sign "$T/cat" --key "$T/keys/cur.key" >/dev/null
	cat >"$T/images/t.yaml" <<EOF
name: sbom-test
catalog: ../cat
target:
  python: "3.11"
  platform: linux-x86_64
  host: ["deb:python3 3.11.2-1+b1"]
packages: [$_req]
EOF
	pf $TR lock "$T/images/t.yaml" -o "$T/t.lock" >/dev/null &&
		pf $TR build "$T/t.lock" -o "$T/t.tar.zst" --mirror "$T/mirror" --cache "$T/cache" >/dev/null
}

# lock_tsv LOCK: "ecosystem<TAB>name<TAB>version<TAB>sha256" per locked package
lock_tsv() {
	awk '/^  - ecosystem: /{e=$3} /^    name: /{n=$2} /^    version: /{v=$2}
		/^      sha256: /{s=$2; gsub(/"/, "", n); gsub(/"/, "", v); gsub(/"/, "", s); print e "\t" n "\t" v "\t" s}' "$1"
}

# sbom_tools: install the CycloneDX library, ajv and packageurl-js with npm into the build dir
# (never into the source tree); sets NODE_TOOLS, or leaves it empty and NODE_WHY saying why.
sbom_tools() {
	NODE_TOOLS=$BUILDDIR/test-cache/sbom-node NODE_WHY=
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		NODE_TOOLS='' NODE_WHY="node and npm are not installed"
		return
	fi
	[ -d "$NODE_TOOLS/node_modules/packageurl-js" ] && [ -d "$NODE_TOOLS/node_modules/ajv-formats-draft2019" ] && return
	mkdir -p "$NODE_TOOLS"
	if ! (cd "$NODE_TOOLS" && timeout 600 npm install --no-audit --no-fund --no-save --prefix "$NODE_TOOLS" \
		@cyclonedx/cyclonedx-library@10.3.0 ajv@8.17.1 ajv-formats@3.0.1 ajv-formats-draft2019@1.6.1 \
		packageurl-js@2.0.1 >"$T/npm.log" 2>&1); then
		sed 's/^/# /' "$T/npm.log" | tail -n 5
		NODE_TOOLS='' NODE_WHY="npm could not install the CycloneDX library, ajv and packageurl-js (registry unreachable?)"
	fi
}

# spdx_schema: the official SPDX 2.3 JSON schema (schemas/spdx-schema.json of spdx/spdx-spec at
# tag v2.3). No Debian 12 or npm package ships it, so it is looked for in $PINFOLD_SPDX_SCHEMA and
# in the shared/ directory beside the clone; SPDX_SCHEMA is empty when it is nowhere.
spdx_schema() {
	SPDX_SCHEMA=
	for _s in "${PINFOLD_SPDX_SCHEMA:-}" "$SRCDIR/../shared/schemas/spdx-schema-2.3.json" \
		"$SRCDIR/../../shared/schemas/spdx-schema-2.3.json"; do
		if [ -n "$_s" ] && [ -s "$_s" ]; then SPDX_SCHEMA=$_s; return; fi
	done
}

skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
