"""Products that take a certificate of the certificate service by id (ALB, NLB, WAF 3.0, APIG) and
Function Compute 3.0's custom domains (which take the chain and key): what certpilot's alialb,
alinlb, aliwaf, aliapig and alifc targets call, each action as its API reference documents it.

ALB 2020-06-16 and NLB 2022-04-30 and WAF 2021-10-01 are RPC style: their parameters may come in
the query (the Node SDK puts them there) or a form body (certpilot). FC 2023-03-30 and APIG
2024-03-27 are ROA style: a method on a path, a JSON body, V3-signed (verified by the fake's
verify_v3, over the path and the body's hash). A certificate id names a CAS upload of this fake,
"<CertificateId>-cn-hangzhou" (the fake's CAS region; a bare CertificateId is refused where the
API wants the regional form).

config: {"alb_listeners": ["lsn-..."], "nlb_listeners": {"lsn-...": "cn-hangzhou"},
         "waf_domains": {"name": {"instance": "waf-...", "cname": true}},
         "apig_domains": {"d-...": "api.example.com"}, "fc_domains": ["fc.example.com"]}
control: GET /_fake/bycas {alb, nlb, waf, apig, fc} with each certificate id resolved to its
CAS upload (name, chain, key), so a test compares what arrived with what was issued.
"""
import json
import re
import urllib.parse

fake = None
CAS_REGION = "cn-hangzhou"


def init(st, config):
    st.alb = {l: {"default": None, "additional": [], "updates": 0} for l in config.get("alb_listeners", [])}
    st.nlb = {l: {"region": r, "default": None, "additional": [], "updates": 0}
              for l, r in config.get("nlb_listeners", {}).items()}
    st.waf = {d.lower(): {"instance": v["instance"], "cname": v.get("cname", True), "updates": 0,
                          "Listen": {"CertId": None, "HttpsPorts": [443], "HttpPorts": [80],
                                     "Http2Enabled": True, "TLSVersion": "tlsv1.2", "EnableTLSv3": True},
                          "Redirect": {"Backends": [{"Backend": "192.0.2.10"}], "Loadbalance": "iphash",
                                       "SniEnabled": False}}
              for d, v in config.get("waf_domains", {}).items()}
    st.apig = {i: {"name": n, "protocol": "HTTP", "certIdentifier": None, "forceHttps": False,
                   "tlsMin": "TLS 1.0", "tlsMax": "TLS 1.3", "updates": 0}
               for i, n in config.get("apig_domains", {}).items()}
    st.fc = {d.lower(): {"domainName": d.lower(), "protocol": "HTTP", "certConfig": None, "updates": 0}
             for d in config.get("fc_domains", [])}


def cas_upload_of(st, cert_id, regional=True):
    """The CAS upload a service's certificate id names: "<CertId>-cn-hangzhou" (or a bare CertId)."""
    m = re.fullmatch(r"(\d+)(?:-([a-z0-9-]+))?", cert_id or "")
    if m is None or (regional and m.group(2) is None):
        raise fake.ApiError("IllegalParam.CertificateId", "The certificate id %r is not "
                            "\"<CertId>-<region>\"." % cert_id)
    if m.group(2) not in (None, CAS_REGION) or int(m.group(1)) not in st.cas:
        raise fake.ApiError("ResourceNotFound.Certificate", "The certificate %s does not exist." % cert_id, 404)
    return st.cas[int(m.group(1))]


def indexed(p, name):
    """The values of name.1, name.2, ... (RPC repeat lists), in order."""
    out, n = [], 1
    while p.opt("%s.%d" % (name, n)) is not None:
        out.append(p.opt("%s.%d" % (name, n)))
        n += 1
    return out


# ---- ALB 2020-06-16 (ALB API reference; @alicloud/alb20200616: RPC, POST) ----

def alb_listener(st, p):
    lsn = st.alb.get(p.req("ListenerId"))
    if lsn is None:
        raise fake.ApiError("ResourceNotFound.Listener", "The listener does not exist.", 404)
    return lsn


def alb_certs(p, what):
    n, out = 1, []
    while p.opt("Certificates.%d.CertificateId" % n):
        out.append(p.opt("Certificates.%d.CertificateId" % n))
        n += 1
    if not out:
        raise fake.ApiError("MissingParameter", "The input parameter \"Certificates.1.CertificateId\" that is "
                            "mandatory for processing this request is not supplied (%s)." % what)
    return out


def alb_update_listener(st, p):
    """UpdateListenerAttribute: ListenerId, Certificates.N.CertificateId (the default certificate)."""
    lsn = alb_listener(st, p)
    certs = alb_certs(p, "UpdateListenerAttribute")
    if len(certs) != 1:
        raise fake.ApiError("IllegalParam.Certificates", "A listener has one default certificate.")
    cas_upload_of(st, certs[0])
    lsn.update(default=certs[0], updates=lsn["updates"] + 1)
    return {"JobId": "job-%d" % lsn["updates"]}


def alb_associate(st, p):
    """AssociateAdditionalCertificatesWithListener: ListenerId, Certificates.N.CertificateId."""
    lsn = alb_listener(st, p)
    for c in alb_certs(p, "AssociateAdditionalCertificatesWithListener"):
        cas_upload_of(st, c)
        if c in lsn["additional"] or c == lsn["default"]:
            raise fake.ApiError("ResourceAlreadyAssociated.Certificate", "The certificate is associated already.")
        lsn["additional"].append(c)
    lsn["updates"] += 1
    return {"JobId": "job-a%d" % lsn["updates"]}


def alb_dissociate(st, p):
    """DissociateAdditionalCertificatesFromListener: ListenerId, Certificates.N.CertificateId."""
    lsn = alb_listener(st, p)
    for c in alb_certs(p, "DissociateAdditionalCertificatesFromListener"):
        if c not in lsn["additional"]:
            raise fake.ApiError("ResourceNotAssociated.Certificate", "The certificate is not associated.")
        lsn["additional"].remove(c)
    return {"JobId": "job-d"}


def list_certs(lsn, p):
    if p.opt("CertificateType", "Server") != "Server":
        return []
    certs = ([{"CertificateId": lsn["default"], "IsDefault": True, "Status": "Associated",
               "CertificateType": "Server"}] if lsn["default"] else [])
    return certs + [{"CertificateId": c, "IsDefault": False, "Status": "Associated", "CertificateType": "Server"}
                    for c in lsn["additional"]]


def page_tokens(p, items):
    """MaxResults (1..100) and NextToken paging: the token is the next index; 2 a page at most here."""
    size = min(p.int("MaxResults", 20, 1, 100), 2)
    start = int(p.opt("NextToken") or 0)
    chunk = items[start:start + size]
    nxt = str(start + size) if start + size < len(items) else ""
    return {"Certificates": chunk, "NextToken": nxt, "MaxResults": size, "TotalCount": len(items)}


def alb_list(st, p):
    """ListListenerCertificates: ListenerId, CertificateType, MaxResults, NextToken."""
    return page_tokens(p, list_certs(alb_listener(st, p), p))


# ---- NLB 2022-04-30 (NLB API reference: RPC, POST, RegionId on every call) ----

def nlb_listener(st, p):
    lsn = st.nlb.get(p.req("ListenerId"))
    if lsn is None:
        raise fake.ApiError("ResourceNotFound.listener", "The listener does not exist.", 404)
    if p.req("RegionId") != lsn["region"]:
        raise fake.ApiError("ResourceNotFound.listener", "The listener is not in region %s." % p.req("RegionId"))
    return lsn


def nlb_ids(p, name):
    ids = indexed(p, name)
    if not ids:
        raise fake.ApiError("MissingParameter", "The input parameter \"%s.1\" that is mandatory for processing "
                            "this request is not supplied." % name)
    for c in ids:
        yield c


def nlb_update_listener(st, p):
    """UpdateListenerAttribute: ListenerId, RegionId, CertificateIds.N (the server certificate)."""
    lsn = nlb_listener(st, p)
    ids = list(nlb_ids(p, "CertificateIds"))
    if len(ids) != 1:
        raise fake.ApiError("IllegalParam.CertificateIds", "A TCPSSL listener has one server certificate.")
    cas_upload_of(st, ids[0])
    lsn.update(default=ids[0], updates=lsn["updates"] + 1)
    return {"JobId": "job-%d" % lsn["updates"]}


def nlb_associate(st, p):
    """AssociateAdditionalCertificatesWithListener: ListenerId, RegionId, AdditionalCertificateIds.N."""
    lsn = nlb_listener(st, p)
    for c in nlb_ids(p, "AdditionalCertificateIds"):
        cas_upload_of(st, c)
        lsn["additional"].append(c)
    lsn["updates"] += 1
    return {"JobId": "job-a"}


def nlb_disassociate(st, p):
    """DisassociateAdditionalCertificatesWithListener: ListenerId, RegionId, AdditionalCertificateIds.N."""
    lsn = nlb_listener(st, p)
    for c in nlb_ids(p, "AdditionalCertificateIds"):
        if c in lsn["additional"]:
            lsn["additional"].remove(c)
    return {"JobId": "job-d"}


def nlb_list(st, p):
    """ListListenerCertificates: ListenerId, RegionId, CertificateType, MaxResults, NextToken."""
    return page_tokens(p, list_certs(nlb_listener(st, p), p))


# ---- WAF 3.0, 2021-10-01 (WAF API reference: RPC, POST) ----

def waf_domain(st, p):
    d = st.waf.get(p.req("Domain").lower())
    if d is None or d["instance"] != p.req("InstanceId"):
        raise fake.ApiError("Waf.Domain.NotExist", "The domain does not exist in this instance.", 404)
    if p.req("RegionId") not in ("cn-hangzhou", "ap-southeast-1"):
        raise fake.ApiError("InvalidRegionId", "WAF 3.0 is in cn-hangzhou and ap-southeast-1 only.")
    return d


def waf_describe(st, p):
    """DescribeDomainDetail: InstanceId, Domain, RegionId."""
    d = waf_domain(st, p)
    reply = {"Domain": p.req("Domain").lower(), "Status": 1, "Listen": d["Listen"], "Redirect": d["Redirect"]}
    if d["cname"]:
        reply["Cname"] = "abc123.yundunwaf5.com"
    return reply


def waf_modify(st, p):
    """ModifyDomain: InstanceId, Domain, RegionId, AccessType, Listen (JSON), Redirect (JSON, required)."""
    d = waf_domain(st, p)
    if p.opt("AccessType", "share") != "share" or not d["cname"]:
        raise fake.ApiError("Waf.Domain.AccessTypeInvalid", "The fake takes CNAME (share) access only.")
    try:
        listen, redirect = json.loads(p.req("Listen")), json.loads(p.req("Redirect"))
    except ValueError:
        raise fake.ApiError("InvalidParameter", "Listen and Redirect must be JSON.") from None
    if not all(isinstance(b, str) for b in redirect.get("Backends", [None])):
        raise fake.ApiError("InvalidParameter.Redirect", "Redirect.Backends is a list of addresses.")
    if listen.get("HttpsPorts") != d["Listen"]["HttpsPorts"] or listen.get("TLSVersion") != d["Listen"]["TLSVersion"]:
        raise fake.ApiError("InvalidParameter.Listen", "The fake expects the domain's other settings sent back.")
    cas_upload_of(st, listen.get("CertId"))
    d["Listen"] = listen
    d["Redirect"] = dict(redirect, Backends=[{"Backend": b} for b in redirect["Backends"]])
    d["updates"] += 1
    return {"DomainInfo": {"Domain": p.req("Domain").lower(), "DomainId": "d-waf"}}


# ---- ROA: FC 3.0 (2023-03-30) and APIG (2024-03-27) ----

FC_PATH = re.compile(r"^/2023-03-30/custom-domains/([^/]+)$")
APIG_PATH = re.compile(r"^/v1/domains/([^/]+)$")


def roa_request(st, req, version, actions):
    """verify_v3, then the action and version for this method; -> (action, JSON body or None)."""
    _, action, ver, _ = fake.verify_v3(st, req)
    if ver != version or actions.get(req.method) != action:
        raise fake.ApiError("InvalidAction.NotFound", "%s %s is not %s of %s." % (req.method, req.path, action, version),
                            404)
    body = None
    if req.method in ("PUT", "POST"):
        ctype = req.headers.get("content-type", [""])[0].split(";")[0].strip()
        if ctype != "application/json":
            raise fake.ApiError("InvalidParameter", "The body must be application/json.")
        try:
            body = json.loads(req.body.decode("utf-8"))
        except ValueError:
            raise fake.ApiError("InvalidParameter", "The body is not JSON.") from None
    if req.query:
        raise fake.ApiError("InvalidParameter", "Nothing travels in this URL's query.")
    return action, body


def fc_view(d):
    out = {k: d[k] for k in ("domainName", "protocol")}
    if d["certConfig"]:
        out["certConfig"] = {"certName": d["certConfig"]["certName"], "certificate": d["certConfig"]["certificate"]}
    return out


def fc_handle(st, req):
    """GetCustomDomain (GET) and UpdateCustomDomain (PUT UpdateCustomDomainInput) on
    /2023-03-30/custom-domains/{domainName}: FC 3.0 API reference, @alicloud/fc20230330."""
    action, body = roa_request(st, req, "2023-03-30", {"GET": "GetCustomDomain", "PUT": "UpdateCustomDomain"})
    name = urllib.parse.unquote(FC_PATH.match(req.path).group(1)).lower()
    d = st.fc.get(name)
    if d is None:
        raise fake.ApiError("DomainNameNotFound", "The custom domain %s does not exist." % name, 404)
    if action == "UpdateCustomDomain":
        cc = body.get("certConfig") or {}
        if not all(isinstance(cc.get(k), str) and cc.get(k) for k in ("certName", "certificate", "privateKey")):
            raise fake.ApiError("InvalidArgument", "certConfig needs certName, certificate and privateKey.")
        if body.get("protocol") not in ("HTTPS", "HTTP,HTTPS"):
            raise fake.ApiError("InvalidArgument", "A certificate needs protocol HTTPS or HTTP,HTTPS.")
        fake.check_pair(cc["certificate"], cc["privateKey"], "certConfig")
        d.update(certConfig=dict(cc), protocol=body["protocol"], updates=d["updates"] + 1)
    return "FC", action, fc_view(d)


def apig_handle(st, req):
    """GetDomain (GET) and UpdateDomain (PUT, protocol and certIdentifier) on /v1/domains/{domainId}:
    APIG 2024-03-27 API reference."""
    action, body = roa_request(st, req, "2024-03-27", {"GET": "GetDomain", "PUT": "UpdateDomain"})
    did = APIG_PATH.match(req.path).group(1)
    d = st.apig.get(did)
    if d is None:
        raise fake.ApiError("NotFound.DomainNotFound", "The domain %s does not exist." % did, 404)
    if action == "UpdateDomain":
        if body.get("protocol") not in ("HTTP", "HTTPS"):
            raise fake.ApiError("InvalidParameter.Protocol", "protocol is required: HTTP or HTTPS.")
        if body["protocol"] == "HTTPS":
            cas_upload_of(st, body.get("certIdentifier"))
        for k in ("protocol", "certIdentifier", "forceHttps", "tlsMin", "tlsMax"):
            if k in body:
                d[k] = body[k]
        d["updates"] += 1
        return "APIG", action, {"code": "Ok", "message": "success", "data": {"domainId": did}}
    data = dict({k: v for k, v in d.items() if k != "updates"}, domainId=did)
    return "APIG", action, {"code": "Ok", "message": "success", "data": data}


def resolved(st, cert_id):
    try:
        u = cas_upload_of(st, cert_id)
    except fake.ApiError:
        return None
    return {"id": cert_id, "Name": u["Name"], "Cert": u["Cert"], "Key": u["Key"]}


def view(st):
    lb = lambda t: {k: dict(v, default=resolved(st, v["default"]),
                            additional=[resolved(st, c) for c in v["additional"]]) for k, v in t.items()}
    return {"alb": lb(st.alb), "nlb": lb(st.nlb),
            "waf": {k: dict(v, cert=resolved(st, v["Listen"].get("CertId"))) for k, v in st.waf.items()},
            "apig": {k: dict(v, cert=resolved(st, v["certIdentifier"])) for k, v in st.apig.items()},
            "fc": st.fc}


def register(module):
    global fake
    fake = module
    return {
        "products": {
            "2020-06-16": ("Alb", {"UpdateListenerAttribute": alb_update_listener,
                                   "AssociateAdditionalCertificatesWithListener": alb_associate,
                                   "DissociateAdditionalCertificatesFromListener": alb_dissociate,
                                   "ListListenerCertificates": alb_list}),
            "2022-04-30": ("Nlb", {"UpdateListenerAttribute": nlb_update_listener,
                                   "AssociateAdditionalCertificatesWithListener": nlb_associate,
                                   "DisassociateAdditionalCertificatesWithListener": nlb_disassociate,
                                   "ListListenerCertificates": nlb_list}),
            "2021-10-01": ("Waf", {"DescribeDomainDetail": waf_describe, "ModifyDomain": waf_modify}),
        },
        "init": init,
        "control": {"/_fake/bycas": view},
        "routes": [(lambda req: FC_PATH.match(req.path) is not None, fc_handle),
                   (lambda req: APIG_PATH.match(req.path) is not None, apig_handle)],
    }
