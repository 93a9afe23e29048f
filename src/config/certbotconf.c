/*
 * config/certbotconf — certbot's renewal files, configobj syntax (see the header).
 * One line at a time: a comment, a [section] / [[subsection]] header, or key = value.
 */
#include <stdlib.h>
#include <string.h>

#include "config/certbotconf.h"
#include "util/str.h"

#define MAX_LINE 4096
#define MAX_SECTIONS 64

struct parser {
    const char *path;
    int line;
    char *top;                     /* the current [section], or NULL at the top level */
    const char *section;           /* "", "top" or "top/sub" */
    char *seen[MAX_SECTIONS];      /* every header so far, as section paths */
    size_t nseen;
    struct certbot_conf *out;
    struct err *err;
};

static int fail(struct parser *p, const char *what)
{
    return err_set(p->err, CP_EUSAGE, "%s:%d: %s", p->path, p->line, what);
}

static const char *skip_blank(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Only blanks or a comment may follow a header or a value. */
static bool at_end(const char *s)
{
    s = skip_blank(s);
    return *s == '\0' || *s == '#';
}

static char *trimmed(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return strndup(s, n);
}

static int enter_section(struct parser *p, char *name, int depth)
{
    char *path = depth == 1 ? str_dup(name) : str_printf("%s/%s", p->top, name);

    for (size_t i = 0; path != NULL && i < p->nseen; i++)
        if (strcmp(p->seen[i], path) == 0) {
            free(path);
            return fail(p, "this section is given twice");
        }
    if (path == NULL || p->nseen == MAX_SECTIONS) {
        free(path);
        return path == NULL ? err_nomem(p->err) : fail(p, "too many sections");
    }
    p->seen[p->nseen++] = path;
    p->section = path;
    if (depth == 1)
        p->top = path;
    return CP_OK;
}

/* "[name]" or "[[name]]" (a subsection of the [section] before it). */
static int parse_header(struct parser *p, const char *s)
{
    size_t depth = strspn(s, "["), n;
    const char *name = skip_blank(s + depth);
    char *copy = NULL;
    int rc;

    if (depth > 2)
        return fail(p, "sections nest deeper than certbot writes them ([[[...]]])");
    if (depth == 2 && p->top == NULL)
        return fail(p, "a [[subsection]] before any [section]");
    n = strcspn(name, "[]");
    if (name[n] != ']' || strspn(name + n, "]") != depth || !at_end(name + n + depth))
        return fail(p, "a section header must be [name] or [[name]] alone on its line");
    if ((copy = trimmed(name, n)) == NULL)
        return err_nomem(p->err);
    rc = copy[0] == '\0' ? fail(p, "a section header without a name") : enter_section(p, copy, (int)depth);
    free(copy);
    return rc;
}

static void item_free(struct certbot_item *it)
{
    for (size_t j = 0; j < it->nvalues; j++)
        free(it->values[j]);
    free(it->values);
    free(it->section);
    free(it->key);
}

static int add_value(struct parser *p, struct certbot_item *it, char *v)
{
    char **grown = v ? realloc(it->values, (it->nvalues + 1) * sizeof(char *)) : NULL;

    if (grown == NULL) {
        free(v);
        return err_nomem(p->err);
    }
    it->values = grown;
    it->values[it->nvalues++] = v;
    return CP_OK;
}

/* One item at *s: quoted ('', "", ''' ''', """ """) or bare (up to ',' or '#'); *s moves past it. */
static int parse_one(struct parser *p, const char **s, struct certbot_item *it)
{
    const char *v = *s, *end;
    size_t q = 0;

    if (*v == '\'' || *v == '"')
        q = strncmp(v, *v == '"' ? "\"\"\"" : "'''", 3) == 0 ? 3 : 1;
    if (q == 0) {
        end = v + strcspn(v, ",#");
        *s = end;
        return add_value(p, it, trimmed(v, (size_t)(end - v)));
    }
    end = strstr(v + q, q == 3 ? (*v == '"' ? "\"\"\"" : "'''") : (*v == '"' ? "\"" : "'"));
    if (end == NULL)
        return fail(p, q == 3 ? "multi-line values are not supported" : "a quoted value is not closed");
    *s = end + q;
    return add_value(p, it, strndup(v + q, (size_t)(end - v - q)));
}

/* A scalar, or a list: "a, b", "a," (one item), "," (none). */
static int parse_value(struct parser *p, const char *s, struct certbot_item *it)
{
    int rc;

    s = skip_blank(s);
    if (*s == ',')
        return at_end(s + 1) ? (it->list = true, CP_OK) : fail(p, "a list that starts with ','");
    while ((rc = parse_one(p, &s, it)) == CP_OK) {
        s = skip_blank(s);
        if (*s != ',')
            return at_end(s) ? CP_OK : fail(p, "text after a quoted value");
        it->list = true;
        s = skip_blank(s + 1);
        if (at_end(s))
            return CP_OK;
        if (*s == ',')
            return fail(p, "an empty item in a list");
    }
    return rc;
}

static int parse_item(struct parser *p, const char *s)
{
    const char *eq = strchr(s, '=');
    struct certbot_item it = {.line = p->line}, *grown;
    int rc;

    if (eq == NULL || eq == s)
        return fail(p, "not \"key = value\", a [section] or a comment");
    if ((it.key = trimmed(s, (size_t)(eq - s))) == NULL || (it.section = str_dup(p->section)) == NULL)
        rc = err_nomem(p->err);
    else if (certbot_conf_get(p->out, it.section, it.key) != NULL)
        rc = err_set(p->err, CP_EUSAGE, "%s:%d: \"%s\" is given twice", p->path, p->line, it.key);
    else
        rc = parse_value(p, eq + 1, &it);
    grown = rc == CP_OK ? realloc(p->out->items, (p->out->n + 1) * sizeof(it)) : NULL;
    if (rc == CP_OK && grown == NULL)
        rc = err_nomem(p->err);
    if (rc == CP_OK) {
        p->out->items = grown;
        p->out->items[p->out->n++] = it;
        return CP_OK;
    }
    item_free(&it);
    return rc;
}

static int parse_line(struct parser *p, const char *line)
{
    const char *s = skip_blank(line);

    if (*s == '\0' || *s == '#')
        return CP_OK;
    if (*s == '[')
        return parse_header(p, s);
    return parse_item(p, s);
}

/* The next line of text into buf (no '\r\n'); NULL at the end. */
static const char *next_line(struct parser *p, const char **cur, const char *end, char *buf, int *rc)
{
    const char *nl;
    size_t n;

    if (*cur >= end)
        return NULL;
    nl = memchr(*cur, '\n', (size_t)(end - *cur));
    n = (size_t)((nl ? nl : end) - *cur);
    p->line++;
    if (n >= MAX_LINE || memchr(*cur, '\0', n) != NULL) {
        *rc = fail(p, n >= MAX_LINE ? "the line is too long" : "the line holds a NUL byte");
        return NULL;
    }
    memcpy(buf, *cur, n);
    buf[n > 0 && buf[n - 1] == '\r' ? n - 1 : n] = '\0';
    *cur += n + (nl != NULL);
    return buf;
}

int certbot_conf_parse(const char *text, size_t len, const char *path, struct certbot_conf *out,
                       struct err *err)
{
    struct parser p = {.path = path, .section = "", .out = out, .err = err};
    const char *cur = text, *line;
    char *buf = malloc(MAX_LINE);
    int rc = buf ? CP_OK : err_nomem(err);

    memset(out, 0, sizeof(*out));
    if (rc == CP_OK && len > CERTBOT_CONF_MAX)
        rc = err_set(err, CP_EUSAGE, "%s: larger than %d bytes", path, CERTBOT_CONF_MAX);
    while (rc == CP_OK && (line = next_line(&p, &cur, text + len, buf, &rc)) != NULL)
        rc = parse_line(&p, line);
    for (size_t i = 0; i < p.nseen; i++)
        free(p.seen[i]);
    free(buf);
    return rc;
}

void certbot_conf_free(struct certbot_conf *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++)
        item_free(&c->items[i]);
    free(c->items);
    memset(c, 0, sizeof(*c));
}

const struct certbot_item *certbot_conf_get(const struct certbot_conf *c, const char *section,
                                            const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->items[i].section, section) == 0 && strcmp(c->items[i].key, key) == 0)
            return &c->items[i];
    return NULL;
}

const char *certbot_conf_value(const struct certbot_conf *c, const char *section, const char *key)
{
    const struct certbot_item *it = certbot_conf_get(c, section, key);

    return it != NULL && !it->list && it->nvalues == 1 ? it->values[0] : NULL;
}
