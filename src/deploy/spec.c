/*
 * deploy/spec — the compact form of a target, one argument such as
 * "pkcs12:/srv/site.pfx:legacy,password_env=PFX_PASS" (grammar in
 * deploy/target.h). It only splits the text into a type and settings; the
 * target checks the settings when it is built.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/common.h"
#include "util/buf.h"

/* The first c in [p, end) not escaped by a backslash, or NULL. */
static const char *find_plain(const char *p, const char *end, char c)
{
    for (; p < end; p++) {
        if (*p == '\\' && p + 1 < end)
            p++;
        else if (*p == c)
            return p;
    }
    return NULL;
}

/* The last c in [p, end) not escaped by a backslash, or NULL. */
static const char *find_plain_last(const char *p, const char *end, char c)
{
    const char *last = NULL, *q = p;

    while ((q = find_plain(q, end, c)) != NULL)
        last = q++;
    return last;
}

/* [p, end) with escapes removed, malloc'd (NULL: no memory). */
static char *unescape(const char *p, const char *end)
{
    struct buf b = BUF_INIT;

    if (buf_append(&b, "", 0) != CP_OK)
        return NULL;
    for (; p < end; p++) {
        if (*p == '\\' && p + 1 < end)
            p++;
        if (buf_append(&b, p, 1) != CP_OK) {
            buf_free(&b);
            return NULL;
        }
    }
    return buf_steal(&b);
}

/* Does the text end with a backslash that escapes nothing? */
static bool ends_with_escape(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p == '\\' && ++p == end)
            return true;
    return false;
}

static int add(struct deploy_spec *s, char *key, char *value, struct err *err)
{
    struct kv *n = realloc(s->items, (s->n + 1) * sizeof(*n));

    if (key == NULL || value == NULL || n == NULL) {
        free(key);
        free(value);
        return err_nomem(err);
    }
    s->items = n;
    s->items[s->n].key = key;
    s->items[s->n++].value = value;
    return CP_OK;
}

static bool is_flag(const struct deploy_type *t, const char *w)
{
    for (size_t i = 0; t->flags != NULL && t->flags[i] != NULL; i++)
        if (strcmp(t->flags[i], w) == 0)
            return true;
    return false;
}

/* A setting name: [a-z0-9_]+, written without escapes. */
static bool is_key(const char *p, const char *end)
{
    if (p == end)
        return false;
    for (; p < end; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

/* "value:flag:flag": the flags go in as flag=yes, *end moves before them. */
static int strip_flags(const struct deploy_type *t, struct deploy_spec *s, const char *p,
                       const char **end, struct err *err)
{
    const char *colon;
    int rc = CP_OK;

    while (rc == CP_OK && (colon = find_plain_last(p, *end, ':')) != NULL) {
        char *w = unescape(colon + 1, *end);
        if (w == NULL || !is_flag(t, w)) {
            free(w);
            break;
        }
        rc = add(s, w, strdup("yes"), err);
        *end = colon;
    }
    return rc;
}

/* A bare value: a flag, or the type's primary setting (once, unless it repeats). */
static int bare_item(const struct deploy_type *t, struct deploy_spec *s, const char *p,
                     const char *end, struct err *err)
{
    char *w = unescape(p, end);
    int rc;

    if (w != NULL && is_flag(t, w))
        return add(s, w, strdup("yes"), err);
    free(w);
    if (t->primary == NULL)
        return err_set(err, CP_EUSAGE, "deploy target %s: \"%.*s\" is not key=value", t->name,
                       (int)(end - p), p);
    if (!t->primary_repeats && kv_get(&(struct kvlist){s->items, s->n}, t->primary) != NULL)
        return err_set(err, CP_EUSAGE, "deploy target %s: %s is given twice", t->name, t->primary);
    if ((rc = strip_flags(t, s, p, &end, err)) != CP_OK)
        return rc;
    return add(s, strdup(t->primary), unescape(p, end), err);
}

static int item(const struct deploy_type *t, struct deploy_spec *s, const char *p, const char *end,
                struct err *err)
{
    const char *eq = find_plain(p, end, '=');

    if (p == end)
        return err_set(err, CP_EUSAGE, "deploy target %s: an empty setting (two commas?)", t->name);
    if (eq == NULL || !is_key(p, eq))
        return bare_item(t, s, p, end, err);
    return add(s, strndup(p, (size_t)(eq - p)), unescape(eq + 1, end), err);
}

static int parse_body(const struct deploy_type *t, const char *body, struct deploy_spec *out,
                      struct err *err)
{
    const char *end = body + strlen(body), *p = body;
    int rc = CP_OK;

    if (ends_with_escape(body, end))
        return err_set(err, CP_EUSAGE, "deploy target %s: the text ends with a backslash", t->name);
    while (rc == CP_OK) {
        const char *comma = find_plain(p, end, ',');
        rc = item(t, out, p, comma ? comma : end, err);
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return rc;
}

int deploy_spec_parse(const char *spec, struct deploy_spec *out, struct err *err)
{
    const char *colon = strchr(spec, ':');
    const struct deploy_type *t;
    int rc;

    memset(out, 0, sizeof(*out));
    out->type = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
    if (out->type == NULL)
        return err_nomem(err);
    if ((t = deploy_type_find(out->type)) == NULL) {
        rc = deploy_unknown_type(out->type, err);
        deploy_spec_free(out);
        return rc;
    }
    rc = colon != NULL ? parse_body(t, colon + 1, out, err) : CP_OK;
    if (rc != CP_OK) {
        deploy_spec_free(out);
        return rc;
    }
    out->settings.items = out->items;
    out->settings.n = out->n;
    return CP_OK;
}

void deploy_spec_free(struct deploy_spec *s)
{
    for (size_t i = 0; s != NULL && i < s->n; i++) {
        free((char *)s->items[i].key);
        free((char *)s->items[i].value);
    }
    if (s != NULL) {
        free(s->items);
        free(s->type);
        memset(s, 0, sizeof(*s));
    }
}

int deploy_spec_from(const char *type, const struct kvlist *settings, struct deploy_spec *out,
                     struct err *err)
{
    int rc = CP_OK;

    memset(out, 0, sizeof(*out));
    if (deploy_type_find(type) == NULL)
        return deploy_unknown_type(type, err);
    if ((out->type = strdup(type)) == NULL)
        return err_nomem(err);
    for (size_t i = 0; rc == CP_OK && i < settings->n; i++)
        rc = add(out, strdup(settings->items[i].key), strdup(settings->items[i].value), err);
    if (rc != CP_OK) {
        deploy_spec_free(out);
        return rc;
    }
    out->settings = (struct kvlist){out->items, out->n};
    return CP_OK;
}

/* Append s to b with the characters the grammar gives a meaning escaped. */
static int append_escaped(struct buf *b, const char *s)
{
    int rc = CP_OK;

    for (; rc == CP_OK && *s != '\0'; s++) {
        if (strchr("\\,:=", *s) != NULL)
            rc = buf_append(b, "\\", 1);
        if (rc == CP_OK)
            rc = buf_append(b, s, 1);
    }
    return rc;
}

char *deploy_spec_format(const char *type, const struct kvlist *settings)
{
    struct buf b = BUF_INIT;
    int rc = buf_append_str(&b, type);

    for (size_t i = 0; rc == CP_OK && i < settings->n; i++) {
        rc = buf_append_str(&b, i == 0 ? ":" : ",");
        if (rc == CP_OK)
            rc = buf_append_str(&b, settings->items[i].key);
        if (rc == CP_OK)
            rc = buf_append_str(&b, "=");
        if (rc == CP_OK)
            rc = append_escaped(&b, settings->items[i].value);
    }
    if (rc != CP_OK) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

/* Words of a setting whose value would be the secret itself; a name of where one is kept
 * (password_file, password_env, access_key_id) is not. */
bool deploy_setting_secret(const char *key)
{
    static const char *const words[] = {"pass", "secret", "token", "private", "pem", NULL};
    static const char *const where[] = {"_file", "_env", "_id", NULL};
    size_t n = strlen(key);

    for (size_t i = 0; where[i] != NULL; i++)
        if (n > strlen(where[i]) && strcmp(key + n - strlen(where[i]), where[i]) == 0)
            return false;
    for (size_t i = 0; words[i] != NULL; i++)
        if (strstr(key, words[i]) != NULL)
            return true;
    return false;
}
