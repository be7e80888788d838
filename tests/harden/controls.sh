#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 13: control characters are refused in every string pinfold reads (lockfiles, images,
# advisories, bundle indexes, artifact metadata, catalogs, manifests), never echoed raw.
. "$SRCDIR/tests/lib.sh"
MK="python3 $SRCDIR/tests/harden/mkfixtures.py"
ESC=$(printf '\033')
C1=$(printf '\302\233')
one_err() { [ "$(grep -c '^pinfold: error: ' "$T/.stderr")" -eq 1 ]; }
# nothing a terminal acts on reached stdout or stderr
clean_out() { ! grep -q "$ESC\|$C1" "$T/.stdout" "$T/.stderr"; }

W=/usr/share/python-wheels
newkey a
A=$T/keys/a.key TA="--trust $T/keys/a.key.pub"
mkdir -p cat images mirror
pf catalog init cat --name ctl >/dev/null
pf catalog add cat "$W"/wheel-0.38.4-py3-none-any.whl --published 2023-01-10 >/dev/null
pf catalog revoke cat pypi:wheel 0.1 --reason "test advisory" >/dev/null
pf catalog sign cat --key "$A" >/dev/null
cp "$W"/wheel-0.38.4-py3-none-any.whl mirror/
cat >images/t.yaml <<'IMG'
name: t
catalog: ../cat
target: {python: "3.11", platform: linux-x86_64}
packages: ["pypi:wheel"]
IMG
expect 0 "" "lock a clean image" -- pf $TA lock images/t.yaml -o good.lock

# --- lockfiles: the issue's finding (escape sequences echoed raw to the terminal)
sed 's/^    name: wheel$/    name: "wheel\\e]0;owned\\a\\e[2J"/' good.lock >esc.lock
check "the hostile lock differs from the good one" '! cmp -s good.lock esc.lock'
for args in "why esc.lock pypi:wheel" "audit esc.lock" "build esc.lock -o out.tar.zst --mirror mirror" \
	"bundle create esc.lock -o out.pfb --mirror mirror"; do
	# shellcheck disable=SC2086
	expect 3 "control character in a string" "lock with an ESC sequence: $args is refused" -- pf $TA $args
	check "... one error line at esc.lock:line:col, nothing echoed raw" \
		'one_err && grep -q "esc.lock:[0-9]*:[0-9]*: control character" "$T/.stderr" && clean_out'
done
check "... and nothing was written" '[ ! -e out.tar.zst ] && [ ! -e out.pfb ]'
sed 's/^    version: "0.38.4"$/    version: "0.38.4\\x9b31m"/' good.lock >c1.lock
expect 3 "control character" "lock with a C1 CSI (\\x9b) in a version is refused" -- pf $TA why c1.lock pypi:wheel
check "... nothing echoed raw" 'clean_out'
sed 's/^    name: wheel$/    name: "wheel\\u202egnp.exe"/' good.lock >bidi.lock
expect 3 "control character" "lock with a right-to-left override is refused" -- pf $TA why bidi.lock pypi:wheel

# --- lock --reason / unlock --reason would write such a string: refused at the command line
expect 2 "control characters are not allowed" "lock --relax-policy --reason with a newline is a usage error" -- \
	pf $TA lock images/t.yaml -o good.lock --relax-policy --reason "$(printf 'two\nlines')"

# --- images
printf 'name: "t\\e[2J"\ncatalog: ../cat\ntarget: {python: "3.11", platform: linux-x86_64}\npackages: ["pypi:wheel"]\n' \
	>images/esc.yaml
expect 3 "images/esc.yaml:1:7: control character" "image with an escape in its name is refused" -- \
	pf $TA lock images/esc.yaml -o esc-image.lock
check "... no lockfile, nothing echoed raw" '[ ! -e esc-image.lock ] && clean_out'
printf 'name: t\ncatalog: ../cat\ntarget: {python: "3.11", platform: linux-x86_64}\npackages: ["pypi:wheel\\x1b[8m"]\n' \
	>images/esc2.yaml
expect 3 "control character" "image with an escape in a request is refused" -- pf $TA lock images/esc2.yaml -o x.lock

# --- advisories, validly signed (by hand with openssl: pinfold would not sign them)
sign_by_hand() {	# FILE TYPE: replace FILE.sig with a signature by key a over FILE
	{ printf 'DSSEv1 %s %s %s ' ${#2} "$2" "$(stat -c %s "$1")"; cat "$1"; } >"$T/pae"
	printf '%s %s\n' "$(pf key id "$A")" "$(openssl pkeyutl -sign -inkey "$A" -rawin -in "$T/pae" | base64 -w0)" >"$1.sig"
}
cp -r cat advcat
sed 's/reason: "test advisory"/reason: "test \\u009b2J advisory"/; s/^version: 1$/version: 2/' cat/advisories.yaml \
	>advcat/advisories.yaml
check "the hostile advisories differ" '! cmp -s cat/advisories.yaml advcat/advisories.yaml'
sign_by_hand advcat/advisories.yaml application/vnd.pinfold.advisories+yaml
expect 3 "control character" "validly signed advisories with a C1 CSI are refused by audit" -- \
	pf $TA audit good.lock --catalog advcat
check "... one error line, nothing echoed raw" 'one_err && clean_out'
expect 3 "control character" "... and by catalog verify" -- pf $TA catalog verify advcat
expect 3 "control character" "... and catalog sign will not re-sign them" -- pf catalog sign advcat --key "$A"

# --- catalogs (signed by hand too)
cp -r cat esccat
sed 's/^version: 1$/version: 3/; s/^    name: wheel$/    name: "whe\\x1bel"/' cat/catalog.yaml >esccat/catalog.yaml
sign_by_hand esccat/catalog.yaml application/vnd.pinfold.catalog+yaml
expect 3 "control character" "a validly signed catalog with an escape is refused" -- pf $TA catalog verify esccat
check "... nothing echoed raw" 'clean_out'

# --- bundle index
expect 0 "" "bundle create" -- pf $TA bundle create good.lock -o good.pfb --mirror mirror
python3 - good.pfb esc.pfb <<'PY'
import sys
src, dst = sys.argv[1:3]
data = open(src, "rb").read()
magic = b"pinfold-bundle/1\n"
nl = data.index(b"\n", len(magic))
n = int(data[len(magic):nl])
index = data[nl + 1:nl + 1 + n]
new = index.replace(b"- name: pinfold.lock", b'- name: "pinfold.lock\\e[2J"', 1)
assert new != index
open(dst, "wb").write(magic + b"%d\n" % len(new) + new + data[nl + 1 + n:])
PY
expect 1 "esc.pfb (index):23:11: control character" "a bundle index with an escape in an entry name is refused" -- \
	pf bundle verify esc.pfb
check "... nothing echoed raw" 'clean_out'

# --- artifact metadata read by catalog add
$MK wheel-c1-dep ctl-1.0-py3-none-any.whl
expect 3 "metadata: a dependency has control characters" "catalog add: a wheel with a C1 CSI in Requires-Dist" -- \
	pf catalog add cat ctl-1.0-py3-none-any.whl --published 2023-01-10
check "... nothing echoed raw" 'clean_out'
$MK npm-c1-name evil-1.0.0.tgz
expect 3 "metadata: name has control characters" "catalog add: package.json with \\u009b in the name" -- \
	pf catalog add cat evil-1.0.0.tgz --published 2023-01-10
check "... nothing echoed raw" 'clean_out'
$MK deb-c1-depends ctl_1.0_all.deb
expect 3 "metadata: a dependency has control characters" "catalog add: a deb with a C1 CSI in Depends" -- \
	pf catalog add cat ctl_1.0_all.deb --published 2023-01-10
check "the catalog's working copy is unchanged" '! grep -q "ctl-1.0\|evil\|ctl_1.0" cat/catalog.yaml'
expect 3 "has control characters" "catalog add --note with an escape is refused" -- \
	pf catalog add cat "$W"/pip-23.0.1-py3-none-any.whl --published 2023-01-10 --by x --note "$(printf 'ok\033[2J')"

# --- an environment's manifest (verify of a directory)
expect 0 "" "build" -- pf $TA build good.lock -o env.tar.zst --mirror mirror
mkdir env && tar --zstd -xf env.tar.zst -C env
python3 - env/.pinfold/manifest <<'PY'
import sys
p = sys.argv[1]
lines = open(p, "rb").read().split(b"\n")
for i, l in enumerate(lines):
    if l.startswith(b"bin/activate\t"):
        lines[i] = b"bin/activ\x1b[2Jate\t" + l.split(b"\t", 1)[1]
open(p, "wb").write(b"\n".join(lines))
PY
expect 3 "control character" "verify: a manifest with an escape in a path is refused" -- pf verify env
check "... nothing echoed raw" 'clean_out'
done_testing
