/* Deploy targets as a user writes them (deploy_spec_parse: "TYPE:ITEM,...",
 * backslash escapes), then the target's constructor on the settings it gave
 * (deploy_target_new: every setting checked). The target is built and freed,
 * never run: no command starts, no file is written, no request is sent (the
 * Alibaba Cloud targets get a transport that aborts if used, and a key from
 * the environment set once here). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "deploy/target.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static int never_send(struct http_transport *t, const struct http_request *req, struct http_response *resp,
                      struct err *err)
{
    (void)t;
    (void)req;
    (void)resp;
    (void)err;
    abort();  /* constructing a target must not talk to anyone */
}

static void no_free(struct http_transport *t)
{
    (void)t;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* the environment is the first place aliyun_creds_load looks: no file is read */
    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tFuzzKeyId", 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "fuzz-secret-never-sent", 1);
    return 0;
}

static void check_spec(const struct deploy_spec *s)
{
    if (s->type == NULL || s->type[0] == '\0' || s->settings.n != s->n || s->settings.items != s->items)
        abort();
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].key == NULL || s->items[i].key[0] == '\0' || s->items[i].value == NULL)
            abort();
}

static void construct(const struct deploy_spec *s)
{
    struct http_transport http = {.send = never_send, .free = no_free};
    struct deploy_opts opts = {.http = &http};
    struct err e = {0};
    struct deploy_target *t = deploy_target_new(s->type, &s->settings, &opts, &e);

    if (t == NULL) {
        fuzz_check_failure(&e, e.code);
        return;
    }
    if (strcmp(t->type, s->type) != 0 || deploy_type_find(s->type) == NULL)
        abort();
    deploy_target_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    struct deploy_spec s = {0};
    struct err e = {0};
    char *text = fuzz_cstr(data, len);
    int rc;

    if (text == NULL)
        return 0;
    rc = deploy_spec_parse(text, &s, &e);
    if (rc == CP_OK) {
        check_spec(&s);
        construct(&s);
    } else {
        fuzz_check_failure(&e, rc);
    }
    deploy_spec_free(&s);
    free(text);
    return 0;
}
