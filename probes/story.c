/*
 * story.c - the retry tracker. Stories live in a fixed array of slots
 * allocated once; a hash of (peer address, listener) chains slots into
 * buckets, and a doubly linked list keeps them in least-recently-used
 * order so the oldest is evicted when the table is full. Every operation
 * is O(chain length) plus O(1) list updates.
 *
 * Story verdicts (doc/verdicts.md, "Stories"):
 *   tls12_never_offered           FAIL: no attempt reached the minimum
 *   fallback_with_scsv            PASS: minimum offered first; later
 *                                 retries at lower versions carry the SCSV
 *   fallback_without_scsv         WARN: ... but without the SCSV
 *   minimum_only_on_retry         WARN: the minimum came only on a retry
 *   minimum_offered               PASS: every hello reached the minimum
 *   minimum_offered_but_failed    FAIL: it did, but each such attempt
 *                                 failed for another reason (e.g. suites)
 *   no_hello                      the kind of the last attempt
 */
#include "story.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "verdict.h"

#define NONE ((size_t)-1)

struct slot {
    struct story s;
    bool used;
    uint64_t key;           /* hash of peer + listener */
    size_t bucket_next;
    size_t lru_prev;
    size_t lru_next;
    bool has_sni, has_alpn, has_ehlo;
    uint64_t sni, alpn, ehlo;
};

struct story_tracker {
    unsigned window;
    uint16_t minimum;
    size_t cap;
    size_t used;
    struct slot *slots;
    size_t nbuckets;
    size_t *buckets;
    size_t lru_head;        /* most recent */
    size_t lru_tail;        /* least recent */
    uint64_t next_id;
};

static uint64_t
fnv_bytes(uint64_t h, const struct bcur *v)
{
    struct bcur c = *v;
    uint8_t b;

    while (bcur_get_u8(&c, &b)) {
        h ^= b;
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t
fnv_str(uint64_t h, const char *s, size_t cap)
{
    for (size_t i = 0; i < cap && s[i] != '\0'; i++) {
        h ^= (uint8_t)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

struct story_tracker *
story_tracker_new_cap(unsigned window_seconds, size_t capacity)
{
    struct story_tracker *t;

    if (capacity == 0 || capacity > (1u << 24)) {
        return NULL;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return NULL;
    }
    t->window = window_seconds;
    t->minimum = TLSV_TLS12;
    t->cap = capacity;
    t->nbuckets = 1;
    while (t->nbuckets < capacity * 2) {
        t->nbuckets <<= 1;
    }
    t->slots = calloc(capacity, sizeof(*t->slots));
    t->buckets = malloc(t->nbuckets * sizeof(*t->buckets));
    if (t->slots == NULL || t->buckets == NULL) {
        story_tracker_free(t);
        return NULL;
    }
    for (size_t i = 0; i < t->nbuckets; i++) {
        t->buckets[i] = NONE;
    }
    t->lru_head = t->lru_tail = NONE;
    t->next_id = 1;
    return t;
}

struct story_tracker *
story_tracker_new(unsigned window_seconds)
{
    return story_tracker_new_cap(window_seconds, STORY_DEFAULT_CAPACITY);
}

void
story_tracker_free(struct story_tracker *t)
{
    if (t == NULL) {
        return;
    }
    free(t->slots);
    free(t->buckets);
    free(t);
}

void
story_tracker_set_minimum(struct story_tracker *t, uint16_t version)
{
    t->minimum = version;
}

size_t
story_count(const struct story_tracker *t)
{
    return t->used;
}

static void
lru_unlink(struct story_tracker *t, size_t i)
{
    struct slot *s = &t->slots[i];

    if (s->lru_prev != NONE) {
        t->slots[s->lru_prev].lru_next = s->lru_next;
    } else {
        t->lru_head = s->lru_next;
    }
    if (s->lru_next != NONE) {
        t->slots[s->lru_next].lru_prev = s->lru_prev;
    } else {
        t->lru_tail = s->lru_prev;
    }
    s->lru_prev = s->lru_next = NONE;
}

static void
lru_push_front(struct story_tracker *t, size_t i)
{
    struct slot *s = &t->slots[i];

    s->lru_prev = NONE;
    s->lru_next = t->lru_head;
    if (t->lru_head != NONE) {
        t->slots[t->lru_head].lru_prev = i;
    }
    t->lru_head = i;
    if (t->lru_tail == NONE) {
        t->lru_tail = i;
    }
}

static void
bucket_remove(struct story_tracker *t, size_t i)
{
    size_t *p = &t->buckets[t->slots[i].key & (t->nbuckets - 1)];

    while (*p != NONE) {
        if (*p == i) {
            *p = t->slots[i].bucket_next;
            return;
        }
        p = &t->slots[*p].bucket_next;
    }
}

/* Seconds from a to b (b - a), saturated. */
static long long
secs_between(const struct timespec *a, const struct timespec *b)
{
    return (long long)b->tv_sec - (long long)a->tv_sec;
}

static bool
field_eq(const char *a, const char *b, size_t cap)
{
    return strncmp(a, b, cap) == 0;
}

static bool
hint_ok(bool ha, uint64_t va, bool hb, uint64_t vb)
{
    return !(ha && hb && va != vb);
}

static int
rank(uint16_t v)
{
    return verdict_version_rank(v);
}

static void
summarise(const struct story_tracker *t, struct story *s)
{
    int min = rank(t->minimum);
    size_t first_hello = NONE;
    bool any_ok = false, any_ok_not_failed = false;
    bool fallback = false, fallback_no_scsv = false;

    for (size_t i = 0; i < s->num_steps; i++) {
        const struct story_step *st = &s->steps[i];
        if (!st->have_hello) {
            continue;
        }
        if (first_hello == NONE) {
            first_hello = i;
        }
        if (rank(st->highest_version) >= min && min > 0) {
            any_ok = true;
            if (st->kind != VERDICT_FAIL) {
                any_ok_not_failed = true;
            }
        }
        if (first_hello != i &&
            rank(st->highest_version) <
                rank(s->steps[first_hello].highest_version)) {
            fallback = true;
            if (!st->fallback_scsv) {
                fallback_no_scsv = true;
            }
        }
    }
    if (first_hello == NONE) {
        s->kind = s->steps[s->num_steps - 1].kind;
        s->code = "no_hello";
        return;
    }
    if (!any_ok) {
        s->kind = VERDICT_FAIL;
        s->code = "tls12_never_offered";
        return;
    }
    if (!any_ok_not_failed) {
        s->kind = VERDICT_FAIL;
        s->code = "minimum_offered_but_failed";
        return;
    }
    if (rank(s->steps[first_hello].highest_version) < min) {
        s->kind = VERDICT_WARN;
        s->code = "minimum_only_on_retry";
        return;
    }
    if (fallback) {
        s->kind = fallback_no_scsv ? VERDICT_WARN : VERDICT_PASS;
        s->code = fallback_no_scsv ? "fallback_without_scsv"
                                   : "fallback_with_scsv";
        return;
    }
    s->kind = VERDICT_PASS;
    s->code = "minimum_offered";
}

static void
add_step(struct story *s, const struct attempt *a, const struct timespec *t)
{
    struct story_step *st;

    if (s->num_steps < STORY_MAX_STEPS) {
        st = &s->steps[s->num_steps++];
    } else {
        st = &s->steps[STORY_MAX_STEPS - 1]; /* keep the latest */
    }
    memset(st, 0, sizeof(*st));
    st->attempt_id = a->id;
    st->t = *t;
    st->have_hello = a->have_hello;
    st->highest_version = a->have_hello ? verdict_highest_offered(&a->ch) : 0;
    st->fallback_scsv = a->have_hello && a->ch.fallback_scsv;
    st->kind = a->verdict.kind;
    st->end = a->end;
    s->num_attempts++;
    s->last = *t;
}

const struct story *
story_assign(struct story_tracker *t, struct attempt *a)
{
    struct timespec now = a->t_start;
    uint64_t key;
    size_t best = NONE, i;
    struct slot probe;
    struct bcur ehlo;

    if (now.tv_sec == 0 && now.tv_nsec == 0) {
        now = a->t_end;
    }
    memset(&probe, 0, sizeof(probe));
    if (a->have_hello && a->ch.has_sni) {
        probe.has_sni = true;
        probe.sni = fnv_bytes(0xcbf29ce484222325ull, &a->ch.sni);
    }
    if (a->have_hello && a->ch.has_alpn) {
        probe.has_alpn = true;
        probe.alpn = fnv_bytes(0xcbf29ce484222325ull, &a->ch.alpn);
    }
    if (a->ehlo_name_len > 0) {
        bcur_init(&ehlo, a->ehlo_name, a->ehlo_name_len > ATTEMPT_HINT_MAX
                                           ? ATTEMPT_HINT_MAX
                                           : a->ehlo_name_len);
        probe.has_ehlo = true;
        probe.ehlo = fnv_bytes(0xcbf29ce484222325ull, &ehlo);
    }
    key = fnv_str(0xcbf29ce484222325ull, a->peer_addr, sizeof(a->peer_addr));
    key = fnv_str(key * 31u + 1u, a->listener, sizeof(a->listener));

    for (i = t->buckets[key & (t->nbuckets - 1)]; i != NONE;
         i = t->slots[i].bucket_next) {
        struct slot *s = &t->slots[i];
        long long gap = secs_between(&s->s.last, &now);
        if (s->key != key ||
            !field_eq(s->s.peer_addr, a->peer_addr, ATTEMPT_ADDR_MAX) ||
            !field_eq(s->s.listener, a->listener, ATTEMPT_NAME_MAX)) {
            continue;
        }
        if (gap > (long long)t->window || gap < -(long long)t->window) {
            continue;
        }
        if (!hint_ok(s->has_sni, s->sni, probe.has_sni, probe.sni) ||
            !hint_ok(s->has_alpn, s->alpn, probe.has_alpn, probe.alpn) ||
            !hint_ok(s->has_ehlo, s->ehlo, probe.has_ehlo, probe.ehlo)) {
            continue;
        }
        if (best == NONE ||
            secs_between(&t->slots[best].s.last, &s->s.last) > 0) {
            best = i;
        }
    }

    if (best == NONE) {
        if (t->used < t->cap) {
            best = t->used++;
        } else {
            best = t->lru_tail;
            lru_unlink(t, best);
            bucket_remove(t, best);
        }
        struct slot *s = &t->slots[best];
        memset(s, 0, sizeof(*s));
        s->used = true;
        s->key = key;
        s->lru_prev = s->lru_next = NONE;
        s->s.id = t->next_id++;
        memcpy(s->s.peer_addr, a->peer_addr, ATTEMPT_ADDR_MAX);
        s->s.peer_addr[ATTEMPT_ADDR_MAX - 1] = '\0';
        memcpy(s->s.listener, a->listener, ATTEMPT_NAME_MAX);
        s->s.listener[ATTEMPT_NAME_MAX - 1] = '\0';
        s->s.first = now;
        s->bucket_next = t->buckets[key & (t->nbuckets - 1)];
        t->buckets[key & (t->nbuckets - 1)] = best;
    } else {
        lru_unlink(t, best);
    }
    lru_push_front(t, best);

    struct slot *s = &t->slots[best];
    /* Hints learned later fill in (e.g. EHLO before, SNI after). */
    if (probe.has_sni) {
        s->has_sni = true;
        s->sni = probe.sni;
    }
    if (probe.has_alpn) {
        s->has_alpn = true;
        s->alpn = probe.alpn;
    }
    if (probe.has_ehlo) {
        s->has_ehlo = true;
        s->ehlo = probe.ehlo;
    }
    add_step(&s->s, a, &now);
    summarise(t, &s->s);
    a->story_id = s->s.id;
    a->story_seq = s->s.num_attempts;
    return &s->s;
}

const struct story *
story_get(const struct story_tracker *t, uint64_t id)
{
    for (size_t i = 0; i < t->used; i++) {
        if (t->slots[i].used && t->slots[i].s.id == id) {
            return &t->slots[i].s;
        }
    }
    return NULL;
}

static const struct {
    const char *code, *en, *ja;
} story_texts[] = {
    /*
     * The minimum is the listener's policy's (TLS 1.2 for tls12 and
     * office365, TLS 1.3 for tls13), so the texts do not name a version.
     */
    {"tls12_never_offered",
     "No attempt offered the minimum version the policy requires: the "
     "client will not connect to such a server however often it retries.",
     "どの接続でもポリシーが要求する最低バージョンが提示されませんでした。"
     "何度再試行してもこのポリシーのサーバーには接続できません。"},
    {"fallback_with_scsv",
     "Offers the policy's minimum version or higher first and only falls "
     "back when refused (with TLS_FALLBACK_SCSV): fine against a server "
     "with this policy.",
     "最初にポリシーの最低バージョン以上を提示し、拒否されたときだけ"
     "(TLS_FALLBACK_SCSV 付きで)低いバージョンに下げています。このポリシー"
     "のサーバーとは問題なく接続できます。"},
    {"fallback_without_scsv",
     "Started at the policy's minimum version or higher, then fell back to "
     "a lower version without TLS_FALLBACK_SCSV: works against a server "
     "with this policy, but an attacker could force the downgrade.",
     "ポリシーの最低バージョン以上で始めた後、TLS_FALLBACK_SCSV なしで低い"
     "バージョンに下げています。このポリシーのサーバーとは接続できますが、"
     "攻撃者にダウングレードを強制される恐れがあります。"},
    {"minimum_only_on_retry",
     "The policy's minimum version was offered only on a retry, after a "
     "first attempt at a lower version.",
     "最初は低いバージョンで接続し、再試行のときだけポリシーの最低"
     "バージョン以上を提示しました。"},
    {"minimum_offered",
     "Every attempt offered the policy's minimum version or higher.",
     "すべての接続でポリシーの最低バージョン以上が提示されました。"},
    {"minimum_offered_but_failed",
     "The policy's minimum version was offered, but every such attempt "
     "failed for another reason (see the attempts' reasons, e.g. cipher "
     "suites).",
     "ポリシーの最低バージョンは提示されましたが、いずれの接続も別の理由"
     "(暗号スイートなど。各接続の理由を参照)で失敗しました。"},
    {"no_hello",
     "No ClientHello was seen in this story.",
     "この一連の接続では ClientHello を確認できませんでした。"},
};

const char *
story_code_text(const char *code, const char *lang)
{
    bool ja = lang != NULL && lang[0] == 'j' && lang[1] == 'a';

    if (code == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < ARRAY_LEN(story_texts); i++) {
        if (strcmp(story_texts[i].code, code) == 0) {
            return ja ? story_texts[i].ja : story_texts[i].en;
        }
    }
    return NULL;
}

void
story_json(const struct story *s, struct jw *w, const char *lang)
{
    jw_obj_begin(w);
    jw_kv_uint(w, "story_id", s->id);
    jw_kv_str(w, "peer", s->peer_addr);
    jw_kv_str(w, "listener", s->listener);
    jw_kv_uint(w, "attempts", s->num_attempts);
    jw_kv_int(w, "first", (long long)s->first.tv_sec);
    jw_kv_int(w, "last", (long long)s->last.tv_sec);
    jw_key(w, "versions");
    jw_arr_begin(w);
    for (size_t i = 0; i < s->num_steps; i++) {
        if (s->steps[i].have_hello) {
            jw_str(w, verdict_version_str(s->steps[i].highest_version));
        } else {
            jw_null(w);
        }
    }
    jw_arr_end(w);
    jw_key(w, "scsv");
    jw_arr_begin(w);
    for (size_t i = 0; i < s->num_steps; i++) {
        jw_bool(w, s->steps[i].fallback_scsv);
    }
    jw_arr_end(w);
    jw_key(w, "attempt_ids");
    jw_arr_begin(w);
    for (size_t i = 0; i < s->num_steps; i++) {
        jw_uint(w, s->steps[i].attempt_id);
    }
    jw_arr_end(w);
    jw_kv_str(w, "verdict", verdict_kind_str(s->kind));
    jw_kv_str(w, "code", s->code != NULL ? s->code : "");
    jw_kv_str(w, "text", s->code != NULL ? story_code_text(s->code, lang)
                                         : "");
    jw_obj_end(w);
}
