/* A CSR someone else made (issue --csr, acme.ini's CSRFile): csr_read on any
 * bytes, PEM or DER. What it accepts has at least one name, every name
 * printable ASCII, and a public key that can be read back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/csrread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    struct csr_info ci;
    struct err err = {0};
    EVP_PKEY *key;

    if (csr_read((const char *)data, len, "CSR fuzz", &ci, &err) != CP_OK)
        return 0;
    if (ci.n == 0 || ci.der == NULL || ci.der_len == 0)
        abort();
    for (size_t i = 0; i < ci.n; i++) {
        if (ci.names[i][0] == '\0')
            abort();
        for (const char *p = ci.names[i]; *p; p++)
            if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
                abort();
    }
    if ((key = csr_public_key(&ci, &err)) == NULL)
        abort();
    EVP_PKEY_free(key);
    csr_info_free(&ci);
    return 0;
}
