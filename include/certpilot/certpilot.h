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
 *   that fields added later keep a caller's build and ABI working.
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

#define CP_CTX_OPTIONS_VERSION 1
struct cp_ctx_options {
    unsigned version;           /* CP_CTX_OPTIONS_VERSION */
    const char *root;           /* state directory; NULL: /var/lib/certpilot */
    const char *directory_url;  /* ACME directory; NULL: Let's Encrypt production */
    const char *ca_bundle;      /* PEM roots to trust for the CA's TLS; NULL: the system's */
    const char *user_agent;     /* NULL: "certpilot/VERSION" */
    int log_level;              /* enum cp_log_level */
    /* Called with one sanitised line at a time, possibly from a helper thread
     * of this context (the http-01 responder); NULL: no logging. */
    void (*log)(void *user, int level, const char *line);
    void *log_user;
};
#define CP_CTX_OPTIONS_INIT {CP_CTX_OPTIONS_VERSION, NULL, NULL, NULL, NULL, CP_LOG_INFO, NULL, NULL}

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
     * timeout=S), "webroot" (path=DIR) or "standalone" (listen=ADDR:PORT, repeatable). */
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

/* The names of every stored certificate, sorted. *names (an array of *count
 * strings) is the caller's: free it with cp_names_free. */
int cp_cert_list(cp_ctx *ctx, char ***names, size_t *count, struct cp_error *err);
void cp_names_free(char **names, size_t count);

#ifdef __cplusplus
}
#endif
#endif
