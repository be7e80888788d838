# SPDX-License-Identifier: MIT
# Shared helpers for pinfold's CLI tests (sourced). Each test runs in its own temp dir.
# meson passes: PINFOLD (the binary), SRCDIR (source root), BUILDDIR.
set -u
: "${PINFOLD:?PINFOLD must name the pinfold binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/pinfold-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
export PINFOLD_STATE_DIR="$T/state" XDG_CACHE_HOME="$T/xdg-cache" HOME="$T/home"
mkdir -p "$HOME"
NOW=${NOW:-2026-06-01T00:00:00Z}
n=0 failed=0

pf() { "$PINFOLD" --now "$NOW" "$@"; }

ok() {	# description, then a command that must succeed
	n=$((n + 1)); d=$1; shift
	if "$@" >"$T/.out" 2>&1; then echo "ok $n - $d"
	else echo "not ok $n - $d"; sed 's/^/#   /' "$T/.out"; failed=$((failed + 1)); fi
}

# expect CODE "stderr substring" description -- command...
expect() {
	n=$((n + 1)); code=$1 want=$2 d=$3; shift 4
	"$@" >"$T/.stdout" 2>"$T/.stderr"; rc=$?
	if [ "$rc" -eq "$code" ] && { [ -z "$want" ] || grep -qF -- "$want" "$T/.stderr" "$T/.stdout"; }; then
		echo "ok $n - $d"
	else
		echo "not ok $n - $d (exit $rc, want $code; want text '$want')"
		sed 's/^/#   out: /' "$T/.stdout" | head -20; sed 's/^/#   err: /' "$T/.stderr" | head -20
		failed=$((failed + 1))
	fi
}

# same_text description FILE_A FILE_B: diff -u, shown on failure
same_text() {
	n=$((n + 1))
	if diff -u "$2" "$3" >"$T/.diff" 2>&1; then echo "ok $n - $1"
	else echo "not ok $n - $1"; sed 's/^/#   /' "$T/.diff" | head -40; failed=$((failed + 1)); fi
}

check() {	# description, then a shell condition (string) evaluated with eval
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1 [$2]"; failed=$((failed + 1)); fi
}

done_testing() { echo "1..$n"; [ "$failed" -eq 0 ]; }

# Throwaway keys for tests: newkey NAME -> $T/keys/NAME.key(.pub)
newkey() { mkdir -p "$T/keys"; "$PINFOLD" key generate "$T/keys/$1.key" >/dev/null; }

# default_mirror: fill $BUILDDIR/test-cache/default-mirror with the default catalog's artifacts
# (catalog/fetch-artifacts: npm pack, apt-get download; kept for later runs) and set MIRROR.
# Tests that share it run one fill at a time. Fails (log in $T/fetch.log) without npm/apt access.
default_mirror() {
	MIRROR=$BUILDDIR/test-cache/default-mirror
	mkdir -p "$MIRROR"
	if command -v flock >/dev/null 2>&1; then
		flock "$BUILDDIR/test-cache/.default-mirror.lock" env PINFOLD="$PINFOLD" FETCH_ONLY=1 \
			timeout 900 "$SRCDIR/catalog/fetch-artifacts" "$MIRROR" >"$T/fetch.log" 2>&1
	else
		PINFOLD=$PINFOLD FETCH_ONLY=1 timeout 900 "$SRCDIR/catalog/fetch-artifacts" "$MIRROR" >"$T/fetch.log" 2>&1
	fi
}

# sandbox_ok: bubblewrap can run a command here (user namespaces allowed).
sandbox_ok() {
	command -v bwrap >/dev/null 2>&1 && bwrap --ro-bind / / --proc /proc --dev /dev --unshare-all true >/dev/null 2>&1
}

# in_root ROOT CMD...: run CMD with ROOT as the read-only root filesystem (bubblewrap), nothing of
# the host visible, a cleared environment, tmpfs /tmp and HOME=/tmp.
in_root() {
	_r=$1
	shift
	bwrap --ro-bind "$_r" / --proc /proc --dev /dev --tmpfs /tmp --unshare-all --die-with-parent \
		--clearenv --setenv PATH /usr/local/bin:/usr/bin:/bin --setenv HOME /tmp --setenv LANG C.UTF-8 \
		--chdir /tmp "$@"
}
