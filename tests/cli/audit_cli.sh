#!/bin/sh
# SPDX-License-Identifier: MIT
# pinfold audit on a lockfile, an environment tarball and an unpacked environment; text and JSON;
# tampered, rolled-back, missing and unreachable advisories; the saved copy and its age.
. "$SRCDIR/tests/lib.sh"

WHEELS=/usr/share/python-wheels
newkey cur
KEY=$T/keys/cur.key
TR="--trust $KEY.pub"
kid=$(pf key id "$KEY")

ok "audit --help" pf audit --help
expect 2 "expected one TARGET" "audit without a target is a usage error" -- pf audit
expect 2 "exclude each other" "--offline with --catalog is a usage error" -- pf audit x --offline --catalog y

ok "catalog init" pf catalog init cat --name example
ok "catalog add" pf catalog add cat "$WHEELS"/wheel-0.38.4-py3-none-any.whl "$WHEELS"/pip-23.0.1-py3-none-any.whl \
	--published 2023-01-10 --by sec-team
ok "catalog sign" pf catalog sign cat --key "$KEY"

# A lockfile as 'pinfold lock' writes it (the fixture is generated here, from the real wheels).
art() {	# art FILE FORMAT
	printf '    artifact:\n      file: %s\n      format: %s\n      size: %s\n      sha256: "%s"\n' \
		"$(basename "$1")" "$2" "$(stat -c %s "$1")" "$(sha256sum "$1" | cut -d' ' -f1)"
}
{
	printf 'format: pinfold-lock/1\nimage:\n  name: t\n  sha256: "%s"\n' "$(printf t | sha256sum | cut -d' ' -f1)"
	printf 'catalog:\n  name: example\n  version: 1\n  sha256: "%s"\n  keys: ["%s"]\n  source: cat\n' \
		"$(sha256sum cat/catalog.yaml | cut -d' ' -f1)" "$kid"
	printf 'policy:\n  min_age_days: 7\n  age_cutoff: "2026-05-25T00:00:00Z"\n'
	printf 'source_date_epoch: 1700000000\npackages:\n'
	printf '  - ecosystem: pypi\n    name: pip\n    version: "23.0.1"\n'
	art "$WHEELS"/pip-23.0.1-py3-none-any.whl wheel
	printf '  - ecosystem: pypi\n    name: wheel\n    version: "0.38.4"\n'
	art "$WHEELS"/wheel-0.38.4-py3-none-any.whl wheel
} >t.lock
mkdir -p env/.pinfold
cp t.lock env/.pinfold/lock
tar -C env -cf - .pinfold | zstd -q >env.tar.zst

# No advisories published yet: clean.
expect 0 "publishes no advisories" "a catalog without advisories: nothing revoked" -- pf $TR audit t.lock

ok "revoke wheel 0.38.4" pf catalog revoke cat pypi:wheel 0.38.4 --id PF-TEST-1 --severity critical \
	--reason "published by attackers" --advice "rotate SSH keys, cloud tokens and .env secrets"
ok "sign the advisories" pf catalog sign cat --key "$KEY"

# Lockfile, catalog from the lock (source: cat, relative to the lock).
expect 1 "pypi:wheel 0.38.4: revoked by PF-TEST-1 (critical): published by attackers" \
	"lockfile: the revoked package is listed, exit 1" -- pf $TR audit t.lock
check "advice is printed" 'grep -q "advice: rotate SSH keys" "$T/.stdout"'
check "pip is not listed" '! grep -q "pypi:pip" "$T/.stdout"'
check "the verified advisories were saved" '[ -f "$PINFOLD_STATE_DIR/saved-advisories/example/advisories.yaml" ] &&
	grep -q "^pypi	wheel	0.38.4	PF-TEST-1	critical	" "$PINFOLD_STATE_DIR/saved-advisories/example/index.tsv"'

# JSON: one document with the same facts.
pf $TR --json audit t.lock >lock.json; rc=$?
check "json exits 1 too" "[ $rc -eq 1 ]"
check "json document" 'python3 -c "
import json,sys
d = json.load(open(\"lock.json\"))
a = d[\"affected\"]
assert d[\"clean\"] is False and d[\"kind\"] == \"lockfile\", d
assert len(a) == 1 and a[0][\"name\"] == \"wheel\" and a[0][\"version\"] == \"0.38.4\", a
assert a[0][\"advisory\"] == \"PF-TEST-1\" and a[0][\"severity\"] == \"critical\", a
assert a[0][\"reason\"] == \"published by attackers\" and a[0][\"advice\"].startswith(\"rotate\"), a
assert d[\"advisories\"][\"name\"] == \"example\" and d[\"advisories\"][\"saved\"] is False, d
"'

# Unpacked environment and tarball, with --catalog.
expect 1 "pypi:wheel 0.38.4: revoked by PF-TEST-1" "env dir with --catalog" -- pf $TR audit env --catalog cat
expect 1 "pypi:wheel 0.38.4: revoked by PF-TEST-1" "tarball with --catalog" -- pf $TR audit env.tar.zst --catalog cat
pf $TR --json audit env.tar.zst --catalog cat >tar.json
check "tarball json" 'python3 -c "
import json
d = json.load(open(\"tar.json\"))
assert d[\"kind\"] == \"tarball\" and d[\"affected\"][0][\"name\"] == \"wheel\", d
"'
pf $TR --json audit env --catalog cat >env.json
check "env json" 'python3 -c "
import json
d = json.load(open(\"env.json\"))
assert d[\"kind\"] == \"environment\" and d[\"affected\"][0][\"advisory\"] == \"PF-TEST-1\", d
"'

# Environments without --catalog use the saved copy and say how old it is.
NOW=2026-06-04T00:00:00Z
expect 1 "3 days old" "env dir without --catalog: saved advisories, with their age" -- pf $TR audit env
check "still lists the package" 'grep -q "pypi:wheel 0.38.4: revoked by PF-TEST-1" "$T/.stdout"'
pf $TR --json audit env >saved.json
check "saved json says saved and age" 'python3 -c "
import json
d = json.load(open(\"saved.json\"))
assert d[\"advisories\"][\"saved\"] is True and d[\"advisories\"][\"age_days\"] == 3, d
"'
expect 1 "saved copy verified at" "--offline on a lockfile uses the saved copy" -- pf $TR audit t.lock --offline

# Unreachable catalog: fall back to the saved copy.
mv cat cat.away
expect 1 "cannot be reached" "lock whose catalog is gone falls back to the saved copy" -- pf $TR audit t.lock
check "and still lists the package" 'grep -q "revoked by PF-TEST-1" "$T/.stdout"'
mv cat.away cat
NOW=2026-06-01T00:00:00Z

# Clean: an env without the revoked version.
sed '/name: wheel/,$d' t.lock | sed '$d' >clean.lock
expect 0 "clean against advisories 'example' version" "a clean lock exits 0" -- pf $TR audit clean.lock
pf $TR --json audit clean.lock >clean.json
check "clean json" 'python3 -c "
import json
d = json.load(open(\"clean.json\"))
assert d[\"clean\"] is True and d[\"affected\"] == [], d
"'

# A catalog named by URL (a local HTTP server), then the same URL unreachable.
timeout 60 python3 "$SRCDIR/tests/fetch/hostile_httpd.py" cat http.port 60 >/dev/null 2>&1 &
HTTP_PID=$!
trap 'kill $HTTP_PID 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s http.port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=http://127.0.0.1:$(cat http.port)
expect 1 "pypi:wheel 0.38.4: revoked by PF-TEST-1" "--catalog URL" -- pf $TR audit env.tar.zst --catalog "$URL/good"
expect 1 "signature" "tampered bytes over HTTP refused" -- pf $TR audit t.lock --catalog "$URL/wrong"
kill $HTTP_PID 2>/dev/null
wait $HTTP_PID 2>/dev/null
expect 1 "cannot be reached" "unreachable URL: the saved copy" -- pf $TR audit t.lock --catalog "$URL/good"
check "still lists the package" 'grep -q "revoked by PF-TEST-1" "$T/.stdout"'

# Tampered advisories: refused, no fallback to the saved copy.
cp cat/advisories.yaml adv.orig
sed 's/published by attackers/published by a friend/' adv.orig >cat/advisories.yaml
expect 1 "signature" "tampered advisories.yaml refused" -- pf $TR audit t.lock
check "nothing listed from tampered data" '! grep -q "revoked by" "$T/.stdout"'
cp adv.orig cat/advisories.yaml
head -c 40 cat/advisories.yaml.sig >sig.short
cp cat/advisories.yaml.sig sig.orig
cp sig.short cat/advisories.yaml.sig
expect 1 "" "truncated signature refused" -- pf $TR audit t.lock
check "error printed" 'grep -q "pinfold: error:" "$T/.stderr"'
cp sig.orig cat/advisories.yaml.sig
newkey other
expect 1 "" "advisories signed by an untrusted key refused" -- pf --trust "$T/keys/other.key.pub" audit t.lock
check "error printed" 'grep -q "pinfold: error:" "$T/.stderr"'

# The lock's image trust pin narrows who may sign the advisories too.
oid=$(pf key id "$T/keys/other.key")
sed "s/^policy:/trust:\n  keys: [\"$oid\"]\n  threshold: 1\npolicy:/" t.lock >pinned-other.lock
sed "s/^policy:/trust:\n  keys: [\"$kid\"]\n  threshold: 1\npolicy:/" t.lock >pinned-cur.lock
expect 1 "" "advisories not signed by the lock's pinned key refused" -- \
	pf $TR --trust "$T/keys/other.key.pub" audit pinned-other.lock
check "refused, not listed" 'grep -q "pinfold: error:" "$T/.stderr" && ! grep -q "revoked by" "$T/.stdout"'
expect 1 "revoked by PF-TEST-1" "signed by the pinned key: listed" -- \
	pf $TR --trust "$T/keys/other.key.pub" audit pinned-cur.lock

# Rolled back: a newer version was seen, the older one is refused.
cp cat/advisories.yaml v1.yaml
cp cat/advisories.yaml.sig v1.sig
ok "revoke pip too" pf catalog revoke cat pypi:pip "<24" --id PF-TEST-2 --severity low --reason "test" --advice "none"
ok "sign version 2" pf catalog sign cat --key "$KEY"
expect 1 "PF-TEST-2" "version 2 lists the range advisory" -- pf $TR audit t.lock
check "pip 23.0.1 inside '<24'" 'grep -q "pypi:pip 23.0.1: revoked by PF-TEST-2 (low)" "$T/.stdout"'
# Newer advisories verified since the saved copy (say on a warm `pinfold lock`, which does not save
# one; here the version-2 copy is put back after version 3 was verified): stale, still used.
cp -r "$PINFOLD_STATE_DIR/saved-advisories/example" saved-v2
ok "revoke again" pf catalog revoke cat pypi:wheel ">=0.38" --id PF-TEST-3 --severity low --reason "test" --advice "none"
ok "sign version 3" pf catalog sign cat --key "$KEY"
ok "catalog verify records version 3" pf $TR catalog verify cat
rm -rf "$PINFOLD_STATE_DIR/saved-advisories/example"
cp -r saved-v2 "$PINFOLD_STATE_DIR/saved-advisories/example"
expect 1 "were verified since" "offline audit with a stale saved copy warns" -- pf $TR audit env --offline
check "and uses it" 'grep -q "revoked by PF-TEST-2" "$T/.stdout" && ! grep -q "PF-TEST-3" "$T/.stdout"'
cp v1.yaml cat/advisories.yaml
cp v1.sig cat/advisories.yaml.sig
expect 1 "roll" "rolled-back advisories refused" -- pf $TR audit t.lock
check "nothing listed from rolled-back data" '! grep -q "revoked by" "$T/.stdout"'

# A catalog that drops advisories.yaml after it was seen is not "clean": the kept copy is used.
rm cat/advisories.yaml cat/advisories.yaml.sig
expect 1 "were verified before; using the copy kept here" "advisories.yaml removed: the kept copy is used" -- \
	pf $TR audit t.lock
check "and still lists the package" 'grep -q "revoked by PF-TEST-1" "$T/.stdout"'

# No saved copy and no catalog: a clear error.
rm -rf "$PINFOLD_STATE_DIR/saved-advisories"
expect 3 "no saved advisories" "env without a saved copy" -- pf $TR audit env --offline

# Hostile targets.
printf 'format: pinfold-lock/1\n' >bad.lock
expect 3 "bad.lock" "malformed lock refused naming it" -- pf $TR audit bad.lock
printf '\050\265\057\375garbage' >bad.tar.zst
expect 1 "bad.tar.zst" "corrupt tarball refused naming it" -- pf $TR audit bad.tar.zst --catalog cat
mkdir notenv
expect 3 "not a pinfold environment" "a plain directory is not an environment" -- pf $TR audit notenv

done_testing
