/*
 * crypto/pkcs12: an existing .pfx is compared with what would be written,
 * and a file whose key derivations cost more than certpilot's own (the
 * MAC, the certificates' encryption, the key's) is refused before any of
 * them runs, quickly, with the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "crypto/key.h"
#include "crypto/pkcs12.h"
#include "support/certs.h"
#include "util/str.h"

#define PASS "pfx pass"
/* 65536 is 02 03 01 00 00 in DER; 0x7fffff (8388607, minutes of KDF per try) has the same length */
#define SMALL_BIG 65536
#define HUGE_ITER 8388607
/* the PKCS#12 MAC's KDF is cheaper: this many take OpenSSL about 10 s */
#define MAC_ITER 134217727

struct pfx_case {
    EVP_PKEY *key;
    char *key_pem, *cert_pem;
    size_t key_len;
    struct pkcs12_input in;
};

static void case_init(struct pfx_case *c)
{
    static const unsigned char serial[] = {0x01};

    memset(c, 0, sizeof(*c));
    assert_non_null(c->key = key_generate(KEY_EC_P256, NULL));
    assert_int_equal(key_to_pem(c->key, &c->key_pem, &c->key_len, NULL), CP_OK);
    assert_non_null(c->cert_pem = test_make_cert(c->key, serial, sizeof(serial)));
    c->in = (struct pkcs12_input){c->key_pem, c->key_len, c->cert_pem, "", NULL, PASS, false};
}

static void case_free(struct pfx_case *c)
{
    secret_free(c->key_pem, c->key_len);
    free(c->cert_pem);
    EVP_PKEY_free(c->key);
}

/* A modern-form .pfx built part by part, each key derivation with its own count. */
static PKCS12 *build(const struct pfx_case *c, int cert_iter, int key_iter, int mac_iter)
{
    STACK_OF(PKCS12_SAFEBAG) *certs = NULL, *keys = NULL;
    STACK_OF(PKCS7) *safes = NULL;
    BIO *bio = BIO_new_mem_buf(c->cert_pem, -1);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    PKCS12 *p12 = NULL;

    assert_non_null(x);
    assert_non_null(PKCS12_add_cert(&certs, x));
    assert_non_null(PKCS12_add_key(&keys, c->key, 0, key_iter, NID_aes_256_cbc, PASS));
    assert_int_equal(PKCS12_add_safe(&safes, certs, NID_aes_256_cbc, cert_iter, PASS), 1);
    assert_int_equal(PKCS12_add_safe(&safes, keys, -1, 0, NULL), 1);
    assert_non_null(p12 = PKCS12_add_safes(safes, 0));
    assert_int_equal(PKCS12_set_mac(p12, PASS, -1, NULL, 0, mac_iter, EVP_sha256()), 1);
    sk_PKCS7_pop_free(safes, PKCS7_free);
    sk_PKCS12_SAFEBAG_pop_free(certs, PKCS12_SAFEBAG_free);
    sk_PKCS12_SAFEBAG_pop_free(keys, PKCS12_SAFEBAG_free);
    X509_free(x);
    BIO_free(bio);
    return p12;
}

/* The first place in at[0..n) that holds what (POSIX has no memmem), or NULL. */
static unsigned char *find(unsigned char *at, size_t n, const unsigned char *what, size_t wlen)
{
    for (size_t i = 0; i + wlen <= n; i++)
        if (memcmp(at + i, what, wlen) == 0)
            return at + i;
    return NULL;
}

/* The DER of p12 with its one SMALL_BIG count raised to HUGE_ITER, MAC'd afresh (2048) so that what
 * the MAC protects would really be decrypted. */
static unsigned char *raise_count(const struct pfx_case *c, PKCS12 *p12, int *len)
{
    static const unsigned char from[] = {0x02, 0x03, 0x01, 0x00, 0x00}, to[] = {0x02, 0x03, 0x7f, 0xff, 0xff};
    unsigned char *der = NULL, *hit = NULL;
    const unsigned char *p;
    int n = i2d_PKCS12(p12, &der);

    assert_true(n > 0);
    assert_non_null(hit = find(der, (size_t)n, from, sizeof(from)));
    assert_null(find(hit + 1, (size_t)(n - (hit + 1 - der)), from, sizeof(from)));
    memcpy(hit, to, sizeof(to));
    PKCS12_free(p12);
    p = der;
    assert_non_null(p12 = d2i_PKCS12(NULL, &p, n));
    OPENSSL_free(der);
    der = NULL;
    assert_int_equal(PKCS12_set_mac(p12, c->in.password, -1, NULL, 0, 2048, EVP_sha256()), 1);
    assert_true((*len = i2d_PKCS12(p12, &der)) > 0);
    PKCS12_free(p12);
    return der;
}

/* The DER of p12 with its MAC's count set to MAC_ITER (the MAC itself left stale: it is never reached). */
static unsigned char *raise_mac_count(PKCS12 *p12, int *len)
{
    const ASN1_INTEGER *iter = NULL;
    unsigned char *der = NULL;

    PKCS12_get0_mac(NULL, NULL, NULL, &iter, p12);
    assert_non_null(iter);
    assert_int_equal(ASN1_INTEGER_set((ASN1_INTEGER *)iter, MAC_ITER), 1);
    assert_true((*len = i2d_PKCS12(p12, &der)) > 0);
    PKCS12_free(p12);
    return der;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void expect_refused(int cert_iter, int key_iter, int mac_iter, const char *want)
{
    struct pfx_case c;
    struct timespec t0;
    struct err why = {0};
    unsigned char *der = NULL;
    int len = 0;

    case_init(&c);
    if (mac_iter == MAC_ITER)
        der = raise_mac_count(build(&c, cert_iter, key_iter, 2048), &len);
    else
        der = raise_count(&c, build(&c, cert_iter, key_iter, mac_iter), &len);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_false(pkcs12_matches(der, (size_t)len, &c.in, &why));
    assert_true(seconds_since(&t0) < 1.0);
    assert_int_equal(why.code, CP_EINVALID);
    assert_string_equal(why.msg, want);
    OPENSSL_free(der);
    case_free(&c);
}

static void test_refuses_costly_mac(void **state)
{
    (void)state;
    expect_refused(2048, 2048, MAC_ITER,
                   "the MAC: 134217727 iterations, above the 2048 certpilot writes; not opened");
}

static void test_refuses_costly_cert_encryption(void **state)
{
    (void)state;
    expect_refused(SMALL_BIG, 2048, 2048,
                   "the certificates' encryption: 8388607 iterations, above the 2048 certpilot writes; not opened");
}

static void test_refuses_costly_key_encryption(void **state)
{
    (void)state;
    expect_refused(2048, SMALL_BIG, 2048,
                   "the key's encryption: 8388607 iterations, above the 2048 certpilot writes; not opened");
}

/* What pkcs12_build writes (both forms) matches; another password or key does not, with the reason. */
static void test_own_file_matches(void **state)
{
    struct pfx_case c, other;
    unsigned char *der = NULL;
    size_t len = 0;
    struct err why = {0};

    (void)state;
    case_init(&c);
    case_init(&other);
    for (int legacy = 0; legacy <= 1; legacy++) {
        c.in.legacy = legacy;
        assert_int_equal(pkcs12_build(&c.in, &der, &len, NULL), CP_OK);
        assert_true(pkcs12_matches(der, len, &c.in, &why));
        other.in.legacy = legacy;
        assert_false(pkcs12_matches(der, len, &other.in, &why));
        assert_string_equal(why.msg, "holds another key, certificate, chain or friendly name");
        c.in.password = "wrong";
        assert_false(pkcs12_matches(der, len, &c.in, &why));
        assert_string_equal(why.msg, "does not open with the password");
        c.in.password = PASS;
        c.in.legacy = !legacy;
        assert_false(pkcs12_matches(der, len, &c.in, &why));
        assert_string_equal(why.msg, legacy ? "not in the modern form (AES-256, SHA-256 MAC)"
                                            : "not in the legacy form (3DES, SHA-1 MAC)");
        secret_free(der, len);
    }
    assert_false(pkcs12_matches((const unsigned char *)"junk", 4, &c.in, &why));
    assert_string_equal(why.msg, "not a PKCS#12 file");
    case_free(&c);
    case_free(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuses_costly_mac),
        cmocka_unit_test(test_refuses_costly_cert_encryption),
        cmocka_unit_test(test_refuses_costly_key_encryption),
        cmocka_unit_test(test_own_file_matches),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
