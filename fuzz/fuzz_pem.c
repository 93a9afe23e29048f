/* The PEM chain a CA returns (RFC 8555 §7.4.2): split, parse, check as issued. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/cert.h"
#include "crypto/key.h"
#include "crypto/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    static const char *const names[] = {"a.test", "*.a.test"};
    static EVP_PKEY *key;
    const char *pem = (const char *)data;
    char *leaf = NULL, *chain = NULL;
    struct cert_info ci = {0};

    if (key == NULL && (key = key_generate(KEY_EC_P256, NULL)) == NULL)
        abort();
    (void)cert_chain_has_issuer(pem, len, "Root");
    if (cert_info_from_pem(pem, len, &ci, NULL) == CP_OK && ci.serial_hex == NULL)
        abort();
    cert_info_free(&ci);
    if (cert_chain_split(pem, len, &leaf, &chain, NULL) == CP_OK) {
        if (leaf == NULL || chain == NULL)
            abort();
        (void)cert_matches_key(leaf, strlen(leaf), key, NULL);
        (void)cert_verify_issued(leaf, chain, names, 2, key, (time_t)1800000000, NULL);
    }
    free(leaf);
    free(chain);
    return 0;
}
