/*
 * manage/account_ops — what is done to an account after it exists: its
 * contacts (RFC 8555 §7.3.2), its key (§7.3.5), its end (§7.3.6), and the
 * list of every stored account. account.json follows what the CA answers.
 *
 * Key rollover, step by step, and what a crash (kill -9, power loss) at
 * each point leaves:
 *   1. the new key is saved as key-new.pem (a new 0600 file, fsync'd);
 *      key.pem is untouched. Crash: the CA never heard of the new key; the
 *      next key change finds key-new.pem, the CA does not know it, and it is
 *      dropped.
 *   2. the CA is asked to roll over. Crash before or after it answers: the
 *      next key change (or account open) finds key-new.pem and asks the CA
 *      whose key it is (onlyReturnExisting): if it is this account's, steps 3
 *      and 4 are finished; if the CA does not know it, it is dropped.
 *   3. key.pem is copied to archive/<stamp>-key.pem (a new 0600 file; an
 *      identical copy already there is a retry). Crash: as in 2.
 *   4. key-new.pem is renamed over key.pem (one rename(2): key.pem is always
 *      a whole key, the old or the new) and the directory fsync'd.
 * No key is ever overwritten without a copy in archive/, so no step loses one.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manage/internal.h"
#include "util/clock.h"
#include "util/fsio.h"
#include "util/str.h"

#define MAX_KEY_FILE (64 * 1024)

static const char *acct_name(const char *name)
{
    return name != NULL ? name : MANAGE_DEFAULT_ACCOUNT;
}

/* Merge what the CA said (status, contacts) and extra into account.json. */
static int update_json(struct manage *m, const char *name, const struct acme_account *a, const char *key,
                       json_t *extra, struct err *err)
{
    char *pem = NULL;
    size_t len = 0;
    json_t *meta = NULL;
    int rc = store_account_load(m->store, m->ca_id, name, &pem, &len, &meta, err);

    secret_free(pem, len);
    if (rc == CP_OK && meta == NULL && (meta = json_object()) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK && a != NULL && a->status != NULL)
        json_object_set_new(meta, "status", json_string(a->status));
    if (rc == CP_OK && a != NULL && json_object_get(a->object, "contact") != NULL)
        json_object_set(meta, "contact", json_object_get(a->object, "contact"));
    if (rc == CP_OK && key != NULL)
        json_object_set(meta, key, extra);
    if (rc == CP_OK)
        rc = store_account_save_meta(m->store, m->ca_id, name, meta, err);
    json_decref(meta);
    json_decref(extra);
    return rc;
}

static json_t *now_json(void)
{
    char when[32];

    clock_format_utc(time(NULL), when, sizeof(when));
    return json_string(when);
}

int manage_account_update(struct manage *m, const char *name, const char *const *emails, size_t n,
                          struct acme_account *out, struct err *err)
{
    struct err scratch = {0};
    char **c = calloc(n + 1, sizeof(char *));
    int rc;

    err = err ? err : &scratch;
    memset(out, 0, sizeof(*out));
    rc = c ? CP_OK : err_nomem(err);
    if (rc == CP_OK && n > MANAGE_MAX_CONTACTS)
        rc = err_set(err, CP_EUSAGE, "at most %d contact addresses", MANAGE_MAX_CONTACTS);
    for (size_t i = 0; rc == CP_OK && i < n; i++) {
        c[i] = str_has_prefix(emails[i], "mailto:") ? strdup(emails[i]) : str_printf("mailto:%s", emails[i]);
        if (c[i] == NULL)
            rc = err_nomem(err);
        else if (!acme_contact_valid(c[i]))
            rc = err_set(err, CP_EUSAGE, "contact \"%s\" is not an e-mail address", emails[i]);
    }
    if (rc == CP_OK)
        rc = manage_account_open(m, name, err);
    /* RFC 8555 §7.3.2: the contact array sent replaces the account's */
    if (rc == CP_OK)
        rc = acme_account_update_contacts(m->acme, (const char *const *)c, n, out, err);
    /* a CA may leave an empty list out of the account object */
    if (rc == CP_OK)
        rc = update_json(m, acct_name(name), out, "contact",
                         json_object_get(out->object, "contact") ? json_incref(json_object_get(out->object,
                                                                                              "contact"))
                                                                 : json_array(), err);
    store_names_free(c, n);
    return rc;
}

int manage_account_deactivate(struct manage *m, const char *name, struct err *err)
{
    struct err scratch = {0};
    struct acme_account a = {0};
    int rc;

    err = err ? err : &scratch;
    if ((rc = manage_account_open(m, name, err)) != CP_OK)
        return rc;
    /* RFC 8555 §7.3.6: final; the CA refuses the account's requests from now on */
    if ((rc = acme_account_deactivate(m->acme, &a, err)) == CP_OK)
        rc = update_json(m, acct_name(name), &a, "deactivated", now_json(), err);
    acme_account_free(&a);
    return rc;
}

/* --- key rollover --- */

struct new_key {
    char *pem;
    size_t len;
    EVP_PKEY *key;
    struct jws_signer *signer;
};

static void new_key_free(struct new_key *k)
{
    secret_free(k->pem, k->len);
    jws_signer_free(k->signer);
    EVP_PKEY_free(k->key);
    memset(k, 0, sizeof(*k));
}

static int new_key_from_pem(struct new_key *k, const char *what, struct err *err)
{
    if ((k->key = key_from_pem(k->pem, k->len, what, err)) == NULL ||
        (k->signer = jws_signer_new(k->key, err)) == NULL)
        return err->code;
    return CP_OK;
}

/* m signs with k from now on (the client already does); m takes it over. */
static void adopt(struct manage *m, struct new_key *k)
{
    jws_signer_free(m->signer);
    EVP_PKEY_free(m->account_key);
    m->signer = k->signer;
    m->account_key = k->key;
    k->signer = NULL;
    k->key = NULL;
}

/* Steps 3 and 4: archive key.pem, rename key-new.pem over it. */
static int promote(struct manage *m, const char *name, char **archived, struct err *err)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    int rc;

    if (gmtime_r(&now, &tm) == NULL || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
        return err_set(err, CP_EIO, "cannot read the clock");
    if ((rc = store_account_key_promote(m->store, m->ca_id, name, stamp, archived, err)) != CP_OK)
        return rc;
    return update_json(m, name, NULL, "key_changed", now_json(), err);
}

/* A key-new.pem a crash left: finish the rollover if the CA took it, drop it if not.
 * *done says it was finished (the account now signs with it). */
int manage_account_recover_key(struct manage *m, const char *name, bool *done, char **archived,
                               struct err *err)
{
    struct new_key k = {0};
    struct acme_account a = {0};
    char *old_kid = str_dup(acme_client_kid(m->acme));
    int rc = store_account_pending_key_load(m->store, m->ca_id, name, &k.pem, &k.len, err);

    *done = false;
    if (rc == CP_ENOTFOUND) {
        err_clear(err);
        rc = CP_OK;
    } else if (rc == CP_OK && (rc = new_key_from_pem(&k, "pending account key key-new.pem", err)) == CP_OK &&
               (rc = acme_client_set_account(m->acme, k.signer, NULL)) == CP_OK) {
        rc = acme_account_find(m->acme, &a, err);
        if (rc == CP_OK && old_kid != NULL && strcmp(a.url, old_kid) == 0) {
            log_info(m->log, "finishing the key change of account %s that was interrupted", a.url);
            adopt(m, &k);
            *done = true;
            rc = promote(m, name, archived, err);
        } else {
            if (acme_client_set_account(m->acme, m->signer, old_kid) != CP_OK)
                rc = err_nomem(err);
            else if (rc == CP_ENOTFOUND || rc == CP_OK)  /* unknown to the CA, or another account's */
                rc = store_account_pending_key_remove(m->store, m->ca_id, name, err);
        }
    }
    acme_account_free(&a);
    new_key_free(&k);
    free(old_kid);
    return rc;
}

/* The new key: from key_file, or generated (key_type, else the current key's type). */
static int make_key(struct manage *m, const char *key_type, const char *key_file, struct new_key *k,
                    struct err *err)
{
    enum key_type kt = KEY_EC_P256;
    char *raw = NULL;
    size_t raw_len = 0;
    EVP_PKEY *key = NULL;
    int rc = CP_OK;

    if (key_file != NULL && (rc = fs_read_secret(key_file, MAX_KEY_FILE, &raw, &raw_len, err)) == CP_OK)
        key = key_from_pem(raw, raw_len, key_file, err);
    else if (key_file == NULL && key_type != NULL)
        rc = key_type_parse(key_type, &kt, err);
    else if (key_file == NULL && key_type_of(m->account_key, &kt, err) != CP_OK)
        kt = KEY_EC_P256;
    if (rc == CP_OK && key_file == NULL)
        key = key_generate(kt, err);
    if (rc == CP_OK && key == NULL)
        rc = err->code;
    if (rc == CP_OK)
        rc = key_to_pem(key, &k->pem, &k->len, err);
    EVP_PKEY_free(key);
    secret_free(raw, raw_len);
    return rc;
}

int manage_account_key_change(struct manage *m, const char *name, const char *key_type, const char *key_file,
                              char **archived, struct err *err)
{
    struct err scratch = {0};
    struct new_key k = {0};
    bool done = false;
    int rc;

    err = err ? err : &scratch;
    name = acct_name(name);
    if (archived != NULL)
        *archived = NULL;
    if ((rc = manage_account_open(m, name, err)) != CP_OK ||
        (rc = manage_account_recover_key(m, name, &done, NULL, err)) != CP_OK ||
        (rc = make_key(m, key_type, key_file, &k, err)) != CP_OK ||
        (rc = new_key_from_pem(&k, "new account key", err)) != CP_OK ||
        (rc = store_account_pending_key_save(m->store, m->ca_id, name, k.pem, k.len, err)) != CP_OK)
        goto out;
    rc = acme_account_key_change(m->acme, k.signer, err);
    if (rc == CP_OK) {
        adopt(m, &k);
        rc = promote(m, name, archived, err);
    } else if (rc == CP_EACME || rc == CP_EEXIST || rc == CP_EUSAGE) {
        /* the CA said no: the new key is not the account's; key.pem stays */
        struct err rerr = {0};
        if (store_account_pending_key_remove(m->store, m->ca_id, name, &rerr) != CP_OK)
            log_warn(m->log, "%s", rerr.msg);
    }  /* any other failure: the CA may have taken it; key-new.pem stays for the next open */
out:
    new_key_free(&k);
    return rc;
}

/* --- list --- */

static void entry_fill(struct manage *m, struct manage_account_entry *e)
{
    char *pem = NULL;
    size_t len = 0;
    json_t *meta = NULL;
    EVP_PKEY *key = NULL;
    enum key_type kt;

    e->key_type = "?";
    if (store_account_load(m->store, e->ca_id, e->name, &pem, &len, &meta, NULL) != CP_OK)
        return;
    if ((key = key_from_pem(pem, len, "account key", NULL)) != NULL && key_type_of(key, &kt, NULL) == CP_OK)
        e->key_type = key_type_name(kt);
    e->server = str_dup(json_string_value(json_object_get(meta, "server")));
    e->url = str_dup(json_string_value(json_object_get(meta, "url")));
    e->status = str_dup(json_string_value(json_object_get(meta, "status")));
    EVP_PKEY_free(key);
    secret_free(pem, len);
    json_decref(meta);
}

int manage_account_list(struct manage *m, struct manage_account_entry **out, size_t *n, struct err *err)
{
    char **cas = NULL, **names = NULL;
    size_t k = 0;
    int rc = store_account_list(m->store, &cas, &names, &k, err);

    *out = NULL;
    *n = 0;
    if (rc == CP_OK && k > 0 && (*out = calloc(k, sizeof(**out))) == NULL)
        rc = err_nomem(err);
    for (size_t i = 0; rc == CP_OK && i < k; i++) {
        (*out)[i].ca_id = cas[i];
        (*out)[i].name = names[i];
        cas[i] = names[i] = NULL;
        entry_fill(m, &(*out)[i]);
    }
    if (rc == CP_OK)
        *n = k;
    store_names_free(cas, k);
    store_names_free(names, k);
    return rc;
}

void manage_account_list_free(struct manage_account_entry *e, size_t n)
{
    for (size_t i = 0; e != NULL && i < n; i++) {
        free(e[i].ca_id);
        free(e[i].name);
        free(e[i].server);
        free(e[i].url);
        free(e[i].status);
    }
    free(e);
}
