/*
 * cli — the certpilot command line: argument parsing, the commands,
 * output and exit codes. No protocol logic lives here: commands call the
 * acme, solve, crypto and store modules with plain values.
 */
#ifndef CP_CLI_CLI_H
#define CP_CLI_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "acme/client.h"
#include "http/http.h"
#include "jose/jws.h"
#include "store/store.h"
#include "util/err.h"
#include "util/log.h"

#define CLI_DEFAULT_ROOT "/var/lib/certpilot"
#define CLI_LE_PROD "https://acme-v02.api.letsencrypt.org/directory"
#define CLI_LE_STAGING "https://acme-staging-v02.api.letsencrypt.org/directory"

/* Options every command accepts. */
struct cli {
    const char *root;
    const char *server;
    const char *ca_bundle;
    int verbose;
    bool quiet;
    struct logger log;
};

/* What a command has open while it talks to a CA. */
struct cli_ctx {
    struct store *store;
    struct http_transport *http;
    struct acme_client *acme;
    char *ca_id;  /* "<host>_<port>" of the directory URL */
    EVP_PKEY *account_key;
    struct jws_signer *signer;
};

/* Global option ids (beyond single characters) shared by every command's table. */
enum {
    OPT_ROOT = 1000,
    OPT_SERVER,
    OPT_CA,
    OPT_CA_BUNDLE,
    OPT_VERSION,
    OPT_FIRST_COMMAND_OPT = 1100,
};

#define CLI_GLOBAL_LONGOPTS                                      \
    {"root", required_argument, NULL, OPT_ROOT},                 \
    {"server", required_argument, NULL, OPT_SERVER},             \
    {"ca", required_argument, NULL, OPT_CA},                     \
    {"ca-bundle", required_argument, NULL, OPT_CA_BUNDLE},       \
    {"verbose", no_argument, NULL, 'v'},                         \
    {"quiet", no_argument, NULL, 'q'},                           \
    {"help", no_argument, NULL, 'h'},                            \
    {"version", no_argument, NULL, OPT_VERSION}
#define CLI_GLOBAL_SHORTOPTS "vqh"

/* Handle a global option; 1 when opt was one, 0 when not, CP_EUSAGE on a bad value. */
int cli_global_option(struct cli *cli, int opt, const char *arg, struct err *err);

/* A command's handler for one of its own options (not a global one). */
typedef int (*cli_option_fn)(void *ctx, int opt, const char *arg, char **argv, struct err *err);

/*
 * Parse a command's options with getopt_long: -h prints usage, global
 * options are taken, the rest go to fn(ctx, ...). Positional arguments are
 * refused. Sets the log level afterwards.
 * Returns 1 when help was printed, 0 when parsed, CP_EUSAGE (err set) otherwise.
 */
int cli_parse_options(struct cli *cli, const char *cmd, int argc, char **argv, const char *shortopts,
                      const struct option *opts, const char *usage, cli_option_fn fn, void *ctx,
                      struct err *err);

/* Set the log level from -v/-q; call after a command has parsed its options. */
void cli_apply_verbosity(struct cli *cli);

/* The error for getopt's '?' (unknown option or missing argument) in command cmd. */
int cli_bad_option(const char *cmd, char **argv, struct err *err);

/* Report err as one line on stderr and return the exit code for it. */
int cli_fail(const struct err *err);

/* Open store, HTTP transport and ACME client (directory fetched). */
int cli_ctx_open(struct cli *cli, struct cli_ctx *ctx, struct err *err) CP_WUR;
/* Load the named account (key + URL) and set it on the client.
 * CP_ENOTFOUND when the account does not exist here. */
int cli_ctx_account(struct cli *cli, struct cli_ctx *ctx, const char *name, struct err *err) CP_WUR;
void cli_ctx_close(struct cli_ctx *ctx);

/* Parse a PEM account key (what names it in errors) and make the client sign
 * with it, as a new account (no kid yet). */
int cli_ctx_use_key(struct cli_ctx *ctx, const char *pem, size_t len, const char *what,
                    struct err *err) CP_WUR;

/* Create a new account (key generated and saved first, then registered). */
struct account_new_opts {
    const char *name;
    const char *const *emails;
    size_t nemails;
    bool agree_tos;
    const char *key_type;  /* NULL: ec256 */
    const char *key_file;  /* import this account key instead of generating one */
    const char *eab_kid;
    const char *eab_hmac_key;  /* base64url */
};
int cli_account_create(struct cli *cli, struct cli_ctx *ctx, const struct account_new_opts *o,
                       struct err *err) CP_WUR;

/* Print a UTC time as "2026-11-25T10:15:00Z" into buf. */
void cli_format_time(time_t t, char *buf, size_t len);

int cmd_account(struct cli *cli, int argc, char **argv);
int cmd_issue(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);

#endif
