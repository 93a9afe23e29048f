/*
 * config/keys — the keys of [certpilot] and [cert:NAME]: where each may be
 * written, where its value goes, and the syntax its value must have.
 * Internal to src/config/.
 */
#ifndef CP_CONFIG_KEYS_H
#define CP_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>

enum key_kind {
    KEY_STR,   /* one value */
    KEY_LIST,  /* repeatable; items separated by commas or blanks */
    KEY_ITEMS, /* repeatable; one item per line (deploy specs hold commas) */
    KEY_BOOL,
    KEY_NUM,   /* a plain number */
    KEY_SECS,  /* a duration, seconds unless a unit follows */
    KEY_DAYS,  /* a duration, days unless a unit follows */
};

enum key_where { IN_GLOBAL = 1, IN_CERT = 2, IN_BOTH = 3 };
enum key_base { BASE_SETTINGS, BASE_CERT };  /* offset into struct config_settings / config_cert */

struct keydef {
    const char *name;
    enum key_kind kind;
    enum key_where where;
    enum key_base base;
    size_t off;
    /* NULL when value is fine, else what is wrong with it ("is not a DNS name"). */
    const char *(*check)(const char *value);
    long min, max;       /* numbers and durations (seconds) */
    const char *range;   /* min..max for messages ("1s to 1d") */
};

/* The definition of key name ("domains" is an alias of "names"), or NULL. */
const struct keydef *keydef_find(const char *name);

/* The i-th definition, NULL past the last (for walking every field). */
const struct keydef *keydef_at(size_t i);

/* Is d a second name for a field an earlier definition already names ("domains")? */
bool keydef_is_alias(const struct keydef *d);

/* Fill names (room for cap entries) with every key name, NULL-terminated. */
void keydef_names(const char **names, size_t cap);

/* Value parsers: NULL on success, else the problem. */
const char *value_bool(const char *v, bool *out);
const char *value_duration(const char *v, enum key_kind kind, long *out);

/* NULL when v is a plain e-mail address (dot-atom local part, host name), else the problem. */
const char *value_email(const char *v);

/* NULL when v is an http:// or https:// URL, else the problem. */
const char *value_url(const char *v);

/* Does the text hold a control character other than a tab (or DEL)? */
bool has_control(const char *v);

#endif
