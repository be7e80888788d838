# SPDX-License-Identifier: MIT
# Sourced by the build tests: write a lockfile without the solver.
# mklock PYTHON SOURCE_DATE_EPOCH ECO:NAME:VERSION:FORMAT:PATH ... > FILE
mklock() {
	_py=$1 _sde=$2
	shift 2
	printf 'format: pinfold-lock/1\n'
	printf 'image: {name: test, sha256: %064d}\n' 0
	printf 'catalog: {name: test, version: 1, sha256: %064d, keys: []}\n' 0
	printf 'policy: {min_age_days: 0, age_cutoff: "2026-01-01T00:00:00Z"}\n'
	printf 'target: {python: "%s", platform: linux-x86_64}\n' "$_py"
	printf 'source_date_epoch: %s\npackages:\n' "$_sde"
	for _p in "$@"; do
		_eco=${_p%%:*}; _r=${_p#*:}
		_name=${_r%%:*}; _r=${_r#*:}
		_ver=${_r%%:*}; _r=${_r#*:}
		_fmt=${_r%%:*}; _path=${_r#*:}
		printf '  - ecosystem: %s\n    name: "%s"\n    version: "%s"\n' "$_eco" "$_name" "$_ver"
		printf '    artifact: {file: "%s", format: %s, size: %s, sha256: %s}\n' "$(basename "$_path")" "$_fmt" \
			"$(wc -c <"$_path" | tr -d ' ')" "$(sha256sum "$_path" | cut -d' ' -f1)"
	done
}

# no_leftovers DIR: no output, no checksum file and no staging tree in DIR
no_leftovers() {
	[ ! -e "$1/out.tar.zst" ] && [ ! -e "$1/out.tar.zst.sha256" ] &&
		! ls -a "$1" | grep -q '^\.pinfold-build-' && ! ls -a "$1" | grep -q 'tmp-'
}
