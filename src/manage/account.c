/*
 * manage/account — open, create, find and read accounts. The key is
 * generated (or imported) and saved (0600, never overwritten) before the CA
 * is asked, so a failure at the CA loses nothing and a retry reuses it. An
 * imported key's existing account is found rather than created again, and a
 * known key the CA has forgotten is registered again.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jose/b64url.h"
#include "util/clock.h"
#include "manage/internal.h"
#include "util/fsio.h"
#include "util/str.h"

#define MAX_KEY_FILE (64 * 1024)

static const char *account_name(const char *name)
{
    return name != NULL ? name : MANAGE_DEFAULT_ACCOUNT;
}

static int check_account_name(const char *name, struct err *err)
{
    if (!store_name_valid(name))
        return err_set(err, CP_EUSAGE, "account name \"%s\" is not valid (letters, digits, '.', '_', '-')",
                       name);
    return CP_OK;
}

static int remember_name(struct manage *m, const char *name, struct err *err)
{
    free(m->account_name);
    m->account_name = strdup(name);
    return m->account_name ? CP_OK : err_nomem(err);
}

int manage_account_open(struct manage *m, const char *name, struct err *err)
{
    struct err scratch = {0};
    char *pem = NULL, *dir = NULL, *what = NULL;
    const char *url;
    json_t *meta = NULL;
    size_t len = 0;
    struct acme_account acct = {0};
    int rc;

    err = err ? err : &scratch;
    name = account_name(name);
    if (m->account_name != NULL && strcmp(m->account_name, name) == 0 && acme_client_kid(m->acme) != NULL)
        return CP_OK;  /* open already: one account lookup per run */
    if ((rc = check_account_name(name, err)) != CP_OK || (rc = manage_connect(m, err)) != CP_OK)
        return rc;
    dir = store_account_dir(m->store, m->ca_id, name);
    if ((rc = store_account_load(m->store, m->ca_id, name, &pem, &len, &meta, err)) != CP_OK)
        goto out;
    what = str_printf("account key %s/key.pem", dir ? dir : "?");
    if ((rc = what ? manage_use_key(m, pem, len, what, err) : err_nomem(err)) != CP_OK)
        goto out;
    url = json_string_value(json_object_get(meta, "url"));
    /* RFC 8555 §7.3.6: a deactivated account is refused by the CA for good; say so here */
    if (json_object_get(meta, "deactivated") != NULL) {
        rc = err_set(err, CP_EINVALID, "account \"%s\" (%s) was deactivated on %s and cannot be used; "
                     "create another account", name, url ? url : "?",
                     json_string_value(json_object_get(meta, "deactivated")) ? json_string_value(
                         json_object_get(meta, "deactivated")) : "?");
        goto out;
    }
    if (url != NULL)
        rc = acme_client_set_account(m->acme, m->signer, url) == CP_OK ? CP_OK : err_nomem(err);
    else if ((rc = acme_account_find(m->acme, &acct, err)) == CP_OK)
        log_info(m->log, "found account %s at the CA", acct.url);
    if (rc == CP_OK)
        rc = remember_name(m, name, err);
    /* a key change a crash cut short: the CA may know only the new key (account_ops.c) */
    if (rc == CP_OK)
        rc = manage_account_recover_key(m, name, &(bool){false}, NULL, err);
out:
    acme_account_free(&acct);
    secret_free(pem, len);
    json_decref(meta);
    free(dir);
    free(what);
    return rc;
}

/* Nothing may create the missing account: say the two ways to. */
static int no_account(struct manage *m, const char *name, struct err *err)
{
    char *dir = store_account_dir(m->store, m->ca_id, account_name(name));

    err_set(err, CP_ENOTFOUND, "no account \"%s\" for %s in %s: create it with `certpilot account new "
            "--agree-tos --email ADDR`, or set agree_tos = yes (and email = ADDR) in [certpilot] of the "
            "config file so that issue and renew create it", account_name(name), m->server, dir ? dir : "?");
    free(dir);
    return CP_ENOTFOUND;
}

/* RFC 8555 §7.3: a CA with terms of service wants termsOfServiceAgreed; say how to agree. */
static int check_terms(struct manage *m, const struct manage_account_new *o, struct err *err)
{
    const struct acme_directory *d = acme_client_directory(m->acme);

    if (o->agree_tos || d == NULL || d->terms_of_service == NULL)
        return CP_OK;
    err_set(err, CP_EUSAGE, "CA %s requires agreeing to its terms of service %s: read them, then add "
            "--agree-tos (or set agree_tos = yes in [certpilot] of the config file)", m->server,
            d->terms_of_service);
    str_sanitize(err->msg);
    return CP_EUSAGE;
}

int manage_account_ensure(struct manage *m, const char *name, const struct manage_account_new *create,
                          struct err *err)
{
    struct err scratch = {0};
    struct manage_account_new o;
    const char *how = NULL;
    int rc;

    err = err ? err : &scratch;
    rc = manage_account_open(m, name, err);
    if (rc == CP_ENOTFOUND && create == NULL)
        return no_account(m, name, err);
    if (rc != CP_ENOTFOUND)
        return rc;
    o = *create;
    o.name = name;
    err_clear(err);
    log_info(m->log, "creating account \"%s\"", account_name(name));
    if ((rc = manage_account_create(m, &o, &how, err)) == CP_OK)
        log_info(m->log, "account %s %s", manage_account_url(m), how);
    return rc;
}

const char *manage_account_name(const struct manage *m)
{
    return m->account_name;
}

const char *manage_account_url(const struct manage *m)
{
    return m->acme != NULL ? acme_client_kid(m->acme) : NULL;
}

int manage_account_fetch(struct manage *m, struct acme_account *out, enum key_type *kt, struct err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if (m->account_key == NULL)
        return err_set(err, CP_EUSAGE, "no account is open");
    if ((rc = acme_account_fetch(m->acme, out, err)) != CP_OK)
        return rc;
    if (kt != NULL && key_type_of(m->account_key, kt, err) != CP_OK)
        *kt = KEY_EC_P256;
    return CP_OK;
}

static int generate_key(struct manage *m, const struct manage_account_new *o, char **pem, size_t *len,
                        struct err *err)
{
    enum key_type kt = KEY_EC_P256;
    EVP_PKEY *key = NULL;
    int rc = key_type_parse(o->key_type ? o->key_type : "ec256", &kt, err);

    if (rc == CP_OK && (key = key_generate(kt, err)) == NULL)
        rc = err->code;
    if (rc == CP_OK)
        rc = key_to_pem(key, pem, len, err);
    if (rc == CP_OK)
        rc = store_account_save_key(m->store, m->ca_id, account_name(o->name), *pem, *len, err);
    EVP_PKEY_free(key);
    return rc;
}

/* An existing key (another client's, or a backup), as PKCS#8 PEM, from a file only its
 * owner can read (fs_read_secret: no symlink, not readable by group or others); stored only
 * once the CA knows its account, since the user still holds the file. */
static int import_key(const struct manage_account_new *o, char **pem, size_t *len, struct err *err)
{
    char *raw = NULL, *what = str_printf("account key file %s", o->key_file);
    size_t raw_len = 0;
    EVP_PKEY *key = NULL;
    int rc = what ? fs_read_secret(o->key_file, MAX_KEY_FILE, &raw, &raw_len, err) : err_nomem(err);

    if (rc == CP_OK && (key = key_from_pem(raw, raw_len, what, err)) == NULL)
        rc = err->code;
    if (rc == CP_OK)
        rc = key_to_pem(key, pem, len, err);
    EVP_PKEY_free(key);
    secret_free(raw, raw_len);
    free(what);
    return rc;
}

/* The key to register: a saved one (*known set when it was registered
 * before), an imported one (its PEM handed back in *imported, to save once
 * the CA has answered), or a new one saved now. */
static int account_key(struct manage *m, const struct manage_account_new *o, struct buf *imported,
                       bool *known, struct err *err)
{
    const char *name = account_name(o->name);
    char *pem = NULL, *dir = store_account_dir(m->store, m->ca_id, name);
    size_t len = 0;
    json_t *meta = NULL;
    int rc = store_account_load(m->store, m->ca_id, name, &pem, &len, &meta, err);

    *known = rc == CP_OK && json_object_get(meta, "url") != NULL;
    if (rc == CP_OK && o->key_file != NULL)
        rc = err_set(err, CP_EEXIST, "account \"%s\" already exists in %s", name, dir ? dir : "?");
    else if (rc == CP_ENOTFOUND && o->key_file != NULL)
        rc = import_key(o, &pem, &len, err);
    else if (rc == CP_ENOTFOUND)
        rc = generate_key(m, o, &pem, &len, err);
    if (rc == CP_OK)
        rc = manage_use_key(m, pem, len, "account key", err);
    if (rc == CP_OK && o->key_file != NULL) {
        *imported = (struct buf){pem, len, len};
        pem = NULL;
    }
    secret_free(pem, len);
    json_decref(meta);
    free(dir);
    return rc;
}

/* "mailto:" URLs for the contacts, each checked before a key is made. */
static int contact_list(const struct manage_account_new *o, char ***out, struct err *err)
{
    char **c = calloc(o->nemails + 1, sizeof(char *));

    *out = c;
    if (c == NULL)
        return err_nomem(err);
    if (o->nemails > MANAGE_MAX_CONTACTS)
        return err_set(err, CP_EUSAGE, "at most %d contact addresses", MANAGE_MAX_CONTACTS);
    for (size_t i = 0; i < o->nemails; i++) {
        c[i] = str_has_prefix(o->emails[i], "mailto:") ? strdup(o->emails[i])
                                                         : str_printf("mailto:%s", o->emails[i]);
        if (c[i] == NULL)
            return err_nomem(err);
        if (!acme_contact_valid(c[i]))
            return err_set(err, CP_EUSAGE, "contact \"%s\" is not an e-mail address", o->emails[i]);
    }
    return CP_OK;
}

static int save_meta(struct manage *m, const char *name, const struct acme_account *a, struct err *err)
{
    char when[32];
    json_t *meta;
    int rc;

    clock_format_utc(time(NULL), when, sizeof(when));
    meta = json_pack("{s:s, s:s, s:s, s:O?, s:s}", "url", a->url, "server", m->server,
                     "status", a->status, "contact", json_object_get(a->object, "contact"),
                     "created", when);
    if (meta == NULL)
        return err_nomem(err);
    rc = store_account_save_meta(m->store, m->ca_id, name, meta, err);
    json_decref(meta);
    return rc;
}

static int decode_eab(const struct manage_account_new *o, struct acme_eab *eab, unsigned char **key,
                      struct err *err)
{
    size_t len = 0;

    if (o->eab_kid == NULL && o->eab_hmac_key == NULL)
        return CP_OK;
    if (o->eab_kid == NULL || o->eab_hmac_key == NULL)
        return err_set(err, CP_EUSAGE, "External Account Binding needs both a key identifier and an HMAC key");
    if (b64url_decode(o->eab_hmac_key, strlen(o->eab_hmac_key), key, &len) != CP_OK || len == 0)
        return err_set(err, CP_EUSAGE, "the External Account Binding HMAC key is not base64url");
    *eab = (struct acme_eab){o->eab_kid, *key, len};
    return CP_OK;
}

/* RFC 8555 §7.3.1: an imported key may already have an account, and a known
 * one may have been forgotten (a test CA restarted); register only when the
 * CA has none for the key. */
static int find_or_create(struct manage *m, const struct manage_account_new *o, bool known,
                          char **contacts, const struct acme_eab *eab, struct acme_account *acct,
                          struct err *err)
{
    int rc;

    if ((o->key_file != NULL || known) && (rc = acme_account_find(m->acme, acct, err)) != CP_ENOTFOUND) {
        if (rc == CP_OK && known)
            rc = err_set(err, CP_EEXIST, "account \"%s\" already exists (%s)", account_name(o->name),
                         acct->url);
        return rc;
    }
    if ((rc = check_terms(m, o, err)) != CP_OK)
        return rc;
    return acme_account_create(m->acme, (const char *const *)contacts, o->nemails, o->agree_tos,
                               eab->kid ? eab : NULL, acct, err);
}

int manage_account_create(struct manage *m, const struct manage_account_new *o, const char **how,
                          struct err *err)
{
    struct err scratch = {0};
    struct acme_account acct = {0};
    struct acme_eab eab = {0};
    struct buf imported = BUF_INIT;
    const char *name = account_name(o->name);
    bool known = false;
    unsigned char *hmac = NULL;
    char **contacts = NULL;
    int rc;

    err = err ? err : &scratch;
    /* refuse bad input before a key is made or the CA is asked */
    if ((rc = check_account_name(name, err)) != CP_OK || (rc = contact_list(o, &contacts, err)) != CP_OK ||
        (rc = decode_eab(o, &eab, &hmac, err)) != CP_OK || (rc = manage_connect(m, err)) != CP_OK ||
        (rc = account_key(m, o, &imported, &known, err)) != CP_OK ||
        (rc = find_or_create(m, o, known, contacts, &eab, &acct, err)) != CP_OK)
        goto out;
    if (imported.data != NULL)
        rc = store_account_save_key(m->store, m->ca_id, name, imported.data, imported.len, err);
    if (rc == CP_OK)
        rc = save_meta(m, name, &acct, err);
    if (rc == CP_OK)
        rc = remember_name(m, name, err);
    if (rc == CP_OK && how != NULL)
        *how = known ? "registered again" : o->key_file ? "ready" : "created";
out:
    acme_account_free(&acct);
    store_names_free(contacts, o->nemails);
    secret_free(hmac, eab.hmac_key_len);
    secret_free(imported.data, imported.len);
    return rc;
}

/* A dry run's account key: made in memory, registered, never stored. */
static int ephemeral_key(struct manage *m, const struct manage_account_new *o, struct err *err)
{
    char *pem = NULL;
    size_t len = 0;
    enum key_type kt = KEY_EC_P256;
    EVP_PKEY *key = NULL;
    int rc = key_type_parse(o->key_type ? o->key_type : "ec256", &kt, err);

    if (rc == CP_OK && (key = key_generate(kt, err)) == NULL)
        rc = err->code;
    if (rc == CP_OK)
        rc = key_to_pem(key, &pem, &len, err);
    if (rc == CP_OK)
        rc = manage_use_key(m, pem, len, "account key in memory", err);
    EVP_PKEY_free(key);
    secret_free(pem, len);
    return rc;
}

int manage_account_ephemeral(struct manage *m, const char *name, const struct manage_account_new *create,
                             struct err *err)
{
    struct manage_account_new o = create != NULL ? *create : (struct manage_account_new){0};
    struct acme_account acct = {0};
    char **contacts = NULL;
    int rc = manage_account_open(m, name, err);

    if (rc != CP_ENOTFOUND)
        return rc;
    err_clear(err);
    o.name = name;
    if ((rc = contact_list(&o, &contacts, err)) == CP_OK && (rc = ephemeral_key(m, &o, err)) == CP_OK &&
        (rc = check_terms(m, &o, err)) == CP_OK)
        rc = acme_account_create(m->acme, (const char *const *)contacts, o.nemails, o.agree_tos, NULL, &acct, err);
    if (rc == CP_OK)
        log_info(m->log, "dry run: no account \"%s\" stored for %s: registered %s with a key kept in memory only",
                 account_name(name), m->server, acct.url ? acct.url : "?");
    acme_account_free(&acct);
    store_names_free(contacts, o.nemails);
    return rc;
}
