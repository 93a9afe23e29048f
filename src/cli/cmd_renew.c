/*
 * cli/cmd_renew — `certpilot renew`: every stored certificate that is due,
 * with the settings it was issued with, through the library's worker pool.
 * Needs no flags, so a timer can run it; one failure never stops the others.
 */
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
    unsigned long deploy_failed;  /* renewed, but a deploy target failed */
    long orders_limit;            /* --orders-limit, 0: the CA's known limit */
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

/* --json: each job's deploy results, printed with its line. */
static int job_begin(void *user, const char *name, void **job, struct err *err)
{
    struct renew_run *r = user;

    (void)name;
    if (r->json && (*job = json_array()) == NULL)
        return err_nomem(err);
    return CP_OK;
}

static void dry_run_ca(void *user, const char *name, const char *server, const char *why)
{
    (void)user;
    printf("dry run: %s: ordering from %s (%s)\n", name, server, why);
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
static bool print_outcome(struct renew_run *r, const char *cert, const struct manage_batch_result *res)
{
    const struct manage_renew_result *rr = res->renewal;
    char when[32];
    char *shown = NULL;
    const char *name;

    if (res->rc == CP_OK && !r->dry_run && !rr->renewed && r->cli->quiet)
        return false;
    shown = manage_name_display(cert);
    name = shown ? shown : cert;
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

static void job_done(void *user, void *job, const char *name, const struct manage_batch_result *res)
{
    const struct manage_renew_result *rr = res ? res->renewal : NULL;
    struct renew_run *r = user;

    if (res != NULL && res->rc == CP_OK && rr->renewed && rr->issued.deploy_rc != CP_OK)
        r->deploy_failed++;
    if (res != NULL && r->json)
        print_json(name, res, job);
    else if (res != NULL && print_outcome(r, name, res) && rr != NULL && rr->explanation[0] != '\0')
        printf("  the CA explains: %s\n", rr->explanation);
    fflush(stdout);
    json_decref(job);
}

static int renew_all(struct cli *cli, struct renew_run *r, struct err *err)
{
    struct manage_renew_all_opts o = {
        .manage = cli_manage_opts(cli), .cfg = cli->config, .only = r->only, .nonly = r->nonly,
        .jobs = r->jobs == 0 && cli->config_jobs > 0 ? (unsigned)cli->config_jobs : r->jobs,
        .force = r->force, .reuse_key = r->reuse_key, .dry_run = r->dry_run, .check_interval_s = r->interval_s,
        .orders_limit = r->orders_limit, .begin = job_begin, .done = job_done, .dry_run_ca = dry_run_ca,
        .deploy_cb = r->json ? cli_json_deploy : cli_print_deploy, .user = r};
    struct manage_batch_stats st = {0};
    int rc = cli_server_check(cli, err);

    if (rc == CP_OK)
        rc = manage_renew_all(&o, &st, err);
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
