/*
 * cli/batch — `certpilot issue --batch FILE`: read one certificate a line,
 * hand them to the library's worker pool, print one result line each as it
 * ends, a progress line on a terminal, and a summary. Lines are read as the
 * workers ask for them, so memory does not grow with the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/issue_args.h"
#include "cli/jsonout.h"
#include "util/clock.h"
#include "util/str.h"

#define MAX_LINE 65536

/* One line's certificate; owned by the job until done(). */
struct line_job {
    char *text;  /* the line, cut into the names below */
    const char *names[MANAGE_MAX_NAMES];
    unsigned long lineno;
    json_t *deploy;  /* --json: its deploy results */
};

struct batch {
    struct cli *cli;
    const struct issue_args *a;
    FILE *in;
    const char *path;
    unsigned long lineno, total, ended, failed;
    bool progress;  /* stderr is a terminal */
    unsigned long handed, allowed;  /* jobs handed out, and how many the CA's order limit leaves */
    unsigned long deploy_failed;    /* issued, but a deploy target failed */
    struct timespec start;
};

/* A line that is neither blank nor a comment. */
static bool names_a_certificate(const char *line)
{
    const char *p = line + strspn(line, " \t\r\n");

    return *p != '\0' && *p != '#';
}

/* Certificates in the file (lines with a name), for the progress line. */
static unsigned long count_lines(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? NULL : fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    unsigned long n = 0;

    while (f != NULL && getline(&line, &cap, f) > 0) {
        n += names_a_certificate(line);
    }
    free(line);
    if (f != NULL)
        fclose(f);
    return n;
}

/* "a.example b.example cert-name=site" into the job's request. */
static int parse_line(struct batch *b, struct line_job *lj, struct manage_batch_job *job, struct err *err)
{
    char *save = NULL, *tok;
    struct manage_cert_req *req = &job->req;

    *req = b->a->req;
    if (b->a->json && (lj->deploy = json_array()) == NULL)
        return err_nomem(err);
    req->deploy_user = lj->deploy;
    req->names = lj->names;
    req->nnames = 0;
    for (tok = strtok_r(lj->text, " \t\r\n", &save); tok != NULL; tok = strtok_r(NULL, " \t\r\n", &save)) {
        if (*tok == '#')
            break;
        if (str_has_prefix(tok, "cert-name=")) {
            req->cert_name = tok + strlen("cert-name=");
            continue;
        }
        if (req->nnames == MANAGE_MAX_NAMES)
            return err_set(err, CP_EUSAGE, "%s:%lu: more than %d names", b->path, lj->lineno, MANAGE_MAX_NAMES);
        lj->names[req->nnames++] = tok;
    }
    return CP_OK;
}

/* The next line with a name on it: 1, or 0 at the end of the file. */
static int next_job(void *user, struct manage_batch_job *job, struct err *err)
{
    struct batch *b = user;
    struct line_job *lj = NULL;
    size_t cap = 0;
    ssize_t n;

    if (b->handed == b->allowed)
        return 0;  /* the CA's limit on new orders: said up front */
    for (;;) {
        char *text = NULL;
        if ((n = getline(&text, &cap, b->in)) < 0) {
            free(text);
            return ferror(b->in) ? err_set(err, CP_EIO, "%s: %s", b->path, strerror(errno)) : 0;
        }
        b->lineno++;
        if (n > MAX_LINE) {
            free(text);
            return err_set(err, CP_EUSAGE, "%s:%lu: line longer than %d bytes", b->path, b->lineno, MAX_LINE);
        }
        bool blank = !names_a_certificate(text);
        if (!blank && (lj = calloc(1, sizeof(*lj))) == NULL) {
            free(text);
            return err_nomem(err);
        }
        if (!blank) {
            lj->text = text;
            lj->lineno = b->lineno;
            break;
        }
        free(text);
        cap = 0;
    }
    job->user = lj;
    if (parse_line(b, lj, job, err) == CP_OK) {
        b->handed++;
        return 1;
    }
    json_decref(lj->deploy);
    free(lj->text);
    free(lj);
    job->user = NULL;
    return -1;
}

static void show_progress(struct batch *b)
{
    struct timespec now;
    double secs;

    clock_gettime(CLOCK_MONOTONIC, &now);
    secs = (double)(now.tv_sec - b->start.tv_sec) + (double)(now.tv_nsec - b->start.tv_nsec) / 1e9;
    fprintf(stderr, "\r%lu of %lu done, %lu failed, %.1f/s ", b->ended, b->total, b->failed,
            secs > 0 ? (double)b->ended / secs : 0.0);
    fflush(stderr);
}

/* --json: {"name", "line", "status": "issued" | "failed", "names", "serial", "not_after", "deploy", "error"}. */
static void print_json(const struct batch *b, const struct line_job *lj, const struct manage_batch_result *res)
{
    const char *name = res->rc == CP_OK ? res->issued->cert_name : lj->names[0] ? lj->names[0] : "?";
    json_t *o = json_pack("{s:s, s:s, s:I}", "name", name, "file", b->path, "line", (json_int_t)lj->lineno);

    json_object_set_new(o, "status", json_string(res->rc == CP_OK ? "issued" : "failed"));
    if (res->rc == CP_OK) {
        cli_json_cert(o, &res->issued->info);
        json_object_set(o, "deploy", lj->deploy);
    } else {
        json_object_set_new(o, "error", json_string(res->err->msg[0] ? res->err->msg : cp_strerror(res->rc)));
    }
    cli_json_line(o);
}

static void job_done(void *user, struct manage_batch_job *job, const struct manage_batch_result *res)
{
    int rc = res->rc;
    const struct manage_issued *issued = res->issued;
    const struct err *err = res->err;
    struct batch *b = user;
    struct line_job *lj = job->user;
    char na[32], *shown = NULL;

    b->ended++;
    if (b->progress)
        fputs("\r\033[K", stderr);
    if (b->a->json)
        print_json(b, lj, res);
    if (rc == CP_OK) {
        clock_format_utc(issued->info.not_after, na, sizeof(na));
        shown = manage_name_display(issued->cert_name);
        if (!b->a->json)
            printf("ok %s expires %s%s\n", shown ? shown : issued->cert_name, na,
                   issued->unchanged ? " (valid with the same names: nothing to do; --force issues it again)" : "");
        if (issued->deploy_rc != CP_OK)
            b->deploy_failed++;
    } else {
        b->failed++;
        shown = lj->names[0] ? str_escape(lj->names[0], strlen(lj->names[0])) : NULL;  /* as the user wrote it */
        if (!b->a->json)
            printf("failed %s:%lu %s: %s\n", b->path, lj->lineno, shown ? shown : "?",
                   err->msg[0] ? err->msg : cp_strerror(rc));
    }
    free(shown);
    fflush(stdout);
    if (b->progress)
        show_progress(b);
    json_decref(lj->deploy);
    free(lj->text);
    free(lj);
}

/* One account lookup per run, before the workers start: they all use it. */
static int ensure_account(struct cli *cli, const struct issue_args *a, struct err *err)
{
    struct manage *m = NULL;
    int rc = cli_manage_open(cli, &m, err);

    if (rc == CP_OK)
        rc = manage_account_ensure(m, a->req.account, a->req.create, err);
    manage_free(m);
    return rc;
}

/* Let's Encrypt allows an account 300 new orders per 3 hours: a batch that would
 * pass it says so before it starts and stops there, rather than failing half-way. */
static int order_budget(struct cli *cli, const struct issue_args *a, struct batch *b, struct err *err)
{
    struct manage_opts mo = cli_manage_opts(cli);
    struct manage_orders ob;
    int rc = manage_orders_budget(&mo, a->orders_limit, &ob, err);

    b->allowed = ob.left;
    if (rc == CP_OK && b->total > b->allowed)
        log_warn(&cli->log, "%lu certificates, but the CA allows %ld new orders per 3 hours and %lu were made "
                 "in the last 3 hours: issuing %lu, then stopping", b->total, ob.limit, ob.recent, b->allowed);
    return rc;
}

static int issue_batch(struct cli *cli, struct issue_args *a, struct err *err)
{
    struct batch b = {.cli = cli, .a = a, .path = a->batch};
    struct manage_batch_opts o = {cli_manage_opts(cli), a->jobs,
                                  next_job, job_done, &b};

    struct manage_batch_stats st = {0};
    int rc = ensure_account(cli, a, err);

    if (rc != CP_OK)
        return rc;
    b.in = strcmp(a->batch, "-") == 0 ? stdin : fopen(a->batch, "r");
    if (b.in == NULL)
        return err_set(err, CP_EUSAGE, "--batch %s: %s", a->batch, strerror(errno));
    b.total = count_lines(a->batch);
    if ((rc = order_budget(cli, a, &b, err)) != CP_OK) {
        if (b.in != stdin)
            fclose(b.in);
        return rc;
    }
    b.progress = isatty(STDERR_FILENO) && !cli->quiet;
    if (cli->verbose == 0)
        cli->log.level = CP_LOG_WARN;  /* one result line per certificate says enough */
    clock_gettime(CLOCK_MONOTONIC, &b.start);
    a->req.create = NULL;  /* the account exists now */
    a->req.deploy_cb = a->json ? cli_json_deploy : cli_print_deploy;
    rc = manage_batch_run(&o, &st, err);
    if (b.in != stdin)
        fclose(b.in);
    if (b.progress)
        fputs("\r\033[K", stderr);
    if (rc == CP_OK && b.deploy_failed > 0)
        rc = err_set(err, CP_EIO, "%lu issued, 0 failed; %lu could not be deployed everywhere "
                     "(certpilot deploy retries)", st.ok, b.deploy_failed);
    else if (rc == CP_OK && b.total > b.handed && b.handed == b.allowed)
        rc = err_set(err, CP_EACME, "%lu issued, 0 failed; %lu not started: the CA's limit on new orders per 3 hours",
                     st.ok, b.total - b.handed);
    else if (rc == CP_OK)
        fprintf(stderr, "certpilot: %lu issued, 0 failed\n", st.ok);
    return rc;
}

/* The account lookup and the workers share one manage_shared: one directory
 * fetch, one nonce pool and one set of request rates for the whole run. */
int cli_issue_batch(struct cli *cli, struct issue_args *a, struct err *err)
{
    int rc;

    if ((cli->shared = manage_shared_new(err)) == NULL)
        return err->code;
    rc = issue_batch(cli, a, err);
    manage_shared_free(cli->shared);
    cli->shared = NULL;
    return rc;
}
