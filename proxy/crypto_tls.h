/*
 * crypto_tls.h - the optional real TLS handshake of test mode (finish modes
 * `handshake` and `office365`), as a pure, non-blocking engine on memory
 * buffers. It never touches a socket: the session feeds it the client's
 * bytes (first the captured ClientHello exactly as received, then whatever
 * arrives later) and sends whatever it appends to an output bbuf.
 *
 * MITM-free by construction: the engine terminates TLS only with a
 * throw-away self-signed certificate that a verifying client is expected to
 * refuse, stops at the end of the handshake, and never decrypts a client
 * application-data record. After the handshake it can only WRITE (the
 * office365 mode's rejection text, then close_notify). See doc/handshake.md.
 *
 * This header includes no mbedTLS header; crypto_tls.c (in lib
 * tlsready_crypto) is the only place that does, for both mbedTLS 2.28 and
 * 3.6.
 */
#ifndef TLSREADY_CRYPTO_TLS_H
#define TLSREADY_CRYPTO_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "compiler.h"

/* Wire values of the protocol versions (RFC 8446 §4.2.1, RFC 5246 E). */
#define CRYPTO_TLS_V10 0x0301
#define CRYPTO_TLS_V11 0x0302
#define CRYPTO_TLS_V12 0x0303
#define CRYPTO_TLS_V13 0x0304

/*
 * Client bytes buffered inside one connection before the handshake has
 * consumed them. A client's handshake flight is small (we never ask for a
 * client certificate), so passing this fails the connection ("input_limit").
 */
#define CRYPTO_TLS_MAX_INPUT (64 * 1024)

/*
 * A step can emit a whole server flight (ServerHello, a certificate of about
 * 0.5-1 KiB, ServerKeyExchange, ServerHelloDone) or one full-size record of
 * application data. Give `out` at least this much room per call.
 */
#define CRYPTO_TLS_MIN_OUT (20 * 1024)

/* Longest hostname accepted for the certificate's CN (RFC 5280 ub-cn). */
#define CRYPTO_TLS_MAX_HOSTNAME 64

/*
 * struct crypto_tls_server_opts configures the server context. Zero-filled
 * options give a generated EC P-256 + RSA-2048 pair for "localhost".
 */
struct crypto_tls_server_opts {
    const char *hostname;       /* certificate CN; NULL = "localhost" */
    const char *cert_file;      /* PEM chain to load instead of generating */
    const char *key_file;       /* PEM key for cert_file (both or neither) */
    const char *save_cert_path; /* write the generated certificates (PEM,
                                   never the keys) here; NULL = don't */
    bool no_rsa;                /* skip the RSA-2048 key (saves ~0.1-1 s);
                                   then TLS 1.0 clients offering only RSA
                                   suites fail with handshake_failure */
};

/* What the server context holds, for the start-up log line. */
struct crypto_tls_server_info {
    bool from_file;          /* cert/key were loaded, not generated */
    bool has_ec;             /* an EC (P-256) certificate is configured */
    bool has_rsa;            /* an RSA certificate is configured */
    char subject[96];        /* subject DN of the first certificate */
    char not_before[20];     /* "YYYY-MM-DD hh:mm:ss" (UTC) */
    char not_after[20];
    uint8_t sha256_ec[32];   /* DER fingerprints; zero when absent */
    uint8_t sha256_rsa[32];
};

struct crypto_tls_server;
struct crypto_tls_conn;

/*
 * crypto_tls_can_legacy returns true when the linked mbedTLS build can
 * negotiate TLS 1.0 and 1.1 (2.28 with MBEDTLS_SSL_PROTO_TLS1/TLS1_1).
 * mbedTLS 3.x has no TLS 1.0/1.1 at all: then the office365 finish mode
 * cannot complete a handshake with a legacy client, and the caller should
 * say so at start-up.
 */
bool crypto_tls_can_legacy(void);

/*
 * crypto_tls_min_version / crypto_tls_max_version return the lowest and
 * highest wire versions this build can negotiate (0x0301..0x0303 on 2.28;
 * 0x0303..0x0304 on a 3.6 build with TLS 1.3).
 */
uint16_t crypto_tls_min_version(void);
uint16_t crypto_tls_max_version(void);

/*
 * crypto_tls_server_new creates the start-up context: a seeded CTR-DRBG and
 * either the cert/key loaded from opts (PEM) or a freshly generated
 * throw-away self-signed pair: EC P-256 and (unless no_rsa) RSA-2048, CN =
 * hostname, valid from one day ago to 30 days ahead, random serial. Both
 * certificates are offered so mbedTLS picks the one that fits the suite
 * (ECDSA for ECDHE-ECDSA, RSA for the RSA suites old TLS 1.0 stacks offer).
 * Nothing is written to disk unless opts->save_cert_path is set. On failure
 * it returns NULL and writes a one-line reason into err (errlen bytes).
 * Call it once, before the event loop: RSA key generation blocks.
 */
MUST_CHECK struct crypto_tls_server *
crypto_tls_server_new(const struct crypto_tls_server_opts *o, char *err,
                      size_t errlen);

/* crypto_tls_server_info fills *out; the server keeps ownership. */
void crypto_tls_server_info(const struct crypto_tls_server *s,
                            struct crypto_tls_server_info *out);

/*
 * crypto_tls_server_free frees the context; NULL does nothing. Every
 * connection made from it must be freed first.
 */
void crypto_tls_server_free(struct crypto_tls_server *s);

/* The outcome of one crypto_tls_conn_step() call. */
enum crypto_tls_step {
    CT_WANT_INPUT = 0, /* send `out`, then feed more client bytes */
    CT_DONE,           /* handshake complete; `out` holds our Finished */
    CT_FAILED,         /* handshake over without success; see result */
};

/* crypto_tls_step_str returns "want_input", "done" or "failed". */
const char *crypto_tls_step_str(enum crypto_tls_step st);

/*
 * struct crypto_tls_result is readable at any time and filled as the
 * handshake goes. Version and suite come from the ServerHello WE sent (so
 * they are known even when the client refuses the certificate afterwards).
 * Alerts are read from record headers and, when the record is plaintext,
 * its two bytes; an alert after the sender's ChangeCipherSpec (or any TLS
 * 1.3 alert after the ServerHello) is encrypted, so only "encrypted" is
 * known of it. All strings are static or owned by the connection.
 */
struct crypto_tls_result {
    uint16_t min_version;      /* effective range after clamping */
    uint16_t max_version;
    bool clamped;              /* the requested range was narrowed */

    bool server_hello_sent;
    uint16_t version;          /* negotiated wire version; 0 = none yet */
    uint16_t suite;            /* IANA id of the chosen suite; 0 = none */
    const char *suite_name;    /* mbedTLS name, "TLS-ECDHE-..."; or NULL */
    bool done;                 /* handshake completed (CT_DONE seen) */

    bool client_alert;         /* client sent at least one alert record */
    bool client_alert_encrypted;
    uint8_t client_alert_level;   /* 1 warning, 2 fatal; 0 if encrypted */
    uint8_t client_alert_desc;    /* RFC 8446 §6 AlertDescription */
    bool cert_refused;         /* negotiated fine, then the client refused
                                  our certificate with a certificate alert
                                  (42..46, 48): the expected outcome */

    bool alert_sent;           /* we sent an alert record */
    bool alert_sent_encrypted;
    uint8_t alert_sent_level;
    uint8_t alert_sent_desc;
    uint16_t alert_sent_record_version; /* record-layer version we used */

    const char *error;         /* stable token, NULL while no failure:
                                  "client_alert_<name>", "protocol_version",
                                  "no_shared_cipher", "client_closed",
                                  "bad_client_hello", "input_limit", ... */
    char detail[160];          /* mbedtls_strerror text, for logs only */

    size_t bytes_in;           /* client bytes fed to the engine */
    size_t bytes_out;          /* bytes the engine asked us to send */
    size_t ignored_in;         /* client bytes after the handshake that
                                  were never read (application data) */
    size_t client_records;     /* whole client records seen (headers) */
};

/*
 * crypto_tls_conn_new makes one handshake context for one client, allowing
 * wire versions min_version..max_version. The range is clamped to what the
 * build supports (see crypto_tls_min_version); result->clamped says so.
 * Returns NULL only if memory or mbedTLS set-up fails.
 */
MUST_CHECK struct crypto_tls_conn *
crypto_tls_conn_new(struct crypto_tls_server *s, uint16_t min_version,
                    uint16_t max_version);

/*
 * crypto_tls_conn_input appends `n` client bytes (copies them). Bytes that
 * arrive after the handshake completed are only counted (ignored_in) and
 * their record headers watched for alerts: they are never decrypted.
 * Passing CRYPTO_TLS_MAX_INPUT unread bytes makes the next step fail.
 */
void crypto_tls_conn_input(struct crypto_tls_conn *c, const uint8_t *p,
                           size_t n);

/*
 * crypto_tls_conn_input_eof records that the client closed its side; a
 * handshake still waiting for input then fails with "client_closed".
 */
void crypto_tls_conn_input_eof(struct crypto_tls_conn *c);

/*
 * crypto_tls_conn_step runs the handshake as far as the buffered input
 * allows and appends the bytes to send to `out` (give it room for
 * CRYPTO_TLS_MIN_OUT). On CT_FAILED `out` may hold our fatal alert, which
 * should still be sent before closing. Once CT_DONE or CT_FAILED, later
 * calls return the same value and append nothing.
 */
MUST_CHECK enum crypto_tls_step
crypto_tls_conn_step(struct crypto_tls_conn *c, struct bbuf *out);

/*
 * crypto_tls_conn_write encrypts `n` bytes of application data into `out`
 * (as many records as needed). Only valid after CT_DONE; false otherwise or
 * if `out` is too small (the connection is then failed).
 */
MUST_CHECK bool crypto_tls_conn_write(struct crypto_tls_conn *c,
                                      const uint8_t *p, size_t n,
                                      struct bbuf *out);

/*
 * crypto_tls_conn_close_notify appends our close_notify alert (encrypted
 * after CT_DONE). False if nothing could be written.
 */
MUST_CHECK bool crypto_tls_conn_close_notify(struct crypto_tls_conn *c,
                                             struct bbuf *out);

/* crypto_tls_conn_result returns the live result; owned by the conn. */
const struct crypto_tls_result *
crypto_tls_conn_result(const struct crypto_tls_conn *c);

/*
 * crypto_tls_alert_name returns the RFC name of an alert description in
 * lower snake case ("unknown_ca", "protocol_version"), or "unknown".
 */
const char *crypto_tls_alert_name(uint8_t desc);

/* crypto_tls_conn_free frees the connection; NULL does nothing. */
void crypto_tls_conn_free(struct crypto_tls_conn *c);

#endif /* TLSREADY_CRYPTO_TLS_H */
