/*
 * cloud/aliyun/ossxml.c — writing and reading OSS's XML (XML 1.0, the
 * subset OSS's replies use: a prolog, elements, text, the five predefined
 * entities and character references).
 */
#include "cloud/aliyun/ossxml.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"

#define NAME_MAX_LEN 128

struct parser {
    const char *s, *end;
    const char *what;
    size_t nodes;
    struct err *err;
};

int ossxml_element(struct buf *b, const char *name, const char *value)
{
    static const char *const esc[] = {['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;",
                                      ['\''] = "&apos;"};
    int rc = CP_OK;

    if (buf_append_str(b, "<") || buf_append_str(b, name) || buf_append_str(b, ">"))
        return CP_ENOMEM;
    for (const char *p = value; *p != '\0' && rc == CP_OK; p++) {
        unsigned char c = (unsigned char)*p;
        rc = c < sizeof(esc) / sizeof(esc[0]) && esc[c] != NULL ? buf_append_str(b, esc[c]) : buf_append(b, p, 1);
    }
    if (rc != CP_OK || buf_append_str(b, "</") || buf_append_str(b, name) || buf_append_str(b, ">"))
        return CP_ENOMEM;
    return CP_OK;
}

static int fail(struct parser *p, const char *why)
{
    return err_set(p->err, CP_EPROTO, "%s: the XML reply %s", p->what, why);
}

static void skip_space(struct parser *p)
{
    while (p->s < p->end && strchr(" \t\r\n", *p->s) != NULL)
        p->s++;
}

static bool at(const struct parser *p, const char *lit)
{
    size_t n = strlen(lit);

    return (size_t)(p->end - p->s) >= n && memcmp(p->s, lit, n) == 0;
}

static bool name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == ':';
}

/* An element name at p->s, malloc'd into *name. */
static int read_name(struct parser *p, char **name)
{
    const char *start = p->s;

    while (p->s < p->end && name_char(*p->s))
        p->s++;
    if (p->s == start || p->s - start > NAME_MAX_LEN)
        return fail(p, "has an element without a usable name");
    *name = str_printf("%.*s", (int)(p->s - start), start);
    return *name != NULL ? CP_OK : err_nomem(p->err);
}

/* UTF-8 of code point cp into out (4 bytes at most); its length, 0 for one XML does not allow. */
static size_t utf8(unsigned long cp, unsigned char *out)
{
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = {0, 0, 0xC0, 0xE0, 0xF0};

    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    for (size_t i = n - 1; i > 0; i--, cp >>= 6)
        out[i] = (unsigned char)(0x80 | (cp & 63));
    out[0] = (unsigned char)(n == 1 ? cp : (lead[n] | cp));
    return n;
}

/* "#123;" or "#x1F;" (after the '&'): the code point's UTF-8 appended to b. */
static int read_charref(struct parser *p, struct buf *b)
{
    char digits[12] = "", *stop = NULL;
    size_t avail = (size_t)(p->end - p->s), n;
    unsigned char u[4];
    bool hex = at(p, "#x");
    const char *first = digits + (hex ? 2 : 1);
    unsigned long cp;

    memcpy(digits, p->s, avail < sizeof(digits) - 1 ? avail : sizeof(digits) - 1);
    if (*first == '\0' || strchr(hex ? "0123456789abcdefABCDEF" : "0123456789", *first) == NULL)
        return fail(p, "has a bad character reference");
    cp = strtoul(first, &stop, hex ? 16 : 10);
    if (*stop != ';' || (n = utf8(cp, u)) == 0)
        return fail(p, "has a bad character reference");
    p->s += stop + 1 - digits;
    return buf_append(b, u, n) == CP_OK ? CP_OK : err_nomem(p->err);
}

/* One entity or character reference ("amp;" ... after the '&') appended to b. */
static int read_entity(struct parser *p, struct buf *b)
{
    static const char *const names[][2] = {{"amp;", "&"}, {"lt;", "<"}, {"gt;", ">"}, {"quot;", "\""},
                                           {"apos;", "'"}};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (at(p, names[i][0])) {
            p->s += strlen(names[i][0]);
            return buf_append_str(b, names[i][1]) == CP_OK ? CP_OK : err_nomem(p->err);
        }
    if (!at(p, "#"))
        return fail(p, "has an unknown entity");
    return read_charref(p, b);
}

/* Text up to the next '<', decoded, into *text. */
static int read_text(struct parser *p, char **text)
{
    struct buf b = BUF_INIT;
    int rc = CP_OK;

    while (rc == CP_OK && p->s < p->end && *p->s != '<') {
        if (*p->s == '&') {
            p->s++;
            rc = read_entity(p, &b);
        } else if (*p->s == '\0' || *p->s == '>') {
            rc = fail(p, "has a NUL or a stray '>' in its text");
        } else {
            rc = buf_append(&b, p->s++, 1) == CP_OK ? CP_OK : err_nomem(p->err);
        }
    }
    if (rc == CP_OK && buf_append_str(&b, "") != CP_OK)
        rc = err_nomem(p->err);
    if (rc != CP_OK) {
        buf_free(&b);
        return rc;
    }
    *text = buf_steal(&b);
    return CP_OK;
}

/* Attributes are skipped (OSS sends none we read); quotes are honoured so a '>' inside one is no end. */
static int skip_attributes(struct parser *p, bool *empty)
{
    char quote = 0;

    for (; p->s < p->end; p->s++) {
        if (quote != 0) {
            quote = *p->s == quote ? 0 : quote;
        } else if (*p->s == '"' || *p->s == '\'') {
            quote = *p->s;
        } else if (*p->s == '<') {
            break;
        } else if (*p->s == '>' || at(p, "/>")) {
            *empty = *p->s == '/';
            p->s += *empty ? 2 : 1;
            return CP_OK;
        }
    }
    return fail(p, "ends inside a start tag");
}

static int parse_element(struct parser *p, struct ossxml_node *n, int depth);

static int add_kid(struct parser *p, struct ossxml_node *n, int depth)
{
    struct ossxml_node *k = realloc(n->kids, (n->nkids + 1) * sizeof(*k));

    if (k == NULL)
        return err_nomem(p->err);
    n->kids = k;
    memset(&k[n->nkids], 0, sizeof(*k));
    n->nkids++;
    return parse_element(p, &k[n->nkids - 1], depth + 1);
}

/* What follows a start tag: text, or child elements (white space between them), then "</name>". */
static int parse_content(struct parser *p, struct ossxml_node *n, int depth)
{
    char *text = NULL;
    int rc = read_text(p, &text);

    while (rc == CP_OK && at(p, "<") && !at(p, "</")) {
        if (strspn(text, " \t\r\n") != strlen(text))
            rc = fail(p, "mixes text and elements");
        else if ((rc = add_kid(p, n, depth)) == CP_OK) {
            free(text);
            text = NULL;
            rc = read_text(p, &text);
        }
    }
    if (rc == CP_OK && n->nkids > 0 && strspn(text, " \t\r\n") != strlen(text))
        rc = fail(p, "mixes text and elements");
    if (rc == CP_OK && n->nkids > 0)
        text[0] = '\0';
    n->text = text;
    return rc;
}

static int end_tag(struct parser *p, const char *name)
{
    size_t len = strlen(name);

    if (!at(p, "</") || (size_t)(p->end - p->s) < len + 3 || memcmp(p->s + 2, name, len) != 0)
        return fail(p, "has a missing or mismatched end tag");
    p->s += 2 + len;
    skip_space(p);
    if (!at(p, ">"))
        return fail(p, "has a missing or mismatched end tag");
    p->s++;
    return CP_OK;
}

static int parse_element(struct parser *p, struct ossxml_node *n, int depth)
{
    bool empty = false;
    int rc;

    if (depth > OSSXML_MAX_DEPTH || ++p->nodes > OSSXML_MAX_NODES)
        return fail(p, "is nested too deeply or too large");
    if (at(p, "<!") || at(p, "<?"))
        return fail(p, "has a comment, CDATA, DOCTYPE or processing instruction");
    if (!at(p, "<"))
        return fail(p, "has no element where one should start");
    p->s++;
    if ((rc = read_name(p, &n->name)) != CP_OK || (rc = skip_attributes(p, &empty)) != CP_OK)
        return rc;
    if (empty) {
        n->text = str_dup("");
        return n->text != NULL ? CP_OK : err_nomem(p->err);
    }
    if ((rc = parse_content(p, n, depth)) != CP_OK)
        return rc;
    return end_tag(p, n->name);
}

/* "<?xml ...?>" once, at the start (after a UTF-8 byte order mark). */
static int skip_prolog(struct parser *p)
{
    const char *close;

    if (at(p, "\xEF\xBB\xBF"))
        p->s += 3;
    skip_space(p);
    if (!at(p, "<?xml"))
        return CP_OK;
    for (close = p->s; close + 1 < p->end && !(close[0] == '?' && close[1] == '>');)
        close++;
    if (close + 1 >= p->end)
        return fail(p, "has an unterminated XML declaration");
    p->s = close + 2;
    skip_space(p);
    return CP_OK;
}

int ossxml_parse(const char *xml, size_t len, const char *what, struct ossxml_node **root, struct err *err)
{
    struct parser p = {xml, xml + len, what, 0, err};
    struct ossxml_node *n = NULL;
    int rc;

    *root = NULL;
    if (len > OSSXML_MAX_SIZE)
        return fail(&p, "is too large");
    if ((rc = skip_prolog(&p)) != CP_OK)
        return rc;
    if ((n = calloc(1, sizeof(*n))) == NULL)
        return err_nomem(err);
    if ((rc = parse_element(&p, n, 0)) == CP_OK) {
        skip_space(&p);
        rc = p.s == p.end ? CP_OK : fail(&p, "has more after its root element");
    }
    if (rc != CP_OK) {
        ossxml_free(n);
        return rc;
    }
    *root = n;
    return CP_OK;
}

static void node_clear(struct ossxml_node *n)
{
    for (size_t i = 0; i < n->nkids; i++)
        node_clear(&n->kids[i]);
    free(n->kids);
    free(n->name);
    free(n->text);
}

void ossxml_free(struct ossxml_node *n)
{
    if (n == NULL)
        return;
    node_clear(n);
    free(n);
}

const struct ossxml_node *ossxml_child(const struct ossxml_node *n, const char *name)
{
    for (size_t i = 0; n != NULL && i < n->nkids; i++)
        if (strcmp(n->kids[i].name, name) == 0)
            return &n->kids[i];
    return NULL;
}

const char *ossxml_text(const struct ossxml_node *n, const char *name)
{
    const struct ossxml_node *k = ossxml_child(n, name);

    return k != NULL ? k->text : NULL;
}
