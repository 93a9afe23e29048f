/*
 * api — the public C API (include/certpilot/certpilot.h) over manage/.
 * Translates the versioned public structs into the internal ones and the
 * internal error into struct cp_error; owns nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "util/str.h"

#define MAX_SETTINGS 64

struct cp_cert {
    struct manage_cert_view view;
    char *paths[4];
};

int api_give_error(const struct err *e, struct cp_error *out)
{
    if (out != NULL) {
        out->code = e->code;
        snprintf(out->message, sizeof(out->message), "%s", e->msg);
    }
    return e->code;
}

int api_check_version(const char *what, const unsigned *version, unsigned current, struct cp_error *out)
{
    struct err e = {0};

    if (version != NULL && *version >= 1 && *version <= current)
        return CP_OK;
    err_set(&e, CP_EUSAGE, "%s version %u is not supported (this library has 1 to %u)", what,
            version ? *version : 0, current);
    return api_give_error(&e, out);
}

/* The strings of opts, copied: the workers of cp_renew open their managers from them. */
static int keep_opts(cp_ctx *ctx, const struct cp_ctx_options *opts, struct err *e)
{
    const char *server = opts->directory_url ? opts->directory_url : manage_ca_url(MANAGE_DEFAULT_CA);

    ctx->root = strdup(opts->root ? opts->root : MANAGE_DEFAULT_ROOT);
    ctx->server = strdup(server);
    ctx->ca_bundle = str_dup(opts->ca_bundle);
    ctx->user_agent = str_dup(opts->user_agent);
    if (!ctx->root || !ctx->server || (opts->ca_bundle && !ctx->ca_bundle) || (opts->user_agent && !ctx->user_agent))
        return err_nomem(e);
    ctx->mo = (struct manage_opts){.root = ctx->root, .server = ctx->server, .ca_bundle = ctx->ca_bundle,
                                   .user_agent = ctx->user_agent, .log = &ctx->log,
                                   .cancel = opts->version >= 2 ? opts->cancel : NULL};
    return CP_OK;
}

int cp_ctx_open(cp_ctx **out, const struct cp_ctx_options *opts, struct cp_error *err)
{
    struct err e = {0};
    cp_ctx *ctx;
    int rc = api_check_version("cp_ctx_options", opts ? &opts->version : NULL, CP_CTX_OPTIONS_VERSION, err);

    *out = NULL;
    if (rc != CP_OK)
        return rc;
    if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
        return api_give_error(&(struct err){CP_ENOMEM, "out of memory"}, err);
    ctx->log = (struct logger){opts->log_level, opts->log, opts->log_user};
    if (keep_opts(ctx, opts, &e) != CP_OK || manage_open(&ctx->mo, &ctx->m, &e) != CP_OK) {
        cp_ctx_free(ctx);
        return api_give_error(&e, err);
    }
    *out = ctx;
    return CP_OK;
}

void cp_ctx_free(cp_ctx *ctx)
{
    if (ctx == NULL)
        return;
    manage_free(ctx->m);
    free(ctx->root);
    free(ctx->server);
    free(ctx->ca_bundle);
    free(ctx->user_agent);
    free(ctx);
}

int cp_account_ensure(cp_ctx *ctx, const struct cp_account_options *o, struct cp_error *err)
{
    struct err e = {0};
    struct manage_account_new a;
    int rc = api_check_version("cp_account_options", o ? &o->version : NULL, CP_ACCOUNT_OPTIONS_VERSION, err);

    if (rc != CP_OK)
        return rc;
    a = (struct manage_account_new){o->name, o->emails, o->nemails, o->agree_tos != 0, o->key_type,
                                    o->key_file, o->eab_kid, o->eab_hmac_key};
    if (manage_account_ensure(ctx->m, o->name, &a, &e) != CP_OK)
        return api_give_error(&e, err);
    return CP_OK;
}

static int cert_from_view(cp_ctx *ctx, struct manage_cert_view *v, cp_cert **out, struct err *e)
{
    static const char *const files[4] = {"cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"};
    cp_cert *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return err_nomem(e);
    c->view = *v;
    memset(v, 0, sizeof(*v));
    for (size_t i = 0; i < 4; i++)
        if ((c->paths[i] = manage_cert_file(ctx->m, c->view.name, files[i])) == NULL) {
            cp_cert_free(c);
            return err_nomem(e);
        }
    *out = c;
    return CP_OK;
}

int cp_cert_open(cp_ctx *ctx, const char *name, cp_cert **out, struct cp_error *err)
{
    struct err e = {0};
    struct manage_cert_view v = {0};
    int rc = manage_cert_view(ctx->m, name, &v, &e);

    *out = NULL;
    if (rc == CP_OK)
        rc = cert_from_view(ctx, &v, out, &e);
    manage_cert_view_free(&v);
    return rc == CP_OK ? CP_OK : api_give_error(&e, err);
}

int cp_cert_issue(cp_ctx *ctx, const struct cp_cert_request *r, cp_cert **out, struct cp_error *err)
{
    struct err e = {0};
    struct kv settings[MAX_SETTINGS];
    struct manage_cert_req req;
    struct manage_issued done = {0};
    int rc;

    *out = NULL;
    if ((rc = api_check_version("cp_cert_request", r ? &r->version : NULL, CP_CERT_REQUEST_VERSION, err)) != CP_OK)
        return rc;
    if (r->nsettings > MAX_SETTINGS)
        return api_give_error(&(struct err){CP_EUSAGE, "too many solver settings"}, err);
    for (size_t i = 0; i < r->nsettings; i++)
        settings[i] = (struct kv){r->settings[i].key, r->settings[i].value};
    req = (struct manage_cert_req){
        .names = r->names, .nnames = r->nnames, .cert_name = r->cert_name, .key_type = r->key_type,
        .account = r->account ? r->account : manage_account_name(ctx->m), .solver = r->solver,
        .settings = {settings, r->nsettings}, .profile = r->profile, .preferred_chain = r->preferred_chain,
        .timeout_s = r->timeout_s};
    rc = manage_issue(ctx->m, &req, &done, &e);
    if (rc == CP_OK)
        rc = cp_cert_open(ctx, done.cert_name, out, err);
    else
        api_give_error(&e, err);
    manage_issued_free(&done);
    return rc;
}

const char *cp_cert_name(const cp_cert *c)
{
    return c->view.name;
}

const char *cp_cert_path(const cp_cert *c, enum cp_cert_file which)
{
    return (unsigned)which < 4 ? c->paths[which] : NULL;
}

size_t cp_cert_dns_count(const cp_cert *c)
{
    return c->view.info.nnames;
}

const char *cp_cert_dns_name(const cp_cert *c, size_t i)
{
    return i < c->view.info.nnames ? c->view.info.names[i] : NULL;
}

time_t cp_cert_not_before(const cp_cert *c)
{
    return c->view.info.not_before;
}

time_t cp_cert_not_after(const cp_cert *c)
{
    return c->view.info.not_after;
}

const char *cp_cert_serial(const cp_cert *c)
{
    return c->view.info.serial_hex;
}

void cp_cert_free(cp_cert *c)
{
    if (c == NULL)
        return;
    manage_cert_view_free(&c->view);
    for (size_t i = 0; i < 4; i++)
        free(c->paths[i]);
    free(c);
}

int cp_cert_list(cp_ctx *ctx, char ***names, size_t *count, struct cp_error *err)
{
    struct err e = {0};

    if (manage_cert_names(ctx->m, NULL, names, count, &(size_t){0}, &e) != CP_OK)
        return api_give_error(&e, err);
    return CP_OK;
}

void cp_names_free(char **names, size_t count)
{
    store_names_free(names, count);
}
