#!/usr/bin/env python3
"""The Alibaba Cloud fake checked against the published vectors (tests/data/aliyun/) and its
request verification driven offline: accepted and refused V2/V3 requests, replay, stale
timestamps, STS tokens, paging and the Alidns actions (without challtestsrv); the certificate
products (CDN, CloudAPI, CAS): POST only, chain and key checked and kept, the fault switch."""
import datetime
import hashlib
import os
import re
import sys
import unittest
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aliyun_fake as fake  # noqa: E402

DATA = os.path.join(os.environ.get("CP_TEST_DATA") or
                    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"), "aliyun")


def read(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return f.read()


def line_after(text, marker):
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(marker):
            return lines[i + 1]
    raise AssertionError("no %r" % marker)


def params_of(text):
    return [tuple(m.groups()) for m in re.finditer(r"^  (\w+)=(\S+)$", text, re.M)]


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Vectors(unittest.TestCase):
    def check_v2(self, name):
        text = read(name)
        sts = fake.v2_string_to_sign("GET", params_of(text))
        self.assertEqual(sts, line_after(text, "StringToSign"))
        self.assertEqual(fake.v2_signature("testsecret", sts), line_after(text, "Signature"))

    def test_v2_a(self):
        self.check_v2("rpc-signature-v1.txt")

    def test_v2_b(self):
        self.check_v2("rpc-signature-v1-b.txt")

    def test_v3(self):
        text = read("v3-acs3-hmac-sha256.txt")
        headers = {"host": ["ecs.cn-shanghai.aliyuncs.com"], "x-acs-action": ["RunInstances"],
                   "x-acs-content-sha256": [hashlib.sha256(b"").hexdigest()],
                   "x-acs-date": ["2023-10-26T10:22:32Z"],
                   "x-acs-signature-nonce": ["3156853299f313e23d1673dc12e1703d"],
                   "x-acs-version": ["2014-05-26"]}
        query = [("RegionId", "cn-shanghai"),
                 ("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd")]
        creq = fake.v3_canonical_request("POST", "/", query, headers, sorted(headers),
                                         headers["x-acs-content-sha256"][0])
        want = text[text.index("\nPOST\n/\n") + 1:text.index("\n\nHashedCanonicalRequest")]
        self.assertEqual(creq, want)
        sig = fake.v3_signature("YourAccessKeySecret", creq)
        self.assertEqual(sig, line_after(text, "Signature = hex"))
        self.assertTrue(line_after(text, "Authorization header:").endswith("Signature=" + sig))

    def test_pct(self):
        self.assertEqual(fake.pct("a b*~/+é"), "a%20b%2A~%2F%2B%C3%A9")


CONFIG = {"keys": {"AK": {"secret": "sk"}, "STS.AK": {"secret": "ssk", "token": "tok"}},
          "domains": [{"name": "example.com"}, {"name": "sub.example.com", "min_ttl": 1},
                      {"name": "other.test"}],
          "page_size_max": 2}


def v2_request(action, params, key="AK", secret="sk", stamp=None, nonce=None, extra=(), version="2015-01-09",
               method="POST"):
    pairs = [("Action", action), ("Version", version), ("Format", "JSON"), ("AccessKeyId", key),
             ("SignatureMethod", "HMAC-SHA1"), ("SignatureNonce", nonce or uuid.uuid4().hex),
             ("SignatureVersion", "1.0"), ("Timestamp", stamp or now())] + list(extra) + list(params)
    sig = fake.v2_signature(secret, fake.v2_string_to_sign(method, pairs))
    body = (fake.canonical_query(pairs) + "&Signature=" + fake.pct(sig)).encode()
    if method == "GET":  # everything in the URL
        return fake.Request("GET", "/?" + body.decode(), {}, b"")
    return fake.Request("POST", "/", {"Content-Type": "application/x-www-form-urlencoded"}, body)


def v3_request(action, params, key="AK", secret="sk", token=None, nonce=None, chunk_hash=None,
               version="2015-01-09"):
    body = fake.canonical_query(params).encode()
    headers = {"Host": "127.0.0.1:1", "Content-Type": "application/x-www-form-urlencoded",
               "x-acs-action": action, "x-acs-version": version, "x-acs-date": now(),
               "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
               "x-acs-content-sha256": chunk_hash or hashlib.sha256(body).hexdigest()}
    if token:
        headers["x-acs-security-token"] = token
    lower = {k.lower(): [v] for k, v in headers.items()}
    signed = sorted(lower)
    creq = fake.v3_canonical_request("POST", "/", [], lower, signed, lower["x-acs-content-sha256"][0])
    headers["Authorization"] = "ACS3-HMAC-SHA256 Credential=%s,SignedHeaders=%s,Signature=%s" % (
        key, ";".join(signed), fake.v3_signature(secret, creq))
    return fake.Request("POST", "/", headers, body)


class Verification(unittest.TestCase):
    def setUp(self):
        self.st = fake.State(CONFIG, "")

    def code(self, req):
        try:
            fake.dispatch(self.st, req)
        except fake.ApiError as e:
            return e.code
        return None

    def test_v2_accepted_and_replay_refused(self):
        self.assertIsNone(self.code(v2_request("DescribeDomains", [], nonce="n1")))
        self.assertEqual(self.code(v2_request("DescribeDomains", [], nonce="n1")), "SignatureNonceUsed")

    def test_v3_accepted_and_replay_refused(self):
        self.assertIsNone(self.code(v3_request("DescribeDomains", [], nonce="n2")))
        self.assertEqual(self.code(v3_request("DescribeDomains", [], nonce="n2")), "SignatureNonceUsed")

    def test_wrong_secret(self):
        self.assertEqual(self.code(v2_request("DescribeDomains", [], secret="x")), "SignatureDoesNotMatch")
        self.assertEqual(self.code(v3_request("DescribeDomains", [], secret="x")), "SignatureDoesNotMatch")

    def test_unknown_key(self):
        self.assertEqual(self.code(v3_request("DescribeDomains", [], key="NOPE")),
                         "InvalidAccessKeyId.NotFound")

    def test_body_hash(self):
        self.assertEqual(self.code(v3_request("DescribeDomains", [("A", "b")], chunk_hash="0" * 64)),
                         "SignatureDoesNotMatch")

    def test_stale_timestamp(self):
        self.assertEqual(self.code(v2_request("DescribeDomains", [], stamp="2016-02-23T12:46:24Z")),
                         "InvalidTimeStamp.Expired")

    def test_timestamp_misspelt(self):
        req = v2_request("DescribeDomains", [])
        req.form = [("TimeStamp" if k == "Timestamp" else k, v) for k, v in req.form]
        self.assertEqual(self.code(req), "MissingParameter")

    def test_sts(self):
        self.assertEqual(self.code(v3_request("DescribeDomains", [], key="STS.AK", secret="ssk")),
                         "MissingSecurityToken")
        self.assertEqual(self.code(v3_request("DescribeDomains", [], key="STS.AK", secret="ssk",
                                              token="bad")),
                         "InvalidSecurityToken.MismatchWithAccessKey")
        self.assertIsNone(self.code(v3_request("DescribeDomains", [], key="STS.AK", secret="ssk",
                                               token="tok")))
        self.assertIsNone(self.code(v2_request("DescribeDomains", [], key="STS.AK", secret="ssk",
                                               extra=[("SecurityToken", "tok")])))

    def test_unsigned_header(self):
        req = v3_request("DescribeDomains", [])
        req.headers["x-acs-extra"] = ["1"]
        self.assertEqual(self.code(req), "IncompleteSignature")


class Alidns(unittest.TestCase):
    def setUp(self):
        self.st = fake.State(CONFIG, "")

    def call(self, action, **params):
        return fake.dispatch(self.st, v3_request(action, list(params.items())))[2]

    def test_paging(self):
        first = self.call("DescribeDomains", PageNumber="1", PageSize="100")
        self.assertEqual((first["TotalCount"], first["PageSize"], len(first["Domains"]["Domain"])), (3, 2, 2))
        second = self.call("DescribeDomains", PageNumber="2", PageSize="100")
        self.assertEqual([d["DomainName"] for d in second["Domains"]["Domain"]], ["other.test"])

    def test_records(self):
        ids = [self.call("AddDomainRecord", DomainName="example.com", RR="_acme-challenge", Type="TXT",
                         Value="v%d" % i)["RecordId"] for i in range(3)]
        with self.assertRaises(fake.ApiError) as e:
            self.call("AddDomainRecord", DomainName="example.com", RR="_acme-challenge", Type="TXT",
                      Value="v1")
        self.assertEqual(e.exception.code, "DomainRecordDuplicate")
        with self.assertRaises(fake.ApiError) as e:
            self.call("AddDomainRecord", DomainName="example.com", RR="x", Type="TXT", Value="v", TTL="1")
        self.assertEqual(e.exception.code, "QuotaExceeded.TTL")
        page2 = self.call("DescribeSubDomainRecords", SubDomain="_acme-challenge.example.com",
                          PageNumber="2", PageSize="2")
        self.assertEqual([r["RecordId"] for r in page2["DomainRecords"]["Record"]], ids[2:])
        self.call("DeleteDomainRecord", RecordId=ids[0])
        with self.assertRaises(fake.ApiError) as e:
            self.call("DeleteDomainRecord", RecordId=ids[0])
        self.assertEqual(e.exception.code, "DomainRecordNotBelongToUser")
        left = self.call("DescribeDomainRecords", DomainName="example.com", PageSize="500")
        self.assertEqual(left["TotalCount"], 2)


def make_pair(cn="shop.example.test"):
    """A self-signed certificate and its key, PEM text (python3-cryptography)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    day = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(day)
            .not_valid_after(day + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode())


class Certificates(unittest.TestCase):
    """CDN, CloudAPI and CAS: POST only, chain and key checked and kept, faults."""

    def setUp(self):
        self.st = fake.State(dict(CONFIG, cdn_domains=["cdn.example.test"],
                                  apigw_groups={"g1": ["api.example.test"]}), "")
        self.cert, self.key = make_pair()

    def call(self, version, action, v2=False, **params):
        make = v2_request if v2 else v3_request
        return fake.dispatch(self.st, make(action, sorted(params.items()), version=version))[2]

    def code(self, version, action, **params):
        try:
            self.call(version, action, **params)
        except fake.ApiError as e:
            return e.code
        return None

    def test_cdn(self):
        self.call("2018-05-10", "SetCdnDomainSSLCertificate", v2=True, DomainName="cdn.example.test",
                  CertName="n-1", CertType="upload", SSLProtocol="on", SSLPub=self.cert, SSLPri=self.key)
        info = self.call("2018-05-10", "DescribeDomainCertificateInfo", DomainName="cdn.example.test")
        info = info["CertInfos"]["CertInfo"][0]
        self.assertEqual((info["ServerCertificateStatus"], info["ServerCertificate"], info["CertName"]),
                         ("on", self.cert, "n-1"))
        self.assertEqual(self.st.cdn["cdn.example.test"]["SSLPri"], self.key)
        # the upload is filed in CAS under its name, which is then taken
        self.assertEqual([u["Name"] for u in self.st.cas.values()], ["n-1"])
        self.assertEqual(self.code("2018-05-10", "SetCdnDomainSSLCertificate", DomainName="cdn.example.test",
                                   CertName="n-1", CertType="upload", SSLProtocol="on", SSLPub=self.cert,
                                   SSLPri=self.key), "NameRepeat")
        self.call("2018-05-10", "SetCdnDomainSSLCertificate", DomainName="cdn.example.test", CertType="cas",
                  CertId=info["CertId"], SSLProtocol="on")
        self.assertEqual(self.code("2018-05-10", "SetCdnDomainSSLCertificate", DomainName="cdn.example.test",
                                   CertType="cas", CertId="1", SSLProtocol="on"), "Certificate.NotFound")
        self.assertEqual(self.code("2018-05-10", "DescribeDomainCertificateInfo", DomainName="x.test"),
                         "InvalidDomain.NotFound")

    def test_key_must_match(self):
        _, other = make_pair()
        self.assertEqual(self.code("2016-07-14", "SetDomainCertificate", GroupId="g1",
                                   DomainName="api.example.test", CertificateName="n",
                                   CertificateBody=self.cert, CertificatePrivateKey=other),
                         "InvalidParameter.KeyMismatch")
        self.assertEqual(self.code("2016-07-14", "SetDomainCertificate", GroupId="g1",
                                   DomainName="api.example.test", CertificateName="n",
                                   CertificateBody="junk", CertificatePrivateKey=self.key),
                         "InvalidParameter.Certificate")
        self.assertEqual(self.code("2016-07-14", "SetDomainCertificate", GroupId="g1",
                                   DomainName="api.example.test", CertificateName="n",
                                   CertificateBody=self.cert), "MissingParameter")

    def test_post_only(self):
        get = v2_request("DescribeDomainCertificateInfo", [("DomainName", "cdn.example.test")],
                         version="2018-05-10", method="GET")
        with self.assertRaises(fake.ApiError) as e:
            fake.dispatch(self.st, get)
        self.assertEqual(e.exception.code, "UnsupportedHTTPMethod")

    def test_cas(self):
        ids = [self.call("2020-04-07", "UploadUserCertificate", Name="p-%d" % i, Cert=self.cert,
                         Key=self.key)["CertId"] for i in range(3)]
        self.assertEqual(self.code("2020-04-07", "UploadUserCertificate", Name="p-0", Cert=self.cert,
                                   Key=self.key), "NameRepeat")
        self.assertEqual(self.code("2020-04-07", "UploadUserCertificate", Name="a.b", Cert=self.cert,
                                   Key=self.key), "InvalidParameter.Name")
        page2 = self.call("2020-04-07", "ListUserCertificateOrder", OrderType="UPLOAD", CurrentPage="2")
        self.assertEqual(([u["Name"] for u in page2["CertificateOrderList"]], page2["TotalCount"]), (["p-2"], 3))
        self.call("2020-04-07", "DeleteUserCertificate", CertId=str(ids[0]))
        self.assertEqual(self.code("2020-04-07", "DeleteUserCertificate", CertId=str(ids[0])), "NotFound")
        self.assertEqual([u["Name"] for u in self.st.cas.values()], ["p-1", "p-2"])

    def test_fault_echoes_the_key(self):
        self.st.fail_actions, self.st.echo_key = {"UploadUserCertificate"}, True
        with self.assertRaises(fake.ApiError) as e:
            self.call("2020-04-07", "UploadUserCertificate", Name="p", Cert=self.cert, Key=self.key)
        self.assertEqual(e.exception.code, "InternalError")
        self.assertIn(self.key.split("\n")[1][:20], e.exception.message)


if __name__ == "__main__":
    unittest.main()
