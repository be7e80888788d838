#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A deliberately hostile HTTP mirror for pinfold's fetch tests (127.0.0.1, stops by itself).
# usage: hostile_httpd.py DIR PORTFILE [LIFETIME_SECONDS [CERT KEY]]   (CERT KEY: serve HTTPS)
# Routes, each for a file NAME in DIR:
#   /good/NAME      the file                /wrong/NAME    same length, other bytes
#   /trunc/NAME     Content-Length of the whole file, half the body, then close
#   /short/NAME     no Content-Length, half the body, then close
#   /endless/NAME   no Content-Length, bytes forever
#   /oversize/NAME  Content-Length and body 100 bytes longer than the file
#   /drip/NAME      one byte per second
#   /404/NAME       404                     /500/NAME      500
#   /loop/NAME      redirects to itself     /redir/NAME    redirects to /good/NAME
#   /ftp/NAME       redirects to a file:// URL
#   /slow/NAME      the file after a one-second pause (parallelism)
import http.server
import os
import socketserver
import sys
import threading
import time
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body=b"", length=True, headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = self.path.split("/")
        if len(parts) != 3:
            return self.send(404, b"no\n")
        route, name = parts[1], urllib.parse.unquote(parts[2])
        path = os.path.join(self.server.root, os.path.basename(name))
        if route in ("404",) or not os.path.isfile(path):
            return self.send(404, b"not here\n")
        data = open(path, "rb").read()
        try:
            if route == "good":
                self.send(200, data)
            elif route == "slow":
                time.sleep(1)
                self.send(200, data)
            elif route == "wrong":
                self.send(200, bytes(b ^ 0x55 for b in data))
            elif route == "trunc":
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
            elif route == "short":
                self.send(200, data[: len(data) // 2], length=False)
            elif route == "endless":
                self.send_response(200)
                self.end_headers()
                chunk = b"A" * 65536
                while True:
                    self.wfile.write(chunk)
            elif route == "oversize":
                self.send(200, data + b"B" * 100)
            elif route == "drip":
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                for i in range(len(data)):
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()
                    time.sleep(1)
            elif route == "500":
                self.send(500, b"oops\n")
            elif route == "loop":
                self.send(302, b"", headers=[("Location", self.path)])
            elif route == "redir":
                self.send(302, b"", headers=[("Location", "/good/" + name)])
            elif route == "ftp":
                self.send(302, b"", headers=[("Location", "file:///etc/passwd")])
            else:
                self.send(404, b"unknown route\n")
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    root, portfile = sys.argv[1], sys.argv[2]
    lifetime = float(sys.argv[3]) if len(sys.argv) > 3 else 120
    srv = Server(("127.0.0.1", 0), Handler)
    srv.root = root
    if len(sys.argv) > 5:
        import ssl

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, portfile)
    threading.Timer(lifetime, lambda: os._exit(0)).start()
    srv.serve_forever()


main()
