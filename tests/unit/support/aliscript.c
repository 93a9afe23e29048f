#include "support/aliscript.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/key.h"
#include "support/certs.h"
#include "util/buf.h"
#include "util/str.h"

void aliv_make(struct ali_version *v, const char *cert_name, const char *serial_hex)
{
    static const unsigned char serial[] = {0x0A, 0x1B};
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    size_t len = 0;

    memset(v, 0, sizeof(*v));
    assert_non_null(key);
    assert_int_equal(key_to_pem(key, &v->key, &len, NULL), CP_OK);
    assert_int_equal(key_to_pem_traditional(key, &v->trad, &v->trad_len, NULL), CP_OK);
    v->cert = test_make_cert(key, serial, sizeof(serial));
    v->fullchain = str_printf("%s%s", v->cert, v->cert);
    v->names[0] = cert_name;
    v->view = (struct deploy_cert){cert_name, v->names, 1, serial_hex, 1700000000, v->cert, v->cert,
                                   v->fullchain, v->key, len, NULL, NULL, NULL, NULL, NULL};
    EVP_PKEY_free(key);
}

void aliv_free(struct ali_version *v)
{
    secret_free(v->key, v->view.key_len);
    secret_free(v->trad, v->trad_len);
    free(v->cert);
    free(v->fullchain);
}

static char *header_value(const struct http_request *req, const char *name)
{
    size_t n = strlen(name);

    for (size_t k = 0; req->headers != NULL && req->headers[k] != NULL; k++)
        if (strncmp(req->headers[k], name, n) == 0 && req->headers[k][n] == ':')
            return strdup(req->headers[k] + n + 2);
    return NULL;
}

static int script_send(struct http_transport *t, const struct http_request *req, struct http_response *resp,
                       struct err *err)
{
    struct ali_script *s = (struct ali_script *)t;
    size_t i = s->next++;

    (void)err;
    assert_true(i < s->n);
    assert_string_equal(req->method, "POST");
    assert_null(strchr(req->url, '?'));  /* nothing in the URL, ever */
    s->url[i] = strdup(req->url);
    s->action[i] = header_value(req, "x-acs-action");
    s->body[i] = strndup(req->body, req->body_len);
    memset(resp, 0, sizeof(*resp));
    resp->status = s->status[i];
    assert_int_equal(buf_append_str(&resp->body, s->replies[i]), CP_OK);
    return CP_OK;
}

void alis_init(struct ali_script *s)
{
    memset(s, 0, sizeof(*s));
    s->t.send = script_send;
}

void alis_queue(struct ali_script *s, long status, json_t *reply)
{
    assert_true(s->n < ALIS_MAXREQ);
    s->status[s->n] = status;
    s->replies[s->n++] = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
}

void alis_queue_ok(struct ali_script *s)
{
    alis_queue(s, 200, json_pack("{s:s}", "RequestId", "R-OK"));
}

void alis_done(struct ali_script *s)
{
    for (size_t i = 0; i < ALIS_MAXREQ; i++) {
        free(s->replies[i]);
        free(s->url[i]);
        free(s->action[i]);
        free(s->body[i]);
    }
}

static char *decode(const char *q)
{
    struct buf b = BUF_INIT;

    for (; *q != '\0' && *q != '&'; q++) {
        char c = *q;
        if (c == '%') {
            unsigned x = 0;
            assert_int_equal(sscanf(q + 1, "%2x", &x), 1);
            c = (char)x;
            q += 2;
        }
        assert_int_equal(buf_append(&b, &c, 1), CP_OK);
    }
    assert_int_equal(buf_append(&b, "", 0), CP_OK);
    return buf_steal(&b);
}

char *alis_get(const struct ali_script *s, size_t i, const char *name)
{
    size_t n = strlen(name);

    assert_true(i < s->next);
    for (const char *p = s->body[i]; p != NULL && *p != '\0'; p = strchr(p, '&'), p = p ? p + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == '=')
            return decode(p + n + 1);
    return NULL;
}

void alis_request(const struct ali_script *s, size_t i, const char *url, const char *action)
{
    assert_true(i < s->next);
    assert_string_equal(s->url[i], url);
    assert_string_equal(s->action[i], action);
}

void alis_param(const struct ali_script *s, size_t i, const char *name, const char *want)
{
    char *got = alis_get(s, i, name);

    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

void alis_absent(const struct ali_script *s, size_t i, const char *name)
{
    char *got = alis_get(s, i, name);

    assert_null(got);
}

void alis_set_creds(void)
{
    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "AKID", 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "the-secret-value", 1);
    unsetenv("ALIBABA_CLOUD_SECURITY_TOKEN");
}

struct deploy_target *alis_build(const char *spec, struct ali_script *s, struct err *err)
{
    struct deploy_opts o = {NULL, NULL, s != NULL ? &s->t : NULL};
    struct deploy_spec sp = {0};
    struct deploy_target *t = NULL;

    if (deploy_spec_parse(spec, &sp, err) == CP_OK)
        t = deploy_target_new(sp.type, &sp.settings, &o, err);
    deploy_spec_free(&sp);
    return t;
}

void alis_expect_error(const char *spec, int code, const char *msg)
{
    struct err err = {0};

    alis_set_creds();
    assert_null(alis_build(spec, NULL, &err));
    assert_string_equal(err.msg, msg);
    assert_int_equal(err.code, code);
}
