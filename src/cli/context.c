/*
 * cli/context — what every command that talks to a CA opens: the state
 * store, the HTTP transport, the ACME client, and the account.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/account.h"
#include "cli/cli.h"
#include "crypto/key.h"
#include "http/url.h"
#include "jose/b64url.h"
#include "util/str.h"

void cli_apply_verbosity(struct cli *cli)
{
    cli->log.level = cli->quiet ? CP_LOG_WARN : cli->verbose > 0 ? CP_LOG_DEBUG : CP_LOG_INFO;
}

void cli_format_time(time_t t, char *buf, size_t len)
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "?");
}

static int make_ca_id(const char *url, char **out, struct err *err)
{
    char *host = NULL;
    long port = 0;
    int rc = url_host_port(url, &host, &port, err);

    if (rc != CP_OK) {
        err_prefix(err, "--server: ");
        return rc;
    }
    for (char *p = host; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", *p))
            *p = '_';
    *out = str_printf("%s_%ld", host, port);
    free(host);
    return *out ? CP_OK : err_nomem(err);
}

int cli_ctx_open(struct cli *cli, struct cli_ctx *ctx, struct err *err)
{
    struct http_opts hopts = {.ca_bundle = cli->ca_bundle, .log = &cli->log};
    struct acme_client_opts aopts = {.directory_url = cli->server, .log = &cli->log};
    int rc;

    memset(ctx, 0, sizeof(*ctx));
    if ((rc = make_ca_id(cli->server, &ctx->ca_id, err)) != CP_OK)
        return rc;
    if ((rc = store_open(cli->root, &ctx->store, err)) != CP_OK) {
        err_prefix(err, "state directory: ");
        return rc;
    }
    if ((ctx->http = http_curl_new(&hopts, err)) == NULL)
        return err->code;
    aopts.transport = ctx->http;
    if ((ctx->acme = acme_client_new(&aopts, err)) == NULL)
        return err->code;
    return CP_OK;
}

void cli_ctx_close(struct cli_ctx *ctx)
{
    acme_client_free(ctx->acme);
    http_transport_free(ctx->http);
    store_free(ctx->store);
    jws_signer_free(ctx->signer);
    EVP_PKEY_free(ctx->account_key);
    free(ctx->ca_id);
    memset(ctx, 0, sizeof(*ctx));
}

int cli_ctx_use_key(struct cli_ctx *ctx, const char *pem, size_t len, const char *what, struct err *err)
{
    ctx->account_key = key_from_pem(pem, len, what, err);
    if (ctx->account_key == NULL)
        return err->code;
    ctx->signer = jws_signer_new(ctx->account_key, err);
    if (ctx->signer == NULL)
        return err->code;
    return acme_client_set_account(ctx->acme, ctx->signer, NULL) == CP_OK ? CP_OK : err_nomem(err);
}

int cli_ctx_account(struct cli *cli, struct cli_ctx *ctx, const char *name, struct err *err)
{
    char *pem = NULL, *dir = store_account_dir(ctx->store, ctx->ca_id, name), *what = NULL;
    const char *url;
    json_t *meta = NULL;
    size_t len = 0;
    struct acme_account acct = {0};
    int rc = store_account_load(ctx->store, ctx->ca_id, name, &pem, &len, &meta, err);

    if (rc != CP_OK)
        goto out;
    what = str_printf("account key %s/key.pem", dir);
    if ((rc = what ? cli_ctx_use_key(ctx, pem, len, what, err) : err_nomem(err)) != CP_OK)
        goto out;
    url = json_string_value(json_object_get(meta, "url"));
    if (url != NULL)
        rc = acme_client_set_account(ctx->acme, ctx->signer, url) == CP_OK ? CP_OK : err_nomem(err);
    else if ((rc = acme_account_find(ctx->acme, &acct, err)) == CP_OK)
        log_info(&cli->log, "found account %s at the CA", acct.url);
out:
    acme_account_free(&acct);
    secret_free(pem, len);
    json_decref(meta);
    free(dir);
    free(what);
    return rc;
}
