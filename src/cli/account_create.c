/*
 * cli/account_create — `account new` and `issue --agree-tos` share this:
 * the key is generated (or imported with --key) and saved (0600, never
 * overwritten) before the CA is asked, so a failure at the CA loses
 * nothing and a retry reuses it. An imported key's existing account is
 * found rather than created again.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/account.h"
#include "cli/cli.h"
#include "crypto/key.h"
#include "jose/b64url.h"
#include "util/fsio.h"
#include "util/str.h"

static int generate_key(struct cli_ctx *ctx, const struct account_new_opts *o, char **pem,
                        size_t *len, struct err *err)
{
    enum key_type kt = KEY_EC_P256;
    EVP_PKEY *key = NULL;
    int rc = key_type_parse(o->key_type ? o->key_type : "ec256", &kt, err);

    if (rc == CP_OK && (key = key_generate(kt, err)) == NULL)
        rc = err->code;
    if (rc == CP_OK)
        rc = key_to_pem(key, pem, len, err);
    if (rc == CP_OK)
        rc = store_account_save_key(ctx->store, ctx->ca_id, o->name, *pem, *len, err);
    EVP_PKEY_free(key);
    return rc;
}

/* An existing key (another client's, or a backup), as PKCS#8 PEM; stored only
 * once the CA knows its account, since the user still holds the file. */
static int import_key(const struct account_new_opts *o, char **pem, size_t *len, struct err *err)
{
    char *raw = NULL, *what = str_printf("--key %s", o->key_file);
    size_t raw_len = 0;
    EVP_PKEY *key = NULL;
    int rc = what ? fs_read(o->key_file, 64 * 1024, &raw, &raw_len, err) : err_nomem(err);

    if (rc == CP_OK && (key = key_from_pem(raw, raw_len, what, err)) == NULL)
        rc = err->code;
    if (rc == CP_OK)
        rc = key_to_pem(key, pem, len, err);
    EVP_PKEY_free(key);
    secret_free(raw, raw_len);
    free(what);
    return rc;
}

/* The key to register: a saved one (*known set when it was registered
 * before), an imported one (its PEM handed back in *imported, to save once
 * the CA has answered), or a new one saved now. */
static int account_key(struct cli_ctx *ctx, const struct account_new_opts *o, struct buf *imported,
                       bool *known, struct err *err)
{
    char *pem = NULL, *dir = store_account_dir(ctx->store, ctx->ca_id, o->name);
    size_t len = 0;
    json_t *meta = NULL;
    int rc = store_account_load(ctx->store, ctx->ca_id, o->name, &pem, &len, &meta, err);

    *known = rc == CP_OK && json_object_get(meta, "url") != NULL;
    if (rc == CP_OK && o->key_file != NULL)
        rc = err_set(err, CP_EEXIST, "account \"%s\" already exists in %s", o->name, dir ? dir : "?");
    else if (rc == CP_ENOTFOUND && o->key_file != NULL)
        rc = import_key(o, &pem, &len, err);
    else if (rc == CP_ENOTFOUND)
        rc = generate_key(ctx, o, &pem, &len, err);
    if (rc == CP_OK)
        rc = cli_ctx_use_key(ctx, pem, len, "account key", err);
    if (rc == CP_OK && o->key_file != NULL) {
        *imported = (struct buf){pem, len, len};
        pem = NULL;
    }
    secret_free(pem, len);
    json_decref(meta);
    free(dir);
    return rc;
}

static char **mailto_list(const struct account_new_opts *o)
{
    char **c = calloc(o->nemails + 1, sizeof(char *));

    for (size_t i = 0; c != NULL && i < o->nemails; i++) {
        c[i] = str_has_prefix(o->emails[i], "mailto:") ? strdup(o->emails[i])
                                                         : str_printf("mailto:%s", o->emails[i]);
        if (c[i] == NULL) {
            store_names_free(c, i);
            return NULL;
        }
    }
    return c;
}

static int save_meta(struct cli *cli, struct cli_ctx *ctx, const char *name,
                     const struct acme_account *a, struct err *err)
{
    char when[32];
    json_t *meta;
    int rc;

    cli_format_time(time(NULL), when, sizeof(when));
    meta = json_pack("{s:s, s:s, s:s, s:O?, s:s}", "url", a->url, "server", cli->server,
                     "status", a->status, "contact", json_object_get(a->object, "contact"),
                     "created", when);
    if (meta == NULL)
        return err_nomem(err);
    rc = store_account_save_meta(ctx->store, ctx->ca_id, name, meta, err);
    json_decref(meta);
    return rc;
}

static int decode_eab(const struct account_new_opts *o, struct acme_eab *eab, unsigned char **key,
                      struct err *err)
{
    size_t len = 0;

    if (o->eab_kid == NULL)
        return o->eab_hmac_key == NULL || getenv("CERTPILOT_EAB_HMAC_KEY") != NULL
                   ? CP_OK : err_set(err, CP_EUSAGE, "--eab-hmac-key needs --eab-kid");
    if (o->eab_hmac_key == NULL)
        return err_set(err, CP_EUSAGE, "--eab-kid needs --eab-hmac-key (or $CERTPILOT_EAB_HMAC_KEY)");
    if (b64url_decode(o->eab_hmac_key, strlen(o->eab_hmac_key), key, &len) != CP_OK || len == 0)
        return err_set(err, CP_EUSAGE, "--eab-hmac-key is not base64url");
    *eab = (struct acme_eab){o->eab_kid, *key, len};
    return CP_OK;
}

/* RFC 8555 §7.3.1: an imported key may already have an account, and a known
 * one may have been forgotten (a test CA restarted); register only when the
 * CA has none for the key. */
static int find_or_create(struct cli_ctx *ctx, const struct account_new_opts *o, bool known,
                          char **contacts, const struct acme_eab *eab, struct acme_account *acct,
                          struct err *err)
{
    int rc;

    if ((o->key_file != NULL || known) && (rc = acme_account_find(ctx->acme, acct, err)) != CP_ENOTFOUND) {
        if (rc == CP_OK && known)
            rc = err_set(err, CP_EEXIST, "account \"%s\" already exists (%s)", o->name, acct->url);
        return rc;
    }
    return acme_account_create(ctx->acme, (const char *const *)contacts, o->nemails, o->agree_tos,
                               eab->kid ? eab : NULL, acct, err);
}

int cli_account_create(struct cli *cli, struct cli_ctx *ctx, const struct account_new_opts *o,
                       struct err *err)
{
    struct acme_account acct = {0};
    struct acme_eab eab = {0};
    struct buf imported = BUF_INIT;
    bool known = false;
    unsigned char *hmac = NULL;
    char **contacts = NULL;
    int rc;

    if ((contacts = mailto_list(o)) == NULL) {
        rc = err_nomem(err);
        goto out;
    }
    /* refuse bad input before a key is made */
    for (size_t i = 0; i < o->nemails; i++)
        if (!acme_contact_valid(contacts[i])) {
            rc = err_set(err, CP_EUSAGE, "--email \"%s\" is not an e-mail address", o->emails[i]);
            goto out;
        }
    if ((rc = decode_eab(o, &eab, &hmac, err)) != CP_OK ||
        (rc = account_key(ctx, o, &imported, &known, err)) != CP_OK ||
        (rc = find_or_create(ctx, o, known, contacts, &eab, &acct, err)) != CP_OK)
        goto out;
    if (imported.data != NULL)
        rc = store_account_save_key(ctx->store, ctx->ca_id, o->name, imported.data, imported.len, err);
    if (rc == CP_OK)
        rc = save_meta(cli, ctx, o->name, &acct, err);
    if (rc == CP_OK)
        log_info(&cli->log, "account %s %s at %s", acct.url,
                 known ? "registered again" : o->key_file ? "ready" : "created", cli->server);
out:
    acme_account_free(&acct);
    store_names_free(contacts, o->nemails);
    secret_free(hmac, eab.hmac_key_len);
    secret_free(imported.data, imported.len);
    return rc;
}
