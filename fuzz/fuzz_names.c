/* The names checks: every line through manage_name_normalise (the one place
 * every name passes, IDNA included): what it accepts is printable lower-case
 * ASCII, stays itself when normalised again (meta.json is, at each renewal)
 * and is shown starting with itself; what it refuses is one clean line. Then a
 * CSR for the lines as they are and for the normalised names, and the
 * exact-set comparison against an issued certificate's SANs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common.h"
#include "crypto/csr.h"
#include "crypto/key.h"
#include "crypto/verify.h"
#include "manage/manage.h"
#include "util/str.h"

#define MAX_NAMES 8

/* A certificate for a.test, *.a.test and B.Test, issued once (self-signed). */
static char *leaf_pem(EVP_PKEY *key)
{
    X509 *x = X509_new();
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL, *pem = NULL;
    long n;

    X509_set_version(x, X509_VERSION_3);
    ASN1_TIME_set(X509_getm_notBefore(x), 1700000000);
    ASN1_TIME_set(X509_getm_notAfter(x), 1900000000);
    X509_set_pubkey(x, key);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, "DNS:a.test,DNS:*.a.test,DNS:B.Test");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    X509_sign(x, key, EVP_sha256());
    PEM_write_bio_X509(bio, x);
    n = BIO_get_mem_data(bio, &data);
    if (n > 0 && (pem = calloc(1, (size_t)n + 1)) != NULL)  /* the BIO's data has no NUL */
        memcpy(pem, data, (size_t)n);
    BIO_free(bio);
    X509_free(x);
    return pem;
}

/* One name through manage_name_normalise; *out is the caller's (NULL when refused). */
static void normalised(const char *in, char **out)
{
    struct err e = {0};
    char *again = NULL, *shown = NULL;
    int rc = manage_name_normalise(in, out, &e);

    if (rc != CP_OK) {
        fuzz_check_failure(&e, rc);
        return;
    }
    for (const char *c = *out; *c != '\0'; c++)
        if (*c <= 0x20 || *c >= 0x7f || (*c >= 'A' && *c <= 'Z'))
            abort();
    if (manage_name_normalise(*out, &again, &e) != CP_OK || strcmp(again, *out) != 0)
        abort();
    if ((shown = manage_name_display(*out)) == NULL || strncmp(shown, *out, strlen(*out)) != 0)
        abort();
    free(again);
    free(shown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    static EVP_PKEY *key;
    static char *leaf;
    const char *names[MAX_NAMES], *ok[MAX_NAMES];
    char *text = malloc(len + 1), *p, *save = NULL, *norm[MAX_NAMES] = {NULL};
    unsigned char *der = NULL;
    size_t n = 0, nok = 0, der_len = 0;

    if (key == NULL && ((key = key_generate(KEY_EC_P256, NULL)) == NULL || (leaf = leaf_pem(key)) == NULL))
        abort();
    if (text == NULL)
        return 0;
    memcpy(text, data, len);
    text[len] = '\0';
    for (p = strtok_r(text, "\n", &save); p != NULL && n < MAX_NAMES; p = strtok_r(NULL, "\n", &save))
        names[n++] = p;
    if (csr_build(key, names, n, &der, &der_len, NULL) == CP_OK && der_len == 0)
        abort();
    free(der);
    (void)cert_verify_issued(leaf, "", names, n, key, (time_t)1800000000, NULL);
    for (size_t i = 0; i < n; i++) {
        normalised(names[i], &norm[i]);
        if (norm[i] != NULL)
            ok[nok++] = norm[i];
    }
    der = NULL;
    if (nok > 0 && (csr_build(key, ok, nok, &der, &der_len, NULL) != CP_OK || der_len == 0))
        abort();  /* a normalised name always fits a CSR */
    free(der);
    (void)cert_verify_issued(leaf, "", ok, nok, key, (time_t)1800000000, NULL);
    for (size_t i = 0; i < n; i++)
        free(norm[i]);
    free(text);
    return 0;
}
