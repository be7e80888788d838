#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Write a hostile (or, with rule "ok", a benign) archive for the extraction tests.
# usage: mkhostile.py FORM RULE OUT   FORM: wheel | npm | tar;  prints the entry name the error must name
import io
import stat
import sys
import tarfile
import zipfile

form, rule, out = sys.argv[1:4]
pre = "package/" if form == "npm" else ""
entries = []	# (name, kind, data_or_target, mode)


def f(name, data=b"x\n", mode=0o644):
    entries.append((name, "file", data, mode))


def d(name):
    entries.append((name, "dir", None, 0o755))


def link(name, target):
    entries.append((name, "symlink", target, 0o777))


def hard(name, target):
    entries.append((name, "hardlink", target, 0o644))


def special(name, kind):
    entries.append((name, kind, None, 0o644))


if form == "npm":
    f("package/package.json", b'{"name": "hostile", "version": "1.0.0"}\n')
elif form == "wheel":
    f("hostile-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: hostile\nVersion: 1.0\n")
    f("hostile-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
f(pre + "good.txt")

LONG = "a" * 200
want = None
if rule == "ok":
    want = ""
elif rule == "absolute":
    want = "/etc/evil"; f(want)
elif rule == "dotdot":
    want = pre + "x/../../evil"; f(want)
elif rule == "backslash":
    want = pre + "x\\evil"; f(want)
elif rule == "link-absolute":
    want = pre + "lnk"; link(want, "/etc/passwd")
elif rule == "link-escape":
    want = pre + "sub/lnk"; d(pre + "sub"); link(want, "../../../etc")
elif rule == "through-link":
    d(pre + "real"); link(pre + "alias", "real"); want = pre + "alias/evil"; f(want)
elif rule == "hardlink":
    want = pre + "h"; hard(want, pre + "missing")
elif rule == "device":
    want = pre + "dev"; special(want, "chr")
elif rule == "fifo":
    want = pre + "fifo"; special(want, "fifo")
elif rule == "duplicate":
    want = pre + "dup.txt"; f(want); f(want, b"second\n")
elif rule == "case":
    f(pre + "Readme.md"); want = pre + "README.md"; f(want)
elif rule == "utf8":
    want = pre + "bad-\udcff.txt"; f(want)
elif rule == "control":
    want = pre + "new\nline.txt"; f(want)
elif rule == "long-path":
    want = pre + "/".join([LONG] * 6); f(want)
elif rule == "long-name":
    want = pre + "b" * 256; f(want)
elif rule == "size":
    want = pre + "big.bin"; f(want, b"\0" * (3 << 20))
elif rule == "count":
    want = None
    for i in range(100001):
        f(pre + "many/%06d" % i, b"")
elif rule == "setuid":
    want = ""; f(pre + "suid.sh", b"#!/bin/sh\n", 0o4777)
elif rule == "good-hardlink":
    want = ""; hard(pre + "copy.txt", pre + "good.txt")
else:
    sys.exit("unknown rule " + rule)


def tar_name(n):
    return n


if form == "wheel":
    zf = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
    seen = set()
    for name, kind, data, mode in entries:
        raw = name.encode("utf-8", "surrogateescape")
        # zipfile encodes str names itself; undecodable bytes get a placeholder patched below.
        zname = name.replace("\udcff", "\x01") if "\udcff" in name else name
        zi = zipfile.ZipInfo(zname, date_time=(2020, 1, 1, 0, 0, 0))
        zi.create_system = 3
        if kind == "dir":
            zi.filename = zname + "/"
            zi.external_attr = (stat.S_IFDIR | 0o755) << 16
            body = b""
        elif kind == "symlink":
            zi.external_attr = (stat.S_IFLNK | 0o777) << 16
            body = data.encode()
        elif kind == "hardlink":
            continue	# zip has no hardlinks
        elif kind == "chr":
            zi.external_attr = (stat.S_IFCHR | 0o644) << 16
            body = b""
        elif kind == "fifo":
            zi.external_attr = (stat.S_IFIFO | 0o644) << 16
            body = b""
        else:
            zi.external_attr = (stat.S_IFREG | mode) << 16
            body = data
        zi.compress_type = zipfile.ZIP_DEFLATED
        if zi.filename in seen:
            import warnings
            warnings.simplefilter("ignore")
        seen.add(zi.filename)
        zf.writestr(zi, body)
    zf.close()
    if any("\udcff" in e[0] for e in entries):
        b = open(out, "rb").read().replace(b"bad-\x01.txt", b"bad-\xff.txt")
        open(out, "wb").write(b)
else:
    mode = "w:gz"
    tf = tarfile.open(out, mode, format=tarfile.GNU_FORMAT, encoding="utf-8", errors="surrogateescape")
    for name, kind, data, m in entries:
        ti = tarfile.TarInfo(name)
        ti.mtime = 1577836800
        ti.mode = m
        body = None
        if kind == "dir":
            ti.type = tarfile.DIRTYPE
        elif kind == "symlink":
            ti.type = tarfile.SYMTYPE
            ti.linkname = data
        elif kind == "hardlink":
            ti.type = tarfile.LNKTYPE
            ti.linkname = data
        elif kind == "chr":
            ti.type = tarfile.CHRTYPE
            ti.devmajor, ti.devminor = 1, 3
        elif kind == "fifo":
            ti.type = tarfile.FIFOTYPE
        else:
            ti.size = len(data)
            body = io.BytesIO(data)
        tf.addfile(ti, body)
    tf.close()
if want is not None:
    print(want.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace").replace("\\x", "\\x"))
