#include "deploy/common.h"
#include "util/clock.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/argv.h"
#include "util/buf.h"
#include "util/exec.h"
#include "util/str.h"

int deploy_get_bool(const struct kvlist *s, const char *key, bool def, bool *out,
                    const char *what, struct err *err)
{
    static const char *const yes[] = {"yes", "true", "on", "1", NULL};
    static const char *const no[] = {"no", "false", "off", "0", NULL};
    const char *v = kv_get(s, key);

    *out = def;
    if (v == NULL)
        return CP_OK;
    for (size_t i = 0; yes[i] != NULL; i++) {
        if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
            *out = strcmp(v, yes[i]) == 0;
            return CP_OK;
        }
    }
    return err_set(err, CP_EUSAGE, "%s: %s \"%s\" is not yes or no", what, key, v);
}

int deploy_get_mode(const struct kvlist *s, const char *key, mode_t def, bool secret,
                    mode_t *out, const char *what, struct err *err)
{
    const char *v = kv_get(s, key);
    char *end = NULL;
    long m;

    *out = def;
    if (v == NULL)
        return CP_OK;
    errno = 0;
    m = strtol(v, &end, 8);
    if (errno != 0 || *v < '0' || *v > '7' || *end != '\0' || m > 07777)
        return err_set(err, CP_EUSAGE, "%s: %s \"%s\" is not an octal file mode such as 0644",
                       what, key, v);
    if (secret && (m & 07) != 0)
        return err_set(err, CP_EUSAGE, "%s: %s %s would let every user on the system read the private key",
                       what, key, v);
    *out = (mode_t)m;
    return CP_OK;
}

/* A decimal id, or -1 when s is not one. */
static long numeric_id(const char *s)
{
    long n;

    return str_to_long(s, 0, 0x7ffffffeL, &n) ? n : -1;
}

static int lookup_user(const char *name, uid_t *uid)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    long n = numeric_id(name);

    if (n >= 0) {
        *uid = (uid_t)n;
        return 0;
    }
    if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
        return -1;
    *uid = res->pw_uid;
    return 0;
}

static int lookup_group(const char *name, gid_t *gid)
{
    struct group gr, *res = NULL;
    char buf[8192];
    long n = numeric_id(name);

    if (n >= 0) {
        *gid = (gid_t)n;
        return 0;
    }
    if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) != 0 || res == NULL)
        return -1;
    *gid = res->gr_gid;
    return 0;
}

int deploy_get_owner(const struct kvlist *s, uid_t *uid, gid_t *gid, const char *what,
                     struct err *err)
{
    const char *u = kv_get(s, "owner"), *g = kv_get(s, "group");

    *uid = (uid_t)-1;
    *gid = (gid_t)-1;
    if (u != NULL && lookup_user(u, uid) != 0)
        return err_set(err, CP_EUSAGE, "%s: owner \"%s\" is not a user on this system", what, u);
    if (g != NULL && lookup_group(g, gid) != 0)
        return err_set(err, CP_EUSAGE, "%s: group \"%s\" is not a group on this system", what, g);
    return CP_OK;
}

int deploy_get_path(const struct kvlist *s, const char *key, char **out, const char *what,
                    struct err *err)
{
    const char *v = kv_get(s, key);

    *out = NULL;
    if (v == NULL)
        return CP_OK;
    if (v[0] != '/')
        return err_set(err, CP_EUSAGE, "%s: %s \"%s\" is not an absolute path", what, key, v);
    *out = strdup(v);
    return *out ? CP_OK : err_nomem(err);
}

bool deploy_attrs_match(const char *path, const struct fs_attrs *a)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return false;
    return (st.st_mode & 07777) == a->mode && (a->uid == (uid_t)-1 || st.st_uid == a->uid) &&
           (a->gid == (gid_t)-1 || st.st_gid == a->gid);
}

/* /bin/sh -c line: only when the user asked for a shell. */
static char **shell_argv(const char *line)
{
    char **v = calloc(4, sizeof(char *));

    if (v == NULL)
        return NULL;
    v[0] = strdup("/bin/sh");
    v[1] = strdup("-c");
    v[2] = strdup(line);
    if (v[0] == NULL || v[1] == NULL || v[2] == NULL) {
        argv_free(v);
        return NULL;
    }
    return v;
}

int deploy_cmd_init(struct deploy_cmd *cmd, const char *line, bool shell, long timeout_s,
                    const char *what, struct err *err)
{
    char *prog = NULL;
    int rc;

    cmd->argv = NULL;
    cmd->timeout_s = timeout_s;
    if (shell) {
        cmd->argv = shell_argv(line);
        return cmd->argv ? CP_OK : err_nomem(err);
    }
    if ((rc = argv_split(line, &cmd->argv, what, err)) != CP_OK)
        return rc;
    if ((rc = argv_find_program(cmd->argv[0], &prog, what, err)) != CP_OK) {
        deploy_cmd_free(cmd);
        return rc;
    }
    free(cmd->argv[0]);
    cmd->argv[0] = prog;
    return CP_OK;
}

void deploy_cmd_free(struct deploy_cmd *cmd)
{
    argv_free(cmd->argv);
    cmd->argv = NULL;
}

/* "a b c" from the names; malloc'd. */
static char *join_names(const struct deploy_cert *c)
{
    struct buf b = BUF_INIT;

    if (buf_append(&b, "", 0) != CP_OK)
        return NULL;
    for (size_t i = 0; i < c->nnames; i++) {
        if ((i > 0 && buf_append_str(&b, " ") != CP_OK) || buf_append_str(&b, c->names[i]) != CP_OK) {
            buf_free(&b);
            return NULL;
        }
    }
    return buf_steal(&b);
}

static char *rfc3339(time_t t)
{
    char s[32];

    clock_format_utc(t, s, sizeof(s));
    return strdup(s[0] == '?' ? "" : s);
}

#define OR_EMPTY(s) ((s) != NULL ? (s) : "")

char **deploy_env_new(const struct deploy_cert *c)
{
    char *names = join_names(c), *not_after = rfc3339(c->not_after);
    char **env = calloc(9, sizeof(char *));
    bool ok = names != NULL && not_after != NULL && env != NULL;

    if (ok) {
        env[0] = str_printf("CERTPILOT_CERT=%s", OR_EMPTY(c->cert_path));
        env[1] = str_printf("CERTPILOT_CHAIN=%s", OR_EMPTY(c->chain_path));
        env[2] = str_printf("CERTPILOT_FULLCHAIN=%s", OR_EMPTY(c->fullchain_path));
        env[3] = str_printf("CERTPILOT_KEY=%s", OR_EMPTY(c->key_path));
        env[4] = str_printf("CERTPILOT_NAMES=%s", names);
        env[5] = str_printf("CERTPILOT_CERT_NAME=%s", OR_EMPTY(c->name));
        env[6] = str_printf("CERTPILOT_SERIAL=%s", OR_EMPTY(c->serial_hex));
        env[7] = str_printf("CERTPILOT_NOT_AFTER=%s", not_after);
        for (int i = 0; i < 8; i++)
            ok = ok && env[i] != NULL;
    }
    free(names);
    free(not_after);
    if (!ok) {
        for (int i = 0; env != NULL && i < 8; i++)
            free(env[i]);
        free(env);
        return NULL;
    }
    return env;
}

int deploy_cmd_run(const struct deploy_cmd *cmd, const struct deploy_cert *c, const char *what,
                   struct err *err)
{
    char **env = deploy_env_new(c);
    int status = -1, rc;

    if (env == NULL)
        return err_nomem(err);
    rc = exec_run_strip((const char *const *)cmd->argv, (const char *const *)env, c->secret_env,
                        cmd->timeout_s, &status, err);
    argv_free(env);
    if (rc != CP_OK) {
        err_prefix(err, "%s: ", what);
        return rc;
    }
    if (status != 0)
        return err_set(err, CP_EIO, "%s: %s exited with status %d", what, cmd->argv[0], status);
    return CP_OK;
}
