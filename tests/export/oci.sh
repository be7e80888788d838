#!/bin/sh
# SPDX-License-Identifier: MIT
# pinfold export oci (issue 16): the same environment gives the same image bytes whatever the
# time, user, umask or directory; Debian's skopeo, umoci and oci-image-tool accept the gzip image;
# umoci unpacks it into the environment's own tree; the SBOMs hang off the image as OCI 1.1
# artifacts; podman loads the archive; a tampered or hostile environment exports nothing.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/export/common.sh"

export_fixture
check "fixture: an environment built from a signed test catalog" "[ -s t.tar.zst ]"
LOCKSHA=$(sha256sum <t.lock | cut -d' ' -f1)
ENVSHA=$(sha256sum <t.tar.zst | cut -d' ' -f1)
TARSHA=$(zstd -dc t.tar.zst | sha256sum | cut -d' ' -f1)
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }	# blob DIR DIGEST: its path

# --- export; the same bytes every time
expect 0 "" "export oci ENV -o DIR --archive FILE" -- pf export oci t.tar.zst -o img --archive img.tar
cp "$T/.stdout" export.out
sed 's/^/# /' export.out "$T/.stderr"
IMG=$(jq -r '.manifests[0].digest' img/index.json)
check "prints the image digest (the manifest index.json names)" "grep -qx 'image $IMG  img' export.out"
check "the layout: oci-layout, index.json and blobs/sha256 only" \
	"[ \"\$(ls img | tr '\\n' ' ')\" = 'blobs index.json oci-layout ' ] && [ \"\$(ls img/blobs)\" = sha256 ]"
check "every blob is named by its SHA-256" \
	'for f in img/blobs/sha256/*; do [ "$(sha256sum <"$f" | cut -d" " -f1)" = "${f##*/}" ] || exit 1; done'
check "index.json: one entry, named by the lock's image name, with its platform" \
	"[ \$(jq '.manifests | length' img/index.json) -eq 1 ] && [ \"\$(jq -r '.manifests[0].annotations[\"org.opencontainers.image.ref.name\"]' img/index.json)\" = sbom-test ] && [ \"\$(jq -r '.manifests[0].platform | .os + \"/\" + .architecture' img/index.json)\" = linux/amd64 ]"
check "the archive is printed with its sha256" "grep -qx \"archive sha256:\$(sha256sum <img.tar | cut -d' ' -f1)  img.tar\" export.out"
check "the archive holds exactly the layout" \
	"mkdir x && tar -xf img.tar -C x && diff -r img x && [ \"\$(tar -tvf img.tar | awk '{print \$2}' | sort -u | tr '\\n' ' ')\" = '0/0 ' ]"
expect 0 "" "export again" -- pf export oci t.tar.zst -o img2 --archive img2.tar
check "exporting twice gives identical directories and archives" "diff -r img img2 && cmp -s img.tar img2.tar"

# everything that must not matter: time, zone, locale, umask, user, directory, names, file times
mkdir -p far/away/down
cp t.tar.zst far/away/other-name.tar.zst
touch -d '2001-02-03 04:05:06' far/away/other-name.tar.zst
(umask 077 && cd far/away && TZ=Asia/Kolkata LC_ALL=C.UTF-8 "$PINFOLD" --now 2031-01-01T00:00:00Z export oci \
	other-name.tar.zst -o down/img3 --archive down/img3.tar >out3 2>&1)
check "umask 077, another zone, clock, directory and file name: the same layout and archive" \
	"diff -r img far/away/down/img3 && cmp -s img.tar far/away/down/img3.tar && grep -q '^image $IMG ' far/away/out3"
check "... modes 0644/0755, not the umask's" \
	"[ \"\$(find far/away/down/img3 -type f ! -perm 0644 | wc -l)\" -eq 0 ] && [ \"\$(find far/away/down/img3 -type d ! -perm 0755 | wc -l)\" -eq 0 ]"
sleep 1
expect 0 "" "a second later: the same digest" -- pf export oci t.tar.zst -o img4
check "... (no wall clock in the bytes)" "diff -r img img4"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	# a copy of pinfold: the checkout may sit under a 0700 directory nobody cannot enter
	mkdir -p nob && cp "$PINFOLD" t.tar.zst nob/ && chown -R 65534:65534 nob && chmod 755 "$T"
	setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$T/nob" PINFOLD_STATE_DIR="$T/nob/st" \
		"$T/nob/pinfold" export oci nob/t.tar.zst -o nob/img5 >nob/out 2>&1
	check "another user (nobody): the same layout" "diff -r img nob/img5"
else
	skip "another user: not root here, cannot switch users"
fi

# --- what is in it
M=$(blob img "$IMG")
CFG=$(jq -r .config.digest "$M")
LAYER=$(jq -r '.layers[0].digest' "$M")
check "the manifest: one gzip layer, the compressor recorded" \
	"[ \$(jq '.layers | length' '$M') -eq 1 ] && [ \"\$(jq -r '.layers[0].mediaType' '$M')\" = application/vnd.oci.image.layer.v1.tar+gzip ] && jq -r '.layers[0].annotations[\"dev.pinfold.layer.compressor\"]' '$M' | grep -q '^zlib .* deflate level 6'"
check "the layer's gzip header has no name, MTIME 0 and OS 255" \
	"[ \"\$(od -An -tx1 -N10 '$(blob img "$LAYER")' | tr -d ' \\n')\" = 1f8b08000000000000ff ]"
zstd -qdc t.tar.zst >env.tar
check "the layer is the environment's own tar, byte for byte" "gzip -dc '$(blob img "$LAYER")' | cmp -s - env.tar"
C=$(blob img "$CFG")
check "rootfs.diff_ids is the SHA-256 of the tar (what build printed)" \
	"[ \"\$(jq -r '.rootfs.diff_ids[0]' '$C')\" = sha256:$TARSHA ]"
sde=$(sed -n 's/^source_date_epoch: //p' t.lock)
created=$(date -u -d "@$sde" +%Y-%m-%dT%H:%M:%SZ)
check "created and history are the lock's source_date_epoch" \
	"[ \"\$(jq -r .created '$C')\" = $created ] && [ \"\$(jq -r '.history[0].created' '$C')\" = $created ]"
check "a non-root user, a shell, the project as working directory" \
	"[ \"\$(jq -r .config.User '$C')\" = 1000:1000 ] && jq -r '.config.Cmd[0]' '$C' | grep -qx '/bin/\\(ba\\)*sh' && [ \"\$(jq -r .config.WorkingDir '$C')\" = /project ]"
check "Env: PATH and the guards' settings" \
	"jq -r '.config.Env[]' '$C' | grep -qx 'PATH=/usr/local/bin:/usr/bin:/bin' && jq -r '.config.Env[]' '$C' | grep -qx 'PIP_NO_INDEX=1' && jq -r '.config.Env[]' '$C' | grep -qx 'npm_config_offline=true'"
check "labels: the lock's digest, the catalog, the tarball, the OCI title" \
	"[ \"\$(jq -r '.config.Labels[\"dev.pinfold.lock.sha256\"]' '$C')\" = $LOCKSHA ] && [ \"\$(jq -r '.config.Labels[\"dev.pinfold.catalog.name\"] + \" \" + .config.Labels[\"dev.pinfold.catalog.version\"]' '$C')\" = 'sbomcat 1' ] && [ \"\$(jq -r '.config.Labels[\"dev.pinfold.env.sha256\"]' '$C')\" = $ENVSHA ] && [ \"\$(jq -r '.config.Labels[\"org.opencontainers.image.title\"]' '$C')\" = sbom-test ]"

# --- the SBOMs, attached as OCI 1.1 artifacts whose subject is the image
mkdir env
tar --zstd -xf t.tar.zst -C env
R=$(jq -r '.manifests[0].annotations["dev.pinfold.referrers"]' img/index.json)
check "index.json names the referrers index, an image index of two artifacts" \
	"[ \"\$(jq -r .mediaType '$(blob img "$R")')\" = application/vnd.oci.image.index.v1+json ] && [ \"\$(jq -r '[.manifests[].artifactType] | join(\" \")' '$(blob img "$R")')\" = 'application/spdx+json application/vnd.cyclonedx+json' ]"
for kind in spdx cdx; do
	A=$(jq -r ".manifests[$([ $kind = spdx ] && echo 0 || echo 1)].digest" "$(blob img "$R")")
	AM=$(blob img "$A")
	check "$kind: the artifact's subject is the image (digest and size)" \
		"[ \"\$(jq -r .subject.digest '$AM')\" = $IMG ] && [ \"\$(jq -r .subject.size '$AM')\" = \$(wc -c <'$M') ]"
	check "$kind: empty config (OCI 1.1), the document as its one layer, byte for byte the environment's" \
		"[ \"\$(jq -r .config.mediaType '$AM')\" = application/vnd.oci.empty.v1+json ] && [ \"\$(cat '$(blob img "$(jq -r .config.digest "$AM")")')\" = '{}' ] && cmp -s '$(blob img "$(jq -r '.layers[0].digest' "$AM")")' env/.pinfold/sbom.$kind.json"
done

# --- Debian 12's OCI tools
expect 0 "" "skopeo inspect oci:DIR accepts the gzip image" -- skopeo inspect oci:img
check "... and reports the same digest" "[ \"\$(jq -r .Digest '$T/.stdout')\" = $IMG ]"
expect 0 "" "skopeo copy oci:DIR docker-archive:FILE" -- skopeo copy oci:img docker-archive:"$T/d.tar":sbom-test:latest
check "... a docker archive whose one layer is the environment's tar (named by its digest)" \
	"[ \"\$(skopeo inspect docker-archive:d.tar | jq -r '.Layers | length')\" = 1 ] && tar -xOf d.tar manifest.json | jq -e '.[0].RepoTags[0] == \"docker.io/library/sbom-test:latest\" and .[0].Layers == [\"$TARSHA.tar\"]' >/dev/null"
expect 0 "" "skopeo inspect oci-archive:FILE: the archive is the same image" -- skopeo inspect oci-archive:img.tar
check "... same digest" "[ \"\$(jq -r .Digest '$T/.stdout')\" = $IMG ]"
expect 0 "Validation succeeded" "oci-image-tool validate --type image" -- oci-image-tool validate --type image img
expect 0 "" "umoci unpack --rootless" -- umoci unpack --rootless --image img:sbom-test bundle
expect 0 "" "the unpacked tree verifies against the environment's manifest" -- pf verify bundle/rootfs
check "... it is the unpacked environment: same manifest, same tree" \
	"cmp -s bundle/rootfs/.pinfold/manifest env/.pinfold/manifest && diff -r --no-dereference bundle/rootfs env"
if [ -x env/bin/python3 ] || [ -L env/bin/python3 ]; then
	# a host-mode environment: its Python packages import from the tree umoci made, inside bubblewrap
	if command -v bwrap >/dev/null 2>&1; then
		expect 0 "" "the unpacked tree works under bwrap (host-mode: activate, import the locked wheel)" -- \
			bwrap --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
				--ro-bind "$T/bundle/rootfs" /env --proc /proc --dev /dev --tmpfs /tmp --unshare-all --clearenv \
				--setenv PATH /usr/bin /bin/sh -c '. /env/bin/activate && python3 -c "import wheel, pip; print(wheel.__version__)"'
		check "... wheel 0.38.4 from the image" "grep -qx 0.38.4 '$T/.stdout'"
	else
		skip "bwrap is not installed"
	fi
fi

# --- podman: load the archive (private storage); run it as root and rootless where this machine can
if command -v podman >/dev/null 2>&1; then
	PM="podman --root $T/pm/root --runroot $T/pm/run --storage-driver vfs"
	expect 0 "" "podman load -i ARCHIVE (private storage)" -- $PM load -i "$T/img.tar"
	check "... as localhost/sbom-test:latest, the same image" \
		"$PM image inspect localhost/sbom-test:latest --format '{{.Digest}}' | grep -qx $IMG"
	self=0
	jq -e '.config.Labels["dev.pinfold.runtime"] == "self-contained"' "$C" >/dev/null && self=1
	ran=
	if $PM run --rm --network=none localhost/sbom-test:latest /bin/sh -c 'echo ran' >pm.out 2>pm.err; then
		ran=root
	else
		why="as root: $(grep -v '^$' pm.err | tail -n 1)"
		if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
			mkdir -p pmu && chown 65534:65534 pmu && chmod 755 "$T" && chmod 644 "$T/img.tar"
			if setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$T/pmu" XDG_RUNTIME_DIR="$T/pmu/run" \
				sh -c 'mkdir -p "$XDG_RUNTIME_DIR" && podman load -q -i "$1" >/dev/null &&
					podman run --rm --network=none localhost/sbom-test:latest /bin/sh -c "echo ran"' \
				sh "$T/img.tar" >pm.out 2>pmu.err; then
				ran=rootless
			else
				why="$why; rootless (nobody): $(grep -v '^$' pmu.err | tail -n 1)"
			fi
		fi
	fi
	if [ -n "$ran" ]; then
		check "podman run ($ran): the image's shell runs" "[ $self = 1 ] && grep -qx ran pm.out"
	elif [ $self = 0 ]; then
		skip "podman run: a host-mode image has no program of its own to run ($why)"
	elif grep -q -i -e 'crun' -e 'cgroup' -e 'setrlimit' -e 'newuidmap' -e 'user namespace' -e 'subuid' pm.err pmu.err 2>/dev/null; then
		skip "podman cannot run containers on this machine ($why)"
	else
		check "podman run of the self-contained image ($why)" false
	fi
else
	skip "podman is not installed"
fi

# --- zstd on request
expect 0 "" "export --compression zstd" -- pf export oci t.tar.zst -o imgz --compression zstd
MZ=$(blob imgz "$(jq -r '.manifests[0].digest' imgz/index.json)")
check "the zstd layer is the environment tarball itself, and diff_ids are the same tar" \
	"[ \"\$(jq -r '.layers[0].digest' '$MZ')\" = sha256:$ENVSHA ] && [ \"\$(jq -r '.layers[0].mediaType' '$MZ')\" = application/vnd.oci.image.layer.v1.tar+zstd ] && [ \"\$(jq -r '.rootfs.diff_ids[0]' '$(blob imgz "$(jq -r .config.digest "$MZ")")')\" = sha256:$TARSHA ]"
expect 0 "" "skopeo inspect reads the zstd image" -- skopeo inspect oci:imgz
expect 0 "" "an existing image layout is replaced (--tag names it)" -- pf export oci t.tar.zst -o imgz --tag team/env:v1
check "... by the new one" "[ \"\$(jq -r '.manifests[0].annotations[\"org.opencontainers.image.ref.name\"]' imgz/index.json)\" = team/env:v1 ] && [ -z \"\$(ls -a | grep '^\\.pinfold-export-')\" ]"

# --- refused: nothing is written, nothing is left behind
nothing_left() { [ ! -e "$1" ] && [ -z "$(ls -a | grep -e '^\.pinfold-export-' -e 'tmp-')" ]; }
mkdir tam && tar --zstd -xf t.tar.zst -C tam
f=$(cd tam && find lib -type f -name '*.py' | sort | head -n 1)
printf '# edited\n' >>"tam/$f"
(cd tam && tar --zstd -cf ../tampered.tar.zst .)
expect 1 "difference" "a tampered environment is refused" -- pf export oci tampered.tar.zst -o bad1 --archive bad1.tar
check "... naming the file, no layout, no archive, no staging" "grep -q '$f' '$T/.stderr' && nothing_left bad1 && [ ! -e bad1.tar ]"
head -c 100000 t.tar.zst >trunc.tar.zst
expect 1 "'trunc.tar.zst': " "a truncated tarball is refused, naming it" -- pf export oci trunc.tar.zst -o bad2
check "... nothing left" "nothing_left bad2"
# a whiteout name, even one its manifest lists, is refused: in an OCI layer it would delete things
mkdir wh && tar --zstd -xf t.tar.zst -C wh
printf 'x\n' >wh/lib/.wh.evil
python3 - wh <<'PY'
import hashlib, sys
root = sys.argv[1]
p = root + "/.pinfold/manifest"
lines = open(p).read().split("\n")
head, body = lines[0], [l for l in lines[1:] if l]
data = open(root + "/lib/.wh.evil", "rb").read()
body.append("lib/.wh.evil\tf\t0644\t%d\t%s\t-" % (len(data), hashlib.sha256(data).hexdigest()))
body.sort(key=lambda l: l.split("\t")[0].encode())
open(p, "w").write("\n".join([head] + body) + "\n")
PY
(cd wh && tar --zstd -cf ../wh.tar.zst .)
expect 0 "" "(the crafted environment verifies)" -- pf verify wh.tar.zst
expect 1 "would be an OCI whiteout" "an environment with a '.wh.' name is refused" -- pf export oci wh.tar.zst -o bad3
check "... nothing left" "nothing_left bad3"
mkdir notimg && echo keep >notimg/file
expect 3 "is not an OCI image layout" "an existing directory that is not a layout is not replaced" -- pf export oci t.tar.zst -o notimg
check "... and is untouched" "[ \"\$(cat notimg/file)\" = keep ] && [ \$(ls notimg | wc -l) -eq 1 ]"
expect 2 "-o DIR is required" "usage: -o is required" -- pf export oci t.tar.zst
expect 2 "is not gzip or zstd" "usage: an unknown compression" -- pf export oci t.tar.zst -o u1 --compression xz
expect 2 "not a valid reference name" "usage: a bad --tag" -- pf export oci t.tar.zst -o u2 --tag 'a b'
check "... nothing written for usage errors" "nothing_left u1 && nothing_left u2"
expect 3 "'nope.tar.zst': No such file" "a missing environment" -- pf export oci nope.tar.zst -o u3
# A LOCKFILE is built first, as 'pinfold build' builds it (the same checks), then exported.
expect 0 "" "export oci LOCKFILE builds it and exports it" -- \
	pf $TR export oci t.lock -o fromlock --mirror "$T/mirror" --cache "$T/cache"
check "... the same image digest as exporting the tarball build wrote" \
	"[ \"\$(jq -r '.manifests[0].digest' fromlock/index.json)\" = '$IMG' ]"
check "... and no temporary tarball is left" "! ls \"\${TMPDIR:-/tmp}\" | grep -q '^pinfold-export-'"
sed -E '0,/^      sha256: /s/^(      sha256: "?)[0-9a-f]{64}/\10000000000000000000000000000000000000000000000000000000000000000/' \
	t.lock >edited.lock
check "(the edit took)" "! cmp -s t.lock edited.lock"
expect 1 "is not the catalog's" "a hand-edited lock is refused before anything is built or exported" -- \
	pf $TR export oci edited.lock -o u4 --mirror "$T/mirror" --cache "$T/cache"
check "... nothing written" "nothing_left u4"
expect 2 "go with a LOCKFILE" "--mirror with a tarball is a usage error" -- pf export oci t.tar.zst -o u5 --mirror "$T/mirror"
expect 2 "export: unknown subcommand 'docker' (expected oci)" "an unknown subcommand" -- pf export docker t.tar.zst

# --- an environment built before pinfold recorded SBOMs: exported, with nothing attached
mkdir old && tar --zstd -xf t.tar.zst -C old
rm old/.pinfold/sbom.spdx.json old/.pinfold/sbom.cdx.json
grep -v '^\.pinfold/sbom\.' old/.pinfold/manifest >old.manifest && mv old.manifest old/.pinfold/manifest
(cd old && tar --zstd -cf ../old.tar.zst .)
expect 0 "carries no SBOMs" "an environment without SBOMs exports, warning" -- pf export oci old.tar.zst -o imgold
check "... index.json names no referrers" "[ \"\$(jq -r '.manifests[0].annotations[\"dev.pinfold.referrers\"]' imgold/index.json)\" = null ]"
expect 0 "" "... and the image is still accepted" -- skopeo inspect oci:imgold
expect 3 "has no .pinfold/sbom.spdx.json" "sbom of such an environment says to use its lockfile" -- \
	pf $TR sbom old.tar.zst --format spdx-json --catalog cat
done_testing
