#include "config/acmeini.h"

#include <ctype.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config/inisrc.h"
#include "config/keys.h"
#include "util/str.h"

#define ACMEINI_MAX (64 * 1024)
#define KEYFILE_MAX (64 * 1024)

enum akey { A_UA, A_KEY, A_CSR, A_CHAIN, A_DIR, A_CONTACTS, A_LANG, A_COUNT };

static const char *const akey_names[] = {"UserAgent", "AccountKeyFile", "CSRFile", "ChainFile",
                                         "ACMEDirectory", "Contacts", "Language", NULL};

struct aparse {
    struct ini_src src;
    struct acmeini *secs;  /* every section, in file order */
    size_t n;
    const char *want;      /* the section asked for; NULL: the only one */
};

#define AFAIL(p, ...) ini_src_fail(&(p)->src, CP_EUSAGE, __VA_ARGS__)

static struct cfg_str *field(struct acmeini *a, enum akey k)
{
    struct cfg_str *f[] = {&a->user_agent, &a->account_key, &a->csr, &a->chain,
                           &a->directory, NULL, &a->language};

    return f[k];
}

static void acmeini_clear(struct acmeini *a)
{
    for (int k = 0; k < A_COUNT; k++)
        if (k != A_CONTACTS)
            free(field(a, (enum akey)k)->value);
    for (size_t i = 0; i < a->contacts.n; i++)
        free(a->contacts.items[i].value);
    free(a->contacts.items);
    free(a->section.value);
    free(a->path);
}

void acmeini_free(struct acmeini *a)
{
    if (a == NULL)
        return;
    acmeini_clear(a);
    free(a);
}

/* configparser refuses a section twice (strict mode), and so do we. */
static int on_section(void *user, const char *name)
{
    struct aparse *p = user;
    struct acmeini *s;

    if (*name == '\0')
        return AFAIL(p, "a section header [] has no name");
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->secs[i].section.value, name) == 0)
            return AFAIL(p, "duplicate section [%s] (first at line %d)", name,
                         p->secs[i].section.line);
    if ((s = realloc(p->secs, (p->n + 1) * sizeof(*s))) == NULL)
        return ini_src_fail(&p->src, CP_ENOMEM, "out of memory");
    p->secs = s;
    memset(&s[p->n], 0, sizeof(*s));
    if ((s[p->n].section.value = strdup(name)) == NULL)
        return ini_src_fail(&p->src, CP_ENOMEM, "out of memory");
    s[p->n++].section.line = p->src.line;
    return 1;
}

static int key_index(const char *name)
{
    for (int k = 0; k < A_COUNT; k++)
        if (strcasecmp(name, akey_names[k]) == 0)
            return k;
    return -1;
}

static int unknown_key(struct aparse *p, const char *name, const char *sect)
{
    static const char *const lower[] = {"useragent", "accountkeyfile", "csrfile", "chainfile",
                                        "acmedirectory", "contacts", "language", NULL};
    char low[64];
    const char *near;
    size_t i;

    for (i = 0; name[i] != '\0' && i + 1 < sizeof(low); i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[i] = '\0';
    if ((near = kv_nearest(low, lower)) != NULL)
        return AFAIL(p, "unknown key \"%s\" in [%s] (did you mean \"%s\"?)", name, sect,
                     akey_names[key_index(near)]);
    return AFAIL(p, "unknown key \"%s\" in [%s]", name, sect);
}

/* RFC 8555 §7.3: contacts are URLs, and CAs take "mailto:" with one address;
 * the Python script splits the value at ";". */
static int add_contact(struct aparse *p, struct acmeini *a, const char *s, size_t n)
{
    struct cfg_str *items;
    char *c;

    while (n > 0 && isspace((unsigned char)*s))
        s++, n--;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return AFAIL(p, "Contacts: an entry between \";\" is empty");
    if ((c = strndup(s, n)) == NULL)
        return ini_src_fail(&p->src, CP_ENOMEM, "out of memory");
    if (strncasecmp(c, "mailto:", 7) != 0 || value_email(c + 7) != NULL) {
        AFAIL(p, "Contacts: \"%s\" is not %s", c,
              strncasecmp(c, "mailto:", 7) != 0 ? "a mailto: address" : "an e-mail address");
        free(c);
        return 0;
    }
    if ((items = realloc(a->contacts.items, (a->contacts.n + 1) * sizeof(*items))) == NULL) {
        free(c);
        return ini_src_fail(&p->src, CP_ENOMEM, "out of memory");
    }
    a->contacts.items = items;
    items[a->contacts.n].value = c;
    items[a->contacts.n++].line = p->src.line;
    return 1;
}

static int set_contacts(struct aparse *p, struct acmeini *a, const char *value)
{
    const char *semi;

    if (a->contacts.n != 0)
        return AFAIL(p, "Contacts: set twice (first at line %d)", a->contacts.items[0].line);
    for (;; value = semi + 1) {
        semi = strchr(value, ';');
        if (!add_contact(p, a, value, semi != NULL ? (size_t)(semi - value) : strlen(value)))
            return 0;
        if (semi == NULL)
            return 1;
    }
}

/* inih drops " ;..." from a value as a comment; configparser keeps it, so
 * the two would read different contacts from the same line. Refuse it. */
static bool comment_cut(const struct ini_src *s)
{
    const char *r = s->raw, *end = s->raw + s->raw_len;

    while (r < end && *r != '=' && *r != ':')
        r++;
    for (r++; r < end; r++)
        if (*r == ';' && isspace((unsigned char)r[-1]))
            return true;
    return false;
}

/* RFC 9110 §12.5.4 Accept-Language: language ranges and weights. */
static const char *check_value(enum akey k, const char *v)
{
    if (k == A_DIR)
        return value_url(v);
    if (k == A_LANG && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                 "0123456789-*,;=. ") != strlen(v))
        return "is not an Accept-Language value";
    return NULL;
}

static int set_key(struct aparse *p, struct acmeini *a, enum akey k, const char *value)
{
    struct cfg_str *f;
    const char *why;

    if (comment_cut(&p->src))
        return AFAIL(p, "%s: the value holds \" ;\", which starts a comment here but not for "
                     "Python; remove the blank before \";\"", akey_names[k]);
    if (*value == '\0')
        return AFAIL(p, "%s: empty value", akey_names[k]);
    if (has_control(value))
        return AFAIL(p, "%s: the value holds a control character", akey_names[k]);
    if (k == A_CONTACTS)
        return set_contacts(p, a, value);
    f = field(a, k);
    if (f->line != 0)
        return AFAIL(p, "%s: set twice (first at line %d)", akey_names[k], f->line);
    if ((why = check_value(k, value)) != NULL)
        return AFAIL(p, "%s: \"%s\" %s", akey_names[k], value, why);
    if ((f->value = strdup(value)) == NULL)
        return ini_src_fail(&p->src, CP_ENOMEM, "out of memory");
    f->line = p->src.line;
    return 1;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct aparse *p = user;
    struct acmeini *a;
    int k;

    (void)section;
    if (p->src.stop)
        return 0;
    if (p->n == 0)
        return AFAIL(p, "key \"%s\" comes before any [section]", name);
    a = &p->secs[p->n - 1];
    if (p->want != NULL && strcmp(a->section.value, p->want) != 0)
        return 1; /* another tool's section: the Python script does not read it either */
    if (p->src.cont)
        return AFAIL(p, "an indented line continues the value above (do not indent keys)");
    if ((k = key_index(name)) < 0)
        return unknown_key(p, name, a->section.value);
    return set_key(p, a, (enum akey)k, value);
}

/* The section to use: the one asked for, or the only one. */
static int pick(const struct aparse *p, const char *path, int *idx, struct err *err)
{
    char list[512] = "";

    for (size_t i = 0; p->want != NULL && i < p->n; i++)
        if (strcmp(p->secs[i].section.value, p->want) == 0) {
            *idx = (int)i;
            return CP_OK;
        }
    if (p->want != NULL)
        return err_set(err, CP_ENOTFOUND, "%s has no section [%s]", path, p->want);
    if (p->n == 1) {
        *idx = 0;
        return CP_OK;
    }
    if (p->n == 0)
        return err_set(err, CP_EUSAGE, "%s has no [section]", path);
    for (size_t i = 0; i < p->n && strlen(list) + 64 < sizeof(list); i++)
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s[%.50s]", i ? ", " : "",
                 p->secs[i].section.value);
    return err_set(err, CP_EUSAGE, "%s has several sections (%s); name the one to use", path,
                   list);
}

static int check_required(struct aparse *p, struct acmeini *a)
{
    static const enum akey required[] = {A_KEY, A_CSR, A_CHAIN, A_DIR};

    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (field(a, required[i])->line == 0)
            return ini_src_fail_at(&p->src, a->section.line, CP_EUSAGE, "[%s] has no %s",
                                   a->section.value, akey_names[required[i]]);
    return 1;
}

int acmeini_parse(const char *text, size_t len, const char *path, const char *section,
                  struct acmeini **out, struct err *err)
{
    struct aparse p;
    int rc, idx = -1;

    *out = NULL;
    memset(&p, 0, sizeof(p));
    p.want = section;
    ini_src_init(&p.src, text, len, path, err);
    p.src.section = on_section;
    p.src.user = &p;
    rc = ini_src_finish(&p.src, ini_parse_stream(ini_src_read, &p.src, on_key, &p));
    if (rc == CP_OK)
        rc = pick(&p, path, &idx, err);
    if (rc == CP_OK && !check_required(&p, &p.secs[idx]))
        rc = p.src.err_code;
    if (rc == CP_OK && (*out = malloc(sizeof(**out))) != NULL) {
        **out = p.secs[idx];
        memset(&p.secs[idx], 0, sizeof(p.secs[idx]));
        if (((*out)->path = strdup(path)) == NULL) {
            acmeini_free(*out);
            *out = NULL;
        }
    }
    if (rc == CP_OK && *out == NULL)
        rc = err_nomem(err);
    for (size_t i = 0; i < p.n; i++)
        acmeini_clear(&p.secs[i]);
    free(p.secs);
    return rc;
}

int acmeini_load(const char *path, const char *section, struct acmeini **out,
                 struct err *err)
{
    char *text = NULL;
    size_t len = 0;
    mode_t mode = 0;
    int rc;

    *out = NULL;
    rc = ini_file_read_as(path, "acme.ini", ACMEINI_MAX, true, &text, &len, &mode, err);
    if (rc == CP_OK)
        rc = acmeini_parse(text, len, path, section, out, err);
    free(text);
    return rc;
}

int acmeini_read_key(const char *path, const char *what, char **pem, size_t *len,
                     struct err *err)
{
    mode_t mode = 0;
    int rc;

    *pem = NULL;
    *len = 0;
    if ((rc = ini_file_read(path, what, KEYFILE_MAX, pem, len, &mode, err)) != CP_OK)
        return rc;
    if ((mode & (S_IRGRP | S_IROTH)) == 0)
        return CP_OK;
    secret_free(*pem, *len);
    *pem = NULL;
    *len = 0;
    return err_set(err, CP_EUSAGE, "%s %s can be read by group or others (mode %03o); run: "
                   "chmod 600 %s", what, path, (unsigned)(mode & 0777), path);
}

int acmeini_read_csr(const char *path, struct csr_info *out, struct err *err)
{
    char *text = NULL, *what = NULL;
    size_t len = 0;
    mode_t mode = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ini_file_read(path, "CSR", 1 << 20, &text, &len, &mode, err);
    if (rc == CP_OK && (what = str_printf("CSR %s", path)) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK)
        rc = csr_read(text, len, what, out, err);
    free(what);
    free(text);
    return rc;
}
