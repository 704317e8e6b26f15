/*
 * decode.c - `tlsready decode`: show what a captured ClientHello (or a
 * server's answer) says, as the same JSON the records embed, or as text.
 *
 *   tlsready decode [--hex HEX | --file RAW | --pcap CAPTURE] [--text]
 *                   [--policy NAME]... [-c CONFIG] [--lang en|ja]
 *
 * Without --hex/--file/--pcap the bytes come from stdin. The input may be
 * TLS records (one hello over any number of records, or a server's
 * ServerHello/alert stream), a bare handshake message (0x01/0x02 + 24-bit
 * length), or an SSLv2-compatible hello; the first bytes decide. --pcap
 * prints one JSON line per ClientHello found in a pcap/pcapng file.
 *
 * With --policy every ClientHello is also judged the way a record is
 * (proxy/judge.c: verdict, reasons, client guess, advice) under that
 * policy, and the object gains the record's "verdict" member; several
 * --policy options give "verdicts": {NAME: verdict, ...} in the order
 * given, so one capture answers "would this pass against X?" for several
 * X. -c loads user policies and fingerprint files from a config; --lang
 * picks the language of the texts (default: the config's, else the
 * locale). The hello is judged alone: no plaintext stage, no alerts, no
 * story. Without --policy the output is exactly what it was before.
 *
 * Output is one JSON object per line, always valid. Exit status: 0 parsed
 * cleanly, 1 malformed / truncated / not TLS / nothing found (the object
 * still says what was seen), 2 usage or input error (also an unknown
 * policy). A verdict never changes the exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "cli.h"
#include "clienthello.h"
#include "fingerprint.h"
#include "config.h"
#include "hello_json.h"
#include "json.h"
#include "judge.h"
#include "pcap.h"
#include "record.h"
#include "serverhello.h"
#include "tlsrec.h"
#include "verdict.h"
#include "advice.h"

/* Largest raw hello input (hex, file, stdin); a hello is at most 64 KiB
 * plus record headers, so 1 MiB leaves room for a server flight too. */
#define DECODE_MAX_INPUT (1024 * 1024)
/* Largest capture file read for --pcap. */
#define DECODE_MAX_PCAP (256 * 1024 * 1024)
/* A handshake message is at most 2^24 - 1 + 4 bytes; we cap lower. */
#define DECODE_MAX_HELLO (65536 + 4)
/* One output line. */
#define DECODE_MAX_LINE (4 * 1024 * 1024)
/* Server walk cap. */
#define DECODE_MAX_SCAN (1024 * 1024)
/* --policy options; more than there are policies is never needed. */
#define DECODE_MAX_POLICIES (POLICY_MAX_USER + 8)
/* One reason explained with the attempt's facts (text mode). */
#define DECODE_MAX_EXPLAIN 1024

enum decode_src { DECODE_STDIN, DECODE_HEX, DECODE_FILE, DECODE_PCAP };

struct decode_opts {
    enum decode_src src;
    const char *arg;
    bool text;
    const char *config;     /* -c: user policies, fingerprint files */
    const char *lang;       /* --lang, or NULL */
    size_t num_policies;
    const char *policies[DECODE_MAX_POLICIES];
};

struct decode_out {
    struct bbuf line;
    struct jw w;
    struct fingerprint fp;
    uint8_t *hs;            /* reassembly buffer, DECODE_MAX_HELLO */
    /* --policy: the judge, the policies (distinct, in order), texts. */
    struct judge *judge;
    size_t num_pols;
    const struct policy *pols[DECODE_MAX_POLICIES];
    const char *lang;
    struct attempt *att;    /* the hello as an attempt, reused */
    const char *proto;      /* "imap", ... from a capture's port, or "" */
};

static void
decode_usage(FILE *f)
{
    fprintf(f, "usage: tlsready decode [--hex HEX | --file FILE | "
               "--pcap FILE] [--text]\n"
               "                       [--policy NAME]... [-c CONFIG] "
               "[--lang en|ja]\n"
               "  reads stdin when no --hex/--file/--pcap is given\n"
               "  --policy NAME   also judge each ClientHello under policy "
               "NAME, as a record\n"
               "                  would be (\"verdict\"); give it several "
               "times for\n"
               "                  \"verdicts\": {NAME: ...} "
               "(`tlsready policies` lists them)\n"
               "  -c, --config CONFIG  user policies and fingerprint files "
               "for --policy\n"
               "  --lang en|ja    language of the verdict and advice texts\n");
}

/* ---- input ----------------------------------------------------------- */

static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/*
 * decode_unhex turns text into bytes. Whitespace, ':' and a leading "0x"
 * are ignored (so `xxd -p`, Wireshark "copy as hex stream" and "aa:bb"
 * all work). Returns false on any other character or an odd digit count.
 */
static bool
decode_unhex(struct bbuf *out, const char *s, size_t n)
{
    size_t i = 0;
    int hi = -1;

    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        i = 2;
    }
    for (; i < n; i++) {
        char c = s[i];
        int v;

        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':') {
            continue;
        }
        v = hexval(c);
        if (v < 0) {
            return false;
        }
        if (hi < 0) {
            hi = v;
        } else {
            if (!bbuf_put_u8(out, (uint8_t)(hi << 4 | v))) {
                return false;
            }
            hi = -1;
        }
    }
    return hi < 0;
}

static bool
decode_read_stream(struct bbuf *out, FILE *f)
{
    uint8_t chunk[65536];
    size_t n;

    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (!bbuf_put(out, chunk, n)) {
            return false;
        }
    }
    return !ferror(f);
}

static bool
decode_read_file(struct bbuf *out, const char *path)
{
    FILE *f = fopen(path, "rb");
    bool ok;

    if (f == NULL) {
        fprintf(stderr, "tlsready decode: %s: %s\n", path, strerror(errno));
        return false;
    }
    ok = decode_read_stream(out, f);
    fclose(f);
    if (!ok) {
        fprintf(stderr, "tlsready decode: %s: read error or larger than "
                        "%zu bytes\n", path, out->max);
    }
    return ok;
}

/* ---- output ---------------------------------------------------------- */

static bool
decode_emit(struct decode_out *o)
{
    if (!jw_ok(&o->w)) {
        /* Should not happen (the line cap is large); keep output JSON. */
        bbuf_reset(&o->line);
        jw_init(&o->w, &o->line);
        jw_obj_begin(&o->w);
        jw_kv_str(&o->w, "error", "output_too_large");
        jw_obj_end(&o->w);
    }
    bbuf_put_u8(&o->line, '\n');
    if (fwrite(o->line.data, 1, o->line.len, stdout) != o->line.len) {
        return false;
    }
    bbuf_reset(&o->line);
    jw_init(&o->w, &o->line);
    return true;
}

static void
decode_emit_text(struct decode_out *o)
{
    bbuf_put_u8(&o->line, '\n');
    fwrite(o->line.data, 1, o->line.len, stdout);
    bbuf_reset(&o->line);
    jw_init(&o->w, &o->line);
}

/* ---- judging (--policy) ------------------------------------------------ */

/*
 * decode_judge judges the hello as an attempt that captured it and ended
 * there: no plaintext stage, no alerts, no story (the decoder's judge has
 * story_window 0). The views in `ch` point into the caller's buffers,
 * which outlive the call.
 */
static void
decode_judge(struct decode_out *o, size_t i, const struct clienthello *ch,
             const uint8_t *raw, size_t raw_len)
{
    struct attempt *a = o->att;

    memset(a, 0, sizeof(*a));
    snprintf(a->listener, sizeof(a->listener), "decode");
    snprintf(a->mode, sizeof(a->mode), "decode");
    snprintf(a->protocol, sizeof(a->protocol), "%s", o->proto);
    a->implicit_tls = true;
    a->have_hello = true;
    a->raw = raw;
    a->raw_len = raw_len;
    a->ch = *ch;
    a->end = END_HELLO_CAPTURED;
    judge_attempt(o->judge, a, o->pols[i]);
}

/* decode_put_verdicts adds "verdict" or "verdicts" to the open object. */
static void
decode_put_verdicts(struct decode_out *o, const struct clienthello *ch,
                    const uint8_t *raw, size_t raw_len)
{
    size_t i;

    if (o->num_pols == 0) {
        return;
    }
    if (o->num_pols == 1) {
        decode_judge(o, 0, ch, raw, raw_len);
        jw_key(&o->w, "verdict");
        record_put_verdict(&o->w, o->att, o->lang);
        return;
    }
    jw_key(&o->w, "verdicts");
    jw_obj_begin(&o->w);
    for (i = 0; i < o->num_pols; i++) {
        decode_judge(o, i, ch, raw, raw_len);
        jw_key(&o->w, o->pols[i]->name);
        record_put_verdict(&o->w, o->att, o->lang);
    }
    jw_obj_end(&o->w);
}

/* decode_text_block writes `s` with every line indented by `indent`. */
static void
decode_text_block(struct bbuf *b, const char *indent, const char *s)
{
    const char *nl;

    while (s != NULL && *s != '\0') {
        nl = strchr(s, '\n');
        if (nl == NULL) {
            bbuf_printf(b, "%s%s\n", indent, s);
            return;
        }
        bbuf_printf(b, "%s%.*s\n", indent, (int)(nl - s), s);
        s = nl + 1;
    }
}

static const char *
decode_label(const struct decode_out *o, const char *en, const char *ja)
{
    return strcmp(o->lang, "ja") == 0 ? ja : en;
}

/* decode_text_client is the client guess line (the same for any policy). */
static void
decode_text_client(struct decode_out *o)
{
    const struct attempt_verdict *v = &o->att->verdict;

    bbuf_printf(&o->line, "%s: ", decode_label(o, "client",
                                                "クライアント"));
    if (v->client_family == NULL) {
        bbuf_printf(&o->line, "unknown\n");
        return;
    }
    bbuf_printf(&o->line, "%s", v->client_family);
    if (v->client_detail != NULL && v->client_detail[0] != '\0') {
        bbuf_printf(&o->line, " - %s", v->client_detail);
    }
    if (v->client_os != NULL && v->client_os[0] != '\0') {
        bbuf_printf(&o->line, " (%s)", v->client_os);
    }
    bbuf_printf(&o->line, " [%s, %s]\n",
                v->client_source != NULL ? v->client_source : "-",
                v->client_confidence != NULL ? v->client_confidence : "-");
}

/*
 * decode_text_verdicts prints, per policy: the result and its summary
 * code, each reason with the attempt's facts filled in, and the advice
 * titles and texts; the client guess once.
 */
static void
decode_text_verdicts(struct decode_out *o, const struct clienthello *ch,
                     const uint8_t *raw, size_t raw_len)
{
    char buf[DECODE_MAX_EXPLAIN];
    size_t i, k;

    for (i = 0; i < o->num_pols; i++) {
        const struct attempt_verdict *v = &o->att->verdict;
        char kind[16];

        decode_judge(o, i, ch, raw, raw_len);
        if (i == 0) {
            decode_text_client(o);
        }
        snprintf(kind, sizeof(kind), "%s", verdict_kind_str(v->kind));
        for (k = 0; kind[k] != '\0'; k++) {
            if (kind[k] >= 'a' && kind[k] <= 'z') {
                kind[k] = (char)(kind[k] - 'a' + 'A');
            }
        }
        bbuf_printf(&o->line, "%s [%s]: %s", decode_label(o, "verdict",
                                                           "判定"),
                    o->pols[i]->name, kind);
        if (v->summary_code != NULL) {
            bbuf_printf(&o->line, " (%s)", v->summary_code);
        }
        bbuf_put_str(&o->line, "\n");
        for (k = 0; k < v->num_reasons && k < ATTEMPT_MAX_REASONS; k++) {
            const char *t = buf;

            if (verdict_explain(o->att, o->pols[i], v->reasons[k], o->lang,
                                buf, sizeof(buf)) == 0) {
                t = verdict_reason_text(v->reasons[k], o->lang);
            }
            bbuf_printf(&o->line, "  - %s: %s\n", v->reasons[k],
                        t != NULL ? t : "");
        }
        for (k = 0; k < v->num_advice && k < ATTEMPT_MAX_ADVICE; k++) {
            const struct advice *ad = advice_get(v->advice[k]);

            bbuf_printf(&o->line, "  %s %s", decode_label(o, "advice",
                                                           "対処"),
                        v->advice[k]);
            if (ad == NULL) {
                bbuf_put_str(&o->line, "\n");
                continue;
            }
            bbuf_printf(&o->line, ": %s\n", advice_title(ad, o->lang));
            decode_text_block(&o->line, "      ", advice_text(ad, o->lang));
        }
    }
}

/* ---- the kinds of input ------------------------------------------------ */

/*
 * decode_client renders a parsed (or partly parsed) ClientHello; returns
 * the exit status it deserves.
 */
static int
decode_client(struct decode_out *o, const struct decode_opts *opt,
              const char *framing, const struct clienthello *ch,
              const uint8_t *raw, size_t raw_len)
{
    bool fp_ok = fp_compute(&o->fp, ch);

    if (opt->text) {
        hello_text_put_client(&o->line, ch, fp_ok ? &o->fp : NULL);
        decode_text_verdicts(o, ch, raw, raw_len);
        decode_emit_text(o);
    } else {
        jw_kv_str(&o->w, "message", "client_hello");
        jw_kv_str(&o->w, "framing", framing);
        hello_json_put_client_fp(&o->w, ch, fp_ok ? &o->fp : NULL, raw,
                                 raw_len);
        decode_put_verdicts(o, ch, raw, raw_len);
        jw_obj_end(&o->w);
        decode_emit(o);
    }
    return ch->status == CH_OK ? 0 : 1;
}

static int
decode_server_body(struct decode_out *o, const struct decode_opts *opt,
                   const uint8_t *body, size_t len)
{
    struct serverhello sh;
    enum sh_status st = serverhello_parse(&sh, body, len);

    if (opt->text) {
        hello_text_put_server(&o->line, &sh);
        decode_emit_text(o);
    } else {
        jw_kv_str(&o->w, "message", "server_hello");
        jw_kv_str(&o->w, "framing", "handshake_message");
        hello_json_put_server(&o->w, &sh);
        jw_obj_end(&o->w);
        decode_emit(o);
    }
    return st == SH_OK ? 0 : 1;
}

/* decode_server_stream walks a server's records (ServerHello, alerts). */
static int
decode_server_stream(struct decode_out *o, const struct decode_opts *opt,
                     const uint8_t *in, size_t len)
{
    struct srvscan ss;
    struct serverhello sh;
    enum srvscan_status st;
    enum sh_status shst = SH_OK;
    bool have_sh = false;
    int rc;

    st = srvscan_run(&ss, o->hs, DECODE_MAX_HELLO, in, len,
                     DECODE_MAX_HELLO, DECODE_MAX_SCAN);
    if (ss.has_server_hello) {
        shst = serverhello_parse(&sh, ss.sh_body, ss.sh_len);
        have_sh = true;
    }
    rc = (st == SRVSCAN_DONE || st == SRVSCAN_NEED_MORE) &&
                 ss.error == NULL && (!have_sh || shst == SH_OK) &&
                 (have_sh || ss.num_alerts > 0)
             ? 0
             : 1;
    if (opt->text) {
        size_t i;

        bbuf_printf(&o->line, "server stream: %s, %zu record(s), stop %s\n",
                    srvscan_status_str(st), ss.num_records,
                    srvscan_stop_str(ss.stop));
        for (i = 0; i < ss.num_alerts && i < SRVSCAN_MAX_ALERTS; i++) {
            bbuf_printf(&o->line, "alert: %s %s (%u)\n",
                        tls_alert_level_str(ss.alerts[i].level),
                        tls_alert_desc_str(ss.alerts[i].description),
                        (unsigned)ss.alerts[i].description);
        }
        if (have_sh) {
            hello_text_put_server(&o->line, &sh);
        }
        decode_emit_text(o);
        return rc;
    }
    jw_kv_str(&o->w, "message", have_sh ? "server_hello" : "server_records");
    jw_kv_str(&o->w, "framing", "tls_records");
    hello_json_put_srvscan(&o->w, st, &ss, have_sh ? &sh : NULL);
    jw_obj_end(&o->w);
    decode_emit(o);
    return rc;
}

static void
decode_first_bytes(struct decode_out *o, const uint8_t *in, size_t len)
{
    jw_key(&o->w, "first_bytes_hex");
    jw_hex(&o->w, in, len < 16 ? len : 16);
}

/*
 * decode_partial_record handles a single truncated handshake record that
 * starts a ClientHello: it parses what is there, so the output shows the
 * fields up to the cut (parse_error "truncated").
 */
static bool
decode_partial_record(struct decode_out *o, const struct decode_opts *opt,
                      const uint8_t *in, size_t len, int *rc)
{
    struct clienthello ch;
    struct bcur c;
    struct bcur body;
    enum ch_status cs;
    uint16_t rver;
    uint8_t type;
    uint8_t hs;

    bcur_init(&c, in, len);
    if (!bcur_get_u8(&c, &type) || type != TLSREC_HANDSHAKE ||
        !bcur_get_u16(&c, &rver) || !bcur_skip(&c, 2) ||
        !bcur_get_u8(&c, &hs) || hs != 1 || !bcur_skip(&c, 3)) {
        return false;
    }
    body = c;
    cs = clienthello_parse(&ch, bcur_data(&body), bcur_left(&body));
    if (cs == CH_OK) {
        ch.status = CH_ERR_TRUNCATED;   /* the record said there is more */
        ch.error_offset = bcur_left(&body);
    }
    ch.record_version = rver;
    ch.num_records = 1;
    if (!opt->text) {
        jw_kv_str(&o->w, "scan_status", "need_more");
    }
    (void)decode_client(o, opt, "tls_records", &ch, in, len);
    *rc = 1;                            /* truncated input is an error */
    return true;
}

/* decode_bytes decides what `in` is and prints one line about it. */
static int
decode_bytes(struct decode_out *o, const struct decode_opts *opt,
             const uint8_t *in, size_t len)
{
    struct tlsrec_hello rh;
    struct clienthello ch;
    struct bcur c;
    enum tlsrec_status st;
    enum ch_status cs;
    uint32_t hs_len;
    uint8_t first = 0;
    int rc;

    if (!opt->text) {
        jw_obj_begin(&o->w);
    }
    bcur_init(&c, in, len);
    if (!bcur_peek_u8(&c, &first)) {
        first = 0;
    }

    /* A bare handshake message: type 1 or 2, then a 24-bit length. */
    if ((first == 1 || first == 2) && bcur_skip(&c, 1) &&
        bcur_get_u24(&c, &hs_len)) {
        size_t avail = bcur_left(&c);
        size_t n = hs_len < avail ? hs_len : avail;

        if (first == 2) {
            return decode_server_body(o, opt, bcur_data(&c), n);
        }
        cs = clienthello_parse(&ch, bcur_data(&c), n);
        if (n < hs_len && cs == CH_OK) {
            ch.status = CH_ERR_TRUNCATED;
            ch.error_offset = n;
        }
        if (avail > hs_len && !opt->text) {
            jw_kv_uint(&o->w, "trailing_bytes", avail - hs_len);
        }
        return decode_client(o, opt, "handshake_message", &ch, in, len);
    }

    if (first == TLSREC_ALERT || first == TLSREC_CHANGE_CIPHER_SPEC ||
        first == TLSREC_APPLICATION_DATA) {
        return decode_server_stream(o, opt, in, len);
    }

    st = tlsrec_scan_hello(&rh, o->hs, DECODE_MAX_HELLO, in, len,
                           DECODE_MAX_HELLO);
    if (st == TLSREC_OK && !rh.sslv2 && rh.hs_type == 2) {
        return decode_server_stream(o, opt, in, len);
    }
    if (st == TLSREC_OK && (rh.sslv2 || rh.hs_type == 1)) {
        cs = clienthello_parse_hello(&ch, &rh);
        (void)cs;                       /* ch.status carries it */
        if (rh.consumed < len && !opt->text) {
            jw_kv_uint(&o->w, "trailing_bytes", len - rh.consumed);
        }
        return decode_client(o, opt, rh.sslv2 ? "sslv2" : "tls_records", &ch,
                             in, rh.consumed);
    }
    if (st == TLSREC_NEED_MORE && decode_partial_record(o, opt, in, len,
                                                        &rc)) {
        return rc;
    }
    if (opt->text) {
        bbuf_printf(&o->line, "not a ClientHello: %s%s%s (%zu bytes)\n",
                    tlsrec_status_str(st), rh.error != NULL ? ", " : "",
                    rh.error != NULL ? rh.error : "", len);
        decode_emit_text(o);
        return 1;
    }
    if (st == TLSREC_OK) {
        jw_kv_str(&o->w, "message", "handshake");
        jw_kv_uint(&o->w, "handshake_type", rh.hs_type);
    } else {
        jw_kv_str(&o->w, "message", st == TLSREC_NOT_TLS ? "not_tls"
                                                         : "unreadable");
    }
    hello_json_put_scan_error(&o->w, st, &rh, in, len);
    decode_first_bytes(o, in, len);
    jw_obj_end(&o->w);
    decode_emit(o);
    return 1;
}

/* ---- pcap ------------------------------------------------------------ */

static void
decode_flow_members(struct decode_out *o, const struct pcap_flow *f,
                    size_t offset)
{
    char addr[64];

    jw_kv_str(&o->w, "source", "pcap");
    jw_kv_uint(&o->w, "stream", f->index);
    jw_kv_uint(&o->w, "first_packet", f->first_packet);
    pcap_addr_str(addr, sizeof(addr), f->key.family, f->key.src);
    jw_kv_str(&o->w, "src", addr);
    jw_kv_uint(&o->w, "srcport", f->key.sport);
    pcap_addr_str(addr, sizeof(addr), f->key.family, f->key.dst);
    jw_kv_str(&o->w, "dst", addr);
    jw_kv_uint(&o->w, "dstport", f->key.dport);
    jw_kv_uint(&o->w, "stream_offset", offset);
}

/*
 * decode_port_proto names the mail or web protocol of a well-known server
 * port, so advice that depends on it (HTTPS vs mail) can apply to a
 * capture; "" when the port says nothing.
 */
static const char *
decode_port_proto(uint16_t port)
{
    switch (port) {
    case 143:
    case 993:
        return "imap";
    case 110:
    case 995:
        return "pop3";
    case 25:
    case 465:
    case 587:
        return "smtp";
    case 443:
        return "https";
    default:
        return "";
    }
}

/*
 * decode_flow finds the ClientHellos in one direction's bytes. Until the
 * first hello it tries every offset that could start a TLS record or an
 * SSLv2 hello (plaintext STARTTLS dialogue first); after it, it only
 * walks record boundaries, so encrypted data cannot fake a hello.
 */
static size_t
decode_flow(struct decode_out *o, const struct decode_opts *opt,
            const struct pcap_flow *f, int *worst)
{
    struct bcur all;
    size_t pos = 0;
    size_t found = 0;
    size_t len = f->data.len;

    bcur_init(&all, f->data.data, len);
    while (pos < len) {
        struct tlsrec_hello rh;
        struct clienthello ch;
        struct bcur rest = all;
        enum tlsrec_status st;
        uint8_t b0;

        if (!bcur_skip(&rest, pos) || !bcur_peek_u8(&rest, &b0)) {
            break;
        }
        st = TLSREC_NOT_TLS;
        if (found > 0) {
            /* Record walk: a hello record, or skip one whole record. */
            struct tlsrec rec;
            struct bcur walk = rest;

            if (b0 == TLSREC_HANDSHAKE) {
                st = tlsrec_scan_hello(&rh, o->hs, DECODE_MAX_HELLO,
                                       bcur_data(&rest), bcur_left(&rest),
                                       DECODE_MAX_HELLO);
            }
            if (st != TLSREC_OK || rh.sslv2 || rh.hs_type != 1) {
                if (tlsrec_next(&walk, &rec) != TLSREC_OK) {
                    break;
                }
                pos += bcur_left(&rest) - bcur_left(&walk);
                continue;
            }
        } else {
            if (b0 == TLSREC_HANDSHAKE || (b0 & 0x80) != 0) {
                st = tlsrec_scan_hello(&rh, o->hs, DECODE_MAX_HELLO,
                                       bcur_data(&rest), bcur_left(&rest),
                                       DECODE_MAX_HELLO);
            }
            if (st != TLSREC_OK || (!rh.sslv2 && rh.hs_type != 1)) {
                pos++;
                continue;
            }
        }
        if (clienthello_parse_hello(&ch, &rh) != CH_OK && found == 0 &&
            rh.sslv2) {
            pos++;                      /* a byte that only looked SSLv2 */
            continue;
        }
        found++;
        if (opt->text) {
            char addr[64];

            pcap_addr_str(addr, sizeof(addr), f->key.family, f->key.src);
            bbuf_printf(&o->line, "stream %zu %s:%u -> ", f->index, addr,
                        (unsigned)f->key.sport);
            pcap_addr_str(addr, sizeof(addr), f->key.family, f->key.dst);
            bbuf_printf(&o->line, "%s:%u (offset %zu)\n", addr,
                        (unsigned)f->key.dport, pos);
        } else {
            jw_obj_begin(&o->w);
            decode_flow_members(o, f, pos);
        }
        {
            int rc;

            o->proto = decode_port_proto(f->key.dport);
            rc = decode_client(o, opt, rh.sslv2 ? "sslv2" : "tls_records",
                               &ch, bcur_data(&rest), rh.consumed);
            o->proto = "";

            if (rc > *worst) {
                *worst = rc;
            }
        }
        pos += rh.consumed > 0 ? rh.consumed : 1;
    }
    return found;
}

static int
decode_pcap(struct decode_out *o, const struct decode_opts *opt,
            const uint8_t *in, size_t len)
{
    struct pcap_reader r;
    struct pcap_packet p;
    struct pcap_tcp seg;
    struct pcap_flows *flows;
    enum pcap_status st;
    size_t i;
    size_t found = 0;
    int worst = 0;

    st = pcap_open(&r, in, len);
    if (st != PCAP_OK) {
        fprintf(stderr, "tlsready decode: not a pcap/pcapng file (%s)\n",
                pcap_status_str(st));
        return 2;
    }
    flows = pcap_flows_new(PCAP_DEFAULT_MAX_FLOWS,
                           PCAP_DEFAULT_MAX_FLOW_BYTES);
    if (flows == NULL) {
        fprintf(stderr, "tlsready decode: out of memory\n");
        return 2;
    }
    while ((st = pcap_next(&r, &p)) == PCAP_OK) {
        if (pcap_decode_tcp(&p, &seg)) {
            (void)pcap_flows_add(flows, &seg, p.index);
        }
    }
    if (st != PCAP_END) {
        /* Keep what was read; a cut capture is common. */
        fprintf(stderr, "tlsready decode: capture %s after packet %zu\n",
                pcap_status_str(st), r.num_packets);
        worst = 1;
    }
    for (i = 0; i < pcap_flows_count(flows); i++) {
        found += decode_flow(o, opt, pcap_flows_get(flows, i), &worst);
    }
    pcap_flows_free(flows);
    if (found == 0) {
        fprintf(stderr, "tlsready decode: no ClientHello found\n");
        return 1;
    }
    return worst;
}

/* ---- main ------------------------------------------------------------ */

static int
decode_parse_args(struct decode_opts *opt, int argc, char **argv)
{
    int i;
    bool have_src = false;

    memset(opt, 0, sizeof(*opt));
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        enum decode_src src;

        if (strcmp(a, "--text") == 0) {
            opt->text = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            decode_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--policy") == 0 || strcmp(a, "-c") == 0 ||
            strcmp(a, "--config") == 0 || strcmp(a, "--lang") == 0) {
            const char *v = i + 1 < argc ? argv[++i] : NULL;

            if (v == NULL) {
                fprintf(stderr, "tlsready decode: %s needs a value\n", a);
                decode_usage(stderr);
                return 2;
            }
            if (strcmp(a, "--policy") == 0) {
                if (opt->num_policies >= DECODE_MAX_POLICIES) {
                    fprintf(stderr, "tlsready decode: at most %d --policy "
                                    "options\n", DECODE_MAX_POLICIES);
                    return 2;
                }
                opt->policies[opt->num_policies++] = v;
            } else if (strcmp(a, "--lang") == 0) {
                if (strcmp(v, "en") != 0 && strcmp(v, "ja") != 0) {
                    fprintf(stderr, "tlsready decode: --lang wants en or "
                                    "ja\n");
                    return 2;
                }
                opt->lang = v;
            } else {
                opt->config = v;
            }
            continue;
        }
        if (strcmp(a, "--hex") == 0) {
            src = DECODE_HEX;
        } else if (strcmp(a, "--file") == 0) {
            src = DECODE_FILE;
        } else if (strcmp(a, "--pcap") == 0) {
            src = DECODE_PCAP;
        } else {
            fprintf(stderr, "tlsready decode: unknown option '%s'\n", a);
            decode_usage(stderr);
            return 2;
        }
        if (have_src || i + 1 >= argc) {
            fprintf(stderr, "tlsready decode: %s\n",
                    have_src ? "give one input only" : "option needs a value");
            decode_usage(stderr);
            return 2;
        }
        have_src = true;
        opt->src = src;
        opt->arg = argv[++i];
    }
    if (opt->num_policies == 0 && (opt->config != NULL || opt->lang != NULL)) {
        fprintf(stderr, "tlsready decode: -c and --lang only apply with "
                        "--policy\n");
        decode_usage(stderr);
        return 2;
    }
    return -1;
}

/* decode_list_policies names every policy `cfg` offers, for an error. */
static void
decode_list_policies(const struct tr_config *cfg, FILE *f)
{
    const struct policy *b;
    size_t n = 0;
    size_t i;
    const char *sep = "";

    for (i = 0; i < cfg->num_policies && i < POLICY_MAX_USER; i++) {
        fprintf(f, "%s%s", sep, cfg->policies[i].name);
        sep = ", ";
    }
    b = policy_builtins(&n);
    for (i = 0; i < n; i++) {
        if (config_policy(cfg, b[i].name) == &b[i]) {
            fprintf(f, "%s%s", sep, b[i].name);
            sep = ", ";
        }
    }
    fputc('\n', f);
}

/*
 * decode_setup_judge loads the config (-c, else the built-in one), looks
 * up every --policy (a name given twice is judged once) and makes the
 * judge. Returns 0, or 2 after printing why. The config is kept in *cfgp
 * (the policies point into it) for the caller to free.
 */
static int
decode_setup_judge(struct decode_out *o, const struct decode_opts *opt,
                   struct tr_config **cfgp)
{
    struct config_error err;
    struct tr_config *cfg;
    size_t i, k;

    memset(&err, 0, sizeof(err));
    cfg = opt->config != NULL ? config_load(opt->config, &err)
                              : config_default();
    *cfgp = cfg;
    if (cfg == NULL) {
        if (opt->config != NULL) {
            config_error_print(&err, stderr);
        } else {
            fprintf(stderr, "tlsready decode: out of memory\n");
        }
        return 2;
    }
    for (i = 0; i < opt->num_policies; i++) {
        const struct policy *p = config_policy(cfg, opt->policies[i]);
        bool dup = false;

        if (p == NULL) {
            fprintf(stderr, "tlsready decode: no policy called '%s'; "
                            "available: ", opt->policies[i]);
            decode_list_policies(cfg, stderr);
            return 2;
        }
        for (k = 0; k < o->num_pols; k++) {
            dup = dup || o->pols[k] == p;
        }
        if (!dup) {
            o->pols[o->num_pols++] = p;
        }
    }
    /* One hello at a time: no linking of attempts into stories. */
    cfg->global.story_window = 0;
    o->judge = judge_new(cfg, &err);
    if (o->judge == NULL) {
        config_error_print(&err, stderr);
        return 2;
    }
    o->att = calloc(1, sizeof(*o->att));
    if (o->att == NULL) {
        fprintf(stderr, "tlsready decode: out of memory\n");
        return 2;
    }
    o->lang = judge_lang(opt->lang, cfg->global.lang);
    return 0;
}

int
decode_main(int argc, char **argv)
{
    struct decode_opts opt;
    struct decode_out o;
    struct bbuf in;
    struct tr_config *cfg = NULL;
    int rc = decode_parse_args(&opt, argc, argv);

    if (rc >= 0) {
        return rc;
    }
    memset(&o, 0, sizeof(o));
    o.proto = "";
    o.lang = "en";
    if (opt.num_policies > 0 && decode_setup_judge(&o, &opt, &cfg) != 0) {
        free(o.att);
        judge_free(o.judge);
        config_free(cfg);
        return 2;
    }
    bbuf_init(&in, opt.src == DECODE_PCAP ? DECODE_MAX_PCAP
                                          : DECODE_MAX_INPUT);
    bbuf_init(&o.line, DECODE_MAX_LINE);
    jw_init(&o.w, &o.line);
    fp_init(&o.fp, FP_DEFAULT_MAX_TEXT);
    rc = 2;
    switch (opt.src) {
    case DECODE_HEX:
        if (!decode_unhex(&in, opt.arg, strlen(opt.arg))) {
            fprintf(stderr, "tlsready decode: --hex wants hex digits "
                            "(spaces and ':' allowed), at most %d bytes\n",
                    DECODE_MAX_INPUT);
            goto out;
        }
        break;
    case DECODE_FILE:
    case DECODE_PCAP:
        if (!decode_read_file(&in, opt.arg)) {
            goto out;
        }
        break;
    case DECODE_STDIN:
        if (!decode_read_stream(&in, stdin)) {
            fprintf(stderr, "tlsready decode: stdin: read error or more "
                            "than %d bytes\n", DECODE_MAX_INPUT);
            goto out;
        }
        break;
    }
    if (in.len == 0) {
        fprintf(stderr, "tlsready decode: empty input\n");
        goto out;
    }
    o.hs = malloc(DECODE_MAX_HELLO);
    if (o.hs == NULL) {
        goto out;
    }

    if (opt.src == DECODE_PCAP) {
        rc = decode_pcap(&o, &opt, in.data, in.len);
    } else {
        rc = decode_bytes(&o, &opt, in.data, in.len);
    }
    fflush(stdout);

out:
    fp_cleanup(&o.fp);
    bbuf_cleanup(&o.line);
    free(o.hs);
    free(o.att);
    judge_free(o.judge);
    config_free(cfg);
    bbuf_cleanup(&in);
    return rc;
}
