# SPDX-License-Identifier: MIT
# Runs every tests/solve/cases/*.case: builds and signs the case's catalog with a throwaway key,
# writes its image, runs the real `pinfold lock`, and compares the lock or the error text.
#
# Case format (one directive a line; '#' comments; indented lines continue the last block):
#   now RFC3339                         the --now time (default 2026-06-01T00:00:00Z)
#   catalog-min-age N                   catalog policy (default 7)
#   pkg ECO NAME VERSION PUBLISHED      a vetted package; then indented:
#     depends TEXT | provides TEXT | conflicts TEXT
#   revoke ECO:NAME VERSION|RANGE | REASON    a signed advisory
#   python V | platform P | host "ECO:NAME VERSION" | request TEXT | min-age N   the image
#   expect-lock                         then indented "ECO:NAME VERSION" lines: exactly the lock
#   expect-error CODE                   then indented lines that must each appear on stderr
. "$SRCDIR/tests/lib.sh"

newkey case
KEY="$T/keys/case.key"

yq() {	# YAML double-quoted scalar
	printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

run_case() {
	f=$1 name=$(basename "$1" .case)
	d="$T/$name"
	mkdir -p "$d/cat" "$d/images"
	now=2026-06-01T00:00:00Z catmin=7 block= mode= code=
	: >"$d/pkgs" ; : >"$d/revokes"; : >"$d/image-extra"; : >"$d/requests"; : >"$d/host"; : >"$d/want"
	python= platform= minage=
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in ''|'#'*) continue ;; esac
		case $line in
		' '*|'	'*)
			l=$(printf '%s' "$line" | sed 's/^[ 	]*//')
			case $block in
			pkg)
				key=${l%% *} val=${l#* }
				printf '%s\t%s\n' "$key" "$val" >>"$d/cur" ;;
			want) printf '%s\n' "$l" >>"$d/want" ;;
			esac
			continue ;;
		esac
		[ "$block" = pkg ] && flush_pkg
		block=
		set -f; set -- $line; set +f
		case $1 in
		now) now=$2 ;;
		catalog-min-age) catmin=$2 ;;
		pkg) block=pkg; cur_eco=$2 cur_name=$3 cur_ver=$4 cur_pub=$5; : >"$d/cur" ;;
		revoke) printf '%s\n' "${line#revoke }" >>"$d/revokes" ;;
		python) python=$2 ;;
		platform) platform=$2 ;;
		host) printf '%s\n' "${line#host }" >>"$d/host" ;;
		request) printf '%s\n' "${line#request }" >>"$d/requests" ;;
		min-age) minage=$2 ;;
		expect-lock) mode=lock; block=want ;;
		expect-error) mode=error; code=$2; block=want ;;
		*) echo "# $name: unknown directive '$1'"; return 1 ;;
		esac
	done <"$f"
	[ "$block" = pkg ] && flush_pkg
	{
		echo "format: pinfold-catalog/1"
		echo "name: case-$name"
		echo "version: 0"
		echo "policy: {min_age_days: $catmin}"
		echo "packages:"
		cat "$d/pkgs"
	} >"$d/cat/catalog.yaml"
	while IFS= read -r r; do
		what=${r%% | *} reason=${r#* | }
		set -f; set -- $what; set +f
		pf catalog revoke "$d/cat" "$1" "$2" --reason "$reason" >/dev/null || echo "# revoke failed: $r"
	done <"$d/revokes"
	pf catalog sign "$d/cat" --key "$KEY" >/dev/null || { echo "# $name: sign failed"; return 1; }
	{
		echo "name: $name"
		echo "catalog: ../cat"
		if [ -n "$python$platform" ] || [ -s "$d/host" ]; then
			echo "target:"
			[ -n "$python" ] && echo "  python: $(yq "$python")"
			[ -n "$platform" ] && echo "  platform: $platform"
			if [ -s "$d/host" ]; then
				echo "  host:"
				while IFS= read -r h; do echo "    - $(yq "$h")"; done <"$d/host"
			fi
		fi
		echo "packages:"
		while IFS= read -r q; do echo "  - $(yq "$q")"; done <"$d/requests"
		[ -n "$minage" ] && echo "policy: {min_age_days: $minage}"
	} >"$d/images/$name.yaml"
	NOW=$now
	"$PINFOLD" --now "$now" --trust "$KEY.pub" lock "$d/images/$name.yaml" -o "$d/out.lock" \
		>"$d/stdout" 2>"$d/stderr"
	rc=$?
	n=$((n + 1))
	if [ "$mode" = lock ]; then
		awk '/^  - ecosystem: /{e=$3} /^    name: /{nm=$2} /^    version: /{v=$2; gsub(/"/,"",v); print e ":" nm " " v}' \
			"$d/out.lock" 2>/dev/null | sort >"$d/got"
		sort "$d/want" >"$d/want.sorted"
		if [ $rc -eq 0 ] && diff -u "$d/want.sorted" "$d/got" >"$d/diff"; then
			echo "ok $n - $name"
		else
			echo "not ok $n - $name (exit $rc)"; sed 's/^/#   /' "$d/diff" "$d/stderr" | head -30
			failed=$((failed + 1))
		fi
	else
		bad=
		[ "$rc" -eq "$code" ] || bad="exit $rc, want $code"
		while IFS= read -r w; do
			grep -qF -- "$w" "$d/stderr" || bad="$bad; missing '$w'"
		done <"$d/want"
		if [ -z "$bad" ]; then echo "ok $n - $name"
		else echo "not ok $n - $name ($bad)"; sed 's/^/#   err: /' "$d/stderr" | head -20
			failed=$((failed + 1)); fi
	fi
}

flush_pkg() {
	{
		echo "  - ecosystem: $cur_eco"
		echo "    name: $(yq "$cur_name")"
		echo "    version: $(yq "$cur_ver")"
		echo "    published: $cur_pub"
		echo "    artifact: {file: $(yq "$cur_name-$cur_ver.bin"), format: generic, size: 1, sha256: $(printf '%064d' 0 | tr 0 a)}"
		for k in depends provides conflicts; do
			if grep -q "^$k	" "$d/cur"; then
				echo "    $k:"
				grep "^$k	" "$d/cur" | cut -f2- | while IFS= read -r v; do echo "      - $(yq "$v")"; done
			fi
		done
	} >>"$d/pkgs"
	: >"$d/cur"
}

for f in "$SRCDIR"/tests/solve/cases/*.case; do
	run_case "$f"
done
done_testing
