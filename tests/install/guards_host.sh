#!/bin/sh
# SPDX-License-Identifier: MIT
# The guards of a host-mode environment built by pinfold, against the real npm and pip: every
# bypass of issue 13 ("guards step aside") is refused and fetches nothing from a live registry on
# 127.0.0.1; project installs that ask only for vetted, installed packages succeed offline
# (issue 12); every refusal says how to list what is vetted and speaks to the person about unlock.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/install/lockgen.sh"

W=/usr/share/python-wheels
newkey k
TR="--trust $T/keys/k.key.pub"
real_artifacts "$T/art"
if [ ! -s art/semver-7.6.3.tgz ] || [ ! -s art/is-number-7.0.0.tgz ] || ! command -v npm >/dev/null; then
	echo "ok 1 # skip npm or 'npm pack' of semver/is-number is not available"
	echo "1..1"
	exit 0
fi
ok "catalog" sh -c "'$PINFOLD' --now $NOW catalog init cat --name example --startup allow >/dev/null &&
	'$PINFOLD' --now $NOW catalog add cat art/pip-*.whl art/setuptools-*.whl art/wheel-*.whl \
		art/semver-7.6.3.tgz art/is-number-7.0.0.tgz --published 2023-01-10 --by sec >/dev/null &&
	'$PINFOLD' --now $NOW catalog sign cat --key '$T/keys/k.key' >/dev/null"
mkdir images
cat >images/g.yaml <<'EOF'
name: g
catalog: ../cat
target: {python: "3.11", platform: linux-x86_64}
packages: ["pypi:pip", "pypi:setuptools", "pypi:wheel", "npm:semver", "npm:is-number"]
EOF
ok "lock" pf $TR lock images/g.yaml -o g.lock
ok "build" pf $TR build g.lock -o g.tar.zst --mirror art
mkdir env
tar -C env --zstd -xf g.tar.zst
SP=env/lib/python3.11/site-packages

# A live npm registry on 127.0.0.1 serving "is-number 99.0.0", whose command and postinstall
# script write $PF_MARKER: the unvetted version an attacker would publish. The environment has
# the vetted is-number 7.0.0, a package without a command (as axios is).
mkdir -p reg/package
cat >reg/package/package.json <<'EOF'
{"name": "is-number", "version": "99.0.0", "bin": {"is-number": "cli.js"},
 "scripts": {"postinstall": "node -e \"require('fs').writeFileSync(process.env.PF_MARKER, 'postinstall')\""}}
EOF
printf '#!/usr/bin/env node\nrequire("fs").writeFileSync(process.env.PF_MARKER, "bin")\n' >reg/package/cli.js
(cd reg && tar czf is-number-99.0.0.tgz package && rm -r package)
: >reg.log
python3 "$SRCDIR/tests/install/fake_registry.py" reg reg.log >reg.port &
regpid=$!
trap 'kill $regpid 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s reg.port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
REG=http://127.0.0.1:$(cat reg.port)/
export PF_MARKER="$T/marker"
check "the registry serves the unvetted is-number" \
	'curl -sf "${REG}is-number" | grep -q "\"99.0.0\"" && : >reg.log'

# A project inside the environment; in_env runs in it after '. env/bin/activate'.
mkdir p
printf '{"name": "p", "version": "1.0.0"}\n' >p/package.json
in_env() { (cd "$T/p" && dash -c '. ../env/bin/activate && "$@"' sh "$@"); }
# refused DESCRIPTION DETAIL -- COMMAND...: exit 1, the refusal and DETAIL, nothing fetched or run
refused() {
	_d=$1 _w=$2; shift 3
	expect 1 "pinfold: refused: '" "$_d: refused" -- "$@"
	check "$_d: names the problem" 'grep -qF -- "$_w" "$T/.stderr"'
	check "$_d: nothing fetched, nothing run" '[ ! -s reg.log ] && [ ! -e "$PF_MARKER" ]'
	# Each case on its own: what one fetched or ran does not fail the next.
	if [ -s reg.log ] || [ -e "$PF_MARKER" ]; then
		echo "# $_d: fetched $(wc -l <reg.log) times; marker: $(cat "$PF_MARKER" 2>/dev/null || echo none)"
	fi
	: >reg.log
	rm -f "$PF_MARKER"
}

# --- issue 13: npm exec / npm x were not guarded
refused "npm exec" "npm exec: runs a package's command" -- in_env npm exec -- semver 1.0.0
refused "npm x" "npm x: runs a package's command" -- in_env npm x semver 1.0.0
refused "npm x with the registry and offline overridden" "--registry:" -- \
	in_env npm x --registry="$REG" --offline=false --yes is-number

# --- npm's abbreviations, from npm's own command table
printf '{"name": "q", "version": "1.0.0", "dependencies": {"left-pad": "^1.3.0"}}\n' >p/package.json
refused "npm install-te (install-test)" "left-pad@^1.3.0: no version of left-pad is vetted here" -- \
	in_env npm install-te
refused "npm si (install-ci-test)" "no version of left-pad is vetted here" -- \
	sh -c "printf '{\"lockfileVersion\":3,\"packages\":{\"node_modules/left-pad\":{\"version\":\"1.3.0\"}}}' \
		>'$T/p/package-lock.json' && cd '$T/p' && dash -c '. ../env/bin/activate && npm si'"
rm -f p/package-lock.json
refused "npm upd (update)" "npm upd: would fetch newer versions" -- in_env npm upd
refused "npm u (update, npm 11's alias)" "npm u: would fetch newer versions" -- in_env npm u
refused "npm lin (link)" "npm lin: would change the installed packages" -- in_env npm lin semver
refused "npm exe (exec)" "npm exe: runs a package's command" -- in_env npm exe semver
refused "npm un (uninstall)" "npm un: would change the installed packages" -- in_env npm un -g semver
refused "npm rb (rebuild)" "would run the packages' install scripts" -- in_env npm rb -g semver
refused "npm create (init with an initializer)" "downloads and runs an initializer package" -- \
	in_env npm create vite x
refused "npm audit fix" "npm audit fix: would install other versions" -- in_env npm audit fix

# --- npm's flag grammar: a value-taking flag before the command; --flag=value; --no-flag
printf '{"name": "p", "version": "1.0.0"}\n' >p/package.json
refused "npm --fetch-retries 1 install (value before the command) with a registry" "--registry" -- \
	in_env npm --fetch-retries 1 --registry="$REG" --offline=false install is-number@99
check "no node_modules in the project" '[ ! -e p/node_modules ] && ! grep -q is-number p/package.json'
rm -rf p/node_modules p/package-lock.json
printf '{"name": "p", "version": "1.0.0"}\n' >p/package.json
refused "npm --fetch-retries 1 install left-pad" "left-pad: no version of left-pad is vetted here" -- \
	in_env npm --fetch-retries 1 install left-pad
refused "npm --registry=URL view" "--registry:" -- in_env npm --registry="$REG" view is-number
refused "npm --registry URL (separate value) view" "--registry:" -- in_env npm --registry "$REG" view is-number
refused "npm --reg=URL (an abbreviation npm expands)" "--registry:" -- in_env npm --reg="$REG" view is-number
refused "npm --@scope:registry=URL" "--@evil:registry:" -- in_env npm --@evil:registry="$REG" view @evil/x
refused "npm --offline=false" "--offline:" -- in_env npm --offline=false --registry="$REG" view is-number
refused "npm --no-offline" "--offline:" -- in_env npm --no-offline view is-number
refused "npm --prefer-online" "--prefer-online:" -- in_env npm --prefer-online view is-number
refused "npm --prefer-offline=false" "--prefer-offline:" -- in_env npm --prefer-offline=false ls
refused "npm -y" "--yes:" -- in_env npm -y ls
refused "npm --userconfig FILE" "--userconfig:" -- in_env npm --userconfig /dev/null ls
refused "npm config set registry" "sets where npm fetches packages from" -- in_env npm config set registry "$REG"
expect 0 "true" "npm config get offline passes through: true" -- in_env npm config get offline
expect 0 "" "npm_config_* set by the caller do not reopen fetching" -- \
	env NPM_CONFIG_OFFLINE=false npm_config_registry="$REG" sh -c "cd '$T/p' && . ../env/bin/activate &&
		npm config get offline && npm config get registry"
check "the guard's settings won" 'grep -qx true "$T/.stdout" && grep -q "vetted-packages-only.invalid" "$T/.stdout"'
expect 0 "Wrote to" "npm init -y (no initializer) writes package.json" -- in_env npm init -y
expect 0 "p@1.0.0" "npm ls passes through" -- in_env npm ls

# --- npx runs the environment's own commands directly, never the real npx
refused "npx -y --registry --offline=false NAME (installed, without a command)" "--yes:" -- \
	in_env npx -y --registry="$REG" --offline=false is-number
refused "npx NAME of an installed package without a command" "is-number: not a command of this environment" -- \
	in_env npx is-number
refused "npx --registry=URL NAME" "--registry:" -- in_env npx --registry="$REG" semver 1.2.3
refused "npx NAME@VERSION" "semver@99: npx would fetch that package" -- in_env npx semver@99 1.2.3
refused "npx -p NAME" "--package:" -- in_env npx -p semver semver 1.2.3
refused "npx -c CMD" "--call:" -- in_env npx -c 'semver 1.2.3'
refused "npx of a package that is not installed" "cowsay: not a command of this environment" -- in_env npx cowsay
expect 0 "1.2.3" "npx NAME runs the environment's own command" -- in_env npx semver 1.2.3
expect 0 "2.0.0" "npx --no -- NAME with options" -- in_env npx --no -- semver -r '>=2' 1.0.0 2.0.0
check "still nothing fetched or run" '[ ! -s reg.log ] && [ ! -e "$PF_MARKER" ]'

# --- pip: --python re-executed pip outside the hook
refused "python3 -m pip --python /usr/bin/python3 install --target" "--python runs pip for another Python" -- \
	sh -c "cd '$T/p' && '$T/env/bin/python3' -m pip --python /usr/bin/python3 install --target '$T/tgt' \
		$W/wheel-0.38.4-py3-none-any.whl"
check "nothing installed into the target" '[ ! -e tgt ]'
refused "pip --pyt (an abbreviation optparse expands)" "--python runs pip" -- \
	in_env pip --pyt /usr/bin/python3 list
refused "PIP_PYTHON in the environment" "--python runs pip" -- \
	sh -c "cd '$T/p' && . ../env/bin/activate && PIP_PYTHON=/usr/bin/python3 pip list"
for opt in --target --prefix --root; do
	refused "pip install $opt DIR of a vetted package" "$opt: installs packages outside" -- \
		in_env pip install $opt "$T/to$opt" wheel
	check "pip install $opt: nothing written" '[ ! -e "to$opt" ]'
done
refused "pip install --user" "--user: installs packages outside" -- in_env pip install --user wheel

# --- a venv made from the environment's python inherits the guard and its message
ok "python3 -m venv from the environment" in_env python3 -m venv --without-pip "$T/v"
check "the venv carries the guard" '[ -f v/lib/python3.11/site-packages/_pinfold_guard.py ] &&
	grep -q "^_FIXED_ROOT = .*/env" v/lib/python3.11/site-packages/_pinfold_guard.py && [ -f v/pip.conf ]'
# pip run by the venv's python (ensurepip would put the same pip there; a venv made with pip
# gets the guard the same way, after ensurepip ran).
VPIP="$W/pip-23.0.1-py3-none-any.whl/pip"
refused "pip in the venv, a local wheel" "a file, directory or URL is not a vetted package" -- \
	v/bin/python "$VPIP" install "$W/wheel-0.38.4-py3-none-any.whl"
check "not installed in the venv" '[ ! -e v/lib/python3.11/site-packages/wheel ]'
refused "pip in the venv, a vetted name" "wheel 0.38.4 is vetted and installed in the environment" -- \
	v/bin/python "$VPIP" install wheel
check "the venv's refusal names the environment" 'grep -q "allowed in this environment ($T/env)" "$T/.stderr"'

# --- uninstalling a vetted package
refused "pip uninstall of a vetted package" "uninstalling would remove vetted packages" -- \
	in_env pip uninstall -y wheel
refused "python3 -m pip uninstall" "uninstalling would remove vetted packages" -- \
	in_env python3 -m pip uninstall -y setuptools
check "wheel and setuptools are still installed" '[ -d $SP/wheel ] && [ -d $SP/setuptools ]'
ok "verify: the environment is unchanged" pf verify env

# --- every refusal says how to list what is vetted, and speaks to the person about unlock
expect 1 "pinfold-vetted" "the refusal tells how to list what is vetted" -- in_env pip install requests
check "and where the listing is" 'grep -q "$T/env/.pinfold/vetted.txt" "$T/.stderr"'
check "it tells an agent to ask, and the person how to unlock on the host" \
	'grep -q "If you are an AI agent" "$T/.stderr" && grep -q "To the person using this environment" "$T/.stderr" &&
	grep -q "pinfold unlock $T/env --reason" "$T/.stderr"'
expect 0 "npm:is-number 7.0.0" "pinfold-vetted npm lists the vetted npm packages" -- in_env pinfold-vetted npm
check "both of them, nothing else" '[ "$(wc -l <"$T/.stdout")" -eq 2 ] && grep -qx "npm:semver 7.6.3" "$T/.stdout"'
expect 0 "pypi:setuptools 66.1.1" "pinfold-vetted NAME matches ignoring case" -- in_env pinfold-vetted SetupTools
expect 1 "nothing vetted here matches" "pinfold-vetted of an unknown name exits 1" -- in_env pinfold-vetted left-pad
expect 0 "usage: pinfold-vetted" "pinfold-vetted --help" -- in_env pinfold-vetted --help

# --- issue 12: project installs that ask only for vetted, installed packages just work, offline
cat >p/package.json <<'EOF'
{"name": "p", "version": "1.0.0", "dependencies": {"semver": "^7.5.0"},
 "devDependencies": {"is-number": "7.0.0"}, "optionalDependencies": {"fsevents": "^2"},
 "scripts": {"test": "node -e \"console.log('TEST', require('semver').valid('1.2.3'))\""}}
EOF
cat >p/package-lock.json <<'EOF'
{"name": "p", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {
 "": {"name": "p", "version": "1.0.0", "dependencies": {"semver": "^7.5.0"}},
 "node_modules/semver": {"version": "7.6.3"},
 "node_modules/is-number": {"version": "7.0.0", "dev": true},
 "node_modules/fsevents": {"version": "2.3.3", "optional": true, "os": ["darwin"]}}}
EOF
cp p/package-lock.json lock.orig
expect 0 "up to date: every package asked for is vetted" "npm install of a vetted package.json succeeds" -- \
	in_env npm install
check "says which vetted version serves each" 'grep -q "vetted: semver@^7.5.0 -> semver 7.6.3" "$T/.stdout" &&
	grep -q "vetted: is-number@7.0.0 -> is-number 7.0.0" "$T/.stdout"'
check "an unvetted optional dependency is skipped, as npm skips a failed one" \
	'grep -q "skipped optional fsevents@^2: no version of fsevents is vetted here" "$T/.stdout"'
expect 0 "up to date" "npm ci with a vetted package-lock succeeds" -- in_env npm ci
expect 0 "TEST 1.2.3" "npm it installs (nothing to do) and runs the tests" -- in_env npm it
expect 0 "vetted: semver -> semver 7.6.3" "npm install NAME of a vetted package is a no-op" -- in_env npm install semver
check "nothing fetched, the project untouched" \
	'[ ! -s reg.log ] && [ ! -e p/node_modules ] && cmp -s p/package-lock.json lock.orig'
expect 0 "1.2.3" "the project's code loads the environment's package" -- \
	in_env node -e "console.log(require('semver').valid('1.2.3'))"
refused "npm install of another version" "semver@^6: not vetted; the vetted version here is semver 7.6.3" -- \
	in_env npm install 'semver@^6'
sed 's/"7.6.3"/"7.6.2"/' lock.orig >p/package-lock.json
refused "npm ci of a lock with an unvetted version" \
	"node_modules/semver 7.6.2: not vetted; the vetted version here is semver 7.6.3" -- in_env npm ci
cp lock.orig p/package-lock.json
mkdir -p p/node_modules/left-pad
refused "npm ci in a project with its own node_modules" "this project has packages of its own (left-pad)" -- \
	in_env npm ci
rm -r p/node_modules
printf '# vetted\nwheel>=0.38\npip==23.0.1 ; python_version >= "3"\nsetuptools ; python_version < "3"\n' >p/req.txt
expect 0 "nothing was installed" "pip install -r of vetted, installed requirements succeeds" -- \
	in_env pip install -r req.txt
check "it says each is satisfied" 'grep -q "Requirement already satisfied: wheel>=0.38 in .*(0.38.4)" "$T/.stdout"'
expect 0 "Requirement already satisfied: wheel" "pip install NAME of a vetted package is a no-op" -- \
	in_env pip install wheel
expect 0 "Requirement already satisfied: pip" "python3 -m pip install too" -- in_env python3 -m pip install 'pip>=23'
refused "pip install of another version" "wheel<0.38: not vetted in that version; the vetted version here is wheel 0.38.4" -- \
	in_env pip install 'wheel<0.38'
refused "pip install of an unvetted package" "requests: no version of requests is vetted here" -- \
	in_env pip install requests
printf 'wheel\n-r https://example.invalid/more.txt\n' >p/req2.txt
refused "pip install -r with a URL inside" "requirement files from a URL are not read here" -- \
	in_env pip install -r req2.txt
refused "pip install -e ." "an editable install is not a vetted package" -- in_env pip install -e .
ok "verify: still unchanged" pf verify env

# The same in an environment unpacked under a directory with a space (PIP_CONSTRAINT holds it).
mkdir "$T/a dir"
cp -a env "$T/a dir/env"
in_sp() { (cd "$T/p" && dash -c '. "$1/bin/activate" && shift && "$@"' sh "$T/a dir/env" "$@"); }
expect 0 "Requirement already satisfied: wheel" "a path with a space: pip install of a vetted package" -- \
	in_sp pip install -r req.txt
expect 0 "up to date" "a path with a space: npm ci" -- in_sp npm ci
expect 1 "pinfold unlock '$T/a dir/env' --reason" "a path with a space: the refusal quotes it for the shell" -- \
	in_sp npx cowsay

done_testing
