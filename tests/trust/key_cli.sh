#!/bin/sh
# SPDX-License-Identifier: MIT
# pinfold key: generation, refusal to overwrite, key ids, and keys made by openssl genpkey.
. "$SRCDIR/tests/lib.sh"

ok "key --help" pf key --help
ok "key generate --help" pf key generate --help
ok "help key" pf help key
expect 2 "missing subcommand" "key without subcommand is a usage error" -- pf key
expect 2 "unknown subcommand" "unknown key subcommand" -- pf key frob x

id=$(pf key generate a.key)
check "generate prints a 64-hex key id" 'printf %s "$id" | grep -Eqx "[0-9a-f]{64}"'
check "private key is mode 0600" '[ "$(stat -c %a a.key)" = 600 ]'
check "public key written next to it" '[ -f a.key.pub ] && grep -q "BEGIN PUBLIC KEY" a.key.pub'
check "private key is PEM PKCS#8" 'grep -qE "BEGIN PRIVATE[ ]KEY" a.key'
check "key id of the public key matches" '[ "$(pf key id a.key.pub)" = "$id" ]'
check "key id of the private key matches" '[ "$(pf key id a.key)" = "$id" ]'
cp a.key a.key.orig
expect 3 "refusing to overwrite" "generate refuses to overwrite a key" -- pf key generate a.key
same_text "the existing key is unchanged" a.key.orig a.key
rm a.key
expect 3 "refusing to overwrite" "generate refuses when FILE.pub exists" -- pf key generate a.key
check "and writes no private key" '[ ! -e a.key ]'
ln -s /nonexistent/target link.key
expect 3 "" "generate does not follow a symlink" -- pf key generate link.key
check "the symlink target was not created" '[ ! -e /nonexistent/target ]'

# Keys from openssl genpkey work everywhere pinfold takes keys.
if command -v openssl >/dev/null 2>&1; then
	openssl genpkey -algorithm ed25519 -out o.pem 2>/dev/null
	openssl pkey -in o.pem -pubout -out o.pub 2>/dev/null
	want=$(openssl pkey -in o.pem -pubout -outform DER 2>/dev/null | tail -c 32 | sha256sum | cut -d' ' -f1)
	check "key id of an openssl private key is sha256 of the raw public key" '[ "$(pf key id o.pem)" = "$want" ]'
	check "key id of its openssl public key matches" '[ "$(pf key id o.pub)" = "$want" ]'
	pf catalog init cat --name demo >/dev/null
	ok "sign with an openssl key" pf catalog sign cat --key o.pem
	ok "verify with its openssl public key" pf --trust o.pub catalog verify cat
	check "signature line names the openssl key id" 'grep -q "^$want " cat/catalog.yaml.sig'
	openssl genpkey -algorithm ed448 -out ed448.pem 2>/dev/null
	expect 3 "not an Ed25519 key" "an Ed448 key is refused" -- pf key id ed448.pem
	openssl genpkey -algorithm ed25519 -aes256 -pass pass:x -out enc.pem 2>/dev/null
	expect 3 "" "an encrypted key is refused without prompting" -- pf key id enc.pem
fi
printf 'not a key\n' >junk.pem
expect 3 "not a PEM Ed25519" "garbage key file refused" -- pf key id junk.pem
expect 3 "" "missing key file" -- pf key id nope.pem

done_testing
