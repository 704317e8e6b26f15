/*
 * pcap.h - read packet captures (classic libpcap format and pcapng) from
 * memory, decode Ethernet/SLL/loopback/raw IP + TCP, and reassemble each
 * TCP direction's payload so `tlsready decode --pcap` can find the
 * ClientHellos in it (after a plaintext STARTTLS dialogue too).
 *
 * Pure: no I/O (the caller reads the file), every byte read through the
 * cursor. The reader allocates nothing; the flow table (pcap_flows) owns
 * the reassembled bytes and is freed with pcap_flows_free().
 *
 * Formats: libpcap "savefile" (pcap-savefile(5), magic 0xa1b2c3d4 or
 * 0xa1b23c4d for nanoseconds, either byte order) and pcapng
 * (draft-ietf-opsawg-pcapng: SHB, IDB, EPB, SPB and the obsolete PB).
 */
#ifndef TLSREADY_PCAP_H
#define TLSREADY_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "compiler.h"

/* Interfaces remembered from pcapng IDBs (more are an error). */
#define PCAP_MAX_INTERFACES 64
/* Default caps for the flow table (decode passes its own). */
#define PCAP_DEFAULT_MAX_FLOWS 4096
#define PCAP_DEFAULT_MAX_FLOW_BYTES (256 * 1024)
/* Out-of-order segments held per flow while waiting for the gap. */
#define PCAP_MAX_PENDING 16

/* Link types (https://www.tcpdump.org/linktypes.html). */
#define PCAP_LINK_NULL 0
#define PCAP_LINK_ETHERNET 1
#define PCAP_LINK_RAW 101
#define PCAP_LINK_LOOP 108
#define PCAP_LINK_LINUX_SLL 113
#define PCAP_LINK_IPV4 228
#define PCAP_LINK_IPV6 229
#define PCAP_LINK_LINUX_SLL2 276

enum pcap_status {
    PCAP_OK = 0,
    PCAP_END,               /* no more packets */
    PCAP_ERR_MAGIC,         /* not a pcap or pcapng file */
    PCAP_ERR_TRUNCATED,     /* a header or block runs past the end */
    PCAP_ERR_MALFORMED,     /* inconsistent lengths or block layout */
};

/* pcap_status_str returns a stable token, e.g. "truncated". */
const char *pcap_status_str(enum pcap_status st);

struct pcap_reader {
    struct bcur in;
    bool ng;                /* pcapng */
    bool swapped;           /* file byte order is not big-endian */
    uint32_t linktype;      /* classic pcap */
    size_t num_ifaces;      /* pcapng */
    uint16_t iface_link[PCAP_MAX_INTERFACES];
    size_t num_packets;     /* packets returned so far */
};

struct pcap_packet {
    size_t index;           /* 1-based, like Wireshark's frame number */
    uint32_t linktype;
    struct bcur data;       /* captured bytes (may be cut by snaplen) */
};

/*
 * pcap_open checks the file header in `buf` (`len` bytes, which must stay
 * valid while `r` is used). PCAP_OK or PCAP_ERR_MAGIC/TRUNCATED.
 */
MUST_CHECK enum pcap_status pcap_open(struct pcap_reader *r,
                                      const uint8_t *buf, size_t len);

/* pcap_next returns the next packet, PCAP_END, or an error. */
MUST_CHECK enum pcap_status pcap_next(struct pcap_reader *r,
                                      struct pcap_packet *out);

/* One TCP segment, addresses as in the packet (4 or 16 bytes). */
struct pcap_tcp {
    uint8_t family;         /* 4 or 6 */
    uint8_t src[16];
    uint8_t dst[16];
    uint16_t sport;
    uint16_t dport;
    uint32_t seq;
    uint8_t flags;          /* TCP flags byte (SYN 0x02, FIN 0x01, RST 0x04) */
    struct bcur payload;
};

#define PCAP_TCP_FIN 0x01
#define PCAP_TCP_SYN 0x02
#define PCAP_TCP_RST 0x04

/*
 * pcap_decode_tcp decodes link layer, IPv4/IPv6 and TCP of `p`. False for
 * anything else (non-IP, UDP, IP fragments, truncated headers).
 */
MUST_CHECK bool pcap_decode_tcp(const struct pcap_packet *p,
                                struct pcap_tcp *out);

/* One direction of a TCP connection and its reassembled payload. */
struct pcap_flow {
    struct pcap_tcp key;    /* addresses/ports; payload unused */
    size_t first_packet;    /* index of the first packet seen */
    size_t index;           /* creation order, 0-based ("stream") */
    bool have_seq;
    uint32_t next_seq;
    bool gap;               /* bytes were lost; stream stops there */
    bool truncated;         /* max_flow_bytes reached */
    struct bbuf data;
    size_t num_pending;
    struct {
        uint32_t seq;
        struct bbuf bytes;
    } pending[PCAP_MAX_PENDING];
};

struct pcap_flows;

/* pcap_flows_new returns an empty table, or NULL when out of memory. */
struct pcap_flows *pcap_flows_new(size_t max_flows, size_t max_flow_bytes);

/* pcap_flows_free frees the table and every flow; NULL is fine. */
void pcap_flows_free(struct pcap_flows *t);

/*
 * pcap_flows_add files segment `seg` (from packet `packet_index`) under its
 * direction's flow, appending in-order payload and holding a few
 * out-of-order segments until the gap fills. Retransmitted bytes are
 * dropped. Returns false when the flow table is full or out of memory
 * (the segment is then ignored).
 */
bool pcap_flows_add(struct pcap_flows *t, const struct pcap_tcp *seg,
                    size_t packet_index);

/* pcap_flows_count / pcap_flows_get walk the flows in creation order. */
size_t pcap_flows_count(const struct pcap_flows *t);
const struct pcap_flow *pcap_flows_get(const struct pcap_flows *t, size_t i);

/*
 * pcap_addr_str formats an address of `family` 4 or 6 into `out` (at least
 * 46 bytes) the way inet_ntop does.
 */
void pcap_addr_str(char *out, size_t out_len, uint8_t family,
                   const uint8_t *addr);

#endif /* TLSREADY_PCAP_H */
