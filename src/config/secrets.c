/*
 * config/secrets — which settings of a parsed certpilot.ini are secrets, and
 * whether the file's mode keeps them from group and others.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config/config.h"

static bool contains_any(const char *s, const char *const *words)
{
    char low[256];
    size_t i;

    for (i = 0; s[i] != '\0' && i + 1 < sizeof(low); i++)
        low[i] = (char)tolower((unsigned char)s[i]);
    low[i] = '\0';
    for (i = 0; words[i] != NULL; i++)
        if (strstr(low, words[i]) != NULL)
            return true;
    return false;
}

/* Provider keys are the provider's business, so judge by the name: anything
 * called a secret, password, token or *key is treated as one. */
bool config_secret_key(const char *key)
{
    static const char *const words[] = {"secret", "password", "passwd", "token", "private",
                                        NULL};
    size_t n = strlen(key);

    return contains_any(key, words) || (n >= 3 && strcasecmp(key + n - 3, "key") == 0);
}

/* A deploy spec is opaque here, but one may carry a PKCS#12 password. */
bool config_secret_deploy(const char *spec)
{
    static const char *const words[] = {"pass=", "password=", "passwd=", "passphrase=",
                                        "secret=", "token=", NULL};

    return contains_any(spec, words);
}

/* The first secret in cfg: its key, section and line; false when there is none. */
static bool find_secret(const struct config *cfg, const char **key, const char **kind,
                        const char **sect, int *line)
{
    for (size_t i = 0; i < cfg->nproviders; i++)
        for (size_t j = 0; j < cfg->providers[i].n; j++)
            if (config_secret_key(cfg->providers[i].items[j].key)) {
                *key = cfg->providers[i].items[j].key;
                *kind = "dns";
                *sect = cfg->providers[i].name.value;
                *line = cfg->providers[i].items[j].line;
                return true;
            }
    for (size_t i = 0; i < cfg->ncerts; i++)
        for (size_t j = 0; j < cfg->certs[i].deploy.n; j++)
            if (config_secret_deploy(cfg->certs[i].deploy.items[j].value)) {
                *key = "deploy";
                *kind = "cert";
                *sect = cfg->certs[i].name.value;
                *line = cfg->certs[i].deploy.items[j].line;
                return true;
            }
    return false;
}

int config_check_mode(const struct config *cfg, mode_t mode, struct err *err)
{
    const char *key = NULL, *kind = NULL, *sect = NULL;
    int line = 0;

    if ((mode & (S_IRGRP | S_IROTH)) == 0 || !find_secret(cfg, &key, &kind, &sect, &line))
        return CP_OK;
    return err_set(err, CP_EUSAGE,
                   "%s holds a secret (%s in [%s:%s], line %d) but group or others may read it "
                   "(mode %03o); run: chmod 600 %s",
                   cfg->path, key, kind, sect, line, (unsigned)(mode & 0777), cfg->path);
}
