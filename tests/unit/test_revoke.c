/*
 * acme/revoke offline: reason names, the revokeCert payload (DER of the
 * certificate, reason left out when unspecified), signing by the account
 * (kid) or by the certificate's own key (jwk, account put back after),
 * and the errors: alreadyRevoked, a refusal, a key that is not the
 * certificate's, nothing to sign with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme/revoke.h"
#include "crypto/cert.h"
#include "crypto/key.h"
#include "jose/b64url.h"
#include "jose/jws.h"
#include "support/certs.h"
#include "support/script.h"

#define DIR_URL "https://ca.test/dir"
#define KID "https://ca.test/acct/1"
#define REVOKE_URL "https://ca.test/revoke"
static const struct canned dir_reply = {
    200, "application/json", NULL, NULL, NULL,
    "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\","
    "\"newOrder\":\"https://ca.test/order\",\"revokeCert\":\"" REVOKE_URL "\"}"};
static const struct canned nonce_reply = {200, NULL, "n1"};
static const struct canned ok_reply = {200, NULL, "n2", NULL, NULL, NULL, REVOKE_URL};

static void test_reason_parse(void **state)
{
    static const struct {
        const char *name;
        enum acme_revoke_reason code;
    } good[] = {{"unspecified", 0}, {"keyCompromise", 1}, {"affiliationChanged", 3},
                {"superseded", 4}, {"cessationOfOperation", 5}, {"KEYCOMPROMISE", 1}};
    enum acme_revoke_reason r;
    struct err err = {0};

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(acme_revoke_reason_parse(good[i].name, &r, &err), CP_OK);
        assert_int_equal(r, good[i].code);
    }
    assert_int_equal(acme_revoke_reason_parse("cACompromise", &r, &err), CP_EUSAGE);
    assert_string_equal(err.msg, "revocation reason \"cACompromise\" is not one of unspecified, "
                        "keyCompromise, affiliationChanged, superseded, cessationOfOperation");
    assert_int_equal(acme_revoke_reason_parse(NULL, &r, NULL), CP_EUSAGE);
    assert_string_equal(acme_revoke_reason_name(4), "superseded");
    assert_null(acme_revoke_reason_name(2));
}

struct fx {
    struct script s;
    struct acme_client *c;
    EVP_PKEY *acct_key, *cert_key;
    struct jws_signer *sg;
    char *pem;
};

static void fx_open(struct fx *f, const struct canned *r, size_t n, const char *kid)
{
    struct err err = {0};

    f->c = script_client(&f->s, DIR_URL, r, n, &err);
    assert_non_null(f->c);
    f->acct_key = key_generate(KEY_EC_P256, NULL);
    f->cert_key = key_generate(KEY_EC_P384, NULL);
    f->sg = jws_signer_new(f->acct_key, NULL);
    assert_int_equal(acme_client_set_account(f->c, f->sg, kid), CP_OK);
    f->pem = test_make_cert(f->cert_key, (const unsigned char *)TEST_RFC9773_SERIAL, 4);
}

static void fx_close(struct fx *f)
{
    acme_client_free(f->c);
    jws_signer_free(f->sg);
    EVP_PKEY_free(f->acct_key);
    EVP_PKEY_free(f->cert_key);
    free(f->pem);
    script_done(&f->s);
}

static char *der_b64(const char *pem)
{
    unsigned char *der = NULL;
    size_t len = 0;
    char *b64;

    assert_int_equal(cert_pem_to_der(pem, strlen(pem), &der, &len, NULL), CP_OK);
    b64 = b64url_encode(der, len);
    free(der);
    return b64;
}

static void test_revoke_by_account(void **state)
{
    const struct canned r[] = {dir_reply, nonce_reply, ok_reply};
    struct fx f;
    struct err err = {0};
    json_t *p;
    char *kid, *b64;

    (void)state;
    fx_open(&f, r, 3, KID);
    assert_int_equal(acme_revoke(f.c, f.pem, strlen(f.pem), ACME_REVOKE_KEY_COMPROMISE, NULL, &err),
                     CP_OK);
    p = script_payload(&f.s, 2);
    b64 = der_b64(f.pem);
    assert_string_equal(json_string_value(json_object_get(p, "certificate")), b64);
    assert_int_equal(json_integer_value(json_object_get(p, "reason")), 1);
    kid = script_protected(&f.s, 2, "kid");
    assert_string_equal(kid, KID);
    free(kid);
    free(b64);
    json_decref(p);
    fx_close(&f);
}

/* RFC 8555 §7.6: no reason means unspecified, so 0 is not sent. */
static void test_revoke_unspecified(void **state)
{
    const struct canned r[] = {dir_reply, nonce_reply, ok_reply};
    struct fx f;
    json_t *p;

    (void)state;
    fx_open(&f, r, 3, KID);
    assert_int_equal(acme_revoke(f.c, f.pem, strlen(f.pem), ACME_REVOKE_UNSPECIFIED, NULL, NULL),
                     CP_OK);
    p = script_payload(&f.s, 2);
    assert_null(json_object_get(p, "reason"));
    json_decref(p);
    fx_close(&f);
}

static json_t *protected_header(const struct script *s, size_t i)
{
    json_t *jws = json_loads(s->sent_body[i], 0, NULL), *hdr;
    const char *v = json_string_value(json_object_get(jws, "protected"));
    unsigned char *raw = NULL;
    size_t len = 0;

    assert_int_equal(b64url_decode(v, strlen(v), &raw, &len), CP_OK);
    hdr = json_loadb((char *)raw, len, 0, NULL);
    assert_non_null(hdr);
    json_decref(jws);
    free(raw);
    return hdr;
}

/* Signed by the certificate's key with its JWK; the account is back afterwards. */
static void test_revoke_by_cert_key(void **state)
{
    const struct canned r[] = {dir_reply, nonce_reply, ok_reply};
    struct fx f;
    struct err err = {0};
    struct jws_signer *cert_sg;
    json_t *hdr;

    (void)state;
    fx_open(&f, r, 3, KID);
    assert_int_equal(acme_revoke(f.c, f.pem, strlen(f.pem), ACME_REVOKE_SUPERSEDED, f.cert_key,
                                 &err), CP_OK);
    hdr = protected_header(&f.s, 2);
    cert_sg = jws_signer_new(f.cert_key, NULL);
    assert_null(json_object_get(hdr, "kid"));
    assert_true(json_equal(json_object_get(hdr, "jwk"), jws_signer_jwk(cert_sg)));
    assert_string_equal(json_string_value(json_object_get(hdr, "alg")), "ES384");
    assert_string_equal(acme_client_kid(f.c), KID);
    assert_ptr_equal(acme_client_signer(f.c), f.sg);
    jws_signer_free(cert_sg);
    json_decref(hdr);
    fx_close(&f);
}

/* A lost account: no kid at all, the certificate's key alone. */
static void test_revoke_by_cert_key_without_account(void **state)
{
    const struct canned r[] = {dir_reply, nonce_reply, ok_reply};
    struct fx f;

    (void)state;
    fx_open(&f, r, 3, NULL);
    assert_int_equal(acme_revoke(f.c, f.pem, strlen(f.pem), ACME_REVOKE_KEY_COMPROMISE,
                                 f.cert_key, NULL), CP_OK);
    assert_null(acme_client_kid(f.c));
    fx_close(&f);
}

static void test_already_revoked(void **state)
{
    const struct canned r[] = {
        dir_reply, nonce_reply,
        {400, "application/problem+json", "n2", NULL, NULL,
         "{\"type\":\"urn:ietf:params:acme:error:alreadyRevoked\",\"detail\":\"done\"}"}};
    struct fx f;
    struct err err = {0};

    (void)state;
    fx_open(&f, r, 3, KID);
    assert_int_equal(acme_revoke(f.c, f.pem, strlen(f.pem), ACME_REVOKE_SUPERSEDED, NULL, &err),
                     CP_EEXIST);
    assert_string_equal(err.msg, "certificate 87654321 is already revoked (CA " DIR_URL ")");
    fx_close(&f);
}

static void test_revoke_refused(void **state)
{
    const struct canned r[] = {
        dir_reply, nonce_reply,
        {403, "application/problem+json", "n2", NULL, NULL,
         "{\"type\":\"urn:ietf:params:acme:error:unauthorized\",\"detail\":\"not yours\"}"}};
    struct fx f;
    struct err err = {0};

    (void)state;
    fx_open(&f, r, 3, KID);
    assert_int_equal(acme_revoke(f.c, f.pem, strlen(f.pem), ACME_REVOKE_SUPERSEDED, NULL, &err),
                     CP_EACME);
    assert_string_equal(err.msg, "revoking certificate 87654321: " REVOKE_URL
                        " (HTTP 403): unauthorized: not yours");
    fx_close(&f);
}

/* Nothing is sent when the key is not the certificate's, or there is nothing to sign with. */
static void test_revoke_local_errors(void **state)
{
    const struct canned r[] = {dir_reply};
    struct fx f;
    struct err err = {0};

    (void)state;
    fx_open(&f, r, 1, NULL);
    assert_int_equal(acme_revoke(f.c, f.pem, strlen(f.pem), ACME_REVOKE_SUPERSEDED, f.acct_key,
                                 &err), CP_EINVALID);
    assert_string_equal(err.msg, "revoking certificate 87654321: certificate does not belong to the key");
    assert_int_equal(acme_revoke(f.c, f.pem, strlen(f.pem), ACME_REVOKE_SUPERSEDED, NULL, &err),
                     CP_EUSAGE);
    assert_string_equal(err.msg, "revoking certificate 87654321: no account and no certificate key "
                        "to sign with");
    assert_int_equal(acme_revoke(f.c, "junk", 4, ACME_REVOKE_SUPERSEDED, NULL, &err), CP_EINVALID);
    assert_int_equal(acme_revoke(f.c, f.pem, strlen(f.pem), (enum acme_revoke_reason)2, NULL, &err),
                     CP_EUSAGE);
    assert_string_equal(err.msg, "revocation reason 2 is not one a subscriber may give");
    assert_int_equal(f.s.next, 1);
    fx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reason_parse),
        cmocka_unit_test(test_revoke_by_account),
        cmocka_unit_test(test_revoke_unspecified),
        cmocka_unit_test(test_revoke_by_cert_key),
        cmocka_unit_test(test_revoke_by_cert_key_without_account),
        cmocka_unit_test(test_already_revoked),
        cmocka_unit_test(test_revoke_refused),
        cmocka_unit_test(test_revoke_local_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
