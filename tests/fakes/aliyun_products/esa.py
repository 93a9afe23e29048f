"""ESA, Edge Security Acceleration (API 2024-09-10), for the Alibaba fake: a site's DNS records
(certpilot's --dns aliesa) and its uploaded certificates (the aliesa target). Every action as the
ESA API reference documents it and as @alicloud/esa20240910 (dist/client.js) sends it: RPC style,
the method the SDK uses (ListSites and ListRecords are GETs, the others POSTs), only the action's own
parameters (anything else is InvalidParameter), the required ones required. SetCertificate carries
the key: its Certificate and PrivateKey only in a POST form body, never in the URL.

TXT records are mirrored into pebble-challtestsrv as Alidns records are (the survivors of a name,
Alidns's included, set again after each change), so Pebble and dig see them.

config: "esa_sites": ["example.com", ...] (SiteId 7000000000001, ...).
control: GET /_fake/esa {"records": [...], "certs": {SiteName: [certificate with its chain and key]},
"sets": SetCertificate calls}.
"""
import json

fake = None
VERSION = "2024-09-10"
PAGE_MAX = 500  # ListSites and ListRecords: "Default value: 500"; the fake's page_size_max may serve fewer

# action -> (method, required, optional); the list parameters are added by paged()
ACTIONS = {
    # ListSites: https://help.aliyun.com/document_detail/2850189.html
    "ListSites": ("GET", (), ("SiteName", "SiteSearchType", "PageNumber", "PageSize", "AccessType", "Coverage",
                              "OnlyEnterprise", "OrderBy", "PlanSubscribeType", "ResourceGroupId", "Status",
                              "TagFilter")),
    # ListRecords: https://help.aliyun.com/document_detail/2850265.html
    "ListRecords": ("GET", ("SiteId",), ("RecordName", "RecordMatchType", "Type", "PageNumber", "PageSize",
                                         "BizName", "Proxied", "SourceType")),
    # CreateRecord: ESA API reference, CreateRecord (2024-09-10); @alicloud/esa20240910 dist/client.js createRecordWithOptions
    "CreateRecord": ("POST", ("SiteId", "RecordName", "Type", "Ttl", "Data"),
                     ("AuthConf", "BizName", "Comment", "HostPolicy", "Proxied", "SourceType")),
    # DeleteRecord: ESA API reference, DeleteRecord (2024-09-10); @alicloud/esa20240910 dist/client.js deleteRecordWithOptions
    "DeleteRecord": ("POST", ("RecordId",), ("SecurityToken",)),
    # ListCertificates: ESA API reference, ListCertificates (2024-09-10); @alicloud/esa20240910 dist/client.js listCertificatesWithOptions
    "ListCertificates": ("POST", ("SiteId",), ("Keyword", "PageNumber", "PageSize", "ValidOnly")),
    # SetCertificate: ESA API reference, SetCertificate (2024-09-10); @alicloud/esa20240910 dist/client.js setCertificateWithOptions
    "SetCertificate": ("POST", ("SiteId", "Type"), ("CasId", "Certificate", "Id", "Name", "PrivateKey", "Region",
                                                    "KeyServerId", "OwnerId", "SecurityToken")),
    # GetCertificate: ESA API reference, GetCertificate (2024-09-10); @alicloud/esa20240910 dist/client.js getCertificateWithOptions
    "GetCertificate": ("POST", ("SiteId", "Id"), ()),
}


def init(st, config):
    st.esa_sites = {n.lower(): {"SiteId": 7000000000001 + i, "SiteName": n.lower(), "Status": "active",
                                "AccessType": "NS", "Coverage": "domestic"}
                    for i, n in enumerate(config.get("esa_sites", []))}
    st.esa_records = {}  # RecordId -> record
    st.esa_certs = {}    # Id -> certificate (with SiteId, chain and key)
    st.esa_next = 3000000
    st.esa_sets = 0


def allow(p, action, required, optional):
    for name in p.d:
        if name not in required and name not in optional:
            raise fake.ApiError("InvalidParameter", "The parameter \"%s\" is not a parameter of %s." % (name, action))
    for name in required:
        p.req(name)


def site_by_id(st, p):
    sid = p.int("SiteId", 0, 1, 10 ** 15)
    for s in st.esa_sites.values():
        if s["SiteId"] == sid:
            return s
    raise fake.ApiError("Site.NotExist", "The site does not exist or does not belong to you.", 404)


def paged(st, p, items, key, extra=None):
    head, chunk = fake.page(st, p, items, PAGE_MAX)
    return dict(head, **{key: chunk}, **(extra or {}))


def match(value, want, mode):
    if want is None:
        return True
    value, want = value.lower(), want.lower()
    return {"exact": value == want, "prefix": value.startswith(want), "suffix": value.endswith(want),
            "fuzzy": want in value}.get(mode, False)


def list_sites(st, p):
    mode = p.opt("SiteSearchType", "exact")
    if mode not in ("exact", "prefix", "suffix", "fuzzy"):
        raise fake.ApiError("InvalidParameter", "SiteSearchType must be exact, prefix, suffix or fuzzy.")
    sites = [s for s in st.esa_sites.values() if match(s["SiteName"], p.opt("SiteName"), mode)]
    return paged(st, p, sites, "Sites")


def sync(st, fqdn):
    """challtestsrv's /clear-txt drops every value of a name: set the survivors (Alidns's too) again."""
    if not st.challtestsrv:
        return
    values = [r["Data"]["Value"] for r in st.esa_records.values()
              if r["RecordType"] == "TXT" and r["RecordName"] + "." == fqdn]
    values += [r["Value"] for r in st.records.values() if r["Type"] == "TXT" and st.record_fqdn(r) == fqdn]
    fake.post(st.challtestsrv + "/clear-txt", {"host": fqdn})
    for v in values:
        fake.post(st.challtestsrv + "/set-txt", {"host": fqdn, "value": v})


def list_records(st, p):
    site = site_by_id(st, p)
    mode = p.opt("RecordMatchType", "exact")
    recs = [r for r in st.esa_records.values() if r["SiteId"] == site["SiteId"]
            and match(r["RecordName"], p.opt("RecordName"), mode)
            and (p.opt("Type") is None or r["RecordType"] == p.opt("Type"))]
    return paged(st, p, recs, "Records")


def create_record(st, p):
    site = site_by_id(st, p)
    name, rtype = p.req("RecordName").lower().rstrip("."), p.req("Type")
    ttl = p.int("Ttl", 0, 1, 86400)
    if name != site["SiteName"] and not name.endswith("." + site["SiteName"]):
        raise fake.ApiError("InvalidParameter.RecordName", "The record name is not a name of the site.")
    try:
        data = json.loads(p.req("Data"))
    except ValueError:
        raise fake.ApiError("InvalidParameter.Data", "Data is not a JSON object.") from None
    if rtype != "TXT" or not isinstance(data, dict) or set(data) != {"Value"} or not data["Value"]:
        raise fake.ApiError("InvalidParameter.Data", "This fake takes TXT records with Data {\"Value\": ...}.")
    if any(r["RecordName"] == name and r["RecordType"] == "TXT" and r["Data"] == data
           for r in st.esa_records.values()):
        raise fake.ApiError("Record.Duplicate", "The record already exists.")
    st.esa_next += 1
    st.esa_records[st.esa_next] = {"RecordId": st.esa_next, "RecordName": name, "RecordType": "TXT", "Ttl": ttl,
                                   "Data": data, "SiteId": site["SiteId"], "SiteName": site["SiteName"],
                                   "Proxied": False}
    sync(st, name + ".")
    return {"RecordId": st.esa_next}


def delete_record(st, p):
    rec = st.esa_records.pop(p.int("RecordId", 0, 1, 10 ** 15), None)
    if rec is None:
        raise fake.ApiError("Record.NotExist", "The record does not exist.", 404)
    sync(st, rec["RecordName"] + ".")
    return {}


def cert_view(c):
    return {k: v for k, v in c.items() if k not in ("Certificate", "PrivateKey", "SiteId")}


def list_certificates(st, p):
    site = site_by_id(st, p)
    certs = [cert_view(c) for c in st.esa_certs.values() if c["SiteId"] == site["SiteId"]
             and (p.opt("Keyword") is None or p.opt("Keyword") in c["Name"])]
    return paged(st, p, certs, "Result", {"SiteId": site["SiteId"], "SiteName": site["SiteName"]})


def set_certificate(st, p):
    site = site_by_id(st, p)
    if p.req("Type") != "upload":
        raise fake.ApiError("InvalidParameter.Type", "This fake takes Type upload only.")
    chain, key = p.req("Certificate"), p.req("PrivateKey")
    leaf, _ = fake.check_pair(chain, key, "Certificate")
    cid = p.opt("Id")
    if cid is not None and (cid not in st.esa_certs or st.esa_certs[cid]["SiteId"] != site["SiteId"]):
        raise fake.ApiError("Certificate.NotExist", "The certificate does not exist.", 404)
    if cid is None:
        st.esa_next += 1
        cid = str(st.esa_next)
    facts = fake.leaf_facts(leaf)
    st.esa_certs[cid] = {"Id": cid, "Name": p.opt("Name", ""), "Type": "upload", "Status": "OK",
                         "SerialNumber": facts["SerialNo"].lower(), "FingerprintSha256": facts["Sha2"].lower(),
                         "NotAfter": facts["NotAfter"], "SiteId": site["SiteId"], "Certificate": chain,
                         "PrivateKey": key}
    st.esa_sets += 1
    return {"Id": cid}


def get_certificate(st, p):
    site = site_by_id(st, p)
    c = st.esa_certs.get(p.req("Id"))
    if c is None or c["SiteId"] != site["SiteId"]:
        raise fake.ApiError("Certificate.NotExist", "The certificate does not exist.", 404)
    return {"Result": cert_view(c), "Certificate": c["Certificate"], "SiteId": site["SiteId"],
            "SiteName": site["SiteName"], "Status": "OK"}


HANDLERS = {"ListSites": list_sites, "ListRecords": list_records, "CreateRecord": create_record,
            "DeleteRecord": delete_record, "ListCertificates": list_certificates,
            "SetCertificate": set_certificate, "GetCertificate": get_certificate}


def is_esa(req):
    if "authorization" in req.headers:
        return req.headers.get("x-acs-version", [""])[0] == VERSION
    return ("Version", VERSION) in req.query + req.form


def handle(st, req):
    """Verify the signature as the fake does, then the action's method and parameters."""
    if "authorization" in req.headers:
        _, action, _, pairs = fake.verify_v3(st, req)
    else:
        _, action, _, pairs = fake.verify_v2(st, req)
    if action not in ACTIONS:
        raise fake.ApiError("InvalidAction.NotFound", "Specified api is not found, please check your url and "
                            "method.", 404)
    method, required, optional = ACTIONS[action]
    if req.method != method:
        raise fake.ApiError("UnsupportedHTTPMethod", "%s is a %s (ESA API reference)." % (action, method))
    if any(k in ("Certificate", "PrivateKey") for k, _ in req.query):
        raise fake.ApiError("UnsupportedHTTPMethod", "SetCertificate takes the certificate and key in a form "
                            "body; nothing of them may travel in the URL.")
    if action in st.throttle_once:
        st.throttle_once.discard(action)
        raise fake.ApiError("Throttling.User", "Request was denied due to user flow control.")
    p = fake.Params(pairs)
    if action in st.fail_actions:
        echo = p.opt("PrivateKey", "") if st.echo_key else ""
        raise fake.ApiError("InternalError", "The request processing has failed due to some unknown error."
                            + (" Parameter: " + fake.echo_as(echo, st.echo_form) if echo else ""), 500)
    allow(p, action, required, optional + (("PageNumber", "PageSize") if action.startswith("List") else ()))
    return "ESA", action, HANDLERS[action](st, p)


def control(st):
    certs = {}
    for c in st.esa_certs.values():
        site = next(s["SiteName"] for s in st.esa_sites.values() if s["SiteId"] == c["SiteId"])
        certs.setdefault(site, []).append(c)
    return {"records": list(st.esa_records.values()), "certs": certs, "sets": st.esa_sets}


def register(module):
    global fake
    fake = module
    return {"init": init, "routes": [(is_esa, handle)], "key_params": ("PrivateKey",),
            "control": {"/_fake/esa": control}}
