/* The Alibaba Cloud credentials file, ~/.alibabacloud/credentials
 * (aliyun_creds_parse, what aliyun_creds_load reads from the file), for
 * profile "default" and for a named one with a key id from settings. What it
 * accepts is a key id and a secret (and a token for type sts), or a source of
 * temporary credentials (ram_role_arn, ecs_ram_role) not asked yet; what it
 * refuses gives one clean line that does not depend on a secret or a token. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/aliyun/creds.h"
#include "cloud/aliyun/creds_src.h"
#include "common.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* The message for text must not depend on a secret's value: with the
 * letters and digits after the "=" of one "access_key_secret" or
 * "security_token" line changed, the code and message stay the same. */
static void check_no_secret(const char *text, const char *profile, const char *id_override, int rc,
                            const char *msg)
{
    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        size_t n = strcspn(p, "\r\n");
        const char *eq = memchr(p, '=', n);
        struct aliyun_creds *c = NULL;
        struct err e = {0};
        char *other;

        if (eq == NULL || (strncmp(p, "access_key_secret", 17) != 0 && strncmp(p, "security_token", 14) != 0))
            continue;
        other = fuzz_rotate(text, (size_t)(eq + 1 - text), n - (size_t)(eq + 1 - p));
        if (aliyun_creds_parse(other, "fuzz-credentials", profile, id_override, &c, &e) != rc ||
            strcmp(e.msg, msg) != 0)
            abort();
        aliyun_creds_free(c);
        free(other);
    }
}

/* A profile of temporary credentials: no values yet; ram_role_arn holds the AccessKey that signs AssumeRole
 * and a role ARN, ecs_ram_role neither. */
static void check_source(const struct aliyun_creds *c, const char *id_override)
{
    const struct aliyun_creds_src *s = c->src;

    if (c->key_id != NULL || c->secret != NULL || c->security_token != NULL || c->expires != 0)
        abort();
    if (s->kind == CREDS_ROLE_ARN) {
        if (strcmp(c->source, "ram_role_arn profile of the credentials file") != 0 || s->base == NULL ||
            s->base->secret == NULL || s->base->secret[0] == '\0' || s->role_arn == NULL || s->role_arn[0] == '\0' ||
            s->duration < STS_MIN_DURATION || (id_override && strcmp(s->base->key_id, id_override) != 0))
            abort();
    } else if (s->kind != CREDS_IMDS || strcmp(c->source, "ecs_ram_role profile of the credentials file") != 0 ||
               s->base != NULL) {
        abort();
    }
}

static void one(const char *text, const char *profile, const char *id_override)
{
    struct aliyun_creds *c = NULL;
    struct err e = {0};
    int rc = aliyun_creds_parse(text, "fuzz-credentials", profile, id_override, &c, &e);

    if (rc != CP_OK) {
        fuzz_check_failure(&e, rc);
        check_no_secret(text, profile, id_override, rc, e.msg);
        if (c != NULL)
            abort();
        return;
    }
    if (c != NULL && c->src != NULL) {  /* ram_role_arn / ecs_ram_role: fetched on first use, nothing yet */
        check_source(c, id_override);
        aliyun_creds_free(c);
        return;
    }
    if (c == NULL || c->key_id == NULL || c->key_id[0] == '\0' || c->secret == NULL || c->secret[0] == '\0' ||
        strcmp(c->source, "credentials file") != 0 || (id_override && strcmp(c->key_id, id_override) != 0))
        abort();
    if (c->security_token != NULL && c->security_token[0] == '\0')
        abort();
    aliyun_creds_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char *text = fuzz_cstr(data, len);

    if (text == NULL)
        return 0;
    one(text, NULL, NULL);
    one(text, "prod", "LTAI5tOverride");
    free(text);
    return 0;
}
