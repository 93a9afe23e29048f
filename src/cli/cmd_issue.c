/*
 * cli/cmd_issue — `certpilot issue`: checks the options, opens the CA and
 * the account, builds the solver, runs the ACME flow, checks what came
 * back and stores it as a new version. Nothing is written under certs/
 * unless a certificate was issued and checked.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/issue.h"
#include "cli/issue_args.h"
#include "crypto/cert.h"
#include "crypto/key.h"
#include "crypto/verify.h"
#include "solve/solve.h"
#include "util/str.h"

/* What one issue run holds; freed in one place. */
struct issue_run {
    struct issue_args args;
    enum key_type key_type;
    struct cli_ctx ctx;
    struct solver *solver;
    EVP_PKEY *cert_key;
    struct acme_issue_result result;
    char *leaf, *chain;
    struct cert_info info;
    int lock_fd;
};

static struct solver *make_solver(struct cli *cli, const struct issue_args *a, struct err *err)
{
    switch (a->method) {
    case METHOD_HOOK:
        return solver_hook_new(a->hook, a->challenge, 0, &cli->log, err);
    case METHOD_WEBROOT:
        return solver_webroot_new(a->webroot, &cli->log, err);
    case METHOD_STANDALONE:
        return solver_standalone_new(a->listen, a->nlisten, &cli->log, err);
    default:
        err_set(err, CP_EUSAGE, "issue: no challenge method");
        return NULL;
    }
}

/* Use the stored account; with --agree-tos create it when missing. */
static int open_account(struct cli *cli, struct issue_run *r, struct err *err)
{
    int rc = cli_ctx_account(cli, &r->ctx, r->args.account.name, err);

    if (rc != CP_ENOTFOUND || !r->args.account.agree_tos)
        return rc;
    log_info(&cli->log, "creating account \"%s\"", r->args.account.name);
    return cli_account_create(cli, &r->ctx, &r->args.account, err);
}

/* The CA's certificate must be for our key and exactly our names. */
static int check_cert(struct issue_run *r, struct err *err)
{
    const char *pem = r->result.pem;
    int rc = cert_chain_split(pem, strlen(pem), &r->leaf, &r->chain, err);

    if (rc == CP_OK)
        rc = cert_info_from_pem(r->leaf, strlen(r->leaf), &r->info, err);
    if (rc == CP_OK)
        rc = cert_matches_key(r->leaf, strlen(r->leaf), r->cert_key, err);
    if (rc != CP_OK) {
        err_prefix(err, "certificate from %s: ", r->result.cert_url);
        return rc;
    }
    rc = cert_verify_issued(r->leaf, r->chain, (const char *const *)r->args.names, r->args.nnames,
                            r->cert_key, time(NULL), err);
    if (rc != CP_OK)
        err_prefix(err, "certificate from %s: ", r->result.cert_url);
    return rc;
}

static json_t *challenge_meta(const struct issue_args *a)
{
    char path[PATH_MAX];
    json_t *listen;

    if (a->method == METHOD_HOOK)
        return json_pack("{s:s, s:s}", "type", a->challenge, "hook",
                         realpath(a->hook, path) ? path : a->hook);
    if (a->method == METHOD_WEBROOT)
        return json_pack("{s:s, s:s}", "type", "http-01", "webroot",
                         realpath(a->webroot, path) ? path : a->webroot);
    listen = json_array();
    for (size_t i = 0; listen != NULL && i < a->nlisten; i++)
        json_array_append_new(listen, json_string(a->listen[i]));
    return json_pack("{s:s, s:o}", "type", "http-01", "standalone", listen);
}

/* meta.json: what renewal needs (never secrets). */
static json_t *cert_meta(struct cli *cli, const struct issue_run *r)
{
    char nb[32], na[32], now[32];
    json_t *names = json_array();

    for (size_t i = 0; names != NULL && i < r->args.nnames; i++)
        json_array_append_new(names, json_string(r->args.names[i]));
    cli_format_time(r->info.not_before, nb, sizeof(nb));
    cli_format_time(r->info.not_after, na, sizeof(na));
    cli_format_time(time(NULL), now, sizeof(now));
    return json_pack("{s:o, s:s, s:s, s:s, s:o, s:s?, s:s?, s:s, s:{s:s, s:s, s:s, s:s?}}",
                     "names", names, "key_type", key_type_name(r->key_type),
                     "server", cli->server, "account", r->args.account.name,
                     "challenge", challenge_meta(&r->args), "profile", r->args.profile,
                     "preferred_chain", r->args.preferred_chain,
                     "issued", now, "cert", "serial", r->info.serial_hex, "not_before", nb,
                     "not_after", na, "ari_id", r->info.ari_id);
}

static int save(struct cli *cli, struct issue_run *r, struct err *err)
{
    char stamp[32], *version = NULL, *pem = NULL;
    size_t pem_len = 0;
    struct tm tm;
    time_t now = time(NULL);
    json_t *meta = cert_meta(cli, r);
    int rc = meta ? key_to_pem(r->cert_key, &pem, &pem_len, err) : err_nomem(err);

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    /* the serial keeps two issues in the same second apart */
    if (rc == CP_OK && (version = str_printf("%s-%s", stamp, r->info.serial_hex)) == NULL)
        rc = err_nomem(err);
    if (rc == CP_OK) {
        struct store_cert_files f = {r->leaf, r->chain, pem, pem_len};
        rc = store_cert_save(r->ctx.store, r->args.cert_name, version, &f, meta, err);
    }
    secret_free(pem, pem_len);
    free(version);
    json_decref(meta);
    return rc;
}

static void print_result(struct issue_run *r)
{
    static const char *const files[][2] = {
        {"cert", "cert.pem"}, {"chain", "chain.pem"}, {"fullchain", "fullchain.pem"}, {"key", "privkey.pem"}};
    char na[32];
    char *p;

    for (size_t i = 0; i < 4; i++) {
        p = store_cert_path(r->ctx.store, r->args.cert_name, files[i][1]);
        printf("%s: %s\n", files[i][0], p ? p : "?");
        free(p);
    }
    cli_format_time(r->info.not_after, na, sizeof(na));
    printf("expires: %s\n", na);
}

static int run_issue(struct cli *cli, struct issue_run *r, struct err *err)
{
    struct acme_issue_req req = {(const char *const *)r->args.names, r->args.nnames, NULL, NULL,
                                 r->args.profile, r->args.preferred_chain, r->args.timeout_s};
    int rc;

    if ((rc = key_type_parse(r->args.key_type ? r->args.key_type : "ec256", &r->key_type, err)) != CP_OK ||
        (rc = cli_ctx_open(cli, &r->ctx, err)) != CP_OK ||
        (rc = store_lock(r->ctx.store, r->args.cert_name, &r->lock_fd, err)) != CP_OK ||
        (rc = open_account(cli, r, err)) != CP_OK)
        return rc;
    if ((r->solver = make_solver(cli, &r->args, err)) == NULL ||
        (r->cert_key = key_generate(r->key_type, err)) == NULL)
        return err->code;
    req.solver = r->solver;
    req.cert_key = r->cert_key;
    log_info(&cli->log, "ordering a certificate for %zu name%s from %s", r->args.nnames,
             r->args.nnames == 1 ? "" : "s", cli->server);
    if ((rc = acme_issue(r->ctx.acme, &req, &r->result, err)) != CP_OK ||
        (rc = check_cert(r, err)) != CP_OK || (rc = save(cli, r, err)) != CP_OK)
        return rc;
    print_result(r);
    return CP_OK;
}

int cmd_issue(struct cli *cli, int argc, char **argv)
{
    struct issue_run r = {.lock_fd = -1};
    struct err err = {0};
    int rc = issue_args_parse(cli, &r.args, argc, argv, &err);

    if (rc == 1) {
        issue_args_free(&r.args);
        return 0;
    }
    if (rc == CP_OK)
        rc = run_issue(cli, &r, &err);
    solver_free(r.solver);
    EVP_PKEY_free(r.cert_key);
    acme_issue_result_free(&r.result);
    free(r.leaf);
    free(r.chain);
    cert_info_free(&r.info);
    store_unlock(r.lock_fd);
    cli_ctx_close(&r.ctx);
    issue_args_free(&r.args);
    return rc == CP_OK ? 0 : cli_fail(&err);
}
