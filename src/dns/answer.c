/*
 * dns/answer — reading records of an answer: presentation text of the first
 * field, and TXT character-strings.
 */
#include "dns/answer.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int dns_answer_text(const ldns_rr *rr, char **out)
{
    char *s;

    *out = NULL;
    if (rr == NULL || ldns_rr_rd_count(rr) == 0 || ldns_rr_rdf(rr, 0) == NULL)
        return CP_EPROTO;
    if ((s = ldns_rdf2str(ldns_rr_rdf(rr, 0))) == NULL)
        return CP_ENOMEM;
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    *out = s;
    return CP_OK;
}

int dns_answer_txt(const ldns_rr *rr, char **out)
{
    size_t len = 0, at = 0, count = rr ? ldns_rr_rd_count(rr) : 0;
    char *s;

    *out = NULL;
    for (size_t i = 0; i < count; i++)
        len += ldns_rdf_size(ldns_rr_rdf(rr, i));
    if ((s = malloc(len + 1)) == NULL)
        return CP_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *d = ldns_rdf_data(ldns_rr_rdf(rr, i));
        size_t n = ldns_rdf_size(ldns_rr_rdf(rr, i));
        /* a character-string is a length octet and that many octets */
        if (n > 0 && d[0] < n) {
            memcpy(s + at, d + 1, d[0]);
            at += d[0];
        }
    }
    s[at] = '\0';
    *out = s;
    return CP_OK;
}
