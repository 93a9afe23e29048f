/*
 * cloud/aliyun/sign_oss — the OSS V4 signature (OSS4-HMAC-SHA256) as a pure
 * function: Object Storage Service has its own API and signature, not the
 * OpenAPI's V3 (sign.h). The caller supplies the date, so the vectors in
 * tests/data/aliyun/oss4-hmac-sha256.json (computed with ali-oss's own V4
 * signer) are reproduced byte for byte.
 *
 * Every returned char * belongs to the caller (aliyun_oss4_sig_free).
 * Secrets are only read; nothing here logs.
 */
#ifndef CP_CLOUD_ALIYUN_SIGN_OSS_H
#define CP_CLOUD_ALIYUN_SIGN_OSS_H

#include "util/err.h"
#include "util/kv.h"

/* What an OSS V4 signature covers. */
struct aliyun_oss4_req {
    const char *method;            /* "GET", "POST", "PUT" */
    const char *bucket;            /* NULL: a service request ("/") */
    const char *object;            /* NULL for a bucket's own sub-resources (?cname) */
    const struct kvlist *query;    /* may be NULL; a NULL or "" value is signed as the name alone */
    const struct kvlist *headers;  /* the headers sent (names in any case); Content-Type, Content-MD5 and
                                      every x-oss-* are signed, the others are not */
    const char *date;              /* x-oss-date, "YYYYMMDDThhmmssZ" (UTC) */
    const char *region;            /* "cn-hangzhou" (no "oss-" prefix) */
};

struct aliyun_oss4_sig {
    char *canonical_request;  /* what was hashed (tests, the fake's messages) */
    char *string_to_sign;
    char *authorization;      /* the Authorization header value */
};

/* Sign r. 0; CP_EUSAGE for a date or region that cannot be signed; CP_ENOMEM / CP_ECRYPTO; out is then
 * empty. */
int aliyun_sign_oss4(const struct aliyun_oss4_req *r, const char *key_id, const char *secret,
                     struct aliyun_oss4_sig *out, struct err *err) CP_WUR;
void aliyun_oss4_sig_free(struct aliyun_oss4_sig *s);

#endif
