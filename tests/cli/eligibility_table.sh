#!/bin/sh
# SPDX-License-Identifier: MIT
# One eligibility rule: the same (advisory, locked version) pairs go through every command that
# decides (catalog add, lock, lock --check, build, audit, verify --lock, bundle create and the
# environment's activation index without pinfold) and each gives the same answer.
. "$SRCDIR/tests/lib.sh"

newkey cur
KEY=$T/keys/cur.key
TR="--trust $KEY.pub"
MK="$SRCDIR/tests/cli/mkpkgs.py"

# row ECO KIND NAME VERSION ADVISORY WANT: WANT is "revoked" or "eligible"
row() {
	eco=$1 kind=$2 name=$3 ver=$4 adv=$5 want=$6
	r=$((r + 1))
	d=$T/row$r
	mkdir -p "$d/m" "$d/images"
	export PINFOLD_STATE_DIR="$d/state"
	art=$(python3 "$MK" "$kind" "$name" "$ver" "$d/m")
	tag="$eco:$name $ver vs advisory '$adv'"
	(
		cd "$d" || exit 1
		pf catalog init cat --name "row$r" >/dev/null &&
		pf catalog add cat "$art" --published 2023-01-10 >/dev/null &&
		pf catalog sign cat --key "$KEY" >/dev/null &&
		printf 'name: t\ncatalog: ../cat\ntarget: {python: "3.11"}\npackages: ["%s:%s"]\n' "$eco" "$name" \
			>images/t.yaml &&
		pf $TR lock images/t.yaml -o t.lock >/dev/null &&
		pf $TR build t.lock -o env.tar.zst --mirror m --cache c >/dev/null &&
		mkdir env && tar -C env --zstd -xf env.tar.zst &&
		pf catalog revoke cat "$eco:$name" "$adv" --id PF-ROW$r --reason "row $r" >/dev/null &&
		pf catalog sign cat --key "$KEY" >/dev/null
	) >"$d/setup.log" 2>&1
	check "$tag: set up (catalog, lock, environment, then the advisory)" "[ -d '$d/env/bin' ] && [ -f '$d/cat/advisories.yaml.sig' ]"
	answers=
	# answer COMMAND...: 1 when the command refused (exit 1), 0 when it accepted (exit 0), else "?"
	answer() {
		(cd "$d" && "$@") >"$d/last.out" 2>&1
		case $? in 0) answers="$answers 0" ;; 1) answers="$answers 1" ;; *) answers="$answers ?" ;; esac
		sed 's/^/#     /' "$d/last.out" >>"$d/all.log"
	}
	cp -r "$d/cat" "$d/cat-add"
	pf catalog remove "$d/cat-add" "$eco:$name" "$ver" >/dev/null 2>&1
	answer pf catalog add cat-add "$art" --published 2023-01-10
	answer pf $TR lock images/t.yaml -o fresh.lock
	answer pf $TR lock --check images/t.yaml -o t.lock
	answer pf $TR build t.lock -o again.tar.zst --mirror m --cache c
	answer pf $TR audit t.lock
	answer pf $TR verify env.tar.zst --lock t.lock
	answer pf $TR bundle create t.lock -o t.pfb --mirror m --cache c
	# the activation index: pinfold is not on PATH, the saved advisories (saved by audit above) are read
	(cd "$d" && PATH=/usr/bin:/bin dash -c '. ./env/bin/activate') >"$d/act.out" 2>&1
	if grep -q "revoked by PF-ROW$r" "$d/act.out"; then answers="$answers 1"; else answers="$answers 0"; fi
	case $want in revoked) expected=" 1 1 1 1 1 1 1 1" ;; *) expected=" 0 0 0 0 0 0 0 0" ;; esac
	check "$tag: $want for catalog add, lock, lock --check, build, audit, verify --lock, bundle, activation (got$answers)" \
		"[ '$answers' = '$expected' ]"
	[ "$answers" = "$expected" ] || { cat "$d/all.log"; sed 's/^/#     /' "$d/act.out"; } | head -80
}
r=0
# PEP 440: equal versions, spelled otherwise
row pypi wheel foo 1.0.0 1.0 revoked
row pypi wheel foo 1.0.0 1.0.0.0 revoked
row pypi wheel foo 1.0.0 1.0.post0 eligible
row pypi wheel foo 1.0.0 "<1.0.1" revoked
row pypi wheel foo 1.0.0 ">1.0" eligible
# semver
row npm npm axios 1.14.1 1.14.1 revoked
row npm npm axios 1.14.1 v1.14.1 revoked
row npm npm axios 1.14.1 1.14.10 eligible
row npm npm axios 1.14.1 ">=1.14.1 <1.14.2" revoked
# Debian epochs and revisions
row deb deb libfoo 2.0-1 1:2.0-1 eligible
row deb deb libfoo 2.0-1 0:2.0-1 revoked
row deb deb libfoo 2.0 2.0-0 revoked
row deb deb libfoo 2.0-1 ">= 2.0-1, << 2.1" revoked

done_testing
