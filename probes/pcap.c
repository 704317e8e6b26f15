/*
 * pcap.c - capture file reader, TCP decoder and per-direction stream
 * reassembly (see pcap.h). Written from the format descriptions:
 * pcap-savefile(5), draft-ietf-opsawg-pcapng, tcpdump.org/linktypes.html,
 * RFC 791 (IPv4), RFC 8200 (IPv6), RFC 9293 (TCP).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "pcap.h"

/* Classic pcap magic numbers as read big-endian. */
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_MAGIC_US_SW 0xd4c3b2a1u
#define PCAP_MAGIC_NS_SW 0x4d3cb2a1u
/* pcapng block types and byte-order magic. */
#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_PB 0x00000002u
#define PCAPNG_SPB 0x00000003u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BOM 0x1a2b3c4du
#define PCAPNG_BOM_SW 0x4d3c2b1au
/* Bucket count of the flow hash (a power of two). */
#define PCAP_HASH_SIZE 8192

const char *
pcap_status_str(enum pcap_status st)
{
    switch (st) {
    case PCAP_OK:
        return "ok";
    case PCAP_END:
        return "end";
    case PCAP_ERR_MAGIC:
        return "not_a_capture";
    case PCAP_ERR_TRUNCATED:
        return "truncated";
    case PCAP_ERR_MALFORMED:
        return "malformed";
    }
    return "unknown";
}

static uint32_t
pcap_swap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) |
           (v << 24);
}

static uint16_t
pcap_swap16(uint16_t v)
{
    return (uint16_t)((v >> 8) | (v << 8));
}

/* pcap_u32 / pcap_u16 read in the file's byte order. */
static bool
pcap_u32(struct bcur *c, bool swapped, uint32_t *out)
{
    uint32_t v;

    if (!bcur_get_u32(c, &v)) {
        return false;
    }
    *out = swapped ? pcap_swap32(v) : v;
    return true;
}

static bool
pcap_u16(struct bcur *c, bool swapped, uint16_t *out)
{
    uint16_t v;

    if (!bcur_get_u16(c, &v)) {
        return false;
    }
    *out = swapped ? pcap_swap16(v) : v;
    return true;
}

/*
 * pcapng Section Header Block:
 *   u32 type = 0x0a0d0d0a; u32 total_len; u32 byte_order_magic;
 *   u16 major; u16 minor; i64 section_len; options; u32 total_len.
 */
static enum pcap_status
pcapng_shb(struct pcap_reader *r, struct bcur *block)
{
    uint32_t bom;

    if (!bcur_skip(block, 8) || !bcur_get_u32(block, &bom)) {
        return PCAP_ERR_TRUNCATED;
    }
    if (bom == PCAPNG_BOM) {
        r->swapped = false;
    } else if (bom == PCAPNG_BOM_SW) {
        r->swapped = true;
    } else {
        return PCAP_ERR_MAGIC;
    }
    r->num_ifaces = 0;          /* interface ids restart per section */
    return PCAP_OK;
}

enum pcap_status
pcap_open(struct pcap_reader *r, const uint8_t *buf, size_t len)
{
    struct bcur hdr;
    uint32_t magic;

    memset(r, 0, sizeof(*r));
    bcur_init(&r->in, buf, len);
    hdr = r->in;
    if (!bcur_get_u32(&hdr, &magic)) {
        return len == 0 ? PCAP_ERR_MAGIC : PCAP_ERR_TRUNCATED;
    }
    if (magic == PCAPNG_SHB) {
        struct bcur block = r->in;
        enum pcap_status st;

        r->ng = true;
        st = pcapng_shb(r, &block);
        return st;              /* the SHB is consumed by pcap_next */
    }
    if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS) {
        r->swapped = false;
    } else if (magic == PCAP_MAGIC_US_SW || magic == PCAP_MAGIC_NS_SW) {
        r->swapped = true;
    } else {
        return PCAP_ERR_MAGIC;
    }
    /* magic, u16 major, u16 minor, i32 zone, u32 sigfigs, u32 snaplen,
     * u32 linktype (upper 4 bits: FCS length). */
    if (!bcur_get_bytes(&r->in, &hdr, 24)) {
        return PCAP_ERR_TRUNCATED;
    }
    if (!bcur_skip(&hdr, 20) || !pcap_u32(&hdr, r->swapped, &r->linktype)) {
        return PCAP_ERR_TRUNCATED;
    }
    r->linktype &= 0x0fffffffu;
    return PCAP_OK;
}

/* Classic record: u32 ts_sec, u32 ts_frac, u32 incl_len, u32 orig_len. */
static enum pcap_status
pcap_next_classic(struct pcap_reader *r, struct pcap_packet *out)
{
    struct bcur save = r->in;
    uint32_t incl;

    if (bcur_left(&r->in) == 0) {
        return PCAP_END;
    }
    if (!bcur_skip(&r->in, 8) || !pcap_u32(&r->in, r->swapped, &incl) ||
        !bcur_skip(&r->in, 4) || !bcur_get_bytes(&r->in, &out->data, incl)) {
        r->in = save;
        return PCAP_ERR_TRUNCATED;
    }
    out->linktype = r->linktype;
    out->index = ++r->num_packets;
    return PCAP_OK;
}

static enum pcap_status
pcap_iface_link(const struct pcap_reader *r, uint32_t iface, uint32_t *link)
{
    if (iface >= r->num_ifaces) {
        return PCAP_ERR_MALFORMED;
    }
    *link = r->iface_link[iface];
    return PCAP_OK;
}

static enum pcap_status
pcap_next_ng(struct pcap_reader *r, struct pcap_packet *out)
{
    for (;;) {
        struct bcur save = r->in;
        struct bcur block;
        struct bcur body;
        uint32_t type;
        uint32_t total;
        enum pcap_status st;

        if (bcur_left(&r->in) == 0) {
            return PCAP_END;
        }
        block = r->in;
        if (!bcur_get_u32(&block, &type)) {
            return PCAP_ERR_TRUNCATED;
        }
        if (type == PCAPNG_SHB) {
            /* New section: learn its byte order before reading lengths. */
            block = r->in;
            st = pcapng_shb(r, &block);
            if (st != PCAP_OK) {
                return st;
            }
        }
        block = r->in;
        if (!pcap_u32(&block, r->swapped, &type) ||
            !pcap_u32(&block, r->swapped, &total)) {
            return PCAP_ERR_TRUNCATED;
        }
        if (total < 12 || total % 4 != 0) {
            return PCAP_ERR_MALFORMED;
        }
        if (!bcur_get_bytes(&r->in, &block, total)) {
            r->in = save;
            return PCAP_ERR_TRUNCATED;
        }
        /* body = the block without its type, length and trailing length */
        if (!bcur_skip(&block, 8) ||
            !bcur_get_bytes(&block, &body, total - 12)) {
            return PCAP_ERR_MALFORMED;
        }
        if (type == PCAPNG_IDB) {
            uint16_t link;

            if (!pcap_u16(&body, r->swapped, &link)) {
                return PCAP_ERR_MALFORMED;
            }
            if (r->num_ifaces == PCAP_MAX_INTERFACES) {
                return PCAP_ERR_MALFORMED;
            }
            r->iface_link[r->num_ifaces++] = link;
        } else if (type == PCAPNG_EPB || type == PCAPNG_PB) {
            uint32_t iface;
            uint32_t caplen;
            uint16_t if16;

            if (type == PCAPNG_EPB) {
                if (!pcap_u32(&body, r->swapped, &iface)) {
                    return PCAP_ERR_MALFORMED;
                }
            } else {
                if (!pcap_u16(&body, r->swapped, &if16) ||
                    !bcur_skip(&body, 2)) {
                    return PCAP_ERR_MALFORMED;
                }
                iface = if16;
            }
            if (!bcur_skip(&body, 8) ||
                !pcap_u32(&body, r->swapped, &caplen) ||
                !bcur_skip(&body, 4) ||
                !bcur_get_bytes(&body, &out->data, caplen)) {
                return PCAP_ERR_MALFORMED;
            }
            st = pcap_iface_link(r, iface, &out->linktype);
            if (st != PCAP_OK) {
                return st;
            }
            out->index = ++r->num_packets;
            return PCAP_OK;
        } else if (type == PCAPNG_SPB) {
            uint32_t orig;
            size_t caplen;

            if (!pcap_u32(&body, r->swapped, &orig)) {
                return PCAP_ERR_MALFORMED;
            }
            caplen = bcur_left(&body);
            if (orig < caplen) {
                caplen = orig;
            }
            if (!bcur_get_bytes(&body, &out->data, caplen)) {
                return PCAP_ERR_MALFORMED;
            }
            st = pcap_iface_link(r, 0, &out->linktype);
            if (st != PCAP_OK) {
                return st;
            }
            out->index = ++r->num_packets;
            return PCAP_OK;
        }
        /* SHB handled above; NRB, ISB, DSB, custom blocks are skipped. */
    }
}

enum pcap_status
pcap_next(struct pcap_reader *r, struct pcap_packet *out)
{
    memset(out, 0, sizeof(*out));
    return r->ng ? pcap_next_ng(r, out) : pcap_next_classic(r, out);
}

/*
 * RFC 9293 3.1: u16 sport, u16 dport, u32 seq, u32 ack, 4-bit data offset
 * (in 32-bit words), flags, u16 window, u16 checksum, u16 urgent, options.
 */
static bool
pcap_tcp_hdr(struct bcur *seg, struct pcap_tcp *out)
{
    uint8_t off;

    if (!bcur_get_u16(seg, &out->sport) || !bcur_get_u16(seg, &out->dport) ||
        !bcur_get_u32(seg, &out->seq) || !bcur_skip(seg, 4) ||
        !bcur_get_u8(seg, &off) || !bcur_get_u8(seg, &out->flags)) {
        return false;
    }
    off = (uint8_t)(off >> 4);
    if (off < 5 || !bcur_skip(seg, (size_t)off * 4 - 14)) {
        return false;
    }
    out->payload = *seg;
    return true;
}

/*
 * RFC 791 3.1: version/IHL, TOS, u16 total length, u16 id, u16 flags and
 * fragment offset, TTL, protocol, checksum, u32 src, u32 dst, options.
 */
static bool
pcap_ipv4(struct bcur ip, struct pcap_tcp *out)
{
    struct bcur hdr;
    struct bcur seg;
    struct bcur src;
    struct bcur dst;
    uint8_t vihl;
    uint8_t proto;
    uint16_t total;
    uint16_t frag;
    size_t ihl;

    if (!bcur_peek_u8(&ip, &vihl) || (vihl >> 4) != 4) {
        return false;
    }
    ihl = (size_t)(vihl & 0x0f) * 4;
    if (ihl < 20 || !bcur_get_bytes(&ip, &hdr, ihl)) {
        return false;
    }
    if (!bcur_skip(&hdr, 2) || !bcur_get_u16(&hdr, &total) ||
        !bcur_skip(&hdr, 2) || !bcur_get_u16(&hdr, &frag) ||
        !bcur_skip(&hdr, 1) || !bcur_get_u8(&hdr, &proto) ||
        !bcur_skip(&hdr, 2) || !bcur_get_bytes(&hdr, &src, 4) ||
        !bcur_get_bytes(&hdr, &dst, 4)) {
        return false;
    }
    if (proto != 6 || (frag & 0x3fff) != 0 || total < ihl) {
        return false;               /* not TCP, or a fragment */
    }
    /* Trim link padding; a snaplen-cut packet keeps what it has. */
    seg = ip;
    if (bcur_left(&ip) > total - ihl &&
        !bcur_get_bytes(&ip, &seg, total - ihl)) {
        return false;
    }
    out->family = 4;
    memcpy(out->src, bcur_data(&src), 4);
    memcpy(out->dst, bcur_data(&dst), 4);
    return pcap_tcp_hdr(&seg, out);
}

/* RFC 8200 3: u32 ver/class/flow, u16 payload length, next header, hop
 * limit, 16-byte src, 16-byte dst; then extension headers. */
static bool
pcap_ipv6(struct bcur ip, struct pcap_tcp *out)
{
    struct bcur addr;
    struct bcur seg;
    uint8_t v;
    uint8_t next;
    uint16_t plen;
    int hops;

    if (!bcur_peek_u8(&ip, &v) || (v >> 4) != 6 || !bcur_skip(&ip, 4) ||
        !bcur_get_u16(&ip, &plen) || !bcur_get_u8(&ip, &next) ||
        !bcur_skip(&ip, 1)) {
        return false;
    }
    if (!bcur_get_bytes(&ip, &addr, 16)) {
        return false;
    }
    memcpy(out->src, bcur_data(&addr), 16);
    if (!bcur_get_bytes(&ip, &addr, 16)) {
        return false;
    }
    memcpy(out->dst, bcur_data(&addr), 16);
    seg = ip;
    if (bcur_left(&ip) > plen && !bcur_get_bytes(&ip, &seg, plen)) {
        return false;
    }
    /* Hop-by-hop (0), routing (43), destination options (60): skip. */
    for (hops = 0; hops < 8 && (next == 0 || next == 43 || next == 60);
         hops++) {
        uint8_t n;
        uint8_t len;

        if (!bcur_get_u8(&seg, &n) || !bcur_get_u8(&seg, &len) ||
            !bcur_skip(&seg, (size_t)len * 8 + 6)) {
            return false;
        }
        next = n;
    }
    if (next != 6) {
        return false;               /* not TCP (fragments included) */
    }
    out->family = 6;
    return pcap_tcp_hdr(&seg, out);
}

/* pcap_ip dispatches on the IP version nibble. */
static bool
pcap_ip(struct bcur ip, struct pcap_tcp *out)
{
    uint8_t v;

    if (!bcur_peek_u8(&ip, &v)) {
        return false;
    }
    if ((v >> 4) == 4) {
        return pcap_ipv4(ip, out);
    }
    if ((v >> 4) == 6) {
        return pcap_ipv6(ip, out);
    }
    return false;
}

static bool
pcap_ethertype(struct bcur ip, uint16_t type, struct pcap_tcp *out)
{
    if (type == 0x0800 || type == 0x86dd) {
        return pcap_ip(ip, out);
    }
    return false;
}

bool
pcap_decode_tcp(const struct pcap_packet *p, struct pcap_tcp *out)
{
    struct bcur c = p->data;
    uint16_t type;
    uint32_t fam;
    int vlans;

    memset(out, 0, sizeof(*out));
    switch (p->linktype) {
    case PCAP_LINK_ETHERNET:
        /* dst MAC, src MAC, ethertype; 802.1Q/802.1ad tags in between */
        if (!bcur_skip(&c, 12) || !bcur_get_u16(&c, &type)) {
            return false;
        }
        for (vlans = 0; vlans < 2 && (type == 0x8100 || type == 0x88a8);
             vlans++) {
            if (!bcur_skip(&c, 2) || !bcur_get_u16(&c, &type)) {
                return false;
            }
        }
        return pcap_ethertype(c, type, out);
    case PCAP_LINK_NULL:
    case PCAP_LINK_LOOP:
        /* 4-byte address family; NULL uses the capturing host's order,
         * and AF_INET is 2 everywhere, so the version nibble decides. */
        if (!bcur_get_u32(&c, &fam)) {
            return false;
        }
        return pcap_ip(c, out);
    case PCAP_LINK_LINUX_SLL:
        /* u16 pkttype, u16 hatype, u16 halen, 8-byte addr, u16 protocol */
        if (!bcur_skip(&c, 14) || !bcur_get_u16(&c, &type)) {
            return false;
        }
        return pcap_ethertype(c, type, out);
    case PCAP_LINK_LINUX_SLL2:
        /* u16 protocol, u16 reserved, u32 ifindex, ... 20 bytes in all */
        if (!bcur_get_u16(&c, &type) || !bcur_skip(&c, 18)) {
            return false;
        }
        return pcap_ethertype(c, type, out);
    case PCAP_LINK_RAW:
    case PCAP_LINK_IPV4:
    case PCAP_LINK_IPV6:
    case 12:                        /* DLT_RAW on some BSDs */
    case 14:
        return pcap_ip(c, out);
    default:
        return false;
    }
}

/* ---- flows ----------------------------------------------------------- */

struct pcap_flows {
    size_t max_flows;
    size_t max_flow_bytes;
    size_t num;
    size_t cap;
    struct pcap_flow **flows;
    /* Hash buckets hold 1 + index of the newest flow; `next` chains. */
    size_t bucket[PCAP_HASH_SIZE];
    size_t *next;
};

struct pcap_flows *
pcap_flows_new(size_t max_flows, size_t max_flow_bytes)
{
    struct pcap_flows *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        return NULL;
    }
    t->max_flows = max_flows;
    t->max_flow_bytes = max_flow_bytes;
    return t;
}

static void
pcap_flow_free(struct pcap_flow *f)
{
    size_t i;

    if (f == NULL) {
        return;
    }
    bbuf_cleanup(&f->data);
    for (i = 0; i < f->num_pending; i++) {
        bbuf_cleanup(&f->pending[i].bytes);
    }
    free(f);
}

void
pcap_flows_free(struct pcap_flows *t)
{
    size_t i;

    if (t == NULL) {
        return;
    }
    for (i = 0; i < t->num; i++) {
        pcap_flow_free(t->flows[i]);
    }
    free(t->flows);
    free(t->next);
    free(t);
}

size_t
pcap_flows_count(const struct pcap_flows *t)
{
    return t->num;
}

const struct pcap_flow *
pcap_flows_get(const struct pcap_flows *t, size_t i)
{
    return i < t->num ? t->flows[i] : NULL;
}

static size_t
pcap_key_len(uint8_t family)
{
    return family == 6 ? 16 : 4;
}

static bool
pcap_same_dir(const struct pcap_tcp *a, const struct pcap_tcp *b)
{
    size_t n = pcap_key_len(a->family);

    return a->family == b->family && a->sport == b->sport &&
           a->dport == b->dport && memcmp(a->src, b->src, n) == 0 &&
           memcmp(a->dst, b->dst, n) == 0;
}

static size_t
pcap_hash(const struct pcap_tcp *k)
{
    uint32_t h = 2166136261u;
    size_t n = pcap_key_len(k->family);
    size_t i;

    for (i = 0; i < n; i++) {
        h = (h ^ k->src[i]) * 16777619u;
        h = (h ^ k->dst[i]) * 16777619u;
    }
    h = (h ^ k->sport) * 16777619u;
    h = (h ^ k->dport) * 16777619u;
    h = (h ^ k->family) * 16777619u;
    return h & (PCAP_HASH_SIZE - 1);
}

static struct pcap_flow *
pcap_flow_find(const struct pcap_flows *t, const struct pcap_tcp *k)
{
    size_t i = t->bucket[pcap_hash(k)];

    while (i != 0) {
        struct pcap_flow *f = t->flows[i - 1];

        if (pcap_same_dir(&f->key, k)) {
            return f;
        }
        i = t->next[i - 1];
    }
    return NULL;
}

static struct pcap_flow *
pcap_flow_create(struct pcap_flows *t, const struct pcap_tcp *k,
                 size_t packet_index)
{
    struct pcap_flow *f;
    size_t h;

    if (t->num == t->max_flows) {
        return NULL;
    }
    if (t->num == t->cap) {
        size_t ncap = t->cap == 0 ? 64 : t->cap * 2;
        struct pcap_flow **nf = realloc(t->flows, ncap * sizeof(*nf));
        size_t *nn;

        if (nf == NULL) {
            return NULL;
        }
        t->flows = nf;
        nn = realloc(t->next, ncap * sizeof(*nn));
        if (nn == NULL) {
            return NULL;
        }
        t->next = nn;
        t->cap = ncap;
    }
    f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return NULL;
    }
    f->key = *k;
    memset(&f->key.payload, 0, sizeof(f->key.payload));
    f->first_packet = packet_index;
    f->index = t->num;
    bbuf_init(&f->data, t->max_flow_bytes);
    h = pcap_hash(k);
    t->flows[t->num] = f;
    t->next[t->num] = t->bucket[h];     /* newest first in the chain */
    t->num++;
    t->bucket[h] = t->num;
    return f;
}

/* pcap_flow_append adds payload starting at sequence number `seq`. */
static void
pcap_flow_append(struct pcap_flow *f, uint32_t seq, struct bcur payload)
{
    int32_t off = (int32_t)(seq - f->next_seq);
    size_t n = bcur_left(&payload);

    if (off < 0) {
        size_t dup = (size_t)-(int64_t)off;

        if (dup >= n) {
            return;                     /* pure retransmission */
        }
        if (!bcur_skip(&payload, dup)) {
            return;
        }
        n -= dup;
    }
    if (!bbuf_put(&f->data, bcur_data(&payload), n)) {
        f->truncated = true;
        return;
    }
    f->next_seq += (uint32_t)n;
}

static void
pcap_flow_drain_pending(struct pcap_flow *f)
{
    bool progress = true;

    while (progress) {
        size_t i;

        progress = false;
        for (i = 0; i < f->num_pending; i++) {
            int32_t off = (int32_t)(f->pending[i].seq - f->next_seq);

            if (off <= 0) {
                struct bcur p;

                bcur_init(&p, f->pending[i].bytes.data,
                          f->pending[i].bytes.len);
                pcap_flow_append(f, f->pending[i].seq, p);
                bbuf_cleanup(&f->pending[i].bytes);
                f->pending[i] = f->pending[f->num_pending - 1];
                f->num_pending--;
                progress = true;
                break;
            }
        }
    }
}

bool
pcap_flows_add(struct pcap_flows *t, const struct pcap_tcp *seg,
               size_t packet_index)
{
    struct pcap_flow *f = pcap_flow_find(t, seg);
    size_t n = bcur_left(&seg->payload);

    if ((seg->flags & PCAP_TCP_SYN) != 0 && f != NULL &&
        (f->data.len > 0 || f->num_pending > 0)) {
        f = NULL;                       /* the 4-tuple was reused */
    }
    if (f == NULL) {
        f = pcap_flow_create(t, seg, packet_index);
        if (f == NULL) {
            return false;
        }
    }
    if ((seg->flags & PCAP_TCP_SYN) != 0) {
        f->have_seq = true;
        f->next_seq = seg->seq + 1;
        return true;
    }
    if (n == 0 || f->truncated) {
        return true;
    }
    if (!f->have_seq) {
        f->have_seq = true;             /* capture started mid-stream */
        f->next_seq = seg->seq;
    }
    if ((int32_t)(seg->seq - f->next_seq) > 0) {
        if (f->num_pending == PCAP_MAX_PENDING) {
            f->gap = true;
            return true;
        }
        f->pending[f->num_pending].seq = seg->seq;
        bbuf_init(&f->pending[f->num_pending].bytes, t->max_flow_bytes);
        if (!bbuf_put(&f->pending[f->num_pending].bytes,
                      bcur_data(&seg->payload), n)) {
            bbuf_cleanup(&f->pending[f->num_pending].bytes);
            f->gap = true;
            return true;
        }
        f->num_pending++;
        return true;
    }
    pcap_flow_append(f, seg->seq, seg->payload);
    pcap_flow_drain_pending(f);
    return true;
}

void
pcap_addr_str(char *out, size_t out_len, uint8_t family, const uint8_t *addr)
{
    if (inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, out,
                  (socklen_t)out_len) == NULL && out_len > 0) {
        out[0] = '\0';
    }
}
