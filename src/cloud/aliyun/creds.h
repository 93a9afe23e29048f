/*
 * cloud/aliyun/creds — where an Alibaba Cloud access key comes from: the
 * environment (the SDK's ALIBABA_CLOUD_* names first, then lego's
 * ALICLOUD_* names) or the SDK's INI file ~/.alibabacloud/credentials
 * (profile "default" or $ALIBABA_CLOUD_PROFILE; path overridable with
 * $ALIBABA_CLOUD_CREDENTIALS_FILE). Never from settings on a command line.
 *
 * The environment is read through a caller-supplied function so tests do
 * not depend on the process environment.
 */
#ifndef CP_CLOUD_ALIYUN_CREDS_H
#define CP_CLOUD_ALIYUN_CREDS_H

#include <stddef.h>

#include "util/err.h"

/* getenv-like: the value of name, or NULL. */
typedef const char *(*aliyun_getenv_fn)(void *ud, const char *name);

/* The process environment (getenv), for real use. */
const char *aliyun_process_env(void *ud, const char *name);

struct aliyun_creds {
    char *key_id;
    char *secret;          /* wiped on free */
    char *security_token;  /* STS only, else NULL; wiped on free */
    const char *source;    /* static text naming where they came from (for messages, never the values) */
};

/*
 * Load credentials. key_id_override (a setting, may be NULL) replaces the
 * key id of whatever source supplies the secret. Returns 0 and *out (free
 * with aliyun_creds_free), CP_EUSAGE when none is found (the message names
 * the variables and the file to set), CP_EIO / CP_EINVALID for an
 * unreadable or unusable credentials file.
 */
int aliyun_creds_load(aliyun_getenv_fn getenv_fn, void *ud, const char *key_id_override,
                      struct aliyun_creds **out, struct err *err) CP_WUR;

/*
 * The credentials file's text (what aliyun_creds_load reads from the file):
 * profile is the section to use (NULL or "": "default"), path names the file
 * in messages. The errors of aliyun_creds_load for a file; *out as there.
 */
int aliyun_creds_parse(const char *text, const char *path, const char *profile, const char *id_override,
                       struct aliyun_creds **out, struct err *err) CP_WUR;

void aliyun_creds_free(struct aliyun_creds *c);

#endif
