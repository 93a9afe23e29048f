/*
 * tests/unit/support/esascript — a scripted transport for the ESA tests
 * (dns/aliesa.c, deploy/aliesa.c), whose calls are GETs (parameters in the
 * URL) and POSTs (a form body, nothing in the URL): it records each call's
 * method, action and parameters and answers from a queue.
 */
#ifndef CP_TEST_ESASCRIPT_H
#define CP_TEST_ESASCRIPT_H

#include <stddef.h>

#include <jansson.h>

#include "http/http.h"

#define ESAS_MAX 24

struct esa_script {
    struct http_transport t;
    char *replies[ESAS_MAX];
    long status[ESAS_MAX];
    size_t n, next;
    char *method[ESAS_MAX], *action[ESAS_MAX], *params[ESAS_MAX];  /* params: the query or the form body */
};

void esas_init(struct esa_script *s);
/* Queue a reply (a JSON object; the reference is taken). */
void esas_queue(struct esa_script *s, long status, json_t *reply);
void esas_done(struct esa_script *s);
/* Request i was method action (a POST with nothing in its URL, a GET with no body). */
void esas_request(const struct esa_script *s, size_t i, const char *method, const char *action);
/* Request i holds name=want; name is absent. */
void esas_param(const struct esa_script *s, size_t i, const char *name, const char *want);
void esas_absent(const struct esa_script *s, size_t i, const char *name);

#endif
