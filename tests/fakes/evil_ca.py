#!/usr/bin/env python3
"""A lying ACME CA for certpilot's hardening tests (Python stdlib + cryptography).

It speaks enough RFC 8555 for certpilot's flow -- directory, newNonce,
newAccount, newOrder, authorizations, challenges, finalize, order polling,
certificate download -- over TLS on loopback, and then misbehaves in the one
way --mode names (see MODES). JWS bodies are parsed but not verified.
GET /stats answers what was asked so far (counts per route), so a test can
assert, e.g., that an http:// URL was never fetched.

    evil_ca.py --port P --cert CERT --key KEY --mode MODE
"""
import argparse
import base64
import datetime
import json
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MODES = {
    "ok": "a well-behaved CA",
    "retry-after-huge": "order stays processing; Retry-After: 99999999999999999999",
    "retry-after-zero": "order stays processing; Retry-After: 0",
    "retry-after-past": "order stays processing; Retry-After: a date in 1994",
    "http-location": "newOrder's Location is http://",
    "http-authz": "the order's authorization URL is http://",
    "http-challenge": "the challenge URL is http://",
    "http-finalize": "the order's finalize URL is http://",
    "http-certificate": "the order's certificate URL is http://",
    "http-alternate": "the certificate's Link rel=alternate is http://",
    "redirect": "order polls and finalize answer 302 to another path",
    "other-host": "order URLs on 127.0.0.1 instead of localhost (allowed)",
    "leaf-ca": "the leaf certificate says CA:TRUE",
    "chain-broken": "the chain's intermediate did not sign the leaf",
    "extra-san": "the leaf also names evil.attacker.test",
    "foreign-authz": "authorizations for evil.other.test and -rf besides ours",
    "many-authz": "the order lists 500 authorizations",
    "alt-fail": "the alternate chain answers 500",
    "finalize-not-ready": "the order turns ready only once it is read again; finalize before that is orderNotReady",
    "problem-escape": "newOrder fails with terminal escapes and bidi controls in the problem",
}


def b64u_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


class Pki:
    """A root and an intermediate that issue leaves; a stray CA for broken chains."""

    def __init__(self):
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = self._ca("Evil Root", self.root_key, None, None)
        self.int_key = ec.generate_private_key(ec.SECP256R1())
        self.inter = self._ca("Evil Intermediate", self.int_key, self.root, self.root_key)
        self.stray_key = ec.generate_private_key(ec.SECP256R1())
        self.stray = self._ca("Evil Intermediate", self.stray_key, self.root, self.root_key)
        self.alt_root_key = ec.generate_private_key(ec.SECP256R1())
        self.alt_root = self._ca("Evil Alternate Root", self.alt_root_key, None, None)
        # the intermediate's key, cross-signed by the alternate root
        self.inter_alt = self._ca("Evil Intermediate", self.int_key, self.alt_root, self.alt_root_key)

    @staticmethod
    def _builder(subject, issuer, pub):
        now = datetime.datetime.now(datetime.timezone.utc)
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                .public_key(pub).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=30)))

    def _ca(self, cn, key, issuer, issuer_key):
        b = self._builder(name(cn), issuer.subject if issuer else name(cn), key.public_key())
        b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                          crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        return b.sign(issuer_key or key, hashes.SHA256())

    def leaf(self, pub, names, ca=False, signer="int"):
        b = self._builder(name(names[0][:64]), self.inter.subject, pub)
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        key = self.stray_key if signer == "stray" else self.int_key
        return b.sign(key, hashes.SHA256())


def pem(*certs):
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


class State:
    def __init__(self, mode, base, other):
        self.mode = mode
        self.base = base          # https://localhost:PORT
        self.other = other        # https://127.0.0.1:PORT
        self.pki = Pki()
        self.lock = threading.Lock()
        self.nonce = 0
        self.counts = {}
        self.identifiers = []
        self.authz_ids = []       # identifier value per authorization
        self.valid = set()        # answered authorizations
        self.order_status = "pending"
        self.chain = b""

    def count(self, route):
        with self.lock:
            self.counts[route] = self.counts.get(route, 0) + 1

    def next_nonce(self):
        with self.lock:
            self.nonce += 1
            return base64.urlsafe_b64encode(b"nonce-%d" % self.nonce).rstrip(b"=").decode()

    def url(self, path, scheme_bad=False):
        base = self.base
        if scheme_bad:
            base = base.replace("https://", "http://")
        elif self.mode == "other-host" and path.startswith(("/order", "/authz", "/chal", "/fin", "/cert")):
            base = self.other
        return base + path


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "evil-ca"

    def log_message(self, fmt, *args):
        sys.stderr.write("evil_ca: " + fmt % args + "\n")

    @property
    def st(self):
        return self.server.state

    def reply(self, status, body=b"", ctype="application/json", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Replay-Nonce", self.st.next_nonce())
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def problem(self, status, typ, detail):
        self.reply(status, {"type": "urn:ietf:params:acme:error:" + typ, "detail": detail},
                   "application/problem+json")

    def payload(self):
        n = int(self.headers.get("Content-Length", "0"))
        jws = json.loads(self.rfile.read(n) or b"{}")
        json.loads(b64u_decode(jws["protected"]))  # parsed, not verified
        raw = jws.get("payload", "")
        return json.loads(b64u_decode(raw)) if raw else None

    def do_HEAD(self):
        self.st.count("nonce")
        self.reply(200)

    def do_GET(self):
        st = self.st
        if self.path == "/stats":
            return self.reply(200, st.counts)
        st.count("dir")
        if self.path != "/dir":
            return self.problem(404, "malformed", "no such resource")
        self.reply(200, {"newNonce": st.base + "/nonce", "newAccount": st.base + "/acct",
                         "newOrder": st.base + "/order", "meta": {"termsOfService": st.base + "/tos"}})

    def do_POST(self):
        try:
            payload = self.payload()
        except (ValueError, KeyError) as e:
            return self.problem(400, "malformed", "bad JWS: %s" % e)
        route = self.path.strip("/").split("/")
        self.st.count(route[0])
        handler = getattr(self, "post_" + route[0], None)
        if handler is None:
            return self.problem(404, "malformed", "no such resource")
        handler(route[1:], payload)

    def post_acct(self, rest, payload):
        self.reply(201, {"status": "valid", "contact": []}, headers=[("Location", self.st.base + "/acct/1")])

    def order_object(self):
        st = self.st
        n = len(st.authz_ids)
        authz = [st.url("/authz/%d" % i, st.mode == "http-authz") for i in range(n)]
        obj = {"status": st.order_status, "identifiers": st.identifiers, "authorizations": authz,
               "finalize": st.url("/fin/1", st.mode == "http-finalize")}
        if st.order_status == "valid":
            obj["certificate"] = st.url("/cert/1", st.mode == "http-certificate")
        return obj

    def post_order(self, rest, payload):
        st = self.st
        if rest:
            return self.poll_order()
        if st.mode == "problem-escape":
            return self.problem(400, "rejectedIdentifier",
                                "bad \x1b[2J\x1b]0;pwned\x07 \u009b31m name \u202eexe.txt\u2066")
        st.identifiers = payload["identifiers"]
        st.authz_ids = [i["value"] for i in st.identifiers]
        if st.mode == "foreign-authz":
            st.authz_ids += ["evil.other.test", "-rf"]
        elif st.mode == "many-authz":
            st.authz_ids = st.authz_ids + ["x%d.test" % i for i in range(500)]
        loc = st.url("/order/1", st.mode == "http-location")
        self.reply(201, self.order_object(), headers=[("Location", loc)])

    def poll_order(self):
        st = self.st
        st.count("order-poll")
        if st.mode == "redirect":
            return self.reply(302, headers=[("Location", st.base + "/redirected")])
        if st.order_status == "pending" and len(st.valid) == len(st.authz_ids):
            st.order_status = "ready"
        ra = {"retry-after-huge": "99999999999999999999", "retry-after-zero": "0",
              "retry-after-past": "Sun, 06 Nov 1994 08:49:37 GMT"}.get(st.mode)
        self.reply(200, self.order_object(), headers=[("Retry-After", ra)] if ra else [])

    def post_redirected(self, rest, payload):
        self.reply(200, self.order_object())

    def post_authz(self, rest, payload):
        st = self.st
        i = int(rest[0])
        ident = st.authz_ids[i]
        wildcard = ident.startswith("*.")
        status = "valid" if i in st.valid else "pending"
        chal = {"type": "dns-01", "status": status, "token": "tok%d" % i,
                "url": st.url("/chal/%d" % i, st.mode == "http-challenge")}
        http = dict(chal, type="http-01", token="htok%d" % i)
        self.reply(200, {"identifier": {"type": "dns", "value": ident[2:] if wildcard else ident},
                         "status": status, "wildcard": wildcard, "challenges": [chal, http]})

    def post_chal(self, rest, payload):
        st = self.st
        i = int(rest[0])
        st.valid.add(i)
        self.reply(200, {"type": "dns-01", "status": "valid", "token": "tok%d" % i,
                         "url": st.url("/chal/%d" % i)})

    def issue(self, csr_der):
        st, pki = self.st, self.st.pki
        csr = x509.load_der_x509_csr(csr_der)
        names = [i["value"] for i in st.identifiers]
        if st.mode == "extra-san":
            names.append("evil.attacker.test")
        leaf = pki.leaf(csr.public_key(), names, ca=st.mode == "leaf-ca",
                        signer="stray" if st.mode == "chain-broken" else "int")
        return pem(leaf, pki.inter, pki.root)

    def post_fin(self, rest, payload):
        st = self.st
        if st.mode == "redirect":
            return self.reply(302, headers=[("Location", st.base + "/redirected")])
        # RFC 8555 §7.4: only a ready order may be finalized
        if st.order_status == "pending" and len(st.valid) == len(st.authz_ids) and st.mode != "finalize-not-ready":
            st.order_status = "ready"
        if st.order_status != "ready":
            return self.problem(403, "orderNotReady", "order is %s, not ready" % st.order_status)
        st.chain = self.issue(b64u_decode(payload["csr"]))
        st.order_status = "processing" if st.mode.startswith("retry-after") else "valid"
        self.reply(200, self.order_object(), headers=[("Location", st.url("/order/1"))])

    def post_cert(self, rest, payload):
        st = self.st
        if rest and rest[-1] == "alt":
            st.count("alt")
            if st.mode == "alt-fail":
                return self.problem(500, "serverInternal", "alternate chain lost")
            leaf = x509.load_pem_x509_certificate(st.chain)
            return self.reply(200, pem(leaf, st.pki.inter_alt, st.pki.alt_root), "application/pem-certificate-chain")
        alt = st.url("/cert/1/alt", st.mode == "http-alternate")
        self.reply(200, st.chain, "application/pem-certificate-chain",
                   headers=[("Link", '<%s>;rel="alternate"' % alt), ("Link", '<%s/up>;rel="up"' % st.base)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--mode", choices=sorted(MODES), default="ok")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.state = State(args.mode, "https://localhost:%d" % args.port, "https://127.0.0.1:%d" % args.port)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    sys.stderr.write("evil_ca: mode %s on port %d\n" % (args.mode, args.port))
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
