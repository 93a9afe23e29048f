#!/usr/bin/env python3
"""A strict local fake of Alibaba Cloud OpenAPI (RPC style) for certpilot's tests.

Every request is verified the way Alibaba documents it before any action runs:
  - V3 ACS3-HMAC-SHA256 (Authorization header): canonical request over method, path,
    sorted query, the signed headers (host, every x-acs-* header and content-type must be
    signed) and x-acs-content-sha256, which must be the SHA-256 of the body;
  - V2 RPC (Signature parameter, HMAC-SHA1 keyed by secret + "&", SignatureVersion 1.0);
  - the timestamp (x-acs-date / Timestamp) within 15 minutes of now, every signature nonce
    used once, the STS token (x-acs-security-token / SecurityToken) for an STS key pair;
  - chunked request bodies (the V3 SDK sends them) are read as well as Content-Length ones.
Failures answer with Alibaba's error JSON {RequestId, HostId, Code, Message, Recommend}.

Products are a dispatch table keyed by API version (PRODUCTS); each maps action names to
handlers(state, params) -> dict. Alidns (2015-01-09): accepted TXT records are mirrored into
pebble-challtestsrv (POST /set-txt, /clear-txt) so they resolve in the test DNS. CDN
(2018-05-10), CloudAPI (2016-07-14) and CAS (2020-04-07) take certificates: POST with a form
body only (a parameter in the URL is refused), the chain and key must parse and belong together
(python3-cryptography), and what was accepted is kept for the test to compare.

usage: aliyun_fake.py --port PORT --cert CERT --key KEY --config CONFIG.json [--challtestsrv URL]
CONFIG.json: {"keys": {"ID": {"secret": "...", "token": "... or absent"}},
              "domains": [{"name": "example.com", "min_ttl": 600}], "page_size_max": 100,
              "cdn_domains": ["cdn.example.com"], "apigw_groups": {"GROUPID": ["api.example.com"]}}
Test control (no signature, loopback only): POST /_fake/faults {"fail_add": N,
"throttle_once": ["Action", ...], "fail_actions": ["Action", ...], "echo_key": false} fails the
Nth AddDomainRecord from now / throttles the next call of each action once / fails every call of
each action (with echo_key, its Message quotes the private key, as a careless server might;
"echo_form": "percent", "json" or "lines" quotes all of it, percent-encoded, JSON-escaped or
over several lines, instead of its first 200 characters on one line);
POST /_fake/keys {"ID": {"secret", "token", "expires": epoch}} adds (temporary) keys; a key past
"expires" is refused (InvalidSecurityToken.Expired); GET /_fake/callers the key id and action of
every verified call; GET /_fake/records lists every record; GET /_fake/cdn, /_fake/apigw, /_fake/cas what each
certificate product holds (chains and keys included: this is a test fake).
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import http.server
import json
import re
import ssl
import sys
import threading
import urllib.parse
import urllib.request
import uuid

MAX_SKEW = 15 * 60
V3_REQUIRED = ("host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
               "x-acs-content-sha256")
V2_REQUIRED = ("AccessKeyId", "Action", "Version", "SignatureMethod", "SignatureNonce",
               "SignatureVersion", "Timestamp", "Signature")


class Raw:
    """A route's reply that is not Alibaba's JSON (OSS answers XML): sent as it is, with its own status."""
    def __init__(self, status, ctype, body):
        self.status, self.ctype, self.body = status, ctype, body


class ApiError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(code)
        self.code, self.message, self.status = code, message, status


# ---- signing, exactly as documented (also imported by test_aliyun_fake.py) ----

def pct(s):
    """RFC 3986: only A-Z a-z 0-9 - _ . ~ stay; upper-case hex; UTF-8 bytes."""
    return urllib.parse.quote(s, safe="-_.~")


def canonical_query(pairs):
    return "&".join(pct(k) + "=" + pct(v) for k, v in sorted(pairs))


def v2_string_to_sign(method, pairs):
    return method + "&" + pct("/") + "&" + pct(canonical_query(pairs))


def v2_signature(secret, string_to_sign):
    mac = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def v3_canonical_request(method, path, query_pairs, headers, signed, payload_hash):
    """headers: lower-case name -> list of values; signed: sorted lower-case names."""
    canon_headers = "".join("%s:%s\n" % (n, ",".join(sorted(v.strip() for v in headers[n])))
                            for n in signed)
    return "\n".join([method, path, canonical_query(query_pairs), canon_headers, ";".join(signed),
                      payload_hash])


def v3_signature(secret, canonical_request):
    hashed = hashlib.sha256(canonical_request.encode()).hexdigest()
    sts = "ACS3-HMAC-SHA256\n" + hashed
    return hmac.new(secret.encode(), sts.encode(), hashlib.sha256).hexdigest()


def parse_date(value):
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        raise ApiError("InvalidTimeStamp.Format",
                       "Specified time stamp or date value is not well formatted.") from None


# ---- the state a test sees ----

class State:
    def __init__(self, config, challtestsrv):
        self.lock = threading.Lock()
        self.keys = config.get("keys", {})
        self.domains = {d["name"].lower(): {"DomainName": d["name"].lower(),
                                            "DomainId": "dom-%d" % i,
                                            "MinTtl": int(d.get("min_ttl", 600))}
                        for i, d in enumerate(config.get("domains", []), 1)}
        self.page_size_max = int(config.get("page_size_max", 100))
        self.records = {}  # RecordId -> record dict, insertion ordered
        self.next_id = 100000
        self.nonces = set()
        self.callers = []  # {key, action} of every verified call, in order
        self.fail_add = 0  # fail the Nth AddDomainRecord from now (0: never)
        self.throttle_once = set()
        self.fail_actions = set()
        self.echo_key = False
        self.echo_form = "plain"
        self.cdn = {d.lower(): {"ServerCertificateStatus": "off", "sets": 0}
                    for d in config.get("cdn_domains", [])}
        self.apigw = {g: {d.lower(): {"sets": 0} for d in ds}
                      for g, ds in config.get("apigw_groups", {}).items()}
        self.cas = {}  # CertificateId -> upload, insertion ordered
        self.next_cert_id = 9000000
        self.challtestsrv = challtestsrv
        self.config = config
        for ext in EXTENSIONS:
            if "init" in ext:
                ext["init"](self, config)

    def record_fqdn(self, rec):
        name = rec["DomainName"] if rec["RR"] == "@" else rec["RR"] + "." + rec["DomainName"]
        return name.lower() + "."

    def sync_dns(self, fqdn):
        """challtestsrv's /clear-txt drops every value of a name: set the survivors again."""
        if not self.challtestsrv:
            return
        values = [r["Value"] for r in self.records.values()
                  if r["Type"] == "TXT" and self.record_fqdn(r) == fqdn]
        post(self.challtestsrv + "/clear-txt", {"host": fqdn})
        for v in values:
            post(self.challtestsrv + "/set-txt", {"host": fqdn, "value": v})


def post(url, obj):
    req = urllib.request.Request(url, data=json.dumps(obj).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        r.read()


class Params:
    """An action's parameters with Alibaba-style validation errors."""

    def __init__(self, pairs):
        self.d = {}
        for k, v in pairs:
            self.d[k] = v

    def req(self, name):
        v = self.d.get(name)
        if v is None or v == "":
            raise ApiError("MissingParameter", "The input parameter \"%s\" that is mandatory for "
                           "processing this request is not supplied." % name)
        return v

    def opt(self, name, default=None):
        return self.d.get(name, default)

    def int(self, name, default, lo, hi):
        v = self.d.get(name)
        if v is None:
            return default
        try:
            n = int(v)
        except ValueError:
            n = lo - 1
        if n < lo or n > hi:
            raise ApiError("InvalidParameter", "The specified parameter \"%s\" is not valid." % name)
        return n


# ---- Alidns 2015-01-09 ----

def page(st, p, items, api_max):
    """Alibaba paging: PageNumber from 1; the fake may serve fewer than PageSize (page_size_max)."""
    number = p.int("PageNumber", 1, 1, 1000000)
    size = min(p.int("PageSize", 20, 1, api_max), st.page_size_max)
    chunk = items[(number - 1) * size:number * size]
    return {"TotalCount": len(items), "PageNumber": number, "PageSize": size}, chunk


def domain_of(st, name):
    d = st.domains.get(name.lower().rstrip("."))
    if d is None:
        raise ApiError("InvalidDomainName.NoExist", "The specified domain name does not exist.")
    return d


def alidns_describe_domains(st, p):
    key = (p.opt("KeyWord") or "").lower()
    items = [{"DomainName": d["DomainName"], "DomainId": d["DomainId"]}
             for d in st.domains.values() if key in d["DomainName"]]
    reply, chunk = page(st, p, items, 100)
    reply["Domains"] = {"Domain": chunk}
    return reply


def alidns_describe_domain_info(st, p):
    return dict(domain_of(st, p.req("DomainName")))


def alidns_add_domain_record(st, p):
    d = domain_of(st, p.req("DomainName"))
    rr, rtype, value = p.req("RR").lower(), p.req("Type").upper(), p.req("Value")
    ttl = p.int("TTL", 600, 1, 86400)
    if st.fail_add > 0:
        st.fail_add -= 1
        if st.fail_add == 0:
            raise ApiError("InternalError", "The request processing has failed due to some unknown "
                           "error, exception or failure.", 500)
    if ttl < d["MinTtl"]:
        raise ApiError("QuotaExceeded.TTL", "The TTL %d is below the minimum %d of this edition."
                       % (ttl, d["MinTtl"]))
    for r in st.records.values():
        if (r["DomainName"], r["RR"], r["Type"], r["Value"]) == (d["DomainName"], rr, rtype, value):
            raise ApiError("DomainRecordDuplicate", "The DNS record already exists.")
    st.next_id += 1
    rec = {"RecordId": str(st.next_id), "DomainName": d["DomainName"], "RR": rr, "Type": rtype,
           "Value": value, "TTL": ttl, "Line": "default", "Status": "ENABLE", "Locked": False}
    st.records[rec["RecordId"]] = rec
    if rtype == "TXT":
        st.sync_dns(st.record_fqdn(rec))
    return {"RecordId": rec["RecordId"]}


def alidns_delete_domain_record(st, p):
    rec = st.records.pop(p.req("RecordId"), None)
    if rec is None:
        raise ApiError("DomainRecordNotBelongToUser", "The DNS record does not exist or does not "
                       "belong to the current account.")
    if rec["Type"] == "TXT":
        st.sync_dns(st.record_fqdn(rec))
    return {"RecordId": rec["RecordId"]}


def record_reply(st, p, items):
    reply, chunk = page(st, p, items, 500)
    reply["DomainRecords"] = {"Record": [dict(r) for r in chunk]}
    return reply


def alidns_describe_domain_records(st, p):
    d = domain_of(st, p.req("DomainName"))
    rr_kw, type_kw = (p.opt("RRKeyWord") or "").lower(), (p.opt("TypeKeyWord") or "").upper()
    value_kw = p.opt("ValueKeyWord") or ""
    items = [r for r in st.records.values() if r["DomainName"] == d["DomainName"]
             and rr_kw in r["RR"] and (not type_kw or r["Type"] == type_kw) and value_kw in r["Value"]]
    return record_reply(st, p, items)


def alidns_describe_sub_domain_records(st, p):
    sub = p.req("SubDomain").lower().rstrip(".")
    if p.opt("DomainName"):
        zone = domain_of(st, p.opt("DomainName"))["DomainName"]
    else:
        zones = [z for z in st.domains if sub == z or sub.endswith("." + z)]
        if not zones:
            raise ApiError("InvalidDomainName.NoExist", "The specified domain name does not exist.")
        zone = max(zones, key=len)
    rr = "@" if sub == zone else sub[:-len(zone) - 1]
    rtype = (p.opt("Type") or "").upper()
    items = [r for r in st.records.values() if r["DomainName"] == zone and r["RR"] == rr
             and (not rtype or r["Type"] == rtype)]
    return record_reply(st, p, items)


# ---- certificates: CDN 2018-05-10, CloudAPI 2016-07-14, CAS 2020-04-07 ----

PEM_CERT = re.compile(r"-----BEGIN CERTIFICATE-----\r?\n.*?-----END CERTIFICATE-----", re.S)


def load_pem_chain(pem):
    """Every certificate of a PEM text, in order; ValueError when there is none or one is bad.
    (x509.load_pem_x509_certificates does this from cryptography 39 on; Debian 12 has 38.)"""
    from cryptography import x509
    blocks = PEM_CERT.findall(pem)
    if not blocks:
        raise ValueError("not a PEM certificate chain")
    return [x509.load_pem_x509_certificate(b.encode()) for b in blocks]


def check_pair(chain_pem, key_pem, what):
    """The chain parses, the key parses, and the key is the leaf's; -> (leaf, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    try:
        certs = load_pem_chain(chain_pem)
    except ValueError:
        raise ApiError("InvalidParameter.Certificate", "The %s certificate is not valid PEM." % what) from None
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError):
        raise ApiError("InvalidParameter.PrivateKey", "The %s private key is not valid PEM." % what) from None
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if key.public_key().public_bytes(*fmt) != certs[0].public_key().public_bytes(*fmt):
        raise ApiError("InvalidParameter.KeyMismatch", "The private key does not match the certificate.")
    return certs[0], key


def leaf_facts(leaf):
    from cryptography.hazmat.primitives import hashes
    end = leaf.not_valid_after_utc if hasattr(leaf, "not_valid_after_utc") else leaf.not_valid_after
    return {"SerialNo": "%X" % leaf.serial_number,
            "Sha2": leaf.fingerprint(hashes.SHA256()).hex().upper(),
            "NotAfter": end.strftime("%Y-%m-%dT%H:%M:%SZ")}


def cdn_domain(st, p):
    name = p.req("DomainName").lower()
    if name not in st.cdn:
        raise ApiError("InvalidDomain.NotFound", "The domain does not exist or does not belong to you.", 404)
    return name


def cas_store(st, name, cert, key, leaf, source):
    """File a certificate in CAS, as an upload through CAS or CDN does; names are unique."""
    if any(u["Name"] == name for u in st.cas.values()):
        raise ApiError("NameRepeat", "The certificate name already exists.")
    st.next_cert_id += 1
    st.cas[st.next_cert_id] = dict({"CertificateId": st.next_cert_id, "Name": name, "Cert": cert,
                                    "Key": key, "Source": source}, **leaf_facts(leaf))
    return st.cas[st.next_cert_id]


def cdn_set_ssl(st, p):
    """CertType upload files the chain and key in CAS under CertName; cas points at a filed one."""
    name = cdn_domain(st, p)
    if p.req("SSLProtocol") != "on":
        raise ApiError("InvalidSSLProtocol.ValueNotSupported", "The fake only turns HTTPS on.")
    ctype = p.opt("CertType", "upload")
    if ctype == "upload":
        cert, key = p.req("SSLPub"), p.req("SSLPri")
        leaf, _ = check_pair(cert, key, "SSLPub")
        u = cas_store(st, p.req("CertName"), cert, key, leaf, "cdn")
    elif ctype == "cas":
        try:
            u = st.cas.get(int(p.req("CertId")))
        except ValueError:
            u = None
        if u is None or p.opt("CertRegion", "cn-hangzhou") != "cn-hangzhou":
            raise ApiError("Certificate.NotFound", "The certificate does not exist in this region.", 404)
    else:
        raise ApiError("InvalidCertType.ValueNotSupported", "CertType must be upload or cas.")
    d = st.cdn[name]
    d.update({"CertName": u["Name"], "CertId": u["CertificateId"], "SSLPub": u["Cert"], "SSLPri": u["Key"],
              "ServerCertificateStatus": "on", "CertType": ctype, "sets": d["sets"] + 1})
    return {}


def cdn_describe_cert(st, p):
    name = cdn_domain(st, p)
    d = st.cdn[name]
    info = {"DomainName": name, "ServerCertificateStatus": d["ServerCertificateStatus"],
            "DomainCnameStatus": "ok", "Status": "success"}
    if d["ServerCertificateStatus"] == "on":
        info.update({"CertName": d["CertName"], "ServerCertificate": d["SSLPub"], "CertType": d["CertType"],
                     "CertId": str(d["CertId"]), "CertRegion": "cn-hangzhou", "CertDomainName": name})
    return {"CertInfos": {"CertInfo": [info]}}


def apigw_domain(st, p):
    group = st.apigw.get(p.req("GroupId"))
    if group is None:
        raise ApiError("NotFoundApiGroup", "Cannot find the API group.", 404)
    name = p.req("DomainName").lower()
    if name not in group:
        raise ApiError("NotFoundDomain", "The domain is not bound to this API group.", 404)
    return group[name]


def apigw_set_cert(st, p):
    d = apigw_domain(st, p)
    cert_name = p.req("CertificateName")
    body, key = p.req("CertificateBody"), p.req("CertificatePrivateKey")
    leaf, _ = check_pair(body, key, "CertificateBody")
    d.update({"CertificateName": cert_name, "CertificateBody": body, "CertificatePrivateKey": key,
              "CertificateId": uuid.uuid4().hex, "sets": d["sets"] + 1}, **leaf_facts(leaf))
    return {}


def apigw_describe_domain(st, p):
    d = apigw_domain(st, p)
    reply = {"GroupId": p.req("GroupId"), "DomainName": p.req("DomainName").lower(),
             "DomainBindingStatus": "BINDING", "DomainCNAMEStatus": "RESOLVED"}
    for k in ("CertificateId", "CertificateName", "CertificateBody", "CertificatePrivateKey"):
        if k in d:
            reply[k] = d[k]
    return reply


CAS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def cas_upload(st, p):
    name = p.req("Name")
    if not CAS_NAME.match(name):
        raise ApiError("InvalidParameter.Name", "The name must be 1 to 64 letters, digits, '_' or '-'.")
    cert, key = p.req("Cert"), p.req("Key")
    leaf, _ = check_pair(cert, key, "Cert")
    return {"CertId": cas_store(st, name, cert, key, leaf, "cas")["CertificateId"]}


def cas_list(st, p):
    if p.opt("OrderType", "CPACK") != "UPLOAD":
        items = []
    else:
        items = [{k: u[k] for k in ("CertificateId", "Name", "SerialNo", "Sha2")}
                 for u in st.cas.values()]
    number = p.int("CurrentPage", 1, 1, 1000000)
    size = min(p.int("ShowSize", 50, 1, 100), st.page_size_max)
    return {"CertificateOrderList": items[(number - 1) * size:number * size], "TotalCount": len(items),
            "CurrentPage": number, "ShowSize": size}


def cas_delete(st, p):
    try:
        cid = int(p.req("CertId"))
    except ValueError:
        cid = -1
    if st.cas.pop(cid, None) is None:
        raise ApiError("NotFound", "The certificate does not exist.", 404)
    return {}


# The dispatch table: API version -> product name and its actions.
PRODUCTS = {
    "2015-01-09": ("Alidns", {
        "DescribeDomains": alidns_describe_domains,
        "DescribeDomainInfo": alidns_describe_domain_info,
        "AddDomainRecord": alidns_add_domain_record,
        "DeleteDomainRecord": alidns_delete_domain_record,
        "DescribeDomainRecords": alidns_describe_domain_records,
        "DescribeSubDomainRecords": alidns_describe_sub_domain_records,
    }),
    "2018-05-10": ("Cdn", {
        "SetCdnDomainSSLCertificate": cdn_set_ssl,
        "DescribeDomainCertificateInfo": cdn_describe_cert,
    }),
    "2016-07-14": ("CloudAPI", {
        "SetDomainCertificate": apigw_set_cert,
        "DescribeDomain": apigw_describe_domain,
    }),
    "2020-04-07": ("CAS", {
        "UploadUserCertificate": cas_upload,
        "ListUserCertificateOrder": cas_list,
        "DeleteUserCertificate": cas_delete,
    }),
}
# Products whose parameters may carry a private key: POST with a form body, nothing in the URL.
POST_ONLY = {"2018-05-10", "2016-07-14", "2020-04-07"}
KEY_PARAMS = ("SSLPri", "CertificatePrivateKey", "Key")


def load_extensions():
    """More products, one module each in tests/fakes/aliyun_products/: a module's
    register(fake) gets this module and returns a dict with any of
      "products":   {version: (product name, {action: handler(st, params)})}  (RPC style)
      "post_only":  versions whose requests may carry a key (POST form body only)
      "key_params": parameter names that carry a private key
      "init":       init(st, config): the product's state from the fake's --config JSON
      "control":    {"/_fake/NAME": view(st) -> JSON}  what a test reads back
      "routes":     [(match(req) -> bool, handle(st, req) -> (product, action, reply))]
                    for requests that are not RPC (ROA paths, OSS), tried first
    The modules are imported once, at start, in name order."""
    import importlib.util
    import os
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "aliyun_products")
    exts = []
    for name in sorted(os.listdir(here)) if os.path.isdir(here) else []:
        if not name.endswith(".py") or name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location("aliyun_products." + name[:-3], os.path.join(here, name))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        exts.append(mod.register(sys.modules[__name__]))
    return exts


EXTENSIONS = load_extensions()
for _ext in EXTENSIONS:
    PRODUCTS.update(_ext.get("products", {}))
    POST_ONLY |= set(_ext.get("post_only", ()))
    KEY_PARAMS += tuple(_ext.get("key_params", ()))
ROUTES = [route for _ext in EXTENSIONS for route in _ext.get("routes", [])]
CONTROL = {path: view for _ext in EXTENSIONS for path, view in _ext.get("control", {}).items()}


def echo_as(value, form):
    """A parameter quoted back in a message, in one of the forms a careless server might use."""
    if form == "percent":
        return urllib.parse.quote(value, safe="")
    if form == "json":
        return json.dumps(value).replace("/", "\\/")
    if form == "lines":
        return value
    return value.replace("\n", " ")[:200]


# ---- request verification ----

def check_fresh(st, stamp, nonce):
    skew = abs((datetime.datetime.now(datetime.timezone.utc) - parse_date(stamp)).total_seconds())
    if skew > MAX_SKEW:
        raise ApiError("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
    if nonce in st.nonces:
        raise ApiError("SignatureNonceUsed", "Specified signature nonce was used already.")


def key_of(st, key_id):
    key = st.keys.get(key_id)
    if key is None:
        raise ApiError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
    return key


def check_token(key, token):
    want = key.get("token")
    if key.get("expires") is not None and datetime.datetime.now(datetime.timezone.utc).timestamp() > key["expires"]:
        raise ApiError("InvalidSecurityToken.Expired", "Specified SecurityToken is expired.")
    if want is None and token is None:
        return
    if token is None:
        raise ApiError("MissingSecurityToken", "The security token of this STS access key is missing.")
    if want is None or not hmac.compare_digest(want, token):
        raise ApiError("InvalidSecurityToken.MismatchWithAccessKey",
                       "The security token does not match the access key.")


def parse_authorization(value):
    scheme, _, rest = value.partition(" ")
    fields = dict(f.split("=", 1) for f in rest.split(",") if "=" in f)
    if scheme != "ACS3-HMAC-SHA256" or not {"Credential", "SignedHeaders", "Signature"} <= set(fields):
        raise ApiError("IncompleteSignature", "The Authorization header is not "
                       "\"ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...\".")
    return fields["Credential"], fields["SignedHeaders"].split(";"), fields["Signature"]


def verify_v3(st, req):
    """-> (key_id, action, version, params) or ApiError."""
    key_id, signed, signature = parse_authorization(req.headers["authorization"][0])
    key = key_of(st, key_id)
    for name in V3_REQUIRED:
        if name not in req.headers:
            raise ApiError("MissingParameter", "The request header \"%s\" is missing." % name)
    must_sign = [n for n in req.headers if n.startswith("x-acs-") or n in ("host", "content-type")]
    unsigned = sorted(set(must_sign) - set(signed))
    if unsigned or signed != sorted(signed) or set(signed) - set(req.headers):
        raise ApiError("IncompleteSignature", "SignedHeaders must list, sorted, exactly the headers "
                       "host, content-type and x-acs-*; not signed: %s" % ",".join(unsigned))
    h = lambda n: req.headers[n][0]
    if h("x-acs-content-sha256") != hashlib.sha256(req.body).hexdigest():
        raise ApiError("SignatureDoesNotMatch", "x-acs-content-sha256 is not the SHA-256 of the body.")
    creq = v3_canonical_request(req.method, req.path, req.query, req.headers, signed,
                                h("x-acs-content-sha256"))
    if not hmac.compare_digest(v3_signature(key["secret"], creq), signature):
        raise ApiError("SignatureDoesNotMatch", "The request signature does not conform to Aliyun "
                       "standards. server string to sign is:ACS3-HMAC-SHA256\n"
                       + hashlib.sha256(creq.encode()).hexdigest())
    check_fresh(st, h("x-acs-date"), h("x-acs-signature-nonce"))
    check_token(key, req.headers.get("x-acs-security-token", [None])[0])
    st.nonces.add(h("x-acs-signature-nonce"))
    return key_id, h("x-acs-action"), h("x-acs-version"), req.query + req.form


def verify_v2(st, req):
    pairs = req.query + req.form
    names = [k for k, _ in pairs]
    for name in V2_REQUIRED:
        if names.count(name) != 1:
            raise ApiError("MissingParameter", "The input parameter \"%s\" that is mandatory for "
                           "processing this request is not supplied." % name)
    p = dict(pairs)
    key = key_of(st, p["AccessKeyId"])
    if p["SignatureMethod"] != "HMAC-SHA1" or p["SignatureVersion"] != "1.0":
        raise ApiError("InvalidParameter", "SignatureMethod must be HMAC-SHA1 and SignatureVersion 1.0.")
    sts = v2_string_to_sign(req.method, [kv for kv in pairs if kv[0] != "Signature"])
    if not hmac.compare_digest(v2_signature(key["secret"], sts), p["Signature"]):
        raise ApiError("SignatureDoesNotMatch", "Specified signature is not matched with our "
                       "calculation. server string to sign is:" + sts)
    check_fresh(st, p["Timestamp"], p["SignatureNonce"])
    check_token(key, p.get("SecurityToken"))
    st.nonces.add(p["SignatureNonce"])
    common = set(V2_REQUIRED) | {"Format", "SecurityToken"}
    return p["AccessKeyId"], p["Action"], p["Version"], [kv for kv in pairs if kv[0] not in common]


def dispatch(st, req):
    for match, handle in ROUTES:
        if match(req):
            return handle(st, req)
    if "authorization" in req.headers:
        key_id, action, version, pairs = verify_v3(st, req)
    elif any(k == "Signature" for k, _ in req.query + req.form):
        key_id, action, version, pairs = verify_v2(st, req)
    else:
        raise ApiError("MissingParameter", "The request is not signed: neither an Authorization "
                       "header nor a Signature parameter.")
    product = PRODUCTS.get(version)
    if product is None:
        raise ApiError("InvalidVersion", "Specified parameter Version is not valid.")
    st.callers.append({"key": key_id, "action": action})
    handler = product[1].get(action)
    if handler is None:
        raise ApiError("InvalidAction.NotFound", "Specified api is not found, please check your url "
                       "and method.", 404)
    if version in POST_ONLY and (req.method != "POST" or req.query):
        raise ApiError("UnsupportedHTTPMethod", "This fake takes %s only as a POST with a form body; "
                       "nothing may travel in the URL." % action)
    if action in st.throttle_once:
        st.throttle_once.discard(action)
        raise ApiError("Throttling.User", "Request was denied due to user flow control.")
    params = Params(pairs)
    if action in st.fail_actions:
        echo = next((params.opt(k) for k in KEY_PARAMS if params.opt(k)), "") if st.echo_key else ""
        raise ApiError("InternalError", "The request processing has failed due to some unknown error."
                       + (" Parameter: " + echo_as(echo, st.echo_form) if echo else ""), 500)
    return product[0], action, handler(st, params)


# ---- HTTP ----

class Request:
    def __init__(self, method, target, headers, body):
        url = urllib.parse.urlsplit(target)
        self.method, self.path, self.body = method, url.path or "/", body
        self.query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        self.headers = {}
        for name, value in headers.items():
            self.headers.setdefault(name.lower(), []).append(value)
        ctype = headers.get("Content-Type", "")
        self.form = []
        if ctype.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            self.form = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "aliyun-fake"

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):  # ROA-style products (tests/fakes/aliyun_products/)
        self.handle_any()

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def send_json(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_raw(self, reply, what):
        sys.stderr.write("aliyun-fake: %s %s %s -> %d %s\n" % (
            self.command, self.path.split("?")[0], self.headers.get("Authorization", "-").split(" ")[0],
            reply.status, what))
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.ctype)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def control(self, path, body):
        st = self.server.state
        with st.lock:
            if path == "/_fake/faults" and self.command == "POST":
                f = json.loads(body or b"{}")
                st.fail_add = int(f.get("fail_add", 0))
                st.throttle_once = set(f.get("throttle_once", []))
                st.fail_actions = set(f.get("fail_actions", []))
                st.echo_key = bool(f.get("echo_key", False))
                st.echo_form = f.get("echo_form", "plain")
                return self.send_json(200, {"ok": True})
            if path == "/_fake/keys" and self.command == "POST":  # temporary keys (the metadata fake's)
                st.keys.update(json.loads(body or b"{}"))
                return self.send_json(200, {"ok": True})
            if path == "/_fake/callers":
                return self.send_json(200, st.callers)
            if path == "/_fake/records":
                return self.send_json(200, list(st.records.values()))
            if path == "/_fake/cdn":
                return self.send_json(200, st.cdn)
            if path == "/_fake/apigw":
                return self.send_json(200, st.apigw)
            if path == "/_fake/cas":
                return self.send_json(200, list(st.cas.values()))
            if path in CONTROL:
                return self.send_json(200, CONTROL[path](st))
        self.send_json(404, {"error": "no such control path"})

    def handle_any(self):
        body = self.read_body()
        if self.path.startswith("/_fake/"):
            return self.control(urllib.parse.urlsplit(self.path).path, body)
        st, rid = self.server.state, str(uuid.uuid4()).upper()
        what = "?"
        try:
            req = Request(self.command, self.path, self.headers, body)
            with st.lock:
                product, action, reply = dispatch(st, req)
            what = product + "." + action
            if isinstance(reply, Raw):
                return self.send_raw(reply, what)
            reply = dict(reply, RequestId=rid)
            status = 200
        except ApiError as e:
            status, reply = e.status, {"RequestId": rid, "HostId": self.headers.get("Host", ""),
                                       "Code": e.code, "Message": e.message,
                                       "Recommend": "https://api.aliyun.com/troubleshoot?q=" + e.code}
            what = e.code
        except Exception as e:  # a bug here or challtestsrv down: say so, as a 500
            status, reply = 500, {"RequestId": rid, "Code": "InternalError", "Message": repr(e)}
            what = "InternalError " + repr(e)
        chunked = self.headers.get("Transfer-Encoding", "").lower() == "chunked"
        sys.stderr.write("aliyun-fake: %s %s%s %s -> %d %s\n" % (
            self.command, self.path.split("?")[0], " (chunked)" if chunked else "",
            "v3" if "Authorization" in self.headers else "v2", status, what))
        self.send_json(status, reply)

    def log_message(self, fmt, *args):
        pass  # one line per request is written by handle_any, never a body


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--challtestsrv", default="")
    a = ap.parse_args()
    with open(a.config, encoding="utf-8") as f:
        config = json.load(f)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.state = State(config, a.challtestsrv.rstrip("/"))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    # the handshake runs in the request thread, so a stalled client blocks no one else
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    sys.stderr.write("aliyun-fake: listening on https://127.0.0.1:%d/\n" % a.port)
    sys.stderr.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
