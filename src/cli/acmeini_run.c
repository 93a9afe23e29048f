/*
 * cli/acmeini_run — `certpilot run --acme-ini FILE` (or `issue --acme-ini`):
 * the seed articles' acme.ini, read as it is, turned into one issue request.
 * Its account key is used as it is (its account found, or created with its
 * contacts), its CSR names the certificate and keeps the key, the full chain
 * goes to its ChainFile (a files deploy target, so renewals write it too).
 * ChainFile is a path and nothing else: the target's settings are made as
 * data, never by pasting the value into a spec that would be parsed (a
 * ",reload=..." in it would add a command run at every renewal).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/issue_args.h"
#include "config/acmeini.h"
#include "util/str.h"

/* A path of the file, made absolute against the current directory (the seed
 * script opens them from there) so renewals from elsewhere find them. */
static char *absolute(const char *path)
{
    char cwd[PATH_MAX];

    if (path[0] == '/')
        return strdup(path);
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return NULL;
    return str_printf("%s/%s", cwd, path);
}

/* An account name from the section name: its letters, digits, '.', '_' and '-'. */
static void account_name(const char *section, char *out, size_t len)
{
    size_t n = 0;

    for (const char *p = section; *p && n + 1 < len; p++)
        out[n++] = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-", *p) ? *p : '_';
    out[n] = '\0';
    if (n == 0 || out[0] == '.' || out[0] == '-')
        snprintf(out, len, "acme-ini");
}

int cli_acmeini_apply(struct cli *cli, struct issue_args *a, struct acmeini_run *run, struct err *err)
{
    int rc = acmeini_load(a->acme_ini, a->section, &run->ini, err);
    const struct acmeini *ini = run->ini;

    if (rc == CP_ENOTFOUND && err != NULL)
        err->code = CP_EUSAGE;  /* a file named on the command line that is not there: usage */
    if (rc == CP_ENOTFOUND)
        return CP_EUSAGE;
    if (rc != CP_OK)
        return rc;
    if ((run->csr = absolute(ini->csr.value)) == NULL || (run->key = absolute(ini->account_key.value)) == NULL ||
        (run->chain = absolute(ini->chain.value)) == NULL)
        return err_nomem(err);
    run->chain_settings[0] = (struct kv){"fullchain", run->chain};
    for (size_t i = 0; i < ini->contacts.n && i < MANAGE_MAX_CONTACTS; i++)
        run->contacts[i] = ini->contacts.items[i].value;
    account_name(ini->section.value, run->account, sizeof(run->account));
    if (!cli->server_set && ini->directory.value != NULL) {
        cli->server = ini->directory.value;
        cli->server_chosen = true;
    }
    if (ini->user_agent.value != NULL &&
        (run->user_agent = str_printf("%s certpilot/%s", ini->user_agent.value, cp_version())) == NULL)
        return err_nomem(err);
    cli->user_agent = run->user_agent;
    cli->accept_language = ini->language.value;
    a->req.csr_file = run->csr;
    a->deploy[a->req.ndeploy++] = (struct manage_target){.type = "files", .settings = {run->chain_settings, 1}};
    a->req.account = a->req.account ? a->req.account : run->account;
    a->account = (struct manage_account_new){.name = a->req.account, .emails = run->contacts,
                                             .nemails = ini->contacts.n, .agree_tos = a->agree_tos,
                                             .key_file = run->key};
    a->req.create = &a->account;
    return CP_OK;
}

void cli_acmeini_free(struct acmeini_run *run)
{
    acmeini_free(run->ini);
    free(run->csr);
    free(run->key);
    free(run->chain);
    free(run->user_agent);
    memset(run, 0, sizeof(*run));
}
