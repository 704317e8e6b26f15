/*
 * test_story.c - linked retries: a fallback sequence from one peer becomes
 * one story (with and without TLS_FALLBACK_SCSV); other peers, other
 * listeners, other SNI and gaps beyond the window do not link; the table
 * is bounded (LRU); the JSON summary is one valid object. Time comes from
 * the attempts, so nothing sleeps.
 */
#include <stdio.h>
#include <string.h>

#include "attempt.h"
#include "json.h"
#include "story.h"
#include "tl.h"

static const uint8_t sni_a[] = "mail.example.test";
static const uint8_t sni_b[] = "other.example.test";

static void
mk(struct attempt *a, uint64_t id, const char *peer, const char *listener,
   time_t t, uint16_t high, bool scsv, enum verdict_kind kind)
{
    memset(a, 0, sizeof(*a));
    a->id = id;
    snprintf(a->peer_addr, sizeof(a->peer_addr), "%s", peer);
    snprintf(a->listener, sizeof(a->listener), "%s", listener);
    a->t_start.tv_sec = t;
    a->verdict.kind = kind;
    if (high != 0) {
        a->have_hello = true;
        a->ch.num_versions = 0;
        for (uint16_t v = high; v >= 0x0301; v--) {
            a->ch.versions[a->ch.num_versions++] = v;
        }
        a->ch.highest_version = high;
        a->ch.fallback_scsv = scsv;
        a->ch.has_sni = true;
        bcur_init(&a->ch.sni, sni_a, sizeof(sni_a) - 1);
    } else {
        a->end = END_CLIENT_CLOSED;
    }
}

static void
test_fallback(bool scsv)
{
    struct story_tracker *t = story_tracker_new(60);
    struct attempt a;
    const struct story *s;

    CHECK(t != NULL);
    mk(&a, 1, "192.0.2.7", "imap", 1000, 0x0303, false, VERDICT_PASS);
    s = story_assign(t, &a);
    CHECK(a.story_id == 1 && a.story_seq == 1);
    CHECK(strcmp(s->code, "minimum_offered") == 0);
    mk(&a, 2, "192.0.2.7", "imap", 1001, 0x0302, scsv, VERDICT_FAIL);
    s = story_assign(t, &a);
    CHECK(a.story_id == 1 && a.story_seq == 2);
    mk(&a, 3, "192.0.2.7", "imap", 1003, 0x0301, scsv, VERDICT_FAIL);
    s = story_assign(t, &a);
    CHECK(a.story_id == 1 && a.story_seq == 3);
    CHECK(s->num_attempts == 3 && s->num_steps == 3);
    CHECK(s->steps[0].highest_version == 0x0303);
    CHECK(s->steps[2].highest_version == 0x0301);
    if (scsv) {
        CHECK(s->kind == VERDICT_PASS);
        CHECK(strcmp(s->code, "fallback_with_scsv") == 0);
    } else {
        CHECK(s->kind == VERDICT_WARN);
        CHECK(strcmp(s->code, "fallback_without_scsv") == 0);
    }
    CHECK(story_count(t) == 1);
    CHECK(story_get(t, 1) == s);
    CHECK(story_get(t, 99) == NULL);

    /* JSON: one object with the version sequence. */
    {
        struct bbuf b;
        struct jw w;
        const char *txt;
        bbuf_init(&b, 4096);
        jw_init(&w, &b);
        story_json(s, &w, "en");
        CHECK(jw_ok(&w));
        txt = bbuf_cstr(&b);
        CHECK(strstr(txt, "\"versions\":[\"TLS 1.2\",\"TLS 1.1\","
                          "\"TLS 1.0\"]") != NULL);
        CHECK(strstr(txt, scsv ? "\"scsv\":[false,true,true]"
                               : "\"scsv\":[false,false,false]") != NULL);
        CHECK(strstr(txt, "\"attempts\":3") != NULL);
        CHECK(strchr(txt, '\n') == NULL);
        bbuf_reset(&b);
        jw_init(&w, &b);
        story_json(s, &w, "ja");
        CHECK(jw_ok(&w));
        CHECK(strstr(bbuf_cstr(&b), "\xe3") != NULL ||
              strstr(bbuf_cstr(&b), "\\u") != NULL);
        bbuf_cleanup(&b);
    }
    story_tracker_free(t);
}

static void
test_never(void)
{
    struct story_tracker *t = story_tracker_new(60);
    struct attempt a;
    const struct story *s = NULL;

    for (int i = 0; i < 3; i++) {
        mk(&a, (uint64_t)i + 1, "198.51.100.2", "pop3s", 50 + i, 0x0301,
           false, VERDICT_FAIL);
        s = story_assign(t, &a);
    }
    CHECK(s != NULL && s->kind == VERDICT_FAIL);
    CHECK(strcmp(s->code, "tls12_never_offered") == 0);
    CHECK(a.story_seq == 3);

    /* TLS 1.2 only on the retry. */
    mk(&a, 10, "198.51.100.3", "pop3s", 50, 0x0301, false, VERDICT_FAIL);
    (void)story_assign(t, &a);
    mk(&a, 11, "198.51.100.3", "pop3s", 51, 0x0303, false, VERDICT_PASS);
    s = story_assign(t, &a);
    CHECK(strcmp(s->code, "minimum_only_on_retry") == 0);
    CHECK(s->kind == VERDICT_WARN);

    /* TLS 1.2 offered, but failed anyway (e.g. suites). */
    mk(&a, 12, "198.51.100.4", "pop3s", 50, 0x0303, false, VERDICT_FAIL);
    s = story_assign(t, &a);
    CHECK(strcmp(s->code, "minimum_offered_but_failed") == 0);

    /* No hello at all. */
    mk(&a, 13, "198.51.100.5", "imap", 50, 0, false, VERDICT_UNKNOWN);
    s = story_assign(t, &a);
    CHECK(strcmp(s->code, "no_hello") == 0);
    CHECK(s->kind == VERDICT_UNKNOWN);

    /* A TLS 1.3 minimum. */
    story_tracker_set_minimum(t, 0x0304);
    mk(&a, 14, "198.51.100.6", "imap", 50, 0x0303, false, VERDICT_FAIL);
    s = story_assign(t, &a);
    CHECK(strcmp(s->code, "tls12_never_offered") == 0);
    story_tracker_free(t);
}

static void
test_separation(void)
{
    struct story_tracker *t = story_tracker_new(30);
    struct attempt a;
    uint64_t first, other;

    mk(&a, 1, "192.0.2.1", "imap", 100, 0x0303, false, VERDICT_PASS);
    (void)story_assign(t, &a);
    first = a.story_id;

    /* Another peer. */
    mk(&a, 2, "192.0.2.2", "imap", 101, 0x0302, true, VERDICT_FAIL);
    (void)story_assign(t, &a);
    CHECK(a.story_id != first && a.story_seq == 1);

    /* Another listener. */
    mk(&a, 3, "192.0.2.1", "smtp", 101, 0x0302, true, VERDICT_FAIL);
    (void)story_assign(t, &a);
    CHECK(a.story_id != first);

    /* Same peer, other SNI: another client behind the same NAT. */
    mk(&a, 4, "192.0.2.1", "imap", 102, 0x0302, true, VERDICT_FAIL);
    bcur_init(&a.ch.sni, sni_b, sizeof(sni_b) - 1);
    (void)story_assign(t, &a);
    CHECK(a.story_id != first);
    other = a.story_id;

    /* Same peer, no SNI: hints are compared only when both have them, so
     * both stories fit; the most recent one wins. */
    mk(&a, 5, "192.0.2.1", "imap", 103, 0x0302, true, VERDICT_FAIL);
    a.ch.has_sni = false;
    (void)story_assign(t, &a);
    CHECK(a.story_id == other && a.story_seq == 2);

    /* Same SNI as the first: back to the first story. */
    mk(&a, 51, "192.0.2.1", "imap", 104, 0x0301, true, VERDICT_FAIL);
    (void)story_assign(t, &a);
    CHECK(a.story_id == first && a.story_seq == 2);

    /* Beyond the window (measured from the last attempt). */
    mk(&a, 6, "192.0.2.1", "imap", 104 + 31, 0x0301, true, VERDICT_FAIL);
    (void)story_assign(t, &a);
    CHECK(a.story_id != first && a.story_seq == 1);

    /* EHLO names differ: not linked. */
    mk(&a, 7, "192.0.2.9", "smtp", 200, 0, false, VERDICT_FAIL);
    attempt_set_hint(a.ehlo_name, &a.ehlo_name_len,
                     (const uint8_t *)"pc1", 3);
    (void)story_assign(t, &a);
    first = a.story_id;
    mk(&a, 8, "192.0.2.9", "smtp", 201, 0, false, VERDICT_FAIL);
    attempt_set_hint(a.ehlo_name, &a.ehlo_name_len,
                     (const uint8_t *)"pc2", 3);
    (void)story_assign(t, &a);
    CHECK(a.story_id != first);
    mk(&a, 9, "192.0.2.9", "smtp", 202, 0, false, VERDICT_FAIL);
    attempt_set_hint(a.ehlo_name, &a.ehlo_name_len,
                     (const uint8_t *)"pc1", 3);
    (void)story_assign(t, &a);
    CHECK(a.story_id == first);
    story_tracker_free(t);
}

static void
test_bounds(void)
{
    struct story_tracker *t = story_tracker_new_cap(60, 2);
    struct attempt a;
    uint64_t id1, id2;

    CHECK(story_tracker_new_cap(60, 0) == NULL);
    mk(&a, 1, "10.0.0.1", "imap", 10, 0x0303, false, VERDICT_PASS);
    (void)story_assign(t, &a);
    id1 = a.story_id;
    mk(&a, 2, "10.0.0.2", "imap", 11, 0x0303, false, VERDICT_PASS);
    (void)story_assign(t, &a);
    id2 = a.story_id;
    /* Touch peer 1 so peer 2 is the least recently used. */
    mk(&a, 3, "10.0.0.1", "imap", 12, 0x0303, false, VERDICT_PASS);
    (void)story_assign(t, &a);
    CHECK(a.story_id == id1);
    mk(&a, 4, "10.0.0.3", "imap", 13, 0x0303, false, VERDICT_PASS);
    (void)story_assign(t, &a);
    CHECK(story_count(t) == 2);
    CHECK(story_get(t, id2) == NULL);
    CHECK(story_get(t, id1) != NULL);
    /* Peer 2 comes back: a new story. */
    mk(&a, 5, "10.0.0.2", "imap", 14, 0x0303, false, VERDICT_PASS);
    (void)story_assign(t, &a);
    CHECK(a.story_id != id2 && a.story_seq == 1);

    /* Many attempts in one story: steps stay bounded, count goes on. */
    for (int i = 0; i < 20; i++) {
        mk(&a, 100 + (uint64_t)i, "10.0.0.2", "imap", 15 + i, 0x0303, false,
           VERDICT_PASS);
        (void)story_assign(t, &a);
    }
    CHECK(a.story_seq == 21);
    {
        const struct story *s = story_get(t, a.story_id);
        CHECK(s != NULL && s->num_steps == STORY_MAX_STEPS);
        CHECK(s->steps[STORY_MAX_STEPS - 1].attempt_id == 119);
    }
    story_tracker_free(t);
    story_tracker_free(NULL);

    /* Many peers through a default-size table. */
    t = story_tracker_new(60);
    for (unsigned i = 0; i < 10000; i++) {
        char peer[32];
        snprintf(peer, sizeof(peer), "10.%u.%u.%u", i >> 16, (i >> 8) & 255,
                 i & 255);
        mk(&a, i, peer, "imap", 1000, 0x0301, false, VERDICT_FAIL);
        (void)story_assign(t, &a);
    }
    CHECK(story_count(t) == STORY_DEFAULT_CAPACITY);
    story_tracker_free(t);

    CHECK(story_code_text("fallback_without_scsv", "en") != NULL);
    CHECK(story_code_text("fallback_without_scsv", "ja") != NULL);
    CHECK(story_code_text("nope", "en") == NULL);
}

int
main(void)
{
    test_fallback(true);
    test_fallback(false);
    test_never();
    test_separation();
    test_bounds();
    return tl_done("test_story");
}
