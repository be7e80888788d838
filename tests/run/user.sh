#!/bin/sh
# SPDX-License-Identifier: MIT
# The same runs as an unprivileged user (nobody): from the tarball, files written in the project
# belong to that user, its ~/.ssh is out of reach, the filter holds, exit statuses pass through.
# The clone may sit under a 0700 directory, so what nobody needs is copied somewhere it can reach.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/run/rootfs.sh"

if [ "$(id -u)" != 0 ]; then
	# Not root: every other test of this suite already runs as an ordinary user.
	echo "ok 1 - as an unprivileged user # SKIP this suite already runs unprivileged (uid $(id -u))"
	echo "1..1"
	exit 0
fi
run_base
U=nobody
G=$(id -gn "$U")
D=$(mktemp -d /tmp/pinfold-user.XXXXXX)
trap 'rm -rf "$T" "$D"' EXIT
chmod 755 "$D"
cp "$PINFOLD" "$D/pinfold"
cp "$BASE_TAR" "$D/env.tar.zst"
cp "$BASE_TAR.sha256" "$D/env.tar.zst.sha256"
cp "$RUN_PROBE" "$D/probe"
mkdir -p "$D/home/.ssh" "$D/proj"
echo "pinfold-canary-$$" >"$D/home/.ssh/id_ed25519"
chown -R "$U:$G" "$D/home" "$D/proj"
uid=$(id -u "$U")
as_user() {
	setpriv --reuid="$U" --regid="$G" --clear-groups -- env -i PATH=/usr/bin:/bin HOME="$D/home" \
		PINFOLD_STATE_DIR="$D/home/state" XDG_CACHE_HOME="$D/home/cache" "$@"
}
expect 0 "$uid" "control: the commands below run as $U" -- as_user id -u

expect 7 "" "as $U: run from the tarball, exit status 7 passes through" -- as_user "$D/pinfold" run "$D/env.tar.zst" \
	--project "$D/proj" sh -c 'id -u >/project/who; exit 7'
check "inside, uid 1000" '[ "$(cat "$D/proj/who")" = 1000 ]'
check "the file written in the project belongs to $U" '[ "$(stat -c %u "$D/proj/who")" = "$uid" ]'
check "the cache is $U's, private" '[ "$(stat -c %U:%a "$D/home/cache/pinfold/envs")" = "$U:700" ]'
expect 1 "No such file" "as $U: the user's ~/.ssh is out of reach" -- as_user "$D/pinfold" run "$D/env.tar.zst" \
	--project "$D/proj" cat "$D/home/.ssh/id_ed25519"
cp "$D/probe" "$D/proj/probe"
expect 0 "" "as $U: the probe inside" -- as_user "$D/pinfold" run "$D/env.tar.zst" --project "$D/proj" \
	/project/probe unshare-user clone-newuser tiocsti keyctl socket-netlink
check "as $U: the filter blocks them" '[ "$(tr "\n" " " <"$T/.stdout")" = "unshare-user EPERM clone-newuser EPERM tiocsti EPERM keyctl EPERM socket-netlink EAFNOSUPPORT " ]'
expect 0 "" "as $U: no capabilities" -- as_user "$D/pinfold" run "$D/env.tar.zst" --project "$D/proj" \
	grep -E "^CapEff" /proc/self/status
check "CapEff is 0" 'grep -q "0000000000000000" "$T/.stdout"'

# The allow-list's proxy as an unprivileged user: its listener is made in the sandbox's network
# namespace through the user namespace that owns it (docs/network.md).
http_server "$T/http"
trap 'kill $HTTP_PID 2>/dev/null; rm -rf "$T" "$D"' EXIT
GET="import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode(), end='')"
expect 0 "" "as $U: an allowed name reaches the host's server through the proxy" -- as_user "$D/pinfold" run \
	"$D/env.tar.zst" --project "$D/proj" --allow-host "plain.pinfold.test:$HTTP_PORT=127.0.0.1" \
	python3 -c "$GET" "http://plain.pinfold.test:$HTTP_PORT/"
check "the body came from the host" 'grep -qx "hello from the host" "$T/.stdout"'
expect 1 "HTTP Error 403" "as $U: a name not on the list is refused" -- as_user "$D/pinfold" run "$D/env.tar.zst" \
	--project "$D/proj" --allow-host "plain.pinfold.test:$HTTP_PORT=127.0.0.1" \
	python3 -c "$GET" "http://other.pinfold.test:$HTTP_PORT/"
check "as $U: both are in the project's log, in $U's state directory" \
	'grep -q "allowed GET plain.pinfold.test:$HTTP_PORT 127.0.0.1" "$D"/home/state/net/*.log &&
	 grep -q "refused GET other.pinfold.test:$HTTP_PORT: host not on the allow-list" "$D"/home/state/net/*.log'

done_testing
