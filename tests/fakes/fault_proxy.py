#!/usr/bin/env python3
"""A fault-injecting TLS proxy in front of Pebble (Python stdlib only).

Requests arrive over TLS and go on over TLS to Pebble with the Host header
unchanged, so Pebble's URLs (which it builds from Host) point back at the
proxy. Chosen requests -- the FIRST..FIRST+COUNT-1'th whose "METHOD PATH"
matches a regular expression -- get a fault instead:

  503       503 with a problem document and Retry-After: RA (default 1)
  429       429 urn:ietf:params:acme:error:rateLimited with Retry-After: RA
  reset     the connection is reset (RST) after the request was read
  truncate  the request goes to Pebble, but only half the reply's body comes back

    fault_proxy.py --port P --cert C --key K --upstream https://localhost:PP --ca CA \\
        --fault 'POST /order-plz' 503 1 2 [--retry-after 1] ...

GET /_proxy/stats answers {"faults": n, "forwarded": n, "matched": {regex: n}}.
"""
import argparse
import http.client
import json
import re
import socket
import ssl
import struct
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


class Rule:
    def __init__(self, pattern, action, first, count):
        self.pattern = pattern
        self.regex = re.compile(pattern)
        self.action = action
        self.first = int(first)
        self.count = int(count)
        self.seen = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("fault_proxy: " + fmt % args + "\n")

    def do_HEAD(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def pick(self):
        """The fault for this request, or None; counts matches."""
        srv = self.server
        line = "%s %s" % (self.command, self.path)
        with srv.lock:
            for r in srv.rules:
                if r.regex.search(line):
                    r.seen += 1
                    srv.stats["matched"][r.pattern] = r.seen
                    if r.first <= r.seen < r.first + r.count:
                        srv.stats["faults"] += 1
                        return r.action
        return None

    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        if self.path == "/_proxy/stats":
            return self.send(200, {"Content-Type": "application/json"}, json.dumps(self.server.stats).encode())
        action = self.pick()
        if action == "reset":
            return self.reset()
        if action in ("503", "429"):
            return self.busy(int(action))
        status, headers, data = self.forward(body)
        if action == "truncate":
            return self.send(status, headers, data, truncate=True)
        self.send(status, headers, data)

    def busy(self, status):
        typ = "rateLimited" if status == 429 else "serverInternal"
        doc = json.dumps({"type": "urn:ietf:params:acme:error:" + typ, "detail": "injected by fault_proxy"})
        self.send(status, {"Content-Type": "application/problem+json",
                           "Retry-After": self.server.retry_after}, doc.encode())

    def reset(self):
        # SO_LINGER with a zero timeout makes close() send RST
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def forward(self, body):
        up = self.server.upstream
        conn = http.client.HTTPSConnection(up.hostname, up.port, context=self.server.upstream_ctx, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request(self.command, self.path, body=body if self.command == "POST" else None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP]
        conn.close()
        with self.server.lock:
            self.server.stats["forwarded"] += 1
        return resp.status, out, data

    def send(self, status, headers, data, truncate=False):
        self.send_response(status)
        for k, v in (headers.items() if isinstance(headers, dict) else headers):
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if truncate:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--upstream", required=True, help="https://HOST:PORT of Pebble")
    ap.add_argument("--ca", required=True, help="CA bundle that verifies the upstream")
    ap.add_argument("--retry-after", default="1")
    ap.add_argument("--fault", nargs=4, action="append", default=[],
                    metavar=("REGEX", "ACTION", "FIRST", "COUNT"))
    args = ap.parse_args()
    for f in args.fault:
        if f[1] not in ("503", "429", "reset", "truncate"):
            ap.error("unknown fault action %s" % f[1])
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.lock = threading.Lock()
    srv.rules = [Rule(*f) for f in args.fault]
    srv.stats = {"faults": 0, "forwarded": 0, "matched": {}}
    srv.retry_after = args.retry_after
    srv.upstream = urllib.parse.urlsplit(args.upstream)
    srv.upstream_ctx = ssl.create_default_context(cafile=args.ca)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
