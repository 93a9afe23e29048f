/*
 * config/acmeini — the acme.ini of the seed articles (a well-known Python
 * ACME example for Alibaba Cloud users), read as it is written:
 *
 *   [acme-neoprime]
 *   UserAgent = NeoPrime            User-Agent prefix
 *   AccountKeyFile = account.key    an existing RSA or EC account key, used as is
 *   CSRFile = example.com.csr       issue for this CSR's names and key
 *   ChainFile = example.com.crt     where the full chain goes
 *   ACMEDirectory = https://...     the CA's directory URL
 *   Contacts = mailto:a@example.com;mailto:b@example.com
 *   Language = en                   Accept-Language
 *
 * As Python's configparser reads it: key names in any case, "=" or ":",
 * whole-line comments. File names are kept as written; the Python script
 * opens them relative to the current directory. Everything is checked
 * locally, so a malformed contact is named before any request is sent.
 */
#ifndef CP_CONFIG_ACMEINI_H
#define CP_CONFIG_ACMEINI_H

#include <stddef.h>

#include "config/config.h"
#include "crypto/csrread.h"
#include "util/err.h"

struct acmeini {
    char *path;
    struct cfg_str section;      /* the section read; line = its header */
    struct cfg_str user_agent;   /* UserAgent (optional) */
    struct cfg_str account_key;  /* AccountKeyFile */
    struct cfg_str csr;          /* CSRFile */
    struct cfg_str chain;        /* ChainFile */
    struct cfg_str directory;    /* ACMEDirectory */
    struct cfg_list contacts;    /* Contacts (optional), each "mailto:ADDRESS" as written */
    struct cfg_str language;     /* Language (optional) */
};

/* Read the section called section (NULL: the file's only section) of the file
 * at path. CP_EUSAGE "<path>:<line>: ..." for anything malformed or missing,
 * CP_ENOTFOUND when the file or the section does not exist. *out: acmeini_free. */
int acmeini_load(const char *path, const char *section, struct acmeini **out,
                 struct err *err) CP_WUR;

/* The same from memory; path only names the text in messages. */
int acmeini_parse(const char *text, size_t len, const char *path, const char *section,
                  struct acmeini **out, struct err *err) CP_WUR;

void acmeini_free(struct acmeini *a);

/* Read a private key file that must be the owner's alone: CP_EUSAGE
 * "<what> FILE can be read by group or others (mode 644); run: chmod 600 FILE".
 * *pem is malloc'd: free it with secret_free(*pem, *len). */
int acmeini_read_key(const char *path, const char *what, char **pem, size_t *len,
                     struct err *err) CP_WUR;

/* Read the CSR file at path and its names (crypto/csrread.h). */
int acmeini_read_csr(const char *path, struct csr_info *out, struct err *err) CP_WUR;

#endif
