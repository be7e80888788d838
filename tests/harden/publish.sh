#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 13: torn writes. catalog sign renames catalog.yaml and catalog.yaml.sig one after the
# other; a kill between them, or an HTTP reader at that moment, used to see version N+1 beside
# signature N. Now the new .sig (written first) carries the published version's signature after
# the new one: every instant's pair verifies, and a reader that reads the document and then its
# signature verifies whichever version it got. Same for advisories.
. "$SRCDIR/tests/lib.sh"
export no_proxy='*' NO_PROXY='*'
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export PINFOLD_FETCH_RETRIES=0

newkey a
A=$T/keys/a.key TA="--trust $T/keys/a.key.pub"
mkdir -p cat images
pf catalog init cat --name pub >/dev/null
pf catalog add cat /usr/share/python-wheels/wheel-0.38.4-py3-none-any.whl --published 2023-01-10 >/dev/null
pf catalog revoke cat pypi:wheel 0.1 --reason "test advisory" >/dev/null
pf catalog sign cat --key "$A" >/dev/null
expect 0 "" "sign again: version 2" -- pf catalog sign cat --key "$A"
check "the new .sig holds this version's line, then the previous version's" \
	'[ "$(wc -l <cat/catalog.yaml.sig)" -eq 2 ] && [ "$(wc -l <cat/advisories.yaml.sig)" -eq 2 ]'
expect 0 "signed by" "it verifies" -- pf --state-dir "$T/s0" $TA catalog verify cat

# --- a kill between the two renames leaves a pair that verifies (the old version)
cp -r cat v2
for at in 1 2 3 4 5 6 7 8; do
	rm -rf k && cp -r v2 k
	PINFOLD_TEST_KILL_AT=rename:$at "$PINFOLD" --now "$NOW" catalog sign k --key "$A" >/dev/null 2>&1
	rc=$?
	expect 0 "" "sign killed at its rename $at (exit $rc): catalog and advisories each verify" -- \
		pf --state-dir "$T/sk$at" $TA catalog verify k
	v=$(sed -n 's/^version: //p' k/catalog.yaml)
	check "... catalog version $v is the old (2) or the new (3) one" '[ "$v" = 2 ] || [ "$v" = 3 ]'
done
# each file is linked under a temp name and renamed over the old one: two points per file, so
# point 3 is after the .sig is in place and before catalog.yaml is
check "the kill really hit between the renames (point 3: the .sig is new, catalog.yaml old)" \
	'rm -rf k && cp -r v2 k && { PINFOLD_TEST_KILL_AT=rename:3 "$PINFOLD" --now "$NOW" catalog sign k --key "$A" >/dev/null 2>&1; [ $? -eq 137 ]; } &&
	 ! cmp -s k/catalog.yaml.sig v2/catalog.yaml.sig && cmp -s k/catalog.yaml v2/catalog.yaml'

# --- an HTTP reader racing the curator: each request answered after 100 ms, a sign every 300 ms
timeout 300 python3 "$SRCDIR/tests/harden/slow_httpd.py" cat http.port 300 >/dev/null 2>&1 &
HPID=$!
trap 'touch "$T/stop"; kill $HPID $SPID 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s http.port ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
URL="http://127.0.0.1:$(cat http.port)/delay/100/"
printf 'name: t\ncatalog: "%s"\ntarget: {python: "3.11", platform: linux-x86_64}\npackages: ["pypi:wheel"]\n' \
	"$URL" >images/t.yaml
(while [ ! -e stop ]; do "$PINFOLD" -q catalog sign cat --key "$A" >/dev/null 2>&1; sleep 0.3; done) &
SPID=$!
bad=0 good=0 i=0
while [ $i -lt 20 ]; do
	i=$((i + 1))
	if "$PINFOLD" --now "$NOW" --state-dir "$T/r$i" $TA lock images/t.yaml -o "l$i.lock" >/dev/null 2>"e$i"; then
		good=$((good + 1))
	elif grep -q "does not verify" "e$i"; then
		bad=$((bad + 1))
	fi
done
touch stop
wait $SPID
v=$(sed -n 's/^version: //p' cat/catalog.yaml)
echo "# 20 locks over HTTP while the catalog was re-signed up to version $v: $good ok, $bad saw a torn pair"
check "the catalog was re-signed during the reads" '[ "$v" -gt 5 ]'
check "no reader saw a catalog beside a signature that does not verify it" '[ $bad -eq 0 ]'
check "every read succeeded" '[ $good -eq 20 ]'
done_testing
