#include "deploy/stored.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/fsio.h"
#include "util/str.h"

#define MAX_PEM (1L << 20)

static const char *const file_name[4] = {"cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"};

/* certs/<name>/current resolved to its archive directory. */
static int resolve_version(const struct store *st, const char *name, char **dir, struct err *err)
{
    char *link = store_cert_path(st, name, "current");
    int rc = CP_OK;

    *dir = NULL;
    if (link == NULL)
        return err_nomem(err);
    if ((*dir = realpath(link, NULL)) == NULL)
        rc = errno == ENOENT ? err_set(err, CP_ENOTFOUND, "certificate %s is not in the store", name)
                             : err_set(err, CP_EIO, "cannot resolve %s: %s", link, strerror(errno));
    free(link);
    return rc;
}

static int read_files(struct deploy_stored *s, struct err *err)
{
    size_t len = 0;
    int rc = CP_OK;

    for (int i = 0; rc == CP_OK && i < 4; i++)
        if ((s->path[i] = str_printf("%s/%s", s->dir, file_name[i])) == NULL)
            rc = err_nomem(err);
    for (int i = 0; rc == CP_OK && i < 3; i++)
        rc = fs_read(s->path[i], MAX_PEM, &s->pem[i], &len, err);
    if (rc == CP_OK)
        rc = fs_read(s->path[3], MAX_PEM, &s->key_pem, &s->key_len, err);
    return rc;
}

static void fill_view(struct deploy_stored *s)
{
    struct deploy_cert *v = &s->view;

    v->name = s->name;
    v->names = (const char *const *)s->info.names;
    v->nnames = s->info.nnames;
    v->serial_hex = s->info.serial_hex;
    v->not_after = s->info.not_after;
    v->cert_pem = s->pem[0];
    v->chain_pem = s->pem[1];
    v->fullchain_pem = s->pem[2];
    v->key_pem = s->key_pem;
    v->key_len = s->key_len;
    v->cert_path = s->path[0];
    v->chain_path = s->path[1];
    v->fullchain_path = s->path[2];
    v->key_path = s->path[3];
}

int deploy_stored_load(const struct store *st, const char *name, struct deploy_stored *out,
                       struct err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if (!store_name_valid(name))
        return err_set(err, CP_EUSAGE, "\"%s\" is not a certificate name", name);
    if ((out->name = strdup(name)) == NULL)
        return err_nomem(err);
    if ((rc = resolve_version(st, name, &out->dir, err)) != CP_OK)
        return rc;
    if ((rc = read_files(out, err)) != CP_OK)
        return rc;
    rc = cert_info_from_pem(out->pem[0], strlen(out->pem[0]), &out->info, err);
    if (rc != CP_OK) {
        err_prefix(err, "%s: ", out->path[0]);
        return rc;
    }
    fill_view(out);
    return CP_OK;
}

void deploy_stored_free(struct deploy_stored *s)
{
    if (s == NULL)
        return;
    free(s->name);
    free(s->dir);
    for (int i = 0; i < 4; i++)
        free(s->path[i]);
    for (int i = 0; i < 3; i++)
        free(s->pem[i]);
    secret_free(s->key_pem, s->key_len);
    cert_info_free(&s->info);
    memset(s, 0, sizeof(*s));
}
