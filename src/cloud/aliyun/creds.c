/*
 * cloud/aliyun/creds.c — the chain of credential sources (in the order of
 * Alibaba's SDKs), the environment source, and keeping temporary
 * credentials fresh. The file, STS and metadata sources have files of their own.
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include "cloud/aliyun/creds.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/aliyun/creds_src.h"
#include "util/str.h"

#define STALE_MAX 900  /* the SDK's STALE_TIME: refresh at most 15 minutes before the expiry */

/* The environment names, the SDK's first (as the Alibaba SDKs read them), then lego's. */
static const struct {
    const char *id, *secret, *token, *source;
} env_names[] = {
    {"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
     "environment (ALIBABA_CLOUD_*)"},
    {"ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN", "environment (ALICLOUD_*)"},
};

const char *aliyun_process_env(void *ud, const char *name)
{
    (void)ud;
    return getenv(name);
}

bool creds_set(const char *s)
{
    return s != NULL && *s != '\0';
}

const char *creds_env(const struct aliyun_creds_opts *o, const char *name)
{
    return (o->getenv_fn != NULL ? o->getenv_fn : aliyun_process_env)(o->getenv_ud, name);
}

void creds_session_clear(struct creds_session *s)
{
    free(s->key_id);
    if (s->secret != NULL)
        secret_free(s->secret, strlen(s->secret));
    if (s->token != NULL)
        secret_free(s->token, strlen(s->token));
    memset(s, 0, sizeof(*s));
}

void aliyun_creds_free(struct aliyun_creds *c)
{
    if (c == NULL)
        return;
    struct creds_session s = {c->key_id, c->secret, c->security_token, 0};
    creds_session_clear(&s);
    creds_src_free(c->src);
    free(c);
}

int creds_make(const char *id, const char *secret, const char *token, const char *source,
               const char *id_override, struct aliyun_creds **out, struct err *err)
{
    struct aliyun_creds *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return err_nomem(err);
    c->key_id = str_dup(creds_set(id_override) ? id_override : id);
    c->secret = str_dup(secret);
    c->security_token = creds_set(token) ? str_dup(token) : NULL;
    c->source = source;
    if (c->key_id == NULL || c->secret == NULL || (creds_set(token) && c->security_token == NULL)) {
        aliyun_creds_free(c);
        return err_nomem(err);
    }
    *out = c;
    return CP_OK;
}

/* 1 when an environment pair was taken, 0 when this set of names is not used, or an error. */
static int from_env(const struct aliyun_creds_opts *o, size_t i, struct aliyun_creds **out, struct err *err)
{
    const char *id = creds_env(o, env_names[i].id), *secret = creds_env(o, env_names[i].secret);

    if (!creds_set(secret))
        return 0;
    if (!creds_set(id) && !creds_set(o->key_id_override))
        return err_set(err, CP_EUSAGE, "Alibaba Cloud credentials: %s is set but %s is not",
                       env_names[i].secret, env_names[i].id);
    int rc = creds_make(id, secret, creds_env(o, env_names[i].token), env_names[i].source, o->key_id_override,
                        out, err);
    return rc == CP_OK ? 1 : rc;
}

static char *endpoint_or(const struct aliyun_creds_opts *o, const char *setting, const char *env, const char *def)
{
    const char *e = creds_env(o, env);

    if (creds_set(setting))
        return str_dup(setting);
    return str_dup(creds_set(e) ? e : def);
}

/* The STS endpoint: the setting, $ALIBABA_CLOUD_STS_ENDPOINT, the SDK's sts[-vpc].<region>.aliyuncs.com
 * for $ALIBABA_CLOUD_STS_REGION, or sts.aliyuncs.com. */
static char *sts_endpoint(const struct aliyun_creds_opts *o)
{
    const char *region = creds_env(o, "ALIBABA_CLOUD_STS_REGION");
    const char *vpc = creds_env(o, "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED");

    if (creds_set(o->sts_endpoint) || creds_set(creds_env(o, "ALIBABA_CLOUD_STS_ENDPOINT")) || !creds_set(region))
        return endpoint_or(o, o->sts_endpoint, "ALIBABA_CLOUD_STS_ENDPOINT", STS_DEFAULT_ENDPOINT);
    return str_printf("sts%s.%s.aliyuncs.com", vpc != NULL && strcasecmp(vpc, "true") == 0 ? "-vpc" : "", region);
}

int creds_src_new(const struct aliyun_creds_opts *o, enum creds_kind kind, const char *source,
                  struct aliyun_creds **out, struct err *err)
{
    struct aliyun_creds *c = calloc(1, sizeof(*c));
    struct aliyun_creds_src *s = calloc(1, sizeof(*s));

    *out = NULL;
    if (c == NULL || s == NULL) {
        free(c);
        free(s);
        return err_nomem(err);
    }
    c->src = s;
    c->source = source;
    *s = (struct aliyun_creds_src){.kind = kind, .duration = STS_DEFAULT_DURATION, .http = o->http,
                                   .log = o->log, .now = o->now, .now_ud = o->now_ud};
    s->sts_endpoint = sts_endpoint(o);
    s->metadata_endpoint = endpoint_or(o, o->metadata_endpoint, "ALIBABA_CLOUD_ECS_METADATA_ENDPOINT",
                                       IMDS_DEFAULT_ENDPOINT);
    s->ca_bundle = creds_set(o->ca_bundle) ? str_dup(o->ca_bundle) : NULL;
    if (s->sts_endpoint == NULL || s->metadata_endpoint == NULL || (creds_set(o->ca_bundle) && s->ca_bundle == NULL)) {
        aliyun_creds_free(c);
        return err_nomem(err);
    }
    *out = c;
    return CP_OK;
}

void creds_src_free(struct aliyun_creds_src *s)
{
    if (s == NULL)
        return;
    free(s->role_arn);
    free(s->session_name);
    free(s->policy);
    aliyun_creds_free(s->base);
    free(s->oidc_provider_arn);
    free(s->oidc_token_file);
    free(s->role_name);
    free(s->sts_endpoint);
    free(s->metadata_endpoint);
    free(s->ca_bundle);
    http_transport_free(s->owned);
    free(s);
}

struct http_transport *creds_src_http(struct aliyun_creds_src *s, struct err *err)
{
    /* the SDK's timeouts: 5 s to connect to STS, 1 s to the metadata service; 10 s for a reply */
    struct http_opts ho = {.ca_bundle = s->ca_bundle, .log = s->log, .timeout_s = 10,
                           .connect_timeout_s = s->kind == CREDS_IMDS ? 1 : 5};

    if (s->http == NULL)
        s->http = s->owned = http_curl_new(&ho, err);
    return s->http;
}

/* 1 when ALIBABA_CLOUD_ROLE_ARN, _OIDC_PROVIDER_ARN and _OIDC_TOKEN_FILE name an OIDC role (RRSA), 0 when
 * none is set; all three or none, as the SDK's OIDCRoleArnCredentialsProvider builder. */
static int from_oidc(const struct aliyun_creds_opts *o, struct aliyun_creds **out, struct err *err)
{
    const char *role = creds_env(o, "ALIBABA_CLOUD_ROLE_ARN");
    const char *prov = creds_env(o, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN");
    const char *file = creds_env(o, "ALIBABA_CLOUD_OIDC_TOKEN_FILE");
    const char *name = creds_env(o, "ALIBABA_CLOUD_ROLE_SESSION_NAME");
    int rc;

    if (!creds_set(prov) && !creds_set(file))
        return 0;
    if (!creds_set(role) || !creds_set(prov) || !creds_set(file))
        return err_set(err, CP_EUSAGE, "Alibaba Cloud credentials (OIDC): set all of ALIBABA_CLOUD_ROLE_ARN, "
                       "ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE");
    if ((rc = creds_src_new(o, CREDS_OIDC, "OIDC role (ALIBABA_CLOUD_ROLE_ARN)", out, err)) != CP_OK)
        return rc;
    struct aliyun_creds_src *s = (*out)->src;
    s->role_arn = str_dup(role);
    s->oidc_provider_arn = str_dup(prov);
    s->oidc_token_file = str_dup(file);
    s->session_name = str_dup(creds_set(name) ? name : "certpilot");
    if (s->role_arn == NULL || s->oidc_provider_arn == NULL || s->oidc_token_file == NULL || s->session_name == NULL)
        return err_nomem(err);
    return 1;
}

int creds_imds_new(const struct aliyun_creds_opts *o, const char *role, const char *source,
                   struct aliyun_creds **out, struct err *err)
{
    int rc = creds_src_new(o, CREDS_IMDS, source, out, err);

    if (rc == CP_OK && creds_set(role) && ((*out)->src->role_name = str_dup(role)) == NULL)
        rc = err_nomem(err);
    return rc;
}

/* 1: the ECS RAM role (the SDK's last source), 0 when ALIBABA_CLOUD_ECS_METADATA_DISABLED=true. */
static int from_imds(const struct aliyun_creds_opts *o, struct aliyun_creds **out, struct err *err)
{
    const char *off = creds_env(o, "ALIBABA_CLOUD_ECS_METADATA_DISABLED");
    int rc;

    if (off != NULL && strcasecmp(off, "true") == 0)
        return 0;
    rc = creds_imds_new(o, creds_env(o, "ALIBABA_CLOUD_ECS_METADATA"), "ECS RAM role (metadata service)", out, err);
    return rc == CP_OK ? 1 : rc;
}

int aliyun_creds_open(const struct aliyun_creds_opts *o, struct aliyun_creds **out, struct err *err)
{
    int rc = 0;

    *out = NULL;
    for (size_t i = 0; rc == 0 && i < sizeof(env_names) / sizeof(env_names[0]); i++)
        rc = from_env(o, i, out, err);
    if (rc == 0)
        rc = from_oidc(o, out, err);
    if (rc == 0)
        rc = creds_from_file(o, out, err);
    if (rc == 0)
        rc = from_imds(o, out, err);
    if (rc == 0)
        return err_set(err, CP_EUSAGE, "no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and "
                       "ALIBABA_CLOUD_ACCESS_KEY_SECRET (or ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY) in "
                       "the environment, or write ~/.alibabacloud/credentials (the ECS RAM role is off: "
                       "ALIBABA_CLOUD_ECS_METADATA_DISABLED)");
    if (rc < 0) {
        aliyun_creds_free(*out);
        *out = NULL;
        return rc;
    }
    return CP_OK;
}

int aliyun_creds_load(aliyun_getenv_fn get, void *ud, const char *id_override, struct aliyun_creds **out,
                      struct err *err)
{
    struct aliyun_creds_opts o = {.getenv_fn = get, .getenv_ud = ud, .key_id_override = id_override};

    return aliyun_creds_open(&o, out, err);
}

static time_t now_of(const struct aliyun_creds_src *s)
{
    return s->now != NULL ? s->now(s->now_ud) : time(NULL);
}

/* Fresh enough: fetched, and more than a quarter of the lifetime (at most STALE_MAX) left. */
static bool still_fresh(const struct aliyun_creds *c, time_t now)
{
    time_t margin = (c->expires - c->src->obtained) / 4;

    if (c->secret == NULL)
        return false;
    return now < c->expires - (margin > STALE_MAX ? STALE_MAX : margin);
}

static int fetch(struct aliyun_creds_src *s, struct creds_session *ses, struct err *err)
{
    switch (s->kind) {
    case CREDS_ROLE_ARN:
        return creds_sts_assume_role(s, ses, err);
    case CREDS_OIDC:
        return creds_sts_oidc(s, ses, err);
    case CREDS_IMDS:
        return creds_imds_fetch(s, ses, err);
    default:
        return err_set(err, CP_EINVALID, "unknown credentials source");
    }
}

int aliyun_creds_fresh(struct aliyun_creds *c, struct err *err)
{
    struct creds_session ses = {0}, old = {0};
    time_t now;
    int rc;

    if (c == NULL || c->src == NULL || still_fresh(c, now = now_of(c->src)))
        return CP_OK;
    if ((rc = fetch(c->src, &ses, err)) != CP_OK) {
        err_prefix(err, "Alibaba Cloud credentials (%s): ", c->source);
        creds_session_clear(&ses);
        return rc;
    }
    old = (struct creds_session){c->key_id, c->secret, c->security_token, 0};
    c->key_id = ses.key_id;
    c->secret = ses.secret;
    c->security_token = ses.token;
    c->expires = ses.expires;
    c->src->obtained = now;
    creds_session_clear(&old);
    log_debug(c->src->log, "Alibaba Cloud credentials (%s): fetched, valid for %lld s", c->source,
              (long long)(ses.expires - now));
    return CP_OK;
}

/* ISO 8601 UTC, as STS and the metadata service write Expiration: "2015-04-09T11:52:19Z". */
static int parse_expiration(const char *v, time_t *out)
{
    struct tm tm = {0};
    const char *end = v != NULL ? strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;

    if (end == NULL || *end != '\0')
        return CP_EPROTO;
    *out = timegm(&tm);
    return CP_OK;
}

int creds_session_from_json(const json_t *j, const char *what, struct creds_session *s, struct err *err)
{
    const char *id = NULL, *secret = NULL, *token = NULL, *exp = NULL;

    if (json_unpack((json_t *)j, "{s:s, s:s, s:s, s:s}", "AccessKeyId", &id, "AccessKeySecret", &secret,
                    "SecurityToken", &token, "Expiration", &exp) != 0 || !creds_set(id) || !creds_set(secret) ||
        !creds_set(token))
        return err_set(err, CP_EPROTO, "%s: the reply lacks AccessKeyId, AccessKeySecret, SecurityToken or "
                       "Expiration", what);
    if (parse_expiration(exp, &s->expires) != CP_OK)
        return err_set(err, CP_EPROTO, "%s: Expiration is not a UTC time such as 2015-04-09T11:52:19Z", what);
    s->key_id = str_dup(id);
    s->secret = str_dup(secret);
    s->token = str_dup(token);
    return s->key_id != NULL && s->secret != NULL && s->token != NULL ? CP_OK : err_nomem(err);
}
