/* Unit tests for src/jose: base64url, JWK and thumbprints, JWS signing, EAB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto/key.h"
#include "jose/b64url.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "util/str.h"

/* ---- helpers ---------------------------------------------------------- */

static char *data_path(const char *rel)
{
    const char *dir = getenv("CP_TEST_DATA");

    assert_non_null(dir);
    return str_printf("%s/%s", dir, rel);
}

/* Decode a base64url string that must be valid; returns malloc'd bytes. */
static unsigned char *must_decode(const char *s, size_t *len)
{
    unsigned char *out = NULL;

    assert_int_equal(b64url_decode(s, strlen(s), &out, len), CP_OK);
    return out;
}

static json_t *decode_json(const char *b64)
{
    size_t len = 0;
    unsigned char *raw = must_decode(b64, &len);
    json_t *j = json_loadb((const char *)raw, len, 0, NULL);

    free(raw);
    assert_non_null(j);
    return j;
}

/* ---- base64url -------------------------------------------------------- */

static void test_b64url_rfc4648_vectors(void **state)
{
    /* RFC 4648 §10, without padding. */
    static const char *const vec[][2] = {
        {"", ""},          {"f", "Zg"},         {"fo", "Zm8"},       {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        char *enc = b64url_encode(vec[i][0], strlen(vec[i][0]));
        unsigned char *dec = NULL;
        size_t len = 99;

        assert_non_null(enc);
        assert_string_equal(enc, vec[i][1]);
        assert_int_equal(b64url_decode(enc, strlen(enc), &dec, &len), CP_OK);
        assert_int_equal(len, strlen(vec[i][0]));
        assert_memory_equal(dec, vec[i][0], len);
        assert_int_equal(dec[len], '\0');
        free(enc);
        free(dec);
    }
}

static void test_b64url_url_alphabet(void **state)
{
    const unsigned char in[] = {0xfb, 0xff};
    char *enc = b64url_encode(in, sizeof(in));
    unsigned char *dec = NULL;
    size_t len = 0;

    (void)state;
    assert_string_equal(enc, "-_8");
    assert_int_equal(b64url_decode(enc, strlen(enc), &dec, &len), CP_OK);
    assert_int_equal(len, 2);
    assert_memory_equal(dec, in, 2);
    free(enc);
    free(dec);
}

static void test_b64url_roundtrip_random(void **state)
{
    unsigned char in[64];

    (void)state;
    for (size_t n = 0; n <= sizeof(in); n++) {
        unsigned char *dec = NULL;
        size_t len = 0;
        char *enc;

        assert_int_equal(RAND_bytes(in, sizeof(in)), 1);
        enc = b64url_encode(in, n);
        assert_non_null(enc);
        assert_int_equal(strlen(enc), (n * 4 + 2) / 3);
        assert_null(strpbrk(enc, "+/="));
        assert_int_equal(b64url_decode(enc, strlen(enc), &dec, &len), CP_OK);
        assert_int_equal(len, n);
        if (n > 0)
            assert_memory_equal(dec, in, n);
        free(enc);
        free(dec);
    }
}

static void test_b64url_decode_rejects(void **state)
{
    static const char *const bad[] = {"Zg==", "Z", "a+b/", "a b", "a+bc", "ab/c",
                                       "Zm=v", "Zm9v\n", "Zm9vY"};
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *dec = (unsigned char *)"sentinel";
        size_t len = 7;

        assert_int_equal(b64url_decode(bad[i], strlen(bad[i]), &dec, &len), CP_EINVALID);
        assert_null(dec);
        assert_int_equal(len, 0);
    }
}

static void test_b64url_decode_embedded_nul(void **state)
{
    unsigned char *dec = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(b64url_decode("Zm\0v", 4, &dec, &len), CP_EINVALID);
    assert_null(dec);
}

/* ---- JWK -------------------------------------------------------------- */

static void test_jwk_thumbprint_rfc7638(void **state)
{
    char *path = data_path("jose/rfc7638.json");
    json_t *jwk = json_load_file(path, 0, NULL);
    struct err e;
    char *tp;

    (void)state;
    assert_non_null(jwk);
    err_clear(&e);
    tp = jwk_thumbprint_json(jwk, &e);
    assert_non_null(tp);
    /* RFC 7638 §3.1: the expected thumbprint of the example key. */
    assert_string_equal(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    free(tp);
    json_decref(jwk);
    free(path);
}

static void test_jwk_thumbprint_rejects(void **state)
{
    json_t *no_n = json_pack("{s:s, s:s}", "kty", "RSA", "e", "AQAB");
    json_t *oct = json_pack("{s:s, s:s}", "kty", "oct", "k", "AAAA");
    json_t *num_x = json_pack("{s:s, s:s, s:i, s:s}", "kty", "EC", "crv", "P-256", "x", 1,
                              "y", "AA");
    json_t *arr = json_array();
    struct err e;

    (void)state;
    err_clear(&e);
    assert_null(jwk_thumbprint_json(no_n, &e));
    assert_int_equal(e.code, CP_EINVALID);
    assert_non_null(strstr(e.msg, "\"n\""));
    err_clear(&e);
    assert_null(jwk_thumbprint_json(oct, &e));
    assert_int_equal(e.code, CP_EINVALID);
    err_clear(&e);
    assert_null(jwk_thumbprint_json(num_x, &e));
    assert_int_equal(e.code, CP_EINVALID);
    err_clear(&e);
    assert_null(jwk_thumbprint_json(arr, &e));
    assert_int_equal(e.code, CP_EINVALID);
    json_decref(no_n);
    json_decref(oct);
    json_decref(num_x);
    json_decref(arr);
}

/* Coordinate of an EC key as fixed-width bytes, for comparison. */
static void ec_coord(EVP_PKEY *key, const char *param, unsigned char *out, int size)
{
    BIGNUM *bn = NULL;

    assert_int_equal(EVP_PKEY_get_bn_param(key, param, &bn), 1);
    assert_int_equal(BN_bn2binpad(bn, out, size), size);
    BN_free(bn);
}

static void check_ec_jwk(EVP_PKEY *key, const char *crv, size_t b64len, int size)
{
    json_t *jwk = jwk_from_key(key, NULL);
    unsigned char want[48], *got;
    size_t len = 0;
    char *tp1, *tp2;

    assert_non_null(jwk);
    assert_int_equal(json_object_size(jwk), 4);
    assert_string_equal(json_string_value(json_object_get(jwk, "kty")), "EC");
    assert_string_equal(json_string_value(json_object_get(jwk, "crv")), crv);
    assert_int_equal(strlen(json_string_value(json_object_get(jwk, "x"))), b64len);
    assert_int_equal(strlen(json_string_value(json_object_get(jwk, "y"))), b64len);
    got = must_decode(json_string_value(json_object_get(jwk, "x")), &len);
    ec_coord(key, OSSL_PKEY_PARAM_EC_PUB_X, want, size);
    assert_int_equal(len, size);
    assert_memory_equal(got, want, size);
    free(got);
    got = must_decode(json_string_value(json_object_get(jwk, "y")), &len);
    ec_coord(key, OSSL_PKEY_PARAM_EC_PUB_Y, want, size);
    assert_memory_equal(got, want, size);
    free(got);
    tp1 = jwk_thumbprint(key, NULL);
    tp2 = jwk_thumbprint_json(jwk, NULL);
    assert_non_null(tp1);
    assert_string_equal(tp1, tp2);
    assert_int_equal(strlen(tp1), 43);
    free(tp1);
    free(tp2);
    json_decref(jwk);
}

static void test_jwk_ec_members(void **state)
{
    EVP_PKEY *p256 = key_generate(KEY_EC_P256, NULL);
    EVP_PKEY *p384 = key_generate(KEY_EC_P384, NULL);

    (void)state;
    check_ec_jwk(p256, "P-256", 43, 32);
    check_ec_jwk(p384, "P-384", 64, 48);
    EVP_PKEY_free(p256);
    EVP_PKEY_free(p384);
}

/* About 1 key in 128 has a coordinate with a leading zero byte: find one and
 * check the JWK keeps it (RFC 7518 §6.2.1.2). */
static void test_jwk_ec_pads_short_coordinate(void **state)
{
    (void)state;
    for (int i = 0; i < 20000; i++) {
        EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
        BIGNUM *x = NULL, *y = NULL;
        int short_coord;

        assert_non_null(key);
        assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x), 1);
        assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y), 1);
        short_coord = BN_num_bytes(x) < 32 || BN_num_bytes(y) < 32;
        BN_free(x);
        BN_free(y);
        if (short_coord) {
            check_ec_jwk(key, "P-256", 43, 32);
            EVP_PKEY_free(key);
            return;
        }
        EVP_PKEY_free(key);
    }
    fail_msg("no P-256 key with a short coordinate in 20000 tries");
}

static void test_jwk_rsa_members(void **state)
{
    EVP_PKEY *key = key_generate(KEY_RSA_2048, NULL);
    json_t *jwk = jwk_from_key(key, NULL);
    unsigned char *n;
    size_t len = 0;

    (void)state;
    assert_non_null(jwk);
    assert_int_equal(json_object_size(jwk), 3);
    assert_string_equal(json_string_value(json_object_get(jwk, "kty")), "RSA");
    /* RFC 7518 §6.3.1.2: 65537 is "AQAB", no leading zero octet. */
    assert_string_equal(json_string_value(json_object_get(jwk, "e")), "AQAB");
    n = must_decode(json_string_value(json_object_get(jwk, "n")), &len);
    assert_int_equal(len, 256);
    assert_int_not_equal(n[0], 0);
    free(n);
    json_decref(jwk);
    EVP_PKEY_free(key);
}

static void test_jwk_rejects_unsupported(void **state)
{
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
    struct err e;

    (void)state;
    err_clear(&e);
    assert_null(jwk_from_key(ed, &e));
    assert_int_equal(e.code, CP_EINVALID);
    err_clear(&e);
    assert_null(jwk_from_key(p521, &e));
    assert_int_equal(e.code, CP_EINVALID);
    EVP_PKEY_free(ed);
    EVP_PKEY_free(p521);
}

/* ---- JWS -------------------------------------------------------------- */

/* raw r||s (RFC 7518 §3.4) back to the DER form EVP_DigestVerify wants. */
static unsigned char *raw_to_der(const unsigned char *raw, size_t len, size_t *der_len)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)(len / 2), NULL);
    BIGNUM *s = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL);
    unsigned char *der = NULL;
    int n;

    assert_non_null(sig);
    assert_int_equal(ECDSA_SIG_set0(sig, r, s), 1);
    n = i2d_ECDSA_SIG(sig, &der);
    assert_true(n > 0);
    *der_len = (size_t)n;
    ECDSA_SIG_free(sig);
    return der;
}

/* Verify a flattened JWS with OpenSSL alone. Returns 1 valid, 0 invalid. */
static int verify_jws(const json_t *jws, EVP_PKEY *key, const char *md_name, size_t coord)
{
    const char *prot = json_string_value(json_object_get(jws, "protected"));
    const char *pay = json_string_value(json_object_get(jws, "payload"));
    const char *sig_b64 = json_string_value(json_object_get(jws, "signature"));
    char *input = str_printf("%s.%s", prot, pay);
    unsigned char *sig, *der = NULL;
    size_t sig_len = 0, der_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok;

    assert_non_null(input);
    sig = must_decode(sig_b64, &sig_len);
    if (coord > 0) {
        assert_int_equal(sig_len, coord * 2);
        der = raw_to_der(sig, sig_len, &der_len);
    }
    assert_int_equal(EVP_DigestVerifyInit_ex(ctx, NULL, md_name, NULL, NULL, key, NULL), 1);
    ok = EVP_DigestVerify(ctx, der != NULL ? der : sig, der != NULL ? der_len : sig_len,
                          (const unsigned char *)input, strlen(input));
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    free(sig);
    free(input);
    return ok == 1;
}

/* A copy of jws with one signature byte flipped. */
static json_t *flip_signature(const json_t *jws)
{
    json_t *bad = json_deep_copy(jws);
    size_t len = 0;
    unsigned char *sig = must_decode(json_string_value(json_object_get(jws, "signature")), &len);
    char *enc;

    sig[len / 3] ^= 0x01;
    enc = b64url_encode(sig, len);
    json_object_set_new(bad, "signature", json_string(enc));
    free(enc);
    free(sig);
    return bad;
}

static void check_sign(enum key_type t, const char *alg, const char *md, size_t coord)
{
    EVP_PKEY *key = key_generate(t, NULL);
    struct jws_signer *s = jws_signer_new(key, NULL);
    const char *payload = "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.com\"}]}";
    json_t *hdr = json_pack("{s:s, s:s, s:s}", "url", "https://ca.test/new-order",
                            "nonce", "abc-123", "kid", "https://ca.test/acct/1");
    json_t *jws, *prot, *bad;
    char *pay_b64 = b64url_encode(payload, strlen(payload));

    assert_non_null(s);
    assert_string_equal(jws_signer_alg(s), alg);
    jws = jws_sign(s, hdr, payload, strlen(payload), NULL);
    assert_non_null(jws);
    assert_int_equal(json_object_size(jws), 3);
    prot = decode_json(json_string_value(json_object_get(jws, "protected")));
    assert_int_equal(json_object_size(prot), 4);
    assert_string_equal(json_string_value(json_object_get(prot, "alg")), alg);
    assert_string_equal(json_string_value(json_object_get(prot, "url")),
                        "https://ca.test/new-order");
    assert_string_equal(json_string_value(json_object_get(prot, "nonce")), "abc-123");
    assert_string_equal(json_string_value(json_object_get(prot, "kid")),
                        "https://ca.test/acct/1");
    assert_string_equal(json_string_value(json_object_get(jws, "payload")), pay_b64);
    assert_true(verify_jws(jws, key, md, coord));
    bad = flip_signature(jws);
    assert_false(verify_jws(bad, key, md, coord));
    json_decref(bad);
    json_decref(prot);
    json_decref(jws);
    json_decref(hdr);
    free(pay_b64);
    jws_signer_free(s);
    EVP_PKEY_free(key);
}

static void test_jws_es256(void **state)
{
    (void)state;
    check_sign(KEY_EC_P256, "ES256", "SHA256", 32);
}

static void test_jws_es384(void **state)
{
    (void)state;
    check_sign(KEY_EC_P384, "ES384", "SHA384", 48);
}

static void test_jws_rs256(void **state)
{
    (void)state;
    check_sign(KEY_RSA_2048, "RS256", "SHA256", 0);
}

/* About 1 signature in 128 has r (or s) shorter than 32 bytes: sign until
 * both cases were seen, checking each stays 64 bytes and verifies (RFC 7518 §3.4). */
static void test_jws_es256_pads_short_r_s(void **state)
{
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    struct jws_signer *s = jws_signer_new(key, NULL);
    json_t *hdr = json_pack("{s:s, s:s}", "url", "https://ca.test/x", "nonce", "n");
    int short_r = 0, short_s = 0;

    (void)state;
    for (int i = 0; i < 20000 && !(short_r && short_s); i++) {
        json_t *jws = jws_sign(s, hdr, &i, sizeof(i), NULL);
        size_t len = 0;
        unsigned char *sig = must_decode(json_string_value(json_object_get(jws, "signature")),
                                         &len);

        assert_int_equal(len, 64);
        short_r |= sig[0] == 0;
        short_s |= sig[32] == 0;
        assert_true(verify_jws(jws, key, "SHA256", 32));
        free(sig);
        json_decref(jws);
    }
    assert_true(short_r && short_s);
    json_decref(hdr);
    jws_signer_free(s);
    EVP_PKEY_free(key);
}

/* RFC 8555 §6.2: newAccount carries the jwk instead of a kid. The signer
 * must set alg itself even when the caller passed another one. */
static void test_jws_jwk_header_and_alg_override(void **state)
{
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    struct jws_signer *s = jws_signer_new(key, NULL);
    json_t *hdr = json_pack("{s:s, s:s, s:s, s:O}", "alg", "none", "url", "https://ca.test/na",
                            "nonce", "n1", "jwk", jws_signer_jwk(s));
    json_t *jws = jws_sign(s, hdr, "{}", 2, NULL);
    json_t *prot;
    char *tp = jwk_thumbprint(key, NULL);

    (void)state;
    assert_non_null(jws);
    prot = decode_json(json_string_value(json_object_get(jws, "protected")));
    assert_string_equal(json_string_value(json_object_get(prot, "alg")), "ES256");
    assert_true(json_equal(json_object_get(prot, "jwk"), jws_signer_jwk(s)));
    assert_null(json_object_get(prot, "kid"));
    assert_string_equal(jws_signer_thumbprint(s), tp);
    /* The caller's header is borrowed: untouched. */
    assert_string_equal(json_string_value(json_object_get(hdr, "alg")), "none");
    assert_true(verify_jws(jws, key, "SHA256", 32));
    free(tp);
    json_decref(prot);
    json_decref(jws);
    json_decref(hdr);
    jws_signer_free(s);
    EVP_PKEY_free(key);
}

/* RFC 8555 §6.3: POST-as-GET has an empty payload string. */
static void test_jws_post_as_get(void **state)
{
    EVP_PKEY *key = key_generate(KEY_EC_P384, NULL);
    struct jws_signer *s = jws_signer_new(key, NULL);
    json_t *hdr = json_pack("{s:s, s:s, s:s}", "url", "https://ca.test/authz/1", "nonce", "n2",
                            "kid", "https://ca.test/acct/1");
    json_t *a = jws_sign(s, hdr, NULL, 0, NULL);
    json_t *b = jws_sign(s, hdr, "ignored", 0, NULL);

    (void)state;
    /* The signer holds its own reference: dropping ours must be safe. */
    EVP_PKEY_free(key);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(a, "payload")), "");
    assert_string_equal(json_string_value(json_object_get(b, "payload")), "");
    json_decref(a);
    json_decref(b);
    json_decref(hdr);
    jws_signer_free(s);
}

static void test_jws_sign_rejects_non_object(void **state)
{
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    struct jws_signer *s = jws_signer_new(key, NULL);
    json_t *hdr = json_string("url");
    struct err e;

    (void)state;
    err_clear(&e);
    assert_null(jws_sign(s, hdr, NULL, 0, &e));
    assert_int_equal(e.code, CP_EUSAGE);
    json_decref(hdr);
    jws_signer_free(s);
    EVP_PKEY_free(key);
}

static void test_jws_signer_rejects_unsupported(void **state)
{
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    EVP_PKEY *rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    struct err e;

    (void)state;
    err_clear(&e);
    assert_null(jws_signer_new(ed, &e));
    assert_int_equal(e.code, CP_EINVALID);
    err_clear(&e);
    assert_null(jws_signer_new(rsa1024, &e));
    assert_int_equal(e.code, CP_EINVALID);
    assert_non_null(strstr(e.msg, "1024"));
    err_clear(&e);
    assert_null(jws_signer_new(NULL, &e));
    assert_int_equal(e.code, CP_EINVALID);
    EVP_PKEY_free(ed);
    EVP_PKEY_free(rsa1024);
}

/* ---- EAB -------------------------------------------------------------- */

static void test_jws_eab(void **state)
{
    static const unsigned char hmac_key[] = "0123456789abcdef0123456789abcdef";
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    json_t *jwk = jwk_from_key(key, NULL);
    json_t *eab = jws_eab("kid-1", hmac_key, 32, jwk, "https://ca.test/new-acct", NULL);
    json_t *prot, *payload;
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    char *input, *want;

    (void)state;
    assert_non_null(eab);
    prot = decode_json(json_string_value(json_object_get(eab, "protected")));
    assert_int_equal(json_object_size(prot), 3);
    assert_string_equal(json_string_value(json_object_get(prot, "alg")), "HS256");
    assert_string_equal(json_string_value(json_object_get(prot, "kid")), "kid-1");
    assert_string_equal(json_string_value(json_object_get(prot, "url")),
                        "https://ca.test/new-acct");
    payload = decode_json(json_string_value(json_object_get(eab, "payload")));
    assert_true(json_equal(payload, jwk));
    input = str_printf("%s.%s", json_string_value(json_object_get(eab, "protected")),
                       json_string_value(json_object_get(eab, "payload")));
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, hmac_key, 32,
                              (const unsigned char *)input, strlen(input), mac, sizeof(mac),
                              &mac_len));
    assert_int_equal(mac_len, 32);
    want = b64url_encode(mac, mac_len);
    assert_string_equal(json_string_value(json_object_get(eab, "signature")), want);
    free(want);
    free(input);
    json_decref(payload);
    json_decref(prot);
    json_decref(eab);
    json_decref(jwk);
    EVP_PKEY_free(key);
}

static void test_jws_eab_rejects_empty_key(void **state)
{
    json_t *jwk = json_pack("{s:s}", "kty", "EC");
    struct err e;

    (void)state;
    err_clear(&e);
    assert_null(jws_eab("kid", (const unsigned char *)"", 0, jwk, "https://x/", &e));
    assert_int_equal(e.code, CP_EUSAGE);
    err_clear(&e);
    assert_null(jws_eab("", (const unsigned char *)"k", 1, jwk, "https://x/", &e));
    assert_int_equal(e.code, CP_EUSAGE);
    json_decref(jwk);
}

static void test_b64url_alphabet_only(void **state)
{
    (void)state;
    assert_true(b64url_alphabet_only("abcXYZ019-_"));
    assert_false(b64url_alphabet_only(""));
    assert_false(b64url_alphabet_only(NULL));
    assert_false(b64url_alphabet_only("ab=="));
    assert_false(b64url_alphabet_only("a+b"));
    assert_false(b64url_alphabet_only("../x"));
    assert_false(b64url_alphabet_only("a\r\nX-Injected: 1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64url_alphabet_only),
        cmocka_unit_test(test_b64url_rfc4648_vectors),
        cmocka_unit_test(test_b64url_url_alphabet),
        cmocka_unit_test(test_b64url_roundtrip_random),
        cmocka_unit_test(test_b64url_decode_rejects),
        cmocka_unit_test(test_b64url_decode_embedded_nul),
        cmocka_unit_test(test_jwk_thumbprint_rfc7638),
        cmocka_unit_test(test_jwk_thumbprint_rejects),
        cmocka_unit_test(test_jwk_ec_members),
        cmocka_unit_test(test_jwk_ec_pads_short_coordinate),
        cmocka_unit_test(test_jwk_rsa_members),
        cmocka_unit_test(test_jwk_rejects_unsupported),
        cmocka_unit_test(test_jws_es256),
        cmocka_unit_test(test_jws_es384),
        cmocka_unit_test(test_jws_rs256),
        cmocka_unit_test(test_jws_es256_pads_short_r_s),
        cmocka_unit_test(test_jws_jwk_header_and_alg_override),
        cmocka_unit_test(test_jws_post_as_get),
        cmocka_unit_test(test_jws_sign_rejects_non_object),
        cmocka_unit_test(test_jws_signer_rejects_unsupported),
        cmocka_unit_test(test_jws_eab),
        cmocka_unit_test(test_jws_eab_rejects_empty_key),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
