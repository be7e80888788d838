#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A package index on 127.0.0.1 for the scan tests, so that pip and npm write their real caches.
# usage: cache_httpd.py DIR PORTFILE LIFETIME [npm]
#   default: DIR's files as is; /files/* cacheable (as PyPI serves wheels) for pip's HTTP cache
#   npm: /NAME is a packument built from DIR/NAME-VERSION.tgz files, /NAME/-/FILE.tgz the tarball
import base64
import hashlib
import http.server
import json
import os
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def send(self, code, body, ctype="application/octet-stream", cache=False):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if cache:
            self.send_header("Cache-Control", "max-age=365000000, immutable, public")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        root = self.server.root
        path = self.path.split("?")[0]
        if self.server.npm:
            parts = [p for p in path.split("/") if p]
            if len(parts) == 1:
                name, versions = parts[0], {}
                for f in sorted(os.listdir(root)):
                    if f.startswith(name + "-") and f.endswith(".tgz"):
                        v = f[len(name) + 1:-4]
                        data = open(os.path.join(root, f), "rb").read()
                        versions[v] = {"name": name, "version": v, "dist": {
                            "tarball": "http://127.0.0.1:%d/%s/-/%s" % (self.server.server_port, name, f),
                            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
                            "shasum": hashlib.sha1(data).hexdigest()}}
                if not versions:
                    return self.send(404, b"{}", "application/json")
                doc = {"name": name, "dist-tags": {"latest": max(versions)}, "versions": versions}
                return self.send(200, json.dumps(doc).encode(), "application/json")
            if len(parts) == 3 and parts[1] == "-":
                f = os.path.join(root, os.path.basename(parts[2]))
                if os.path.isfile(f):
                    return self.send(200, open(f, "rb").read())
            return self.send(404, b"not here")
        f = os.path.join(root, path.lstrip("/"))
        if os.path.isdir(f):
            f = os.path.join(f, "index.html")
        if not os.path.isfile(f) or ".." in path:
            return self.send(404, b"not here")
        self.send(200, open(f, "rb").read(), "text/html" if f.endswith(".html") else "application/octet-stream",
                  cache=path.startswith("/files/"))


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.root = sys.argv[1]
    srv.npm = len(sys.argv) > 4 and sys.argv[4] == "npm"
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_port))
    os.rename(tmp, sys.argv[2])
    threading.Timer(float(sys.argv[3]), srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
