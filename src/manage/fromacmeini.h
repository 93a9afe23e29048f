/*
 * manage/fromacmeini — the seed articles' acme.ini (config/acmeini.h) as one
 * issue request, the twin of manage/fromconfig.c for certpilot.ini.
 */
#ifndef CP_MANAGE_FROMACMEINI_H
#define CP_MANAGE_FROMACMEINI_H

#include "manage/manage.h"

struct acmeini;

/* What an acme.ini says, owned until the issue is done (manage_acmeini_req_free). Its
 * account key is used as it is (its account found, or created with its contacts), its CSR
 * names the certificate and keeps the key, the full chain goes to its ChainFile: a files
 * target made as data (fullchain=PATH), never a spec pasted together and parsed, so a
 * ",reload=..." in the path cannot add a command. Paths are made absolute against the
 * current directory (the seed script opens them from there) so renewals find them. */
struct manage_acmeini_req {
    struct acmeini *ini;
    char *csr, *key, *chain;
    char *user_agent;             /* UserAgent as "<it> certpilot/VERSION", or NULL */
    const char *server;           /* ACMEDirectory (borrowed from ini), or NULL */
    const char *accept_language;  /* Language, or NULL */
    struct kv chain_settings[1];
    struct manage_target chain_target;  /* the ChainFile as a files target */
    const char *contacts[MANAGE_MAX_CONTACTS];
    char account[64];             /* the account name: the section's letters, digits, '.', '_', '-' */
    struct manage_account_new create;  /* its key file and contacts, create.name the account */
};

/* Read section (NULL: the first) of acme.ini file path. A file that is not there is CP_EUSAGE
 * (it was named by the user); account (may be NULL) overrides the section's account name;
 * agree_tos goes into create. out is zeroed first. */
int manage_request_from_acmeini(const char *path, const char *section, const char *account, bool agree_tos,
                                struct manage_acmeini_req *out, struct err *err) CP_WUR;
void manage_acmeini_req_free(struct manage_acmeini_req *r);

#endif
