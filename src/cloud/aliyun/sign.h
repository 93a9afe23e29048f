/*
 * cloud/aliyun/sign — Alibaba Cloud OpenAPI request signatures as pure
 * functions: the caller supplies the time and the nonce, so the published
 * vectors (tests/data/aliyun/) are reproduced byte for byte.
 *
 *  - V3 "ACS3-HMAC-SHA256" (the default): a canonical request over method,
 *    path, sorted query, the signed headers and the body hash, signed with
 *    HMAC-SHA256 keyed by the secret alone; sent as an Authorization header.
 *  - V2 RPC (HMAC-SHA1, SignatureVersion=1.0): the legacy query signature,
 *    keyed by the secret followed by '&'.
 *
 * Every returned char * belongs to the caller (free()). Secrets are only
 * read; nothing here logs.
 */
#ifndef CP_CLOUD_ALIYUN_SIGN_H
#define CP_CLOUD_ALIYUN_SIGN_H

#include <stddef.h>

#include "util/err.h"
#include "util/kv.h"

/* RFC 3986 percent-encoding as Alibaba wants it: A-Z a-z 0-9 - _ . ~ kept,
 * every other byte %XX with upper-case hex (space %20, '*' %2A).
 * NULL when out of memory. */
char *aliyun_pct_encode(const char *s);

/* The parameters sorted by name (byte order; equal names by value), each
 * name and value percent-encoded, joined "n=v&n=v". "" for none; NULL when
 * out of memory. */
char *aliyun_canonical_query(const struct kvlist *params);

/* What a V3 signature covers. */
struct aliyun_v3_req {
    const char *method;          /* "POST", "GET" */
    const char *path;            /* canonical URI, "/" for RPC-style APIs */
    const struct kvlist *query;  /* may be NULL */
    const char *host;            /* the Host header as sent: "alidns.aliyuncs.com" or "127.0.0.1:8443" */
    const char *action;          /* x-acs-action */
    const char *version;         /* x-acs-version, the API version "2015-01-09" */
    const char *date;            /* x-acs-date, "YYYY-MM-DDThh:mm:ssZ" (UTC) */
    const char *nonce;           /* x-acs-signature-nonce, unique per request */
    const char *content_type;    /* signed when not NULL */
    const char *security_token;  /* STS: x-acs-security-token, signed; NULL otherwise */
    const void *body;            /* NULL for none */
    size_t body_len;
};

struct aliyun_v3_sig {
    char content_sha256[65];  /* x-acs-content-sha256: hex SHA-256 of the body */
    char *canonical_request;  /* what was hashed (for tests and the fake's messages) */
    char *authorization;      /* the Authorization header value */
};

/* Sign r. 0, or CP_ENOMEM / CP_ECRYPTO; out is then empty. */
int aliyun_sign_v3(const struct aliyun_v3_req *r, const char *key_id, const char *secret,
                   struct aliyun_v3_sig *out, struct err *err) CP_WUR;
void aliyun_v3_sig_free(struct aliyun_v3_sig *s);

/* V2: params are every parameter of the request (common ones included,
 * Signature excluded). Fills *string_to_sign (may be NULL if not wanted) and
 * *signature (base64). 0, or CP_ENOMEM / CP_ECRYPTO. */
int aliyun_sign_v2(const char *method, const struct kvlist *params, const char *secret,
                   char **string_to_sign, char **signature, struct err *err) CP_WUR;

#endif
