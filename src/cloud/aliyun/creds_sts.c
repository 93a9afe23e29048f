/*
 * cloud/aliyun/creds_sts.c — temporary credentials from STS (API version
 * 2015-04-01): AssumeRole, an RPC call signed by the ram_role_arn
 * profile's AccessKey, and AssumeRoleWithOIDC, which carries the pod's OIDC
 * token instead of a signature (RRSA on ACK). Both answer
 * {Credentials: {AccessKeyId, AccessKeySecret, SecurityToken, Expiration}}.
 */
#include <stdlib.h>
#include <string.h>

#include "cloud/aliyun/client.h"
#include "cloud/aliyun/creds_src.h"
#include "cloud/aliyun/sign.h"
#include "util/fsio.h"
#include "util/str.h"

#define STS_VERSION "2015-04-01"
#define OIDC_TOKEN_MAX (64u * 1024)
#define FORM_TYPE "application/x-www-form-urlencoded"

static int take_reply(const json_t *reply, const char *what, struct creds_session *s, struct err *err)
{
    return creds_session_from_json(json_object_get(reply, "Credentials"), what, s, err);
}

/* STS AssumeRole (help.aliyun.com/document_detail/371864.html): RoleArn, RoleSessionName, DurationSeconds
 * and an optional Policy, V2-signed by the AccessKey the role trusts. */
int creds_sts_assume_role(struct aliyun_creds_src *s, struct creds_session *ses, struct err *err)
{
    char dur[24];
    struct kv p[] = {{"RoleArn", s->role_arn}, {"RoleSessionName", s->session_name}, {"DurationSeconds", dur},
                     {"Policy", s->policy}};
    struct kvlist l = {p, s->policy != NULL ? 4 : 3};
    struct aliyun_client_opts co = {.product = "STS", .endpoint = s->sts_endpoint, .version = STS_VERSION,
                                    .sig = ALIYUN_SIG_V2, .method = "POST", .creds = s->base,
                                    .ca_bundle = s->ca_bundle, .log = s->log};
    struct aliyun_client *cli = NULL;
    struct aliyun_reply r = {0};
    int rc;

    snprintf(dur, sizeof(dur), "%ld", s->duration);
    if ((co.http = creds_src_http(s, err)) == NULL || (cli = aliyun_client_new(&co, err)) == NULL)
        return err != NULL && err->code != CP_OK ? err->code : CP_EUSAGE;
    if ((rc = aliyun_call(cli, "AssumeRole", &l, &r, err)) == CP_OK)
        rc = take_reply(r.json, "STS AssumeRole", ses, err);
    else
        err_prefix(err, "AssumeRole of %s: ", s->role_arn);
    aliyun_reply_free(&r);
    aliyun_client_free(cli);
    return rc;
}

static int oidc_token(const struct aliyun_creds_src *s, char **tok, size_t *len, struct err *err)
{
    int rc = fs_read(s->oidc_token_file, OIDC_TOKEN_MAX, tok, len, err);

    if (rc != CP_OK) {
        err_prefix(err, "reading the OIDC token (ALIBABA_CLOUD_OIDC_TOKEN_FILE): ");
        return rc;
    }
    while (*len > 0 && strchr("\r\n \t", (*tok)[*len - 1]) != NULL)
        (*tok)[--*len] = '\0';
    return *len > 0 ? CP_OK : err_set(err, CP_EINVALID, "the OIDC token file %s is empty", s->oidc_token_file);
}

/* The request of the SDK's OIDCRoleArnCredentialsProvider: the common parameters in the query, the API's in a
 * form body, no signature (the token is the proof). */
static int oidc_request(const struct aliyun_creds_src *s, const char *tok, char **url, char **body)
{
    char stamp[32], dur[24];
    time_t now = time(NULL);
    struct tm tm;
    struct kv q[] = {{"Action", "AssumeRoleWithOIDC"}, {"Format", "JSON"}, {"Timestamp", stamp},
                     {"Version", STS_VERSION}};
    struct kv b[] = {{"DurationSeconds", dur}, {"OIDCProviderArn", s->oidc_provider_arn}, {"OIDCToken", tok},
                     {"RoleArn", s->role_arn}, {"RoleSessionName", s->session_name}, {"Policy", s->policy}};
    struct kvlist ql = {q, 4}, bl = {b, s->policy != NULL ? 6 : 5};
    char *query = NULL;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(dur, sizeof(dur), "%ld", s->duration);
    query = aliyun_canonical_query(&ql);
    *url = query != NULL ? str_printf("https://%s/?%s", s->sts_endpoint, query) : NULL;
    *body = aliyun_canonical_query(&bl);
    free(query);
    return *url != NULL && *body != NULL ? CP_OK : CP_ENOMEM;
}

static int oidc_reply(const struct http_response *resp, const char *tok, struct creds_session *ses,
                      struct err *err)
{
    json_t *j = resp->body.len > 0 ? json_loadb(resp->body.data, resp->body.len, 0, NULL) : NULL;
    char line[sizeof(err->msg)];
    int rc;

    if (!json_is_object(j))
        rc = err_set(err, CP_EPROTO, "STS AssumeRoleWithOIDC: HTTP %ld without a JSON reply", resp->status);
    else if (json_object_get(j, "Code") != NULL || resp->status != 200)  /* the Message may quote the token */
        rc = err_set(err, aliyun_error_line("STS", j, NULL, tok, line, sizeof(line)), "AssumeRoleWithOIDC: %s",
                     line);
    else
        rc = take_reply(j, "STS AssumeRoleWithOIDC", ses, err);
    json_decref(j);
    return rc;
}

/* STS AssumeRoleWithOIDC (help.aliyun.com/document_detail/371865.html). */
int creds_sts_oidc(struct aliyun_creds_src *s, struct creds_session *ses, struct err *err)
{
    char *tok = NULL, *url = NULL, *body = NULL;
    size_t len = 0;
    struct http_response resp = {0};
    struct http_transport *t = NULL;
    int rc;

    if ((rc = oidc_token(s, &tok, &len, err)) != CP_OK)
        goto out;
    if ((rc = oidc_request(s, tok, &url, &body)) != CP_OK) {
        rc = err_nomem(err);
        goto out;
    }
    if ((t = creds_src_http(s, err)) == NULL) {
        rc = err != NULL && err->code != CP_OK ? err->code : CP_ENET;
        goto out;
    }
    struct http_request req = {"POST", url, FORM_TYPE, body, strlen(body), NULL};
    if ((rc = http_send(t, &req, &resp, err)) == CP_OK)
        rc = oidc_reply(&resp, tok, ses, err);
    else
        err_prefix(err, "AssumeRoleWithOIDC at %s: ", s->sts_endpoint);
out:
    http_response_free(&resp);
    secret_free(tok, len);
    free(url);
    if (body != NULL)
        secret_free(body, strlen(body));
    return rc;
}
