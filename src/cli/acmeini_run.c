/*
 * cli/acmeini_run — `certpilot run --acme-ini FILE` (or `issue --acme-ini`):
 * the request manage_request_from_acmeini makes, and the global options it
 * sets where no flag did (the directory, User-Agent, Accept-Language).
 */
#include "cli/issue_args.h"

int cli_acmeini_apply(struct cli *cli, struct issue_args *a, struct manage_acmeini_req *run, struct err *err)
{
    int rc = manage_request_from_acmeini(a->acme_ini, a->section, a->req.account, a->agree_tos, run, err);

    if (rc != CP_OK)
        return rc;
    if (!cli->server_set && run->server != NULL) {
        cli->server = run->server;
        cli->server_chosen = true;
    }
    cli->user_agent = run->user_agent;
    cli->accept_language = run->accept_language;
    a->req.csr_file = run->csr;
    a->deploy[a->req.ndeploy++] = run->chain_target;
    a->req.account = run->create.name;
    a->account = run->create;
    a->req.create = &a->account;
    return CP_OK;
}
