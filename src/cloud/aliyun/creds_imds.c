/*
 * cloud/aliyun/creds_imds.c — the ECS instance RAM role from the instance
 * metadata service, in its hardened mode (IMDSv2; "Instance metadata",
 * help.aliyun.com/document_detail/108460.html): PUT /latest/api/token with
 * X-aliyun-ecs-metadata-token-ttl-seconds for a session token, then every
 * GET with X-aliyun-ecs-metadata-token: the role name from
 * /latest/meta-data/ram/security-credentials/ (unless given), its
 * credentials from .../security-credentials/<role>. Plain HTTP to a
 * link-local address, as the SDKs do; no fallback to the token-less mode.
 */
#include <stdlib.h>
#include <string.h>

#include "cloud/aliyun/creds_src.h"
#include "util/str.h"

#define TOKEN_TTL "21600"  /* the SDK's 6 hours */
#define CREDS_PATH "/latest/meta-data/ram/security-credentials/"
#define ROLE_MAX 64        /* RAM role names: at most 64 characters */

/* One request; 0 and the body (NUL-terminated, in resp) for HTTP 200, else one line naming the step. */
static int md_send(struct aliyun_creds_src *s, const char *method, const char *path, const char *hdr,
                   struct http_response *resp, struct err *err)
{
    struct http_transport *t = creds_src_http(s, err);
    char *url = str_printf("http://%s%s", s->metadata_endpoint, path);
    const char *hdrs[] = {hdr, NULL};
    struct http_request req = {method, url, NULL, strcmp(method, "PUT") == 0 ? "" : NULL, 0, hdrs};
    int rc;

    if (t == NULL || url == NULL) {
        free(url);
        return t == NULL ? (err != NULL && err->code != CP_OK ? err->code : CP_ENET) : err_nomem(err);
    }
    rc = http_send(t, &req, resp, err);
    if (rc != CP_OK)
        err_prefix(err, "%s %s: ", method, url);
    else if (resp->status != 200)
        rc = err_set(err, resp->status == 404 ? CP_ENOTFOUND : CP_EPROTO, "%s %s: HTTP %ld", method, url,
                     resp->status);
    else if (buf_append(&resp->body, "", 1) != CP_OK)
        rc = err_nomem(err);
    free(url);
    return rc;
}

static int md_token(struct aliyun_creds_src *s, char **tok, struct err *err)
{
    struct http_response resp = {0};
    int rc = md_send(s, "PUT", "/latest/api/token", "X-aliyun-ecs-metadata-token-ttl-seconds: " TOKEN_TTL, &resp,
                     err);

    if (rc == CP_OK && (resp.body.len <= 1 || strpbrk(resp.body.data, "\r\n") != NULL))
        rc = err_set(err, CP_EPROTO, "PUT /latest/api/token: the reply is not a token");
    if (rc == CP_OK && (*tok = str_printf("X-aliyun-ecs-metadata-token: %s", resp.body.data)) == NULL)
        rc = err_nomem(err);
    if (resp.body.data != NULL)
        secret_free(resp.body.data, resp.body.len);
    resp.body.data = NULL;
    http_response_free(&resp);
    return rc;
}

/* The instance's role name (the first line of the listing): letters, digits, '-', '_', '.' only. */
static int md_role(struct aliyun_creds_src *s, const char *hdr, struct err *err)
{
    struct http_response resp = {0};
    int rc = md_send(s, "GET", CREDS_PATH, hdr, &resp, err);
    size_t n = rc == CP_OK ? strcspn(resp.body.data, "\r\n") : 0;

    if (rc == CP_ENOTFOUND)
        rc = err_set(err, CP_EUSAGE, "GET " CREDS_PATH ": HTTP 404: the instance has no RAM role attached");
    else if (rc == CP_OK && (n == 0 || n > ROLE_MAX || strspn(resp.body.data, "abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") < n))
        rc = err_set(err, CP_EPROTO, "GET " CREDS_PATH ": the reply is not a RAM role name");
    else if (rc == CP_OK && (s->role_name = strndup(resp.body.data, n)) == NULL)
        rc = err_nomem(err);
    http_response_free(&resp);
    return rc;
}

static int md_creds(struct aliyun_creds_src *s, const char *hdr, struct creds_session *ses, struct err *err)
{
    struct http_response resp = {0};
    char *path = str_printf(CREDS_PATH "%s", s->role_name);
    json_t *j = NULL;
    int rc = path != NULL ? md_send(s, "GET", path, hdr, &resp, err) : err_nomem(err);
    const char *code = NULL;

    if (rc == CP_OK && (j = json_loads(resp.body.data, 0, NULL)) == NULL)
        rc = err_set(err, CP_EPROTO, "GET %s: the reply is not JSON", path);
    if (rc == CP_OK && ((code = json_string_value(json_object_get(j, "Code"))) == NULL || strcmp(code, "Success")))
        rc = err_set(err, CP_EPROTO, "GET %s: Code is not Success", path);
    if (rc == CP_OK)
        rc = creds_session_from_json(j, path, ses, err);
    json_decref(j);
    if (resp.body.data != NULL)
        secret_free(resp.body.data, resp.body.len);
    resp.body.data = NULL;
    http_response_free(&resp);
    free(path);
    return rc;
}

int creds_imds_fetch(struct aliyun_creds_src *s, struct creds_session *ses, struct err *err)
{
    char *hdr = NULL;
    int rc;

    if ((rc = md_token(s, &hdr, err)) == CP_OK && (s->role_name != NULL || (rc = md_role(s, hdr, err)) == CP_OK))
        rc = md_creds(s, hdr, ses, err);
    if (hdr != NULL)
        secret_free(hdr, strlen(hdr));
    if (rc != CP_OK)
        err_prefix(err, "metadata service %s: ", s->metadata_endpoint);
    return rc;
}
