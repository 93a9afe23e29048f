#include "support/certs.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/files.h"
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

const unsigned char test_rfc9773_aki[20] = {0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40,
                                            0x41, 0xE1, 0xB3, 0x7B, 0x84, 0x7B, 0xA0,
                                            0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4};

static void add_extensions(X509 *x)
{
    AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
    X509V3_CTX ctx;
    X509_EXTENSION *san;

    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    san = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, "DNS:a.example");
    assert_non_null(san);
    assert_int_equal(X509_add_ext(x, san, -1), 1);
    X509_EXTENSION_free(san);
    akid->keyid = ASN1_OCTET_STRING_new();
    assert_int_equal(ASN1_OCTET_STRING_set(akid->keyid, test_rfc9773_aki,
                                           sizeof(test_rfc9773_aki)), 1);
    assert_int_equal(X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0, 0), 1);
    AUTHORITY_KEYID_free(akid);
}

char *test_make_cert(EVP_PKEY *key, const unsigned char *serial, size_t n)
{
    X509 *x = X509_new();
    BIGNUM *bn = BN_bin2bn(serial, (int)n, NULL);
    BIO *bio = BIO_new(BIO_s_mem());
    BUF_MEM *mem = NULL;
    char *pem;

    assert_non_null(x);
    assert_non_null(bn);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_non_null(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)));
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), 1767225600));  /* 2026-01-01 */
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), 1775001600));   /* 2026-04-01 */
    assert_int_equal(X509_set_pubkey(x, key), 1);
    add_extensions(x);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    assert_int_equal(PEM_write_bio_X509(bio, x), 1);
    assert_int_equal(BIO_get_mem_ptr(bio, &mem), 1);
    pem = test_memdup_str(mem->data, mem->length);
    assert_non_null(pem);
    BIO_free(bio);
    BN_free(bn);
    X509_free(x);
    return pem;
}
