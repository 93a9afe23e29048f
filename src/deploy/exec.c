/*
 * deploy/exec — a deploy hook, as certbot's --deploy-hook: one program run
 * (fork + execve, no shell) with the certificate's paths, names, serial
 * and expiry in CERTPILOT_* variables (deploy/common.h).
 */
#include <stdlib.h>

#include "deploy/common.h"

#define WHAT "exec"
#define TIMEOUT_S 300

static const char *const known[] = {"command", "timeout", NULL};

struct exec_target {
    struct deploy_target base;
    const struct logger *log;
    struct deploy_cmd cmd;
};

static void exec_free(struct deploy_target *base)
{
    struct exec_target *t = (struct exec_target *)base;

    if (t == NULL)
        return;
    deploy_cmd_free(&t->cmd);
    free(t);
}

static int exec_run_hook(struct deploy_target *base, const struct deploy_cert *c, bool *changed,
                         struct err *err)
{
    struct exec_target *t = (struct exec_target *)base;
    int rc;

    log_info(t->log, WHAT ": running %s", t->cmd.argv[0]);
    if ((rc = deploy_cmd_run(&t->cmd, c, WHAT, err)) != CP_OK)
        return rc;
    /* a hook's effect cannot be seen from here: it ran, so assume it changed something */
    *changed = true;
    return CP_OK;
}

static int read_settings(struct exec_target *t, const struct kvlist *s, struct err *err)
{
    const char *line = kv_get(s, "command");
    long timeout = TIMEOUT_S;
    int rc = kv_check_known(s, known, WHAT, err);

    if (rc == CP_OK)
        rc = kv_get_long(s, "timeout", 1, 86400, &timeout, WHAT, err);
    if (rc == CP_OK && line == NULL)
        rc = err_set(err, CP_EUSAGE, WHAT ": command is not set (the program to run)");
    if (rc == CP_OK)
        rc = deploy_cmd_init(&t->cmd, line, false, timeout, WHAT, err);
    return rc;
}

static struct deploy_target *exec_new(const struct kvlist *s, const struct deploy_opts *opts,
                                      struct err *err)
{
    struct exec_target *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        err_nomem(err);
        return NULL;
    }
    t->base.type = WHAT;
    t->base.run = exec_run_hook;
    t->base.free = exec_free;
    t->log = opts->log;
    if (read_settings(t, s, err) != CP_OK) {
        exec_free(&t->base);
        return NULL;
    }
    return &t->base;
}

const struct deploy_type deploy_exec_type = {WHAT, exec_new, "command", NULL, false};
