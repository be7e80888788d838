#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Hostile artifacts for the hardening tests (issue 13).  usage: mkfixtures.py KIND OUT
import io, sys, tarfile, zipfile

kind, out = sys.argv[1], sys.argv[2]
MTIME = 1577836800


def wheel(name, version, files, meta_extra=""):
    z = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
    info = "%s-%s.dist-info" % (name, version)
    for n, d in files:
        if isinstance(d, tuple):	# (target,): a symlink
            zi = zipfile.ZipInfo(n)
            zi.create_system = 3
            zi.external_attr = (0o120777 << 16)
            z.writestr(zi, d[0])
        else:
            z.writestr(n, d)
    z.writestr(info + "/METADATA", "Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s" % (name, version, meta_extra))
    z.writestr(info + "/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    z.writestr(info + "/RECORD", "")
    z.close()


def npm(pj, extra=()):
    buf = io.BytesIO()
    t = tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.GNU_FORMAT)
    for name, data in [("package/package.json", pj.encode()), ("package/index.js", b"module.exports = 1;\n")] + list(extra):
        ti = tarfile.TarInfo(name)
        ti.mtime = MTIME
        ti.mode = 0o644
        if isinstance(data, tuple):
            ti.type = tarfile.SYMTYPE
            ti.linkname = data[0]
            t.addfile(ti)
        else:
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    t.close()
    open(out, "wb").write(buf.getvalue())


def tarball(entries, compress="xz"):
    buf = io.BytesIO()
    t = tarfile.open(fileobj=buf, mode="w:" + compress, format=tarfile.GNU_FORMAT)
    for name, data in entries:
        ti = tarfile.TarInfo(name)
        ti.mtime = MTIME
        ti.mode = 0o755 if data is None else 0o644
        if data is None:
            ti.type = tarfile.DIRTYPE
            t.addfile(ti)
        elif isinstance(data, tuple):
            ti.type = tarfile.SYMTYPE
            ti.linkname = data[0]
            t.addfile(ti)
        else:
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    t.close()
    return buf.getvalue()


def ar(members):
    o = b"!<arch>\n"
    for name, data in members:
        hdr = b"%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (name.encode(), 0, 0, 0, b"100644", len(data))
        o += hdr + data + (b"\n" if len(data) % 2 else b"")
    return o


def deb(name, version, data_entries, control_extra=b"", scripts=()):
    control = b"Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: t\n" % (
        name.encode(), version.encode()) + control_extra
    ctl = tarball([("./control", control)] + [("./" + s, b"#!/bin/sh\nexit 0\n") for s in scripts])
    open(out, "wb").write(ar([("debian-binary", b"2.0\n"), ("control.tar.xz", ctl),
                              ("data.tar.xz", tarball(data_entries))]))


PTH_EXEC = "import os; os.system('echo pwned')\n"
if kind == "wheel-c1-dep":	# a dependency with a C1 CSI (U+009B) in METADATA
    wheel("ctl", "1.0", [("ctl/__init__.py", "")], "Requires-Dist: idna\u009b2J\n")
elif kind == "npm-c1-name":	# a package name with an escaped C1 CSI in package.json
    npm('{"name": "evil\\u009b2J", "version": "1.0.0"}')
elif kind == "deb-c1-depends":
    deb("ctl", "1.0", [("./usr/", None), ("./usr/share/", None), ("./usr/share/ctl", b"x\n")],
        "Depends: libc6 (>= 2.0)\u009b2J\n".encode())
elif kind == "wheel-escape-data":	# .data/data installs at the environment root: ../../etc leaves it
    wheel("esc", "1.0", [("esc/__init__.py", ""), ("esc-1.0.data/data/escape", ("../../etc",))])
elif kind == "wheel-escape-scripts":	# .data/scripts installs in bin/: ../../x leaves the root
    wheel("esc", "1.0", [("esc/__init__.py", ""), ("esc-1.0.data/scripts/tool", ("../../outside",))])
elif kind == "wheel-inside-data":	# a link that stays inside after the move: accepted
    wheel("ins", "1.0", [("ins/__init__.py", ""), ("ins-1.0.data/data/share/ins/real.txt", "x\n"),
                         ("ins-1.0.data/data/share/ins/link.txt", ("real.txt",))])
elif kind == "wheel-pth":	# litellm 1.82.8's vector: a .pth with an import line
    wheel("pthy", "1.0", [("pthy/__init__.py", ""), ("pthy_init.pth", PTH_EXEC)])
elif kind == "wheel-pth-paths":	# a .pth with only path lines: not startup code
    wheel("paths", "1.0", [("paths/__init__.py", ""), ("paths.pth", "# comment\nsubdir\n"),
                           ("paths/nested.pth", "import os\n")])
elif kind == "wheel-pth-tab":	# "import\t" runs too (site.py)
    wheel("pthtab", "1.0", [("pthtab/__init__.py", ""), ("pthtab.pth", "x\nimport\tos\n")])
elif kind == "wheel-pth-data":	# .pth reaching site-packages through .data/purelib
    wheel("pthdata", "1.0", [("pthdata/__init__.py", ""), ("pthdata-1.0.data/purelib/zz.pth", PTH_EXEC)])
elif kind == "wheel-sitecustomize":
    wheel("sitec", "1.0", [("sitecustomize.py", "print('hi')\n"), ("usercustomize/__init__.py", "")])
elif kind == "npm-postinstall":
    npm('{"name": "hooky", "version": "1.0.0", "scripts": {"postinstall": "node steal.js", "test": "x"}}')
elif kind == "npm-gyp":	# npm runs node-gyp rebuild for a binding.gyp
    npm('{"name": "gyppy", "version": "1.0.0"}', [("package/binding.gyp", b"{}\n")])
elif kind == "npm-escape-bin":	# a package symlink leaving the package that npm would link
    npm('{"name": "linky", "version": "1.0.0"}', [("package/up", ("../../../../../etc/passwd",))])
elif kind == "deb-maint":	# maintainer scripts only: recorded, never run, not refused
    deb("maint", "1.0", [("./usr/", None), ("./usr/share/", None), ("./usr/share/maint", b"x\n")],
        scripts=("postinst", "prerm"))
elif kind == "deb-pth":	# a .pth with an import line in dist-packages: startup code
    deb("debpth", "1.0", [("./usr/", None), ("./usr/lib/", None), ("./usr/lib/python3/", None),
                          ("./usr/lib/python3/dist-packages/", None),
                          ("./usr/lib/python3/dist-packages/debpth.pth", PTH_EXEC.encode())], scripts=("postinst",))
else:
    sys.exit("unknown kind " + kind)
