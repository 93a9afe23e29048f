/*
 * deploy/stored — the current version of a stored certificate read into
 * memory once, as the view (struct deploy_cert) every target takes. The
 * version directory is resolved first, so the four files always belong to
 * one version even if a renewal switches `current` meanwhile.
 */
#ifndef CP_DEPLOY_STORED_H
#define CP_DEPLOY_STORED_H

#include "crypto/cert.h"
#include "deploy/target.h"
#include "store/store.h"

struct deploy_stored {
    struct deploy_cert view;  /* borrows from the fields below */
    char *name;
    char *path[4];            /* cert, chain, fullchain, privkey of the version */
    struct store_cert stored; /* the version's PEM texts (the key is a secret) */
    struct cert_info info;
};

/* Load certificate name's current version. CP_ENOTFOUND "certificate x is
 * not in the store" when it has none; CP_EINVALID when cert.pem does not
 * parse. Free with deploy_stored_free (also after a failure). */
int deploy_stored_load(const struct store *st, const char *name, struct deploy_stored *out,
                       struct err *err) CP_WUR;
void deploy_stored_free(struct deploy_stored *s);

#endif
