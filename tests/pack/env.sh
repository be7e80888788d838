#!/bin/sh
# SPDX-License-Identifier: MIT
# End to end with real artifacts: unpack anywhere, activate (dash and bash), import, require, run the
# console scripts; then verify catches every kind of drift, honours unlock, and checks --lock.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/install/lockgen.sh"

real_artifacts "$T/art"
set -f; IFS='
'; mklock 3.11 1700000000 $REAL_SPECS >"$T/env.lock"; unset IFS; set +f
ok "build the environment" pf build "$T/env.lock" -o "$T/env.tar.zst" --mirror "$T/art" --cache "$T/cache"

E="$T/some where/env"	# a path with a space, far from where it was built
mkdir -p "$E"
tar --zstd -xf "$T/env.tar.zst" -C "$E"
cat >"$T/use.sh" <<'SH'
. "$1/bin/activate"
set -e
[ "$VIRTUAL_ENV" = "$(cd "$1" && pwd -P)" ]
python3 -c 'import sys, pip, wheel; assert sys.prefix == sys.argv[1], sys.prefix; print("py", pip.__version__, wheel.__version__)' "$VIRTUAL_ENV"
python3 -c 'import setuptools; print("setuptools", setuptools.__version__)'
wheel version
node -e 'const s = require("semver"); const n = require("is-number"); const c = require("@isaacs/string-locale-compare"); console.log("node", s.valid("1.2.3"), n(5), typeof c)'
semver 1.2.3
if [ "$2" = 1 ]; then python3 -c 'import six; print("six", six.__version__)'; fi
deactivate
[ -z "${VIRTUAL_ENV-}" ]
SH
for sh in dash bash; do
	expect 0 "" "$sh: activate, import the wheels, require the npm packages, run console scripts" -- \
		$sh "$T/use.sh" "$E" "$HAVE_DEB"
	check "$sh: python saw pip 23.0.1 and wheel 0.38.4" "grep -q '^py 23.0.1 0.38.4' '$T/.stdout'"
	check "$sh: setuptools imports" "grep -q '^setuptools 66.1.1' '$T/.stdout'"
	check "$sh: the wheel console script runs" "grep -q '^wheel 0.38.4' '$T/.stdout'"
	check "$sh: node required all three packages (scoped too)" "grep -q '^node 1.2.3 true function' '$T/.stdout'"
	check "$sh: the npm bin link runs" "grep -qx '1.2.3' '$T/.stdout'"
	if [ "$HAVE_DEB" = 1 ]; then
		check "$sh: the deb's python module imports through the .pth" "grep -q '^six 1.16.0' '$T/.stdout'"
	fi
done
check "npm bin is a relative symlink" "[ \"\$(readlink '$E/bin/semver')\" = ../lib/node_modules/semver/bin/semver.js ]"
check "wheel dist-info says INSTALLER pinfold" "[ \"\$(cat '$E/lib/python3.11/site-packages/wheel-0.38.4.dist-info/INSTALLER')\" = pinfold ]"
check "RECORD is regenerated with sha256 lines and itself last" \
	"grep -q '^wheel/__init__.py,sha256=' '$E/lib/python3.11/site-packages/wheel-0.38.4.dist-info/RECORD' && tail -1 '$E/lib/python3.11/site-packages/wheel-0.38.4.dist-info/RECORD' | grep -qx 'wheel-0.38.4.dist-info/RECORD,,'"
check "RECORD hashes match the installed files" "python3 - '$E/lib/python3.11/site-packages' <<'PY'
import base64, csv, hashlib, os, sys
site = sys.argv[1]
for rec in [d for d in os.listdir(site) if d.endswith('.dist-info')]:
    for path, h, size in csv.reader(open(os.path.join(site, rec, 'RECORD'))):
        if not h or path in ('../../../bin/pip', '../../../bin/pip3'):
            continue	# the constraints replace pip's scripts with guards
        data = open(os.path.normpath(os.path.join(site, path)), 'rb').read()
        want = 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
        assert h == want and int(size) == len(data), path
PY"
check "skipped scripts are recorded" "grep -q 'deb_maintainer' '$E/.pinfold/skipped-scripts.yaml'"
if [ "$HAVE_DEB" = 1 ]; then
	check "the deb's postinst is recorded, not run" "grep -A3 'python3-six' '$E/.pinfold/skipped-scripts.yaml' | grep -q postinst"
fi

# verify: pristine
expect 0 "" "verify: the tarball is pristine" -- pf verify "$T/env.tar.zst"
expect 0 "" "verify: the unpacked environment is pristine" -- pf verify "$E"
expect 0 "" "verify --lock: the environment is that lock" -- pf verify "$E" --lock "$T/env.lock"
set -f; IFS='
'; mklock 3.11 1700000001 $REAL_SPECS >"$T/other.lock"; unset IFS; set +f
expect 1 "lock: .pinfold/lock is not" "verify --lock: another lock is reported" -- pf verify "$T/env.tar.zst" --lock "$T/other.lock"
set -f; IFS='
'; mklock 3.11 1700000000 $(echo "$REAL_SPECS" | grep -v ':wheel:0.38.4:') >"$T/less.lock"; unset IFS; set +f
expect 1 "lock: pypi:wheel 0.38.4 (" "verify --lock: a package the lock does not have is named" -- \
	pf verify "$E" --lock "$T/less.lock"
check "verify --lock: it is in the environment but not locked" "grep -q 'pypi:wheel 0.38.4 .* is in the environment but not locked' '$T/.stdout'"

# verify: each kind of drift, one line each, exit 1
cp -R "$E" "$T/d"
D="$T/d"
SP=lib/python3.11/site-packages
echo 'import os' >"$D/$SP/zzz_evil.pth"
echo '# edited' >>"$D/$SP/wheel/__init__.py"
printf '#!/bin/sh\necho pwned\n' >"$D/bin/evil"; chmod 755 "$D/bin/evil"
chmod 755 "$D/$SP/wheel/util.py"
rm "$D/$SP/wheel/macosx_libfile.py"
ln -sf /etc/passwd "$D/lib/node_modules/semver/bin/semver.js.new"
expect 1 "6 differences" "verify: drift is found" -- pf verify "$D"
cat >"$T/want" <<W
added: $SP/zzz_evil.pth
added: bin/evil
added: lib/node_modules/semver/bin/semver.js.new
changed: $SP/wheel/__init__.py
mode: $SP/wheel/util.py (0644 -> 0755)
removed: $SP/wheel/macosx_libfile.py
W
sort "$T/.stdout" >"$T/got"; sort "$T/want" >"$T/want.s"
same_text "verify: one line per drifted path" "$T/want.s" "$T/got"
expect 1 "" "verify --json: drift as JSON" -- "$PINFOLD" --json verify "$D"
check "verify --json: one object naming each difference" "python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"pristine\"] is False and len(d[\"differences\"]) == 6 and \"added: bin/evil\" in d[\"differences\"], d' '$T/.stdout'"
chmod 4755 "$D/bin/wheel"
expect 1 "mode: bin/wheel (unsafe 4755)" "verify: a setuid bit is reported" -- pf verify "$D"

# verify reads a tampered tarball under the hostile rules, and catches content drift in it too
mkdir -p "$T/tt"; (cd "$E" && tar --zstd -cf "$T/tt/edited.tar.zst" --sort=name .)
expect 0 "" "verify: a re-packed but unchanged environment is pristine" -- pf verify "$T/tt/edited.tar.zst"
(cd "$D" && tar --zstd -cf "$T/tt/drift.tar.zst" .)
expect 1 "added: bin/evil" "verify: drift inside a tarball is found" -- pf verify "$T/tt/drift.tar.zst"
python3 - "$T/tt/evil.tar" <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
ti = tarfile.TarInfo("../escape"); ti.size = 1; t.addfile(ti, io.BytesIO(b"x"))
t.close()
PY
zstd -q "$T/tt/evil.tar" -o "$T/tt/evil.tar.zst"
expect 1 "'..' component" "verify: a hostile tarball is refused" -- pf verify "$T/tt/evil.tar.zst"

# unlock contract: constraint files removed by unlock are a status line, not drift
cp -R "$E" "$T/u"
rm -f "$T/u/pip.conf"
expect 1 "removed: pip.conf" "verify: a constraint file removed without unlock is tampering" -- pf verify "$T/u"
rm -rf "$T/u"; cp -R "$E" "$T/u"
ok "unlock the environment" pf unlock "$T/u" --reason "needs a newer numpy"
expect 0 "unlocked: needs a newer numpy (by " "verify: after unlock, a status line and exit 0" -- pf verify "$T/u"
check "verify after unlock lists no drift" "! grep -q '^removed:\\|^added:' '$T/.stdout'"
echo x >"$T/u/bin/late"
expect 1 "added: bin/late" "verify: other drift after unlock is still reported" -- pf verify "$T/u"

# A tamperer who also rewrites .pinfold/manifest: caught with --against the original tarball.
cp -R "$E" "$T/m"
echo '# edited' >>"$T/m/lib/python3.11/site-packages/wheel/__init__.py"
python3 - "$T/m" <<'PY'
import hashlib, sys
root = sys.argv[1]
p = root + "/.pinfold/manifest"
rel = "lib/python3.11/site-packages/wheel/__init__.py"
d = open(root + "/" + rel, "rb").read()
lines = []
for l in open(p).read().split("\n"):
    f = l.split("\t")
    if f[0] == rel:
        f[3], f[4] = str(len(d)), hashlib.sha256(d).hexdigest()
    lines.append("\t".join(f))
open(p, "w").write("\n".join(lines))
PY
expect 0 "" "verify: a rewritten manifest hides an edit from the environment's own manifest" -- pf verify "$T/m"
expect 1 "changed: lib/python3.11/site-packages/wheel/__init__.py" "verify --against the tarball: the edit is found" -- \
	pf verify "$T/m" --against "$T/env.tar.zst"
check "verify --against: the rewritten manifest is reported" "grep -qx 'changed: .pinfold/manifest' '$T/.stdout'"
expect 0 "" "verify --against: a pristine copy passes" -- pf verify "$E" --against "$T/env.tar.zst"
expect 0 "--lock" "verify --help" -- pf verify --help
expect 3 "no such file" "verify: a missing target" -- pf verify "$T/nothing"
done_testing
