"""Object Storage Service (OSS): a bucket's custom domains (CNAME) and their certificates, what
certpilot's alioss target calls, as OSS's API reference documents it. OSS is not an OpenAPI
product: a REST API on the bucket's host <bucket>.oss-<region>.aliyuncs.com with XML bodies and
its own signature, verified here from OSS's V4 signature document (OSS4-HMAC-SHA256):

  CanonicalRequest = Method \\n CanonicalURI \\n CanonicalQuery \\n CanonicalHeaders \\n
                     AdditionalHeaders \\n HashedPayload
  URI "/<bucket>/<object>" percent-encoded ('/' kept); the query sorted by encoded name, a parameter
  without a value as its name alone; the headers Content-Type, Content-MD5, every x-oss-* and the
  AdditionalHeaders, lower-case, trimmed, sorted, "name:value\\n" each; the payload hash is
  x-oss-content-sha256 (UNSIGNED-PAYLOAD or the body's hex SHA-256).
  StringToSign = "OSS4-HMAC-SHA256" \\n x-oss-date \\n <day>/<region>/oss/aliyun_v4_request \\n
                 hex(SHA-256(CanonicalRequest))
  key = HMAC-SHA256 chain from "aliyun_v4" + secret over day, region, "oss", "aliyun_v4_request".

Actions (OSS API reference):
  ListCname  GET  /?cname             -> <ListCnameResult> {Bucket, Owner, Cname*}
  PutCname   POST /?cname&comp=add    <BucketCnameConfiguration><Cname><Domain/>
                                      <CertificateConfiguration> CertId | Certificate + PrivateKey,
                                      PreviousCertId (must name the bound certificate) or Force=true
config:  {"oss_buckets": {"bucket": {"region": "cn-hangzhou", "domains": ["static.example.com"]}}}
control: GET /_fake/oss {bucket: {domain: {cert_id, fingerprint, chain, key, updates}}}
Faults: "PutCname" in fail_actions answers InternalError (quoting the key when echo_key is set).
"""
import base64
import datetime
import hashlib
import hmac
import re
import urllib.parse
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

fake = None
HOST = re.compile(r"([a-z0-9][a-z0-9-]{1,61}[a-z0-9])\.oss-([a-z0-9-]+)\.aliyuncs\.com(:\d+)?")
AUTH = re.compile(r"OSS4-HMAC-SHA256 Credential=([^/,]+)/(\d{8})/([a-z0-9-]+)/oss/aliyun_v4_request,"
                  r"(?:AdditionalHeaders=([a-z0-9;-]+),)?Signature=([0-9a-f]{64})")


class OssError(Exception):
    def __init__(self, status, code, message):
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


def init(st, config):
    st.oss = {b: {"region": v["region"], "domains": {d.lower(): None for d in v.get("domains", [])}}
              for b, v in config.get("oss_buckets", {}).items()}
    st.oss_next_id = 9000


def enc(s):
    return urllib.parse.quote(s, safe="-_.~")


def canonical_query(pairs):
    items = sorted(enc(k) + ("=" + enc(v) if v != "" else "") for k, v in pairs)
    return "&".join(items)


def canonical_headers(req, additional):
    names = {n for n in req.headers if n in ("content-type", "content-md5") or n.startswith("x-oss-")}
    missing = [n for n in additional if n not in req.headers]
    if missing:
        raise OssError(403, "SignatureDoesNotMatch", "AdditionalHeaders names a header not sent: " + missing[0])
    names |= set(additional)
    return "".join("%s:%s\n" % (n, req.headers[n][0].strip()) for n in sorted(names))


def signing_key(secret, day, region):
    k = hmac.new(("aliyun_v4" + secret).encode(), day.encode(), hashlib.sha256).digest()
    for part in (region, "oss", "aliyun_v4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def check_date(h, day):
    stamp = h("x-oss-date")
    try:
        t = datetime.datetime.strptime(stamp or "", "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise OssError(403, "AccessDenied", "x-oss-date must be yyyymmddThhmmssZ with V4.")
    if stamp[:8] != day:
        raise OssError(403, "AccessDenied", "The Credential's date is not x-oss-date's day.")
    if abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()) > fake.MAX_SKEW:
        raise OssError(403, "RequestTimeTooSkewed", "The difference between the request time and the "
                       "current time is too large.")


def check_payload(req, h):
    sha = h("x-oss-content-sha256")
    if sha is None:
        raise OssError(403, "AccessDenied", "x-oss-content-sha256 is required with V4.")
    if sha != "UNSIGNED-PAYLOAD" and sha != hashlib.sha256(req.body).hexdigest():
        raise OssError(400, "InvalidArgument", "x-oss-content-sha256 is not the body's SHA-256.")
    md5 = h("content-md5")
    if md5 is not None and md5 != base64.b64encode(hashlib.md5(req.body).digest()).decode():
        raise OssError(400, "InvalidDigest", "The Content-MD5 you specified is not valid.")
    return sha


def verify(st, req, bucket, region):
    m = AUTH.fullmatch(req.headers.get("authorization", [""])[0])
    if m is None:
        raise OssError(403, "AccessDenied", "Only OSS4-HMAC-SHA256 (V4) Authorization is accepted here.")
    key_id, day, cred_region, additional, sig = m.groups()
    key = st.keys.get(key_id)
    if key is None:
        raise OssError(403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.")
    if cred_region != region:
        raise OssError(403, "SignatureDoesNotMatch", "The Credential's region is not the bucket's (%s)." % region)
    h = lambda n: req.headers.get(n, [None])[0]
    check_date(h, day)
    sha = check_payload(req, h)
    extra = sorted(additional.split(";")) if additional else []
    creq = "\n".join([req.method, urllib.parse.quote("/%s/" % bucket, safe="/-_.~"), canonical_query(req.query),
                      canonical_headers(req, extra), ";".join(extra), sha])
    sts = "\n".join(["OSS4-HMAC-SHA256", h("x-oss-date"), "%s/%s/oss/aliyun_v4_request" % (day, region),
                     hashlib.sha256(creq.encode()).hexdigest()])
    want = hmac.new(signing_key(key["secret"], day, region), sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        raise OssError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match "
                       "the signature you provided. StringToSign: " + sts.replace("\n", "\\n"))
    try:
        fake.check_token(key, h("x-oss-security-token"))
    except fake.ApiError as e:
        raise OssError(403, "InvalidSecurityToken" if "Mismatch" in e.code else "AccessDenied", e.message)


def xml_doc(root, children):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<%s>%s</%s>' % (root, children, root)).encode()


def el(name, value):
    return "<%s>%s</%s>" % (name, escape(value), name)


def list_cname(st, bucket):
    out = [el("Bucket", bucket), el("Owner", "fake-owner")]
    for domain, c in sorted(st.oss[bucket]["domains"].items()):
        cert = ""
        if c is not None:
            cert = "<Certificate>%s</Certificate>" % "".join(
                [el("Type", c["type"]), el("CertId", c["cert_id"]), el("Status", "Enabled"),
                 el("CreationDate", c["created"]), el("Fingerprint", c["fingerprint"]),
                 el("ValidStartDate", c["valid_start"]), el("ValidEndDate", c["valid_end"])])
        out.append("<Cname>%s%s%s%s</Cname>" % (el("Domain", domain), el("LastModified", "2026-12-04T00:00:00.000Z"),
                                                el("Status", "Enabled"), cert))
    return xml_doc("ListCnameResult", "".join(out))


def parse_put(body):
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise OssError(400, "MalformedXML", "The XML you provided was not well-formed: %s" % e)
    cname = root.find("Cname") if root.tag == "BucketCnameConfiguration" else None
    domain = cname.findtext("Domain") if cname is not None else None
    conf = cname.find("CertificateConfiguration") if cname is not None else None
    if not domain or conf is None:
        raise OssError(400, "MalformedXML", "BucketCnameConfiguration/Cname needs Domain and "
                       "CertificateConfiguration here.")
    return domain.lower(), {c.tag: (c.text or "") for c in conf}


def certificate_of(conf):
    from cryptography.hazmat.primitives import hashes, serialization
    try:
        leaf = fake.load_pem_chain(conf["Certificate"])[0]  # cryptography 38 (Debian 12) has no load_pem_x509_certificates
        key = serialization.load_pem_private_key(conf["PrivateKey"].encode(), None)
    except (KeyError, ValueError, IndexError):
        raise OssError(400, "InvalidArgument", "Certificate and PrivateKey must be PEM.")
    pub = lambda k: k.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if pub(leaf.public_key()) != pub(key.public_key()):
        raise OssError(400, "InvalidArgument", "The certificate does not match the private key.")
    return leaf


def valid_time(cert, which):
    """not_valid_{before,after}_utc from cryptography 42 on; the naive UTC ones before (Debian 12: 38)."""
    t = getattr(cert, "not_valid_%s_utc" % which, None)
    return t if t is not None else getattr(cert, "not_valid_" + which).replace(tzinfo=datetime.timezone.utc)


def put_cname(st, bucket, req):
    domain, conf = parse_put(req.body)
    domains = st.oss[bucket]["domains"]
    if domain not in domains:
        raise OssError(400, "NeedVerifyDomainOwnership", "The domain %s is not bound to this bucket." % domain)
    if "PutCname" in st.fail_actions:
        echo = fake.echo_as(conf.get("PrivateKey", ""), st.echo_form) if st.echo_key else ""
        raise OssError(500, "InternalError", "Please contact the server administrator. " + echo)
    now = domains[domain]
    if conf.get("Force") != "true" and (now is not None or "PreviousCertId" in conf) and \
            conf.get("PreviousCertId") != (now["cert_id"] if now else None):
        raise OssError(409, "CertificateIdMismatch", "PreviousCertId is not the bound certificate; "
                       "name it or set Force.")
    if "CertId" in conf:
        raise OssError(400, "InvalidArgument", "This fake takes the certificate and key, not a CertId.")
    leaf = certificate_of(conf)
    from cryptography.hazmat.primitives import hashes
    st.oss_next_id += 1
    fmt = "%a, %d %b %Y %H:%M:%S GMT"
    domains[domain] = {"type": "Upload", "cert_id": "%d-cn-hangzhou" % st.oss_next_id,
                       "fingerprint": ":".join("%02X" % b for b in leaf.fingerprint(hashes.SHA1())),
                       "created": datetime.datetime.now(datetime.timezone.utc).strftime(fmt),
                       "valid_start": valid_time(leaf, "before").strftime(fmt),
                       "valid_end": valid_time(leaf, "after").strftime(fmt),
                       "chain": conf["Certificate"], "key": conf["PrivateKey"],
                       "updates": (now or {}).get("updates", 0) + 1}
    return b""


def handle(st, req):
    rid = fake.uuid.uuid4().hex.upper()[:24]
    host = req.headers.get("host", [""])[0]
    bucket, region = HOST.fullmatch(host).group(1, 2)
    query = dict(req.query)
    action = "?"
    try:
        if bucket not in st.oss or st.oss[bucket]["region"] != region:
            raise OssError(404, "NoSuchBucket", "The specified bucket does not exist.")
        verify(st, req, bucket, region)
        if req.method == "GET" and query == {"cname": ""}:
            action, body = "ListCname", list_cname(st, bucket)
        elif req.method == "POST" and query == {"cname": "", "comp": "add"}:
            action, body = "PutCname", put_cname(st, bucket, req)
        else:
            raise OssError(400, "InvalidRequest", "This fake serves ListCname and PutCname only.")
        return "Oss", action, fake.Raw(200, "application/xml", body)
    except OssError as e:
        err = "".join([el("Code", e.code), el("Message", e.message), el("RequestId", rid), el("HostId", host)])
        return "Oss", action + " " + e.code, fake.Raw(e.status, "application/xml", xml_doc("Error", err))


def view(st):
    return {b: v["domains"] for b, v in st.oss.items()}


def register(module):
    global fake
    fake = module
    return {
        "init": init,
        "control": {"/_fake/oss": view},
        "routes": [(lambda req: HOST.fullmatch(req.headers.get("host", [""])[0]) is not None, handle)],
    }
