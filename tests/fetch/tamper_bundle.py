#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Make hostile copies of a pinfold bundle for the tests.
# usage: tamper_bundle.py IN OUT MODE [ENTRY [OLD NEW]]
#   flip ENTRY          flip one byte of ENTRY's blob, index untouched
#   flip-reindex ENTRY  flip one byte and fix the index (sha256, offsets): a careful attacker
#   edit ENTRY OLD NEW  replace text in ENTRY's blob and fix the index
#   drop ENTRY          remove ENTRY and fix the index
#   replace ENTRY FILE  ENTRY's blob becomes FILE's bytes; index fixed
#   add ENTRY FILE      a new entry with FILE's bytes, in name order; index fixed
#   offset ENTRY        shift ENTRY's offset by one
#   size ENTRY          grow ENTRY's size by one
#   truncate            cut the last 100 bytes
#   bigindex            claim an index of 99999999 bytes
#   trailing            append bytes after the last blob
import hashlib
import re
import sys

MAGIC = b"pinfold-bundle/1\n"


def read(path):
    data = open(path, "rb").read()
    assert data.startswith(MAGIC)
    nl = data.index(b"\n", len(MAGIC))
    ilen = int(data[len(MAGIC):nl])
    index = data[nl + 1 : nl + 1 + ilen].decode()
    blobs = data[nl + 1 + ilen :]
    entries = []
    for m in re.finditer(r'- name: (\S+)\n\s+offset: (\d+)\n\s+size: (\d+)\n\s+sha256: "?([0-9a-f]{64})"?', index):
        name, off, size, sha = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
        entries.append([name.strip('"'), off, size, sha, blobs[off : off + size]])
    return index, blobs, entries


def write(path, entries, fix=True, raw_index=None):
    out, off = [], 0
    idx = "format: pinfold-bundle/1\nentries:\n"
    for e in entries:
        if fix:
            e[1], e[2], e[3] = off, len(e[4]), hashlib.sha256(e[4]).hexdigest()
        idx += "  - name: %s\n    offset: %d\n    size: %d\n    sha256: %s\n" % (e[0], e[1], e[2], e[3])
        off += len(e[4])
        out.append(e[4])
    if raw_index is not None:
        idx = raw_index
    body = idx.encode()
    open(path, "wb").write(MAGIC + b"%d\n" % len(body) + body + b"".join(out))


def find(entries, name):
    for e in entries:
        if e[0] == name:
            return e
    sys.exit("no entry " + name)


def main():
    src, dst, mode = sys.argv[1:4]
    arg = sys.argv[4:]
    index, blobs, entries = read(src)
    data = open(src, "rb").read()
    if mode in ("flip", "flip-reindex"):
        e = find(entries, arg[0])
        b = bytearray(e[4])
        b[len(b) // 2] ^= 0x01
        e[4] = bytes(b)
        write(dst, entries, fix=(mode == "flip-reindex"))
    elif mode == "edit":
        e = find(entries, arg[0])
        assert arg[1].encode() in e[4], "text not found"
        e[4] = e[4].replace(arg[1].encode(), arg[2].encode(), 1)
        write(dst, entries)
    elif mode == "replace":
        e = find(entries, arg[0])
        e[4] = open(arg[1], "rb").read()
        write(dst, entries)
    elif mode == "add":
        entries.append([arg[0], 0, 0, "", open(arg[1], "rb").read()])
        entries.sort(key=lambda e: e[0].encode())
        write(dst, entries)
    elif mode == "drop":
        entries = [e for e in entries if e[0] != arg[0]]
        write(dst, entries)
    elif mode in ("offset", "size"):
        e = find(entries, arg[0])
        if mode == "offset":
            e[1] += 1
        else:
            e[2] += 1
        write(dst, entries, fix=False)
    elif mode == "truncate":
        open(dst, "wb").write(data[:-100])
    elif mode == "trailing":
        open(dst, "wb").write(data + b"x")
    elif mode == "bigindex":
        nl = data.index(b"\n", len(MAGIC))
        open(dst, "wb").write(MAGIC + b"99999999" + data[nl:])
    else:
        sys.exit("unknown mode " + mode)


main()
