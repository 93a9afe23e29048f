#include "cli/issue_args.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

static const char issue_usage[] =
    "usage: certpilot issue -d NAME [-d NAME]... METHOD [OPTIONS]\n"
    "\n"
    "Methods (exactly one):\n"
    "  --hook PROG          run PROG begin|done|failed TYPE IDENT TOKEN AUTH (uacme's contract)\n"
    "  --challenge TYPE     with --hook: dns-01 (default) or http-01\n"
    "  --webroot DIR        http-01: write DIR/.well-known/acme-challenge/TOKEN\n"
    "  --standalone         http-01: answer on a built-in HTTP server\n"
    "  --listen ADDR:PORT   with --standalone (repeatable; default [::]:80 and 0.0.0.0:80)\n"
    "\n"
    "Options:\n"
    "  -d, --domain NAME    a name for the certificate (repeatable; \"*.example.com\" for a wildcard)\n"
    "  --cert-name NAME     local name (default: the first name, \"*.\" becoming \"_.\")\n"
    "  --key-type T         certificate key: ec256 (default), ec384, rsa2048, rsa3072, rsa4096\n"
    "  --account NAME       account to use (default \"default\")\n"
    "  --agree-tos          create the account if it does not exist yet (with --email)\n"
    "  --email ADDR         contact address for a new account (repeatable)\n"
    "  --profile NAME       ask the CA for this certificate profile (e.g. shortlived)\n"
    "  --preferred-chain CN take the CA's alternate chain that leads to the root named CN\n"
    "  --timeout SECONDS    give up waiting for the CA after this long (default 300)\n";

enum {
    OPT_CERTNAME = OPT_FIRST_COMMAND_OPT, OPT_KEYTYPE, OPT_ACCOUNT, OPT_AGREE, OPT_EMAIL,
    OPT_HOOK, OPT_CHALLENGE, OPT_WEBROOT, OPT_STANDALONE, OPT_LISTEN, OPT_TIMEOUT, OPT_PROFILE,
    OPT_PREFERRED_CHAIN,
};

/* RFC 1035 §2.3.1 labels (letters, digits, hyphen; 1-63 octets), 253 octets at most. */
static bool valid_label(const char *s, size_t len)
{
    if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return false;
    return true;
}

int issue_name_normalise(const char *in, char **out, struct err *err)
{
    const char *host = str_has_prefix(in, "*.") ? in + 2 : in;
    size_t n = strlen(host);
    const char *p = host, *dot = NULL;

    *out = NULL;
    if (n == 0 || n > 253 || host[n - 1] == '.' || strchr(host, '.') == NULL)
        return err_set(err, CP_EUSAGE, "-d \"%s\": not a fully qualified domain name", in);
    for (;; p = dot + 1) {
        size_t len;
        dot = strchr(p, '.');
        len = dot ? (size_t)(dot - p) : strlen(p);
        if (!valid_label(p, len))
            return err_set(err, CP_EUSAGE, "-d \"%s\": label \"%.*s\" is not a valid DNS label",
                           in, (int)(len > 63 ? 63 : len), p);
        if (dot == NULL)
            break;
    }
    if ((*out = strdup(in)) == NULL)
        return err_nomem(err);
    for (char *c = *out; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return CP_OK;
}

static int add_name(struct issue_args *a, const char *arg, struct err *err)
{
    char *name = NULL;
    int rc = issue_name_normalise(arg, &name, err);

    if (rc != CP_OK)
        return rc;
    for (size_t i = 0; i < a->nnames; i++)
        if (strcmp(a->names[i], name) == 0) {
            free(name);  /* the same name twice is harmless */
            return CP_OK;
        }
    if (a->nnames == ISSUE_MAX_NAMES) {
        free(name);
        return err_set(err, CP_EUSAGE, "-d: at most %d names per certificate", ISSUE_MAX_NAMES);
    }
    a->names[a->nnames++] = name;
    return CP_OK;
}

static int set_method(struct issue_args *a, enum issue_method m, struct err *err)
{
    if (a->method != METHOD_NONE && a->method != m)
        return err_set(err, CP_EUSAGE, "issue: give only one of --hook, --webroot and --standalone");
    a->method = m;
    return CP_OK;
}

static int parse_timeout(struct issue_args *a, const char *arg, struct err *err)
{
    char *end = NULL;
    long v = strtol(arg, &end, 10);

    if (end == arg || *end != '\0' || v < 1 || v > 86400)
        return err_set(err, CP_EUSAGE, "--timeout: \"%s\" is not a number of seconds (1-86400)", arg);
    a->timeout_s = v;
    return CP_OK;
}

static int parse_opt(void *ctx, int opt, const char *arg, char **argv, struct err *err)
{
    struct issue_args *a = ctx;

    switch (opt) {
    case 'd': return add_name(a, arg, err);
    case OPT_CERTNAME:
        if (!store_name_valid(arg) || strlen(arg) >= sizeof(a->cert_name))
            return err_set(err, CP_EUSAGE, "--cert-name: \"%s\" is not a valid name (letters, digits, '.', '_', '-')", arg);
        snprintf(a->cert_name, sizeof(a->cert_name), "%s", arg);
        return CP_OK;
    case OPT_KEYTYPE: a->key_type = arg; return CP_OK;
    case OPT_ACCOUNT: a->account.name = arg; return CP_OK;
    case OPT_AGREE: a->account.agree_tos = true; return CP_OK;
    case OPT_EMAIL:
        if (a->account.nemails == sizeof(a->emails) / sizeof(a->emails[0]))
            return err_set(err, CP_EUSAGE, "--email: too many addresses");
        a->emails[a->account.nemails++] = arg;
        return CP_OK;
    case OPT_HOOK: a->hook = arg; return set_method(a, METHOD_HOOK, err);
    case OPT_CHALLENGE: a->challenge = arg; return CP_OK;
    case OPT_WEBROOT: a->webroot = arg; return set_method(a, METHOD_WEBROOT, err);
    case OPT_STANDALONE: return set_method(a, METHOD_STANDALONE, err);
    case OPT_LISTEN:
        if (a->nlisten == ISSUE_MAX_LISTEN)
            return err_set(err, CP_EUSAGE, "--listen: at most %d addresses", ISSUE_MAX_LISTEN);
        a->listen[a->nlisten++] = arg;
        return CP_OK;
    case OPT_TIMEOUT: return parse_timeout(a, arg, err);
    case OPT_PROFILE: a->profile = arg; return CP_OK;
    case OPT_PREFERRED_CHAIN: a->preferred_chain = arg; return CP_OK;
    default: return cli_bad_option("issue", argv, err);
    }
}

/* Combinations that cannot work are refused before any network traffic. */
static int check_args(struct issue_args *a, struct err *err)
{
    if (a->nnames == 0)
        return err_set(err, CP_EUSAGE, "issue: give at least one name with -d");
    if (a->method == METHOD_NONE)
        return err_set(err, CP_EUSAGE, "issue: give one of --hook PROG, --webroot DIR or --standalone");
    if (a->challenge != NULL && a->method != METHOD_HOOK)
        return err_set(err, CP_EUSAGE, "--challenge goes with --hook (--webroot and --standalone are http-01)");
    if (a->nlisten > 0 && a->method != METHOD_STANDALONE)
        return err_set(err, CP_EUSAGE, "--listen goes with --standalone");
    if (a->challenge == NULL)
        a->challenge = a->method == METHOD_HOOK ? "dns-01" : "http-01";
    if (strcmp(a->challenge, "dns-01") != 0 && strcmp(a->challenge, "http-01") != 0)
        return err_set(err, CP_EUSAGE, "--challenge: \"%s\" is not dns-01 or http-01", a->challenge);
    /* RFC 8555 §7.1.3: wildcard authorizations only offer dns-01. */
    for (size_t i = 0; i < a->nnames; i++)
        if (a->names[i][0] == '*' && strcmp(a->challenge, "dns-01") != 0)
            return err_set(err, CP_EUSAGE, "-d %s: a wildcard needs dns-01 (--hook PROG)", a->names[i]);
    if (a->cert_name[0] == '\0')
        snprintf(a->cert_name, sizeof(a->cert_name), "%s%s", a->names[0][0] == '*' ? "_" : "",
                 a->names[0] + (a->names[0][0] == '*'));
    if (!store_name_valid(a->account.name))
        return err_set(err, CP_EUSAGE, "--account: \"%s\" is not a valid name", a->account.name);
    return CP_OK;
}

int issue_args_parse(struct cli *cli, struct issue_args *a, int argc, char **argv, struct err *err)
{
    static const struct option opts[] = {
        CLI_GLOBAL_LONGOPTS,
        {"domain", required_argument, NULL, 'd'},
        {"cert-name", required_argument, NULL, OPT_CERTNAME},
        {"key-type", required_argument, NULL, OPT_KEYTYPE},
        {"account", required_argument, NULL, OPT_ACCOUNT},
        {"agree-tos", no_argument, NULL, OPT_AGREE},
        {"email", required_argument, NULL, OPT_EMAIL},
        {"hook", required_argument, NULL, OPT_HOOK},
        {"challenge", required_argument, NULL, OPT_CHALLENGE},
        {"webroot", required_argument, NULL, OPT_WEBROOT},
        {"standalone", no_argument, NULL, OPT_STANDALONE},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"preferred-chain", required_argument, NULL, OPT_PREFERRED_CHAIN},
        {NULL, 0, NULL, 0},
    };
    int rc;

    memset(a, 0, sizeof(*a));
    a->account.name = "default";
    a->account.emails = a->emails;
    rc = cli_parse_options(cli, "issue", argc, argv, CLI_GLOBAL_SHORTOPTS "d:", opts, issue_usage,
                           parse_opt, a, err);
    if (rc != CP_OK)
        return rc;
    return check_args(a, err);
}

void issue_args_free(struct issue_args *a)
{
    for (size_t i = 0; i < a->nnames; i++)
        free(a->names[i]);
    a->nnames = 0;
}
