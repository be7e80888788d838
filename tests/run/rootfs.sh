# SPDX-License-Identifier: MIT
# Sourced by the sandbox tests (after tests/lib.sh): a self-contained root filesystem made of
# Debian 12's own debs the way docs/environment.md describes (data.tar extracted, no maintainer
# script run, merged /usr, generated /etc files, .pinfold/lock with target.runtime self-contained),
# packed into an environment tarball by the same pack code `pinfold build` uses.
# The debs come from `apt-get download` and are kept under $BUILDDIR/test-cache/run; when apt
# cannot fetch one (offline), that package's files are copied from this machine's installed copy.

RUN_DEBS="libc6 libgcc-s1 gcc-12-base dash bash libtinfo6 coreutils libacl1 libattr1 libgmp10 libselinux1
libpcre2-8-0 grep sed util-linux python3.11 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib
python3-minimal libexpat1 zlib1g libbz2-1.0 libcrypt1 libdb5.3 libffi8 libgdbm6 liblzma5 libncursesw6
libnsl2 libtirpc3 libtirpc-common libgssapi-krb5-2 libk5crypto3 libkeyutils1 libkrb5-3 libkrb5support0
libcom-err2 libreadline8 readline-common libsqlite3-0 libssl3 libuuid1 media-types"
# A smaller one (sh and coreutils) for the tests that unpack many tarballs.
RUN_DEBS_MINI="libc6 libgcc-s1 gcc-12-base dash coreutils libacl1 libattr1 libgmp10 libselinux1 libpcre2-8-0"
RUN_CACHE="$BUILDDIR/test-cache/run"

# _run_fetch PKG DEST: the package's files into DEST
_run_fetch() {
	_d=$(ls "$RUN_CACHE/debs/$1"_*.deb 2>/dev/null | head -n 1)
	if [ -z "$_d" ]; then
		(cd "$RUN_CACHE/debs" && apt-get download "$1" >/dev/null 2>&1) || true
		_d=$(ls "$RUN_CACHE/debs/$1"_*.deb 2>/dev/null | head -n 1)
	fi
	if [ -n "$_d" ]; then
		dpkg-deb -x "$_d" "$2"
		return
	fi
	echo "# $1: no deb could be downloaded; copying the installed package's files" >&2
	dpkg-query -L "$1" 2>/dev/null | while read -r _f; do
		[ -f "$_f" ] || [ -L "$_f" ] || continue
		# merged-/usr hosts list /lib/... for files that live under /usr/lib/...
		printf '%s\n' "${_f#/}"
	done >"$2.list"
	tar -C / -cf - --no-recursion -T "$2.list" 2>/dev/null | tar -C "$2" -xf -
	rm -f "$2.list"
}

# _run_assemble DIR DEBS: the root filesystem in DIR/root
_run_assemble() {
	_r=$1/root
	mkdir -p "$_r" "$RUN_CACHE/debs"
	for _p in $2; do
		_run_fetch "$_p" "$_r"
	done
	# Debian's merged /usr, as docs/environment.md lays it out.
	for _dir in bin sbin lib lib32 lib64 libx32; do
		if [ -d "$_r/$_dir" ] && [ ! -L "$_r/$_dir" ]; then
			mkdir -p "$_r/usr/$_dir"
			cp -a "$_r/$_dir/." "$_r/usr/$_dir/"
			rm -rf "${_r:?}/$_dir"
		fi
	done
	for _dir in bin sbin lib lib64; do
		[ -e "$_r/$_dir" ] || ln -s "usr/$_dir" "$_r/$_dir"
	done
	chmod -R u-s,g-s,go-w "$_r"
	[ -e "$_r/usr/bin/python3.11" ] && [ ! -e "$_r/usr/bin/python3" ] && ln -s python3.11 "$_r/usr/bin/python3"
	[ -e "$_r/usr/bin/sh" ] || ln -s dash "$_r/usr/bin/sh"
	mkdir -p "$_r/proc" "$_r/dev" "$_r/tmp" "$_r/run" "$_r/home" "$_r/project" "$_r/var/tmp" \
		"$_r/usr/local/bin" "$_r/usr/local/lib/python3.11/dist-packages" "$_r/.pinfold"
	printf 'root:x:0:0:root:/root:/bin/bash\nuser:x:1000:1000:user:/home/user:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$_r/etc/passwd"
	printf 'root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n' >"$_r/etc/group"
	printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$_r/etc/nsswitch.conf"
	printf '127.0.0.1 localhost pinfold\n::1 localhost\n' >"$_r/etc/hosts"
	echo pinfold >"$_r/etc/hostname"
	: >"$_r/etc/resolv.conf"
	{
		printf 'format: pinfold-lock/1\n'
		printf 'image: {name: test-sandbox, sha256: %064d}\n' 0
		printf 'catalog: {name: test, version: 1, sha256: %064d, keys: []}\n' 0
		printf 'policy: {min_age_days: 0, age_cutoff: "2026-01-01T00:00:00Z"}\n'
		printf 'target: {runtime: self-contained, python: "3.11", platform: linux-x86_64}\n'
		printf 'source_date_epoch: 1700000000\npackages: []\n'
	} >"$_r/.pinfold/lock"
}

# run_base [mini]: BASE_ROOT (an unpacked environment; copy it before changing it) and BASE_TAR
# (its tarball, with BASE_TAR.sha256), made once per build directory (and once at a time).
run_base() {
	_debs=$RUN_DEBS
	[ "${1-}" = mini ] && _debs=$RUN_DEBS_MINI
	_key=$(printf '%s v1\n' "$_debs" | sha256sum | cut -c1-12)
	BASE_ROOT=$RUN_CACHE/base-$_key/root BASE_TAR=$RUN_CACHE/base-$_key/env.tar.zst
	mkdir -p "$RUN_CACHE"
	(
		flock 9
		if [ ! -s "$BASE_TAR" ]; then
			_b=$RUN_CACHE/.base-$$
			rm -rf "$_b" "$RUN_CACHE/base-$_key"
			_run_assemble "$_b" "$_debs" && "$RUN_MKENV" "$_b/root" "$_b/env.tar.zst" &&
				mv "$_b" "$RUN_CACHE/base-$_key"
		fi
	) 9>"$RUN_CACHE/lock"
	[ -s "$BASE_TAR" ] || { echo "Bail out! no test root filesystem"; exit 1; }
}

# run_env_copy DIR: a private copy of the base environment in DIR (files made writable for the test)
run_env_copy() {
	cp -a "$BASE_ROOT" "$1"
	chmod -R u+w "$1"
}

# http_server DIR: a Python HTTP server on 127.0.0.1 (port chosen by the kernel) that logs each
# request line and body to DIR/requests; sets HTTP_PORT and HTTP_PID.
http_server() {
	mkdir -p "$1"
	python3 - "$1" <<'PY' &
import http.server, os, sys
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def log(self, body=b""):
        with open(os.path.join(d, "requests"), "ab") as f:
            f.write(self.command.encode() + b" " + self.path.encode() + b" " + body + b"\n")
    def do_GET(self):
        self.log(); self.send_response(200); self.end_headers(); self.wfile.write(b"hello from the host\n")
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.log(self.rfile.read(n)); self.send_response(200); self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(s.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
s.serve_forever()
PY
	HTTP_PID=$!
	_i=0
	while [ ! -s "$1/port" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
	HTTP_PORT=$(cat "$1/port")
	: >"$1/requests"
}
