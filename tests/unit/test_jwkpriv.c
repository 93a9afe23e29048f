/* Unit tests for src/jose/jwkpriv.c: private JWKs (certbot's private_key.json) as keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/key.h"
#include "jose/jwk.h"
#include "support/files.h"
#include "util/str.h"

static json_t *data_json(const char *rel)
{
    const char *dir = getenv("CP_TEST_DATA");
    char *path = str_printf("%s/certbot/%s", dir != NULL ? dir : "tests/data", rel);
    json_t *j;

    assert_non_null(path);
    j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    free(path);
    return j;
}

static void key_ok(const char *file, enum key_type want)
{
    json_t *jwk = data_json(file), *pub;
    struct err e = {0};
    EVP_PKEY *key = jwk_private_key(jwk, "k.json", &e);
    enum key_type t;

    if (key == NULL)
        fail_msg("unexpected error: %s", e.msg);
    assert_int_equal(key_type_of(key, &t, &e), CP_OK);
    assert_int_equal(t, want);
    /* the public JWK made from the key is the file's public part */
    pub = jwk_from_key(key, &e);
    assert_non_null(pub);
    assert_string_equal(json_string_value(json_object_get(pub, want == KEY_RSA_2048 ? "n" : "x")),
                        json_string_value(json_object_get(jwk, want == KEY_RSA_2048 ? "n" : "x")));
    json_decref(pub);
    EVP_PKEY_free(key);
    json_decref(jwk);
}

/* certbot 2.1's account key (RSA 2048) and EC keys in josepy's form. */
static void test_good_keys(void **state)
{
    (void)state;
    key_ok("rsa_private_key.json", KEY_RSA_2048);
    key_ok("ec256_private_key.json", KEY_EC_P256);
    key_ok("ec384_private_key.json", KEY_EC_P384);
}

/* file with member set to value (NULL: removed) must fail with exactly msg. */
static void key_bad(const char *file, const char *member, const char *value, const char *msg)
{
    json_t *jwk = data_json(file);
    struct err e = {0};
    EVP_PKEY *key;

    if (value == NULL)
        json_object_del(jwk, member);
    else
        json_object_set_new(jwk, member, json_string(value));
    key = jwk_private_key(jwk, "k.json", &e);
    assert_null(key);
    assert_int_equal(e.code, CP_EINVALID);
    assert_string_equal(e.msg, msg);
    json_decref(jwk);
}

static void test_bad_keys(void **state)
{
    struct err e = {0};
    json_t *arr = json_array();

    (void)state;
    assert_null(jwk_private_key(arr, "k.json", &e));
    assert_string_equal(e.msg, "k.json: not a JSON object");
    json_decref(arr);
    key_bad("rsa_private_key.json", "kty", "oct", "k.json: key type \"oct\" is not supported (RSA or EC)");
    key_bad("rsa_private_key.json", "kty", NULL, "k.json: key type \"(none)\" is not supported (RSA or EC)");
    key_bad("rsa_private_key.json", "d", NULL, "k.json: member \"d\" is missing or not a string");
    key_bad("rsa_private_key.json", "qi", NULL, "k.json: member \"qi\" is missing or not a string");
    key_bad("rsa_private_key.json", "p", "a+b/", "k.json: member \"p\" is not base64url");
    key_bad("rsa_private_key.json", "e", "", "k.json: member \"e\" is not base64url");
    key_bad("ec256_private_key.json", "crv", "P-521", "k.json: curve \"P-521\" is not supported (P-256 or P-384)");
    key_bad("ec256_private_key.json", "x", "AAAA", "k.json: x and y must be 32 bytes for its curve");
    key_bad("ec256_private_key.json", "d", NULL, "k.json: member \"d\" is missing or not a string");
}

/* A private part that is not the public part's: refused, naming the file, never the key. */
static void test_mismatched_parts(void **state)
{
    json_t *a = data_json("ec256_private_key.json"), *b = data_json("ec384_private_key.json");
    json_t *r = data_json("rsa_private_key.json");
    struct err e = {0};

    (void)state;
    /* d of another P-256 key: made by flipping the last character */
    char *d = str_dup(json_string_value(json_object_get(a, "d")));
    d[strlen(d) - 2] = d[strlen(d) - 2] == 'A' ? 'B' : 'A';
    json_object_set_new(a, "d", json_string(d));
    assert_null(jwk_private_key(a, "k.json", &e));
    assert_int_equal(e.code, CP_EINVALID);
    assert_true(str_has_prefix(e.msg, "k.json: the private and public parts do not belong together"));
    assert_null(strstr(e.msg, d));
    json_object_set(r, "dq", json_object_get(r, "dp"));
    assert_null(jwk_private_key(r, "k.json", &e));
    assert_true(str_has_prefix(e.msg, "k.json: "));
    free(d);
    json_decref(a);
    json_decref(b);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_keys),
        cmocka_unit_test(test_bad_keys),
        cmocka_unit_test(test_mismatched_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
