/*
 * manage/show — everything known about one stored certificate, offline, as one
 * JSON object (the `show` command prints it as text or as it is): its live
 * files, what its cert.pem says, what meta.json records (CA, account, how its
 * challenges are answered, deploy targets and their last results, ARI state,
 * a revocation) and the renewal decision `renew` and `list` make.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "manage/internal.h"
#include "util/clock.h"
#include "util/str.h"

/* A setting whose name says it holds a secret is never shown, even if one was stored. */
static bool secret_key(const char *k)
{
    static const char *const words[] = {"secret", "password", "token", "hmac", "credential", NULL};

    for (size_t i = 0; words[i] != NULL; i++)
        if (strstr(k, words[i]) != NULL && strstr(k, "_file") == NULL && strstr(k, "_env") == NULL)
            return true;
    return false;
}

static json_t *solver_json(const json_t *solver)
{
    json_t *out = json_deep_copy(solver), *pair;
    size_t i;

    json_array_foreach(json_object_get(out, "settings"), i, pair) {
        const char *k = json_string_value(json_array_get(pair, 0));
        if (k != NULL && secret_key(k))
            json_array_set_new(pair, 1, json_string("(hidden)"));
    }
    return out;
}

static json_t *time_json(time_t t)
{
    char buf[32];

    return json_string(clock_format_utc(t, buf, sizeof(buf)));
}

/* The live paths servers and hooks read; no privkey.pem for a certificate of someone else's CSR. */
static json_t *files_json(struct manage *m, const char *name, bool has_key)
{
    static const char *const keys[] = {"cert", "chain", "fullchain", "privkey"};
    static const char *const files[] = {"cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"};
    json_t *o = json_object();

    for (size_t i = 0; o != NULL && i < 4; i++) {
        char *p = i < 3 || has_key ? manage_cert_file(m, name, files[i]) : NULL;
        json_object_set_new(o, keys[i], p ? json_string(p) : json_null());
        free(p);
    }
    return o;
}

static json_t *names_json(struct cert_info *ci)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < ci->nnames; i++) {
        str_sanitize(ci->names[i]);  /* the CA chose these bytes */
        json_array_append_new(a, json_string(ci->names[i]));
    }
    return a;
}

static json_t *renewal_json(struct manage *m, const struct config *cfg, const char *name, time_t now)
{
    struct manage_renew_result rr = {0};
    struct err e = {0};
    json_t *o;

    if (manage_renew_preview(m, cfg, name, now, &rr, &e) != CP_OK)
        return json_pack("{s:s}", "error", e.msg);
    o = json_pack("{s:o, s:b, s:s, s:s*}", "at", time_json(rr.at), "due", rr.due, "why", rr.why,
                  "explanation_url", rr.explanation[0] ? rr.explanation : NULL);
    manage_renew_result_free(&rr);
    return o;
}

static json_t *facts(struct manage *m, const struct config *cfg, struct manage_cert_view *v, time_t now)
{
    const json_t *meta = v->meta;
    const char *account = json_string_value(json_object_get(meta, "account"));

    if (v->info.issuer != NULL)
        str_sanitize(v->info.issuer);
    return json_pack("{s:s, s:s, s:b, s:o, s:o, s:s?, s:s?, s:s, s:o, s:o, s:s?, s:s, s:o?, s:s?, s:s?, s:s?,"
                     " s:O?, s:o, s:O?, s:O?}",
                     "name", v->name, "version", v->version, "configured", config_cert_find(cfg, v->name) != NULL,
                     "files", files_json(m, v->name, !json_is_string(json_object_get(meta, "csr"))),
                     "names", names_json(&v->info), "key_type", json_string_value(json_object_get(meta, "key_type")),
                     "issuer", v->info.issuer, "serial", v->info.serial_hex,
                     "not_before", time_json(v->info.not_before), "not_after", time_json(v->info.not_after),
                     "server", manage_meta_server(meta), "account", account ? account : MANAGE_DEFAULT_ACCOUNT,
                     "solver", json_object_get(meta, "solver") ? solver_json(json_object_get(meta, "solver")) : NULL,
                     "profile", json_string_value(json_object_get(meta, "profile")),
                     "preferred_chain", json_string_value(json_object_get(meta, "preferred_chain")),
                     "csr", json_string_value(json_object_get(meta, "csr")),
                     "deploy", json_object_get(meta, "deploy"), "renewal", renewal_json(m, cfg, v->name, now),
                     "ari", json_object_get(meta, "ari"), "revoked", json_object_get(meta, "revoked"));
}

int manage_cert_show(struct manage *m, const struct config *cfg, const char *name, time_t now, json_t **out,
                     struct err *err)
{
    struct manage_cert_view v = {0};
    int rc = manage_cert_lookup(m, name, err);

    *out = NULL;
    if (rc == CP_OK)
        rc = manage_cert_view(m, name, &v, err);
    if (rc == CP_OK && (*out = facts(m, cfg, &v, now)) == NULL)
        rc = err_nomem(err);
    manage_cert_view_free(&v);
    return rc;
}
