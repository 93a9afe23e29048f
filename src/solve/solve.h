/*
 * solve — challenge solvers behind one interface. A solver makes a challenge
 * answerable (a TXT record, a file, a listening responder) and takes it
 * away again. Solvers know nothing about which CA is used or about JWS.
 *
 * The engine's order of calls for one ACME order:
 *   present() for every challenge of the order;
 *   wait_ready() once;
 *   (the engine answers the challenges and polls the authorizations)
 *   cleanup() for every presented challenge, after every authorization is final.
 */
#ifndef CP_SOLVE_SOLVE_H
#define CP_SOLVE_SOLVE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "util/err.h"
#include "util/kv.h"
#include "util/log.h"

/* One challenge to present; the values of the exec hook contract. */
struct chal {
    const char *type;   /* "dns-01", "http-01" */
    const char *ident;  /* identifier without a leading "*."; an IP address (RFC 8738) in canonical text */
    const char *token;  /* the challenge token (base64url) */
    const char *auth;   /* http-01: the key authorization "token.thumbprint";
                           dns-01: base64url(SHA-256(key authorization)), the TXT value */
};

struct solver_journal;

struct solver {
    const char *type;  /* the challenge type this solver answers */
    /* Make c answerable. CP_EDECLINED when a hook declines (non-zero exit). */
    int (*present)(struct solver *s, const struct chal *c, struct err *err);
    /* Block until everything presented is visible to the CA (bounded). */
    int (*wait_ready)(struct solver *s, struct err *err);
    /* Undo present(); validated tells whether the authorization became valid.
     * Failures are logged, never fatal. */
    void (*cleanup)(struct solver *s, const struct chal *c, bool validated);
    void (*free)(struct solver *s);
    /* Optional (NULL when the solver keeps no such journal): see solver_set_journal
     * and solver_recover below. */
    void (*set_journal)(struct solver *s, const struct solver_journal *j);
    int (*recover)(struct solver *s, const json_t *presented, struct err *err);
};

/*
 * Where a solver records what it has presented, so that the run after a crash
 * can take it away: save() replaces the record with presented, a JSON array of
 * {"type", "ident", "token", "auth"} (no secrets: auth is public by design);
 * an empty array means nothing is presented any more.
 */
struct solver_journal {
    int (*save)(void *user, const json_t *presented, struct err *err);
    void *user;
};

/* Record what s presents through j from now on (borrowed: j outlives s).
 * The hook solver keeps a journal (its set_journal); for solvers without one
 * this does nothing. A present() whose record cannot be saved fails before
 * the hook runs. */
void solver_set_journal(struct solver *s, const struct solver_journal *j);

/* Take away what a crashed run left presented (a journal's array): the hook
 * solver runs `failed` for every entry (failures are logged). CP_OK when the
 * journal may be removed; CP_EUSAGE when s keeps no such journal (no recover). */
int solver_recover(struct solver *s, const json_t *presented, struct err *err) CP_WUR;

/* wait_ready for solvers whose challenges are answerable as soon as present() returns. */
int solver_ready_now(struct solver *s, struct err *err);

static inline void solver_free(struct solver *s)
{
    if (s != NULL)
        s->free(s);
}

/*
 * Exec hook (uacme's contract): runs `prog METHOD TYPE IDENT TOKEN AUTH` via
 * fork+execve (no shell), METHOD "begin" on present, "done" or "failed" on
 * cleanup; the same values in CERTPILOT_METHOD, CERTPILOT_TYPE, CERTPILOT_IDENT,
 * CERTPILOT_TOKEN, CERTPILOT_AUTH on top of the caller's environment. stdin is
 * /dev/null; the hook's stdout/stderr pass through to ours. A hook running
 * longer than timeout_s (0: 300 s) is killed and counts as a failure (CP_ETIMEOUT);
 * a hook dies with us (util/exec.h) and never sees our secrets (EXEC_SECRET_ENV).
 * type is the challenge type it answers ("dns-01" or "http-01").
 * CP_EUSAGE when prog is not an executable file.
 */
struct solver *solver_hook_new(const char *prog, const char *type, long timeout_s,
                               const struct logger *log, struct err *err);

/* Switch s (a hook solver) to certbot's manual-hook contract: its program runs with no
 * arguments and CERTBOT_DOMAIN, CERTBOT_VALIDATION, CERTBOT_TOKEN,
 * CERTBOT_REMAINING_CHALLENGES=0 (and CERTBOT_AUTH_OUTPUT empty) on present, and
 * cleanup (NULL: nothing) with the same on cleanup. CP_EUSAGE when cleanup is not an
 * executable file. */
int solver_hook_certbot(struct solver *s, const char *cleanup, struct err *err) CP_WUR;

/* Variables the hook must not see besides EXEC_SECRET_ENV: NULL-terminated names (borrowed,
 * they must outlive the solver; NULL for none), such as a deploy target's password_env. */
void solver_hook_strip_env(struct solver *s, const char *const *names);

/* The run's interruption (borrowed, may be NULL; util/exec.h): from its first step no
 * `begin` starts and a running one is stopped (its process group: SIGTERM), then `failed`
 * runs for that challenge and present() is CP_EINTR "interrupted while hook PROG begin
 * TYPE IDENT was running"; `done`/`failed` still run, bounded, until a second one. */
void solver_hook_cancel(struct solver *s, volatile sig_atomic_t *cancel);

/*
 * http-01 into a web server's document root: writes
 * DIR/.well-known/acme-challenge/TOKEN (0644, atomically) holding the key
 * authorization, creating missing directories (0755); cleanup removes the
 * file and the directories it created, if empty. CP_EUSAGE when dir is not
 * an existing directory; CP_EINVALID when .well-known or acme-challenge is a
 * symlink (never followed).
 */
struct solver *solver_webroot_new(const char *dir, const struct logger *log, struct err *err);

/* The most addresses a standalone responder listens on. */
#define SOLVER_MAX_LISTEN 8

/*
 * http-01 standalone responder (libmicrohttpd). listen is a list of
 * "ADDR:PORT" strings ("127.0.0.1:80", "[::1]:5002", "[::]:80", "0.0.0.0:80");
 * n == 0 means both families on port 80 ("[::]:80" and "0.0.0.0:80", with
 * IPV6_V6ONLY). Binds at creation, so a busy port fails here, with what to do
 * (solver_standalone_bind_error).
 * Serves GET /.well-known/acme-challenge/TOKEN with the key authorization
 * (text/plain) for presented tokens, 404 for everything else.
 */
struct solver *solver_standalone_new(const char *const *listen, size_t n,
                                     const struct logger *log, struct err *err);

struct dns_rounds;

/* What a solver built by name may need beyond its settings. */
struct solver_env {
    long timeout_s;                 /* the time bound: a hook's limit when it sets none */
    const struct logger *log;       /* borrowed, may be NULL */
    const char *state_dir;          /* a private directory for crash journals (dns), or NULL */
    volatile sig_atomic_t *cancel;  /* set by SIGINT/SIGTERM to stop waiting; may be NULL */
    struct dns_rounds *rounds;      /* a batch's dns-01 rounds (dns/round.h), shared by its workers; may be NULL */
    const char *const *strip_env;   /* variables a hook must not inherit (solver_hook_strip_env); may be NULL */
};

/*
 * A solver chosen by name and settings, as the command line, the config file
 * and the library API name them:
 *   "hook"       program=PATH, challenge=dns-01|http-01 (default dns-01), timeout=SECONDS,
 *                contract=uacme|certbot (default uacme; certbot: solver_hook_certbot),
 *                cleanup=PATH (certbot's manual cleanup hook; only with contract=certbot)
 *   "webroot"    path=DIR
 *   "standalone" listen=ADDR:PORT (repeatable; default both families on port 80)
 *   "dns"        provider=NAME (dns/provider.h: alidns, rfc2136, aliesa), resolver=ADDR[:PORT],
 *                propagation_timeout=SECONDS, propagation_check=yes|no; every other
 *                setting goes to the provider, which checks it. Records a crashed run
 *                left with this provider are removed first. With env->rounds, the
 *                records are published in the rounds of solvers with the same settings.
 * Unknown names and settings are CP_EUSAGE, naming them.
 */
struct solver *solver_new(const char *name, const struct kvlist *settings, const struct solver_env *env,
                          struct err *err);

/* Check a solver's name and settings as solver_new would, without side effects: it is
 * built and freed, except the standalone responder, whose addresses are only parsed (no
 * port is bound); nothing is recovered, published or run. CP_EUSAGE names the problem. */
int solver_check(const char *name, const struct kvlist *settings, struct err *err) CP_WUR;

/* The standalone responder's listen addresses parsed, none bound. */
int solver_standalone_check(const char *const *listen, size_t n, struct err *err) CP_WUR;

/* The challenge type the named solver will answer with these settings
 * ("dns-01", "http-01"), or NULL for an unknown name or type. */
const char *solver_challenge_type(const char *name, const struct kvlist *settings);

/* A bind of spec (port) failing with errno e, as CP_EIO "cannot listen on SPEC: ...":
 * EADDRINUSE "port 80 is in use (a web server? stop it with --pre-hook, or use --webroot)",
 * EACCES below 1024 "port 80 is below 1024 and needs root (or CAP_NET_BIND_SERVICE), or use
 * --webroot", anything else strerror(e). */
int solver_standalone_bind_error(const char *spec, int port, int e, struct err *err);

/* The port listener i of a standalone solver is bound to (useful after "ADDR:0"); -1 if none. */
int solver_standalone_port(const struct solver *s, size_t i);

/*
 * dns-01 through a DNS provider (dns/provider.h). present() works out the
 * record name "_acme-challenge.<ident>." and follows a CNAME chain from there
 * (the record is then published and checked at the chain's end); a wildcard
 * and its base name share the name and get two values side by side.
 * wait_ready() publishes every queued record in one provider add() batch,
 * then waits until every authoritative server of each record's zone serves
 * it (dns/propagation.h) unless skip_propagation. With rounds, that add()
 * and that wait are shared with the other orders of the round; a round that
 * fails is finished alone, for this order's records only. cleanup() marks
 * that challenge's value; the cleanup() of the last value still published
 * removes them all in one provider call (exactly those values; with rounds,
 * in the removal round of the orders it was published with); free()
 * removes whatever is still published. A provider failing halfway through
 * add() gets back what it did add.
 *
 * With state_dir, a crash journal (dns/journal.h) lists the published
 * records from just before add() until their cleanup;
 * solver_dns_recover() removes what a run that died left behind.
 */
struct dns_provider;

struct solver_dns_opts {
    struct dns_provider *provider;  /* borrowed; must outlive the solver */
    const char *resolver;           /* "ADDR[:PORT]" for lookups; NULL: /etc/resolv.conf */
    long propagation_timeout_s;     /* 0: 120 s */
    bool skip_propagation;          /* publish, then go on without asking the name servers */
    const char *state_dir;          /* an existing directory for the crash journal; NULL: none */
    volatile sig_atomic_t *cancel;  /* non-zero (SIGINT/SIGTERM) aborts the propagation wait; may be NULL */
    const struct logger *log;       /* borrowed, may be NULL */
    bool owns_provider;             /* the solver frees the provider (solver_new's "dns" does) */
    /* A batch's rounds (dns/round.h), or NULL: publish alone. round_key names the
     * provider and its settings: solvers with equal keys publish together. */
    struct dns_rounds *rounds;
    const char *round_key;
};

/* CP_EUSAGE when provider is NULL or the resolver is not "ADDR[:PORT]". */
struct solver *solver_dns_new(const struct solver_dns_opts *opts, struct err *err);

/* Remove the records listed in opts->state_dir's journals written for a
 * provider of opts->provider's name by processes no longer running, and the
 * journals with them. *removed (may be NULL) counts the records removed. */
int solver_dns_recover(const struct solver_dns_opts *opts, size_t *removed, struct err *err) CP_WUR;

#endif
