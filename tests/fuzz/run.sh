#!/bin/sh
# SPDX-License-Identifier: MIT
# One fuzz test: run.sh NAME HARNESS. Seeds are generated here (mkseeds.sh), then the harness
# fuzzes them for $PINFOLD_FUZZ_SECONDS seconds (default 10); a crash, leak, timeout or
# out-of-memory fails the test and prints the input (base64) that caused it.
. "$SRCDIR/tests/lib.sh"
name=$1 harness=$2
secs=${PINFOLD_FUZZ_SECONDS:-10}
mkdir -p seeds corpus
sh "$SRCDIR/tests/fuzz/mkseeds.sh" "$name" "$T/seeds" >"$T/seeds.log" 2>&1
nseeds=$(ls seeds | wc -l)
check "seed corpus for $name generated ($nseeds inputs)" '[ "$nseeds" -gt 0 ]'
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:allocator_may_return_null=1 \
	"$harness" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 -max_len=262144 -print_final_stats=1 \
	-artifact_prefix="$T/crash-" corpus seeds >"$T/fuzz.log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/fuzz.log")
echo "# $name: ${runs:-?} executions in $secs s, corpus $(ls corpus | wc -l) inputs, exit $rc"
if [ $rc -ne 0 ]; then
	tail -n 60 "$T/fuzz.log" | sed 's/^/#   /'
	for c in "$T"/crash-*; do [ -f "$c" ] && { echo "# input $(basename "$c"):"; base64 -w 76 "$c" | sed 's/^/#   /'; }; done
fi
check "fuzz-$name: no crash, leak, timeout or out-of-memory" '[ $rc -eq 0 ]'
check "fuzz-$name: the harness ran ($runs executions)" '[ "${runs:-0}" -gt 0 ]'
done_testing
