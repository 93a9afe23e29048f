/*
 * libFuzzer harness for src/config: the certpilot.ini parser and the acme.ini
 * parser read the same bytes from memory (embedded NULs, long lines, BOMs and
 * CRLFs included). Both must return CP_OK with a result or an error with a
 * message, never crash, leak or read past the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "config/acmeini.h"
#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config *cfg = NULL;
    struct acmeini *a = NULL;
    struct err e;

    err_clear(&e);
    if (config_parse((const char *)data, size, "fuzz.ini", &cfg, &e) == CP_OK) {
        struct config_settings s;
        char *text = NULL;
        for (size_t i = 0; i < cfg->ncerts; i++)
            config_cert_settings(cfg, &cfg->certs[i], &s);
        if (config_check_mode(cfg, 0600, NULL) != CP_OK)
            abort(); /* only the owner may read: always fine */
        if (config_check_mode(cfg, 0644, NULL) == CP_ENOMEM)
            abort();
        if (config_format(cfg, &text, NULL) == CP_OK)
            free(text);
    } else if (e.msg[0] == '\0') {
        abort(); /* every failure explains itself */
    }
    config_free(cfg);
    err_clear(&e);
    if (acmeini_parse((const char *)data, size, "acme.ini", NULL, &a, &e) != CP_OK &&
        e.msg[0] == '\0')
        abort();
    acmeini_free(a);
    return 0;
}
