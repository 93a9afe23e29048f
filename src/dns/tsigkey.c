/*
 * dns/tsigkey — the BIND key file format that tsig-keygen and
 * `rndc-confgen -a` write:
 *     key "name" { algorithm hmac-sha256; secret "base64"; };
 * with #, // and C comments. Only the first key clause is read. No token of
 * the file reaches a message (any of them may be a misplaced secret): errors
 * name the line and what was expected there.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/resolve.h"
#include "dns/rfc2136.h"
#include "util/fsio.h"
#include "util/str.h"

#define KEY_FILE_MAX (64 * 1024)

struct lex {
    const char *p;
    int line;
    char tok[1024];
};

static void skip_space(struct lex *l)
{
    for (;;) {
        while (isspace((unsigned char)*l->p))
            l->line += *l->p++ == '\n';
        if (*l->p == '#' || (l->p[0] == '/' && l->p[1] == '/')) {
            while (*l->p && *l->p != '\n')
                l->p++;
        } else if (l->p[0] == '/' && l->p[1] == '*') {
            for (l->p += 2; *l->p && !(l->p[0] == '*' && l->p[1] == '/'); l->p++)
                l->line += *l->p == '\n';
            l->p += *l->p ? 2 : 0;
        } else {
            return;
        }
    }
}

/* The next token into l->tok: a punctuation character, a quoted string
 * (without its quotes) or a word. false at the end of the text or when a
 * token is unterminated or too long. */
static bool lex_next(struct lex *l)
{
    size_t n = 0;
    bool quoted;

    skip_space(l);
    if (*l->p == '\0')
        return false;
    if (strchr("{};", *l->p)) {
        l->tok[0] = *l->p++;
        l->tok[1] = '\0';
        return true;
    }
    quoted = *l->p == '"';
    l->p += quoted;
    while (*l->p && (quoted ? *l->p != '"' : !isspace((unsigned char)*l->p) && !strchr("{};\"", *l->p))) {
        if (n + 1 >= sizeof(l->tok) || *l->p == '\n')
            return false;
        l->tok[n++] = *l->p++;
    }
    if (quoted && *l->p++ != '"')
        return false;
    l->tok[n] = '\0';
    return true;
}

static int expect(struct lex *l, const char *what, const char *path, struct err *err)
{
    if (!lex_next(l))
        return err_set(err, CP_EINVALID, "key file %s: line %d: unexpected end of file", path, l->line);
    if (strcmp(l->tok, what) != 0)
        return err_set(err, CP_EINVALID, "key file %s: line %d: expected \"%s\"", path, l->line, what);
    return CP_OK;
}

/* RFC 8945 §6: the algorithm is a domain name; we sign with the SHA-2 HMACs only. */
static int set_alg(struct tsig_key *k, const char *alg, const char *path, int line, struct err *err)
{
    static const char *const known[] = {"hmac-sha256", "hmac-sha512"};
    size_t len = strlen(alg) - (alg[0] && alg[strlen(alg) - 1] == '.');

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (len == strlen(known[i]) && strncasecmp(alg, known[i], len) == 0)
            return (k->alg = str_printf("%s.", known[i])) ? CP_OK : err_nomem(err);
    /* the value is not shown: a secret pasted in the wrong place would be */
    return err_set(err, CP_EINVALID, "key file %s: line %d: unsupported algorithm (hmac-sha256 or hmac-sha512)",
                   path, line);
}

static bool is_base64(const char *s)
{
    size_t n = strlen(s), pad = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=')
            pad++;
        else if (pad > 0 || !(isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '/'))
            return false;
    }
    return n >= 4 && n % 4 == 0 && pad <= 2;
}

static int clause_item(struct lex *l, struct tsig_key *k, const char *path, struct err *err)
{
    bool is_alg = strcmp(l->tok, "algorithm") == 0;
    const char *word = is_alg ? "algorithm" : "secret";
    int rc;

    /* no token of the file is ever shown: it may be the secret */
    if (!is_alg && strcmp(l->tok, "secret") != 0)
        return err_set(err, CP_EINVALID, "key file %s: line %d: expected \"algorithm\", \"secret\" or \"}\"",
                       path, l->line);
    if (!lex_next(l) || strchr("{};", l->tok[0]))
        return err_set(err, CP_EINVALID, "key file %s: line %d: %s without a value", path, l->line, word);
    if (is_alg) {
        free(k->alg);
        k->alg = NULL;
        rc = set_alg(k, l->tok, path, l->line, err);
    } else {
        secret_free(k->secret, k->secret ? strlen(k->secret) : 0);
        rc = (k->secret = strdup(l->tok)) ? CP_OK : err_nomem(err);
    }
    return rc == CP_OK ? expect(l, ";", path, err) : rc;
}

static int parse_clause(struct lex *l, struct tsig_key *k, const char *path, struct err *err)
{
    int rc;

    if (!lex_next(l))
        return err_set(err, CP_EINVALID, "key file %s: no key clause", path);
    if (strcmp(l->tok, "key") != 0)
        return err_set(err, CP_EINVALID, "key file %s: line %d: expected \"key\"", path, l->line);
    if (!lex_next(l) || (k->name = dns_name_fqdn(l->tok)) == NULL)
        return err_set(err, CP_EINVALID, "key file %s: line %d: bad key name", path, l->line);
    if ((rc = expect(l, "{", path, err)) != CP_OK)
        return rc;
    for (;;) {
        if (!lex_next(l))
            return err_set(err, CP_EINVALID, "key file %s: line %d: unexpected end of file", path, l->line);
        if (strcmp(l->tok, "}") == 0)
            return CP_OK;
        if ((rc = clause_item(l, k, path, err)) != CP_OK)
            return rc;
    }
}

int dns_tsig_key_parse(const char *text, const char *path, struct tsig_key *k, struct err *err)
{
    struct lex l = {text, 1, ""};
    int rc;

    *k = (struct tsig_key){NULL, NULL, NULL};
    rc = parse_clause(&l, k, path, err);
    if (rc == CP_OK && k->alg == NULL)
        rc = err_set(err, CP_EINVALID, "key file %s: key \"%s\" has no algorithm", path, k->name);
    else if (rc == CP_OK && k->secret == NULL)
        rc = err_set(err, CP_EINVALID, "key file %s: key \"%s\" has no secret", path, k->name);
    else if (rc == CP_OK && !is_base64(k->secret))
        rc = err_set(err, CP_EINVALID, "key file %s: key \"%s\": the secret is not base64", path, k->name);
    explicit_bzero(l.tok, sizeof(l.tok));
    if (rc != CP_OK)
        dns_tsig_key_clear(k);
    return rc;
}

int dns_tsig_key_load(const char *path, struct tsig_key *k, struct err *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = fs_read(path, KEY_FILE_MAX, &text, &len, err);

    *k = (struct tsig_key){NULL, NULL, NULL};
    if (rc != CP_OK) {
        err_prefix(err, "key file: ");
        return rc;
    }
    rc = dns_tsig_key_parse(text, path, k, err);
    secret_free(text, len);
    return rc;
}

void dns_tsig_key_clear(struct tsig_key *k)
{
    if (k == NULL)
        return;
    free(k->name);
    free(k->alg);
    secret_free(k->secret, k->secret ? strlen(k->secret) : 0);
    *k = (struct tsig_key){NULL, NULL, NULL};
}
