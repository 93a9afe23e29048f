/*
 * certpilot — the public C API of libcertpilot: get, store and read TLS
 * certificates from an ACME (RFC 8555) CA from a C program.
 *
 *   struct cp_ctx_options o = CP_CTX_OPTIONS_INIT;
 *   o.root = "/var/lib/myserver/certs";
 *   o.directory_url = "https://acme-staging-v02.api.letsencrypt.org/directory";
 *   cp_ctx_open(&ctx, &o, &err);
 *   cp_account_ensure(ctx, &account, &err);
 *   cp_cert_issue(ctx, &request, &cert, &err);
 *   cp_cert_path(cert, CP_FILE_FULLCHAIN) ... cp_cert_free(cert); cp_ctx_free(ctx);
 *
 * Conventions:
 * - Every function that can fail returns 0 (CP_OK) or a negative CP_E* status,
 *   and fills *err (which may be NULL) with one line naming what is wrong.
 * - A new object comes back through an out-parameter and belongs to the
 *   caller, who frees it with the matching _free function (which accepts NULL).
 *   Strings returned by accessors are borrowed from their object and live as
 *   long as it does.
 * - Option structs carry a version; initialise them with their _INIT macro so
 *   that fields added later keep a caller's build and ABI working. Any version
 *   from 1 up to the one this header defines is accepted (libgit2's rule): a
 *   program built against an older header keeps working, and the fields its
 *   version did not have take their defaults. A newer version is CP_EUSAGE.
 * - Nothing here prints: log lines go to the callback given in the options.
 * - Threads: a cp_ctx and the objects made from it are used by one thread at a
 *   time. Different contexts may be used from different threads at once, also
 *   on the same state root (per-certificate locks keep two of them from issuing
 *   the same certificate). cp_strerror, cp_exit_code and cp_version are
 *   thread-safe.
 * - Private keys are in the process's memory while a context works. The library
 *   changes no process-wide setting, so a program that embeds it should itself
 *   turn core dumps off and forbid ptrace by its own uid before it opens a
 *   context, as the certpilot program does at start:
 *       setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
 *       prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);          (Linux)
 * No libcurl, OpenSSL or jansson type appears in this header.
 */
#ifndef CERTPILOT_CERTPILOT_H
#define CERTPILOT_CERTPILOT_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: 0 is success, every failure is negative. */
enum cp_status {
    CP_OK = 0,
    CP_EUSAGE = -1,     /* bad flag, argument or configuration */
    CP_ENOMEM = -2,     /* out of memory */
    CP_EIO = -3,        /* local file, directory or process failure */
    CP_ENET = -4,       /* the server could not be reached */
    CP_EPROTO = -5,     /* a server reply broke the protocol */
    CP_EACME = -6,      /* the CA answered with a problem document */
    CP_ECRYPTO = -7,    /* a key, signature or certificate operation failed */
    CP_ETIMEOUT = -8,   /* a bounded wait ran out */
    CP_EDECLINED = -9,  /* a hook declined to present a challenge */
    CP_EEXIST = -10,    /* refused to overwrite something that exists */
    CP_ENOTFOUND = -11, /* a named thing (account, certificate) is missing */
    CP_EINVALID = -12,  /* input data (key, certificate, PEM) is malformed */
    CP_EINTR = -13,     /* the run was interrupted (SIGINT/SIGTERM) */
    CP_EBUSY = -14,     /* another process holds the certificate's lock: try again later */
};

/* A static, human-readable name for a status code. Never NULL. */
const char *cp_strerror(int status);

/* The CLI exit code for a status: 0 success, 2 usage or config error, 130 interrupted
 * (128 + SIGINT, as a shell reports it), 1 otherwise. */
int cp_exit_code(int status);

/* The library version, "MAJOR.MINOR.PATCH". */
const char *cp_version(void);

/* What went wrong, as one line a user can act on (sanitised: no control characters). */
struct cp_error {
    int code;           /* CP_OK or a CP_E* status */
    char message[1024]; /* empty when code is CP_OK */
};

/* Log levels for the log callback: a line is passed on when its level <= log_level. */
enum cp_log_level {
    CP_LOG_ERROR = 0,
    CP_LOG_WARN = 1,
    CP_LOG_INFO = 2,
    CP_LOG_DEBUG = 3,
};

/* ---- the context: a state root, a CA, and at most one open account ---- */

typedef struct cp_ctx cp_ctx;

#define CP_CTX_OPTIONS_VERSION 2
struct cp_ctx_options {
    unsigned version;           /* CP_CTX_OPTIONS_VERSION (1 is accepted too) */
    const char *root;           /* state directory; NULL: /var/lib/certpilot */
    const char *directory_url;  /* ACME directory; NULL: Let's Encrypt production */
    const char *ca_bundle;      /* PEM roots to trust for the CA's TLS; NULL: the system's */
    const char *user_agent;     /* NULL: "certpilot/VERSION" */
    int log_level;              /* enum cp_log_level */
    /* Called with one sanitised line at a time, possibly from a helper thread
     * of this context (the http-01 responder); NULL: no logging. */
    void (*log)(void *user, int level, const char *line);
    void *log_user;
    /* version 2: the cancel hook. The caller sets *cancel non-zero (from a signal handler,
     * or another thread) to stop the context's waits (for the CA, for DNS, for a hook): the
     * call under way returns CP_EINTR soon after, having cleaned up what it presented. A
     * second increment also kills the hooks' processes. Borrowed; NULL: not cancellable. */
    volatile sig_atomic_t *cancel;
};
#define CP_CTX_OPTIONS_INIT {CP_CTX_OPTIONS_VERSION, NULL, NULL, NULL, NULL, CP_LOG_INFO, NULL, NULL, NULL}

/* Open a context. The strings in opts are copied; the CA is first contacted
 * by the call that needs it. *out is the caller's: free it with cp_ctx_free. */
int cp_ctx_open(cp_ctx **out, const struct cp_ctx_options *opts, struct cp_error *err);
void cp_ctx_free(cp_ctx *ctx);

/* ---- accounts ---- */

#define CP_ACCOUNT_OPTIONS_VERSION 1
struct cp_account_options {
    unsigned version;            /* CP_ACCOUNT_OPTIONS_VERSION */
    const char *name;            /* local account name; NULL: "default" */
    const char *const *emails;   /* contact addresses */
    size_t nemails;
    int agree_tos;               /* non-zero: agree to the CA's terms of service */
    const char *key_type;        /* "ec256" (NULL), "ec384", "rsa2048", "rsa3072", "rsa4096" */
    const char *key_file;        /* use this existing account key (PEM) instead of a new one */
    const char *eab_kid;         /* External Account Binding, when the CA requires it */
    const char *eab_hmac_key;    /* base64url; a secret, never logged */
};
#define CP_ACCOUNT_OPTIONS_INIT {CP_ACCOUNT_OPTIONS_VERSION, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL}

/* Open the stored account opts->name, creating it at the CA when there is
 * none yet (which needs agree_tos when the CA has terms of service). The
 * account key is stored 0600 under the state root and never overwritten. */
int cp_account_ensure(cp_ctx *ctx, const struct cp_account_options *opts, struct cp_error *err);

/* RFC 8555 §7.3.2: replace the contact addresses of stored account name (NULL:
 * "default") with emails (n of them; 0 removes them all). Borrowed for the call. */
int cp_account_update(cp_ctx *ctx, const char *name, const char *const *emails, size_t n,
                      struct cp_error *err);

/* RFC 8555 §7.3.5: roll account name (NULL: "default") over to a new key of key_type (NULL:
 * the current key's type), or to the PEM key in key_file (may be NULL). The old key is kept
 * in the account's archive; a rollover a crash interrupted is finished first. */
int cp_account_key_change(cp_ctx *ctx, const char *name, const char *key_type, const char *key_file,
                          struct cp_error *err);

/* RFC 8555 §7.3.6: deactivate account name (NULL: "default") at the CA, for good. */
int cp_account_deactivate(cp_ctx *ctx, const char *name, struct cp_error *err);

/* ---- certificates ---- */

/* A solver setting, e.g. {"program", "/etc/certpilot/dns-hook"}. */
struct cp_setting {
    const char *key;
    const char *value;
};

#define CP_CERT_REQUEST_VERSION 1
struct cp_cert_request {
    unsigned version;               /* CP_CERT_REQUEST_VERSION */
    const char *const *names;       /* DNS names ("*.example.com" for a wildcard) and IP addresses (RFC 8738) */
    size_t nnames;
    const char *cert_name;          /* local name; NULL: the first name ("*." becomes "_.") */
    const char *key_type;           /* certificate key; NULL: "ec256" */
    const char *account;            /* NULL: the account cp_account_ensure opened, else "default" */
    /* How challenges are answered: "hook" (program=PATH, challenge=dns-01|http-01,
     * timeout=S), "webroot" (path=DIR), "standalone" (listen=ADDR:PORT, repeatable), or
     * "dns", certpilot's own dns-01 through a DNS provider: provider=rfc2136 (server=ADDR[:PORT],
     * key_file=FILE, zone=Z, ttl=S) or provider=alidns (credentials from the environment or
     * ~/.alibabacloud/credentials), with the settings certpilot.ini(5) lists for [dns]. */
    const char *solver;
    const struct cp_setting *settings;
    size_t nsettings;
    const char *profile;            /* ACME profile (e.g. "shortlived"), or NULL */
    const char *preferred_chain;    /* root CN among the CA's alternate chains, or NULL */
    long timeout_s;                 /* bound on waiting for the CA; 0: 300 */
};
#define CP_CERT_REQUEST_INIT \
    {CP_CERT_REQUEST_VERSION, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, 0}

/* A stored certificate (its current version). */
typedef struct cp_cert cp_cert;

enum cp_cert_file { CP_FILE_CERT, CP_FILE_CHAIN, CP_FILE_FULLCHAIN, CP_FILE_KEY };

/* Order, validate, check and store a certificate as a new version under the
 * state root. Blocks until done (bounded by timeout_s). On success *out
 * describes what was stored: free it with cp_cert_free. */
int cp_cert_issue(cp_ctx *ctx, const struct cp_cert_request *req, cp_cert **out, struct cp_error *err);

/* Read the current version of the stored certificate name.
 * CP_ENOTFOUND when there is none. Free *out with cp_cert_free. */
int cp_cert_open(cp_ctx *ctx, const char *name, cp_cert **out, struct cp_error *err);

/* Accessors; returned strings are borrowed from cert. */
const char *cp_cert_name(const cp_cert *cert);
const char *cp_cert_path(const cp_cert *cert, enum cp_cert_file which); /* the live file's path */
size_t cp_cert_dns_count(const cp_cert *cert);
const char *cp_cert_dns_name(const cp_cert *cert, size_t i); /* NULL past the end */
time_t cp_cert_not_before(const cp_cert *cert);
time_t cp_cert_not_after(const cp_cert *cert);
const char *cp_cert_serial(const cp_cert *cert); /* upper-case hex */
void cp_cert_free(cp_cert *cert);

/* ---- the rest of the lifecycle: renew, revoke, deploy, delete ---- */

#define CP_RENEW_OPTIONS_VERSION 1
struct cp_renew_options {
    unsigned version;       /* CP_RENEW_OPTIONS_VERSION */
    const char *cert_name;  /* renew this stored certificate; NULL: every stored one */
    int force;              /* non-zero: renew whether due or not */
    int reuse_key;          /* non-zero: keep each certificate's current key */
    time_t now;             /* the clock the decisions use; 0: now */
    unsigned jobs;          /* certificates renewed at once (all of them); 0: 8 */
};
#define CP_RENEW_OPTIONS_INIT {CP_RENEW_OPTIONS_VERSION, NULL, 0, 0, 0, 0}

/* One certificate's renewal decision and outcome, as data (borrowed from its list). */
struct cp_renewal {
    const char *name;
    int status;             /* CP_OK, or why this one failed (the others go on) */
    const char *error;      /* one line when status is not CP_OK, else "" */
    int due;                /* it was due (or forced) */
    int renewed;            /* a new version was stored */
    int already_renewed;    /* another process renewed it meanwhile: nothing ordered */
    time_t renew_at;        /* when it is (or was) due */
    const char *why;        /* "ARI window", "a third of the lifetime left", "forced" ... */
    const char *serial;     /* the current version's serial after the call (hex), or "" */
    time_t not_after;       /* ... and its expiry, or 0 */
};
typedef struct cp_renewals cp_renewals;

/* Renew what is due, as `certpilot renew` decides it (RFC 9773 ARI window when the CA offers
 * one, else a third of the lifetime left; at once when revoked or broken), each with the
 * settings its meta.json records, at the CA that issued it, then deploy it to its targets.
 * Returns CP_OK when every one succeeded or was not due, else the first failure; *out lists
 * every certificate looked at either way (NULL only when none could be looked at): free it
 * with cp_renewals_free. Blocks until done. */
int cp_renew(cp_ctx *ctx, const struct cp_renew_options *opts, cp_renewals **out, struct cp_error *err);
size_t cp_renewals_count(const cp_renewals *list);
const struct cp_renewal *cp_renewals_get(const cp_renewals *list, size_t i); /* NULL past the end */
void cp_renewals_free(cp_renewals *list);

#define CP_REVOKE_OPTIONS_VERSION 1
struct cp_revoke_options {
    unsigned version;       /* CP_REVOKE_OPTIONS_VERSION */
    const char *cert_name;  /* a stored certificate (its current version) ... */
    const char *cert_file;  /* ... or a PEM file: exactly one of the two */
    const char *reason;     /* RFC 5280 name ("keyCompromise", "superseded", ...); NULL: unspecified */
    int by_cert_key;        /* non-zero: sign with the stored certificate's own key */
    const char *key_file;   /* with cert_file: sign with this certificate key (PEM) */
    const char *account;    /* NULL: the account that issued it, else "default" */
};
#define CP_REVOKE_OPTIONS_INIT {CP_REVOKE_OPTIONS_VERSION, NULL, NULL, NULL, 0, NULL, NULL}

/* RFC 8555 §7.6: revoke a certificate at the CA that issued it (the one its meta.json names)
 * and mark the stored version revoked (the next cp_renew replaces it). CP_EEXIST when it is
 * revoked already. */
int cp_cert_revoke(cp_ctx *ctx, const struct cp_revoke_options *opts, struct cp_error *err);

#define CP_DEPLOY_OPTIONS_VERSION 1
struct cp_deploy_options {
    unsigned version;           /* CP_DEPLOY_OPTIONS_VERSION */
    const char *const *add;     /* targets to add, in certpilot(1)'s compact form
                                   ("files:/etc/nginx/tls,reload=systemctl reload nginx") */
    size_t nadd;
    const char *const *remove;  /* stored targets to remove, by that form or TYPE:ITEM */
    size_t nremove;
    int force;                  /* non-zero: run targets that have the current serial already */
};
#define CP_DEPLOY_OPTIONS_INIT {CP_DEPLOY_OPTIONS_VERSION, NULL, 0, NULL, 0, 0}

/* Install stored certificate name with its deploy targets: remove opts->remove, add opts->add
 * (stored, so renewals deploy there too), then run every target (none when only removing;
 * opts NULL: run the stored ones). One target's failure never stops the others: the first
 * is returned. */
int cp_cert_deploy(cp_ctx *ctx, const char *name, const struct cp_deploy_options *opts,
                   struct cp_error *err);

/* Stop managing stored certificate name: its directory is moved to deleted/ under the state
 * root in one rename, or removed with its keys when purge is non-zero. */
int cp_cert_delete(cp_ctx *ctx, const char *name, int purge, struct cp_error *err);

/* The names of every stored certificate, sorted. *names (an array of *count
 * strings) is the caller's: free it with cp_names_free. */
int cp_cert_list(cp_ctx *ctx, char ***names, size_t *count, struct cp_error *err);
void cp_names_free(char **names, size_t count);

#ifdef __cplusplus
}
#endif
#endif
