/* DNS answers as a name server sends them (dns/answer: the record reading
 * behind every lookup of dns/resolve): any packet dns_answer_parse accepts
 * (ldns_wire2pkt behind a check for the layouts ldns leaks on), every record
 * of every section read as the lookups read it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns/answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void read_section(ldns_rr_list *rrs)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
        ldns_rr_type t = ldns_rr_get_type(rr);
        size_t max = 0;
        char *s = NULL;
        int rc;

        /* the types whose first field the lookups read: names and addresses */
        if (t == LDNS_RR_TYPE_SOA || t == LDNS_RR_TYPE_CNAME || t == LDNS_RR_TYPE_NS || t == LDNS_RR_TYPE_A ||
            t == LDNS_RR_TYPE_AAAA) {
            rc = dns_answer_text(rr, &s);
            if ((rc == CP_OK) != (s != NULL))
                abort();
            /* presentation text: printable, non-printable octets escaped */
            for (const char *p = s; p && *p; p++)
                if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                    abort();
            free(s);
            s = NULL;
        }
        for (size_t k = 0; k < ldns_rr_rd_count(rr); k++)
            max += ldns_rdf_size(ldns_rr_rdf(rr, k));
        if (dns_answer_txt(rr, &s) == CP_OK && strlen(s) > max)
            abort();
        free(s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    ldns_pkt *pkt = NULL;

    if (dns_answer_parse(data, len, &pkt) != LDNS_STATUS_OK) {
        if (pkt != NULL)
            abort();
        return 0;
    }
    read_section(ldns_pkt_answer(pkt));
    read_section(ldns_pkt_authority(pkt));
    read_section(ldns_pkt_additional(pkt));
    ldns_pkt_free(pkt);
    return 0;
}
