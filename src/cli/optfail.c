/*
 * cli/optfail — getopt_long's '?' and ':' in words: an option that is not
 * there (with the nearest one of the command's own table, as the config file
 * suggests keys), one that needs a value (named as the usage text names it)
 * and one that takes none.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/kv.h"

#define MAX_OPTS 64

static const struct option *by_val(const struct option *opts, int val)
{
    for (size_t i = 0; opts[i].name != NULL; i++)
        if (opts[i].val == val)
            return &opts[i];
    return NULL;
}

/* The word after "--name " in a usage text when it is a metavariable (DIR, ADDR:PORT), into out. */
static bool metavar_in(const char *usage, const char *name, char *out, size_t len)
{
    char needle[72];
    size_t n;

    snprintf(needle, sizeof(needle), "--%s ", name);
    for (const char *p = strstr(usage, needle); p != NULL; p = strstr(p + 1, needle)) {
        p += strlen(needle);
        n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:=[].");
        /* "[--to TARGET]...": the brackets and dots around it are not part of it */
        while (n > 0 && (p[n - 1] == '.' || (p[n - 1] == ']' && memchr(p, '[', n) == NULL)))
            n--;
        if (n > 0 && n < len && isupper((unsigned char)*p)) {
            memcpy(out, p, n);
            out[n] = '\0';
            return true;
        }
    }
    return false;
}

bool cli_metavar(const char *usage, const char *name, char *out, size_t len)
{
    return metavar_in(usage, name, out, len) || metavar_in(cli_usage(), name, out, len);
}

/* The flag as typed (-d, or --webroot for an abbreviation too), the metavariable of its long name. */
static int needs_value(const char *cmd, bool is_long, const struct option *o, const char *usage, struct err *err)
{
    char flag[72], mv[32];
    const char *sep = *cmd ? ": " : "";

    if (is_long && o != NULL)
        snprintf(flag, sizeof(flag), "--%s", o->name);
    else
        snprintf(flag, sizeof(flag), "-%c", optopt);
    if (o != NULL && cli_metavar(usage, o->name, mv, sizeof(mv)))
        return err_set(err, CP_EUSAGE, "%s%soption %s needs a value (%s)", cmd, sep, flag, mv);
    return err_set(err, CP_EUSAGE, "%s%soption %s needs a value", cmd, sep, flag);
}

/* How many long names start with the word given: getopt takes a unique prefix. */
static size_t prefixed(const struct option *opts, const char *word, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; opts[i].name != NULL; i++)
        k += strncmp(opts[i].name, word, n) == 0;
    return k;
}

static int unknown_long(const char *cmd, const char *arg, const struct option *opts, struct err *err)
{
    const char *names[MAX_OPTS + 1], *near;
    char word[64];
    size_t n = strcspn(arg, "="), k = 0;
    const char *sep = *cmd ? ": " : "", *help = *cmd ? " " : "";

    snprintf(word, sizeof(word), "%.*s", (int)(n < sizeof(word) ? n : sizeof(word) - 1), arg);
    for (size_t i = 0; opts[i].name != NULL && k < MAX_OPTS; i++)
        names[k++] = opts[i].name;
    names[k] = NULL;
    if (prefixed(opts, word, strlen(word)) > 1)
        return err_set(err, CP_EUSAGE, "%s%soption --%s is ambiguous (see certpilot%s%s --help)", cmd, sep, word,
                       help, cmd);
    if ((near = kv_nearest(word, names)) != NULL)
        return err_set(err, CP_EUSAGE, "%s%soption --%s is unknown (did you mean --%s?)", cmd, sep, word, near);
    return err_set(err, CP_EUSAGE, "%s%soption --%s is unknown (see certpilot%s%s --help)", cmd, sep, word, help,
                   cmd);
}

int cli_option_error(const char *cmd, int opt, char **argv, const struct option *opts, const char *usage,
                     struct err *err)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    bool is_long = strncmp(arg, "--", 2) == 0;
    const char *sep = *cmd ? ": " : "", *help = *cmd ? " " : "";

    if (opt == ':')
        return needs_value(cmd, is_long, by_val(opts, optopt), usage, err);
    if (is_long && optopt != 0 && by_val(opts, optopt) != NULL)
        return err_set(err, CP_EUSAGE, "%s%soption --%s takes no value", cmd, sep, by_val(opts, optopt)->name);
    if (is_long)
        return unknown_long(cmd, arg + 2, opts, err);
    return err_set(err, CP_EUSAGE, "%s%soption -%c is unknown (see certpilot%s%s --help)", cmd, sep, optopt,
                   help, cmd);
}
