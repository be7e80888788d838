#!/bin/sh
# SPDX-License-Identifier: MIT
# A lock is a request, not a credential: hand-edited locks (other bytes of the same size, a package
# not in the catalog, a dropped source, another catalog name, a revoked version in another PEP 440
# spelling) are refused alike by build, build --bundle, verify --lock and audit, with nothing
# written; a newer catalog is fine while it still has every locked artifact; the catalog name pin.
. "$SRCDIR/tests/lib.sh"

FETCHDIR="$SRCDIR/tests/fetch"
W=/usr/share/python-wheels
WHL=wheel-0.38.4-py3-none-any.whl
newkey cur
KEY=$T/keys/cur.key
TR="--trust $KEY.pub"

# A curator's catalog of real wheels, an image, its lock, a mirror, an environment and a bundle.
mkdir -p proj/images proj/lockfiles mirror out
pf catalog init proj/catalog --name chain >/dev/null
pf catalog add proj/catalog "$W/$WHL" "$W"/pip-23.0.1-py3-none-any.whl --published 2023-01-10 --by sec >/dev/null
pf catalog sign proj/catalog --key "$KEY" >/dev/null
cp "$W/$WHL" "$W"/pip-23.0.1-py3-none-any.whl "$W"/setuptools-66.1.1-py3-none-any.whl mirror/
printf 'name: app\ncatalog: ../catalog\ntarget: {python: "3.11"}\npackages: ["pypi:wheel", "pypi:pip"]\n' \
	>proj/images/app.yaml
ok "lock the image" pf $TR lock proj/images/app.yaml
L=proj/lockfiles/app.lock
ok "build the lock" pf $TR build $L -o env.tar.zst --mirror mirror --cache cache
ok "bundle it" pf $TR bundle create $L -o good.pfb --mirror mirror --cache cache
ok "verify --lock of the environment and its own lock" pf $TR verify env.tar.zst --lock $L
expect 0 "publishes no advisories" "audit of the lock: clean" -- pf $TR audit $L
check "lock --check agrees" "pf $TR lock --check proj/images/app.yaml >/dev/null 2>&1"

# A mirror someone else controls serves other bytes of the same size under the wheel's name.
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 0xff
open(sys.argv[2], "wb").write(bytes(b))' "$W/$WHL" evil.whl
mkdir evilmirror
cp evil.whl "evilmirror/$WHL"
cp mirror/pip-23.0.1-py3-none-any.whl mirror/setuptools-66.1.1-py3-none-any.whl evilmirror/
GOOD_SHA=$(sha256sum "$W/$WHL" | cut -d' ' -f1)
EVIL_SHA=$(sha256sum evil.whl | cut -d' ' -f1)
check "the evil bytes have the same size" "[ $(stat -c %s evil.whl) -eq $(stat -c %s "$W/$WHL") ]"

# The hand-edited locks (each beside the real one, so its relative source still names the catalog).
sed "s/$GOOD_SHA/$EVIL_SHA/" $L >proj/lockfiles/otherbytes.lock
{
	sed '/^packages:/q' $L
	printf '  - ecosystem: pypi\n    name: setuptools\n    version: "66.1.1"\n    artifact:\n'
	printf '      file: setuptools-66.1.1-py3-none-any.whl\n      format: wheel\n      size: %s\n      sha256: "%s"\n' \
		"$(stat -c %s "$W"/setuptools-66.1.1-py3-none-any.whl)" \
		"$(sha256sum "$W"/setuptools-66.1.1-py3-none-any.whl | cut -d' ' -f1)"
	printf '    requested_by:\n      - image\n'
	sed '1,/^packages:/d' $L
} >proj/lockfiles/notin.lock
sed '/^  source: /d' $L >proj/lockfiles/nosource.lock
sed 's/^  name: chain$/  name: chain-two/' $L >proj/lockfiles/othername.lock
sed 's/version: "0.38.4"/version: "0.38.4.0"/' $L >proj/lockfiles/spelling.lock
check "every edit changed the lock" \
	'for f in otherbytes notin nosource othername spelling; do cmp -s $L proj/lockfiles/$f.lock && exit 1; done; true'

# refused CASE WANT: build, build --bundle, verify --lock and audit all refuse, exit 1, no output
refused() {
	f=proj/lockfiles/$1.lock
	expect 1 "$2" "$1: build refuses" -- pf $TR build $f -o out/$1.tar.zst --mirror evilmirror --cache c-$1
	check "$1: ... one error line naming the lock, nothing written" \
		"[ \$(grep -c '^pinfold: error:' '$T/.stderr') -eq 1 ] && grep -q '$1.lock' '$T/.stderr' &&
		 [ ! -e out/$1.tar.zst ] && [ ! -e out/$1.tar.zst.sha256 ] && ! ls -a out | grep -q pinfold-build"
	expect 1 "different lock" "$1: build --bundle with it refuses" -- \
		pf $TR build $f --bundle good.pfb -o out/$1-b.tar.zst --cache c-$1
	check "$1: ... nothing written" "[ ! -e out/$1-b.tar.zst ]"
	expect 1 "$2" "$1: verify --lock refuses" -- pf $TR verify env.tar.zst --lock $f
	expect 1 "$2" "$1: audit refuses" -- pf $TR audit $f
	check "$1: ... and does not call it clean" "! grep -q 'clean against' '$T/.stdout'"
	expect 1 "" "$1: bundle create refuses" -- pf $TR bundle create $f -o out/$1.pfb --mirror evilmirror --cache c-$1
	check "$1: ... nothing written" "[ ! -e out/$1.pfb ]"
}
refused otherbytes "pypi:wheel 0.38.4: artifact sha256 $EVIL_SHA is not the catalog's $GOOD_SHA"
pf $TR build proj/lockfiles/otherbytes.lock -o out/x.tar.zst --mirror evilmirror --cache c-x 2>shape.err
check "the whole error line has the issue's shape" \
	"grep -qx 'pinfold: error: proj/lockfiles/otherbytes.lock: pypi:wheel 0.38.4: artifact sha256 $EVIL_SHA is not the catalog.s $GOOD_SHA' shape.err"
refused notin "pypi:setuptools 66.1.1 is not in catalog 'chain' version 1: not vetted"
refused nosource "names no catalog"
refused othername "catalog 'chain' is not the catalog 'chain-two' that is pinned"
refused spelling "pypi:wheel 0.38.4.0 is not in catalog"

# The same edits inside a bundle (its index fixed, as a careful attacker would): refused too.
python3 "$FETCHDIR/tamper_bundle.py" good.pfb x1.pfb replace "artifacts/$WHL" evil.whl
python3 "$FETCHDIR/tamper_bundle.py" x1.pfb evil.pfb edit pinfold.lock "$GOOD_SHA" "$EVIL_SHA"
expect 1 "artifact sha256 $EVIL_SHA is not the catalog's" "bundle with other bytes (lock and index fixed): build refuses" -- \
	pf $TR build --bundle evil.pfb -o out/evilb.tar.zst --cache c-evilb
check "... nothing written" "[ ! -e out/evilb.tar.zst ]"
expect 1 "is not the catalog's" "... bundle verify refuses it" -- pf $TR bundle verify evil.pfb
python3 "$FETCHDIR/tamper_bundle.py" good.pfb name.pfb edit pinfold.lock "name: chain" "name: chain-two"
expect 1 "chain-two" "bundle whose lock names another catalog: build refuses" -- \
	pf $TR build --bundle name.pfb -o out/nameb.tar.zst --cache c-nameb

# A newer catalog: fine while every locked artifact is still in it; a dropped package is not.
pf catalog add proj/catalog "$W"/setuptools-66.1.1-py3-none-any.whl --published 2023-01-10 >/dev/null
pf catalog sign proj/catalog --key "$KEY" >/dev/null
expect 0 "" "a newer catalog that still has every locked artifact: build passes" -- \
	pf $TR build $L -o out/newer.tar.zst --mirror mirror --cache cache
same_text "... with the same bytes" env.tar.zst out/newer.tar.zst
expect 0 "" "... verify --lock passes" -- pf $TR verify env.tar.zst --lock $L
pf catalog remove proj/catalog pypi:wheel 0.38.4 >/dev/null
pf catalog sign proj/catalog --key "$KEY" >/dev/null
expect 1 "pypi:wheel 0.38.4 is not in catalog 'chain' version 3: no longer vetted; re-lock" \
	"a package the newer catalog dropped: build refuses" -- pf $TR build $L -o out/dropped.tar.zst --mirror mirror --cache cache
expect 1 "no longer vetted" "... verify --lock refuses" -- pf $TR verify env.tar.zst --lock $L
expect 1 "no longer vetted" "... audit refuses" -- pf $TR audit $L
expect 1 "pypi:wheel is not in the vetted catalog" "... lock --check agrees" -- pf $TR lock --check proj/images/app.yaml
pf catalog add proj/catalog "$W/$WHL" --published 2023-01-10 --by sec >/dev/null
pf catalog sign proj/catalog --key "$KEY" >/dev/null
expect 0 "" "back in the catalog: build passes again" -- pf $TR build $L -o out/back.tar.zst --mirror mirror --cache cache

# Revoked in another PEP 440 spelling: the advisory says 0.38.4.0, the lock has 0.38.4.
ok "revoke wheel 0.38.4.0" pf catalog revoke proj/catalog pypi:wheel 0.38.4.0 --id PF-SPELL --reason "spelled otherwise"
ok "sign it" pf catalog sign proj/catalog --key "$KEY"
expect 1 "pypi:wheel 0.38.4 is revoked by PF-SPELL" "revoked in another spelling: build refuses" -- \
	pf $TR build $L -o out/rev.tar.zst --mirror mirror --cache cache
check "... nothing written" "[ ! -e out/rev.tar.zst ]"
expect 1 "revoked: pypi:wheel 0.38.4 by PF-SPELL" "... verify --lock refuses" -- pf $TR verify env.tar.zst --lock $L
expect 1 "pypi:wheel 0.38.4: revoked by PF-SPELL" "... audit lists it" -- pf $TR audit $L
expect 1 "pypi:wheel 0.38.4 is revoked" "... lock --check agrees" -- pf $TR lock --check proj/images/app.yaml
expect 1 "revoked" "... bundle create refuses" -- pf $TR bundle create $L -o out/rev.pfb --mirror mirror --cache cache
# the old bundle is older than what this machine has verified since: refused, never built as "clean"
expect 1 "older than version" "... the older bundle is refused here (rollback)" -- \
	pf $TR build --bundle good.pfb -o out/revb.tar.zst --cache c-revb
# a bundle that carries the new advisories (with their signature, index fixed), on a fresh machine
python3 "$FETCHDIR/tamper_bundle.py" good.pfb a1.pfb add catalog/advisories.yaml proj/catalog/advisories.yaml
python3 "$FETCHDIR/tamper_bundle.py" a1.pfb revb.pfb add catalog/advisories.yaml.sig proj/catalog/advisories.yaml.sig
expect 1 "pypi:wheel 0.38.4 is revoked by PF-SPELL" "... build --bundle refuses the revoked version" -- \
	env PINFOLD_STATE_DIR="$T/fresh-state" "$PINFOLD" --now "$NOW" $TR build --bundle revb.pfb \
	-o out/revb.tar.zst --cache c-revb
check "... nothing written" "[ ! -e out/revb.tar.zst ]"
expect 0 "because of --allow-revoked" "--allow-revoked builds, warning" -- \
	pf $TR build $L -o out/allowed.tar.zst --mirror mirror --cache cache --allow-revoked

# No reachable catalog: refused naming what was tried, whatever the cache holds.
mv proj/catalog proj/catalog.away
expect 1 "no reachable catalog to check the lock against: tried 'proj/lockfiles/../catalog'" \
	"catalog gone: build refuses" -- pf $TR build $L -o out/gone.tar.zst --mirror mirror --cache cache
expect 1 "no reachable catalog" "... verify --lock refuses" -- pf $TR verify env.tar.zst --lock $L
expect 1 "not checked against its signed catalog" "... audit lists what the saved advisories say and refuses" -- \
	pf $TR audit $L
check "... with the revocation from the saved copy" "grep -q 'revoked by PF-SPELL' '$T/.stdout'"
expect 1 "" "--offline on a lockfile: the same" -- pf $TR audit $L --offline
check "... naming --offline" "grep -q 'not checked against its signed catalog (--offline)' '$T/.stderr'"
mv proj/catalog.away proj/catalog
expect 0 "" "--catalog names it elsewhere" -- \
	pf $TR build $L -o out/else.tar.zst --mirror mirror --cache cache --catalog proj/catalog --allow-revoked

# The environment's activation hook, without pinfold on PATH, reads the saved index of the state
# directory; like pinfold it ignores a state directory that others can write.
mkdir envdir
tar -C envdir --zstd -xf env.tar.zst
(PATH=/usr/bin:/bin dash -c '. ./envdir/bin/activate; echo "ACTIVE $?"') >act.out 2>act.err
check "activation without pinfold warns: 0.38.4.0 in the advisory matches the locked 0.38.4" \
	'grep -q "pypi:wheel 0.38.4: revoked by PF-SPELL" act.err && grep -q "ACTIVE 0" act.out'
chmod g+w "$PINFOLD_STATE_DIR"
(PATH=/usr/bin:/bin dash -c '. ./envdir/bin/activate; echo "ACTIVE $?"') >act2.out 2>act2.err
check "a group-writable state directory is not read by the hook" '! grep -q "PF-SPELL" act2.err && grep -q "ACTIVE 0" act2.out'
expect 1 "writable by group or others" "... and pinfold refuses it" -- pf $TR audit envdir
chmod g-w "$PINFOLD_STATE_DIR"

# The catalog name is pinned: a re-lock against another catalog (same key) needs --relax-policy.
cp -r proj/catalog proj/catalog2
rm proj/catalog2/advisories.yaml proj/catalog2/advisories.yaml.sig
sed -i 's/^name: chain$/name: chain-two/' proj/catalog2/catalog.yaml
pf catalog sign proj/catalog2 --key "$KEY" >/dev/null
sed 's|catalog: ../catalog|catalog: ../catalog2|' proj/images/app.yaml >proj/images/app2.yaml
cp $L proj/lockfiles/app2.lock
sed -i 's/^name: app$/name: app2/' proj/images/app2.yaml
expect 1 "the catalog would change from 'chain' to 'chain-two'" "re-lock against a catalog with another name: refused" -- \
	pf $TR lock proj/images/app2.yaml
expect 0 "policy relaxed: the catalog would change" "... unless --relax-policy --reason" -- \
	pf $TR lock proj/images/app2.yaml --relax-policy --reason "moved to the team catalog"
check "... the reason is recorded" "grep -q 'relax_reason: \"moved to the team catalog\"' proj/lockfiles/app2.lock"
check "... and the new name" "grep -q '^  name: chain-two' proj/lockfiles/app2.lock"
printf 'catalog_name: chain\n' >>proj/images/app2.yaml
expect 1 "is not the catalog 'chain' that is pinned" "an image that pins catalog_name refuses another catalog" -- \
	pf $TR lock proj/images/app2.yaml -o proj/lockfiles/pinned.lock
printf 'name: app3\ncatalog: ../catalog\ncatalog_name: "bad/name"\npackages: ["pypi:pip"]\n' >proj/images/app3.yaml
expect 3 "catalog_name 'bad/name'" "a catalog_name that is not a name is refused" -- pf $TR lock proj/images/app3.yaml

done_testing
