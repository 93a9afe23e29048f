/*
 * dns/answer — what the lookups of dns/resolve take from a DNS answer, as
 * functions of one record, so that every byte a name server sends passes
 * through code a fuzzer can reach (fuzz/fuzz_dns_answer.c) without a network.
 * Internal to src/dns/: the only header that names ldns types.
 */
#ifndef CP_DNS_ANSWER_H
#define CP_DNS_ANSWER_H

#include <ldns/ldns.h>

#include "util/err.h"

/* The first rdata field of rr (a name or an address) as lower-case
 * presentation text, malloc'd in *out: non-printable octets come out as
 * \DDD escapes. CP_EPROTO when the record carries no data (a zero-length
 * rdata parses), CP_ENOMEM. */
int dns_answer_text(const ldns_rr *rr, char **out) CP_WUR;

/* A TXT record's character-strings joined into one malloc'd string; a
 * string whose length octet runs past its field is skipped. An octet 0 ends
 * the value early, as C strings do. CP_ENOMEM. */
int dns_answer_txt(const ldns_rr *rr, char **out) CP_WUR;

/* A DNS message in wire format as a packet in *out (free with
 * ldns_pkt_free), for every reply certpilot reads itself: ldns_wire2pkt's
 * status, or LDNS_STATUS_WIRE_RDATA_ERR for a message with more than one
 * TSIG record (which ldns would read with a leak).
 * *out is NULL unless LDNS_STATUS_OK. */
ldns_status dns_answer_parse(const uint8_t *wire, size_t len, ldns_pkt **out) CP_WUR;

#endif
