/*
 * cli/cmd_renew — `certpilot renew`: every stored certificate that is due,
 * with the settings it was issued with, through the library's worker pool.
 * Needs no flags, so a timer can run it; one failure never stops the others.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/jsonout.h"
#include "util/clock.h"
#include "config/config.h"
#include "manage/batch.h"

#define MAX_FILTER 256

static const char renew_usage[] =
    "usage: certpilot renew [--cert-name NAME]... [--force] [--reuse-key] [--jobs N] [--interval S]\n"
    "                       [--orders-limit N] [--json] [--pre-hook CMD] [--post-hook CMD]\n"
    "\n"
    "Renews every stored certificate that is due, with the settings it was issued with:\n"
    "inside the CA's ARI window (RFC 9773) when the CA offers one, else when a third of\n"
    "its lifetime is left; at once when it is revoked or its current version is broken.\n"
    "\n"
    "  --cert-name NAME   only this certificate (repeatable)\n"
    "  --force            renew whether due or not\n"
    "  --reuse-key        keep each certificate's current key\n"
    "  --jobs N           certificates renewed at once (default 8)\n"
    "  --interval SECONDS how often renew runs (a timer): a renewal time before the next run\n"
    "                     is taken now (the systemd timer passes 43200)\n"
    "  --orders-limit N   new orders the CA allows an account per 3 hours (default 300 for\n"
    "                     Let's Encrypt, none otherwise); renewals through ARI are exempt\n"
    "  --dry-run          order every certificate, due or not, from its CA's staging twin\n"
    "                     (Let's Encrypt's staging; another CA as it is) and store nothing\n"
    "  --json             one JSON object a certificate instead of the lines (certpilot(1))\n"
    "  --pre-hook CMD     run CMD once before the first renewal that orders (not when nothing\n"
    "                     is due); if it fails, nothing is ordered (config: pre_hook)\n"
    "  --post-hook CMD    run CMD once after the run when the pre-hook's point was reached,\n"
    "                     also when a renewal failed (config: post_hook)\n"
    "\n"
    "Issues the config's certificates that are not stored yet (creating the account\n"
    "first when the config says agree_tos = yes).\n"
    "\n"
    "Prints one line per certificate (renewed, issued, not due until TIME, already renewed by\n"
    "another certpilot meanwhile, or failed) and a summary; exit status 1 when any failed.\n"
    "With -q only what happened: renewed, issued and failed lines, and the summary only then\n"
    "(a timer's mail stays empty while nothing is due).\n";

enum { OPT_CERTNAME = OPT_FIRST_COMMAND_OPT, OPT_FORCE, OPT_REUSE, OPT_JOBS, OPT_INTERVAL, OPT_ORDERS_LIMIT,
       OPT_DRY_RUN, OPT_JSON, OPT_PRE_HOOK, OPT_POST_HOOK };

struct renew_run {
    struct cli *cli;
    const char *only[MAX_FILTER];
    size_t nonly;
    bool force, reuse_key, dry_run, json;
    unsigned jobs;
    long interval_s;
    struct manage *m;   /* reads meta.json to learn each certificate's CA */
    char **names;
    size_t nnames, next;
    time_t now;
    unsigned long deploy_failed;  /* renewed, but a deploy target failed */
    long orders_limit;            /* --orders-limit, 0: the CA's known limit */
    unsigned long orders_left;    /* new orders this run may place without ARI */
    atomic_ulong orders_placed;   /* counted from the workers' threads */
    const char *pre_hook, *post_hook;
};

static int parse_opt(void *ctx, int opt, const char *arg, char **argv, struct err *err)
{
    struct renew_run *r = ctx;
    long v = 0;
    int rc;

    switch (opt) {
    case OPT_CERTNAME:
        if (r->nonly == MAX_FILTER)
            return err_set(err, CP_EUSAGE, "--cert-name: at most %d", MAX_FILTER);
        r->only[r->nonly++] = arg;
        return CP_OK;
    case OPT_FORCE: r->force = true; return CP_OK;
    case OPT_REUSE: r->reuse_key = true; return CP_OK;
    case OPT_DRY_RUN: r->dry_run = true; return CP_OK;
    case OPT_JSON: r->json = true; return CP_OK;
    case OPT_INTERVAL: return cli_number("--interval", arg, 0, 30L * 86400, &r->interval_s, err);
    case OPT_ORDERS_LIMIT: return cli_number("--orders-limit", arg, 1, 1000000, &r->orders_limit, err);
    case OPT_PRE_HOOK: r->pre_hook = arg; return CP_OK;
    case OPT_POST_HOOK: r->post_hook = arg; return CP_OK;
    case OPT_JOBS:
        rc = cli_number("--jobs", arg, 1, MANAGE_BATCH_MAX_JOBS, &v, err);
        r->jobs = (unsigned)v;
        return rc;
    default: return cli_bad_option("renew", argv, err);
    }
}

static bool wanted(const struct renew_run *r, const char *name)
{
    for (size_t i = 0; i < r->nonly; i++)
        if (strcmp(r->only[i], name) == 0)
            return true;
    return r->nonly == 0;
}

/* What one job in flight holds until done(): its meta.json (the server string
 * is borrowed from it) or its config section's request. */
struct renew_job {
    json_t *meta;
    struct manage_config_req cfg;
    json_t *deploy;  /* --json: its deploy results */
};

static void renew_job_free(struct renew_job *rj)
{
    json_decref(rj->meta);
    json_decref(rj->deploy);
    free(rj);
}

/* A configured certificate renews as its section says (and is issued when it
 * is not stored yet); any other stored one as its meta.json says. */
static int describe_job(struct renew_run *r, struct manage_batch_job *job, struct renew_job *rj,
                        struct err *err)
{
    const struct config_cert *c = r->cli->config ? config_cert_find(r->cli->config, job->renew) : NULL;
    int rc;

    if (c != NULL) {
        if ((rc = manage_request_from_config(r->cli->config, c, &rj->cfg, err)) != CP_OK)
            return rc;
        job->req = rj->cfg.req;
        job->server = rj->cfg.server;
        job->renew_opts.renew_before_s = rj->cfg.renew_before_s;
        return CP_OK;
    }
    if (store_cert_load_meta(manage_store(r->m), job->renew, &rj->meta, NULL) == CP_OK && rj->meta != NULL)
        job->server = manage_meta_server(rj->meta);
    return CP_OK;
}

/* A renewal through ARI is exempt from the CA's limit on new orders; any other takes one. */
static bool may_order(void *user, bool ari)
{
    struct renew_run *r = user;

    return ari || atomic_fetch_add(&r->orders_placed, 1) < r->orders_left;
}

/* A dry run orders from the job's CA's staging twin; a CA other than the run's is said. */
static void dry_run_server(struct renew_run *r, struct manage_batch_job *job)
{
    const char *why = NULL, *given = job->server ? job->server : r->cli->server;

    job->server = manage_ca_dry_run(given, &why);
    if (strcmp(given, r->cli->server) != 0)
        printf("dry run: %s: ordering from %s (%s)\n", job->renew, job->server, why);
}

static int next_job(void *user, struct manage_batch_job *job, struct err *err)
{
    struct renew_run *r = user;
    struct renew_job *rj;

    while (r->next < r->nnames && !wanted(r, r->names[r->next]))
        r->next++;
    if (r->next == r->nnames)
        return 0;
    if ((rj = calloc(1, sizeof(*rj))) == NULL || (r->json && (rj->deploy = json_array()) == NULL)) {
        free(rj);
        return err_nomem(err);
    }
    job->renew = r->names[r->next++];
    job->renew_opts = (struct manage_renew_opts){.now = r->now, .force = r->force, .reuse_key = r->reuse_key,
                                                 .check_interval_s = r->interval_s,
                                                 .deploy_cb = r->json ? cli_json_deploy : cli_print_deploy,
                                                 .deploy_user = rj->deploy,
                                                 .may_order = may_order, .order_user = r};
    job->renew_opts.dry_run = r->dry_run;
    job->user = rj;
    if (describe_job(r, job, rj, err) != CP_OK) {
        renew_job_free(rj);
        return -1;
    }
    if (r->dry_run)
        dry_run_server(r, job);
    return 1;
}

/* --json: {"name", "status", "why", "renew_at", "names", "serial", "not_after", "explanation_url",
 * "deploy", "error"}, status renewed | issued | not-due | already-renewed | failed. */
static void print_json(const char *name, const struct manage_batch_result *res, json_t *deploy)
{
    const struct manage_renew_result *rr = res->renewal;
    const char *status = res->rc != CP_OK ? "failed" : rr->renewed ? (rr->first ? "issued" : "renewed")
                         : rr->already_renewed ? "already-renewed" : "not-due";
    json_t *o = json_pack("{s:s, s:s}", "name", name, "status", status);

    if (res->rc != CP_OK) {
        json_object_set_new(o, "error", json_string(res->err->msg[0] ? res->err->msg : cp_strerror(res->rc)));
        cli_json_line(o);
        return;
    }
    json_object_set_new(o, "why", json_string(rr->why));
    if (!rr->renewed && !rr->already_renewed)
        json_object_set_new(o, "renew_at", cli_json_time(rr->at));
    else
        cli_json_cert(o, &rr->issued.info);
    if (rr->explanation[0] != '\0')
        json_object_set_new(o, "explanation_url", json_string(rr->explanation));
    if (rr->renewed)
        json_object_set(o, "deploy", deploy);
    cli_json_line(o);
}

/* One line for the certificate; with -q only what happened (renewed, failed): a
 * timer's mail stays empty while nothing is due. Returns whether it printed. */
static bool print_outcome(struct renew_run *r, const struct manage_batch_job *job,
                          const struct manage_batch_result *res)
{
    const struct manage_renew_result *rr = res->renewal;
    char when[32];
    char *shown = NULL;
    const char *name;

    if (res->rc == CP_OK && !r->dry_run && !rr->renewed && r->cli->quiet)
        return false;
    shown = manage_name_display(job->renew);
    name = shown ? shown : job->renew;
    if (res->rc != CP_OK) {
        printf("failed %s: %s\n", name, res->err->msg[0] ? res->err->msg : cp_strerror(res->rc));
    } else if (r->dry_run) {
        printf("dry run: %s would be %s (%s): the CA issued it, nothing stored\n", name,
               rr->first ? "issued" : "renewed", rr->why);
    } else if (rr->renewed) {
        clock_format_utc(rr->issued.info.not_after, when, sizeof(when));
        printf("%s %s (%s) expires %s\n", rr->first ? "issued" : "renewed", name, rr->why, when);
    } else if (rr->already_renewed) {
        clock_format_utc(rr->issued.info.not_after, when, sizeof(when));
        printf("already renewed %s by another certpilot meanwhile, expires %s\n", name, when);
    } else {
        clock_format_utc(rr->at, when, sizeof(when));
        printf("not due %s until %s (%s)\n", name, when, rr->why);
    }
    free(shown);
    return true;
}

static void job_done(void *user, struct manage_batch_job *job, const struct manage_batch_result *res)
{
    const struct manage_renew_result *rr = res->renewal;
    struct renew_run *r = user;
    struct renew_job *rj = job->user;

    if (res->rc == CP_OK && rr->renewed && rr->issued.deploy_rc != CP_OK)
        r->deploy_failed++;
    if (r->json) {
        print_json(job->renew, res, rj->deploy);
        renew_job_free(rj);
        return;
    }
    if (print_outcome(r, job, res) && rr != NULL && rr->explanation[0] != '\0')
        printf("  the CA explains: %s\n", rr->explanation);
    fflush(stdout);
    renew_job_free(rj);
}

/* Which renewals are due is known only as they run: the limit is said up front when
 * it could bite, and each renewal without ARI takes one order from it. */
static int orders_budget(struct cli *cli, struct renew_run *r, struct err *err)
{
    struct cli_orders ob;
    unsigned long n = 0;
    int rc = cli_orders_budget(cli, r->orders_limit, &ob, err);

    for (size_t i = 0; i < r->nnames; i++)
        n += wanted(r, r->names[i]);
    r->orders_left = ob.left;
    if (rc == CP_OK && n > ob.left)
        log_warn(&cli->log, "the CA allows %ld new orders per 3 hours and %lu were made in the last 3 hours: "
                 "at most %lu of these %lu certificates renew without ARI in this run (renewals through ARI "
                 "are exempt)", ob.limit, ob.recent, ob.left, n);
    return rc;
}

static int renew_all(struct cli *cli, struct renew_run *r, struct err *err)
{
    struct manage_batch_opts o = {cli_manage_opts(cli), r->jobs,
                                  next_job, job_done, r};
    struct manage_batch_stats st = {0};
    int rc = cli_manage_open(cli, &r->m, err);

    /* configured certificates not stored yet are renewed (that is, issued) too */
    if (rc == CP_OK)
        rc = manage_cert_names(r->m, cli->config, &r->names, &r->nnames, &(size_t){0}, err);
    if (r->jobs == 0 && cli->config_jobs > 0)
        r->jobs = (unsigned)cli->config_jobs;
    for (size_t i = 0; rc == CP_OK && i < r->nonly; i++) {
        size_t k = 0;
        while (k < r->nnames && strcmp(r->names[k], r->only[i]) != 0)
            k++;
        if (k == r->nnames)
            rc = err_set(err, CP_ENOTFOUND, "no certificate named %s", r->only[i]);
    }
    if (rc == CP_OK)
        rc = orders_budget(cli, r, err);
    if (rc == CP_OK) {
        r->now = time(NULL);
        rc = manage_batch_run(&o, &st, err);
    }
    if (rc == CP_OK && r->dry_run)
        fprintf(stderr, "certpilot: dry run: %lu issued by the CA, 0 failed; nothing stored\n", st.ok + st.not_due);
    else if (rc == CP_OK && r->deploy_failed > 0)
        rc = err_set(err, CP_EIO, "%lu renewed, %lu not due, 0 failed; %lu renewed certificate(s) could not be "
                     "deployed everywhere (certpilot deploy retries)", st.ok, st.not_due, r->deploy_failed);
    else if (rc == CP_OK && (!cli->quiet || st.ok > 0))
        fprintf(stderr, "certpilot: %lu renewed, %lu not due, 0 failed\n", st.ok, st.not_due);
    else if (st.failed > 0)
        err_set(err, rc, "%lu of %lu certificates failed to renew (%lu renewed, %lu not due)", st.failed,
                st.ok + st.not_due + st.failed, st.ok, st.not_due);
    store_names_free(r->names, r->nnames);
    manage_free(r->m);
    return rc;
}

/* The parser's table, and the completion's (cli/completion.c). */
const struct option cli_renew_opts[] = {
    CLI_GLOBAL_LONGOPTS,
    {"cert-name", required_argument, NULL, OPT_CERTNAME},
    {"force", no_argument, NULL, OPT_FORCE},
    {"reuse-key", no_argument, NULL, OPT_REUSE},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"orders-limit", required_argument, NULL, OPT_ORDERS_LIMIT},
    {"json", no_argument, NULL, OPT_JSON},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"pre-hook", required_argument, NULL, OPT_PRE_HOOK},
    {"post-hook", required_argument, NULL, OPT_POST_HOOK},
    {NULL, 0, NULL, 0},
};

int cmd_renew(struct cli *cli, int argc, char **argv)
{
    struct renew_run r = {.cli = cli};
    struct err err = {0};
    int rc = cli_parse_options(cli, "renew", argc, argv, CLI_GLOBAL_SHORTOPTS, cli_renew_opts, renew_usage, parse_opt,
                               &r, &err);

    if (rc == 1)
        return 0;
    if (rc == CP_OK && r.dry_run) {
        const char *why = NULL, *given = cli->server;
        cli->server = manage_ca_dry_run(given, &why);
        cli->read_only = true;
        printf("dry run: ordering from %s (%s)\n", cli->server, why);
    }
    if (rc == CP_OK && (rc = cli_prepost_open(cli, r.pre_hook, r.post_hook, &err)) == CP_OK)
        rc = cli_prepost_close(cli, renew_all(cli, &r, &err), &err);
    return rc == CP_OK ? 0 : cli_fail(&err);
}
