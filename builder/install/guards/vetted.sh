#!/bin/sh
# SPDX-License-Identifier: MIT
# pinfold-vetted: list the vetted packages of this environment (.pinfold/vetted.txt, written from
# its lock by pinfold build), all of them or those of one ecosystem or matching NAME.
# Plain POSIX sh and its builtins only: a self-contained environment may have no awk, sed or tr.
layout='@PF_LAYOUT@'
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
here=$(CDPATH='' cd -- "$here" && pwd -P) || exit 1
if [ "$layout" = self-contained ]; then
	root=$(CDPATH='' cd -- "$here/../../.." && pwd -P) || exit 1
else
	root=$(CDPATH='' cd -- "$here/.." && pwd -P) || exit 1
fi
list=${root%/}/.pinfold/vetted.txt

case ${1-} in
-h|--help)
	cat <<'EOF'
usage: pinfold-vetted [npm|pypi|deb|generic] [NAME...]

Lists the packages of this environment that were vetted and are installed, one per line
as ECOSYSTEM:NAME VERSION. An ecosystem keeps only its packages; each NAME keeps the
packages whose name contains it (ignoring case, and '-', '_' and '.' for Python).
Exits 1 when nothing matches. Python modules that come from Debian are deb packages
named python3-NAME.
EOF
	exit 0 ;;
-*)
	echo "pinfold-vetted: unknown option '$1' (see pinfold-vetted --help)" >&2
	exit 2 ;;
esac
eco=''
case ${1-} in npm|pypi|deb|generic) eco=$1; shift ;; esac
if [ ! -r "$list" ]; then
	echo "pinfold-vetted: cannot read '$list'" >&2
	exit 3
fi

# norm WORD: WORD in lower case, with runs of '-', '_' and '.' as one '-' (sets $norm).
norm() {
	norm='' _s=$1
	while [ -n "$_s" ]; do
		_r=${_s#?}
		_c=${_s%"$_r"}
		_s=$_r
		case $_c in
		A) _c=a ;; B) _c=b ;; C) _c=c ;; D) _c=d ;; E) _c=e ;; F) _c=f ;; G) _c=g ;; H) _c=h ;;
		I) _c=i ;; J) _c=j ;; K) _c=k ;; L) _c=l ;; M) _c=m ;; N) _c=n ;; O) _c=o ;; P) _c=p ;;
		Q) _c=q ;; R) _c=r ;; S) _c=s ;; T) _c=t ;; U) _c=u ;; V) _c=v ;; W) _c=w ;; X) _c=x ;;
		Y) _c=y ;; Z) _c=z ;; _|.) _c=- ;;
		esac
		case $_c$norm in -*-) continue ;; esac
		norm=$norm$_c
	done
}

wants=''
for w in "$@"; do
	norm "$w"
	wants="$wants $norm"
done
tab=$(printf '\t')
hits=0
while IFS=$tab read -r e name version _ || [ -n "$e" ]; do
	case $e in ''|'#'*) continue ;; esac
	[ -z "$eco" ] || [ "$e" = "$eco" ] || continue
	if [ -n "$wants" ]; then
		norm "$name"
		hit=''
		for w in $wants; do
			case $norm in *"$w"*) hit=1; break ;; esac
		done
		[ -n "$hit" ] || continue
	fi
	printf '%s:%s %s\n' "$e" "$name" "$version"
	hits=$((hits + 1))
done <"$list"
if [ "$hits" -eq 0 ]; then
	echo "pinfold-vetted: nothing vetted here matches${eco:+ $eco}${*:+ '$*'}" >&2
	exit 1
fi
