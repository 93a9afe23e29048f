/*
 * manage/revoke — revoke a certificate (RFC 8555 §7.6) and remember it:
 * the revoked version stays in the archive and meta.json gets
 * "revoked": {serial, reason, time}, which makes the next renewal replace
 * it at once (manage/renew.c). A stored certificate's lock is held
 * throughout, so a renewal never writes meta.json under us.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acme/revoke.h"
#include "util/clock.h"
#include "manage/internal.h"
#include "util/fsio.h"
#include "util/str.h"

#define MAX_PEM_FILE (1024 * 1024)

struct revoke_job {
    char *name;               /* the stored certificate, or NULL */
    struct store_lock *lock;
    char *pem;                /* the certificate (leaf first) */
    size_t len;
    char *keypem;             /* the certificate's key, when it signs */
    size_t keylen;
    json_t *meta;
    struct cert_info ci;
    EVP_PKEY *key;
};

static void job_free(struct revoke_job *j)
{
    store_unlock(j->lock);
    free(j->name);
    free(j->pem);
    secret_free(j->keypem, j->keylen);
    json_decref(j->meta);
    cert_info_free(&j->ci);
    EVP_PKEY_free(j->key);
}

/* Lock, then read the current version (and its key when it signs). */
static int load_stored(struct manage *m, struct revoke_job *j, bool with_key, struct err *err)
{
    struct store_cert c = {0};
    int rc = store_lock(m->store, j->name, &j->lock, err);

    if (rc == CP_EBUSY)
        return err_set(err, CP_EBUSY, "certificate %s is being issued or renewed right now; try again "
                       "when that is done", j->name);
    if (rc == CP_OK)
        rc = store_cert_load(m->store, j->name, with_key ? STORE_READ_KEY : 0, &c, err);
    if (rc == CP_OK) {
        j->pem = c.cert;
        j->len = strlen(c.cert);
        j->keypem = c.privkey;
        j->keylen = c.privkey_len;
        j->meta = c.meta;
        c.cert = c.privkey = NULL;
        c.privkey_len = 0;
        c.meta = NULL;
    }
    store_cert_free(&c);
    return rc;
}

/* The stored certificate whose current version has this serial, or none. */
static int find_stored(struct manage *m, const char *serial, char **name, struct err *err)
{
    char **names = NULL;
    size_t n = 0;
    int rc = store_cert_list(m->store, &names, &n, err);

    for (size_t i = 0; rc == CP_OK && *name == NULL && i < n; i++) {
        struct manage_cert_view v = {0};
        if (manage_cert_view(m, names[i], &v, NULL) == CP_OK && strcmp(v.info.serial_hex, serial) == 0 &&
            (*name = strdup(names[i])) == NULL)
            rc = err_nomem(err);
        manage_cert_view_free(&v);
    }
    store_names_free(names, n);
    return rc;
}

/* A certificate file from outside: read it, and use the store's copy when it is one. */
static int load_file(struct manage *m, const struct manage_revoke_req *r, struct revoke_job *j,
                     struct err *err)
{
    struct cert_info ci = {0};
    int rc = fs_read(r->cert_file, MAX_PEM_FILE, &j->pem, &j->len, err);

    if (rc == CP_OK && (rc = cert_info_from_pem(j->pem, j->len, &ci, err)) != CP_OK)
        err_prefix(err, "%s: ", r->cert_file);
    if (rc == CP_OK)
        rc = find_stored(m, ci.serial_hex, &j->name, err);
    if (rc == CP_OK && j->name != NULL) {
        free(j->pem);
        j->pem = NULL;
        rc = load_stored(m, j, false, err);
    }
    cert_info_free(&ci);
    return rc;
}

/* Who signs: the certificate's own key (stored or a file), else the account. */
static int pick_signer(struct manage *m, const struct manage_revoke_req *r, struct revoke_job *j,
                       struct err *err)
{
    const char *acct = r->account;
    char *what = NULL;
    int rc = CP_OK;

    if (r->key_file != NULL)
        rc = fs_read_secret(r->key_file, MAX_PEM_FILE, &j->keypem, &j->keylen, err);
    if (rc == CP_OK && (r->key_file != NULL || r->by_cert_key)) {
        what = str_printf("certificate key %s", r->key_file ? r->key_file : "privkey.pem");
        j->key = what ? key_from_pem(j->keypem, j->keylen, what, err) : NULL;
        rc = j->key ? CP_OK : what ? err->code : err_nomem(err);
        free(what);
        return rc == CP_OK ? manage_connect(m, err) : rc;
    }
    if (rc == CP_OK && acct == NULL)
        acct = json_string_value(json_object_get(j->meta, "account"));
    return rc == CP_OK ? manage_account_open(m, acct, err) : rc;
}

/* meta.json already says this version was revoked. */
static int check_not_revoked(const struct revoke_job *j, struct err *err)
{
    const json_t *rv = json_object_get(j->meta, "revoked");
    const char *serial = json_string_value(json_object_get(rv, "serial"));

    if (serial == NULL || strcasecmp(serial, j->ci.serial_hex) != 0)
        return CP_OK;
    const char *why = json_string_value(json_object_get(rv, "reason"));
    const char *when = json_string_value(json_object_get(rv, "time"));

    return err_set(err, CP_EEXIST, "certificate %s (serial %s) is already revoked (%s, %s)", j->name, serial,
                   why ? why : "?", when ? when : "?");
}

static int mark_revoked(struct manage *m, struct revoke_job *j, const char *reason, time_t at,
                        struct err *err)
{
    char when[32];

    clock_format_utc(at, when, sizeof(when));
    if (j->meta == NULL && (j->meta = json_object()) == NULL)
        return err_nomem(err);
    if (json_object_set_new(j->meta, "revoked", json_pack("{s:s, s:s, s:s}", "serial", j->ci.serial_hex,
                                                          "reason", reason, "time", when)) != 0)
        return err_nomem(err);
    return store_cert_save_meta(m->store, j->name, j->meta, err);
}

static int fill_out(const struct revoke_job *j, const char *reason, time_t at, struct manage_revoked *out,
                    struct err *err)
{
    out->reason = reason;
    out->at = at;
    out->serial = strdup(j->ci.serial_hex);
    out->cert_name = str_dup(j->name);
    return out->serial && (j->name == NULL || out->cert_name) ? CP_OK : err_nomem(err);
}

/* The certificate, by name or from a file, and that it is not revoked already. */
static int load_job(struct manage *m, const struct manage_revoke_req *r, struct revoke_job *j,
                    struct err *err)
{
    int rc;

    if (r->cert_name != NULL && !store_name_valid(r->cert_name))
        return err_set(err, CP_EUSAGE, "\"%s\" is not a certificate name", r->cert_name);
    if (r->cert_name != NULL)
        rc = (j->name = strdup(r->cert_name)) ? load_stored(m, j, r->by_cert_key, err) : err_nomem(err);
    else
        rc = load_file(m, r, j, err);
    if (rc == CP_OK && (rc = cert_info_from_pem(j->pem, j->len, &j->ci, err)) == CP_OK)
        rc = check_not_revoked(j, err);
    if (rc == CP_OK && r->by_cert_key && j->keypem == NULL)
        rc = err_set(err, CP_EUSAGE, "revoke: the certificate's own key is known only for a stored one");
    return rc;
}

int manage_revoke(struct manage *m, const struct manage_revoke_req *r, struct manage_revoked *out,
                  struct err *err)
{
    struct err scratch = {0}, merr = {0};
    struct revoke_job j = {0};
    enum acme_revoke_reason reason = ACME_REVOKE_UNSPECIFIED;
    const char *why;
    time_t at = time(NULL);
    int rc;

    err = err ? err : &scratch;
    memset(out, 0, sizeof(*out));
    if ((r->cert_name == NULL) == (r->cert_file == NULL))
        return err_set(err, CP_EUSAGE, "revoke: name a stored certificate or a certificate file");
    if (r->reason != NULL && (rc = acme_revoke_reason_parse(r->reason, &reason, err)) != CP_OK)
        return rc;
    why = acme_revoke_reason_name((int)reason);
    if ((rc = load_job(m, r, &j, err)) != CP_OK || (rc = pick_signer(m, r, &j, err)) != CP_OK)
        goto out;
    rc = acme_revoke(m->acme, j.pem, j.len, reason, j.key, err);
    /* RFC 8555 §7.6: what the CA had revoked before (alreadyRevoked) is recorded too,
     * its reason unknown here */
    if ((rc == CP_OK || rc == CP_EEXIST) && j.name != NULL &&
        mark_revoked(m, &j, rc == CP_OK ? why : "unknown", at, &merr) != CP_OK && rc == CP_OK)
        rc = err_set(err, merr.code, "revoked, but not recorded: %s", merr.msg);
    if (rc == CP_OK)
        rc = fill_out(&j, why, at, out, err);
out:
    job_free(&j);
    return rc;
}

void manage_revoked_free(struct manage_revoked *r)
{
    if (r == NULL)
        return;
    free(r->cert_name);
    free(r->serial);
    memset(r, 0, sizeof(*r));
}
