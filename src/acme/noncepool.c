#include "acme/noncepool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct nonce_pool {
    pthread_mutex_t lock;
    char **ring;  /* ring[(head + i) % cap] for i < n, oldest first */
    size_t cap, head, n;
};

struct nonce_pool *nonce_pool_new(size_t cap)
{
    struct nonce_pool *p = calloc(1, sizeof(*p));

    if (p == NULL)
        return NULL;
    p->cap = cap ? cap : 64;
    if ((p->ring = calloc(p->cap, sizeof(char *))) == NULL) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

void nonce_pool_free(struct nonce_pool *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->ring[(p->head + i) % p->cap]);
    free(p->ring);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void nonce_pool_put(struct nonce_pool *p, const char *nonce)
{
    char *copy = nonce ? strdup(nonce) : NULL;

    if (p == NULL || copy == NULL) {
        free(copy);
        return;
    }
    pthread_mutex_lock(&p->lock);
    if (p->n == p->cap) {  /* full: the oldest goes */
        free(p->ring[p->head]);
        p->head = (p->head + 1) % p->cap;
        p->n--;
    }
    p->ring[(p->head + p->n) % p->cap] = copy;
    p->n++;
    pthread_mutex_unlock(&p->lock);
}

char *nonce_pool_take(struct nonce_pool *p)
{
    char *n = NULL;

    if (p == NULL)
        return NULL;
    pthread_mutex_lock(&p->lock);
    if (p->n > 0) {
        n = p->ring[(p->head + p->n - 1) % p->cap];
        p->n--;
    }
    pthread_mutex_unlock(&p->lock);
    return n;
}
