#include "support/script.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jose/b64url.h"

static void add_header(struct http_response *r, const char *name, const char *value)
{
    struct http_header *h;

    if (value == NULL)
        return;
    h = realloc(r->headers, (r->nheaders + 1) * sizeof(*h));
    assert_non_null(h);
    r->headers = h;
    h[r->nheaders].name = strdup(name);
    h[r->nheaders].value = strdup(value);
    r->nheaders++;
}

static int script_send(struct http_transport *t, const struct http_request *req,
                       struct http_response *resp, struct err *err)
{
    struct script *s = (struct script *)t;
    const struct canned *c;
    size_t i = s->next++;

    assert_true(i < s->n && i < SCRIPT_MAX);
    c = &s->replies[i];
    if (c->expect_url != NULL)
        assert_string_equal(req->url, c->expect_url);
    s->sent_method[i] = strdup(req->method);
    s->sent_url[i] = strdup(req->url);
    s->sent_body[i] = req->body ? strndup(req->body, req->body_len) : NULL;
    memset(resp, 0, sizeof(*resp));
    if (c->status == SCRIPT_BROKEN) {
        resp->broken = true;
        return err_set(err, CP_ENET, "%s %s: connection reset", req->method, req->url);
    }
    resp->status = c->status;
    add_header(resp, "Content-Type", c->content_type);
    add_header(resp, "Replay-Nonce", c->nonce);
    add_header(resp, "Location", c->location);
    add_header(resp, "Retry-After", c->retry_after);
    add_header(resp, "Link", c->link);
    if (c->body != NULL)
        assert_int_equal(buf_append_str(&resp->body, c->body), CP_OK);
    return CP_OK;
}

static void script_free_transport(struct http_transport *t)
{
    (void)t;
}

static void script_sleep(void *ud, long ms)
{
    ((struct script *)ud)->slept_ms += ms;
}

static long long script_now(void *ud)
{
    return ((struct script *)ud)->slept_ms;
}

struct acme_client *script_client(struct script *s, const char *dir_url, const struct canned *replies,
                                  size_t n, struct err *err)
{
    struct acme_client_opts o = {.directory_url = dir_url, .transport = &s->t,
                                 .sleep_ms = script_sleep,
                                 .now_ms = script_now, .sleep_ud = s};

    memset(s, 0, sizeof(*s));
    s->t.send = script_send;
    s->t.free = script_free_transport;
    s->replies = replies;
    s->n = n;
    return acme_client_new(&o, err);
}

void script_done(struct script *s)
{
    for (size_t i = 0; i < s->next && i < SCRIPT_MAX; i++) {
        free(s->sent_method[i]);
        free(s->sent_url[i]);
        free(s->sent_body[i]);
    }
}

static json_t *decode_member(const struct script *s, size_t i, const char *member)
{
    json_t *jws = json_loads(s->sent_body[i], 0, NULL), *out = NULL;
    const char *v = json_string_value(json_object_get(jws, member));
    unsigned char *raw = NULL;
    size_t len = 0;

    assert_non_null(v);
    assert_int_equal(b64url_decode(v, strlen(v), &raw, &len), CP_OK);
    if (len > 0)
        out = json_loadb((char *)raw, len, 0, NULL);
    json_decref(jws);
    free(raw);
    return out;
}

json_t *script_payload(const struct script *s, size_t i)
{
    return decode_member(s, i, "payload");
}

char *script_protected(const struct script *s, size_t i, const char *member)
{
    json_t *hdr = decode_member(s, i, "protected");
    const char *v = json_string_value(json_object_get(hdr, member));
    char *out = v ? strdup(v) : NULL;

    json_decref(hdr);
    return out;
}
