/*
 * manage/view — the read side: a stored certificate's current version,
 * parsed from its own cert.pem (the truth) with its meta.json beside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manage/internal.h"

/* Each deploy target's last result: ok for the current serial, failed, or pending. */
static void deploy_counts(struct manage_cert_view *v)
{
    size_t i;
    json_t *e;

    v->deploy = json_object_get(v->meta, "deploy");
    json_array_foreach(v->deploy, i, e) {
        const json_t *last = json_object_get(e, "last");
        const char *s = json_string_value(json_object_get(last, "serial"));
        bool current = s != NULL && strcmp(s, v->info.serial_hex) == 0;
        *(!current ? &v->deploy_pending : json_is_true(json_object_get(last, "ok")) ? &v->deploy_ok
                                                                                   : &v->deploy_failed) += 1;
    }
}

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
        deploy_counts(out);
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

/* A version's name starts with its UTC time, "20261125T101500Z-<serial>". */
static bool version_since(const char *version, time_t since)
{
    struct tm tm = {0};
    int used = 0;

    if (sscanf(version, "%4d%2d%2dT%2d%2d%2dZ-%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &used) != 6 || used != 17)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm) >= since;
}

int manage_recent_issues(struct manage *m, time_t since, unsigned long *count, struct err *err)
{
    char **names = NULL, **versions = NULL;
    size_t n = 0, nv = 0;
    int rc = store_cert_list(m->store, &names, &n, err);

    *count = 0;
    for (size_t i = 0; rc == CP_OK && i < n; i++) {
        json_t *meta = NULL;
        const char *server = NULL;
        if (store_cert_load_meta(m->store, names[i], &meta, NULL) == CP_OK)
            server = json_string_value(json_object_get(meta, "server"));
        if (server != NULL && strcmp(server, m->server) == 0 &&
            store_cert_versions(m->store, names[i], &versions, &nv, NULL) == CP_OK) {
            for (size_t k = 0; k < nv; k++)
                *count += version_since(versions[k], since);
            store_names_free(versions, nv);
        }
        json_decref(meta);
    }
    store_names_free(names, n);
    return rc;
}

int manage_cert_ca(struct manage *m, const char *name, char **server, struct err *err)
{
    json_t *meta = NULL;
    const char *s = NULL;

    *server = NULL;
    if (store_cert_load_meta(m->store, name, &meta, NULL) == CP_OK && meta != NULL)
        s = manage_meta_server(meta);
    if (s != NULL && (*server = strdup(s)) == NULL) {
        json_decref(meta);
        return err_nomem(err);
    }
    json_decref(meta);
    return CP_OK;
}

int manage_open_for_cert(const struct manage_opts *opts, const char *name, struct manage **out,
                         struct err *err)
{
    char *server = NULL;
    int rc = manage_open(opts, out, err);

    if (rc == CP_OK && name != NULL)
        rc = manage_cert_ca(*out, name, &server, err);
    if (rc == CP_OK && server != NULL && strcmp(server, (*out)->server) != 0)
        rc = manage_set_server(*out, server, err);
    free(server);
    if (rc != CP_OK) {
        manage_free(*out);
        *out = NULL;
    }
    return rc;
}
