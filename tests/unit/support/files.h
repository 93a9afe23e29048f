/*
 * tests/unit/support/files — temporary directories and whole-file reads
 * for unit tests. Every returned string is malloc'd.
 */
#ifndef CP_TEST_FILES_H
#define CP_TEST_FILES_H

#include <stddef.h>

/* A fresh directory under /tmp whose name starts with prefix. */
char *test_tmpdir(const char *prefix);
/* Remove a directory tree made by test_tmpdir. */
void test_rm_rf(const char *dir);
/* The whole file, NUL-terminated (fails the test when unreadable). */
char *test_slurp(const char *path);

/* A NUL-terminated copy of n bytes that need not be NUL-terminated (a BIO's
 * memory: strndup would read past them, which ASan's strict_string_checks catches). */
char *test_memdup_str(const void *p, size_t n);

#endif
