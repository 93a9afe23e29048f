/*
 * cli/cmd_issue — `certpilot issue`: parse the options, hand the request to
 * the library (manage_issue) and print where the files went.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/issue_args.h"
#include "cli/jsonout.h"
#include "util/clock.h"

static void print_result(struct manage *m, const struct manage_issued *r)
{
    static const char *const files[][2] = {
        {"cert", "cert.pem"}, {"chain", "chain.pem"}, {"fullchain", "fullchain.pem"}, {"key", "privkey.pem"}};
    char na[32];
    char *p = manage_name_display(r->cert_name);

    printf("issued %s\n", p ? p : r->cert_name);
    free(p);
    for (size_t i = 0; i < 4; i++) {
        p = manage_cert_file(m, r->cert_name, files[i][1]);
        printf("%s: %s\n", files[i][0], p ? p : "?");
        free(p);
    }
    clock_format_utc(r->info.not_after, na, sizeof(na));
    printf("expires: %s\n", na);
}

/* Which CA a dry run orders from, and why; the manager is opened on it. */
static void dry_run_ca(struct cli *cli)
{
    const char *why = NULL;

    cli->server = manage_ca_dry_run(cli->server, &why);
    cli->read_only = true;
    printf("dry run: ordering from %s (%s)\n", cli->server, why);
}

static void print_dry_run(const struct manage_issued *r)
{
    printf("dry run: %s would be %s (%s): the CA issued it, nothing stored\n", r->cert_name,
           r->dry_run_stored ? "renewed" : "issued", r->dry_run_stored ? "issue replaces the stored version"
                                                                       : "not stored yet");
}

/* Nothing was ordered: the stored version stays (certbot's "not yet due"). */
static void print_unchanged(const struct cli *cli, const struct manage_issued *r)
{
    char na[32];

    if (cli->quiet)
        return;
    clock_format_utc(r->info.not_after, na, sizeof(na));
    printf("%s is valid until %s with the same names: nothing to do (use --force to issue it again)\n",
           r->cert_name, na);
}

/* issue --json: {"name", "status": "issued", "names", "serial", "not_after", "files", "deploy"}. */
static void print_json(struct manage *m, const struct manage_issued *r, bool own_key, json_t *deploy)
{
    static const char *const files[][2] = {
        {"cert", "cert.pem"}, {"chain", "chain.pem"}, {"fullchain", "fullchain.pem"}, {"key", "privkey.pem"}};
    json_t *o = json_pack("{s:s, s:s}", "name", r->cert_name, "status", r->unchanged ? "unchanged" : "issued"), *f = json_object();
    char *p;

    cli_json_cert(o, &r->info);
    for (size_t i = 0; i < (own_key ? 3 : 4); i++) {
        p = manage_cert_file(m, r->cert_name, files[i][1]);
        json_object_set_new(f, files[i][0], p ? json_string(p) : json_null());
        free(p);
    }
    json_object_set_new(o, "files", f);
    json_object_set(o, "deploy", deploy);
    cli_json_line(o);
}

/* One certificate: its files (or, with --json, one object) on stdout. */
static int issue_one(struct cli *cli, struct issue_args *a, struct err *err)
{
    struct manage *m = NULL;
    struct manage_issued r = {0};
    json_t *deploy = a->json ? json_array() : NULL;
    int rc = a->json && deploy == NULL ? err_nomem(err) : CP_OK;

    if (rc == CP_OK && a->req.dry_run)
        dry_run_ca(cli);
    if (rc == CP_OK)
        rc = cli_manage_open(cli, &m, err);

    a->req.deploy_cb = a->json ? cli_json_deploy : cli_print_deploy;
    a->req.deploy_user = deploy;
    if (rc == CP_OK)
        rc = manage_issue(m, &a->req, &r, err);
    if (rc == CP_OK && a->req.dry_run)
        print_dry_run(&r);
    else if (rc == CP_OK && r.unchanged && !a->json)
        print_unchanged(cli, &r);
    else if (rc == CP_OK && a->json)
        print_json(m, &r, a->req.csr_file != NULL, deploy);
    else if (rc == CP_OK)
        print_result(m, &r);
    if (rc == CP_OK && r.deploy_rc != CP_OK)
        rc = err_set(err, r.deploy_rc, "%s", r.deploy_error);
    json_decref(deploy);
    manage_issued_free(&r);
    manage_free(m);
    return rc;
}

int cmd_issue(struct cli *cli, int argc, char **argv)
{
    struct issue_args a;
    struct manage_acmeini_req ini = {0};
    struct err err = {0};
    int rc = issue_args_parse(cli, &a, argc, argv, &err);

    if (rc == 1)
        return 0;
    if (rc == CP_OK && a.acme_ini != NULL)
        rc = cli_acmeini_apply(cli, &a, &ini, &err);
    if (rc == CP_OK)
        rc = cli_prepost_open(cli, a.pre_hook, a.post_hook, &err);
    if (rc == CP_OK)
        rc = cli_prepost_close(cli, a.batch != NULL ? cli_issue_batch(cli, &a, &err) : issue_one(cli, &a, &err),
                               &err);
    manage_acmeini_req_free(&ini);
    return rc == CP_OK ? 0 : cli_fail(&err);
}
