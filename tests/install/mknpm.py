#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A small npm tarball whose index.js reports its own version and what it finds for its
# dependencies, so a test sees which copy Node loaded from where.
# usage: mknpm.py OUT.tgz NAME VERSION [JSON-FIELDS]   (JSON-FIELDS: extra package.json members)
import gzip
import io
import json
import sys
import tarfile

out, name, version = sys.argv[1:4]
extra = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
pj = {"name": name, "version": version, "main": "index.js", "license": "MIT"}
pj.update(extra)
wants = sorted(set(pj.get("dependencies", {})) | set(pj.get("optionalDependencies", {})))
js = "const out = { v: %s };\n" % json.dumps(version)
for d in wants:
    js += "try { out[%s] = require(%s); } catch (e) { out[%s] = null; }\n" % (
        json.dumps(d), json.dumps(d), json.dumps(d))
js += "module.exports = out;\n"
files = [("package/package.json", json.dumps(pj, indent=2).encode()), ("package/index.js", js.encode()),
         ("package/cli.js", b"#!/usr/bin/env node\nconsole.log('cli ' + require('./index.js').v);\n")]
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as t:
    for path, data in files:
        ti = tarfile.TarInfo(path)
        ti.size, ti.mode, ti.mtime = len(data), 0o644, 499162500
        t.addfile(ti, io.BytesIO(data))
with open(out, "wb") as f:
    f.write(gzip.compress(raw.getvalue(), mtime=0))
