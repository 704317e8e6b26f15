/*
 * fuzz_pcap.c - any bytes as a capture file: the reader, the TCP decoder
 * and the flow reassembly must never read outside the input, and every
 * packet/payload view must lie inside it; reassembled flows stay within
 * their byte cap. Suggested -max_len: 65536.
 */
#include <stdlib.h>

#include "pcap.h"

#define FUZZ_MAX_FLOW_BYTES 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
inside(const struct bcur *v, const uint8_t *lo, size_t n)
{
    if (bcur_left(v) > 0 &&
        (bcur_data(v) < lo || bcur_data(v) + bcur_left(v) > lo + n)) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pcap_reader r;
    struct pcap_packet p;
    struct pcap_tcp seg;
    struct pcap_flows *t;
    enum pcap_status st;
    size_t i;
    size_t guard = 0;

    if (pcap_open(&r, data, size) != PCAP_OK) {
        return 0;
    }
    t = pcap_flows_new(64, FUZZ_MAX_FLOW_BYTES);
    if (t == NULL) {
        return 0;
    }
    while ((st = pcap_next(&r, &p)) == PCAP_OK && guard++ < 100000) {
        inside(&p.data, data, size);
        if (pcap_decode_tcp(&p, &seg)) {
            inside(&seg.payload, data, size);
            (void)pcap_flows_add(t, &seg, p.index);
        }
    }
    for (i = 0; i < pcap_flows_count(t); i++) {
        const struct pcap_flow *f = pcap_flows_get(t, i);
        char addr[64];

        if (f->data.len > FUZZ_MAX_FLOW_BYTES) {
            abort();
        }
        pcap_addr_str(addr, sizeof(addr), f->key.family, f->key.src);
    }
    pcap_flows_free(t);
    return 0;
}
