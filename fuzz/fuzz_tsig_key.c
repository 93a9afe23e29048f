/* The BIND key file of the rfc2136 provider (dns_tsig_key_parse, what
 * dns_tsig_key_load reads from the file): tsig-keygen's format with every
 * kind of comment. What it accepts names a key, one of the two algorithms
 * and a base64 secret taken from the text; what it refuses leaves no key
 * and one clean line that does not depend on the secret. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "dns/rfc2136.h"

#define B64 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static bool boundary(const char *text, const char *at)
{
    return at == text || strchr(" \t\r\n{};", at[-1]) != NULL;
}

/* The message for text must not depend on what a quoted base64 value after
 * the word "secret" holds: the same text with that value's letters and
 * digits changed gets the same code and message. (Base64 only: a value of
 * other characters may be where a token the message names begins.) */
static void check_no_secret(const char *text, int rc, const char *msg)
{
    for (const char *p = strstr(text, "secret"); p != NULL; p = strstr(p + 1, "secret")) {
        const char *q = p + 6, *end;
        struct tsig_key k;
        struct err e = {0};
        char *other;
        size_t n;

        if (!boundary(text, p) || !strchr(" \t\r\n", *q))
            continue;
        q += strspn(q, " \t\r\n");
        if (*q != '"' || (end = strpbrk(q + 1, "\"\n")) == NULL || *end != '"' || end == q + 1)
            continue;
        n = (size_t)(end - q - 1);
        if (strspn(q + 1, B64) != n)
            continue;
        other = fuzz_rotate(text, (size_t)(q + 1 - text), n);
        if (dns_tsig_key_parse(other, "fuzz.key", &k, &e) != rc || strcmp(e.msg, msg) != 0)
            abort();
        dns_tsig_key_clear(&k);
        free(other);
    }
}

static void check_key(const struct tsig_key *k, const char *text)
{
    size_t n = strlen(k->secret);

    if (k->name[0] == '\0' || k->name[strlen(k->name) - 1] != '.')
        abort();
    if (strcmp(k->alg, "hmac-sha256.") != 0 && strcmp(k->alg, "hmac-sha512.") != 0)
        abort();
    if (n < 4 || n % 4 != 0 || strstr(text, k->secret) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    struct tsig_key k;
    struct err e = {0};
    char *text = fuzz_cstr(data, len);
    int rc;

    if (text == NULL)
        return 0;
    rc = dns_tsig_key_parse(text, "fuzz.key", &k, &e);
    if (rc == CP_OK) {
        check_key(&k, text);
        dns_tsig_key_clear(&k);
    } else {
        fuzz_check_failure(&e, rc);
        if (k.name != NULL || k.alg != NULL || k.secret != NULL)
            abort();
        check_no_secret(text, rc, e.msg);
    }
    free(text);
    return 0;
}
