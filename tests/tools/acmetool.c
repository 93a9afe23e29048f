/*
 * acmetool — drives the certificate-lifecycle library calls (revocation,
 * ARI, account update, key change, deactivation, newOrder with replaces)
 * against a real CA for the integration tests, until the CLI grows these
 * commands. Not installed.
 *
 * usage: acmetool --server URL --ca-bundle FILE [--key ACCOUNT_KEY] [--kid URL] COMMAND ...
 *   revoke CERTFILE REASON [--by-cert-key KEYFILE]
 *   ari CERTFILE                   prints id, start, end, retry_after, explanation and
 *                                  when renew/schedule would renew (now, a real random number)
 *   key-change NEW_KEYFILE         then signs with the new key
 *   deactivate
 *   update-contact [MAILTO...]
 *   order [--replaces CERTFILE] NAME...   newOrder only; prints its URL and status
 * Without --kid the account is found by its key (onlyReturnExisting).
 * --by-cert-key revokes without any account (the account key is not used).
 * exit: 0 ok, 1 failure (one line on stderr: "acmetool: CODE: message"), 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "acme/account.h"
#include "acme/ari.h"
#include "acme/order.h"
#include "acme/revoke.h"
#include "crypto/cert.h"
#include "crypto/key.h"
#include "http/http.h"
#include "renew/schedule.h"
#include "util/fsio.h"
#include "util/str.h"

#define MAX_FILE (1024 * 1024)

struct tool {
    const char *server, *ca_bundle, *key_file, *kid;
    struct http_transport *http;
    struct acme_client *acme;
    EVP_PKEY *key;
    struct jws_signer *signer;
};

static int usage(void)
{
    fprintf(stderr, "usage: acmetool --server URL --ca-bundle FILE --key KEYFILE [--kid URL] "
                    "revoke|ari|key-change|deactivate|update-contact|order ...\n");
    return 2;
}

static int read_file(const char *path, char **out, size_t *len, struct err *err)
{
    int rc = fs_read(path, MAX_FILE, out, len, err);

    if (rc != CP_OK)
        err_prefix(err, "%s: ", path);
    return rc;
}

static EVP_PKEY *load_key(const char *path, struct err *err)
{
    char *pem = NULL;
    size_t len = 0;
    EVP_PKEY *k = NULL;

    if (read_file(path, &pem, &len, err) == CP_OK)
        k = key_from_pem(pem, len, path, err);
    secret_free(pem, len);
    return k;
}

/* Open the client; sign with the account key, with --kid or the kid the CA finds. */
static int tool_open(struct tool *t, bool need_account, struct err *err)
{
    struct http_opts ho = {.ca_bundle = t->ca_bundle};
    struct acme_client_opts ao = {.directory_url = t->server};
    struct acme_account a = {0};
    int rc;

    if ((t->http = http_curl_new(&ho, err)) == NULL)
        return err->code;
    ao.transport = t->http;
    if ((t->acme = acme_client_new(&ao, err)) == NULL)
        return err->code;
    if (!need_account)
        return CP_OK;
    if (t->key_file == NULL)
        return err_set(err, CP_EUSAGE, "this command needs the account key file");
    if ((t->key = load_key(t->key_file, err)) == NULL ||
        (t->signer = jws_signer_new(t->key, err)) == NULL)
        return err->code;
    if (t->kid != NULL)
        return acme_client_set_account(t->acme, t->signer, t->kid) == CP_OK ? CP_OK : err_nomem(err);
    if ((rc = acme_client_set_account(t->acme, t->signer, NULL)) != CP_OK)
        return err_nomem(err);
    rc = acme_account_find(t->acme, &a, err);
    acme_account_free(&a);
    return rc;
}

static void tool_close(struct tool *t)
{
    acme_client_free(t->acme);
    http_transport_free(t->http);
    jws_signer_free(t->signer);
    EVP_PKEY_free(t->key);
}

static int cmd_revoke(struct tool *t, int argc, char **argv, struct err *err)
{
    enum acme_revoke_reason reason;
    EVP_PKEY *cert_key = NULL;
    char *pem = NULL;
    size_t len = 0;
    int rc;

    if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--by-cert-key") == 0))
        return err_set(err, CP_EUSAGE, "revoke CERTFILE REASON [--by-cert-key KEYFILE]");
    if ((rc = acme_revoke_reason_parse(argv[1], &reason, err)) != CP_OK ||
        (rc = read_file(argv[0], &pem, &len, err)) != CP_OK)
        goto out;
    if (argc == 4 && (cert_key = load_key(argv[3], err)) == NULL) {
        rc = err->code;
        goto out;
    }
    if ((rc = tool_open(t, cert_key == NULL, err)) == CP_OK &&
        (rc = acme_revoke(t->acme, pem, len, reason, cert_key, err)) == CP_OK)
        printf("revoked: %s\n", acme_revoke_reason_name((int)reason));
out:
    EVP_PKEY_free(cert_key);
    free(pem);
    return rc;
}

static int cert_load(const char *path, struct cert_info *ci, struct err *err)
{
    char *pem = NULL;
    size_t len = 0;
    int rc = read_file(path, &pem, &len, err);

    if (rc == CP_OK)
        rc = cert_info_from_pem(pem, len, ci, err);
    if (rc == CP_OK && ci->ari_id == NULL)
        rc = err_set(err, CP_EINVALID, "%s: the certificate has no authority key identifier", path);
    free(pem);
    return rc;
}

static int cert_id(const char *path, char **id, struct err *err)
{
    struct cert_info ci = {0};
    int rc = cert_load(path, &ci, err);

    if (rc == CP_OK && (*id = strdup(ci.ari_id)) == NULL)
        rc = err_nomem(err);
    cert_info_free(&ci);
    return rc;
}

/* What renew/schedule makes of the window for this certificate, now. */
static int print_plan(const struct cert_info *ci, const struct acme_ari *a, struct err *err)
{
    struct renew_input in = {.now = time(NULL), .not_before = ci->not_before,
                             .not_after = ci->not_after, .has_window = true,
                             .window_start = a->start, .window_end = a->end};
    struct renew_plan p;
    int rc;

    if (RAND_bytes((unsigned char *)&in.random, sizeof(in.random)) != 1)
        return err_set(err, CP_ECRYPTO, "no random bytes");
    if ((rc = renew_schedule(&in, &p, err)) != CP_OK)
        return rc;
    printf("renew: %s (%s)\n", p.due ? "now" : "later", renew_reason_text(p.reason));
    return CP_OK;
}

static int cmd_ari(struct tool *t, int argc, char **argv, struct err *err)
{
    struct cert_info ci = {0};
    struct acme_ari a = {0};
    int rc;

    if (argc != 1)
        return err_set(err, CP_EUSAGE, "ari CERTFILE");
    if ((rc = cert_load(argv[0], &ci, err)) == CP_OK && (rc = tool_open(t, false, err)) == CP_OK &&
        (rc = acme_ari_fetch(t->acme, ci.ari_id, &a, err)) == CP_OK) {
        printf("id: %s\nstart: %lld\nend: %lld\nretry_after: %ld\nexplanation: %s\n", ci.ari_id,
               (long long)a.start, (long long)a.end, a.retry_after_s,
               a.explanation_url ? a.explanation_url : "-");
        rc = print_plan(&ci, &a, err);
    }
    acme_ari_free(&a);
    cert_info_free(&ci);
    return rc;
}

static int cmd_key_change(struct tool *t, int argc, char **argv, struct err *err)
{
    EVP_PKEY *nk = NULL;
    struct jws_signer *ns = NULL;
    int rc;

    if (argc != 1)
        return err_set(err, CP_EUSAGE, "key-change NEW_KEYFILE");
    if ((rc = tool_open(t, true, err)) != CP_OK)
        return rc;
    if ((nk = load_key(argv[0], err)) == NULL || (ns = jws_signer_new(nk, err)) == NULL)
        rc = err->code;
    else if ((rc = acme_account_key_change(t->acme, ns, err)) == CP_OK)
        printf("key changed: %s\n", acme_client_kid(t->acme));
    /* the client may hold ns now: free it first */
    acme_client_free(t->acme);
    t->acme = NULL;
    jws_signer_free(ns);
    EVP_PKEY_free(nk);
    return rc;
}

static int cmd_deactivate(struct tool *t, int argc, char **argv, struct err *err)
{
    struct acme_account a = {0};
    int rc;

    (void)argv;
    if (argc != 0)
        return err_set(err, CP_EUSAGE, "deactivate");
    if ((rc = tool_open(t, true, err)) == CP_OK &&
        (rc = acme_account_deactivate(t->acme, &a, err)) == CP_OK)
        printf("status: %s\n", a.status);
    acme_account_free(&a);
    return rc;
}

static int cmd_update_contact(struct tool *t, int argc, char **argv, struct err *err)
{
    struct acme_account a = {0};
    char *contacts = NULL;
    int rc;

    if ((rc = tool_open(t, true, err)) == CP_OK &&
        (rc = acme_account_update_contacts(t->acme, (const char *const *)argv, (size_t)argc, &a,
                                           err)) == CP_OK) {
        contacts = json_dumps(json_object_get(a.object, "contact"), JSON_COMPACT);
        printf("contact: %s\n", contacts ? contacts : "none");
    }
    free(contacts);
    acme_account_free(&a);
    return rc;
}

static int cmd_order(struct tool *t, int argc, char **argv, struct err *err)
{
    struct acme_order o = {0};
    char *replaces = NULL;
    int rc = CP_OK;

    if (argc >= 2 && strcmp(argv[0], "--replaces") == 0) {
        rc = cert_id(argv[1], &replaces, err);
        argc -= 2;
        argv += 2;
    }
    if (rc == CP_OK && argc < 1)
        rc = err_set(err, CP_EUSAGE, "order [--replaces CERTFILE] NAME...");
    if (rc == CP_OK && (rc = tool_open(t, true, err)) == CP_OK &&
        (rc = acme_order_create(t->acme, (const char *const *)argv, (size_t)argc, NULL, replaces,
                                &o, err)) == CP_OK)
        printf("order: %s %s\n", o.url, o.status);
    acme_order_free(&o);
    free(replaces);
    return rc;
}

static const struct {
    const char *name;
    int (*fn)(struct tool *t, int argc, char **argv, struct err *err);
} commands[] = {
    {"revoke", cmd_revoke},         {"ari", cmd_ari},
    {"key-change", cmd_key_change}, {"deactivate", cmd_deactivate},
    {"update-contact", cmd_update_contact}, {"order", cmd_order},
};

static int run(struct tool *t, int argc, char **argv, struct err *err)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[0], commands[i].name) == 0)
            return commands[i].fn(t, argc - 1, argv + 1, err);
    return err_set(err, CP_EUSAGE, "unknown command %s", argv[0]);
}

int main(int argc, char **argv)
{
    struct tool t = {0};
    struct err err = {0};
    int i = 1, rc;

    for (; i + 1 < argc && str_has_prefix(argv[i], "--"); i += 2) {
        if (strcmp(argv[i], "--server") == 0)
            t.server = argv[i + 1];
        else if (strcmp(argv[i], "--ca-bundle") == 0)
            t.ca_bundle = argv[i + 1];
        else if (strcmp(argv[i], "--key") == 0)
            t.key_file = argv[i + 1];
        else if (strcmp(argv[i], "--kid") == 0)
            t.kid = argv[i + 1];
        else
            return usage();
    }
    if (i >= argc || t.server == NULL)
        return usage();
    rc = run(&t, argc - i, argv + i, &err);
    tool_close(&t);
    if (rc == CP_OK)
        return 0;
    fprintf(stderr, "acmetool: %s: %s\n", cp_strerror(rc), err.msg);
    return rc == CP_EUSAGE ? 2 : 1;
}
