/*
 * util/redact — find a secret in a server's text whatever form it was
 * quoted in, and replace it. A server may echo a parameter as it was sent
 * (percent-encoded), as its JSON shows it (\/, \u002b, \n for a line
 * break), as plain text split over lines, or one such form inside another;
 * all of them are read here as the characters they stand for, white space
 * left out, before the secret is looked for.
 */
#ifndef CP_UTIL_REDACT_H
#define CP_UTIL_REDACT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * text with every occurrence of secret replaced by placeholder (a run of
 * adjacent ones by one placeholder). piece 0: only the whole secret counts;
 * piece > 0: also every run of at least piece characters of it (a key
 * quoted in part), and a secret shorter than piece must occur whole. White
 * space in secret is ignored (a PEM body's line breaks). *hit (may be
 * NULL) says whether anything was replaced. malloc'd; NULL: no memory.
 */
char *redact(const char *text, const char *secret, size_t piece, const char *placeholder, bool *hit);

#endif
