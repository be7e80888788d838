#!/bin/sh
# SPDX-License-Identifier: MIT
# README's main command: from a fresh clone on Debian 12 to agent-default.tar.zst.
# Installs what is missing, builds pinfold, fetches the vetted artifacts with the ordinary
# clients, verifies them against the signed catalog, checks the lock and builds the environment.
# `./build.sh --install [PREFIX]` instead builds pinfold and installs it (default ~/.local).
set -eu
prefix=${2:-$HOME/.local}
case $prefix in /*) ;; *) prefix=$PWD/$prefix ;; esac
cd "$(dirname "$0")"
if [ "${1:-}" = --install ]; then
	tools/install-deps
	if [ -f build/build.ninja ]; then
		meson configure build --prefix "$prefix" >/dev/null
	else
		meson setup build --prefix "$prefix" >/dev/null
	fi
	ninja -C build >/dev/null
	meson install -C build --no-rebuild --quiet
	echo "installed $("$prefix/bin/pinfold" --version) into $prefix (man pages, bash completion)"
	case ":$PATH:" in
	*":$prefix/bin:"*) ;;
	*) echo "put it on PATH: echo 'export PATH=\"$prefix/bin:\$PATH\"' >>~/.profile, then log in again" ;;
	esac
	exit 0
fi
image=${1:-agent-default}
tools/install-deps
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
pf=./build/pinfold
echo "== fetching vetted artifacts into mirror/"
catalog/fetch-artifacts mirror
echo "== checking the signed catalog and lockfiles/$image.lock"
$pf catalog verify catalog
$pf lock --check "images/$image.yaml"
echo "== building $image.tar.zst"
$pf build "lockfiles/$image.lock" -o "$image.tar.zst" --mirror mirror
$pf verify "$image.tar.zst" --lock "lockfiles/$image.lock"
cat <<MSG

$image.tar.zst is ready (sha256 $(cut -d' ' -f1 "$image.tar.zst.sha256")).
It is a self-contained root filesystem (its own python3, node, bash, git). Enter it, in a
sandbox that sees only it and your project folder, from the project's folder:
    cd ~/my-project
    $PWD/build/pinfold shell $PWD/$image.tar.zst
    $PWD/build/pinfold run $PWD/$image.tar.zst -- python3 -c 'import requests'
Installs of unvetted packages are refused inside it (see README.md, docs/run.md).

pinfold itself is ./build/pinfold. To have it on PATH (with man pages and completion):
    ./build.sh --install          # into ~/.local (or: ./build.sh --install /usr/local, as root)
MSG
