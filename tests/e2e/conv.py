#!/usr/bin/env python3
"""summary: compare vigil's conn events with what tshark reports (tests/e2e helper)

The expectation always comes from tshark, never from vigil.

  conv.py --events EVENTS [--events ...] --tshark OUT [--tshark ...] [--protos tcp,udp]

EVENTS is the stdout of `vigil events` (JSON lines). OUT is the stdout of one tshark run over a
capture (lib.sh tshark_conv), holding, in this order:
  - per frame, unless the caller's exclusion filter matched it, a tab-separated line of
      ip.src ip.dst ipv6.src ipv6.dst tcp.srcport tcp.dstport udp.srcport udp.dstport vlan.id
      ip.len ipv6.plen ip.hdr_len ip.reassembled.length ipv6.reassembled.length
  - an `-z io,stat,0,EXCLUDE[,FEATURE]` table: frames the exclusion rule matched (and frames
    matching an optional feature filter);
  - `-z conv,tcp,!(EXCLUDE)` and `-z conv,udp,!(EXCLUDE)` tables.
Several OUT files (one per capture of one vigil run over several captures) are summed.

Checks, each printed as one line "PASS <check>: <detail>" or "FAIL <check>: <detail>":
  "<proto> conversations"  the set of unordered {addrA:portA, addrB:portB} pairs of vigil's conn
                           events equals the set of rows of tshark's table;
  "<proto> frames"         for every pair both report, the packets each endpoint sent (vigil:
                           orig_pkts / resp_pkts summed over all conn events of the pair - vigil
                           splits one 4-tuple into several connections on port reuse, timeouts,
                           or VLANs; tshark: the "->" and "<-" frame columns summed over rows);
  "<proto> ip bytes"       for every pair both report, the IP bytes each endpoint sent (vigil:
                           orig_ip_bytes / resp_ip_bytes summed; tshark: per frame the IP total
                           length, ip.len or 40 + ipv6.plen; for a datagram tshark reassembled
                           from fragments, header + reassembled length, counted once, on the
                           frame that completed it - as a reassembling sensor sees it);
  "vlan ids"               for each pair both report, the set of (vlan, inner_vlan) of vigil's
                           conn events equals the set of (first, second) 802.1Q ids tshark shows
                           on the pair's frames (id 0, a priority tag, counts as untagged, as in
                           Zeek). Not printed when there is no pair to compare.
Then "STAT key=value ..." with totals for the caller: tcp_pairs, tcp_frames, udp_pairs,
udp_frames, excluded (frames the rule matched), matched (frames the feature filter matched).
Exit status 0 if every check passed, 1 if one failed, 2 if an input could not be parsed (also
printed as a FAIL line).
"""
import argparse
import ipaddress
import json
import re
import sys
from collections import defaultdict

# "A:port <-> B:port  <-frames <-bytes unit  ->frames ->bytes unit  total bytes unit  start dur"
# ("<-": frames B sent to A; "->": frames A sent to B), as tshark 3.x and 4.x print it.
ROW = re.compile(r'^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+\d+\s+\S+\s+(\d+)\s+\d+\s+\S+\s+(\d+)\s+\d+\s+\S+\s')
TABLE = re.compile(r'^(TCP|UDP) Conversations\s*$')
# "|  0.0 <> 23.0 |   65 | 16479 |   11 |  678 |": an io,stat interval row
IOROW = re.compile(r'^\|\s*[\d.]+\s*<>\s*(?:[\d.]+|Dur)\s*\|((?:\s*\d+\s*\|)+)')
NFIELDS = 14
SHOW = 6


class ParseError(Exception):
    pass


def norm_addr(text, what):
    try:
        return str(ipaddress.ip_address(text))
    except ValueError as e:
        raise ParseError('bad %s address %r: %s' % (what, text, e))


def endpoint(text):
    """'addr:port' as tshark prints it (IPv6 without brackets) -> (addr, port)."""
    addr, _, port = text.rpartition(':')
    if not port.isdigit():
        raise ParseError('bad tshark endpoint %r' % text)
    return (norm_addr(addr, 'tshark'), int(port))


def fmt_ep(ep):
    addr, port = ep
    return ('[%s]:%d' if ':' in addr else '%s:%d') % (addr, port)


def fmt_pair(pair):
    eps = sorted(pair)
    return ' <-> '.join(fmt_ep(e) for e in eps) if len(eps) == 2 else '%s <-> itself' % fmt_ep(eps[0])


def first(field):
    return field.split(',')[0] if field else ''


class Tshark:
    """What one or more tshark outputs say."""

    def __init__(self, protos):
        self.conv = {p: defaultdict(lambda: defaultdict(int)) for p in protos}
        self.vlans = defaultdict(set)
        self.ipbytes = {p: defaultdict(lambda: defaultdict(int)) for p in protos}
        self.excluded = 0
        self.matched = 0

    def read(self, path):
        seen = set()
        cur = None
        with open(path, encoding='utf-8', errors='replace') as f:
            for n, line in enumerate(f, 1):
                if '\t' in line and cur is None:
                    self.frame(path, n, line)
                    continue
                m = IOROW.match(line)
                if m:
                    cols = [int(x) for x in m.group(1).split('|') if x.strip()]
                    # columns come as (frames, bytes) per filter
                    self.excluded += cols[0]
                    if len(cols) >= 3:
                        self.matched += cols[2]
                    continue
                m = TABLE.match(line)
                if m:
                    cur = m.group(1).lower()
                    seen.add(cur)
                    continue
                if '<->' not in line:
                    continue
                if cur is None:
                    raise ParseError('%s:%d: conversation row outside a table: %r' % (path, n, line.strip()))
                m = ROW.match(line)
                if not m:
                    raise ParseError('%s:%d: unparsable conversation row: %r' % (path, n, line.strip()))
                if cur not in self.conv:
                    continue
                a, b = endpoint(m.group(1)), endpoint(m.group(2))
                to_a, from_a, total = int(m.group(3)), int(m.group(4)), int(m.group(5))
                if to_a + from_a != total:
                    raise ParseError('%s:%d: row does not add up: %r' % (path, n, line.strip()))
                d = self.conv[cur][frozenset((a, b))]
                d[a] += from_a
                d[b] += to_a
        missing = [p for p in self.conv if p not in seen]
        if missing:
            raise ParseError('%s: tshark printed no %s conversation table' % (path, '/'.join(missing)))

    def frame(self, path, n, line):
        c = line.rstrip('\n').split('\t')
        if len(c) != NFIELDS:
            raise ParseError('%s:%d: %d fields, not %d: %r' % (path, n, len(c), NFIELDS, line[:200]))
        src, dst = first(c[0]) or first(c[2]), first(c[1]) or first(c[3])
        sp, dp = first(c[4]) or first(c[6]), first(c[5]) or first(c[7])
        if not (src and dst and sp and dp):
            return  # not TCP/UDP over IP: in no conversation
        proto = 'tcp' if first(c[4]) else 'udp'
        ids = [int(x) for x in c[8].split(',') if x]
        outer = ids[0] if len(ids) > 0 and ids[0] != 0 else None
        inner = ids[1] if len(ids) > 1 and ids[1] != 0 else None
        a = (norm_addr(src, 'tshark'), int(sp))
        b = (norm_addr(dst, 'tshark'), int(dp))
        pair = frozenset((a, b))
        self.vlans[pair].add((outer, inner))
        if first(c[12]):
            size = int(first(c[11])) + int(first(c[12]))
        elif first(c[13]):
            size = 40 + int(first(c[13]))
        elif first(c[9]):
            size = int(first(c[9]))
        elif first(c[10]):
            size = 40 + int(first(c[10]))
        else:
            raise ParseError('%s:%d: a TCP/UDP frame without an IP length: %r' % (path, n, line[:200]))
        if proto in self.ipbytes:
            self.ipbytes[proto][pair][a] += size


def load_events(path):
    """-> list of conn events (dicts); every line must be a JSON object with a type."""
    conns = []
    with open(path, encoding='utf-8', errors='replace') as f:
        for n, line in enumerate(f, 1):
            try:
                ev = json.loads(line)
            except ValueError as e:
                raise ParseError('%s: line %d is not JSON (%s): %r' % (path, n, e, line[:120]))
            if not isinstance(ev, dict) or not isinstance(ev.get('type'), str):
                raise ParseError('%s: line %d is not an event object with a "type"' % (path, n))
            if ev['type'] != 'conn':
                continue
            for k, t in (('id.orig_h', str), ('id.resp_h', str), ('id.orig_p', int),
                         ('id.resp_p', int), ('proto', str), ('orig_pkts', int), ('resp_pkts', int),
                         ('orig_ip_bytes', int), ('resp_ip_bytes', int)):
                if not isinstance(ev.get(k), t):
                    raise ParseError('%s: line %d: conn event without a valid %r' % (path, n, k))
            conns.append(ev)
    return conns


def report(ok, check, detail):
    print('%s %s: %s' % ('PASS' if ok else 'FAIL', check, detail))
    return ok


def listing(pairs, table):
    items = ['%s (%d frames)' % (fmt_pair(p), sum(table[p].values())) for p in sorted(pairs, key=fmt_pair)]
    more = '' if len(items) <= SHOW else ' and %d more' % (len(items) - SHOW)
    return '; '.join(items[:SHOW]) + more


def per_direction(check, want, got, pairs, unit):
    """One check: for each of pairs, what each endpoint sent is the same in want and got."""
    bad = []
    for pair in sorted(pairs, key=fmt_pair):
        if {e: n for e, n in want[pair].items() if n} != {e: n for e, n in got[pair].items() if n}:
            eps = sorted(pair)
            bad.append('%s: tshark %s, vigil %s' % (
                fmt_pair(pair),
                ' / '.join('%s sent %d' % (fmt_ep(e), want[pair].get(e, 0)) for e in eps),
                ' / '.join('%s sent %d' % (fmt_ep(e), got[pair].get(e, 0)) for e in eps)))
    if bad:
        more = '' if len(bad) <= SHOW else ' and %d more' % (len(bad) - SHOW)
        return report(False, check, '%d of %d pairs differ: %s%s' % (len(bad), len(pairs), '; '.join(bad[:SHOW]), more))
    total = sum(sum(want[x].values()) for x in pairs)
    return report(True, check, '%d %s in %d pairs equal per direction' % (total, unit, len(pairs)))


def compare(args):
    protos = [p for p in args.protos.split(',') if p]
    ts = Tshark(protos)
    for path in args.tshark:
        ts.read(path)
    conns = []
    for path in args.events:
        conns += load_events(path)
    got = {p: defaultdict(lambda: defaultdict(int)) for p in protos}
    got_vlans = defaultdict(set)
    got_bytes = {p: defaultdict(lambda: defaultdict(int)) for p in protos}
    for ev in conns:
        o = (ev['id.orig_h'], ev['id.orig_p'])
        r = (ev['id.resp_h'], ev['id.resp_p'])
        if ev['proto'] in ('tcp', 'udp'):
            got_vlans[frozenset((o, r))].add((ev.get('vlan'), ev.get('inner_vlan')))
        if ev['proto'] in got:
            d = got[ev['proto']][frozenset((o, r))]
            d[o] += ev['orig_pkts']
            d[r] += ev['resp_pkts']
            d = got_bytes[ev['proto']][frozenset((o, r))]
            d[o] += ev['orig_ip_bytes']
            d[r] += ev['resp_ip_bytes']

    ok = True
    stats = []
    for p in protos:
        t, v = ts.conv[p], got[p]
        only_t, only_v = set(t) - set(v), set(v) - set(t)
        if only_t or only_v:
            parts = []
            if only_t:
                parts.append('%d only in tshark: %s' % (len(only_t), listing(only_t, t)))
            if only_v:
                parts.append('%d only in vigil: %s' % (len(only_v), listing(only_v, v)))
            ok &= report(False, '%s conversations' % p,
                         'tshark %d, vigil %d; %s' % (len(t), len(v), '; '.join(parts)))
        else:
            ok &= report(True, '%s conversations' % p, '%d pairs equal' % len(t))
        common = set(t) & set(v)
        ok &= per_direction('%s frames' % p, t, v, common, 'frames')
        ok &= per_direction('%s ip bytes' % p, ts.ipbytes[p], got_bytes[p], common, 'bytes')
        stats.append('%s_pairs=%d %s_frames=%d' % (p, len(t), p, sum(sum(x.values()) for x in t.values())))

    common = set(ts.vlans) & set(got_vlans)
    if common:
        bad = ['%s: tshark %s, vigil %s' % (fmt_pair(x), sorted(ts.vlans[x], key=str), sorted(got_vlans[x], key=str))
               for x in sorted(common, key=fmt_pair) if ts.vlans[x] != got_vlans[x]]
        tagged = sum(1 for x in common if any(v != (None, None) for v in ts.vlans[x]))
        if bad:
            ok &= report(False, 'vlan ids', '%d of %d pairs differ: %s' % (len(bad), len(common), '; '.join(bad[:SHOW])))
        else:
            ok &= report(True, 'vlan ids', '%d pairs (%d tagged) carry the ids tshark shows' % (len(common), tagged))
    stats.append('excluded=%d matched=%d' % (ts.excluded, ts.matched))
    print('STAT ' + ' '.join(stats))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description='compare vigil conn events with tshark')
    ap.add_argument('--events', action='append', required=True)
    ap.add_argument('--tshark', action='append', required=True)
    ap.add_argument('--protos', default='tcp,udp')
    args = ap.parse_args()
    try:
        return compare(args)
    except (ParseError, OSError) as e:
        print('FAIL input: %s' % e)
        return 2


if __name__ == '__main__':
    sys.exit(main())
