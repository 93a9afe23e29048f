/*
 * cloud/aliyun/creds_src — the sources of temporary credentials behind
 * struct aliyun_creds (private to src/cloud/aliyun/): STS AssumeRole for a
 * ram_role_arn profile, STS AssumeRoleWithOIDC (RRSA), the ECS metadata
 * service. Each fetch fills a session; creds.c swaps it in.
 */
#ifndef CP_CLOUD_ALIYUN_CREDS_SRC_H
#define CP_CLOUD_ALIYUN_CREDS_SRC_H

#include <stdbool.h>

#include <jansson.h>

#include "cloud/aliyun/creds.h"

#define STS_DEFAULT_ENDPOINT "sts.aliyuncs.com"
#define IMDS_DEFAULT_ENDPOINT "100.100.100.200"
#define STS_DEFAULT_DURATION 3600
#define STS_MIN_DURATION 900

enum creds_kind { CREDS_ROLE_ARN, CREDS_OIDC, CREDS_IMDS };

struct aliyun_creds_src {
    enum creds_kind kind;
    char *role_arn, *session_name, *policy;  /* STS */
    long duration;
    struct aliyun_creds *base;               /* ram_role_arn: the AccessKey that signs AssumeRole */
    char *oidc_provider_arn, *oidc_token_file;
    char *role_name;                         /* IMDS: NULL: asked from the service */
    char *sts_endpoint, *metadata_endpoint, *ca_bundle;
    struct http_transport *http;             /* borrowed, or owned */
    struct http_transport *owned;
    const struct logger *log;
    time_t (*now)(void *ud);
    void *now_ud;
    time_t obtained;                         /* when the current session was fetched */
};

/* A fetched session: the three values (owned; creds_session_clear wipes them) and the expiry. */
struct creds_session {
    char *key_id, *secret, *token;
    time_t expires;
};

void creds_session_clear(struct creds_session *s);

/* {AccessKeyId, AccessKeySecret, SecurityToken, Expiration} of j into s; CP_EPROTO "<what>: ..." */
int creds_session_from_json(const json_t *j, const char *what, struct creds_session *s, struct err *err) CP_WUR;

/* The transport of src (made on first use). NULL and err on failure. */
struct http_transport *creds_src_http(struct aliyun_creds_src *src, struct err *err);

/* STS AssumeRole (creds_sts.c), AssumeRoleWithOIDC (creds_sts.c), ECS metadata (creds_imds.c). */
int creds_sts_assume_role(struct aliyun_creds_src *src, struct creds_session *s, struct err *err) CP_WUR;
int creds_sts_oidc(struct aliyun_creds_src *src, struct creds_session *s, struct err *err) CP_WUR;
int creds_imds_fetch(struct aliyun_creds_src *src, struct creds_session *s, struct err *err) CP_WUR;

void creds_src_free(struct aliyun_creds_src *src);

/* Helpers shared by the source files (creds.c). */
bool creds_set(const char *s);
const char *creds_env(const struct aliyun_creds_opts *o, const char *name);
int creds_make(const char *id, const char *secret, const char *token, const char *source,
               const char *id_override, struct aliyun_creds **out, struct err *err) CP_WUR;
/* A creds whose values come from a source of this kind, endpoints and transport from o. */
int creds_src_new(const struct aliyun_creds_opts *o, enum creds_kind kind, const char *source,
                  struct aliyun_creds **out, struct err *err) CP_WUR;
int creds_imds_new(const struct aliyun_creds_opts *o, const char *role, const char *source,
                   struct aliyun_creds **out, struct err *err) CP_WUR;
/* 1 when the credentials file supplied them, 0 when there is none (and none was named), or an error. */
int creds_from_file(const struct aliyun_creds_opts *o, struct aliyun_creds **out, struct err *err) CP_WUR;

#endif
