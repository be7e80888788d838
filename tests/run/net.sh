#!/bin/sh
# SPDX-License-Identifier: MIT
# The network allow-list from inside a real sandbox: Debian's own curl and python3 reach a host-side
# HTTPS server (a throwaway certificate) through pinfold's proxy by an allowed name only; every
# other way out (a name not on the list, another port, a name resolving to loopback, a direct TCP
# connection, curl --noproxy) fails; the log says why; secret files; nothing of the proxy outlives
# the sandbox, after a normal end and after SIGTERM.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/run/rootfs.sh"

run_base
run_env_copy "$T/env"
ENV=$T/env
# Debian's curl and its libraries, added to the copy (merged /usr, as the base).
CURL_DEBS="curl libcurl4 libbrotli1 libgnutls30 libhogweed6 libidn2-0 libldap-2.5-0 libnettle8 libnghttp2-14
libp11-kit0 libpsl5 librtmp1 libsasl2-2 libsasl2-modules-db libssh2-1 libtasn1-6 libunistring2 libzstd1"
mkdir -p "$T/curlfs/root/etc"
_run_assemble "$T/curlfs" "$CURL_DEBS" >/dev/null 2>&1
cp -a "$T/curlfs/root/usr/." "$ENV/usr/"
rm -rf "$T/curlfs"
mkdir -p "$T/proj"
P=$T/proj
inside() { pf run "$ENV" --project "$P" "$@"; }
netlog() { cat "$PINFOLD_STATE_DIR"/net/*.log 2>/dev/null; }
check "control: curl runs inside" 'inside curl --version >/dev/null 2>&1'

# A throwaway CA-less certificate for the test names, and an HTTPS server on the host's loopback.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$P/cert.pem" -days 2 \
	-subj /CN=api.pinfold.test -addext "subjectAltName=DNS:api.pinfold.test,DNS:other.pinfold.test,DNS:localhost" \
	>/dev/null 2>&1
python3 - "$T" "$P/cert.pem" "$T/key.pem" <<'PY' &
import http.server, os, ssl, sys
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello over TLS\n" if self.path != "/big" else b"x" * (4 << 20)
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[2], sys.argv[3])
s.socket = c.wrap_socket(s.socket, server_side=True)
open(os.path.join(d, "tls.tmp"), "w").write(str(s.server_address[1]))
os.rename(os.path.join(d, "tls.tmp"), os.path.join(d, "tls.port"))
s.serve_forever()
PY
TLS_PID=$!
http_server "$T/http"
trap 'kill $TLS_PID $HTTP_PID 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s "$T/tls.port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
TP=$(cat "$T/tls.port")
check "control: the HTTPS server answers on the host" \
	'curl -sS --cacert "$P/cert.pem" --resolve api.pinfold.test:$TP:127.0.0.1 https://api.pinfold.test:$TP/ | grep -q "hello over TLS"'

A="--allow-host api.pinfold.test:$TP=127.0.0.1"
expect 0 "" "curl https://api.pinfold.test (allowed, pinned to 127.0.0.1) works through the proxy" -- \
	inside $A curl -sS --cacert /project/cert.pem https://api.pinfold.test:$TP/
check "the body came from the host's server" 'grep -qx "hello over TLS" "$T/.stdout"'
check "the log: one line, allowed CONNECT with the address" \
	'netlog | grep -q "Z allowed CONNECT api.pinfold.test:$TP 127.0.0.1$"'
expect 0 "" "python3's urllib too (HTTPS_PROXY)" -- inside $A python3 -c "
import ssl, urllib.request
c = ssl.create_default_context(cafile='/project/cert.pem')
print(urllib.request.urlopen('https://api.pinfold.test:$TP/', context=c).read().decode(), end='')"
check "python3 read the body" 'grep -qx "hello over TLS" "$T/.stdout"'
expect 0 "" "the proxy's variables inside; NO_PROXY empty" -- inside $A sh -c 'env | sort'
check "HTTP_PROXY, HTTPS_PROXY, ALL_PROXY (both cases) name the proxy; NO_PROXY and no_proxy are empty" \
	'[ "$(grep -cE "^(HTTP|HTTPS|ALL|http|https|all)_PROXY=http://127.0.0.1:3128$|^(https|http|all)_proxy=http://127.0.0.1:3128$" "$T/.stdout")" = 6 ] &&
	 grep -qx "NO_PROXY=" "$T/.stdout" && grep -qx "no_proxy=" "$T/.stdout"'
expect 0 "" "without --allow-host: no proxy variables" -- inside sh -c 'env'
check "none" '! grep -qi "_proxy=" "$T/.stdout"'
expect 7 "" "without --allow-host: curl through the proxy port finds nothing" -- \
	inside curl -sS -m 5 --cacert /project/cert.pem -x http://127.0.0.1:3128 https://api.pinfold.test:$TP/

expect 56 "403" "a name not on the list: curl gets 403 from the proxy" -- \
	inside $A curl -sS --cacert /project/cert.pem https://other.pinfold.test:$TP/
check "the log: refused, with the reason" \
	'netlog | grep -q "Z refused CONNECT other.pinfold.test:$TP: host not on the allow-list$"'
expect 22 "" "plain HTTP to a name not on the list: 403 with a clear body" -- \
	inside $A curl -sS -f -o /dev/null -w "%{http_code}" http://other.pinfold.test:$HTTP_PORT/
check "403" 'grep -qx 403 "$T/.stdout"'
expect 0 "" "the refusal's body names the host and the reason" -- \
	inside $A curl -sS http://other.pinfold.test:$HTTP_PORT/
check "it does" 'grep -q "pinfold: refused: other.pinfold.test:$HTTP_PORT: host not on the allow-list" "$T/.stdout"'
expect 56 "403" "CONNECT to an allowed name on a port not allowed for it (only 80 and 443 by default)" -- \
	inside --allow-host api.pinfold.test=127.0.0.1 curl -sS --cacert /project/cert.pem https://api.pinfold.test:$TP/
check "the log: port not allowed" 'netlog | grep -q "refused CONNECT api.pinfold.test:$TP: port not allowed for this host$"'
expect 56 "403" "an allowed name that resolves to 127.0.0.1 (localhost) is refused (DNS rebinding)" -- \
	inside --allow-host localhost:$TP curl -sS --cacert /project/cert.pem https://localhost:$TP/
check "the log names the loopback address and why" \
	'netlog | grep -q "refused CONNECT localhost:$TP 127.0.0.1: it resolves to a loopback, private or link-local address"'
expect 0 "" "the same with 127.0.0.1 allowed explicitly works" -- \
	inside --allow-host localhost:$TP --allow-host 127.0.0.1:$TP curl -sS --cacert /project/cert.pem https://localhost:$TP/
check "the body came from the host's server" 'grep -qx "hello over TLS" "$T/.stdout"'
expect 56 "403" "CONNECT to the IP literal 127.0.0.1, not on the list: refused" -- \
	inside $A curl -sS -k https://127.0.0.1:$TP/
expect 0 "" "plain HTTP forwarding to an allowed name" -- \
	inside --allow-host plain.pinfold.test:$HTTP_PORT=127.0.0.1 curl -sS http://plain.pinfold.test:$HTTP_PORT/some/path
check "the host's server answered, and got the origin-form request" \
	'grep -qx "hello from the host" "$T/.stdout" && grep -q "^GET /some/path" "$T/http/requests"'

# Every way around the proxy fails: the namespace has nothing but lo, where nothing listens but the proxy.
expect 7 "" "curl --noproxy '*' to the allowed name fails (no route, no resolver)" -- \
	inside $A curl -sS -m 10 --noproxy '*' --cacert /project/cert.pem --resolve api.pinfold.test:$TP:127.0.0.1 \
	https://api.pinfold.test:$TP/
expect 0 "" "direct TCP connections from inside" -- inside $A python3 -c "
import errno, socket
for host in ('127.0.0.1', '10.0.0.1', '1.1.1.1', '::1'):
    try:
        socket.create_connection((host, $TP), timeout=5); print(host, 'connected')
    except OSError as e:
        print(host, errno.errorcode.get(e.errno, e))
try:
    socket.getaddrinfo('api.pinfold.test', 443); print('resolved')
except OSError as e:
    print('resolve', type(e).__name__)"
check "127.0.0.1:PORT is the sandbox's own loopback (refused); other addresses are unreachable; no names resolve" \
	'[ "$(tr "\n" " " <"$T/.stdout")" = "127.0.0.1 ECONNREFUSED 10.0.0.1 ENETUNREACH 1.1.1.1 ENETUNREACH ::1 ECONNREFUSED resolve gaierror " ]'

# Options.
expect 0 "" "--dry-run shows the allow-list and the log" -- inside $A --allow-host '*.Example.COM.' --dry-run true
check "both entries, normalised" 'grep -q "^#   api.pinfold.test:$TP -> 127.0.0.1$" "$T/.stdout" && grep -q "^#   \*.example.com:80,443$" "$T/.stdout" && grep -q "^# log: .*/net/proj-[0-9a-f]*.log$" "$T/.stdout"'
expect 0 "" "--json --dry-run lists allow_hosts" -- pf --json run "$ENV" --project "$P" $A --dry-run true
check "as given" 'grep -q "\"allow_hosts\": \[\"api.pinfold.test:$TP=127.0.0.1\"\]" "$T/.stdout"'
expect 2 "--net shares the host's whole network" "--net with --allow-host: usage error" -- inside --net $A true
expect 2 "'bad host!': a character other than" "a bad pattern: one error line, exit 2" -- inside --allow-host 'bad host!' true
expect 2 "non-ASCII" "a non-ASCII name asks for its xn-- form" -- inside --allow-host "$(printf 'b\303\274cher.example')" true
expect 2 "no such preset" "an unknown --agent" -- inside --agent nosuch true
ANTHROPIC_API_KEY=sk-test-canary expect 0 "" "--agent claude: its host, and its key variable when set" -- \
	inside --agent claude --dry-run true
check "api.anthropic.com on 80 and 443, ANTHROPIC_API_KEY passed" \
	'grep -q "^#   api.anthropic.com:80,443$" "$T/.stdout" && grep -q "setenv ANTHROPIC_API_KEY sk-test-canary" "$T/.stdout"'
expect 0 "" "--agent codex without OPENAI_API_KEY set: the host only" -- env -u OPENAI_API_KEY "$PINFOLD" run "$ENV" --project "$P" --agent codex --dry-run true
check "api.openai.com, no variable" 'grep -q "^#   api.openai.com:80,443$" "$T/.stdout" && ! grep -q OPENAI_API_KEY "$T/.stdout"'

# The image's list: sandbox.allow_hosts in the environment's lock, merged with --allow-host.
cp "$ENV/.pinfold/lock" "$T/lock.orig"
chmod u+w "$ENV/.pinfold" "$ENV/.pinfold/lock"
printf 'sandbox: {allow_hosts: ["api.pinfold.test:%s=127.0.0.1"]}\n' "$TP" >>"$ENV/.pinfold/lock"
expect 0 "" "the lock's sandbox.allow_hosts alone: the name is reachable" -- \
	inside curl -sS --cacert /project/cert.pem https://api.pinfold.test:$TP/
check "the body came from the host's server" 'grep -qx "hello over TLS" "$T/.stdout"'
expect 0 "" "--dry-run: the lock's entry, then --allow-host's" -- inside --allow-host other.pinfold.test --dry-run true
check "both, in that order" '[ "$(grep "^#   " "$T/.stdout" | tr "\n" " ")" = "#   api.pinfold.test:$TP -> 127.0.0.1 #   other.pinfold.test:80,443 " ]'
expect 0 "" "--json --dry-run: allow_hosts lists the merged patterns as written" -- \
	pf --json run "$ENV" --project "$P" --allow-host other.pinfold.test --dry-run true
check "the lock's, then --allow-host's" \
	'grep -q "\"allow_hosts\": \[\"api.pinfold.test:$TP=127.0.0.1\", \"other.pinfold.test\"\]" "$T/.stdout"'
expect 0 "" "pinfold shell takes the same list" -- pf shell "$ENV" --project "$P" --agent gemini --dry-run
check "the lock's entry and gemini's host" \
	'grep -q "^#   api.pinfold.test:$TP -> 127.0.0.1$" "$T/.stdout" && grep -q "^#   generativelanguage.googleapis.com:80,443$" "$T/.stdout"'
expect 0 "" "--net overrides the lock's list (the whole network, no proxy)" -- inside --net --dry-run true
check "no allow-list shown" '! grep -q "^# network" "$T/.stdout"'
cp "$T/lock.orig" "$ENV/.pinfold/lock"
printf 'sandbox: {allow_hosts: ["bad host"]}\n' >>"$ENV/.pinfold/lock"
expect 3 "sandbox.allow_hosts: 'bad host' is not a host pattern" "a malformed entry in the lock: refused, naming it" -- \
	inside true
cp "$T/lock.orig" "$ENV/.pinfold/lock"
printf 'sandbox: {allow_hosts: ["*.com"]}\n' >>"$ENV/.pinfold/lock"
expect 3 "its lock's sandbox.allow_hosts: --allow-host '*.com': a wildcard needs" "an entry run/ refuses: named with the lock" -- \
	inside true
cp "$T/lock.orig" "$ENV/.pinfold/lock"
printf 'sandbox: {allow_host: ["x.test"]}\n' >>"$ENV/.pinfold/lock"
expect 3 "allow_host" "an unknown key under sandbox: refused" -- inside true
cp "$T/lock.orig" "$ENV/.pinfold/lock"

# Fail closed: the proxy cannot be set up (its log's directory cannot be made) -> nothing runs.
mkdir -m 700 "$T/st-netfile"
: >"$T/st-netfile/net"
rm -f "$P/ran"
expect 3 "" "a proxy that cannot be set up: the run is refused" -- \
	env PINFOLD_STATE_DIR="$T/st-netfile" "$PINFOLD" run "$ENV" --project "$P" --ephemeral $A sh -c 'touch /project/ran'
check "one error line, and the command did not run" '[ "$(grep -c "^pinfold: error: " "$T/.stderr")" = 1 ] && [ ! -e "$P/ran" ]'

# Secret files: the one file, read-only, and nothing else of its directory.
mkdir -p "$T/secrets"
echo "token-$$" >"$T/secrets/token"
echo "other-$$" >"$T/secrets/other"
expect 0 "" "--secret-file SRC:/run/secrets/token is readable inside" -- \
	inside --secret-file "$T/secrets/token:/run/secrets/token" cat /run/secrets/token
check "with its content" 'grep -qx "token-$$" "$T/.stdout"'
expect 0 "" "nothing else of its directory is there" -- inside --secret-file "$T/secrets/token:/run/secrets/token" \
	sh -c "ls -a /run/secrets; cat '$T/secrets/other' /run/secrets/other 2>&1; ls '$T/secrets' 2>&1; { echo x >/run/secrets/token; } 2>&1; true"
check "only the token at /run/secrets, the host directory and the other file out of reach, read-only" \
	'[ "$(head -n 3 "$T/.stdout" | tr "\n" " ")" = ". .. token " ] && ! grep -q "other-$$" "$T/.stdout" &&
	 [ "$(grep -c "No such file" "$T/.stdout")" = 3 ] && grep -q "Read-only" "$T/.stdout" && grep -qx "token-$$" "$T/secrets/token"'
expect 0 "" "--secret-file under HOME" -- inside --ephemeral --secret-file "$T/secrets/token:/home/user/.config/agent/key" \
	cat /home/user/.config/agent/key
expect 2 "not a regular file" "--secret-file of a directory is refused" -- inside --secret-file "$T/secrets:/run/s" true
expect 2 "absolute, normalised" "--secret-file to a relative DEST is refused" -- inside --secret-file "$T/secrets/token:/run/../etc/x" true
expect 2 "may not be in /proc, /dev or the project" "--secret-file into the project is refused" -- \
	inside --secret-file "$T/secrets/token:/project/token" true
expect 2 "no file '/usr/share/token'" "--secret-file into the read-only environment needs a file there" -- \
	inside --secret-file "$T/secrets/token:/usr/share/token" true
expect 2 "expected SRC:DEST" "--secret-file without DEST" -- inside --secret-file "$T/secrets/token" true

# Lifetime: nothing of the proxy outlives the sandbox.
M=61.$$
rm -f "$P/ready"
"$PINFOLD" run "$ENV" --project "$P" $A sh -c "touch /project/ready; exec sleep $M" >/dev/null 2>&1 &
PFPID=$!
i=0
while [ ! -e "$P/ready" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
check "while it runs: pinfold's only child is bwrap (the namespace helper has exited)" \
	'[ "$(ps -o comm= --ppid $PFPID | tr "\n" " ")" = "bwrap " ]'
check "while it runs: pinfold has its proxy thread" '[ "$(ls /proc/$PFPID/task | wc -l)" -ge 2 ]'
kill -TERM $PFPID
wait $PFPID
# shellcheck disable=SC2034 # read by check's eval
rc=$?
check "SIGTERM: pinfold ends with 128+15" '[ $rc = 143 ]'
check "after SIGTERM: no pinfold, bwrap or command process of this run is left" \
	'! ps -eo args | grep -v grep | grep -qF "$M"'
expect 0 "" "a normal run that leaves a background process behind inside" -- \
	inside $A sh -c "sleep $M.1 & echo started"
check "after it returns: no process of this run is left" '! ps -eo args | grep -v grep | grep -qF "$M.1"'

done_testing
