#!/bin/sh
# SPDX-License-Identifier: MIT
# pinfold shell on a terminal (a pty driven by a script): the prompt names the environment, job
# control works (background jobs, ^C to the foreground job only), TIOCSTI is refused, exit status
# passes through and the terminal comes back; without a terminal the shell reads its stdin.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/run/rootfs.sh"

run_base
mkdir -p "$T/proj"
P=$T/proj

cat >"$T/drive.py" <<'PY'
import os, pty, sys, time, select, signal
argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
buf = b""
def read_until(needle, timeout=30):
    global buf
    end = time.time() + timeout
    while needle.encode() not in buf:
        if time.time() > end:
            print("TIMEOUT waiting for %r; got %r" % (needle, buf[-400:])); sys.exit(1)
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    i = buf.index(needle.encode()) + len(needle)
    seen, buf = buf[:i], buf[i:]
    return seen.decode(errors="replace")
def send(s):
    os.write(fd, s.encode())
out = []
out.append(read_until("(test-sandbox)"))
read_until("$ ")
send("echo answer=$((6*7))\n"); out.append(read_until("answer=42"))
# (the terminal echoes what is typed: each awaited text is assembled by the shell, never typed)
send("case $- in *m*) x=on;; *) x=off;; esac; echo \"job-\"\"control=$x\"\n"); out.append(read_until("job-control=") + read_until("\n"))
read_until("$ ")
send("sleep 60 &\n"); read_until("$ ")
send("jobs\n"); out.append(read_until("$ "))
send("kill %1; wait\n"); read_until("$ ")
t0 = time.time()
send("sleep 60\n"); time.sleep(1.0); send("\x03"); read_until("$ ")
out.append("ctrl-c returned after %.0f s" % (time.time() - t0))
send("echo still\"-here\"\n"); out.append(read_until("still-here"))
send("python3 -c 'import fcntl, termios; fcntl.ioctl(0, termios.TIOCSTI, b\"x\")' || echo tiocsti\"-refused\"\n")
out.append(read_until("tiocsti-refused"))
send("exit 3\n")
_, status = os.waitpid(pid, 0)
out.append("exit=%d" % os.waitstatus_to_exitcode(status))
print("\n".join(out))
PY
expect 0 "" "pinfold shell on a terminal (driven through a pty)" -- \
	python3 "$T/drive.py" "$PINFOLD" shell "$BASE_ROOT" --project "$P"
check "the prompt names the environment" 'grep -q "(test-sandbox)" "$T/.stdout"'
check "commands run" 'grep -q "answer=42" "$T/.stdout"'
check "job control is on" 'grep -q "job-control=on" "$T/.stdout"'
check "a background job is listed as running" 'grep -q "Running.*sleep 60" "$T/.stdout"'
check "^C stops the foreground job, not the shell" 'grep -q "ctrl-c returned after [0-9] s" "$T/.stdout" && grep -q still-here "$T/.stdout"'
check "TIOCSTI is refused" 'grep -q "Operation not permitted" "$T/.stdout" && grep -q tiocsti-refused "$T/.stdout"'
check "the shell's exit status passes through" 'grep -qx "exit=3" "$T/.stdout"'

expect 4 "" "without a terminal, the shell reads its stdin" -- \
	sh -c "printf 'echo \"\$debian_chroot \$PINFOLD_ENV_NAME\"; echo \$0; exit 4\n' | '$PINFOLD' shell '$BASE_ROOT' --project '$P'"
check "the prompt's variables name the environment" 'grep -qx "test-sandbox test-sandbox" "$T/.stdout"'
check "the shell is bash" 'grep -qx "/bin/bash" "$T/.stdout"'
expect 2 "unexpected 'ls'" "shell takes no command" -- pf shell "$BASE_ROOT" --project "$P" -- ls
expect 0 "--new-session" "shell --dry-run without a terminal: a new session" -- \
	pf shell "$BASE_ROOT" --project "$P" --dry-run

done_testing
