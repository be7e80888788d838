#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Build a fake home for `pinfold scan`: installed packages, lockfiles of every kind, and pip/npm cache
# entries laid out byte for byte the way pip (cachecontrol's FileCache, "cc=4," + msgpack; http-v2's
# separate .body files) and npm (cacache index-v5 buckets) write them. usage: mkhome.py HOME OUTSIDE
import hashlib
import io
import json
import os
import struct
import sys
import zipfile

home, outside = sys.argv[1], sys.argv[2]


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def wheel(name, version):
    """A minimal wheel (zip) whose dist-info names the package, as pip downloads it."""
    b = io.BytesIO()
    di = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{name}/__init__.py", "")
        z.writestr(f"{di}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        z.writestr(f"{di}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(f"{di}/RECORD", "")
    return b.getvalue()


def mp_str(s):
    s = s.encode()
    return (bytes([0xA0 | len(s)]) if len(s) < 32 else b"\xd9" + bytes([len(s)])) + s


def mp_bin(b):
    return b"\xc6" + struct.pack(">I", len(b)) + b


def pip_cache_v1(url, body):
    """cachecontrol 0.12 FileCache (pip < 23.3): http/a/b/c/d/e/<sha224(url)>, "cc=4," + msgpack."""
    key = hashlib.sha224(url.encode()).hexdigest()
    headers = {"Content-Type": "binary/octet-stream", "Cache-Control": "max-age=365000000, immutable, public"}
    hdr = b"\x80" if False else bytes([0x80 | len(headers)]) + b"".join(mp_str(k) + mp_str(v) for k, v in headers.items())
    response = (bytes([0x80 | 6]) + mp_str("body") + mp_bin(body) + mp_str("headers") + hdr +
                mp_str("status") + b"\xcc\xc8" + mp_str("version") + b"\x0b" + mp_str("reason") + mp_str("OK") +
                mp_str("decode_content") + b"\xc3")
    blob = b"cc=4," + b"\x82" + mp_str("response") + response + mp_str("vary") + b"\x80"
    write(os.path.join(home, ".cache/pip/http", *key[:5], key), blob, "wb")


def pip_cache_v2(url, body):
    """SeparateBodyFileCache (pip >= 23.3): http-v2/a/b/c/d/e/<key> (headers) + <key>.body (the raw body)."""
    key = hashlib.sha224(url.encode()).hexdigest()
    d = os.path.join(home, ".cache/pip/http-v2", *key[:5])
    headers = {"Content-Type": "binary/octet-stream"}
    hdr = bytes([0x80 | len(headers)]) + b"".join(mp_str(k) + mp_str(v) for k, v in headers.items())
    meta = (b"cc=4," + b"\x82" + mp_str("response") + bytes([0x80 | 2]) + mp_str("headers") + hdr +
            mp_str("status") + b"\xcc\xc8" + mp_str("vary") + b"\x80")
    write(os.path.join(d, key), meta, "wb")
    write(os.path.join(d, key + ".body"), body, "wb")


def npm_cache(url):
    """cacache index-v5: bucket = sha256(key) split 2/2/rest; each line "\n" + sha1(json) + "\t" + json."""
    key = "make-fetch-happen:request-cache:" + url
    h = hashlib.sha256(key.encode()).hexdigest()
    entry = json.dumps({"key": key, "integrity": "sha512-" + "A" * 86 + "==", "time": 1774000000000, "size": 1234,
                        "metadata": {"time": 1774000000000, "url": url, "reqHeaders": {},
                                     "resHeaders": {"content-type": "application/octet-stream"},
                                     "options": {"compress": True}}}, separators=(",", ":"))
    line = "\n" + hashlib.sha1(entry.encode()).hexdigest() + "\t" + entry
    path = os.path.join(home, ".npm/_cacache/index-v5", h[:2], h[2:4], h[4:])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as f:
        f.write(line)


REG = "https://registry.invalid"

# Installed: a virtualenv's dist-info, node_modules (plain, nested, scoped), an egg-info file, dpkg status.
sp = os.path.join(home, "proj/.venv/lib/python3.11/site-packages")
write(os.path.join(sp, "litellm-1.82.8.dist-info/METADATA"),
      "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.8\nSummary: x\n\nVersion: 9.9.9 (the description)\n")
write(os.path.join(sp, "requests-2.32.3.dist-info/METADATA"), "Metadata-Version: 2.1\nName: requests\nVersion: 2.32.3\n")
write(os.path.join(sp, "oldpkg-1.0.egg-info"), "Metadata-Version: 1.0\nName: oldpkg\nVersion: 1.0\n")
nm = os.path.join(home, "web/node_modules")
write(os.path.join(nm, "axios/package.json"), json.dumps({"name": "axios", "version": "1.14.1"}))
write(os.path.join(nm, "left/node_modules/axios/package.json"), json.dumps({"name": "axios", "version": "1.13.6"}))
write(os.path.join(nm, "@scope/thing/package.json"), json.dumps({"name": "@scope/thing", "version": "2.0.0"}))
write(os.path.join(nm, ".pnpm/axios@0.30.4/node_modules/axios/package.json"),
      json.dumps({"name": "axios", "version": "0.30.4"}))
# a project's own manifest is not an installed package
write(os.path.join(home, "web/package.json"), json.dumps({"name": "axios", "version": "1.14.1"}))

# Lockfiles.
write(os.path.join(home, "old/package-lock.json"), json.dumps({
    "name": "old", "lockfileVersion": 3, "requires": True,
    "packages": {"": {"name": "old"}, "node_modules/axios": {"version": "0.30.4"},
                 "node_modules/form-data": {"version": "4.0.0"}}}, indent=2))
write(os.path.join(home, "older/package-lock.json"), json.dumps({
    "name": "older", "lockfileVersion": 1,
    "dependencies": {"x": {"version": "1.0.0", "dependencies": {"axios": {"version": "1.14.1"}}}}}))
write(os.path.join(home, "y/yarn.lock"), '# yarn lockfile v1\n\n\n"axios@^1.14.0", axios@^1.7.0:\n'
      '  version "1.14.1"\n  resolved "https://registry.invalid/axios/-/axios-1.14.1.tgz#abc"\n'
      '  dependencies:\n    follow-redirects "^1.15.6"\n')
write(os.path.join(home, "p/pnpm-lock.yaml"), "lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies:\n"
      "      axios:\n        specifier: ^0.30.0\n        version: 0.30.4\n\npackages:\n\n  axios@0.30.4:\n"
      "    resolution: {integrity: sha512-xx}\n\n  '@scope/thing@2.0.0(peer@1.0.0)':\n    resolution: {integrity: sha512-yy}\n")
write(os.path.join(home, "po/poetry.lock"), '# This file is automatically @generated by Poetry\n\n[[package]]\n'
      'name = "litellm"\nversion = "1.82.7"\ndescription = "x"\noptional = false\npython-versions = ">=3.8"\n'
      'files = [\n    {file = "litellm-1.82.7-py3-none-any.whl", hash = "sha256:00"},\n]\n\n'
      '[package.dependencies]\nrequests = ">=2"\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\n'
      'content-hash = "abc"\n')
write(os.path.join(home, "uvp/uv.lock"), 'version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "litellm"\n'
      'version = "1.82.8"\nsource = { registry = "https://pypi.invalid/simple" }\n'
      'dependencies = [\n    { name = "requests" },\n]\nwheels = [\n    { url = "https://x.invalid/l.whl", '
      'hash = "sha256:00", size = 12 },\n]\n')
write(os.path.join(home, "pe/Pipfile.lock"), json.dumps({"_meta": {"hash": {"sha256": "x"}}, "default": {
    "litellm": {"hashes": ["sha256:00"], "version": "==1.82.7"}}, "develop": {}}))
write(os.path.join(home, "pl/pylock.toml"), 'lock-version = "1.0"\ncreated-by = "x"\n\n[[packages]]\nname = "litellm"\n'
      'version = "1.82.8"\n')
write(os.path.join(home, "r/requirements-prod.txt"), "# pinned\nrequests==2.32.3 \\\n    --hash=sha256:00\n"
      "litellm[proxy] == 1.82.8 ; python_version >= '3.8' \\\n    --hash=sha256:11\nlitellm>=1.82.7\n"
      "axios==1.14.1  # not a python package: no npm match from a requirements file\n")

# Caches: pip (both layouts) and npm's index.
pip_cache_v1("https://files.invalid/packages/litellm-1.82.8-py3-none-any.whl", wheel("litellm", "1.82.8"))
pip_cache_v2("https://files.invalid/packages/litellm-1.82.7-py3-none-any.whl", wheel("litellm", "1.82.7"))
pip_cache_v1("https://pypi.invalid/simple/litellm/", b"<html>an index page, not a wheel</html>")
write(os.path.join(home, ".cache/pip/wheels/ab/cd/ef/litellm-1.82.8-py3-none-any.whl"), wheel("litellm", "1.82.8"), "wb")
npm_cache(REG + "/axios/-/axios-1.14.1.tgz")
npm_cache(REG + "/axios/-/axios-0.30.4.tgz")
npm_cache(REG + "/@scope/thing/-/thing-2.0.0.tgz")
npm_cache(REG + "/axios")          # the packument: names every version, downloads none

# Outside the scanned root (reached only through a symbolic link): never reported.
write(os.path.join(outside, "site-packages/litellm-1.82.7.dist-info/METADATA"),
      "Metadata-Version: 2.1\nName: litellm\nVersion: 1.82.7\n")
