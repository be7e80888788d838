#!/bin/sh
# SPDX-License-Identifier: MIT
# pinfold scan of a fake home with the shipped default advisories and no network: litellm 1.82.8
# installed, axios 1.14.1 in node_modules, axios 0.30.4 in a package-lock.json, each also in a pip or
# npm cache entry; every lockfile kind; symlink loops and links out of the root; a FIFO; unreadable
# directories (also as a non-root user); caps; single-file roots; real pip and npm caches when the
# tools are there (their servers on 127.0.0.1).
. "$SRCDIR/tests/lib.sh"

H=$T/home
python3 "$SRCDIR/tests/watch/mkhome.py" "$H" "$T/outside" || exit 1
ln -s . "$H/loop"
ln -s ../.. "$H/web/node_modules/up"
ln -s "$T/outside" "$H/escape"
mkdir -p "$H/fifo"
mkfifo "$H/fifo/package-lock.json"
mkdir -p "$H/locked/site-packages/litellm-1.82.8.dist-info"
printf 'Name: litellm\nVersion: 1.82.8\n' >"$H/locked/site-packages/litellm-1.82.8.dist-info/METADATA"
chmod 000 "$H/locked"
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT

# No network: inside a network namespace when the machine lets us make one.
NONET=
if unshare -n true 2>/dev/null; then NONET="unshare -n"; elif unshare -rn true 2>/dev/null; then NONET="unshare -rn"; fi
scan() { $NONET "$PINFOLD" --now "$NOW" "$@"; }

ok "scan --help" pf scan --help
expect 2 "--only" "a bad --only is a usage error" -- pf scan --only nothing
expect 2 "--max-time" "a bad --max-time is a usage error" -- pf scan --max-time 0

expect 1 "pypi:litellm 1.82.8: revoked by PINFOLD-2026-0002 (critical)" "scan of the fake home: exit 1" -- \
	timeout 120 $NONET "$PINFOLD" --now "$NOW" scan "$H"
cp "$T/.stdout" scan.out
cp "$T/.stderr" scan.err
has() { grep -qF -- "$1" scan.out; }
check "litellm 1.82.8 installed (dist-info)" \
	'has "  installed: $H/proj/.venv/lib/python3.11/site-packages/litellm-1.82.8.dist-info (dist-info)"'
check "litellm 1.82.8 in pip's http cache (cc=4 + msgpack)" 'grep -q "^  cache: $H/.cache/pip/http/[0-9a-f/]*[0-9a-f]\{56\} (pip cache)$" scan.out'
check "litellm 1.82.8 in pip's wheel cache" 'has "  cache: $H/.cache/pip/wheels/ab/cd/ef/litellm-1.82.8-py3-none-any.whl (wheel file)"'
check "litellm 1.82.8 in uv.lock, pylock.toml, requirements" \
	'has "  lockfile: $H/uvp/uv.lock (uv.lock)" && has "  lockfile: $H/pl/pylock.toml (pylock.toml)" &&
	 has "  lockfile: $H/r/requirements-prod.txt (requirements)"'
check "litellm 1.82.7 in poetry.lock, Pipfile.lock and pip's http-v2 cache" \
	'has "pypi:litellm 1.82.7: revoked by PINFOLD-2026-0001" && has "  lockfile: $H/po/poetry.lock (poetry.lock)" &&
	 has "  lockfile: $H/pe/Pipfile.lock (Pipfile.lock)" && grep -q "^  cache: $H/.cache/pip/http-v2/.*\.body (pip cache)$" scan.out'
check "axios 1.14.1 installed in node_modules" \
	'has "npm:axios 1.14.1: revoked by PINFOLD-2026-0003" && has "  installed: $H/web/node_modules/axios/package.json (node_modules)"'
check "axios 1.14.1 in npm's cache index" 'grep -q "^  cache: $H/.npm/_cacache/index-v5/[0-9a-f]\{2\}/[0-9a-f]\{2\}/[0-9a-f]\{60\} (npm cache)$" scan.out'
check "axios 1.14.1 in yarn.lock and a lockfileVersion 1 package-lock" \
	'has "  lockfile: $H/y/yarn.lock (yarn.lock)" && has "  lockfile: $H/older/package-lock.json (package-lock.json)"'
check "axios 0.30.4 in a package-lock.json" \
	'has "npm:axios 0.30.4: revoked by PINFOLD-2026-0004" && has "  lockfile: $H/old/package-lock.json (package-lock.json)"'
check "axios 0.30.4 in pnpm-lock.yaml and pnpm's node_modules/.pnpm" \
	'has "  lockfile: $H/p/pnpm-lock.yaml (pnpm-lock.yaml)" &&
	 has "  installed: $H/web/node_modules/.pnpm/axios@0.30.4/node_modules/axios/package.json (node_modules)"'
check "axios 0.30.4 in npm's cache index" '[ "$(grep -c "(npm cache)$" scan.out)" -eq 2 ]'
check "the advice is printed" 'grep -q "^  advice: Treat every credential reachable" scan.out'
check "a project's own package.json is not an install" '! has "  installed: $H/web/package.json"'
check "an unpinned requirement is not a pin; the description's 'Version:' is not the version" \
	'! grep -q "9.9.9" scan.out && [ "$(grep -c "requirements-prod.txt" scan.out)" -eq 1 ]'
check "nothing outside the root (reached through a link) is reported" '! grep -q "$T/outside" scan.out'
check "the nested axios 1.13.6 is not revoked" '! grep -q "npm:axios 1.13.6\|left/node_modules/axios" scan.out'
check "links are counted, not followed" 'grep -q "3 symbolic links not followed" scan.out'
check "the summary names the advisories used (the shipped default)" \
	'grep -q "^advisories .pinfold-default. version [0-9]*: 4 advisories, verified at" scan.out'
check "one closing warning" 'grep -q "pinfold: warning: revoked packages were installed, locked or downloaded here" scan.err'
check "no progress output when stderr is not a TTY" '! grep -q "scanning:" scan.err'

pf --json scan "$H" >scan.json
check "--json" 'python3 -c "
import json
d = json.load(open(\"scan.json\"))
m = {(x[\"name\"], x[\"version\"]): x for x in d[\"matches\"]}
assert set(m) == {(\"litellm\", \"1.82.8\"), (\"litellm\", \"1.82.7\"), (\"axios\", \"1.14.1\"), (\"axios\", \"0.30.4\")}, sorted(m)
src = lambda k: {f[\"source\"] for f in m[k][\"found\"]}
assert src((\"litellm\", \"1.82.8\")) == {\"installed\", \"cache\", \"lockfile\"}, src((\"litellm\", \"1.82.8\"))
assert src((\"axios\", \"1.14.1\")) == {\"installed\", \"cache\", \"lockfile\"}
assert src((\"axios\", \"0.30.4\")) == {\"installed\", \"cache\", \"lockfile\"}
assert m[(\"axios\", \"0.30.4\")][\"advisory\"] == \"PINFOLD-2026-0004\"
assert d[\"complete\"] is True and d[\"stats\"][\"symlinks\"] == 3, d[\"stats\"]
"'

# Kinds and single-file roots.
expect 0 "" "--only caches of a tree without caches: exit 0" -- pf scan --only caches "$H/web" "$H/old"
expect 1 "npm:axios 0.30.4: revoked by PINFOLD-2026-0004" "one lockfile as the root" -- pf scan "$H/old/package-lock.json"
expect 1 "installed: $H/web/node_modules/axios/package.json" "a node_modules directory as the root" -- \
	pf scan --only installed "$H/web/node_modules"
expect 1 "(npm cache)" "npm's cache as the root" -- pf scan "$H/.npm/_cacache"
expect 3 "no-such" "a missing root is an error naming it" -- pf scan "$T/no-such"

# Caps: stopped early, said so, and never reported as clean.
expect 3 "the scan stopped at the entry limit" "--max-entries stops the scan, exit 3 when nothing matched yet" -- \
	pf scan --max-entries 2 "$H/web/node_modules/left"
expect 0 "" "--max-depth 1 leaves deeper directories unsearched" -- pf scan --max-depth 1 "$H/web"
check "and says so" 'grep -q "deeper than the depth limit were not searched" "$T/.stderr"'

# Malformed files are counted (and named with -v), never the end of the scan.
mkdir -p bad/a bad/b/node_modules/x
printf '{"packages": {"node_modules/axios": ' >bad/a/package-lock.json
printf '{"name":"x","version":"1.0.0","name":"y"}' >bad/b/node_modules/x/package.json
printf '[[package]]\nname = "litellm"\nname = "again"\n' >bad/a/poetry.lock
cp "$H/old/package-lock.json" bad/
expect 1 "npm:axios 0.30.4" "malformed files do not stop the scan" -- pf -v scan bad
check "each is named with -v" 'grep -q "bad/a/package-lock.json.*invalid JSON" "$T/.stderr" &&
	grep -q "duplicate member name" "$T/.stderr" && grep -q "poetry.lock.*duplicate key" "$T/.stderr"'
check "and counted" 'grep -q "3 unreadable or malformed files" "$T/.stdout"'

# Unreadable directories: skipped and counted; as root everything is readable, so also as nobody.
if [ "$(id -u)" -ne 0 ]; then
	expect 1 "1 unreadable directory skipped" "an unreadable directory is skipped and counted" -- pf scan "$H"
else
	chmod 755 "$T"
	mkdir nbin nstate
	cp "$PINFOLD" nbin/pinfold
	cp "$SRCDIR/builder/trust/keys/catalog-release.pub" nbin/release.pub
	chmod -R a+rX nbin "$H" 2>/dev/null
	chmod 000 "$H/locked"
	# the state dir with the shipped advisories seeded by root, handed to nobody
	cp -r "$PINFOLD_STATE_DIR/saved-advisories" "$PINFOLD_STATE_DIR/advisories" nstate/
	chown -R 65534:65534 nstate
	setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$H" PINFOLD_STATE_DIR="$T/nstate" \
		timeout 120 "$T/nbin/pinfold" --trust "$T/nbin/release.pub" --now "$NOW" scan "$H" >nobody.out 2>nobody.err
	rc=$?
	check "as nobody: exit 1 (the findings are still found)" "[ $rc -eq 1 ]"
	check "as nobody: the unreadable directory is skipped and counted" \
		'grep -q "1 unreadable directory skipped" nobody.out'
	check "as nobody: litellm and both axios versions found" 'grep -q "pypi:litellm 1.82.8" nobody.out &&
		grep -q "npm:axios 1.14.1" nobody.out && grep -q "npm:axios 0.30.4" nobody.out'
	[ $rc -eq 1 ] || sed 's/^/#   /' nobody.err
fi

# Default roots: the (fake) home and the usual install locations.
expect 1 "npm:axios 0.30.4" "scan without a PATH covers the home" -- pf scan
check "and more than one root" 'grep -q "^scanned [2-9] paths\|^scanned [1-9][0-9] paths" "$T/.stdout"'

# The real tools' caches, built by pip and npm themselves from servers on 127.0.0.1.
if python3 -m pip --version >/dev/null 2>&1; then
	mkdir -p idx/simple/litellm idx/files
	python3 - <<'EOF'
import io, zipfile
b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    z.writestr("litellm-1.82.8.dist-info/METADATA", "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n")
    z.writestr("litellm-1.82.8.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    z.writestr("litellm-1.82.8.dist-info/RECORD", "")
open("idx/files/litellm-1.82.8-py3-none-any.whl", "wb").write(b.getvalue())
open("idx/simple/litellm/index.html", "w").write('<a href="/files/litellm-1.82.8-py3-none-any.whl">l</a>')
EOF
	timeout 120 python3 "$SRCDIR/tests/watch/cache_httpd.py" idx idx.port 120 >/dev/null 2>&1 &
	SPID=$!
	i=0
	while [ ! -s idx.port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	# --isolated: no PIP_* variables or config files (no other index is ever asked)
	timeout 120 python3 -m pip --isolated --disable-pip-version-check download -q --no-deps -d dl \
		--cache-dir "$T/realpip" --trusted-host 127.0.0.1 --index-url "http://127.0.0.1:$(cat idx.port)/simple/" \
		litellm==1.82.8 >pip.out 2>&1
	kill $SPID 2>/dev/null
	if [ -n "$(find realpip -type f 2>/dev/null)" ]; then
		expect 1 "pypi:litellm 1.82.8" "a cache pip itself wrote is read" -- pf scan --only caches realpip
		check "as a pip cache entry" 'grep -q "(pip cache)$" "$T/.stdout"'
	else
		echo "# pip wrote no cache entry here; skipped the real pip cache check"; sed 's/^/#   /' pip.out
	fi
fi
if command -v npm >/dev/null 2>&1; then
	mkdir -p reg/pkg
	printf '{"name":"axios","version":"1.14.1"}\n' >reg/pkg/package.json
	(cd reg/pkg && npm_config_update_notifier=false npm pack --silent --userconfig /dev/null >/dev/null 2>&1 &&
		mv axios-1.14.1.tgz ..)
	if [ -f reg/axios-1.14.1.tgz ]; then
		timeout 120 python3 "$SRCDIR/tests/watch/cache_httpd.py" reg reg.port 120 npm >/dev/null 2>&1 &
		SPID=$!
		i=0
		while [ ! -s reg.port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		npm_config_update_notifier=false timeout 120 npm cache add axios@1.14.1 --cache "$T/realnpm" \
			--registry "http://127.0.0.1:$(cat reg.port)/" --userconfig /dev/null --no-update-notifier \
			--no-audit --no-fund >npm.out 2>&1
		kill $SPID 2>/dev/null
		expect 1 "npm:axios 1.14.1: revoked by PINFOLD-2026-0003" "a cache npm itself wrote is read" -- \
			pf scan --only caches realnpm
		check "from its index" 'grep -q "realnpm/_cacache/index-v5/.* (npm cache)$" "$T/.stdout"'
		[ -s "$T/.stdout" ] || sed 's/^/#   /' npm.out
	fi
fi

done_testing
