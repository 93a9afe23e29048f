"""Classic Load Balancer (SLB 2014-05-15) for the Alibaba fake: server certificates, HTTPS
listeners and their SNI domain extensions, as certpilot's aliclb target uses them.

Server certificates belong to the region they were uploaded in, and a listener or domain
extension takes only one of its load balancer's region (an id from another region is
ServerCertificateId.NotFound, as the real API answers); a load balancer is found only in its
own region. RegionId is required by every action; each takes its documented parameters only.

config: "slb": [{"id": "lb-...", "region": "cn-hangzhou", "listeners": [{"port": 443,
         "domains": ["www.example.com"], "sticky": true}]}]
Every listener starts with a certificate of its own called "manual-<port>" (not certpilot's).
control: GET /_fake/slb: {"lbs": ..., "certs": ...} (certificates and keys included).
"""

FAKE = None
REGIONS = {"cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-hangzhou",
           "cn-shanghai", "cn-nanjing", "cn-fuzhou", "cn-wuhan-lr", "cn-shenzhen", "cn-heyuan", "cn-guangzhou",
           "cn-chengdu", "cn-hongkong", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-3",
           "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "us-east-1", "us-west-1", "na-south-1",
           "eu-west-1", "eu-central-1", "me-east-1", "me-central-1"}
OWNER = ("OwnerId", "OwnerAccount", "ResourceOwnerAccount", "ResourceOwnerId")
# The listener attributes Describe shows and Set takes (document_detail/27603.html, 27604.html).
ATTRS = ("Bandwidth", "Scheduler", "StickySession", "StickySessionType", "CookieTimeout", "Cookie",
         "HealthCheck", "HealthCheckMethod", "HealthCheckDomain", "HealthCheckURI", "HealthyThreshold",
         "UnhealthyThreshold", "HealthCheckTimeout", "HealthCheckInterval", "HealthCheckConnectPort",
         "HealthCheckHttpCode", "XForwardedFor", "Gzip", "IdleTimeout", "RequestTimeout", "EnableHttp2",
         "TLSCipherPolicy", "CACertificateId", "AclStatus", "AclType", "AclId", "Description")
INT_ATTRS = {"Bandwidth", "CookieTimeout", "HealthyThreshold", "UnhealthyThreshold", "HealthCheckTimeout",
             "HealthCheckInterval", "HealthCheckConnectPort", "IdleTimeout", "RequestTimeout"}


def allow(p, action, required, optional):
    for name in p.d:
        if name not in required and name not in optional and name not in OWNER:
            raise FAKE.ApiError("InvalidParameter", "The parameter \"%s\" is not a parameter of %s." % (name, action))
    for name in required:
        p.req(name)
    if p.req("RegionId") not in REGIONS:
        raise FAKE.ApiError("InvalidRegionId", "The specified RegionId does not exist.", 404)


def lb_of(st, p):
    lb = st.slb["lbs"].get(p.req("LoadBalancerId"))
    if lb is None or lb["region"] != p.req("RegionId"):
        raise FAKE.ApiError("InvalidLoadBalancerId.NotFound", "The specified LoadBalancerId does not exist.", 404)
    return lb


def listener_of(st, p):
    lst = lb_of(st, p)["listeners"].get(str(p.int("ListenerPort", 0, 1, 65535)))
    if lst is None:
        raise FAKE.ApiError("ListenerNotFound", "The specified listener does not exist.", 404)
    return lst


def cert_in_region(st, p):
    cid = p.req("ServerCertificateId")
    c = st.slb["certs"].get(cid)
    if c is None or c["RegionId"] != p.req("RegionId"):
        raise FAKE.ApiError("ServerCertificateId.NotFound", "The specified ServerCertificateId does not exist "
                            "in this region.", 404)
    return cid


def fingerprint(leaf):
    from cryptography.hazmat.primitives import hashes
    return ":".join("%02x" % b for b in leaf.fingerprint(hashes.SHA1()))


def store(st, region, name, cert, key, fp):
    st.slb["next"] += 1
    cid = "%d-%s" % (st.slb["next"], region)
    st.slb["certs"][cid] = {"ServerCertificateId": cid, "ServerCertificateName": name, "RegionId": region,
                            "Fingerprint": fp, "Cert": cert, "Key": key}
    return st.slb["certs"][cid]


def public(c):
    return {k: c[k] for k in ("ServerCertificateId", "ServerCertificateName", "RegionId", "Fingerprint")}


# UploadServerCertificate: help.aliyun.com/document_detail/27597.html
def upload(st, p):
    allow(p, "UploadServerCertificate", ("RegionId",),
          ("ServerCertificate", "PrivateKey", "ServerCertificateName", "ResourceGroupId", "AliCloudCertificateId",
           "AliCloudCertificateName", "AliCloudCertificateRegionId"))
    cert, key = p.req("ServerCertificate"), p.req("PrivateKey")
    leaf, _ = FAKE.check_pair(cert, key, "ServerCertificate")
    c = store(st, p.req("RegionId"), p.opt("ServerCertificateName", ""), cert, key, fingerprint(leaf))
    return public(c)


# DescribeServerCertificates: help.aliyun.com/document_detail/27599.html
def describe_certs(st, p):
    allow(p, "DescribeServerCertificates", ("RegionId",), ("ServerCertificateId", "ResourceGroupId"))
    want = p.opt("ServerCertificateId")
    items = [public(c) for c in st.slb["certs"].values()
             if c["RegionId"] == p.req("RegionId") and (not want or c["ServerCertificateId"] == want)]
    return {"ServerCertificates": {"ServerCertificate": items}}


def users(st, cid):
    out = []
    for lb_id, lb in st.slb["lbs"].items():
        for port, lst in lb["listeners"].items():
            if lst["ServerCertificateId"] == cid:
                out.append("%s:%s" % (lb_id, port))
            out += [e["DomainExtensionId"] for e in lst["domains"].values() if e["ServerCertificateId"] == cid]
    return out


# DeleteServerCertificate: help.aliyun.com/document_detail/27601.html (refused while in use)
def delete_cert(st, p):
    allow(p, "DeleteServerCertificate", ("RegionId", "ServerCertificateId"), ())
    cid = cert_in_region(st, p)
    if users(st, cid):
        raise FAKE.ApiError("ResourceInUse.ServerCertificate", "The server certificate is used by %s."
                            % ", ".join(users(st, cid)))
    del st.slb["certs"][cid]
    return {}


# DescribeLoadBalancerHTTPSListenerAttribute: help.aliyun.com/document_detail/27604.html
def describe_listener(st, p):
    allow(p, "DescribeLoadBalancerHTTPSListenerAttribute", ("RegionId", "LoadBalancerId", "ListenerPort"), ())
    lst = listener_of(st, p)
    reply = {k: lst[k] for k in ATTRS + ("ServerCertificateId",) if k in lst}
    reply.update({"ListenerPort": p.int("ListenerPort", 0, 1, 65535), "Status": "running",
                  "BackendServerPort": 80})
    return reply


# SetLoadBalancerHTTPSListenerAttribute: help.aliyun.com/document_detail/27603.html. Bandwidth,
# StickySession and HealthCheck are required, and what they switch on needs its own settings.
def set_listener(st, p):
    allow(p, "SetLoadBalancerHTTPSListenerAttribute",
          ("RegionId", "LoadBalancerId", "ListenerPort", "Bandwidth", "StickySession", "HealthCheck"),
          ATTRS + ("ServerCertificateId", "VServerGroup", "VServerGroupId"))
    lst = listener_of(st, p)
    if p.req("StickySession") == "on":
        kind = p.req("StickySessionType")
        p.req("CookieTimeout" if kind == "insert" else "Cookie")
    new = {k: (int(p.opt(k)) if k in INT_ATTRS else p.opt(k)) for k in ATTRS if p.opt(k) is not None}
    if p.opt("ServerCertificateId"):
        new["ServerCertificateId"] = cert_in_region(st, p)
    lst.update(new)
    lst["sets"] += 1
    return {}


# DescribeDomainExtensions: help.aliyun.com/document_detail/51434.html
def describe_exts(st, p):
    allow(p, "DescribeDomainExtensions", ("RegionId", "LoadBalancerId", "ListenerPort"), ("DomainExtensionId",))
    want = p.opt("DomainExtensionId")
    items = [dict(e) for e in listener_of(st, p)["domains"].values() if not want or e["DomainExtensionId"] == want]
    return {"DomainExtensions": {"DomainExtension": items}}


# SetDomainExtensionAttribute: help.aliyun.com/document_detail/51433.html
def set_ext(st, p):
    allow(p, "SetDomainExtensionAttribute", ("RegionId", "DomainExtensionId", "ServerCertificateId"), ())
    for lb in st.slb["lbs"].values():
        for lst in lb["listeners"].values():
            for e in lst["domains"].values():
                if e["DomainExtensionId"] == p.req("DomainExtensionId") and lb["region"] == p.req("RegionId"):
                    e["ServerCertificateId"] = cert_in_region(st, p)
                    e["sets"] = e.get("sets", 0) + 1
                    return {}
    raise FAKE.ApiError("DomainExtensionId.NotFound", "The specified DomainExtensionId does not exist.", 404)


# DescribeLoadBalancerListeners: help.aliyun.com/document_detail/206262.html (MaxResults up to
# 100, NextToken; HTTPSListenerConfig carries ServerCertificateId)
def describe_listeners(st, p):
    allow(p, "DescribeLoadBalancerListeners", ("RegionId",),
          ("ListenerProtocol", "MaxResults", "NextToken", "Description") +
          tuple("LoadBalancerId.%d" % i for i in range(1, 11)))
    proto = p.opt("ListenerProtocol")
    items = [{"LoadBalancerId": lb_id, "ListenerPort": int(port), "ListenerProtocol": "https", "Status": "running",
              "HTTPSListenerConfig": {"ServerCertificateId": lst["ServerCertificateId"]}}
             for lb_id, lb in sorted(st.slb["lbs"].items()) if lb["region"] == p.req("RegionId")
             for port, lst in sorted(lb["listeners"].items()) if proto in (None, "https")]
    size = min(p.int("MaxResults", 20, 1, 100), st.page_size_max)
    start = int(p.opt("NextToken") or 0)
    reply = {"Listeners": items[start:start + size], "MaxResults": size, "TotalCount": len(items)}
    if start + size < len(items):
        reply["NextToken"] = str(start + size)
    return reply


def init(st, config):
    st.slb = {"lbs": {}, "certs": {}, "next": 0}
    for lb in config.get("slb", []):
        listeners = {}
        for lst in lb.get("listeners", []):
            port = str(lst["port"])
            manual = store(st, lb["region"], "manual-" + port, "", "", "00:" * 19 + "00")
            attrs = {"Bandwidth": -1, "StickySession": "off", "HealthCheck": "on", "HealthCheckURI": "/health",
                     "HealthyThreshold": 3, "UnhealthyThreshold": 3, "Scheduler": "wrr", "XForwardedFor": "on",
                     "ServerCertificateId": manual["ServerCertificateId"], "sets": 0,
                     "domains": {}}
            if lst.get("sticky"):
                attrs.update({"StickySession": "on", "StickySessionType": "insert", "CookieTimeout": 500})
            for i, d in enumerate(lst.get("domains", []), 1):
                ext = "de-%s-%s-%d" % (lb["id"], port, i)
                attrs["domains"][ext] = {"DomainExtensionId": ext, "Domain": d,
                                         "ServerCertificateId": manual["ServerCertificateId"]}
            listeners[port] = attrs
        st.slb["lbs"][lb["id"]] = {"region": lb["region"], "listeners": listeners}


def register(fake):
    global FAKE
    FAKE = fake
    return {
        "products": {"2014-05-15": ("Slb", {
            "UploadServerCertificate": upload,
            "DescribeServerCertificates": describe_certs,
            "DeleteServerCertificate": delete_cert,
            "DescribeLoadBalancerHTTPSListenerAttribute": describe_listener,
            "SetLoadBalancerHTTPSListenerAttribute": set_listener,
            "DescribeDomainExtensions": describe_exts,
            "SetDomainExtensionAttribute": set_ext,
            "DescribeLoadBalancerListeners": describe_listeners,
        })},
        "post_only": ("2014-05-15",),
        "key_params": ("PrivateKey",),
        "init": init,
        "control": {"/_fake/slb": lambda st: st.slb},
    }
