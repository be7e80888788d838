#!/bin/sh
# SPDX-License-Identifier: MIT
# pinfold guard for pip and pip3: runs the environment's own pip, where the import hook
# (_pinfold_guard.py) reads the command line with pip's own parser and decides; without a pip
# of its own, refuses what would install or remove packages.
# Only vetted packages are allowed in this environment; see .pinfold/policy.yaml.
# Removed by 'pinfold unlock ENV --reason TEXT'.
# Plain POSIX sh and its builtins only: a self-contained environment may have no awk, sed or tr.
layout='@PF_LAYOUT@'
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
here=$(CDPATH='' cd -- "$here" && pwd -P) || exit 1
if [ "$layout" = self-contained ]; then
	root=$(CDPATH='' cd -- "$here/../../.." && pwd -P) || exit 1
else
	root=$(CDPATH='' cd -- "$here/.." && pwd -P) || exit 1
fi
top=${root%/}

# pf_quote WORD: WORD as the shell reads it back (single quotes only when needed).
pf_quote() {
	case $1 in
	*[!A-Za-z0-9_./+-]*) ;;
	*) printf '%s' "$1"; return ;;
	esac
	pf_q=$1 pf_o=
	while :; do
		case $pf_q in
		*"'"*) pf_o=$pf_o${pf_q%%"'"*}"'\\''"; pf_q=${pf_q#*"'"} ;;
		*) break ;;
		esac
	done
	printf "'%s'" "$pf_o$pf_q"
}

# pf_fill LINE: LINE with {command}, {root}, {env} and {vetted} filled in, in one pass.
pf_fill() {
	pf_in=$1 pf_out=
	while :; do
		case $pf_in in *"{"*) ;; *) break ;; esac
		pf_out=$pf_out${pf_in%%"{"*}
		pf_in="{${pf_in#*"{"}"
		case $pf_in in
		"{command}"*) pf_out=$pf_out$pf_cmd; pf_in=${pf_in#"{command}"} ;;
		"{root}"*) pf_out=$pf_out$root; pf_in=${pf_in#"{root}"} ;;
		"{env}"*) pf_out=$pf_out$pf_env; pf_in=${pf_in#"{env}"} ;;
		"{vetted}"*) pf_out=$pf_out$top/.pinfold/vetted.txt; pf_in=${pf_in#"{vetted}"} ;;
		*) pf_out="$pf_out{"; pf_in=${pf_in#"{"} ;;
		esac
	done
	printf '%s\n' "$pf_out$pf_in"
}

# pf_refuse COMMAND DETAIL: print the refusal (.pinfold/refusal.txt) and exit 1.
pf_refuse() {
	pf_cmd=$1
	# The person pastes the unlock command; inside a self-contained environment the root is /.
	if [ -n "$top" ]; then pf_env=$(pf_quote "$root"); else pf_env=ENV; fi
	if [ -r "$top/.pinfold/refusal.txt" ]; then
		while IFS= read -r pf_line || [ -n "$pf_line" ]; do
			if [ "$pf_line" = "{detail}" ]; then
				[ -z "$2" ] || printf '%s\n' "$2"
			else
				pf_fill "$pf_line"
			fi
		done <"$top/.pinfold/refusal.txt" >&2
	else
		printf "pinfold: refused: '%s'\n%s\nOnly vetted packages are allowed in this environment (%s).\n" \
			"$1" "$2" "$root" >&2
	fi
	exit 1
}

tool=${0##*/}
case $tool in pip|pip3) ;; *) tool=pip ;; esac

# The environment's own pip (a wheel or Debian's python3-pip) and the Python that runs it.
pf_py=''
if [ "$layout" = self-contained ]; then
	for pf_p in "$top"/usr/local/lib/python3*/dist-packages/pip/__init__.py \
		"$top/usr/lib/python3/dist-packages/pip/__init__.py"; do
		if [ -f "$pf_p" ] && [ -x "$top/usr/bin/python3" ]; then pf_py=$top/usr/bin/python3; break; fi
	done
else
	export PIP_CONSTRAINT="$root/.pinfold/constraints.txt" PIP_NO_INDEX=1 PIP_REQUIRE_HASHES=1
	for pf_p in "$root"/lib/python3*/site-packages/pip/__init__.py \
		"$root/usr/lib/python3/dist-packages/pip/__init__.py"; do
		[ -f "$pf_p" ] || continue
		for pf_x in "$root/bin/python3" "$root/bin/python"; do
			if [ -x "$pf_x" ]; then pf_py=$pf_x; break; fi
		done
		[ -z "$pf_py" ] || break
	done
fi
# Started the way pip's console script starts it, so that pip's messages name this command;
# the hook refuses or allows what it asks for.
if [ -n "$pf_py" ]; then
	exec "$pf_py" -c 'import sys; from pip._internal.cli.main import main; sys.argv[0] = sys.argv.pop(1); sys.exit(main())' \
		"$0" "$@"
fi

# No pip of its own: find the command the way pip's general options would, and refuse what
# would install or remove packages, or run pip for another Python.
cmd='' skip=''
for a in "$@"; do
	if [ -n "$skip" ]; then skip=''; continue; fi
	case $a in
	--py*) pf_refuse "$tool $*" "--python runs pip for another Python, outside this environment's guard." ;;
	--log|--log-file|--local-log|--proxy|--retries|--timeout|--exists-action|--trusted-host|\
	--cert|--client-cert|--cache-dir|--use-feature|--use-deprecated|--keyring-provider|--progress-bar)
		skip=1 ;;
	-*) ;;
	*) cmd=$a; break ;;
	esac
done
case $cmd in
install|download|wheel)
	pf_refuse "$tool $*" "This environment has no pip of its own, so nothing can be checked against its vetted packages." ;;
uninstall)
	pf_refuse "$tool $*" "Uninstalling would remove vetted packages; this environment's packages are fixed by its lock." ;;
esac
if [ "$layout" = self-contained ]; then
	echo "pinfold: $tool: this environment has no pip; run 'pinfold-vetted pypi' to see its Python packages" >&2
	exit 127
fi
# Host mode: the first pip on PATH that is not this guard.
pf_real=''
pf_ifs=$IFS; IFS=:
for pf_d in $PATH; do
	[ -n "$pf_d" ] || pf_d=.
	if [ -f "$pf_d/$tool" ] && [ -x "$pf_d/$tool" ] &&
		[ "$(CDPATH='' cd -- "$pf_d" 2>/dev/null && pwd -P)" != "$here" ]; then
		pf_real=$pf_d/$tool
		break
	fi
done
IFS=$pf_ifs
if [ -z "$pf_real" ]; then
	echo "pinfold: $tool: not found outside this environment" >&2
	exit 127
fi
echo "pinfold: note: this environment has no pip of its own; running $pf_real" >&2
exec "$pf_real" "$@"
