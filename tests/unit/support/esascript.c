#include "support/esascript.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"

static char *header(const struct http_request *req, const char *name)
{
    size_t n = strlen(name);

    for (size_t k = 0; req->headers != NULL && req->headers[k] != NULL; k++)
        if (strncmp(req->headers[k], name, n) == 0 && req->headers[k][n] == ':')
            return strdup(req->headers[k] + n + 2);
    return NULL;
}

static int esas_send(struct http_transport *t, const struct http_request *req, struct http_response *resp,
                     struct err *err)
{
    struct esa_script *s = (struct esa_script *)t;
    size_t i = s->next++;
    const char *q = strchr(req->url, '?');

    (void)err;
    assert_true(i < s->n);
    s->method[i] = strdup(req->method);
    s->action[i] = header(req, "x-acs-action");
    if (strcmp(req->method, "POST") == 0) {
        assert_null(q);  /* a POST carries everything in its form body */
        s->params[i] = strndup(req->body, req->body_len);
    } else {
        assert_int_equal(req->body_len, 0);
        s->params[i] = strdup(q != NULL ? q + 1 : "");
    }
    memset(resp, 0, sizeof(*resp));
    resp->status = s->status[i];
    assert_int_equal(buf_append_str(&resp->body, s->replies[i]), CP_OK);
    return CP_OK;
}

void esas_init(struct esa_script *s)
{
    memset(s, 0, sizeof(*s));
    s->t.send = esas_send;
}

void esas_queue(struct esa_script *s, long status, json_t *reply)
{
    assert_true(s->n < ESAS_MAX);
    s->status[s->n] = status;
    s->replies[s->n++] = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
}

void esas_done(struct esa_script *s)
{
    for (size_t i = 0; i < ESAS_MAX; i++) {
        free(s->replies[i]);
        free(s->method[i]);
        free(s->action[i]);
        free(s->params[i]);
    }
}

/* The decoded value of name in a query or form text (malloc'd), or NULL. */
static char *get(const char *text, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = text; p != NULL && *p != '\0'; p = strchr(p, '&'), p = p ? p + 1 : NULL) {
        if (strncmp(p, name, n) != 0 || p[n] != '=')
            continue;
        struct buf b = BUF_INIT;
        for (const char *q = p + n + 1; *q != '\0' && *q != '&'; q++) {
            char c = *q;
            unsigned x = 0;
            if (c == '%') {
                assert_int_equal(sscanf(q + 1, "%2x", &x), 1);
                c = (char)x;
                q += 2;
            }
            assert_int_equal(buf_append(&b, &c, 1), CP_OK);
        }
        assert_int_equal(buf_append(&b, "", 0), CP_OK);
        return buf_steal(&b);
    }
    return NULL;
}

void esas_request(const struct esa_script *s, size_t i, const char *method, const char *action)
{
    assert_true(i < s->next);
    assert_string_equal(s->method[i], method);
    assert_string_equal(s->action[i], action);
}

void esas_param(const struct esa_script *s, size_t i, const char *name, const char *want)
{
    char *got = get(s->params[i], name);

    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

void esas_absent(const struct esa_script *s, size_t i, const char *name)
{
    char *got = get(s->params[i], name);

    assert_null(got);
}
