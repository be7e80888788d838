#!/bin/sh
# SPDX-License-Identifier: MIT
# pinfold-vetted: list the vetted packages of this environment (.pinfold/vetted.txt, written from
# its lock by pinfold build), all of them or those of one ecosystem or matching NAME.
layout='@PF_LAYOUT@'
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P) || exit 1
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
PF_ECO=$eco PF_NAMES="$*" awk -F '\t' '
function norm(s) { s = tolower(s); gsub(/[-_.]+/, "-", s); return s }
BEGIN { n = split(ENVIRON["PF_NAMES"], want, " "); for (i = 1; i <= n; i++) want[i] = norm(want[i]) }
/^#/ || NF < 3 { next }
ENVIRON["PF_ECO"] != "" && $1 != ENVIRON["PF_ECO"] { next }
{
	ok = n == 0
	for (i = 1; i <= n && !ok; i++)
		if (index(norm($2), want[i]) > 0) ok = 1
	if (ok) { print $1 ":" $2 " " $3; hits++ }
}
END {
	if (!hits) {
		printf "pinfold-vetted: nothing vetted here matches%s%s\n", \
			(ENVIRON["PF_ECO"] != "" ? " " ENVIRON["PF_ECO"] : ""), \
			(n ? " \047" ENVIRON["PF_NAMES"] "\047" : "") > "/dev/stderr"
		exit 1
	}
}' "$list"
