/*
 * config/format — a parsed certpilot.ini written back as INI text for
 * people to read ("what did certpilot understand?"), secrets hidden.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/keys.h"
#include "util/buf.h"
#include "util/str.h"

/* Append "key = value\n"; returns CP_OK or CP_ENOMEM. */
static int line(struct buf *b, const char *key, const char *value)
{
    if (buf_append_str(b, key) != CP_OK || buf_append_str(b, " = ") != CP_OK ||
        buf_append_str(b, value) != CP_OK || buf_append_str(b, "\n") != CP_OK)
        return CP_ENOMEM;
    return CP_OK;
}

static int list_lines(struct buf *b, const char *key, const struct cfg_list *l, bool deploy)
{
    int rc = CP_OK;

    for (size_t i = 0; rc == CP_OK && i < l->n; i++)
        rc = line(b, key, deploy && config_secret_deploy(l->items[i].value) ? "(hidden)"
                                                                             : l->items[i].value);
    return rc;
}

/* Every set field of obj (a struct config_settings or config_cert, by base). */
static int fields(struct buf *b, const void *obj, enum key_base base)
{
    const struct keydef *d;
    char num[32];
    int rc = CP_OK;

    for (size_t i = 0; rc == CP_OK && (d = keydef_at(i)) != NULL; i++) {
        const char *f = (const char *)obj + d->off;
        if (d->base != base || keydef_is_alias(d))
            continue;
        if (d->kind == KEY_STR && ((const struct cfg_str *)(const void *)f)->line != 0) {
            rc = line(b, d->name, ((const struct cfg_str *)(const void *)f)->value);
        } else if (d->kind == KEY_LIST || d->kind == KEY_ITEMS) {
            rc = list_lines(b, d->name, (const struct cfg_list *)(const void *)f,
                            d->kind == KEY_ITEMS);
        } else if (d->kind == KEY_BOOL && ((const struct cfg_bool *)(const void *)f)->line) {
            rc = line(b, d->name, ((const struct cfg_bool *)(const void *)f)->value ? "yes" : "no");
        } else if (d->kind != KEY_STR && d->kind != KEY_BOOL &&
                   ((const struct cfg_num *)(const void *)f)->line != 0) {
            snprintf(num, sizeof(num), d->kind == KEY_NUM ? "%ld" : "%lds",
                     ((const struct cfg_num *)(const void *)f)->value);
            rc = line(b, d->name, num);
        }
    }
    return rc;
}

static int header(struct buf *b, const char *kind, const char *name)
{
    if (buf_append_str(b, b->len > 0 ? "\n[" : "[") != CP_OK || buf_append_str(b, kind) != CP_OK ||
        (name != NULL && (buf_append_str(b, ":") != CP_OK || buf_append_str(b, name) != CP_OK)) ||
        buf_append_str(b, "]\n") != CP_OK)
        return CP_ENOMEM;
    return CP_OK;
}

static int provider(struct buf *b, const struct config_provider *p)
{
    int rc = header(b, "dns", p->name.value);

    for (size_t i = 0; rc == CP_OK && i < p->n; i++)
        rc = line(b, p->items[i].key,
                  config_secret_key(p->items[i].key) ? "(hidden)" : p->items[i].value);
    return rc;
}

int config_format(const struct config *cfg, char **out, struct err *err)
{
    struct buf b = BUF_INIT;
    int rc = CP_OK;

    *out = NULL;
    if (cfg->global_line != 0)
        rc = header(&b, "certpilot", NULL);
    if (rc == CP_OK)
        rc = fields(&b, &cfg->global, BASE_SETTINGS);
    for (size_t i = 0; rc == CP_OK && i < cfg->nproviders; i++)
        rc = provider(&b, &cfg->providers[i]);
    for (size_t i = 0; rc == CP_OK && i < cfg->ncerts; i++) {
        rc = header(&b, "cert", cfg->certs[i].name.value);
        if (rc == CP_OK)
            rc = fields(&b, &cfg->certs[i], BASE_CERT);
        if (rc == CP_OK)
            rc = fields(&b, &cfg->certs[i].set, BASE_SETTINGS);
    }
    if (rc == CP_OK)
        *out = b.len > 0 ? buf_steal(&b) : strdup("");
    buf_free(&b);
    return *out != NULL ? CP_OK : err_nomem(err);
}
