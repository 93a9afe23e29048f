/*
 * cloud/aliyun/ossxml — the little XML that OSS's API needs, without an XML
 * library: writing a request's few elements (every value escaped) and
 * reading a reply into a tree of elements with their text, with bounds
 * (size, depth, element count) and refusing what OSS does not send
 * (DOCTYPE, comments, CDATA, processing instructions after the prolog,
 * mixed or mismatched elements, unknown entities).
 *
 * Every returned pointer belongs to the caller.
 */
#ifndef CP_CLOUD_ALIYUN_OSSXML_H
#define CP_CLOUD_ALIYUN_OSSXML_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define OSSXML_MAX_DEPTH 16
#define OSSXML_MAX_NODES 20000
#define OSSXML_MAX_SIZE (4u << 20)

struct ossxml_node {
    char *name;
    char *text;  /* the decoded text of an element without children; "" otherwise */
    struct ossxml_node *kids;
    size_t nkids;
};

/* Append "<name>escaped value</name>" to b (value escaped: & < > " '). CP_ENOMEM. */
int ossxml_element(struct buf *b, const char *name, const char *value) CP_WUR;

/* Parse xml (len bytes) into *root (free with ossxml_free). CP_EPROTO "<what>: ..." naming what is wrong
 * and where (a byte offset), CP_ENOMEM. */
int ossxml_parse(const char *xml, size_t len, const char *what, struct ossxml_node **root,
                 struct err *err) CP_WUR;
void ossxml_free(struct ossxml_node *n);

/* The first child of n called name, or NULL (borrowed). */
const struct ossxml_node *ossxml_child(const struct ossxml_node *n, const char *name);

/* The text of n's first child called name, or NULL (borrowed). */
const char *ossxml_text(const struct ossxml_node *n, const char *name);

#endif
