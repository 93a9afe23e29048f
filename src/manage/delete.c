/*
 * manage/delete — stop managing a certificate: refused while the config file
 * names it (the next renew would issue it again), else taken out of the store
 * under its lock, kept in deleted/ or purged (store_cert_delete).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "manage/internal.h"

int manage_cert_delete(struct manage *m, const struct config *cfg, const char *name, bool purge,
                       struct manage_deleted *out, struct err *err)
{
    const struct config_cert *c = config_cert_find(cfg, name);
    struct store_lock *lock = NULL;
    char **versions = NULL, stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    int rc = CP_OK;

    memset(out, 0, sizeof(*out));
    if (c != NULL)
        return err_set(err, CP_EUSAGE, "%s is in the config file %s: remove its [cert:%s] section first",
                       name, cfg->path, name);
    if ((rc = manage_cert_lookup(m, name, err)) != CP_OK || (rc = store_lock(m->store, name, &lock, err)) != CP_OK)
        goto out;
    if (store_cert_versions(m->store, name, &versions, &out->nversions, NULL) != CP_OK)
        out->nversions = 0;  /* an archive that cannot be read goes too */
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
    rc = store_cert_delete(m->store, name, stamp, purge, &out->kept, err);
out:
    store_names_free(versions, out->nversions);
    store_unlock(lock);
    return rc;
}

void manage_deleted_free(struct manage_deleted *d)
{
    if (d == NULL)
        return;
    free(d->kept);
    memset(d, 0, sizeof(*d));
}
