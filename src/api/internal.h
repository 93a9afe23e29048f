/*
 * api/internal — what the files of api/ share: the struct behind cp_ctx and
 * the translation of internal errors and option versions.
 */
#ifndef CP_API_INTERNAL_H
#define CP_API_INTERNAL_H

#include "certpilot/certpilot.h"
#include "manage/manage.h"

struct cp_ctx {
    struct logger log;
    struct manage *m;
    struct manage_opts mo;  /* how it was opened (strings below), for the workers of cp_renew */
    char *root, *server, *ca_bundle, *user_agent;
};

/* Copy e into out (may be NULL); returns e's code. */
int api_give_error(const struct err *e, struct cp_error *out);

/* libgit2's rule: any version from 1 to current is accepted. CP_EUSAGE naming what otherwise. */
int api_check_version(const char *what, const unsigned *version, unsigned current, struct cp_error *out);

#endif
