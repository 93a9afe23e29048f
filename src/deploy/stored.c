#include "deploy/stored.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"

static const char *const file_name[4] = {"cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"};

static void fill_view(struct deploy_stored *s, const struct store_cert *c)
{
    struct deploy_cert *v = &s->view;

    v->name = s->name;
    v->names = (const char *const *)s->info.names;
    v->nnames = s->info.nnames;
    v->serial_hex = s->info.serial_hex;
    v->not_after = s->info.not_after;
    v->cert_pem = c->cert;
    v->chain_pem = c->chain;
    v->fullchain_pem = c->fullchain;
    v->key_pem = c->privkey;
    v->key_len = c->privkey_len;
    v->cert_path = s->path[0];
    v->chain_path = s->path[1];
    v->fullchain_path = s->path[2];
    v->key_path = s->path[3];
}

/* The store reads one version, safely (no symlink followed); the paths are
 * that version's, so a hook reading them sees the same certificate. */
int deploy_stored_load(const struct store *st, const char *name, struct deploy_stored *out,
                       struct err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = store_cert_load(st, name, STORE_READ_KEY_IF_ANY, &out->stored, err)) != CP_OK)
        return rc;
    if ((out->name = strdup(name)) == NULL)
        return err_nomem(err);
    for (int i = 0; i < 4; i++)
        if ((out->path[i] = store_cert_version_path(st, name, out->stored.version, file_name[i])) == NULL)
            return err_nomem(err);
    rc = cert_info_from_pem(out->stored.cert, strlen(out->stored.cert), &out->info, err);
    if (rc != CP_OK) {
        err_prefix(err, "%s: ", out->path[0]);
        return rc;
    }
    fill_view(out, &out->stored);
    return CP_OK;
}

void deploy_stored_free(struct deploy_stored *s)
{
    if (s == NULL)
        return;
    free(s->name);
    for (int i = 0; i < 4; i++)
        free(s->path[i]);
    store_cert_free(&s->stored);
    cert_info_free(&s->info);
    memset(s, 0, sizeof(*s));
}
