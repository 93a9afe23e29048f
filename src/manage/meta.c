/*
 * manage/meta — meta.json, the record of what renewal needs (schema in
 * docs/META.md). Never holds secrets: solver settings name programs,
 * directories and addresses; credentials stay in the environment or in
 * files of their own.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manage/internal.h"
#include "util/clock.h"
#include "solve/solve.h"

#define META_SCHEMA 1

/* Paths are stored absolute, so renewal from another directory finds them. */
static json_t *setting_value(const char *key, const char *value)
{
    char path[PATH_MAX];

    if ((strcmp(key, "program") == 0 || strcmp(key, "path") == 0) && realpath(value, path) != NULL)
        return json_string(path);
    return json_string(value);
}

/* Settings keep their order and repeats: [["listen","0.0.0.0:80"], ...]. */
static json_t *settings_json(const struct kvlist *s)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < s->n; i++)
        if (json_array_append_new(arr, json_pack("[s,o]", s->items[i].key,
                                                 setting_value(s->items[i].key, s->items[i].value))) != 0) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

static json_t *names_json(const char *const *names, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < n; i++)
        if (json_array_append_new(arr, json_string(names[i])) != 0) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

json_t *manage_meta_build(const struct manage *m, const struct manage_cert_req *req,
                          const char *const *names, size_t nnames, const char *key_type,
                          const struct cert_info *ci)
{
    return manage_meta_build_for(m->server, m->account_name, req, names, nnames, key_type, ci);
}

json_t *manage_meta_build_for(const char *server, const char *account, const struct manage_cert_req *req,
                              const char *const *names, size_t nnames, const char *key_type,
                              const struct cert_info *ci)
{
    char nb[32], na[32], now[32];

    clock_format_utc(ci->not_before, nb, sizeof(nb));
    clock_format_utc(ci->not_after, na, sizeof(na));
    clock_format_utc(time(NULL), now, sizeof(now));
    char csr[PATH_MAX];
    const char *csr_path = req->csr_file && realpath(req->csr_file, csr) ? csr : req->csr_file;

    return json_pack("{s:i, s:o, s:s, s:s, s:s, s:{s:s, s:s?, s:o}, s:s?, s:s?, s:s?, s:s,"
                     " s:{s:s, s:s, s:s, s:s?}}",
                     "schema", META_SCHEMA, "names", names_json(names, nnames),
                     "key_type", key_type, "server", server, "account", account,
                     "solver", "name", req->solver,
                     "challenge", solver_challenge_type(req->solver, &req->settings),
                     "settings", settings_json(&req->settings),
                     "profile", req->profile, "preferred_chain", req->preferred_chain, "csr", csr_path,
                     "issued", now, "cert", "serial", ci->serial_hex, "not_before", nb,
                     "not_after", na, "ari_id", ci->ari_id);
}
