/*
 * cli/issue_args — the options of `certpilot issue`, parsed and checked
 * before anything touches the network or the disk.
 */
#ifndef CP_CLI_ISSUE_ARGS_H
#define CP_CLI_ISSUE_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"

#define ISSUE_MAX_NAMES 100
#define ISSUE_MAX_LISTEN 8

enum issue_method { METHOD_NONE, METHOD_HOOK, METHOD_WEBROOT, METHOD_STANDALONE };

struct issue_args {
    char *names[ISSUE_MAX_NAMES];  /* normalised (lower case), owned */
    size_t nnames;
    char cert_name[256];
    const char *key_type;
    const char *challenge;  /* "dns-01" or "http-01" */
    enum issue_method method;
    const char *hook;
    const char *webroot;
    const char *listen[ISSUE_MAX_LISTEN];
    size_t nlisten;
    long timeout_s;
    const char *profile;
    const char *preferred_chain;
    struct account_new_opts account;  /* name, and what --agree-tos needs to create one */
    const char *emails[16];
};

/* 1: help printed; 0: parsed and valid; < 0: CP_EUSAGE with the reason in err. */
int issue_args_parse(struct cli *cli, struct issue_args *a, int argc, char **argv, struct err *err);
void issue_args_free(struct issue_args *a);

/* Lower-case and check a DNS name for a certificate ("*.": wildcard). CP_EUSAGE names it. */
int issue_name_normalise(const char *in, char **out, struct err *err) CP_WUR;

#endif
