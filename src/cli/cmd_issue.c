/*
 * cli/cmd_issue — `certpilot issue`: parse the options, hand the request to
 * the library (manage_issue) and print where the files went.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/issue_args.h"
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

int cmd_issue(struct cli *cli, int argc, char **argv)
{
    struct issue_args a;
    struct manage *m = NULL;
    struct manage_issued r = {0};
    struct acmeini_run ini = {0};
    struct err err = {0};
    int rc = issue_args_parse(cli, &a, argc, argv, &err);

    if (rc == 1)
        return 0;
    if (rc == CP_OK && a.acme_ini != NULL)
        rc = cli_acmeini_apply(cli, &a, &ini, &err);
    if (rc == CP_OK && a.batch != NULL)
        return cli_issue_batch(cli, &a, &err) == CP_OK ? 0 : cli_fail(&err);
    if (rc == CP_OK)
        rc = cli_manage_open(cli, &m, &err);
    a.req.deploy_cb = cli_print_deploy;
    if (rc == CP_OK)
        rc = manage_issue(m, &a.req, &r, &err);
    if (rc == CP_OK)
        print_result(m, &r);
    if (rc == CP_OK && r.deploy_rc != CP_OK)
        rc = err_set(&err, r.deploy_rc, "%s", r.deploy_error);
    manage_issued_free(&r);
    manage_free(m);
    cli_acmeini_free(&ini);
    return rc == CP_OK ? 0 : cli_fail(&err);
}
