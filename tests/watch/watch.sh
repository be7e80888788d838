#!/bin/sh
# SPDX-License-Identifier: MIT
# pinfold watch: units that systemd-analyze verify accepts, --status, --uninstall; the crontab line
# where there is no systemd user manager; --run notifies (notice file, notify-send, the notice at the
# next activation/touch) only about new findings; --ack.
. "$SRCDIR/tests/lib.sh"

export XDG_CONFIG_HOME="$T/config" XDG_RUNTIME_DIR="$T/run"
mkdir -p "$T/run" && chmod 700 "$T/run"
UNITS=$XDG_CONFIG_HOME/systemd/user

ok "watch --help" pf watch --help
# Usage errors of the watch commands: exit 2, one "pinfold: error:" line first.
while IFS='|' read -r args want; do
	# shellcheck disable=SC2086
	expect 2 "$want" "usage error: pinfold $args" -- pf $args
	check "usage error: pinfold $args: the first stderr line is pinfold's" 'head -n 1 "$T/.stderr" | grep -q "^pinfold: error: "'
done <<'USAGE'
advisories|expected update or show
advisories frob|unknown subcommand 'frob'
advisories update --frob|'--frob'
advisories update extra|unexpected argument 'extra'
advisories update --catalog|needs a value
advisories show a b|at most one NAME
scan --frob|'--frob'
scan --max-depth 0|--max-depth
scan --max-entries -1|--max-entries
registry|expected list, touch or forget
registry frob|unknown subcommand 'frob'
registry touch|expected one ENV
registry touch x --how party|--how
registry list --frob|'--frob'
registry forget|expected one PATH
audit --all x|--all takes no TARGET
audit --all --offline|--all takes no TARGET
watch --frob|'--frob'
watch --status extra|unexpected argument
USAGE
expect 2 "give one of" "watch without an action is a usage error" -- pf watch
expect 2 "give one of" "two actions are a usage error" -- pf watch --install --uninstall
expect 2 "--no-enable goes with --install" "--no-enable alone is a usage error" -- pf watch --status --no-enable

# The units, written but not enabled.
expect 0 "not enabled" "watch --install --no-enable writes the units" -- pf watch --install --no-enable
check "both units are there" '[ -f "$UNITS/pinfold-watch.service" ] && [ -f "$UNITS/pinfold-watch.timer" ]'
check "the service runs this pinfold with this state dir" \
	'grep -qx "ExecStart=$(realpath "$PINFOLD") --state-dir $PINFOLD_STATE_DIR watch --run" "$UNITS/pinfold-watch.service"'
check "the timer is daily and catches up" 'grep -qx "OnCalendar=daily" "$UNITS/pinfold-watch.timer" &&
	grep -qx "Persistent=true" "$UNITS/pinfold-watch.timer"'
check "systemd-analyze is installed (tools/install-deps)" 'command -v systemd-analyze >/dev/null'
if command -v systemd-analyze >/dev/null 2>&1; then
	expect 0 "" "systemd-analyze verify accepts them" -- \
		systemd-analyze verify "$UNITS/pinfold-watch.service" "$UNITS/pinfold-watch.timer"
	check "without a complaint" '[ ! -s "$T/.stderr" ]'
	expect 0 "" "systemd-analyze --user verify accepts them too" -- \
		systemd-analyze --user verify "$UNITS/pinfold-watch.service" "$UNITS/pinfold-watch.timer"
	# the check itself can fail: a broken copy is refused
	mkdir broken
	sed 's/^OnCalendar=daily$/OnCalendar=someday/' "$UNITS/pinfold-watch.timer" >broken/pinfold-watch.timer
	sed "s|^ExecStart=[^ ]*|ExecStart=$T/no-such-pinfold|" "$UNITS/pinfold-watch.service" >broken/pinfold-watch.service
	expect 1 "" "systemd-analyze verify refuses a broken copy (the check can fail)" -- \
		systemd-analyze verify broken/pinfold-watch.service broken/pinfold-watch.timer
fi
# Options with spaces and systemd specifiers are quoted for systemd.
mkdir "sp ace%d"
ok "state dir with a space and a %" pf --state-dir "$T/sp ace%d/st" watch --install --no-enable
check "quoted, % doubled" 'grep -qF "ExecStart=$(realpath "$PINFOLD") --state-dir \"$T/sp ace%%d/st\" watch --run" "$UNITS/pinfold-watch.service"'
if command -v systemd-analyze >/dev/null 2>&1; then
	expect 0 "" "still accepted by systemd-analyze" -- systemd-analyze verify "$UNITS/pinfold-watch.service"
fi
ok "back to the test's state dir" pf watch --install --no-enable
expect 0 "units: installed" "--status says installed" -- pf watch --status
check "and that it never ran" 'grep -q "^last run: never" "$T/.stdout"'
pf --json watch --status >st.json
check "--status --json" 'python3 -c "
import json
d = json.load(open(\"st.json\"))
assert d[\"units\"] is True and d[\"last_run\"] is None and d[\"notice\"] is None, d
"'
expect 0 "removed 2 unit files" "--uninstall removes them" -- pf watch --uninstall
check "gone" '[ ! -e "$UNITS/pinfold-watch.service" ] && [ ! -e "$UNITS/pinfold-watch.timer" ]'
expect 0 "nothing to remove" "a second --uninstall has nothing to do" -- pf watch --uninstall

# No systemd user manager here: --install uses the crontab (a crontab program that keeps a file).
mkdir bin
cat >bin/crontab <<EOF
#!/bin/sh
# crontab -l | crontab FILE, kept in $T/crontab.txt
if [ "\$1" = -l ]; then [ -f "$T/crontab.txt" ] || { echo "no crontab for \$(id -un)" >&2; exit 1; }; cat "$T/crontab.txt"; exit 0; fi
cp "\$1" "$T/crontab.txt"
EOF
chmod 755 bin/crontab
printf 'MAILTO=me\n0 1 * * * /bin/true # mine\n' >crontab.txt
PATH0=$PATH
PATH=$T/bin:$PATH
expect 0 "added the daily crontab line" "--install without a user manager adds a crontab line" -- pf watch --install
check "one line, ours, the user's lines kept" '[ "$(grep -c "# pinfold-watch$" crontab.txt)" -eq 1 ] &&
	grep -qx "0 1 \* \* \* /bin/true # mine" crontab.txt && grep -qx "MAILTO=me" crontab.txt'
check "it runs watch --run with this state dir" \
	'grep -q "^[0-9]* [0-9]* \* \* \* .$(realpath "$PINFOLD"). .--state-dir. .$PINFOLD_STATE_DIR. -q watch --run >/dev/null 2>&1 # pinfold-watch$" crontab.txt'
expect 0 "replaced the daily crontab line" "installing again replaces it" -- pf watch --install
check "still one line" '[ "$(grep -c "# pinfold-watch$" crontab.txt)" -eq 1 ]'
expect 0 "crontab line: installed" "--status sees it" -- pf watch --status
expect 0 "removed the crontab line" "--uninstall removes it" -- pf watch --uninstall
check "only the user's lines are left" '! grep -q pinfold crontab.txt && grep -q "# mine" crontab.txt'
rm bin/crontab
expect 3 "no systemd user manager and no crontab" "neither: a clear error" -- pf watch --install
PATH=$PATH0

# --run: a clean run, then a new advisory makes a notice and a desktop notification, once.
WHEELS=/usr/share/python-wheels
newkey cur
KEY=$T/keys/cur.key
TR="--trust $KEY.pub"
ok "catalog" pf catalog init cat --name example
ok "catalog add" pf catalog add cat "$WHEELS"/wheel-0.38.4-py3-none-any.whl --published 2023-01-10
ok "catalog sign" pf catalog sign cat --key "$KEY" --expires-in 300
mkdir images mirror env
cp "$WHEELS"/wheel-0.38.4-py3-none-any.whl mirror/
printf 'name: t\ncatalog: ../cat\ntarget: {python: "3.11", platform: linux-x86_64}\npackages: ["pypi:wheel"]\n' \
	>images/t.yaml
ok "lock" pf $TR lock images/t.yaml -o t.lock
ok "build" pf $TR build t.lock -o t.tar.zst --mirror mirror
tar -C env --zstd -xf t.tar.zst
ok "advisories update --catalog (none published yet)" pf $TR advisories update --catalog cat
cat >bin/notify-send <<EOF
#!/bin/sh
printf '%s\n' "\$@" >>"$T/notified.txt"
EOF
chmod 755 bin/notify-send
PATH=$T/bin:$PATH
export DBUS_SESSION_BUS_ADDRESS=unix:path=$T/run/bus
expect 0 "audited 1 environment" "watch --run with nothing revoked: exit 0" -- pf $TR watch --run
check "no notice, no notification" '[ ! -e "$PINFOLD_STATE_DIR/watch/notice" ] && [ ! -e notified.txt ]'
check "the last run is recorded" 'grep -q "^$NOW update=ok audit=clean new=0$" "$PINFOLD_STATE_DIR/watch/last-run"'
ok "revoke wheel" pf catalog revoke cat pypi:wheel 0.38.4 --id PF-W-1 --severity critical \
	--reason "published by attackers" --advice "rotate the SSH keys of every machine that ran it"
ok "sign" pf catalog sign cat --key "$KEY" --expires-in 300
NOW=2026-06-02T00:00:00Z
expect 1 "1 new finding: notice written" "watch --run after the advisory: exit 1, notice" -- pf $TR watch --run
check "the notice names the environment, the package and what to rotate" \
	'grep -q "^$(realpath t.tar.zst) (tarball), used from 2026-06-01T00:00:00Z to 2026-06-01T00:00:00Z:" "$PINFOLD_STATE_DIR/watch/notice" &&
	 grep -q "pypi:wheel 0.38.4: revoked by PF-W-1 (critical)" "$PINFOLD_STATE_DIR/watch/notice" &&
	 grep -q "rotate the SSH keys of every machine that ran it" "$PINFOLD_STATE_DIR/watch/notice"'
check "notify-send was called, urgently" 'grep -qx -- "--urgency=critical" notified.txt &&
	grep -q "^pinfold: revoked packages in environments you used$" notified.txt'
check "the last run says so" 'grep -q "update=ok audit=affected new=1$" "$PINFOLD_STATE_DIR/watch/last-run"'
rm notified.txt
NOW=2026-06-03T00:00:00Z
expect 1 "" "the next day: still affected" -- pf $TR watch --run
check "no second notification for the same finding" '[ ! -e notified.txt ]'
check "no 'new finding' line either" '! grep -q "new finding" "$T/.stdout"'
# the notice at the next use: activation (the hook runs 'pinfold registry touch --how activate')
mkdir pbin
printf '#!/bin/sh\nexec "%s" --trust "%s" --now "%s" "$@"\n' "$PINFOLD" "$KEY.pub" "$NOW" >pbin/pinfold
chmod 755 pbin/pinfold
(cd "$T" && PATH=$T/pbin:$PATH dash -c '. ./env/bin/activate; echo "ACTIVE $?"') >act.out 2>act.err
check "activation shows the notice" 'grep -q "^pinfold: notice: .*pypi:wheel 0.38.4: revoked by PF-W-1" act.err'
check "and still succeeds" 'grep -q "ACTIVE 0" act.out'
expect 0 "pinfold: notice:" "registry touch shows it too" -- pf registry touch env
expect 0 "pending" "--status: a notice is pending" -- pf watch --status
ok "watch --ack" pf watch --ack
check "the notice is gone" '[ ! -e "$PINFOLD_STATE_DIR/watch/notice" ]'
expect 0 "" "registry touch after --ack: no notice" -- pf registry touch env
check "nothing on stderr" '[ ! -s "$T/.stderr" ]'
NOW=2026-06-04T00:00:00Z
rm -f notified.txt
expect 1 "1 new finding" "watch --run: the environment activated since is a new exposure" -- pf $TR watch --run
check "the notice is back, naming it" 'grep -q "^$(realpath env) (environment), used from" "$PINFOLD_STATE_DIR/watch/notice"'
ok "watch --ack" pf watch --ack
rm -f notified.txt
NOW=2026-06-05T00:00:00Z
expect 1 "" "watch --run, nothing new" -- pf $TR watch --run
check "the acknowledged notice does not come back" '[ ! -e "$PINFOLD_STATE_DIR/watch/notice" ] && [ ! -e notified.txt ]'
# a new finding brings it back
ok "revoke again" pf catalog revoke cat pypi:wheel ">=0.38" --id PF-W-2 --severity high --reason "second" --advice "x"
ok "sign" pf catalog sign cat --key "$KEY" --expires-in 300
expect 1 "new findings: notice written" "a new advisory: the notice is back" -- pf $TR watch --run
check "with both advisories" 'grep -q "PF-W-1" "$PINFOLD_STATE_DIR/watch/notice" && grep -q "PF-W-2" "$PINFOLD_STATE_DIR/watch/notice"'
check "notified again" 'grep -q "^pinfold: revoked packages" notified.txt'

done_testing
