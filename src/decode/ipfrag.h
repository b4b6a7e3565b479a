/*
 * summary: bounded IPv4/IPv6 fragment reassembly (RFC 791 section 3.2, RFC 8200 section 4.5)
 *
 * At most IPFRAG_MAX_PENDING datagrams are reassembled at once, each at most
 * 65,535 bytes; a datagram not complete IPFRAG_TIMEOUT_US after its first
 * fragment (packet time) is dropped, and when all slots are busy the oldest
 * is dropped. Overlapping fragments keep the bytes that arrived first, so an
 * overlap can never rewrite what an earlier fragment said. Memory is thus
 * bounded by IPFRAG_MAX_PENDING * ~73 KiB.
 */
#ifndef VIGIL_DECODE_IPFRAG_H
#define VIGIL_DECODE_IPFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

#define IPFRAG_MAX_PENDING 64
#define IPFRAG_TIMEOUT_US (30LL * 1000000)
#define IPFRAG_MAX_LEN 65535u

struct ipfrag;

struct ipfrag *ipfrag_new(void);
void ipfrag_free(struct ipfrag *f);

enum ipfrag_result {
    IPFRAG_HELD,     /* kept, datagram not complete yet */
    IPFRAG_DONE,     /* *out holds the whole payload */
    IPFRAG_INVALID,  /* impossible offset/length: fragment ignored */
};

/*
 * Adds the payload of one fragment (bytes after the IP header, or after the
 * IPv6 fragment header) at byte offset off. more is the MF/M flag. key is
 * the protocol part of the datagram's key (IPv4: its protocol; IPv6: 0,
 * since RFC 8200 section 4.5 lets fragments of one packet carry different
 * Next Header values); next is this fragment's protocol or Next Header, and
 * on IPFRAG_DONE *first_next is the one of the offset-0 fragment. On
 * IPFRAG_DONE, out and outlen give the reassembled payload, owned by f and
 * valid until the next call. dropped is increased by the number of stale
 * datagrams thrown away during the call.
 */
enum ipfrag_result ipfrag_add(struct ipfrag *f, int64_t ts, const struct addr *src,
                              const struct addr *dst, uint32_t id, uint8_t key, uint8_t next,
                              uint32_t off, int more, const uint8_t *data, size_t len,
                              const uint8_t **out, size_t *outlen, uint8_t *first_next,
                              uint64_t *dropped);

#endif
