/* Unit tests for src/crypto: keys, CSRs, certificates and chains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/buffer.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/cert.h"
#include "crypto/csr.h"
#include "crypto/key.h"
#include "util/buf.h"
#include "util/str.h"

/* ---- helpers ---------------------------------------------------------- */

static char *bio_text(BIO *bio)
{
    BUF_MEM *mem = NULL;
    char *s;

    assert_int_equal(BIO_get_mem_ptr(bio, &mem), 1);
    s = malloc(mem->length + 1);
    assert_non_null(s);
    memcpy(s, mem->data, mem->length);
    s[mem->length] = '\0';
    return s;
}

/* PEM of a key in a form key_to_pem would not produce. */
enum pem_form { PEM_PKCS8, PEM_TRADITIONAL, PEM_ENCRYPTED };

static char *pem_of(EVP_PKEY *key, enum pem_form form)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *s;
    int ok;

    if (form == PEM_TRADITIONAL)
        ok = PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL);
    else if (form == PEM_ENCRYPTED)
        ok = PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), "secret", 6, NULL,
                                           NULL);
    else
        ok = PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    assert_int_equal(ok, 1);
    s = bio_text(bio);
    BIO_free(bio);
    return s;
}

/* Expect key_from_pem to refuse pem with CP_EINVALID and a message naming the source. */
static void expect_rejected(const char *pem)
{
    struct err e;

    err_clear(&e);
    assert_null(key_from_pem(pem, strlen(pem), "account key /k.pem", &e));
    assert_int_equal(e.code, CP_EINVALID);
    assert_true(str_has_prefix(e.msg, "account key /k.pem: "));
}

/* ---- keys ------------------------------------------------------------- */

static void test_key_type_parse(void **state)
{
    static const struct {
        const char *s;
        enum key_type t;
    } ok[] = {
        {"ec256", KEY_EC_P256},   {"p256", KEY_EC_P256},      {"ecdsa", KEY_EC_P256},
        {"ec384", KEY_EC_P384},   {"p384", KEY_EC_P384},      {"rsa2048", KEY_RSA_2048},
        {"rsa", KEY_RSA_2048},    {"rsa3072", KEY_RSA_3072},  {"rsa4096", KEY_RSA_4096},
    };
    enum key_type t;
    struct err e;

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        t = (enum key_type)99;
        assert_int_equal(key_type_parse(ok[i].s, &t, NULL), CP_OK);
        assert_int_equal(t, ok[i].t);
    }
    for (t = KEY_EC_P256; t <= KEY_RSA_4096; t++) {
        enum key_type back;
        assert_int_equal(key_type_parse(key_type_name(t), &back, NULL), CP_OK);
        assert_int_equal(back, t);
    }
    err_clear(&e);
    assert_int_equal(key_type_parse("rsa1024", &t, &e), CP_EUSAGE);
    assert_int_equal(e.code, CP_EUSAGE);
    assert_non_null(strstr(e.msg, "rsa1024"));
    assert_int_equal(key_type_parse("EC256", &t, NULL), CP_EUSAGE);
    assert_int_equal(key_type_parse("", &t, NULL), CP_EUSAGE);
}

static void check_key_roundtrip(enum key_type t)
{
    EVP_PKEY *key = key_generate(t, NULL), *back, *trad_key;
    enum key_type got;
    char *pem = NULL, *trad;
    size_t len = 0;

    assert_non_null(key);
    assert_int_equal(key_type_of(key, &got, NULL), CP_OK);
    assert_int_equal(got, t);
    assert_int_equal(key_to_pem(key, &pem, &len, NULL), CP_OK);
    assert_int_equal(strlen(pem), len);
    assert_true(str_has_prefix(pem, "-----BEGIN PRIVATE KEY-----\n"));
    back = key_from_pem(pem, len, "test", NULL);
    assert_non_null(back);
    assert_int_equal(EVP_PKEY_eq(key, back), 1);
    assert_int_equal(key_type_of(back, &got, NULL), CP_OK);
    assert_int_equal(got, t);
    /* Traditional "BEGIN EC/RSA PRIVATE KEY" files load too. */
    trad = pem_of(key, PEM_TRADITIONAL);
    assert_null(strstr(trad, "BEGIN PRIVATE KEY"));
    trad_key = key_from_pem(trad, strlen(trad), "test", NULL);
    assert_non_null(trad_key);
    assert_int_equal(EVP_PKEY_eq(key, trad_key), 1);
    free(trad);
    secret_free(pem, len);
    EVP_PKEY_free(trad_key);
    EVP_PKEY_free(back);
    EVP_PKEY_free(key);
}

static void test_key_ec256(void **state) { (void)state; check_key_roundtrip(KEY_EC_P256); }
static void test_key_ec384(void **state) { (void)state; check_key_roundtrip(KEY_EC_P384); }
static void test_key_rsa2048(void **state) { (void)state; check_key_roundtrip(KEY_RSA_2048); }
/* Generating big RSA keys is OpenSSL's work and takes minutes under valgrind
 * (scripts/valgrind.sh sets CP_TEST_SKIP_SLOW); rsa2048 runs our code the same way. */
static void test_key_rsa3072(void **state)
{
    (void)state;
    if (getenv("CP_TEST_SKIP_SLOW") != NULL)
        skip();
    check_key_roundtrip(KEY_RSA_3072);
}

static void test_key_rsa4096(void **state)
{
    (void)state;
    if (getenv("CP_TEST_SKIP_SLOW") != NULL)
        skip();
    check_key_roundtrip(KEY_RSA_4096);
}

static void test_key_rsa_exponent(void **state)
{
    EVP_PKEY *key = key_generate(KEY_RSA_2048, NULL);
    BIGNUM *e = NULL;

    (void)state;
    assert_int_equal(EVP_PKEY_get_bn_param(key, "e", &e), 1);
    assert_true(BN_is_word(e, 65537));
    assert_int_equal(EVP_PKEY_get_bits(key), 2048);
    BN_free(e);
    EVP_PKEY_free(key);
}

static void test_key_from_pem_rejects_garbage(void **state)
{
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    char *pem = pem_of(key, PEM_PKCS8);
    BIO *bio = BIO_new(BIO_s_mem());
    char *pub;

    (void)state;
    expect_rejected("");
    expect_rejected("not a key at all\n");
    /* A damaged body. */
    pem[40] = pem[40] == 'A' ? 'B' : 'A';
    pem[41] = '*';
    expect_rejected(pem);
    /* A public key is not a private key. */
    assert_int_equal(PEM_write_bio_PUBKEY(bio, key), 1);
    pub = bio_text(bio);
    expect_rejected(pub);
    free(pub);
    BIO_free(bio);
    free(pem);
    EVP_PKEY_free(key);
}

static void test_key_from_pem_rejects_encrypted(void **state)
{
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    char *pem = pem_of(key, PEM_ENCRYPTED);

    (void)state;
    assert_non_null(strstr(pem, "ENCRYPTED"));
    expect_rejected(pem);
    free(pem);
    EVP_PKEY_free(key);
}

static void check_unsupported(EVP_PKEY *key, const char *msg_part)
{
    char *pem = pem_of(key, PEM_PKCS8);
    struct err e;
    enum key_type t;

    expect_rejected(pem);
    err_clear(&e);
    assert_null(key_from_pem(pem, strlen(pem), "k", &e));
    assert_non_null(strstr(e.msg, msg_part));
    assert_int_equal(key_type_of(key, &t, NULL), CP_EINVALID);
    free(pem);
    EVP_PKEY_free(key);
}

static void test_key_from_pem_rejects_unsupported(void **state)
{
    (void)state;
    check_unsupported(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024), "RSA-1024");
    check_unsupported(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), "ED25519");
    check_unsupported(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"), "secp521r1");
}

static void test_key_generate_rejects_bad_type(void **state)
{
    struct err e;

    (void)state;
    err_clear(&e);
    assert_null(key_generate((enum key_type)42, &e));
    assert_int_equal(e.code, CP_EUSAGE);
}

/* ---- CSR -------------------------------------------------------------- */

static X509_REQ *parse_csr(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);

    assert_non_null(req);
    assert_ptr_equal(p, der + len);
    return req;
}

/* The SAN dNSNames of a request; every entry must be a dNSName. */
static void check_csr_sans(X509_REQ *req, const char *const *names, size_t n)
{
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    GENERAL_NAMES *gens;
    int idx;

    assert_non_null(exts);
    assert_int_equal(sk_X509_EXTENSION_num(exts), 1);
    idx = X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1);
    assert_true(idx >= 0);
    gens = X509V3_EXT_d2i(sk_X509_EXTENSION_value(exts, idx));
    assert_non_null(gens);
    assert_int_equal(sk_GENERAL_NAME_num(gens), (int)n);
    for (size_t i = 0; i < n; i++) {
        GENERAL_NAME *gn = sk_GENERAL_NAME_value(gens, (int)i);
        assert_int_equal(gn->type, GEN_DNS);
        assert_int_equal(ASN1_STRING_length(gn->d.dNSName), strlen(names[i]));
        assert_memory_equal(ASN1_STRING_get0_data(gn->d.dNSName), names[i], strlen(names[i]));
    }
    GENERAL_NAMES_free(gens);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

static void test_csr_three_names(void **state)
{
    static const char *const names[] = {"example.com", "*.example.com", "www.example.com"};
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    unsigned char *der = NULL;
    size_t len = 0;
    X509_REQ *req;
    X509_NAME *subj;
    char cn[256];

    (void)state;
    assert_int_equal(csr_build(key, names, 3, &der, &len, NULL), CP_OK);
    req = parse_csr(der, len);
    assert_int_equal(X509_REQ_get_version(req), 0);
    assert_int_equal(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)), 1);
    assert_int_equal(EVP_PKEY_eq(X509_REQ_get0_pubkey(req), key), 1);
    assert_int_equal(X509_REQ_get_signature_nid(req), NID_ecdsa_with_SHA256);
    subj = X509_REQ_get_subject_name(req);
    assert_int_equal(X509_NAME_entry_count(subj), 1);
    assert_int_equal(X509_NAME_get_text_by_NID(subj, NID_commonName, cn, sizeof(cn)), 11);
    assert_string_equal(cn, "example.com");
    check_csr_sans(req, names, 3);
    X509_REQ_free(req);
    free(der);
    EVP_PKEY_free(key);
}

/* RFC 8738 §3: an address travels as an iPAddress SAN (its octets), never a
 * dNSName, and stays out of the CN: the CN is the first DNS name. */
static void test_csr_ip_names(void **state)
{
    static const char *const names[] = {"192.0.2.1", "a.example", "2001:db8::1"};
    static const unsigned char v4[] = {192, 0, 2, 1};
    static const unsigned char v6[] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const int types[] = {GEN_IPADD, GEN_DNS, GEN_IPADD};
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    STACK_OF(X509_EXTENSION) *exts;
    GENERAL_NAMES *gens;
    unsigned char *der = NULL;
    size_t len = 0;
    X509_REQ *req;
    char cn[64];

    (void)state;
    assert_int_equal(csr_build(key, names, 3, &der, &len, NULL), CP_OK);
    req = parse_csr(der, len);
    assert_int_equal(X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, cn, sizeof(cn)),
                     9);
    assert_string_equal(cn, "a.example");
    exts = X509_REQ_get_extensions(req);
    gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
    assert_int_equal(sk_GENERAL_NAME_num(gens), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(sk_GENERAL_NAME_value(gens, i)->type, types[i]);
    assert_int_equal(ASN1_STRING_length(sk_GENERAL_NAME_value(gens, 0)->d.iPAddress), 4);
    assert_memory_equal(ASN1_STRING_get0_data(sk_GENERAL_NAME_value(gens, 0)->d.iPAddress), v4, 4);
    assert_int_equal(ASN1_STRING_length(sk_GENERAL_NAME_value(gens, 2)->d.iPAddress), 16);
    assert_memory_equal(ASN1_STRING_get0_data(sk_GENERAL_NAME_value(gens, 2)->d.iPAddress), v6, 16);
    GENERAL_NAMES_free(gens);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_REQ_free(req);
    free(der);
    /* addresses alone: an empty subject */
    assert_int_equal(csr_build(key, names, 1, &der, &len, NULL), CP_OK);
    req = parse_csr(der, len);
    assert_int_equal(X509_NAME_entry_count(X509_REQ_get_subject_name(req)), 0);
    assert_int_equal(X509_REQ_verify(req, key), 1);
    X509_REQ_free(req);
    free(der);
    EVP_PKEY_free(key);
}

static void test_csr_rsa_signature(void **state)
{
    static const char *const names[] = {"example.org"};
    EVP_PKEY *key = key_generate(KEY_RSA_2048, NULL);
    unsigned char *der = NULL;
    size_t len = 0;
    X509_REQ *req;

    (void)state;
    assert_int_equal(csr_build(key, names, 1, &der, &len, NULL), CP_OK);
    req = parse_csr(der, len);
    assert_int_equal(X509_REQ_verify(req, key), 1);
    assert_int_equal(X509_REQ_get_signature_nid(req), NID_sha256WithRSAEncryption);
    check_csr_sans(req, names, 1);
    X509_REQ_free(req);
    free(der);
    EVP_PKEY_free(key);
}

/* Build a CSR for {first, "short.example"}; return the subject's entry count. */
static int csr_cn_entries(EVP_PKEY *key, const char *first)
{
    const char *names[2] = {first, "short.example"};
    unsigned char *der = NULL;
    size_t len = 0;
    X509_REQ *req;
    int n;

    assert_int_equal(csr_build(key, names, 2, &der, &len, NULL), CP_OK);
    req = parse_csr(der, len);
    n = X509_NAME_entry_count(X509_REQ_get_subject_name(req));
    assert_int_equal(X509_REQ_verify(req, key), 1);
    check_csr_sans(req, names, 2);
    X509_REQ_free(req);
    free(der);
    return n;
}

/* RFC 5280 ub-common-name: 64 characters fit in the CN, 65 do not. */
static void test_csr_long_first_name(void **state)
{
    char name[128];
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);

    (void)state;
    memset(name, 'a', 70);
    strcpy(name + 70, ".example.com");
    assert_int_equal(csr_cn_entries(key, name), 0);
    memset(name, 'b', 52);
    strcpy(name + 52, ".example.com");
    assert_int_equal(strlen(name), 64);
    assert_int_equal(csr_cn_entries(key, name), 1);
    memset(name, 'c', 53);
    strcpy(name + 53, ".example.com");
    assert_int_equal(csr_cn_entries(key, name), 0);
    EVP_PKEY_free(key);
}

static void test_csr_rejects_bad_names(void **state)
{
    static const char *const empty[] = {"example.com", ""};
    static const char *const utf8[] = {"b\xc3\xbc" "cher.example"};
    static const char *const space[] = {"a b.example"};
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    unsigned char *der = (unsigned char *)"x";
    size_t len = 5;
    struct err e;

    (void)state;
    err_clear(&e);
    assert_int_equal(csr_build(key, empty, 0, &der, &len, &e), CP_EUSAGE);
    assert_int_equal(e.code, CP_EUSAGE);
    assert_null(der);
    assert_int_equal(len, 0);
    assert_int_equal(csr_build(key, NULL, 0, &der, &len, NULL), CP_EUSAGE);
    assert_int_equal(csr_build(key, empty, 2, &der, &len, NULL), CP_EUSAGE);
    assert_int_equal(csr_build(key, utf8, 1, &der, &len, NULL), CP_EUSAGE);
    assert_int_equal(csr_build(key, space, 1, &der, &len, NULL), CP_EUSAGE);
    assert_null(der);
    EVP_PKEY_free(key);
}

/* ---- certificates ----------------------------------------------------- */

/* RFC 9773 §4.1 example: AKI keyIdentifier and serial, and their ARI id. */
static const unsigned char rfc9773_aki[] = {0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40,
                                            0x41, 0xE1, 0xB3, 0x7B, 0x84, 0x7B, 0xA0,
                                            0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4};
static const unsigned char rfc9773_serial[] = {0x87, 0x65, 0x43, 0x21};
#define RFC9773_ARI_ID "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"

#define NOT_BEFORE ((time_t)1767225600) /* 2026-01-01T00:00:00Z, UTCTime */
#define NOT_AFTER ((time_t)2556144000)  /* 2051-01-01T00:00:00Z, GeneralizedTime */

struct cert_spec {
    EVP_PKEY *key;
    const char *san;          /* X509V3 config value, or NULL for no SAN */
    int with_aki;             /* add the RFC 9773 AKI keyIdentifier */
    const unsigned char *serial;
    size_t serial_len;
};

static void add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;

    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

static void add_aki(X509 *x)
{
    AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();

    akid->keyid = ASN1_OCTET_STRING_new();
    assert_int_equal(ASN1_OCTET_STRING_set(akid->keyid, rfc9773_aki, sizeof(rfc9773_aki)), 1);
    assert_int_equal(X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0, 0), 1);
    AUTHORITY_KEYID_free(akid);
}

static void set_names(X509 *x)
{
    X509_NAME *n = X509_NAME_new();

    assert_int_equal(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
                                                (const unsigned char *)"certpilot", -1, -1, 0), 1);
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                                                (const unsigned char *)"Test CA", -1, -1, 0), 1);
    assert_int_equal(X509_set_subject_name(x, n), 1);
    assert_int_equal(X509_set_issuer_name(x, n), 1);
    X509_NAME_free(n);
}

/* A self-signed certificate as PEM, built from spec. */
static char *make_cert(const struct cert_spec *spec)
{
    X509 *x = X509_new();
    BIGNUM *bn = BN_bin2bn(spec->serial, (int)spec->serial_len, NULL);
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem;

    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_non_null(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)));
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), NOT_BEFORE));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), NOT_AFTER));
    set_names(x);
    assert_int_equal(X509_set_pubkey(x, spec->key), 1);
    add_ext(x, NID_subject_key_identifier, "hash");
    if (spec->san != NULL)
        add_ext(x, NID_subject_alt_name, spec->san);
    if (spec->with_aki)
        add_aki(x);
    assert_true(X509_sign(x, spec->key, EVP_sha256()) > 0);
    assert_int_equal(PEM_write_bio_X509(bio, x), 1);
    pem = bio_text(bio);
    BIO_free(bio);
    BN_free(bn);
    X509_free(x);
    return pem;
}

static char *simple_cert(EVP_PKEY *key)
{
    static const unsigned char serial[] = {0x01, 0x02};
    struct cert_spec spec = {key, "DNS:a.example", 1, serial, sizeof(serial)};

    return make_cert(&spec);
}

static void test_cert_info(void **state)
{
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    struct cert_spec spec = {key,
                             "DNS:example.com, IP:192.0.2.1, email:a@example.com, "
                             "DNS:*.example.com, IP:2001:DB8:0:0:0:0:0:1",
                             1, rfc9773_serial, sizeof(rfc9773_serial)};
    char *pem = make_cert(&spec);
    struct cert_info ci;

    (void)state;
    /* Certificate times are UTC whatever the local zone (POSIX TZ, no tzdata needed). */
    assert_int_equal(setenv("TZ", "XYZ-5", 1), 0);
    tzset();
    assert_int_equal(cert_info_from_pem(pem, strlen(pem), &ci, NULL), CP_OK);
    assert_int_equal(unsetenv("TZ"), 0);
    tzset();
    /* RFC 8738: addresses too, in canonical text; other SAN types are not identifiers */
    assert_int_equal(ci.nnames, 4);
    assert_string_equal(ci.names[0], "example.com");
    assert_string_equal(ci.names[1], "192.0.2.1");
    assert_string_equal(ci.names[2], "*.example.com");
    assert_string_equal(ci.names[3], "2001:db8::1");
    assert_int_equal(ci.not_before, NOT_BEFORE);
    assert_int_equal(ci.not_after, NOT_AFTER);
    assert_string_equal(ci.serial_hex, "87654321");
    assert_string_equal(ci.issuer, "CN=Test CA,O=certpilot");
    assert_string_equal(ci.ari_id, RFC9773_ARI_ID);
    cert_info_free(&ci);
    assert_null(ci.names);
    cert_info_free(&ci);
    free(pem);
    EVP_PKEY_free(key);
}

static void test_cert_info_without_aki_or_san(void **state)
{
    static const unsigned char serial[] = {0x0a, 0xbc};
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    struct cert_spec spec = {key, NULL, 0, serial, sizeof(serial)};
    char *pem = make_cert(&spec);
    struct cert_info ci;

    (void)state;
    assert_int_equal(cert_info_from_pem(pem, strlen(pem), &ci, NULL), CP_OK);
    assert_null(ci.ari_id);
    assert_int_equal(ci.nnames, 0);
    assert_string_equal(ci.serial_hex, "0ABC");
    cert_info_free(&ci);
    free(pem);
    EVP_PKEY_free(key);
}

static void test_cert_info_rejects_garbage(void **state)
{
    struct cert_info ci;
    struct err e;
    const char *bad = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

    (void)state;
    err_clear(&e);
    assert_int_equal(cert_info_from_pem("hello", 5, &ci, &e), CP_EINVALID);
    assert_int_equal(e.code, CP_EINVALID);
    assert_int_equal(cert_info_from_pem(bad, strlen(bad), &ci, NULL), CP_EINVALID);
    assert_int_equal(cert_info_from_pem("", 0, &ci, NULL), CP_EINVALID);
    assert_null(ci.names);
}

static int count_blocks(const char *s)
{
    int n = 0;

    for (const char *p = s; (p = strstr(p, "-----BEGIN CERTIFICATE-----")) != NULL; p++)
        n++;
    return n;
}

/* Three distinct certificates: a leaf and two "intermediates". */
struct three {
    EVP_PKEY *key;
    char *pem[3];
};

static void three_make(struct three *t)
{
    t->key = key_generate(KEY_EC_P256, NULL);
    for (int i = 0; i < 3; i++) {
        unsigned char serial[] = {0x10, (unsigned char)i};
        struct cert_spec spec = {t->key, "DNS:x.example", 1, serial, sizeof(serial)};
        t->pem[i] = make_cert(&spec);
    }
}

static void three_free(struct three *t)
{
    for (int i = 0; i < 3; i++)
        free(t->pem[i]);
    EVP_PKEY_free(t->key);
}

static void test_chain_split(void **state)
{
    struct three t;
    char *all, *leaf = NULL, *chain = NULL, *want_chain;

    (void)state;
    three_make(&t);
    all = str_printf("%s%s\n%s", t.pem[0], t.pem[1], t.pem[2]);
    assert_int_equal(cert_chain_split(all, strlen(all), &leaf, &chain, NULL), CP_OK);
    assert_string_equal(leaf, t.pem[0]);
    want_chain = str_printf("%s%s", t.pem[1], t.pem[2]);
    assert_string_equal(chain, want_chain);
    assert_int_equal(count_blocks(chain), 2);
    free(want_chain);
    free(leaf);
    free(chain);
    free(all);
    three_free(&t);
}

/* CRLF line ends and a missing final newline come out normalised. */
static void test_chain_split_normalises(void **state)
{
    struct three t;
    struct buf b = BUF_INIT;
    char *leaf = NULL, *chain = NULL;

    (void)state;
    three_make(&t);
    assert_int_equal(buf_append_str(&b, "\r\n  "), CP_OK);
    for (const char *p = t.pem[0]; *p != '\0'; p++)
        assert_int_equal(buf_append_str(&b, *p == '\n' ? "\r\n" : (char[]){*p, '\0'}), CP_OK);
    assert_int_equal(buf_append(&b, t.pem[1], strlen(t.pem[1]) - 1), CP_OK);
    assert_int_equal(cert_chain_split(b.data, b.len, &leaf, &chain, NULL), CP_OK);
    assert_string_equal(leaf, t.pem[0]);
    assert_string_equal(chain, t.pem[1]);
    free(leaf);
    free(chain);
    buf_free(&b);
    three_free(&t);
}

static void test_chain_split_leaf_only(void **state)
{
    struct three t;
    char *leaf = NULL, *chain = NULL;

    (void)state;
    three_make(&t);
    assert_int_equal(cert_chain_split(t.pem[0], strlen(t.pem[0]), &leaf, &chain, NULL), CP_OK);
    assert_string_equal(leaf, t.pem[0]);
    assert_string_equal(chain, "");
    free(leaf);
    free(chain);
    three_free(&t);
}

static void expect_split_fails(const char *pem)
{
    char *leaf = (char *)"x", *chain = (char *)"y";
    struct err e;

    err_clear(&e);
    assert_int_equal(cert_chain_split(pem, strlen(pem), &leaf, &chain, &e), CP_EINVALID);
    assert_int_equal(e.code, CP_EINVALID);
    assert_null(leaf);
    assert_null(chain);
}

static void test_chain_split_rejects(void **state)
{
    struct three t;
    char *s;

    (void)state;
    three_make(&t);
    expect_split_fails("");
    expect_split_fails(" \n\t\n");
    s = str_printf("%sgarbage\n%s", t.pem[0], t.pem[1]);
    expect_split_fails(s);
    free(s);
    s = str_printf("hello\n%s", t.pem[0]);
    expect_split_fails(s);
    free(s);
    s = str_printf("%s%s", t.pem[0], "-----BEGIN CERTIFICATE-----\nAAAA\n");
    expect_split_fails(s);
    free(s);
    s = str_printf("%s%s", t.pem[0], "-----BEGIN CERTIFICATE-----\nAAAA\n"
                                     "-----END CERTIFICATE-----\n");
    expect_split_fails(s);
    free(s);
    s = str_printf("%s-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                   t.pem[0]);
    expect_split_fails(s);
    free(s);
    three_free(&t);
}

static void test_cert_matches_key(void **state)
{
    EVP_PKEY *key = key_generate(KEY_EC_P256, NULL);
    EVP_PKEY *other = key_generate(KEY_EC_P256, NULL);
    EVP_PKEY *rsa = key_generate(KEY_RSA_2048, NULL);
    char *pem = simple_cert(key);
    struct err e;

    (void)state;
    assert_int_equal(cert_matches_key(pem, strlen(pem), key, NULL), CP_OK);
    err_clear(&e);
    assert_int_equal(cert_matches_key(pem, strlen(pem), other, &e), CP_EINVALID);
    assert_int_equal(e.code, CP_EINVALID);
    assert_int_equal(cert_matches_key(pem, strlen(pem), rsa, NULL), CP_EINVALID);
    assert_int_equal(cert_matches_key("junk", 4, key, NULL), CP_EINVALID);
    free(pem);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
    EVP_PKEY_free(rsa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_type_parse),
        cmocka_unit_test(test_key_ec256),
        cmocka_unit_test(test_key_ec384),
        cmocka_unit_test(test_key_rsa2048),
        cmocka_unit_test(test_key_rsa3072),
        cmocka_unit_test(test_key_rsa4096),
        cmocka_unit_test(test_key_rsa_exponent),
        cmocka_unit_test(test_key_from_pem_rejects_garbage),
        cmocka_unit_test(test_key_from_pem_rejects_encrypted),
        cmocka_unit_test(test_key_from_pem_rejects_unsupported),
        cmocka_unit_test(test_key_generate_rejects_bad_type),
        cmocka_unit_test(test_csr_three_names),
        cmocka_unit_test(test_csr_ip_names),
        cmocka_unit_test(test_csr_rsa_signature),
        cmocka_unit_test(test_csr_long_first_name),
        cmocka_unit_test(test_csr_rejects_bad_names),
        cmocka_unit_test(test_cert_info),
        cmocka_unit_test(test_cert_info_without_aki_or_san),
        cmocka_unit_test(test_cert_info_rejects_garbage),
        cmocka_unit_test(test_chain_split),
        cmocka_unit_test(test_chain_split_normalises),
        cmocka_unit_test(test_chain_split_leaf_only),
        cmocka_unit_test(test_chain_split_rejects),
        cmocka_unit_test(test_cert_matches_key),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
