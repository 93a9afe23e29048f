/* RFC 8288 Link and RFC 9110 Retry-After header values. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    struct http_header h = {"Link", NULL};
    struct http_response r = {.headers = &h, .nheaders = 1};
    char **links = NULL;
    long secs = -1;
    int n;

    if ((h.value = malloc(len + 1)) == NULL)
        return 0;
    memcpy(h.value, data, len);
    h.value[len] = '\0';
    n = http_links(&r, "alternate", &links);
    for (int i = 0; i < n; i++) {
        if (links[i] == NULL || strlen(links[i]) > len)
            abort();
        free(links[i]);
    }
    free(links);
    if (http_retry_after(h.value, 1700000000, &secs) == CP_OK && secs < 0)
        abort();  /* a wait is never negative */
    free(h.value);
    return 0;
}
