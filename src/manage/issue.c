/*
 * manage/issue — one certificate from its description: check the request,
 * lock, account, solver, ACME flow, check what came back, store it as a new
 * version. Nothing is written under certs/ unless a certificate was issued
 * and checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acme/issue.h"
#include "crypto/csrread.h"
#include "crypto/verify.h"
#include "manage/internal.h"
#include "manage/prepost.h"
#include "solve/solve.h"
#include "util/fsio.h"
#include "util/str.h"

/* What one issue holds; freed in one place. */
struct issue_job {
    char *names[MANAGE_MAX_NAMES];
    size_t nnames;
    char *cert_name;
    enum key_type key_type;
    struct store_lock *lock;
    struct store *store;                  /* borrowed, for the solver's journal */
    struct solver_journal journal;
    struct solver *solver;
    EVP_PKEY *cert_key;
    struct acme_issue_result result;
    char *leaf, *chain;
    struct cert_info info;
    struct csr_info csr;                  /* with csr_file: someone else's CSR */
    bool has_targets;                     /* the stored meta.json lists deploy targets */
    bool already_renewed;                 /* another run renewed it first: info is its version */
    bool unchanged;                       /* stored, valid, same names and key type: nothing ordered */
    json_t *targets;                      /* the deploy targets it will have (for strip_env) */
    const char *strip_env[17];            /* their password_env names (borrowed from targets) */
};

static void job_free(struct issue_job *j)
{
    for (size_t i = 0; i < j->nnames; i++)
        free(j->names[i]);
    free(j->cert_name);
    store_unlock(j->lock);
    solver_free(j->solver);
    json_decref(j->targets);  /* after the solver, which borrows names from it */
    EVP_PKEY_free(j->cert_key);
    acme_issue_result_free(&j->result);
    free(j->leaf);
    free(j->chain);
    csr_info_free(&j->csr);
    cert_info_free(&j->info);
}

static int add_name(struct issue_job *j, const char *in, struct err *err)
{
    char *name = NULL;
    int rc = manage_name_normalise(in, &name, err);

    if (rc != CP_OK)
        return rc;
    for (size_t i = 0; i < j->nnames; i++)
        if (strcmp(j->names[i], name) == 0) {
            free(name);  /* the same name twice is harmless */
            return CP_OK;
        }
    j->names[j->nnames++] = name;
    return CP_OK;
}

/* A CSR's names become the order's; its key type is the certificate's. */
static int read_csr(const struct manage_cert_req *req, struct issue_job *j, struct err *err)
{
    char *data = NULL, *what = str_printf("CSR %s", req->csr_file);
    size_t len = 0;
    int rc = what ? fs_read(req->csr_file, 1 << 20, &data, &len, err) : err_nomem(err);

    if (rc == CP_OK && req->nnames > 0)
        rc = err_set(err, CP_EUSAGE, "%s: the names come from the CSR; give no others", what);
    if (rc == CP_OK)
        rc = csr_read(data, len, what, &j->csr, err);
    if (rc == CP_OK && j->csr.n > MANAGE_MAX_NAMES)
        rc = err_set(err, CP_EUSAGE, "%s: more than %d names", what, MANAGE_MAX_NAMES);
    for (size_t i = 0; rc == CP_OK && i < j->csr.n; i++)
        rc = add_name(j, j->csr.names[i], err);
    j->key_type = j->csr.key_type;
    free(data);
    free(what);
    return rc;
}

static int check_names(const struct manage_cert_req *req, struct issue_job *j, struct err *err)
{
    int rc = CP_OK;

    if (req->csr_file != NULL)
        return read_csr(req, j, err);
    if (req->nnames == 0)
        return err_set(err, CP_EUSAGE, "a certificate needs at least one name");
    if (req->nnames > MANAGE_MAX_NAMES)
        return err_set(err, CP_EUSAGE, "at most %d names per certificate", MANAGE_MAX_NAMES);
    for (size_t i = 0; rc == CP_OK && i < req->nnames; i++)
        rc = add_name(j, req->names[i], err);
    if (rc == CP_OK)
        rc = key_type_parse(req->key_type ? req->key_type : "ec256", &j->key_type, err);
    return rc;
}

/* Everything that can be refused is refused before the network or the disk. */
static int check_request(const struct manage_cert_req *req, struct issue_job *j, struct err *err)
{
    const char *type = req->solver ? solver_challenge_type(req->solver, &req->settings) : NULL;
    struct manage_cert_req named = *req;
    int rc;

    if ((rc = check_names(req, j, err)) != CP_OK)
        return rc;
    if (req->solver == NULL)
        return err_set(err, CP_EUSAGE, "no challenge solver given");
    /* RFC 8555 §7.1.3: wildcard authorizations only offer dns-01. */
    for (size_t i = 0; type != NULL && i < j->nnames; i++)
        if (j->names[i][0] == '*' && strcmp(type, "dns-01") != 0)
            return err_set(err, CP_EUSAGE, "name %s: a wildcard needs dns-01", j->names[i]);
    for (size_t i = 0; i < j->nnames; i++)
        if ((rc = manage_name_check_challenge(j->names[i], type, err)) != CP_OK)
            return rc;
    if (req->timeout_s < 0 || req->timeout_s > 86400)
        return err_set(err, CP_EUSAGE, "timeout %ld s is not from 1 to 86400", req->timeout_s);
    /* a target that would be refused after the order is refused before it */
    if ((rc = manage_deploy_check(req->deploy, req->ndeploy, err)) != CP_OK)
        return rc;
    named.names = (const char *const *)j->names;
    named.nnames = j->nnames;
    return manage_cert_name(&named, &j->cert_name, err);
}

/* RFC 8555 §7.4.2: what the CA sent is checked before anything is stored: exactly our
 * names, our key, not a CA, a chain that links, valid now (crypto/verify.c). */
static int check_cert(struct issue_job *j, struct err *err)
{
    const char *pem = j->result.pem;
    int rc = cert_chain_split(pem, strlen(pem), &j->leaf, &j->chain, err);

    if (rc == CP_OK)
        rc = cert_info_from_pem(j->leaf, strlen(j->leaf), &j->info, err);
    if (rc == CP_OK)
        rc = cert_verify_issued(j->leaf, j->chain, (const char *const *)j->names, j->nnames, j->cert_key,
                                time(NULL), err);
    if (rc != CP_OK)
        err_prefix(err, "certificate from %s: ", j->result.cert_url);
    return rc;
}

/* The deploy targets (and their last results) carry over to the new version. */
static void keep_deploy_targets(struct manage *m, const char *name, json_t *meta)
{
    json_t *old = NULL, *list;

    if (store_cert_load_meta(m->store, name, &old, NULL) == CP_OK &&
        json_is_array(list = json_object_get(old, "deploy")))
        json_object_set(meta, "deploy", list);
    json_decref(old);
}

/* Install the new version where its targets say; the certificate is stored whatever happens here. */
static void deploy_new(struct manage *m, const struct manage_cert_req *req, struct issue_job *j,
                       struct manage_issued *out)
{
    struct manage_deploy_opts o = {.add = req->deploy, .nadd = req->ndeploy, .exact = req->deploy_exact,
                                   .cb = req->deploy_cb, .user = req->deploy_user};
    struct err err = {0};

    if (req->ndeploy == 0 && !j->has_targets)
        return;
    out->deploy_rc = manage_deploy_locked(m, j->cert_name, &o, &err);
    if (out->deploy_rc != CP_OK)
        snprintf(out->deploy_error, sizeof(out->deploy_error), "%s", err.msg);
}

static int save(struct manage *m, const struct manage_cert_req *req, struct issue_job *j,
                struct err *err)
{
    char stamp[32], *version = NULL, *pem = NULL;
    size_t pem_len = 0;
    struct tm tm;
    time_t now = time(NULL);
    json_t *meta = manage_meta_build(m, req, (const char *const *)j->names, j->nnames,
                                     key_type_name(j->key_type), &j->info);
    int rc = meta == NULL ? err_nomem(err) : CP_OK;

    /* for someone else's CSR there is no key of ours to store */
    if (rc == CP_OK && req->csr_file == NULL)
        rc = key_to_pem(j->cert_key, &pem, &pem_len, err);

    if (rc == CP_OK) {
        keep_deploy_targets(m, j->cert_name, meta);
        j->has_targets = json_array_size(json_object_get(meta, "deploy")) > 0;
    }
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    /* the serial keeps two issues in the same second apart */
    if (rc == CP_OK && (version = str_printf("%s-%s", stamp, j->info.serial_hex)) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK) {
        struct store_cert_files f = {j->leaf, j->chain, pem, pem_len};  /* pem NULL for a CSR */
        rc = store_cert_save(m->store, j->cert_name, version, &f, meta, err);
    }
    secret_free(pem, pem_len);
    free(version);
    json_decref(meta);
    return rc;
}

/* A fresh key, or with reuse_key the current version's when it has the wanted type. */
static int certificate_key(struct manage *m, const struct manage_cert_req *req, struct issue_job *j,
                           struct err *err)
{
    struct store_cert cur = {0};
    enum key_type have;

    if (req->csr_file != NULL)  /* the CSR's key: only its public half is ever here */
        return (j->cert_key = csr_public_key(&j->csr, err)) != NULL ? CP_OK : err->code;
    if (req->reuse_key && store_cert_load(m->store, j->cert_name, STORE_READ_KEY, &cur, NULL) == CP_OK) {
        j->cert_key = key_from_pem(cur.privkey, cur.privkey_len, "current certificate key", NULL);
        if (j->cert_key != NULL && (key_type_of(j->cert_key, &have, NULL) != CP_OK || have != j->key_type)) {
            EVP_PKEY_free(j->cert_key);  /* the key type changed: a new key it is */
            j->cert_key = NULL;
        }
        store_cert_free(&cur);
    }
    if (j->cert_key == NULL && (j->cert_key = key_generate(j->key_type, err)) == NULL)
        return err->code;
    return CP_OK;
}

/* The hook solver's journal of presented challenges lives in the store, per certificate. */
static int journal_save(void *user, const json_t *presented, struct err *err)
{
    struct issue_job *j = user;

    if (json_array_size(presented) == 0)
        return store_journal_remove(j->store, j->cert_name, err);
    return store_journal_write(j->store, j->cert_name, presented, err);
}

/* Take away what a crashed run left presented before presenting anything, then journal this run. */
static int recover(struct manage *m, struct issue_job *j, struct err *err)
{
    json_t *left = NULL;
    int rc = store_journal_read(m->store, j->cert_name, &left, err);

    if (rc == CP_OK && left != NULL && solver_recover(j->solver, left, err) == CP_OK)
        rc = store_journal_remove(m->store, j->cert_name, err);
    else if (rc == CP_OK && left != NULL) {
        log_warn(m->log, "certificate %s: a previous run left challenges presented: %s", j->cert_name, err->msg);
        err_clear(err);
    }
    json_decref(left);
    j->store = m->store;
    j->journal = (struct solver_journal){journal_save, j};
    solver_set_journal(j->solver, &j->journal);
    return rc;
}

/* The variables the certificate's deploy targets (stored and new) read secrets from
 * (password_env) reach no hook either: the hook runs before any target. The targets
 * were checked before anything was ordered, so an error here only leaves names out. */
static void hook_strip_env(struct manage *m, const struct manage_cert_req *req, struct issue_job *j)
{
    struct manage_deploy_opts o = {.add = req->deploy, .nadd = req->ndeploy};
    struct err scratch = {0};
    json_t *meta = NULL;

    if (store_cert_load_meta(m->store, j->cert_name, &meta, &scratch) == CP_OK && meta != NULL)
        j->targets = json_deep_copy(json_object_get(meta, "deploy"));
    json_decref(meta);
    if (j->targets == NULL)
        j->targets = json_array();
    if (j->targets != NULL && targets_apply(j->targets, j->cert_name, &o, &scratch) != CP_OK)
        log_debug(m->log, "certificate %s: %s", j->cert_name, scratch.msg);
    targets_secret_env(j->targets, j->strip_env, sizeof(j->strip_env) / sizeof(j->strip_env[0]) - 1);
}

static int make_solver(struct manage *m, const struct manage_cert_req *req, struct issue_job *j,
                       struct err *err)
{
    struct solver_env env = {req->timeout_s, m->log, NULL, m->cancel, m->shared->rounds, j->strip_env};
    char *dir = NULL;
    int rc = CP_OK;

    /* the dns solver keeps its crash journal in the state (a dry run writes none) */
    if (!req->dry_run && strcmp(req->solver, "dns") == 0 && (rc = store_private_dir(m->store, "dns", &dir, err)) != CP_OK)
        return rc;
    env.state_dir = dir;
    hook_strip_env(m, req, j);
    if ((j->solver = solver_new(req->solver, &req->settings, &env, err)) == NULL)
        rc = err->code;
    free(dir);
    return rc;
}

/* A renewal was decided on one serial without the lock; another run may have renewed
 * the certificate before the lock was ours. Then there is nothing to order. A current
 * version that cannot be read now is issued again, as renew would decide. */
static void check_still_due(struct manage *m, const struct manage_cert_req *req, struct issue_job *j)
{
    struct manage_cert_view v = {0};

    if (req->renews_serial == NULL || manage_cert_view(m, j->cert_name, &v, NULL) != CP_OK)
        return;
    if (strcasecmp(v.info.serial_hex, req->renews_serial) != 0) {
        log_info(m->log, "certificate %s was renewed by another certpilot meanwhile (serial %s); nothing "
                 "ordered", j->cert_name, v.info.serial_hex);
        j->already_renewed = true;
        j->info = v.info;
        memset(&v.info, 0, sizeof(v.info));
    }
    manage_cert_view_free(&v);
}

/* No server was chosen (only the built-in default): a stored certificate is issued again at
 * the CA its meta.json names, as renew and revoke do. */
static int adopt_stored_server(struct manage *m, const struct issue_job *j, struct err *err)
{
    json_t *meta = NULL;
    const char *server;
    int rc = CP_OK;

    if (!m->server_default || store_cert_load_meta(m->store, j->cert_name, &meta, NULL) != CP_OK)
        return CP_OK;
    server = manage_meta_server(meta);
    if (server != NULL && strcmp(server, m->server) != 0 && m->acme != NULL)
        log_warn(m->log, "certificate %s was issued by %s, but this run uses %s (give --server)", j->cert_name,
                 server, m->server);
    else if (server != NULL && strcmp(server, m->server) != 0) {
        log_info(m->log, "certificate %s: using the CA that issued it, %s (--server chooses another)",
                 j->cert_name, server);
        rc = manage_set_server(m, server, err);
    }
    json_decref(meta);
    return rc;
}

/* "a, b, c" into out (len bytes; cut short, never overflowing). */
static void join_names(const char *const *names, size_t n, char *out, size_t len)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", names[i]);
}

static bool has_name(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(names[i], name) == 0)
            return true;
    return false;
}

/* Names the stored certificate holds that the request leaves out would be lost: only with force. */
static int check_dropped(const struct manage_cert_view *v, const struct issue_job *j, struct err *err)
{
    const char *drop[MANAGE_MAX_NAMES];
    char held[320], wanted[320], dropped[320];
    size_t nd = 0;

    for (size_t i = 0; i < v->info.nnames && nd < MANAGE_MAX_NAMES; i++)
        if (!has_name((const char *const *)j->names, j->nnames, v->info.names[i]))
            drop[nd++] = v->info.names[i];
    if (nd == 0)
        return CP_OK;
    join_names((const char *const *)v->info.names, v->info.nnames, held, sizeof(held));
    join_names((const char *const *)j->names, j->nnames, wanted, sizeof(wanted));
    join_names(drop, nd, dropped, sizeof(dropped));
    return err_set(err, CP_EUSAGE, "certificate %s holds %s; issuing it for %s would drop %s: add --force to "
                   "replace them", j->cert_name, held, wanted, dropped);
}

/* certbot's habits for a certificate that is stored already: names it would drop need
 * force; the same names and key type, valid and not due (renew's decision, offline), are
 * nothing to do unless force; a change (names added, another key type) or a due, revoked or
 * broken one is issued again, and said so. A CSR is always issued. */
static int check_existing(struct manage *m, const struct manage_cert_req *req, struct issue_job *j,
                          struct err *err)
{
    struct manage_cert_req want = *req;
    struct manage_renew_opts o = {.now = time(NULL), .offline = true, .force = req->force};
    struct manage_renew_result rr = {0};
    struct manage_cert_view v = {0};
    struct err scratch = {0};
    int rc = CP_OK;

    if (manage_cert_view(m, j->cert_name, &v, &scratch) != CP_OK)
        return CP_OK;  /* not stored, or no readable version: issued */
    for (size_t i = 0; i < v.info.nnames; i++)
        str_sanitize(v.info.names[i]);  /* from the CA: they may reach a terminal */
    if (!req->force && (rc = check_dropped(&v, j, err)) != CP_OK)
        goto out;
    want.names = (const char *const *)j->names;
    want.nnames = j->nnames;
    want.key_type = key_type_name(j->key_type);
    if (req->csr_file != NULL || manage_renew(m, j->cert_name, &want, &o, &rr, &scratch) != CP_OK)
        goto out;
    if (rr.due) {
        log_info(m->log, "certificate %s exists (%s): issuing it again", j->cert_name, rr.why);
        goto out;
    }
    j->unchanged = true;
    j->info = v.info;
    memset(&v.info, 0, sizeof(v.info));
out:
    manage_renew_result_free(&rr);
    manage_cert_view_free(&v);
    return rc;
}

/* Order, solve, finalize and check what the CA sent. */
static int order(struct manage *m, const struct manage_cert_req *req, struct issue_job *j, struct err *err)
{
    struct acme_issue_req areq = {(const char *const *)j->names, j->nnames, j->solver, j->cert_key,
                                  req->profile, req->preferred_chain, req->timeout_s, req->replaces,
                                  j->csr.der, j->csr.der_len};
    int rc;

    log_info(m->log, "ordering a certificate for %zu name%s from %s", j->nnames, j->nnames == 1 ? "" : "s",
             m->server);
    if ((rc = acme_issue(m->acme, &areq, &j->result, err)) != CP_OK)
        return rc;
    return check_cert(j, err);
}

/* certbot's dry run: the same order and checks, and nothing written: no lock, no journal, no
 * account (the stored one of this CA when there is one, else a key in memory), no version. */
static int dry_run(struct manage *m, const struct manage_cert_req *req, struct issue_job *j, struct err *err)
{
    int rc;

    if ((rc = make_solver(m, req, j, err)) != CP_OK ||
        (rc = manage_account_ephemeral(m, req->account, req->create, err)) != CP_OK ||
        (rc = certificate_key(m, req, j, err)) != CP_OK)
        return rc;
    return order(m, req, j, err);
}

static int run(struct manage *m, const struct manage_cert_req *req, struct issue_job *j, struct err *err)
{
    int rc;

    if ((rc = check_request(req, j, err)) != CP_OK)
        return rc;
    if (req->dry_run)
        return dry_run(m, req, j, err);
    if ((rc = store_lock(m->store, j->cert_name, &j->lock, err)) != CP_OK)
        return rc;
    check_still_due(m, req, j);
    if ((rc = adopt_stored_server(m, j, err)) != CP_OK)
        return rc;
    if (req->renews_serial == NULL && (rc = check_existing(m, req, j, err)) != CP_OK)
        return rc;
    if (j->already_renewed || j->unchanged)
        return CP_OK;
    if (m->cancel != NULL && *m->cancel)
        return err_set(err, CP_EINTR, "interrupted before ordering certificate %s", j->cert_name);
    /* the pre-hook may free the port a standalone solver binds; then the solver, so a bad
     * setting or a busy port fails before the CA is asked */
    if ((rc = manage_prepost_before_order(m->prepost, err)) != CP_OK ||
        (rc = make_solver(m, req, j, err)) != CP_OK)
        return rc;
    if ((rc = recover(m, j, err)) != CP_OK || (rc = manage_account_ensure(m, req->account, req->create, err)) != CP_OK ||
        (rc = certificate_key(m, req, j, err)) != CP_OK || (rc = order(m, req, j, err)) != CP_OK)
        return rc;
    return save(m, req, j, err);
}

int manage_issue_check(const struct manage_cert_req *req, struct err *err)
{
    struct issue_job j = {0};
    int rc = check_request(req, &j, err);

    if (rc == CP_OK)
        rc = solver_check(req->solver, &req->settings, err);
    job_free(&j);
    return rc;
}

int manage_issue(struct manage *m, const struct manage_cert_req *req, struct manage_issued *out,
                 struct err *err)
{
    struct err scratch = {0};
    struct issue_job j = {0};
    int rc;

    err = err ? err : &scratch;
    memset(out, 0, sizeof(*out));
    rc = run(m, req, &j, err);
    if (rc == CP_OK && !j.already_renewed && !req->dry_run)
        deploy_new(m, req, &j, out);
    if (rc == CP_OK && req->dry_run) {
        char **v = NULL;
        size_t n = 0;
        out->dry_run_stored = store_cert_versions(m->store, j.cert_name, &v, &n, NULL) == CP_OK && n > 0;
        store_names_free(v, n);
    }
    if (rc == CP_OK) {
        out->already_renewed = j.already_renewed;
        out->unchanged = j.unchanged;
        out->cert_name = j.cert_name;
        out->info = j.info;
        j.cert_name = NULL;
        memset(&j.info, 0, sizeof(j.info));
    }
    job_free(&j);
    return rc;
}

void manage_issued_free(struct manage_issued *r)
{
    if (r == NULL)
        return;
    free(r->cert_name);
    cert_info_free(&r->info);
    memset(r, 0, sizeof(*r));
}
