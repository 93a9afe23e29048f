#include "config/config.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/inisrc.h"
#include "config/keys.h"
#include "store/store.h"
#include "util/str.h"

#define CONFIG_MAX (1 << 20)
#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

enum sec_kind { SEC_NONE, SEC_GLOBAL, SEC_CERT, SEC_DNS };

struct parse {
    struct ini_src src;
    struct config *cfg;
    enum sec_kind kind;
    char *sect;         /* the current section as written, for messages */
    size_t idx;         /* its index in cfg->certs or cfg->providers */
    char last_key[64];  /* the key an indented line continues */
};

#define FAIL(p, ...) ini_src_fail(&(p)->src, CP_EUSAGE, __VA_ARGS__)

/* One more zeroed element at the end of *arr (n elements of size). */
static int grow(void **arr, size_t n, size_t size)
{
    char *a = realloc(*arr, (n + 1) * size);

    if (a == NULL)
        return CP_ENOMEM;
    memset(a + n * size, 0, size);
    *arr = a;
    return CP_OK;
}

/* ---- sections --------------------------------------------------------- */

/* server and ca both answer "which directory?"; two answers in one section is a mistake. */
static void check_ca_choice(struct parse *p, const struct config_settings *s, const char *sect)
{
    if (s->server.line != 0 && s->ca.line != 0)
        ini_src_fail_at(&p->src, s->server.line > s->ca.line ? s->server.line : s->ca.line,
                        CP_EUSAGE, "server and ca in [%s] both choose the CA; keep one", sect);
}

static void check_cert(struct parse *p, const struct config_cert *c)
{
    if (c->names.n == 0 && c->csr.line == 0)
        ini_src_fail_at(&p->src, c->name.line, CP_EUSAGE,
                        "[cert:%s] has no names (set names, or csr to a CSR file)", c->name.value);
    else if (c->names.n != 0 && c->csr.line != 0)
        ini_src_fail_at(&p->src, c->csr.line, CP_EUSAGE,
                        "csr in [cert:%s]: the names come from the CSR; remove names (line %d)",
                        c->name.value, c->names.items[0].line);
    else if (c->csr.line != 0 && (c->set.key_type.line != 0 || c->reuse_key.line != 0))
        ini_src_fail_at(&p->src, c->set.key_type.line != 0 ? c->set.key_type.line
                                                            : c->reuse_key.line,
                        CP_EUSAGE, "%s in [cert:%s]: the key comes from the CSR (line %d)",
                        c->set.key_type.line != 0 ? "key_type" : "reuse_key", c->name.value,
                        c->csr.line);
    else
        check_ca_choice(p, &c->set, p->sect);
}

/* Checks that need the whole section, run when the next one starts. */
static void close_section(struct parse *p)
{
    if (p->kind == SEC_CERT)
        check_cert(p, &p->cfg->certs[p->idx]);
    else if (p->kind == SEC_GLOBAL)
        check_ca_choice(p, &p->cfg->global, p->sect);
    p->kind = SEC_NONE;
}

static int open_global(struct parse *p)
{
    if (p->cfg->global_line != 0)
        return FAIL(p, "duplicate section [certpilot] (first at line %d)", p->cfg->global_line);
    p->cfg->global_line = p->src.line;
    p->kind = SEC_GLOBAL;
    return 1;
}

static int open_cert(struct parse *p, const char *name)
{
    struct config *cfg = p->cfg;

    if (*name == '\0')
        return FAIL(p, "section [cert:] has no certificate name");
    if (!store_name_valid(name))
        return FAIL(p, "[cert:%s]: a certificate name has only letters, digits, '.', '_' and '-' "
                    "(and does not start with '.')", name);
    for (size_t i = 0; i < cfg->ncerts; i++)
        if (strcmp(cfg->certs[i].name.value, name) == 0)
            return FAIL(p, "duplicate section [cert:%s] (first at line %d)", name,
                        cfg->certs[i].name.line);
    if (grow((void **)&cfg->certs, cfg->ncerts, sizeof(*cfg->certs)) != CP_OK ||
        (cfg->certs[cfg->ncerts].name.value = strdup(name)) == NULL)
        return ini_src_fail(&p->src, CP_ENOMEM, "out of memory");
    cfg->certs[cfg->ncerts].name.line = p->src.line;
    p->idx = cfg->ncerts++;
    p->kind = SEC_CERT;
    return 1;
}

static int open_dns(struct parse *p, const char *name)
{
    struct config *cfg = p->cfg;

    if (*name == '\0')
        return FAIL(p, "section [dns:] has no provider name");
    if (strspn(name, NAME_CHARS) != strlen(name))
        return FAIL(p, "[dns:%s]: a provider name has only letters, digits, '.', '_' and '-'",
                    name);
    for (size_t i = 0; i < cfg->nproviders; i++)
        if (strcmp(cfg->providers[i].name.value, name) == 0)
            return FAIL(p, "duplicate section [dns:%s] (first at line %d)", name,
                        cfg->providers[i].name.line);
    if (grow((void **)&cfg->providers, cfg->nproviders, sizeof(*cfg->providers)) != CP_OK ||
        (cfg->providers[cfg->nproviders].name.value = strdup(name)) == NULL)
        return ini_src_fail(&p->src, CP_ENOMEM, "out of memory");
    cfg->providers[cfg->nproviders].name.line = p->src.line;
    p->idx = cfg->nproviders++;
    p->kind = SEC_DNS;
    return 1;
}

static int unknown_section(struct parse *p, const char *name)
{
    static const char *const known[] = {"certpilot", NULL};
    const char *near = kv_nearest(name, known);

    if (near != NULL)
        return FAIL(p, "unknown section [%s] (did you mean [%s]?)", name, near);
    if (strncmp(name, "cert", 4) == 0)
        return FAIL(p, "unknown section [%s] (a certificate section is written [cert:NAME])",
                    name);
    if (strncmp(name, "dns", 3) == 0)
        return FAIL(p, "unknown section [%s] (a DNS provider section is written [dns:NAME])",
                    name);
    return FAIL(p, "unknown section [%s] (sections are [certpilot], [dns:NAME] and [cert:NAME])",
                name);
}

static int on_section(void *user, const char *name)
{
    struct parse *p = user;

    close_section(p);
    if (p->src.stop)
        return 0;
    free(p->sect);
    if ((p->sect = strdup(name)) == NULL)
        return ini_src_fail(&p->src, CP_ENOMEM, "out of memory");
    if (strcmp(name, "certpilot") == 0)
        return open_global(p);
    if (strncmp(name, "cert:", 5) == 0)
        return open_cert(p, name + 5);
    if (strncmp(name, "dns:", 4) == 0)
        return open_dns(p, name + 4);
    return unknown_section(p, name);
}

/* ---- values of [certpilot] and [cert:NAME] ----------------------------- */

static void *field_of(struct parse *p, const struct keydef *d)
{
    struct config_cert *c = p->kind == SEC_CERT ? &p->cfg->certs[p->idx] : NULL;
    char *base;

    if (d->base == BASE_CERT)
        base = (char *)c;
    else
        base = (char *)(c != NULL ? &c->set : &p->cfg->global);
    return base + d->off;
}

static int set_str(struct parse *p, const struct keydef *d, const char *key, struct cfg_str *s,
                   const char *value)
{
    const char *why = d->check != NULL ? d->check(value) : NULL;

    if (s->line != 0)
        return FAIL(p, "%s in [%s]: set twice (first at line %d)", key, p->sect, s->line);
    if (why != NULL)
        return FAIL(p, "%s in [%s]: \"%s\" %s", key, p->sect, value, why);
    if ((s->value = strdup(value)) == NULL)
        return ini_src_fail(&p->src, CP_ENOMEM, "out of memory");
    s->line = p->src.line;
    return 1;
}

static int add_item(struct parse *p, const struct keydef *d, const char *key, struct cfg_list *l,
                    const char *item)
{
    const char *why = d->check != NULL ? d->check(item) : NULL;

    if (why != NULL)
        return FAIL(p, "%s in [%s]: \"%s\" %s", key, p->sect, item, why);
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].value, item) == 0)
            return FAIL(p, "%s in [%s]: \"%s\" is given twice (first at line %d)", key, p->sect,
                        item, l->items[i].line);
    if (grow((void **)&l->items, l->n, sizeof(*l->items)) != CP_OK ||
        (l->items[l->n].value = strdup(item)) == NULL)
        return ini_src_fail(&p->src, CP_ENOMEM, "out of memory");
    l->items[l->n++].line = p->src.line;
    return 1;
}

/* Items separated by commas or blanks ("a.example, b.example"). */
static int add_list(struct parse *p, const struct keydef *d, const char *key, struct cfg_list *l,
                    const char *value)
{
    char *copy = strdup(value), *save = NULL;
    int ok = copy != NULL;

    if (!ok)
        return ini_src_fail(&p->src, CP_ENOMEM, "out of memory");
    for (char *t = strtok_r(copy, ", \t", &save); ok && t != NULL;
         t = strtok_r(NULL, ", \t", &save))
        ok = add_item(p, d, key, l, t);
    free(copy);
    return ok;
}

static int set_bool(struct parse *p, const char *key, struct cfg_bool *b, const char *value)
{
    const char *why;

    if (b->line != 0)
        return FAIL(p, "%s in [%s]: set twice (first at line %d)", key, p->sect, b->line);
    if ((why = value_bool(value, &b->value)) != NULL)
        return FAIL(p, "%s in [%s]: \"%s\" %s", key, p->sect, value, why);
    b->line = p->src.line;
    return 1;
}

static int set_num(struct parse *p, const struct keydef *d, const char *key, struct cfg_num *n,
                   const char *value)
{
    const char *why;
    long v = 0;

    if (n->line != 0)
        return FAIL(p, "%s in [%s]: set twice (first at line %d)", key, p->sect, n->line);
    if ((why = value_duration(value, d->kind, &v)) != NULL)
        return FAIL(p, "%s in [%s]: \"%s\" %s", key, p->sect, value, why);
    if (v < d->min || v > d->max)
        return FAIL(p, "%s in [%s]: \"%s\" is out of range (%s)", key, p->sect, value, d->range);
    n->value = v;
    n->line = p->src.line;
    return 1;
}

static int unknown_key(struct parse *p, const char *key)
{
    const char *names[64], *near;

    keydef_names(names, sizeof(names) / sizeof(names[0]));
    near = kv_nearest(key, names);
    if (near != NULL)
        return FAIL(p, "unknown key \"%s\" in [%s] (did you mean \"%s\"?)", key, p->sect, near);
    return FAIL(p, "unknown key \"%s\" in [%s]", key, p->sect);
}

/* An indented "key = value" line, which inih reads as more of the previous value. */
static bool key_line(const char *value)
{
    size_t n = strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

    n += n > 0 ? strspn(value + n, " \t") : 0;
    return n > 0 && value[n] == '=';
}

static int set_setting(struct parse *p, const char *key, const char *value)
{
    const struct keydef *d = keydef_find(key);
    void *f;

    if (d == NULL)
        return unknown_key(p, key);
    if ((d->where & (p->kind == SEC_GLOBAL ? IN_GLOBAL : IN_CERT)) == 0)
        return FAIL(p, "%s in [%s]: only allowed in %s", key, p->sect,
                    d->where == IN_GLOBAL ? "[certpilot]" : "a [cert:NAME] section");
    if (p->src.cont && ((d->kind != KEY_LIST && d->kind != KEY_ITEMS) || key_line(value)))
        return FAIL(p, "%s in [%s]: an indented line continues this key's value (do not indent "
                    "keys)", key, p->sect);
    if (*value == '\0')
        return FAIL(p, "%s in [%s]: empty value", key, p->sect);
    if (has_control(value))
        return FAIL(p, "%s in [%s]: the value holds a control character", key, p->sect);
    f = field_of(p, d);
    switch (d->kind) {
    case KEY_STR:
        return set_str(p, d, key, f, value);
    case KEY_LIST:
        return add_list(p, d, key, f, value);
    case KEY_ITEMS:
        return add_item(p, d, key, f, value);
    case KEY_BOOL:
        return set_bool(p, key, f, value);
    default:
        return set_num(p, d, key, f, value);
    }
}

/* ---- [dns:NAME]: free pairs, values possibly secret --------------------- */

/* Messages here name keys and lines, never values: any of them may be a secret. */
static int set_provider(struct parse *p, const char *key, const char *value)
{
    struct config_provider *pr = &p->cfg->providers[p->idx];
    struct config_kv *kv;

    if (*key == '\0' || strspn(key, NAME_CHARS) != strlen(key))
        return FAIL(p, "key \"%s\" in [%s] has characters other than letters, digits, '.', '_' "
                    "and '-'", key, p->sect);
    if (p->src.cont)
        return FAIL(p, "%s in [%s]: an indented line continues this key's value (do not indent "
                    "keys)", key, p->sect);
    if (*value == '\0')
        return FAIL(p, "%s in [%s]: empty value", key, p->sect);
    if (has_control(value))
        return FAIL(p, "%s in [%s]: the value holds a control character", key, p->sect);
    for (size_t i = 0; i < pr->n; i++)
        if (strcmp(pr->items[i].key, key) == 0)
            return FAIL(p, "%s in [%s]: set twice (first at line %d)", key, p->sect,
                        pr->items[i].line);
    if (grow((void **)&pr->items, pr->n, sizeof(*pr->items)) != CP_OK ||
        grow((void **)&pr->view, pr->n, sizeof(*pr->view)) != CP_OK)
        return ini_src_fail(&p->src, CP_ENOMEM, "out of memory");
    kv = &pr->items[pr->n];
    kv->key = strdup(key);
    kv->value = strdup(value);
    if (kv->key == NULL || kv->value == NULL) {
        pr->n++; /* so config_free frees what was allocated */
        return ini_src_fail(&p->src, CP_ENOMEM, "out of memory");
    }
    kv->line = p->src.line;
    pr->view[pr->n].key = kv->key;
    pr->view[pr->n].value = kv->value;
    pr->n++;
    return 1;
}

/* inih's handler. section is inih's copy of the header; p->sect is the same
 * header as the reader saw it (not cut at inih's 50 characters). */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct parse *p = user;
    const char *key = p->src.cont ? p->last_key : name;

    (void)section;
    if (p->src.stop)
        return 0;
    if (!p->src.cont)
        snprintf(p->last_key, sizeof(p->last_key), "%s", name);
    switch (p->kind) {
    case SEC_NONE:
        return FAIL(p, "key \"%s\" is outside any section (start the file with [certpilot])",
                    key);
    case SEC_DNS:
        return set_provider(p, key, value);
    default:
        return set_setting(p, key, value);
    }
}

int config_parse(const char *text, size_t len, const char *path, struct config **out,
                 struct err *err)
{
    struct parse p;
    int rc;

    *out = NULL;
    memset(&p, 0, sizeof(p));
    if ((p.cfg = calloc(1, sizeof(*p.cfg))) == NULL || (p.cfg->path = strdup(path)) == NULL) {
        config_free(p.cfg);
        return err_nomem(err);
    }
    ini_src_init(&p.src, text, len, path, err);
    p.src.section = on_section;
    p.src.user = &p;
    rc = ini_parse_stream(ini_src_read, &p.src, on_key, &p);
    close_section(&p);
    rc = ini_src_finish(&p.src, rc);
    free(p.sect);
    if (rc != CP_OK) {
        config_free(p.cfg);
        return rc;
    }
    *out = p.cfg;
    return CP_OK;
}

int config_load(const char *path, struct config **out, struct err *err)
{
    struct config *cfg = NULL;
    char *text = NULL;
    size_t len = 0;
    mode_t mode = 0;
    int rc;

    *out = NULL;
    rc = ini_file_read_as(path, "config file", CONFIG_MAX, true, &text, &len, &mode, err);
    if (rc == CP_OK)
        rc = config_parse(text, len, path, &cfg, err);
    if (rc == CP_OK)
        rc = config_check_mode(cfg, mode, err);
    secret_free(text, len);
    if (rc != CP_OK) {
        config_free(cfg);
        return rc;
    }
    *out = cfg;
    return CP_OK;
}

/* ---- reading the result ------------------------------------------------- */

static void list_free(struct cfg_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].value);
    free(l->items);
}

/* Free the strings and lists of one section's fields (base BASE_SETTINGS or BASE_CERT). */
static void fields_free(void *obj, enum key_base base)
{
    const struct keydef *d;

    for (size_t i = 0; (d = keydef_at(i)) != NULL; i++) {
        if (d->base != base || keydef_is_alias(d))
            continue;
        if (d->kind == KEY_STR)
            free(((struct cfg_str *)(void *)((char *)obj + d->off))->value);
        else if (d->kind == KEY_LIST || d->kind == KEY_ITEMS)
            list_free((struct cfg_list *)(void *)((char *)obj + d->off));
    }
}

static void provider_free(struct config_provider *pr)
{
    for (size_t i = 0; i < pr->n; i++) {
        free(pr->items[i].key);
        if (pr->items[i].value != NULL)
            secret_free(pr->items[i].value, strlen(pr->items[i].value));
    }
    free(pr->items);
    free(pr->view);
    free(pr->name.value);
}

void config_free(struct config *cfg)
{
    if (cfg == NULL)
        return;
    fields_free(&cfg->global, BASE_SETTINGS);
    for (size_t i = 0; i < cfg->ncerts; i++) {
        fields_free(&cfg->certs[i], BASE_CERT);
        fields_free(&cfg->certs[i].set, BASE_SETTINGS);
        free(cfg->certs[i].name.value);
    }
    for (size_t i = 0; i < cfg->nproviders; i++)
        provider_free(&cfg->providers[i]);
    free(cfg->certs);
    free(cfg->providers);
    free(cfg->path);
    free(cfg);
}

const struct config_cert *config_cert_find(const struct config *cfg, const char *name)
{
    for (size_t i = 0; cfg != NULL && i < cfg->ncerts; i++)
        if (strcmp(cfg->certs[i].name.value, name) == 0)
            return &cfg->certs[i];
    return NULL;
}

const struct config_provider *config_provider_find(const struct config *cfg, const char *name)
{
    for (size_t i = 0; cfg != NULL && i < cfg->nproviders; i++)
        if (strcmp(cfg->providers[i].name.value, name) == 0)
            return &cfg->providers[i];
    return NULL;
}

struct kvlist config_provider_settings(const struct config_provider *p)
{
    struct kvlist l = {NULL, 0};

    if (p != NULL) {
        l.items = p->view;
        l.n = p->n;
    }
    return l;
}

/* Is the field at off of a struct config_settings set? Every field type
 * keeps a line, and a list is set when it has items. */
static bool field_set(const struct config_settings *s, const struct keydef *d)
{
    const char *f = (const char *)s + d->off;

    switch (d->kind) {
    case KEY_STR:
        return ((const struct cfg_str *)(const void *)f)->line != 0;
    case KEY_LIST:
    case KEY_ITEMS:
        return ((const struct cfg_list *)(const void *)f)->n != 0;
    case KEY_BOOL:
        return ((const struct cfg_bool *)(const void *)f)->line != 0;
    default:
        return ((const struct cfg_num *)(const void *)f)->line != 0;
    }
}

static size_t field_size(const struct keydef *d)
{
    switch (d->kind) {
    case KEY_STR:
        return sizeof(struct cfg_str);
    case KEY_LIST:
    case KEY_ITEMS:
        return sizeof(struct cfg_list);
    case KEY_BOOL:
        return sizeof(struct cfg_bool);
    default:
        return sizeof(struct cfg_num);
    }
}

/* Can one of the ways to answer challenges in s answer challenges of type ("dns-01", "http-01")? */
static bool method_answers(const struct config_settings *s, const char *type)
{
    if (s->hook.line != 0)
        return true;
    if (strcmp(type, "dns-01") == 0)
        return s->dns.line != 0;
    return s->webroot.line != 0 || s->listen.line != 0;
}

/* The ways to answer challenges (dns, hook, webroot, listen) are one choice: a
 * certificate that names one drops every global one, and a global challenge
 * type its own way cannot answer. */
static void cert_method(const struct config_settings *c, struct config_settings *out)
{
    if (c->dns.line == 0 && c->hook.line == 0 && c->webroot.line == 0 && c->listen.line == 0)
        return;
    out->dns = c->dns;
    out->hook = c->hook;
    out->webroot = c->webroot;
    out->listen = c->listen;
    if (c->challenge.line == 0 && out->challenge.line != 0 && !method_answers(out, out->challenge.value))
        memset(&out->challenge, 0, sizeof(out->challenge));
}

void config_cert_settings(const struct config *cfg, const struct config_cert *c,
                          struct config_settings *out)
{
    const struct keydef *d;

    *out = cfg->global;
    for (size_t i = 0; c != NULL && (d = keydef_at(i)) != NULL; i++)
        if (d->base == BASE_SETTINGS && field_set(&c->set, d))
            memcpy((char *)out + d->off, (const char *)&c->set + d->off, field_size(d));
    if (c != NULL)
        cert_method(&c->set, out);
    /* server and ca are one choice: a certificate that makes it drops the global one. */
    if (c != NULL && c->set.server.line != 0)
        memset(&out->ca, 0, sizeof(out->ca));
    if (c != NULL && c->set.ca.line != 0)
        memset(&out->server, 0, sizeof(out->server));
}
