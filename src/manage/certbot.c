/*
 * manage/certbot — `certpilot import certbot`: certbot's accounts and live
 * certificates into the state, read-only on certbot's side (see certbot.h).
 * Everything about one certificate is read and checked first (its renewal file,
 * account, files, settings, deploy target); only then is anything written, the
 * account through the store's account functions and the certificate as its first
 * version through store_cert_save (atomic, key 0600).
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/verify.h"
#include "jose/jwk.h"
#include "manage/certbot.h"
#include "manage/internal.h"
#include "util/fsio.h"
#include "util/str.h"

#define MAX_FILE (1024 * 1024)
#define MAX_CERTS 4096

struct import {
    struct manage *m;
    const struct manage_certbot_opts *o;
    char from[PATH_MAX];     /* the certbot directory, resolved */
    json_t *accounts;        /* account URL -> local name, as this run decided */
    size_t skipped;
};

/* One certificate as read: its plan, account, files. */
struct cb_cert {
    const char *name;
    char *conf_path;
    struct certbot_conf conf;
    struct certbot_plan plan;
    char *cert, *chain, *key;
    size_t key_len;
    struct cert_info info;
    const char *key_type;
    char *acct_url, *acct_pem, *acct_created, *acct_name;
    size_t acct_pem_len;
    bool acct_present;
    char *ca_id;
    json_t *meta;
};

static void tell(struct import *im, const char *kind, const char *name, enum manage_import_state st,
                 const char *detail, const char *warning)
{
    struct manage_import_item it = {kind, name, st, detail, warning && *warning ? warning : NULL};

    if (st == IMPORT_SKIPPED && strcmp(kind, "certificate") == 0)
        im->skipped++;
    if (im->o->cb != NULL)
        im->o->cb(im->o->user, &it);
}

/* Read path, which must lead (through any links) to a file inside the certbot directory. */
static int read_inside(struct import *im, const char *path, char **out, size_t *len, struct err *err)
{
    char real[PATH_MAX];
    size_t n = strlen(im->from);

    if (realpath(path, real) == NULL)
        return err_set(err, CP_ENOTFOUND, "%s cannot be read", path);
    if (strncmp(real, im->from, n) != 0 || real[n] != '/')
        return err_set(err, CP_EINVALID, "%s leads to %s, outside %s: refused", path, real, im->from);
    return fs_read(real, MAX_FILE, out, len, err);
}

/* A live file the renewal file names; a copy of certbot's directory (--from) keeps its paths. */
static int read_live(struct import *im, struct cb_cert *c, const char *key, char **out, size_t *len,
                     struct err *err)
{
    const char *v = certbot_conf_value(&c->conf, "", key);
    const char *cfg = certbot_conf_value(&c->conf, "renewalparams", "config_dir");
    char *path;
    int rc;

    if (v == NULL)
        return err_set(err, CP_EUSAGE, "the renewal file names no %s", key);
    if (cfg != NULL && *cfg == '/' && str_has_prefix(v, cfg) && v[strlen(cfg)] == '/')
        path = str_printf("%s%s", im->from, v + strlen(cfg));
    else
        path = str_dup(v);
    rc = path ? read_inside(im, path, out, len, err) : err_nomem(err);
    free(path);
    return rc;
}

/* The certificate, chain and key: one leaf, its key, a chain that signs it. */
static int read_files(struct import *im, struct cb_cert *c, struct err *err)
{
    size_t len = 0;
    EVP_PKEY *key = NULL;
    enum key_type kt;
    int rc = read_live(im, c, "cert", &c->cert, &len, err);

    if (rc == CP_OK)
        rc = read_live(im, c, "chain", &c->chain, &len, err);
    if (rc == CP_OK)
        rc = read_live(im, c, "privkey", &c->key, &c->key_len, err);
    if (rc == CP_OK)
        rc = cert_info_from_pem(c->cert, strlen(c->cert), &c->info, err);
    if (rc == CP_OK && (key = key_from_pem(c->key, c->key_len, "its privkey", err)) == NULL)
        rc = err->code;
    /* valid when issued: an expired certificate imports too, and renew replaces it at once */
    if (rc == CP_OK)
        rc = cert_verify_issued(c->cert, c->chain, (const char *const *)c->info.names, c->info.nnames, key,
                                c->info.not_before, err);
    if (rc == CP_OK && (rc = key_type_of(key, &kt, err)) == CP_OK)
        c->key_type = key_type_name(kt);
    EVP_PKEY_free(key);
    return rc;
}

/* accounts/<host[:port]>/<path>/<id>, as certbot lays out the server's URL. */
static char *account_dir(struct import *im, const struct certbot_plan *p)
{
    const char *s = strstr(p->server, "://");
    char *rest = s ? str_dup(s + 3) : NULL, *dir = NULL;
    size_t n = rest ? strlen(rest) : 0;

    while (n > 0 && rest[n - 1] == '/')
        rest[--n] = '\0';
    if (n > 0 && strstr(rest, "..") == NULL && strpbrk(rest, "?#") == NULL)
        dir = str_printf("%s/accounts/%s/%s", im->from, rest, p->account_id);
    free(rest);
    return dir;
}

static int read_json(struct import *im, const char *dir, const char *file, json_t **out, struct err *err)
{
    char *path = str_printf("%s/%s", dir, file), *text = NULL;
    size_t len = 0;
    int rc = path ? read_inside(im, path, &text, &len, err) : err_nomem(err);

    if (rc == CP_OK && (*out = json_loadb(text, len, 0, NULL)) == NULL)
        rc = err_set(err, CP_EINVALID, "%s is not JSON", path);
    secret_free(text, len);
    free(path);
    return rc;
}

/* private_key.json (the JWK) as PEM, regr.json's uri, meta.json's creation_dt. */
static int read_account(struct import *im, struct cb_cert *c, struct err *err)
{
    char *dir = account_dir(im, &c->plan), *what = dir ? str_printf("%s/private_key.json", dir) : NULL;
    json_t *jwk = NULL, *regr = NULL, *meta = NULL;
    EVP_PKEY *key = NULL;
    const char *uri;
    int rc = what ? read_json(im, dir, "private_key.json", &jwk, err)
                  : err_set(err, CP_EUSAGE, "server %s is not a URL", c->plan.server);

    if (rc == CP_OK && (key = jwk_private_key(jwk, what, err)) == NULL)
        rc = err->code;
    if (rc == CP_OK)
        rc = key_to_pem(key, &c->acct_pem, &c->acct_pem_len, err);
    if (rc == CP_OK)
        rc = read_json(im, dir, "regr.json", &regr, err);
    uri = json_string_value(json_object_get(regr, "uri"));
    if (rc == CP_OK && (uri == NULL || !str_has_prefix(uri, "https://")))
        rc = err_set(err, CP_EINVALID, "%s/regr.json has no account URL (uri)", dir);
    if (rc == CP_OK && (c->acct_url = str_dup(uri)) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK && read_json(im, dir, "meta.json", &meta, NULL) == CP_OK)
        c->acct_created = str_dup(json_string_value(json_object_get(meta, "creation_dt")));
    EVP_PKEY_free(key);
    json_decref(jwk);
    json_decref(regr);
    json_decref(meta);
    free(what);
    free(dir);
    return rc;
}

static bool same_url(const json_t *meta, const char *url)
{
    const char *u = json_string_value(json_object_get(meta, "url"));

    return u != NULL && strcmp(u, url) == 0;
}

/* The account's local name: the stored one with this URL, else "default" when free, else certbot-<id>. */
static int account_name(struct import *im, struct cb_cert *c, struct err *err)
{
    const char *seen = json_string_value(json_object_get(im->accounts, c->acct_url));
    char **cas = NULL, **names = NULL, *pem = NULL;
    size_t n = 0, len = 0;
    json_t *meta = NULL;
    bool have_default = false;
    int rc = seen ? CP_OK : store_account_list(im->m->store, &cas, &names, &n, err);

    for (size_t i = 0; rc == CP_OK && seen == NULL && i < n; i++) {
        if (strcmp(cas[i], c->ca_id) != 0)
            continue;
        have_default = have_default || strcmp(names[i], MANAGE_DEFAULT_ACCOUNT) == 0;
        if (store_account_load(im->m->store, cas[i], names[i], &pem, &len, &meta, NULL) == CP_OK &&
            same_url(meta, c->acct_url))
            c->acct_present = (c->acct_name = str_dup(names[i])) != NULL;
        secret_free(pem, len);
        json_decref(meta);
        pem = NULL, meta = NULL;
        if (c->acct_present)
            break;
    }
    if (rc == CP_OK && c->acct_name == NULL)
        c->acct_name = seen ? str_dup(seen) : have_default ? str_printf("certbot-%.8s", c->plan.account_id)
                                                           : str_dup(MANAGE_DEFAULT_ACCOUNT);
    if (rc == CP_OK && c->acct_name == NULL)
        rc = err_nomem(err);
    c->acct_present = c->acct_present || seen != NULL;
    store_names_free(cas, n);
    store_names_free(names, n);
    return rc;
}

static int add_meta_extras(struct cb_cert *c, struct err *err)
{
    struct kv cmd = {"command", c->plan.deploy_hook};
    struct manage_target t = {.type = "exec", .settings = {&cmd, 1}};
    struct manage_deploy_opts o = {.add = &t, .nadd = 1};
    json_t *list = json_array();
    int rc = list ? CP_OK : err_nomem(err);

    if (rc == CP_OK && c->plan.renew_before_s > 0)
        json_object_set_new(c->meta, "renew_before", json_integer(c->plan.renew_before_s));
    if (rc == CP_OK)
        json_object_set_new(c->meta, "imported", json_pack("{s:s, s:s}", "from", "certbot", "file", c->conf_path));
    if (rc == CP_OK && c->plan.deploy_hook != NULL && (rc = targets_apply(list, c->name, &o, err)) == CP_OK)
        json_object_set(c->meta, "deploy", list);
    json_decref(list);
    return rc;
}

static int build_meta(struct cb_cert *c, struct err *err)
{
    struct manage_cert_req req = {
        .names = (const char *const *)c->info.names, .nnames = c->info.nnames, .cert_name = c->name,
        .key_type = c->plan.key_type ? c->plan.key_type : c->key_type, .solver = c->plan.solver,
        .settings = {c->plan.settings, c->plan.nsettings}};

    c->meta = manage_meta_build_for(c->plan.server, c->acct_name, &req, req.names, req.nnames, req.key_type,
                                    &c->info);
    return c->meta != NULL ? add_meta_extras(c, err) : err_nomem(err);
}

/* Everything about certificate c, read and checked; nothing written. */
static int prepare(struct import *im, struct cb_cert *c, struct err *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = c->conf_path ? read_inside(im, c->conf_path, &text, &len, err) : err_nomem(err);

    if (rc == CP_OK)
        rc = certbot_conf_parse(text, len, c->conf_path, &c->conf, err);
    if (rc == CP_OK)
        rc = read_files(im, c, err);
    if (rc == CP_OK)
        rc = certbot_plan_make(&c->conf, c->name, (const char *const *)c->info.names, c->info.nnames, &c->plan,
                               err);
    if (rc == CP_OK)
        rc = read_account(im, c, err);
    if (rc == CP_OK)
        rc = manage_ca_id(c->plan.server, &c->ca_id, err);
    if (rc == CP_OK)
        rc = account_name(im, c, err);
    if (rc == CP_OK)
        rc = build_meta(c, err);
    free(text);
    return rc;
}

static int save_account(struct import *im, struct cb_cert *c, struct err *err)
{
    json_t *meta;
    int rc;

    if (c->acct_present || im->o->dry_run)
        return CP_OK;
    meta = json_pack("{s:s, s:s, s:s, s:s?, s:s}", "url", c->acct_url, "server", c->plan.server, "status", "valid",
                     "created", c->acct_created, "imported_from", "certbot");
    rc = meta ? store_account_save_key(im->m->store, c->ca_id, c->acct_name, c->acct_pem, c->acct_pem_len, err)
              : err_nomem(err);
    if (rc == CP_OK)
        rc = store_account_save_meta(im->m->store, c->ca_id, c->acct_name, meta, err);
    json_decref(meta);
    return rc;
}

static bool stored(struct import *im, const char *name)
{
    char **v = NULL;
    size_t n = 0;
    bool any = store_cert_versions(im->m->store, name, &v, &n, NULL) == CP_OK && n > 0;

    store_names_free(v, n);
    return any;
}

/* The first version: what certbot has now, under the certificate's lock. */
static int save_cert(struct import *im, struct cb_cert *c, struct err *err)
{
    struct store_cert_files f = {c->cert, c->chain, c->key, c->key_len};
    struct store_lock *lock = NULL;
    char stamp[32], *version = NULL;
    time_t now = time(NULL);
    int rc = store_lock(im->m->store, c->name, &lock, err);

    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
    if (rc == CP_OK && stored(im, c->name))
        rc = err_set(err, CP_EEXIST, "certificate %s was stored meanwhile", c->name);
    if (rc == CP_OK && (version = str_printf("%s-%s", stamp, c->info.serial_hex)) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK)
        rc = store_cert_save(im->m->store, c->name, version, &f, c->meta, err);
    store_unlock(lock);
    free(version);
    return rc;
}

static void cb_cert_free(struct cb_cert *c)
{
    certbot_conf_free(&c->conf);
    free(c->conf_path);
    free(c->cert);
    free(c->chain);
    secret_free(c->key, c->key_len);
    cert_info_free(&c->info);
    free(c->acct_url);
    secret_free(c->acct_pem, c->acct_pem_len);
    free(c->acct_created);
    free(c->acct_name);
    free(c->ca_id);
    json_decref(c->meta);
}

static void tell_done(struct import *im, struct cb_cert *c)
{
    char *acct = str_printf("%s%s", c->acct_present ? "already here as " : im->o->dry_run ? "would import as "
                            : "imported as ", c->acct_name);
    char *d = str_printf("%s%zu name(s), %s, solver %s, account %s", im->o->dry_run ? "would import: " : "",
                         c->info.nnames, json_string_value(json_object_get(c->meta, "key_type")), c->plan.solver,
                         c->acct_name);

    if (!c->acct_present)
        json_object_set_new(im->accounts, c->acct_url, json_string(c->acct_name));
    tell(im, "account", c->acct_url, c->acct_present ? IMPORT_PRESENT : IMPORT_DONE,
         acct ? acct : "", NULL);
    tell(im, "certificate", c->name, IMPORT_DONE, d ? d : "", c->plan.warning);
    free(acct);
    free(d);
}

static void import_one(struct import *im, const char *name)
{
    struct cb_cert c = {.name = name, .conf_path = str_printf("%s/renewal/%s.conf", im->from, name)};
    struct err err = {0};
    int rc = CP_OK;

    if (!store_name_valid(name))
        rc = err_set(&err, CP_EUSAGE, "\"%s\" cannot be a certpilot certificate name", name);
    else if (stored(im, name)) {
        tell(im, "certificate", name, IMPORT_PRESENT, "already stored in certpilot", NULL);
        cb_cert_free(&c);
        return;
    }
    if (rc == CP_OK)
        rc = prepare(im, &c, &err);
    if (rc == CP_OK && (rc = save_account(im, &c, &err)) == CP_OK && !im->o->dry_run)
        rc = save_cert(im, &c, &err);
    if (rc == CP_OK)
        tell_done(im, &c);
    else
        tell(im, "certificate", name, IMPORT_SKIPPED, err.msg, NULL);
    cb_cert_free(&c);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of renewal/ *.conf, sorted. */
static int list_names(struct import *im, char ***out, size_t *n, struct err *err)
{
    char *dir = str_printf("%s/renewal", im->from);
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    int rc = d ? CP_OK : err_set(err, CP_ENOTFOUND, "%s cannot be read: is certbot's directory %s?",
                                 dir ? dir : "renewal", im->from);

    *out = calloc(MAX_CERTS, sizeof(char *));
    *n = 0;
    while (rc == CP_OK && *out != NULL && (e = readdir(d)) != NULL && *n < MAX_CERTS) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".conf") == 0 && e->d_name[0] != '.')
            rc = ((*out)[(*n)++] = strndup(e->d_name, len - 5)) ? CP_OK : err_nomem(err);
    }
    if (rc == CP_OK && *out == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK)
        qsort(*out, *n, sizeof(char *), by_name);
    if (d != NULL)
        closedir(d);
    free(dir);
    return rc;
}

int manage_import_certbot(struct manage *m, const struct manage_certbot_opts *o, size_t *skipped, struct err *err)
{
    struct err scratch = {0};
    struct import im = {.m = m, .o = o, .accounts = json_object()};
    const char *from = o->from ? o->from : MANAGE_CERTBOT_DIR;
    char **names = NULL;
    size_t n = 0;
    int rc = im.accounts ? CP_OK : err_nomem(err ? err : &scratch);

    err = err ? err : &scratch;
    if (rc == CP_OK && realpath(from, im.from) == NULL)
        rc = err_set(err, CP_ENOTFOUND, "certbot directory %s cannot be read", from);
    if (rc == CP_OK && o->nnames == 0)
        rc = list_names(&im, &names, &n, err);
    for (size_t i = 0; rc == CP_OK && i < (o->nnames ? o->nnames : n); i++)
        import_one(&im, o->nnames ? o->names[i] : names[i]);
    *skipped = im.skipped;
    store_names_free(names, n);
    json_decref(im.accounts);
    return rc;
}
