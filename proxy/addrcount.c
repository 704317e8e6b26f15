/* addrcount.c - see addrcount.h. FNV-1a over the address bytes. */
#include "addrcount.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ADDRCOUNT_BUCKETS 4096

struct ac_node {
    struct ac_node *next;
    uint8_t key[17];   /* family tag + up to 16 address bytes */
    size_t key_len;
    size_t count;
};

struct addrcount {
    struct ac_node *b[ADDRCOUNT_BUCKETS];
};

static size_t
ac_key(const struct sockaddr *sa, uint8_t key[17])
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        key[0] = 4;
        memcpy(key + 1, &in->sin_addr, 4);
        return 5;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        key[0] = 6;
        memcpy(key + 1, &in6->sin6_addr, 16);
        return 17;
    }
    key[0] = 0;
    return 1;
}

static size_t
ac_hash(const uint8_t *k, size_t n)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++) {
        h = (h ^ k[i]) * 16777619u;
    }
    return h % ADDRCOUNT_BUCKETS;
}

struct addrcount *
addrcount_new(void)
{
    return calloc(1, sizeof(struct addrcount));
}

void
addrcount_free(struct addrcount *ac)
{
    if (ac == NULL) {
        return;
    }
    for (size_t i = 0; i < ADDRCOUNT_BUCKETS; i++) {
        struct ac_node *n = ac->b[i];
        while (n != NULL) {
            struct ac_node *next = n->next;
            free(n);
            n = next;
        }
    }
    free(ac);
}

static struct ac_node **
ac_find(struct addrcount *ac, const uint8_t *k, size_t n)
{
    struct ac_node **pp = &ac->b[ac_hash(k, n)];

    while (*pp != NULL) {
        if ((*pp)->key_len == n && memcmp((*pp)->key, k, n) == 0) {
            return pp;
        }
        pp = &(*pp)->next;
    }
    return pp;
}

bool
addrcount_inc(struct addrcount *ac, const struct sockaddr *sa, size_t max)
{
    uint8_t k[17];
    size_t n = ac_key(sa, k);
    struct ac_node **pp = ac_find(ac, k, n);

    if (*pp != NULL) {
        if ((*pp)->count >= max) {
            return false;
        }
        (*pp)->count++;
        return true;
    }
    if (max == 0) {
        return false;
    }
    struct ac_node *node = calloc(1, sizeof(*node));
    if (node == NULL) {
        return false;
    }
    memcpy(node->key, k, n);
    node->key_len = n;
    node->count = 1;
    *pp = node;
    return true;
}

void
addrcount_dec(struct addrcount *ac, const struct sockaddr *sa)
{
    uint8_t k[17];
    size_t n = ac_key(sa, k);
    struct ac_node **pp = ac_find(ac, k, n);

    if (*pp == NULL) {
        return;
    }
    if (--(*pp)->count == 0) {
        struct ac_node *dead = *pp;
        *pp = dead->next;
        free(dead);
    }
}
