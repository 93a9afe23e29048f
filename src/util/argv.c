#include "util/argv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/str.h"

struct words {
    char **v;
    size_t n;
};

static int words_push(struct words *w, struct buf *word)
{
    char **nv = realloc(w->v, (w->n + 2) * sizeof(char *));
    char *s = word->data ? buf_steal(word) : strdup("");

    if (nv != NULL)
        w->v = nv;
    if (nv == NULL || s == NULL) {
        free(s);
        return CP_ENOMEM;
    }
    w->v[w->n++] = s;
    w->v[w->n] = NULL;
    return CP_OK;
}

/* One word starting at *p (not blank); advances *p past it. */
static int lex_word(const char **p, struct buf *word, const char *what, struct err *err)
{
    const char *s = *p;
    char quote = 0;

    for (; *s != '\0' && (quote || (*s != ' ' && *s != '\t')); s++) {
        char c = *s;
        if (quote == 0 && (c == '\'' || c == '"')) {
            quote = c;
            if (buf_append(word, "", 0) != CP_OK)  /* "" is a word of its own */
                return err_nomem(err);
            continue;
        }
        if (quote == c) {
            quote = 0;
            continue;
        }
        if (c == '\\' && quote != '\'' && (quote == 0 || s[1] == '"' || s[1] == '\\')) {
            if (*++s == '\0')
                return err_set(err, CP_EUSAGE, "%s: the command ends with a backslash", what);
            c = *s;
        }
        if (buf_append(word, &c, 1) != CP_OK)
            return err_nomem(err);
    }
    if (quote != 0)
        return err_set(err, CP_EUSAGE, "%s: unclosed %c in the command", what, quote);
    *p = s;
    return CP_OK;
}

int argv_split(const char *line, char ***out, const char *what, struct err *err)
{
    struct words w = {NULL, 0};
    struct buf word = BUF_INIT;
    const char *p = line;
    int rc = CP_OK;

    *out = NULL;
    while (rc == CP_OK) {
        p += strspn(p, " \t");
        if (*p == '\0')
            break;
        rc = lex_word(&p, &word, what, err);
        if (rc == CP_OK && words_push(&w, &word) != CP_OK)
            rc = err_nomem(err);
        buf_free(&word);
    }
    if (rc == CP_OK && w.n == 0)
        rc = err_set(err, CP_EUSAGE, "%s: the command is empty", what);
    if (rc != CP_OK) {
        argv_free(w.v);
        return rc;
    }
    *out = w.v;
    return CP_OK;
}

void argv_free(char **argv)
{
    for (size_t i = 0; argv != NULL && argv[i] != NULL; i++)
        free(argv[i]);
    free(argv);
}

static bool executable_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The first dir/prog in PATH that is an executable file, malloc'd, or NULL. */
static char *search_path(const char *prog)
{
    const char *path = getenv("PATH");
    char *copy = strdup(path != NULL && *path != '\0' ? path : "/usr/bin:/bin"), *save = NULL;
    char *found = NULL;

    for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d != NULL && found == NULL;
         d = strtok_r(NULL, ":", &save)) {
        char *cand = str_printf("%s/%s", *d ? d : ".", prog);
        if (cand != NULL && executable_file(cand))
            found = cand;
        else
            free(cand);
    }
    free(copy);
    return found;
}

int argv_find_program(const char *prog, char **out, const char *what, struct err *err)
{
    *out = NULL;
    if (strchr(prog, '/') == NULL) {
        *out = search_path(prog);
        if (*out == NULL)
            return err_set(err, CP_ENOTFOUND, "%s: program \"%s\" is not in PATH", what, prog);
        return CP_OK;
    }
    if (!executable_file(prog))
        return err_set(err, CP_ENOTFOUND, "%s: %s is not an executable file", what, prog);
    *out = strdup(prog);
    return *out ? CP_OK : err_nomem(err);
}
