#!/bin/sh
# SPDX-License-Identifier: MIT
# `meson install` into a temporary DESTDIR gives a pinfold that works with its source and build
# trees gone: the tree is moved elsewhere, then run under bubblewrap with both trees hidden
# (empty directories mounted over them). It verifies the shipped catalog with the built-in trust
# root from the data directory, audits a lock, builds an environment whose guards refuse pip, and
# its man pages and completion are where man and bash-completion look for them.
NOW=${NOW:-2026-11-23T00:00:00Z}
. "$SRCDIR/tests/lib.sh"

: "${MESON:=meson}"
src=$(cd "$SRCDIR" && pwd -P)
build=$(cd "$BUILDDIR" && pwd -P)
# shellcheck disable=SC2034 # read by the check conditions (eval)
release=e27e350449e03facf9cc7798f6d1cf532dec755f039b57acce50a3ed010f7c9a

# --- install into DESTDIR, then move the installed tree somewhere else
ok "meson install --destdir" "$MESON" install -C "$BUILDDIR" --destdir "$T/dest" --no-rebuild --quiet
bin=$(find "$T/dest" -path '*/bin/pinfold' -type f | head -n 1)
check "the binary is installed under bin/" '[ -n "$bin" ] && [ -x "$bin" ]'
prefix=${bin%/bin/pinfold}
prefix=${prefix#"$T/dest"}
mv "$T/dest" "$T/moved"
root=$T/moved$prefix
data=$root/share/pinfold

check "the trust anchor is installed in the data directory" '[ -f "$data/trust/catalog-release.pub" ]'
for p in "$BUILDDIR"/docs/*.1; do
	cmp -s "$p" "$root/share/man/man1/${p##*/}" || missing="${missing:-} ${p##*/}"
done
check "every man page is installed to share/man/man1 (missing:${missing:- none})" '[ -z "${missing:-}" ]'
check "the bash completion is installed to share/bash-completion/completions/pinfold" \
	'cmp -s "$BUILDDIR/docs/pinfold" "$root/share/bash-completion/completions/pinfold"'
check "man finds the installed page by name (MANPATH)" \
	'MANPATH="$root/share/man" MANWIDTH=80 man pinfold-catalog 2>/dev/null | grep -q "pinfold-catalog - "'

# --- the inputs, copied out of the source tree (the lock finds its catalog at ../catalog)
mkdir -p in/lockfiles in/catalog
cp "$SRCDIR"/catalog/catalog.yaml* "$SRCDIR"/catalog/advisories.yaml* in/catalog/
cp "$SRCDIR/lockfiles/agent-default.lock" in/lockfiles/

# hidden COMMAND...: run with the source and build trees unreachable (empty tmpfs over them)
hide="--tmpfs $src"
case "$build/" in "$src/"*) ;; *) hide="$hide --tmpfs $build" ;; esac
# (a private /tmp: the host's may be read-only inside, and TMPDIR inside $T)
mkdir -p "$T/tmp"
hidden() {
	# shellcheck disable=SC2086 # $hide holds options
	bwrap --ro-bind / / --dev /dev --proc /proc $hide --bind "$T" "$T" --chdir "$T" \
		--setenv PINFOLD_STATE_DIR "$PINFOLD_STATE_DIR" --setenv HOME "$HOME" --setenv TMPDIR "$T/tmp" -- "$@"
}
# pfi ARGS...: the installed pinfold, moved, with both trees hidden
pfi() { hidden "$root/bin/pinfold" --now "$NOW" "$@"; }
expect 0 "" "bubblewrap runs (it hides the trees)" -- hidden true
check "inside, the source tree is gone" 'hidden sh -c "! test -e \"$src/meson.build\" && ! test -e \"$src/catalog\""'
check "inside, the build tree is gone" 'hidden sh -c "! test -e \"$build/pinfold\" && ! test -e \"$build/data\""'
check "inside, the moved install is there" 'hidden test -x "$root/bin/pinfold"'

expect 0 "data directory: $data (beside the program)" "-v --version names the installed data directory" -- \
	hidden "$root/bin/pinfold" -v --version
check "and the built-in trust directory inside it" 'grep -qx "built-in trust directory: $data/trust" "$T/.stdout"'
check "nothing names the source or build tree" '! grep -q -e "$src" -e "$build" "$T/.stdout"'

expect 0 "catalog 'pinfold-default' version " "catalog verify of the shipped catalog with the installed trust root" -- \
	pfi catalog verify in/catalog
check "signed by the release key" 'grep -q "^catalog .pinfold-default. version [0-9]*: ok, .*signed by $release" "$T/.stdout"'
check "its advisories verify too" 'grep -q "^advisories .pinfold-default.* ok" "$T/.stdout"'
expect 0 "clean against advisories 'pinfold-default'" "audit of the default lock with the installed binary" -- \
	pfi audit in/lockfiles/agent-default.lock
cp -r in tampered
sed 's/severity: critical/severity: low/' in/catalog/advisories.yaml >tampered/catalog/advisories.yaml
expect 1 "advisories.yaml" "audit: tampered advisories are refused (the signature is checked)" -- \
	pfi --state-dir "$T/s2" audit tampered/lockfiles/agent-default.lock

# Without its data directory (the binary copied alone, the configured DATADIR hidden too), the
# root of trust is still there: version 1 is compiled in (docs/root.md).
mkdir lone && cp "$root/bin/pinfold" lone/
configured=$(lone/pinfold -v --version | sed -n 's/^data directory: \(.*\) (configured.*/\1/p')
check "a lone binary falls back to the configured data directory" '[ -n "$configured" ]'
# (a pinfold installed on this machine must not answer for it)
[ -d "$configured" ] && hide="$hide --tmpfs $configured"
expect 0 "catalog 'pinfold-default' version " "a lone binary, no data directory: the built-in root verifies the catalog" -- \
	hidden lone/pinfold --now "$NOW" --state-dir "$T/s3" catalog verify in/catalog
expect 0 "root version 1 (built-in)" "a lone binary: trust show names the built-in root" -- \
	hidden lone/pinfold --now "$NOW" --state-dir "$T/s3" trust show
check "the installed data directory holds the same root version 1" \
	'cmp -s "$SRCDIR/builder/trust/root/1.root.yaml" "$data/trust/1.root.yaml" && cmp -s "$SRCDIR/builder/trust/root/1.root.yaml.sig" "$data/trust/1.root.yaml.sig"'
expect 0 "root version 1 is current (no newer root in '$data/trust')" "trust update reads the installed data directory" -- \
	pfi trust update

# --- an environment built by the installed binary: its guards are compiled in
WHEELS=/usr/share/python-wheels
mkdir -p keys images mirror
hidden "$root/bin/pinfold" key generate keys/cur.key >/dev/null
cp "$WHEELS"/wheel-0.38.4-py3-none-any.whl "$WHEELS"/pip-23.0.1-py3-none-any.whl mirror/
ok "catalog init" pfi catalog init cat --name installed
ok "catalog add" pfi catalog add cat mirror/wheel-0.38.4-py3-none-any.whl mirror/pip-23.0.1-py3-none-any.whl \
	--published 2023-01-10 --by sec-team
ok "catalog sign" pfi catalog sign cat --key keys/cur.key
printf 'name: t\ncatalog: ../cat\ntarget: {python: "3.11", platform: linux-x86_64}\npackages: ["pypi:wheel", "pypi:pip"]\n' \
	>images/t.yaml
ok "lock" pfi --trust keys/cur.key.pub lock images/t.yaml -o t.lock
ok "build" pfi --trust keys/cur.key.pub build t.lock -o t.tar.zst --mirror mirror
mkdir env && tar -C env --zstd -xf t.tar.zst
ok "verify the environment" pfi verify env
expect 1 "pinfold: refused: 'pip install requests'" "its pip guard refuses an unvetted install" -- \
	hidden dash -c '. ./env/bin/activate && pip install requests'

done_testing
