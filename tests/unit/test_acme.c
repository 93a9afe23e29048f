/*
 * Offline tests of the ACME engine: a scripted transport answers each
 * request from a list and records what was sent, so nonce handling,
 * badNonce retries, Retry-After, problem documents and the directory are
 * checked without a server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme/account.h"
#include "acme/authz.h"
#include "acme/client.h"
#include "acme/problem.h"
#include "crypto/key.h"
#include "jose/b64url.h"
#include "util/str.h"
#include "support/script.h"

#define DIR_URL "https://ca.test/dir"
#define DIRECTORY                                                                        \
    "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\","   \
    "\"newOrder\":\"https://ca.test/order\",\"revokeCert\":\"https://ca.test/revoke\","   \
    "\"keyChange\":\"https://ca.test/kc\",\"renewalInfo\":\"https://ca.test/ari\","       \
    "\"unknownField\":{\"x\":1},"                                                         \
    "\"meta\":{\"termsOfService\":\"https://ca.test/tos\",\"profiles\":{\"classic\":\"x\"}}}"

static const struct canned dir_reply = {200, "application/json", NULL, NULL, NULL, DIRECTORY};

static void test_directory(void **state)
{
    struct script s;
    struct err err = {0};
    const struct canned r[] = {dir_reply};
    struct acme_client *c = script_client(&s, DIR_URL, r, 1, &err);
    const struct acme_directory *d;

    (void)state;
    assert_non_null(c);
    d = acme_client_directory(c);
    assert_string_equal(d->new_order, "https://ca.test/order");
    assert_string_equal(d->renewal_info, "https://ca.test/ari");
    assert_string_equal(d->terms_of_service, "https://ca.test/tos");
    assert_non_null(json_object_get(d->profiles, "classic"));
    assert_false(d->eab_required);
    acme_client_free(c);
    script_done(&s);
}

/* A second client of the run reuses the first one's directory: no request. */
static void test_directory_reused(void **state)
{
    struct script s;
    struct err err = {0};
    const struct canned r[] = {dir_reply};
    struct acme_client *first = script_client(&s, DIR_URL, r, 1, &err), *second;
    struct acme_client_opts o = {.directory_url = DIR_URL, .transport = &s.t};
    char *text;

    (void)state;
    assert_non_null(first);
    assert_non_null(text = acme_client_directory_text(first));
    o.directory_json = text;
    assert_non_null(second = acme_client_new(&o, &err));
    assert_int_equal(s.next, 1);  /* only the first client's GET */
    assert_string_equal(acme_client_directory(second)->new_order, "https://ca.test/order");
    assert_string_equal(acme_client_directory(second)->terms_of_service, "https://ca.test/tos");
    acme_client_free(second);
    /* a kept copy that is not a directory is refused like a fetched one */
    o.directory_json = "[1]";
    assert_null(acme_client_new(&o, &err));
    assert_int_equal(err.code, CP_EPROTO);
    assert_non_null(strstr(err.msg, "not a JSON object"));
    o.directory_json = "{\"newNonce\":\"https://ca.test/n\"}";
    assert_null(acme_client_new(&o, &err));
    assert_non_null(strstr(err.msg, "newAccount"));
    free(text);
    acme_client_free(first);
    script_done(&s);
}

static void test_directory_missing_new_order(void **state)
{
    struct script s;
    struct err err = {0};
    const struct canned r[] = {{200, "application/json", NULL, NULL, NULL,
                                "{\"newNonce\":\"https://ca.test/n\",\"newAccount\":\"https://ca.test/a\"}"}};

    (void)state;
    assert_null(script_client(&s, DIR_URL, r, 1, &err));
    assert_int_equal(err.code, CP_EPROTO);
    assert_non_null(strstr(err.msg, "newOrder"));
    script_done(&s);
}

static void test_directory_not_json(void **state)
{
    struct script s;
    struct err err = {0};
    const struct canned r[] = {{200, "application/json", NULL, NULL, NULL, "<html>"}};

    (void)state;
    assert_null(script_client(&s, DIR_URL, r, 1, &err));
    assert_int_equal(err.code, CP_EPROTO);
    assert_non_null(strstr(err.msg, DIR_URL));
    script_done(&s);
}

/* A client on a script, with an account key and (kid != NULL) an account URL. */
struct fx {
    struct script s;
    struct acme_client *c;
    EVP_PKEY *key;
    struct jws_signer *sg;
};

static void fx_open(struct fx *f, const struct canned *r, size_t n, const char *kid)
{
    struct err err = {0};

    f->c = script_client(&f->s, DIR_URL, r, n, &err);
    assert_non_null(f->c);
    f->key = key_generate(KEY_EC_P256, &err);
    assert_non_null(f->key);
    f->sg = jws_signer_new(f->key, &err);
    assert_non_null(f->sg);
    assert_int_equal(acme_client_set_account(f->c, f->sg, kid), CP_OK);
}

static void fx_close(struct fx *f)
{
    acme_client_free(f->c);
    jws_signer_free(f->sg);
    EVP_PKEY_free(f->key);
    script_done(&f->s);
}

#define KID "https://ca.test/acct/1"

/* newNonce only when none is held; each reply's nonce is used for the next request. */
static void test_nonce_reuse(void **state)
{
    struct fx f;
    struct err err = {0};
    const struct canned r[] = {
        dir_reply,
        {200, NULL, "n1", NULL, NULL, NULL},
        {200, "application/json", "n2", NULL, NULL, "{}"},
        {200, "application/json", "n3", NULL, NULL, "{}"},
    };
    struct acme_reply rep;
    char *n;

    (void)state;
    fx_open(&f, r, 4, KID);
    assert_int_equal(acme_post(f.c, "https://ca.test/x", NULL, &rep, &err), CP_OK);
    acme_reply_free(&rep);
    assert_int_equal(acme_post(f.c, "https://ca.test/y", NULL, &rep, &err), CP_OK);
    acme_reply_free(&rep);
    assert_string_equal(f.s.sent_method[1], "HEAD");
    assert_string_equal(f.s.sent_url[1], "https://ca.test/nonce");
    n = script_protected(&f.s, 2, "nonce");
    assert_string_equal(n, "n1");
    free(n);
    n = script_protected(&f.s, 3, "nonce");
    assert_string_equal(n, "n2");
    free(n);
    assert_int_equal(f.s.next, 4);
    fx_close(&f);
}

#define BAD_NONCE "{\"type\":\"urn:ietf:params:acme:error:badNonce\",\"detail\":\"stale\"}"

/* RFC 8555 §6.5: a badNonce answer is retried with the nonce it carried. */
static void test_bad_nonce_retry(void **state)
{
    struct fx f;
    struct err err = {0};
    const struct canned r[] = {
        dir_reply,
        {200, NULL, "n1", NULL, NULL, NULL},
        {400, "application/problem+json", "fresh", NULL, NULL, BAD_NONCE},
        {200, "application/json", "n3", NULL, NULL, "{\"ok\":true}"},
    };
    struct acme_reply rep;
    char *n;

    (void)state;
    fx_open(&f, r, 4, KID);
    assert_int_equal(acme_post(f.c, "https://ca.test/x", NULL, &rep, &err), CP_OK);
    assert_true(json_is_true(json_object_get(rep.json, "ok")));
    acme_reply_free(&rep);
    n = script_protected(&f.s, 3, "nonce");
    assert_string_equal(n, "fresh");
    free(n);
    fx_close(&f);
}

/* The retries are bounded: a CA that always says badNonce ends in CP_EACME. */
static void test_bad_nonce_bounded(void **state)
{
    struct fx f;
    struct err err = {0};
    struct canned r[13] = {dir_reply, {200, NULL, "n1", NULL, NULL, NULL}};
    struct acme_reply rep;

    (void)state;
    for (size_t i = 2; i < 13; i++)
        r[i] = (struct canned){400, "application/problem+json", "nx", NULL, NULL, BAD_NONCE};
    fx_open(&f, r, 13, KID);
    assert_int_equal(acme_post(f.c, "https://ca.test/x", NULL, &rep, &err), CP_EACME);
    assert_non_null(strstr(err.msg, "badNonce: stale"));
    assert_int_equal(f.s.next, 13);  /* 1 try + 10 retries */
    acme_reply_free(&rep);
    fx_close(&f);
}

/* 503 with Retry-After is waited out (through the sleep hook) and retried. */
static void test_retry_after(void **state)
{
    struct fx f;
    struct err err = {0};
    const struct canned r[] = {
        dir_reply,
        {200, NULL, "n1", NULL, NULL, NULL},
        {503, "application/problem+json", "n2", NULL, "7",
         "{\"type\":\"urn:ietf:params:acme:error:rateLimited\",\"detail\":\"slow down\"}"},
        {200, "application/json", "n3", NULL, NULL, "{}"},
    };
    struct acme_reply rep;

    (void)state;
    fx_open(&f, r, 4, KID);
    assert_int_equal(acme_post(f.c, "https://ca.test/x", NULL, &rep, &err), CP_OK);
    assert_int_equal(f.s.slept_ms, 7000);
    acme_reply_free(&rep);
    fx_close(&f);
}

#define RATE_LIMITED "{\"type\":\"urn:ietf:params:acme:error:rateLimited\",\"detail\":\"slow down\"}"
#define PROBLEM "application/problem+json"

/* Retry-After is honoured, but a wait longer than the limit is an error naming it. */
static void test_retry_after_too_long(void **state)
{
    struct fx f;
    struct err err = {0};
    const struct canned r[] = {
        dir_reply,
        {200, NULL, "n1", NULL, NULL, NULL},
        {429, PROBLEM, "n2", NULL, "99999999999999999999", RATE_LIMITED},
    };
    struct acme_reply rep;

    (void)state;
    fx_open(&f, r, 3, KID);
    assert_int_equal(acme_post(f.c, "https://ca.test/x", NULL, &rep, &err), CP_EACME);
    assert_string_equal(err.msg, "https://ca.test/x (HTTP 429): rateLimited: slow down (the CA asks to wait "
                                 "9223372036854775807 s, more than the 60 s limit)");
    assert_int_equal(f.s.slept_ms, 0);
    acme_reply_free(&rep);
    fx_close(&f);
}

/* 503 without Retry-After waits the back-off step (1 s first), with 0 at least
 * 1 s, with 3 the 3 s asked; after 3 retries certpilot gives up, saying so. */
static void test_retry_bounded(void **state)
{
    struct fx f;
    struct err err = {0};
    const struct canned r[] = {
        dir_reply,
        {200, NULL, "n1", NULL, NULL, NULL},
        {503, PROBLEM, "n2", NULL, NULL, RATE_LIMITED},
        {503, PROBLEM, "n3", NULL, "0", RATE_LIMITED},
        {503, PROBLEM, "n4", NULL, "3", RATE_LIMITED},
        {503, PROBLEM, "n5", NULL, NULL, RATE_LIMITED},
    };
    struct acme_reply rep;

    (void)state;
    fx_open(&f, r, 6, KID);
    assert_int_equal(acme_post(f.c, "https://ca.test/x", NULL, &rep, &err), CP_EACME);
    assert_string_equal(err.msg, "https://ca.test/x (HTTP 503): rateLimited: slow down (still refused after "
                                 "3 retries)");
    assert_int_equal(f.s.slept_ms, 1000 + 1000 + 3000);
    assert_int_equal(f.s.next, 6);
    acme_reply_free(&rep);
    fx_close(&f);
}

/* A connection broken mid-request is retried; the POST is signed again with a
 * fresh nonce (the one it carried may have been used). */
static void test_retry_broken_connection(void **state)
{
    struct fx f;
    struct err err = {0};
    const struct canned r[] = {
        dir_reply,
        {200, NULL, "n1", NULL, NULL, NULL},
        {SCRIPT_BROKEN},
        {200, NULL, "n2", NULL, NULL, NULL, "https://ca.test/nonce"},
        {SCRIPT_BROKEN},
        {200, NULL, "n3", NULL, NULL, NULL, "https://ca.test/nonce"},
        {200, "application/json", "n4", NULL, NULL, "{}", "https://ca.test/x"},
    };
    struct acme_reply rep;
    char *n1 = NULL, *n2 = NULL, *n3 = NULL;

    (void)state;
    fx_open(&f, r, 7, KID);
    assert_int_equal(acme_post(f.c, "https://ca.test/x", NULL, &rep, &err), CP_OK);
    n1 = script_protected(&f.s, 2, "nonce");
    n2 = script_protected(&f.s, 4, "nonce");
    n3 = script_protected(&f.s, 6, "nonce");
    assert_string_equal(n1, "n1");
    assert_string_equal(n2, "n2");
    assert_string_equal(n3, "n3");
    assert_int_equal(f.s.slept_ms, 1000 + 2000);
    free(n1);
    free(n2);
    free(n3);
    acme_reply_free(&rep);
    fx_close(&f);
}

static void test_retry_broken_bounded(void **state)
{
    struct fx f;
    struct err err = {0};
    const struct canned r[] = {
        dir_reply,
        {200, NULL, "n1", NULL, NULL, NULL}, {SCRIPT_BROKEN},
        {200, NULL, "n2", NULL, NULL, NULL}, {SCRIPT_BROKEN},
        {200, NULL, "n3", NULL, NULL, NULL}, {SCRIPT_BROKEN},
        {200, NULL, "n4", NULL, NULL, NULL}, {SCRIPT_BROKEN},
    };
    struct acme_reply rep;

    (void)state;
    fx_open(&f, r, 9, KID);
    assert_int_equal(acme_post(f.c, "https://ca.test/x", NULL, &rep, &err), CP_ENET);
    assert_string_equal(err.msg, "POST https://ca.test/x: connection reset (gave up after 3 retries)");
    assert_int_equal(f.s.next, 9);
    acme_reply_free(&rep);
    fx_close(&f);
}

/* A redirect is an error, never followed. */
static void test_redirect_refused(void **state)
{
    struct fx f;
    struct err err = {0};
    const struct canned r[] = {
        dir_reply,
        {200, NULL, "n1", NULL, NULL, NULL},
        {302, NULL, "n2", "https://elsewhere.test/x", NULL, NULL},
    };
    struct acme_reply rep;

    (void)state;
    fx_open(&f, r, 3, KID);
    assert_int_equal(acme_post(f.c, "https://ca.test/x", NULL, &rep, &err), CP_EPROTO);
    assert_string_equal(err.msg, "https://ca.test/x: HTTP 302 redirect to https://elsewhere.test/x refused "
                                 "(ACME needs no redirects)");
    assert_int_equal(f.s.next, 3);
    acme_reply_free(&rep);
    fx_close(&f);
}

/* RFC 8555 §6.1: an https directory naming an http URL is refused. */
static void test_directory_http_url(void **state)
{
    struct script s;
    struct err err = {0};
    const struct canned r[] = {
        {200, "application/json", NULL, NULL, NULL,
         "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\","
         "\"newOrder\":\"http://ca.test/order\"}"},
    };

    (void)state;
    assert_null(script_client(&s, DIR_URL, r, 1, &err));
    assert_string_equal(err.msg, "https://ca.test/dir: newOrder \"http://ca.test/order\" from https://ca.test/dir "
                                 "is not https; refused (the directory is https)");
    script_done(&s);
}

static void test_problem_format(void **state)
{
    json_t *doc = json_loads(
        "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\",\"detail\":\"bad\\u001b[31m\\u009b1m\\u202e\","
        "\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:caa\",\"detail\":\"CAA\\nforbids\","
        "\"identifier\":{\"type\":\"dns\",\"value\":\"a.example\"}}]}", 0, NULL);
    struct err err = {0};

    (void)state;
    assert_non_null(doc);
    assert_int_equal(acme_problem_err(&err, doc, "new order"), CP_EACME);
    assert_string_equal(err.msg, "new order: rejectedIdentifier: bad[31m1m [a.example: caa: CAA forbids]");
    json_decref(doc);
}

/* accountDoesNotExist on onlyReturnExisting is CP_ENOTFOUND, not a CA failure. */
static void test_account_find_missing(void **state)
{
    struct fx f;
    struct err err = {0};
    const struct canned r[] = {
        dir_reply,
        {200, NULL, "n1", NULL, NULL, NULL},
        {400, "application/problem+json", "n2", NULL, NULL,
         "{\"type\":\"urn:ietf:params:acme:error:accountDoesNotExist\",\"detail\":\"no\"}"},
    };
    struct acme_account a;
    json_t *payload;

    (void)state;
    fx_open(&f, r, 3, NULL);
    assert_int_equal(acme_account_find(f.c, &a, &err), CP_ENOTFOUND);
    /* RFC 8555 §6.2: new-account requests carry the JWK, not a kid */
    assert_null(script_protected(&f.s, 2, "kid"));
    payload = script_payload(&f.s, 2);
    assert_true(json_is_true(json_object_get(payload, "onlyReturnExisting")));
    json_decref(payload);
    acme_account_free(&a);
    fx_close(&f);
}

/* Terms of service must be agreed before anything is sent. */
static void test_account_needs_tos(void **state)
{
    struct fx f;
    struct err err = {0};
    const struct canned r[] = {dir_reply};
    struct acme_account a;

    (void)state;
    fx_open(&f, r, 1, NULL);
    assert_int_equal(acme_account_create(f.c, NULL, 0, false, NULL, &a, &err), CP_EUSAGE);
    assert_non_null(strstr(err.msg, "https://ca.test/tos"));
    assert_int_equal(f.s.next, 1);
    fx_close(&f);
}

static void test_contact_valid(void **state)
{
    (void)state;
    assert_true(acme_contact_valid("mailto:admin@example.com"));
    assert_true(acme_contact_valid("mailto:a.b+c@sub.example.org"));
    assert_false(acme_contact_valid("admin@example.com"));
    assert_false(acme_contact_valid("mailto:not an address"));
    assert_false(acme_contact_valid("mailto:@example.com"));
    assert_false(acme_contact_valid("mailto:a@b"));
    assert_false(acme_contact_valid("mailto:a@example.com,b@example.com"));
    assert_false(acme_contact_valid("mailto:a@example.com?subject=x"));
    assert_false(acme_contact_valid("mailto:a@@example.com"));
}

static void test_key_authorization(void **state)
{
    char *ka = acme_key_authorization("tok", "thumb");
    char *txt = acme_dns01_value("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI");

    (void)state;
    assert_string_equal(ka, "tok.thumb");
    /* SHA-256 of the key authorization, base64url (RFC 8555 §8.4 computation) */
    assert_non_null(txt);
    assert_string_equal(txt, "lCM7cZyQXcVHK2nnW3jjAhNT3Fvm18UN-kWZZknKoYM");
    free(ka);
    free(txt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_directory_reused),
        cmocka_unit_test(test_directory_missing_new_order),
        cmocka_unit_test(test_directory_not_json),
        cmocka_unit_test(test_nonce_reuse),
        cmocka_unit_test(test_bad_nonce_retry),
        cmocka_unit_test(test_bad_nonce_bounded),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_retry_after_too_long),
        cmocka_unit_test(test_retry_bounded),
        cmocka_unit_test(test_retry_broken_connection),
        cmocka_unit_test(test_retry_broken_bounded),
        cmocka_unit_test(test_directory_http_url),
        cmocka_unit_test(test_redirect_refused),
        cmocka_unit_test(test_problem_format),
        cmocka_unit_test(test_account_find_missing),
        cmocka_unit_test(test_account_needs_tos),
        cmocka_unit_test(test_contact_valid),
        cmocka_unit_test(test_key_authorization),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
