#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 12 item 5: common agent work inside `pinfold run` on agent-default, offline. The
# environment is built once from lockfiles/agent-default.lock and the default catalog's artifacts
# (catalog/fetch-artifacts into $BUILDDIR/test-cache, as acceptance-default does) and kept under
# $BUILDDIR/test-cache/tasks keyed by the lock and pinfold's SHA-256, so later runs only unpack it. Each task
# is a program under tests/tasks/project that asserts its own result and exits non-zero otherwise;
# the sandbox has no network (pinfold run's default). Without npm/apt access or bubblewrap the
# test is skipped, saying so.
NOW=${NOW:-2026-11-30T00:00:00Z}
. "$SRCDIR/tests/lib.sh"
unset PYTHONDONTWRITEBYTECODE

skip_all() {
	n=$((n + 1)); echo "ok $n # SKIP $1"
	done_testing; exit
}

LOCK=$SRCDIR/lockfiles/agent-default.lock
sandbox_ok || skip_all "bubblewrap cannot run here (not installed or no user namespaces)"
if ! default_mirror; then
	sed 's/^/# /' "$T/fetch.log" | tail -n 5
	skip_all "catalog/fetch-artifacts could not fill the mirror (npm or apt unreachable?)"
fi
expect 0 "up to date" "lockfiles/agent-default.lock is up to date with its image and the catalog" -- \
	pf lock --check "$SRCDIR/images/agent-default.yaml"

# --- the environment: built once per lock, then reused
# keyed by the lock and the pinfold binary (another pinfold may lay the tree out differently)
sum=$(cat "$LOCK" "$PINFOLD" | sha256sum | cut -d' ' -f1)
C=$BUILDDIR/test-cache/tasks
ENVTAR=$C/agent-default-$sum.tar.zst
mkdir -p "$C"
build_env() {
	[ -s "$ENVTAR" ] && return 0
	rm -f "$C"/agent-default-*.tar.zst "$C"/agent-default-*.tar.zst.sha256
	"$PINFOLD" --now "$NOW" build "$LOCK" -o "$C/.new.tar.zst" --mirror "$MIRROR" --cache "$C/cache" \
		>"$T/build.log" 2>&1 || return 1
	mv "$C/.new.tar.zst.sha256" "$ENVTAR.sha256" 2>/dev/null
	mv "$C/.new.tar.zst" "$ENVTAR"
}
if command -v flock >/dev/null 2>&1; then
	exec 9>"$C/.lock"
	flock 9
fi
build_env
rc=$?
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/build.log" | tail -n 20
check "agent-default builds from the lock (cached per lock)" "[ $rc -eq 0 ] && [ -s '$ENVTAR' ]"
[ "$rc" -eq 0 ] || { done_testing; exit; }
E=$T/env
mkdir -p "$E"
tar --zstd -xf "$ENVTAR" -C "$E"
exec 9>&-
expect 0 "" "the unpacked environment is pristine (pinfold verify)" -- pf verify "$E"
check "libblas.so.3 and liblapack.so.3 are linked as libblas3's and liblapack3's postinst would (numpy loads them)" \
	"[ \"\$(readlink '$E/usr/lib/x86_64-linux-gnu/libblas.so.3')\" = blas/libblas.so.3 ] && [ \"\$(readlink '$E/usr/lib/x86_64-linux-gnu/liblapack.so.3')\" = lapack/liblapack.so.3 ]"

P=$T/project
cp -R "$SRCDIR/tests/tasks/project" "$P"
chmod -R u+w "$P"
mkdir -p "$P/out"
# run DESCRIPTION WANT -- CMD...: CMD inside `pinfold run` with the project; exit 0 and WANT printed
run() {
	_d=$1 _w=$2
	shift 3
	expect 0 "$_w" "$_d" -- "$PINFOLD" run "$E" --project "$P" -- "$@"
}

# --- Python
run "data analysis: pandas groups a CSV, numpy checks it" "pandas 1.5.3" -- python3 analysis.py
check "... and wrote its result into the project" "grep -q '^north,apple,10,1.5,15.0' '$P/out/revenue.csv'"
run "a chart to PNG: matplotlib (Agg) writes a 400x300 PNG, read back with Pillow" "png (400, 300)" -- python3 chart.py
check "... the PNG is in the project" "[ \"\$(head -c 4 '$P/out/chart.png' | od -An -c | tr -d ' ')\" = '211PNG' ]"
run "spreadsheet round trip: openpyxl write/read, XlsxWriter read by pandas" "openpyxl 3.0" -- python3 sheet.py
run "a Flask app through its test client" "flask ok" -- python3 flaskapp.py
run "a FastAPI app (pydantic model) through its test client" "fastapi ok" -- python3 fastapiapp.py
run "HTML scraping with Beautiful Soup (html.parser and lxml)" "bs4 ok" -- python3 scrape.py
run "image resizing with Pillow (JPEG in, PNG thumbnail out)" "pillow ok" -- python3 image.py
run ".env loading with python-dotenv" "dotenv ok" -- python3 envfile.py
run "SQLAlchemy ORM over sqlite" "sqlalchemy ok" -- python3 db.py
run "rich, tqdm, tabulate, markdown, python-docx, pypdf, httpx, yaml" "more ok" -- python3 more.py
run "a click CLI runs" "HELLO, ADA!" -- python3 clitool/greet.py ada --shout
run "... and its pytest tests pass" "3 passed" -- sh -c 'cd clitool && python3 -m pytest -q -p no:cacheprovider'
run "pip install -r of vetted, installed requirements succeeds as a no-op" "Requirement already satisfied: pandas==1.5.3" -- \
	pip install -r requirements.txt
check "... naming each requirement" "[ \$(grep -c 'Requirement already satisfied' '$T/.stdout') -ge 6 ]"
run "pip install requests (already there) succeeds" "Requirement already satisfied: requests" -- pip install requests
expect 1 "pinfold: refused" "an unvetted pip install is refused" -- \
	"$PINFOLD" run "$E" --project "$P" -- pip install left-pad
check "... with the one explanation" 'grep -q "Only vetted packages are allowed in this environment" "$T/.stderr"'
expect 1 "pinfold: refused" "pip install of a vetted name at an unvetted version is refused" -- \
	"$PINFOLD" run "$E" --project "$P" -- pip install "pandas==2.2.0"

# --- Node
run "an HTTP server on 127.0.0.1 answers axios and node-fetch" "node http ok" -- node node/server.js
run "prettier formats code" "prettier ok" -- node node/format.js
run "an Express server answers requests (routing, a JSON body, a 404)" "express ok 5." -- node node/express.js
run "HTML scraping with cheerio" "cheerio ok Shop" -- node node/cheerio.js
run "nodemon starts (its CLI and its file watcher load)" "" -- sh -c 'nodemon --version | grep -Eqx "[0-9]+\.[0-9]+\.[0-9]+"'
run "a React app built with vite build (@vitejs/plugin-react, esbuild and rollup's native binaries)" "built in" -- \
	sh -c 'cd vite && npm install && vite build'
check "... the bundle is in the project and holds the app" \
	"grep -q 'Hello from React and' '$P'/out/vite/assets/index-*.js && grep -q '<script type=\"module\"' '$P/out/vite/index.html'"
run "vitest runs a project's tests" "2 passed" -- sh -c 'cd vitest && npm test'
run "ESM: import axios/lodash/dayjs/zod/react from a .mjs file" "esm ok /usr/local/lib/node_modules/axios/" -- node esm.mjs
run "ESM: a \"type\": \"module\" package imports axios, uuid, semver, chalk" "esm package ok" -- node esm-pkg/index.js
run "ESM: the same from a nested project directory" "esm ok" -- sh -c 'mkdir -p deep/er && cp esm.mjs deep/er/ && node deep/er/esm.mjs'
run "CommonJS: require resolves the environment's packages without NODE_PATH" "ok" -- \
	sh -c '[ -z "${NODE_PATH:-}" ] && node -e "require(\"react\"); require(\"typescript\"); console.log(\"ok\")"'
run "TypeScript: tsc --strict compiles a project" "" -- tsc -p ts
run "... and node runs the output" "total 5.50" -- node out/ts/hello.js
run "TypeScript: tsc reports a type error (and exits non-zero)" "error TS2322" -- \
	sh -c 'tsc --strict --noEmit ts/bad.ts; [ $? -ne 0 ]'
run "tsx runs a React .tsx component directly (esbuild's native binary, no install script run)" "tsx react ok" -- \
	tsx ts/app.tsx
run "npm install in a project asking only for vetted packages succeeds" "" -- sh -c 'cd npmproj && npm install'
check "... and writes nothing into the project (no node_modules, no package-lock.json)" \
	"[ ! -e '$P/npmproj/node_modules' ] && [ ! -e '$P/npmproj/package-lock.json' ]"
run "npm install of a vetted dependency by name succeeds" "" -- sh -c 'cd npmproj && npm install react-dom@^19'
run "npm test in that project runs with the environment's packages" "npm test ok" -- sh -c 'cd npmproj && npm test'
expect 1 "pinfold: refused" "an unvetted npm install is refused" -- \
	"$PINFOLD" run "$E" --project "$P" -- sh -c 'cd npmproj && npm install left-pad'
check "... with the one explanation" 'grep -q "Only vetted packages are allowed in this environment" "$T/.stderr"'
expect 1 "pinfold: refused" "npm install of a revoked axios is refused" -- \
	"$PINFOLD" run "$E" --project "$P" -- sh -c 'cd npmproj && npm install axios@1.14.1'

# --- offline
expect 1 "" "the sandbox is offline: Python cannot reach the network" -- "$PINFOLD" run "$E" --project "$P" -- \
	python3 -c 'import socket, sys; s = socket.socket(); s.settimeout(3); sys.exit(1 if s.connect_ex(("1.1.1.1", 443)) else 0)'
expect 0 "" "the tasks left the environment pristine (pinfold verify)" -- pf verify "$E"
done_testing
