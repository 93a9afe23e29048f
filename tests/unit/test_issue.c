/*
 * The order flow of acme_issue against a scripted CA and a recording
 * solver: every challenge is presented before any is answered, cleanup
 * runs only after every authorization is final, a decline cleans up what
 * was presented and deactivates the pending authorizations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme/issue.h"
#include "crypto/key.h"
#include "support/script.h"
#include "util/str.h"

#define DIR_URL "https://ca.test/dir"
#define DIRECTORY                                                                      \
    "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\"," \
    "\"newOrder\":\"https://ca.test/order\"}"
#define JSON "application/json"

#define AUTHZ(ident, wildcard, status, chal_status, token)                                        \
    "{\"identifier\":{\"type\":\"dns\",\"value\":\"" ident "\"},\"status\":\"" status "\","      \
    "\"wildcard\":" wildcard ",\"challenges\":["                                                  \
    "{\"type\":\"http-01\",\"url\":\"https://ca.test/c/h-" token "\",\"status\":\"pending\","    \
    "\"token\":\"h" token "\"},"                                                                  \
    "{\"type\":\"dns-01\",\"url\":\"https://ca.test/c/" token "\",\"status\":\"" chal_status "\"," \
    "\"token\":\"" token "\"}]}"
#define ORDER(status, extra)                                                                       \
    "{\"status\":\"" status "\",\"authorizations\":[\"https://ca.test/a/1\",\"https://ca.test/a/2\"]," \
    "\"finalize\":\"https://ca.test/fin\"" extra "}"

/* A solver that records what it was asked and when (in requests sent so far). */
struct recorder {
    struct solver base;
    struct script *script;
    char log[1024];
    int decline_at;  /* present() number that declines, 0 for none */
    int presents;
};

/* Append "EVENT A B @N;" where N is the number of requests sent so far. */
static void note(struct recorder *r, const char *event, const char *a, const char *b)
{
    size_t n = strlen(r->log);

    if (a == NULL)
        snprintf(r->log + n, sizeof(r->log) - n, "%s @%zu;", event, r->script->next);
    else
        snprintf(r->log + n, sizeof(r->log) - n, "%s %s %s @%zu;", event, a, b, r->script->next);
}

static int rec_present(struct solver *s, const struct chal *c, struct err *err)
{
    struct recorder *r = (struct recorder *)s;

    if (++r->presents == r->decline_at)
        return err_set(err, CP_EDECLINED, "hook declined %s", c->ident);
    note(r, "present", c->ident, c->token);
    return CP_OK;
}

static int rec_wait(struct solver *s, struct err *err)
{
    (void)err;
    note((struct recorder *)s, "wait", NULL, NULL);
    return CP_OK;
}

static void rec_cleanup(struct solver *s, const struct chal *c, bool ok)
{
    note((struct recorder *)s, "cleanup", c->token, ok ? "done" : "failed");
}

static void rec_free(struct solver *s)
{
    (void)s;
}

static void recorder_init(struct recorder *r, struct script *s, int decline_at)
{
    memset(r, 0, sizeof(*r));
    r->base = (struct solver){"dns-01", rec_present, rec_wait, rec_cleanup, rec_free, NULL, NULL};
    r->script = s;
    r->decline_at = decline_at;
}


static const char *const default_names[] = {"a.test", "*.a.test"};

static void run_issue_for(const char *const *names, const struct canned *replies, size_t n, int decline_at,
                          int expect_rc, long timeout_s, struct script *s, struct recorder *rec, struct err *err)
{
    EVP_PKEY *account = key_generate(KEY_EC_P256, err), *certkey = key_generate(KEY_EC_P256, err);
    struct jws_signer *sg = jws_signer_new(account, err);
    struct acme_client *c = script_client(s, DIR_URL, replies, n, err);
    struct acme_issue_result res;
    struct acme_issue_req req = {names, 2, &rec->base, certkey, NULL, "Wanted Root", timeout_s, NULL};

    assert_non_null(c);
    recorder_init(rec, s, decline_at);
    assert_int_equal(acme_client_set_account(c, sg, "https://ca.test/acct/1"), CP_OK);
    assert_int_equal(acme_issue(c, &req, &res, err), expect_rc);
    if (expect_rc == CP_OK)
        assert_string_equal(res.pem, "PEM DATA\n");
    else
        assert_int_equal(err->code, expect_rc);
    acme_issue_result_free(&res);
    acme_client_free(c);
    jws_signer_free(sg);
    EVP_PKEY_free(account);
    EVP_PKEY_free(certkey);
}

static void run_issue_t(const struct canned *replies, size_t n, int decline_at, int expect_rc, long timeout_s,
                        struct script *s, struct recorder *rec, struct err *err)
{
    run_issue_for(default_names, replies, n, decline_at, expect_rc, timeout_s, s, rec, err);
}

static void run_issue(const struct canned *replies, size_t n, int decline_at, int expect_rc,
                      struct script *s, struct recorder *rec, struct err *err)
{
    run_issue_t(replies, n, decline_at, expect_rc, 60, s, rec, err);
}

#define A1 "https://ca.test/a/1"
#define A2 "https://ca.test/a/2"
#define ORDER_URL "https://ca.test/o/1"

static void test_flow_order(void **state)
{
    const struct canned r[] = {
        {200, JSON, NULL, NULL, NULL, DIRECTORY, DIR_URL},
        {200, NULL, "n0", NULL, NULL, NULL, "https://ca.test/nonce"},
        {201, JSON, "n1", ORDER_URL, NULL, ORDER("pending", ""), "https://ca.test/order"},
        {200, JSON, "n2", NULL, NULL, AUTHZ("a.test", "false", "pending", "pending", "t1"), A1},
        {200, JSON, "n3", NULL, NULL, AUTHZ("a.test", "true", "pending", "pending", "t2"), A2},
        {200, JSON, "n4", NULL, NULL, "{}", "https://ca.test/c/t1"},
        {200, JSON, "n5", NULL, NULL, "{}", "https://ca.test/c/t2"},
        /* first round: one still pending (asking for 3 s), the other valid */
        {200, JSON, "n6", NULL, "3", AUTHZ("a.test", "false", "pending", "processing", "t1"), A1},
        {200, JSON, "n7", NULL, NULL, AUTHZ("a.test", "true", "valid", "valid", "t2"), A2},
        /* second round: only the pending one is asked again */
        {200, JSON, "n8", NULL, NULL, AUTHZ("a.test", "false", "valid", "valid", "t1"), A1},
        /* every authorization is valid: finalize at once, without reading the order */
        {200, JSON, "na", NULL, NULL, ORDER("processing", ""), "https://ca.test/fin"},
        {200, JSON, "nb", NULL, NULL, ORDER("valid", ",\"certificate\":\"https://ca.test/cert/1\""), ORDER_URL},
        {200, "application/pem-certificate-chain", "nc", NULL, NULL, "PEM DATA\n", "https://ca.test/cert/1"},
    };
    struct script s;
    struct recorder rec;
    struct err err = {0};
    json_t *p;

    (void)state;
    run_issue(r, sizeof(r) / sizeof(r[0]), 0, CP_OK, &s, &rec, &err);
    /* both presented (after 5 requests), then wait, then both answered,
       and cleanup only once both authorizations were valid (10 requests) */
    assert_string_equal(rec.log, "present a.test t1 @5;present a.test t2 @5;wait @5;"
                                 "cleanup t1 done @10;cleanup t2 done @10;");
    /* 10 ms before the first round, Retry-After's 3 s before the second,
       10 ms before asking the processing order again */
    assert_int_equal(s.slept_ms, 10 + 3000 + 10);
    /* finalize carries a CSR */
    p = script_payload(&s, 10);
    assert_non_null(json_string_value(json_object_get(p, "csr")));
    json_decref(p);
    assert_int_equal(s.next, sizeof(r) / sizeof(r[0]));
    script_done(&s);
}

static void test_flow_decline(void **state)
{
    const struct canned r[] = {
        {200, JSON, NULL, NULL, NULL, DIRECTORY},
        {200, NULL, "n0", NULL, NULL, NULL},
        {201, JSON, "n1", "https://ca.test/o/1", NULL, ORDER("pending", "")},
        {200, JSON, "n2", NULL, NULL, AUTHZ("a.test", "false", "pending", "pending", "t1")},
        {200, JSON, "n3", NULL, NULL, AUTHZ("a.test", "true", "pending", "pending", "t2")},
        {200, JSON, "n4", NULL, NULL, "{\"status\":\"deactivated\"}"},
        {200, JSON, "n5", NULL, NULL, "{\"status\":\"deactivated\"}"},
    };
    struct script s;
    struct recorder rec;
    struct err err = {0};
    json_t *p;

    (void)state;
    run_issue(r, sizeof(r) / sizeof(r[0]), 2, CP_EDECLINED, &s, &rec, &err);
    assert_string_equal(err.msg, "hook declined a.test");
    /* the one presented is cleaned up as failed; nothing was answered */
    assert_string_equal(rec.log, "present a.test t1 @5;cleanup t1 failed @5;");
    /* RFC 8555 §7.5.2: both pending authorizations are deactivated */
    assert_string_equal(s.sent_url[5], "https://ca.test/a/1");
    p = script_payload(&s, 5);
    assert_string_equal(json_string_value(json_object_get(p, "status")), "deactivated");
    json_decref(p);
    assert_string_equal(s.sent_url[6], "https://ca.test/a/2");
    script_done(&s);
}

static void test_flow_invalid_authz(void **state)
{
    const struct canned r[] = {
        {200, JSON, NULL, NULL, NULL, DIRECTORY},
        {200, NULL, "n0", NULL, NULL, NULL},
        {201, JSON, "n1", "https://ca.test/o/1", NULL, ORDER("pending", "")},
        {200, JSON, "n2", NULL, NULL, AUTHZ("a.test", "false", "valid", "valid", "t1")},
        {200, JSON, "n3", NULL, NULL, AUTHZ("a.test", "true", "pending", "pending", "t2")},
        {200, JSON, "n4", NULL, NULL, "{}"},
        {200, JSON, "n5", NULL, NULL,
         "{\"identifier\":{\"type\":\"dns\",\"value\":\"a.test\"},\"status\":\"invalid\",\"wildcard\":true,"
         "\"challenges\":[{\"type\":\"dns-01\",\"url\":\"https://ca.test/c/t2\",\"status\":\"invalid\","
         "\"token\":\"t2\",\"error\":{\"type\":\"urn:ietf:params:acme:error:unauthorized\","
         "\"detail\":\"No TXT record found\"}}]}"},
    };
    struct script s;
    struct recorder rec;
    struct err err = {0};

    (void)state;
    run_issue(r, sizeof(r) / sizeof(r[0]), 0, CP_EACME, &s, &rec, &err);
    /* the reused (valid) authorization is not presented at all */
    assert_string_equal(rec.log, "present a.test t2 @5;wait @5;cleanup t2 failed @7;");
    assert_string_equal(err.msg, "dns-01 validation of *.a.test failed: unauthorized: No TXT record found");
    script_done(&s);
}

/* Everything up to a finalize that answers "processing" (11 requests). */
#define UP_TO_FINALIZE(retry_after)                                                               \
    {200, JSON, NULL, NULL, NULL, DIRECTORY},                                                     \
    {200, NULL, "n0", NULL, NULL, NULL},                                                          \
    {201, JSON, "n1", ORDER_URL, NULL, ORDER("pending", "")},                                     \
    {200, JSON, "n2", NULL, NULL, AUTHZ("a.test", "false", "pending", "pending", "t1"), A1},      \
    {200, JSON, "n3", NULL, NULL, AUTHZ("a.test", "true", "pending", "pending", "t2"), A2},       \
    {200, JSON, "n4", NULL, NULL, "{}"},                                                          \
    {200, JSON, "n5", NULL, NULL, "{}"},                                                          \
    {200, JSON, "n6", NULL, retry_after, AUTHZ("a.test", "false", "valid", "valid", "t1"), A1},   \
    {200, JSON, "n7", NULL, retry_after, AUTHZ("a.test", "true", "valid", "valid", "t2"), A2},    \
    {200, JSON, "n9", NULL, retry_after, ORDER("processing", ""), "https://ca.test/fin"}
#define STILL_PROCESSING(ra) {200, JSON, "nx", NULL, ra, ORDER("processing", ""), ORDER_URL}

/* A Retry-After of 10^20 s is clamped before any arithmetic (it overflowed a
 * long when multiplied to milliseconds) and to what is left of the timeout. */
static void test_poll_retry_after_huge(void **state)
{
    const struct canned r[] = {
        UP_TO_FINALIZE("99999999999999999999"),
        STILL_PROCESSING("99999999999999999999"),
        STILL_PROCESSING("99999999999999999999"),
    };
    struct script s;
    struct recorder rec;
    struct err err = {0};

    (void)state;
    run_issue_t(r, sizeof(r) / sizeof(r[0]), 0, CP_ETIMEOUT, 30, &s, &rec, &err);
    assert_string_equal(err.msg, "timed out after 30 s waiting for the certificate to be issued");
    /* 10 ms before the authorizations and before the first order poll, then
       the whole rest of the 30 s at once, and no request after the deadline */
    assert_int_equal(s.slept_ms, 30000);
    assert_int_equal(s.next, 12);
    script_done(&s);
}

/* Retry-After: 0 (and a date in the past) never makes polling faster than the
 * back-off: 10, 20, 40 ... ms doubling, capped at 8 s; bounded by the timeout. */
static void check_fast_retry_after(const char *ra)
{
    const struct canned r[] = {
        UP_TO_FINALIZE(ra), STILL_PROCESSING(ra), STILL_PROCESSING(ra), STILL_PROCESSING(ra),
        STILL_PROCESSING(ra), STILL_PROCESSING(ra), STILL_PROCESSING(ra), STILL_PROCESSING(ra),
        STILL_PROCESSING(ra), STILL_PROCESSING(ra), STILL_PROCESSING(ra), STILL_PROCESSING(ra),
        STILL_PROCESSING(ra), STILL_PROCESSING(ra), STILL_PROCESSING(ra), STILL_PROCESSING(ra),
        STILL_PROCESSING(ra), STILL_PROCESSING(ra), STILL_PROCESSING(ra), STILL_PROCESSING(ra),
    };
    struct script s;
    struct recorder rec;
    struct err err = {0};

    run_issue_t(r, sizeof(r) / sizeof(r[0]), 0, CP_ETIMEOUT, 20, &s, &rec, &err);
    /* 10 ms before the authorizations; polls of the processing order after
       10+20+...+5120 ms (10 polls, 10.23 s), then 8 s, then the 1.76 s left:
       12 polls, and the clock stopped at exactly 20 s */
    assert_int_equal(s.next, 10 + 12);
    assert_int_equal(s.slept_ms, 20000);
    script_done(&s);
}

static void test_poll_retry_after_zero(void **state)
{
    (void)state;
    check_fast_retry_after("0");
}

static void test_poll_retry_after_past_date(void **state)
{
    (void)state;
    check_fast_retry_after("Sun, 06 Nov 1994 08:49:37 GMT");
}

#define CERT_URL "https://ca.test/cert/1"
#define VALID_ORDER ORDER("valid", ",\"certificate\":\"" CERT_URL "\"")

/* An order that finalize already returns valid is not polled (issue 17). */
static void test_finalize_valid_no_poll(void **state)
{
    const struct canned r[] = {
        {200, JSON, NULL, NULL, NULL, DIRECTORY},
        {200, NULL, "n0", NULL, NULL, NULL},
        {201, JSON, "n1", ORDER_URL, NULL, ORDER("pending", "")},
        {200, JSON, "n2", NULL, NULL, AUTHZ("a.test", "false", "valid", "valid", "t1"), A1},
        {200, JSON, "n3", NULL, NULL, AUTHZ("a.test", "true", "valid", "valid", "t2"), A2},
        {200, JSON, "n5", NULL, NULL, VALID_ORDER, "https://ca.test/fin"},
        {200, "application/pem-certificate-chain", "n6", NULL, NULL, "PEM DATA\n", CERT_URL},
    };
    struct script s;
    struct recorder rec;
    struct err err = {0};

    (void)state;
    run_issue(r, sizeof(r) / sizeof(r[0]), 0, CP_OK, &s, &rec, &err);
    assert_int_equal(s.next, 7);
    assert_int_equal(s.slept_ms, 0);
    assert_string_equal(rec.log, "wait @5;");
    script_done(&s);
}

/* A CA that says orderNotReady to finalize: the order is read until it is
 * ready, and finalize is sent again. */
static void test_finalize_not_ready(void **state)
{
    const struct canned r[] = {
        {200, JSON, NULL, NULL, NULL, DIRECTORY},
        {200, NULL, "n0", NULL, NULL, NULL},
        {201, JSON, "n1", ORDER_URL, NULL, ORDER("pending", "")},
        {200, JSON, "n2", NULL, NULL, AUTHZ("a.test", "false", "valid", "valid", "t1"), A1},
        {200, JSON, "n3", NULL, NULL, AUTHZ("a.test", "true", "valid", "valid", "t2"), A2},
        {403, "application/problem+json", "n4", NULL, NULL,
         "{\"type\":\"urn:ietf:params:acme:error:orderNotReady\",\"detail\":\"not yet\"}", "https://ca.test/fin"},
        {200, JSON, "n5", NULL, NULL, ORDER("pending", ""), ORDER_URL},
        {200, JSON, "n6", NULL, NULL, ORDER("ready", ""), ORDER_URL},
        {200, JSON, "n7", NULL, NULL, VALID_ORDER, "https://ca.test/fin"},
        {200, "application/pem-certificate-chain", "n8", NULL, NULL, "PEM DATA\n", CERT_URL},
    };
    struct script s;
    struct recorder rec;
    struct err err = {0};

    (void)state;
    run_issue(r, sizeof(r) / sizeof(r[0]), 0, CP_OK, &s, &rec, &err);
    assert_int_equal(s.next, sizeof(r) / sizeof(r[0]));
    assert_int_equal(s.slept_ms, 10);  /* the pending order is read again after 10 ms */
    script_done(&s);
}

/* An authorization for a name we did not order never reaches the solver. */
static void check_foreign_authz_typed(const char *type, const char *ident, const char *want)
{
    char body[600];
    const struct canned r[] = {
        {200, JSON, NULL, NULL, NULL, DIRECTORY},
        {200, NULL, "n0", NULL, NULL, NULL},
        {201, JSON, "n1", ORDER_URL, NULL, ORDER("pending", "")},
        {200, JSON, "n2", NULL, NULL, AUTHZ("A.Test", "false", "pending", "pending", "t1"), A1},
        {200, JSON, "n3", NULL, NULL, body, A2},
        {200, JSON, "n4", NULL, NULL, "{\"status\":\"deactivated\"}", A1},
    };
    struct script s;
    struct recorder rec;
    struct err err = {0};

    snprintf(body, sizeof(body),
             "{\"identifier\":{\"type\":\"%s\",\"value\":\"%s\"},\"status\":\"pending\",\"wildcard\":true,"
             "\"challenges\":[{\"type\":\"dns-01\",\"url\":\"https://ca.test/c/x\",\"status\":\"pending\","
             "\"token\":\"tx\"}]}", type, ident);
    run_issue(r, sizeof(r) / sizeof(r[0]), 0, CP_EPROTO, &s, &rec, &err);
    assert_string_equal(err.msg, want);
    assert_string_equal(rec.log, "");
    /* ours is deactivated (RFC 8555 §7.5.2); the foreign one is left alone */
    assert_int_equal(s.next, 6);
    script_done(&s);
}

static void check_foreign_authz(const char *ident, const char *want)
{
    check_foreign_authz_typed("dns", ident, want);
}

static void test_authz_foreign_identifier(void **state)
{
    (void)state;
    /* the first authorization differs only in case: accepted */
    check_foreign_authz("evil.other.test", "authorization https://ca.test/a/2 is for dns \"*.evil.other.test\", "
                                           "not a name of this order; refused");
    check_foreign_authz("-rf", "authorization https://ca.test/a/2 is for dns \"*.-rf\", not a name of this "
                               "order; refused");
}

/* RFC 8738 §3: an "ip" identifier matches only an address of the order (by value; the
 * solver gets the canonical text), a "dns" one only a DNS name. */
static void test_authz_ip_identifier(void **state)
{
    static const char *const names[] = {"a.test", "2001:db8::1"};
    const struct canned r[] = {
        {200, JSON, NULL, NULL, NULL, DIRECTORY},
        {200, NULL, "n0", NULL, NULL, NULL},
        {201, JSON, "n1", ORDER_URL, NULL, ORDER("pending", "")},
        {200, JSON, "n2", NULL, NULL, AUTHZ("a.test", "false", "valid", "valid", "t1"), A1},
        {200, JSON, "n3", NULL, NULL,
         "{\"identifier\":{\"type\":\"ip\",\"value\":\"2001:DB8:0:0::1\"},\"status\":\"pending\","
         "\"challenges\":[{\"type\":\"dns-01\",\"url\":\"https://ca.test/c/x\",\"status\":\"pending\","
         "\"token\":\"tx\"}]}", A2},
        {200, JSON, "n4", NULL, NULL, "{\"status\":\"deactivated\"}", A2},
    };
    struct script s;
    struct recorder rec;
    struct err err = {0};
    json_t *p;

    (void)state;
    run_issue_for(names, r, sizeof(r) / sizeof(r[0]), 1, CP_EDECLINED, 60, &s, &rec, &err);
    assert_string_equal(err.msg, "hook declined 2001:db8::1");
    p = script_payload(&s, 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(p, "identifiers"), 1),
                                                          "type")), "ip");
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(p, "identifiers"), 0),
                                                          "type")), "dns");
    json_decref(p);
    script_done(&s);
    /* the address spelled as a DNS name, a DNS name sent as "ip", an "ip" that is no address */
    check_foreign_authz_typed("dns", "2001:db8::1", "authorization https://ca.test/a/2 is for dns "
                              "\"*.2001:db8::1\", not a name of this order; refused");
    check_foreign_authz_typed("ip", "192.0.2.1", "authorization https://ca.test/a/2 is for ip \"*.192.0.2.1\", "
                              "not a name of this order; refused");
    check_foreign_authz_typed("ip", "a.test", "authorization https://ca.test/a/2: ip identifier is not an IP "
                              "address");
    check_foreign_authz_typed("email", "a.test", "authorization https://ca.test/a/2: identifier type is not "
                              "dns or ip");
}

static void test_too_many_authz(void **state)
{
    json_t *order = json_pack("{s:s, s:[], s:s}", "status", "pending", "authorizations", "finalize",
                              "https://ca.test/fin");
    char *body = NULL;
    struct script s;
    struct recorder rec;
    struct err err = {0};

    (void)state;
    for (int i = 0; i < 129; i++)
        json_array_append_new(json_object_get(order, "authorizations"), json_string(A1));
    body = json_dumps(order, JSON_COMPACT);
    {
        const struct canned r[] = {
            {200, JSON, NULL, NULL, NULL, DIRECTORY},
            {200, NULL, "n0", NULL, NULL, NULL},
            {201, JSON, "n1", ORDER_URL, NULL, body},
        };
        run_issue(r, 3, 0, CP_EPROTO, &s, &rec, &err);
    }
    assert_string_equal(err.msg, "order https://ca.test/o/1 lists 129 authorizations, more than 128; refused");
    assert_int_equal(s.next, 3);
    script_done(&s);
    free(body);
    json_decref(order);
}

/* RFC 8555 §6.1: with an https directory, an http URL from the CA is refused. */
static void test_http_urls_refused(void **state)
{
    const struct canned loc[] = {
        {200, JSON, NULL, NULL, NULL, DIRECTORY},
        {200, NULL, "n0", NULL, NULL, NULL},
        {201, JSON, "n1", "http://ca.test/o/1", NULL, ORDER("pending", "")},
    };
    const struct canned fin[] = {
        {200, JSON, NULL, NULL, NULL, DIRECTORY},
        {200, NULL, "n0", NULL, NULL, NULL},
        {201, JSON, "n1", ORDER_URL, NULL,
         "{\"status\":\"pending\",\"authorizations\":[],\"finalize\":\"http://ca.test/fin\"}"},
    };
    struct script s;
    struct recorder rec;
    struct err err = {0};

    (void)state;
    run_issue(loc, 3, 0, CP_EPROTO, &s, &rec, &err);
    assert_string_equal(err.msg, "creating order: order Location \"http://ca.test/o/1\" from https://ca.test/dir "
                                 "is not https; refused (the directory is https)");
    script_done(&s);
    run_issue(fin, 3, 0, CP_EPROTO, &s, &rec, &err);
    assert_string_equal(err.msg, "creating order: order finalize URL \"http://ca.test/fin\" from "
                                 "https://ca.test/dir is not https; refused (the directory is https)");
    script_done(&s);
}

/* A preferred chain whose alternate cannot be fetched (or is http) falls back
 * to the default chain instead of failing after finalize. */
static void test_alternate_failure_falls_back(void **state)
{
    const struct canned r[] = {
        {200, JSON, NULL, NULL, NULL, DIRECTORY},
        {200, NULL, "n0", NULL, NULL, NULL},
        {201, JSON, "n1", ORDER_URL, NULL, ORDER("pending", "")},
        {200, JSON, "n2", NULL, NULL, AUTHZ("a.test", "false", "valid", "valid", "t1"), A1},
        {200, JSON, "n3", NULL, NULL, AUTHZ("a.test", "true", "valid", "valid", "t2"), A2},
        {200, JSON, "n5", NULL, NULL, VALID_ORDER, "https://ca.test/fin"},
        {200, "application/pem-certificate-chain", "n6", NULL, NULL, "PEM DATA\n", CERT_URL, 
         "<http://ca.test/cert/1/alt>;rel=\"alternate\", <https://ca.test/cert/1/2>;rel=\"alternate\""},
        {404, "application/problem+json", "n7", NULL, NULL,
         "{\"type\":\"urn:ietf:params:acme:error:malformed\",\"detail\":\"gone\"}", "https://ca.test/cert/1/2"},
    };
    struct script s;
    struct recorder rec;
    struct err err = {0};

    (void)state;
    run_issue(r, sizeof(r) / sizeof(r[0]), 0, CP_OK, &s, &rec, &err);
    /* the http alternate was never asked for */
    assert_int_equal(s.next, 8);
    script_done(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flow_order),
        cmocka_unit_test(test_flow_decline),
        cmocka_unit_test(test_flow_invalid_authz),
        cmocka_unit_test(test_poll_retry_after_huge),
        cmocka_unit_test(test_poll_retry_after_zero),
        cmocka_unit_test(test_poll_retry_after_past_date),
        cmocka_unit_test(test_finalize_valid_no_poll),
        cmocka_unit_test(test_finalize_not_ready),
        cmocka_unit_test(test_authz_foreign_identifier),
        cmocka_unit_test(test_authz_ip_identifier),
        cmocka_unit_test(test_too_many_authz),
        cmocka_unit_test(test_http_urls_refused),
        cmocka_unit_test(test_alternate_failure_falls_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
