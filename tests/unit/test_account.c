/*
 * acme/account offline: contact update (RFC 8555 §7.3.2), deactivation
 * (§7.3.6) and key rollover (§7.3.5: the inner JWS signed by the new key
 * with its jwk and no nonce, naming the account and the old key; the
 * client signs with the new key afterwards), and the errors of each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/files.h"
#include "util/str.h"

#include "acme/account.h"
#include "crypto/key.h"
#include "jose/b64url.h"
#include "support/script.h"

#define DIR_URL "https://ca.test/dir"
#define KID "https://ca.test/acct/1"
#define KC_URL "https://ca.test/kc"
static const struct canned dir_reply = {
    200, "application/json", NULL, NULL, NULL,
    "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\","
    "\"newOrder\":\"https://ca.test/order\",\"keyChange\":\"" KC_URL "\"}"};
static const struct canned dir_no_kc = {
    200, "application/json", NULL, NULL, NULL,
    "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\","
    "\"newOrder\":\"https://ca.test/order\"}"};
static const struct canned nonce_reply = {200, NULL, "n1"};

struct fx {
    struct script s;
    struct acme_client *c;
    EVP_PKEY *key, *new_key;
    struct jws_signer *sg, *new_sg;
};

static EVP_PKEY *test_rsa_key(void)
{
    char *path = str_printf("%s/keys/rsa2048.pem", getenv("CP_TEST_DATA") ? getenv("CP_TEST_DATA") : "tests/data");
    char *pem = test_slurp(path);
    EVP_PKEY *k = key_from_pem(pem, strlen(pem), path, NULL);

    assert_non_null(k);
    free(pem);
    free(path);
    return k;
}

static void fx_open(struct fx *f, const struct canned *r, size_t n, const char *kid)
{
    struct err err = {0};

    f->c = script_client(&f->s, DIR_URL, r, n, &err);
    assert_non_null(f->c);
    f->key = key_generate(KEY_EC_P256, NULL);
    f->new_key = test_rsa_key();  /* a fixed one: generating RSA keys is slow under valgrind */
    f->sg = jws_signer_new(f->key, NULL);
    f->new_sg = jws_signer_new(f->new_key, NULL);
    assert_non_null(f->sg);
    assert_non_null(f->new_sg);
    assert_int_equal(acme_client_set_account(f->c, f->sg, kid), CP_OK);
}

static void fx_close(struct fx *f)
{
    acme_client_free(f->c);
    jws_signer_free(f->sg);
    jws_signer_free(f->new_sg);
    EVP_PKEY_free(f->key);
    EVP_PKEY_free(f->new_key);
    script_done(&f->s);
}

static json_t *b64_json(const char *v)
{
    unsigned char *raw = NULL;
    size_t len = 0;
    json_t *j;

    assert_non_null(v);
    assert_int_equal(b64url_decode(v, strlen(v), &raw, &len), CP_OK);
    j = json_loadb((char *)raw, len, 0, NULL);
    assert_non_null(j);
    free(raw);
    return j;
}

static void test_update_contacts(void **state)
{
    const struct canned r[] = {
        dir_reply, nonce_reply,
        {200, "application/json", "n2", NULL, NULL,
         "{\"status\":\"valid\",\"contact\":[\"mailto:b@example.org\"]}", KID},
        {200, "application/json", "n3", NULL, NULL, "{\"status\":\"valid\",\"contact\":[]}", KID}};
    const char *contacts[] = {"mailto:b@example.org"};
    struct fx f;
    struct err err = {0};
    struct acme_account a;
    json_t *p;

    (void)state;
    fx_open(&f, r, 4, KID);
    assert_int_equal(acme_account_update_contacts(f.c, contacts, 1, &a, &err), CP_OK);
    assert_string_equal(a.url, KID);
    assert_string_equal(a.status, "valid");
    acme_account_free(&a);
    p = script_payload(&f.s, 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(p, "contact"), 0)),
                        "mailto:b@example.org");
    assert_int_equal(json_object_size(p), 1);  /* only the contacts change */
    json_decref(p);
    /* no contacts: an empty array clears them */
    assert_int_equal(acme_account_update_contacts(f.c, NULL, 0, &a, &err), CP_OK);
    acme_account_free(&a);
    p = script_payload(&f.s, 3);
    assert_int_equal(json_array_size(json_object_get(p, "contact")), 0);
    assert_true(json_is_array(json_object_get(p, "contact")));
    json_decref(p);
    fx_close(&f);
}

static void test_update_contacts_errors(void **state)
{
    const struct canned r[] = {dir_reply};
    const char *bad[] = {"mailto:ok@example.org", "b@example.org"};
    struct fx f;
    struct err err = {0};
    struct acme_account a;

    (void)state;
    fx_open(&f, r, 1, KID);
    assert_int_equal(acme_account_update_contacts(f.c, bad, 2, &a, &err), CP_EUSAGE);
    assert_string_equal(err.msg, "contact \"b@example.org\" is not a mailto: address");
    assert_int_equal(acme_client_set_account(f.c, f.sg, NULL), CP_OK);
    assert_int_equal(acme_account_update_contacts(f.c, bad, 1, &a, &err), CP_EUSAGE);
    assert_string_equal(err.msg, "no account URL to update at CA " DIR_URL);
    assert_int_equal(f.s.next, 1);
    fx_close(&f);
}

static void test_deactivate(void **state)
{
    const struct canned r[] = {
        dir_reply, nonce_reply,
        {200, "application/json", "n2", NULL, NULL, "{\"status\":\"deactivated\"}", KID}};
    struct fx f;
    struct err err = {0};
    struct acme_account a;
    json_t *p;

    (void)state;
    fx_open(&f, r, 3, KID);
    assert_int_equal(acme_account_deactivate(f.c, &a, &err), CP_OK);
    assert_string_equal(a.status, "deactivated");
    acme_account_free(&a);
    p = script_payload(&f.s, 2);
    assert_string_equal(json_string_value(json_object_get(p, "status")), "deactivated");
    json_decref(p);
    fx_close(&f);
}

static void test_deactivate_errors(void **state)
{
    const struct canned r[] = {
        dir_reply, nonce_reply,
        {200, "application/json", "n2", NULL, NULL, "{\"status\":\"valid\"}", KID},
        {403, "application/problem+json", "n3", NULL, NULL,
         "{\"type\":\"urn:ietf:params:acme:error:unauthorized\",\"detail\":\"gone\"}", KID}};
    struct fx f;
    struct err err = {0};

    (void)state;
    fx_open(&f, r, 4, KID);
    assert_int_equal(acme_account_deactivate(f.c, NULL, &err), CP_EPROTO);
    assert_string_equal(err.msg, "account " KID ": CA " DIR_URL " left it \"valid\", not deactivated");
    assert_int_equal(acme_account_deactivate(f.c, NULL, &err), CP_EACME);
    assert_string_equal(err.msg, "account " KID ": " KID " (HTTP 403): unauthorized: gone");
    fx_close(&f);
}

static const struct canned no_account = {
    400, "application/problem+json", "n2", NULL, NULL,
    "{\"type\":\"urn:ietf:params:acme:error:accountDoesNotExist\",\"detail\":\"none\"}",
    "https://ca.test/acct"};

static void test_key_change(void **state)
{
    const struct canned r[] = {
        dir_reply, nonce_reply, no_account,
        {200, "application/json", "n2", NULL, NULL, "{\"status\":\"valid\"}", KC_URL},
        {200, "application/json", "n3", NULL, NULL, "{\"status\":\"valid\"}", KID}};
    struct fx f;
    struct err err = {0};
    struct acme_account a;
    json_t *outer_payload, *inner_hdr, *inner_payload;
    char *kid;

    (void)state;
    fx_open(&f, r, 5, KID);
    assert_int_equal(acme_account_key_change(f.c, f.new_sg, &err), CP_OK);
    /* first, whose the new key is: onlyReturnExisting, signed by the new key with its jwk */
    kid = script_protected(&f.s, 2, "kid");
    assert_null(kid);
    outer_payload = script_payload(&f.s, 2);
    assert_true(json_is_true(json_object_get(outer_payload, "onlyReturnExisting")));
    json_decref(outer_payload);
    /* outer: the old key, with kid */
    kid = script_protected(&f.s, 3, "kid");
    assert_string_equal(kid, KID);
    free(kid);
    kid = script_protected(&f.s, 3, "alg");
    assert_string_equal(kid, "ES256");
    free(kid);
    /* inner: the new key, with jwk, the keyChange URL, no nonce, no kid */
    outer_payload = script_payload(&f.s, 3);
    inner_hdr = b64_json(json_string_value(json_object_get(outer_payload, "protected")));
    assert_true(json_equal(json_object_get(inner_hdr, "jwk"), jws_signer_jwk(f.new_sg)));
    assert_string_equal(json_string_value(json_object_get(inner_hdr, "url")), KC_URL);
    assert_string_equal(json_string_value(json_object_get(inner_hdr, "alg")), "RS256");
    assert_null(json_object_get(inner_hdr, "nonce"));
    assert_null(json_object_get(inner_hdr, "kid"));
    inner_payload = b64_json(json_string_value(json_object_get(outer_payload, "payload")));
    assert_string_equal(json_string_value(json_object_get(inner_payload, "account")), KID);
    assert_true(json_equal(json_object_get(inner_payload, "oldKey"), jws_signer_jwk(f.sg)));
    assert_non_null(json_object_get(outer_payload, "signature"));
    /* from now on the new key signs, with the same kid */
    assert_ptr_equal(acme_client_signer(f.c), f.new_sg);
    assert_string_equal(acme_client_kid(f.c), KID);
    assert_int_equal(acme_account_fetch(f.c, &a, &err), CP_OK);
    kid = script_protected(&f.s, 4, "alg");
    assert_string_equal(kid, "RS256");
    free(kid);
    acme_account_free(&a);
    json_decref(inner_payload);
    json_decref(inner_hdr);
    json_decref(outer_payload);
    fx_close(&f);
}

/* §7.3.5: the new key is another account's; the client keeps the old key. */
static void test_key_change_conflict(void **state)
{
    const struct canned r[] = {
        dir_reply, nonce_reply, no_account,
        {409, "application/problem+json", "n2", "https://ca.test/acct/2", NULL,
         "{\"type\":\"urn:ietf:params:acme:error:malformed\",\"detail\":\"key in use\"}", KC_URL}};
    struct fx f;
    struct err err = {0};

    (void)state;
    fx_open(&f, r, 4, KID);
    assert_int_equal(acme_account_key_change(f.c, f.new_sg, &err), CP_EEXIST);
    assert_string_equal(err.msg, "account " KID ": the new key already belongs to account "
                        "https://ca.test/acct/2");
    assert_ptr_equal(acme_client_signer(f.c), f.sg);
    fx_close(&f);
}

/* A CA that does not refuse a key another account holds (Pebble 2.6): the lookup
 * before the key change finds that account, and nothing is rolled over. */
static void test_key_change_key_of_another_account(void **state)
{
    const struct canned r[] = {
        dir_reply, nonce_reply,
        {200, "application/json", "n2", "https://ca.test/acct/2", NULL, "{\"status\":\"valid\"}",
         "https://ca.test/acct"}};
    struct fx f;
    struct err err = {0};

    (void)state;
    fx_open(&f, r, 3, KID);
    assert_int_equal(acme_account_key_change(f.c, f.new_sg, &err), CP_EEXIST);
    assert_string_equal(err.msg, "account " KID ": the new key already belongs to account "
                        "https://ca.test/acct/2");
    assert_int_equal(f.s.next, 3);  /* keyChange was never sent */
    assert_ptr_equal(acme_client_signer(f.c), f.sg);
    assert_string_equal(acme_client_kid(f.c), KID);
    fx_close(&f);
}

static void test_key_change_local_errors(void **state)
{
    const struct canned r[] = {dir_reply};
    const struct canned r2[] = {dir_no_kc};
    struct fx f;
    struct err err = {0};

    (void)state;
    fx_open(&f, r, 1, KID);
    assert_int_equal(acme_account_key_change(f.c, f.sg, &err), CP_EUSAGE);
    assert_string_equal(err.msg, "account " KID ": the new key is the current key");
    assert_int_equal(acme_client_set_account(f.c, f.sg, NULL), CP_OK);
    assert_int_equal(acme_account_key_change(f.c, f.new_sg, &err), CP_EUSAGE);
    assert_string_equal(err.msg, "no account URL whose key could change at CA " DIR_URL);
    assert_int_equal(f.s.next, 1);
    fx_close(&f);
    fx_open(&f, r2, 1, KID);
    assert_int_equal(acme_account_key_change(f.c, f.new_sg, &err), CP_EPROTO);
    assert_string_equal(err.msg, "CA " DIR_URL " has no keyChange URL");
    fx_close(&f);
}

/* Library messages name the CA and what it needs, never a command-line flag. */
static void test_create_messages_name_no_flags(void **state)
{
    const struct canned r[] = {
        {200, "application/json", NULL, NULL, NULL,
         "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\","
         "\"newOrder\":\"https://ca.test/order\",\"meta\":{\"externalAccountRequired\":true,"
         "\"termsOfService\":\"https://ca.test/tos\"}}"}};
    struct fx f;
    struct err err = {0};
    struct acme_account a;

    (void)state;
    fx_open(&f, r, 1, NULL);
    assert_int_equal(acme_account_create(f.c, NULL, 0, true, NULL, &a, &err), CP_EUSAGE);
    assert_string_equal(err.msg, "CA " DIR_URL " requires External Account Binding (a key "
                        "identifier and an HMAC key the CA gives out)");
    fx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_update_contacts),
        cmocka_unit_test(test_update_contacts_errors),
        cmocka_unit_test(test_deactivate),
        cmocka_unit_test(test_deactivate_errors),
        cmocka_unit_test(test_key_change),
        cmocka_unit_test(test_key_change_conflict),
        cmocka_unit_test(test_key_change_key_of_another_account),
        cmocka_unit_test(test_key_change_local_errors),
        cmocka_unit_test(test_create_messages_name_no_flags),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
