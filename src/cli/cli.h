/*
 * cli — the certpilot command line: argument parsing, the commands,
 * output and exit codes. No protocol, store-layout or certificate-checking
 * logic lives here: commands parse options, call the library (manage/) and
 * print what it returns.
 */
#ifndef CP_CLI_CLI_H
#define CP_CLI_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>

#include "manage/manage.h"
#include "util/err.h"
#include "util/log.h"


/* Options every command accepts. */
struct cli {
    const char *root;
    const char *server;
    const char *ca_bundle;
    int verbose;
    bool quiet;
    struct logger log;
    volatile sig_atomic_t *interrupted;  /* set by SIGINT/SIGTERM (main.c) */
    /* which of root, server, ca_bundle came from a flag: a config overrides the
     * environment and the built-in defaults, never a flag */
    bool root_set, server_set, ca_bundle_set;
    /* the server came from $CERTPILOT_SERVER, the config or an acme.ini: not the built-in default,
     * which gives way to a stored certificate's own CA */
    bool server_chosen;
    const char *config_path;  /* --config or $CERTPILOT_CONFIG; NULL: /etc/certpilot/certpilot.ini if it exists */
    struct config *config;    /* loaded after the options, or NULL */
    long config_jobs;         /* [certpilot] jobs, 0 when unset */
    const char *user_agent;       /* NULL: certpilot/VERSION */
    const char *accept_language;  /* NULL: none */
    struct manage_shared *shared; /* what a batch's managers share (its directory, nonces...), or NULL */
    bool read_only;               /* a dry run: the state root is not created */
    struct manage_prepost *prepost; /* the run's --pre-hook/--post-hook (manage/prepost.h), or NULL */
};

/* Global option ids (beyond single characters) shared by every command's table. */
enum {
    OPT_ROOT = 1000,
    OPT_SERVER,
    OPT_CA,
    OPT_CA_BUNDLE,
    OPT_VERSION,
    OPT_CONFIG,
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
    {"version", no_argument, NULL, OPT_VERSION},                 \
    {"config", required_argument, NULL, OPT_CONFIG}
#define CLI_GLOBAL_SHORTOPTS "vqh"

/* Handle a global option; 1 when opt was one, 0 when not, CP_EUSAGE on a bad value. */
int cli_global_option(struct cli *cli, int opt, const char *arg, struct err *err);

/* A flag's number from min to max into *out; CP_EUSAGE naming the flag otherwise. */
int cli_number(const char *flag, const char *arg, long min, long max, long *out, struct err *err) CP_WUR;

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

/* The same, taking one word that is not an option (a certificate NAME, anywhere
 * among the options) into *name when it is there. */
int cli_parse_options_name(struct cli *cli, const char *cmd, int argc, char **argv, const char *shortopts,
                           const struct option *opts, const char *usage, cli_option_fn fn, void *ctx,
                           const char **name, struct err *err);

/* Read the config file (cli->config_path, else the default one when it exists)
 * and take its global settings where no flag or variable gave them. */
int cli_load_config(struct cli *cli, struct err *err) CP_WUR;
void cli_free_config(struct cli *cli);

/* Set the log level from -v/-q; call after a command has parsed its options. */
void cli_apply_verbosity(struct cli *cli);

/* The error for getopt's '?' (unknown option or missing argument) in command cmd. */
int cli_bad_option(const char *cmd, char **argv, struct err *err);

/* getopt_long's '?' or ':' (opt, with the shortopts starting ':') in command cmd ("" before
 * any command), from optind and optopt: "option --hok is unknown (did you mean --hook?)",
 * "option --webroot needs a value (DIR)", "option --standalone takes no value" (cli/optfail.c). */
int cli_option_error(const char *cmd, int opt, char **argv, const struct option *opts, const char *usage,
                     struct err *err);

/* The metavariable the usage text (else the global one) gives option name ("DIR"), into out. */
bool cli_metavar(const char *usage, const char *name, char *out, size_t len);

/* The global usage text (main.c). */
const char *cli_usage(void);

/* Report err as one line on stderr and return the exit code for it. */
int cli_fail(const struct err *err);

/* The library's manager options for the global options. */
struct manage_opts cli_manage_opts(const struct cli *cli);

/* The server of the global options, checked: CP_EUSAGE "--server: ACME server URL: ..." when bad. */
int cli_server_check(const struct cli *cli, struct err *err) CP_WUR;

/* Open the library's manager for the global options (the CA is contacted
 * only when a command needs it). */
int cli_manage_open(struct cli *cli, struct manage **out, struct err *err) CP_WUR;

/* The run's pre-hook and post-hook: the flags' commands, else the config's [certpilot]
 * pre_hook and post_hook (both may be NULL). Checked now; run by the library around
 * the run's orders (cli->prepost, given to every manager). */
int cli_prepost_open(struct cli *cli, const char *pre, const char *post, struct err *err) CP_WUR;

/* After the run (rc its outcome): the post-hook, when the run reached an order. Its
 * failure is the run's when rc is CP_OK, else a warning. Returns the run's outcome. */
int cli_prepost_close(struct cli *cli, int rc, struct err *err);
/* The same for a command that only reads (list, account list): a missing state
 * root is never created and holds nothing. */
int cli_manage_open_read(struct cli *cli, struct manage **out, struct err *err) CP_WUR;

/* A command of the table in main.c. The completion (cli/completion.c) is made from
 * these entries, so a command added there with its option table completes too. */
struct cli_command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const struct option *opts;  /* the table its parser uses; NULL: the global options only */
    const char *words;          /* its subcommands, space-separated, or NULL */
    bool hidden;                /* not in the usage text (completion) */
};
/* The table of commands (main.c), n entries. */
const struct cli_command *cli_commands(size_t *n);

/* The commands' option tables (each ends with a zero entry). */
extern const struct option cli_global_opts[], cli_account_opts[], cli_issue_opts[], cli_list_opts[],
    cli_renew_opts[], cli_deploy_opts[], cli_revoke_opts[], cli_completion_opts[], cli_delete_opts[],
    cli_show_opts[], cli_check_opts[], cli_import_opts[];

int cmd_account(struct cli *cli, int argc, char **argv);
int cmd_issue(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_renew(struct cli *cli, int argc, char **argv);
int cmd_deploy(struct cli *cli, int argc, char **argv);

/* Print one deploy target's result (a manage_deploy_cb). */
void cli_print_deploy(void *user, const struct manage_deploy_report *r);

int cmd_revoke(struct cli *cli, int argc, char **argv);
int cmd_delete(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_completion(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);

#endif
