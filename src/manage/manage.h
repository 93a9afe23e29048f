/*
 * manage — the jobs a user asks for, as library calls: open a CA's account
 * (or create it), issue a certificate from its description, read what is
 * stored. The CLI, a config file and the public C API (include/certpilot/)
 * all enter here; this module sequences acme/, solve/, crypto/ and store/
 * and never parses flags or prints.
 *
 * A struct manage is one state root + one CA + at most one account at a
 * time. It is not thread-safe: use one per thread (they may share the state
 * root; per-certificate locks keep two from issuing the same certificate).
 */
#ifndef CP_MANAGE_MANAGE_H
#define CP_MANAGE_MANAGE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "acme/account.h"
#include "crypto/cert.h"
#include "crypto/key.h"
#include "store/store.h"
#include "util/err.h"
#include "util/kv.h"
#include "util/log.h"

/* Limits, each defined once. */
#define MANAGE_MAX_NAMES 100      /* identifiers in one certificate */
#define MANAGE_MAX_CONTACTS 16    /* contact addresses of an account */
#define MANAGE_DEFAULT_ACCOUNT "default"
#define MANAGE_DEFAULT_TIMEOUT_S 300
#define MANAGE_DEFAULT_ROOT "/var/lib/certpilot"  /* the state directory */
#define MANAGE_DEFAULT_CA "letsencrypt"           /* by name: manage_ca_url() */

struct manage;
struct config;
struct manage_prepost;

/* What the workers of one run share (borrowed by each manager): nonces from
 * every reply, the request-rate limits, libcurl's DNS cache and TLS
 * sessions, and the rounds in which their dns-01 records are published
 * together (dns/round.h). Thread-safe. Made by manage_shared_new. */
struct manage_shared;
struct manage_shared *manage_shared_new(struct err *err);
void manage_shared_free(struct manage_shared *s);

struct manage_opts {
    const char *root;          /* state directory (required) */
    const char *server;        /* ACME directory URL (required) */
    const char *ca_bundle;     /* PEM roots for the CA's TLS instead of the system's; may be NULL */
    const char *user_agent;    /* NULL: "certpilot/<version>" */
    const struct logger *log;  /* borrowed, may be NULL */
    const char *accept_language;  /* Accept-Language for the CA's problem texts, or NULL */
    volatile sig_atomic_t *cancel;  /* set (from SIGINT/SIGTERM) to stop waiting; may be NULL */
    struct manage_shared *shared;   /* borrowed, may be NULL: a manager of its own limits */
    bool read_only;            /* create nothing (show, check): a missing root is an empty one */
    struct manage_prepost *prepost; /* borrowed, may be NULL: the run's pre-hook before an order
                                       (manage/prepost.h) */
    bool server_is_default;    /* server is only the built-in default, nobody chose it: a stored
                                  certificate issued again goes to the CA its meta.json names */
};

/* Open the state root (created 0700 when missing, unless read_only). The CA is
 * contacted only when a call needs it. Free with manage_free. */
int manage_open(const struct manage_opts *opts, struct manage **out, struct err *err) CP_WUR;
void manage_free(struct manage *m);

/* manage_open on the CA that issued stored certificate name (the server its meta.json names)
 * when that is another than opts->server: revoking or renewing it goes to the CA that knows it.
 * name NULL, not stored or naming no CA: opts->server. */
int manage_open_for_cert(const struct manage_opts *opts, const char *name, struct manage **out,
                         struct err *err) CP_WUR;

/* --- accounts --- */

struct manage_account_new {
    const char *name;                /* NULL: "default" */
    const char *const *emails;       /* "addr" or "mailto:addr" */
    size_t nemails;
    bool agree_tos;
    const char *key_type;            /* NULL: ec256 */
    const char *key_file;            /* import this existing account key (PEM) instead of generating */
    const char *eab_kid;             /* External Account Binding, both or neither */
    const char *eab_hmac_key;        /* base64url; a secret */
};

/* Use the stored account name (NULL: "default"): key loaded, URL known or
 * found with onlyReturnExisting. CP_ENOTFOUND when there is none here. */
int manage_account_open(struct manage *m, const char *name, struct err *err) CP_WUR;

/* Create (or, for an imported or forgotten key, find) the account described
 * by o. The key is saved before the CA is asked, so a failure loses nothing.
 * *how is set to "created", "ready" or "registered again" when not NULL. */
int manage_account_create(struct manage *m, const struct manage_account_new *o, const char **how,
                          struct err *err) CP_WUR;

/* Open the stored account name (NULL: "default"); when there is none and create
 * is given, create it as create says (its name is taken from name). */
int manage_account_ensure(struct manage *m, const char *name, const struct manage_account_new *create,
                          struct err *err) CP_WUR;

/* For a dry run: open the stored account name (NULL: "default") of this CA, or when there is
 * none register a new account with a key kept in memory only (create's contacts and key type;
 * its terms agreed only when create says so; create may be NULL). Nothing is stored. */
int manage_account_ephemeral(struct manage *m, const char *name, const struct manage_account_new *create,
                             struct err *err) CP_WUR;

/* The open account's local name (borrowed; NULL before one is open). */
const char *manage_account_name(const struct manage *m);

/* The account's URL (borrowed; NULL before an account is open). */
const char *manage_account_url(const struct manage *m);

/* Read the open account as the CA knows it, and its key type. */
int manage_account_fetch(struct manage *m, struct acme_account *out, enum key_type *kt,
                         struct err *err) CP_WUR;

/* --- certificates --- */

/* One target's outcome, for the caller to print (borrowed for the call). */
struct manage_deploy_report {
    const char *spec;     /* the target as written ("files:/etc/nginx/tls,reload=...") */
    int rc;
    bool changed;         /* something on the target changed */
    bool skipped;         /* it already had the current serial */
    const char *message;  /* why it failed, when rc != CP_OK */
};
typedef void (*manage_deploy_cb)(void *user, const struct manage_deploy_report *r);

/* A deploy target of a request: its compact form as a user wrote it (deploy/target.h), or,
 * with spec NULL, a type and settings a program made as data (acme.ini's ChainFile), which
 * are never formatted into a spec and parsed back. Borrowed. */
struct manage_target {
    const char *spec;
    const char *type;
    struct kvlist settings;
};

/* A certificate to issue: what the command line, a config section or a C
 * program says. Everything is borrowed for the call. */
struct manage_cert_req {
    const char *const *names;     /* DNS names ("*.example.com" for a wildcard), IP addresses */
    size_t nnames;
    const char *cert_name;        /* NULL: the first name, "*." becoming "_." */
    const char *key_type;         /* NULL: ec256 */
    const char *account;          /* NULL: "default" */
    const struct manage_account_new *create;  /* create the account when missing; NULL: it must exist */
    const char *solver;           /* "hook", "webroot", "standalone" (solve/solve.h) */
    struct kvlist settings;       /* the solver's settings */
    const char *profile;          /* ACME profile, or NULL */
    const char *preferred_chain;  /* root CN among the CA's alternate chains, or NULL */
    long timeout_s;               /* bound on waiting for the CA; 0: 300 */
    const char *replaces;         /* RFC 9773 §5: ARI id of the certificate this renews, or NULL */
    const char *renews_serial;    /* a renewal: the current serial (hex) it was decided on, or NULL;
                                     once the lock is held, another current serial means another run
                                     renewed it meanwhile, and nothing is ordered (already_renewed) */
    bool reuse_key;               /* keep the current version's key instead of a new one */
    bool force;                   /* issue even when a stored certificate of this name is valid with
                                     the same names and key type, or holds names this one drops */
    const char *csr_file;         /* issue for this CSR (PEM or DER): its names, its key, which
                                     certpilot never sees (no privkey.pem is stored); names then empty */
    const struct manage_target *deploy;  /* deploy targets to add (stored in meta.json with those it has),
                                            each checked before anything is ordered */
    size_t ndeploy;
    bool deploy_exact;            /* deploy is the whole list (a config section): stored targets not in it
                                     are dropped */
    manage_deploy_cb deploy_cb;   /* told each target's result after the certificate is stored */
    void *deploy_user;
    bool dry_run;                 /* order and check it, store nothing (no version, meta.json, lock,
                                     journal or account: the stored account of this CA if any, else a
                                     key in memory), deploy nowhere; challenge hooks still run */
};

/* What was issued and stored. Free with manage_issued_free. */
struct manage_issued {
    char *cert_name;
    struct cert_info info;     /* with already_renewed: the version the other run stored */
    bool already_renewed;      /* renews_serial was no longer current: nothing ordered, not an error */
    bool dry_run_stored;       /* a dry run: a version of it is stored (an issue would replace it) */
    bool unchanged;            /* stored already, valid, the same names and key type, not due (renew's
                                  decision): nothing ordered, not an error; info is that version */
    int deploy_rc;             /* CP_OK, or the first deploy target's failure (the certificate is stored) */
    char deploy_error[1024];
};

/* Lower-case and check a DNS name ("*." for a wildcard), or give an IP address
 * (RFC 8738) its canonical text (IPv6 as RFC 5952). An internationalised name
 * (U-labels, UTF-8) becomes its A-labels (IDNA 2008, UTS #46 non-transitional:
 * "münchen.test" is "xn--mnchen-3ya.test"); A-labels are checked too. Every
 * way a name comes in (flags, config, --batch, the C API, a CSR) passes here, so
 * orders, certificates, meta.json and directory names hold the A-label form.
 * *out is the caller's. CP_EUSAGE names it (bytes that are not UTF-8 escaped). */
int manage_name_normalise(const char *in, char **out, struct err *err) CP_WUR;

/* A normalised name for a person: "xn--mnchen-3ya.test (münchen.test)" when it
 * holds an A-label, else the name itself. Caller frees; NULL when out of memory. */
char *manage_name_display(const char *name);

/* Can a challenge of type (NULL: not known yet) prove control of the
 * normalised name? An IP address needs http-01. CP_EUSAGE names it. */
int manage_name_check_challenge(const char *name, const char *type, struct err *err) CP_WUR;

/* The certificate name a request gets (req->cert_name or derived from the
 * first name), checked. CP_EUSAGE when it cannot be stored under. */
int manage_cert_name(const struct manage_cert_req *req, char **out, struct err *err) CP_WUR;

/*
 * The whole job for one certificate: check the request (before any network
 * traffic), take the certificate's lock, open (or create) the account, order,
 * solve every challenge, finalize with a fresh key, check what the CA sent
 * and store it as a new version with meta.json. Nothing is written under
 * certs/ unless a certificate was issued and checked. A renewal
 * (renews_serial) that finds, once it holds the lock, another version
 * current returns CP_OK with already_renewed and orders nothing.
 * Not a renewal, for a name that is stored already: CP_EUSAGE ("certificate
 * NAME holds A, B; issuing it for C would drop A, B: add --force to replace
 * them") when names would be lost, unless force; CP_OK with unchanged (nothing
 * ordered, deploy targets given are still added and run) when it is valid with
 * the same names and key type and not due, unless force; else issued again.
 * Without force a CSR is always issued (only the names it drops are refused).
 */
int manage_issue(struct manage *m, const struct manage_cert_req *req, struct manage_issued *out,
                 struct err *err) CP_WUR;
void manage_issued_free(struct manage_issued *r);

/* Check a request as manage_issue does before anything else (names, key type, CSR, deploy
 * targets), and its solver with solver_check: offline, nothing bound, run or stored. */
int manage_issue_check(const struct manage_cert_req *req, struct err *err) CP_WUR;

/* Where a stored certificate's live file is ("cert.pem", "fullchain.pem", ...);
 * caller frees. */
char *manage_cert_file(struct manage *m, const char *cert_name, const char *file);

/* A stored certificate as the read side sees it. Free with manage_cert_view_free. */
struct manage_cert_view {
    char *name;
    char *version;
    struct cert_info info;  /* parsed from the current cert.pem */
    json_t *meta;           /* meta.json (schema in docs/META.md), or NULL */
    /* its deploy targets by their last result: ok for the current serial, failed for it,
     * or pending (never run for this version) */
    unsigned deploy_ok, deploy_failed, deploy_pending;
    const json_t *deploy;   /* meta.json's "deploy" list (borrowed from meta), or NULL */
};

/* How many certificate versions from this manager's CA were stored since
 * since (for the CA's limit on new orders per account and hours). */
int manage_recent_issues(struct manage *m, time_t since, unsigned long *count, struct err *err) CP_WUR;

/* Read the current version of one stored certificate. */
int manage_cert_view(struct manage *m, const char *name, struct manage_cert_view *out,
                     struct err *err) CP_WUR;
void manage_cert_view_free(struct manage_cert_view *v);

/* --- finding and deleting a stored certificate (manage/lookup.c, manage/delete.c) --- */

/* Levenshtein distance of a and b ((size_t)-1 for names over 256 characters). */
size_t manage_name_distance(const char *a, const char *b);
/* The name of names nearest to name, when near enough to be a typo of it
 * (a third of its length, at least 2 edits), else NULL. Borrowed from names. */
const char *manage_name_suggest(const char *name, char *const *names, size_t n);
/* CP_OK when certificate name is stored; else CP_EUSAGE "no certificate named X
 * (did you mean Y?)" with the nearest stored name, when one is near. */
int manage_cert_lookup(struct manage *m, const char *name, struct err *err) CP_WUR;

struct manage_deleted {
    char *kept;        /* where its directory went (deleted/NAME-TIME); NULL after a purge */
    size_t nversions;  /* versions it had */
};
/* Stop managing certificate name: refused (CP_EUSAGE) while cfg (may be NULL) has a
 * [cert:NAME] section for it; unknown names as manage_cert_lookup. Under its lock it
 * leaves the store in one rename (store_cert_delete): kept whole in deleted/, or with
 * purge removed, keys included. Free out with manage_deleted_free. */
int manage_cert_delete(struct manage *m, const struct config *cfg, const char *name, bool purge,
                       struct manage_deleted *out, struct err *err) CP_WUR;
void manage_deleted_free(struct manage_deleted *d);

/* Everything about stored certificate name, offline, as one object (fields in certpilot(1), show):
 * live files, names, key type, issuer, serial, validity, CA, account, solver and its settings
 * (never a secret), deploy targets and their last results, the renewal decision renew and list
 * make at now (cfg's [cert:NAME] applies; may be NULL), ARI state, a revocation. Unknown names as
 * manage_cert_lookup. *out is the caller's (json_decref). Creates nothing. */
int manage_cert_show(struct manage *m, const struct config *cfg, const char *name, time_t now, json_t **out,
                     struct err *err) CP_WUR;

/* --- checking everything offline (manage/check.c) --- */

/* One certificate's verdict, for the caller to print (borrowed for the call). */
struct manage_check_item {
    const char *name;
    int rc;               /* CP_OK when its section and meta.json are valid */
    char problem[1024];   /* when not: one line (file:line: ... where there is one) */
    char plan[400];       /* when valid: "not due until T (why)", "due now (why)",
                             "would be issued (new in the configuration)" */
};
typedef void (*manage_check_cb)(void *user, const struct manage_check_item *it);

/* Every certificate renew looks after (manage_cert_names) checked as issue and renew check
 * it, without the network: its [cert:NAME] section of cfg (may be NULL) or its meta.json, the
 * solver and its DNS provider (a provider's missing credentials fail only the certificates
 * that use it), its deploy targets; then what renew would do at now. cb is told each one;
 * *nproblems counts the invalid ones. Creates nothing. */
int manage_check(struct manage *m, const struct config *cfg, time_t now, manage_check_cb cb, void *user,
                 unsigned *nproblems, struct err *err) CP_WUR;

/* --- deploy --- */


/* What manage_deploy changes in a certificate's list of targets, and how it runs them. */
struct manage_deploy_opts {
    const struct manage_target *add;  /* targets to store from now on (so renewals deploy there too) */
    size_t nadd;
    bool exact;                 /* add is the whole list (a config section): others are dropped */
    const char *const *remove;  /* stored targets to drop, by their spec or TYPE:ITEM (its settings) */
    size_t nremove;
    bool force;                 /* run targets that already have the current serial too */
    manage_deploy_cb cb;        /* told each target's result; may be NULL */
    void *user;
};

/*
 * Install certificate name's current version with every deploy target its
 * meta.json lists, after removing o->remove and adding o->add. A target is
 * stored only once it parses, its settings are valid (it is built, nothing
 * runs) and none of them holds a secret; one that is refused leaves the list
 * as it was. A TARGET to remove that matches no stored one (or several) is
 * CP_EUSAGE naming the stored ones. With only removals nothing runs. Targets
 * whose last result is ok for the current serial are skipped unless force.
 * Each target's result is recorded in meta.json; one failure never stops the
 * others. Returns the first failure ("certificate X is stored, but a deploy
 * target failed: ...").
 */
int manage_deploy(struct manage *m, const char *name, const struct manage_deploy_opts *o,
                  struct err *err) CP_WUR;

/* Check targets as manage_deploy would before storing them: parsed, built (no network, nothing
 * runs), no secret among their settings. CP_EUSAGE names the first bad one. */
int manage_deploy_check(const struct manage_target *t, size_t n, struct err *err) CP_WUR;

/* --- renewal --- */

struct manage_renew_opts {
    time_t now;                /* the clock, passed in so decisions can be replayed */
    bool force;                /* renew whatever the dates say */
    bool offline;              /* decide from what is stored; never ask the CA (list) */
    long check_interval_s;     /* how often renew runs (a timer); 0: unknown */
    long renew_before_s;       /* without ARI: renew with this much left (0: a third of the lifetime) */
    bool reuse_key;            /* keep the current key (on top of what the request says) */
    manage_deploy_cb deploy_cb;  /* told each deploy target's result after a renewal */
    void *deploy_user;
    /* Asked (from the worker's thread) before a due certificate's new order is
     * placed: false keeps the order back and the renewal fails with CP_EACME.
     * ari: the order names the certificate it replaces (RFC 9773), which
     * Let's Encrypt exempts from its limit on new orders. NULL: always. */
    bool (*may_order)(void *user, bool ari);
    void *order_user;
    bool dry_run;              /* decide offline, then order it whether due or not (certbot's dry run)
                                  with a dry-run manage_issue: nothing stored or deployed */
};

/* The decision about one stored certificate, and its outcome. */
struct manage_renew_result {
    bool due;
    bool renewed;              /* due, and a new version was stored */
    bool already_renewed;      /* another run renewed it after this one read it: nothing ordered,
                                  issued.info is the version that run stored */
    bool first;                /* not stored before: renewed means issued for the first time */
    time_t at;                 /* when it is (or was) due */
    char why[160];             /* "ARI window", "a third of the lifetime left", "forced: names changed",
                                  "new in the configuration" (first) ... */
    char explanation[256];     /* the CA's ARI explanationURL, sanitised, or "" */
    struct manage_issued issued;
};

/*
 * Renew certificate name if it is due. wanted says how (a config section);
 * NULL takes everything from its meta.json. With the CA's renewalInfo (RFC
 * 9773) the time is chosen at random inside the suggested window (the choice
 * and the CA's Retry-After are kept in meta.json), else when a third of the
 * lifetime is left, spread per certificate. Changed names or key type, a
 * missing or broken current version, or a revoked certificate renew at once.
 * The new order names the old certificate in "replaces". Every change to
 * meta.json is made under the certificate's lock, to meta.json as it is then;
 * the CA is asked for renewalInfo before the lock is taken.
 */
int manage_renew(struct manage *m, const char *name, const struct manage_cert_req *wanted,
                 const struct manage_renew_opts *o, struct manage_renew_result *out, struct err *err) CP_WUR;
void manage_renew_result_free(struct manage_renew_result *r);

/* The request meta.json records for certificate name (what renewal uses
 * without a config). Borrows from meta: keep it alive while req is used. */
struct manage_req_from_meta {
    const char *names[MANAGE_MAX_NAMES];
    struct kv settings[32];
    struct manage_cert_req req;
};
int manage_request_from_meta(const json_t *meta, const char *name, struct manage_req_from_meta *out,
                             struct err *err) CP_WUR;

/* --- the config file (config/config.h) --- */

struct config;
struct config_cert;

/* What a config says about creating the account: [certpilot] agree_tos, and the
 * email and account that apply (a certificate's, else the global ones). */
struct manage_config_account {
    const char *emails[MANAGE_MAX_CONTACTS];
    struct manage_account_new create;  /* emails, account name, agree_tos */
    bool agree;                        /* agree_tos = yes: create the account when it is missing */
};
/* c NULL: the global settings. Borrows from cfg. CP_EUSAGE for too many addresses. */
int manage_account_from_config(const struct config *cfg, const struct config_cert *c,
                               struct manage_config_account *out, struct err *err) CP_WUR;

/* A [cert:NAME] section as a request; borrows from the config. */
struct manage_config_req {
    const char *names[MANAGE_MAX_NAMES];
    struct manage_target deploy[32];
    struct kv settings[64];
    size_t nsettings;
    char numbuf[24];
    const char *server;            /* the section's CA (server, or ca by name), or NULL: the global one */
    long renew_before_s;           /* renew_before, 0 when unset */
    struct manage_config_account account;  /* req.create points here when agree_tos = yes */
    struct manage_cert_req req;
};
int manage_request_from_config(const struct config *cfg, const struct config_cert *c,
                               struct manage_config_req *out, struct err *err) CP_WUR;

/* Every certificate renew looks after: the stored ones (sorted), then those of
 * cfg's [cert:NAME] sections (cfg may be NULL) not stored yet, in file order;
 * the first *nstored are stored. *names is the caller's (store_names_free). */
int manage_cert_names(struct manage *m, const struct config *cfg, char ***names, size_t *n, size_t *nstored,
                      struct err *err) CP_WUR;

/* When stored certificate name renews, decided as `renew` decides it (its
 * [cert:NAME] section of cfg, when there is one, gives the names, key type and
 * renew_before) from what is stored, never asking the CA. */
int manage_renew_preview(struct manage *m, const struct config *cfg, const char *name, time_t now,
                         struct manage_renew_result *out, struct err *err) CP_WUR;

/* --- the CAs known by name (manage/cas.c) --- */

/* The directory URL of a CA known by name ("letsencrypt", "letsencrypt-staging"), or NULL. */
const char *manage_ca_url(const char *name);
/* The known CA name nearest to a misspelt one (a few edits away), or NULL. */
const char *manage_ca_nearest(const char *name);
/* Every known CA's name, "a, b", into out (truncated to len); the length it needs. */
size_t manage_ca_names(char *out, size_t len);

/* The CA a dry run orders from instead of server: its staging twin when one is known (Let's
 * Encrypt's production -> its staging), else server itself (a staging CA, or one given by URL
 * with no known twin). *why says which, for the user. Static or server; never NULL. */
const char *manage_ca_dry_run(const char *server, const char **why);

/* The known limit on new orders per account of the CA at server's host and port: *limit orders
 * per *window_s seconds (Let's Encrypt: 300 per 3 hours); *limit 0 when none is known. */
void manage_ca_order_limit(const char *server, long *limit, long *window_s);

/* Is server a directory URL a manager can open? CP_EUSAGE ("ACME server URL: ...") if not. */
int manage_server_check(const char *server, struct err *err) CP_WUR;

/* A run's budget of new orders: limit (0: the CA's known one, manage_ca_order_limit) and the
 * versions from this CA stored in its window (recent); left is how many more may be ordered
 * (ULONG_MAX without a limit). */
struct manage_orders {
    long limit, window_s;
    unsigned long recent, left;
};
int manage_orders_budget(const struct manage_opts *mo, long limit, struct manage_orders *out,
                         struct err *err) CP_WUR;

/* The server URL meta.json records (borrowed), or NULL. */
const char *manage_meta_server(const json_t *meta);

/* ===== lifecycle: revocation and account operations (manage/revoke.c,
 * manage/account_ops.c) ===== */

/* A certificate to revoke: a stored one by name, or a PEM file. */
struct manage_revoke_req {
    const char *cert_name;   /* stored certificate (its current version) */
    const char *cert_file;   /* or a PEM file; marked in the store when it is a stored current version */
    const char *reason;      /* RFC 5280 name; NULL: unspecified */
    bool by_cert_key;        /* sign with the stored certificate's own key, not the account */
    const char *key_file;    /* sign with this certificate key (PEM, owner-only file) */
    const char *account;     /* NULL: the account meta.json names, else "default" */
};

struct manage_revoked {
    char *cert_name;         /* the stored certificate marked revoked, or NULL */
    char *serial;            /* hex */
    const char *reason;      /* static RFC 5280 name */
    time_t at;
};

/*
 * RFC 8555 §7.6: revoke, then record "revoked": {serial, reason, time} in
 * meta.json (the version stays in the archive; the next renewal replaces it).
 * Holds the certificate's lock so no renewal runs meanwhile (CP_EBUSY while
 * another process holds it). CP_EEXIST "already revoked" when meta.json or
 * the CA says so.
 */
int manage_revoke(struct manage *m, const struct manage_revoke_req *r, struct manage_revoked *out,
                  struct err *err) CP_WUR;
void manage_revoked_free(struct manage_revoked *r);

/* RFC 8555 §7.3.2: replace the contacts of account name (NULL: "default");
 * account.json follows. out gets the account as the CA returns it. */
int manage_account_update(struct manage *m, const char *name, const char *const *emails, size_t n,
                          struct acme_account *out, struct err *err) CP_WUR;

/* RFC 8555 §7.3.5 key rollover of account name to a new key of key_type (NULL:
 * the current key's type) or to the key in key_file. Crash-safe (see
 * account_ops.c); a rollover a crash interrupted is finished first.
 * *archived (may be NULL; caller frees) names where the old key was kept. */
int manage_account_key_change(struct manage *m, const char *name, const char *key_type,
                              const char *key_file, char **archived, struct err *err) CP_WUR;

/* RFC 8555 §7.3.6: deactivate account name for good; account.json follows. */
int manage_account_deactivate(struct manage *m, const char *name, struct err *err) CP_WUR;

/* One stored account, as account.json and its key say. */
struct manage_account_entry {
    char *ca_id, *name;
    char *server, *url, *status;   /* from account.json; NULL when unknown */
    const char *key_type;          /* static name, or "?" */
};

/* Every stored account, for every CA (no network). Free with manage_account_list_free. */
int manage_account_list(struct manage *m, struct manage_account_entry **out, size_t *n,
                        struct err *err) CP_WUR;
void manage_account_list_free(struct manage_account_entry *e, size_t n);

#endif
