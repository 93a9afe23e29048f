/*
 * certpilot — public C API of libcertpilot.
 *
 * This header owns the error codes every certpilot function returns and
 * the helpers that describe them. It exposes no libcurl, OpenSSL or
 * jansson type. The rest of the public API (clients, orders) grows here
 * as the engine's internal interfaces settle.
 */
#ifndef CERTPILOT_CERTPILOT_H
#define CERTPILOT_CERTPILOT_H

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: 0 is success, every failure is negative. */
enum cp_status {
    CP_OK = 0,
    CP_EUSAGE = -1,     /* bad flag, argument or configuration */
    CP_ENOMEM = -2,     /* out of memory */
    CP_EIO = -3,        /* local file, directory or process failure */
    CP_ENET = -4,       /* the server could not be reached */
    CP_EPROTO = -5,     /* a server reply broke the protocol */
    CP_EACME = -6,      /* the CA answered with a problem document */
    CP_ECRYPTO = -7,    /* a key, signature or certificate operation failed */
    CP_ETIMEOUT = -8,   /* a bounded wait ran out */
    CP_EDECLINED = -9,  /* a hook declined to present a challenge */
    CP_EEXIST = -10,    /* refused to overwrite something that exists */
    CP_ENOTFOUND = -11, /* a named thing (account, certificate) is missing */
    CP_EINVALID = -12,  /* input data (key, certificate, PEM) is malformed */
};

/* A static, human-readable name for a status code. Never NULL. */
const char *cp_strerror(int status);

/* The CLI exit code for a status: 0 success, 2 usage or config error, 1 otherwise. */
int cp_exit_code(int status);

/* The library version, "MAJOR.MINOR.PATCH". */
const char *cp_version(void);

#ifdef __cplusplus
}
#endif
#endif
