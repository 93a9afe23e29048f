/*
 * config/certbotconf — certbot's renewal files (/etc/letsencrypt/renewal/NAME.conf),
 * read as certbot writes them with Python's configobj:
 *
 *   # renew_before_expiry = 30 days
 *   version = 2.1.0
 *   cert = /etc/letsencrypt/live/example.com/cert.pem
 *   [renewalparams]
 *   authenticator = webroot
 *   webroot_path = /var/www/html,        a list: items separated (or ended) by ','
 *   [[webroot_map]]                      a subsection of [renewalparams]
 *   example.com = /var/www/html
 *
 * Values are unquoted (up to ',' or '#'), or '...', "...", '''...''' or """...""" on one
 * line. A key given twice in a section, a line that is none of these, or a
 * multi-line value is CP_EUSAGE "<path>:<line>: ...". inih cannot read this
 * (nested [[sections]], lists, quotes), hence a reader of its own. No I/O.
 */
#ifndef CP_CONFIG_CERTBOTCONF_H
#define CP_CONFIG_CERTBOTCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define CERTBOT_CONF_MAX (64 * 1024)  /* bytes of one renewal file */

struct certbot_item {
    char *section;   /* "" (top level), "renewalparams", "renewalparams/webroot_map" */
    char *key;
    char **values;   /* one for a scalar; a list's items */
    size_t nvalues;
    bool list;
    int line;
};

struct certbot_conf {
    struct certbot_item *items;
    size_t n;
};

/* Parse text (len bytes, at most CERTBOT_CONF_MAX); path names it in messages.
 * out is zeroed first; free it with certbot_conf_free (also after a failure). */
int certbot_conf_parse(const char *text, size_t len, const char *path, struct certbot_conf *out,
                       struct err *err) CP_WUR;
void certbot_conf_free(struct certbot_conf *c);

/* The item key of section (borrowed), or NULL. */
const struct certbot_item *certbot_conf_get(const struct certbot_conf *c, const char *section,
                                            const char *key);

/* The value of a scalar key (borrowed); NULL when it is absent or a list. */
const char *certbot_conf_value(const struct certbot_conf *c, const char *section, const char *key);

#endif
