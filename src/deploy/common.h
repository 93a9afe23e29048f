/*
 * deploy/common — what the targets share: reading their settings (paths,
 * modes, owners, yes/no), and running a command with the certificate's
 * environment. For the target files of src/deploy/ only.
 */
#ifndef CP_DEPLOY_COMMON_H
#define CP_DEPLOY_COMMON_H

#include <stdbool.h>
#include <sys/types.h>

#include "deploy/target.h"
#include "util/fsio.h"

/* The types deploy/registry.c lists; each is defined in its own file. */
extern const struct deploy_type deploy_files_type;
extern const struct deploy_type deploy_pkcs12_type;
extern const struct deploy_type deploy_exec_type;
extern const struct deploy_type deploy_alicdn_type;
extern const struct deploy_type deploy_aliapigw_type;
extern const struct deploy_type deploy_alicas_type;
extern const struct deploy_type deploy_alidcdn_type;
extern const struct deploy_type deploy_alilive_type;
extern const struct deploy_type deploy_alivod_type;
extern const struct deploy_type deploy_aliclb_type;

extern const struct deploy_type deploy_alialb_type;
extern const struct deploy_type deploy_alinlb_type;
extern const struct deploy_type deploy_aliwaf_type;
extern const struct deploy_type deploy_aliapig_type;
extern const struct deploy_type deploy_alifc_type;
extern const struct deploy_type deploy_aliesa_type;

extern const struct deploy_type deploy_alioss_type;

/* CP_EUSAGE "unknown deploy target \"x\" (known: files, pkcs12, exec, alicdn, aliapigw, alicas, alidcdn, alilive, alivod, aliclb, alialb, alinlb, aliwaf, aliapig, alifc, aliesa, alioss)". */
int deploy_unknown_type(const char *name, struct err *err);

/* yes|no (also true/false, on/off, 1/0); def when absent.
 * CP_EUSAGE "<what>: <key> \"x\" is not yes or no". */
int deploy_get_bool(const struct kvlist *s, const char *key, bool def, bool *out,
                    const char *what, struct err *err) CP_WUR;

/* An octal file mode up to 07777 ("0640", "640"); def when absent. With
 * secret, a mode that lets other users read or write is refused.
 * CP_EUSAGE "<what>: <key> \"x\" is not an octal file mode such as 0644". */
int deploy_get_mode(const struct kvlist *s, const char *key, mode_t def, bool secret,
                    mode_t *out, const char *what, struct err *err) CP_WUR;

/* The settings owner= and group= (names or numeric ids) as ids; (uid_t)-1
 * and (gid_t)-1 when absent. CP_EUSAGE "<what>: owner \"x\" is not a user
 * on this system" (or group). */
int deploy_get_owner(const struct kvlist *s, uid_t *uid, gid_t *gid, const char *what,
                     struct err *err) CP_WUR;

/* An absolute path setting, copied into *out (NULL when absent).
 * CP_EUSAGE "<what>: <key> \"x\" is not an absolute path". */
int deploy_get_path(const struct kvlist *s, const char *key, char **out, const char *what,
                    struct err *err) CP_WUR;

/* Does the file at path have a's mode, and its owner and group where a sets them? */
bool deploy_attrs_match(const char *path, const struct fs_attrs *a);

/* A command to run: argv (program resolved through PATH when it has no
 * '/') and its time limit. */
struct deploy_cmd {
    char **argv;  /* NULL when there is no command */
    long timeout_s;
};

/* Split line into argv (util/argv.h, no shell), or with shell run it as
 * /bin/sh -c line. CP_EUSAGE/CP_ENOTFOUND "<what>: ..." */
int deploy_cmd_init(struct deploy_cmd *cmd, const char *line, bool shell, long timeout_s,
                    const char *what, struct err *err) CP_WUR;
void deploy_cmd_free(struct deploy_cmd *cmd);

/*
 * Run cmd with the certificate's environment (like certbot's deploy
 * hooks): CERTPILOT_CERT, _CHAIN, _FULLCHAIN, _KEY (paths of the stored
 * files), CERTPILOT_NAMES (space separated), CERTPILOT_CERT_NAME,
 * CERTPILOT_SERIAL, CERTPILOT_NOT_AFTER (RFC 3339, UTC). A non-zero exit
 * is CP_EIO "<what>: PROG exited with status N".
 */
int deploy_cmd_run(const struct deploy_cmd *cmd, const struct deploy_cert *c, const char *what,
                   struct err *err) CP_WUR;

/* The NULL-terminated "NAME=VALUE" list deploy_cmd_run passes; free with argv_free. */
char **deploy_env_new(const struct deploy_cert *c);

#endif
