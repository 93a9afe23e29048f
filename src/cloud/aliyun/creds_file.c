/*
 * cloud/aliyun/creds_file.c — the SDK's credentials file (INI, read with
 * inih): one profile of type access_key, sts, ram_role_arn or ecs_ram_role,
 * with the keys @alicloud/credentials' ProfileCredentialsProvider reads.
 */
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "cloud/aliyun/creds_src.h"
#include "util/fsio.h"
#include "util/str.h"

#define CREDS_FILE_MAX (64u * 1024)
#define MAX_DURATION 43200  /* STS: a role's longest session is 12 hours */

enum { K_TYPE, K_ID, K_SECRET, K_TOKEN, K_ROLE_ARN, K_SESSION, K_POLICY, K_DURATION, K_ROLE_NAME, K_N };

struct profile {
    const char *name;
    bool found;
    char *v[K_N];  /* by the K_* index of keys[] */
};

static const char *const keys[K_N] = {"type", "access_key_id", "access_key_secret", "security_token", "role_arn",
                                      "role_session_name", "policy", "duration_seconds", "role_name"};

static void profile_free(struct profile *p)
{
    for (size_t i = 0; i < K_N; i++)
        if (p->v[i] != NULL)
            secret_free(p->v[i], strlen(p->v[i]));
}

/* inih callback: keep the keys of our profile only. 0 stops parsing (out of memory). */
static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct profile *p = user;

    if (strcmp(section, p->name) != 0)
        return 1;
    p->found = true;
    for (size_t i = 0; i < K_N; i++) {
        if (strcmp(name, keys[i]) != 0)
            continue;
        if (p->v[i] != NULL)
            secret_free(p->v[i], strlen(p->v[i]));
        return (p->v[i] = strdup(value)) != NULL;
    }
    return 1;
}

static bool is(const struct profile *p, const char *type)
{
    return p->v[K_TYPE] != NULL && strcmp(p->v[K_TYPE], type) == 0;
}

/* The profile's values must make its type (the SDK: type is required; we keep the older default access_key). */
static int check_profile(const struct profile *p, const char *path, struct err *err)
{
    bool sts = is(p, "sts"), arn = is(p, "ram_role_arn"), ecs = is(p, "ecs_ram_role");

    if (!p->found)
        return err_set(err, CP_EUSAGE, "credentials file %s: no profile [%s]", path, p->name);
    if (p->v[K_TYPE] != NULL && !sts && !arn && !ecs && !is(p, "access_key"))
        return err_set(err, CP_EUSAGE, "credentials file %s: profile [%s] has type \"%s\"; supported: access_key, "
                       "sts, ram_role_arn, ecs_ram_role", path, p->name, p->v[K_TYPE]);
    if (!ecs && (!creds_set(p->v[K_ID]) || !creds_set(p->v[K_SECRET])))
        return err_set(err, CP_EINVALID, "credentials file %s: profile [%s] lacks access_key_id or "
                       "access_key_secret", path, p->name);
    if (sts && !creds_set(p->v[K_TOKEN]))
        return err_set(err, CP_EINVALID, "credentials file %s: profile [%s] of type sts lacks security_token",
                       path, p->name);
    if (arn && !creds_set(p->v[K_ROLE_ARN]))
        return err_set(err, CP_EINVALID, "credentials file %s: profile [%s] of type ram_role_arn lacks role_arn",
                       path, p->name);
    return CP_OK;
}

static int read_duration(const struct profile *p, const char *path, long *out, struct err *err)
{
    const char *v = p->v[K_DURATION];
    char *end = NULL;
    long d = v != NULL ? strtol(v, &end, 10) : STS_DEFAULT_DURATION;

    if (v != NULL && (end == v || *end != '\0' || d < STS_MIN_DURATION || d > MAX_DURATION))
        return err_set(err, CP_EINVALID, "credentials file %s: profile [%s]: duration_seconds must be %d to %d, "
                       "not \"%s\"", path, p->name, STS_MIN_DURATION, MAX_DURATION, v);
    *out = d;
    return CP_OK;
}

static char *take(struct profile *p, int k)
{
    char *v = p->v[k];

    p->v[k] = NULL;
    return v;
}

/* ram_role_arn: STS AssumeRole of role_arn, signed by the profile's AccessKey. */
static int role_arn(const struct aliyun_creds_opts *o, struct profile *p, const char *path,
                    struct aliyun_creds **out, struct err *err)
{
    struct aliyun_creds_src *s = NULL;
    long duration = 0;
    int rc;

    if ((rc = read_duration(p, path, &duration, err)) != CP_OK ||
        (rc = creds_src_new(o, CREDS_ROLE_ARN, "ram_role_arn profile of the credentials file", out, err)) != CP_OK)
        return rc;
    s = (*out)->src;
    s->duration = duration;
    s->role_arn = take(p, K_ROLE_ARN);
    s->policy = take(p, K_POLICY);
    s->session_name = creds_set(p->v[K_SESSION]) ? take(p, K_SESSION) : str_dup("certpilot");
    if (s->session_name == NULL)
        return err_nomem(err);
    return creds_make(p->v[K_ID], p->v[K_SECRET], NULL, "access_key of the ram_role_arn profile",
                      o->key_id_override, &s->base, err);
}

/* The credentials of a checked profile, by its type. */
static int from_profile(const struct aliyun_creds_opts *o, struct profile *p, const char *path,
                        struct aliyun_creds **out, struct err *err)
{
    if (is(p, "ram_role_arn"))
        return role_arn(o, p, path, out, err);
    if (is(p, "ecs_ram_role"))
        return creds_imds_new(o, p->v[K_ROLE_NAME], "ecs_ram_role profile of the credentials file", out, err);
    return creds_make(p->v[K_ID], p->v[K_SECRET], p->v[K_TOKEN], "credentials file", o->key_id_override, out, err);
}

static int parse_with(const struct aliyun_creds_opts *o, const char *text, const char *path, const char *name,
                      struct aliyun_creds **out, struct err *err)
{
    struct profile p = {.name = creds_set(name) ? name : "default"};
    int line = ini_parse_string(text, on_ini, &p), rc;

    *out = NULL;
    if (line < 0)
        rc = err_nomem(err);
    else if (line > 0)  /* inih reads lines of at most 200 bytes: a longer one shows up as a bad line */
        rc = err_set(err, CP_EINVALID, "credentials file %s: line %d is not \"name = value\" or is longer than "
                     "200 bytes (give a long STS token in ALIBABA_CLOUD_SECURITY_TOKEN)", path, line);
    else if ((rc = check_profile(&p, path, err)) == CP_OK)
        rc = from_profile(o, &p, path, out, err);
    profile_free(&p);
    if (rc != CP_OK) {
        aliyun_creds_free(*out);
        *out = NULL;
    }
    return rc;
}

int aliyun_creds_parse(const char *text, const char *path, const char *profile, const char *id_override,
                       struct aliyun_creds **out, struct err *err)
{
    struct aliyun_creds_opts o = {.key_id_override = id_override};

    return parse_with(&o, text, path, profile, out, err);
}

int creds_from_file(const struct aliyun_creds_opts *o, struct aliyun_creds **out, struct err *err)
{
    const char *named = creds_env(o, "ALIBABA_CLOUD_CREDENTIALS_FILE"), *home = creds_env(o, "HOME");
    char *path = NULL, *text = NULL;
    size_t len = 0;
    int rc;

    if (!creds_set(named) && !creds_set(home))
        return 0;
    path = creds_set(named) ? str_dup(named) : str_printf("%s/.alibabacloud/credentials", home);
    if (path == NULL)
        return err_nomem(err);
    rc = fs_read(path, CREDS_FILE_MAX, &text, &len, err);
    if (rc == CP_ENOTFOUND && !creds_set(named)) {
        err_clear(err);
        rc = 0;
    } else if (rc == CP_OK) {
        rc = parse_with(o, text, path, creds_env(o, "ALIBABA_CLOUD_PROFILE"), out, err);
        rc = rc == CP_OK ? 1 : rc;
    }
    if (text != NULL)
        secret_free(text, len);
    free(path);
    return rc;
}
