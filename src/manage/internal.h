/*
 * manage/internal — what the files of manage/ share: the struct behind
 * struct manage, and the helpers one file offers another.
 */
#ifndef CP_MANAGE_INTERNAL_H
#define CP_MANAGE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include <jansson.h>

#include "acme/client.h"
#include "http/http.h"
#include "jose/jws.h"
#include "deploy/target.h"
#include "manage/manage.h"

struct manage_shared {
    struct nonce_pool *nonces;   /* NULL for a manager alone: its client keeps its one nonce */
    struct ratelimit *limits;
    struct http_share *http;     /* NULL for a manager alone */
    struct dns_rounds *rounds;   /* dns-01 records published together; NULL for a manager alone */
    /* The CA's directory, fetched once for all the run's managers (dir_cache
     * false for a manager alone: no lock, nothing kept) */
    bool dir_cache;
    pthread_mutex_t dir_lock;
    char *dir_url;
    char *dir_json;
};

struct manage {
    char *server;
    char *ca_bundle;
    char *user_agent;
    char *accept_language;
    char *ca_id;                  /* "<host>_<port>" of the directory URL */
    const struct logger *log;     /* borrowed */
    volatile sig_atomic_t *cancel; /* borrowed, may be NULL */
    struct manage_shared *shared;  /* borrowed, or own_shared */
    struct manage_prepost *prepost; /* borrowed, may be NULL */
    struct manage_shared *own_shared;
    struct store *store;
    struct http_transport *http;  /* NULL until the CA is needed */
    struct acme_client *acme;
    EVP_PKEY *account_key;        /* of the open account */
    struct jws_signer *signer;
    char *account_name;
    bool server_default;          /* opts.server_is_default, until a stored certificate's CA is taken */
};

/* Use the ACME server url from now on (a stored certificate's CA); only before the CA was contacted. */
int manage_set_server(struct manage *m, const char *url, struct err *err) CP_WUR;

/* The CA stored certificate name was issued by (meta.json's server; *server the caller's),
 * or *server NULL when it is not stored or meta.json names none. */
int manage_cert_ca(struct manage *m, const char *name, char **server, struct err *err) CP_WUR;

/* Do the names a request asks for, normalised as manage_issue normalises them
 * ("köln.example" is "xn--kln-sna.example"), differ from those a certificate
 * holds (renew_names_differ)? A name that is refused counts as written. */
bool manage_names_differ(const char *const *want, size_t nwant, const char *const *have, size_t nhave);

/* Fetch the CA's directory once (first call), keep the client. */
int manage_connect(struct manage *m, struct err *err) CP_WUR;

/* Parse a PEM account key (what names it in messages) and sign with it from
 * now on, as a new account (no kid yet). Replaces a previously open key. */
int manage_use_key(struct manage *m, const char *pem, size_t len, const char *what,
                   struct err *err) CP_WUR;

/* meta.json (docs/META.md): built from a request and the issued certificate. */
json_t *manage_meta_build(const struct manage *m, const struct manage_cert_req *req,
                          const char *const *names, size_t nnames, const char *key_type,
                          const struct cert_info *ci);

/* The same for a server and account other than m's (an import: manage/certbot.c). */
json_t *manage_meta_build_for(const char *server, const char *account, const struct manage_cert_req *req,
                              const char *const *names, size_t nnames, const char *key_type,
                              const struct cert_info *ci);

/* "<host>_<port>" of a directory URL: the CA's folder under accounts/ (caller frees). */
int manage_ca_id(const char *url, char **out, struct err *err) CP_WUR;

/* manage_deploy with the certificate's lock already held (by manage_issue). */
int manage_deploy_locked(struct manage *m, const char *name, const struct manage_deploy_opts *o,
                         struct err *err) CP_WUR;

/* manage/targets.c: meta.json's "deploy" list, [{"target": SPEC, "type": T, "settings": [[K, V]...],
 * "last": {...}}]. Entries stored before "type" was kept have only "target" (parsed then). */

/* Change list (a JSON array) as o says: remove, then add (with o->exact, add becomes the list,
 * keeping the last results of the targets it had). Nothing changes on an error. */
int targets_apply(json_t *list, const char *cert, const struct manage_deploy_opts *o,
                  struct err *err) CP_WUR;

/* The target of one entry of the list, as type and settings (out zeroed or freed first). */
int targets_entry_spec(const json_t *entry, struct deploy_spec *out, struct err *err) CP_WUR;

/* Every entry of list parsed and built as manage_deploy_check does (nothing runs); the
 * first bad one's problem, naming it. */
int targets_check_list(const json_t *list, struct err *err) CP_WUR;

/* The variables entries of list name as holding secrets (password_env=...): up to max names
 * (borrowed from list), NULL-terminated in names (max + 1 slots). */
size_t targets_secret_env(const json_t *list, const char **names, size_t max);

/* Finish (or drop) a key change a crash interrupted for the open account name
 * (manage/account_ops.c); no key-new.pem is fine. *done: it was finished. */
int manage_account_recover_key(struct manage *m, const char *name, bool *done, char **archived,
                               struct err *err) CP_WUR;

#endif
