# SPDX-License-Identifier: MIT
# A small npm registry on 127.0.0.1 for the guard tests: fake_registry.py DIR LOG.
# Serves every DIR/NAME-VERSION.tgz (npm pack layout: package/package.json) as package NAME:
# GET /NAME is its packument (tarball URLs on this server, sha1 and sha512 computed), GET
# /NAME/-/FILE.tgz the tarball. Each request is appended to LOG, so a test can assert that
# nothing was fetched. Prints the port, then serves until killed.
import base64
import hashlib
import http.server
import json
import os
import sys
import tarfile
import urllib.parse

ROOT, LOG = sys.argv[1], sys.argv[2]


def packages():
    out = {}
    for f in sorted(os.listdir(ROOT)):
        if not f.endswith('.tgz'):
            continue
        path = os.path.join(ROOT, f)
        with tarfile.open(path) as t:
            meta = json.load(t.extractfile('package/package.json'))
        with open(path, 'rb') as fh:
            data = fh.read()
        meta['dist'] = {
            'shasum': hashlib.sha1(data).hexdigest(),
            'integrity': 'sha512-' + base64.b64encode(hashlib.sha512(data).digest()).decode(),
            'file': f,
        }
        out.setdefault(meta['name'], {})[meta['version']] = meta
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        with open(LOG, 'a') as log:
            log.write('GET %s\n' % self.path)
        path = urllib.parse.unquote(self.path.split('?')[0]).lstrip('/')
        pkgs = packages()
        base = 'http://127.0.0.1:%d/' % self.server.server_address[1]
        if '/-/' in path:
            f = os.path.join(ROOT, os.path.basename(path))
            if os.path.isfile(f):
                with open(f, 'rb') as fh:
                    return self.send(200, 'application/octet-stream', fh.read())
        elif path in pkgs:
            versions = {}
            for v, meta in pkgs[path].items():
                meta = dict(meta, dist=dict(meta['dist']))
                meta['dist']['tarball'] = base + path + '/-/' + meta['dist'].pop('file')
                versions[v] = meta
            doc = {'name': path, 'dist-tags': {'latest': sorted(versions)[-1]}, 'versions': versions}
            return self.send(200, 'application/json', json.dumps(doc).encode())
        self.send(404, 'application/json', b'{"error":"not found"}')

    def send(self, code, ctype, body):
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
