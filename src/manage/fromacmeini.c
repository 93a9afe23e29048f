/*
 * manage/fromacmeini — `certpilot run --acme-ini FILE` (or `issue
 * --acme-ini`): the seed articles' acme.ini, read as it is, turned into one
 * issue request (manage/fromacmeini.h says what becomes of each key).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/acmeini.h"
#include "manage/fromacmeini.h"
#include "util/str.h"

/* A path of the file, made absolute against the current directory. */
static char *absolute(const char *path)
{
    char cwd[PATH_MAX];

    if (path[0] == '/')
        return strdup(path);
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return NULL;
    return str_printf("%s/%s", cwd, path);
}

/* An account name from the section name: its letters, digits, '.', '_' and '-'. */
static void section_account(const char *section, char *out, size_t len)
{
    size_t n = 0;

    for (const char *p = section; *p && n + 1 < len; p++)
        out[n++] = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-", *p) ? *p : '_';
    out[n] = '\0';
    if (n == 0 || out[0] == '.' || out[0] == '-')
        snprintf(out, len, "acme-ini");
}

static int load(const char *path, const char *section, struct manage_acmeini_req *out, struct err *err)
{
    int rc = acmeini_load(path, section, &out->ini, err);

    if (rc == CP_ENOTFOUND && err != NULL)
        err->code = CP_EUSAGE;  /* a file named on the command line that is not there: usage */
    return rc == CP_ENOTFOUND ? CP_EUSAGE : rc;
}

int manage_request_from_acmeini(const char *path, const char *section, const char *account, bool agree_tos,
                                struct manage_acmeini_req *out, struct err *err)
{
    const struct acmeini *ini;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = load(path, section, out, err)) != CP_OK)
        return rc;
    ini = out->ini;
    if ((out->csr = absolute(ini->csr.value)) == NULL || (out->key = absolute(ini->account_key.value)) == NULL ||
        (out->chain = absolute(ini->chain.value)) == NULL)
        return err_nomem(err);
    if (ini->user_agent.value != NULL &&
        (out->user_agent = str_printf("%s certpilot/%s", ini->user_agent.value, cp_version())) == NULL)
        return err_nomem(err);
    out->server = ini->directory.value;
    out->accept_language = ini->language.value;
    out->chain_settings[0] = (struct kv){"fullchain", out->chain};
    out->chain_target = (struct manage_target){.type = "files", .settings = {out->chain_settings, 1}};
    for (size_t i = 0; i < ini->contacts.n && i < MANAGE_MAX_CONTACTS; i++)
        out->contacts[i] = ini->contacts.items[i].value;
    section_account(ini->section.value, out->account, sizeof(out->account));
    out->create = (struct manage_account_new){.name = account ? account : out->account, .emails = out->contacts,
                                              .nemails = ini->contacts.n < MANAGE_MAX_CONTACTS ? ini->contacts.n
                                                                                               : MANAGE_MAX_CONTACTS,
                                              .agree_tos = agree_tos, .key_file = out->key};
    return CP_OK;
}

void manage_acmeini_req_free(struct manage_acmeini_req *r)
{
    acmeini_free(r->ini);
    free(r->csr);
    free(r->key);
    free(r->chain);
    free(r->user_agent);
    memset(r, 0, sizeof(*r));
}
