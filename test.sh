#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole test suite on a fresh Debian 12 machine: installs what is missing, builds with
# -Werror, runs every suite, then again under ASan/UBSan (without -Werror: GCC's sanitizer
# instrumentation raises false format warnings), then the fuzz harnesses briefly in a clang build;
# ends with "N passed, N failed".
set -eu
cd "$(dirname "$0")"
tools/install-deps
run_suite() {	# build dir, extra meson options
	dir=$1; shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	if ! ninja -C "$dir" >"$dir/build-output.txt" 2>&1; then
		tail -n 40 "$dir/build-output.txt"
		echo "0 passed, 1 failed"
		exit 1
	fi
	if ! meson test -C "$dir" --print-errorlogs --num-processes 2 >"$dir/test-output.txt" 2>&1; then
		grep -vE '^ *[0-9]+/[0-9]+ .* OK ' "$dir/test-output.txt" | tail -n 150
	fi
	grep -E '^ *[0-9]+/[0-9]+ ' "$dir/test-output.txt" || true
}
run_suite build-ci -Dwerror=true
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=false
# libFuzzer harnesses (clang, ASan/UBSan): a short run of each, the 'fuzz' suite (tests/fuzz/)
export CC=clang
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	run_suite build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=false
unset CC
python3 - build-ci/meson-logs/testlog.json build-asan/meson-logs/testlog.json build-fuzz/meson-logs/testlog.json <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            r = json.loads(line).get("result")
            if r in ("OK", "EXPECTEDFAIL"): passed += 1
            elif r == "SKIP": skipped += 1
            else: failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed or not passed else 0)
PY
