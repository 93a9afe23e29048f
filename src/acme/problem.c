#include "acme/problem.h"

#include <stdio.h>
#include <string.h>

const char *acme_problem_short_type(const json_t *doc)
{
    const char *type = json_string_value(json_object_get(doc, "type"));

    if (type != NULL && strncmp(type, ACME_ERR_PREFIX, strlen(ACME_ERR_PREFIX)) == 0)
        return type + strlen(ACME_ERR_PREFIX);
    return type;
}

bool acme_problem_is(const json_t *doc, const char *short_type)
{
    const char *type = acme_problem_short_type(doc);

    return type != NULL && strcmp(type, short_type) == 0;
}

/* Append "type: detail" of one (sub)problem to buf at *off. */
static void append_one(const json_t *p, char *buf, size_t len, size_t *off)
{
    const char *type = acme_problem_short_type(p);
    const char *detail = json_string_value(json_object_get(p, "detail"));
    int n;

    if (*off >= len)
        return;
    n = snprintf(buf + *off, len - *off, "%s%s%s", type ? type : "unknown problem",
                 detail && *detail ? ": " : "", detail ? detail : "");
    if (n > 0)
        *off += (size_t)n;
}

/* RFC 8555 §6.7.1: subproblems carry the identifier they are about. */
static void append_subproblems(const json_t *subs, char *buf, size_t len, size_t *off)
{
    size_t i;
    json_t *sp;
    int n;

    json_array_foreach(subs, i, sp) {
        const json_t *id = json_object_get(sp, "identifier");
        const char *val = json_string_value(json_object_get(id, "value"));
        if (*off >= len)
            return;
        n = snprintf(buf + *off, len - *off, "%s%s%s", i == 0 ? " [" : "; ",
                     val ? val : "?", ": ");
        if (n > 0)
            *off += (size_t)n;
        append_one(sp, buf, len, off);
    }
    if (json_array_size(subs) > 0 && *off < len) {
        n = snprintf(buf + *off, len - *off, "]");
        if (n > 0)
            *off += (size_t)n;
    }
}

void acme_problem_format(const json_t *doc, char *buf, size_t len)
{
    size_t off = 0;

    if (len == 0)
        return;
    buf[0] = '\0';
    if (!json_is_object(doc)) {
        snprintf(buf, len, "no problem document");
        return;
    }
    append_one(doc, buf, len, &off);
    append_subproblems(json_object_get(doc, "subproblems"), buf, len, &off);
}

int acme_problem_err(struct err *err, const json_t *doc, const char *what)
{
    char text[768];

    acme_problem_format(doc, text, sizeof(text));
    return err_set(err, CP_EACME, "%s: %s", what, text);
}
