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

/* The TSIG records ldns_wire2pkt will meet: the walk goes as ldns 1.8.3
 * does (wire2host.c, whose additional-section loop shortens itself by one
 * at each TSIG record) and with ldns's own record reader, so it sees exactly
 * the records ldns_wire2pkt reads; where the reader fails, ldns_wire2pkt
 * fails at the same record and frees everything it made before it. */
static size_t count_tsig(const uint8_t *wire, size_t len)
{
    static const ldns_pkt_section secs[] = {LDNS_SECTION_QUESTION, LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY,
                                            LDNS_SECTION_ADDITIONAL};
    size_t pos = LDNS_HEADER_SIZE, ntsig = 0;
    ldns_rr *rr = NULL;

    for (size_t s = 0; len >= LDNS_HEADER_SIZE && s < 4; s++) {
        uint16_t n = ldns_read_uint16(wire + LDNS_QDCOUNT_OFF + 2 * s);  /* QD, AN, NS, AR counts */
        for (uint16_t i = 0; i < n; i++) {
            if (ldns_wire2rr(&rr, wire, len, &pos, secs[s]) != LDNS_STATUS_OK)
                return ntsig;
            if (secs[s] == LDNS_SECTION_ADDITIONAL && ldns_rr_get_type(rr) == LDNS_RR_TYPE_TSIG) {
                ntsig++;
                n--;
            }
            ldns_rr_free(rr);
        }
    }
    return ntsig;
}

/* RFC 8945 §5.2: a message carries at most one TSIG record (the last of the
 * additional section). ldns_wire2pkt (1.8.3) keeps only the last of several
 * and leaks the others (ldns_pkt_set_tsig overwrites without freeing), so
 * such a reply is refused before ldns reads it. */
ldns_status dns_answer_parse(const uint8_t *wire, size_t len, ldns_pkt **out)
{
    *out = NULL;
    if (count_tsig(wire, len) > 1)
        return LDNS_STATUS_WIRE_RDATA_ERR;
    return ldns_wire2pkt(out, wire, len);
}
