/*
 * certpilot — entry point: global options, command dispatch, usage text.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/str.h"

static const char usage_text[] =
    "usage: certpilot [GLOBAL OPTIONS] COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  account new   create an ACME account (--agree-tos, --email ADDR, --key-type T)\n"
    "  account show  show the account as the CA knows it (--json)\n"
    "  issue         get a certificate: -d NAME... and one of --hook PROG, --webroot DIR, --standalone\n"
    "  list          list stored certificates with their expiry and next renewal (--json)\n"
    "  renew         renew every certificate that is due (--force, --cert-name NAME)\n"
    "  deploy        install a certificate with its targets: NAME (--to TARGET, --force)\n"
    "  run           issue from the acme.ini of the \"Let's Encrypt ACME on Alibaba Cloud\"\n"
    "                Python examples (--acme-ini FILE, a method)\n"
    "  import certbot  take over certbot's accounts and certificates (--from DIR, --dry-run)\n"

    "  revoke        revoke a certificate: NAME or --cert FILE (--reason R, --by-cert-key)\n"
    "  delete        stop managing a certificate: NAME (kept in ROOT/deleted/; --purge: removed)\n"
    "  show          everything about one certificate: NAME (--json)\n"
    "  check         check the config and the stored certificates offline; say what renew would do\n"
    "  account update|key-change|deactivate|list  contacts, key rollover, end, every account\n"
    "\n"
    "Global options (before or after the command):\n"
    "  --root DIR        state directory (default: the config's root, else $CERTPILOT_ROOT,\n"
    "                    else " MANAGE_DEFAULT_ROOT ")\n"
    "  --server URL      ACME directory URL (default: the config's server or ca, else\n"
    "                    $CERTPILOT_SERVER, else the CA a stored certificate came from,\n"
    "                    else Let's Encrypt)\n"
    "  --ca NAME         letsencrypt | letsencrypt-staging\n"
    "  --ca-bundle FILE  trust the CAs in this PEM file instead of the system's (e.g. a test CA)\n"
    "  --config FILE     settings and certificates (default $CERTPILOT_CONFIG or\n"
    "                    /etc/certpilot/certpilot.ini when it exists; see certpilot.ini(5))\n"
    "  -v, --verbose     more detail (each request and its status)\n"
    "  -q, --quiet       errors only, and what happened (renew: nothing while nothing is due)\n"
    "  -h, --help        this help; `certpilot COMMAND --help` for a command\n"
    "  --version         print the version\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 usage or configuration error, 130 interrupted\n"
    "(SIGINT/SIGTERM: a second one stops at once).\n"
    "\n"
    "Examples:\n"
    "  $ certpilot --ca letsencrypt-staging account new --agree-tos --email admin@example.com\n"
    "  $ certpilot issue -d blog.example.com -d www.blog.example.com --webroot /var/www/html\n"
    "  $ certpilot -q renew\n";

const char *cli_usage(void)
{
    return usage_text;
}

static void log_to_stderr(void *ud, int level, const char *line)
{
    (void)ud;
    if (level == CP_LOG_ERROR)
        fprintf(stderr, "certpilot: %s\n", line);
    else if (level == CP_LOG_WARN)
        fprintf(stderr, "certpilot: warning: %s\n", line);
    else
        fprintf(stderr, "%s\n", line);
}

int cli_fail(const struct err *err)
{
    /* the library says what happened; the command line adds what to type */
    const char *hint = strstr(err->msg, "register its key again") ? " (certpilot account new --agree-tos)" : "";

    fprintf(stderr, "certpilot: %s%s\n", err->msg[0] ? err->msg : cp_strerror(err->code), hint);
    return cp_exit_code(err->code);
}

int cli_bad_option(const char *cmd, char **argv, struct err *err)
{
    const char *opt = argv[optind - 1];

    if (optopt != 0 && strncmp(opt, "--", 2) != 0)
        return err_set(err, CP_EUSAGE, "%s: option -%c is unknown or needs a value (see certpilot %s --help)",
                       cmd, optopt, cmd);
    return err_set(err, CP_EUSAGE, "%s: option %s is unknown or needs a value (see certpilot %s --help)",
                   cmd, opt, cmd);
}

int cli_number(const char *flag, const char *arg, long min, long max, long *out, struct err *err)
{
    if (!str_to_long(arg, min, max, out))
        return err_set(err, CP_EUSAGE, "%s: \"%s\" is not a number from %ld to %ld", flag, arg, min, max);
    return CP_OK;
}

static int unknown_ca(const char *arg, struct err *err)
{
    char known[200];

    manage_ca_names(known, sizeof(known));
    return err_set(err, CP_EUSAGE, "--ca: unknown CA \"%s\" (%s; or give --server URL)", arg, known);
}

int cli_global_option(struct cli *cli, int opt, const char *arg, struct err *err)
{
    switch (opt) {
    case OPT_ROOT:
        cli->root = arg;
        cli->root_set = true;
        return 1;
    case OPT_SERVER:
        cli->server = arg;
        cli->server_set = true;
        return 1;
    case OPT_CA_BUNDLE:
        cli->ca_bundle = arg;
        cli->ca_bundle_set = true;
        return 1;
    case OPT_CONFIG:
        cli->config_path = arg;
        return 1;
    case OPT_CA:
        cli->server_set = true;
        if (manage_ca_url(arg) != NULL)
            cli->server = manage_ca_url(arg);
        else if (manage_ca_nearest(arg) != NULL)
            return err_set(err, CP_EUSAGE, "--ca: unknown CA \"%s\" (did you mean %s?)", arg, manage_ca_nearest(arg));
        else
            return unknown_ca(arg, err);
        return 1;
    case 'v':
        cli->verbose++;
        return 1;
    case 'q':
        cli->quiet = true;
        return 1;
    default:
        return 0;
    }
}

int cli_parse_options_name(struct cli *cli, const char *cmd, int argc, char **argv, const char *shortopts,
                           const struct option *opts, const char *usage, cli_option_fn fn, void *ctx,
                           const char **name, struct err *err)
{
    int opt, r;

    /* 0, not 1: glibc then reads the ordering again, so words that are not options
     * are moved to the end (a NAME may stand anywhere) after main's "+" scan */
    char so[32];

    /* a leading ':' tells a missing value (':') from an unknown option ('?') */
    snprintf(so, sizeof(so), ":%s", shortopts);
    optind = 0;
    while ((opt = getopt_long(argc, argv, so, opts, NULL)) != -1) {
        if (opt == '?' || opt == ':')
            return cli_option_error(cmd, opt, argv, opts, usage, err);
        if (opt == 'h') {
            fputs(usage, stdout);
            return 1;
        }
        if ((r = cli_global_option(cli, opt, optarg, err)) < 0)
            return r;
        if (r == 0 && (r = fn(ctx, opt, optarg, argv, err)) != CP_OK)
            return r;
    }
    if (name != NULL && optind < argc)
        *name = argv[optind++];
    if (optind < argc)
        return err_set(err, CP_EUSAGE, "%s: unexpected argument \"%s\"", cmd, argv[optind]);
    cli_apply_verbosity(cli);
    return cli_load_config(cli, err);
}

int cli_parse_options(struct cli *cli, const char *cmd, int argc, char **argv, const char *shortopts,
                      const struct option *opts, const char *usage, cli_option_fn fn, void *ctx,
                      struct err *err)
{
    return cli_parse_options_name(cli, cmd, argc, argv, shortopts, opts, usage, fn, ctx, NULL, err);
}

/* The one piece of global state in the program: a signal handler can reach
 * nothing else. It counts SIGINT/SIGTERM (util/exec.h says what each count stops).
 * The first stops starting anything new (no hook `begin`, no order, no next
 * certificate), stops the running hooks' process groups (SIGTERM) and lets the
 * normal path take away what was presented. The second has the runners kill their
 * hooks' groups (SIGKILL, within 20 ms) and start nothing; the alarm ends the
 * process with 130 should anything still be under way a second later. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    if (interrupted < 2)
        interrupted++;
    if (interrupted == 2)
        alarm(1);
}

static void on_alarm(int sig)
{
    (void)sig;
    _exit(130);
}

static void catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
}

/* Keys (account, certificate, EAB and cloud secrets) are in memory while this runs: a
 * core file would write them to disk, and a same-uid debugger could read them. So no
 * core dumps, and not dumpable (prctl(2): this also bars ptrace by the same uid).
 * The hard limit goes to 0 too, so a child (a hook) cannot raise it again. Done here,
 * not in the library: it is the program's decision (include/certpilot/certpilot.h). */
static void no_core_dumps(void)
{
    const struct rlimit none = {0, 0};

    if (setrlimit(RLIMIT_CORE, &none) != 0)
        fprintf(stderr, "certpilot: warning: cannot turn core dumps off: %s\n", strerror(errno));
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        fprintf(stderr, "certpilot: warning: cannot make the process undumpable: %s\n", strerror(errno));
}

static void cli_init(struct cli *cli)
{
    const char *root = getenv("CERTPILOT_ROOT");
    const char *server = getenv("CERTPILOT_SERVER");

    memset(cli, 0, sizeof(*cli));
    cli->root = root && *root ? root : MANAGE_DEFAULT_ROOT;
    cli->server = server && *server ? server : manage_ca_url(MANAGE_DEFAULT_CA);
    cli->server_chosen = server && *server;
    cli->ca_bundle = getenv("CERTPILOT_CA_BUNDLE");
    /* the variables are defaults only: a config file's [certpilot] wins over them
     * (flag > config file > environment > built-in), so a timer and a shell with
     * different environments still share one state directory */
    cli->config_path = getenv("CERTPILOT_CONFIG") && *getenv("CERTPILOT_CONFIG") ? getenv("CERTPILOT_CONFIG") : NULL;
    cli->log.write = log_to_stderr;
    cli->interrupted = &interrupted;
}

const struct option cli_global_opts[] = {CLI_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0}};

/* Global options before the command word; returns the command's argv index or -1 when done. */
static int parse_leading(struct cli *cli, int argc, char **argv, int *exit_code)
{
    struct err err = {0};
    int opt, r;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:" CLI_GLOBAL_SHORTOPTS, cli_global_opts, NULL)) != -1) {
        if (opt == 'h' || opt == OPT_VERSION) {
            if (opt == 'h')
                fputs(usage_text, stdout);
            else
                printf("certpilot %s\n", cp_version());
            *exit_code = 0;
            return -1;
        }
        if (opt == '?' || opt == ':')
            r = cli_option_error("", opt, argv, cli_global_opts, usage_text, &err);
        else
            r = cli_global_option(cli, opt, optarg, &err);
        if (r == 1)
            continue;
        *exit_code = cli_fail(&err);
        return -1;
    }
    return optind;
}

/* Each command with the option table its parser uses: the completion is made from this. */
static const struct cli_command cmds[] = {
    {"account", cmd_account, cli_account_opts, "new show update key-change deactivate list", false},
    {"issue", cmd_issue, cli_issue_opts, NULL, false},
    {"list", cmd_list, cli_list_opts, NULL, false},
    {"renew", cmd_renew, cli_renew_opts, NULL, false},
    {"deploy", cmd_deploy, cli_deploy_opts, NULL, false},
    {"run", cmd_issue, cli_issue_opts, NULL, false},  /* the seed articles' name: run --acme-ini FILE */
    {"revoke", cmd_revoke, cli_revoke_opts, NULL, false},
    {"delete", cmd_delete, cli_delete_opts, NULL, false},
    {"show", cmd_show, cli_show_opts, NULL, false},
    {"check", cmd_check, cli_check_opts, NULL, false},
    {"import", cmd_import, cli_import_opts, "certbot", false},
    {"completion", cmd_completion, cli_completion_opts, "bash zsh options", true},
};

const struct cli_command *cli_commands(size_t *n)
{
    *n = sizeof(cmds) / sizeof(cmds[0]);
    return cmds;
}

int main(int argc, char **argv)
{
    struct cli cli;
    struct err err = {0};
    int exit_code = 0, i;

    no_core_dumps();
    cli_init(&cli);
    catch_signals();
    if ((i = parse_leading(&cli, argc, argv, &exit_code)) < 0)
        return exit_code;
    if (i >= argc) {
        fputs(usage_text, stderr);
        return 2;
    }
    cli_apply_verbosity(&cli);
    for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
        if (strcmp(argv[i], cmds[k].name) == 0) {
            exit_code = cmds[k].run(&cli, argc - i, argv + i);
            cli_free_config(&cli);
            return interrupted && exit_code != 0 ? 130 : exit_code;  /* 128 + SIGINT, as a shell says */
        }
    err_set(&err, CP_EUSAGE, "unknown command \"%s\" (see certpilot --help)", argv[i]);
    return cli_fail(&err);
}
