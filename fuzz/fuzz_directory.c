/* The ACME directory (RFC 8555 §7.1.1) as the CA sends it: parse and URL checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/client.h"


struct dir_transport {
    struct http_transport t;
    const uint8_t *data;
    size_t len;
};

static int dir_send(struct http_transport *t, const struct http_request *req, struct http_response *resp,
                    struct err *err)
{
    struct dir_transport *dt = (struct dir_transport *)t;
    struct http_header *h = calloc(1, sizeof(*h));

    (void)req;
    (void)err;
    memset(resp, 0, sizeof(*resp));
    if (h == NULL)
        abort();
    h->name = strdup("Content-Type");
    h->value = strdup("application/json");
    resp->headers = h;
    resp->nheaders = 1;
    resp->status = 200;
    return buf_append(&resp->body, dt->data, dt->len);
}

static void dir_free(struct http_transport *t)
{
    (void)t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    struct dir_transport dt = {{dir_send, dir_free}, data, len};
    struct acme_client_opts o = {.directory_url = "https://ca.test/dir", .transport = &dt.t};
    struct err err = {0};

    acme_client_free(acme_client_new(&o, &err));
    return 0;
}
