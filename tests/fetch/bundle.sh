#!/bin/sh
# SPDX-License-Identifier: MIT
# Bundles and HTTP mirrors end to end: create from directory and HTTP mirrors (same bytes),
# verify, hostile bundles refused, progress only on request, build from a bundle with no network.
. "$SRCDIR/tests/lib.sh"
FETCHDIR="$SRCDIR/tests/fetch"
export no_proxy='*' NO_PROXY='*'
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export PINFOLD_LOW_SPEED_TIME=2 PINFOLD_FETCH_RETRIES=0

# --- a signed catalog with advisories, three real wheels, an image and its lock
newkey cur
W=/usr/share/python-wheels
mkdir -p site/catalog site/mirror images lockfiles
pf catalog init site/catalog --name bundle-test >/dev/null
for w in "$W"/pip-*.whl "$W"/setuptools-*.whl "$W"/wheel-*.whl; do
	cp "$w" site/mirror/
	pf catalog add site/catalog "$w" --published 2023-01-10 --by tests --note "test fixture" --allow-startup >/dev/null
done
pf catalog revoke site/catalog pypi:pip 1.0 --reason "test advisory" >/dev/null
pf catalog sign site/catalog --key "$T/keys/cur.key" --expires-in 3650 >/dev/null
TRUST="--trust $T/keys/cur.key.pub"
cat >images/t.yaml <<IMG
name: t
catalog: ../site/catalog
target: {python: "3.11", platform: linux-x86_64}
packages: ["pypi:wheel", "pypi:setuptools"]
IMG
pf $TRUST lock images/t.yaml -o lockfiles/t.lock >lock.out 2>&1
if [ ! -s lockfiles/t.lock ]; then
	cat lock.out
	echo "Bail out! cannot make a lock (pinfold lock)"
	exit 1
fi
npkgs=$(grep -c '^  - ecosystem:' lockfiles/t.lock)

# --- create from a directory mirror, the catalog found through the lock
expect 0 "" "bundle create --help" -- pf $TRUST bundle create --help
expect 0 "" "bundle --help" -- pf bundle --help
expect 2 "" "bundle create without -o is a usage error" -- pf $TRUST bundle create lockfiles/t.lock
expect 0 "" "bundle create from a directory mirror" -- pf $TRUST bundle create lockfiles/t.lock -o a.pfb --mirror site/mirror --cache cache-a
check "the result line names the bundle and its sha256" "grep -q 'wrote a.pfb: .* sha256 $(sha256sum a.pfb | cut -c1-64)' '$T/.stdout'"
check "off a terminal nothing but the result line" "[ ! -s '$T/.stderr' ]"

# --- the same bundle from an HTTP mirror and an HTTP catalog, with a fresh cache
timeout 120 python3 -u -m http.server 0 --bind 127.0.0.1 --directory site >http.log 2>&1 &
HTTP_PID=$!
timeout 120 python3 "$FETCHDIR/hostile_httpd.py" site/mirror hostile.port 120 >/dev/null 2>&1 &
HOSTILE_PID=$!
trap 'kill $HTTP_PID $HOSTILE_PID 2>/dev/null; rm -rf "$T"' EXIT
i=0
while ! grep -q ' port ' http.log 2>/dev/null || [ ! -s hostile.port ]; do
	i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1
done
PORT=$(sed -n 's/.* port \([0-9]*\).*/\1/p' http.log | head -1)
HPORT=$(cat hostile.port)
URL="http://127.0.0.1:$PORT"
HURL="http://127.0.0.1:$HPORT"
expect 0 "" "bundle create from an HTTP mirror and catalog URL" -- \
	pf $TRUST bundle create lockfiles/t.lock -o b.pfb --mirror "$URL/mirror/" --catalog "$URL/catalog/" --cache cache-b --jobs 3
check "same inputs give the same bundle bytes (directory vs HTTP, other cache)" "cmp -s a.pfb b.pfb"
expect 0 "" "bundle create again over an existing output" -- pf $TRUST bundle create lockfiles/t.lock -o a.pfb --mirror site/mirror --cache cache-a
check "re-creating gives the same bytes" "cmp -s a.pfb b.pfb"
BUNDLE_SHA=$(sha256sum a.pfb | cut -c1-64)
echo "# bundle sha256 $BUNDLE_SHA ($(wc -c <a.pfb) bytes)"

# --- an image whose catalog is a URL: locked, then bundled from the URL the lock records
sed "s|^catalog: .*|catalog: $URL/catalog|" images/t.yaml >images/u.yaml
expect 0 "" "lock an image whose catalog is a URL" -- pf $TRUST lock images/u.yaml -o lockfiles/u.lock
check "the lock records the URL" "grep -q 'source: \"*$URL/catalog' lockfiles/u.lock"
check "and resolves the same packages" "[ \"\$(grep -A3 '^  - ecosystem' lockfiles/u.lock)\" = \"\$(grep -A3 '^  - ecosystem' lockfiles/t.lock)\" ]"
expect 0 "" "bundle create takes the catalog from the lock's URL" -- \
	pf $TRUST bundle create lockfiles/u.lock -o u.pfb --mirror "$URL/mirror/" --cache cache-u
expect 0 "" "... and it verifies" -- pf $TRUST bundle verify u.pfb --lock lockfiles/u.lock
expect 1 "HTTP 404" "a catalog URL that does not exist: HTTP 404, refused as no reachable catalog" -- \
	pf $TRUST bundle create lockfiles/u.lock -o v.pfb --catalog "$URL/nowhere/" --mirror "$URL/mirror/" --cache cache-u

# --- hostile mirrors in front of the good one: warnings, same bytes
expect 0 "trying the next place" "wrong bytes over HTTP fall through to the good mirror, with a warning" -- \
	pf $TRUST bundle create lockfiles/t.lock -o c.pfb --mirror "$HURL/wrong/" --mirror "$URL/mirror/" --cache cache-c
check "... and the bundle is the same" "cmp -s a.pfb c.pfb"
expect 0 "" "endless, truncated and 404 mirrors fall through" -- \
	pf $TRUST bundle create lockfiles/t.lock -o d.pfb --mirror "$HURL/endless/" --mirror "$HURL/trunc/" \
	--mirror "$HURL/404/" --mirror "$URL/mirror/" --cache cache-d
check "... and the bundle is the same" "cmp -s a.pfb d.pfb"
expect 1 "no place had the right bytes" "only wrong bytes: refused, exit 1" -- \
	pf $TRUST bundle create lockfiles/t.lock -o e.pfb --mirror "$HURL/wrong/" --cache cache-e
check "... naming the mirror" "grep -q '$HURL/wrong/' '$T/.stderr'"
check "... and nothing written" "[ ! -e e.pfb ] && ! ls | grep -q 'e.pfb.tmp'"
expect 3 "could not be downloaded" "a 1-byte-per-second drip fails (low-speed time 2 s)" -- \
	pf $TRUST bundle create lockfiles/t.lock -o f.pfb --mirror "$HURL/drip/" --cache cache-f
expect 3 "more than 5 redirects" "a redirect loop fails" -- \
	pf $TRUST bundle create lockfiles/t.lock -o f.pfb --mirror "$HURL/loop/" --cache cache-f
expect 3 "not found" "nobody has it: exit 3, every place named" -- \
	pf $TRUST bundle create lockfiles/t.lock -o f.pfb --mirror "$HURL/404/" --mirror nowhere --cache cache-f
check "... both places named" "grep -q \"mirror 'nowhere'\" '$T/.stderr' && grep -q 'HTTP 404' '$T/.stderr'"

# --- HTTPS: certificate verification stays on (a self-signed server is refused)
if command -v openssl >/dev/null 2>&1 && openssl req -x509 -newkey ed25519 -nodes -keyout tls.key -out tls.crt \
	-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
	timeout 60 python3 "$FETCHDIR/hostile_httpd.py" site/mirror tls.port 60 tls.crt tls.key >tls.log 2>&1 &
	TLS_PID=$!
	i=0; while [ ! -s tls.port ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
	expect 3 "certificate" "an HTTPS mirror with an untrusted certificate is refused" -- \
		pf $TRUST bundle create lockfiles/t.lock -o tls.pfb --mirror "https://127.0.0.1:$(cat tls.port)/good/" --cache cache-tls
	expect 0 "" "... and the next mirror is used" -- \
		pf $TRUST bundle create lockfiles/t.lock -o tls.pfb --mirror "https://127.0.0.1:$(cat tls.port)/good/" \
		--mirror site/mirror --cache cache-tls
	kill $TLS_PID 2>/dev/null
else
	echo "ok $((n + 1)) # SKIP openssl cannot make a test certificate"; n=$((n + 1))
fi

# --- progress
expect 0 "packages" "--progress=always draws a bar on stderr" -- \
	pf $TRUST --progress=always bundle create lockfiles/t.lock -o g.pfb --mirror site/mirror --cache cache-g
check "... with bytes and packages done of total" "grep -q '$npkgs/$npkgs packages' '$T/.stderr'"
expect 0 "" "--progress=never: nothing on stderr" -- \
	pf $TRUST --progress=never bundle create lockfiles/t.lock -o g.pfb --mirror site/mirror --cache cache-h
check "... really nothing" "[ ! -s '$T/.stderr' ]"

if command -v script >/dev/null 2>&1; then
	script -qec "'$PINFOLD' --now $NOW $TRUST bundle create lockfiles/t.lock -o tty.pfb --mirror site/mirror --cache cache-tty" \
		/dev/null >tty.out 2>&1 </dev/null
	check "on a terminal (auto) the bar is drawn" "grep -q 'fetching \\[' tty.out && grep -q 'packages' tty.out"
	check "... and erased before the result line" "grep -q \"\$(printf '\\033')\\[Kwrote tty.pfb\" tty.out"
	script -qec "'$PINFOLD' --now $NOW $TRUST -q bundle create lockfiles/t.lock -o tty.pfb --mirror site/mirror --cache cache-tty2" \
		/dev/null >tty.out 2>&1 </dev/null
	check "-q on a terminal: no bar, no result line" "[ ! -s tty.out ]"
	check "the bundle made on a terminal is the same" "cmp -s a.pfb tty.pfb"
else
	echo "ok $((n + 1)) # SKIP script(1) is not available for the terminal test"; n=$((n + 1))
fi

# --- verify
expect 0 "ok: signatures, lock and every artifact check out" "bundle verify with the curator key" -- pf $TRUST bundle verify a.pfb
check "it prints the catalog, the advisories and every package" \
	"grep -q '^catalog bundle-test version' '$T/.stdout' && grep -q '^advisories ' '$T/.stdout' && [ \$(grep -c '^  pypi:' '$T/.stdout') -eq $npkgs ]"
check "it prints the bundle's sha256" "grep -q '$BUNDLE_SHA' '$T/.stdout'"
expect 1 "trusted key" "bundle verify without the key (built-in anchor only) is refused" -- pf bundle verify a.pfb
newkey other
expect 1 "" "bundle verify with an unrelated key is refused" -- pf --trust "$T/keys/other.key.pub" bundle verify a.pfb

pf --json $TRUST bundle verify a.pfb >verify.json 2>&1
check "bundle verify --json is JSON with every package" \
	"python3 -c 'import json,sys; d=json.load(open(\"verify.json\")); sys.exit(len(d[\"packages\"]) != $npkgs or d[\"sha256\"] != \"$BUNDLE_SHA\")'"

t() {	# t MODE ENTRY... : tamper a.pfb into x.pfb
	rm -f x.pfb
	python3 "$FETCHDIR/tamper_bundle.py" a.pfb x.pfb "$@" || echo "# tamper_bundle.py $* failed"
}
W1=$(basename "$W"/wheel-*.whl)
t flip catalog/catalog.yaml;          expect 1 "" "tampered catalog bytes refused" -- pf $TRUST bundle verify x.pfb
t flip-reindex catalog/catalog.yaml;  expect 1 "signature" "tampered catalog with a fixed index: bad signature" -- pf $TRUST bundle verify x.pfb
t flip-reindex catalog/catalog.yaml.sig; expect 1 "" "tampered signature refused" -- pf $TRUST bundle verify x.pfb
t drop catalog/catalog.yaml.sig;      expect 1 "" "missing signature refused" -- pf $TRUST bundle verify x.pfb
t flip-reindex catalog/advisories.yaml; expect 1 "" "tampered advisories refused" -- pf $TRUST bundle verify x.pfb
t drop catalog/advisories.yaml.sig;   expect 1 "" "advisories without signature refused" -- pf $TRUST bundle verify x.pfb
t edit pinfold.lock "source_date_epoch: " "source_date_epoch: 1"
expect 1 "source_date_epoch" "tampered lock epoch (index fixed) refused" -- pf $TRUST bundle verify x.pfb
t edit pinfold.lock 'version: "0.38.4"' 'version: "0.38.5"'
expect 1 "is not in catalog" "tampered lock version (index fixed) refused" -- pf $TRUST bundle verify x.pfb
t edit pinfold.lock "  - \"pypi:setuptools\"" "  - \"pypi:pip\""
expect 1 "different lock" "tampered lock requests (canonical, index fixed) refused against the team's lock" -- \
	pf $TRUST bundle verify x.pfb --lock lockfiles/t.lock
t edit pinfold.lock "# pinfold lockfile" "#pinfold lockfile"
expect 1 "edited" "a lock edited by hand (index fixed) refused" -- pf $TRUST bundle verify x.pfb
expect 0 "" "bundle verify --lock with the lock it was made from" -- pf $TRUST bundle verify a.pfb --lock lockfiles/t.lock
sed 's/pypi:setuptools/pypi:pip/' lockfiles/t.lock >other.lock
expect 1 "different lock" "bundle verify --lock with another lock refused" -- pf $TRUST bundle verify a.pfb --lock other.lock
t flip pinfold.lock;                  expect 1 "" "tampered lock bytes refused" -- pf $TRUST bundle verify x.pfb
t flip "artifacts/$W1";               expect 1 "" "tampered artifact refused" -- pf $TRUST bundle verify x.pfb
t flip-reindex "artifacts/$W1";       expect 1 "the lock" "tampered artifact with a fixed index refused" -- pf $TRUST bundle verify x.pfb
t drop "artifacts/$W1";               expect 1 "missing" "missing artifact refused" -- pf $TRUST bundle verify x.pfb
t offset catalog/catalog.yaml;        expect 1 "do not fit" "index offset out of place refused" -- pf $TRUST bundle verify x.pfb
t size pinfold.lock;                  expect 1 "" "index size beyond the file refused" -- pf $TRUST bundle verify x.pfb
t truncate;                           expect 1 "" "truncated bundle refused" -- pf $TRUST bundle verify x.pfb
t trailing;                           expect 1 "" "trailing bytes refused" -- pf $TRUST bundle verify x.pfb
t bigindex;                           expect 1 "cap" "oversized index refused unread" -- pf $TRUST bundle verify x.pfb
printf 'not a bundle\n' >x.pfb;       expect 1 "not a pinfold bundle" "not a bundle refused" -- pf $TRUST bundle verify x.pfb
expect 3 "" "a missing bundle is exit 3" -- pf $TRUST bundle verify nope.pfb

# --- build from the bundle with no network, byte-identical to the mirror build
if ! pf build --help 2>/dev/null | grep -q -- '--bundle'; then
	echo "ok $((n + 1)) # SKIP pinfold build --bundle is not available yet"; n=$((n + 1))
else
	expect 0 "" "build from mirrors" -- pf $TRUST build lockfiles/t.lock -o mirror.tar.zst --mirror site/mirror --cache cache-m
	echo "# mirror build sha256 $(sha256sum mirror.tar.zst | cut -c1-64)"
	expect 3 "not a pinfold bundle" "build from something that is not a bundle fails" -- \
		pf $TRUST build --bundle x.pfb -o bad.tar.zst --cache cache-x
	t flip-reindex catalog/catalog.yaml
	expect 1 "signature" "build from a bundle with a tampered catalog is refused" -- \
		pf $TRUST build --bundle x.pfb -o bad.tar.zst --cache cache-x
	check "... and nothing is written" "[ ! -e bad.tar.zst ] && ! ls -a | grep -q 'bad.tar.zst.tmp\|pinfold-build'"
	t edit pinfold.lock "source_date_epoch: " "source_date_epoch: 1"
	expect 1 "source_date_epoch" "build from a bundle with a tampered lock is refused" -- \
		pf $TRUST build --bundle x.pfb -o bad.tar.zst --cache cache-x
	t flip-reindex "artifacts/$W1"
	expect 1 "" "build from a bundle with a tampered artifact (index fixed) is refused" -- \
		pf $TRUST build --bundle x.pfb -o bad.tar.zst --cache cache-y
	t flip "artifacts/$W1"
	expect 1 "wrong sha256" "build from a bundle with tampered artifact bytes is refused while fetching" -- \
		pf $TRUST build --bundle x.pfb -o bad.tar.zst --cache cache-z
	check "... and nothing is written" "[ ! -e bad.tar.zst ] && ! ls -a | grep -q 'bad.tar.zst.tmp\|pinfold-build'"
	expect 1 "different lock" "build --bundle with a LOCKFILE that differs is refused" -- \
		pf $TRUST build other.lock --bundle a.pfb -o bad.tar.zst --cache cache-z
	expect 1 "trusted key" "build --bundle without the catalog key is refused" -- \
		pf build --bundle a.pfb -o bad.tar.zst --cache cache-z
	check "... and nothing is written" "[ ! -e bad.tar.zst ]"
	# the air-gapped side has its own state: it has seen nothing but the bundle
	GAP="$T/gap-state"
	check "air-gapped side: no advisories saved before the bundle" \
		"! PINFOLD_STATE_DIR='$GAP' '$PINFOLD' --now $NOW $TRUST audit lockfiles/t.lock --offline >/dev/null 2>&1"
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		NONET="unshare -n"
		expect 0 "" "build from the bundle inside unshare -n (no network), fresh cache" -- \
			env PINFOLD_STATE_DIR="$GAP" unshare -n "$PINFOLD" --now "$NOW" $TRUST build lockfiles/t.lock \
			--bundle a.pfb -o bundle.tar.zst --cache cache-n
		check "no network in there (the HTTP mirror is unreachable)" \
			"! unshare -n python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $PORT), 2)' 2>/dev/null"
	else
		echo "ok $((n + 1)) # SKIP unshare -n not permitted here; building from the bundle without it"; n=$((n + 1))
		NONET=
		kill $HTTP_PID $HOSTILE_PID 2>/dev/null
		expect 0 "" "build from the bundle, servers stopped, fresh cache" -- \
			env PINFOLD_STATE_DIR="$GAP" "$PINFOLD" --now "$NOW" $TRUST build --bundle a.pfb -o bundle.tar.zst \
			--cache cache-n
	fi
	echo "# bundle build sha256 $(sha256sum bundle.tar.zst 2>/dev/null | cut -c1-64)"
	check "the bundle build is byte-identical to the mirror build" "cmp -s mirror.tar.zst bundle.tar.zst"
	expect 0 "" "air-gapped side: audit --offline works from the bundle's advisories" -- \
		env PINFOLD_STATE_DIR="$GAP" $NONET "$PINFOLD" --now "$NOW" $TRUST audit bundle.tar.zst --offline
	expect 0 "" "air-gapped side: verify works offline" -- \
		env PINFOLD_STATE_DIR="$GAP" $NONET "$PINFOLD" --now "$NOW" $TRUST verify bundle.tar.zst --lock lockfiles/t.lock
fi
# --- freshness and rollback apply to bundled catalogs too (kept last: this re-signs the catalog)
expect 1 "expired" "a bundle whose catalog has expired is refused" -- \
	"$PINFOLD" --now 2040-01-01T00:00:00Z $TRUST bundle verify a.pfb
pf catalog sign site/catalog --key "$T/keys/cur.key" --expires-in 3650 >/dev/null
expect 0 "" "the curator publishes catalog version 2 and this machine sees it" -- pf $TRUST catalog verify site/catalog
expect 1 "" "an older bundle (catalog version 1) is then a rollback, refused" -- pf $TRUST bundle verify a.pfb
check "... said as such" "grep -qi 'rollback\|older\|version 1' '$T/.stderr'"
done_testing
