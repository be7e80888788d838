#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 16 on the real thing: the default agent environment (lockfiles/agent-default.lock, the
# signed default catalog) exported as an OCI image that Debian's tools accept, unpacked by umoci
# and used under bubblewrap, and its SBOMs valid against the official schemas with every locked
# package. Needs the artifacts (catalog/fetch-artifacts: npm pack, apt-get download, cached under
# $BUILDDIR); without them the test is skipped, saying so.
NOW=${NOW:-2026-11-30T00:00:00Z}	# the default catalog (version 7) was signed 2026-11-30 00:40, expires 2027-11-30
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/export/common.sh"
unset PYTHONDONTWRITEBYTECODE

IMG=agent-default
LOCK=$SRCDIR/lockfiles/$IMG.lock
MIRROR=$BUILDDIR/test-cache/default-mirror
mkdir -p "$MIRROR"
if ! PINFOLD=$PINFOLD FETCH_ONLY=1 timeout 900 "$SRCDIR/catalog/fetch-artifacts" "$MIRROR" >fetch.log 2>&1; then
	sed 's/^/# /' fetch.log | tail -n 5
	skip "catalog/fetch-artifacts could not fill the mirror (npm or apt unreachable?)"
	done_testing
	exit
fi
expect 0 "" "build the default environment" -- pf build "$LOCK" -o env.tar.zst --mirror "$MIRROR" --cache cache
expect 0 "" "export oci --archive" -- pf export oci env.tar.zst -o img --archive img.tar
cp "$T/.stdout" export.out
sed 's/^/# /' export.out
D=$(jq -r '.manifests[0].digest' img/index.json)
expect 0 "" "skopeo inspect oci:DIR" -- skopeo inspect oci:img
check "... the digest export printed" "[ \"\$(jq -r .Digest '$T/.stdout')\" = $D ] && grep -qx 'image $D  img' export.out"
expect 0 "" "skopeo copy oci:DIR docker-archive:FILE" -- skopeo copy oci:img docker-archive:"$T/d.tar":$IMG:latest
expect 0 "Validation succeeded" "oci-image-tool validate --type image" -- oci-image-tool validate --type image img
expect 0 "" "umoci unpack --rootless" -- umoci unpack --rootless --image img:$IMG bundle
expect 0 "" "the unpacked tree verifies against the environment's manifest" -- pf verify bundle/rootfs
mkdir env && tar --zstd -xf env.tar.zst -C env
check "... same manifest as the environment" "cmp -s bundle/rootfs/.pinfold/manifest env/.pinfold/manifest"
if command -v bwrap >/dev/null 2>&1; then
	# self-contained (docs/environment.md): the unpacked image tree is the whole root filesystem
	expect 0 "" "under bwrap, python3 -c 'import requests' runs from the unpacked tree as /" -- \
		bwrap --ro-bind "$T/bundle/rootfs" / --proc /proc --dev /dev --tmpfs /tmp \
			--unshare-all --clearenv --setenv PATH /usr/local/bin:/usr/bin:/bin \
			/bin/sh -c 'python3 -c "import requests, yaml, jinja2, sys; print(requests.__file__, sys.executable)"'
	check "... the image's own python3 and requests, nothing of the host" \
		"grep -qx '/usr/lib/python3/dist-packages/requests/__init__.py /usr/bin/python3' '$T/.stdout'"
else
	skip "bwrap is not installed"
fi

# --- its SBOMs
lock_tsv "$LOCK" >want.tsv
expect 0 "" "sbom LOCKFILE --format cyclonedx-json (checked against the signed default catalog)" -- \
	pf sbom "$LOCK" --format cyclonedx-json -o l.cdx.json --cache cache
expect 0 "" "sbom LOCKFILE --format spdx-json" -- pf sbom "$LOCK" --format spdx-json -o l.spdx.json --cache cache
check "every locked package ($(wc -l <want.tsv)) is in both" \
	"[ \$(jq '.components | length' l.cdx.json) -eq \$(wc -l <want.tsv) ] && [ \$(jq '.packages | length' l.spdx.json) -eq \$((\$(wc -l <want.tsv) + 1)) ]"
check "the vetting notes of the default catalog are recorded" \
	"[ \$(jq '[.components[] | select(any(.properties[]; .name == \"pinfold:vetted:note\"))] | length' l.cdx.json) -eq \$(wc -l <want.tsv) ]"
sbom_tools
spdx_schema
V="$SRCDIR/tests/export/validate.js"
if [ -n "$NODE_TOOLS" ]; then
	expect 0 "" "CycloneDX validates (1.6, strict)" -- node "$V" "$NODE_TOOLS" cdx-schema l.cdx.json
	expect 0 "" "the environment's own CycloneDX validates" -- node "$V" "$NODE_TOOLS" cdx-schema env/.pinfold/sbom.cdx.json
	expect 0 "" "every locked package with its sha256 and a purl that round-trips" -- \
		node "$V" "$NODE_TOOLS" packages want.tsv l.cdx.json l.spdx.json
	if [ -n "$SPDX_SCHEMA" ]; then
		expect 0 "" "SPDX validates against the SPDX 2.3 schema" -- node "$V" "$NODE_TOOLS" spdx-schema l.spdx.json "$SPDX_SCHEMA"
		expect 0 "" "the environment's own SPDX validates" -- \
			node "$V" "$NODE_TOOLS" spdx-schema env/.pinfold/sbom.spdx.json "$SPDX_SCHEMA"
	else
		skip "the SPDX 2.3 JSON schema is not on this machine (see tests/export/common.sh)"
	fi
else
	skip "SBOM schema validation: $NODE_WHY"
fi
check "a deb with '+' in its version: percent-encoded, distro debian-12" \
	"jq -e '.components[] | select(.purl == \"pkg:deb/debian/python3-idna@3.3-1%2Bdeb12u1?arch=all&distro=debian-12\")' l.cdx.json >/dev/null"
done_testing
