/*
 * cli/context — what every command shares: verbosity, time format, and
 * opening the library's manager from the global options.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "config/config.h"
#include "manage/prepost.h"

void cli_apply_verbosity(struct cli *cli)
{
    cli->log.level = cli->quiet ? CP_LOG_WARN : cli->verbose > 0 ? CP_LOG_DEBUG : CP_LOG_INFO;
}

struct manage_opts cli_manage_opts(const struct cli *cli)
{
    return (struct manage_opts){.root = cli->root, .server = cli->server, .ca_bundle = cli->ca_bundle,
                                .user_agent = cli->user_agent, .accept_language = cli->accept_language,
                                .log = &cli->log, .cancel = cli->interrupted, .shared = cli->shared,
                                .read_only = cli->read_only,
                                .prepost = cli->prepost,
                                .server_is_default = !cli->server_set && !cli->server_chosen};
}

int cli_server_check(const struct cli *cli, struct err *err)
{
    int rc = cli->server != NULL ? manage_server_check(cli->server, err) : CP_OK;

    /* the library names the URL; the user typed a flag */
    if (rc != CP_OK)
        err_prefix(err, "--server: ");
    return rc;
}

int cli_manage_open(struct cli *cli, struct manage **out, struct err *err)
{
    struct manage_opts o = cli_manage_opts(cli);
    int rc = cli_server_check(cli, err);

    return rc == CP_OK ? manage_open(&o, out, err) : rc;
}

int cli_manage_open_read(struct cli *cli, struct manage **out, struct err *err)
{
    struct manage_opts o = cli_manage_opts(cli);

    o.read_only = true;
    return manage_open(&o, out, err);
}

int cli_prepost_open(struct cli *cli, const char *pre, const char *post, struct err *err)
{
    const struct config_settings *g = cli->config ? &cli->config->global : NULL;
    struct manage_prepost_opts o = {pre, post, 0, cli->interrupted, &cli->log};

    if (o.pre == NULL && g != NULL)
        o.pre = g->pre_hook.value;
    if (o.post == NULL && g != NULL)
        o.post = g->post_hook.value;
    if (o.pre == NULL && o.post == NULL)
        return CP_OK;
    return manage_prepost_new(&o, &cli->prepost, err);
}

int cli_prepost_close(struct cli *cli, int rc, struct err *err)
{
    struct err post = {0};

    /* the pre-hook's failure is why nothing was ordered: the run's one line says so */
    if (rc != CP_OK && manage_prepost_pre_result(cli->prepost, &post) != CP_OK) {
        *err = post;
        rc = post.code;
        err_clear(&post);
    }
    if (manage_prepost_after(cli->prepost, &post) != CP_OK) {
        if (rc == CP_OK) {
            *err = post;
            rc = post.code;
        } else {
            log_warn(&cli->log, "%s", post.msg);
        }
    }
    manage_prepost_free(cli->prepost);
    cli->prepost = NULL;
    return rc;
}

#define DEFAULT_CONFIG "/etc/certpilot/certpilot.ini"

/* [certpilot] settings where no flag said otherwise (they beat the environment). */
static void apply_globals(struct cli *cli, const struct config_settings *g)
{
    if (!cli->root_set && g->root.value != NULL)
        cli->root = g->root.value;
    if (!cli->server_set && g->server.value != NULL)
        cli->server = g->server.value;
    else if (!cli->server_set && g->ca.value != NULL && manage_ca_url(g->ca.value) != NULL)
        cli->server = manage_ca_url(g->ca.value);
    if (g->server.value != NULL || g->ca.value != NULL)
        cli->server_chosen = true;
    if (!cli->ca_bundle_set && g->ca_bundle.value != NULL)
        cli->ca_bundle = g->ca_bundle.value;
    if (g->user_agent.value != NULL)
        cli->user_agent = g->user_agent.value;
    if (g->jobs.line > 0)
        cli->config_jobs = g->jobs.value;
}

int cli_load_config(struct cli *cli, struct err *err)
{
    const char *path = cli->config_path ? cli->config_path : DEFAULT_CONFIG;
    int rc;

    if (cli->config != NULL)
        return CP_OK;
    rc = config_load(path, &cli->config, err);
    if (rc == CP_ENOTFOUND && cli->config_path == NULL) {
        err_clear(err);
        return CP_OK;  /* no config file: flags alone */
    }
    if (rc == CP_ENOTFOUND)
        return err_set(err, CP_EUSAGE, "config file %s does not exist", path);
    if (rc != CP_OK)
        return rc;
    apply_globals(cli, &cli->config->global);
    return CP_OK;
}

void cli_free_config(struct cli *cli)
{
    config_free(cli->config);
    cli->config = NULL;
}
