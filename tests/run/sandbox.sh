#!/bin/sh
# SPDX-License-Identifier: MIT
# pinfold run on an unpacked self-contained environment (Debian's own debs): host secrets, other
# files and variables are out of reach; no network unless --net; the environment is read-only;
# the project is writable and nothing else is; exit statuses pass through; options and refusals.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/run/rootfs.sh"

run_base
run_env_copy "$T/env"
ENV=$T/env
mkdir -p "$T/proj" "$T/other-proj" "$T/shared"
P=$T/proj
inside() { pf run "$ENV" --project "$P" "$@"; }

# Canaries: the invoking user's ~/.ssh and ~/.aws, a file outside the project, a variable.
C=pinfold-canary-$$
mkdir -p "$HOME/.ssh" "$HOME/.aws"
echo "$C-ssh" >"$HOME/.ssh/id_ed25519"
printf '[default]\naws_secret_access_key = %s-aws\n' "$C" >"$HOME/.aws/credentials"
echo "$C-file" >"$T/outside.txt"
export PINFOLD_TEST_TOKEN="$C-env"
check "control: the canaries are readable outside the sandbox" \
	'grep -q "$C-ssh" "$HOME/.ssh/id_ed25519" && grep -q "$C-aws" "$HOME/.aws/credentials" && env | grep -q "$C-env"'

expect 1 "No such file" "cat ~/.ssh/id_ed25519 (the host's path) fails inside" -- inside cat "$HOME/.ssh/id_ed25519"
expect 1 "No such file" "cat ~/.aws/credentials fails inside" -- inside cat "$HOME/.aws/credentials"
expect 1 "No such file" "cat of the file outside the project fails inside" -- inside cat "$T/outside.txt"
expect 1 "No such file" "cat ~/.ssh (the sandbox's own HOME) finds nothing" -- inside sh -c 'cat ~/.ssh/id_ed25519'
expect 0 "" "env inside" -- inside env
check "env: no canary, no host variable" '! grep -q "$C" "$T/.stdout" && ! grep -q PINFOLD_TEST_TOKEN "$T/.stdout"'
check "env: HOME, USER and PATH are the sandbox's" \
	'grep -qx "HOME=/home/user" "$T/.stdout" && grep -qx "USER=user" "$T/.stdout" && grep -qx "PATH=/usr/local/bin:/usr/bin:/bin" "$T/.stdout"'
expect 0 "" "/proc/1/environ and every /proc/*/environ inside" -- \
	inside sh -c 'for f in /proc/[0-9]*/environ; do cat "$f"; echo; done; echo; wc -c </proc/1/environ'
check "/proc: no canary in any process's environment" '! grep -q "$C" "$T/.stdout"'
check "/proc/1/environ (bwrap, pid 1) is empty" '[ "$(tail -n 1 "$T/.stdout")" = 0 ]'
# A search of every readable file inside, and of every process's command line and environment.
cat >"$P/search.py" <<'PY'
import os, sys
needle = sys.argv[1][::-1].encode()	# given reversed: the command line holds no canary
hits, n = [], 0
for top in os.listdir("/"):
    if top in ("proc", "sys", "dev"):
        continue
    for d, dirs, files in os.walk("/" + top):
        for f in files:
            p = os.path.join(d, f)
            try:
                if os.path.islink(p) or not os.path.isfile(p): continue
                n += 1
                with open(p, "rb") as fh:
                    if needle in fh.read() and p != "/project/search.py": hits.append(p)
            except OSError:
                pass
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    for what in ("environ", "cmdline"):
        try:
            if needle in open("/proc/%s/%s" % (pid, what), "rb").read(): hits.append("/proc/%s/%s" % (pid, what))
        except OSError:
            pass
print("searched %d files" % n)
for h in hits: print("FOUND", h)
sys.exit(1 if hits else 0)
PY
expect 0 "searched" "a search of every file and process inside finds no canary" -- inside python3 /project/search.py "$(python3 -c 'import sys; print(sys.argv[1][::-1])' "$C")"
check "the search read the environment's files" '[ "$(sed -n "s/^searched \([0-9]*\) files$/\1/p" "$T/.stdout")" -gt 1000 ]'

# Network: none by default; the host's network with --net.
http_server "$T/http"
cat >"$P/get.py" <<'PY'
import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:%s/from-inside" % sys.argv[1], timeout=5).read().decode().strip())
PY
expect 0 "hello from the host" "control: the host's 127.0.0.1 server answers outside" -- python3 "$P/get.py" "$HTTP_PORT"
: >"$T/http/requests"
expect 1 "URLError" "by default the host's 127.0.0.1 server is unreachable" -- inside python3 /project/get.py "$HTTP_PORT"
check "the server received nothing" '[ ! -s "$T/http/requests" ]'
expect 0 "hello from the host" "with --net it is reachable" -- inside --net python3 /project/get.py "$HTTP_PORT"
check "the server received the request" 'grep -q "GET /from-inside" "$T/http/requests"'
expect 0 "" "by default the only interface is lo" -- inside sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1'
check "no interface but lo" '[ "$(tr -d " " <"$T/.stdout")" = lo ]'
kill "$HTTP_PID" 2>/dev/null

# The environment is read-only; the project is writable and belongs to the invoking user.
for path in /usr/lib/python3.11/site-packages-x /usr/local/lib/python3.11/dist-packages/evil.pth /evil /etc/evil \
	/.pinfold/evil /bin/evil; do
	expect 2 "Read-only file system" "writing $path fails" -- inside sh -c "echo x >$path"
done
expect 1 "Read-only file system" "removing a file of the environment fails" -- inside rm -f /usr/bin/python3.11
expect 1 "Read-only file system" "chmod in the environment fails" -- inside chmod 777 /usr/bin/dash
check "the environment is untouched" '[ ! -e "$ENV/evil" ] && [ -x "$ENV/usr/bin/python3.11" ]'
expect 0 "" "pinfold verify: the environment is still exactly its manifest" -- pf verify "$ENV"
find "$T" -path "$P" -prune -o -path "$T/state" -prune -o -path "$T/.out" -prune -o -name '.std*' -prune -o \
	-name '*.list' -prune -o -print | sort >"$T/before.list"
expect 0 "" "write in the project, HOME, /tmp, /var/tmp and /run" -- inside sh -c \
	'echo made >/project/made-inside && echo h >"$HOME/h" && echo t >/tmp/pinfold-sandbox-'"$$"' &&
	 echo v >/var/tmp/v && echo r >/run/r && id -u'
check "inside, the user is uid 1000" '[ "$(cat "$T/.stdout")" = 1000 ]'
check "the file written in the project is there" '[ "$(cat "$P/made-inside")" = made ]'
check "and belongs to the invoking user" '[ "$(stat -c %u:%g "$P/made-inside")" = "$(id -u):$(id -g)" ]'
find "$T" -path "$P" -prune -o -path "$T/state" -prune -o -path "$T/.out" -prune -o -name '.std*' -prune -o \
	-name '*.list' -prune -o -print | sort >"$T/after.list"
same_text "nothing appeared outside the project (and the state dir)" "$T/before.list" "$T/after.list"
check "the sandbox's /tmp is not the host's" '[ ! -e /tmp/pinfold-sandbox-$$ ]'
if [ -w /usr/local ]; then
	touch "/usr/local/pinfold-marker-$$"
	expect 2 "No such file" "a marker file in the host's /usr/local is not visible inside" -- \
		inside ls "/usr/local/pinfold-marker-$$"
	rm -f "/usr/local/pinfold-marker-$$"
fi

# HOME: private per project, kept between runs; --ephemeral: fresh and gone.
expect 0 "" "HOME keeps what a run wrote" -- inside cat /home/user/h
check "it holds the earlier run's file" '[ "$(cat "$T/.stdout")" = h ]'
expect 1 "No such file" "another project gets another HOME" -- pf run "$ENV" --project "$T/other-proj" cat /home/user/h
expect 1 "No such file" "--ephemeral: a fresh HOME" -- inside --ephemeral cat /home/user/h
expect 0 "" "--ephemeral: writes to HOME work" -- inside --ephemeral sh -c 'echo e >~/e && cat ~/e'
expect 1 "No such file" "--ephemeral: and are gone afterwards" -- inside cat /home/user/e
check "the private HOME lives under the state directory" 'ls "$T/state/homes/" | grep -q "^proj-"'

# Exit statuses, the working directory, the command not found, --env, --ro/--rw.
expect 7 "" "exit status 7 passes through" -- inside sh -c 'exit 7'
expect 0 "" "exit status 0 passes through" -- inside true
expect 137 "" "a command killed by SIGKILL: 128+9" -- inside sh -c 'kill -9 $$'
expect 127 "'no-such-tool': no such command in the environment" "a command the environment lacks: 127" -- \
	inside no-such-tool
expect 0 "/project" "the working directory is /project" -- inside pwd
(cd "$P" && "$PINFOLD" --now "$NOW" run "$ENV" -- cat made-inside) >"$T/.stdout" 2>&1
check "the project defaults to the current directory" '[ "$(cat "$T/.stdout")" = made ]'
expect 0 "" "--env NAME passes one variable; --env NAME=VALUE sets one" -- \
	inside --env PINFOLD_TEST_TOKEN --env GREETING=hello env
check "--env: exactly the named ones" 'grep -qx "PINFOLD_TEST_TOKEN=$C-env" "$T/.stdout" && grep -qx "GREETING=hello" "$T/.stdout"'
expect 0 "" "bwrap's command line (pid 1, as the host's process list shows it too)" -- \
	inside --env "PF_SECRET=$C-secret" sh -c 'tr "\0" " " </proc/1/cmdline; echo; echo "$PF_SECRET"'
check "holds no --env value (the options come through a file descriptor)" \
	'head -n 1 "$T/.stdout" | grep -q -- "--args 3" && ! head -n 1 "$T/.stdout" | grep -q "$C" && sed -n 2p "$T/.stdout" | grep -q "$C-secret"'
echo shared >"$T/shared/f"
expect 0 "shared" "--ro PATH: readable at the same path" -- inside --ro "$T/shared" cat "$T/shared/f"
expect 2 "Read-only file system" "--ro PATH: not writable" -- inside --ro "$T/shared" sh -c "echo x >$T/shared/g"
expect 0 "" "--rw PATH: writable" -- inside --rw "$T/shared" sh -c "echo x >$T/shared/g"
check "--rw: the file is on the host" '[ "$(cat "$T/shared/g")" = x ]'
expect 2 "--rw '/nonexistent': No such file" "--rw of a missing path is a usage error" -- inside --rw /nonexistent true
expect 2 "expected a command" "run without a command is a usage error" -- pf run "$ENV"
expect 2 "expected an environment" "run without ENV is a usage error" -- pf run
expect 2 "unknown option '--frob'" "an unknown option" -- pf run "$ENV" --frob -- true
expect 2 "option '--project' needs a value" "an option without its value" -- pf run "$ENV" --project

# Refusals: the home directory as the project, a host-mode environment, no or failing bubblewrap.
expect 1 "refusing to use your home directory" "the home directory as the project is refused" -- \
	pf run "$ENV" --project "$HOME" true
expect 1 "refusing to make the host's whole filesystem the project" "/ as the project is refused" -- \
	pf run "$ENV" --project / true
run_env_copy "$T/hostmode"
sed -i 's/runtime: self-contained, //' "$T/hostmode/.pinfold/lock"
expect 1 "a host-mode environment" "a host-mode environment is refused" -- \
	pf run "$T/hostmode" --project "$P" sh -c "touch /project/ran"
check "it says why" 'grep -q "the sandbox exists to keep out" "$T/.stderr"'
expect 3 "No such file" "a missing ENV" -- pf run "$T/nope" --project "$P" true
mkdir "$T/nobwrap"
expect 3 "install Debian's 'bubblewrap' package" "no bwrap on PATH: a clear error" -- \
	env PATH="$T/nobwrap" "$PINFOLD" run "$ENV" --project "$P" /bin/sh -c "touch /project/ran"
check "and nothing ran" '[ ! -e "$P/ran" ]'
# A bwrap that fails to make the sandbox (as on hosts that restrict user namespaces): never run anyway.
mkdir "$T/badbwrap"
printf '#!/bin/sh\necho "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n' >"$T/badbwrap/bwrap"
chmod 755 "$T/badbwrap/bwrap"
expect 3 "could not set up the sandbox" "a failing bwrap: a clear error" -- \
	env PATH="$T/badbwrap:/usr/bin:/bin" "$PINFOLD" run "$ENV" --project "$P" /bin/sh -c "touch /project/ran"
check "it says the command was not run, and it was not" 'grep -q "the command was not run" "$T/.stderr" && [ ! -e "$P/ran" ]'
# The known causes and their fixes: each cause's sysctl is faked by a file mounted over /proc/sys in a
# private user and mount namespace, with the failing bwrap above standing in for the refused sandbox.
if unshare -Urm true 2>/dev/null; then
	echo 0 >"$T/zero"
	mkdir "$T/fakek"
	echo 1 >"$T/fakek/apparmor_restrict_unprivileged_userns"
	expect 3 "user.max_user_namespaces=0" "no user namespaces (a container): the cause is named" -- \
		unshare -Urm sh -c "mount --bind '$T/zero' /proc/sys/user/max_user_namespaces &&
			PATH='$T/badbwrap:/usr/bin:/bin' exec '$PINFOLD' run '$ENV' --project '$P' /bin/sh -c 'touch /project/ran'"
	check "and the fix" 'grep -q "sysctl -w user.max_user_namespaces=" "$T/.stderr" && [ ! -e "$P/ran" ]'
	expect 3 "kernel.apparmor_restrict_unprivileged_userns=1" "Ubuntu's AppArmor restriction: the cause is named" -- \
		unshare -Urm sh -c "mount --bind '$T/fakek' /proc/sys/kernel &&
			exec unshare -U --map-user=1000 --map-group=1000 env PATH='$T/badbwrap:/usr/bin:/bin' \
			'$PINFOLD' run '$ENV' --project '$P' /bin/sh -c 'touch /project/ran'"
	check "and the fix (a profile for bwrap, or the sysctl)" \
		'grep -q "AppArmor profile that allows .userns." "$T/.stderr" && grep -q "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0" "$T/.stderr" && [ ! -e "$P/ran" ]'
fi

# What the sandbox is made of: no capabilities, no new privileges, seccomp, namespaces.
expect 0 "" "status inside" -- inside sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status; cat /proc/sys/kernel/hostname'
check "no capabilities" 'grep -q "^CapEff:.0000000000000000" "$T/.stdout" && grep -q "^CapBnd:.0000000000000000" "$T/.stdout"'
check "no new privileges, a seccomp filter" 'grep -q "^NoNewPrivs:.1" "$T/.stdout" && grep -q "^Seccomp:.2" "$T/.stdout"'
check "its own hostname" 'tail -n 1 "$T/.stdout" | grep -qx pinfold'
expect 0 "" "the namespaces differ from pinfold's" -- inside sh -c 'for n in user pid ipc uts cgroup net mnt; do readlink /proc/self/ns/$n; done'
for ns in user pid ipc uts cgroup net mnt; do
	check "a new $ns namespace" "! grep -qx '$(readlink /proc/self/ns/$ns)' '$T/.stdout'"
done
expect 0 "" "only stdin, stdout and stderr are open inside" -- inside sh -c 'ls /proc/self/fd'
check "no file descriptor of pinfold's leaks in" '[ "$(tr "\n" " " <"$T/.stdout")" = "0 1 2 3 " ]'
expect 0 "--unshare-net" "--dry-run prints the bubblewrap command line" -- inside --dry-run sh -c "touch /project/ran"
check "--dry-run ran nothing" '[ ! -e "$P/ran" ]'
check "--dry-run: the environment read-only, the project read-write" \
	'grep -q -- "--ro-bind $ENV/usr /usr" "$T/.stdout" && grep -q -- "--bind $P /project" "$T/.stdout"'
expect 0 "" "--dry-run with --net" -- inside --net --dry-run true
check "--net: no --unshare-net" '! grep -q -- "--unshare-net" "$T/.stdout"'
expect 0 "" "--json --dry-run" -- "$PINFOLD" --json run "$ENV" --project "$P" --dry-run -- true
check "--json --dry-run: bwrap, args and command" "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"command\"]==[\"true\"] and \"--unshare-net\" in d[\"args\"], d' '$T/.stdout'"
expect 0 "" "stdin reaches the command" -- sh -c "echo from-stdin | '$PINFOLD' run '$ENV' --project '$P' cat"
check "stdin was read" '[ "$(cat "$T/.stdout")" = from-stdin ]'

done_testing
