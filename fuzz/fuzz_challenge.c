/* One challenge object (RFC 8555 §7.1.5), inside an otherwise sound authorization. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/authz.h"
#include "common.h"
#include "util/buf.h"

static const char head[] = "{\"identifier\":{\"type\":\"dns\",\"value\":\"a.test\"},\"status\":\"pending\","
                           "\"challenges\":[";
static const char tail[] = "]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    struct buf b = {0};
    struct fuzz_transport ft = {0};
    struct acme_client *c = NULL;
    struct acme_authz a;

    if (buf_append(&b, head, strlen(head)) != CP_OK || buf_append(&b, data, len) != CP_OK ||
        buf_append(&b, tail, strlen(tail)) != CP_OK)
        abort();
    ft.data = (const uint8_t *)b.data;
    ft.len = b.len;
    if ((c = fuzz_client(&ft)) == NULL)
        abort();
    if (acme_authz_fetch(c, "https://ca.test/a/1", &a, NULL, NULL) == CP_OK) {
        for (size_t i = 0; i < a.nchal; i++)
            if (a.chal[i].type == NULL || a.chal[i].url == NULL || a.chal[i].status == NULL)
                abort();
        (void)acme_authz_challenge(&a, "http-01");
    }
    acme_authz_free(&a);
    acme_client_free(c);
    buf_free(&b);
    return 0;
}
