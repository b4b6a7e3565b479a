#!/usr/bin/env python3
"""summary: seed corpora for the fuzzers, from the regression captures and hand-built frames

usage: make_seeds.py OUTDIR CAPTURE_DIR...

Writes OUTDIR/fuzz_pcap/ (whole capture files: every pcap/pcapng under the
given directories up to MAX_FILE bytes, plus one small synthetic capture per
link type vigil decodes) and OUTDIR/fuzz_decode/ (single frames pulled out
of those captures, each prefixed with the link-type selector byte that
fuzz_decode.c expects). Standard library only; reads pcap and pcapng
(SHB/IDB/EPB/SPB/OPB) itself so that neither tshark nor scapy is needed.
"""
import hashlib
import os
import struct
import sys

MAX_FILE = 128 * 1024      # fuzz_pcap seeds: keep executions fast
FRAMES_PER_FILE = 40       # fuzz_decode seeds taken from each capture
MAX_FRAME = 65535

# File LINKTYPE_* value -> index into linktypes[] of fuzz_decode.c (keep in sync).
SELECTOR = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 101: 5, 12: 5, 228: 6, 229: 7, 9: 8}


def read_pcap(buf):
    """Yields (linktype, frame) from classic pcap bytes; stops quietly on damage."""
    magic = buf[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return
    if len(buf) < 24:
        return
    linktype = struct.unpack(e + "I", buf[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(buf):
        _, _, caplen, _ = struct.unpack(e + "IIII", buf[off:off + 16])
        off += 16
        if caplen > MAX_FRAME or off + caplen > len(buf):
            return
        yield linktype, buf[off:off + caplen]
        off += caplen


def read_pcapng(buf):
    """Yields (linktype, frame) from pcapng bytes; stops quietly on damage."""
    off = 0
    e = "<"
    ifaces = []
    while off + 12 <= len(buf):
        btype = struct.unpack(e + "I", buf[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bom = buf[off + 8:off + 12]
            e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        blen = struct.unpack(e + "I", buf[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(buf):
            return
        body = buf[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 8:  # interface description
            ifaces.append((struct.unpack(e + "H", body[:2])[0],
                           struct.unpack(e + "I", body[4:8])[0]))
        elif btype == 6 and len(body) >= 20:  # enhanced packet
            iface, _, _, caplen, _ = struct.unpack(e + "IIIII", body[:20])
            if iface < len(ifaces) and 20 + caplen <= len(body):
                yield ifaces[iface][0], body[20:20 + caplen]
        elif btype == 3 and len(body) >= 4 and ifaces:  # simple packet
            origlen = struct.unpack(e + "I", body[:4])[0]
            snap = ifaces[0][1] or MAX_FRAME
            yield ifaces[0][0], body[4:4 + min(origlen, snap, len(body) - 4)]
        elif btype == 2 and len(body) >= 20:  # obsolete packet block
            iface, _, _, _, caplen, _ = struct.unpack(e + "HHIIII", body[:20])
            if iface < len(ifaces) and 20 + caplen <= len(body):
                yield ifaces[iface][0], body[20:20 + caplen]
        off += blen


def frames_of(buf):
    if buf[:4] == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(buf)
    return read_pcap(buf)


# ---- hand-built frames: the packets of tests/unit/test_decode.c ----

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident=1, flags_off=0x4000, opts=b""):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 4 * ihl + len(payload), ident, flags_off,
                    64, proto, 0, bytes(src), bytes(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, bytes(src),
                       bytes(dst)) + payload


def tcp(sp, dp, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 0x50, flags, 65535, 0, 0) + data


def udp(sp, dp, data):
    return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data


C4, S4 = [10, 0, 0, 1], [192, 168, 1, 2]
C6 = [0x20, 0x01, 0x0D, 0xB8] + [0] * 11 + [1]
S6 = [0x20, 0x01, 0x0D, 0xB8] + [0] * 11 + [2]


def ip_packets():
    """A small conversation: TCP handshake, data, close; DNS; ping; v4 and v6 fragments."""
    p = []
    p.append(ipv4(C4, S4, 6, tcp(50000, 80, 100, 0, 0x02)))
    p.append(ipv4(S4, C4, 6, tcp(80, 50000, 500, 101, 0x12)))
    p.append(ipv4(C4, S4, 6, tcp(50000, 80, 101, 501, 0x10)))
    p.append(ipv4(C4, S4, 6, tcp(50000, 80, 101, 501, 0x18, b"GET / HTTP/1.0\r\n\r\n")))
    p.append(ipv4(S4, C4, 6, tcp(80, 50000, 501, 119, 0x18, b"HTTP/1.0 200 OK\r\n\r\nhi")))
    p.append(ipv4(C4, S4, 6, tcp(50000, 80, 119, 523, 0x11)))
    p.append(ipv4(S4, C4, 6, tcp(80, 50000, 523, 120, 0x11)))
    dns_q = bytes.fromhex("abcd01000001000000000000076578616d706c6503636f6d0000010001")
    p.append(ipv4(C4, [8, 8, 8, 8], 17, udp(40000, 53, dns_q)))
    p.append(ipv6(C6, S6, 17, udp(53, 54321, b"wxyz")))
    p.append(ipv4(C4, [8, 8, 8, 8], 1, bytes.fromhex("0800f7fe00010001") + b"ping"))
    p.append(ipv6(C6, S6, 58, bytes.fromhex("8000000000020005") + b"ping"))
    # IPv4 fragments: a UDP datagram of 8 + 16 bytes as 16 + 8
    dg = udp(1234, 5678, b"fragmented-udp!!")
    p.append(ipv4(C4, S4, 17, dg[:16], ident=77, flags_off=0x2000))
    p.append(ipv4(C4, S4, 17, dg[16:], ident=77, flags_off=2))
    # IPv6 fragments of the same datagram
    p.append(ipv6(C6, S6, 44, struct.pack("!BBHI", 17, 0, 0x0001, 99) + dg[:16]))
    p.append(ipv6(C6, S6, 44, struct.pack("!BBHI", 17, 0, 0x0010, 99) + dg[16:]))
    # IPv4 with options, IPv6 with hop-by-hop + destination options
    p.append(ipv4(C4, S4, 6, tcp(50001, 443, 1, 0, 0x02), opts=b"\x94\x04\x00\x00"))
    ext = b"\x3c\x00\x01\x04\x00\x00\x00\x00" + b"\x06\x00\x01\x04\x00\x00\x00\x00"
    p.append(ipv6(C6, S6, 0, ext + tcp(50002, 22, 1, 0, 0x02)))
    return p


def eth(t, payload):
    return bytes.fromhex("001122334455667788 99aabb".replace(" ", "")) + struct.pack("!H", t) + payload


def wrap(linktype, ip):
    """The IP packet under each link layer vigil decodes (LINKTYPE_* numbering)."""
    v6 = ip[0] >> 4 == 6
    et = 0x86DD if v6 else 0x0800
    if linktype == 1:
        return [eth(et, ip),
                eth(0x8100, struct.pack("!HH", 100, et) + ip),
                eth(0x88A8, struct.pack("!HHHH", 200, 0x8100, 300, et) + ip),
                eth(0x8847, bytes.fromhex("003e8040007d0140") + ip),
                eth(0x8847, bytes.fromhex("003e814000000000") + eth(et, ip)),
                eth(0x8864, struct.pack("!BBHHH", 0x11, 0, 0x1234, len(ip) + 2,
                                        0x57 if v6 else 0x21) + ip)]
    if linktype == 113:
        return [struct.pack("!HHH8sH", 0, 1, 6, b"\x66\x77\x88\x99\xaa\xbb\0\0", et) + ip]
    if linktype == 276:
        return [struct.pack("!HHIHBB8s", et, 0, 2, 1, 0, 6, b"\x66\x77\x88\x99\xaa\xbb\0\0") + ip]
    if linktype == 0:
        return [struct.pack("<I", 30 if v6 else 2) + ip]
    if linktype == 108:
        return [struct.pack("!I", 24 if v6 else 2) + ip]
    if linktype in (101, 228, 229):
        if (linktype == 228 and v6) or (linktype == 229 and not v6):
            return []
        return [ip]
    if linktype == 9:
        return [b"\xff\x03" + struct.pack("!H", 0x57 if v6 else 0x21) + ip,
                (b"\x57" if v6 else b"\x21") + ip]
    return []


def pcap_file(linktype, frames):
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)]
    for i, f in enumerate(frames):
        out.append(struct.pack("<IIII", 1600000000 + i, i * 1000, len(f), len(f)) + f)
    return b"".join(out)


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: make_seeds.py OUTDIR CAPTURE_DIR...\n")
        return 2
    out = sys.argv[1]
    dpcap = os.path.join(out, "fuzz_pcap")
    ddec = os.path.join(out, "fuzz_decode")
    os.makedirs(dpcap, exist_ok=True)
    os.makedirs(ddec, exist_ok=True)
    seen = set()
    npcap = ndec = 0

    def put(d, data):
        nonlocal npcap, ndec
        h = hashlib.sha1(data).hexdigest()
        if (d, h) in seen:
            return
        seen.add((d, h))
        with open(os.path.join(d, h), "wb") as f:
            f.write(data)
        if d == dpcap:
            npcap += 1
        else:
            ndec += 1

    for top in sys.argv[2:]:
        for root, _, files in sorted(os.walk(top)):
            for name in sorted(files):
                if not name.endswith((".pcap", ".pcapng", ".cap")):
                    continue
                path = os.path.join(root, name)
                size = os.path.getsize(path)
                with open(path, "rb") as f:
                    buf = f.read()
                if 0 < size <= MAX_FILE:
                    put(dpcap, buf)
                taken = 0
                for lt, fr in frames_of(buf):
                    if lt not in SELECTOR or taken >= FRAMES_PER_FILE:
                        continue
                    put(ddec, bytes([SELECTOR[lt]]) + fr)
                    taken += 1

    packets = ip_packets()
    for lt in (1, 113, 276, 0, 108, 101, 228, 229, 9):
        frames = [f for ip in packets for f in wrap(lt, ip)]
        put(dpcap, pcap_file(lt, frames))
        for fr in frames:
            put(ddec, bytes([SELECTOR[lt]]) + fr)
    print("seeds: %d capture files, %d frames" % (npcap, ndec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
