#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 13: startup code is a reviewed property. 'catalog add' names every file that runs code at
# interpreter or package start (.pth import lines - litellm 1.82.8's vector -, sitecustomize,
# usercustomize, npm install scripts, deb maintainer scripts); the catalog records it, signed; the
# catalog's policy refuses it unless the curator allows it with --allow-startup --note WHY;
# 'catalog list', the environment's .pinfold/startup.yaml and 'audit' show it.
. "$SRCDIR/tests/lib.sh"
MK="python3 $SRCDIR/tests/harden/mkfixtures.py"
one_err() { [ "$(grep -c '^pinfold: error: ' "$T/.stderr")" -eq 1 ]; }

newkey a
A=$T/keys/a.key TA="--trust $T/keys/a.key.pub"
mkdir -p art
$MK wheel-pth art/pthy-1.0-py3-none-any.whl
$MK wheel-pth-paths art/paths-1.0-py3-none-any.whl
$MK wheel-pth-tab art/pthtab-1.0-py3-none-any.whl
$MK wheel-pth-data art/pthdata-1.0-py3-none-any.whl
$MK wheel-sitecustomize art/sitec-1.0-py3-none-any.whl
$MK npm-postinstall art/hooky-1.0.0.tgz
$MK npm-gyp art/gyppy-1.0.0.tgz
$MK deb-maint art/maint_1.0_all.deb
$MK deb-pth art/debpth_1.0_all.deb
pf catalog init cat --name startup >/dev/null
cp cat/catalog.yaml empty.yaml

expect 1 "pypi:pthy 1.0: runs code at interpreter or package start (pth 'pthy_init.pth')" \
	"catalog add: a wheel with a .pth import line (litellm 1.82.8's vector) is refused" -- \
	pf catalog add cat art/pthy-1.0-py3-none-any.whl --published 2023-01-10
check "... naming --allow-startup --note, one error line, the catalog unchanged" \
	'grep -q -- "--allow-startup --note WHY" "$T/.stderr" && one_err && cmp -s empty.yaml cat/catalog.yaml'
for f in pthtab-1.0-py3-none-any.whl:"pth 'pthtab.pth'" pthdata-1.0-py3-none-any.whl:"pth 'pthdata-1.0.data/purelib/zz.pth'" \
	sitec-1.0-py3-none-any.whl:"sitecustomize 'sitecustomize.py', usercustomize 'usercustomize/__init__.py'" \
	hooky-1.0.0.tgz:"npm-script 'package/package.json: scripts.postinstall'" \
	gyppy-1.0.0.tgz:"npm-script 'package/binding.gyp'" \
	debpth_1.0_all.deb:"pth 'usr/lib/python3/dist-packages/debpth.pth'"; do
	expect 1 "(${f#*:})" "catalog add refuses ${f%%:*}: ${f#*:}" -- \
		pf catalog add cat "art/${f%%:*}" --published 2023-01-10
done
check "... and the catalog is unchanged" 'cmp -s empty.yaml cat/catalog.yaml'
expect 0 "" "a .pth with only path lines (and a nested one) is not startup code" -- \
	pf catalog add cat art/paths-1.0-py3-none-any.whl --published 2023-01-10
check "... nothing recorded" '! grep -q "^    startup" cat/catalog.yaml'
expect 0 "" "a deb with maintainer scripts only is added (pinfold never runs them)" -- \
	pf catalog add cat art/maint_1.0_all.deb --published 2023-01-10
check "... recorded as deb-maintainer-script" \
	'grep -A1 "file: DEBIAN/postinst" cat/catalog.yaml | grep -q "kind: deb-maintainer-script"'
expect 2 "--allow-startup needs --note" "--allow-startup without --note is a usage error" -- \
	pf catalog add cat art/pthy-1.0-py3-none-any.whl --published 2023-01-10 --allow-startup
expect 0 "[startup code allowed]" "--allow-startup --note WHY adds it" -- \
	pf catalog add cat art/pthy-1.0-py3-none-any.whl --published 2023-01-10 --by alice \
	--allow-startup --note "pthy_init.pth reviewed: prints a line"
check "... the entry records the file, its kind and the note" \
	'grep -A3 "^    startup:" cat/catalog.yaml | grep -q "file: pthy_init.pth" &&
	 grep -q "startup_note: \"pthy_init.pth reviewed: prints a line\"" cat/catalog.yaml'
pf catalog list cat >list.out
check "catalog list shows the startup code and the note" \
	'grep -q "^pypi:pthy 1.0 [0-9a-f]*  \[startup code: pth pthy_init.pth; allowed: pthy_init.pth reviewed: prints a line\]$" list.out'
check "... and deb maintainer scripts as never run" 'grep -q "^deb:maint 1.0 .*\[maintainer scripts, never run: postinst, prerm\]$" list.out'
check "... one line per package" '[ "$(wc -l <list.out)" -eq 3 ]'
expect 0 "" "catalog list --json has them" -- pf --json catalog list cat
check "... startup entries with runs true/false and the note" \
	'python3 -c "import json,sys; d={p[\"name\"]: p for p in json.load(open(sys.argv[1]))};
assert d[\"pthy\"][\"startup\"] == [{\"file\": \"pthy_init.pth\", \"kind\": \"pth\", \"runs\": True}], d[\"pthy\"]
assert d[\"pthy\"][\"startup_note\"].startswith(\"pthy_init.pth reviewed\")
assert all(not s[\"runs\"] for s in d[\"maint\"][\"startup\"]) and d[\"paths\"][\"startup\"] == []" "$T/.stdout"'

# the record is signed with the catalog, and every consumer holds it to the policy
expect 0 "" "sign" -- pf catalog sign cat --key "$A"
expect 0 "" "verify" -- pf $TA catalog verify cat
sed '/^    startup_note:/d' cat/catalog.yaml >nonote.yaml
cp -r cat cat-nonote && mv nonote.yaml cat-nonote/catalog.yaml
expect 1 "has no startup_note, and the catalog's policy refuses startup code" \
	"catalog sign refuses an entry whose startup note was removed" -- pf catalog sign cat-nonote --key "$A"
ty=application/vnd.pinfold.catalog+yaml
sed -i 's/^version: 1$/version: 2/' cat-nonote/catalog.yaml
{ printf 'DSSEv1 %s %s %s ' ${#ty} $ty "$(stat -c %s cat-nonote/catalog.yaml)"; cat cat-nonote/catalog.yaml; } >pae
printf '%s %s\n' "$(pf key id "$A")" "$(openssl pkeyutl -sign -inkey "$A" -rawin -in pae | base64 -w0)" \
	>cat-nonote/catalog.yaml.sig
expect 1 "pypi:pthy 1.0 runs code at start (pth 'pthy_init.pth') but has no startup_note" \
	"a validly signed catalog with unreviewed startup code is refused by verify" -- \
	pf --state-dir "$T/st2" $TA catalog verify cat-nonote
pf catalog init allowcat --name allowcat --startup allow >/dev/null
check "catalog init --startup allow records the policy" 'grep -q "startup: allow" allowcat/catalog.yaml'
expect 0 "" "a catalog whose policy allows startup code takes it without --allow-startup" -- \
	pf catalog add allowcat art/pthy-1.0-py3-none-any.whl --published 2023-01-10
check "... and still records it" 'grep -q "file: pthy_init.pth" allowcat/catalog.yaml'
expect 2 "" "catalog init --startup maybe is a usage error" -- pf catalog init x --name x --startup maybe

# the environment: .pinfold/startup.yaml, and audit shows it
cat >t.yaml <<'IMG'
name: t
catalog: cat
target: {python: "3.11", platform: linux-x86_64}
packages: ["pypi:pthy", "pypi:paths", "deb:maint"]
IMG
expect 0 "" "lock" -- pf $TA lock t.yaml -o t.lock
expect 0 "" "build" -- pf $TA build t.lock -o env.tar.zst --mirror art
mkdir env && tar --zstd -xf env.tar.zst -C env
check ".pinfold/startup.yaml names the .pth that runs, its package and kind (not the path-only one)" \
	'grep -q "package: \"pypi:pthy 1.0\"" env/.pinfold/startup.yaml &&
	 grep -q "file: lib/python3.11/site-packages/pthy_init.pth" env/.pinfold/startup.yaml &&
	 ! grep -q "paths.pth" env/.pinfold/startup.yaml'
check "... and it is in the manifest" 'grep -q "^.pinfold/startup.yaml	f	" env/.pinfold/manifest'
expect 0 "" "verify accepts the environment" -- pf verify env
expect 0 "runs code at Python start (reviewed in the catalog): pypi:pthy 1.0: lib/python3.11/site-packages/pthy_init.pth (pth)" \
	"audit of the environment shows its startup code" -- pf $TA audit env --catalog cat
expect 0 "" "... of the tarball too (JSON)" -- pf --json $TA audit env.tar.zst --catalog cat
check "... \"startup\" lists it" \
	'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"startup\"] == [{\"package\": \"pypi:pthy 1.0\", \"file\": \"lib/python3.11/site-packages/pthy_init.pth\", \"kind\": \"pth\"}], d" "$T/.stdout"'
done_testing
