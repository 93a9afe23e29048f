/* The Alibaba Cloud credentials file, ~/.alibabacloud/credentials
 * (aliyun_creds_parse, what aliyun_creds_load reads from the file), for
 * profile "default" and for a named one with a key id from settings. What it
 * accepts is a key id and a secret (and a token for type sts); what it
 * refuses gives one clean line that never holds a secret or a token. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/aliyun/creds.h"
#include "common.h"

#define SECRET_MIN 8  /* shorter values may well occur in a message by chance */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* Each "access_key_secret = V" or "security_token = V" line: a V of at
 * least SECRET_MIN bytes that occurs once in the text is not in msg. */
static void check_no_secret(const char *text, const char *msg)
{
    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        size_t n = strcspn(p, "\r\n");
        const char *eq = memchr(p, '=', n), *v;
        char *value;

        if (eq == NULL || (strncmp(p, "access_key_secret", 17) != 0 && strncmp(p, "security_token", 14) != 0))
            continue;
        v = eq + 1 + strspn(eq + 1, " \t");
        if ((value = strndup(v, n - (size_t)(v - p))) == NULL)
            abort();
        value[strcspn(value, " \t;#")] = '\0';
        if (strlen(value) >= SECRET_MIN && strstr(text, value) == v && strstr(v + 1, value) == NULL &&
            strstr(msg, value) != NULL)
            abort();
        free(value);
    }
}

static void one(const char *text, const char *profile, const char *id_override)
{
    struct aliyun_creds *c = NULL;
    struct err e = {0};
    int rc = aliyun_creds_parse(text, "fuzz-credentials", profile, id_override, &c, &e);

    if (rc != CP_OK) {
        fuzz_check_failure(&e, rc);
        check_no_secret(text, e.msg);
        if (c != NULL)
            abort();
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
