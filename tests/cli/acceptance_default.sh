#!/bin/sh
# SPDX-License-Identifier: MIT
# Acceptance (issues 4, 5, 7, 11): the default agent image from the signed default catalog. Its
# artifacts come from catalog/fetch-artifacts (npm pack, apt-get download) into a cache under
# $BUILDDIR, so later runs need no network; without npm/apt access the test is skipped, saying so.
# Built three times under different umask/TZ/LC_ALL/directory/cache/--jobs: the same bytes.
# agent-default is self-contained: unpacked, it is the root filesystem of a bubblewrap sandbox
# where the locked Python and Node libraries load with the environment's own python3 and node,
# nothing of the host is visible, and unvetted installs are refused. A host-mode image made
# from the same catalog (target.host) keeps the older way tested: activated on the host.
NOW=${NOW:-2026-11-30T00:00:00Z}	# the default catalog (version 7) was signed 2026-11-30 00:40, expires 2027-11-30
. "$SRCDIR/tests/lib.sh"
# The host's setting must not decide whether Python writes __pycache__ into the environment.
unset PYTHONDONTWRITEBYTECODE

skip_all() {
	n=$((n + 1)); echo "ok $n # SKIP $1"
	done_testing; exit
}

IMG=agent-default
LOCK=$SRCDIR/lockfiles/$IMG.lock
if ! default_mirror; then
	sed 's/^/# /' "$T/fetch.log" | tail -n 5
	skip_all "catalog/fetch-artifacts could not fill the mirror (npm or apt unreachable?)"
fi
ok "fetch-artifacts filled the mirror with the ordinary clients" true
npk=$(grep -c '^  - ecosystem: ' "$SRCDIR/catalog/catalog.yaml")
check "every catalog package has a published date and a vetting note ($npk packages)" \
	"[ \$(grep -c '^    published: [0-9]' '$SRCDIR/catalog/catalog.yaml') -eq $npk ] && [ \$(grep -c '^      note: \"*[^\" ]' '$SRCDIR/catalog/catalog.yaml') -eq $npk ]"
expect 0 "" "every fetched artifact matches the signed default catalog" -- \
	pf catalog verify "$SRCDIR/catalog" --artifacts "$MIRROR"
check "... all of them ('N of N match')" 'grep -q "ok, \([0-9][0-9]*\) of \1 match" "$T/.stdout"'
expect 0 "up to date" "lockfiles/$IMG.lock is up to date with its image and the catalog" -- \
	pf lock --check "$SRCDIR/images/$IMG.yaml"
check "lockfiles/$IMG.lock is self-contained: its runtimes are locked Debian packages" \
	"grep -q '^  runtime: self-contained' '$LOCK' && ! grep -q '^  host:' '$LOCK' && grep -q '^    name: python3.11\$' '$LOCK' && grep -q '^    name: nodejs\$' '$LOCK' && grep -q '^    name: libc6\$' '$LOCK' && grep -q '^    name: git\$' '$LOCK'"

# --- three builds; everything that must not matter differs
mkdir -p "$T/a" "$T/b/deeper/dir" "$T/m2"
(umask 022 && cd "$T/a" && TZ=UTC LC_ALL=C pf build "$LOCK" -o "$T/a/$IMG.tar.zst" --mirror "$MIRROR" \
	--cache "$T/cache-a" --jobs 1 >"$T/a/stdout" 2>"$T/a/stderr")
check "build 1 (umask 022, TZ=UTC, LC_ALL=C, --jobs 1) succeeds" "[ -s '$T/a/$IMG.tar.zst' ]"
sed 's/^/# /' "$T/a/stdout" "$T/a/stderr"
for f in $(ls "$MIRROR" | sort -r); do
	cp "$MIRROR/$f" "$T/m2/$f" && touch -d '2001-02-03 04:05:06' "$T/m2/$f"
done
(umask 077 && cd "$T/b" && TZ=Pacific/Auckland LC_ALL=C.UTF-8 LANG=de_DE.UTF-8 pf build "$LOCK" \
	-o deeper/dir/env.tar.zst --mirror "$T/m2" --cache "$T/cache-b" --jobs 4 >"$T/b/stdout" 2>"$T/b/stderr")
check "build 2 (umask 077, TZ=Pacific/Auckland, LC_ALL=C.UTF-8, other dir and name, cold cache, --jobs 4) succeeds" \
	"[ -s '$T/b/deeper/dir/env.tar.zst' ]"
(cd "$T" && TZ=America/New_York LC_ALL=POSIX "$PINFOLD" --now 2027-06-01T12:34:56Z build "$LOCK" -o "$T/c.tar.zst" \
	--cache "$T/cache-a" --jobs 2 >"$T/c.stdout" 2>&1)
check "build 3 (another clock: --now 2027-06-01, warm cache only, no mirror, --jobs 2) succeeds" "[ -s '$T/c.tar.zst' ]"
sum=$(sha256sum "$T/a/$IMG.tar.zst" | cut -d' ' -f1)
echo "# $IMG.tar.zst sha256 $sum"
check "build 2 has the same sha256" "[ \"\$(sha256sum <'$T/b/deeper/dir/env.tar.zst' | cut -d' ' -f1)\" = $sum ]"
check "build 3 has the same sha256" "[ \"\$(sha256sum <'$T/c.tar.zst' | cut -d' ' -f1)\" = $sum ]"
check "OUT.sha256 and the printed sha256 agree" \
	"grep -q '^$sum ' '$T/a/$IMG.tar.zst.sha256' && grep -q '^sha256 $sum ' '$T/a/stdout'"
check "the tarball holds every locked package's lock copy" \
	"tar --zstd -xOf '$T/a/$IMG.tar.zst' .pinfold/lock | cmp -s - '$LOCK'"
expect 0 "" "verify --lock: the tarball is exactly the lock" -- pf verify "$T/a/$IMG.tar.zst" --lock "$LOCK"
# one file injected into the tarball itself (appended to the tar stream, recompressed)
zstd -dcq "$T/a/$IMG.tar.zst" >"$T/inj.tar"
python3 - "$T/inj.tar" <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "a")
ti = tarfile.TarInfo("usr/local/lib/python3.11/dist-packages/zzz_evil.pth")
data = b"import os; os.system('id')\n"
ti.size = len(data); ti.mode = 0o644; ti.mtime = 0
t.addfile(ti, io.BytesIO(data))
t.close()
PY
zstd -q -f "$T/inj.tar" -o "$T/inj.tar.zst"
expect 1 "added: usr/local/lib/python3.11/dist-packages/zzz_evil.pth" "verify: a .pth injected into the tarball is reported" -- \
	pf verify "$T/inj.tar.zst"
check "... and only that difference" '[ "$(grep -c "^added: \|^removed: \|^changed: \|^mode: " "$T/.stdout")" -eq 1 ]'
rm -f "$T/inj.tar" "$T/inj.tar.zst"
size=$(wc -c <"$T/a/$IMG.tar.zst")
echo "# $IMG.tar.zst: $size bytes, $(tar --zstd -tf "$T/a/$IMG.tar.zst" | wc -l) paths"

# --- the self-contained environment as a root filesystem (bubblewrap), nothing from the host
E="$T/sand box/env"
mkdir -p "$E"
tar --zstd -xf "$T/a/$IMG.tar.zst" -C "$E"
expect 0 "" "verify: the unpacked environment is pristine" -- pf verify "$E"
check "it is a root filesystem: bin -> usr/bin, no bin/activate, no pyvenv.cfg" \
	"[ \"\$(readlink '$E/bin')\" = usr/bin ] && [ ! -e '$E/usr/bin/activate' ] && [ ! -e '$E/pyvenv.cfg' ]"
if sandbox_ok; then
	marker=
	# a file in the host's /usr/local, where a host-mode environment would have looked
	if [ -w /usr/local ]; then
		marker=/usr/local/pinfold-marker-$$
		echo host >"$marker"
	fi
	cat >"$T/use.sh" <<'SH'
python3 -c 'import requests, yaml, jinja2, click, pytest; print("py ok", requests.__version__)'
python3 -c 'import dateutil, toml, tomli, setuptools, wheel' && python3 -c 'import pip' && echo "py more ok"
python3 -c 'import sys; print("exe", sys.executable)'
node -e 'require("axios"); require("zod"); require("lodash"); require("yargs"); require("chalk"); console.log("node ok", process.version)'
pytest --version
git --version
bash -c 'echo "bash ok $BASH_VERSION"'
SH
	mkdir -p "$T/project"
	mv "$T/use.sh" "$T/project/use.sh"
	expect 0 "" "inside: the locked libraries load with the environment's own python3 and node" -- \
		bwrap --ro-bind "$E" / --ro-bind "$T/project" /project --proc /proc --dev /dev --tmpfs /tmp \
		--unshare-all --die-with-parent --clearenv --setenv PATH /usr/local/bin:/usr/bin:/bin \
		--setenv HOME /tmp --chdir /project sh /project/use.sh
	check "python3 -c 'import requests, yaml' (and jinja2, click, pytest)" 'grep -q "^py ok " "$T/.stdout"'
	check "... and dateutil, toml, tomli, pip, setuptools, wheel" 'grep -q "^py more ok" "$T/.stdout"'
	check "... with Debian's /usr/bin/python3 of the environment" 'grep -qx "exe /usr/bin/python3" "$T/.stdout"'
	check "node -e 'require(\"axios\")' (and zod, lodash, yargs, chalk) with Debian's node 18" \
		'grep -q "^node ok v18\." "$T/.stdout"'
	check "pytest, git and bash run" \
		'grep -q "^pytest [0-9]" "$T/.stdout" "$T/.stderr" && grep -q "^git version 2\." "$T/.stdout" && grep -q "^bash ok 5\." "$T/.stdout"'
	if [ -n "$marker" ]; then
		expect 0 "" "a marker file placed in the host's /usr/local is not visible inside" -- \
			in_root "$E" sh -c "[ ! -e $marker ] && ! ls /usr/local | grep -q pinfold-marker"
		rm -f "$marker"
	else
		n=$((n + 1)); echo "ok $n # SKIP /usr/local is not writable here: no marker file"
	fi
	while IFS='|' read -r want cmd; do
		# shellcheck disable=SC2086 # the command is words
		expect 1 "pinfold: refused: '$want'" "refused inside the environment: $cmd" -- in_root "$E" $cmd
		check "... saying only vetted packages are allowed" \
			'grep -q "Only vetted packages are allowed in this environment" "$T/.stderr"'
		check "... saying how to lift it" 'grep -q "pinfold unlock .* --reason" "$T/.stderr"'
	done <<'CMDS'
pip install litellm|pip install litellm
pip3 install left-pad|pip3 install left-pad
python -m pip install requests==2.31.0|python3 -m pip install requests==2.31.0
npm install left-pad|npm install left-pad
npm i axios@1.14.1|npm i axios@1.14.1
npx cowsay hi|npx cowsay hi
CMDS
	# What the environment already has is not refused: installing it again is a no-op that says so.
	expect 0 "Requirement already satisfied: requests in" "inside: pip install requests is a no-op (vetted, installed)" -- \
		in_root "$E" pip install requests
	expect 0 "Requirement already satisfied: requests in" "inside: python3 -m pip install requests likewise" -- \
		in_root "$E" python3 -m pip install requests
	expect 0 "10." "inside: npm itself runs (npm's tarball, through the guard)" -- in_root "$E" npm --version
	expect 0 "" "the refused installs changed nothing: verify finds the environment pristine" -- pf verify "$E"
else
	n=$((n + 1)); echo "ok $n # SKIP bubblewrap cannot run here (not installed or no user namespaces)"
fi

# --- host mode, still supported: the same catalog with the runtimes declared in target.host
mkdir -p "$T/img"
{
	echo "name: agent-host"
	echo "catalog: $SRCDIR/catalog"
	sed -n '/^trust:/p' "$SRCDIR/images/$IMG.yaml"
	cat <<'Y'
target:
  python: "3.11"
  platform: linux-x86_64
  host:
    - "deb:python3 3.11.2-1+b1"
    - "deb:libc6 2.36-9+deb12u7"
    - "deb:ca-certificates 20230311+deb12u1"
    - "deb:tzdata 2025b-0+deb12u2"
    - "npm:node 18.20.4"
packages:
Y
	# the libraries, without the data/web/document block: Debian's builds of those need the
	# self-contained runtime (matplotlib's fontconfig ships absolute links, newer libc6)
	sed -n '/^  # libraries$/,/^policy:/p' "$SRCDIR/images/$IMG.yaml" |
		sed '/^  # data, charts, spreadsheets/,/^  - "deb:python3-docx"/d' | grep '^  - '
	echo "policy: {min_age_days: 14}"
} >"$T/img/agent-host.yaml"
expect 0 "" "lock: a host-mode image of the same libraries (target.host, no runtime)" -- \
	pf lock "$T/img/agent-host.yaml" -o "$T/host.lock"
check "... locks no runtime: no libc6, python3, nodejs or git, no target.runtime" \
	"! grep -q '^    name: \\(libc6\\|python3\\|python3.11\\|nodejs\\|git\\)\$' '$T/host.lock' && ! grep -q 'runtime:' '$T/host.lock'"
expect 0 "" "build of the host-mode environment" -- \
	pf build "$T/host.lock" -o "$T/host.tar.zst" --mirror "$MIRROR" --cache "$T/cache-a"
H="$T/sand box/host-env"
mkdir -p "$H"
tar --zstd -xf "$T/host.tar.zst" -C "$H"
expect 0 "" "verify: the unpacked host-mode environment is pristine" -- pf verify "$H"
cat >"$T/use-host.sh" <<'SH'
. "$1/bin/activate"
python3 -c 'import requests, yaml, jinja2, click, pytest; print("py ok", requests.__version__)'
# pip and setuptools in one process trip Debian's distutils shim (a plain venv does the same)
python3 -c 'import dateutil, toml, tomli, setuptools, wheel' && python3 -c 'import pip' && echo "py more ok"
node -e 'require("axios"); require("zod"); require("lodash"); require("yargs"); require("chalk"); console.log("node ok")'
pytest --version
SH
for sh in dash bash; do
	expect 0 "" "host mode, $sh: after '. env/bin/activate' the locked libraries load" -- $sh "$T/use-host.sh" "$H"
	check "host mode, $sh: python3 imports requests, yaml, jinja2, click, pytest" 'grep -q "^py ok " "$T/.stdout"'
	check "host mode, $sh: and dateutil, toml, tomli, pip, setuptools, wheel" 'grep -q "^py more ok" "$T/.stdout"'
	check "host mode, $sh: node requires axios, zod, lodash, yargs, chalk" 'grep -q "^node ok" "$T/.stdout"'
	check "host mode, $sh: the pytest command runs" 'grep -q "^pytest [0-9]" "$T/.stdout" "$T/.stderr"'
done
expect 0 "" "host mode: activation prints no advisory warning for the clean image" -- \
	dash -c '. "$1/bin/activate"' sh "$H"
check "... nothing on stderr" '[ ! -s "$T/.stderr" ]'

in_env() { dash -c '. "$1/bin/activate" && shift && "$@"' sh "$H" "$@"; }
while IFS='|' read -r want cmd; do
	# shellcheck disable=SC2086 # the command is words
	expect 1 "pinfold: refused: '$want'" "host mode, refused inside the environment: $cmd" -- in_env $cmd
	check "... saying only vetted packages are allowed" \
		'grep -q "Only vetted packages are allowed in this environment" "$T/.stderr"'
	check "... saying how to lift it" 'grep -q "pinfold unlock .* --reason" "$T/.stderr"'
done <<'CMDS'
pip install litellm|pip install litellm
pip3 install left-pad|pip3 install left-pad
python -m pip install requests<2|python3 -m pip install requests<2
npm install left-pad|npm install left-pad
npm i axios@1.14.1|npm i axios@1.14.1
npx cowsay hi|npx cowsay hi
CMDS
# What the environment already has is not refused: installing it again is a no-op that says so.
expect 0 "Requirement already satisfied: requests in" "host mode, pip install requests: the vetted requests, no-op" -- \
	in_env pip install requests
expect 0 "up to date: every package asked for is vetted" "host mode, npm install axios: the vetted axios, no-op" -- \
	in_env npm install axios
expect 0 "" "host mode: the refused installs changed nothing" -- pf verify "$H"
# Using the environment must not make verify report it as tampered: the environment's
# 00-pinfold-nopyc.pth stops Python writing __pycache__ into it, with or without activation.
env -u PYTHONDONTWRITEBYTECODE dash -c '. "$1/bin/activate" && python3 -c "import requests, yaml, jinja2"' sh "$H" >/dev/null 2>&1
env -u PYTHONDONTWRITEBYTECODE "$H/bin/python3" -c "import click, pytest" >/dev/null 2>&1
check "host mode: after importing modules (bytecode writing allowed by the host), verify still finds it pristine" \
	"'$PINFOLD' --now $NOW verify '$H' >/dev/null 2>&1"
check "host mode: no __pycache__ directory appeared in the environment" "! find '$H' -name __pycache__ | grep -q ."

# --- audit: the default lock is clean against the shipped advisories; --json is valid JSON
expect 0 "clean" "audit of lockfiles/$IMG.lock: clean" -- pf audit "$LOCK"
pf --json audit "$T/a/$IMG.tar.zst" --catalog "$SRCDIR/catalog" >"$T/audit.json"
check "audit --json of the tarball exits 0 and is valid JSON (python3 -m json.tool)" \
	"python3 -m json.tool '$T/audit.json' >/dev/null"
check "... saying clean" "python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(d[\"clean\"] is not True)' '$T/audit.json'"
pf --json verify "$T/a/$IMG.tar.zst" >"$T/verify.json"
check "verify --json is valid JSON (python3 -m json.tool)" "python3 -m json.tool '$T/verify.json' >/dev/null"

# --- the same environment from a bundle: one file, byte-identical build
expect 0 "" "bundle create of the default lock" -- pf bundle create "$LOCK" -o "$T/d1.pfb" --mirror "$MIRROR" --cache "$T/cache-a"
expect 0 "" "bundle create again (other cache)" -- pf bundle create "$LOCK" -o "$T/d2.pfb" --mirror "$T/m2" --cache "$T/cache-b"
check "the bundle built twice is byte-identical" "cmp -s '$T/d1.pfb' '$T/d2.pfb'"
expect 0 "" "bundle verify with the built-in trust anchor" -- pf bundle verify "$T/d1.pfb"
expect 0 "" "build --bundle with a fresh cache and state" -- \
	env PINFOLD_STATE_DIR="$T/gap" "$PINFOLD" --now "$NOW" build --bundle "$T/d1.pfb" -o "$T/fromb.tar.zst" --cache "$T/cache-gap"
check "the bundle build has the same sha256" "[ \"\$(sha256sum <'$T/fromb.tar.zst' | cut -d' ' -f1)\" = $sum ]"

done_testing
