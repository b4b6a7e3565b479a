#!/usr/bin/env python3
"""summary: rewrite the link header of every record of an Ethernet pcap (tests/e2e helper)

  relink.py IN.pcap OUTPREFIX KIND...

writes OUTPREFIX.KIND.pcap for each KIND and prints "KIND RECORDS" for each.

IN is a classic pcap (either byte order, micro- or nanosecond) with link type Ethernet and no
802.1Q tags. Every record's 14-byte Ethernet header is replaced by the header of KIND, with
caplen and wire length adjusted by the difference; timestamps and the IP packet are kept byte
for byte. References: tcpdump.org link-layer header types (LINKTYPE_*), RFC 1661 (PPP).

  sll    LINKTYPE_LINUX_SLL (113): 16-byte cooked header, protocol = the Ethernet type
  sll2   LINKTYPE_LINUX_SLL2 (276): 20-byte cooked header v2
  raw    LINKTYPE_RAW (101): the IP packet alone (IPv4 and IPv6)
  ipv4   LINKTYPE_IPV4 (228) / ipv6 LINKTYPE_IPV6 (229): raw, one IP version only
  null   LINKTYPE_NULL (0): 4-byte address family in the writer's byte order (this script
         writes little-endian files: AF_INET 2, AF_INET6 30 as on macOS)
  loop   LINKTYPE_LOOP (108): 4-byte address family in network byte order (AF_INET6 24,
         as on OpenBSD)
  ppp    LINKTYPE_PPP (9): HDLC-like framing 0xff 0x03 + PPP protocol (0x0021, 0x0057)

Frames that KIND cannot carry (ARP under raw/null/loop/ppp, the other IP version under
ipv4/ipv6) and frames too short for an Ethernet header are dropped.
"""
import struct
import sys

ETH_IPV4, ETH_IPV6 = 0x0800, 0x86DD
LINKTYPES = {'sll': 113, 'sll2': 276, 'raw': 101, 'ipv4': 228, 'ipv6': 229, 'null': 0, 'loop': 108, 'ppp': 9}


def new_header(kind, eth):
    """The link header replacing eth (the 14 Ethernet bytes), or None to drop the frame."""
    src_mac = eth[6:12]
    etype = struct.unpack('>H', eth[12:14])[0]
    if kind == 'sll':
        # packet type 0 (to us), ARPHRD_ETHER, 6-byte address, 8-byte field, protocol
        return struct.pack('>HHH8sH', 0, 1, 6, src_mac + b'\0\0', etype)
    if kind == 'sll2':
        # protocol, reserved, interface index, ARPHRD_ETHER, packet type, address length, address
        return struct.pack('>HHIHBB8s', etype, 0, 1, 1, 0, 6, src_mac + b'\0\0')
    if etype not in (ETH_IPV4, ETH_IPV6):
        return None
    v6 = etype == ETH_IPV6
    if kind == 'raw':
        return b''
    if kind == 'ipv4':
        return None if v6 else b''
    if kind == 'ipv6':
        return b'' if v6 else None
    if kind == 'null':
        return struct.pack('<I', 30 if v6 else 2)
    if kind == 'loop':
        return struct.pack('>I', 24 if v6 else 2)
    if kind == 'ppp':
        return b'\xff\x03' + struct.pack('>H', 0x0057 if v6 else 0x0021)
    raise ValueError(kind)


def read_pcap(src):
    """-> (byte order, header fields, [(sec, frac, incl, orig, body)])"""
    data = open(src, 'rb').read()
    if len(data) < 24:
        sys.exit('relink.py: %s: too short for a pcap header' % src)
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        sys.exit('relink.py: %s: not a classic pcap file' % src)
    hdr = struct.unpack(e + 'IHHiIII', data[:24])
    if hdr[6] & 0xFFFF != 1:
        sys.exit('relink.py: %s: link type %d, not Ethernet' % (src, hdr[6]))
    recs = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + 'IIII', data[off:off + 16])
        body = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(body) < incl:
            sys.exit('relink.py: %s: last record cut short' % src)
        recs.append((sec, frac, incl, orig, body))
    if off != len(data):
        sys.exit('relink.py: %s: trailing bytes after the last record' % src)
    return hdr, recs


def write(kind, hdr, recs, dst):
    magic, vmaj, vmin, zone, sigfigs, snap, _ = hdr
    out = [struct.pack('<IHHiIII', magic, vmaj, vmin, zone, sigfigs, snap, LINKTYPES[kind])]
    n = 0
    for sec, frac, incl, orig, body in recs:
        if incl < 14:
            continue
        if struct.unpack('>H', body[12:14])[0] in (0x8100, 0x88A8, 0x9100):
            sys.exit('relink.py: VLAN-tagged frame; use an untagged capture')
        new = new_header(kind, body[:14])
        if new is None:
            continue
        delta = len(new) - 14
        out.append(struct.pack('<IIII', sec, frac, incl + delta, orig + delta) + new + body[14:])
        n += 1
    with open(dst, 'wb') as f:
        f.write(b''.join(out))
    return n


def main():
    if len(sys.argv) < 4 or any(k not in LINKTYPES for k in sys.argv[3:]):
        sys.exit('usage: relink.py IN.pcap OUTPREFIX {%s}...' % ','.join(LINKTYPES))
    src, prefix = sys.argv[1:3]
    hdr, recs = read_pcap(src)
    for kind in sys.argv[3:]:
        print(kind, write(kind, hdr, recs, '%s.%s.pcap' % (prefix, kind)))


if __name__ == '__main__':
    main()
