/*
 * verdict.c - the verdict engine: from one struct attempt and a policy to
 * PASS / WARN / FAIL / UNKNOWN plus stable reason codes.
 *
 * Every reason is a row in reason_table[] below (code, weight, one line of
 * English and Japanese, and an optional template with the attempt's facts
 * filled in). The table order is the priority order: the first reason of
 * the heaviest weight present becomes summary_code. The rules are in
 * doc/verdicts.md; the facts behind them are KNOWLEDGE.md R1/R3 (TLS 1.2
 * minimum), §7.3 (3DES removed, RC4 not listed) and §8 (how a TLS-1.2
 * server refuses: protocol_version / handshake_failure).
 *
 * Versions are compared by rank, not by wire value, so a TLS 1.3 draft
 * (0x7f17) never counts as "higher than TLS 1.3" and GREASE never counts.
 * Cipher suites are read through the cursor (bcur), never by indexing.
 */
#include "verdict.h"

#include <string.h>

#include "bytes.h"
#include "names.h"

struct reason_row {
    const char *code;
    enum verdict_severity sev;
    const char *en;
    const char *ja;
    const char *en_fact; /* template: {offered} {lowest} {min} {max} ... */
    const char *ja_fact;
};

/* Priority order: the first heaviest reason present is the summary. */
static const struct reason_row reason_table[] = {
    {"version_below_minimum", VSEV_FAIL,
     "The client offers only protocol versions below the policy minimum "
     "(e.g. TLS 1.0/1.1 where TLS 1.2 is required); it cannot connect until "
     "its TLS stack is updated or configured.",
     "クライアントが提示した TLS バージョンがポリシーの最低要件を下回って"
     "います(例: TLS 1.2 が必須なのに TLS 1.0/1.1 のみ)。OS やクライアント"
     "の更新・設定変更を行うまで接続できません。",
     "Highest version offered: {offered}; policy \"{policy}\" requires at "
     "least {min}.",
     "提示された最高バージョンは {offered} ですが、ポリシー「{policy}」は "
     "{min} 以上を要求します。"},
    {"version_above_maximum", VSEV_FAIL,
     "The client offers only versions above the policy maximum (e.g. a "
     "TLS 1.3-only client against a server that stops at TLS 1.2); they "
     "share no version.",
     "クライアントが提示したバージョンはすべてポリシーの上限を超えて"
     "います(例: TLS 1.3 のみのクライアントと TLS 1.2 までのサーバー)。"
     "共通のバージョンがありません。",
     "Lowest version offered: {lowest}; policy \"{policy}\" allows at most "
     "{max}.",
     "提示された最低バージョンは {lowest} ですが、ポリシー「{policy}」の"
     "上限は {max} です。"},
    {"no_acceptable_suite", VSEV_FAIL,
     "None of the cipher suites the client offers at an acceptable version "
     "is accepted by the policy; the handshake would fail with "
     "handshake_failure.",
     "許容されるバージョンで使える暗号スイートのうち、ポリシーが受け入れる"
     "ものが一つもありません。ハンドシェイクは handshake_failure で失敗"
     "します。",
     "{suites} cipher suites offered; none is accepted by policy "
     "\"{policy}\" at {offered}.",
     "{suites} 個の暗号スイートが提示されましたが、ポリシー「{policy}」が"
     " {offered} で受け入れるものはありません。"},
    {"only_deprecated_suites", VSEV_WARN,
     "The only usable cipher suites are deprecated ones (3DES, RC4, export, "
     "single DES, NULL or anonymous); Office 365 removed 3DES on "
     "2019-02-28.",
     "使える暗号スイートが非推奨のもの(3DES・RC4・輸出グレード・DES・"
     "NULL・匿名)だけです。Office 365 は 2019 年 2 月 28 日に 3DES を廃止"
     "しました。",
     NULL, NULL},
    {"sslv2_hello", VSEV_WARN,
     "The hello uses the old SSLv2-compatible format, which many current "
     "servers reject; very old stacks send it (e.g. IE 6 on Windows XP, "
     "Java 6).",
     "SSLv2 互換形式の古い ClientHello です。現在の多くのサーバーはこの"
     "形式を拒否します。IE 6 (Windows XP) や Java 6 など、非常に古い TLS "
     "実装が送る形式です。",
     "SSLv2-compatible hello offering at most {offered}.",
     "SSLv2 互換形式で、提示された最高バージョンは {offered} です。"},
    {"malformed_hello", VSEV_FAIL,
     "The ClientHello could not be parsed (malformed or truncated); a real "
     "server would abort the handshake.",
     "ClientHello の形式が不正か途中で切れているため解析できません。実際の"
     "サーバーはハンドシェイクを中止します。",
     NULL, NULL},
    {"server_rejected", VSEV_FAIL,
     "The real server refused the handshake with a TLS alert "
     "(protocol_version or handshake_failure); the client's offer does not "
     "meet the server's requirements.",
     "実際のサーバーが TLS アラート(protocol_version または "
     "handshake_failure)でハンドシェイクを拒否しました。クライアントの"
     "提示内容がサーバーの要件を満たしていません。",
     NULL, NULL},
    {"plaintext_login", VSEV_FAIL,
     "The client tried to log in or send mail in clear text (LOGIN, USER, "
     "AUTH or MAIL before STARTTLS); the account is configured without "
     "encryption.",
     "クライアントが暗号化せずにログインまたは送信しようとしました"
     "(STARTTLS の前に LOGIN/USER/AUTH/MAIL)。アカウントが「暗号化なし」"
     "で設定されています。",
     NULL, NULL},
    {"no_tls_attempted", VSEV_FAIL,
     "The client never started TLS: it ended or went quiet in the plain-text "
     "stage without asking for STARTTLS. Set the account's connection "
     "security to SSL/TLS or STARTTLS.",
     "クライアントは TLS を開始しませんでした(STARTTLS を要求せずに平文の"
     "段階で終了または無応答)。アカウントの接続の保護を SSL/TLS または "
     "STARTTLS に設定してください。",
     NULL, NULL},
    {"plaintext_on_tls_port", VSEV_FAIL,
     "The client spoke plain text on an implicit-TLS port (993/995/465); "
     "its security setting says 'none' or 'STARTTLS' where it should say "
     "'SSL/TLS'.",
     "暗号化必須のポート(993/995/465)でクライアントが平文で通信しました。"
     "接続の保護が「なし」または「STARTTLS」になっています。「SSL/TLS」に"
     "してください。",
     NULL, NULL},
    {"tls_on_starttls_port", VSEV_FAIL,
     "The client began with a TLS handshake on a STARTTLS port "
     "(143/110/587/25); its security setting says 'SSL/TLS' where it should "
     "say 'STARTTLS', or the port number is wrong.",
     "STARTTLS 用のポート(143/110/587/25)で、クライアントがいきなり TLS "
     "ハンドシェイクを始めました。接続の保護を「STARTTLS」にするか、ポート"
     "番号を見直してください。",
     NULL, NULL},
    {"not_tls", VSEV_FAIL,
     "After STARTTLS the client sent bytes that are not a TLS handshake.",
     "STARTTLS の後にクライアントが送ったデータが TLS ハンドシェイクでは"
     "ありません。",
     NULL, NULL},
    {"offers_legacy_versions", VSEV_WARN,
     "Passes, but the client still offers versions below the policy "
     "minimum (e.g. TLS 1.0/1.1); it would use them with a server that "
     "offers nothing better.",
     "合格ですが、クライアントはポリシーの最低要件未満のバージョン"
     "(例: TLS 1.0/1.1)もまだ提示しています。古いサーバーに対してはその"
     "バージョンで接続してしまいます。",
     "Lowest version offered: {lowest} (policy minimum {min}).",
     "提示された最低バージョンは {lowest} です(ポリシーの最低要件は "
     "{min})。"},
    {"no_sni", VSEV_WARN,
     "The client sent no server name (SNI), which this policy requires; "
     "servers with several names choose the certificate by SNI.",
     "クライアントがサーバー名(SNI)を送っていません。このポリシーでは "
     "SNI が必要です(複数のホスト名を持つサーバーは SNI で証明書を選び"
     "ます)。",
     NULL, NULL},
    {"client_vanished", VSEV_UNKNOWN,
     "The client closed the connection before sending a complete "
     "ClientHello; nothing could be judged.",
     "クライアントが ClientHello を送り終える前に接続を切断したため、判定"
     "できません。",
     NULL, NULL},
    {"timeout_hello", VSEV_UNKNOWN,
     "No complete ClientHello arrived in time. A client set to 'no "
     "encryption' on an implicit-TLS port waits silently for a greeting; "
     "check its security setting.",
     "制限時間内に ClientHello が届きませんでした。暗号化必須のポートに"
     "「暗号化なし」で接続したクライアントは、サーバーの応答を黙って待ち"
     "続けます。接続の保護の設定を確認してください。",
     NULL, NULL},
    {"too_big", VSEV_UNKNOWN,
     "The ClientHello was larger than the configured limit (max_hello); "
     "raise the limit to judge it.",
     "ClientHello が設定上の上限(max_hello)を超えたため判定できません。"
     "上限を引き上げてください。",
     NULL, NULL},
    {"limit_hit", VSEV_UNKNOWN,
     "A safety limit (line length, command count or bytes before the "
     "hello) was reached before the client started TLS.",
     "クライアントが TLS を開始する前に安全上の上限(行の長さ・コマンド数・"
     "ClientHello 前のバイト数)に達しました。",
     NULL, NULL},
    {"upstream_failed", VSEV_UNKNOWN,
     "Relay mode: the real server could not be reached, so the attempt "
     "ended before the client's TLS offer could be seen.",
     "中継モード: 実際のサーバーに接続できなかったため、クライアントの "
     "TLS の提示内容を確認できませんでした。",
     NULL, NULL},
    {"refused_at_accept", VSEV_UNKNOWN,
     "The connection was refused at accept (connection limit); nothing was "
     "learned.",
     "接続数の上限により接続を受け付けなかったため、判定できません。",
     NULL, NULL},
    {"shutdown", VSEV_UNKNOWN,
     "tlsready was shutting down; the attempt was cut short.",
     "tlsready の停止処理中だったため、この接続は途中で終了しました。",
     NULL, NULL},
    {"fallback_scsv_seen", VSEV_INFO,
     "The hello carries TLS_FALLBACK_SCSV: a retry at a lower version after "
     "an earlier attempt failed (RFC 7507).",
     "ClientHello に TLS_FALLBACK_SCSV が含まれています。前の接続が失敗した"
     "後、低いバージョンで再試行したものです(RFC 7507)。",
     NULL, NULL},
    {"handshake_refused_certificate", VSEV_INFO,
     "The client rejected tlsready's throw-away certificate (bad_certificate "
     "or unknown_ca); expected in test mode, and the TLS offer itself was "
     "captured.",
     "クライアントが tlsready の一時的な証明書を拒否しました"
     "(bad_certificate/unknown_ca)。テストモードでは想定どおりで、TLS の"
     "提示内容は取得できています。",
     NULL, NULL},
    {"proxy_refused", VSEV_UNKNOWN,
     "The proxy request was refused before anything was relayed: the "
     "destination is not allowed (allow_ports, allow_hosts) or the request "
     "was malformed or unsupported; relay.front_error says which.",
     "プロキシ要求を拒否したため、何も中継していません(宛先が allow_ports"
     "/allow_hosts で許可されていない、または要求の形式が不正・未対応)。"
     "理由は relay.front_error にあります。",
     NULL, NULL},
};

#define NUM_REASONS ARRAY_LEN(reason_table)

static const char *reason_codes[NUM_REASONS];

/* The policy used when the caller passes none: KNOWLEDGE R1 (TLS 1.2). */
static const struct policy fallback_policy = {
    .name = "tls12",
    .description = "TLS 1.2 minimum (built-in fallback)",
    .source = "KNOWLEDGE.md R1",
    .min_version = TLSV_TLS12,
    .refuse_3des = true,
    .refuse_rc4 = true,
    .refuse_export = true,
    .refuse_null = true,
};

static const struct reason_row *
reason_find(const char *code)
{
    if (code == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < NUM_REASONS; i++) {
        if (strcmp(reason_table[i].code, code) == 0) {
            return &reason_table[i];
        }
    }
    return NULL;
}

const char *const *
verdict_reason_codes(size_t *num)
{
    for (size_t i = 0; i < NUM_REASONS; i++) {
        reason_codes[i] = reason_table[i].code;
    }
    *num = NUM_REASONS;
    return reason_codes;
}

static bool
lang_is_ja(const char *lang)
{
    return lang != NULL && lang[0] == 'j' && lang[1] == 'a';
}

const char *
verdict_reason_text(const char *code, const char *lang)
{
    const struct reason_row *r = reason_find(code);

    if (r == NULL) {
        return NULL;
    }
    return lang_is_ja(lang) ? r->ja : r->en;
}

enum verdict_severity
verdict_reason_severity(const char *code)
{
    const struct reason_row *r = reason_find(code);

    return r == NULL ? VSEV_INFO : r->sev;
}

/* ---- versions ---------------------------------------------------------- */

int
verdict_version_rank(uint16_t v)
{
    switch (v) {
    case TLSV_SSL2:
        return 1;
    case TLSV_SSL3:
        return 2;
    case TLSV_TLS10:
        return 3;
    case TLSV_TLS11:
        return 4;
    case TLSV_TLS12:
        return 5;
    case TLSV_TLS13:
        return 6;
    default:
        return 0;
    }
}

const char *
verdict_version_str(uint16_t v)
{
    /* Drafts of TLS 1.3 were 0x7f00 + draft number (RFC 8446 history). */
    static const char *const drafts[] = {
        "TLS 1.3 draft 18", "TLS 1.3 draft 19", "TLS 1.3 draft 20",
        "TLS 1.3 draft 21", "TLS 1.3 draft 22", "TLS 1.3 draft 23",
        "TLS 1.3 draft 24", "TLS 1.3 draft 25", "TLS 1.3 draft 26",
        "TLS 1.3 draft 27", "TLS 1.3 draft 28",
    };

    switch (v) {
    case TLSV_SSL2:
        return "SSL 2.0";
    case TLSV_SSL3:
        return "SSL 3.0";
    case TLSV_TLS10:
        return "TLS 1.0";
    case TLSV_TLS11:
        return "TLS 1.1";
    case TLSV_TLS12:
        return "TLS 1.2";
    case TLSV_TLS13:
        return "TLS 1.3";
    default:
        break;
    }
    if (v >= 0x7f12 && v <= 0x7f1c) {
        return drafts[v - 0x7f12];
    }
    if ((v & 0xff00) == 0x7f00) {
        return "TLS 1.3 draft";
    }
    return "unknown";
}

uint16_t
verdict_highest_offered(const struct clienthello *ch)
{
    uint16_t best = 0;
    size_t n = ch->num_versions;

    if (n > CH_MAX_VERSIONS) {
        n = CH_MAX_VERSIONS;
    }
    for (size_t i = 0; i < n; i++) {
        if (verdict_version_rank(ch->versions[i]) >
            verdict_version_rank(best)) {
            best = ch->versions[i];
        }
    }
    if (best == 0 && n == 0 &&
        verdict_version_rank(ch->legacy_version) > 0) {
        /* The parser derived nothing (e.g. it stopped early). */
        best = ch->legacy_version;
    }
    return best;
}

static uint16_t
lowest_offered(const struct clienthello *ch)
{
    uint16_t low = 0;
    size_t n = ch->num_versions;

    if (n > CH_MAX_VERSIONS) {
        n = CH_MAX_VERSIONS;
    }
    for (size_t i = 0; i < n; i++) {
        int r = verdict_version_rank(ch->versions[i]);
        if (r > 0 && (low == 0 || r < verdict_version_rank(low))) {
            low = ch->versions[i];
        }
    }
    if (low == 0) {
        low = verdict_highest_offered(ch);
    }
    return low;
}

static bool
version_allowed(const struct policy *p, uint16_t v)
{
    int r = verdict_version_rank(v);

    if (r == 0) {
        return false;
    }
    if (p->min_version != 0 && r < verdict_version_rank(p->min_version)) {
        return false;
    }
    if (p->max_version != 0 && r > verdict_version_rank(p->max_version)) {
        return false;
    }
    return true;
}

/* ---- cipher suites --------------------------------------------------- */

static bool
is_grease16(uint16_t v)
{
    /* RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa. */
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/*
 * Classification comes from probes/names.h (the IANA table with per-suite
 * properties); this maps it onto the verdict's categories. Single DES is
 * counted with export (both are 56 bits or less, RFC 5469).
 */
static unsigned
suite_class_of(uint16_t s, const struct names_suite *ns)
{
    unsigned c = 0;

    if (s == 0x00ff || s == 0x5600) {
        return VSUITE_SCSV; /* RFC 5746 and RFC 7507 signalling values */
    }
    if (ns == NULL) {
        return (s >> 8) == 0x13 ? VSUITE_TLS13 : 0;
    }
    if ((ns->flags & NAMES_SF_SCSV) != 0) {
        return VSUITE_SCSV;
    }
    if ((ns->flags & NAMES_SF_TLS13) != 0) {
        c |= VSUITE_TLS13;
    }
    switch (ns->cipher) {
    case NAMES_CIPHER_3DES:
        c |= VSUITE_3DES;
        break;
    case NAMES_CIPHER_RC4:
        c |= VSUITE_RC4;
        break;
    case NAMES_CIPHER_DES:
    case NAMES_CIPHER_RC2:
        c |= VSUITE_EXPORT;
        break;
    case NAMES_CIPHER_NULL:
        c |= VSUITE_NULL;
        break;
    default:
        break;
    }
    if ((ns->flags & NAMES_SF_EXPORT) != 0) {
        c |= VSUITE_EXPORT;
    }
    if ((ns->flags & NAMES_SF_ANON) != 0 || ns->kx == NAMES_KX_NULL) {
        c |= VSUITE_ANON;
    }
    return c;
}

unsigned
verdict_suite_class(uint16_t s)
{
    return suite_class_of(s, names_suite_info(s));
}

static bool
in_list(const uint16_t *list, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == v) {
            return true;
        }
    }
    return false;
}

#define VSUITE_DEPRECATED                                                      \
    (VSUITE_3DES | VSUITE_RC4 | VSUITE_EXPORT | VSUITE_NULL | VSUITE_ANON)

static bool
suite_accepted(const struct policy *p, uint16_t s, unsigned cls)
{
    if ((cls & VSUITE_SCSV) != 0 ||
        ((cls & VSUITE_3DES) != 0 && p->refuse_3des) ||
        ((cls & VSUITE_RC4) != 0 && p->refuse_rc4) ||
        ((cls & VSUITE_EXPORT) != 0 && p->refuse_export) ||
        ((cls & (VSUITE_NULL | VSUITE_ANON)) != 0 && p->refuse_null)) {
        return false;
    }
    if (p->num_suites == 0) {
        return true;
    }
    size_t n = p->num_suites;
    if (n > POLICY_MAX_SUITES) {
        n = POLICY_MAX_SUITES;
    }
    return in_list(p->suites, n, s);
}

/*
 * Iterate the hello's suites: the 2-byte list, or for an SSLv2-compatible
 * hello the 3-byte specs whose first byte is 0 (RFC 5246 E.2: those are
 * TLS suites; the others are SSL 2.0 specs, which never count).
 */
struct suite_iter {
    struct bcur two;
    struct bcur three;
};

static void
suite_iter_init(struct suite_iter *it, const struct clienthello *ch)
{
    it->two = ch->cipher_suites;
    if (ch->sslv2) {
        it->three = ch->sslv2_cipher_specs;
    } else {
        memset(&it->three, 0, sizeof(it->three));
    }
}

static bool
suite_iter_next(struct suite_iter *it, uint16_t *out)
{
    for (;;) {
        if (bcur_left(&it->two) >= 2) {
            if (bcur_get_u16(&it->two, out)) {
                return true;
            }
            return false;
        }
        if (bcur_left(&it->three) >= 3) {
            uint8_t hi;
            uint16_t lo;
            if (!bcur_get_u8(&it->three, &hi) ||
                !bcur_get_u16(&it->three, &lo)) {
                return false;
            }
            if (hi == 0) {
                *out = lo;
                return true;
            }
            continue; /* an SSL 2.0 cipher spec */
        }
        return false;
    }
}

struct suite_tally {
    size_t offered;          /* real suites, no GREASE/SCSV */
    size_t usable;           /* usable at an allowed offered version */
    size_t usable_deprecated;
    size_t accepted;         /* usable and accepted by the policy */
};

/*
 * A suite counts when it can be negotiated at one of the versions the
 * client offers that the policy allows (names_suite_usable_at: TLS 1.3
 * suites only at 1.3, GCM only from 1.2, ...). Suites the table does not
 * know: 0x13xx only at TLS 1.3, the rest only below it.
 */
static bool
suite_usable(const struct names_suite *ns, unsigned cls,
             const uint16_t *vers, size_t nv)
{
    for (size_t i = 0; i < nv; i++) {
        if (ns != NULL) {
            /* names_suite_usable_at, without a second table lookup */
            if ((ns->flags & NAMES_SF_SCSV) == 0 &&
                vers[i] >= ns->min_version && vers[i] <= ns->max_version) {
                return true;
            }
        } else if (((cls & VSUITE_TLS13) != 0) == (vers[i] == TLSV_TLS13)) {
            return true;
        }
    }
    return false;
}

static void
tally_suites(const struct clienthello *ch, const struct policy *p,
             const uint16_t *vers, size_t nv, struct suite_tally *t)
{
    struct suite_iter it;
    uint16_t s;

    memset(t, 0, sizeof(*t));
    suite_iter_init(&it, ch);
    while (suite_iter_next(&it, &s)) {
        const struct names_suite *ns;
        unsigned cls;

        if (is_grease16(s)) {
            continue;
        }
        /* One table lookup per suite: this loop runs for every attempt. */
        ns = names_suite_info(s);
        cls = suite_class_of(s, ns);
        if ((cls & VSUITE_SCSV) != 0) {
            continue;
        }
        t->offered++;
        if (!suite_usable(ns, cls, vers, nv)) {
            continue;
        }
        t->usable++;
        if ((cls & VSUITE_DEPRECATED) != 0) {
            t->usable_deprecated++;
        }
        if (suite_accepted(p, s, cls)) {
            t->accepted++;
        }
    }
}

/* ---- judging ----------------------------------------------------------- */

struct judge_state {
    bool flag[NUM_REASONS];
};

static void
flag(struct judge_state *st, const char *code)
{
    for (size_t i = 0; i < NUM_REASONS; i++) {
        if (strcmp(reason_table[i].code, code) == 0) {
            st->flag[i] = true;
            return;
        }
    }
}

static bool
str_field_eq(const char *field, size_t cap, const char *s)
{
    size_t n = strlen(s);

    return n < cap && strncmp(field, s, cap) == 0;
}

static bool
hello_checks(const struct attempt *a, const struct policy *p,
             struct judge_state *st)
{
    const struct clienthello *ch = &a->ch;
    uint16_t high = verdict_highest_offered(ch);
    uint16_t low = lowest_offered(ch);
    uint16_t allowed[CH_MAX_VERSIONS];
    size_t num_allowed = 0;
    bool below_min_offered = false;
    bool parsed = ch->status == CH_OK;
    size_t n = ch->num_versions;
    struct suite_tally t;
    bool ok = true;

    if (n > CH_MAX_VERSIONS) {
        n = CH_MAX_VERSIONS;
    }
    for (size_t i = 0; i < n; i++) {
        uint16_t v = ch->versions[i];
        if (version_allowed(p, v)) {
            allowed[num_allowed++] = v;
        } else if (verdict_version_rank(v) > 0 && p->min_version != 0 &&
                   verdict_version_rank(v) <
                       verdict_version_rank(p->min_version)) {
            below_min_offered = true;
        }
    }
    if (n == 0 && high != 0 && version_allowed(p, high)) {
        allowed[num_allowed++] = high;
    }
    bool any_allowed = num_allowed > 0;

    if (!parsed) {
        flag(st, "malformed_hello");
        ok = false;
    }
    if (ch->sslv2) {
        flag(st, "sslv2_hello");
    }
    if (ch->fallback_scsv) {
        flag(st, "fallback_scsv_seen");
    }
    if (!any_allowed) {
        if (high == 0) {
            /* Nothing to compare: a parse that died early. */
            if (parsed) {
                flag(st, "malformed_hello");
            }
        } else if (p->max_version != 0 &&
                   verdict_version_rank(low) >
                       verdict_version_rank(p->max_version)) {
            flag(st, "version_above_maximum");
        } else {
            flag(st, "version_below_minimum");
        }
        return false;
    }
    if (parsed) {
        tally_suites(ch, p, allowed, num_allowed, &t);
        if (t.accepted == 0) {
            flag(st, "no_acceptable_suite");
            ok = false;
        }
        if (t.usable > 0 && t.usable == t.usable_deprecated) {
            flag(st, "only_deprecated_suites");
        }
    }
    /*
     * Without supported_versions a hello does not say which lower versions
     * the client would accept (the derived list is an assumption), so the
     * legacy-version warning needs the extension.
     */
    if (ch->has_supported_versions && below_min_offered) {
        flag(st, "offers_legacy_versions");
    }
    if (p->require_sni && !ch->has_sni) {
        flag(st, "no_sni");
    }
    return ok;
}

static void
alert_checks(const struct attempt *a, struct judge_state *st)
{
    size_t n = a->num_alerts;
    bool test_mode = str_field_eq(a->mode, sizeof(a->mode), "test");

    if (n > ATTEMPT_MAX_ALERTS) {
        n = ATTEMPT_MAX_ALERTS;
    }
    for (size_t i = 0; i < n; i++) {
        const struct attempt_alert *al = &a->alerts[i];
        if (al->encrypted) {
            continue;
        }
        if (!al->from_server &&
            (al->description == 42 || al->description == 46 ||
             al->description == 48)) {
            /* bad_certificate, certificate_unknown, unknown_ca */
            flag(st, "handshake_refused_certificate");
        }
        if (al->from_server && !test_mode &&
            (al->description == 70 || al->description == 40 ||
             al->description == 71)) {
            /* protocol_version, handshake_failure, insufficient_security */
            flag(st, "server_rejected");
        }
    }
}

static void
end_checks(const struct attempt *a, struct judge_state *st)
{
    bool plain_stage = !a->have_hello && !a->implicit_tls &&
                       !a->starttls_requested;

    if (a->plaintext_login) {
        flag(st, "plaintext_login");
    }
    if (a->tls_on_starttls_port) {
        flag(st, "tls_on_starttls_port");
    }
    switch (a->end) {
    case END_CLIENT_QUIT:
    case END_TIMEOUT_PLAINTEXT:
        if (plain_stage) {
            flag(st, "no_tls_attempted");
        }
        break;
    case END_CLIENT_CLOSED:
        if (plain_stage) {
            flag(st, "no_tls_attempted");
        } else if (!a->have_hello) {
            flag(st, "client_vanished");
        }
        break;
    case END_PLAINTEXT_ON_TLS_PORT:
        flag(st, "plaintext_on_tls_port");
        break;
    case END_TLS_ON_PLAIN_PORT:
        flag(st, "tls_on_starttls_port");
        break;
    case END_NOT_TLS:
        flag(st, "not_tls");
        break;
    case END_TIMEOUT_HELLO:
        if (!a->have_hello) {
            flag(st, "timeout_hello");
        }
        break;
    case END_TOO_BIG:
        flag(st, "too_big");
        break;
    case END_MALFORMED:
        flag(st, "malformed_hello");
        break;
    case END_LIMIT:
        if (!a->have_hello) {
            flag(st, "limit_hit");
        }
        break;
    case END_REFUSED:
        /* A proxy front door that said no (403, SOCKS "not allowed", a
         * bad request) is not the accept-time connection limit. */
        flag(st, a->relay.active && a->relay.front_error != NULL
                     ? "proxy_refused"
                     : "refused_at_accept");
        break;
    case END_UPSTREAM_FAILED:
        if (!a->have_hello) {
            flag(st, "upstream_failed");
        }
        break;
    case END_SHUTDOWN:
        if (!a->have_hello) {
            flag(st, "shutdown");
        }
        break;
    case END_NONE:
    case END_HELLO_CAPTURED:
    case END_HANDSHAKE_DONE:
    case END_HANDSHAKE_FAILED:
    case END_RELAYED:
        break;
    }
    /*
     * capture_error carries many tokens (why a connection was refused, a
     * plaintext line that was too long, ...). Only the record layer's own
     * "malformed" / "too_big", on an end that does not already explain
     * itself (a relayed attempt), says something about the hello.
     */
    if (!a->have_hello && a->capture_error != NULL &&
        (a->end == END_RELAYED || a->end == END_NONE ||
         a->end == END_HELLO_CAPTURED)) {
        if (strcmp(a->capture_error, "malformed") == 0) {
            flag(st, "malformed_hello");
        } else if (strcmp(a->capture_error, "too_big") == 0) {
            flag(st, "too_big");
        }
    }
}

void
verdict_judge(struct attempt *a, const struct policy *p)
{
    struct attempt_verdict *v = &a->verdict;
    struct judge_state st;
    enum verdict_severity worst = VSEV_INFO;
    bool hello_ok = false;

    if (p == NULL) {
        p = policy_default();
    }
    if (p == NULL) {
        p = &fallback_policy;
    }
    memset(&st, 0, sizeof(st));
    v->kind = VERDICT_UNKNOWN;
    v->num_reasons = 0;
    v->summary_code = NULL;
    v->policy = p->name;
    for (size_t i = 0; i < ATTEMPT_MAX_REASONS; i++) {
        v->reasons[i] = NULL;
    }

    if (a->have_hello) {
        hello_ok = hello_checks(a, p, &st);
    }
    alert_checks(a, &st);
    end_checks(a, &st);

    for (size_t i = 0; i < NUM_REASONS; i++) {
        if (st.flag[i] && reason_table[i].sev > worst) {
            worst = reason_table[i].sev;
        }
    }
    for (size_t i = 0; i < NUM_REASONS; i++) {
        if (!st.flag[i]) {
            continue;
        }
        if (v->num_reasons < ATTEMPT_MAX_REASONS) {
            v->reasons[v->num_reasons++] = reason_table[i].code;
        }
        if (v->summary_code == NULL && reason_table[i].sev == worst) {
            v->summary_code = reason_table[i].code;
        }
    }

    if (worst == VSEV_FAIL) {
        v->kind = VERDICT_FAIL;
    } else if (a->have_hello && hello_ok) {
        /* An UNKNOWN-weight note after a good hello does not undo it. */
        v->kind = worst == VSEV_WARN ? VERDICT_WARN : VERDICT_PASS;
    } else if (worst == VSEV_WARN) {
        v->kind = VERDICT_WARN;
    } else {
        v->kind = VERDICT_UNKNOWN;
    }
    if (v->kind == VERDICT_PASS) {
        v->summary_code = NULL; /* nothing stood in the way */
    }
}

bool
verdict_has_reason(const struct attempt *a, const char *code)
{
    size_t n = a->verdict.num_reasons;

    if (n > ATTEMPT_MAX_REASONS) {
        n = ATTEMPT_MAX_REASONS;
    }
    for (size_t i = 0; i < n; i++) {
        if (a->verdict.reasons[i] != NULL &&
            strcmp(a->verdict.reasons[i], code) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- explain ----------------------------------------------------------- */

static void
out_put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    for (size_t i = 0; i < n && *len + 1 < cap; i++) {
        buf[(*len)++] = s[i];
    }
}

static void
out_num(char *buf, size_t cap, size_t *len, size_t v)
{
    char tmp[24];
    size_t k = 0;

    do {
        tmp[k++] = (char)('0' + (v % 10));
        v /= 10;
    } while (v > 0 && k < sizeof(tmp));
    while (k > 0) {
        out_put(buf, cap, len, &tmp[--k], 1);
    }
}

size_t
verdict_explain(const struct attempt *a, const struct policy *p,
                const char *code, const char *lang, char *buf, size_t cap)
{
    const struct reason_row *r = reason_find(code);
    const char *tpl;
    size_t len = 0;
    struct suite_tally t;

    if (cap == 0) {
        return 0;
    }
    buf[0] = '\0';
    if (r == NULL) {
        return 0;
    }
    if (p == NULL) {
        p = policy_default();
    }
    if (p == NULL) {
        p = &fallback_policy;
    }
    tpl = lang_is_ja(lang) ? r->ja_fact : r->en_fact;
    if (tpl == NULL || !a->have_hello) {
        tpl = lang_is_ja(lang) ? r->ja : r->en;
    }
    memset(&t, 0, sizeof(t));
    if (a->have_hello) {
        static const uint16_t all[] = {TLSV_SSL3, TLSV_TLS10, TLSV_TLS11,
                                       TLSV_TLS12, TLSV_TLS13};
        tally_suites(&a->ch, p, all, ARRAY_LEN(all), &t);
    }
    while (*tpl != '\0') {
        const char *open = strchr(tpl, '{');
        const char *close;
        const char *val = NULL;

        if (open == NULL) {
            out_put(buf, cap, &len, tpl, strlen(tpl));
            break;
        }
        out_put(buf, cap, &len, tpl, (size_t)(open - tpl));
        close = strchr(open, '}');
        if (close == NULL) {
            out_put(buf, cap, &len, open, strlen(open));
            break;
        }
        size_t klen = (size_t)(close - open - 1);
        if (klen == 7 && strncmp(open + 1, "offered", 7) == 0) {
            val = verdict_version_str(verdict_highest_offered(&a->ch));
        } else if (klen == 6 && strncmp(open + 1, "lowest", 6) == 0) {
            val = verdict_version_str(lowest_offered(&a->ch));
        } else if (klen == 3 && strncmp(open + 1, "min", 3) == 0) {
            val = p->min_version != 0 ? verdict_version_str(p->min_version)
                                      : "-";
        } else if (klen == 3 && strncmp(open + 1, "max", 3) == 0) {
            val = p->max_version != 0 ? verdict_version_str(p->max_version)
                                      : "-";
        } else if (klen == 6 && strncmp(open + 1, "policy", 6) == 0) {
            val = p->name;
        } else if (klen == 6 && strncmp(open + 1, "suites", 6) == 0) {
            out_num(buf, cap, &len, t.offered);
        }
        if (val != NULL) {
            out_put(buf, cap, &len, val, strnlen(val, POLICY_NAME_MAX));
        }
        tpl = close + 1;
    }
    buf[len] = '\0';
    return len;
}
