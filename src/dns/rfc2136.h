/*
 * dns/rfc2136 — the "rfc2136" provider: DNS UPDATE (RFC 2136) signed with
 * TSIG (RFC 8945, hmac-sha256 or hmac-sha512) through ldns.
 *
 * Settings: server  ADDR[:PORT] of the primary (default: the zone's SOA MNAME,
 *                   resolved through the configured resolver)
 *           key_file  a BIND-style key file: key "name" { algorithm hmac-sha256; secret "..."; };
 *                     (none: updates go unsigned)
 *           zone    the zone to update (default: found by SOA lookups)
 *           ttl     of the TXT records (default 60)
 */
#ifndef CP_DNS_RFC2136_H
#define CP_DNS_RFC2136_H

#include "dns/provider.h"

/* A TSIG key. name and alg are absolute ("certpilot-test.", "hmac-sha256.");
 * secret is the base64 text (freed with secret_free by dns_tsig_key_clear). */
struct tsig_key {
    char *name;
    char *alg;
    char *secret;
};

/* Parse the first key clause of a BIND key file's text; path is for messages.
 * CP_EINVALID "key file PATH: ..." naming what is wrong; never the secret. */
int dns_tsig_key_parse(const char *text, const char *path, struct tsig_key *k, struct err *err) CP_WUR;

/* Read and parse the key file at path. */
int dns_tsig_key_load(const char *path, struct tsig_key *k, struct err *err) CP_WUR;

void dns_tsig_key_clear(struct tsig_key *k);

struct dns_provider *dns_rfc2136_new(const struct dns_provider_opts *opts, struct err *err);

#endif
