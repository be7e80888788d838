# SPDX-License-Identifier: MIT
# Sourced by the build tests: write a lockfile without the solver.
# mklock PYTHON SOURCE_DATE_EPOCH ECO:NAME:VERSION:FORMAT:PATH ... > FILE
# A lock is never trusted on its own: each call also writes a signed catalog holding exactly these
# artifacts (its own directory and name, signed with a throwaway key that pf trusts from here on)
# and the lock names it as its catalog.source, as `pinfold lock` would.
LOCKGEN_KEY="$T/.lockgen/key"
mkdir -p "$T/.lockgen"
"$PINFOLD" key generate "$LOCKGEN_KEY" >/dev/null
pf() { "$PINFOLD" --now "$NOW" --trust "$LOCKGEN_KEY.pub" "$@"; }
_lg_n=0
mklock() {
	_py=$1 _sde=$2
	shift 2
	# a directory of its own (readable by the repro test's nobody), found without forking
	while [ -e "$T/lockcat.$_lg_n" ]; do _lg_n=$((_lg_n + 1)); done
	_cat="$T/lockcat.$_lg_n"
	_cname="lockcat.$_lg_n"
	mkdir -m 755 "$_cat"
	_cpk='' _lpk=''
	for _p in "$@"; do
		_eco=${_p%%:*}; _r=${_p#*:}
		_name=${_r%%:*}; _r=${_r#*:}
		_ver=${_r%%:*}; _r=${_r#*:}
		_fmt=${_r%%:*}; _path=${_r#*:}
		_sz=$(stat -c %s "$_path")
		_sha=$(sha256sum "$_path")
		_head="  - ecosystem: $_eco
    name: \"$_name\"
    version: \"$_ver\"
"
		_art="    artifact: {file: \"${_path##*/}\", format: $_fmt, size: $_sz, sha256: ${_sha%% *}}
"
		_cpk="$_cpk$_head    published: 2023-01-01
$_art"
		_lpk="$_lpk$_head$_art"
	done
	printf 'format: pinfold-catalog/1\nname: %s\nversion: 0\npolicy: {min_age_days: 0}\npackages:\n%s' \
		"$_cname" "$_cpk" >"$_cat/catalog.yaml"
	"$PINFOLD" --now "$NOW" catalog sign "$_cat" --key "$LOCKGEN_KEY" >/dev/null
	_sha=$(sha256sum "$_cat/catalog.yaml")
	printf 'format: pinfold-lock/1\n'
	printf 'image: {name: test, sha256: %064d}\n' 0
	printf 'catalog: {name: %s, version: 1, sha256: %s, keys: [], source: "%s"}\n' "$_cname" "${_sha%% *}" "$_cat"
	printf 'policy: {min_age_days: 0, age_cutoff: "2026-01-01T00:00:00Z"}\n'
	printf 'target: {python: "%s", platform: linux-x86_64}\n' "$_py"
	printf 'source_date_epoch: %s\npackages:\n' "$_sde"
	printf '%s' "$_lpk"
}

# no_leftovers DIR: no output, no checksum file and no staging tree in DIR
no_leftovers() {
	[ ! -e "$1/out.tar.zst" ] && [ ! -e "$1/out.tar.zst.sha256" ] &&
		! ls -a "$1" | grep -q '^\.pinfold-build-' && ! ls -a "$1" | grep -q 'tmp-'
}

# real_artifacts DIR: Debian's wheels and small real npm packages (npm pack, cached under
# $BUILDDIR so later runs need no network) into DIR; sets REAL_SPECS for mklock.
# A deb (python3-six via apt-get download) is added when it can be had; HAVE_DEB says so.
real_artifacts() {
	_cache="$BUILDDIR/test-cache/build"
	mkdir -p "$_cache" "$1"
	for _p in semver@7.6.3 is-number@7.0.0 @isaacs/string-locale-compare@1.1.0; do
		_f=$(echo "$_p" | sed 's/^@//; s|/|-|; s/@/-/').tgz
		if [ ! -s "$_cache/$_f" ]; then
			(cd "$_cache" && npm pack --silent "$_p" >/dev/null 2>&1) || true
		fi
	done
	if [ ! -s "$_cache/python3-six_1.16.0-4_all.deb" ]; then
		(cd "$_cache" && apt-get download python3-six=1.16.0-4 >/dev/null 2>&1) || true
	fi
	W=/usr/share/python-wheels
	cp "$W/pip-23.0.1-py3-none-any.whl" "$W/setuptools-66.1.1-py3-none-any.whl" \
		"$W/wheel-0.38.4-py3-none-any.whl" "$_cache"/*.tgz "$1"/
	REAL_SPECS="pypi:pip:23.0.1:wheel:$1/pip-23.0.1-py3-none-any.whl
pypi:setuptools:66.1.1:wheel:$1/setuptools-66.1.1-py3-none-any.whl
pypi:wheel:0.38.4:wheel:$1/wheel-0.38.4-py3-none-any.whl
npm:semver:7.6.3:npm:$1/semver-7.6.3.tgz
npm:is-number:7.0.0:npm:$1/is-number-7.0.0.tgz
npm:@isaacs/string-locale-compare:1.1.0:npm:$1/isaacs-string-locale-compare-1.1.0.tgz"
	HAVE_DEB=0
	if [ -s "$_cache/python3-six_1.16.0-4_all.deb" ]; then
		cp "$_cache/python3-six_1.16.0-4_all.deb" "$1"/
		REAL_SPECS="$REAL_SPECS
deb:python3-six:1.16.0-4:deb:$1/python3-six_1.16.0-4_all.deb"
		HAVE_DEB=1
	fi
}
