/*
 * config/config — the configuration file /etc/certpilot/certpilot.ini, read
 * with inih into plain data: one global section, DNS provider settings and
 * one section per certificate. The caller maps the data onto its jobs; this
 * module knows key names, value syntax and where each value was written,
 * not what a value does. No global state: parse on any thread.
 *
 *   [certpilot]          global settings (server, ca, email, dns, jobs, ...)
 *   [dns:NAME]           free key = value pairs for the DNS provider NAME,
 *                        handed over as a kvlist; the provider checks the keys
 *   [cert:NAME]          one certificate: names, deploy targets, and overrides
 *                        of the global settings
 *
 * Errors are one line "<file>:<line>: <what>" with CP_EUSAGE (the CLI exits 2).
 * Values of [dns:NAME] sections may be secrets: they never appear in messages,
 * are wiped when freed, and a file holding one must not be readable by group
 * or others (config_load refuses it). The grammar is in certpilot.ini(5).
 */
#ifndef CP_CONFIG_CONFIG_H
#define CP_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"
#include "util/kv.h"

/* Every value keeps the line it was written on; line 0 means "not set". */
struct cfg_str {
    char *value;
    int line;
};

struct cfg_list {
    struct cfg_str *items;  /* in file order; a list key may repeat and each line may
                               hold several items separated by commas or blanks */
    size_t n;
};

struct cfg_num {
    long value;  /* durations in seconds */
    int line;
};

struct cfg_bool {
    bool value;
    int line;
};

/* The settings of [certpilot]; a [cert:NAME] section may override most of them
 * (the ones marked "global only" are refused there). */
struct config_settings {
    struct cfg_str server;           /* ACME directory URL (http:// or https://) */
    struct cfg_str ca;               /* "letsencrypt" or "letsencrypt-staging" */
    struct cfg_str ca_bundle;        /* file of CA certificates for TLS to the server */
    struct cfg_str root;             /* state directory (global only) */
    struct cfg_str account;          /* account name in the store */
    struct cfg_list email;           /* contact addresses, bare (no "mailto:") */
    struct cfg_bool agree_tos;       /* agree to the CA's terms: issue and renew create a missing
                                        account (global only) */
    struct cfg_str key_type;         /* ec256, ec384, rsa2048, rsa3072, rsa4096 (crypto/key.h) */
    struct cfg_str challenge;        /* "dns-01" or "http-01" */
    struct cfg_str dns;              /* DNS provider name */
    struct cfg_str dns_resolver;     /* "ADDR[:PORT]" */
    struct cfg_num propagation_timeout;   /* seconds */
    struct cfg_bool no_propagation_check;
    struct cfg_str hook;             /* exec hook program */
    struct cfg_str webroot;          /* http-01 webroot directory */
    struct cfg_str listen;           /* http-01 standalone "[ADDR:]PORT" */
    struct cfg_num timeout;          /* seconds for one order */
    struct cfg_num renew_before;     /* seconds before expiry a renewal is due */
    struct cfg_num jobs;             /* certificates worked on at once (global only) */
    struct cfg_str user_agent;       /* prefix of the User-Agent header */
    struct cfg_str profile;          /* ACME profile name */
    struct cfg_str preferred_chain;  /* issuer common name of the preferred chain */
    struct cfg_str pre_hook;         /* command run once before a run's first order (global only) */
    struct cfg_str post_hook;        /* command run once after a run that ordered (global only) */
};

struct config_cert {
    struct cfg_str name;       /* the NAME of [cert:NAME]; line = the header's line */
    struct cfg_list names;     /* DNS names ("names" or its alias "domains") */
    struct cfg_str csr;        /* issue for this CSR file instead (then no names) */
    struct cfg_bool reuse_key;
    struct cfg_list deploy;    /* deploy target specs, opaque here (see certpilot(1)) */
    struct config_settings set;  /* overrides; unset fields have line 0 */
};

struct config_kv {
    char *key;
    char *value;  /* may be a secret: wiped on free */
    int line;
};

struct config_provider {
    struct cfg_str name;     /* the NAME of [dns:NAME]; line = the header's line */
    struct config_kv *items;
    struct kv *view;         /* the same pairs as items, for config_provider_settings */
    size_t n;
};

struct config {
    char *path;
    int global_line;            /* line of [certpilot], 0 when the file has none */
    struct config_settings global;
    struct config_cert *certs;  /* in file order */
    size_t ncerts;
    struct config_provider *providers;
    size_t nproviders;
};

/* Read and check the file at path (at most 1 MiB). CP_ENOTFOUND when it does not
 * exist; CP_EUSAGE for any error in it, and when it holds a secret but is readable
 * by group or others. *out is the caller's (config_free). */
int config_load(const char *path, struct config **out, struct err *err) CP_WUR;

/* The same from memory; path only names the text in messages. No mode check. */
int config_parse(const char *text, size_t len, const char *path, struct config **out,
                 struct err *err) CP_WUR;

/* CP_EUSAGE when cfg holds a secret (a [dns:NAME] key naming a secret, password,
 * token or key, or a deploy target carrying one) and mode lets group or others read. */
int config_check_mode(const struct config *cfg, mode_t mode, struct err *err) CP_WUR;

/* Is a [dns:NAME] key a secret by its name (secret, password, token, private, *key)?
 * Does a deploy spec carry one (password=, secret=, token=, ...)? Whatever is
 * written to logs or to meta.json must leave such values out. */
bool config_secret_key(const char *key);
bool config_secret_deploy(const char *spec);

/* What was read, as INI text, for showing it: every section and set value in a
 * fixed order, durations in seconds, secret values replaced by "(hidden)".
 * *out is malloc'd. */
int config_format(const struct config *cfg, char **out, struct err *err) CP_WUR;

void config_free(struct config *cfg);

/* The certificate section NAME or the provider section NAME; NULL when absent. Borrowed. */
const struct config_cert *config_cert_find(const struct config *cfg, const char *name);
const struct config_provider *config_provider_find(const struct config *cfg, const char *name);

/* A provider's pairs as the kvlist dns_provider_new takes; borrows from p. */
struct kvlist config_provider_settings(const struct config_provider *p);

/* The settings that apply to c: each of its overrides, else the global value.
 * Two groups count as one choice each: server and ca (a certificate's ca hides
 * the global server and the other way round), and the ways to answer
 * challenges, dns, hook, webroot and listen (a certificate that sets one of them
 * hides all the global ones, and the global challenge too when its own way
 * cannot answer that type). *out borrows from cfg and c: do not free it, do not
 * keep it past config_free. */
void config_cert_settings(const struct config *cfg, const struct config_cert *c,
                          struct config_settings *out);

#endif
