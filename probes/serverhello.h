/*
 * serverhello.h - what a server answers before encryption starts: the
 * ServerHello (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3), HelloRetryRequest
 * (RFC 8446 §4.1.4), alerts (RFC 8446 §6, RFC 5246 §7.2), and a stateless
 * walker over the server's record stream that finds them.
 *
 * Pure: no I/O, no allocation. Views (struct bcur) point into the caller's
 * buffers, exactly as in clienthello.h.
 */
#ifndef TLSREADY_SERVERHELLO_H
#define TLSREADY_SERVERHELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "clienthello.h"
#include "compiler.h"

/* Cap on extensions kept from one ServerHello (part of the record format). */
#define SH_MAX_EXTENSIONS 32
/* Cap on alerts remembered by srvscan (more are counted, not kept). */
#define SRVSCAN_MAX_ALERTS 8
/* Default cap on a reassembled ServerHello (header + body). */
#define SRVSCAN_DEFAULT_MAX_HELLO 16384

enum sh_status {
    SH_OK = 0,
    SH_ERR_TRUNCATED,       /* a fixed field runs past the end */
    SH_ERR_SESSION_ID_LEN,  /* legacy_session_id_echo longer than 32 */
    SH_ERR_EXT_TRUNCATED,   /* an extension runs past the block */
    SH_ERR_EXT_DUPLICATE,   /* the same extension type twice */
    SH_ERR_EXT_TOO_MANY,    /* more than SH_MAX_EXTENSIONS */
    SH_ERR_EXT_MALFORMED,   /* an extension's inner layout is wrong */
    SH_ERR_TRAILING,        /* bytes after the extensions block */
};

/* sh_status_str returns a stable lowercase token, e.g. "ext_duplicate". */
const char *sh_status_str(enum sh_status st);

struct serverhello {
    /* Fixed fields (RFC 8446 §4.1.3). */
    uint16_t legacy_version;
    struct bcur random;             /* 32 bytes */
    struct bcur session_id;         /* legacy_session_id_echo */
    uint16_t cipher_suite;
    uint8_t compression;            /* legacy_compression_method */

    /* HelloRetryRequest: random is SHA-256("HelloRetryRequest"). */
    bool is_hrr;
    /*
     * RFC 8446 §4.1.3 downgrade sentinel in the last 8 bytes of random:
     * a TLS 1.3 server that negotiated TLS 1.2 (12) or below (11).
     */
    bool downgrade_tls12;
    bool downgrade_tls11;

    /* Extensions, in wire order (same element type as the ClientHello). */
    bool has_extensions_block;
    size_t num_extensions;
    struct ch_ext extensions[SH_MAX_EXTENSIONS];

    /* Decoded extensions. */
    bool has_supported_versions;
    uint16_t selected_version;      /* supported_versions (43) */
    bool has_key_share;
    uint16_t key_share_group;       /* key_share (51); HRR: selected_group */
    bool has_alpn;
    struct bcur alpn;               /* the one selected protocol name */
    bool has_pre_shared_key;
    uint16_t psk_identity;          /* selected_identity */
    bool has_cookie;                /* cookie (44), HRR only */
    bool has_renegotiation_info;
    bool has_extended_master_secret;
    bool has_encrypt_then_mac;
    bool has_session_ticket;
    bool has_status_request;
    bool has_point_formats;
    bool has_record_size_limit;
    uint16_t record_size_limit;

    /*
     * negotiated_version: selected_version when supported_versions is
     * present, else legacy_version (RFC 8446 §4.2.1). For an HRR it is the
     * version the server will use if the client retries.
     */
    uint16_t negotiated_version;

    /* Parse outcome. */
    enum sh_status status;
    size_t error_offset;            /* offset into the handshake body */
};

/*
 * serverhello_parse decodes a ServerHello handshake body (after the 4-byte
 * handshake header) of `len` bytes. It returns SH_OK or the first error,
 * with every field decoded before it filled in (as clienthello_parse).
 */
MUST_CHECK enum sh_status serverhello_parse(struct serverhello *out,
                                            const uint8_t *body, size_t len);

/* Alerts (RFC 8446 §6): AlertLevel is 1 = warning, 2 = fatal. */
#define TLS_ALERT_WARNING 1
#define TLS_ALERT_FATAL 2

struct tls_alert {
    uint8_t level;
    uint8_t description;
};

/*
 * tls_alert_read reads one 2-byte Alert from `in`; false (and `in`
 * untouched) when fewer than 2 bytes are left. Any values are accepted.
 */
MUST_CHECK bool tls_alert_read(struct bcur *in, struct tls_alert *out);

/* tls_alert_level_str: "warning", "fatal" or "unknown". */
const char *tls_alert_level_str(uint8_t level);

/*
 * tls_alert_desc_str: the RFC 8446 §6 / RFC 5246 §7.2 name, e.g.
 * "protocol_version", "handshake_failure"; "unknown" for others.
 */
const char *tls_alert_desc_str(uint8_t description);

/*
 * srvscan - walk the server's bytes (from the start of its TLS stream) as
 * records and note what happened before encryption started.
 */
enum srvscan_status {
    SRVSCAN_NEED_MORE = 0,  /* nothing final yet; fields show progress */
    SRVSCAN_DONE,           /* stopped: see `stop` */
    SRVSCAN_NOT_TLS,        /* first bytes are not a TLS record */
    SRVSCAN_TOO_BIG,        /* ServerHello larger than the cap/buffer */
    SRVSCAN_MALFORMED,      /* broken framing; see error, error_offset */
};

/* srvscan_status_str returns a stable lowercase token, e.g. "done". */
const char *srvscan_status_str(enum srvscan_status st);

enum srvscan_stop {
    SRVSCAN_STOP_NONE = 0,
    SRVSCAN_STOP_CHANGE_CIPHER_SPEC, /* encryption starts after this */
    SRVSCAN_STOP_APPLICATION_DATA,   /* encrypted records (TLS 1.3) */
    SRVSCAN_STOP_ALERT,              /* fatal alert or close_notify */
    SRVSCAN_STOP_LIMIT,              /* `max_scan` bytes seen */
};

/* srvscan_stop_str: "none", "change_cipher_spec", "application_data",
 * "alert", "limit". */
const char *srvscan_stop_str(enum srvscan_stop st);

struct srvscan {
    uint16_t record_version;    /* first record's version */
    size_t num_records;         /* whole records examined */
    size_t consumed;            /* bytes of those records */

    /* The first handshake message; must be a ServerHello (type 2). */
    bool has_server_hello;      /* body below is complete */
    size_t sh_records;          /* records the ServerHello spanned */
    size_t sh_len;              /* body length */
    const uint8_t *sh_body;     /* reassembled body, in the caller's buf */
    size_t handshake_records;   /* all handshake records seen */

    size_t num_alerts;          /* all alerts seen (may exceed the array) */
    struct tls_alert alerts[SRVSCAN_MAX_ALERTS];

    bool ccs_seen;
    bool appdata_seen;
    enum srvscan_stop stop;

    size_t error_offset;        /* input offset of the failure */
    const char *error;          /* stable token; NULL when none */
};

/*
 * srvscan_run walks the records in `in` (`len` bytes so far). The first
 * handshake message is reassembled into `buf` (capacity `cap`, header
 * included) and must be a ServerHello no larger than `max_hello` (header +
 * body), else TOO_BIG. Alerts are collected as they come. It returns DONE
 * at the first ChangeCipherSpec or application_data record, fatal alert or
 * close_notify (`stop` says which), or once `max_scan` bytes were looked
 * at (stop LIMIT); until then NEED_MORE, and `out` describes every whole
 * record so far (has_server_hello may already be true: TLS 1.2 servers
 * pause after ServerHelloDone). Stateless like tlsrec_scan_hello: for a
 * growing prefix the result only gains facts, and once it is not NEED_MORE
 * every longer prefix gives the same result. Handshake records after the
 * ServerHello (Certificate, ...) are counted, not parsed.
 */
MUST_CHECK enum srvscan_status srvscan_run(struct srvscan *out,
                                           uint8_t *buf, size_t cap,
                                           const uint8_t *in, size_t len,
                                           size_t max_hello,
                                           size_t max_scan);

#endif /* TLSREADY_SERVERHELLO_H */
