/*
 * util/listen — the one reading of a standalone responder's listen address,
 * shared by the command line (--listen) and the config file (listen =):
 * "PORT" and ":PORT" (lego's form) mean every address on that port, IPv6 and
 * IPv4; "ADDR:PORT" and "[IPV6]:PORT" one address (checked when it is bound).
 */
#ifndef CP_UTIL_LISTEN_H
#define CP_UTIL_LISTEN_H

#include <stddef.h>

#include "util/err.h"

struct listen_addrs {
    char addr[2][80];  /* each "ADDR:PORT" or "[IPV6]:PORT" */
    size_t n;
};

/* Read spec into out. CP_EUSAGE "listen address X: ..." when it is none of the forms. */
int listen_parse(const char *spec, struct listen_addrs *out, struct err *err) CP_WUR;

#endif
