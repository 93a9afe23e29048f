#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "util/str.h"

static const struct {
    int code;
    const char *text;
} status_text[] = {
    {CP_OK, "success"},
    {CP_EUSAGE, "usage or configuration error"},
    {CP_ENOMEM, "out of memory"},
    {CP_EIO, "local I/O error"},
    {CP_ENET, "network error"},
    {CP_EPROTO, "protocol error in server reply"},
    {CP_EACME, "the CA reported a problem"},
    {CP_ECRYPTO, "cryptographic error"},
    {CP_ETIMEOUT, "timed out"},
    {CP_EDECLINED, "declined by hook"},
    {CP_EEXIST, "already exists"},
    {CP_ENOTFOUND, "not found"},
    {CP_EINVALID, "malformed input"},
    {CP_EINTR, "interrupted"},
    {CP_EBUSY, "busy (locked by another process)"},
};

const char *cp_strerror(int status)
{
    for (size_t i = 0; i < sizeof(status_text) / sizeof(status_text[0]); i++)
        if (status_text[i].code == status)
            return status_text[i].text;
    return "unknown error";
}

int cp_exit_code(int status)
{
    if (status == CP_OK)
        return 0;
    if (status == CP_EUSAGE)
        return 2;
    if (status == CP_EINTR)
        return 130;
    return 1;
}

/* CMakeLists.txt's project(VERSION) is the one place the version is written. */
const char *cp_version(void)
{
    return CERTPILOT_VERSION;
}

void err_clear(struct err *e)
{
    if (e == NULL)
        return;
    e->code = CP_OK;
    e->msg[0] = '\0';
}

static void err_vset(struct err *e, int code, const char *fmt, va_list ap) CP_PRINTF(3, 0);

static void err_vset(struct err *e, int code, const char *fmt, va_list ap)
{
    e->code = code;
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    str_sanitize(e->msg);
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return code;
    va_start(ap, fmt);
    err_vset(e, code, fmt, ap);
    va_end(ap);
    return code;
}

void err_prefix(struct err *e, const char *fmt, ...)
{
    char head[512];
    size_t hl, ml;
    va_list ap;

    if (e == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    hl = strlen(head);
    ml = strlen(e->msg);
    /* keep the start of the old message when the two do not fit */
    if (hl + ml >= sizeof(e->msg))
        ml = sizeof(e->msg) - 1 - hl;
    memmove(e->msg + hl, e->msg, ml);
    memcpy(e->msg, head, hl);
    e->msg[hl + ml] = '\0';
    str_sanitize(e->msg);
}

int err_ssl(struct err *e, int code, const char *fmt, ...)
{
    unsigned long ssl = ERR_peek_error();
    char reason[256];
    va_list ap;
    size_t n;

    if (e != NULL) {
        va_start(ap, fmt);
        err_vset(e, code, fmt, ap);
        va_end(ap);
        if (ssl != 0) {
            ERR_error_string_n(ssl, reason, sizeof(reason));
            n = strlen(e->msg);
            snprintf(e->msg + n, sizeof(e->msg) - n, " (%s)", reason);
            str_sanitize(e->msg);
        }
    }
    ERR_clear_error();
    return code;
}

int err_nomem(struct err *e)
{
    return err_set(e, CP_ENOMEM, "out of memory");
}
