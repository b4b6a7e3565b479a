#!/usr/bin/env python3
# summary: build the large benchmark capture from real captures (copies with distinct addresses, time-shifted, merged)
# References: pcap file format (draft-ietf-opsawg-pcap); RFC 1624 (incremental checksum update);
# RFC 791, RFC 8200, RFC 9293, RFC 768, RFC 4443 section 2.3 (the checksums that cover addresses).
"""
mkcapture.py --copies N --window SECONDS --out FILE.pcap --manifest FILE.json SOURCE...

SOURCE is PATH, or NAME=PATH to record NAME in the manifest instead of PATH.

Builds one time-ordered classic pcap (Ethernet, microsecond timestamps) out of
N copies of every usable SOURCE. Nothing is synthesised: every output packet is
a source packet, byte for byte, except for

  * IP addresses (IPv4 and IPv6 source/destination, ARP sender/target), mapped
    per (copy, source) so that every copy is a different set of hosts;
  * the checksums that cover those addresses (IPv4 header; TCP, UDP, ICMPv6
    via the pseudo-header), adjusted incrementally (RFC 1624), so a checksum
    that was right stays right and a wrong one stays wrong;
  * the timestamps, shifted so that copy k of source i starts at
    T0 + window * u(k, i), with u a seeded uniform value in [0, 1).

Address map (bijective for each (copy, source), classes preserved):
  IPv4 10/8 -> low 24 bits XOR key; 172.16/12 -> low 20 bits; 192.168/16 and
  169.254/16 -> low 16 bits; 0/8, 127/8, 100.64/10, 224/4 and 240/4
  (multicast, broadcast) unchanged; other (public) -> low 16 bits XOR key.
  IPv6 ff00::/8, ::/128 and ::1 unchanged; others -> low 32 bits XOR key
  (the /64 prefix, so link-local/ULA/global, is kept).
  Addresses inside ICMP error quotes and tunnels are left as they are.

Usable sources: classic pcap (either byte order, micro- or nanosecond; convert
pcapng first, e.g. editcap -F pcap), link type Ethernet, at least one packet.
Others are skipped and listed in the manifest. Streams are merged like mergecap
(each source keeps its own packet order; ties by copy, source, index), so the
output is deterministic: same inputs and arguments -> same bytes.

Only the Python standard library is used.
"""
import argparse
import hashlib
import heapq
import json
import os
import struct
import sys

T0_US = 1709539200 * 1000000  # 2024-03-04 08:00:00 UTC
LINKTYPE_ETHERNET = 1
OUT_SNAPLEN = 262144

ETH_VLAN = (0x8100, 0x88A8, 0x9100)
ETH_MPLS = (0x8847, 0x8848)


def read_pcap(path):
    """Returns (linktype, [(ts_us, orig_len, bytes)], note)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None, [], "shorter than a pcap header"
    magic = data[:4]
    table = {
        b"\xd4\xc3\xb2\xa1": ("<", 1), b"\xa1\xb2\xc3\xd4": (">", 1),
        b"\x4d\x3c\xb2\xa1": ("<", 1000), b"\xa1\xb2\x3c\x4d": (">", 1000),
    }
    if magic not in table:
        return None, [], "not a classic pcap (convert pcapng with editcap -F pcap)"
    end, div = table[magic]
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    rec = struct.Struct(end + "IIII")
    pkts = []
    off, n = 24, len(data)
    note = ""
    while off + 16 <= n:
        sec, frac, caplen, origlen = rec.unpack_from(data, off)
        off += 16
        if off + caplen > n:
            note = "last record cut short (dropped)"
            break
        pkts.append((sec * 1000000 + frac // div, origlen, data[off:off + caplen]))
        off += caplen
    if off != n and not note:
        note = "trailing bytes after the last record (ignored)"
    return linktype, pkts, note


def fold(x):
    while x >> 16:
        x = (x & 0xFFFF) + (x >> 16)
    return x


def words_sum(b):
    s = 0
    for j in range(0, len(b), 2):
        s += (b[j] << 8) | b[j + 1]
    return fold(s)


def csum_adjust(c, old_sum, new_sum):
    """RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m/m' the folded sums of the changed words."""
    x = (~c & 0xFFFF) + (~old_sum & 0xFFFF) + new_sum
    return ~fold(x) & 0xFFFF


def parse(pkt):
    """Where the addresses of an Ethernet frame are.

    Returns None (nothing to rewrite), ('arp', off) or
    ('ip4'|'ip6', ip_off, l4_csum_off or -1, udp_zero_allowed).
    """
    n = len(pkt)
    if n < 14:
        return None
    et = (pkt[12] << 8) | pkt[13]
    off = 14
    depth = 0
    while True:
        depth += 1
        if depth > 8:
            return None
        if et in ETH_VLAN:
            if off + 4 > n:
                return None
            et = (pkt[off + 2] << 8) | pkt[off + 3]
            off += 4
        elif et in ETH_MPLS:
            while True:
                if off + 4 > n:
                    return None
                bos = pkt[off + 2] & 1
                off += 4
                if bos:
                    break
            if off >= n:
                return None
            v = pkt[off] >> 4
            et = 0x0800 if v == 4 else 0x86DD if v == 6 else 0
        elif et == 0x8864:  # PPPoE session
            if off + 8 > n:
                return None
            proto = (pkt[off + 6] << 8) | pkt[off + 7]
            off += 8
            et = 0x0800 if proto == 0x0021 else 0x86DD if proto == 0x0057 else 0
        else:
            break
    if et == 0x0806:
        # Ethernet/IPv4 ARP only
        if off + 28 <= n and pkt[off:off + 6] == b"\x00\x01\x08\x00\x06\x04":
            return ("arp", off)
        return None
    if et == 0x0800:
        if off + 20 > n or pkt[off] >> 4 != 4:
            return None
        ihl = (pkt[off] & 15) * 4
        if ihl < 20 or off + ihl > n:
            return ("ip4", off, -1, False)
        frag = ((pkt[off + 6] << 8) | pkt[off + 7]) & 0x1FFF
        proto = pkt[off + 9]
        l4 = off + ihl
        if frag == 0:
            if proto == 6 and l4 + 18 <= n:
                return ("ip4", off, l4 + 16, False)
            if proto == 17 and l4 + 8 <= n:
                return ("ip4", off, l4 + 6, True)
        return ("ip4", off, -1, False)
    if et == 0x86DD:
        if off + 40 > n or pkt[off] >> 4 != 6:
            return None
        nh = pkt[off + 6]
        l4 = off + 40
        for _ in range(8):
            if nh in (0, 43, 60):  # hop-by-hop, routing, destination options
                if l4 + 2 > n:
                    return ("ip6", off, -1, False)
                nh, l4 = pkt[l4], l4 + (pkt[l4 + 1] + 1) * 8
            elif nh == 44:  # fragment
                if l4 + 8 > n:
                    return ("ip6", off, -1, False)
                if ((pkt[l4 + 2] << 8) | pkt[l4 + 3]) & 0xFFF8:
                    return ("ip6", off, -1, False)  # not the first fragment
                nh, l4 = pkt[l4], l4 + 8
            else:
                break
        if nh == 6 and l4 + 18 <= n:
            return ("ip6", off, l4 + 16, False)
        if nh == 17 and l4 + 8 <= n:
            return ("ip6", off, l4 + 6, False)
        if nh == 58 and l4 + 4 <= n:
            return ("ip6", off, l4 + 2, False)
        return ("ip6", off, -1, False)
    return None


class AddrMap:
    """The address map of one (copy, source)."""

    def __init__(self, key_bytes):
        k = int.from_bytes(key_bytes[:8], "big")
        self.k4 = k & 0xFFFFFF
        self.k6 = (k >> 24) & 0xFFFFFFFF
        self.cache4 = {}
        self.cache6 = {}

    def v4(self, a):
        r = self.cache4.get(a)
        if r is not None:
            return r
        x = int.from_bytes(a, "big")
        o1, o2 = x >> 24, (x >> 16) & 0xFF
        if o1 == 10:
            m = 0xFFFFFF
        elif o1 == 172 and 16 <= o2 <= 31:
            m = 0x0FFFFF
        elif (o1 == 192 and o2 == 168) or (o1 == 169 and o2 == 254):
            m = 0xFFFF
        elif o1 in (0, 127) or o1 >= 224 or (o1 == 100 and 64 <= o2 <= 127):
            m = 0
        else:
            m = 0xFFFF
        r = (x ^ (self.k4 & m)).to_bytes(4, "big")
        self.cache4[a] = r
        return r

    def v6(self, a):
        r = self.cache6.get(a)
        if r is not None:
            return r
        if a[0] == 0xFF or a == bytes(16) or a == bytes(15) + b"\x01":
            r = a
        else:
            low = int.from_bytes(a[12:], "big") ^ self.k6
            r = a[:12] + low.to_bytes(4, "big")
        self.cache6[a] = r
        return r


def rewrite(pkt, info, amap):
    if info is None:
        return pkt
    b = bytearray(pkt)
    kind = info[0]
    if kind == "arp":
        off = info[1]
        b[off + 14:off + 18] = amap.v4(bytes(b[off + 14:off + 18]))
        b[off + 24:off + 28] = amap.v4(bytes(b[off + 24:off + 28]))
        return bytes(b)
    _, ip, l4c, udp4 = info
    if kind == "ip4":
        old = bytes(b[ip + 12:ip + 20])
        new = amap.v4(old[:4]) + amap.v4(old[4:])
        if new == old:
            return pkt
        b[ip + 12:ip + 20] = new
        os_, ns_ = words_sum(old), words_sum(new)
        c = (b[ip + 10] << 8) | b[ip + 11]
        c = csum_adjust(c, os_, ns_)
        b[ip + 10], b[ip + 11] = c >> 8, c & 0xFF
    else:
        old = bytes(b[ip + 8:ip + 40])
        new = amap.v6(old[:16]) + amap.v6(old[16:])
        if new == old:
            return pkt
        b[ip + 8:ip + 40] = new
        os_, ns_ = words_sum(old), words_sum(new)
    if l4c >= 0:
        c = (b[l4c] << 8) | b[l4c + 1]
        if not (udp4 and c == 0):  # IPv4 UDP without checksum stays without
            c = csum_adjust(c, os_, ns_)
            if udp4 and c == 0:
                c = 0xFFFF
            b[l4c], b[l4c + 1] = c >> 8, c & 0xFF
    return bytes(b)


def u01(tag):
    h = hashlib.sha256(tag.encode()).digest()
    return int.from_bytes(h[:8], "big") / 2.0 ** 64


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, required=True)
    ap.add_argument("--window", type=float, required=True,
                    help="copies' start times spread uniformly over this many seconds")
    ap.add_argument("--seed", default="vigil-bench-1")
    ap.add_argument("--out", required=True)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("sources", nargs="+", metavar="SOURCE", help="PATH or NAME=PATH")
    a = ap.parse_args()

    sources, skipped = [], []
    for arg in a.sources:
        name, sep, path = arg.partition("=")
        if not sep:
            name = path = arg
        lt, pkts, note = read_pcap(path)
        if lt is None:
            skipped.append({"source": name, "reason": note})
        elif lt != LINKTYPE_ETHERNET:
            skipped.append({"source": name, "reason": "link type %d, not Ethernet" % lt})
        elif not pkts:
            skipped.append({"source": name, "reason": "no packets"})
        else:
            with open(path, "rb") as f:
                sha = hashlib.sha256(f.read()).hexdigest()
            infos = [parse(p[2]) for p in pkts]
            sources.append({"name": name, "pkts": pkts, "infos": infos, "sha256": sha,
                            "note": note, "first": pkts[0][0]})
    if not sources:
        sys.exit("mkcapture: no usable source")

    window_us = int(a.window * 1e6)

    def stream(k, i):
        s = sources[i]
        tag = "%s/%d/%s" % (a.seed, k, s["name"])
        amap = AddrMap(hashlib.sha256(("map:" + tag).encode()).digest())
        shift = T0_US + int(window_us * u01("start:" + tag)) - s["first"]
        for j, (ts, olen, data) in enumerate(s["pkts"]):
            yield (ts + shift, k, i, j, olen, rewrite(data, s["infos"][j], amap))

    streams = [stream(k, i) for k in range(a.copies) for i in range(len(sources))]
    tmp = a.out + ".tmp"
    rec = struct.Struct("<IIII")
    npk = nbytes = 0
    first_ts = last_ts = None
    backsteps = 0
    with open(tmp, "wb", buffering=1 << 22) as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, OUT_SNAPLEN, LINKTYPE_ETHERNET))
        for ts, _k, _i, _j, olen, data in heapq.merge(*streams):
            if last_ts is not None and ts < last_ts:
                backsteps += 1
            if first_ts is None:
                first_ts = ts
            last_ts = ts if last_ts is None or ts > last_ts else last_ts
            out.write(rec.pack(ts // 1000000, ts % 1000000, len(data), olen))
            out.write(data)
            npk += 1
            nbytes += 16 + len(data)
    os.replace(tmp, a.out)

    man = {
        "file": os.path.basename(a.out),
        "format": "pcap, Ethernet, microsecond timestamps, little-endian",
        "copies": a.copies,
        "window_s": a.window,
        "seed": a.seed,
        "t0_utc": "2024-03-04T08:00:00Z",
        "packets": npk,
        "file_bytes": 24 + nbytes,
        "first_ts": first_ts / 1e6,
        "last_ts": last_ts / 1e6,
        "packets_stepping_back_in_time": backsteps,
        "sources_used": [{"source": s["name"], "packets": len(s["pkts"]), "sha256": s["sha256"],
                          **({"note": s["note"]} if s["note"] else {})} for s in sources],
        "sources_skipped": skipped,
    }
    with open(a.manifest, "w") as f:
        json.dump(man, f, indent=1)
        f.write("\n")
    print("mkcapture: %d sources x %d copies -> %d packets, %.1f MB (%d skipped)"
          % (len(sources), a.copies, npk, (24 + nbytes) / 1e6, len(skipped)))


if __name__ == "__main__":
    main()
