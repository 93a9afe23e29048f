#!/usr/bin/env python3
"""A fake ECS instance metadata service (plain HTTP, as 100.100.100.200 is) for certpilot's tests.

Hardened mode (IMDSv2) only, as Alibaba documents it (help.aliyun.com/document_detail/108460.html):
  PUT /latest/api/token with X-aliyun-ecs-metadata-token-ttl-seconds (1 to 21600) -> a token;
  every GET must carry X-aliyun-ecs-metadata-token with a live token, else 401 (a GET without one,
  the old mode, is refused: certpilot must not depend on it);
  GET /latest/meta-data/ram/security-credentials/        -> the role name;
  GET /latest/meta-data/ram/security-credentials/<role>  -> {Code: Success, AccessKeyId,
      AccessKeySecret, SecurityToken, Expiration, LastUpdated}: a new temporary key each time it
      is asked after the last one's half-life, registered with the Alibaba fake (POST /_fake/keys).

usage: ecs_metadata_fake.py --port PORT --role NAME --aliyun https://127.0.0.1:P --cafile CA [--lifetime S]
control: GET /_fake/log: every request {method, path, token: true/false, status}.
"""
import argparse
import datetime
import http.server
import json
import secrets
import ssl
import sys
import threading
import time
import urllib.request

CREDS = "/latest/meta-data/ram/security-credentials/"


class State:
    def __init__(self, a):
        self.a, self.lock, self.tokens, self.log, self.current = a, threading.Lock(), {}, [], None

    def new_key(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        exp = now + datetime.timedelta(seconds=self.a.lifetime)
        key_id = "STS.ecs%s" % secrets.token_hex(6)
        cred = {"secret": secrets.token_urlsafe(24), "token": "CAIS" + secrets.token_urlsafe(40),
                "expires": exp.timestamp()}
        ctx = ssl.create_default_context(cafile=self.a.cafile)
        req = urllib.request.Request(self.a.aliyun + "/_fake/keys", data=json.dumps({key_id: cred}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, context=ctx, timeout=5).read()
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        self.current = {"Code": "Success", "AccessKeyId": key_id, "AccessKeySecret": cred["secret"],
                        "SecurityToken": cred["token"], "Expiration": exp.strftime(fmt),
                        "LastUpdated": now.strftime(fmt), "issued": time.time()}

    def creds(self):
        if self.current is None or time.time() - self.current["issued"] > self.a.lifetime / 2:
            self.new_key()
        return {k: v for k, v in self.current.items() if k != "issued"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, body, ctype="text/plain"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return status

    def do_PUT(self):
        st = self.server.state
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with st.lock:
            status = self.put(st)
            st.log.append({"method": "PUT", "path": self.path, "token": False, "status": status})

    def put(self, st):
        if self.path != "/latest/api/token":
            return self.reply(404, "not found")
        try:
            ttl = int(self.headers.get("X-aliyun-ecs-metadata-token-ttl-seconds", ""))
        except ValueError:
            return self.reply(400, "X-aliyun-ecs-metadata-token-ttl-seconds is required")
        if not 1 <= ttl <= 21600:
            return self.reply(400, "X-aliyun-ecs-metadata-token-ttl-seconds must be 1 to 21600")
        tok = secrets.token_urlsafe(32)
        st.tokens[tok] = time.time() + ttl
        return self.reply(200, tok)

    def do_GET(self):
        st = self.server.state
        if self.path == "/_fake/log":
            with st.lock:
                return self.reply(200, json.dumps(st.log), "application/json")
        tok = self.headers.get("X-aliyun-ecs-metadata-token")
        with st.lock:
            status = self.get(st, tok)
            st.log.append({"method": "GET", "path": self.path, "token": tok is not None, "status": status})

    def get(self, st, tok):
        if tok is None or st.tokens.get(tok, 0) < time.time():
            return self.reply(401, "X-aliyun-ecs-metadata-token is missing or expired (IMDSv2 only)")
        if self.path == CREDS:
            return self.reply(200, st.a.role)
        if self.path == CREDS + st.a.role:
            return self.reply(200, json.dumps(st.creds()), "application/json")
        return self.reply(404, "not found")

    def log_message(self, fmt, *args):
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--role", required=True)
    ap.add_argument("--aliyun", required=True)
    ap.add_argument("--cafile", required=True)
    ap.add_argument("--lifetime", type=int, default=21600)
    a = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.state = State(a)
    sys.stderr.write("ecs-metadata-fake: listening on http://127.0.0.1:%d/\n" % a.port)
    sys.stderr.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
