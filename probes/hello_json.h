/*
 * hello_json.h - the one serializer for handshake observations: a parsed
 * ClientHello, ServerHello, alert or server-side scan rendered as JSON
 * members (for records and `tlsready decode`) or as text (`decode --text`).
 *
 * The JSON functions write members ("key": value pairs) into an object the
 * caller has opened with jw_obj_begin(), so the lead can embed them in a
 * record next to other members. Peer strings (SNI, ALPN) go through the
 * JSON writer's escaping; when they are not clean UTF-8 an extra *_hex
 * member carries the exact bytes. The member names are the record schema
 * (doc/records.md):
 *
 *   record_version{,_name}, sslv2, num_records, client_version{,_name},
 *   versions[], supported_versions[], highest_version{,_name},
 *   session_id_len, cipher_suites[{id,name[,grease]}], num_cipher_suites,
 *   sslv2_cipher_specs[{id,name}], compression[], extensions[{id,name,
 *   len[,grease]}], extensions_truncated, sni, sni_hex, alpn[],
 *   alpn_hex[], groups[{id,name}], point_formats[], sigalgs[{id,name}],
 *   sigalgs_cert[{id,name}], key_share_groups[{id,name}], psk_modes[],
 *   flags{...}, parse_error, error_offset, raw_len, raw_sha256, ja3,
 *   ja3_md5, ja4, ja4_r.
 */
#ifndef TLSREADY_HELLO_JSON_H
#define TLSREADY_HELLO_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "clienthello.h"
#include "fingerprint.h"
#include "json.h"
#include "serverhello.h"
#include "tlsrec.h"

/*
 * hello_json_put_client writes the ClientHello members of `ch` (which may
 * be partially parsed: parse_error/error_offset then say where it broke).
 * `raw`/`raw_len` are the client's bytes as received (records), used for
 * raw_len and raw_sha256; pass NULL/0 to leave those out. JA3/JA4 are
 * computed here (this allocates and frees two small buffers).
 */
void hello_json_put_client(struct jw *w, const struct clienthello *ch,
                           const uint8_t *raw, size_t raw_len);

/*
 * hello_json_put_client_fp is hello_json_put_client with fingerprints the
 * caller already computed for `ch` (fp->ok true); with fp NULL or not ok
 * it computes them itself.
 */
void hello_json_put_client_fp(struct jw *w, const struct clienthello *ch,
                              struct fingerprint *fp, const uint8_t *raw,
                              size_t raw_len);

/*
 * hello_json_put_scan_error writes what is known when the record layer
 * refused the bytes before any hello could be parsed: scan_status (a
 * tlsrec_status token), parse_error / error_offset from `rh` when set,
 * raw_len and raw_sha256.
 */
void hello_json_put_scan_error(struct jw *w, enum tlsrec_status st,
                               const struct tlsrec_hello *rh,
                               const uint8_t *raw, size_t raw_len);

/*
 * hello_json_put_server writes the ServerHello members of `sh`:
 * server_version{,_name}, negotiated_version{,_name}, hello_retry_request,
 * downgrade_sentinel, cipher_suite{id,name}, compression, extensions[],
 * alpn, key_share_group, flags{...}, parse_error/error_offset.
 */
void hello_json_put_server(struct jw *w, const struct serverhello *sh);

/* hello_json_put_alert writes one alert as a JSON object value:
 * {"level":"fatal","description":"protocol_version","code":70}. */
void hello_json_put_alert(struct jw *w, const struct tls_alert *a);

/*
 * hello_json_put_srvscan writes the server-side walk members: scan_status,
 * stop, record_version, num_records, alerts[], ccs_seen, appdata_seen,
 * error/error_offset, and, when `sh` is not NULL, a "server_hello" object
 * (hello_json_put_server).
 */
void hello_json_put_srvscan(struct jw *w, enum srvscan_status st,
                            const struct srvscan *ss,
                            const struct serverhello *sh);

/*
 * hello_text_put_client appends a human-readable multi-line description of
 * `ch` to `b` (for `decode --text`). Peer strings are shown with
 * non-printable bytes as \xNN. `fp` may be NULL (no fingerprints shown).
 */
void hello_text_put_client(struct bbuf *b, const struct clienthello *ch,
                           struct fingerprint *fp);

/* hello_text_put_server: the same for a ServerHello. */
void hello_text_put_server(struct bbuf *b, const struct serverhello *sh);

#endif /* TLSREADY_HELLO_JSON_H */
