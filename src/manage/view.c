/*
 * manage/view — the read side: a stored certificate's current version,
 * parsed from its own cert.pem (the truth) with its meta.json beside it.
 */
#include <stdlib.h>
#include <string.h>

#include "manage/internal.h"

int manage_cert_view(struct manage *m, const char *name, struct manage_cert_view *out, struct err *err)
{
    struct store_cert c = {0};
    int rc = store_cert_load(m->store, name, 0, &c, err);

    memset(out, 0, sizeof(*out));
    if (rc == CP_OK && (rc = cert_info_from_pem(c.cert, strlen(c.cert), &out->info, err)) != CP_OK)
        err_prefix(err, "certificate %s: ", name);
    if (rc == CP_OK && (out->name = strdup(name)) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK) {
        out->version = c.version;
        out->meta = c.meta;
        c.version = NULL;
        c.meta = NULL;
    }
    store_cert_free(&c);
    if (rc != CP_OK)
        manage_cert_view_free(out);
    return rc;
}

void manage_cert_view_free(struct manage_cert_view *v)
{
    if (v == NULL)
        return;
    free(v->name);
    free(v->version);
    cert_info_free(&v->info);
    json_decref(v->meta);
    memset(v, 0, sizeof(*v));
}
