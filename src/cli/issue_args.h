/*
 * cli/issue_args — the options of `certpilot issue`, parsed and checked
 * before anything touches the network or the disk.
 */
#ifndef CP_CLI_ISSUE_ARGS_H
#define CP_CLI_ISSUE_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"
#include "manage/batch.h"
#include "manage/fromacmeini.h"
#include "solve/solve.h"

/* The solver's settings: one per option, and --listen is repeatable. */
#define ISSUE_MAX_SETTINGS (SOLVER_MAX_LISTEN + 40)

struct issue_args {
    const char *names[MANAGE_MAX_NAMES];  /* as given; the library checks them */
    struct kv settings[ISSUE_MAX_SETTINGS];
    size_t nsettings;
    struct manage_cert_req req;           /* points into the fields above */
    struct manage_account_new account;    /* what --agree-tos needs to create one */
    const char *emails[MANAGE_MAX_CONTACTS];
    bool agree_tos;
    struct manage_config_account cfg_account;  /* [certpilot] agree_tos and email */
    const char *challenge;                /* --challenge, with --hook */
    size_t nlisten;
    size_t dns_settings;                  /* options that only --dns takes */
    struct manage_target deploy[33];      /* --deploy SPEC (one more for acme.ini's ChainFile) */
    const char *acme_ini;                 /* --acme-ini FILE: the seed articles' format */
    const char *section;                  /* --section NAME in it */
    const char *batch;                    /* --batch FILE: one certificate a line */
    unsigned jobs;                        /* --jobs N: certificates at once in a batch */
    long orders_limit;                    /* --orders-limit N per 3 hours; 0: the CA's known limit */
    bool json;                            /* --json: one object a certificate (cli/jsonout.h) */
    const char *pre_hook, *post_hook;     /* --pre-hook CMD, --post-hook CMD */
};

/* 1: help printed; 0: parsed and valid; < 0: CP_EUSAGE with the reason in err. */
int issue_args_parse(struct cli *cli, struct issue_args *a, int argc, char **argv, struct err *err);

/* Read --acme-ini (manage/fromacmeini.h) and fill the request and the global options from it;
 * run holds what it read until the issue is done (manage_acmeini_req_free). */
int cli_acmeini_apply(struct cli *cli, struct issue_args *a, struct manage_acmeini_req *run,
                      struct err *err) CP_WUR;

/* `issue --batch FILE`: every line's certificate, a.jobs at once. */
int cli_issue_batch(struct cli *cli, struct issue_args *a, struct err *err);

#endif
