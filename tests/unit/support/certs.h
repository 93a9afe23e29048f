/*
 * tests/unit/support/certs — a small self-signed certificate for tests of
 * code that sends or identifies certificates (revocation, ARI).
 */
#ifndef CP_TEST_CERTS_H
#define CP_TEST_CERTS_H

#include <stddef.h>

#include <openssl/evp.h>

/* RFC 9773 §4.1's example: this AKI keyIdentifier and serial 0x87654321
 * give the certID below. */
extern const unsigned char test_rfc9773_aki[20];
#define TEST_RFC9773_SERIAL "\x87\x65\x43\x21"
#define TEST_RFC9773_CERT_ID "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"

/* A self-signed certificate for key, valid 2026-01-01 to 2026-04-01, with
 * serial (n bytes, big-endian), one dNSName a.example and the RFC 9773
 * example AKI. PEM, malloc'd. */
char *test_make_cert(EVP_PKEY *key, const unsigned char *serial, size_t n);

#endif
