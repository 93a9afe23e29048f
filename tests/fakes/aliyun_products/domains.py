"""DCDN (2018-01-15), ApsaraVideo Live (2016-11-01) and ApsaraVideo VOD (2017-03-21) for the
Alibaba fake: HTTPS certificates on accelerated domains, as certpilot's alidcdn, alilive and
alivod targets use them; and what CDN's delete_old needs: DescribeCdnHttpsDomainList on CDN
(2018-05-10), and the certificate service refusing to delete a certificate a domain serves.

config: "dcdn_domains", "live_domains", "vod_domains": lists of domain names.
control: GET /_fake/dcdn, /_fake/live, /_fake/vod: each domain's state (chain and key included).

Each action takes its documented parameters only (anything else is InvalidParameter) and
requires the required ones. DCDN and Live file an upload in the certificate service under
CertName (a second upload of a name is NameRepeat), as CDN does; VOD keeps it on the domain.
"""

FAKE = None  # the aliyun_fake module, set by register()


def allow(p, action, required, optional):
    for name in p.d:
        if name not in required and name not in optional:
            raise FAKE.ApiError("InvalidParameter", "The parameter \"%s\" is not a parameter of %s." % (name, action))
    for name in required:
        p.req(name)


def domain(table, p, what):
    name = p.req("DomainName").lower()
    if name not in table:
        raise FAKE.ApiError("InvalidDomain.NotFound", "The %s domain does not exist or does not belong to you."
                            % what, 404)
    return table[name]


def set_on(d, u, ctype):
    d.update({"SSLProtocol": "on", "CertName": u["Name"], "CertId": u.get("CertificateId"), "SSLPub": u["Cert"],
              "SSLPri": u["Key"], "CertType": ctype, "sets": d["sets"] + 1})


def upload(st, p, source):
    cert, key = p.req("SSLPub"), p.req("SSLPri")
    leaf, _ = FAKE.check_pair(cert, key, "SSLPub")
    return FAKE.cas_store(st, p.req("CertName"), cert, key, leaf, source)


def info(name, d, fields):
    out = {"DomainName": name, "SSLProtocol": d["SSLProtocol"], "Status": "success"}
    if d["SSLProtocol"] == "on":
        out.update({k: d[k] for k in fields})
        out["CertDomainName"] = name
    return {"CertInfos": {"CertInfo": [out]}}


def only_on(p):
    if p.req("SSLProtocol") != "on":
        raise FAKE.ApiError("InvalidSSLProtocol.ValueNotSupported", "The fake only turns HTTPS on.")


# DCDN SetDcdnDomainSSLCertificate: help.aliyun.com/document_detail/130626.html (and
# @alicloud/dcdn20180115 setDcdnDomainSSLCertificateWithOptions: RPC, POST, version 2018-01-15).
DCDN_SET_OPT = ("CertName", "CertType", "SSLPub", "SSLPri", "CertId", "CertRegion", "Env", "OwnerId",
                "SecurityToken")


def dcdn_set(st, p):
    allow(p, "SetDcdnDomainSSLCertificate", ("DomainName", "SSLProtocol"), DCDN_SET_OPT)
    d = domain(st.dcdn, p, "DCDN")
    only_on(p)
    ctype = p.req("CertType")
    if ctype == "upload":
        u = upload(st, p, "dcdn")
    elif ctype == "cas":
        u = cas_by_id(st, p.req("CertId"), p.opt("CertRegion", "cn-hangzhou"))
    else:
        raise FAKE.ApiError("InvalidCertType.ValueNotSupported", "CertType must be upload or cas.")
    set_on(d, u, ctype)
    return {}


def cas_by_id(st, cert_id, region):
    try:
        u = st.cas.get(int(cert_id))
    except ValueError:
        u = None
    if u is None or region != "cn-hangzhou":
        raise FAKE.ApiError("Certificate.NotFound", "The certificate does not exist in this region.", 404)
    return u


# DCDN DescribeDcdnDomainCertificateInfo: help.aliyun.com/document_detail/130633.html.
def dcdn_describe(st, p):
    allow(p, "DescribeDcdnDomainCertificateInfo", ("DomainName",), ())
    d = domain(st.dcdn, p, "DCDN")
    reply = info(p.req("DomainName").lower(), d, ("CertName", "SSLPub", "CertType"))
    for ci in reply["CertInfos"]["CertInfo"]:
        if d["SSLProtocol"] == "on":
            ci.update({"CertId": str(d["CertId"]), "CertRegion": "cn-hangzhou"})
    return reply


# Live SetLiveDomainCertificate: help.aliyun.com/document_detail/85503.html (CertType cas: the
# certificate service's certificate called CertName).
def live_set(st, p):
    allow(p, "SetLiveDomainCertificate", ("DomainName", "SSLProtocol"),
          ("CertName", "CertType", "SSLPub", "SSLPri", "ForceSet", "OwnerId", "SecurityToken"))
    d = domain(st.live, p, "Live")
    only_on(p)
    ctype = p.opt("CertType", "upload")
    if ctype == "upload":
        u = upload(st, p, "live")
    elif ctype == "cas":
        u = next((c for c in st.cas.values() if c["Name"] == p.req("CertName")), None)
        if u is None:
            raise FAKE.ApiError("Certificate.NotFound", "The certificate does not exist.", 404)
    else:
        raise FAKE.ApiError("InvalidCertType.ValueNotSupported", "CertType must be upload or cas.")
    set_on(d, u, ctype)
    return {}


# Live DescribeLiveDomainCertificateInfo: help.aliyun.com/document_detail/85509.html.
def live_describe(st, p):
    allow(p, "DescribeLiveDomainCertificateInfo", ("DomainName",), ("OwnerId",))
    return info(p.req("DomainName").lower(), domain(st.live, p, "Live"), ("CertName", "SSLPub", "CertType"))


# VOD SetVodDomainCertificate: help.aliyun.com/document_detail/120217.html (no CertType: the
# chain and key go with every call).
def vod_set(st, p):
    allow(p, "SetVodDomainCertificate", ("DomainName", "SSLProtocol"),
          ("CertName", "SSLPub", "SSLPri", "OwnerId", "SecurityToken"))
    d = domain(st.vod, p, "VOD")
    only_on(p)
    cert, key = p.req("SSLPub"), p.req("SSLPri")
    FAKE.check_pair(cert, key, "SSLPub")
    set_on(d, {"Name": p.req("CertName"), "Cert": cert, "Key": key}, "upload")
    return {}


# VOD DescribeVodDomainCertificateInfo: help.aliyun.com/document_detail/120222.html.
def vod_describe(st, p):
    allow(p, "DescribeVodDomainCertificateInfo", ("DomainName",), ("OwnerId",))
    return info(p.req("DomainName").lower(), domain(st.vod, p, "VOD"), ("CertName", "SSLPub", "CertType"))


# CDN DescribeCdnHttpsDomainList: help.aliyun.com/document_detail/91198.html (PageNumber from 1,
# PageSize up to 1000, Keyword; @alicloud/cdn20180510 describeCdnHttpsDomainListWithOptions).
def cdn_https_list(st, p):
    allow(p, "DescribeCdnHttpsDomainList", (), ("PageNumber", "PageSize", "Keyword"))
    kw = p.opt("Keyword") or ""
    items = [{"DomainName": n, "CertName": d["CertName"], "CertType": d["CertType"], "CertStatus": "success"}
             for n, d in sorted(st.cdn.items()) if d["ServerCertificateStatus"] == "on" and kw in n]
    number = p.int("PageNumber", 1, 1, 1000000)
    size = min(p.int("PageSize", 20, 1, 1000), st.page_size_max)
    return {"CertInfos": {"CertInfo": items[(number - 1) * size:number * size]}, "TotalCount": len(items)}


def cas_delete_unless_used(original):
    """CAS DeleteUserCertificate (help.aliyun.com/document_detail/411748.html) refuses a
    certificate a cloud resource still uses."""
    def handler(st, p):
        try:
            cid = int(p.req("CertId"))
        except ValueError:
            cid = -1
        users = [n for n, d in st.cdn.items() if d.get("ServerCertificateStatus") == "on" and d.get("CertId") == cid]
        users += [n for t in (st.dcdn, st.live) for n, d in t.items() if d["SSLProtocol"] == "on"
                  and d.get("CertId") == cid]
        if users:
            raise FAKE.ApiError("CertificateInUse", "The certificate is in use by %s." % ", ".join(sorted(users)))
        return original(st, p)
    return handler


def init(st, config):
    def table(key):
        return {d.lower(): {"SSLProtocol": "off", "sets": 0} for d in config.get(key, [])}
    st.dcdn, st.live, st.vod = table("dcdn_domains"), table("live_domains"), table("vod_domains")


def register(fake):
    global FAKE
    FAKE = fake
    fake.PRODUCTS["2018-05-10"][1]["DescribeCdnHttpsDomainList"] = cdn_https_list
    cas = fake.PRODUCTS["2020-04-07"][1]
    cas["DeleteUserCertificate"] = cas_delete_unless_used(cas["DeleteUserCertificate"])
    return {
        "products": {
            "2018-01-15": ("Dcdn", {"SetDcdnDomainSSLCertificate": dcdn_set,
                                    "DescribeDcdnDomainCertificateInfo": dcdn_describe}),
            "2016-11-01": ("Live", {"SetLiveDomainCertificate": live_set,
                                    "DescribeLiveDomainCertificateInfo": live_describe}),
            "2017-03-21": ("Vod", {"SetVodDomainCertificate": vod_set,
                                   "DescribeVodDomainCertificateInfo": vod_describe}),
        },
        # DCDN is left out: its SDK sends every parameter, the key too, in the query of a POST
        "post_only": ("2016-11-01", "2017-03-21"),
        "key_params": (),
        "init": init,
        "control": {"/_fake/dcdn": lambda st: st.dcdn, "/_fake/live": lambda st: st.live,
                    "/_fake/vod": lambda st: st.vod},
    }
