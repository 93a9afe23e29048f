/*
 * cloud/aliyun/creds.c — Alibaba Cloud credentials from the environment or
 * the SDK's credentials file (INI, read with inih).
 */
#include "cloud/aliyun/creds.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "util/fsio.h"
#include "util/str.h"

#define CREDS_FILE_MAX (64u * 1024)

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

static bool set(const char *s)
{
    return s != NULL && *s != '\0';
}

void aliyun_creds_free(struct aliyun_creds *c)
{
    if (c == NULL)
        return;
    free(c->key_id);
    if (c->secret != NULL)
        secret_free(c->secret, strlen(c->secret));
    if (c->security_token != NULL)
        secret_free(c->security_token, strlen(c->security_token));
    free(c);
}

/* Take the three values (copied) into a new creds; the override wins for the id. */
static int make_creds(const char *id, const char *secret, const char *token, const char *source,
                      const char *id_override, struct aliyun_creds **out, struct err *err)
{
    struct aliyun_creds *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return err_nomem(err);
    c->key_id = str_dup(set(id_override) ? id_override : id);
    c->secret = str_dup(secret);
    c->security_token = set(token) ? str_dup(token) : NULL;
    c->source = source;
    if (c->key_id == NULL || c->secret == NULL || (set(token) && c->security_token == NULL)) {
        aliyun_creds_free(c);
        return err_nomem(err);
    }
    *out = c;
    return CP_OK;
}

/* 1 when an environment pair was taken, 0 when this set of names is not used, or an error. */
static int from_env(aliyun_getenv_fn get, void *ud, size_t i, const char *id_override,
                    struct aliyun_creds **out, struct err *err)
{
    const char *id = get(ud, env_names[i].id), *secret = get(ud, env_names[i].secret);

    if (!set(secret))
        return 0;
    if (!set(id) && !set(id_override))
        return err_set(err, CP_EUSAGE, "Alibaba Cloud credentials: %s is set but %s is not",
                       env_names[i].secret, env_names[i].id);
    int rc = make_creds(id, secret, get(ud, env_names[i].token), env_names[i].source, id_override, out, err);
    return rc == CP_OK ? 1 : rc;
}

struct ini_state {
    const char *profile;
    bool found;
    char *type, *id, *secret, *token;
};

static void ini_state_free(struct ini_state *s)
{
    free(s->type);
    free(s->id);
    if (s->secret != NULL)
        secret_free(s->secret, strlen(s->secret));
    if (s->token != NULL)
        secret_free(s->token, strlen(s->token));
}

/* inih callback: keep the keys of our profile only. 0 stops parsing (out of memory). */
static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct ini_state *s = user;
    char **slot = NULL;

    if (strcmp(section, s->profile) != 0)
        return 1;
    s->found = true;
    if (strcmp(name, "type") == 0)
        slot = &s->type;
    else if (strcmp(name, "access_key_id") == 0)
        slot = &s->id;
    else if (strcmp(name, "access_key_secret") == 0)
        slot = &s->secret;
    else if (strcmp(name, "security_token") == 0)
        slot = &s->token;
    if (slot == NULL)
        return 1;
    if (*slot != NULL)
        secret_free(*slot, strlen(*slot));
    *slot = strdup(value);
    return *slot != NULL;
}

/* The profile's values must make an access key (type access_key) or an STS key (type sts). */
static int check_profile(const struct ini_state *s, const char *path, struct err *err)
{
    bool sts = s->type != NULL && strcmp(s->type, "sts") == 0;

    if (!s->found)
        return err_set(err, CP_EUSAGE, "credentials file %s: no profile [%s]", path, s->profile);
    if (s->type != NULL && !sts && strcmp(s->type, "access_key") != 0)
        return err_set(err, CP_EUSAGE,
                       "credentials file %s: profile [%s] has type \"%s\"; supported: access_key, sts",
                       path, s->profile, s->type);
    if (!set(s->id) || !set(s->secret))
        return err_set(err, CP_EINVALID, "credentials file %s: profile [%s] lacks access_key_id or "
                       "access_key_secret", path, s->profile);
    if (sts && !set(s->token))
        return err_set(err, CP_EINVALID, "credentials file %s: profile [%s] of type sts lacks security_token",
                       path, s->profile);
    return CP_OK;
}

static int parse_file(const char *path, const char *text, struct ini_state *s, struct err *err)
{
    int line = ini_parse_string(text, on_ini, s);

    if (line < 0)
        return err_nomem(err);
    if (line > 0)  /* inih reads lines of at most 200 bytes: a longer one shows up as a bad line */
        return err_set(err, CP_EINVALID, "credentials file %s: line %d is not \"name = value\" or is "
                       "longer than 200 bytes (give a long STS token in ALIBABA_CLOUD_SECURITY_TOKEN)",
                       path, line);
    return check_profile(s, path, err);
}

int aliyun_creds_parse(const char *text, const char *path, const char *profile, const char *id_override,
                       struct aliyun_creds **out, struct err *err)
{
    struct ini_state s = {.profile = set(profile) ? profile : "default"};
    int rc;

    *out = NULL;
    if ((rc = parse_file(path, text, &s, err)) == CP_OK)
        rc = make_creds(s.id, s.secret, s.token, "credentials file", id_override, out, err);
    ini_state_free(&s);
    return rc;
}

/* 1 when the file supplied credentials, 0 when it does not exist (and was not asked for by name). */
static int from_file(aliyun_getenv_fn get, void *ud, const char *id_override, struct aliyun_creds **out,
                     struct err *err)
{
    const char *named = get(ud, "ALIBABA_CLOUD_CREDENTIALS_FILE"), *home = get(ud, "HOME");
    char *path = NULL, *text = NULL;
    size_t len = 0;
    int rc;

    if (!set(named) && !set(home))
        return 0;
    path = set(named) ? str_dup(named) : str_printf("%s/.alibabacloud/credentials", home);
    if (path == NULL)
        return err_nomem(err);
    rc = fs_read(path, CREDS_FILE_MAX, &text, &len, err);
    if (rc == CP_ENOTFOUND && !set(named)) {
        err_clear(err);
        rc = 0;
    } else if (rc == CP_OK) {
        rc = aliyun_creds_parse(text, path, get(ud, "ALIBABA_CLOUD_PROFILE"), id_override, out, err);
        rc = rc == CP_OK ? 1 : rc;
    }
    if (text != NULL)
        secret_free(text, len);
    free(path);
    return rc;
}

int aliyun_creds_load(aliyun_getenv_fn get, void *ud, const char *id_override, struct aliyun_creds **out,
                      struct err *err)
{
    int rc = 0;

    *out = NULL;
    for (size_t i = 0; rc == 0 && i < sizeof(env_names) / sizeof(env_names[0]); i++)
        rc = from_env(get, ud, i, id_override, out, err);
    if (rc == 0)
        rc = from_file(get, ud, id_override, out, err);
    if (rc == 0)
        return err_set(err, CP_EUSAGE, "no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and "
                       "ALIBABA_CLOUD_ACCESS_KEY_SECRET (or ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY) in "
                       "the environment, or write ~/.alibabacloud/credentials");
    return rc < 0 ? rc : CP_OK;
}
