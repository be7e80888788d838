#!/bin/sh
# SPDX-License-Identifier: MIT
# npm nests: one npm name at several versions in one environment, laid out as npm would and
# resolved by Node from each package's own place. The solver installs a second version only when
# a range needs it; the version the image asks for sits at the top of node_modules (its bin is
# the one linked); every other version lives under node_modules/.pinfold/NAME@VERSION and is
# linked into the node_modules of each package that needs it, as npm nests. Hostile and inconsistent locks are refused.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/install/lockgen.sh"
mk() { python3 "$SRCDIR/tests/install/mknpm.py" "$@"; }

newkey c
TC="--trust $T/keys/c.key.pub"
mkdir -p m cat images
mk m/pf-app-1.0.0.tgz pf-app 1.0.0 '{"dependencies": {"pf-lib": "^2.0.0", "pf-util": "^1.0.0"}, "bin": {"pf-app": "cli.js"}}'
mk m/pf-lib-1.0.0.tgz pf-lib 1.0.0 '{"dependencies": {"pf-util": "~1.0.0"}, "bin": {"pf-lib": "cli.js"}}'
mk m/pf-lib-2.1.0.tgz pf-lib 2.1.0 '{"dependencies": {"pf-util": "^2.0.0"}, "optionalDependencies": {"@pf/opt": "^3.0.0"}, "bin": {"pf-lib": "cli.js"}}'
mk m/pf-lib-2.2.0.tgz pf-lib 2.2.0 '{"dependencies": {"pf-util": "^2.0.0"}}'
mk m/pf-util-1.0.0.tgz pf-util 1.0.0
mk m/pf-util-2.0.0.tgz pf-util 2.0.0
mk m/pf-opt-3.0.0.tgz @pf/opt 3.0.0
mk m/pf-opt-4.0.0.tgz @pf/opt 4.0.0
pf catalog init cat --name nest >/dev/null
# pf-lib 2.2.0 is too young for the image's policy: the solver must take 2.1.0
pf catalog add cat m/pf-app-1.0.0.tgz m/pf-lib-1.0.0.tgz m/pf-lib-2.1.0.tgz m/pf-util-1.0.0.tgz \
	m/pf-util-2.0.0.tgz m/pf-opt-3.0.0.tgz m/pf-opt-4.0.0.tgz --published 2026-01-01 >/dev/null
pf catalog add cat m/pf-lib-2.2.0.tgz --published 2026-05-30 --allow-young --note "test: too young" >/dev/null
pf catalog sign cat --key "$T/keys/c.key" >/dev/null
cat >images/n.yaml <<'YAML'
name: n
catalog: ../cat
packages:
  - "npm:pf-app"
  - "npm:pf-lib ^1"
  # an optional dependency is installed only when the image asks for it
  - "npm:@pf/opt ^4"
  - "npm:@pf/opt 3.0.0"
policy: {min_age_days: 14}
YAML

expect 0 "wrote" "lock: an image whose packages need two versions of one npm name" -- pf $TC lock images/n.yaml -o n.lock
check "the lock has pf-lib 1.0.0 and 2.1.0 (not the young 2.2.0), pf-util 1.0.0 and 2.0.0, @pf/opt 3.0.0 and 4.0.0" \
	"[ \$(grep -c 'name: \"*pf-lib\"*\$' n.lock) -eq 2 ] && grep -q '\"2.1.0\"' n.lock && ! grep -q '2.2.0' n.lock && [ \$(grep -c 'name: \"*pf-util\"*\$' n.lock) -eq 2 ] && [ \$(grep -c 'name: \"*@pf/opt\"*\$' n.lock) -eq 2 ]"
check "requested_by names which package needs which version" \
	"grep -A12 'version: \"*2.1.0' n.lock | grep -q 'npm:pf-app 1.0.0' && grep -A12 'version: \"*1.0.0' n.lock | grep -q 'image'"
expect 0 "" "lock --check: the lock is what resolving gives" -- pf $TC lock images/n.yaml -o n.lock --check
expect 0 "built" "build: both versions installed" -- pf $TC build n.lock -o n.tar.zst --mirror m --cache c
mkdir e && tar --zstd -xf n.tar.zst -C e
NM=e/lib/node_modules
check "the versions the image asked for are at the top" \
	"grep -q '\"version\": \"1.0.0\"' $NM/pf-lib/package.json && grep -q '\"version\": \"4.0.0\"' $NM/@pf/opt/package.json"
check "a name the image did not ask for has its highest version at the top" \
	"grep -q '\"version\": \"2.0.0\"' $NM/pf-util/package.json"
check "the others under node_modules/.pinfold/NAME@VERSION/node_modules/NAME (scoped: @scope+name)" \
	"[ -f $NM/.pinfold/pf-lib@2.1.0/node_modules/pf-lib/index.js ] && [ -f $NM/.pinfold/pf-util@1.0.0/node_modules/pf-util/index.js ] && [ -f $NM/.pinfold/@pf+opt@3.0.0/node_modules/@pf/opt/index.js ]"
check "a top package is linked to the nested version it needs, relatively" \
	"[ \"\$(readlink $NM/pf-app/node_modules/pf-lib)\" = ../../.pinfold/pf-lib@2.1.0/node_modules/pf-lib ] && [ \"\$(readlink $NM/pf-lib/node_modules/pf-util)\" = ../../.pinfold/pf-util@1.0.0/node_modules/pf-util ]"
check "a nested package is linked in its own node_modules too; a scoped optional one as well" \
	"[ \"\$(readlink $NM/.pinfold/pf-lib@2.1.0/node_modules/pf-lib/node_modules/@pf/opt)\" = ../../../../../@pf+opt@3.0.0/node_modules/@pf/opt ]"
check "no link where the top version already meets the range (pf-lib 2.1.0 wants pf-util ^2)" \
	"[ ! -e $NM/.pinfold/pf-lib@2.1.0/node_modules/pf-lib/node_modules/pf-util ] && [ \$(find $NM -type l | wc -l) -eq 4 ]"
check "bins: only the top version's are linked" "[ \"\$(readlink e/bin/pf-lib)\" = ../lib/node_modules/pf-lib/cli.js ] && [ -x $NM/.pinfold/pf-lib@2.1.0/node_modules/pf-lib/cli.js ]"
expect 0 "" "Node resolves every package's dependencies from where it is" -- sh -c '. e/bin/activate && node -e "
const a = require(\"pf-app\"), l = require(\"pf-lib\"), o = require(\"@pf/opt\");
console.log([\"app\", a.v, \"lib\", a[\"pf-lib\"].v, \"lib.util\", a[\"pf-lib\"][\"pf-util\"].v,
  \"lib.opt\", a[\"pf-lib\"][\"@pf/opt\"].v, \"app.util\", a[\"pf-util\"].v, \"toplib\", l.v,
  \"toplib.util\", l[\"pf-util\"].v, \"topopt\", o.v].join(\" \"))" && pf-lib && pf-app'
check "app 1.0.0 gets lib 2.1.0 (util 2.0.0, opt 3.0.0) and util 1.0.0; the top lib 1.0.0 gets util 1.0.0" \
	"grep -qx 'app 1.0.0 lib 2.1.0 lib.util 2.0.0 lib.opt 3.0.0 app.util 1.0.0 toplib 1.0.0 toplib.util 1.0.0 topopt 4.0.0' .stdout && grep -qx 'cli 1.0.0' .stdout"
expect 0 "" "verify: the environment is what its lock says" -- pf $TC verify n.tar.zst
check "vetted.txt lists both versions" "grep -c '^npm	pf-lib	' e/.pinfold/vetted.txt | grep -qx 2"
expect 0 "built" "the same lock built again with other jobs gives the same bytes" -- \
	pf $TC build n.lock -o n2.tar.zst --mirror m --cache c2 --jobs 1
check "byte-identical" "cmp -s n.tar.zst n2.tar.zst"

# --- hostile or inconsistent locks
sed '0,/version: "*2.1.0"*/s//version: "1.0.0"/' n.lock >dup.lock
expect 3 "package npm:pf-lib 1.0.0 is listed twice" "a lock with one npm version twice is refused" -- \
	pf $TC build dup.lock -o dup.tar.zst --mirror m --cache c
check "and nothing is written" "[ ! -e dup.tar.zst ]"
mklock 3.11 0 "npm:pf-app:1.0.0:npm:m/pf-app-1.0.0.tgz" "npm:pf-lib:1.0.0:npm:m/pf-lib-1.0.0.tgz" \
	"npm:pf-util:1.0.0:npm:m/pf-util-1.0.0.tgz" >short.lock
expect 1 "'npm:pf-app 1.0.0': depends on pf-lib ^2.0.0, and no version of pf-lib in this build meets it" \
	"a lock without a version a package needs is refused at build, not left for Node to fail on" -- \
	pf build short.lock -o short.tar.zst --mirror m --cache c
check "and nothing is written" "[ ! -e short.tar.zst ] && no_leftovers ."
mklock 3.11 0 "npm:pf-util:1.0.0/../../../../evil:npm:m/pf-util-1.0.0.tgz" "npm:pf-util:2.0.0:npm:m/pf-util-2.0.0.tgz" >evil.lock
expect 1 "version '1.0.0/../../../../evil' of pf-util cannot name a directory" \
	"a second version that is not one path segment is refused before anything is written" -- \
	pf build evil.lock -o evil.tar.zst --mirror m --cache c
check "and nothing is written" "[ ! -e evil.tar.zst ] && no_leftovers ."
mklock 3.11 0 "deb:x:1.0:npm:m/pf-util-1.0.0.tgz" "deb:x:2.0:npm:m/pf-util-2.0.0.tgz" >deb2.lock
expect 3 "package deb:x is listed twice" "only npm nests: a deb name twice is refused" -- \
	pf build deb2.lock -o deb2.tar.zst --mirror m --cache c
done_testing
