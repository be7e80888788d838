#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A plain static HTTP server for the import tests: serves DIR on 127.0.0.1 at a port the OS picks.
# usage: httpd.py DIR PORTFILE LIFETIME_SECONDS   (the port is written to PORTFILE; stops by itself)
import functools
import http.server
import os
import sys
import threading


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass


def main():
    root, portfile, life = sys.argv[1], sys.argv[2], float(sys.argv[3])
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=root))
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, portfile)
    threading.Timer(life, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
