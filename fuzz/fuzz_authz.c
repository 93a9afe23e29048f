/* Authorization objects with their challenges (RFC 8555 §7.1.4, §8). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/authz.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    struct fuzz_transport ft = {.data = data, .len = len};
    struct acme_client *c = fuzz_client(&ft);
    struct acme_authz a;
    const struct acme_challenge *ch;
    long ra = 0;

    if (c == NULL)
        abort();
    if (acme_authz_fetch(c, "https://ca.test/a/1", &a, &ra, NULL) == CP_OK) {
        ch = acme_authz_challenge(&a, "dns-01");
        if (ch != NULL && ch->url == NULL)
            abort();
        if (a.ident == NULL)  /* a parsed authorization always names its identifier */
            abort();
    }
    acme_authz_free(&a);
    acme_client_free(c);
    return 0;
}
