#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# An HTTP server that stays just above libcurl's low-speed limit (127.0.0.1, stops by itself),
# in the style of tests/fetch/hostile_httpd.py.
# usage: slow_httpd.py DIR PORTFILE [LIFETIME_SECONDS]
# Routes, for a file NAME in DIR:
#   /good/NAME          the file
#   /rate/N/NAME        the file at N bytes per second (Content-Length sent, N/10 bytes every 0.1 s)
#   /delay/MS/NAME      the file, read from disk after a pause of MS milliseconds
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

    def do_GET(self):
        parts = self.path.split("/")
        name = urllib.parse.unquote(parts[-1])
        path = os.path.join(self.server.root, os.path.basename(name))
        if parts[1] == "delay":
            time.sleep(int(parts[2]) / 1000.0)
        if not os.path.isfile(path) or parts[1] not in ("good", "rate", "delay"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            if parts[1] in ("good", "delay"):
                self.wfile.write(data)
                return
            step = max(1, int(parts[2]) // 10)
            for i in range(0, len(data), step):
                self.wfile.write(data[i:i + step])
                self.wfile.flush()
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    root, portfile = sys.argv[1], sys.argv[2]
    life = float(sys.argv[3]) if len(sys.argv) > 3 else 120
    srv = Server(("127.0.0.1", 0), Handler)
    srv.root = root
    threading.Timer(life, srv.shutdown).start()
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


main()
