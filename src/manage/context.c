/*
 * manage/context — open and close the state, the HTTP transport and the
 * ACME client; the CA is contacted only when a job needs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/noncepool.h"
#include "acme/ratelimit.h"
#include "dns/round.h"
#include "http/share.h"
#include "http/url.h"
#include "manage/internal.h"
#include "util/str.h"

/* "<host>_<port>" names the CA's folder under accounts/. */
int manage_ca_id(const char *url, char **out, struct err *err)
{
    char *host = NULL;
    long port = 0;
    int rc = url_host_port(url, &host, &port, err);

    if (rc != CP_OK) {
        err_prefix(err, "ACME server URL: ");
        return rc;
    }
    for (char *p = host; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", *p))
            *p = '_';
    *out = str_printf("%s_%ld", host, port);
    free(host);
    return *out ? CP_OK : err_nomem(err);
}

struct manage_shared *manage_shared_new(struct err *err)
{
    struct manage_shared *s = calloc(1, sizeof(*s));

    if (s == NULL || (s->nonces = nonce_pool_new(0)) == NULL || (s->limits = ratelimit_new(NULL)) == NULL ||
        (s->rounds = dns_rounds_new(0)) == NULL) {
        manage_shared_free(s);
        err_nomem(err);
        return NULL;
    }
    if ((s->http = http_share_new(err)) == NULL) {
        manage_shared_free(s);
        return NULL;
    }
    pthread_mutex_init(&s->dir_lock, NULL);
    s->dir_cache = true;
    return s;
}

void manage_shared_free(struct manage_shared *s)
{
    if (s == NULL)
        return;
    nonce_pool_free(s->nonces);
    ratelimit_free(s->limits);
    http_share_free(s->http);
    dns_rounds_free(s->rounds);
    if (s->dir_cache)
        pthread_mutex_destroy(&s->dir_lock);
    free(s->dir_url);
    free(s->dir_json);
    free(s);
}

/* A manager alone still keeps to the CA's request rates. */
static int own_limits(struct manage *m, struct err *err)
{
    if ((m->own_shared = calloc(1, sizeof(*m->own_shared))) == NULL ||
        (m->own_shared->limits = ratelimit_new(NULL)) == NULL)
        return err_nomem(err);
    m->shared = m->own_shared;
    return CP_OK;
}

int manage_open(const struct manage_opts *opts, struct manage **out, struct err *err)
{
    struct manage *m = calloc(1, sizeof(*m));
    int rc = m ? CP_OK : err_nomem(err);

    *out = NULL;
    if (rc == CP_OK && opts->server == NULL)
        rc = err_set(err, CP_EUSAGE, "no ACME server URL given");
    if (rc == CP_OK) {
        m->log = opts->log;
        m->cancel = opts->cancel;
        m->prepost = opts->prepost;
        m->server_default = opts->server_is_default;
        m->server = strdup(opts->server);
        m->ca_bundle = str_dup(opts->ca_bundle);
        m->user_agent = str_dup(opts->user_agent);
        m->accept_language = str_dup(opts->accept_language);
        if (m->server == NULL || (opts->ca_bundle && !m->ca_bundle) || (opts->user_agent && !m->user_agent) ||
            (opts->accept_language && !m->accept_language))
            rc = err_nomem(err);
    }
    if (rc == CP_OK && opts->shared != NULL)
        m->shared = opts->shared;
    else if (rc == CP_OK)
        rc = own_limits(m, err);
    if (rc == CP_OK)
        rc = manage_ca_id(opts->server, &m->ca_id, err);
    if (rc == CP_OK && (rc = (opts->read_only ? store_open_read_only : store_open)(opts->root, &m->store, err)) !=
                           CP_OK)
        err_prefix(err, "state directory: ");
    if (rc != CP_OK) {
        manage_free(m);
        return rc;
    }
    *out = m;
    return CP_OK;
}

int manage_set_server(struct manage *m, const char *url, struct err *err)
{
    char *server = NULL, *ca_id = NULL;
    int rc;

    if (m->acme != NULL)
        return err_set(err, CP_EINVALID, "cannot change the CA to %s: %s is contacted already", url, m->server);
    if ((rc = manage_ca_id(url, &ca_id, err)) != CP_OK)
        return rc;
    if ((server = strdup(url)) == NULL) {
        free(ca_id);
        return err_nomem(err);
    }
    free(m->server);
    free(m->ca_id);
    m->server = server;
    m->ca_id = ca_id;
    m->server_default = false;
    return CP_OK;
}

void manage_free(struct manage *m)
{
    if (m == NULL)
        return;
    acme_client_free(m->acme);
    http_transport_free(m->http);
    store_free(m->store);
    jws_signer_free(m->signer);
    EVP_PKEY_free(m->account_key);
    free(m->account_name);
    free(m->server);
    free(m->ca_bundle);
    free(m->user_agent);
    free(m->accept_language);
    free(m->ca_id);
    manage_shared_free(m->own_shared);
    free(m);
}

int manage_connect(struct manage *m, struct err *err)
{
    struct http_opts hopts = {.ca_bundle = m->ca_bundle, .user_agent = m->user_agent, .log = m->log,
                              .share = m->shared->http, .accept_language = m->accept_language};
    struct acme_client_opts aopts = {.directory_url = m->server, .log = m->log, .nonces = m->shared->nonces,
                                     .limits = m->shared->limits, .cancel = m->cancel};

    struct manage_shared *sh = m->shared;
    bool kept;

    if (m->acme != NULL)
        return CP_OK;
    if (m->http == NULL && (m->http = http_curl_new(&hopts, err)) == NULL)
        return err->code;
    aopts.transport = m->http;
    if (!sh->dir_cache)
        return (m->acme = acme_client_new(&aopts, err)) != NULL ? CP_OK : err->code;
    /* one directory fetch per run: the first manager fetches, the others wait and reuse it */
    pthread_mutex_lock(&sh->dir_lock);
    kept = sh->dir_url != NULL && strcmp(sh->dir_url, m->server) == 0;
    aopts.directory_json = kept ? sh->dir_json : NULL;
    if ((m->acme = acme_client_new(&aopts, err)) != NULL && !kept) {
        free(sh->dir_url);
        free(sh->dir_json);
        sh->dir_url = strdup(m->server);
        sh->dir_json = acme_client_directory_text(m->acme);
        if (sh->dir_url == NULL || sh->dir_json == NULL)  /* not kept: the next manager fetches */
            str_free(&sh->dir_url);
    }
    pthread_mutex_unlock(&sh->dir_lock);
    return m->acme != NULL ? CP_OK : err->code;
}

int manage_use_key(struct manage *m, const char *pem, size_t len, const char *what, struct err *err)
{
    EVP_PKEY *key = key_from_pem(pem, len, what, err);
    struct jws_signer *signer = key ? jws_signer_new(key, err) : NULL;

    if (signer == NULL) {
        EVP_PKEY_free(key);
        return err->code;
    }
    if (acme_client_set_account(m->acme, signer, NULL) != CP_OK) {
        jws_signer_free(signer);
        EVP_PKEY_free(key);
        return err_nomem(err);
    }
    jws_signer_free(m->signer);
    EVP_PKEY_free(m->account_key);
    m->signer = signer;
    m->account_key = key;
    return CP_OK;
}

char *manage_cert_file(struct manage *m, const char *cert_name, const char *file)
{
    return store_cert_path(m->store, cert_name, file);
}
