/* The crash journal of dns-01 records (dns_journal_parse, what
 * dns_journal_read reads from the file a dead run left): what it accepts
 * comes back the same through dns_journal_format and a second parse, so
 * the next run removes exactly the records this one lists. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "dns/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void check_round_trip(const struct dns_journal *j)
{
    char *text = dns_journal_format(j->provider, j->pid, j->recs, j->n);
    struct dns_journal k;
    struct err e = {0};

    if (text == NULL || dns_journal_parse(text, strlen(text), "again", &k, &e) != CP_OK)
        abort();
    if (!same(j->provider, k.provider) || j->pid != k.pid || j->n != k.n)
        abort();
    for (size_t i = 0; i < j->n; i++) {
        const struct dns_txt *a = &j->recs[i], *b = &k.recs[i];
        if (!same(a->fqdn, b->fqdn) || !same(a->value, b->value) || !same(a->zone, b->zone) ||
            !same(a->id, b->id) || !b->added)
            abort();
    }
    dns_journal_clear(&k);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    struct dns_journal j;
    struct err e = {0};
    int rc = dns_journal_parse((const char *)data, len, "fuzz.json", &j, &e);

    if (rc != CP_OK) {
        fuzz_check_failure(&e, rc);
        if (j.provider != NULL || j.recs != NULL || j.strs != NULL || j.n != 0)
            abort();
        return 0;
    }
    check_round_trip(&j);
    dns_journal_clear(&j);
    return 0;
}
