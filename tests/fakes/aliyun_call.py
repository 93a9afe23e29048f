#!/usr/bin/env python3
"""One signed V2 RPC call to the Alibaba fake, for tests that need a request certpilot would never
send (an upload in another region than the load balancer's). Prints the reply JSON; exit 1 on an
error reply.

usage: aliyun_call.py HOST:PORT CA_BUNDLE KEY_ID SECRET VERSION ACTION NAME=VALUE...  (a value
@FILE is the file's text)"""
import datetime
import json
import os
import ssl
import sys
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aliyun_fake  # noqa: E402  (its signing functions, the same the fake verifies)


def main():
    host, ca, key_id, secret, version, action = sys.argv[1:7]
    pairs = [("Action", action), ("Version", version), ("Format", "JSON"), ("AccessKeyId", key_id),
             ("SignatureMethod", "HMAC-SHA1"), ("SignatureVersion", "1.0"), ("SignatureNonce", uuid.uuid4().hex),
             ("Timestamp", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))]
    for arg in sys.argv[7:]:
        k, v = arg.split("=", 1)
        if v.startswith("@"):
            with open(v[1:], encoding="utf-8") as f:
                v = f.read()
        pairs.append((k, v))
    sig = aliyun_fake.v2_signature(secret, aliyun_fake.v2_string_to_sign("POST", pairs))
    body = aliyun_fake.canonical_query(pairs + [("Signature", sig)]).encode()
    req = urllib.request.Request("https://%s/" % host, data=body, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=ca), timeout=10) as r:
            print(r.read().decode())
    except urllib.error.HTTPError as e:
        print(e.read().decode())
        sys.exit(1)


if __name__ == "__main__":
    main()
