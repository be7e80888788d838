#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGTERM, SIGINT and SIGHUP to pinfold reach the whole sandboxed tree (background jobs and
# processes in sessions of their own too); a tree that ignores them is killed after the grace
# period; whatever the command leaves behind ends with it; SIGKILL to pinfold takes the sandbox.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/run/rootfs.sh"

run_base
mkdir -p "$T/proj"
P=$T/proj
ENV=$BASE_ROOT
M=$$$(date +%N | cut -c1-4)	# marks this test's sleeps (sleep accepts "1000.M")

# start OUT ARGS...: pinfold run in the background (PID), waits until OUT has a line "started"
start() {
	_out=$1; shift
	# a background job of a script starts with SIGINT ignored; give pinfold the default, as a terminal would
	env --default-signal=INT "$PINFOLD" run "$ENV" --project "$P" "$@" >"$_out" 2>&1 &
	PID=$!
	_i=0
	while ! grep -q started "$_out" 2>/dev/null && [ $_i -lt 400 ]; do sleep 0.05; _i=$((_i + 1)); done
}
left() {	# left TAG: is a "sleep TAG.M" of this test still running? (no procps needed)
	python3 -c '
import glob, sys
want = b"sleep\0" + sys.argv[1].encode() + b"\0"
for f in glob.glob("/proc/[0-9]*/cmdline"):
    try:
        if open(f, "rb").read() == want:
            sys.exit(0)
    except OSError:
        pass
sys.exit(1)' "$1.$M"
}
gone() {	# gone TAG: within 2 s no "sleep TAG.M" is left
	_i=0
	while left "$1" && [ $_i -lt 40 ]; do sleep 0.05; _i=$((_i + 1)); done
	! left "$1"
}

start "$T/term.out" sh -c "sleep 1000.$M & sleep 1000.$M & setsid sleep 1000.$M & echo started; wait"
check "the sandboxed tree is running" 'left 1000 && grep -q started "$T/term.out"'
kill -TERM "$PID"
wait "$PID"
rc=$?
check "SIGTERM to pinfold: it exits 128+15 (the shell's status) [got $rc]" '[ "$rc" = 143 ]'
check "no process of the sandbox is left (background jobs and a new session included)" 'gone 1000'

start "$T/int.out" python3 -c 'import time; print("started", flush=True); time.sleep(100)'
kill -INT "$PID"
wait "$PID"
rc=$?
check "SIGINT reaches the command (python's KeyboardInterrupt) [got $rc]" \
	'[ "$rc" = 130 ] && grep -q KeyboardInterrupt "$T/int.out"'

start "$T/hup.out" sh -c "sleep 1001.$M & echo started; wait"
kill -HUP "$PID"
wait "$PID"
rc=$?
check "SIGHUP is passed on too [got $rc]" '[ "$rc" = 129 ] && gone 1001'

# A tree that ignores SIGTERM: killed after the grace period (3 s).
t0=$(date +%s)
start "$T/ign.out" sh -c "trap '' TERM; sleep 1002.$M & sleep 1002.$M & echo started; wait"
kill -TERM "$PID"
wait "$PID"
rc=$?
t1=$(date +%s)
check "a tree ignoring SIGTERM is killed after the grace period [got $rc after $((t1 - t0)) s]" \
	'[ "$rc" = 137 ] && [ $((t1 - t0)) -ge 3 ] && [ $((t1 - t0)) -lt 30 ]'
check "nothing of it is left" 'gone 1002'
start "$T/twice.out" sh -c "trap '' TERM INT; sleep 1003.$M & echo started; wait"
t0=$(date +%s)
kill -TERM "$PID"
sleep 0.2
kill -INT "$PID"
wait "$PID"
rc=$?
t1=$(date +%s)
check "a second signal kills at once [got $rc after $((t1 - t0)) s]" '[ "$rc" = 137 ] && [ $((t1 - t0)) -lt 3 ] && gone 1003'

# What the command leaves running ends with it.
expect 0 "bye" "a command that leaves a background job behind" -- \
	pf run "$ENV" --project "$P" sh -c "sleep 1004.$M >/dev/null 2>&1 & setsid sleep 1004.$M >/dev/null 2>&1 & echo bye"
check "its background jobs end when it does" 'gone 1004'

# SIGKILL to pinfold: bwrap dies with it (--die-with-parent), and the sandbox with bwrap.
start "$T/kill.out" sh -c "sleep 1005.$M & echo started; wait"
kill -KILL "$PID"
wait "$PID"
check "SIGKILL to pinfold takes the sandbox with it" 'gone 1005'

done_testing
