/*
 * manage/names — identifiers and certificate names, checked before anything
 * touches the network, so a name that could not be stored never gets a
 * certificate ordered for it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "manage/manage.h"
#include "util/str.h"

/* RFC 1035 §2.3.1 labels (letters, digits, hyphen; 1-63 octets). */
static bool valid_label(const char *s, size_t len)
{
    if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return false;
    return true;
}

int manage_name_normalise(const char *in, char **out, struct err *err)
{
    const char *host = str_has_prefix(in, "*.") ? in + 2 : in;
    size_t n = strlen(host);
    const char *p = host, *dot = NULL;

    *out = NULL;
    if (n == 0 || n > 253 || host[n - 1] == '.' || strchr(host, '.') == NULL)
        return err_set(err, CP_EUSAGE, "name \"%s\": not a fully qualified domain name", in);
    for (;; p = dot + 1) {
        size_t len;
        dot = strchr(p, '.');
        len = dot ? (size_t)(dot - p) : strlen(p);
        if (!valid_label(p, len))
            return err_set(err, CP_EUSAGE, "name \"%s\": label \"%.*s\" is not a valid DNS label",
                           in, (int)(len > 63 ? 63 : len), p);
        if (dot == NULL)
            break;
    }
    if ((*out = strdup(in)) == NULL)
        return err_nomem(err);
    for (char *c = *out; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return CP_OK;
}

int manage_cert_name(const struct manage_cert_req *req, char **out, struct err *err)
{
    const char *first = req->nnames > 0 ? req->names[0] : NULL;

    *out = NULL;
    if (req->cert_name != NULL)
        *out = strdup(req->cert_name);
    else if (first != NULL && str_has_prefix(first, "*."))
        *out = str_printf("_.%s", first + 2);
    else if (first != NULL)
        *out = strdup(first);
    else
        return err_set(err, CP_EUSAGE, "a certificate needs at least one name");
    if (*out == NULL)
        return err_nomem(err);
    for (char *c = *out; req->cert_name == NULL && *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (!store_name_valid(*out)) {
        err_set(err, CP_EUSAGE, "certificate name \"%.64s%s\" is not valid (1-200 letters, digits, '.', "
                "'_', '-'; not starting with '.' or '-')", *out, strlen(*out) > 64 ? "..." : "");
        str_free(out);
        return CP_EUSAGE;
    }
    return CP_OK;
}
