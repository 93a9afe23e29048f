/* Order objects (RFC 8555 §7.1.3) as the CA returns them on a poll. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/order.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    struct fuzz_transport ft = {.data = data, .len = len};
    struct acme_client *c = fuzz_client(&ft);
    struct acme_order o = {0};
    long ra = 0;

    if (c == NULL)
        abort();
    o.url = strdup("https://ca.test/o/1");
    if (acme_order_refresh(c, &o, &ra, NULL) == CP_OK && (o.status == NULL || o.finalize == NULL))
        abort();  /* a parsed order always has these */
    acme_order_free(&o);
    acme_client_free(c);
    return 0;
}
