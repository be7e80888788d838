#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Small real artifacts for the chain-of-trust tests: a wheel, an npm tarball or a deb of NAME VERSION.
# usage: mkpkgs.py wheel|npm|deb NAME VERSION OUTDIR   (prints the file it wrote)
import io
import os
import sys
import tarfile
import zipfile

kind, name, version, outdir = sys.argv[1:5]


def tgz(entries, compress="gz"):
    buf = io.BytesIO()
    t = tarfile.open(fileobj=buf, mode="w:" + compress, format=tarfile.GNU_FORMAT)
    for path, data in entries:
        ti = tarfile.TarInfo(path)
        ti.mtime = 1577836800
        if data is None:
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            t.addfile(ti)
        else:
            ti.size, ti.mode = len(data), 0o644
            t.addfile(ti, io.BytesIO(data))
    t.close()
    return buf.getvalue()


def ar(members):
    b = b"!<arch>\n"
    for n, data in members:
        b += b"%-16s%-12d%-6d%-6d%-8o%-10d`\n" % (n.encode(), 0, 0, 0, 0o100644, len(data))
        b += data + (b"\n" if len(data) % 2 else b"")
    return b


if kind == "wheel":
    out = os.path.join(outdir, "%s-%s-py3-none-any.whl" % (name, version))
    z = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
    di = "%s-%s.dist-info" % (name, version)
    z.writestr("%s/__init__.py" % name, "VERSION = %r\n" % version)
    z.writestr(di + "/METADATA", "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version))
    z.writestr(di + "/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    z.writestr(di + "/RECORD", "")
    z.close()
elif kind == "npm":
    out = os.path.join(outdir, "%s-%s.tgz" % (name, version))
    pj = '{"name": "%s", "version": "%s", "main": "index.js"}\n' % (name, version)
    open(out, "wb").write(tgz([("package/package.json", pj.encode()),
                               ("package/index.js", b"module.exports = 1;\n")]))
elif kind == "deb":
    out = os.path.join(outdir, "%s_%s_all.deb" % (name, version.split(":")[-1]))
    control = tgz([("./", None), ("./control", ("Package: %s\nVersion: %s\nArchitecture: all\n"
                                                  "Maintainer: t <t@example.org>\nDescription: test\n"
                                                  % (name, version)).encode())], "xz")
    data = tgz([("./", None), ("./usr/", None), ("./usr/share/", None), ("./usr/share/%s/" % name, None),
                ("./usr/share/%s/VERSION" % name, version.encode() + b"\n")], "xz")
    open(out, "wb").write(ar([("debian-binary", b"2.0\n"), ("control.tar.xz", control),
                              ("data.tar.xz", data)]))
else:
    sys.exit("unknown kind " + kind)
print(out)
