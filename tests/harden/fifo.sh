#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 13: every file pinfold reads is checked to be a regular file before a read can block. A
# FIFO in place of an environment's .pinfold/manifest or .pinfold/lock, a lockfile, a catalog, a
# signature, a key, a cache entry, a state file or an artifact is refused at once: verify, audit,
# activation, lock and build never hang. Each command runs under timeout(1): 124 means it hung.
. "$SRCDIR/tests/lib.sh"
tpf() { timeout 20 "$PINFOLD" --now "$NOW" "$@"; }
one_err() { [ "$(grep -c '^pinfold: error: ' "$T/.stderr")" -eq 1 ]; }

W=/usr/share/python-wheels
newkey a
A=$T/keys/a.key TA="--trust $T/keys/a.key.pub"
mkdir -p cat images mirror
pf catalog init cat --name fifo >/dev/null
pf catalog add cat "$W"/wheel-0.38.4-py3-none-any.whl --published 2023-01-10 >/dev/null
pf catalog revoke cat pypi:wheel 0.1 --reason "test advisory" >/dev/null
pf catalog sign cat --key "$A" >/dev/null
cp "$W"/wheel-0.38.4-py3-none-any.whl mirror/
cat >images/t.yaml <<'IMG'
name: t
catalog: ../cat
target: {python: "3.11", platform: linux-x86_64}
packages: ["pypi:wheel"]
IMG
expect 0 "" "lock" -- pf $TA lock images/t.yaml -o t.lock
expect 0 "" "build" -- pf $TA build t.lock -o env.tar.zst --mirror mirror --cache cache
mkdir env && tar --zstd -xf env.tar.zst -C env
expect 0 "" "verify of the pristine environment" -- tpf verify env
expect 0 "" "audit of the pristine environment" -- tpf $TA audit env --catalog cat

# --- the issue's findings: a FIFO in place of .pinfold/manifest or .pinfold/lock
mv env/.pinfold/manifest manifest.real && mkfifo env/.pinfold/manifest
expect 1 "not a regular file inside the environment (a FIFO)" "verify: a FIFO as .pinfold/manifest is refused, not waited on" -- \
	tpf verify env
check "... one error line naming the manifest" 'one_err && grep -q "env/.pinfold/manifest" "$T/.stderr"'
rm env/.pinfold/manifest && mv manifest.real env/.pinfold/manifest
mv env/.pinfold/lock lock.real && mkfifo env/.pinfold/lock
expect 1 "not a regular file inside the environment (a FIFO)" "verify: a FIFO as .pinfold/lock is refused" -- tpf verify env
expect 3 "not a regular file (a FIFO)" "audit: a FIFO as .pinfold/lock is refused" -- \
	tpf $TA audit env --catalog cat
expect 3 "not a regular file (a FIFO)" "audit --offline: the same" -- tpf audit --offline env
# activation runs 'pinfold audit --offline' (pinfold on PATH) and must come back
mkdir -p bin && ln -s "$PINFOLD" bin/pinfold
expect 0 "" "activation with a FIFO as .pinfold/lock returns (pinfold on PATH)" -- \
	timeout 20 env PATH="$T/bin:$PATH" sh -c '. ./env/bin/activate && echo "active $PINFOLD_ENV"'
check "... and the environment is active" 'grep -q "active .*/env" "$T/.stdout"'
rm env/.pinfold/lock && mv lock.real env/.pinfold/lock
# without pinfold, activation reads the saved advisory index: a FIFO there is skipped
mkdir -p "$PINFOLD_STATE_DIR/saved-advisories/zz-evil" && mkfifo "$PINFOLD_STATE_DIR/saved-advisories/zz-evil/index.tsv"
expect 0 "" "activation with a FIFO as a saved advisory index returns (no pinfold on PATH)" -- \
	timeout 20 env PATH=/usr/bin:/bin sh -c '. ./env/bin/activate && echo "active $PINFOLD_ENV"'
check "... and the environment is active" 'grep -q "active .*/env" "$T/.stdout"'
rm -r "$PINFOLD_STATE_DIR/saved-advisories/zz-evil"
# a symlink planted in .pinfold/ is not followed either
mv env/.pinfold/manifest manifest.real && ln -s ../../manifest.real env/.pinfold/manifest
expect 1 "not a regular file inside the environment (a symlink)" "verify: a symlink as .pinfold/manifest is refused" -- tpf verify env
rm env/.pinfold/manifest && mv manifest.real env/.pinfold/manifest

# --- files named on the command line
mkfifo fifo.lock
for args in "why fifo.lock pypi:wheel" "audit fifo.lock --catalog cat" "build fifo.lock -o x.tar.zst --mirror mirror" \
	"bundle create fifo.lock -o x.pfb --mirror mirror" "verify env --lock fifo.lock"; do
	# shellcheck disable=SC2086
	expect 3 "not a regular file (a FIFO)" "$args: a FIFO lockfile is refused" -- tpf $TA $args
done
mkfifo fifo.yaml
expect 3 "not a regular file (a FIFO)" "lock: a FIFO image is refused" -- tpf $TA lock fifo.yaml -o y.lock
mkfifo fifo.pub
expect 3 "not a regular file (a FIFO)" "--trust FIFO is refused" -- tpf --trust fifo.pub catalog verify cat
mkfifo fifo.whl
expect 3 "not a regular file (a FIFO)" "catalog add: a FIFO artifact is refused" -- tpf catalog add cat fifo.whl
mkfifo fifo.pfb
expect 3 "not a regular file" "bundle verify: a FIFO bundle is refused" -- tpf bundle verify fifo.pfb
expect 3 "not a regular file" "verify: a FIFO tarball is refused" -- tpf verify fifo.pfb
for f in catalog.yaml catalog.yaml.sig advisories.yaml advisories.yaml.sig; do
	cp -r cat fcat && rm "fcat/$f" && mkfifo "fcat/$f"
	expect 3 "not a regular file (a FIFO)" "catalog verify: a FIFO as $f is refused" -- tpf $TA catalog verify fcat
	rm -rf fcat
done

# --- cache and state
sha=$(sha256sum mirror/wheel-0.38.4-py3-none-any.whl | cut -c1-64)
rm cache/sha256/"$sha" && mkfifo cache/sha256/"$sha"
expect 0 "does not match" "build: a FIFO as a cache entry is removed and the mirror used" -- \
	tpf $TA build t.lock -o env2.tar.zst --mirror mirror --cache cache
check "... the same tarball" 'cmp -s env.tar.zst env2.tar.zst && [ -f "cache/sha256/$sha" ]'
ln -sf /dev/zero cache/sha256/"$sha"
expect 0 "does not match" "build: a symlink as a cache entry is not followed" -- \
	tpf $TA build t.lock -o env3.tar.zst --mirror mirror --cache cache
state=$(find "$PINFOLD_STATE_DIR" -path '*catalog/fifo' | head -1)
check "the rollback state of the catalog exists" '[ -f "$state" ]'
mv "$state" state.real && mkfifo "$state"
expect 3 "not a regular file (a FIFO)" "lock: a FIFO as the rollback state is refused" -- \
	tpf $TA lock images/t.yaml -o z.lock
rm "$state" && mv state.real "$state"
key="$PINFOLD_STATE_DIR/solv-cache.key"
check "the solver cache key exists" '[ -f "$key" ]'
rm "$key" && mkfifo "$key"
expect 0 "" "lock: a FIFO as the solver cache key is replaced, not waited on" -- \
	tpf $TA lock images/t.yaml -o z.lock
check "... by a regular file" '[ -f "$key" ] && [ ! -p "$key" ]'
done_testing
