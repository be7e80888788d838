#!/bin/sh
# SPDX-License-Identifier: MIT
# Self-contained environments (docs/environment.md) from real Debian debs, npm tarballs and a
# wheel: the default catalog's artifacts (catalog/fetch-artifacts fills a mirror under $BUILDDIR,
# shared with acceptance_default) in a catalog of this test's own, with a generic tarball that
# adds a test CA. Checks the layout (merged /usr, relative links inside the root, generated files
# and their bytes, mount points, no venv), that the runtimes start under bubblewrap with no
# maintainer script run (TLS roots included), reproducibility, the refusals of a lock without
# its runtimes, and that verify passes and never follows a symlink out of the tree.
NOW=2026-11-30T00:00:00Z
. "$SRCDIR/tests/lib.sh"

skip_all() {
	n=$((n + 1)); echo "ok $n # SKIP $1"
	done_testing; exit
}

if ! default_mirror; then
	sed 's/^/# /' "$T/fetch.log" | tail -n 5
	skip_all "catalog/fetch-artifacts could not fill the mirror (npm or apt unreachable?)"
fi
ok "the default catalog's mirror is filled" true

# --- a catalog of this test's own: the real artifacts, plus a generic tarball with a test CA
newkey t
KEY="$T/keys/t.key"
mkdir -p "$T/m" "$T/ca/usr/local/share/ca-certificates/pinfold-test"
cp "$MIRROR"/*.deb "$MIRROR"/npm-10.*.tgz "$MIRROR"/semver-*.tgz "$MIRROR"/pip-*.whl "$T/m/"
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=pinfold test CA" -keyout "$T/ca.key" \
	-out "$T/ca.crt" -addext basicConstraints=critical,CA:TRUE >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$T/srv.key" -out "$T/srv.csr" >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$T/san.ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 3650 \
	-extfile "$T/san.ext" -out "$T/srv.crt" >/dev/null 2>&1
# no final newline: the bundle must add one, as update-ca-certificates does
head -c -1 "$T/ca.crt" >"$T/ca/usr/local/share/ca-certificates/pinfold-test/test-ca.crt"
tar -C "$T/ca" --sort=name --owner=0 --group=0 --mtime=@0 -czf "$T/m/test-ca-1.0.tar.gz" usr
pf catalog init "$T/cat" --name rootfs-test --min-age-days 0 --startup allow >/dev/null	# startup code is not what this tests
expect 0 "" "catalog add: the default mirror's debs, npm, semver, pip" -- sh -c '
	cat=$1 now=$2 m=$3
	shift 3
	for f in "$m"/*.deb "$m"/*.tgz "$m"/*.whl; do
		case ${f##*/} in nodejs_*) continue ;; esac
		set -- "$@" "$f"
	done
	"$PINFOLD" --now "$now" -q catalog add "$cat" "$@" --published 2020-01-01' sh "$T/cat" "$NOW" "$T/m"
expect 0 "" "catalog add: Debian's nodejs declared to provide npm:node" -- \
	pf -q catalog add "$T/cat" "$T/m"/nodejs_*.deb --published 2020-01-01 --provides 'npm:node (= 18.20.4)'
expect 0 "" "catalog add: the test CA tarball" -- \
	pf -q catalog add "$T/cat" "$T/m/test-ca-1.0.tar.gz" --name test-ca --version 1.0 --published 2020-01-01
pf catalog sign "$T/cat" --key "$KEY" >/dev/null
check "nodejs's entry carries the declared provide" "grep -q 'npm:node (= 18.20.4)' '$T/cat/catalog.yaml'"

image() {	# NAME TARGET-LINES PACKAGES...
	_n=$1 _t=$2
	shift 2
	mkdir -p "$T/img"
	{
		echo "name: $_n"
		echo "catalog: ../cat"
		printf 'target:\n  runtime: self-contained\n%s\n  platform: linux-x86_64\n' "$_t"
		echo "packages:"
		for _p in "$@"; do echo "  - \"$_p\""; done
	} >"$T/img/$_n.yaml"
}
# dash is Essential in Debian, so nothing depends on it; /bin/sh runs the guards and Debian's scripts
image full '  python: "3.11"' deb:python3 deb:dash deb:bash deb:coreutils deb:ca-certificates deb:tzdata \
	"npm:node ^18" "npm:npm ^10" "npm:semver ^7" "pypi:pip" generic:test-ca
image mini '  python: "3.11"' deb:dash
expect 0 "" "lock: a self-contained image (python3, node via npm:node, bash, pip, npm, semver)" -- \
	pf --trust "$KEY.pub" lock "$T/img/full.yaml" -o "$T/full.lock"
check "... the lock records runtime self-contained and no target.host" \
	"grep -q '^  runtime: self-contained' '$T/full.lock' && ! grep -q '^  host:' '$T/full.lock'"
check "... npm:node ^18 resolved to Debian's nodejs and libnode108" \
	"grep -q 'name: nodejs' '$T/full.lock' && grep -q 'name: libnode108' '$T/full.lock'"
check "... libc6 and python3.11 came with the closure" \
	"grep -q 'name: libc6' '$T/full.lock' && grep -q 'name: python3.11\$' '$T/full.lock'"
expect 0 "" "lock: a minimal image (dash only)" -- pf --trust "$KEY.pub" lock "$T/img/mini.yaml" -o "$T/mini.lock"

# --- build; verify the tarball and the unpacked tree
mkdir -p "$T/a"
(umask 022 && cd "$T/a" && TZ=UTC LC_ALL=C pf --trust "$KEY.pub" build "$T/full.lock" -o "$T/a/env.tar.zst" --mirror "$T/m" \
	--cache "$T/cache-a" --jobs 1 >"$T/a/out" 2>"$T/a/err")
check "build succeeds" "[ -s '$T/a/env.tar.zst' ]"
sed 's/^/# /' "$T/a/err" | head -5
sum=$(sha256sum "$T/a/env.tar.zst" | cut -d' ' -f1)
expect 0 "" "verify of the tarball build wrote passes" -- pf --trust "$KEY.pub" verify "$T/a/env.tar.zst" --lock "$T/full.lock"
E="$T/env"
mkdir -p "$E"
tar --zstd -xf "$T/a/env.tar.zst" -C "$E"
expect 0 "" "verify of the unpacked tree passes" -- pf verify "$E"

# --- layout: merged /usr
for l in bin:usr/bin sbin:usr/sbin lib:usr/lib lib64:usr/lib64; do
	check "root symlink ${l%%:*} -> ${l#*:}" "[ -L '$E/${l%%:*}' ] && [ \"\$(readlink '$E/${l%%:*}')\" = ${l#*:} ] && [ -d '$E/${l#*:}' ] && [ ! -L '$E/${l#*:}' ]"
done
check "the dynamic loader link is relative: usr/lib64/ld-linux-x86-64.so.2 -> ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
	"[ \"\$(readlink '$E/usr/lib64/ld-linux-x86-64.so.2')\" = ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 ]"
check "dash's bin/sh is usr/bin/sh -> dash" "[ \"\$(readlink '$E/usr/bin/sh')\" = dash ]"
check "openssl's absolute links rewritten: usr/lib/ssl/cert.pem -> ../../../etc/ssl/certs/ca-certificates.crt" \
	"[ \"\$(readlink '$E/usr/lib/ssl/cert.pem')\" = ../../../etc/ssl/certs/ca-certificates.crt ]"
# every link: relative, and resolving (lexically, from where it is) inside the root
python3 - "$E" >"$T/links" <<'PY'
import os, sys
root = sys.argv[1]
n = bad = 0
for d, dirs, files in os.walk(root):
    for f in dirs + files:
        p = os.path.join(d, f)
        if not os.path.islink(p):
            continue
        n += 1
        t = os.readlink(p)
        rel = os.path.relpath(p, root)
        parts = rel.split("/")[:-1]
        ok = not t.startswith("/")
        for c in t.split("/"):
            if c == "..":
                if not parts:
                    ok = False
                    break
                parts.pop()
            elif c not in ("", "."):
                parts.append(c)
        if not ok:
            bad += 1
            print("bad", rel, "->", t)
print("links", n, "bad", bad)
PY
check "every symlink is relative and stays inside the root ($(tail -n 1 "$T/links"))" \
	"tail -n 1 '$T/links' | grep -q ' bad 0\$' && ! tail -n 1 '$T/links' | grep -q 'links 0 '"
check "nothing was installed under real top-level bin/ sbin/ lib/ lib64/" \
	"[ -z \"\$(tar --zstd -tf '$T/a/env.tar.zst' | grep -E '^(bin|sbin|lib|lib64)/')\" ]"

# --- no venv, and wheels, npm and Debian scripts where the contract says
for f in pyvenv.cfg bin/activate lib/python3.11/site-packages usr/local/lib/python3.11/dist-packages/pinfold-deb-python.pth; do
	check "no venv file: $f" "[ ! -e '$E/$f' ] && [ ! -L '$E/$f' ]"
done
check "pip in usr/local/lib/python3.11/dist-packages" "[ -f '$E/usr/local/lib/python3.11/dist-packages/pip/__init__.py' ]"
check "pip's console script usr/local/bin/pip3.11 runs /usr/bin/python3.11" \
	"[ \"\$(head -n 1 '$E/usr/local/bin/pip3.11')\" = '#!/usr/bin/python3.11' ]"
check "pip's RECORD names the script from site-packages up to the root" \
	"grep -q '^../../../../../usr/local/bin/pip3.11,sha256=' '$E'/usr/local/lib/python3.11/dist-packages/pip-*.dist-info/RECORD"
check "npm packages in usr/local/lib/node_modules, bins in usr/local/bin" \
	"[ -f '$E/usr/local/lib/node_modules/semver/package.json' ] && [ \"\$(readlink '$E/usr/local/bin/semver')\" = ../lib/node_modules/semver/bin/semver.js ]"
check "root symlink node_modules -> usr/local/lib/node_modules" "[ \"\$(readlink '$E/node_modules')\" = usr/local/lib/node_modules ]"
printf '; Generated by pinfold: where this environment keeps npm'"'"'s global packages and configuration.\nglobalconfig=/etc/npmrc\nprefix=/usr/local\n' >"$T/want.npmrc"
same_text "npm's builtin configuration (usr/local/lib/node_modules/npm/npmrc)" "$T/want.npmrc" "$E/usr/local/lib/node_modules/npm/npmrc"
dpkg-deb --fsys-tarfile "$T"/m/python3.11_*.deb | tar -xOf - ./usr/bin/pydoc3.11 >"$T/pydoc.deb"
check "Debian's scripts keep their shebang (usr/bin/pydoc3.11 is byte-identical to the deb's)" \
	"cmp -s '$T/pydoc.deb' '$E/usr/bin/pydoc3.11' && head -n 1 '$E/usr/bin/pydoc3.11' | grep -q '^#! */usr/bin/python3'"
check "the maintainer scripts were recorded, not run (.pinfold/skipped-scripts.yaml names ca-certificates)" \
	"grep -q 'deb:ca-certificates' '$E/.pinfold/skipped-scripts.yaml'"

# --- generated files, byte for byte
printf 'root:x:0:0:root:/root:/bin/bash\nuser:x:1000:1000:user:/home/user:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$T/want.passwd"
same_text "etc/passwd" "$T/want.passwd" "$E/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n' >"$T/want.group"
same_text "etc/group" "$T/want.group" "$E/etc/group"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tpinfold\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$T/want.hosts"
same_text "etc/hosts" "$T/want.hosts" "$E/etc/hosts"
check "etc/hostname is 'pinfold'" "[ \"\$(cat '$E/etc/hostname')\" = pinfold ]"
check "etc/nsswitch.conf: files for users and groups, files then dns for hosts" \
	"grep -qx 'passwd: *files' '$E/etc/nsswitch.conf' && grep -qx 'group: *files' '$E/etc/nsswitch.conf' && grep -qx 'hosts: *files dns' '$E/etc/nsswitch.conf'"
check "etc/os-release is base-files' (a link to usr/lib/os-release)" \
	"[ \"\$(readlink '$E/etc/os-release')\" = ../usr/lib/os-release ] && grep -q '^ID=debian' '$E/usr/lib/os-release'"
(cd "$E" && find usr/share/ca-certificates -name '*.crt' -type f | LC_ALL=C sort | while read -r c; do
	cat "$c"; [ -z "$(tail -c 1 "$c")" ] || echo
done; cat "$T/ca.crt") >"$T/want.bundle"
check "etc/ssl/certs/ca-certificates.crt: Debian's certificates sorted by path, then the local test CA, newline added ($(grep -c 'BEGIN CERT' "$T/want.bundle") certificates)" \
	"cmp -s '$T/want.bundle' '$E/etc/ssl/certs/ca-certificates.crt' && [ \$(grep -c 'BEGIN CERT' '$T/want.bundle') -gt 100 ]"
check "etc/localtime -> ../usr/share/zoneinfo/Etc/UTC and etc/timezone (tzdata's default)" \
	"[ \"\$(readlink '$E/etc/localtime')\" = ../usr/share/zoneinfo/Etc/UTC ] && [ \"\$(cat '$E/etc/timezone')\" = Etc/UTC ]"
check "alternatives: usr/bin/awk -> mawk, usr/bin/which -> which.debianutils" \
	"[ \"\$(readlink '$E/usr/bin/awk')\" = mawk ] && [ \"\$(readlink '$E/usr/bin/which')\" = which.debianutils ]"
for d in dev proc tmp run home/user project var/tmp; do
	check "mount point $d/ is an empty directory" "[ -d '$E/$d' ] && [ ! -L '$E/$d' ] && [ -z \"\$(ls -A '$E/$d')\" ]"
done
check "mount point etc/resolv.conf is an empty file" "[ -f '$E/etc/resolv.conf' ] && [ ! -s '$E/etc/resolv.conf' ]"
check "the generated files are in the manifest" \
	"grep -q '^etc/passwd	f	0644	' '$E/.pinfold/manifest' && grep -q '^bin	l	0777	-	-	usr/bin\$' '$E/.pinfold/manifest'"

# --- guards where the contract puts them
check "guards usr/local/bin/{pip,pip3,npm,npx} and etc/pip.conf, etc/npmrc" \
	"grep -q 'pinfold guard for pip' '$E/usr/local/bin/pip' && grep -q 'pinfold guard for npm' '$E/usr/local/bin/npm' && grep -q 'pinfold guard for npm and npx' '$E/usr/local/bin/npx' && grep -q '^no-index = true' '$E/etc/pip.conf' && grep -q '^offline=true' '$E/etc/npmrc'"

# --- the minimal environment: what is generated without base-files, bash, tzdata, certificates
mkdir -p "$T/mini"
expect 0 "" "build of the minimal (dash) environment" -- \
	pf --trust "$KEY.pub" build "$T/mini.lock" -o "$T/mini/env.tar.zst" --mirror "$T/m" --cache "$T/cache-a"
M="$T/mini/env"
mkdir -p "$M"
tar --zstd -xf "$T/mini/env.tar.zst" -C "$M"
printf 'PRETTY_NAME="pinfold environment"\nNAME="pinfold"\nID=pinfold\nID_LIKE=debian\n' >"$T/want.os"
same_text "without base-files, etc/os-release is generated" "$T/want.os" "$M/etc/os-release"
check "without bash, users get /bin/sh" "grep -qx 'user:x:1000:1000:user:/home/user:/bin/sh' '$M/etc/passwd'"
check "without ca-certificates and tzdata: no bundle, no localtime, no npm configuration" \
	"[ ! -e '$M/etc/ssl/certs/ca-certificates.crt' ] && [ ! -e '$M/etc/localtime' ] && [ ! -e '$M/node_modules' ]"
expect 0 "" "verify of the minimal environment passes" -- pf verify "$M"

# --- the runtimes start under bubblewrap with nothing of the host and no maintainer script run
if sandbox_ok; then
	expect 0 "" "python3: ssl, json, sqlite3, ctypes, zlib, lzma, bz2, decimal import" -- in_root "$E" \
		python3 -c 'import ssl, json, sqlite3, ctypes, zlib, lzma, bz2, decimal, hashlib; print(ssl.OPENSSL_VERSION)'
	expect 0 "" "python3: TLS roots load from the bundle" -- in_root "$E" python3 -c '
import ssl; s = ssl.create_default_context().cert_store_stats(); print(s); assert s["x509_ca"] > 100, s'
	expect 0 "" "python3 -c 'import pip' (the wheel in dist-packages)" -- in_root "$E" python3 -c 'import pip; print(pip.__version__)'
	expect 0 "v18.20.4" "node runs (Debian's 18.20.4) and requires semver from /node_modules" -- in_root "$E" \
		node -e 'require("semver"); console.log(process.version)'
	expect 0 "" "bash, coreutils, awk and which work" -- in_root "$E" bash -c 'set -e; ls / >/dev/null; echo a | awk "{print}"; which ls'
	expect 0 "10." "the npm command runs (npm's own tarball through the guard)" -- in_root "$E" npm --version
	expect 0 "/usr/local" "npm's global prefix is /usr/local (its builtin npmrc)" -- in_root "$E" npm prefix -g
	expect 1 "pinfold: refused: 'pip install requests'" "the pip guard refuses installs inside" -- in_root "$E" pip install requests
	expect 1 "pinfold: refused: 'npm install left-pad'" "the npm guard refuses installs inside" -- in_root "$E" npm install left-pad
	expect 1 "pinfold: refused" "python3 -m pip install is refused inside" -- in_root "$E" python3 -m pip install requests
	# TLS with the test CA, which only the environment's bundle holds: Python serves, Python and node connect
	mkdir -p "$T/tls"
	cp "$T/srv.crt" "$T/srv.key" "$T/tls/"
	cat >"$T/tls/tls.sh" <<'SH'
cat >/tmp/srv.py <<'PY'
import http.server, ssl, sys
h = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain("/project/srv.crt", "/project/srv.key")
h.socket = c.wrap_socket(h.socket, server_side=True)
open("/tmp/port", "w").write(str(h.server_address[1]))
h.serve_forever()
PY
cd /tmp && echo hello >index.html
python3 /tmp/srv.py 2>/dev/null &
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do [ -s /tmp/port ] && break; sleep 0.5; done
port=$(cat /tmp/port)
python3 -c 'import sys, urllib.request; print("py", urllib.request.urlopen("https://localhost:%s/index.html" % sys.argv[1]).read().decode().strip())' "$port"
node -e 'require("https").get("https://127.0.0.1:" + process.argv[1] + "/index.html", r => { let b = ""; r.on("data", d => b += d); r.on("end", () => console.log("node", b.trim())); }).on("error", e => { console.log("node error", e.code); process.exit(1); })' "$port"
python3 -c 'import glob, ssl, sys, urllib.request
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
c.load_verify_locations(cafile=sorted(glob.glob("/usr/share/ca-certificates/mozilla/*.crt"))[0])
urllib.request.urlopen("https://localhost:%s/" % sys.argv[1], context=c)' "$port" 2>/dev/null && echo "unexpected: verified without the test CA"
kill $!
SH
	expect 0 "" "TLS: a server whose CA is only in the environment's bundle" -- \
		bwrap --ro-bind "$E" / --ro-bind "$T/tls" /project --proc /proc --dev /dev --tmpfs /tmp --unshare-all \
		--die-with-parent --clearenv --setenv PATH /usr/bin:/bin --setenv HOME /tmp sh /project/tls.sh
	check "... Python (urllib, default context) verifies it" "grep -qx 'py hello' '$T/.stdout'"
	check "... node (https, OpenSSL's CA store) verifies it" "grep -qx 'node hello' '$T/.stdout'"
	check "... and a context without the test CA does not" "! grep -q unexpected '$T/.stdout'"
else
	n=$((n + 1)); echo "ok $n # SKIP bubblewrap cannot run here (not installed or no user namespaces)"
fi

# --- reproducible: other umask, TZ, locale, directory, output name, cold cache, mirror mtimes, --jobs
mkdir -p "$T/b/deeper" "$T/m2"
for f in "$T"/m/*; do cp "$f" "$T/m2/" && touch -d '2001-02-03 04:05:06' "$T/m2/${f##*/}"; done
(umask 077 && cd "$T/b" && TZ=Pacific/Auckland LC_ALL=C.UTF-8 LANG=de_DE.UTF-8 pf --trust "$KEY.pub" build "$T/full.lock" \
	-o deeper/other.tar.zst --mirror "$T/m2" --cache "$T/cache-b" --jobs 4 >/dev/null 2>&1)
check "build 2 (umask 077, TZ=Pacific/Auckland, C.UTF-8, other dir and name, cold cache, mirror mtimes, --jobs 4): same sha256" \
	"[ \"\$(sha256sum <'$T/b/deeper/other.tar.zst' | cut -d' ' -f1)\" = $sum ]"

# --- a self-contained lock without its runtimes is refused before anything is fetched
drop() {	# LOCK NAME > LOCK': the lock without package NAME
	awk -v n="$2" '
		/^  - ecosystem: / { flush(); buf = $0 "\n"; inpkg = 1; next }
		inpkg && /^  [^ ]/ { flush(); inpkg = 0 }
		inpkg { buf = buf $0 "\n"; if ($0 == "    name: " n || $0 == "    name: \"" n "\"") skip = 1; next }
		{ print }
		function flush() { if (buf != "" && !skip) printf "%s", buf; buf = ""; skip = 0 }
		END { flush() }' "$1"
}
for r in "libc6|needs deb:libc6" "python3.11|needs deb:python3.11 (target.python 3.11)" "nodejs|needs deb:nodejs"; do
	pkgname=${r%%|*} msg=${r#*|}
	drop "$T/full.lock" "$pkgname" >"$T/no-$pkgname.lock"
	mkdir -p "$T/out-$pkgname"
	check "the lock without $pkgname has one package less" \
		"[ \$(grep -c '^  - ecosystem:' '$T/no-$pkgname.lock') -eq \$((\$(grep -c '^  - ecosystem:' '$T/full.lock') - 1)) ]"
	expect 1 "$msg" "build refuses a self-contained lock without $pkgname" -- \
		pf --trust "$KEY.pub" build "$T/no-$pkgname.lock" -o "$T/out-$pkgname/env.tar.zst" --mirror "$T/m" --cache "$T/cache-none"
	check "... one error line naming the lock, nothing written, nothing fetched" \
		"[ \$(wc -l <'$T/.stderr') -eq 1 ] && grep -q \"^pinfold: error: '$T/no-$pkgname.lock': a self-contained environment\" '$T/.stderr' && [ -z \"\$(ls -A '$T/out-$pkgname')\" ] && [ ! -e '$T/cache-none' ]"
done

# --- verify follows no symlink out of the tree
mkdir -p "$T/outside/.pinfold"
cp "$E/.pinfold/manifest" "$T/outside/.pinfold/manifest"
cp -a "$M" "$T/v1"
rm -rf "$T/v1/.pinfold"
ln -s "$T/outside/.pinfold" "$T/v1/.pinfold"
expect 1 "not a regular file inside the environment" "verify: .pinfold as a symlink out of the tree is refused, not followed" -- \
	pf verify "$T/v1"
cp -a "$M" "$T/v2"
rm "$T/v2/.pinfold/manifest"
ln -s "$T/outside/.pinfold/manifest" "$T/v2/.pinfold/manifest"
expect 1 "'$T/v2/.pinfold/manifest': not a regular file inside the environment" \
	"verify: .pinfold/manifest as a symlink out of the tree is refused" -- pf verify "$T/v2"
cp -a "$M" "$T/v3"
rm "$T/v3/.pinfold/manifest"
mkfifo "$T/v3/.pinfold/manifest"
expect 1 "not a regular file inside the environment" "verify: a FIFO as .pinfold/manifest is refused without hanging" -- \
	timeout 20 "$PINFOLD" --now "$NOW" verify "$T/v3"
cp -a "$M" "$T/v4"
ln -s /etc/passwd "$T/v4/etc/evil"
expect 1 "added: etc/evil" "verify: an added link to outside is reported as a difference" -- pf verify "$T/v4"

done_testing
