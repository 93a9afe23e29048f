/*
 * tests/unit/support/aliscript — what the Alibaba target tests share: a
 * certificate version (its key in the traditional PEM the targets send), a
 * scripted transport that records each call (URL, action, form body) and
 * answers from a queue, and form-body assertions. Every request must be a
 * POST with nothing in the URL.
 */
#ifndef CP_TEST_ALISCRIPT_H
#define CP_TEST_ALISCRIPT_H

#include <stddef.h>

#include <jansson.h>

#include "deploy/target.h"
#include "http/http.h"
#include "util/err.h"

#define ALIS_MAXREQ 24

struct ali_version {
    char *key, *cert, *fullchain;
    char *trad;  /* the key as the targets send it */
    size_t trad_len;
    const char *names[1];
    struct deploy_cert view;
};

/* A version of cert_name with serial_hex (its certificate's own serial is 0x0A1B). */
void aliv_make(struct ali_version *v, const char *cert_name, const char *serial_hex);
void aliv_free(struct ali_version *v);

struct ali_script {
    struct http_transport t;
    char *replies[ALIS_MAXREQ];
    long status[ALIS_MAXREQ];
    size_t n, next;
    char *url[ALIS_MAXREQ], *action[ALIS_MAXREQ], *body[ALIS_MAXREQ];
};

void alis_init(struct ali_script *s);
/* Queue a reply (a JSON object; the reference is taken). */
void alis_queue(struct ali_script *s, long status, json_t *reply);
void alis_queue_ok(struct ali_script *s);
void alis_done(struct ali_script *s);

/* The decoded value of name in request i's form body (malloc'd), or NULL. */
char *alis_get(const struct ali_script *s, size_t i, const char *name);
/* Request i went to url with action, and its form holds name=want; name is absent. */
void alis_request(const struct ali_script *s, size_t i, const char *url, const char *action);
void alis_param(const struct ali_script *s, size_t i, const char *name, const char *want);
void alis_absent(const struct ali_script *s, size_t i, const char *name);

/* Credentials in the environment for the targets. */
void alis_set_creds(void);
/* The target of a compact spec over s (may be NULL); NULL with err on a bad setting. */
struct deploy_target *alis_build(const char *spec, struct ali_script *s, struct err *err);
/* Building spec fails with exactly code and msg. */
void alis_expect_error(const char *spec, int code, const char *msg);

#endif
