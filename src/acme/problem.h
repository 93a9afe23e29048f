/*
 * acme/problem — RFC 8555 §6.7 / RFC 7807 problem documents turned into
 * one line a user can act on: type, detail, and every subproblem's
 * identifier. The text is sanitised (no control characters from a server
 * reach the terminal).
 */
#ifndef CP_ACME_PROBLEM_H
#define CP_ACME_PROBLEM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "util/err.h"

#define ACME_ERR_PREFIX "urn:ietf:params:acme:error:"

/* The problem's type with the ACME prefix removed ("badNonce"), or the
 * whole type for other namespaces; NULL when doc has no string type. Borrowed. */
const char *acme_problem_short_type(const json_t *doc);

/* Is doc a problem of this type ("badNonce": the ACME namespace is implied)? */
bool acme_problem_is(const json_t *doc, const char *short_type);

/* Format doc (may be NULL) into buf: "badCSR: detail [dns:a.example: rejectedIdentifier: detail; ...]". */
void acme_problem_format(const json_t *doc, char *buf, size_t len);

/* err_set(err, CP_EACME, "%s: %s", what, formatted problem). Returns CP_EACME. */
int acme_problem_err(struct err *err, const json_t *doc, const char *what);

#endif
