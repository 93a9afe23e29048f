#include "util/listen.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/str.h"

static bool port_ok(const char *p, long min)
{
    long n = 0;

    return *p != '\0' && strspn(p, "0123456789") == strlen(p) && str_to_long(p, min, 65535, &n);
}

int listen_parse(const char *spec, struct listen_addrs *out, struct err *err)
{
    const char *colon = strrchr(spec, ':');
    bool every = colon == NULL || colon == spec;  /* PORT or :PORT */
    const char *port = colon == NULL ? spec : colon + 1;

    memset(out, 0, sizeof(*out));
    if (!port_ok(port, every ? 1 : 0) || strlen(spec) + 8 >= sizeof(out->addr[0]))
        return err_set(err, CP_EUSAGE, "listen address %.80s: expected PORT, :PORT, ADDR:PORT or [IPV6]:PORT "
                       "(port 1 to 65535)", spec);
    if (!every) {
        snprintf(out->addr[0], sizeof(out->addr[0]), "%s", spec);
        out->n = 1;
        return CP_OK;
    }
    snprintf(out->addr[0], sizeof(out->addr[0]), "[::]:%s", port);
    snprintf(out->addr[1], sizeof(out->addr[1]), "0.0.0.0:%s", port);
    out->n = 2;
    return CP_OK;
}
