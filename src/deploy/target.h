/*
 * deploy/target — install targets behind one interface: put one stored
 * certificate version where a server uses it (files + reload command, a
 * PKCS#12 file for IIS, an exec hook; Alibaba Cloud CDN, API Gateway and
 * the certificate service).
 *
 * Adding a target is one new file: it defines a `const struct deploy_type`
 * (name, constructor, the settings its compact form fills) and adds one
 * line to the table in deploy/registry.c.
 *
 * A target is built once from its settings (every setting is checked
 * then: unknown keys, bad values, missing paths), and run() installs one
 * certificate version. run() reports whether anything changed, so a
 * caller can tell "installed" from "already there"; a target that
 * restarts a service does so only when something it wrote changed.
 * Targets share no state: different targets may run in different threads,
 * one target in one thread at a time.
 */
#ifndef CP_DEPLOY_TARGET_H
#define CP_DEPLOY_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "http/http.h"
#include "util/err.h"
#include "util/kv.h"
#include "util/log.h"

/*
 * A read-only view of one stored certificate version. Every pointer is
 * borrowed from the caller and outlives run(). The PEM texts are
 * NUL-terminated. key_pem is a secret: targets never log it, never put it
 * on a command line or in an error message.
 */
struct deploy_cert {
    const char *name;             /* the certificate's name in the store */
    const char *const *names;     /* its DNS names, in certificate order */
    size_t nnames;
    const char *serial_hex;       /* upper-case hex, no separators */
    time_t not_after;             /* UTC */
    const char *cert_pem;         /* the leaf */
    const char *chain_pem;        /* the issuer chain; may be "" */
    const char *fullchain_pem;    /* leaf followed by chain */
    const char *key_pem;          /* the private key (PKCS#8 PEM): secret */
    size_t key_len;
    /* Where this version's files are stored (for hooks that read them). */
    const char *cert_path, *chain_path, *fullchain_path, *key_path;
    /* Variables holding secrets of this certificate's targets (a pkcs12 target's password_env),
     * NULL-terminated, or NULL: no command a target runs inherits them. */
    const char *const *secret_env;
};

/* What every target constructor receives besides its settings. */
struct deploy_opts {
    const struct logger *log;  /* borrowed, may be NULL */
    const char *ca_bundle;     /* for targets that call an API over HTTPS; NULL: system store */
    /* The HTTP transport API targets send through (borrowed, outlives the
     * target; tests pass a scripted one); NULL: each makes its own libcurl one. */
    struct http_transport *http;
};

struct deploy_target {
    const char *type;  /* "files", "pkcs12", "exec", ... (static) */
    /* Install c. *changed is set to true when anything on the target
     * changed (a file's content, owner or mode; a hook ran; an upload).
     * On failure err holds one line naming the target and what failed;
     * what was installed before the failure stays installed. */
    int (*run)(struct deploy_target *t, const struct deploy_cert *c, bool *changed,
               struct err *err);
    void (*free)(struct deploy_target *t);
};

typedef struct deploy_target *(*deploy_ctor)(const struct kvlist *settings,
                                             const struct deploy_opts *opts, struct err *err);

/* One kind of target, as the registry and the compact-form parser know it. */
struct deploy_type {
    const char *name;          /* "files" */
    deploy_ctor make;          /* checks the settings; NULL with err on a bad one */
    const char *primary;       /* the setting a bare value of the compact form fills ("path"), or NULL */
    const char *const *flags;  /* boolean settings a bare word (or ":word") turns on; NULL-terminated */
    bool primary_repeats;      /* more bare values add more of the primary ("alicdn:a.com,b.com") */
};

/*
 * Build the target of type type from settings (borrowed: read during the
 * call only; the target copies what it keeps). NULL on failure with
 * CP_EUSAGE "<type>: ..." naming the bad setting, or "unknown deploy
 * target \"x\" (known: files, pkcs12, ...)". opts may be NULL.
 */
struct deploy_target *deploy_target_new(const char *type, const struct kvlist *settings,
                                        const struct deploy_opts *opts, struct err *err);

/* Run t on c; see struct deploy_target. *changed is false unless something changed. */
int deploy_target_run(struct deploy_target *t, const struct deploy_cert *c, bool *changed,
                      struct err *err) CP_WUR;

static inline void deploy_target_free(struct deploy_target *t)
{
    if (t != NULL)
        t->free(t);
}

/* The registered type called name, or NULL; the i-th type, or NULL past the last. */
const struct deploy_type *deploy_type_find(const char *name);
const struct deploy_type *deploy_type_at(size_t i);

/*
 * The compact form of a target, as one command-line argument or config value:
 *
 *   TYPE[:ITEM[,ITEM]...]
 *   ITEM = key=value         a setting
 *        | value             the type's primary setting (files: dir, pkcs12: path, exec: command;
 *                            alicdn, alidcdn, alilive, alivod, aliapigw: domain, repeatable;
 *                            alicas: name; aliclb: load_balancer; aliesa: site; alioss: bucket)
 *        | flag              a boolean setting of the type turned on ("legacy" -> legacy=yes)
 *
 * The primary value may carry flags after colons: "pkcs12:/srv/site.pfx:legacy".
 * A backslash makes the next character literal ("\," "\:" "\\" "\="), so
 * values may hold commas. Examples:
 *
 *   files:/etc/nginx/tls,reload=/usr/sbin/nginx -s reload
 *   files:fullchain=/etc/haproxy/site.crt,key=/etc/haproxy/site.key,mode=0640,group=haproxy
 *   pkcs12:/srv/iis/site.pfx:legacy,password_env=PFX_PASS
 *   exec:/usr/local/bin/on-deploy --quiet
 *   alicdn:cdn.example.com,img.example.com
 *   aliapigw:api.example.com,region=cn-hangzhou,group=0123abcd
 *   alicas:shop:delete_old
 *   aliclb:lb-bp1abc:delete_old,region=cn-hangzhou,port=443,domain=shop.example.com
 *
 * The form is parsed only here; the settings are checked by deploy_target_new.
 */
struct deploy_spec {
    char *type;
    struct kv *items;  /* owned: keys and values are malloc'd */
    size_t n;
    struct kvlist settings;  /* a view of items, for deploy_target_new */
};

/* Parse spec into out (zeroed or freed first). CP_EUSAGE names what is wrong. */
int deploy_spec_parse(const char *spec, struct deploy_spec *out, struct err *err) CP_WUR;
void deploy_spec_free(struct deploy_spec *s);

/* A target made as data by a program (type and settings, copied into out), never formatted
 * into the compact form and parsed back. CP_EUSAGE for an unknown type. */
int deploy_spec_from(const char *type, const struct kvlist *settings, struct deploy_spec *out,
                     struct err *err) CP_WUR;

/* The compact form of type and settings as key=value items, with "\\ , : =" in values escaped,
 * so it parses back to exactly these settings. For showing and matching a target made as data;
 * malloc'd, NULL without memory. */
char *deploy_spec_format(const char *type, const struct kvlist *settings);

/* Would a setting called key hold a secret itself (a password, a token, key material)? Names
 * of where a secret is kept (password_file, password_env, access_key_id) do not. A target
 * with one is never stored (meta.json is not secret). */
bool deploy_setting_secret(const char *key);

#endif
