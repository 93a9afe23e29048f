/*
 * cli/cmd_list — `certpilot list`: every stored certificate with its
 * names, expiry and days left, read from the certificates themselves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "config/config.h"
#include "util/clock.h"
#include "util/str.h"

static const char list_usage[] =
    "usage: certpilot list [--json]\n"
    "\n"
    "Lists stored certificates: name, not-after (UTC), days left, names, and when\n"
    "it renews next and why, decided as renew decides it (the config's renew_before,\n"
    "ARI window, a third of the lifetime left, forced); then the config's certificates\n"
    "that are not issued yet.\n";

enum { OPT_JSON = OPT_FIRST_COMMAND_OPT };

/* SAN names came from the CA: sanitised before they reach a terminal. */
static void sanitize_names(struct cert_info *ci)
{
    for (size_t i = 0; i < ci->nnames; i++)
        str_sanitize(ci->names[i]);
}

static json_t *info_json(const char *name, const struct manage_cert_view *v, long days,
                         const struct manage_renew_result *rr)
{
    const struct cert_info *ci = &v->info;
    char na[32], at[32];
    json_t *names = json_array();

    for (size_t i = 0; names != NULL && i < ci->nnames; i++)
        json_array_append_new(names, json_string(ci->names[i]));
    clock_format_utc(ci->not_after, na, sizeof(na));
    clock_format_utc(rr->at, at, sizeof(at));
    return json_pack("{s:s, s:o, s:b, s:s, s:I, s:s, s:{s:s, s:b, s:s, s:s*}, s:O*}", "name", name,
                     "names", names, "issued", 1, "not_after", na, "days_left", (json_int_t)days, "serial", ci->serial_hex,
                     "renewal", "at", at, "due", rr->due, "why", rr->why,
                     "explanation_url", rr->explanation[0] ? rr->explanation : NULL,
                     "deploy", v->deploy);
}

static void print_line(const char *name, const struct manage_cert_view *v, long days,
                       const struct manage_renew_result *rr)
{
    const struct cert_info *ci = &v->info;
    char na[32], at[32];

    clock_format_utc(ci->not_after, na, sizeof(na));
    clock_format_utc(rr->at, at, sizeof(at));
    printf("%-30s %s %5ld days  ", name, na, days);
    for (size_t i = 0; i < ci->nnames; i++) {
        char *shown = manage_name_display(ci->names[i]);
        printf("%s%s", i ? "," : "", shown ? shown : ci->names[i]);
        free(shown);
    }
    printf("  renews %s (%s)", rr->due ? "now" : at, rr->why);
    if (v->deploy_ok + v->deploy_failed + v->deploy_pending > 0)
        printf("  deploy: %u ok, %u failed, %u pending", v->deploy_ok, v->deploy_failed, v->deploy_pending);
    putchar('\n');
}

/* A certificate of the config that renew has not issued yet: its names as configured. */
static void print_unissued(const struct config_cert *c, json_t *arr)
{
    json_t *names = json_array();

    for (size_t i = 0; names != NULL && i < c->names.n; i++)
        json_array_append_new(names, json_string(c->names.items[i].value));
    if (arr != NULL) {
        json_array_append_new(arr, json_pack("{s:s, s:o, s:b, s:{s:b, s:s}}", "name", c->name.value,
                                             "names", names, "issued", 0, "renewal", "due", 1, "why",
                                             "not issued yet"));
        return;
    }
    printf("%-30s %-20s %5s       ", c->name.value, "-", "-");
    for (size_t i = 0; i < c->names.n; i++)
        printf("%s%s", i ? "," : "", c->names.items[i].value);
    if (c->csr.value != NULL)
        printf("(the names of %s)", c->csr.value);
    printf("  not issued yet (the next renew issues it)\n");
    json_decref(names);
}

static int list_all(struct cli *cli, struct manage *m, bool as_json, struct err *err)
{
    char **names = NULL, *text = NULL;
    size_t n = 0, nstored = 0;
    json_t *arr = json_array();
    int rc = arr ? manage_cert_names(m, cli->config, &names, &n, &nstored, err) : err_nomem(err);
    int bad = CP_OK;

    for (size_t i = 0; rc == CP_OK && i < nstored; i++) {
        struct manage_cert_view v = {0};
        struct err e = {0};
        if (manage_cert_view(m, names[i], &v, &e) != CP_OK) {
            fprintf(stderr, "certpilot: %s\n", e.msg);
            bad = e.code;
            continue;
        }
        long days = (long)((v.info.not_after - time(NULL)) / 86400);
        struct manage_renew_result rr = {0};
        if (manage_renew_preview(m, cli->config, names[i], time(NULL), &rr, &e) != CP_OK)
            snprintf(rr.why, sizeof(rr.why), "unknown: %.140s", e.msg);
        sanitize_names(&v.info);
        if (as_json)
            json_array_append_new(arr, info_json(names[i], &v, days, &rr));
        else
            print_line(names[i], &v, days, &rr);
        manage_renew_result_free(&rr);
        manage_cert_view_free(&v);
    }
    for (size_t i = nstored; rc == CP_OK && i < n; i++)
        print_unissued(config_cert_find(cli->config, names[i]), as_json ? arr : NULL);
    if (rc == CP_OK && as_json && (text = json_dumps(arr, JSON_INDENT(2))) != NULL)
        puts(text);
    if (rc == CP_OK && bad != CP_OK)
        rc = err_set(err, bad, "some certificates could not be read");
    free(text);
    json_decref(arr);
    store_names_free(names, n);
    return rc;
}

static int list_opt(void *ctx, int opt, const char *arg, char **argv, struct err *err)
{
    (void)arg;
    if (opt != OPT_JSON)
        return cli_bad_option("list", argv, err);
    *(bool *)ctx = true;
    return CP_OK;
}

/* The parser's table, and the completion's (cli/completion.c). */
const struct option cli_list_opts[] = {CLI_GLOBAL_LONGOPTS, {"json", no_argument, NULL, OPT_JSON}, {NULL, 0, NULL, 0}};

int cmd_list(struct cli *cli, int argc, char **argv)
{
    struct err err = {0};
    struct manage *m = NULL;
    bool as_json = false;
    int rc = cli_parse_options(cli, "list", argc, argv, CLI_GLOBAL_SHORTOPTS, cli_list_opts, list_usage,
                               list_opt, &as_json, &err);

    if (rc == 1)
        return 0;
    if (rc == CP_OK)
        rc = cli_manage_open_read(cli, &m, &err);
    if (rc == CP_OK)
        rc = list_all(cli, m, as_json, &err);
    manage_free(m);
    return rc == CP_OK ? 0 : cli_fail(&err);
}
