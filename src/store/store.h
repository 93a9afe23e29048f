/*
 * store — certpilot's state on disk, behind one interface so a shared
 * backend can replace the filesystem later. Layout under the root:
 *
 *   accounts/<ca-id>/<account>/account.json    what the CA said (URL, contacts)
 *   accounts/<ca-id>/<account>/key.pem         account key, 0600, never overwritten (a key
 *                                              change renames key-new.pem over it, below)
 *   accounts/<ca-id>/<account>/key-new.pem     a key change in progress (RFC 8555 §7.3.5)
 *   accounts/<ca-id>/<account>/archive/<stamp>-key.pem   every key the account had, 0600
 *   certs/<name>/archive/<version>/            one directory per issued certificate:
 *       cert.pem chain.pem fullchain.pem privkey.pem (0600)
 *   certs/<name>/current -> archive/<version>  switched atomically (rename of a symlink)
 *   certs/<name>/{cert,chain,fullchain,privkey}.pem -> current/<same>
 *   certs/<name>/meta.json                     what renewal needs; never secrets
 *   locks/<name>.lock                          held while a certificate is being issued
 *   journal/<name>.json                        what a solver has presented for <name> (0600)
 *   deleted/<name>-<UTC time>/                 a deleted certificate's directory, whole
 *
 * Every directory is made 0700 and must be owned by the effective uid and not
 * writable by group or others; anything below the root is opened one name at
 * a time without following symlinks (a planted link is CP_EINVALID naming it).
 * The root itself may be a path through a symlink.
 * <ca-id> is "<host>_<port>" of the CA's directory URL. Names of
 * accounts and certificates are [A-Za-z0-9._-], 1 to 200 of them, not starting with '.' or '-'.
 */
#ifndef CP_STORE_STORE_H
#define CP_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "util/err.h"

struct store;

/* Open (creating it 0700 if missing) the state root. Free with store_free.
 * CP_EINVALID "state directory R is writable by group or others (chmod 700 R)"
 * or "... is owned by uid N, not by uid M that runs certpilot (chown M R)". */
int store_open(const char *root, struct store **out, struct err *err) CP_WUR;
void store_free(struct store *st);

/* The same for reading only: nothing is created, and a root that does not exist
 * is a store with nothing in it (every lookup CP_ENOTFOUND, every list empty). */
int store_open_read_only(const char *root, struct store **out, struct err *err) CP_WUR;

/* Is name usable as an account or certificate name? */
bool store_name_valid(const char *name);

/* --- accounts --- */

/* Path of an account's directory (caller frees). */
char *store_account_dir(const struct store *st, const char *ca_id, const char *account);

/* Load the account key PEM (free with secret_free(*pem, *len)) and account.json
 * (may be NULL when only the key exists). CP_ENOTFOUND when there is no key. */
int store_account_load(const struct store *st, const char *ca_id, const char *account,
                       char **pem, size_t *len, json_t **meta, struct err *err) CP_WUR;

/* Save a new account key (0600). CP_EEXIST when one is there already. */
int store_account_save_key(const struct store *st, const char *ca_id, const char *account,
                           const char *pem, size_t len, struct err *err) CP_WUR;

/* Save or replace account.json. */
int store_account_save_meta(const struct store *st, const char *ca_id, const char *account,
                            const json_t *meta, struct err *err) CP_WUR;

/* --- account key rollover: the new key is saved first as key-new.pem (0600,
 * never over anything), the CA is told, then store_account_key_promote copies
 * key.pem to archive/<stamp>-key.pem and renames key-new.pem over key.pem. --- */

/* CP_EEXIST when a key change is already pending. */
int store_account_pending_key_save(const struct store *st, const char *ca_id, const char *account,
                                   const char *pem, size_t len, struct err *err) CP_WUR;
/* CP_ENOTFOUND when none is pending; free with secret_free. */
int store_account_pending_key_load(const struct store *st, const char *ca_id, const char *account,
                                   char **pem, size_t *len, struct err *err) CP_WUR;
/* Forget a pending key the CA never accepted; none is fine. */
int store_account_pending_key_remove(const struct store *st, const char *ca_id, const char *account,
                                     struct err *err) CP_WUR;
/* Archive key.pem as archive/<stamp>-key.pem (<stamp>-<n>-key.pem when that
 * name is taken by another key), then make the pending key key.pem (one
 * rename). Repeatable after a crash: an identical archive copy is fine.
 * *archived (may be NULL; caller frees) gets the archive copy's path. */
int store_account_key_promote(const struct store *st, const char *ca_id, const char *account,
                              const char *stamp, char **archived, struct err *err) CP_WUR;

/* Every account directory, for every CA: (*ca_ids)[i], (*names)[i], sorted by
 * CA then name. Free both with store_names_free(…, *n). */
int store_account_list(const struct store *st, char ***ca_ids, char ***names, size_t *n,
                       struct err *err) CP_WUR;

/* --- certificates --- */

struct store_cert_files {
    const char *cert;       /* leaf PEM */
    const char *chain;      /* issuer chain PEM (may be "") */
    const char *privkey;    /* key PEM; NULL for a certificate issued for someone else's CSR */
    size_t privkey_len;
};

/*
 * Store a newly issued certificate as a new archive version named
 * version (e.g. "20261125T101500Z-<serial>") and make it current.
 * An existing version is never overwritten (CP_EEXIST). meta replaces
 * meta.json. Nothing is left behind when it fails before the switch (a full
 * disk, a read-only directory: the old version stays current and whole).
 * Call with the certificate's lock held: temp directories a killed run left
 * in archive/ (".new-*") are removed here, and temp files and links it left
 * in certs/<name>/ ("meta.json.tmp-*", "current.tmp-*"...) older than a minute.
 */
int store_cert_save(const struct store *st, const char *name, const char *version,
                    const struct store_cert_files *f, const json_t *meta, struct err *err) CP_WUR;

/* Path of a file of one stored version ("cert.pem", ...), for programs that
 * read it (deploy hooks); caller frees. */
char *store_cert_version_path(const struct store *st, const char *name, const char *version,
                              const char *file);

/* Path of a file in a certificate's directory ("cert.pem", "meta.json"...); caller frees. */
char *store_cert_path(const struct store *st, const char *name, const char *file);

/* Names of stored certificates, sorted; *names malloc'd array of malloc'd strings. */
int store_cert_list(const struct store *st, char ***names, size_t *n, struct err *err) CP_WUR;

/* The versions in a certificate's archive, sorted; never a temp directory. */
int store_cert_versions(const struct store *st, const char *name, char ***versions, size_t *n,
                        struct err *err) CP_WUR;

/*
 * Stop keeping certificate name, in one rename so it is never half gone: certs/<name>
 * moves whole (every version with its keys, current, meta.json) to
 * deleted/<name>-<stamp> (-2, -3... when taken), or with purge to a hidden name
 * that is then removed, keys included. Call with the certificate's lock held.
 * CP_ENOTFOUND when there is no such certificate. *kept (may be NULL; caller
 * frees) gets the archive's path; NULL after a purge.
 */
int store_cert_delete(const struct store *st, const char *name, const char *stamp, bool purge, char **kept,
                      struct err *err) CP_WUR;

/* The current version of a stored certificate, read back (the read side).
 * Every field is owned by the struct; free with store_cert_free. */
struct store_cert {
    char *version;     /* archive directory name of the current version */
    char *cert;        /* leaf PEM */
    char *chain;       /* issuer chain PEM (may be "") */
    char *fullchain;   /* leaf + chain PEM */
    char *privkey;     /* key PEM (a secret; wiped on free); NULL unless asked for */
    size_t privkey_len;
    json_t *meta;      /* meta.json, or NULL when there is none */
};

enum store_read_flags {
    STORE_READ_KEY = 1,           /* also read privkey.pem */
    STORE_READ_KEY_IF_ANY = 2,    /* read privkey.pem when the version has one (a CSR's has none) */
};

/* Read the current version of certificate name. CP_ENOTFOUND when there is
 * no such certificate (or no current version); CP_EINVALID when a file is
 * unreadable or meta.json is not JSON, naming the file. */
int store_cert_load(const struct store *st, const char *name, unsigned flags, struct store_cert *out,
                    struct err *err) CP_WUR;
void store_cert_free(struct store_cert *c);

/* Read only meta.json of certificate name (*meta NULL when it has none). */
int store_cert_load_meta(const struct store *st, const char *name, json_t **meta, struct err *err) CP_WUR;

/* Replace meta.json of an existing certificate (e.g. to record a deploy result).
 * Hold the certificate's lock (store_lock) across the read and this write, or a
 * change another process made in between is lost. */
int store_cert_save_meta(const struct store *st, const char *name, const json_t *meta,
                         struct err *err) CP_WUR;

/* The per-certificate lock: an opaque handle. */
struct store_lock;

/* Take the per-certificate lock without waiting; CP_EBUSY when another
 * process holds it. Release with store_unlock (accepts NULL). */
int store_lock(const struct store *st, const char *name, struct store_lock **out, struct err *err) CP_WUR;
void store_unlock(struct store_lock *lock);

void store_names_free(char **names, size_t n);

/* --- the journal: what a solver has presented for a certificate, so that the
 * run after a crash can take it away. One JSON value per certificate (e.g. an
 * array of {type, ident, token, auth}); it holds no secrets. --- */

/* Replace the journal of certificate name with j. */
/* A private directory (0700) journal/NAME under the root for a module's own
 * crash records (the dns-01 solver's), created when missing; *path is the
 * caller's. */
int store_private_dir(const struct store *st, const char *name, char **path, struct err *err) CP_WUR;

int store_journal_write(const struct store *st, const char *name, const json_t *j, struct err *err) CP_WUR;

/* Read it; *j NULL when there is none. */
int store_journal_read(const struct store *st, const char *name, json_t **j, struct err *err) CP_WUR;

/* Remove it; no journal is fine. */
int store_journal_remove(const struct store *st, const char *name, struct err *err) CP_WUR;

#endif
