#include "acme/ari.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "acme/problem.h"
#include "jose/b64url.h"
#include "util/str.h"

void acme_ari_free(struct acme_ari *a)
{
    if (a == NULL)
        return;
    free(a->explanation_url);
    memset(a, 0, sizeof(*a));
}

long acme_ari_clamp_retry(long secs)
{
    if (secs < 0)
        return ARI_RETRY_DEFAULT_S;
    if (secs < ARI_RETRY_MIN_S)
        return ARI_RETRY_MIN_S;
    return secs > ARI_RETRY_MAX_S ? ARI_RETRY_MAX_S : secs;
}

/* n decimal digits at *p, advancing it; -1 when they are not all digits. */
static int digits(const char **p, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++, (*p)++) {
        if (!isdigit((unsigned char)**p))
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

/* RFC 3339 §5.6 time-offset: "Z" or "+hh:mm" / "-hh:mm", in seconds east of UTC. */
static int offset_seconds(const char *p, long *off)
{
    int sign, h, m;

    if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
        *off = 0;
        return CP_OK;
    }
    if (p[0] != '+' && p[0] != '-')
        return CP_EINVALID;
    sign = p[0] == '-' ? -1 : 1;
    p++;
    h = digits(&p, 2);
    if (h < 0 || h > 23 || *p++ != ':' || (m = digits(&p, 2)) < 0 || m > 59 || *p != '\0')
        return CP_EINVALID;
    *off = sign * (h * 3600L + m * 60L);
    return CP_OK;
}

/* full-date "YYYY-MM-DD" */
static bool parse_date(const char **p, struct tm *tm)
{
    if ((tm->tm_year = digits(p, 4)) < 0 || *(*p)++ != '-')
        return false;
    if ((tm->tm_mon = digits(p, 2)) < 1 || tm->tm_mon > 12 || *(*p)++ != '-')
        return false;
    tm->tm_mday = digits(p, 2);
    return tm->tm_mday >= 1 && tm->tm_mday <= 31;
}

/* partial-time "hh:mm:ss" with an optional fraction, which is dropped; 60 is a leap second. */
static bool parse_clock(const char **p, struct tm *tm)
{
    if ((tm->tm_hour = digits(p, 2)) < 0 || tm->tm_hour > 23 || *(*p)++ != ':')
        return false;
    if ((tm->tm_min = digits(p, 2)) < 0 || tm->tm_min > 59 || *(*p)++ != ':')
        return false;
    if ((tm->tm_sec = digits(p, 2)) < 0 || tm->tm_sec > 60)
        return false;
    if (**p != '.')
        return true;
    if (!isdigit((unsigned char)(*p)[1]))
        return false;
    for ((*p)++; isdigit((unsigned char)**p); (*p)++)
        ;
    return true;
}

/* RFC 3339 §5.6 date-time: full-date "T" partial-time time-offset. */
int acme_ari_parse_time(const char *s, time_t *out)
{
    struct tm tm;
    const char *p = s;
    long off;

    memset(&tm, 0, sizeof(tm));
    if (s == NULL || !parse_date(&p, &tm) || (*p != 'T' && *p != 't'))
        return CP_EINVALID;
    p++;
    if (!parse_clock(&p, &tm) || offset_seconds(p, &off) != CP_OK)
        return CP_EINVALID;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = timegm(&tm) - off;
    return CP_OK;
}

/* RFC 9773 §4.2: suggestedWindow {start, end} is required, end after start;
 * explanationURL is optional. */
int acme_ari_parse(const json_t *obj, const char *what, struct acme_ari *out, struct err *err)
{
    const char *start = NULL, *end = NULL, *expl = NULL;

    memset(out, 0, sizeof(*out));
    if (json_unpack((json_t *)obj, "{s:{s:s, s:s}, s?:s}", "suggestedWindow", "start", &start,
                    "end", &end, "explanationURL", &expl) != 0)
        return err_set(err, CP_EPROTO, "renewal information %s: no suggestedWindow with start "
                       "and end (or an explanationURL that is not a string)", what);
    if (acme_ari_parse_time(start, &out->start) != CP_OK ||
        acme_ari_parse_time(end, &out->end) != CP_OK)
        return err_set(err, CP_EPROTO, "renewal information %s: suggestedWindow holds a time "
                       "that is not RFC 3339", what);
    if (out->end <= out->start)
        return err_set(err, CP_EPROTO, "renewal information %s: suggestedWindow ends before "
                       "it starts", what);
    if (expl != NULL && (out->explanation_url = strdup(expl)) == NULL)
        return err_nomem(err);
    return CP_OK;
}

/* RFC 9773 §4.1: two base64url parts joined by one dot. */
static bool cert_id_valid(const char *id)
{
    const char *dot = id ? strchr(id, '.') : NULL;
    char *first;
    bool ok;

    if (dot == NULL || strchr(dot + 1, '.') != NULL || !b64url_alphabet_only(dot + 1))
        return false;
    if ((first = strndup(id, (size_t)(dot - id))) == NULL)
        return false;
    ok = b64url_alphabet_only(first);
    free(first);
    return ok;
}

static int reply_to_ari(const struct acme_reply *r, const char *url, struct acme_ari *out,
                        struct err *err)
{
    if (r->status == 404)
        return err_set(err, CP_ENOTFOUND, "renewal information %s: the CA does not know "
                       "this certificate (HTTP 404)", url);
    if (r->status != 200 && r->json != NULL)
        return acme_problem_err(err, r->json, url);
    if (r->status != 200 || !json_is_object(r->json))
        return err_set(err, CP_EPROTO, "renewal information %s: HTTP %ld, expected a JSON "
                       "object", url, r->status);
    return acme_ari_parse(r->json, url, out, err);
}

int acme_ari_fetch(struct acme_client *c, const char *cert_id, struct acme_ari *out,
                   struct err *err)
{
    const char *base = acme_client_directory(c)->renewal_info;
    struct acme_reply r = {0};
    char *url = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    out->retry_after_s = ARI_RETRY_DEFAULT_S;
    if (base == NULL)
        return err_set(err, CP_ENOTFOUND, "CA %s offers no renewal information (ARI)",
                       acme_client_url(c));
    if (!cert_id_valid(cert_id))
        return err_set(err, CP_EINVALID, "\"%s\" is not an ARI certificate identifier",
                       cert_id ? cert_id : "");
    /* RFC 9773 §4.2: the resource is the renewalInfo URL, a slash, and the certID. */
    url = str_printf("%s%s%s", base, str_has_prefix(base + strlen(base) - 1, "/") ? "" : "/",
                     cert_id);
    if (url == NULL)
        return err_nomem(err);
    if ((rc = acme_get(c, url, &r, err)) == CP_OK)
        rc = reply_to_ari(&r, url, out, err);
    if (rc != CP_OK)
        acme_ari_free(out);
    /* RFC 9773 §4.3: when to ask again, after an answer or an error alike */
    out->retry_after_s = acme_ari_clamp_retry(acme_reply_retry_after(&r));
    acme_reply_free(&r);
    free(url);
    return rc;
}
