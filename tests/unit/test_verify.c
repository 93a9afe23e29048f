/*
 * crypto/verify: certificates built here with OpenSSL (a root, an
 * intermediate, leaves) show each way an issued certificate is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/key.h"
#include "crypto/verify.h"
#include "util/str.h"

#define NOW ((time_t)1800000000)  /* 2027-01-15 */
#define DAY 86400

struct spec {
    const char *cn;
    EVP_PKEY *key;          /* the certificate's key */
    X509 *issuer;           /* NULL: self-signed */
    EVP_PKEY *issuer_key;
    const char *san;        /* NULL: none */
    int ca;
    time_t nb, na;
};

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;

    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

static X509 *make(const struct spec *s)
{
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    X509 *issuer = s->issuer ? s->issuer : x;

    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), 1);
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), s->nb ? s->nb : NOW - DAY));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), s->na ? s->na : NOW + 90 * DAY));
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)s->cn, -1, -1, 0), 1);
    assert_int_equal(X509_set_subject_name(x, n), 1);
    assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(issuer)), 1);
    X509_NAME_free(n);
    assert_int_equal(X509_set_pubkey(x, s->key), 1);
    add_ext(x, issuer, NID_basic_constraints, s->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    if (s->ca)
        add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (s->san != NULL)
        add_ext(x, issuer, NID_subject_alt_name, s->san);
    assert_true(X509_sign(x, s->issuer_key ? s->issuer_key : s->key, EVP_sha256()) > 0);
    return x;
}

static char *pem_of(X509 *const *xs, size_t n)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL, *out;
    long len;

    for (size_t i = 0; i < n; i++)
        assert_int_equal(PEM_write_bio_X509(bio, xs[i]), 1);
    len = BIO_get_mem_data(bio, &data);
    out = calloc(1, (size_t)(len > 0 ? len : 0) + 1);  /* the BIO's data has no NUL */
    assert_non_null(out);
    if (len > 0)
        memcpy(out, data, (size_t)len);
    BIO_free(bio);
    return out;
}

/* A root, an intermediate it signed, and keys for leaves. */
struct pki {
    EVP_PKEY *root_key, *int_key, *leaf_key, *other_key;
    X509 *root, *inter;
    char *chain;  /* intermediate then root */
};

static int pki_setup(void **state)
{
    struct pki *p = calloc(1, sizeof(*p));
    struct err err = {0};

    p->root_key = key_generate(KEY_EC_P256, &err);
    p->int_key = key_generate(KEY_EC_P256, &err);
    p->leaf_key = key_generate(KEY_EC_P256, &err);
    p->other_key = key_generate(KEY_EC_P256, &err);
    p->root = make(&(struct spec){"Test Root", p->root_key, NULL, NULL, NULL, 1, 0, 0});
    p->inter = make(&(struct spec){"Test Intermediate", p->int_key, p->root, p->root_key, NULL, 1, 0, 0});
    p->chain = pem_of((X509 *[]){p->inter, p->root}, 2);
    *state = p;
    return 0;
}

static int pki_teardown(void **state)
{
    struct pki *p = *state;

    EVP_PKEY_free(p->root_key);
    EVP_PKEY_free(p->int_key);
    EVP_PKEY_free(p->leaf_key);
    EVP_PKEY_free(p->other_key);
    X509_free(p->root);
    X509_free(p->inter);
    free(p->chain);
    free(p);
    return 0;
}

static const char *const names[] = {"a.test", "*.a.test"};

/* Verify a leaf built from s (issued by the intermediate unless s says otherwise) against chain. */
static int verify(struct pki *p, struct spec s, const char *chain, time_t now, struct err *err)
{
    X509 *leaf;
    char *pem;
    int rc;

    s.cn = "leaf";
    s.key = s.key ? s.key : p->leaf_key;
    s.issuer = s.issuer ? s.issuer : p->inter;
    s.issuer_key = s.issuer_key ? s.issuer_key : p->int_key;
    leaf = make(&s);
    pem = pem_of(&leaf, 1);
    rc = cert_verify_issued(pem, chain, names, 2, p->leaf_key, now, err);
    free(pem);
    X509_free(leaf);
    return rc;
}

static void test_verify_good(void **state)
{
    struct pki *p = *state;
    struct err err = {0};

    assert_int_equal(verify(p, (struct spec){.san = "DNS:a.test,DNS:*.a.test"}, p->chain, NOW, &err), CP_OK);
    /* upper case in the certificate, repeats: the same set */
    assert_int_equal(verify(p, (struct spec){.san = "DNS:A.TEST,DNS:*.A.Test,DNS:a.test"}, p->chain, NOW, &err),
                     CP_OK);
    /* no chain at all is not a broken chain */
    assert_int_equal(verify(p, (struct spec){.san = "DNS:a.test,DNS:*.a.test"}, "", NOW, &err), CP_OK);
}

static void expect(struct pki *p, struct spec s, const char *chain, time_t now, const char *msg)
{
    struct err err = {0};

    assert_int_equal(verify(p, s, chain, now, &err), CP_EPROTO);
    assert_string_equal(err.msg, msg);
}

static void test_verify_extra_name(void **state)
{
    struct pki *p = *state;

    expect(p, (struct spec){.san = "DNS:a.test,DNS:*.a.test,DNS:evil.attacker.test"}, p->chain, NOW,
           "certificate holds the name evil.attacker.test, which was not ordered");
    expect(p, (struct spec){.san = "DNS:a.test,DNS:*.a.test,IP:127.0.0.1"}, p->chain, NOW,
           "certificate holds a subjectAltName that is not a DNS name");
}

static void test_verify_missing_name(void **state)
{
    struct pki *p = *state;

    expect(p, (struct spec){.san = "DNS:a.test"}, p->chain, NOW, "certificate lacks the name *.a.test");
    expect(p, (struct spec){0}, p->chain, NOW, "certificate lacks the name a.test");
}

static void test_verify_wrong_key(void **state)
{
    struct pki *p = *state;

    expect(p, (struct spec){.san = "DNS:a.test,DNS:*.a.test", .key = p->other_key}, p->chain, NOW,
           "certificate is not for our key");
}

static void test_verify_leaf_is_ca(void **state)
{
    struct pki *p = *state;

    expect(p, (struct spec){.san = "DNS:a.test,DNS:*.a.test", .ca = 1}, p->chain, NOW,
           "certificate is a CA certificate (basicConstraints CA:TRUE)");
}

static void test_verify_validity(void **state)
{
    struct pki *p = *state;
    struct spec s = {.san = "DNS:a.test,DNS:*.a.test", .nb = NOW + 10, .na = NOW + 100};

    expect(p, s, p->chain, NOW, "certificate is not valid yet");
    expect(p, s, p->chain, NOW + 100, "certificate has already expired");
    expect(p, s, p->chain, NOW + 101, "certificate has already expired");
    {
        struct err err = {0};
        assert_int_equal(verify(p, s, p->chain, NOW + 10, &err), CP_OK);
        assert_int_equal(verify(p, s, p->chain, NOW + 99, &err), CP_OK);
    }
}

static void test_verify_chain_does_not_link(void **state)
{
    struct pki *p = *state;
    struct spec s = {.san = "DNS:a.test,DNS:*.a.test"};
    char *swapped = pem_of((X509 *[]){p->root, p->inter}, 2);
    X509 *other = make(&(struct spec){"Test Intermediate", p->other_key, p->root, p->root_key, NULL, 1, 0, 0});
    char *impostor = pem_of((X509 *[]){other, p->root}, 2);

    expect(p, s, swapped, NOW, "chain certificate 1 did not issue the certificate before it");
    /* same name as the real intermediate, another key: the signature does not verify */
    expect(p, s, impostor, NOW, "chain certificate 1 did not issue the certificate before it");
    /* the leaf signed by the root but served with the intermediate first */
    s.issuer = p->root;
    s.issuer_key = p->root_key;
    expect(p, s, p->chain, NOW, "chain certificate 1 did not issue the certificate before it");
    free(swapped);
    free(impostor);
    X509_free(other);
}

static void test_verify_garbage(void **state)
{
    struct pki *p = *state;
    struct err err = {0};

    assert_int_equal(cert_verify_issued("", p->chain, names, 2, p->leaf_key, NOW, &err), CP_EINVALID);
    assert_int_equal(cert_verify_issued("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                                        p->chain, names, 2, p->leaf_key, NOW, &err), CP_EINVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_good),
        cmocka_unit_test(test_verify_extra_name),
        cmocka_unit_test(test_verify_missing_name),
        cmocka_unit_test(test_verify_wrong_key),
        cmocka_unit_test(test_verify_leaf_is_ca),
        cmocka_unit_test(test_verify_validity),
        cmocka_unit_test(test_verify_chain_does_not_link),
        cmocka_unit_test(test_verify_garbage),
    };
    return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
