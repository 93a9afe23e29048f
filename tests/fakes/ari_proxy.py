#!/usr/bin/env python3
"""ari_proxy - a TLS proxy in front of Pebble that adds RFC 9773 ARI.

Pebble 2.4 has no renewalInfo. This proxy forwards every request to Pebble
unchanged (the Host header too, so Pebble builds its URLs, and checks the
JWS "url", against the proxy's address), adds "renewalInfo" to the
directory, and answers GET renewalInfo/<certID> itself from a JSON control
file that is re-read on every request:

    {"window": {"start": "RFC 3339", "end": "RFC 3339"} | null,   # null: 404
     "retry_after": "3600",                                       # optional
     "explanation": "https://..."}                                # optional

Relative windows are allowed for convenience: {"window": {"start_in": -172800,
"end_in": -86400}} (seconds from now).

A race can be forced with {"hold": {"gate": FILE, "count": N}}: the first N
renewalInfo GETs for that gate log "held <certID>" and get no answer until
FILE exists (at most 60 s), so a test can run something else while a
certpilot waits for the CA, then release it.

It logs, one line each, to --log: "ari <certID>" for every renewalInfo GET
and "newOrder replaces=<certID|none>" for every newOrder (any POST whose JWS
payload holds "identifiers").

usage: ari_proxy.py --listen PORT --upstream HOST:PORT --ca-bundle FILE
                    --cert FILE --key FILE --control FILE --log FILE
Binds 127.0.0.1 only. Python 3 standard library only.
"""

import argparse
import base64
import datetime
import http.client
import http.server
import json
import os
import ssl
import sys
import threading
import time

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length",
              "proxy-connection", "te", "trailer", "upgrade"}


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def rfc3339(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, opts):
        super().__init__(("127.0.0.1", opts.listen), Handler)
        self.opts = opts
        self.log_lock = threading.Lock()
        self.upstream_ctx = ssl.create_default_context(cafile=opts.ca_bundle)
        self.held = {}  # gate -> renewalInfo GETs held for it so far

    def record(self, line):
        with self.log_lock, open(self.opts.log, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    def control(self):
        try:
            with open(self.opts.control, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return {"window": None}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep stderr quiet; the log file says what matters
        pass

    def send(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def do_GET(self):
        if "/renewalInfo/" in self.path:
            self.renewal_info(self.path.split("/renewalInfo/", 1)[1])
        else:
            self.forward(b"")

    def do_HEAD(self):
        self.forward(b"")

    def do_POST(self):
        data = self.body()
        self.note_new_order(data)
        self.forward(data)

    def note_new_order(self, data):
        try:
            payload = json.loads(b64url_decode(json.loads(data)["payload"]) or b"null")
        except (ValueError, KeyError, TypeError):
            return
        if isinstance(payload, dict) and "identifiers" in payload:
            self.server.record("newOrder replaces=%s" % payload.get("replaces", "none"))

    def hold(self, ctl, cert_id):
        hold = ctl.get("hold") or {}
        gate = hold.get("gate")
        with self.server.log_lock:
            if not gate or self.server.held.get(gate, 0) >= int(hold.get("count", 1)):
                return
            self.server.held[gate] = self.server.held.get(gate, 0) + 1
        self.server.record("held " + cert_id)
        deadline = time.monotonic() + 60
        while not os.path.exists(gate) and time.monotonic() < deadline:
            time.sleep(0.05)

    def renewal_info(self, cert_id):
        self.server.record("ari " + cert_id)
        ctl = self.server.control()
        self.hold(ctl, cert_id)
        ctl = self.server.control()
        window = ctl.get("window")
        if not window:
            problem = {"type": "urn:ietf:params:acme:error:malformed",
                       "detail": "no renewal information for this certificate"}
            self.send(404, json.dumps(problem).encode(), [("Content-Type", "application/problem+json")])
            return
        if "start_in" in window:
            window = {"start": rfc3339(window["start_in"]), "end": rfc3339(window["end_in"])}
        doc = {"suggestedWindow": window}
        if ctl.get("explanation"):
            doc["explanationURL"] = ctl["explanation"]
        headers = [("Content-Type", "application/json")]
        if ctl.get("retry_after") is not None:
            headers.append(("Retry-After", str(ctl["retry_after"])))
        self.send(200, json.dumps(doc).encode(), headers)

    def forward(self, data):
        host, port = self.server.opts.upstream.rsplit(":", 1)
        conn = http.client.HTTPSConnection(host, int(port), timeout=30,
                                           context=self.server.upstream_ctx)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            conn.request(self.command, self.path, body=data if data else None, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
            if self.path.rstrip("/").endswith("/dir") and resp.status == 200:
                body = self.add_renewal_info(body)
            self.send(resp.status, body, out)
        finally:
            conn.close()

    def add_renewal_info(self, body):
        d = json.loads(body)
        d["renewalInfo"] = "https://%s/renewalInfo" % self.headers["Host"]
        return json.dumps(d).encode()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--upstream", required=True)
    p.add_argument("--ca-bundle", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--control", required=True)
    p.add_argument("--log", required=True)
    opts = p.parse_args()
    server = Proxy(opts)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(opts.cert, opts.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
