/*
 * libFuzzer harness for certbot's renewal files (config/certbotconf.c, behind
 * `certpilot import certbot`), then manage/certbotmap.c on what parsed: every
 * refusal explains itself in one line; an accepted file has sane items and a plan
 * with a solver, an account id and settings it can hold.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "config/certbotconf.h"
#include "manage/certbot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_items(const struct certbot_conf *c)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct certbot_item *it = &c->items[i];
        if (it->key == NULL || it->key[0] == '\0' || it->line < 1 || (!it->list && it->nvalues != 1))
            abort();
        if (certbot_conf_get(c, it->section, it->key) != it)
            abort();  /* keys are unique per section */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"example.com", "www.example.com"};
    struct certbot_conf c;
    struct certbot_plan p;
    struct err e = {0};
    int rc = certbot_conf_parse((const char *)data, size, "fuzz.conf", &c, &e);

    if (rc != CP_OK) {
        fuzz_check_failure(&e, rc);
        certbot_conf_free(&c);
        return 0;
    }
    check_items(&c);
    err_clear(&e);
    rc = certbot_plan_make(&c, "example.com", names, 2, &p, &e);
    if (rc != CP_OK)
        fuzz_check_failure(&e, rc);
    else if (p.solver[0] == '\0' || p.account_id == NULL || p.server == NULL || p.nsettings > CERTBOT_MAX_SETTINGS)
        abort();
    certbot_conf_free(&c);
    return 0;
}
