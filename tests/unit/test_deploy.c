/*
 * deploy: settings validation (exact errors), the compact form, the files
 * target (modes, owners, no rewrite and no reload when unchanged, failing
 * reload), PKCS#12 round trips with their algorithm identifiers, the exec
 * hook's environment, and the argv splitter the commands use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "support/files.h"

#include "crypto/key.h"
#include "crypto/pkcs12.h"
#include "deploy/common.h"
#include "deploy/stored.h"
#include "deploy/target.h"
#include "util/argv.h"
#include "util/fsio.h"
#include "util/str.h"

/* The line for an unknown target name: every registered type, in table order. */
#define UNKNOWN(name) "unknown deploy target \"" name "\" (known: files, pkcs12, exec, alicdn, aliapigw, alicas, " \
                      "alidcdn, alilive, alivod, aliclb, alialb, alinlb, aliwaf, aliapig, alifc, aliesa, alioss)"

/* ---------- a test certificate: a CA and a leaf signed by it ---------- */

struct pems {
    char *key, *cert, *chain, *fullchain;
    const char *names[2];
    struct deploy_cert view;
};

static char *x509_pem(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data = NULL, *s;
    long n;

    assert_int_equal(PEM_write_bio_X509(b, x), 1);
    n = BIO_get_mem_data(b, &data);
    s = malloc((size_t)n + 1);  /* not strndup: the BIO's data has no NUL */
    assert_non_null(s);
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
    BIO_free(b);
    return s;
}

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn, long serial)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509_set_pubkey(x, key);
    assert_true(X509_sign(x, signer, EVP_sha256()) > 0);
    X509_NAME_free(name);
    return x;
}

/* A fresh key and leaf (serial) under a fresh CA, as a deploy view. */
static void make_pems(struct pems *p, long serial)
{
    EVP_PKEY *ca_key = key_generate(KEY_EC_P256, NULL), *key = key_generate(KEY_EC_P256, NULL);
    X509 *ca = make_cert(ca_key, ca_key, NULL, "Test CA", 1);
    X509 *leaf = make_cert(key, ca_key, ca, "a.example.test", serial);
    size_t len = 0;

    memset(p, 0, sizeof(*p));
    assert_int_equal(key_to_pem(key, &p->key, &len, NULL), CP_OK);
    p->cert = x509_pem(leaf);
    p->chain = x509_pem(ca);
    p->fullchain = str_printf("%s%s", p->cert, p->chain);
    p->names[0] = "a.example.test";
    p->names[1] = "b.example.test";
    p->view = (struct deploy_cert){"a.example.test", p->names, 2, "0A1B", 1700000000,
                                   p->cert, p->chain, p->fullchain, p->key, len,
                                   "/s/cert.pem", "/s/chain.pem", "/s/fullchain.pem", "/s/privkey.pem"};
    X509_free(leaf);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
}

static void free_pems(struct pems *p)
{
    secret_free(p->key, p->view.key_len);
    free(p->cert);
    free(p->chain);
    free(p->fullchain);
}

/* ---------- helpers ---------- */

/* Build type from "k=v" strings (NULL-terminated); returns the target or NULL with err. */
static struct deploy_target *build(const char *type, const char *const *pairs, struct err *err)
{
    struct kv items[16];
    char copies[16][512];
    size_t n = 0;
    struct kvlist l;

    for (; pairs[n] != NULL; n++) {
        char *eq;
        snprintf(copies[n], sizeof(copies[n]), "%s", pairs[n]);
        eq = strchr(copies[n], '=');
        assert_non_null(eq);
        *eq = '\0';
        items[n] = (struct kv){copies[n], eq + 1};
    }
    l = (struct kvlist){items, n};
    return deploy_target_new(type, &l, NULL, err);
}

static void expect_error(const char *type, const char *const *pairs, int code, const char *msg)
{
    struct err err = {0};
    struct deploy_target *t = build(type, pairs, &err);

    assert_null(t);
    assert_string_equal(err.msg, msg);
    assert_int_equal(err.code, code);
}

static mode_t mode_of(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static ino_t inode_of(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    return st.st_ino;
}

static void write_script(const char *path, const char *body)
{
    char *text = str_printf("#!/bin/sh\n%s\n", body);

    assert_int_equal(fs_write_atomic(path, text, strlen(text), 0755, NULL), CP_OK);
    free(text);
}

static int run(struct deploy_target *t, const struct deploy_cert *c, bool *changed, struct err *err)
{
    return deploy_target_run(t, c, changed, err);
}

/* ---------- settings validation ---------- */

static void test_settings_errors(void **state)
{
    (void)state;
    expect_error("ftp", (const char *[]){NULL}, CP_EUSAGE,
                 UNKNOWN("ftp"));
    expect_error("files", (const char *[]){"fulchain=/x/f.pem", NULL}, CP_EUSAGE,
                 "files: unknown setting \"fulchain\" (did you mean \"fullchain\"?)");
    expect_error("files", (const char *[]){"dir=/x", "mode=0999", NULL}, CP_EUSAGE,
                 "files: mode \"0999\" is not an octal file mode such as 0644");
    expect_error("files", (const char *[]){"dir=/x", "mode=10000", NULL}, CP_EUSAGE,
                 "files: mode \"10000\" is not an octal file mode such as 0644");
    expect_error("files", (const char *[]){"dir=/x", "mode=rw", NULL}, CP_EUSAGE,
                 "files: mode \"rw\" is not an octal file mode such as 0644");
    expect_error("files", (const char *[]){"dir=/x", "key_mode=0644", NULL}, CP_EUSAGE,
                 "files: key_mode 0644 would let every user on the system read the private key");
    expect_error("files", (const char *[]){"mode=0644", NULL}, CP_EUSAGE,
                 "files: nothing to write (set dir, or one of cert, chain, fullchain, key, combined)");
    expect_error("files", (const char *[]){"dir=/x", "fullchain=/x/cert.pem", NULL}, CP_EUSAGE,
                 "files: cert and fullchain are the same file /x/cert.pem");
    expect_error("files", (const char *[]){"cert=cert.pem", NULL}, CP_EUSAGE,
                 "files: cert \"cert.pem\" is not an absolute path");
    expect_error("files", (const char *[]){"dir=/x", "owner=no-such-user-cp", NULL}, CP_EUSAGE,
                 "files: owner \"no-such-user-cp\" is not a user on this system");
    expect_error("files", (const char *[]){"dir=/x", "group=no-such-group-cp", NULL}, CP_EUSAGE,
                 "files: group \"no-such-group-cp\" is not a group on this system");
    expect_error("files", (const char *[]){"dir=/x", "shell=yes", NULL}, CP_EUSAGE,
                 "files: shell is set but reload is not");
    expect_error("files", (const char *[]){"dir=/x", "shell=maybe", NULL}, CP_EUSAGE,
                 "files: shell \"maybe\" is not yes or no");
    expect_error("files", (const char *[]){"dir=/x", "reload=/bin/true", "reload_timeout=0", NULL},
                 CP_EUSAGE, "files: reload_timeout \"0\" is not a number from 1 to 3600");
    expect_error("files", (const char *[]){"dir=/x", "reload=no-such-program-cp -s reload", NULL},
                 CP_ENOTFOUND, "files: reload: program \"no-such-program-cp\" is not in PATH");
    expect_error("files", (const char *[]){"dir=/x", "reload=/bin/true 'x", NULL}, CP_EUSAGE,
                 "files: reload: unclosed ' in the command");
}

static void test_settings_errors_other_targets(void **state)
{
    (void)state;
    expect_error("pkcs12", (const char *[]){"legacy=yes", NULL}, CP_EUSAGE,
                 "pkcs12: path is not set (where to write the .pfx file)");
    expect_error("pkcs12", (const char *[]){"path=/x.pfx", "password=s3cret", NULL}, CP_EUSAGE,
                 "pkcs12: the password is not a setting; use password_file or password_env");
    expect_error("pkcs12", (const char *[]){"path=/x.pfx", "pasword_env=P", NULL}, CP_EUSAGE,
                 "pkcs12: unknown setting \"pasword_env\" (did you mean \"password_env\"?)");
    expect_error("pkcs12", (const char *[]){"path=/x.pfx", "password_file=/p", "password_env=P", NULL},
                 CP_EUSAGE, "pkcs12: set password_file or password_env, not both");
    expect_error("pkcs12", (const char *[]){"path=/x.pfx", "mode=0604", NULL}, CP_EUSAGE,
                 "pkcs12: mode 0604 would let every user on the system read the private key");
    expect_error("pkcs12", (const char *[]){"path=/x.pfx", "legacy=2", NULL}, CP_EUSAGE,
                 "pkcs12: legacy \"2\" is not yes or no");
    expect_error("exec", (const char *[]){"timeout=5", NULL}, CP_EUSAGE,
                 "exec: command is not set (the program to run)");
    expect_error("exec", (const char *[]){"command=", NULL}, CP_EUSAGE, "exec: the command is empty");
    expect_error("exec", (const char *[]){"command=/nonexistent/hook", NULL}, CP_ENOTFOUND,
                 "exec: /nonexistent/hook is not an executable file");
}

/* ---------- the compact form ---------- */

/* spec parses to type and exactly the pairs "k=v" (NULL-terminated). */
static void expect_spec(const char *spec, const char *type, const char *const *pairs)
{
    struct deploy_spec s = {0};
    struct err err = {0};
    size_t n = 0;

    assert_int_equal(deploy_spec_parse(spec, &s, &err), CP_OK);
    assert_string_equal(s.type, type);
    for (; pairs[n] != NULL; n++) {
        char *got;
        assert_true(n < s.n);
        got = str_printf("%s=%s", s.settings.items[n].key, s.settings.items[n].value);
        assert_string_equal(got, pairs[n]);
        free(got);
    }
    assert_int_equal(s.n, n);
    deploy_spec_free(&s);
}

static void expect_spec_error(const char *spec, const char *msg)
{
    struct deploy_spec s = {0};
    struct err err = {0};

    assert_int_equal(deploy_spec_parse(spec, &s, &err), CP_EUSAGE);
    assert_string_equal(err.msg, msg);
    assert_null(s.type);
}

/* A target made as data keeps its values as they are: a comma, colon, '=' or backslash in a
 * path is part of the path, and the text it is shown by parses back to the same settings. */
static void test_spec_from_data(void **state)
{
    static const struct kv set[] = {{"fullchain", "/x/chain.pem,reload=/usr/bin/touch /x/PWNED"},
                                    {"owner", "a:b=c\\d"}};
    struct deploy_spec s = {0};
    struct err err = {0};
    char *shown;

    (void)state;
    assert_int_equal(deploy_spec_from("files", &(struct kvlist){set, 2}, &s, &err), CP_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(kv_get(&s.settings, "fullchain"), set[0].value);
    assert_null(kv_get(&s.settings, "reload"));
    deploy_spec_free(&s);
    shown = deploy_spec_format("files", &(struct kvlist){set, 2});
    assert_string_equal(shown, "files:fullchain=/x/chain.pem\\,reload\\=/usr/bin/touch /x/PWNED,"
                               "owner=a\\:b\\=c\\\\d");
    expect_spec(shown, "files", (const char *[]){"fullchain=/x/chain.pem,reload=/usr/bin/touch /x/PWNED",
                                                 "owner=a:b=c\\d", NULL});
    free(shown);
    assert_int_equal(deploy_spec_from("nosuch", &(struct kvlist){set, 1}, &s, &err), CP_EUSAGE);
    assert_string_equal(err.msg, "unknown deploy target \"nosuch\" (known: files, pkcs12, exec, alicdn, "
                                 "aliapigw, alicas, alidcdn, alilive, alivod, aliclb, alialb, alinlb, aliwaf, aliapig, alifc, aliesa, alioss)");
}

/* Settings whose value would be a secret are told from names of where one is kept. */
static void test_setting_secret(void **state)
{
    (void)state;
    assert_true(deploy_setting_secret("password"));
    assert_true(deploy_setting_secret("passphrase"));
    assert_true(deploy_setting_secret("access_key_secret"));
    assert_true(deploy_setting_secret("token"));
    assert_true(deploy_setting_secret("private_key"));
    assert_true(deploy_setting_secret("key_pem"));
    assert_false(deploy_setting_secret("password_env"));
    assert_false(deploy_setting_secret("password_file"));
    assert_false(deploy_setting_secret("access_key_id"));
    assert_false(deploy_setting_secret("key"));
    assert_false(deploy_setting_secret("fullchain"));
}

static void test_spec_forms(void **state)
{
    (void)state;
    expect_spec("files", "files", (const char *[]){NULL});
    expect_spec("files:/etc/nginx/tls", "files", (const char *[]){"dir=/etc/nginx/tls", NULL});
    expect_spec("files:/etc/tls,reload=/usr/sbin/nginx -s reload", "files",
                (const char *[]){"dir=/etc/tls", "reload=/usr/sbin/nginx -s reload", NULL});
    expect_spec("files:fullchain=/a/f.pem,key=/a/k.pem,mode=0640,group=ssl", "files",
                (const char *[]){"fullchain=/a/f.pem", "key=/a/k.pem", "mode=0640", "group=ssl", NULL});
    expect_spec("files:/t,reload=/bin/sh -c 'a\\, b',shell", "files",
                (const char *[]){"dir=/t", "reload=/bin/sh -c 'a, b'", "shell=yes", NULL});
    expect_spec("pkcs12:/srv/site.pfx", "pkcs12", (const char *[]){"path=/srv/site.pfx", NULL});
    expect_spec("pkcs12:/srv/site.pfx:legacy", "pkcs12",
                (const char *[]){"legacy=yes", "path=/srv/site.pfx", NULL});
    expect_spec("pkcs12:/srv/site.pfx:legacy,password_env=P", "pkcs12",
                (const char *[]){"legacy=yes", "path=/srv/site.pfx", "password_env=P", NULL});
    expect_spec("pkcs12:C\\:/a:b.pfx,legacy=no", "pkcs12",
                (const char *[]){"path=C:/a:b.pfx", "legacy=no", NULL});
    expect_spec("pkcs12:path=/a.pfx,legacy", "pkcs12", (const char *[]){"path=/a.pfx", "legacy=yes", NULL});
    expect_spec("exec:/usr/local/bin/hook --mode=x a\\,b", "exec",
                (const char *[]){"command=/usr/local/bin/hook --mode=x a,b", NULL});
    expect_spec("exec:command=/h x,timeout=30", "exec", (const char *[]){"command=/h x", "timeout=30", NULL});
    expect_spec("files:cert=/a\\\\b", "files", (const char *[]){"cert=/a\\b", NULL});
}

static void test_spec_errors(void **state)
{
    (void)state;
    expect_spec_error("ftp:/x", UNKNOWN("ftp"));
    expect_spec_error("", UNKNOWN(""));
    expect_spec_error("files:/a,/b", "deploy target files: dir is given twice");
    expect_spec_error("files:/a,,mode=0600", "deploy target files: an empty setting (two commas?)");
    expect_spec_error("files:", "deploy target files: an empty setting (two commas?)");
    expect_spec_error("files:/a\\", "deploy target files: the text ends with a backslash");
}

/* ---------- the files target ---------- */

struct files_fixture {
    char *dir, *counter, *script;
    struct pems p;
};

static void files_setup(struct files_fixture *f)
{
    f->dir = test_tmpdir("cp-deploy");
    f->counter = str_printf("%s/reloads", f->dir);
    f->script = str_printf("%s/reload.sh", f->dir);
    write_script(f->script, "echo \"$CERTPILOT_SERIAL\" >>\"$1\"");
    make_pems(&f->p, 100);
}

static void files_teardown(struct files_fixture *f)
{
    test_rm_rf(f->dir);
    free(f->dir);
    free(f->counter);
    free(f->script);
    free_pems(&f->p);
}

/* Lines in the reload counter file (0 when it does not exist). */
static int reloads(const struct files_fixture *f)
{
    char *s;
    int n = 0;

    if (!fs_exists(f->counter))
        return 0;
    s = test_slurp(f->counter);
    for (char *p = s; *p; p++)
        n += *p == '\n';
    free(s);
    return n;
}

static struct deploy_target *files_target(const struct files_fixture *f, const char *extra)
{
    char *dir = str_printf("dir=%s/tls", f->dir), *comb = str_printf("combined=%s/tls/site.pem", f->dir);
    char *reload = str_printf("reload=%s %s", f->script, f->counter);
    struct err err = {0};
    struct deploy_target *t = build("files", (const char *[]){dir, comb, reload, extra, NULL}, &err);

    assert_non_null(t);
    free(dir);
    free(comb);
    free(reload);
    return t;
}

static char *in_dir(const struct files_fixture *f, const char *name)
{
    return str_printf("%s/tls/%s", f->dir, name);
}

static void assert_file(const struct files_fixture *f, const char *name, const char *content, mode_t mode)
{
    char *path = in_dir(f, name), *got = test_slurp(path);

    assert_string_equal(got, content);
    assert_int_equal(mode_of(path), mode);
    free(got);
    free(path);
}

static void test_files_writes_and_reloads_once(void **state)
{
    struct files_fixture f;
    struct deploy_target *t;
    struct err err = {0};
    bool changed = false;
    char *tls, *comb, *cert;
    ino_t ino;

    (void)state;
    files_setup(&f);
    tls = str_printf("%s/tls", f.dir);
    assert_int_equal(mkdir(tls, 0755), 0);
    t = files_target(&f, NULL);
    assert_int_equal(run(t, &f.p.view, &changed, &err), CP_OK);
    assert_true(changed);
    assert_int_equal(reloads(&f), 1);
    assert_file(&f, "cert.pem", f.p.cert, 0644);
    assert_file(&f, "chain.pem", f.p.chain, 0644);
    assert_file(&f, "fullchain.pem", f.p.fullchain, 0644);
    assert_file(&f, "privkey.pem", f.p.key, 0600);
    comb = str_printf("%s%s", f.p.key, f.p.fullchain);
    assert_file(&f, "site.pem", comb, 0600);
    cert = in_dir(&f, "cert.pem");
    ino = inode_of(cert);
    /* the same version again: nothing rewritten, no reload */
    assert_int_equal(run(t, &f.p.view, &changed, &err), CP_OK);
    assert_false(changed);
    assert_int_equal(reloads(&f), 1);
    assert_int_equal(inode_of(cert), ino);
    /* only a mode differs: fixed, but no reload */
    assert_int_equal(chmod(cert, 0600), 0);
    assert_int_equal(run(t, &f.p.view, &changed, &err), CP_OK);
    assert_true(changed);
    assert_int_equal(mode_of(cert), 0644);
    assert_int_equal(reloads(&f), 1);
    deploy_target_free(t);
    free(comb);
    free(cert);
    free(tls);
    files_teardown(&f);
}

static void test_files_new_version_reloads(void **state)
{
    struct files_fixture f;
    struct pems p2;
    struct deploy_target *t;
    struct err err = {0};
    bool changed = false;
    char *tls;

    (void)state;
    files_setup(&f);
    make_pems(&p2, 101);
    tls = str_printf("%s/tls", f.dir);
    assert_int_equal(mkdir(tls, 0755), 0);
    t = files_target(&f, "mode=0640");
    assert_int_equal(run(t, &f.p.view, &changed, &err), CP_OK);
    assert_int_equal(run(t, &p2.view, &changed, &err), CP_OK);
    assert_true(changed);
    assert_int_equal(reloads(&f), 2);
    assert_file(&f, "cert.pem", p2.cert, 0640);
    assert_file(&f, "privkey.pem", p2.key, 0600);
    deploy_target_free(t);
    free(tls);
    free_pems(&p2);
    files_teardown(&f);
}

static void test_files_owner_and_no_temp_left(void **state)
{
    struct files_fixture f;
    struct deploy_target *t;
    struct err err = {0};
    bool changed = false;
    uid_t uid = getuid() == 0 ? 65534 : getuid();
    gid_t gid = getuid() == 0 ? 65534 : getgid();
    char *owner = str_printf("owner=%ld", (long)uid), *group = str_printf("group=%ld", (long)gid);
    char *key = str_printf("key=%s/k.pem", f.dir = test_tmpdir("cp-deploy"));
    char *ls = str_printf("ls -a '%s' | grep -c tmp- >/dev/null", f.dir);
    struct stat st;

    (void)state;
    make_pems(&f.p, 7);
    t = build("files", (const char *[]){key, owner, group, "key_mode=0640", NULL}, &err);
    assert_non_null(t);
    assert_int_equal(run(t, &f.p.view, &changed, &err), CP_OK);
    assert_int_equal(stat(key + 4, &st), 0);
    assert_int_equal(st.st_uid, uid);
    assert_int_equal(st.st_gid, gid);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_not_equal(system(ls), 0); /* no temp file left next to it */
    deploy_target_free(t);
    test_rm_rf(f.dir);
    free(f.dir);
    free_pems(&f.p);
    free(owner);
    free(group);
    free(key);
    free(ls);
}

static void test_files_failing_reload(void **state)
{
    struct files_fixture f;
    struct deploy_target *t;
    struct err err = {0};
    bool changed = false;
    char *cert, *missing;

    (void)state;
    files_setup(&f);
    cert = str_printf("cert=%s/c.pem", f.dir);
    t = build("files", (const char *[]){cert, "reload=/bin/sh -c 'exit 3'", NULL}, &err);
    assert_non_null(t);
    assert_int_equal(run(t, &f.p.view, &changed, &err), CP_EIO);
    assert_string_equal(err.msg, "files: reload: /bin/sh exited with status 3 (the new files are in place)");
    assert_true(changed);
    assert_true(fs_exists(cert + 5));
    deploy_target_free(t);
    missing = str_printf("cert=%s/no/c.pem", f.dir);
    t = build("files", (const char *[]){missing, NULL}, &err);
    assert_int_equal(run(t, &f.p.view, &changed, &err), CP_ENOTFOUND);
    assert_string_equal(strstr(err.msg, "files: directory "), err.msg);
    assert_non_null(strstr(err.msg, "/no does not exist"));
    deploy_target_free(t);
    free(missing);
    free(cert);
    files_teardown(&f);
}

static void test_files_shell_reload(void **state)
{
    struct files_fixture f;
    struct deploy_target *t;
    struct err err = {0};
    bool changed = false;
    char *cert, *reload;

    (void)state;
    files_setup(&f);
    cert = str_printf("cert=%s/c.pem", f.dir);
    reload = str_printf("reload=echo x >>%s && true", f.counter);
    t = build("files", (const char *[]){cert, reload, "shell=yes", NULL}, &err);
    assert_non_null(t);
    assert_int_equal(run(t, &f.p.view, &changed, &err), CP_OK);
    assert_int_equal(reloads(&f), 1);
    deploy_target_free(t);
    free(cert);
    free(reload);
    files_teardown(&f);
}

/* ---------- PKCS#12 ---------- */

/* PBES2's key derivation and cipher, or the PBE's own NID. */
static void assert_pbe(const X509_ALGOR *alg, bool legacy)
{
    const ASN1_OBJECT *oid = NULL;
    PBE2PARAM *pbe2 = NULL;
    PBKDF2PARAM *kdf = NULL;

    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    if (legacy) {
        assert_int_equal(OBJ_obj2nid(oid), NID_pbe_WithSHA1And3_Key_TripleDES_CBC);
        return;
    }
    assert_int_equal(OBJ_obj2nid(oid), NID_pbes2);
    pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
    assert_non_null(pbe2);
    assert_int_equal(OBJ_obj2nid(pbe2->keyfunc->algorithm), NID_id_pbkdf2);
    assert_int_equal(OBJ_obj2nid(pbe2->encryption->algorithm), NID_aes_256_cbc);
    kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter);
    assert_non_null(kdf);
    assert_non_null(kdf->prf);
    assert_int_equal(OBJ_obj2nid(kdf->prf->algorithm), NID_hmacWithSHA256);
    PBKDF2PARAM_free(kdf);
    PBE2PARAM_free(pbe2);
}

/* The key bag of the plain data part: its algorithm and friendly name. */
static void assert_key_bags(PKCS7 *p7, bool legacy, const char *friendly)
{
    STACK_OF(PKCS12_SAFEBAG) *bags = PKCS12_unpack_p7data(p7);
    int keys = 0;

    assert_non_null(bags);
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
        PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
        const X509_ALGOR *alg = NULL;
        char *name;
        if (PKCS12_SAFEBAG_get_nid(bag) != NID_pkcs8ShroudedKeyBag)
            continue;
        X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, NULL);
        assert_pbe(alg, legacy);
        name = PKCS12_get_friendlyname(bag);
        assert_string_equal(name, friendly);
        OPENSSL_free(name);
        keys++;
    }
    assert_int_equal(keys, 1);
    sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
}

/* RFC 7292: the MAC digest, the encrypted certificate part, the shrouded key bag. */
static void assert_algorithms(PKCS12 *p12, bool legacy, const char *friendly)
{
    const X509_ALGOR *macalg = NULL;
    const ASN1_OBJECT *oid = NULL;
    STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes(p12);
    int encrypted = 0;

    PKCS12_get0_mac(NULL, &macalg, NULL, NULL, p12);
    assert_non_null(macalg);
    X509_ALGOR_get0(&oid, NULL, NULL, macalg);
    assert_int_equal(OBJ_obj2nid(oid), legacy ? NID_sha1 : NID_sha256);
    assert_non_null(safes);
    for (int i = 0; i < sk_PKCS7_num(safes); i++) {
        PKCS7 *p7 = sk_PKCS7_value(safes, i);
        if (OBJ_obj2nid(p7->type) == NID_pkcs7_encrypted) {
            assert_pbe(p7->d.encrypted->enc_data->algorithm, legacy);
            encrypted++;
        } else {
            assert_key_bags(p7, legacy, friendly);
        }
    }
    assert_int_equal(encrypted, 1);
    sk_PKCS7_pop_free(safes, PKCS7_free);
}

/* Parse path back with password: the key, the certificate and one chain certificate. */
static void assert_p12(const char *path, const char *password, const struct pems *p, bool legacy,
                       const char *friendly)
{
    char *der = NULL;
    size_t len = 0;
    const unsigned char *q;
    PKCS12 *p12;
    EVP_PKEY *key = NULL, *want = key_from_pem(p->key, p->view.key_len, "key", NULL);
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    char *cert_pem;

    assert_int_equal(mode_of(path), 0600);
    assert_int_equal(fs_read(path, 1 << 20, &der, &len, NULL), CP_OK);
    q = (const unsigned char *)der;
    assert_non_null(p12 = d2i_PKCS12(NULL, &q, (long)len));
    assert_int_equal(PKCS12_verify_mac(p12, "wrong", -1), 0);
    assert_int_equal(PKCS12_parse(p12, password, &key, &cert, &ca), 1);
    assert_int_equal(EVP_PKEY_eq(key, want), 1);
    cert_pem = x509_pem(cert);
    assert_string_equal(cert_pem, p->cert);
    assert_int_equal(sk_X509_num(ca), 1);
    assert_algorithms(p12, legacy, friendly);
    free(cert_pem);
    sk_X509_pop_free(ca, X509_free);
    X509_free(cert);
    EVP_PKEY_free(key);
    EVP_PKEY_free(want);
    PKCS12_free(p12);
    free(der);
}

/* Run a pkcs12 target once; whether it changed anything. */
static bool run_p12(const char *const *pairs, const struct pems *p)
{
    struct err err = {0};
    struct deploy_target *t = build("pkcs12", pairs, &err);
    bool changed = false;

    assert_non_null(t);
    assert_int_equal(run(t, &p->view, &changed, &err), CP_OK);
    deploy_target_free(t);
    return changed;
}

static void test_pkcs12_round_trip(void **state)
{
    struct pems p;
    char *dir = test_tmpdir("cp-deploy");
    char *pw = str_printf("%s/pw", dir), *path = str_printf("path=%s/m.pfx", dir);
    char *pwf = str_printf("password_file=%s", pw), *lpath = str_printf("path=%s/l.pfx", dir);
    char *epath = str_printf("path=%s/e.pfx", dir);

    (void)state;
    make_pems(&p, 9);
    assert_int_equal(fs_write_atomic(pw, "pass word\n", 10, 0600, NULL), CP_OK);
    assert_true(run_p12((const char *[]){path, pwf, NULL}, &p));
    assert_p12(path + 5, "pass word", &p, false, "a.example.test");
    setenv("CP_TEST_PFX", "env-pass", 1);
    assert_true(run_p12((const char *[]){lpath, "password_env=CP_TEST_PFX", "legacy=yes", "friendly_name=IIS", NULL}, &p));
    assert_p12(lpath + 5, "env-pass", &p, true, "IIS");
    assert_true(run_p12((const char *[]){epath, NULL}, &p));
    assert_p12(epath + 5, "", &p, false, "a.example.test");
    /* the same content again: left alone; another password, form or name: rewritten */
    assert_false(run_p12((const char *[]){path, pwf, NULL}, &p));
    assert_false(run_p12((const char *[]){lpath, "password_env=CP_TEST_PFX", "legacy=yes", "friendly_name=IIS", NULL}, &p));
    assert_false(run_p12((const char *[]){epath, NULL}, &p));
    assert_true(run_p12((const char *[]){lpath, "password_env=CP_TEST_PFX", "friendly_name=IIS", NULL}, &p));
    assert_p12(lpath + 5, "env-pass", &p, false, "IIS");
    assert_true(run_p12((const char *[]){lpath, "password_env=CP_TEST_PFX", NULL}, &p));
    assert_p12(lpath + 5, "env-pass", &p, false, "a.example.test");
    assert_true(run_p12((const char *[]){epath, "password_env=CP_TEST_PFX", NULL}, &p));
    assert_p12(epath + 5, "env-pass", &p, false, "a.example.test");
    unsetenv("CP_TEST_PFX");
    test_rm_rf(dir);
    free_pems(&p);
    free(dir);
    free(pw);
    free(path);
    free(pwf);
    free(lpath);
    free(epath);
}

/* Review 22, finding 4: the service user (nobody) owns svc/ and points svc/tls at a
 * directory of root's. The files and pkcs12 targets refuse, before writing anything
 * or calling the file there "up to date". Root only (the link must be another user's). */
static void test_deploy_planted_link(void **state)
{
    struct passwd *pw = getpwnam("nobody");
    struct pems p;
    char *dir, *svc, *link, *victim, *dirset, *owner, *pfx, *want;
    struct deploy_target *t;
    struct err err = {0};
    bool changed = false;

    (void)state;
    if (geteuid() != 0 || pw == NULL)
        skip();
    make_pems(&p, 3);
    dir = test_tmpdir("cp-deploy");
    svc = str_printf("%s/svc", dir);
    link = str_printf("%s/svc/tls", dir);
    victim = str_printf("%s/victim", dir);
    dirset = str_printf("dir=%s", link);
    owner = str_printf("owner=%s", pw->pw_name);
    pfx = str_printf("path=%s/site.pfx", link);
    assert_int_equal(mkdir(svc, 0755), 0);
    assert_int_equal(chown(svc, pw->pw_uid, (gid_t)-1), 0);
    assert_int_equal(mkdir(victim, 0700), 0);
    assert_int_equal(symlink(victim, link), 0);
    assert_int_equal(lchown(link, pw->pw_uid, (gid_t)-1), 0);
    t = build("files", (const char *[]){dirset, owner, NULL}, &err);
    assert_non_null(t);
    assert_int_equal(run(t, &p.view, &changed, &err), CP_EINVALID);
    want = str_printf("files: refusing to write %s/cert.pem: %s is a symbolic link of uid %ld; "
                      "give the directory it points to", link, link, (long)pw->pw_uid);
    assert_string_equal(err.msg, want);
    assert_false(changed);
    deploy_target_free(t);
    free(want);
    t = build("pkcs12", (const char *[]){pfx, owner, NULL}, &err);
    assert_non_null(t);
    assert_int_equal(run(t, &p.view, &changed, &err), CP_EINVALID);
    want = str_printf("pkcs12: refusing to write %s: %s is a symbolic link of uid %ld; "
                      "give the directory it points to", pfx + 5, link, (long)pw->pw_uid);
    assert_string_equal(err.msg, want);
    deploy_target_free(t);
    assert_int_equal(rmdir(victim), 0); /* still empty: nothing was written through the link */
    free(want);
    test_rm_rf(dir);
    free_pems(&p);
    free(dir);
    free(svc);
    free(link);
    free(victim);
    free(dirset);
    free(owner);
    free(pfx);
}

static void test_pkcs12_errors(void **state)
{
    struct pems p, other;
    struct pkcs12_input in;
    unsigned char *der = NULL;
    size_t len = 0;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;

    (void)state;
    make_pems(&p, 1);
    make_pems(&other, 2);
    in = (struct pkcs12_input){other.key, other.view.key_len, p.cert, p.chain, "x", "", false};
    assert_int_equal(pkcs12_build(&in, &der, &len, &err), CP_EINVALID);
    assert_string_equal(err.msg, "the private key is not the certificate's key");
    assert_null(der);
    in = (struct pkcs12_input){p.key, p.view.key_len, p.cert, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "x", "", false};
    assert_int_equal(pkcs12_build(&in, &der, &len, &err), CP_EINVALID);
    assert_non_null(strstr(err.msg, "chain: a certificate does not parse"));
    unsetenv("CP_TEST_NO_SUCH");
    t = build("pkcs12", (const char *[]){"path=/nonexistent/x.pfx", "password_env=CP_TEST_NO_SUCH", NULL}, &err);
    assert_int_equal(run(t, &p.view, &changed, &err), CP_EUSAGE);
    assert_string_equal(err.msg, "pkcs12: environment variable CP_TEST_NO_SUCH is not set");
    deploy_target_free(t);
    free_pems(&p);
    free_pems(&other);
}

/* ---------- exec ---------- */

static void test_exec_env(void **state)
{
    struct pems p;
    char *dir = test_tmpdir("cp-deploy"), *hook = str_printf("%s/hook.sh", dir);
    char *out = str_printf("%s/env", dir), *cmd = str_printf("command=%s '%s'", hook, out), *got;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;

    (void)state;
    make_pems(&p, 5);
    write_script(hook, "env | grep '^CERTPILOT_' | LC_ALL=C sort >\"$1\"");
    t = build("exec", (const char *[]){cmd, "timeout=10", NULL}, &err);
    assert_non_null(t);
    assert_int_equal(run(t, &p.view, &changed, &err), CP_OK);
    assert_true(changed);
    got = test_slurp(out);
    assert_string_equal(got, "CERTPILOT_CERT=/s/cert.pem\n"
                             "CERTPILOT_CERT_NAME=a.example.test\n"
                             "CERTPILOT_CHAIN=/s/chain.pem\n"
                             "CERTPILOT_FULLCHAIN=/s/fullchain.pem\n"
                             "CERTPILOT_KEY=/s/privkey.pem\n"
                             "CERTPILOT_NAMES=a.example.test b.example.test\n"
                             "CERTPILOT_NOT_AFTER=2023-11-14T22:13:20Z\n"
                             "CERTPILOT_SERIAL=0A1B\n");
    assert_null(strstr(got, "PRIVATE KEY"));
    deploy_target_free(t);
    free(got);
    test_rm_rf(dir);
    free_pems(&p);
    free(dir);
    free(hook);
    free(out);
    free(cmd);
}

static void test_exec_failure(void **state)
{
    struct pems p;
    struct err err = {0};
    struct deploy_target *t;
    bool changed = false;

    (void)state;
    make_pems(&p, 6);
    t = build("exec", (const char *[]){"command=/bin/sh -c 'exit 4'", NULL}, &err);
    assert_int_equal(run(t, &p.view, &changed, &err), CP_EIO);
    assert_string_equal(err.msg, "exec: /bin/sh exited with status 4");
    assert_false(changed);
    deploy_target_free(t);
    t = build("exec", (const char *[]){"command=/bin/sleep 5", "timeout=1", NULL}, &err);
    assert_int_equal(run(t, &p.view, &changed, &err), CP_ETIMEOUT);
    assert_string_equal(err.msg, "exec: /bin/sleep did not finish within 1 s and was stopped");
    deploy_target_free(t);
    free_pems(&p);
}

/* ---------- reading a stored version ---------- */

static void test_stored_load(void **state)
{
    char *root = test_tmpdir("cp-deploy"), *want_dir;
    struct store *st = NULL;
    struct pems p;
    struct store_cert_files f;
    json_t *meta = json_object();
    struct deploy_stored d;
    struct err err = {0};

    (void)state;
    make_pems(&p, 0x1F2E);
    f = (struct store_cert_files){p.cert, p.chain, p.key, p.view.key_len};
    assert_int_equal(store_open(root, &st, &err), CP_OK);
    assert_int_equal(deploy_stored_load(st, "a.example.test", &d, &err), CP_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no certificate named a.example.test"));
    deploy_stored_free(&d);
    assert_int_equal(store_cert_save(st, "a.example.test", "v1", &f, meta, &err), CP_OK);
    assert_int_equal(deploy_stored_load(st, "a.example.test", &d, &err), CP_OK);
    want_dir = str_printf("%s/certs/a.example.test/archive/v1/privkey.pem", root);
    assert_string_equal(d.view.key_path, want_dir);
    assert_string_equal(d.view.name, "a.example.test");
    assert_string_equal(d.view.serial_hex, "1F2E");
    assert_string_equal(d.view.cert_pem, p.cert);
    assert_string_equal(d.view.fullchain_pem, p.fullchain);
    assert_memory_equal(d.view.key_pem, p.key, p.view.key_len);
    assert_int_equal(d.view.key_len, p.view.key_len);
    assert_true(d.view.not_after > time(NULL));
    deploy_stored_free(&d);
    assert_int_equal(deploy_stored_load(st, "../x", &d, &err), CP_EUSAGE);
    json_decref(meta);
    store_free(st);
    test_rm_rf(root);
    free(root);
    free(want_dir);
    free_pems(&p);
}

/* ---------- argv ---------- */

static void expect_argv(const char *line, const char *const *want)
{
    char **v = NULL;
    size_t i = 0;

    assert_int_equal(argv_split(line, &v, "t", NULL), CP_OK);
    for (; want[i] != NULL; i++) {
        assert_non_null(v[i]);
        assert_string_equal(v[i], want[i]);
    }
    assert_null(v[i]);
    argv_free(v);
}

static void test_argv_split(void **state)
{
    char **v = NULL;
    struct err err = {0};

    (void)state;
    expect_argv("  /usr/sbin/nginx -s   reload ", (const char *[]){"/usr/sbin/nginx", "-s", "reload", NULL});
    expect_argv("a 'b c' \"d \\\"e\\\"\" f\\ g ''", (const char *[]){"a", "b c", "d \"e\"", "f g", "", NULL});
    expect_argv("x$HOME;y *", (const char *[]){"x$HOME;y", "*", NULL});
    assert_int_equal(argv_split("a \"b", &v, "t", &err), CP_EUSAGE);
    assert_string_equal(err.msg, "t: unclosed \" in the command");
    assert_int_equal(argv_split("a b\\", &v, "t", &err), CP_EUSAGE);
    assert_string_equal(err.msg, "t: the command ends with a backslash");
    assert_int_equal(argv_split(" \t", &v, "t", &err), CP_EUSAGE);
    assert_string_equal(err.msg, "t: the command is empty");
    assert_null(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_errors),
        cmocka_unit_test(test_settings_errors_other_targets),
        cmocka_unit_test(test_spec_forms),
        cmocka_unit_test(test_spec_from_data),
        cmocka_unit_test(test_setting_secret),
        cmocka_unit_test(test_spec_errors),
        cmocka_unit_test(test_files_writes_and_reloads_once),
        cmocka_unit_test(test_files_new_version_reloads),
        cmocka_unit_test(test_files_owner_and_no_temp_left),
        cmocka_unit_test(test_files_failing_reload),
        cmocka_unit_test(test_files_shell_reload),
        cmocka_unit_test(test_pkcs12_round_trip),
        cmocka_unit_test(test_pkcs12_errors),
        cmocka_unit_test(test_deploy_planted_link),
        cmocka_unit_test(test_exec_env),
        cmocka_unit_test(test_exec_failure),
        cmocka_unit_test(test_stored_load),
        cmocka_unit_test(test_argv_split),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
