#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Artifacts that exercise the installers' format rules (wheel .data, entry points, npm bin and
# lifecycle scripts, deb members).  usage: mkformats.py KIND OUT
import io, sys, tarfile, zipfile

kind, out = sys.argv[1], sys.argv[2]


def tgz(entries, compress="gz"):
    buf = io.BytesIO()
    t = tarfile.open(fileobj=buf, mode="w:" + compress, format=tarfile.GNU_FORMAT)
    for name, data, mode in entries:
        ti = tarfile.TarInfo(name)
        ti.mtime = 1577836800
        ti.mode = mode
        if data is None:
            ti.type = tarfile.DIRTYPE
            t.addfile(ti)
        else:
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    t.close()
    return buf.getvalue()


def wheel(extra_eps="", extra=()):
    z = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
    z.writestr("fancy/__init__.py", "def main():\n    print('fancy main')\n\ndef gui():\n    print('fancy gui')\n")
    z.writestr("fancy-1.0.data/scripts/fancy-raw", "#!python\nprint('raw script')\n")
    z.writestr("fancy-1.0.data/scripts/plain.sh", "#!/bin/sh\necho plain\n")
    z.writestr("fancy-1.0.data/data/share/fancy/readme.txt", "data file\n")
    z.writestr("fancy-1.0.data/headers/fancy.h", "/* header */\n")
    z.writestr("fancy-1.0.data/purelib/fancy_extra.py", "X = 1\n")
    z.writestr("fancy-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: fancy\nVersion: 1.0\n")
    z.writestr("fancy-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    z.writestr("fancy-1.0.dist-info/RECORD", "bogus,sha256=nothing,1\n")
    z.writestr("fancy-1.0.dist-info/INSTALLER", "pip\n")
    z.writestr("fancy-1.0.dist-info/entry_points.txt",
               "[console_scripts]\nfancy = fancy:main\n\n[gui_scripts]\nfancy-gui = fancy:gui [extra]\n"
               "\n[other]\nignored = x:y\n" + extra_eps)
    for n, d in extra:
        z.writestr(n, d)
    z.close()


def npm(pj, extra=()):
    e = [("package/package.json", pj.encode(), 0o644), ("package/index.js", b"module.exports = 42;\n", 0o644),
         ("package/cli.js", b"#!/usr/bin/env node\nconsole.log('cli ran');\n", 0o644)]
    e += list(extra)
    open(out, "wb").write(tgz(e))


def ar(members):
    b = b"!<arch>\n"
    for name, data in members:
        hdr = b"%-16s%-12d%-6d%-6d%-8o%-10d`\n" % (name.encode(), 0, 0, 0, 0o100644, len(data))
        b += hdr + data + (b"\n" if len(data) % 2 else b"")
    return b


def deb(data_entries, control_extra=()):
    control = tgz([("./", None, 0o755), ("./control", b"Package: demo\nVersion: 1.0\n", 0o644)] +
                  list(control_extra), "xz")
    data = tgz(data_entries, "xz")
    open(out, "wb").write(ar([("debian-binary", b"2.0\n"), ("control.tar.xz", control), ("data.tar.xz", data)]))


if kind == "wheel":
    wheel()
elif kind == "wheel-bad-ep":
    wheel("[console_scripts]\n../evil = fancy:main\n")
elif kind == "wheel-bad-target":
    wheel("[console_scripts]\nevil = os;system:main\n")
elif kind == "wheel-unknown-data":
    wheel(extra=(("fancy-1.0.data/weird/x", "x"),))
elif kind == "wheel-nested-script":
    wheel(extra=(("fancy-1.0.data/scripts/sub/x", "x"),))
elif kind == "npm":
    npm('{"name": "@demo/pkg", "version": "1.0.0", "bin": "cli.js", '
        '"scripts": {"postinstall": "node steal.js", "test": "true"}}',
        [("package/binding.gyp", b"{}", 0o644)])
elif kind == "npm-bin-escape":
    npm('{"name": "x", "version": "1.0.0", "bin": {"x": "../../../etc/passwd"}}')
elif kind == "npm-bin-name":
    npm('{"name": "x", "version": "1.0.0", "bin": {"../evil": "cli.js"}}')
elif kind == "npm-bin-missing":
    npm('{"name": "x", "version": "1.0.0", "bin": {"x": "nope.js"}}')
elif kind == "npm-bad-json":
    npm('{"name": "x", "version": ')
elif kind == "deb":
    deb([("./", None, 0o755), ("./usr/", None, 0o755), ("./usr/bin/", None, 0o755),
         ("./usr/bin/demo", b"#!/bin/sh\necho demo\n", 0o755),
         ("./usr/bin/demo-py", b"#!/usr/bin/python3\nimport demo_mod\nprint('demo-py', demo_mod.VALUE)\n", 0o755),
         ("./usr/lib/python3/dist-packages/demo_mod.py", b"VALUE = 7\n", 0o644)],
        [("./postinst", b"#!/bin/sh\nrm -rf /\n", 0o755), ("./prerm", b"#!/bin/sh\n", 0o755)])
elif kind == "deb-dotdot":
    deb([("./usr/../../etc/evil", b"x", 0o644)])
elif kind == "deb-abslink":
    ti = None
    buf = io.BytesIO()
    t = tarfile.open(fileobj=buf, mode="w:xz")
    li = tarfile.TarInfo("./usr/share/doc/demo"); li.type = tarfile.SYMTYPE; li.linkname = "/etc"
    t.addfile(li)
    t.close()
    control = tgz([("./control", b"Package: demo\n", 0o644)], "xz")
    open(out, "wb").write(ar([("debian-binary", b"2.0\n"), ("control.tar.xz", control), ("data.tar.xz", buf.getvalue())]))
elif kind == "deb-order":
    open(out, "wb").write(ar([("data.tar.xz", tgz([("./x", b"x", 0o644)], "xz")), ("debian-binary", b"2.0\n")]))
else:
    sys.exit("unknown kind " + kind)
