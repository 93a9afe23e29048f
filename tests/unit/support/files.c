#include "support/files.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/fsio.h"
#include "util/str.h"

char *test_tmpdir(const char *prefix)
{
    char *tmpl = str_printf("/tmp/%s-XXXXXX", prefix);

    assert_non_null(tmpl);
    assert_non_null(mkdtemp(tmpl));
    return tmpl;
}

void test_rm_rf(const char *dir)
{
    char *cmd = str_printf("rm -rf '%s'", dir);

    assert_true(str_has_prefix(dir, "/tmp/"));
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

char *test_slurp(const char *path)
{
    char *data = NULL;
    size_t len = 0;

    assert_int_equal(fs_read(path, 1 << 20, &data, &len, NULL), CP_OK);
    return data;
}

char *test_memdup_str(const void *p, size_t n)
{
    char *s = malloc(n + 1);

    assert_non_null(s);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}
