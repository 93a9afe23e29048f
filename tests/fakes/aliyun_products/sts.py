"""STS (2015-04-01) for the Alibaba fake: AssumeRole, an RPC call V2-signed by the AccessKey of a
RAM user the role trusts, and AssumeRoleWithOIDC, unsigned, carrying an OIDC token of a provider the
role trusts (RRSA). Each issues a temporary key the rest of the fake then accepts with its
SecurityToken only, until it expires.

config: "sts_roles": {"acs:ram::UID:role/NAME": {"trust": ["AKID", ...],
                      "oidc_provider": "acs:ram::UID:oidc-provider/NAME", "oidc_token": "..."}},
        "sts_lifetime": seconds (default: DurationSeconds; shorter ones test a refresh).
control: GET /_fake/sts: every issued key {action, role, session, caller, key, expires}.
"""
import datetime
import re
import secrets

FAKE = None
VERSION = "2015-04-01"
SESSION_RE = re.compile(r"^[\w.@-]{2,64}$")


def pairs_of(req):
    return dict(req.query + req.form)


def is_action(name):
    return lambda req: pairs_of(req).get("Action") == name and pairs_of(req).get("Version") == VERSION


def role_of(st, p):
    arn = p.req("RoleArn")
    role = st.sts_roles.get(arn)
    if role is None:
        raise FAKE.ApiError("EntityNotExist.Role", "The specified Role not exists .", 404)
    session = p.req("RoleSessionName")
    if not SESSION_RE.match(session):
        raise FAKE.ApiError("InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed.")
    duration = p.int("DurationSeconds", 3600, 900, 43200)
    return arn, role, session, duration


def issue(st, action, arn, session, duration, caller):
    """A new temporary key: the fake's table gets it, with its token and expiry."""
    now = datetime.datetime.now(datetime.timezone.utc)
    life = int(st.config.get("sts_lifetime", duration))
    key_id = "STS.%s" % secrets.token_hex(8)
    cred = {"secret": secrets.token_urlsafe(24), "token": "CAIS" + secrets.token_urlsafe(48),
            "expires": now.timestamp() + life}
    st.keys[key_id] = cred
    exp = (now + datetime.timedelta(seconds=life)).strftime("%Y-%m-%dT%H:%M:%SZ")
    st.sts_issued.append({"action": action, "role": arn, "session": session, "caller": caller, "key": key_id,
                          "expires": exp})
    return {"AssumedRoleUser": {"Arn": arn.replace(":role/", ":assumed-role/") + "/" + session,
                                "AssumedRoleId": "3%s:%s" % (secrets.token_hex(8), session)},
            "Credentials": {"AccessKeyId": key_id, "AccessKeySecret": cred["secret"],
                            "SecurityToken": cred["token"], "Expiration": exp}}


# AssumeRole: help.aliyun.com/document_detail/371864.html (and @alicloud/credentials' RAMRoleARNCredentialsProvider:
# common parameters in the query, RoleArn, RoleSessionName, DurationSeconds, Policy in the form, HMAC-SHA1).
def assume_role(st, req):
    caller, action, _, pairs = FAKE.verify_v2(st, req)
    p = FAKE.Params(pairs)
    arn, role, session, duration = role_of(st, p)
    if caller not in role.get("trust", []):
        raise FAKE.ApiError("NoPermission", "You are not authorized to do this action. You should be authorized by "
                            "RAM.", 403)
    return "Sts", action, issue(st, action, arn, session, duration, caller)


# AssumeRoleWithOIDC: help.aliyun.com/document_detail/371865.html (no signature: the OIDC token is the proof).
def assume_role_oidc(st, req):
    p = FAKE.Params(req.query + req.form)
    FAKE.check_fresh(st, p.req("Timestamp"), secrets.token_hex(8))
    arn, role, session, duration = role_of(st, p)
    if p.req("OIDCProviderArn") != role.get("oidc_provider"):
        raise FAKE.ApiError("EntityNotExist.OIDCProvider", "The specified OIDCProvider does not exist.", 404)
    if not secrets.compare_digest(p.req("OIDCToken"), role.get("oidc_token", "")):
        raise FAKE.ApiError("AuthenticationFail.OIDCToken.Invalid", "The OIDCToken is invalid.", 400)
    return "Sts", "AssumeRoleWithOIDC", issue(st, "AssumeRoleWithOIDC", arn, session, duration, "oidc")


def init(st, config):
    st.sts_roles = config.get("sts_roles", {})
    st.sts_issued = []


def register(fake):
    global FAKE
    FAKE = fake
    return {
        "routes": [(is_action("AssumeRole"), assume_role), (is_action("AssumeRoleWithOIDC"), assume_role_oidc)],
        "init": init,
        "control": {"/_fake/sts": lambda st: st.sts_issued},
    }
