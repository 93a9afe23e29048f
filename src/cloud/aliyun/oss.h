/*
 * cloud/aliyun/oss — calls to one OSS bucket's API (Object Storage Service
 * has its own REST API with XML bodies, not the OpenAPI of client.h):
 * a method on the bucket's host with a sub-resource query ("?cname"),
 * signed V4 (OSS4-HMAC-SHA256, sign_oss.h), the STS token as
 * x-oss-security-token. TLS verification is always on; bodies are never
 * logged (PutCname carries a private key).
 *
 * An error reply (<Error><Code/><Message/><RequestId/></Error>) becomes one
 * sanitised line "<product>: <action>: <Code>: <Message> (RequestId <id>)",
 * without the Message when the request carried a secret (client.h's
 * aliyun_error_line, which also scrubs the credentials).
 */
#ifndef CP_CLOUD_ALIYUN_OSS_H
#define CP_CLOUD_ALIYUN_OSS_H

#include "cloud/aliyun/creds.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/kv.h"
#include "util/log.h"

struct oss_client_opts {
    const char *product;               /* "alioss": starts every error line */
    const char *bucket;                /* the bucket's name (3-63 of a-z 0-9 -) */
    const char *region;                /* "cn-hangzhou": the host oss-<region>.aliyuncs.com and the V4 scope */
    const char *endpoint;              /* host[:port] to connect to instead of the bucket's host (tests); NULL */
    const struct aliyun_creds *creds;  /* borrowed; must outlive the client */
    const char *ca_bundle;             /* tests only; NULL: the system trust store */
    const struct logger *log;          /* borrowed, may be NULL */
    struct http_transport *http;       /* borrowed; NULL: the client makes (and owns) a libcurl one */
};

struct oss_client;

/* NULL and err (CP_EUSAGE naming the bad bucket, region or endpoint) on failure. */
struct oss_client *oss_client_new(const struct oss_client_opts *o, struct err *err);
void oss_client_free(struct oss_client *c);

/* The Host every request names: "<bucket>.oss-<region>.aliyuncs.com" (borrowed). */
const char *oss_client_host(const struct oss_client *c);

struct oss_request {
    const char *action;          /* "PutCname": in messages */
    const char *method;          /* "GET" or "POST" */
    const struct kvlist *query;  /* the sub-resource: {"cname", NULL}, {"comp", "add"} */
    const char *body;            /* XML, sent as application/xml with its Content-MD5; NULL: none */
    const char *sent;            /* a secret the body carries (the private key) or NULL */
};

struct oss_reply {
    long status;
    struct buf body;  /* the reply's XML (may be empty) */
    char code[128];   /* the error Code when the call failed with one, else "" */
};

/* One call. 0 and out->body on a 2xx reply. On an error reply: out->code is set, CP_EUSAGE for credential and
 * signature errors, CP_EPROTO otherwise. CP_ENET / CP_ETIMEOUT from the transport. */
int oss_call(struct oss_client *c, const struct oss_request *r, struct oss_reply *out, struct err *err) CP_WUR;
void oss_reply_free(struct oss_reply *r);

/*
 * The line for an error reply xml of status (exposed for tests), into line; code gets the Code (scrubbed).
 * A reply that is not an <Error> document says so with the HTTP status. Returns the CP_E* code as oss_call.
 */
int oss_error_line(const char *product, const char *action, long status, const char *xml, size_t len,
                   const struct aliyun_creds *k, const char *sent, char *code, size_t code_size, char *line,
                   size_t size);

#endif
