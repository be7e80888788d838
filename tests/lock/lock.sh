# SPDX-License-Identifier: MIT
# pinfold lock / why end to end: determinism, pins, --upgrade, --check, policy relaxation,
# strict lockfile and image reading, and the solver cache.
. "$SRCDIR/tests/lib.sh"

newkey cur
newkey other
H=$(printf '%064d' 0 | tr 0 b)
mkdir -p proj/catalog proj/images proj/lockfiles

pkg() {	# eco name version published [depends...]
	e=$1 nm=$2 v=$3 p=$4; shift 4
	printf '  - ecosystem: %s\n    name: %s\n    version: "%s"\n    published: %s\n' "$e" "$nm" "$v" "$p"
	printf '    artifact: {file: %s-%s.tgz, format: npm, size: 10, sha256: %s}\n' "$nm" "$v" "$H"
	if [ $# -gt 0 ]; then
		echo "    depends:"
		for d in "$@"; do printf '      - "%s"\n' "$d"; done
	fi
}

catalog() {	# writes proj/catalog/catalog.yaml from stdin packages, signs with key $1
	{ printf 'format: pinfold-catalog/1\nname: demo\nversion: %s\npolicy: {min_age_days: 7}\npackages:\n' \
		"$(sed -n 's/^version: //p' proj/catalog/catalog.yaml 2>/dev/null || echo 0)"; cat; } >proj/catalog/new.yaml
	mv proj/catalog/new.yaml proj/catalog/catalog.yaml
	pf catalog sign proj/catalog --key "$T/keys/$1.key" >/dev/null
}

{
	pkg npm axios 1.13.5 2026-01-10 "follow-redirects ^1.15.0" "form-data ^4.0.0"
	pkg npm follow-redirects 1.15.9 2026-01-01
	pkg npm form-data 4.0.4 2026-01-01
	pkg npm chalk 5.3.0 2026-01-01
} | catalog cur

cat >proj/images/web.yaml <<'YAML'
name: web
catalog: ../catalog
packages: ["npm:axios ^1.7"]
policy: {min_age_days: 14}
YAML
TR="--trust $T/keys/cur.key.pub"

expect 0 "" "lock --help exits 0" -- pf lock --help
expect 0 "usage: pinfold why" "why --help exits 0" -- pf why --help
expect 2 "expected one IMAGE" "lock without an image is a usage error" -- pf lock
expect 0 "wrote proj/lockfiles/web.lock" "lock writes lockfiles/NAME.lock beside images/" -- pf $TR lock proj/images/web.yaml
L=proj/lockfiles/web.lock
check "lock has the resolved closure" "grep -q 'name: follow-redirects' $L && grep -q 'name: form-data' $L"
check "lock records requested_by" "grep -q '\"npm:axios 1.13.5\"' $L"
check "lock records the absolute age cutoff" "grep -q 'age_cutoff: \"2026-05-18T00:00:00Z\"' $L"
check "lock records source_date_epoch = newest published date" "grep -q '^source_date_epoch: 1768003200' $L"
check "lock records the catalog signer" "grep -q \"$(pf key id "$T/keys/cur.key.pub")\" $L"
sha1=$(sha256sum <$L)
rm -rf xdg-cache
pf $TR lock proj/images/web.yaml >/dev/null
check "same inputs, same bytes (cold cache)" "[ \"$sha1\" = \"\$(sha256sum <$L)\" ]"
pf $TR lock proj/images/web.yaml >/dev/null
check "same inputs, same bytes (warm cache)" "[ \"$sha1\" = \"\$(sha256sum <$L)\" ]"
for f in xdg-cache/pinfold/solv/*.solv; do printf 'garbage' >>"$f"; done
pf $TR lock proj/images/web.yaml >/dev/null
check "a tampered solver cache is not trusted (same bytes)" "[ \"$sha1\" = \"\$(sha256sum <$L)\" ]"
for f in xdg-cache/pinfold/solv/*.solv; do head -c 200 "$f" >"$f.x"; mv "$f.x" "$f"; done
expect 0 "" "a truncated solver cache is rebuilt" -- pf $TR lock proj/images/web.yaml
check "... with the same bytes" "[ \"$sha1\" = \"\$(sha256sum <$L)\" ]"
pf $TR -v lock proj/images/web.yaml 2>pool.err >/dev/null
check "a warm lock loads the pool from the authenticated cache" "grep -q 'loaded from the authenticated cache' pool.err"
check "the cache key lives in the state dir, mode 0600" "[ \"\$(stat -c %a state/solv-cache.key)\" = 600 ]"
# A truncated secret is replaced (caches made under the old one are rebuilt), never left to switch the cache off.
head -c 7 state/solv-cache.key >short.key && mv short.key state/solv-cache.key
pf $TR -v lock proj/images/web.yaml 2>pool.err >/dev/null
check "a truncated cache key: the pool is rebuilt" "grep -q 'built from the catalog' pool.err"
check "... the key is replaced by 32 bytes, mode 0600" "[ \"\$(stat -c %s:%a state/solv-cache.key)\" = 32:600 ]"
pf $TR -v lock proj/images/web.yaml 2>pool.err >/dev/null
check "... and the next run uses the cache again" "grep -q 'loaded from the authenticated cache' pool.err"
check "... with the same lock bytes" "[ \"$sha1\" = \"\$(sha256sum <$L)\" ]"
# An attacker who can write the cache but not the state dir edits it and recomputes a plain SHA-256.
for f in xdg-cache/pinfold/solv/*.solv; do
	python3 - "$f" <<'PY'
import hashlib, sys
p = sys.argv[1]; d = open(p, 'rb').read()
head, rest = d.split(b'\n', 1)
magic, key, _ = head.split(b' ')
rest = rest.replace(b' 14 ', b' 0 ', 1)	# the catalog line: min_age_days 14 -> 0
open(p, 'wb').write(magic + b' ' + key + b' ' + hashlib.sha256(rest).hexdigest().encode() + b'\n' + rest)
PY
done
cp xdg-cache/pinfold/solv/*.solv oldcat.solv
pf $TR -v lock proj/images/web.yaml 2>pool.err >/dev/null
check "a cache forged without the state dir's key is not trusted" "grep -q 'built from the catalog' pool.err"
check "... and the lock keeps its bytes" "[ \"$sha1\" = \"\$(sha256sum <$L)\" ]"
cp xdg-cache/pinfold/solv/*.solv oldcat.solv
expect 0 "image -> npm:axios 1.13.5 -> npm:form-data 4.0.4" "why prints the chain" -- pf why $L npm:form-data
expect 3 "npm:nope is not in the lock" "why on a package not in the lock" -- pf why $L npm:nope
expect 0 "up to date" "--check on a fresh lock exits 0" -- pf $TR lock --check proj/images/web.yaml

# Pins survive a catalog update; --upgrade moves one package; --upgrade-all moves all.
{
	pkg npm axios 1.13.5 2026-01-10 "follow-redirects ^1.15.0" "form-data ^4.0.0"
	pkg npm axios 1.13.6 2026-02-27 "follow-redirects ^1.15.0" "form-data ^4.0.0"
	pkg npm follow-redirects 1.15.9 2026-01-01
	pkg npm follow-redirects 1.15.11 2026-02-01
	pkg npm form-data 4.0.4 2026-01-01
	pkg npm form-data 4.0.5 2026-02-01
	pkg npm chalk 5.3.0 2026-01-01
} | catalog cur
cp $L before.lock
expect 0 "" "--check after a catalog update that keeps the pins" -- pf $TR lock --check proj/images/web.yaml
pf $TR lock proj/images/web.yaml >/dev/null
# A valid cache of the previous catalog, renamed to the new catalog's key, must not be used.
for f in xdg-cache/pinfold/solv/*.solv; do
	cmp -s "$f" oldcat.solv && continue
	newkey=$(basename "$f" .solv)
	python3 - oldcat.solv "$f" "$newkey" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
head, rest = d.split(b'\n', 1)
magic, _, mac = head.split(b' ')
open(sys.argv[2], 'wb').write(magic + b' ' + sys.argv[3].encode() + b' ' + mac + b'\n' + rest)
PY
done
pf $TR -v lock proj/images/web.yaml 2>pool.err >/dev/null
check "another catalog's cache under this catalog's key is not trusted" "grep -q 'built from the catalog' pool.err"
cp before.lock $L
pf $TR lock proj/images/web.yaml >/dev/null
check "re-locking keeps every pin" "grep -q '\"1.13.5\"' $L && grep -q '\"1.15.9\"' $L && grep -q '\"4.0.4\"' $L"
pf $TR lock proj/images/web.yaml --upgrade npm:form-data >/dev/null
check "--upgrade moves only that package" "grep -q '\"4.0.5\"' $L && grep -q '\"1.13.5\"' $L && grep -q '\"1.15.9\"' $L"
sed -i 's/\["npm:axios ^1.7"\]/["npm:axios ^1.7", "npm:chalk"]/' proj/images/web.yaml
expect 1 "the image changed since the lock was written" "--check notices an image change" -- pf $TR lock --check proj/images/web.yaml
expect 1 "npm:chalk 5.3.0 is needed but not locked" "--check names what is missing" -- pf $TR lock --check proj/images/web.yaml
cp $L nochange.lock
expect 1 "" "--check writes nothing" -- pf $TR lock --check proj/images/web.yaml
same_text "--check left the lock alone" nochange.lock $L
pf $TR lock proj/images/web.yaml >/dev/null
check "adding a request changes only what must" "grep -q '\"1.13.5\"' $L && grep -q '\"1.15.9\"' $L && grep -q '\"4.0.5\"' $L && grep -q '\"5.3.0\"' $L"
pf $TR lock proj/images/web.yaml --upgrade-all >/dev/null
check "--upgrade-all moves everything" "grep -q '\"1.13.6\"' $L && grep -q '\"1.15.11\"' $L"

# A locked version that is revoked later makes the lock out of date.
pf catalog revoke proj/catalog npm:axios 1.13.6 --reason "compromised maintainer account" >/dev/null
pf catalog sign proj/catalog --key "$T/keys/cur.key" >/dev/null
expect 1 "npm:axios 1.13.6 is revoked: compromised maintainer account" "--check flags a revoked locked version" -- pf $TR lock --check proj/images/web.yaml
pf $TR lock proj/images/web.yaml >/dev/null
check "re-locking falls back past the revoked version" "grep -q '\"1.13.5\"' $L"

# Policy relaxation is refused unless explained.
cp $L strict.lock
sed -i 's/min_age_days: 14/min_age_days: 7/' proj/images/web.yaml
expect 1 "policy.min_age_days would drop from 14 to 7" "a lower min_age_days is refused" -- pf $TR lock proj/images/web.yaml
expect 2 "needs --reason" "--relax-policy without --reason is a usage error" -- pf $TR lock proj/images/web.yaml --relax-policy
same_text "a refused relaxation leaves the lock alone" strict.lock $L
expect 0 "policy relaxed" "--relax-policy --reason is allowed" -- pf $TR lock proj/images/web.yaml --relax-policy --reason "hotfix needs a fresh release"
check "the reason is recorded in the lock" "grep -q 'relax_reason: \"hotfix needs a fresh release\"' $L"
check "the new policy is recorded" "grep -q 'min_age_days: 7' $L"

# A trust pin the image drops, and a catalog signed by another key, are relaxations too.
KID=$(pf key id "$T/keys/cur.key.pub")
printf 'name: pinned\ncatalog: ../catalog\ntrust: {keys: ["%s"], threshold: 1}\npackages: ["npm:chalk"]\n' "$KID" >proj/images/pinned.yaml
expect 0 "" "an image with a trust pin locks" -- pf $TR lock proj/images/pinned.yaml
check "the pin is recorded" "grep -q '^trust:' proj/lockfiles/pinned.lock"
printf 'name: pinned\ncatalog: ../catalog\npackages: ["npm:chalk"]\n' >proj/images/pinned.yaml
expect 1 "no longer pins the catalog's signing keys" "dropping the trust pin is refused" -- pf $TR lock proj/images/pinned.yaml
expect 0 "" "... unless --relax-policy --reason" -- pf $TR lock proj/images/pinned.yaml --relax-policy --reason "pin moved to trust-dir"
rm proj/catalog/catalog.yaml.sig
pf catalog sign proj/catalog --key "$T/keys/other.key" >/dev/null
expect 1 "is now signed by other keys" "a catalog signed by a different key is refused" -- pf --trust $T/keys/other.key.pub lock proj/images/pinned.yaml

# Strict reading.
sed 's/sha256: b*$/sha256: 1234/' strict.lock >bad.lock
expect 3 "package npm:axios 1.13.5: sha256 must be 64 lowercase hex digits" "a lock with a short sha256 is refused naming the package" -- pf why bad.lock npm:axios
grep -v '      size:' strict.lock >nosize.lock
expect 3 "artifact needs file, format, size and sha256" "a lock without an artifact size is refused" -- pf why nosize.lock npm:axios
sed 's/format: npm/format: exe/' strict.lock >fmt.lock
expect 3 "unknown artifact format 'exe'" "a lock with an unknown format is refused" -- pf why fmt.lock npm:axios
printf 'name: x\ncatalog: ../catalog\npackages: ["npm:chalk"]\nextra: 1\n' >proj/images/bad.yaml
expect 3 "unknown key 'extra'" "an image with an unknown key is refused" -- pf $TR lock proj/images/bad.yaml
printf 'name: x\ncatalog: ../catalog\npackages: ["cargo:serde"]\n' >proj/images/bad.yaml
expect 3 "unknown ecosystem 'cargo'" "an image with an unknown ecosystem is refused" -- pf $TR lock proj/images/bad.yaml
printf 'name: x\ncatalog: ../catalog\npackages: ["npm:chalk"]\ntarget: {host: ["deb:python3"]}\n' >proj/images/bad.yaml
expect 3 "is not 'ECOSYSTEM:NAME VERSION'" "a malformed target.host entry is refused" -- pf $TR lock proj/images/bad.yaml
# sandbox.allow_hosts (docs/network.md) goes from the image into the lock as written.
printf 'name: net\ncatalog: ../catalog\npackages: ["npm:chalk"]\nsandbox: {allow_hosts: [api.example.com, "*.x.test:8443"]}\n' \
	>proj/images/net.yaml
expect 0 "" "an image with sandbox.allow_hosts locks" -- pf --trust $T/keys/other.key.pub lock proj/images/net.yaml -o "$T/net.lock"
check "the lock carries them, in order" \
	'[ "$(sed -n "/^sandbox:/,/^[a-z]/p" "$T/net.lock" | grep -c -e "api.example.com" -e "\*.x.test:8443")" = 2 ]'
done_testing
