#include "common.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/key.h"
#include "jose/jws.h"

#define DIRECTORY                                                                     \
    "{\"newNonce\":\"https://ca.test/nonce\",\"newAccount\":\"https://ca.test/acct\"," \
    "\"newOrder\":\"https://ca.test/order\"}"

static void add_header(struct http_response *r, const char *name, const char *value)
{
    struct http_header *h = realloc(r->headers, (r->nheaders + 1) * sizeof(*h));

    if (h == NULL)
        abort();
    r->headers = h;
    h[r->nheaders].name = strdup(name);
    h[r->nheaders].value = strdup(value);
    r->nheaders++;
}

static int fuzz_send(struct http_transport *t, const struct http_request *req, struct http_response *resp,
                     struct err *err)
{
    struct fuzz_transport *ft = (struct fuzz_transport *)t;

    (void)err;
    memset(resp, 0, sizeof(*resp));
    resp->status = 200;
    add_header(resp, "Replay-Nonce", "fuzznonce");
    if (strcmp(req->url, FUZZ_DIR_URL) == 0) {
        add_header(resp, "Content-Type", "application/json");
        return buf_append(&resp->body, DIRECTORY, strlen(DIRECTORY));
    }
    if (strcmp(req->method, "HEAD") == 0)
        return CP_OK;
    add_header(resp, "Content-Type", ft->content_type);
    if (ft->link != NULL)
        add_header(resp, "Link", ft->link);
    return buf_append(&resp->body, ft->data, ft->len);
}

static void fuzz_free(struct http_transport *t)
{
    (void)t;
}

static void no_sleep(void *ud, long ms)
{
    (void)ud;
    (void)ms;
}

/* One account key for the whole run: making one per input would drown the fuzzer. */
static struct jws_signer *signer(void)
{
    static struct jws_signer *sg;
    EVP_PKEY *key;

    if (sg == NULL && (key = key_generate(KEY_EC_P256, NULL)) != NULL)
        sg = jws_signer_new(key, NULL);
    return sg;
}

struct acme_client *fuzz_client(struct fuzz_transport *ft)
{
    struct acme_client_opts o = {.directory_url = FUZZ_DIR_URL, .transport = &ft->t, .sleep_ms = no_sleep};
    struct acme_client *c;

    ft->t.send = fuzz_send;
    ft->t.free = fuzz_free;
    if (ft->content_type == NULL)
        ft->content_type = "application/json";
    if ((c = acme_client_new(&o, NULL)) == NULL)
        return NULL;
    if (acme_client_set_account(c, signer(), "https://ca.test/acct/1") != CP_OK) {
        acme_client_free(c);
        return NULL;
    }
    return c;
}

char *fuzz_cstr(const uint8_t *data, size_t len)
{
    char *s = malloc(len + 1);

    if (s != NULL) {
        memcpy(s, data, len);
        s[len] = '\0';
    }
    return s;
}

void fuzz_check_failure(const struct err *e, int rc)
{
    if (rc == CP_OK || e->code != rc || e->msg[0] == '\0')
        abort();
    for (const char *p = e->msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            abort();
}

char *fuzz_rotate(const char *text, size_t at, size_t n)
{
    char *s = strdup(text);

    if (s == NULL)
        abort();
    for (char *p = s + at; p < s + at + n; p++) {
        if (*p == 'z' || *p == 'Z' || *p == '9')
            *p = (char)(*p - (*p == '9' ? 9 : 25));
        else if (isalnum((unsigned char)*p))
            (*p)++;
    }
    return s;
}
