/*
 * identify.c - client identification: pure lookups over the fingerprint
 * table (struct fpdb, loaded by config/fpdb.c) and over the client's own
 * words in the plaintext stage.
 *
 * Sources, strongest first (doc/fingerprints.md):
 *   1. JA4, exact; then JA4 with the SNI flag flipped ('d' <-> 'i' and the
 *      extension count +-1): the same client aimed at an IP address
 *      instead of a host name. Nothing else in JA4 depends on SNI.
 *   2. JA3 MD5, exact.
 *   3. What the client says about itself: HTTP User-Agent (CONNECT proxy
 *      mode), IMAP ID (RFC 2971), and the SMTP EHLO name (user rows only).
 * When both a fingerprint row and a self-description exist, the row names
 * the TLS stack (family) and the self-description names the application
 * and OS. Peer bytes are read through the cursor (bcur_byte_at), never by
 * raw indexing, and nothing here writes to them.
 */
#include "identify.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"

/* ---- table ------------------------------------------------------------- */

void
fpdb_cleanup(struct fpdb *db)
{
    if (db == NULL) {
        return;
    }
    free(db->rows);
    db->rows = NULL;
    db->num_rows = 0;
    db->cap_rows = 0;
    free(db->ix_ja4);
    free(db->ix_ja3);
    db->ix_ja4 = NULL;
    db->ix_ja3 = NULL;
    db->ix_cap = 0;
}

static size_t
fpdb_hash(const char *k)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    while (*k != '\0') {
        h = (h ^ (uint8_t)*k++) * 16777619u;
    }
    return h;
}

/* ja3_indexed: the rows fpdb_find_ja3 may return (see its rule). */
static bool
ja3_indexed(const struct fp_row *r)
{
    return r->ja3[0] != '\0' || r->ja4[0] == '\0';
}

/*
 * fpdb_ix_add puts row `i` under `key` in `tab`. With `first_wins` an
 * existing equal key is kept (the JA3 rule); else it is replaced.
 */
static void
fpdb_ix_add(struct fpdb *db, uint32_t *tab, bool is_ja4, size_t i,
            bool first_wins)
{
    const char *key = is_ja4 ? db->rows[i].ja4 : db->rows[i].ja3;
    size_t mask = db->ix_cap - 1;
    size_t h = fpdb_hash(key) & mask;

    if (key[0] == '\0') {
        return;
    }
    for (;;) {
        uint32_t e = tab[h];
        if (e == 0) {
            tab[h] = (uint32_t)i + 1;
            return;
        }
        const struct fp_row *r = &db->rows[e - 1];
        if (strcmp(is_ja4 ? r->ja4 : r->ja3, key) == 0) {
            if (!first_wins) {
                tab[h] = (uint32_t)i + 1;
            }
            return;
        }
        h = (h + 1) & mask;
    }
}

/* fpdb_reindex rebuilds both indexes for the current rows; -1 on OOM. */
static int
fpdb_reindex(struct fpdb *db)
{
    size_t cap = 128;
    uint32_t *a;
    uint32_t *b;

    while (cap < 2 * db->cap_rows) {
        cap *= 2;
    }
    a = calloc(cap, sizeof(*a));
    b = calloc(cap, sizeof(*b));
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return -1;
    }
    free(db->ix_ja4);
    free(db->ix_ja3);
    db->ix_ja4 = a;
    db->ix_ja3 = b;
    db->ix_cap = cap;
    for (size_t i = 0; i < db->num_rows; i++) {
        fpdb_ix_add(db, db->ix_ja4, true, i, false);
        if (ja3_indexed(&db->rows[i])) {
            fpdb_ix_add(db, db->ix_ja3, false, i, true);
        }
    }
    return 0;
}

static const struct fp_row *
fpdb_ix_find(const struct fpdb *db, const uint32_t *tab, bool is_ja4,
             const char *key)
{
    size_t mask;
    size_t h;

    if (db->ix_cap == 0) {
        return NULL;
    }
    mask = db->ix_cap - 1;
    h = fpdb_hash(key) & mask;
    for (;;) {
        uint32_t e = tab[h];
        if (e == 0) {
            return NULL;
        }
        const struct fp_row *r = &db->rows[e - 1];
        if (strcmp(is_ja4 ? r->ja4 : r->ja3, key) == 0) {
            return r;
        }
        h = (h + 1) & mask;
    }
}

static bool
same_key(const struct fp_row *a, const struct fp_row *b)
{
    if (a->ja4[0] != '\0' || b->ja4[0] != '\0') {
        return strcmp(a->ja4, b->ja4) == 0;
    }
    if (a->ja3[0] != '\0' || b->ja3[0] != '\0') {
        return strcmp(a->ja3, b->ja3) == 0;
    }
    if (a->imap_id_name[0] != '\0' || b->imap_id_name[0] != '\0') {
        return strcmp(a->imap_id_name, b->imap_id_name) == 0;
    }
    return strcmp(a->ehlo, b->ehlo) == 0;
}

int
fpdb_put(struct fpdb *db, const struct fp_row *row)
{
    const struct fp_row *hit = row->ja4[0] != '\0'
                                   ? fpdb_ix_find(db, db->ix_ja4, true,
                                                  row->ja4)
                                   : NULL;

    if (hit != NULL) {
        struct fp_row saved = *hit;
        db->rows[hit - db->rows] = *row;
        /* A replaced row may change its JA3: rebuild (rare: overrides). */
        if (fpdb_reindex(db) != 0) {
            db->rows[hit - db->rows] = saved;
            return -1;
        }
        return 0;
    }
    if (row->ja4[0] == '\0') {
        for (size_t i = 0; i < db->num_rows; i++) {
            if (same_key(&db->rows[i], row)) {
                struct fp_row saved = db->rows[i];
                db->rows[i] = *row;
                if (fpdb_reindex(db) != 0) {
                    db->rows[i] = saved;
                    return -1;
                }
                return 0;
            }
        }
    }
    if (db->num_rows >= FPDB_MAX_ROWS) {
        return -1;
    }
    if (db->num_rows == db->cap_rows) {
        size_t cap = db->cap_rows == 0 ? 64 : db->cap_rows * 2;
        struct fp_row *n;
        if (cap > FPDB_MAX_ROWS) {
            cap = FPDB_MAX_ROWS;
        }
        n = realloc(db->rows, cap * sizeof(*n));
        if (n == NULL) {
            return -1;
        }
        db->rows = n;
        db->cap_rows = cap;
        db->rows[db->num_rows++] = *row;
        if (fpdb_reindex(db) != 0) {
            db->num_rows--;
            return -1;
        }
        return 0;
    }
    db->rows[db->num_rows++] = *row;
    fpdb_ix_add(db, db->ix_ja4, true, db->num_rows - 1, false);
    if (ja3_indexed(row)) {
        fpdb_ix_add(db, db->ix_ja3, false, db->num_rows - 1, true);
    }
    return 0;
}

const struct fp_row *
fpdb_find_ja4(const struct fpdb *db, const char *ja4)
{
    if (db == NULL || ja4 == NULL || ja4[0] == '\0') {
        return NULL;
    }
    return fpdb_ix_find(db, db->ix_ja4, true, ja4);
}

const struct fp_row *
fpdb_find_ja3(const struct fpdb *db, const char *ja3)
{
    if (db == NULL || ja3 == NULL || ja3[0] == '\0') {
        return NULL;
    }
    return fpdb_ix_find(db, db->ix_ja3, false, ja3);
}

static bool
is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_alnum_lower(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z');
}

/*
 * JA4 (FoxIO JA4.md): a = proto(t|q|d) version(2) sni(d|i) ciphers(2
 * digits) extensions(2 digits) alpn(2 chars), then "_" 12 hex "_" 12 hex.
 */
static bool
ja4_well_formed(const char *s)
{
    size_t n = strlen(s);

    if (n != 36 || s[10] != '_' || s[23] != '_') {
        return false;
    }
    if (s[0] != 't' && s[0] != 'q' && s[0] != 'd') {
        return false;
    }
    if (!is_alnum_lower(s[1]) || !is_alnum_lower(s[2]) ||
        (s[3] != 'd' && s[3] != 'i') || !is_digit(s[4]) ||
        !is_digit(s[5]) || !is_digit(s[6]) || !is_digit(s[7])) {
        return false;
    }
    /* ALPN characters are printable, not '_' (JA4 uses "00" for none). */
    for (size_t i = 8; i < 10; i++) {
        if (s[i] <= ' ' || s[i] > '~' || s[i] == '_') {
            return false;
        }
    }
    for (size_t i = 11; i < 36; i++) {
        if (i != 23 && !is_lower_hex(s[i])) {
            return false;
        }
    }
    return true;
}

bool
ja4_sni_flip(const char *ja4, char *out)
{
    unsigned ext;

    if (ja4 == NULL || !ja4_well_formed(ja4)) {
        return false;
    }
    memcpy(out, ja4, 37);
    ext = (unsigned)(ja4[6] - '0') * 10u + (unsigned)(ja4[7] - '0');
    if (ja4[3] == 'd') {
        if (ext == 0) {
            return false;
        }
        ext--;
        out[3] = 'i';
    } else {
        if (ext >= 99) {
            return false; /* JA4 caps the count at 99 */
        }
        ext++;
        out[3] = 'd';
    }
    out[6] = (char)('0' + ext / 10);
    out[7] = (char)('0' + ext % 10);
    return true;
}

const char *
fpdb_row_check(const struct fp_row *r)
{
    if (r->ja4[0] == '\0' && r->ja3[0] == '\0' && r->imap_id_name[0] == '\0' &&
        r->ehlo[0] == '\0') {
        return "row has no key: give ja4, ja3, imap_id_name or ehlo";
    }
    if (r->ja4[0] != '\0' && !ja4_well_formed(r->ja4)) {
        return "ja4 is not a JA4 fingerprint (e.g. "
               "t13d1516h2_8daaf6152771_e5627efa2ab1)";
    }
    if (r->ja3[0] != '\0') {
        if (strlen(r->ja3) != 32) {
            return "ja3 must be 32 lowercase hex digits (the MD5)";
        }
        for (size_t i = 0; i < 32; i++) {
            if (!is_lower_hex(r->ja3[i])) {
                return "ja3 must be 32 lowercase hex digits (the MD5)";
            }
        }
    }
    if (r->family[0] == '\0') {
        return "missing \"family\"";
    }
    if (r->client[0] == '\0') {
        return "missing \"client\"";
    }
    if (r->source[0] == '\0') {
        return "missing \"source\": every row must say where it comes from";
    }
    if (strcmp(r->confidence, "high") != 0 &&
        strcmp(r->confidence, "medium") != 0 &&
        strcmp(r->confidence, "low") != 0) {
        return "\"confidence\" must be \"high\", \"medium\" or \"low\"";
    }
    return NULL;
}

/* ---- peer text (through the cursor) ------------------------------------ */

static uint8_t
lower(uint8_t b)
{
    return (b >= 'A' && b <= 'Z') ? (uint8_t)(b + 32) : b;
}

/* Case-insensitive search of ASCII `needle` in the view; *pos = start. */
static bool
view_find(const struct bcur *v, const char *needle, size_t *pos)
{
    size_t n = bcur_left(v), m = strlen(needle);

    if (m == 0 || m > n) {
        return false;
    }
    for (size_t i = 0; i + m <= n; i++) {
        size_t j = 0;
        for (; j < m; j++) {
            uint8_t b;
            if (!bcur_byte_at(v, i + j, &b) ||
                lower(b) != lower((uint8_t)needle[j])) {
                break;
            }
        }
        if (j == m) {
            *pos = i;
            return true;
        }
    }
    return false;
}

static bool
view_eq_icase(const struct bcur *v, const char *s)
{
    return bcur_eq_icase(v, s);
}

/* Reads up to 4 decimal digits at offset *i; false when none. */
static bool
view_number(const struct bcur *v, size_t *i, unsigned *out)
{
    unsigned val = 0;
    size_t k = 0;
    uint8_t b;

    while (k < 4 && bcur_byte_at(v, *i, &b) && b >= '0' && b <= '9') {
        val = val * 10u + (unsigned)(b - '0');
        (*i)++;
        k++;
    }
    *out = val;
    return k > 0;
}

/* "major[.minor]" at `pos`; minor 0 when absent. */
static bool
view_version(const struct bcur *v, size_t pos, unsigned *major,
             unsigned *minor)
{
    size_t i = pos;
    uint8_t b;

    *minor = 0;
    if (!view_number(v, &i, major)) {
        return false;
    }
    if (bcur_byte_at(v, i, &b) && b == '.') {
        i++;
        if (!view_number(v, &i, minor)) {
            *minor = 0;
        }
    }
    return true;
}

/* ---- self-descriptions ------------------------------------------------- */

struct app_guess {
    const char *family;
    const char *detail;
    const char *os;
    const char *source;
    const char *confidence;
};

const char *
identify_windows_nt(unsigned major, unsigned minor)
{
    /*
     * Microsoft's documented "Windows NT x.y" User-Agent tokens. NT 10.0
     * is sent by both Windows 10 and Windows 11.
     */
    if (major == 5 && minor == 1) {
        return "Windows XP";
    }
    if (major == 5 && minor == 2) {
        return "Windows XP x64 / Server 2003";
    }
    if (major == 6 && minor == 0) {
        return "Windows Vista / Server 2008";
    }
    if (major == 6 && minor == 1) {
        return "Windows 7 / Server 2008 R2";
    }
    if (major == 6 && minor == 2) {
        return "Windows 8 / Server 2012";
    }
    if (major == 6 && minor == 3) {
        return "Windows 8.1 / Server 2012 R2";
    }
    if (major == 10 && minor == 0) {
        return "Windows 10 / 11";
    }
    return NULL;
}

static const char *
outlook_name(unsigned office_major)
{
    /* Office version numbers: 12 = 2007, 14 = 2010, 15 = 2013, 16 = 2016+ */
    switch (office_major) {
    case 11:
        return "Microsoft Outlook 2003 (Office 11.0)";
    case 12:
        return "Microsoft Outlook 2007 (Office 12.0)";
    case 14:
        return "Microsoft Outlook 2010 (Office 14.0)";
    case 15:
        return "Microsoft Outlook 2013 (Office 15.0)";
    case 16:
        return "Microsoft Outlook 2016 or later (Office 16.0)";
    default:
        return "Microsoft Outlook (version not recognised)";
    }
}

static const char *
thunderbird_name(bool have, unsigned major)
{
    /* Buckets follow KNOWLEDGE §5 (TLS 1.2 default from 31, 1.0/1.1 off
     * from 78). */
    if (!have) {
        return "Thunderbird (version not given)";
    }
    if (major <= 30) {
        return "Thunderbird 30 or earlier";
    }
    if (major <= 77) {
        return "Thunderbird 31 to 77";
    }
    return "Thunderbird 78 or later";
}

static bool
guess_from_ua(const struct attempt *a, struct app_guess *g)
{
    struct bcur ua;
    size_t pos;
    unsigned ma, mi;
    const char *os = NULL;

    if (a->user_agent_len == 0) {
        return false;
    }
    bcur_init(&ua, a->user_agent, a->user_agent_len > ATTEMPT_HINT_MAX
                                      ? ATTEMPT_HINT_MAX
                                      : a->user_agent_len);
    if (view_find(&ua, "Windows NT ", &pos) &&
        view_version(&ua, pos + 11, &ma, &mi)) {
        os = identify_windows_nt(ma, mi);
    }
    if (view_find(&ua, "Microsoft Outlook", &pos) ||
        view_find(&ua, "Microsoft Office/", &pos)) {
        size_t vpos;
        unsigned om = 0, omi;
        if (view_find(&ua, "Microsoft Office/", &vpos)) {
            (void)view_version(&ua, vpos + 17, &om, &omi);
        } else if (view_find(&ua, "Microsoft Outlook ", &vpos)) {
            (void)view_version(&ua, vpos + 18, &om, &omi);
        }
        g->detail = outlook_name(om);
        /* Office on Windows uses WinHTTP over Schannel (KNOWLEDGE §2.1). */
        g->family = os != NULL ? "Windows SChannel" : NULL;
        g->os = os;
        g->source = "user_agent";
        g->confidence = "medium";
        return true;
    }
    if (view_find(&ua, "Thunderbird/", &pos)) {
        bool have = view_version(&ua, pos + 12, &ma, &mi);
        g->detail = thunderbird_name(have, ma);
        g->family = "Mozilla NSS";
        g->os = os;
        g->source = "user_agent";
        g->confidence = "medium";
        return true;
    }
    if (os != NULL) {
        g->detail = NULL;
        g->family = NULL;
        g->os = os;
        g->source = "user_agent";
        g->confidence = "low";
        return true;
    }
    return false;
}

static bool
guess_from_imap_id(const struct attempt *a, const struct fpdb *db,
                   struct app_guess *g)
{
    struct bcur name, ver, os, osver;
    unsigned ma, mi;

    if (a->id_name_len == 0) {
        return false;
    }
    bcur_init(&name, a->id_name, a->id_name_len > ATTEMPT_HINT_MAX
                                     ? ATTEMPT_HINT_MAX
                                     : a->id_name_len);
    bcur_init(&ver, a->id_version, a->id_version_len > ATTEMPT_HINT_MAX
                                       ? ATTEMPT_HINT_MAX
                                       : a->id_version_len);
    bcur_init(&os, a->id_os,
              a->id_os_len > ATTEMPT_HINT_MAX ? ATTEMPT_HINT_MAX
                                              : a->id_os_len);
    bcur_init(&osver, a->id_os_version,
              a->id_os_version_len > ATTEMPT_HINT_MAX
                  ? ATTEMPT_HINT_MAX
                  : a->id_os_version_len);

    /* User rows first: they may name clients we do not know. */
    if (db != NULL) {
        for (size_t i = 0; i < db->num_rows; i++) {
            const struct fp_row *r = &db->rows[i];
            if (r->imap_id_name[0] != '\0' &&
                view_eq_icase(&name, r->imap_id_name)) {
                g->family = r->family;
                g->detail = r->client;
                g->os = r->os[0] != '\0' ? r->os : NULL;
                g->source = "imap_id";
                g->confidence = r->confidence;
                return true;
            }
        }
    }
    /* Thunderbird: ID ("name" "Thunderbird" "version" "52.4.0"). */
    if (view_eq_icase(&name, "Thunderbird")) {
        bool have = view_version(&ver, 0, &ma, &mi);
        g->family = "Mozilla NSS";
        g->detail = thunderbird_name(have, ma);
        g->os = NULL;
        g->source = "imap_id";
        g->confidence = "medium";
        return true;
    }
    /*
     * iOS Mail: ("name" "iPhone Mail" "os" "iOS" "os-version" "17.1.2
     * (21B101)"); from iOS 18.5 the name is "com.apple.email.maild"
     * (Apple TN3189).
     */
    if (view_eq_icase(&name, "iPhone Mail") ||
        view_eq_icase(&name, "iPad Mail") ||
        view_eq_icase(&name, "com.apple.email.maild")) {
        g->family = "Apple TLS stack";
        g->detail = "Apple Mail for iOS/iPadOS";
        g->os = "iOS (version not given)";
        if (view_eq_icase(&os, "iOS") || view_eq_icase(&os, "iPadOS") ||
            bcur_left(&os) == 0) {
            if (view_version(&osver, 0, &ma, &mi)) {
                g->os = ma <= 9 ? "iOS 9 or earlier" : "iOS 10 or later";
            }
        }
        g->source = "imap_id";
        g->confidence = "medium";
        return true;
    }
    return false;
}

static bool
guess_from_ehlo(const struct attempt *a, const struct fpdb *db,
                struct app_guess *g)
{
    struct bcur name;

    if (a->ehlo_name_len == 0 || db == NULL) {
        return false;
    }
    bcur_init(&name, a->ehlo_name, a->ehlo_name_len > ATTEMPT_HINT_MAX
                                       ? ATTEMPT_HINT_MAX
                                       : a->ehlo_name_len);
    for (size_t i = 0; i < db->num_rows; i++) {
        const struct fp_row *r = &db->rows[i];
        if (r->ehlo[0] != '\0' && view_eq_icase(&name, r->ehlo)) {
            g->family = r->family;
            g->detail = r->client;
            g->os = r->os[0] != '\0' ? r->os : NULL;
            g->source = "ehlo";
            g->confidence = "low"; /* an EHLO name is a host name, mostly */
            return true;
        }
    }
    return false;
}

static const char *
combined_source(const char *fp, const char *app)
{
    static const struct {
        const char *fp, *app, *both;
    } combos[] = {
        {"ja4", "user_agent", "ja4+user_agent"},
        {"ja4", "imap_id", "ja4+imap_id"},
        {"ja4", "ehlo", "ja4+ehlo"},
        {"ja4_sni_flipped", "user_agent", "ja4_sni_flipped+user_agent"},
        {"ja4_sni_flipped", "imap_id", "ja4_sni_flipped+imap_id"},
        {"ja4_sni_flipped", "ehlo", "ja4_sni_flipped+ehlo"},
        {"ja3", "user_agent", "ja3+user_agent"},
        {"ja3", "imap_id", "ja3+imap_id"},
        {"ja3", "ehlo", "ja3+ehlo"},
    };

    for (size_t i = 0; i < ARRAY_LEN(combos); i++) {
        if (strcmp(combos[i].fp, fp) == 0 &&
            strcmp(combos[i].app, app) == 0) {
            return combos[i].both;
        }
    }
    return fp;
}

void
identify_client(struct attempt *a, const struct fpdb *db, const char *ja4,
                const char *ja3_md5)
{
    struct attempt_verdict *v = &a->verdict;
    const struct fp_row *row = NULL;
    const char *fp_source = NULL;
    struct app_guess g;
    bool have_app;

    v->client_family = NULL;
    v->client_detail = NULL;
    v->client_os = NULL;
    v->client_source = NULL;
    v->client_confidence = NULL;

    if (ja4 != NULL && ja4[0] != '\0') {
        char flipped[FP_JA4_MAX];
        row = fpdb_find_ja4(db, ja4);
        if (row != NULL) {
            fp_source = "ja4";
        } else if (ja4_sni_flip(ja4, flipped)) {
            row = fpdb_find_ja4(db, flipped);
            if (row != NULL) {
                fp_source = "ja4_sni_flipped";
            }
        }
    }
    if (row == NULL && ja3_md5 != NULL && ja3_md5[0] != '\0') {
        row = fpdb_find_ja3(db, ja3_md5);
        if (row != NULL) {
            fp_source = "ja3";
        }
    }

    memset(&g, 0, sizeof(g));
    have_app = guess_from_ua(a, &g) || guess_from_imap_id(a, db, &g) ||
               guess_from_ehlo(a, db, &g);

    if (row != NULL) {
        v->client_family = row->family;
        v->client_detail =
            (have_app && g.detail != NULL) ? g.detail : row->client;
        v->client_os = (have_app && g.os != NULL)
                           ? g.os
                           : (row->os[0] != '\0' ? row->os : NULL);
        v->client_source =
            have_app ? combined_source(fp_source, g.source) : fp_source;
        v->client_confidence = row->confidence;
        return;
    }
    if (have_app) {
        v->client_family = g.family;
        v->client_detail = g.detail;
        v->client_os = g.os;
        v->client_source = g.source;
        v->client_confidence = g.confidence;
    }
}
