/*
 * acme/ari offline: RFC 3339 times, the Retry-After bounds, renewalInfo
 * fetched for the RFC 9773 §4.1 example certID through a scripted
 * transport (window, explanation, 404, invalid windows, no ARI), and the
 * newOrder "replaces" field (RFC 9773 §5).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme/ari.h"
#include "acme/order.h"
#include "crypto/cert.h"
#include "crypto/key.h"
#include "support/certs.h"
#include "support/script.h"

#define DIR_URL "https://ca.test/dir"
#define DIR_BODY(ari)                                                                     \
    "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\","   \
    "\"newOrder\":\"https://ca.test/order\"" ari "}"

static const struct canned dir_ari = {200, "application/json", NULL, NULL, NULL,
                                      DIR_BODY(",\"renewalInfo\":\"https://ca.test/ari\"")};
static const struct canned dir_ari_slash = {200, "application/json", NULL, NULL, NULL,
                                            DIR_BODY(",\"renewalInfo\":\"https://ca.test/ari/\"")};
static const struct canned dir_plain = {200, "application/json", NULL, NULL, NULL, DIR_BODY("")};

#define ARI_URL "https://ca.test/ari/" TEST_RFC9773_CERT_ID
#define WINDOW "{\"suggestedWindow\":{\"start\":\"2026-03-01T00:00:00Z\",\"end\":\"2026-03-02T12:00:00Z\"}"

static void test_parse_time(void **state)
{
    time_t t = 0;

    (void)state;
    assert_int_equal(acme_ari_parse_time("2026-01-01T00:00:00Z", &t), CP_OK);
    assert_int_equal(t, 1767225600);
    assert_int_equal(acme_ari_parse_time("2026-01-01t00:00:00.123456789z", &t), CP_OK);
    assert_int_equal(t, 1767225600);
    assert_int_equal(acme_ari_parse_time("2026-01-01T02:30:00+02:30", &t), CP_OK);
    assert_int_equal(t, 1767225600);
    assert_int_equal(acme_ari_parse_time("2025-12-31T21:00:00-03:00", &t), CP_OK);
    assert_int_equal(t, 1767225600);
    assert_int_equal(acme_ari_parse_time("2024-02-29T23:59:60Z", &t), CP_OK);  /* leap second */
    assert_int_equal(acme_ari_parse_time("2026-01-01T00:00:00", &t), CP_EINVALID);
    assert_int_equal(acme_ari_parse_time("2026-01-01 00:00:00Z", &t), CP_EINVALID);
    assert_int_equal(acme_ari_parse_time("2026-13-01T00:00:00Z", &t), CP_EINVALID);
    assert_int_equal(acme_ari_parse_time("2026-01-01T24:00:00Z", &t), CP_EINVALID);
    assert_int_equal(acme_ari_parse_time("2026-01-01T00:00:00.Z", &t), CP_EINVALID);
    assert_int_equal(acme_ari_parse_time("2026-01-01T00:00:00+0100", &t), CP_EINVALID);
    assert_int_equal(acme_ari_parse_time("2026-01-01T00:00:00Zjunk", &t), CP_EINVALID);
    assert_int_equal(acme_ari_parse_time("26-01-01T00:00:00Z", &t), CP_EINVALID);
    assert_int_equal(acme_ari_parse_time("", &t), CP_EINVALID);
    assert_int_equal(acme_ari_parse_time(NULL, &t), CP_EINVALID);
}

static void test_clamp_retry(void **state)
{
    (void)state;
    assert_int_equal(acme_ari_clamp_retry(-1), 6 * 3600);
    assert_int_equal(acme_ari_clamp_retry(0), 60);
    assert_int_equal(acme_ari_clamp_retry(59), 60);
    assert_int_equal(acme_ari_clamp_retry(3600), 3600);
    assert_int_equal(acme_ari_clamp_retry(86401), 86400);
}

/* RFC 9773 §4.1's example: the certID of a certificate with that AKI and serial. */
static void test_cert_id_rfc_example(void **state)
{
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    char *pem = test_make_cert(key, (const unsigned char *)TEST_RFC9773_SERIAL, 4);
    struct cert_info ci;

    (void)state;
    assert_int_equal(cert_info_from_pem(pem, strlen(pem), &ci, NULL), CP_OK);
    assert_string_equal(ci.ari_id, TEST_RFC9773_CERT_ID);
    assert_string_equal(ci.issuer, "");  /* an empty issuer DN reads as "" (UBSan checks the copy) */
    cert_info_free(&ci);
    free(pem);
    EVP_PKEY_free(key);
}

/* Fetch once through a script; returns the code, err in *err. */
static int fetch(const struct canned *dir, const struct canned *reply, const char *id,
                 struct acme_ari *a, struct err *err, struct script *s)
{
    struct canned r[2] = {*dir};
    struct acme_client *c;
    int rc;

    if (reply != NULL)
        r[1] = *reply;
    c = script_client(s, DIR_URL, r, reply ? 2 : 1, err);
    assert_non_null(c);
    rc = acme_ari_fetch(c, id, a, err);
    acme_client_free(c);
    return rc;
}

static void test_fetch_window(void **state)
{
    const struct canned reply = {200, "application/json", NULL, NULL, "21600",
                                 WINDOW ",\"explanationURL\":\"https://ca.test/why\"}", ARI_URL};
    struct script s;
    struct acme_ari a;
    struct err err = {0};

    (void)state;
    assert_int_equal(fetch(&dir_ari, &reply, TEST_RFC9773_CERT_ID, &a, &err, &s), CP_OK);
    /* RFC 9773 §4.2: a plain unauthenticated GET, no nonce fetched first */
    assert_string_equal(s.sent_method[1], "GET");
    assert_null(s.sent_body[1]);
    assert_int_equal(a.start, 1772323200);
    assert_int_equal(a.end, 1772323200 + 36 * 3600);
    assert_string_equal(a.explanation_url, "https://ca.test/why");
    assert_int_equal(a.retry_after_s, 21600);
    acme_ari_free(&a);
    assert_null(a.explanation_url);
    acme_ari_free(&a);
    script_done(&s);
}

/* A renewalInfo URL that already ends in "/" gets no second one. */
static void test_fetch_slash(void **state)
{
    const struct canned reply = {200, "application/json", NULL, NULL, "1", WINDOW "}", ARI_URL};
    struct script s;
    struct acme_ari a;

    (void)state;
    assert_int_equal(fetch(&dir_ari_slash, &reply, TEST_RFC9773_CERT_ID, &a, NULL, &s), CP_OK);
    assert_null(a.explanation_url);
    assert_int_equal(a.retry_after_s, 60);  /* 1 s is raised to the minute */
    acme_ari_free(&a);
    script_done(&s);
}

static void test_fetch_no_retry_after(void **state)
{
    const struct canned reply = {200, "application/json", NULL, NULL, NULL, WINDOW "}", ARI_URL};
    struct script s;
    struct acme_ari a;

    (void)state;
    assert_int_equal(fetch(&dir_ari, &reply, TEST_RFC9773_CERT_ID, &a, NULL, &s), CP_OK);
    assert_int_equal(a.retry_after_s, ARI_RETRY_DEFAULT_S);
    acme_ari_free(&a);
    script_done(&s);
}

static void expect_fail(const struct canned *dir, const struct canned *reply, const char *id,
                        int code, const char *msg)
{
    struct script s;
    struct acme_ari a;
    struct err err = {0};

    assert_int_equal(fetch(dir, reply, id, &a, &err, &s), code);
    assert_string_equal(err.msg, msg);
    assert_null(a.explanation_url);
    script_done(&s);
}

static void test_fetch_errors(void **state)
{
    const struct canned nf = {404, "application/problem+json", NULL, NULL, NULL,
                              "{\"type\":\"urn:ietf:params:acme:error:malformed\"}"};
    const struct canned backwards = {200, "application/json", NULL, NULL, NULL,
                                     "{\"suggestedWindow\":{\"start\":\"2026-03-02T00:00:00Z\","
                                     "\"end\":\"2026-03-01T00:00:00Z\"}}"};
    const struct canned no_window = {200, "application/json", NULL, NULL, NULL, "{}"};
    const struct canned bad_time = {200, "application/json", NULL, NULL, NULL,
                                    "{\"suggestedWindow\":{\"start\":\"yesterday\","
                                    "\"end\":\"2026-03-01T00:00:00Z\"}}"};
    const struct canned html = {200, "text/html", NULL, NULL, NULL, "<html>"};
    const struct canned busy = {503, "application/problem+json", NULL, NULL, "60",
                                "{\"type\":\"urn:ietf:params:acme:error:serverInternal\","
                                "\"detail\":\"later\"}"};

    (void)state;
    expect_fail(&dir_plain, NULL, TEST_RFC9773_CERT_ID, CP_ENOTFOUND,
                "CA " DIR_URL " offers no renewal information (ARI)");
    expect_fail(&dir_ari, NULL, "no-dot", CP_EINVALID,
                "\"no-dot\" is not an ARI certificate identifier");
    expect_fail(&dir_ari, NULL, "a.b.c", CP_EINVALID, "\"a.b.c\" is not an ARI certificate identifier");
    expect_fail(&dir_ari, NULL, ".AIdlQyE", CP_EINVALID,
                "\".AIdlQyE\" is not an ARI certificate identifier");
    expect_fail(&dir_ari, NULL, "a/b.c", CP_EINVALID, "\"a/b.c\" is not an ARI certificate identifier");
    expect_fail(&dir_ari, &nf, TEST_RFC9773_CERT_ID, CP_ENOTFOUND,
                "renewal information " ARI_URL ": the CA does not know this certificate (HTTP 404)");
    expect_fail(&dir_ari, &backwards, TEST_RFC9773_CERT_ID, CP_EPROTO,
                "renewal information " ARI_URL ": suggestedWindow ends before it starts");
    expect_fail(&dir_ari, &no_window, TEST_RFC9773_CERT_ID, CP_EPROTO,
                "renewal information " ARI_URL ": no suggestedWindow with start and end "
                "(or an explanationURL that is not a string)");
    expect_fail(&dir_ari, &bad_time, TEST_RFC9773_CERT_ID, CP_EPROTO,
                "renewal information " ARI_URL ": suggestedWindow holds a time that is not RFC 3339");
    expect_fail(&dir_ari, &html, TEST_RFC9773_CERT_ID, CP_EPROTO,
                "renewal information " ARI_URL ": HTTP 200, expected a JSON object");
    expect_fail(&dir_ari, &busy, TEST_RFC9773_CERT_ID, CP_EACME,
                ARI_URL ": serverInternal: later");
}

/* RFC 9773 §4.3: after an error the caller still learns when to ask again. */
static void test_fetch_error_keeps_retry_after(void **state)
{
    const struct canned busy = {503, "application/problem+json", NULL, NULL, "120",
                                "{\"type\":\"urn:ietf:params:acme:error:rateLimited\"}"};
    const struct canned html = {500, "text/html", NULL, NULL, NULL, "<html>"};
    struct script s;
    struct acme_ari a;

    (void)state;
    assert_int_equal(fetch(&dir_ari, &busy, TEST_RFC9773_CERT_ID, &a, NULL, &s), CP_EACME);
    assert_int_equal(a.retry_after_s, 120);
    script_done(&s);
    assert_int_equal(fetch(&dir_ari, &html, TEST_RFC9773_CERT_ID, &a, NULL, &s), CP_EPROTO);
    assert_int_equal(a.retry_after_s, ARI_RETRY_DEFAULT_S);
    script_done(&s);
    assert_int_equal(fetch(&dir_plain, NULL, TEST_RFC9773_CERT_ID, &a, NULL, &s), CP_ENOTFOUND);
    assert_int_equal(a.retry_after_s, ARI_RETRY_DEFAULT_S);
    script_done(&s);
}

/* RFC 9773 §5: newOrder names the certificate it replaces; without one, no field. */
static void test_order_replaces(void **state)
{
    const char *names[] = {"a.example"};
    const struct canned order = {201, "application/json", "n2", "https://ca.test/order/1", NULL,
                                 "{\"status\":\"pending\",\"authorizations\":[],"
                                 "\"finalize\":\"https://ca.test/fin\"}"};
    const struct canned r[] = {dir_ari, {200, NULL, "n1"}, order, order};
    struct script s;
    struct err err = {0};
    struct acme_client *c = script_client(&s, DIR_URL, r, 4, &err);
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    struct jws_signer *sg = jws_signer_new(key, NULL);
    struct acme_order o;
    json_t *p;

    (void)state;
    assert_non_null(c);
    assert_int_equal(acme_client_set_account(c, sg, "https://ca.test/acct/1"), CP_OK);
    assert_int_equal(acme_order_create(c, names, 1, NULL, TEST_RFC9773_CERT_ID, &o, &err), CP_OK);
    acme_order_free(&o);
    p = script_payload(&s, 2);
    assert_string_equal(json_string_value(json_object_get(p, "replaces")), TEST_RFC9773_CERT_ID);
    json_decref(p);
    assert_int_equal(acme_order_create(c, names, 1, NULL, NULL, &o, &err), CP_OK);
    acme_order_free(&o);
    p = script_payload(&s, 3);
    assert_null(json_object_get(p, "replaces"));
    json_decref(p);
    acme_client_free(c);
    jws_signer_free(sg);
    EVP_PKEY_free(key);
    script_done(&s);
}

/* RFC 9773 §5: the certificate already has a replacement order (a killed run's):
 * the order is placed again without "replaces", once. */
static void order_already_replaced(const struct canned *refusal)
{
    const char *names[] = {"a.example"};
    const struct canned order = {201, "application/json", "n3", "https://ca.test/order/2", NULL,
                                 "{\"status\":\"pending\",\"authorizations\":[],"
                                 "\"finalize\":\"https://ca.test/fin\"}"};
    const struct canned r[] = {dir_ari, {200, NULL, "n1"}, *refusal, order};
    struct script s;
    struct err err = {0};
    struct acme_client *c = script_client(&s, DIR_URL, r, 4, &err);
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    struct jws_signer *sg = jws_signer_new(key, NULL);
    struct acme_order o;
    json_t *p;

    assert_non_null(c);
    assert_int_equal(acme_client_set_account(c, sg, "https://ca.test/acct/1"), CP_OK);
    assert_int_equal(acme_order_create(c, names, 1, NULL, TEST_RFC9773_CERT_ID, &o, &err), CP_OK);
    assert_string_equal(o.url, "https://ca.test/order/2");
    acme_order_free(&o);
    p = script_payload(&s, 2);
    assert_string_equal(json_string_value(json_object_get(p, "replaces")), TEST_RFC9773_CERT_ID);
    json_decref(p);
    p = script_payload(&s, 3);
    assert_null(json_object_get(p, "replaces"));
    assert_non_null(json_object_get(p, "identifiers"));
    json_decref(p);
    acme_client_free(c);
    jws_signer_free(sg);
    EVP_PKEY_free(key);
    script_done(&s);
}

static void test_order_already_replaced(void **state)
{
    const struct canned typed = {409, "application/problem+json", "n2", NULL, NULL,
                                 "{\"type\":\"urn:ietf:params:acme:error:alreadyReplaced\","
                                 "\"detail\":\"already replaced\"}"};
    const struct canned pebble = {409, "application/problem+json", "n2", NULL, NULL,
                                  "{\"type\":\"urn:ietf:params:acme:error:malformed\",\"detail\":"
                                  "\"cannot indicate an order replaces certificate with serial 01, "
                                  "which already has a replacement order\"}"};

    const struct canned server = {500, "application/problem+json", "n2", NULL, NULL,
                                  "{\"type\":\"urn:ietf:params:acme:error:serverInternal\",\"detail\":"
                                  "\"could not find an order for the given certificate\"}"};

    (void)state;
    order_already_replaced(&typed);
    order_already_replaced(&pebble);
    order_already_replaced(&server);
}

/* Any other refusal of an order with "replaces" is not retried. */
static void test_order_replaces_other_error(void **state)
{
    const char *names[] = {"a.example"};
    const struct canned r[] = {dir_ari, {200, NULL, "n1"},
                               {403, "application/problem+json", "n2", NULL, NULL,
                                "{\"type\":\"urn:ietf:params:acme:error:unauthorized\","
                                "\"detail\":\"no\"}"}};
    struct script s;
    struct err err = {0};
    struct acme_client *c = script_client(&s, DIR_URL, r, 3, &err);
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    struct jws_signer *sg = jws_signer_new(key, NULL);
    struct acme_order o;

    (void)state;
    assert_non_null(c);
    assert_int_equal(acme_client_set_account(c, sg, "https://ca.test/acct/1"), CP_OK);
    assert_int_equal(acme_order_create(c, names, 1, NULL, TEST_RFC9773_CERT_ID, &o, &err), CP_EACME);
    assert_int_equal(s.next, 3);
    acme_client_free(c);
    jws_signer_free(sg);
    EVP_PKEY_free(key);
    script_done(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_clamp_retry),
        cmocka_unit_test(test_cert_id_rfc_example),
        cmocka_unit_test(test_fetch_window),
        cmocka_unit_test(test_fetch_slash),
        cmocka_unit_test(test_fetch_no_retry_after),
        cmocka_unit_test(test_fetch_errors),
        cmocka_unit_test(test_fetch_error_keeps_retry_after),
        cmocka_unit_test(test_order_replaces),
        cmocka_unit_test(test_order_already_replaced),
        cmocka_unit_test(test_order_replaces_other_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
