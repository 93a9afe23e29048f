/*
 * util/ident — the two kinds of identifier certpilot orders: DNS names and IP
 * addresses (RFC 8738). An identifier travels as text through every module; an
 * IP address is always held in its canonical text, so its type follows from
 * its form (a DNS name is never an address: manage/names refuses an
 * all-numeric top label).
 */
#ifndef CP_UTIL_IDENT_H
#define CP_UTIL_IDENT_H

#include <stdbool.h>
#include <stddef.h>

/* Room for the canonical text of any address, with its NUL. */
#define IDENT_IP_TEXT_MAX 46

/* An address: 4 bytes (IPv4) or 16 (IPv6). */
struct ident_ip {
    unsigned char addr[16];
    size_t len;
};

/* Parse an IPv4 dotted quad or IPv6 text (inet_pton). false when s is neither. */
bool ident_ip_parse(const char *s, struct ident_ip *out);

/* The canonical text of addr into out (IDENT_IP_TEXT_MAX bytes): RFC 1123 §2.1
 * dotted decimal for IPv4, RFC 5952 §4 for IPv6 (lower case, no leading zeros,
 * the longest run of two or more zero groups as "::", the first of equal runs).
 * false when len is not 4 or 16. */
bool ident_ip_format(const unsigned char *addr, size_t len, char out[IDENT_IP_TEXT_MAX]);

/* Is s an IP address (in any form inet_pton reads)? */
bool ident_is_ip(const char *s);

/* "ip" or "dns": the RFC 8555 §9.7.7 / RFC 8738 §3 identifier type of s. */
const char *ident_type(const char *s);

/* Do a and b both parse as the same address? */
bool ident_ip_equal(const char *a, const char *b);

#endif
