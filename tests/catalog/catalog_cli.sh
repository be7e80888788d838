#!/bin/sh
# SPDX-License-Identifier: MIT
# pinfold catalog: init/add/remove/list/sign/verify/revoke with real artifacts and hostile inputs.
. "$SRCDIR/tests/lib.sh"

WHEELS=/usr/share/python-wheels
newkey a
newkey b
newkey c
A=$T/keys/a.key B=$T/keys/b.key C=$T/keys/c.key
ida=$(pf key id "$A") idb=$(pf key id "$B")

# --help everywhere
ok "catalog --help" pf catalog --help
for s in init add remove list sign verify revoke; do
	ok "catalog $s --help" pf catalog $s --help
done
expect 2 "unknown subcommand" "unknown subcommand" -- pf catalog frob
expect 2 "--name NAME is required" "init needs --name" -- pf catalog init x
expect 2 "must match" "init refuses a bad name" -- pf catalog init x --name ../evil
expect 2 "--min-age-days" "init refuses a bad --min-age-days" -- pf catalog init x --name ok --min-age-days -1

# init
ok "init" pf catalog init cat --name demo
check "catalog.yaml written" 'grep -q "^name: demo$" cat/catalog.yaml && grep -q "min_age_days: 7" cat/catalog.yaml'
expect 3 "already exists" "init refuses an existing catalog" -- pf catalog init cat --name demo
ok "init with --min-age-days" pf catalog init cat14 --name demo14 --min-age-days 14
check "min_age_days recorded" 'grep -q "min_age_days: 14" cat14/catalog.yaml'

# add real wheels
expect 1 "pass --published" "add without --published is too young and says to pass --published" -- \
	pf catalog add cat "$WHEELS"/pip-*.whl
# setuptools ships distutils-precedence.pth with an import line: startup code, allowed with a note
ok "add the system wheels" pf catalog add cat "$WHEELS"/pip-*.whl "$WHEELS"/setuptools-*.whl \
	"$WHEELS"/wheel-*.whl --published 2023-01-10 --by sec-team --note "reviewed" --allow-startup
pf catalog list cat >list.out
for w in "$WHEELS"/pip-*.whl "$WHEELS"/setuptools-*.whl "$WHEELS"/wheel-*.whl; do
	b=$(basename "$w"); n=${b%%-*}; v=${b#*-}; v=${v%%-*}
	su=
	[ "$n" = setuptools ] && su="  [startup code: pth distutils-precedence.pth; allowed: reviewed]"
	echo "pypi:$n $v $(sha256sum "$w" | cut -d' ' -f1)$su"
done | LC_ALL=C sort >list.want
same_text "list prints ecosystem:name version sha256, sorted" list.want list.out
check "wheel Requires-Dist kept verbatim with markers" \
	'grep -q "pytest (>=3.0.0) ; extra == '"'"'test'"'"'" cat/catalog.yaml'
check "Provides-Extra becomes provides NAME[extra]" 'grep -q "wheel\[test\]" cat/catalog.yaml'
check "size recorded" "grep -q \"size: $(stat -c %s "$WHEELS"/pip-*.whl)\" cat/catalog.yaml"
check "vetted recorded" 'grep -q "by: sec-team" cat/catalog.yaml'
ok "adding the same artifact again is fine" pf catalog add cat "$WHEELS"/pip-*.whl --published 2023-01-10
cp "$WHEELS"/pip-*.whl .
cp "$WHEELS"/pip-*.whl pipx-23.0.1-py3-none-any.whl
pf catalog add cat14 pipx-23.0.1-py3-none-any.whl --published 2020-01-01 >/dev/null 2>warn.out
check "a wheel whose file name disagrees with METADATA is warned about" 'grep -q "does not match its METADATA" warn.out'
pf catalog remove cat14 pypi:pip 23.0.1 >/dev/null
pipw=$(basename "$WHEELS"/pip-*.whl)
printf 'x' >>"$pipw"
expect 3 "another artifact" "same version with a different hash refused" -- pf catalog add cat "$pipw" --published 2023-01-10
expect 1 "release-age delay" "a release 2 days old is refused" -- pf catalog add cat14 "$WHEELS"/pip-*.whl --published 2026-05-30
expect 2 "needs --note" "--allow-young needs --note" -- pf catalog add cat14 "$WHEELS"/pip-*.whl --published 2026-05-30 --allow-young
ok "--allow-young --note accepts it" pf catalog add cat14 "$WHEELS"/pip-*.whl --published 2026-05-30 --allow-young --note "urgent fix"
check "young_note recorded" 'grep -q "young_note: .urgent fix." cat14/catalog.yaml'
expect 1 "future" "a published date in the future is refused" -- pf catalog add cat14 "$WHEELS"/wheel-*.whl --published 2026-07-01

# npm tarball from npm pack, cached so reruns need no network
cache=$BUILDDIR/test-cache
mkdir -p "$cache"
if [ ! -f "$cache/is-number-7.0.0.tgz" ]; then
	(cd "$cache" && timeout 120 npm pack is-number@7.0.0 >/dev/null 2>&1) || rm -f "$cache/is-number-7.0.0.tgz"
fi
if [ -f "$cache/is-number-7.0.0.tgz" ]; then
	ok "add a real npm tarball" pf catalog add cat "$cache/is-number-7.0.0.tgz" --published 2018-07-04
	check "npm package listed" 'pf catalog list cat | grep -q "^npm:is-number 7.0.0 "'
else
	n=$((n + 1)); echo "ok $n # skip npm is unreachable (no cached is-number-7.0.0.tgz)"
fi
mkdir -p npmpkg/package
cat >npmpkg/package/package.json <<'EOF'
{"name": "left", "version": "1.0.0", "dependencies": {"a": "^1.0.0", "b": "", "c": "2.x"},
 "optionalDependencies": {"c": "2.x"}}
EOF
tar -C npmpkg -czf left-1.0.0.tgz package
ok "add a crafted npm tarball" pf catalog add cat left-1.0.0.tgz --published 2020-01-01
check "dependencies recorded as 'name range', optional ones left out" \
	'grep -q "\"a ^1.0.0\"" cat/catalog.yaml && grep -q "\"b \*\"" cat/catalog.yaml && ! grep -q "c 2.x" cat/catalog.yaml'

# npm strips a tarball's first directory whatever its name (@types/* packages use their own)
mkdir -p typespkg/estree
printf '{"name": "@types/estree", "version": "1.0.9", "license": "MIT"}' >typespkg/estree/package.json
printf 'export {};\n' >typespkg/estree/index.d.ts
tar -C typespkg -czf types-estree-1.0.9.tgz estree
ok "add an npm tarball whose top directory is not 'package/'" pf catalog add cat types-estree-1.0.9.tgz --published 2020-01-01
check "... listed under its own name" 'pf catalog list cat | grep -q "^npm:@types/estree 1.0.9 "'
pf catalog remove cat npm:@types/estree 1.0.9 >/dev/null
mkdir -p typespkg/other
printf '{"name": "@types/evil", "version": "1.0.0"}' >typespkg/other/package.json
tar -C typespkg -czf types-two-1.0.0.tgz estree other
expect 3 "two top-level package.json files" "two top directories with a package.json each are refused" -- \
	pf catalog add cat types-two-1.0.0.tgz --published 2020-01-01

# a deb built here: Depends + Pre-Depends, Provides, Conflicts + Breaks
if command -v dpkg-deb >/dev/null 2>&1; then
	mkdir -p debpkg/DEBIAN
	cat >debpkg/DEBIAN/control <<'EOF'
Package: hello-pf
Version: 1:2.0-1
Architecture: all
Maintainer: t <t@example.invalid>
Pre-Depends: dpkg (>= 1.15)
Depends: libc6 (>= 2.34),
 zlib1g | libz
Provides: hello
Conflicts: hello-old
Breaks: hello-older (<< 1.0)
Description: test
 package
EOF
	dpkg-deb -Zxz --build debpkg hello-pf_2.0-1_all.deb >/dev/null 2>&1
	ok "add a deb" pf catalog add cat hello-pf_2.0-1_all.deb --published 2020-01-01
	check "deb relations recorded" 'grep -q "\"libc6 (>= 2.34)\"" cat/catalog.yaml && grep -q "\"zlib1g | libz\"" cat/catalog.yaml && grep -q "\"dpkg (>= 1.15)\"" cat/catalog.yaml && grep -q "\"hello-older (<< 1.0)\"" cat/catalog.yaml && grep -q "^      - hello$" cat/catalog.yaml'
	check "deb version with epoch" 'pf catalog list cat | grep -q "^deb:hello-pf 1:2.0-1 "'
	pf catalog remove cat deb:hello-pf 1:2.0-1 >/dev/null
	printf '!<arch>\nbroken' >broken_1_all.deb
	expect 3 "broken_1_all.deb" "a broken deb is refused" -- pf catalog add cat broken_1_all.deb --published 2020-01-01
fi

# artifacts with unparseable metadata
printf 'garbage' >bad-1.0-py3-none-any.whl
expect 3 "bad-1.0-py3-none-any.whl" "a wheel that is not a zip is refused" -- pf catalog add cat bad-1.0-py3-none-any.whl --published 2020-01-01
mkdir -p badnpm/package
printf '{"name": "x", "version": "1", "name": "y"}' >badnpm/package/package.json
tar -C badnpm -czf badnpm-1.tgz package
expect 3 "duplicate member" "package.json with a duplicate key is refused" -- pf catalog add cat badnpm-1.tgz --published 2020-01-01
printf '{"name": "x"' >badnpm/package/package.json
tar -C badnpm -czf badnpm-2.tgz package
expect 3 "invalid JSON" "truncated package.json is refused" -- pf catalog add cat badnpm-2.tgz --published 2020-01-01
python3 - <<'EOF'
import zipfile
with zipfile.ZipFile("nometa-1.0-py3-none-any.whl", "w") as z:
    z.writestr("nometa/__init__.py", "")
EOF
expect 3 "no *.dist-info/METADATA found" "a wheel without METADATA is refused" -- pf catalog add cat nometa-1.0-py3-none-any.whl --published 2020-01-01
check "refused adds leave the catalog unchanged" '[ "$(pf catalog list cat | wc -l)" -ge 4 ] && ! grep -q nometa cat/catalog.yaml'

# generic tarballs need a name and version
mkdir -p gen/tool && echo hi >gen/tool/README && tar -C gen -czf tool-1.2.tar.gz tool
expect 2 "--name" "a generic tarball needs --name/--version" -- pf catalog add cat tool-1.2.tar.gz --published 2020-01-01
ok "a generic tarball with --name/--version" pf catalog add cat tool-1.2.tar.gz --published 2020-01-01 --name tool --version 1.2
check "generic listed" 'pf catalog list cat | grep -q "^generic:tool 1.2 "'
expect 2 "" "--name on a wheel is a usage error" -- pf catalog add cat "$WHEELS"/pip-*.whl --name x --version 1 --published 2020-01-01

# remove
ok "remove" pf catalog remove cat generic:tool 1.2
expect 3 "not in catalog" "remove a missing package" -- pf catalog remove cat generic:tool 1.2
expect 2 "" "remove needs ECO:NAME" -- pf catalog remove cat tool 1.2

# sign + verify
expect 1 "not signed" "an unsigned catalog does not verify" -- pf --trust "$A.pub" catalog verify cat
ok "sign" pf catalog sign cat --key "$A"
check "version raised to 1" 'grep -q "^version: 1$" cat/catalog.yaml'
check "expires 30 days after --now" 'grep -q "^expires: 2026-07-01T00:00:00Z$" cat/catalog.yaml'
check "one signature line" '[ "$(wc -l <cat/catalog.yaml.sig)" = 1 ] && grep -q "^$ida " cat/catalog.yaml.sig'
pf --trust "$A.pub" catalog verify cat >verify.out 2>&1
check "verify succeeds with a one-line summary naming version, expiry and signer" \
	'[ "$(wc -l <verify.out)" = 1 ] && grep -q "catalog .demo. version 1: ok" verify.out && grep -q "2026-07-01T00:00:00Z" verify.out && grep -q "$ida" verify.out'
expect 1 "" "verify with the built-in trust only (no test key) fails" -- pf catalog verify cat
cp -r cat good1

# tampering
cp -r good1 t1
printf ' ' >>t1/catalog.yaml
expect 1 "does not verify" "trailing whitespace appended: refused" -- pf --trust "$A.pub" catalog verify t1
cp -r good1 t2
sed -i 's/size: 1/size: 2/' t2/catalog.yaml
expect 1 "does not verify" "one changed byte: refused" -- pf --trust "$A.pub" catalog verify t2
cp -r good1 t3
head -c 100 good1/catalog.yaml.sig >t3/catalog.yaml.sig
expect 1 "no well-formed signature" "truncated signature refused" -- pf --trust "$A.pub" catalog verify t3
cp -r good1 t4
sed 's/ \(..........\)/ !\1/; s/\(.\)==$/==/' good1/catalog.yaml.sig >t4/catalog.yaml.sig
expect 1 "" "non-base64 signature refused" -- pf --trust "$A.pub" catalog verify t4
cp -r good1 t5
printf '%s %s\n' "$ida" "not*base64" >t5/catalog.yaml.sig
expect 1 "no well-formed signature" "garbage signature line refused" -- pf --trust "$A.pub" catalog verify t5
expect 1 "not signed by any trusted key" "wrong key: untrusted" -- pf --trust "$B.pub" catalog verify good1
cp -r good1 t6
cat good1/catalog.yaml.sig good1/catalog.yaml.sig >t6/catalog.yaml.sig
ok "a duplicated line still verifies at threshold 1" pf --trust "$A.pub" catalog verify t6
expect 1 "1 distinct trusted key, 2 required" "a duplicated line counts once (threshold 2)" -- \
	pf --trust "$A.pub" --trust "$B.pub" catalog verify t6 --threshold 2
cp "$A.pub" same-as-a.pub
expect 1 "1 distinct trusted key, 2 required" "one key given as two trust files counts once" -- \
	pf --trust "$A.pub" --trust same-as-a.pub catalog verify good1 --threshold 2
expect 1 "1 distinct trusted key, 2 required" "one key as private and public file counts once" -- \
	pf --trust "$A.pub" --trust "$A" catalog verify good1 --threshold 2
mkdir trustdir && cp "$A.pub" trustdir/one.pub && cp "$A.pub" trustdir/two.pem
expect 1 "2 required" "a trust dir with one key twice counts once" -- pf --trust-dir trustdir catalog verify good1 --threshold 2
cp "$B.pub" cat-own.pub
cp cat-own.pub good1/
expect 1 "own directory" "a key from the catalog's own directory is refused" -- pf --trust good1/cat-own.pub catalog verify good1
rm good1/cat-own.pub
cp -r good1 t7
sed "s/^$ida /$idb /" good1/catalog.yaml.sig >t7/catalog.yaml.sig
expect 1 "does not verify" "a's signature claimed under b's id fails" -- pf --trust "$A.pub" --trust "$B.pub" catalog verify t7

# two keys, threshold 2
cp -r good1 two
ok "sign with two keys" pf catalog sign two --key "$A" --key "$B" --key "$A"
# one new line per distinct key, then the published version's signature (docs/catalog.md, "Publishing")
check "one line per distinct key" '[ "$(head -n 2 two/catalog.yaml.sig | cut -d" " -f1 | sort -u | wc -l)" = 2 ] &&
	[ "$(wc -l <two/catalog.yaml.sig)" = 3 ] && [ "$(sed -n 3p two/catalog.yaml.sig)" = "$(cat good1/catalog.yaml.sig)" ]'
ok "threshold 2 met by two keys" pf --state-dir "$T/st-two" --trust "$A.pub" --trust "$B.pub" catalog verify two --threshold 2
expect 1 "2 required" "threshold 2 with only one trusted" -- pf --state-dir "$T/st-two" --trust "$A.pub" catalog verify two --threshold 2

# expiry
expect 1 "expired at 2026-07-01T00:00:00Z" "an expired catalog is refused" -- \
	"$PINFOLD" --now 2026-07-02T00:00:00Z --state-dir "$T/st-exp" --trust "$A.pub" catalog verify good1
ok "--expires-in" pf catalog sign cat14 --key "$A" --expires-in 3
check "expiry 3 days later" 'grep -q "^expires: 2026-06-04T00:00:00Z$" cat14/catalog.yaml'

# rollback state
ok "verify v1 records it" pf --state-dir "$T/st" --trust "$A.pub" catalog verify good1
cp -r good1 v2a
cp -r good1 v2b
pf catalog remove v2a pypi:wheel 0.38.4 >/dev/null
pf catalog sign v2a --key "$A" >/dev/null
pf catalog remove v2b pypi:pip 23.0.1 >/dev/null
pf catalog sign v2b --key "$A" >/dev/null
ok "v2 verifies" pf --state-dir "$T/st" --trust "$A.pub" catalog verify v2a
check "state file holds version 2" 'grep -q "^version 2$" "$T/st/catalog/demo"'
expect 1 "rollback refused" "v1 after v2 is a rollback" -- pf --state-dir "$T/st" --trust "$A.pub" catalog verify good1
expect 1 "other bytes" "another v2 with other bytes is refused" -- pf --state-dir "$T/st" --trust "$A.pub" catalog verify v2b

# oversized catalog refused unread
cp -r good1 big
truncate -s 300M big/catalog.yaml
expect 3 "refused unread" "a catalog over 256 MiB is refused unread" -- pf --trust "$A.pub" catalog verify big
rm -rf big

# --artifacts
mkdir mirror
cp "$WHEELS"/*.whl mirror/
cp left-1.0.0.tgz mirror/
[ -f "$cache/is-number-7.0.0.tgz" ] && cp "$cache/is-number-7.0.0.tgz" mirror/
ok "artifacts match the catalog" pf --state-dir "$T/st-art" --trust "$A.pub" catalog verify good1 --artifacts mirror
printf 'x' >>"mirror/$pipw"
rm mirror/left-1.0.0.tgz
expect 1 "2 of" "bad artifacts are listed and refused" -- pf --state-dir "$T/st-art" --trust "$A.pub" catalog verify good1 --artifacts mirror
check "each bad artifact is named" 'grep -q "pypi:pip" "$T/.stderr" && grep -q "npm:left" "$T/.stderr"'

# advisories
expect 2 "--reason" "revoke needs --reason" -- pf catalog revoke cat pypi:pip 23.0.1
expect 2 "--severity" "revoke refuses an unknown severity" -- pf catalog revoke cat pypi:pip 23.0.1 --reason x --severity urgent
ok "revoke an exact version" pf catalog revoke cat pypi:pip 23.0.1 --reason "compromised upload" --advice "use 23.0.2"
ok "revoke a range" pf catalog revoke cat npm:left "<1.0.1" --reason "bad" --severity critical --id PF-LEFT-1
expect 3 "already present" "the same advisory id twice is refused" -- pf catalog revoke cat npm:left "<1.0.1" --reason "bad" --id PF-LEFT-1
check "advisories.yaml created with the catalog's name" 'grep -q "^format: pinfold-advisories/1$" cat/advisories.yaml && grep -q "^name: demo$" cat/advisories.yaml'
check "a range is a string, exact versions a list" 'grep -q "versions: \"<1.0.1\"" cat/advisories.yaml && grep -A1 "versions:$" cat/advisories.yaml | grep -q "\"23.0.1\""'
check "default id is deterministic PF- + 8 hex" 'grep -Eq "id: PF-[0-9a-f]{8}$" cat/advisories.yaml'
check "default severity high" 'grep -q "severity: high" cat/advisories.yaml'
ok "sign signs advisories too" pf catalog sign cat --key "$A"
check "advisories version raised and signed" 'grep -q "^version: 1$" cat/advisories.yaml && [ -s cat/advisories.yaml.sig ]'
pf --state-dir "$T/st-adv" --trust "$A.pub" catalog verify cat >adv.out 2>&1
check "verify reports catalog and advisories" 'grep -q "catalog .demo. version 2: ok" adv.out && grep -q "advisories .demo. version 1: ok, 2 advisories" adv.out'
cp -r cat tadv
printf '\n' >>tadv/advisories.yaml
expect 1 "advisories.yaml" "tampered advisories refused" -- pf --state-dir "$T/st-adv2" --trust "$A.pub" catalog verify tadv
cp -r cat tadv2
rm tadv2/advisories.yaml.sig
expect 1 "not signed" "unsigned advisories refused" -- pf --state-dir "$T/st-adv3" --trust "$A.pub" catalog verify tadv2

# edits leave a signed catalog unsigned until the next sign
pf catalog remove cat npm:left 1.0.0 >/dev/null
expect 1 "does not verify" "an edited signed catalog fails until signed again" -- pf --state-dir "$T/st-adv4" --trust "$A.pub" catalog verify cat
ok "signed again it verifies" sh -c "'$PINFOLD' --now $NOW catalog sign cat --key '$A' >/dev/null && '$PINFOLD' --now $NOW --state-dir '$T/st-adv4' --trust '$A.pub' catalog verify cat"
expect 2 "" "sign with a public key is refused" -- pf catalog sign cat --key "$A.pub"

# --json
check "list --json is valid JSON with one object per package" \
	'[ "$(pf --json catalog list cat | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = "$(pf catalog list cat | wc -l)" ]'
check "verify --json names the signer" \
	'pf --json --state-dir "$T/st-json" --trust "$A.pub" catalog verify cat | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"signers\"] == [\"$ida\"] and d[\"catalog\"] == \"demo\" else 1)"'

done_testing
