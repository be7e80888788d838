#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Builds a small Debian archive for the import tests, signed with throwaway OpenPGP keys made by gpg.
# usage: mkarchive.py all OUT            keys, .debs, a mirror (OUT/mirror), apt-style lists (OUT/lists),
#                                        flat .debs by apt's names (OUT/debs), real gpg signatures
#        mkarchive.py release OUT DISTDIR SUITE CODENAME DATE [VALID_UNTIL]   write DISTDIR/Release
#        mkarchive.py sign OUT KEY IN OUTFILE [DIGEST [TIME]]                  clearsign IN with key KEY
# GNUPGHOME is OUT/gnupg. Times are gpg --faked-system-time values, so nothing depends on the clock.
import gzip
import hashlib
import io
import lzma
import os
import shutil
import struct
import subprocess
import sys

KEY_TIME = "20250101T000000!"
SIGN_TIME = "20260530T030000!"          # every signature of the fixture archive is made then
OLD_KEY_TIME = "20200101T000000!"       # the expired key: made in 2020, valid one year
OLD_SIGN_TIME = "20200601T000000!"

# name, version, arch, fields (in stanza order), changelog date, doc link target (or None), binNMU date
MAIN = [
    ("app", "1.0-1", "all", [("Pre-Depends", "libpre"),
                             ("Depends", "libfoo (>= 1.0), mta | mail-transport-agent, pyx:any, libx:i386 | libalt, "
                                         "nosuch | libbar | libbaz, virt-only, vv (>= 2)")],
     "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("libpre", "1.0-1", "amd64", [], "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("libfoo", "1.0-1", "amd64", [("Depends", "libc-fake")], "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("libc-fake", "2.0-1", "amd64", [("Multi-Arch", "same")], "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("exim-ish", "4.0-1", "amd64", [("Provides", "mail-transport-agent"), ("Priority", "standard")],
     "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("postfix-ish", "3.0-1", "amd64", [("Provides", "mail-transport-agent"), ("Priority", "optional")],
     "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("pyx", "3.11-1", "amd64", [("Multi-Arch", "allowed")], "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("libalt", "1.0-1", "all", [], "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("libbar", "1.0-1", "amd64", [("Breaks", "libbaz (<< 0.5)"), ("Conflicts", "libold")],
     "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("libbaz", "1.0-1", "amd64", [], "Fri, 09 Jan 2026 08:30:00 +0000", "libbar", None),
    ("provider-b", "1.0-1", "all", [("Provides", "virt-only")], "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("provider-a", "1.0-1", "all", [("Provides", "virt-only")], "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("vprov-old", "1.0-1", "all", [("Provides", "vv")], "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("vprov", "1.0-1", "all", [("Provides", "vv (= 2.5)")], "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("epochpkg", "1:2.0-1+b1", "amd64", [], "Sat, 10 Jan 2026 12:00:00 +0000", None,
     "Mon, 12 Jan 2026 09:00:00 +0100"),
    ("lonely", "1.0-1", "all", [], "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
    ("needsmissing", "1.0-1", "all", [("Depends", "lonely, doesnotexist (>= 1)")], "Sat, 10 Jan 2026 12:00:00 +0000",
     None, None),
    ("i386only", "1.0-1", "i386", [], "Sat, 10 Jan 2026 12:00:00 +0000", None, None),
]
SECURITY = [
    ("libfoo", "1.2-1+sec1", "amd64", [("Depends", "libc-fake (>= 2.0)")], "Wed, 20 May 2026 10:00:00 +0000",
     None, None),
]
SUITES = {
    # suite: (packages, Suite field, Date, Valid-Until)
    "testing": (MAIN, "stable", "Sun, 01 Mar 2026 00:00:00 UTC", None),
    "testing-security": (SECURITY, "stable-security", "Sat, 30 May 2026 02:00:00 UTC",
                         "Sat, 06 Jun 2026 02:00:00 UTC"),
}


def gpg(out, *args, inp=None):
    env = dict(os.environ, GNUPGHOME=os.path.join(out, "gnupg"))
    r = subprocess.run(["gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "", *args],
                       input=inp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if r.returncode:
        sys.exit("gpg %s failed: %s" % (" ".join(args), r.stderr.decode()))
    return r.stdout


def fingerprints(out, uid):
    lines = gpg(out, "--with-colons", "--list-keys", uid).decode().splitlines()
    return [ln.split(":")[9] for ln in lines if ln.startswith("fpr:")]


def packets(data):
    """(tag, header+body bytes, body offset) of each new- or old-format packet."""
    i, res = 0, []
    while i < len(data):
        c = data[i]
        if c & 0x40:
            tag, l0 = c & 0x3F, data[i + 1]
            if l0 < 192:
                hl, ln = 2, l0
            elif l0 < 224:
                hl, ln = 3, ((l0 - 192) << 8) + data[i + 2] + 192
            else:
                hl, ln = 6, struct.unpack(">I", data[i + 2:i + 6])[0]
        else:
            tag, lt = (c >> 2) & 15, c & 3
            hl = 1 + (1 << lt)
            ln = int.from_bytes(data[i + 1:i + hl], "big")
        res.append((tag, data[i:i + hl + ln], hl))
        i += hl + ln
    return res


def without_backsig(keyring):
    """The keyring with the embedded primary-key binding (0x19) cut out of every subkey binding."""
    out = b""
    for tag, pkt, hl in packets(keyring):
        body = pkt[hl:]
        if tag == 2 and body[0] == 4 and body[1] == 0x18:
            hlen = struct.unpack(">H", body[4:6])[0]
            hashed_end = 6 + hlen
            ulen = struct.unpack(">H", body[hashed_end:hashed_end + 2])[0]
            unhashed = body[hashed_end + 2:hashed_end + 2 + ulen]
            keep, j = b"", 0
            while j < len(unhashed):
                l0 = unhashed[j]
                if l0 < 192:
                    sh, sl = 1, l0
                elif l0 < 255:
                    sh, sl = 2, ((l0 - 192) << 8) + unhashed[j + 1] + 192
                else:
                    sh, sl = 5, struct.unpack(">I", unhashed[j + 1:j + 5])[0]
                sub = unhashed[j:j + sh + sl]
                if unhashed[j + sh] & 0x7F != 32:
                    keep += sub
                j += sh + sl
            body = body[:hashed_end] + struct.pack(">H", len(keep)) + keep + body[hashed_end + 2 + ulen:]
            pkt = bytes([0xC2, 255]) + struct.pack(">I", len(body)) + body
        out += pkt
    return out


def make_keys(out):
    keys = os.path.join(out, "keys")
    os.makedirs(keys, exist_ok=True)
    os.makedirs(os.path.join(out, "gnupg"), mode=0o700, exist_ok=True)
    spec = {
        # name: (uid, algo+usage, expiry, creation time, signing subkey)
        "ed": ("Pinfold Test Ed <ed@pinfold.test>", ["ed25519", "sign", "5y"], KEY_TIME, False),
        "rsa": ("Pinfold Test RSA <rsa@pinfold.test>", ["rsa2048", "sign", "5y"], KEY_TIME, False),
        "sub": ("Pinfold Test Sub <sub@pinfold.test>", ["ed25519", "cert", "5y"], KEY_TIME, True),
        "nobacksig": ("Pinfold Test NoBack <nb@pinfold.test>", ["ed25519", "cert", "5y"], KEY_TIME, True),
        "old": ("Pinfold Test Old <old@pinfold.test>", ["ed25519", "sign", "1y"], OLD_KEY_TIME, False),
        "revoked": ("Pinfold Test Revoked <rev@pinfold.test>", ["ed25519", "sign", "5y"], KEY_TIME, False),
        "weak": ("Pinfold Test Weak <weak@pinfold.test>", ["rsa1024", "sign", "5y"], KEY_TIME, False),
    }
    for name, (uid, algo, when, sub) in spec.items():
        gpg(out, "--faked-system-time", when, "--quick-gen-key", uid, *algo)
        fpr = fingerprints(out, uid)[0]
        if sub:
            gpg(out, "--faked-system-time", when, "--quick-add-key", fpr, "ed25519", "sign", "5y")
        with open(os.path.join(keys, name + ".fpr"), "w") as f:
            f.write(fpr + "\n")
        if sub:
            with open(os.path.join(keys, name + ".subfpr"), "w") as f:
                f.write(fingerprints(out, uid)[1] + "\n")


def export_keys(out):
    keys = os.path.join(out, "keys")
    for name in ("ed", "rsa", "sub", "nobacksig", "old", "revoked", "weak"):
        fpr = open(os.path.join(keys, name + ".fpr")).read().strip()
        if name == "revoked":
            rev = open(os.path.join(out, "gnupg", "openpgp-revocs.d", fpr + ".rev")).read()
            gpg(out, "--import", inp=rev.replace(":-----BEGIN", "-----BEGIN").encode())
        data = gpg(out, "--export", fpr)
        if name == "nobacksig":
            data = without_backsig(data)
        with open(os.path.join(keys, name + ".gpg"), "wb") as f:
            f.write(data)
    with open(os.path.join(keys, "ed.asc"), "wb") as f:
        f.write(gpg(out, "--armor", "--export", open(os.path.join(keys, "ed.fpr")).read().strip()))


def sign(out, key, src, dst, digest="SHA256", when=SIGN_TIME):
    fpr = open(os.path.join(out, "keys", key + ".fpr")).read().strip()
    gpg(out, "--faked-system-time", when, "-u", fpr, "--digest-algo", digest, "--clearsign", "-o", dst, src)


def deb_name(name, version, arch):
    return "%s_%s_%s.deb" % (name, version.replace(":", "%3a"), arch)


def build_deb(tmp, pool, name, version, arch, fields, date, link, binnmu):
    root = os.path.join(tmp, name + "-" + version)
    os.makedirs(os.path.join(root, "DEBIAN"))
    control = ["Package: " + name, "Version: " + version, "Architecture: " + arch,
               "Maintainer: Pinfold Tests <tests@pinfold.test>"]
    control += ["%s: %s" % kv for kv in fields if kv[0] != "Priority"]
    control.append("Description: fixture package " + name)
    with open(os.path.join(root, "DEBIAN", "control"), "w") as f:
        f.write("\n".join(control) + "\n")
    doc = os.path.join(root, "usr", "share", "doc")
    os.makedirs(doc)
    if link:
        os.symlink(link, os.path.join(doc, name))
    else:
        os.makedirs(os.path.join(doc, name))
        text = ("%s (%s) unstable; urgency=medium\n\n  * Fixture.\n\n -- Pinfold Tests <tests@pinfold.test>  %s\n\n"
                "%s (0.1-1) unstable; urgency=low\n\n  * Older.\n\n -- Pinfold Tests <tests@pinfold.test>  "
                "Mon, 01 Jan 2024 00:00:00 +0000\n" % (name, version, date, name))
        with open(os.path.join(doc, name, "changelog.Debian.gz"), "wb") as f:
            f.write(gzip.compress(text.encode(), mtime=0))
        if binnmu:
            nmu = ("%s (%s) unstable; urgency=low, binary-only=yes\n\n  * Binary-only rebuild.\n\n -- Builder "
                   "<b@pinfold.test>  %s\n" % (name, version, binnmu))
            with open(os.path.join(doc, name, "changelog.Debian.%s.gz" % arch), "wb") as f:
                f.write(gzip.compress(nmu.encode(), mtime=0))
    # dpkg-deb stamps the members with SOURCE_DATE_EPOCH, as Debian's reproducible builds do
    epoch = subprocess.run(["date", "-u", "-d", binnmu or date, "+%s"], stdout=subprocess.PIPE, check=True)
    env = dict(os.environ, SOURCE_DATE_EPOCH=epoch.stdout.decode().strip())
    # the archive's pool names files without the epoch
    path = os.path.join(pool, name[0], name, "%s_%s_%s.deb" % (name, version.split(":", 1)[-1], arch))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", root, path], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path


def stanza(name, version, arch, fields, path, root):
    data = open(path, "rb").read()
    out = ["Package: " + name, "Version: " + version, "Architecture: " + arch,
           "Maintainer: Pinfold Tests <tests@pinfold.test>"]
    out += ["%s: %s" % kv for kv in fields if kv[0] != "Priority"]
    out.append("Description: fixture package " + name)
    out.append("Priority: " + dict(fields).get("Priority", "optional"))
    out.append("Filename: " + os.path.relpath(path, root))
    out.append("Size: %d" % len(data))
    out.append("SHA256: " + hashlib.sha256(data).hexdigest())
    return "\n".join(out) + "\n"


def write_release(dist, suite_field, codename, date, valid):
    lines = ["Origin: PinfoldTest", "Label: PinfoldTest", "Suite: " + suite_field, "Codename: " + codename,
             "Date: " + date]
    if valid:
        lines.append("Valid-Until: " + valid)
    lines += ["Architectures: amd64", "Components: main", "Description: pinfold test archive", "SHA256:"]
    for dirpath, _, files in sorted(os.walk(dist)):
        for fn in sorted(files):
            p = os.path.join(dirpath, fn)
            rel = os.path.relpath(p, dist)
            if rel in ("Release", "InRelease"):
                continue
            data = open(p, "rb").read()
            lines.append(" %s %8d %s" % (hashlib.sha256(data).hexdigest(), len(data), rel))
    with open(os.path.join(dist, "Release"), "w") as f:
        f.write("\n".join(lines) + "\n")


def build_all(out):
    make_keys(out)
    mirror = os.path.join(out, "mirror")
    pool = os.path.join(mirror, "pool", "main")
    tmp = os.path.join(out, "build")
    lists = os.path.join(out, "lists")
    debs = os.path.join(out, "debs")
    for d in (pool, tmp, lists, debs):
        os.makedirs(d, exist_ok=True)
    for suite, (pkgs, suite_field, date, valid) in SUITES.items():
        text = ""
        for name, version, arch, fields, cdate, link, binnmu in pkgs:
            path = build_deb(tmp, pool, name, version, arch, fields, cdate, link, binnmu)
            text += stanza(name, version, arch, fields, path, mirror) + "\n"
            shutil.copy(path, os.path.join(debs, deb_name(name, version, arch)))
        bdir = os.path.join(mirror, "dists", suite, "main", "binary-amd64")
        os.makedirs(bdir)
        raw = text.encode()
        with open(os.path.join(bdir, "Packages.xz"), "wb") as f:
            f.write(lzma.compress(raw))
        with open(os.path.join(bdir, "Packages.gz"), "wb") as f:
            f.write(gzip.compress(raw, mtime=0))
        # the archive lists the uncompressed file's hash though it publishes only compressed forms
        with open(os.path.join(bdir, "Packages"), "wb") as f:
            f.write(raw)
        dist = os.path.join(mirror, "dists", suite)
        write_release(dist, suite_field, suite, date, valid)
        os.remove(os.path.join(bdir, "Packages"))
        sign(out, "ed", os.path.join(dist, "Release"), os.path.join(dist, "InRelease"))
        # apt's lists: the same InRelease, Packages stored lz4-compressed under a mangled name
        prefix = os.path.join(lists, "archive.test_debian_dists_%s_" % suite)
        shutil.copy(os.path.join(dist, "InRelease"), prefix + "InRelease")
        subprocess.run(["lz4", "-q", "-f", "-", prefix + "main_binary-amd64_Packages.lz4"], input=raw, check=True)
    shutil.rmtree(tmp)
    # the same Release signed by each of the other keys, for the tests to put in place
    release = os.path.join(mirror, "dists", "testing", "Release")
    for key in ("rsa", "sub", "nobacksig", "revoked", "weak"):
        sign(out, key, release, os.path.join(out, "InRelease." + key))
    sign(out, "old", release, os.path.join(out, "InRelease.old"), "SHA256", OLD_SIGN_TIME)
    sign(out, "rsa", release, os.path.join(out, "InRelease.sha1"), "SHA1")
    export_keys(out)


def main():
    cmd, out = sys.argv[1], os.path.abspath(sys.argv[2])
    if cmd == "all":
        build_all(out)
    elif cmd == "release":
        dist, suite, codename, date = sys.argv[3:7]
        write_release(dist, suite, codename, date, sys.argv[7] if len(sys.argv) > 7 else None)
    elif cmd == "sign":
        sign(out, sys.argv[3], sys.argv[4], sys.argv[5], *(sys.argv[6:8]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
