#!/bin/sh
# SPDX-License-Identifier: MIT
# Seed corpora for the fuzz harnesses, generated at test time from the project's own data and
# tools: mkseeds.sh NAME DIR. Artifacts are small (Debian's wheel wheel, crafted ones); the
# meta and archive harnesses read a first byte that picks the format.
set -eu
name=$1 out=$2
mkdir -p "$out"
W=/usr/share/python-wheels
MK="python3 $SRCDIR/tests/harden/mkfixtures.py"
work=$(mktemp -d "${TMPDIR:-/tmp}/pinfold-seeds.XXXXXX")
trap 'rm -rf "$work"' EXIT
pf() { "$PINFOLD" --now 2026-06-01T00:00:00Z --state-dir "$work/state" "$@"; }
n=0
seed() { n=$((n + 1)); cp "$1" "$out/$name-$n"; }
prefixed() {	# BYTE FILE: FILE behind one byte (the harness's format selector)
	n=$((n + 1)); { printf "\\$(printf %03o "$1")"; cat "$2"; } >"$out/$name-$n"
}
# a small signed catalog, a lock, a bundle and an environment, made by pinfold itself
project() {
	"$PINFOLD" key generate "$work/k.key" >/dev/null
	pf catalog init "$work/cat" --name seeds >/dev/null
	pf catalog add "$work/cat" "$W/wheel-0.38.4-py3-none-any.whl" --published 2023-01-10 --by fuzz --note seed >/dev/null
	pf catalog revoke "$work/cat" pypi:wheel 0.1 --reason seed >/dev/null
	pf catalog sign "$work/cat" --key "$work/k.key" >/dev/null
	mkdir -p "$work/img" "$work/mirror"
	cp "$W/wheel-0.38.4-py3-none-any.whl" "$work/mirror/"
	printf 'name: t\ncatalog: ../cat\ntarget: {python: "3.11", platform: linux-x86_64}\npackages: ["pypi:wheel"]\n' \
		>"$work/img/t.yaml"
	pf --trust "$work/k.key.pub" lock "$work/img/t.yaml" -o "$work/t.lock" >/dev/null
}
artifacts() {	# small artifacts of every format
	mkdir -p "$work/a"
	for k in wheel-pth wheel-escape-data wheel-sitecustomize npm-postinstall npm-gyp deb-maint deb-pth; do
		$MK $k "$work/a/$k"
	done
	(cd "$work/a" && mkdir g && echo hi >g/x && tar -czf generic.tar.gz g)
}
case $name in
yaml | catalog | lock)
	for f in "$SRCDIR"/catalog/*.yaml "$SRCDIR"/images/*.yaml "$SRCDIR"/lockfiles/*.lock; do seed "$f"; done
	project
	for f in "$work/cat/catalog.yaml" "$work/cat/advisories.yaml" "$work/t.lock" "$work/img/t.yaml"; do seed "$f"; done
	printf 'a: "x\\u00e9"\nb: [1, {c: d}]\n' >"$work/s1"; seed "$work/s1"
	;;
sig)
	for f in "$SRCDIR"/catalog/*.sig; do seed "$f"; done
	project
	seed "$work/cat/catalog.yaml.sig"
	printf '%064d %088d\n' 0 0 >"$work/s1"; seed "$work/s1"
	;;
bundle)
	project
	pf --trust "$work/k.key.pub" bundle create "$work/t.lock" -o "$work/t.pfb" --mirror "$work/mirror" --cache "$work/c" >/dev/null
	seed "$work/t.pfb"
	# the same without the wheel's bytes, to keep inputs small
	python3 - "$work/t.pfb" "$work/small.pfb" <<'PY'
import hashlib, re, sys
data = open(sys.argv[1], "rb").read()
magic = b"pinfold-bundle/1\n"
nl = data.index(b"\n", len(magic))
n = int(data[len(magic):nl])
index = data[nl + 1:nl + 1 + n].decode()
blobs = data[nl + 1 + n:]
ents = re.findall(r'- name: (\S+)\n\s+offset: (\d+)\n\s+size: (\d+)\n\s+sha256: "?([0-9a-f]{64})"?', index)
out, off, idx = [], 0, "format: pinfold-bundle/1\nentries:\n"
for name, o, s, h in ents:
    b = blobs[int(o):int(o) + int(s)]
    if name.startswith("artifacts/"):
        b = b"x"
    idx += "  - name: %s\n    offset: %d\n    size: %d\n    sha256: %s\n" % (name, off, len(b), hashlib.sha256(b).hexdigest())
    off += len(b)
    out.append(b)
body = idx.encode()
open(sys.argv[2], "wb").write(magic + b"%d\n" % len(body) + body + b"".join(out))
PY
	seed "$work/small.pfb"
	;;
meta | archive)
	artifacts
	# meta: 0 wheel, 1 npm, 2 deb, 3 generic; archive: 0 zip, 1 tar+filters, 2 ar, 3 tar.gz
	for f in wheel-pth wheel-escape-data wheel-sitecustomize; do prefixed 0 "$work/a/$f"; done
	prefixed 0 "$W/wheel-0.38.4-py3-none-any.whl"
	for f in npm-postinstall npm-gyp; do prefixed 1 "$work/a/$f"; prefixed 3 "$work/a/$f"; done
	for f in deb-maint deb-pth; do prefixed 2 "$work/a/$f"; done
	prefixed 3 "$work/a/generic.tar.gz"
	prefixed 1 "$work/a/generic.tar.gz"
	if [ "$name" = meta ]; then
		printf '{"name": "x", "version": "1.0.0", "dependencies": {"a": "^1"}, "scripts": {"install": "x"}}' >"$work/pj"
		seed "$work/pj"
	fi
	;;
manifest)
	project
	pf --trust "$work/k.key.pub" build "$work/t.lock" -o "$work/t.tar.zst" --mirror "$work/mirror" --cache "$work/c" >/dev/null
	tar --zstd -xOf "$work/t.tar.zst" .pinfold/manifest >"$work/m"
	seed "$work/m"
	;;
*)
	echo "mkseeds: unknown harness $name" >&2
	exit 2
	;;
esac
echo "$n seeds for $name"
