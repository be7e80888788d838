#!/bin/sh
# SPDX-License-Identifier: MIT
# After the fact: a catalog names where its advisories are published (a 127.0.0.1 HTTP server); an
# environment built months earlier is in the registry; a new advisory is published; 'advisories
# update' keeps it and 'audit --all' names the environment with the window it was used in, exit 1.
# Tampered, expired, rolled-back and foreign advisories are refused and the kept copy stays. A package
# installed after 'unlock' counts, also after the directory is deleted. The activation hook and build
# record uses; concurrent touches all land.
. "$SRCDIR/tests/lib.sh"

WHEELS=/usr/share/python-wheels
RELEASE=$SRCDIR/builder/trust/keys/catalog-release.pub
newkey cur
newkey other
KEY=$T/keys/cur.key
# the test's catalog key and pinfold's release key (the shipped default advisories)
TR="--trust $KEY.pub --trust $RELEASE"

mkdir pub
timeout 300 python3 "$SRCDIR/tests/fetch/hostile_httpd.py" pub http.port 300 >/dev/null 2>&1 &
HTTP_PID=$!
trap 'kill $HTTP_PID 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s http.port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=http://127.0.0.1:$(cat http.port)/good

# March: a curator's catalog that publishes its advisories at $URL (named inside the signed catalog).
NOW=2026-03-01T09:00:00Z
ok "catalog init --advisories-url" pf catalog init cat --name example --advisories-url "$URL"
check "the URL is in the catalog" 'grep -q "^advisories:" cat/catalog.yaml && grep -q "$URL" cat/catalog.yaml'
ok "catalog add" pf catalog add cat "$WHEELS"/wheel-0.38.4-py3-none-any.whl "$WHEELS"/pip-23.0.1-py3-none-any.whl \
	--published 2023-01-10 --by sec-team
ok "catalog sign (a year)" pf catalog sign cat --key "$KEY" --expires-in 365
mkdir images mirror
cp "$WHEELS"/wheel-0.38.4-py3-none-any.whl "$WHEELS"/pip-23.0.1-py3-none-any.whl mirror/
cat >images/t.yaml <<'EOF'
name: t
catalog: ../cat
target: {python: "3.11", platform: linux-x86_64}
packages: ["pypi:wheel", "pypi:pip"]
EOF
ok "lock" pf $TR lock images/t.yaml -o t.lock
expect 0 "" "build in March" -- pf $TR build t.lock -o t.tar.zst --mirror mirror
TARBALL=$(realpath t.tar.zst)
check "build recorded the tarball in the registry" \
	'grep -q "^tarball	.*	2026-03-01T09:00:00Z	2026-03-01T09:00:00Z	present	1	build	$TARBALL\$" \
		"$PINFOLD_STATE_DIR/registry/environments.tsv"'
check "and kept its lock" '[ -f "$PINFOLD_STATE_DIR/registry/locks/$(sha256sum t.lock | cut -d" " -f1).lock" ]'

# The environment unpacked and activated (pinfold on PATH: the activation hook records the use).
mkdir env
tar -C env --zstd -xf t.tar.zst
# shellcheck disable=SC2034 # E is used inside the check strings (eval)
E=$(realpath env)
mkdir pbin
NOW=2026-03-02T10:00:00Z
printf '#!/bin/sh\nexec "%s" --trust "%s" --trust "%s" --now "%s" "$@"\n' "$PINFOLD" "$KEY.pub" "$RELEASE" "$NOW" \
	>pbin/pinfold
chmod 755 pbin/pinfold
(cd "$T" && PATH=$T/pbin:$PATH dash -c '. ./env/bin/activate; echo "ACTIVE $?"') >act.out 2>act.err
check "activation still succeeds" 'grep -q "ACTIVE 0" act.out'
check "activation recorded the environment" \
	'grep -q "^environment	.*	2026-03-02T10:00:00Z	2026-03-02T10:00:00Z	present	1	activate	$E\$" \
		"$PINFOLD_STATE_DIR/registry/environments.tsv"'
NOW=2026-03-20T18:00:00Z
ok "a later use moves the last use" pf registry touch env
check "first use kept, last use moved, two uses" \
	'grep -q "^environment	.*	2026-03-02T10:00:00Z	2026-03-20T18:00:00Z	present	2	touch	$E\$" \
		"$PINFOLD_STATE_DIR/registry/environments.tsv"'
NOW=2026-03-10T00:00:00Z
ok "an older --now never moves the window backwards" pf registry touch env
check "last use still the 20th" 'grep -q "	2026-03-20T18:00:00Z	present	3	" "$PINFOLD_STATE_DIR/registry/environments.tsv"'

# June, nothing published yet: clean, and no warning line at all once the advisories are current.
NOW=2026-06-01T00:00:00Z
expect 0 "" "the shipped copy was seeded in March: 90 days old, a warning" -- pf $TR audit --all
check "it says to update" 'grep -q "warning: advisories .pinfold-default. were last verified more than 7 days ago; run .pinfold advisories update." "$T/.stderr"'
expect 0 "advisories 'pinfold-default' version " "advisories update (the default catalog)" -- pf $TR advisories update
expect 0 "audited 2 environments" "audit --all with nothing revoked: exit 0" -- pf $TR audit --all
check "no warning when all is well" '[ ! -s "$T/.stderr" ]'
check "the advisories' age is in the summary" 'grep -q "advisories .pinfold-default. version" "$T/.stdout"'

# A new advisory is published at the URL the catalog names (not beside the catalog).
ok "revoke wheel 0.38.4" pf catalog revoke cat pypi:wheel 0.38.4 --id PF-TEST-1 --severity critical \
	--reason "published by attackers" --advice "rotate SSH keys, cloud tokens and .env secrets"
ok "sign" pf catalog sign cat --key "$KEY" --expires-in 30
mv cat/advisories.yaml cat/advisories.yaml.sig pub/
cp pub/advisories.yaml v1.yaml
cp pub/advisories.yaml.sig v1.sig
expect 0 "advisories 'example' version 1 from $URL: kept" "advisories update fetches them from the URL" -- \
	pf $TR advisories update --catalog cat
check "kept in the state dir" '[ -f "$PINFOLD_STATE_DIR/saved-advisories/example/advisories.yaml" ]'
check "the catalog is remembered" 'grep -qx "$(realpath cat)" "$PINFOLD_STATE_DIR/watch/sources"'
expect 0 "PF-TEST-1 (critical) pypi:wheel 0.38.4: published by attackers" "advisories show lists it" -- \
	pf $TR advisories show
pf $TR --json advisories show >show.json
check "advisories show --json" 'python3 -c "
import json
d = {a[\"name\"]: a for a in json.load(open(\"show.json\"))[\"advisories\"]}
assert d[\"example\"][\"version\"] == 1 and d[\"example\"][\"items\"][0][\"id\"] == \"PF-TEST-1\", d
assert d[\"example\"][\"items\"][0][\"versions\"] == [\"0.38.4\"], d
assert \"pinfold-default\" in d, d
"'

# A plain audit with current saved advisories: the age in the summary, no warning line.
cat >images/p.yaml <<'EOF'
name: p
catalog: ../cat
target: {python: "3.11", platform: linux-x86_64}
packages: ["pypi:pip"]
EOF
NOW=2026-06-02T00:00:00Z
ok "lock p (pip only)" pf $TR lock images/p.yaml -o p.lock
ok "build p (an environment to audit offline)" pf $TR build p.lock -o p0.tar.zst --mirror mirror
expect 0 "clean against advisories 'example' version 1 (saved copy verified at 2026-06-01T00:00:00Z, 1 day old)" \
	"plain audit: the age of the saved copy is in the summary" -- pf $TR audit p0.tar.zst --offline
check "and no warning line" '[ ! -s "$T/.stderr" ]'
NOW=2026-06-12T00:00:00Z
expect 0 "11 days old" "ten days later it warns to update" -- pf $TR audit p0.tar.zst --offline
check "a warning that says what to run" 'grep -q "pinfold: warning: .*run .pinfold advisories update." "$T/.stderr"'
NOW=2026-06-02T00:00:00Z

NOW=2026-06-02T00:00:00Z
expect 1 "pypi:wheel 0.38.4: revoked by PF-TEST-1 (critical): published by attackers" \
	"audit --all names the environments built and used months ago, exit 1" -- pf $TR audit --all
check "the tarball, with its window of use" \
	'grep -q "^$TARBALL (tarball): used from 2026-03-01T09:00:00Z to 2026-03-01T09:00:00Z (1 use, last by build)" "$T/.stdout"'
check "the unpacked environment, with its window of use" \
	'grep -q "^$E (environment): used from 2026-03-02T10:00:00Z to 2026-03-20T18:00:00Z (3 uses, last by touch)" "$T/.stdout"'
check "what to rotate" 'grep -q "advice: rotate SSH keys, cloud tokens and .env secrets" "$T/.stdout"'
check "where it was found" 'grep -q "found: in its lock; installed at $E/lib/python3.11/site-packages/wheel-0.38.4.dist-info (dist-info)" "$T/.stdout"'
check "one closing warning" '[ "$(grep -c "pinfold: warning:" "$T/.stderr")" -eq 1 ] && grep -q "2 environments used here contain revoked" "$T/.stderr"'
pf $TR --json audit --all >all.json; rc=$?
check "--json exits 1 too" "[ $rc -eq 1 ]"
check "--json document" 'python3 -c "
import json
d = json.load(open(\"all.json\"))
assert d[\"clean\"] is False and d[\"affected\"] == 2, d
e = {x[\"path\"]: x for x in d[\"environments\"]}
t = e[\"$TARBALL\"]
assert t[\"kind\"] == \"tarball\" and t[\"first_use\"] == \"2026-03-01T09:00:00Z\" and t[\"state\"] == \"present\", t
a = t[\"affected\"][0]
assert (a[\"name\"], a[\"version\"], a[\"advisory\"], a[\"advisories\"]) == (\"wheel\", \"0.38.4\", \"PF-TEST-1\", \"example\"), a
assert a[\"advice\"].startswith(\"rotate SSH\") and a[\"found\"][0][\"source\"] == \"lock\", a
v = e[\"$E\"]
assert v[\"scanned\"] is True and {f[\"source\"] for f in v[\"affected\"][0][\"found\"]} == {\"lock\", \"installed\"}, v
assert {x[\"name\"] for x in d[\"advisories\"]} == {\"example\", \"pinfold-default\"}, d[\"advisories\"]
"'

# Refused updates leave the kept copy in use: tampered, expired, rolled back, foreign.
cp v1.yaml cat/advisories.yaml
cp v1.sig cat/advisories.yaml.sig
ok "revoke pip (on top of version 1)" pf catalog revoke cat pypi:pip 23.0.1 --id PF-TEST-2 --severity low \
	--reason "second" --advice "none"
ok "sign version 2" pf catalog sign cat --key "$KEY" --expires-in 30
mv cat/advisories.yaml cat/advisories.yaml.sig pub/
cp pub/advisories.yaml v2.yaml
cp pub/advisories.yaml.sig v2.sig
sed 's/published by attackers/published by a friend/' v2.yaml >pub/advisories.yaml
expect 1 "signature" "a tampered advisories file is refused" -- pf $TR advisories update --catalog cat
expect 0 "advisories 'example' version 1 " "the kept copy (version 1) stays" -- pf $TR advisories show example
expect 1 "PF-TEST-1" "and audit --all still uses it" -- pf $TR audit --all
check "not the tampered text" '! grep -q "published by a friend" "$T/.stdout"'
cp v2.yaml pub/advisories.yaml
expect 0 "version 2 from $URL: kept (was version 1)" "the genuine version 2 is kept" -- \
	pf $TR advisories update --catalog cat
expect 1 "pypi:pip 23.0.1: revoked by PF-TEST-2 (low)" "audit --all sees version 2" -- pf $TR audit --all
expect 1 "pypi:pip 23.0.1 is revoked by PF-TEST-2" \
	"build of a lock whose catalog publishes its advisories only at its URL: the kept copy is applied" -- \
	pf $TR build p.lock -o p.tar.zst --mirror mirror
check "nothing built" '[ ! -e p.tar.zst ]'
cp v1.yaml pub/advisories.yaml
cp v1.sig pub/advisories.yaml.sig
expect 1 "roll" "a rolled-back (older) advisories file is refused" -- pf $TR advisories update --catalog cat
expect 0 "advisories 'example' version 2 " "the kept copy (version 2) stays" -- pf $TR advisories show example
# expiry: version 3 signed for one day, fetched three days later
cp v2.yaml cat/advisories.yaml
cp v2.sig cat/advisories.yaml.sig
ok "revoke again" pf catalog revoke cat pypi:pip ">=23" --id PF-TEST-3 --severity low --reason "third" --advice "none"
ok "sign version 3 for one day" pf catalog sign cat --key "$KEY" --expires-in 1
mv cat/advisories.yaml cat/advisories.yaml.sig pub/
NOW=2026-06-05T00:00:00Z
ok "a catalog that is still valid" pf catalog sign cat --key "$KEY" --expires-in 30
expect 1 "expired" "an expired advisories file is refused" -- pf $TR advisories update --catalog cat
expect 0 "advisories 'example' version 2 " "the kept copy (version 2) stays" -- pf $TR advisories show example
check "version 3 never became the kept copy" '! grep -q "PF-TEST-3" "$PINFOLD_STATE_DIR/saved-advisories/example/advisories.yaml"'
# foreign: validly signed advisories of another catalog at this catalog's URL
mkdir foreign
ok "another catalog" pf catalog init foreign --name someone-else
ok "its advisory" pf catalog revoke foreign pypi:pip 23.0.1 --reason x --id PF-X-1
ok "signed with the same trusted key" pf catalog sign foreign --key "$KEY" --expires-in 30
cp foreign/advisories.yaml foreign/advisories.yaml.sig pub/
expect 1 "holds advisories 'someone-else', not those of catalog 'example'" \
	"advisories of another catalog are refused" -- pf $TR advisories update --catalog cat
check "and the state of 'someone-else' was not raised" '[ ! -e "$PINFOLD_STATE_DIR/advisories/someone-else" ]'
# untrusted: signed by a key nobody trusts
cp v2.yaml pub/advisories.yaml
"$PINFOLD" key id "$T/keys/other.key" >/dev/null
sed 's/^[0-9a-f]* /0000000000000000000000000000000000000000000000000000000000000000 /' v2.sig >pub/advisories.yaml.sig
expect 1 "" "a signature under an unknown key is refused" -- pf $TR advisories update --catalog cat
check "with an error line" 'grep -q "^pinfold: error: " "$T/.stderr"'
cp v2.sig pub/advisories.yaml.sig
expect 0 "unchanged, verified again" "the genuine copy again: unchanged" -- pf $TR advisories update --catalog cat
# A rebuilt tarball at the same path with another lock: the old entry is "replaced"; both are audited.
NOW=2026-06-05T12:00:00Z
expect 0 "" "build p.lock over the old tarball (advisories from the URL)" -- \
	pf $TR build p.lock -o t.tar.zst --mirror mirror --allow-revoked
expect 1 "" "audit --all" -- pf $TR audit --all
check "the old lock at that path: replaced since the rebuild" \
	'grep -q "^$TARBALL (tarball, replaced since 2026-06-05T12:00:00Z): used from 2026-03-01T09:00:00Z" "$T/.stdout"'
check "the new one is there too" 'grep -q "^$TARBALL (tarball): used from 2026-06-05T12:00:00Z" "$T/.stdout"'
ok "registry forget" pf registry forget "$TARBALL"
check "forgotten (both locks)" '! grep -q "	$TARBALL\$" "$PINFOLD_STATE_DIR/registry/environments.tsv"'
expect 3 "not in the registry" "forgetting it twice" -- pf registry forget "$TARBALL"

# unreachable URL: an error, the kept copy stays
kill $HTTP_PID 2>/dev/null
wait $HTTP_PID 2>/dev/null
expect 3 "" "an unreachable URL fails (exit 3)" -- pf $TR advisories update --catalog cat
expect 1 "PF-TEST-2" "audit --all still works offline with the kept copy" -- pf $TR audit --all

# Without --catalog: the default catalog plus the remembered ones (the server is down: exit 3).
expect 3 "" "advisories update without --catalog tries the remembered catalog" -- pf $TR advisories update
check "the default catalog's advisories are verified again" 'grep -q "advisories .pinfold-default. version" "$T/.stdout"'

# A package installed after unlock counts; it still counts after the directory is deleted.
NOW=2026-06-06T00:00:00Z
ok "unlock" pf unlock env --reason "trying a package"
SP=env/lib/python3.11/site-packages
mkdir "$SP/litellm-1.82.8.dist-info"
printf 'Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n' >"$SP/litellm-1.82.8.dist-info/METADATA"
expect 1 "pypi:litellm 1.82.8: revoked by PINFOLD-2026-0002 (critical)" \
	"an unlocked environment with a revoked package installed later: named" -- pf $TR audit --all
check "found installed, not in the lock" \
	'grep -q "found: installed at $E/lib/python3.11/site-packages/litellm-1.82.8.dist-info (dist-info)" "$T/.stdout"'
check "the shipped advisories' advice" 'grep -q "advice: Treat every credential reachable" "$T/.stdout"'
check "the plain audit of the lock alone would miss it" '! grep -q litellm t.lock'
rm -rf env
NOW=2026-06-07T00:00:00Z
expect 1 "pypi:litellm 1.82.8: revoked by PINFOLD-2026-0002" "deleted: still named (the exposure happened)" -- \
	pf $TR audit --all
check "marked gone, with the window" \
	'grep -q "^$E (environment, gone since 2026-06-07T00:00:00Z): used from 2026-03-02T10:00:00Z to 2026-03-20T18:00:00Z" "$T/.stdout"'
check "what was installed is remembered from the earlier audit" \
	'grep -q "installed at $E/lib/python3.11/site-packages/litellm-1.82.8.dist-info (dist-info, seen 2026-06-06T00:00:00Z)" "$T/.stdout"'
check "the registry keeps the entry, marked gone" \
	'grep -q "	gone:2026-06-07T00:00:00Z	3	touch	$E\$" "$PINFOLD_STATE_DIR/registry/environments.tsv"'
ok "registry list" pf registry list
check "registry list shows it gone" 'grep -q "^$E (environment, gone since 2026-06-07T00:00:00Z)" "$T/.out"'

# Concurrent uses: every one lands, the file stays well-formed.
for k in 1 2 3 4 5 6 7 8 9 10 11 12; do
	mkdir -p "c$k/.pinfold"
	printf 'lock %s\n' "$k" >"c$k/.pinfold/lock"
done
for k in 1 2 3 4 5 6 7 8 9 10 11 12; do pf registry touch "c$k" & done
wait
check "12 concurrent touches, 12 entries" '[ "$(grep -c "	$T/c[0-9]*\$" "$PINFOLD_STATE_DIR/registry/environments.tsv")" -eq 12 ]'
ok "the registry still reads" pf registry list

# A corrupt registry is an error naming the line, never silently reset.
cp "$PINFOLD_STATE_DIR/registry/environments.tsv" reg.good
printf 'tarball\tnot-a-digest\n' >>"$PINFOLD_STATE_DIR/registry/environments.tsv"
expect 3 "environments.tsv" "a corrupt registry is refused, naming it" -- pf $TR audit --all
cp reg.good "$PINFOLD_STATE_DIR/registry/environments.tsv"

done_testing
