#!/bin/sh
# SPDX-License-Identifier: MIT
# The installers' own rules: wheel .data and entry points, npm bin links and lifecycle scripts,
# deb members and maintainer scripts; hostile metadata is refused with the artifact named.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/install/lockgen.sh"
gen() { python3 "$SRCDIR/tests/install/mkformats.py" "$@"; }
mkdir -p m
gen wheel m/fancy-1.0-py3-none-any.whl
gen npm m/demo-pkg-1.0.0.tgz
gen deb m/demo_1.0_all.deb
mklock 3.11 1700000000 "pypi:fancy:1.0:wheel:m/fancy-1.0-py3-none-any.whl" \
	"npm:@demo/pkg:1.0.0:npm:m/demo-pkg-1.0.0.tgz" "deb:demo:1.0:deb:m/demo_1.0_all.deb" >all.lock
ok "wheel with .data, npm with scripts, deb with maintainer scripts: build" \
	pf build all.lock -o all.tar.zst --mirror m --cache c
mkdir e && tar --zstd -xf all.tar.zst -C e
SP=e/lib/python3.11/site-packages
check "wheel: '#!python' rewritten in .data/scripts" "[ \"\$(head -1 e/bin/fancy-raw)\" = '#!/usr/bin/env python3' ] && [ -x e/bin/fancy-raw ]"
check "wheel: other scripts untouched and executable" "[ \"\$(head -1 e/bin/plain.sh)\" = '#!/bin/sh' ] && [ -x e/bin/plain.sh ]"
check "wheel: .data/data under the root, headers under include/site, purelib in site-packages" \
	"[ -f e/share/fancy/readme.txt ] && [ -f e/include/site/python3.11/fancy/fancy.h ] && [ -f $SP/fancy_extra.py ]"
check "wheel: console and gui script wrappers, no other sections" \
	"grep -q '^from fancy import main' e/bin/fancy && grep -q '^from fancy import gui' e/bin/fancy-gui && [ ! -e e/bin/ignored ]"
check "wheel: INSTALLER is pinfold, RECORD regenerated" \
	"[ \"\$(cat $SP/fancy-1.0.dist-info/INSTALLER)\" = pinfold ] && ! grep -q bogus $SP/fancy-1.0.dist-info/RECORD && grep -q '^../../../bin/fancy-raw,sha256=' $SP/fancy-1.0.dist-info/RECORD"
check "npm: scoped package in lib/node_modules/@demo/pkg" "[ -f e/lib/node_modules/@demo/pkg/index.js ]"
check "npm: string bin links as the unscoped name, relative, target made executable" \
	"[ \"\$(readlink e/bin/pkg)\" = ../lib/node_modules/@demo/pkg/cli.js ] && [ -x e/lib/node_modules/@demo/pkg/cli.js ]"
check "npm: postinstall and the implicit node-gyp install are recorded" \
	"grep -A4 'npm:@demo/pkg 1.0.0' e/.pinfold/skipped-scripts.yaml | grep -q postinstall && grep -A5 'npm:@demo/pkg 1.0.0' e/.pinfold/skipped-scripts.yaml | grep -q 'node-gyp'"
check "deb: data under the root, control not extracted" "[ -x e/usr/bin/demo ] && [ ! -e e/control ] && [ ! -e e/postinst ]"
check "deb: '#!/usr/bin/python3' scripts use the environment's python, others untouched" \
	"[ \"\$(head -1 e/usr/bin/demo-py)\" = '#!/usr/bin/env python3' ] && [ \"\$(head -1 e/usr/bin/demo)\" = '#!/bin/sh' ]"
check "deb: postinst and prerm recorded, not run" \
	"grep -A4 'deb:demo 1.0' e/.pinfold/skipped-scripts.yaml | grep -q postinst && grep -A4 'deb:demo 1.0' e/.pinfold/skipped-scripts.yaml | grep -q prerm"
check "deb: a .pth makes usr/lib/python3/dist-packages importable" \
	"[ \"\$(cat $SP/pinfold-deb-python.pth)\" = ../../../usr/lib/python3/dist-packages ]"
expect 0 "" "after activation: scripts run, the deb module imports, node requires the scoped package" -- \
	sh -c '. e/bin/activate && fancy && fancy-raw && pkg && demo && demo-py && python3 -c "import demo_mod, fancy_extra; print(demo_mod.VALUE)" && node -e "console.log(require(\"@demo/pkg\"))"'
check "all of them ran" "grep -q 'demo-py 7' .stdout && grep -q 'fancy main' .stdout && grep -q 'raw script' .stdout && grep -q 'cli ran' .stdout && grep -q '^demo' .stdout && grep -qx 7 .stdout && grep -qx 42 .stdout"

refuse() {	# refuse KIND FORMAT ECO FILE MESSAGE
	mkdir -p "r/$1"
	gen "$1" "r/$1/$4"
	mklock 3.11 0 "$3:x:1.0:$2:r/$1/$4" >"r/$1/l.lock"
	expect "$6" "$5" "$1: refused" -- pf build "r/$1/l.lock" -o "r/$1/out.tar.zst" --mirror "r/$1" --cache "r/$1/c"
	check "$1: names the artifact, no output" "grep -qF \"'$4\" .stderr && no_leftovers 'r/$1'"
}
refuse wheel-bad-ep wheel pypi fancy-1.0-py3-none-any.whl "entry point name '../evil' is not a safe file name" 1
refuse wheel-bad-target wheel pypi fancy-1.0-py3-none-any.whl "is not MODULE:ATTR" 1
refuse wheel-unknown-data wheel pypi fancy-1.0-py3-none-any.whl "unknown wheel data category 'weird'" 1
refuse wheel-nested-script wheel pypi fancy-1.0-py3-none-any.whl "scripts must sit directly in" 1
refuse npm-bin-escape npm npm x-1.0.0.tgz "is not inside the package" 1
refuse npm-bin-name npm npm x-1.0.0.tgz "bin name '../evil' is not a safe file name" 1
refuse npm-bin-missing npm npm x-1.0.0.tgz "'nope.js' is not a regular file of the package" 1
refuse npm-bad-json npm npm x-1.0.0.tgz "x-1.0.0.tgz" 3
refuse deb-dotdot deb deb demo_1.0_all.deb "'..' component" 1
refuse deb-abslink deb deb demo_1.0_all.deb "symlink target '/etc' is absolute" 1
refuse deb-order deb deb demo_1.0_all.deb "first member is not debian-binary" 1
check "deb errors name the member" "grep -qF 'demo_1.0_all.deb' .stderr"
mkdir -p r/name && cp m/demo-pkg-1.0.0.tgz r/name/
mklock 3.11 0 "npm:../../evil:1.0.0:npm:r/name/demo-pkg-1.0.0.tgz" >r/name/l.lock
expect 1 "is not a safe npm package name" "npm: a hostile package name in the lock is refused" -- \
	pf build r/name/l.lock -o r/name/out.tar.zst --mirror r/name --cache r/name/c
mkdir -p r/wname && cp m/fancy-1.0-py3-none-any.whl "r/wname/fan%cy-1.0-py3-none-any.whl"
mklock 3.11 0 "pypi:fancy:1.0:wheel:r/wname/fan%cy-1.0-py3-none-any.whl" >r/wname/l.lock
expect 1 "wheel name and version must be plain characters" "wheel: a hostile file name in the lock is refused" -- \
	pf build r/wname/l.lock -o r/wname/out.tar.zst --mirror r/wname --cache r/wname/c
done_testing
