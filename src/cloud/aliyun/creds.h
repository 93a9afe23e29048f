/*
 * cloud/aliyun/creds — where Alibaba Cloud credentials come from, in the
 * order of Alibaba's own SDKs (@alicloud/credentials 2.4, DefaultCredentialsProvider):
 *   1. the environment: ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (and
 *      ALIBABA_CLOUD_SECURITY_TOKEN), then lego's ALICLOUD_* names;
 *   2. OIDC / RRSA (ACK pods): ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN
 *      and ALIBABA_CLOUD_OIDC_TOKEN_FILE, exchanged by STS AssumeRoleWithOIDC (creds_sts.c);
 *   3. the credentials file ~/.alibabacloud/credentials or $ALIBABA_CLOUD_CREDENTIALS_FILE,
 *      profile "default" or $ALIBABA_CLOUD_PROFILE, of type access_key, sts, ram_role_arn
 *      (STS AssumeRole signed by the profile's AccessKey) or ecs_ram_role (creds_file.c);
 *   4. the ECS instance RAM role from the metadata service (IMDSv2, creds_imds.c), unless
 *      ALIBABA_CLOUD_ECS_METADATA_DISABLED=true; role name $ALIBABA_CLOUD_ECS_METADATA or asked.
 * Never from settings on a command line. Temporary credentials are fetched on first use
 * (aliyun_creds_fresh), kept in memory only and fetched again before they expire.
 *
 * The environment is read through a caller-supplied function so tests do
 * not depend on the process environment.
 */
#ifndef CP_CLOUD_ALIYUN_CREDS_H
#define CP_CLOUD_ALIYUN_CREDS_H

#include <stddef.h>
#include <time.h>

#include "http/http.h"
#include "util/err.h"
#include "util/log.h"

/* getenv-like: the value of name, or NULL. */
typedef const char *(*aliyun_getenv_fn)(void *ud, const char *name);

/* The process environment (getenv), for real use. */
const char *aliyun_process_env(void *ud, const char *name);

struct aliyun_creds_src;  /* where temporary credentials are fetched again (creds_src.h) */

struct aliyun_creds {
    char *key_id;
    char *secret;          /* wiped on free */
    char *security_token;  /* STS only, else NULL; wiped on free */
    const char *source;    /* static text naming where they came from (for messages, never the values) */
    time_t expires;        /* temporary credentials: when they expire; 0: never (or not fetched yet) */
    struct aliyun_creds_src *src;  /* owned; NULL: fixed credentials */
};

struct aliyun_creds_opts {
    aliyun_getenv_fn getenv_fn;     /* NULL: the process environment */
    void *getenv_ud;
    const char *key_id_override;    /* the access_key_id setting (may be NULL) */
    const char *sts_endpoint;       /* the sts_endpoint setting, host[:port]; NULL: $ALIBABA_CLOUD_STS_ENDPOINT,
                                       sts.<$ALIBABA_CLOUD_STS_REGION>.aliyuncs.com or sts.aliyuncs.com */
    const char *metadata_endpoint;  /* the metadata_endpoint setting, host[:port]; NULL:
                                       $ALIBABA_CLOUD_ECS_METADATA_ENDPOINT or 100.100.100.200 */
    const char *ca_bundle;          /* for STS (tests); NULL: the system trust store */
    struct http_transport *http;    /* borrowed; NULL: one is made when needed */
    const struct logger *log;       /* borrowed, may be NULL */
    time_t (*now)(void *ud);        /* NULL: time() (tests pass a clock) */
    void *now_ud;
};

/*
 * Find the credentials (the order above). 0 and *out (aliyun_creds_free);
 * CP_EUSAGE when none is found (the message names the variables and the
 * file to set) or a source's settings are incomplete, CP_EIO / CP_EINVALID
 * for an unreadable or unusable credentials file. No request is made here.
 */
int aliyun_creds_open(const struct aliyun_creds_opts *o, struct aliyun_creds **out, struct err *err) CP_WUR;

/* aliyun_creds_open with only the environment function and the override set. */
int aliyun_creds_load(aliyun_getenv_fn getenv_fn, void *ud, const char *key_id_override,
                      struct aliyun_creds **out, struct err *err) CP_WUR;

/*
 * Make c usable now: temporary credentials are fetched when there are none
 * yet or when less than a quarter of their lifetime (at most 15 minutes)
 * is left. A no-op for fixed ones. On failure c keeps what it had and err
 * says "Alibaba Cloud credentials (<source>): <step>: ..." in one line.
 */
int aliyun_creds_fresh(struct aliyun_creds *c, struct err *err) CP_WUR;

/*
 * The credentials file's text (what aliyun_creds_open reads from the file):
 * profile is the section to use (NULL or "": "default"), path names the file
 * in messages. The errors of aliyun_creds_open for a file; *out as there
 * (a ram_role_arn or ecs_ram_role profile: fetched on aliyun_creds_fresh,
 * with the endpoints of o, which may be NULL).
 */
int aliyun_creds_parse(const char *text, const char *path, const char *profile, const char *id_override,
                       struct aliyun_creds **out, struct err *err) CP_WUR;

void aliyun_creds_free(struct aliyun_creds *c);

#endif
