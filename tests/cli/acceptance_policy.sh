#!/bin/sh
# SPDX-License-Identifier: MIT
# Acceptance (issues 3, 5, 6): what a lockfile records, --check on a version that was never
# eligible, advisories that expire, build --catalog DIR checking revocations, and HTTP requests
# that never ask for a Content-Encoding.
. "$SRCDIR/tests/lib.sh"

W=/usr/share/python-wheels
newkey a
A=$T/keys/a.key
TA="--trust $A.pub"
mkdir -p cat images mirror
pf catalog init cat --name demo >/dev/null
pf catalog add cat "$W"/pip-23.0.1-py3-none-any.whl "$W"/wheel-0.38.4-py3-none-any.whl --published 2023-01-10 >/dev/null
pf catalog sign cat --key "$A" >/dev/null
cp "$W"/pip-23.0.1-py3-none-any.whl "$W"/wheel-0.38.4-py3-none-any.whl mirror/
cat >images/t.yaml <<'EOF'
name: t
catalog: ../cat
target: {python: "3.11", platform: linux-x86_64}
packages: ["pypi:wheel", "pypi:pip"]
policy: {min_age_days: 14}
EOF

# --- the lockfile records the digests of what it was made from
expect 0 "" "lock" -- pf $TA lock images/t.yaml -o t.lock
img_sha=$(sha256sum <images/t.yaml | cut -d' ' -f1)
cat_sha=$(sha256sum <cat/catalog.yaml | cut -d' ' -f1)
check "the lock records the image's sha256" "sed -n '/^image:/,/^[a-z]/p' t.lock | grep -q 'sha256: \"*$img_sha'"
check "the lock records the catalog's name, version and sha256" \
	"sed -n '/^catalog:/,/^[a-z]/p' t.lock | grep -q 'sha256: \"*$cat_sha' && sed -n '/^catalog:/,/^[a-z]/p' t.lock | grep -q 'version: 1'"
check "the lock records the signer key id" "grep -q \"$(pf key id "$A")\" t.lock"
check "the lock records the target" "grep -q 'platform: linux-x86_64' t.lock && grep -q 'python: \"3.11\"' t.lock"
check "every package has file, format, size and sha256" \
	"[ \$(grep -c '^      sha256: ' t.lock) -eq 2 ] && [ \$(grep -c '^      size: ' t.lock) -eq 2 ] && [ \$(grep -c '^      format: wheel' t.lock) -eq 2 ]"
cp -r cat cat.v1

# --- a locked version that was never eligible makes the lock out of date
sed 's/published: 2023-01-10/published: 2026-05-30/' cat.v1/catalog.yaml >cat/catalog.yaml
pf catalog sign cat --key "$A" >/dev/null
expect 1 "is excluded: published 2 days ago, policy requires 14" \
	"lock --check: a locked version now inside the release-age delay is out of date" -- pf $TA lock --check images/t.yaml -o t.lock
cp t.lock t.lock.orig
expect 1 "" "lock: the same catalog refuses to re-lock (the pin is not kept past the policy)" -- pf $TA lock images/t.yaml -o t.lock
same_text "... and the lock is left alone" t.lock.orig t.lock
rm -rf cat
cp -r cat.v1 cat
pf catalog sign cat --key "$A" >/dev/null

# --- advisories have their own expiry: an expired feed is refused, not read as "clean"
pf catalog revoke cat pypi:wheel 0.38.4 --id PF-T-1 --reason "published by attackers" >/dev/null
pf catalog sign cat --key "$A" --expires-in 2 >/dev/null
expect 1 "revoked by PF-T-1" "audit lists the revoked package" -- pf $TA audit t.lock
expect 1 "expired at 2026-06-03T00:00:00Z" "audit: advisories past their expiry are refused" -- \
	"$PINFOLD" --now 2026-06-04T00:00:00Z --state-dir "$T/st-exp" $TA audit t.lock
check "... and nothing is listed from them" '! grep -q "revoked by" "$T/.stdout"'

# --- build --catalog DIR: the revocations of that catalog are checked
mv cat cat.moved
mkdir -p o
expect 1 "pass --allow-revoked" "build --catalog DIR refuses a lock with a revoked version" -- \
	pf --state-dir "$T/st-b" $TA build t.lock -o o/out.tar.zst --mirror mirror --catalog cat.moved
check "... naming the package, no output" \
	'grep -q "pypi:wheel 0.38.4" "$T/.stderr" && [ -z "$(ls -A o)" ]'
expect 0 "" "build --catalog DIR --allow-revoked builds, with a warning" -- \
	pf --state-dir "$T/st-b" $TA build t.lock -o o/out.tar.zst --mirror mirror --catalog cat.moved --allow-revoked
check "... one warning per revoked package" '[ "$(grep -c "^pinfold: warning: pypi:wheel 0.38.4 is revoked by PF-T-1" "$T/.stderr")" -eq 1 ]'
printf ' ' >>cat.moved/advisories.yaml
expect 1 "advisories.yaml" "build --catalog DIR with tampered advisories is refused" -- \
	pf --state-dir "$T/st-b2" $TA build t.lock -o o/out2.tar.zst --mirror mirror --catalog cat.moved --allow-revoked
check "... no output" '[ ! -e o/out2.tar.zst ]'
cp -r cat.v1 cat	# a catalog without advisories for the HTTP part (fresh state dir there)

# --- HTTP: no Content-Encoding is asked for (the bytes hashed are the bytes sent)
export no_proxy='*' NO_PROXY='*'
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
cat >hdr_httpd.py <<'PY'
import http.server, sys, os
root, portfile, log = sys.argv[1], sys.argv[2], sys.argv[3]
class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)
    def do_GET(self):
        with open(log, "a") as f:
            f.write("GET %s\n" % self.path)
            for k, v in self.headers.items():
                f.write("%s: %s\n" % (k, v))
        super().do_GET()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.timeout = 1
import time
end = time.time() + 120
while time.time() < end:
    s.handle_request()
PY
timeout 130 python3 hdr_httpd.py "$T" port headers.log >/dev/null 2>&1 &
HTTP_PID=$!
trap 'kill $HTTP_PID 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s port ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
URL=http://127.0.0.1:$(cat port)
sed "s|^catalog: .*|catalog: $URL/cat|" images/t.yaml >images/u.yaml
expect 0 "" "lock an image whose catalog is a URL" -- pf --state-dir "$T/st-u" $TA lock images/u.yaml -o u.lock
expect 0 "" "build from an HTTP mirror" -- pf --state-dir "$T/st-u" $TA build u.lock -o u.tar.zst --mirror "$URL/mirror/" --cache hc
check "the server saw the catalog and artifact requests" \
	'grep -q "^GET /cat/catalog.yaml" headers.log && grep -q "^GET /mirror/wheel-0.38.4-py3-none-any.whl" headers.log'
check "the log holds the request headers" "grep -qi '^host: 127.0.0.1' headers.log"
check "no request asked for a Content-Encoding (no Accept-Encoding header)" '! grep -qi "^accept-encoding:" headers.log'
kill $HTTP_PID 2>/dev/null

done_testing
