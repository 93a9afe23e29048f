/*
 * cloud/aliyun/client — one Alibaba Cloud OpenAPI product (Alidns, CDN,
 * CAS, API Gateway...) called RPC-style: POST https://<endpoint>/ with the
 * parameters as a form body (or GET with them in the query), signed V3 (ACS3-HMAC-SHA256, the default) or
 * V2 (HMAC-SHA1); or ROA-style (aliyun_call_roa: a method on a path with a
 * JSON body, V3 only). TLS verification is always on.
 *
 * An error reply ({RequestId, HostId, Code, Message, Recommend}) becomes one
 * sanitised line "<product>: <Code>: <Message> (RequestId <id>)"; the
 * decision rests on Code, not on the HTTP status. Throttling.* replies are
 * retried with a bounded back-off. Request bodies are never logged (deploy
 * targets send private keys through here), nor is any secret: the
 * credentials are scrubbed out of every error line in every form.
 */
#ifndef CP_CLOUD_ALIYUN_CLIENT_H
#define CP_CLOUD_ALIYUN_CLIENT_H

#include <jansson.h>

#include "cloud/aliyun/creds.h"
#include "http/http.h"
#include "util/err.h"
#include "util/kv.h"
#include "util/log.h"

enum aliyun_sigver {
    ALIYUN_SIG_V3 = 0,  /* ACS3-HMAC-SHA256 */
    ALIYUN_SIG_V2 = 1,  /* RPC HMAC-SHA1, SignatureVersion=1.0 */
};

struct aliyun_client_opts {
    const char *product;               /* "alidns": starts every error line */
    const char *endpoint;              /* host[:port], no scheme: "alidns.aliyuncs.com" */
    const char *version;               /* the API version, "2015-01-09" */
    enum aliyun_sigver sig;
    /* "POST" (NULL: the default; parameters in a form body) or "GET" (parameters in the URL,
     * which the transport logs at debug level: never GET for a private key or other secret) */
    const char *method;
    struct aliyun_creds *creds;        /* borrowed; must outlive the client; temporary ones are
                                          refreshed before each attempt (aliyun_creds_fresh) */
    const char *ca_bundle;             /* tests only; NULL: the system trust store */
    const struct logger *log;          /* borrowed, may be NULL */
    struct http_transport *http;       /* borrowed; NULL: the client makes (and owns) a libcurl one */
    int max_tries;                     /* attempts while throttled; 0: 5 */
    /* The back-off wait; NULL: really sleep. Tests pass a recorder. */
    void (*sleep_ms)(void *ud, long ms);
    void *sleep_ud;
};

struct aliyun_client;

/* A client for one product. NULL and err on failure (bad endpoint, CA bundle). */
struct aliyun_client *aliyun_client_new(const struct aliyun_client_opts *o, struct err *err);
void aliyun_client_free(struct aliyun_client *c);

struct aliyun_reply {
    json_t *json;    /* the success reply (owned; aliyun_reply_free) */
    char code[128];  /* the error Code when the call failed with one, else "" */
};

/*
 * Call action with params (the API's own parameters; the common ones are
 * added here). 0 and out->json on success. On an error reply: out->code is
 * set and the return is CP_EUSAGE for credential, signature and clock
 * errors, CP_ETIMEOUT when still throttled after every try, CP_EPROTO
 * otherwise. CP_ENET / CP_ETIMEOUT from the transport.
 */
int aliyun_call(struct aliyun_client *c, const char *action, const struct kvlist *params,
                struct aliyun_reply *out, struct err *err) CP_WUR;

void aliyun_reply_free(struct aliyun_reply *r);

/*
 * aliyun_call for a call whose params carry a secret (sent: its value, a
 * private key): an error reply's line never shows the Message (a server
 * may quote the secret in a form no scrubber knows), only Code and
 * RequestId, and every piece of sent in them is replaced as the
 * credentials are.
 */
int aliyun_call_secret(struct aliyun_client *c, const char *action, const struct kvlist *params, const char *sent,
                       struct aliyun_reply *out, struct err *err) CP_WUR;

/*
 * A ROA-style call (FC 3.0, APIG): method ("GET", "PUT" or "POST") on path
 * (starting with '/', every segment already percent-encoded: aliyun_pct_encode),
 * body a JSON object sent as application/json (NULL: none), signed V3 over
 * the path and the body's SHA-256; the client's own method is not used.
 * sent as in aliyun_call_secret (NULL: the call carries no secret). Error
 * replies in either form, {Code, Message, RequestId} or {code, message,
 * requestId}, become the same one line. A V2 client is refused (CP_EUSAGE):
 * V2 signs RPC requests only.
 */
int aliyun_call_roa(struct aliyun_client *c, const char *method, const char *path, const char *action,
                    const json_t *body, const char *sent, struct aliyun_reply *out, struct err *err) CP_WUR;

/*
 * The error line for an error reply (exposed for tests): "<product>: <Code>:
 * <Message> (RequestId <id>)"; when sent (a secret parameter's value, may be
 * NULL) is set "<product>: <Code> (RequestId <id>; the Message is not
 * shown: the request carried a secret)". Sanitised; the credentials of k
 * (may be NULL: the AccessKey secret, the STS token; a run of 12 of their
 * characters) and pieces of sent (8 characters or more) are replaced by
 * "[secret]" in every form a server may quote them in: plain, split over
 * lines, percent-encoded, JSON-escaped (util/redact.h). Every error line
 * and out->code of aliyun_call are scrubbed so. Returns the CP_E* code as
 * above.
 */
int aliyun_error_line(const char *product, const json_t *reply, const struct aliyun_creds *k, const char *sent,
                      char *line, size_t size);

#endif
