/*
 * acme/noncepool — Replay-Nonces shared by every client of a run
 * (thread-safe). RFC 8555 §6.5: each reply carries a fresh nonce and any
 * unused nonce is good for the next request, so nonces from every worker's
 * replies feed every worker and newNonce is rarely asked. Newest first: the
 * newest is the least likely to have expired. Bounded: the oldest are dropped.
 */
#ifndef CP_ACME_NONCEPOOL_H
#define CP_ACME_NONCEPOOL_H

#include <stddef.h>

struct nonce_pool;

/* cap: how many nonces are kept (0: 64). NULL when out of memory. */
struct nonce_pool *nonce_pool_new(size_t cap);
void nonce_pool_free(struct nonce_pool *p);

/* Keep a copy of nonce (dropping the oldest when full). */
void nonce_pool_put(struct nonce_pool *p, const char *nonce);

/* The newest nonce, the caller's to free; NULL when the pool is empty. */
char *nonce_pool_take(struct nonce_pool *p);

#endif
