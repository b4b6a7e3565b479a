"""summary: builds event streams for tests/models/*.test, as `vigil events` writes them

Shared by the generators in this folder (one per model test, named after the model). A stream
is a list of events with the fields and value kinds `vigil events` prints for conn, dns, tls,
x509, http, files and smtp; each event is placed where vigil would emit it (a conn event when
its connection ends, a tls event at its handshake), so the order is the order of a capture.

Addresses are documentation ones: devices in 10.0.0.0/8, the outside in 192.0.2.0/24,
198.51.100.0/24 and 203.0.113.0/24; names are example.* (RFC 2606). Hashes are made up
(MD5/SHA-256 of a label), never copied from a capture. Everything depends on the seed only.
"""
import hashlib
import json
import random

T0 = 1709510400  # 2024-03-04 00:00:00 UTC, a Monday
HOUR = 3600
DAY = 86400

CHROME_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/122.0.0.0 Safari/537.36")
EDGE_UA = CHROME_UA + " Edg/122.0.0.0"
FIREFOX_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0"
CA_ISSUER = "CN=Example TLS RSA CA 2023,O=Example Trust Services,C=US"
DNS_SERVER = "10.0.0.2"

# Sites every office device uses (name, address).
SITES = [("www.example.com", "198.51.100.10"), ("mail.example.net", "198.51.100.11"),
         ("docs.example.org", "198.51.100.12"), ("cdn.example.com", "198.51.100.13"),
         ("login.example.net", "198.51.100.14"), ("news.example.org", "198.51.100.15")]


def md5(label):
    return hashlib.md5(label.encode()).hexdigest()


def sha256(label):
    return hashlib.sha256(label.encode()).hexdigest()


JA3_BROWSER = md5("ja3 office browser")
JA3S_SERVER = md5("ja3s example server")


def devices(n, first=11, net="10.0.1."):
    return [f"{net}{first + i}" for i in range(n)]


class Stream:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.items = []
        self.nuid = 0
        self.sport = {}

    # ---- plumbing ----

    def uid(self, prefix="C"):
        self.nuid += 1
        return prefix + md5(f"uid {self.nuid}")[:17]

    def port(self, dev):
        p = self.sport.get(dev, 49700 + self.rng.randrange(2000)) + 1
        if p > 65000:
            p = 49700
        self.sport[dev] = p
        return p

    def add(self, emit, ev):
        self.items.append((emit, len(self.items), ev))

    def lines(self):
        return [json.dumps(ev, ensure_ascii=False, separators=(",", ":")) for _, _, ev in sorted(self.items, key=lambda x: (x[0], x[1]))]

    @staticmethod
    def t(ts):
        return round(ts, 6)

    # ---- events ----

    def conn(self, ts, orig, oport, resp, rport, uid, proto="tcp", service=None, duration=1.0,
             ob=500, rb=4000, state="SF", history=None, resp_name=None):
        internal = resp.startswith("10.")
        opk = max(1, ob // 900 + 3) if ob else (1 if state in ("S0", "REJ") else 2)
        rpk = max(1, rb // 1400 + 2) if rb else (1 if state == "REJ" else 0)
        ev = {"type": "conn", "ts": self.t(ts), "uid": uid, "id.orig_h": orig, "id.orig_p": oport,
              "id.resp_h": resp, "id.resp_p": rport, "proto": proto}
        if service:
            ev["service"] = service
            ev["service_port_usual"] = True
        ev.update({"duration": round(duration, 6), "orig_bytes": ob, "resp_bytes": rb,
                   "conn_state": state, "local_orig": True, "local_resp": internal,
                   "missed_bytes": 0,
                   "history": history or ("ShADadFf" if proto == "tcp" else "Dd"),
                   "orig_pkts": opk, "orig_ip_bytes": ob + 40 * opk,
                   "resp_pkts": rpk, "resp_ip_bytes": rb + 40 * rpk})
        if resp_name:
            ev["resp_name"] = resp_name
        self.add(ts + duration, ev)
        return ev

    def dns(self, ts, orig, query, answers, rcode="NOERROR", qtype="A", ttl=300):
        uid = self.uid()
        oport = 50000 + self.rng.randrange(15000)
        rtt = round(0.004 + self.rng.random() * 0.03, 6)
        rc = {"NOERROR": 0, "NXDOMAIN": 3, "SERVFAIL": 2}[rcode]
        qt = {"A": 1, "AAAA": 28, "PTR": 12, "TXT": 16}[qtype]
        ev = {"type": "dns", "ts": self.t(ts), "uid": uid, "id.orig_h": orig, "id.orig_p": oport,
              "id.resp_h": DNS_SERVER, "id.resp_p": 53, "proto": "udp",
              "trans_id": self.rng.randrange(65536), "rtt": rtt, "query": query, "qclass": 1,
              "qclass_name": "C_INTERNET", "qtype": qt, "qtype_name": qtype, "rcode": rc,
              "rcode_name": rcode, "AA": False, "TC": False, "RD": True, "RA": True, "Z": 0}
        if answers:
            ev["answers"] = list(answers)
            ev["TTLs"] = [ttl] * len(answers)
        ev["rejected"] = False
        self.add(ts + rtt, ev)
        return ev

    def tls(self, ts, orig, resp, rport=443, sni=None, subject=None, issuer=CA_ISSUER,
            ja3=JA3_BROWSER, ja3s=JA3S_SERVER, self_signed=False, expired=False, resp_name=None,
            version="TLSv13", duration=None, ob=None, rb=None, not_before=None, not_after=None,
            x509=True, service="ssl"):
        """A TLS connection: the tls event, the leaf certificate's x509 event, the conn event."""
        uid = self.uid()
        oport = self.port(orig)
        subject = subject or f"CN={sni or resp_name or resp}"
        fp = sha256(f"cert {subject} {issuer} {resp}")
        hs = ts + 0.03 + self.rng.random() * 0.05
        tls13 = version == "TLSv13"
        ev = {"type": "tls", "ts": self.t(hs), "uid": uid, "id.orig_h": orig, "id.orig_p": oport,
              "id.resp_h": resp, "id.resp_p": rport, "version": version,
              "cipher": "TLS_AES_128_GCM_SHA256" if tls13 else "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
              "curve": "x25519"}
        if sni:
            ev["server_name"] = sni
        ev.update({"resumed": False, "established": True, "cert_chain_fps": [fp],
                   "subject": subject, "issuer": issuer})
        if sni:
            ev["sni_matches_cert"] = subject.endswith("CN=" + sni) or subject.startswith("CN=" + sni)
        ev.update({"ja3": ja3, "ja3s": ja3s, "client_version": "TLSv12", "sni_missing": not sni,
                   "self_signed": self_signed, "cert_expired": expired,
                   "cert_not_yet_valid": False, "tls13": tls13, "ech": False, "esni": False,
                   "malformed": False, "truncated": False})
        if resp_name:
            ev["resp_name"] = resp_name
        self.add(hs, ev)
        if x509:
            nb = not_before if not_before is not None else ts - 120 * DAY
            na = not_after if not_after is not None else (ts - 3 * DAY if expired else ts + 245 * DAY)
            xe = {"type": "x509", "ts": self.t(hs + 0.001), "uid": uid, "id.orig_h": orig,
                  "id.orig_p": oport, "id.resp_h": resp, "id.resp_p": rport, "fingerprint": fp,
                  "sha1": hashlib.sha1(fp.encode()).hexdigest(), "certificate.version": 3,
                  "certificate.serial": md5("serial " + fp)[:32].upper(),
                  "certificate.subject": subject, "certificate.issuer": issuer,
                  "certificate.not_valid_before": float(int(nb)),
                  "certificate.not_valid_after": float(int(na)),
                  "certificate.key_alg": "rsaEncryption", "certificate.sig_alg": "sha256WithRSAEncryption",
                  "certificate.key_type": "rsa", "certificate.key_length": 2048,
                  "certificate.exponent": "65537", "basic_constraints.ca": self_signed,
                  "host_cert": True, "client_cert": False, "self_signed": self_signed,
                  "expired": expired, "not_yet_valid": False, "chain_index": 0}
            if resp_name:
                xe["resp_name"] = resp_name
            self.add(hs + 0.001, xe)
        if duration is None:
            duration = 0.3 + self.rng.random() * 20
        if ob is None:
            ob = 900 + self.rng.randrange(3000)
        if rb is None:
            rb = 4000 + self.rng.randrange(120000)
        self.conn(ts, orig, oport, resp, rport, uid, service=service, duration=duration, ob=ob,
                  rb=rb, resp_name=resp_name)
        return uid

    def http(self, ts, orig, resp, rport=80, method="GET", host=None, uri="/", ua=CHROME_UA,
             status=200, req_len=0, resp_len=None, mime=None, ctype="text/html; charset=UTF-8",
             ext=None, filename=None, resp_name=None, duration=None, extra=None):
        """An HTTP request and response: the http event, a files event for a body, the conn event."""
        uid = self.uid()
        oport = self.port(orig)
        host = host or resp
        if resp_len is None:
            resp_len = 2000 + self.rng.randrange(60000)
        tq = ts + 0.02 + self.rng.random() * 0.04
        ev = {"type": "http", "ts": self.t(tq), "uid": uid, "id.orig_h": orig, "id.orig_p": oport,
              "id.resp_h": resp, "id.resp_p": rport, "trans_depth": 1, "method": method,
              "host": host, "uri": uri, "version": "1.1", "user_agent": ua,
              "request_body_len": req_len, "response_body_len": resp_len, "status_code": status,
              "status_msg": {200: "OK", 204: "No Content", 404: "Not Found"}.get(status, "OK"),
              "tags": []}
        fuid = None
        if resp_len and mime:
            fuid = "F" + md5("fuid " + uid)[:17]
            ev["resp_fuids"] = [fuid]
            if filename:
                ev["resp_filenames"] = [filename]
            ev["resp_mime_types"] = [mime]
        last = uri.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if last:
            ev["uri_filename"] = last
        if ctype:
            ev["resp_content_type"] = ctype
        if filename:
            ev["resp_content_disposition_filename"] = filename
        if resp_len:
            ev["resp_content_length"] = resp_len
        if ext:
            ev["resp_extension"] = ext
        ev["true_type_mismatch"] = False
        if method == "POST":
            ev["post_body_len"] = req_len
        if extra:
            ev.update(extra)
        if resp_name:
            ev["resp_name"] = resp_name
        self.add(tq, ev)
        if duration is None:
            duration = 0.1 + resp_len / 2e6 + self.rng.random() * 0.3
        if fuid:
            fe = {"type": "files", "ts": self.t(tq + 0.05), "uid": uid, "id.orig_h": orig,
                  "id.orig_p": oport, "id.resp_h": resp, "id.resp_p": rport, "fuid": fuid,
                  "source": "HTTP", "depth": 1, "analyzers": ["MD5", "SHA1", "SHA256"],
                  "mime_type": mime}
            if filename:
                fe["filename"] = filename
            fe.update({"duration": round(duration * 0.8, 6), "is_orig": False,
                       "seen_bytes": resp_len, "total_bytes": resp_len, "missing_bytes": 0,
                       "overflow_bytes": 0, "timedout": False,
                       "md5": md5("body " + fuid), "sha1": hashlib.sha1(fuid.encode()).hexdigest(),
                       "sha256": sha256("body " + fuid)})
            if ext:
                fe["extension"] = ext
            self.add(tq + 0.05 + duration * 0.8, fe)
        self.conn(ts, orig, oport, resp, rport, uid, service="http", duration=duration,
                  ob=300 + req_len + len(ua) + len(uri), rb=resp_len + 350, resp_name=resp_name)
        return uid

    # ---- habits ----

    def browse(self, ts, dev, site, ua=CHROME_UA, http=False):
        """A device looks a site up and opens it over TLS (or plain HTTP when http)."""
        name, addr = site
        self.dns(ts, dev, name, [addr])
        t = ts + 0.05
        if http:
            return self.http(t, dev, addr, host=name, uri="/", ua=ua, resp_name=name)
        return self.tls(t, dev, addr, sni=name, resp_name=name, x509=False)

    def office_days(self, devs, days, visits=(2, 4), start_hour=8, end_hour=17, first_day=0,
                    http_share=0.25, ua_of=None):
        """Ordinary working days: each device opens a few of SITES at random office hours."""
        for d in range(first_day, first_day + days):
            for dev in devs:
                n = self.rng.randint(*visits)
                for _ in range(n):
                    ts = T0 + d * DAY + start_hour * HOUR + self.rng.random() * (end_hour - start_hour) * HOUR
                    site = self.rng.choice(SITES)
                    ua = ua_of(dev) if ua_of else CHROME_UA
                    self.browse(ts, dev, site, ua=ua, http=self.rng.random() < http_share)


def write(path_or_none, header, directives, stream):
    """The .test text: header comment lines, directives (models, args), events, then expectations."""
    out = [f"# {h}" if h else "#" for h in header]
    pre = [d for d in directives if d.split(":", 1)[0] in ("models", "args")]
    post = [d for d in directives if d not in pre]
    out += pre
    out.append("events:")
    out += stream.lines()
    out += post
    text = "\n".join(out) + "\n"
    if path_or_none:
        with open(path_or_none, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        import sys
        sys.stdout.write(text)


# ---- a fortnight with a partner's self-signed extranet ----

PORTAL = "198.51.100.40"
PORTAL_SUBJECT = "CN=extranet.partner.example.net,O=Example Partner GmbH,C=DE"
WORKDAYS = [0, 1, 2, 3, 4, 7, 8, 9, 10, 11]  # two weeks, Monday 4 March to Friday 15 March 2024


def partner_fortnight(s, devs):
    """Two working weeks: one to three times a day, each device opens the partner's extranet,
    reached by its address (no SNI, no DNS name) and answering with a self-signed certificate;
    on Mondays and Thursdays it also opens one ordinary site. Monday 18 March (day 14) is left
    for the test's own events."""
    for d in WORKDAYS:
        if d % 7 in (0, 3):
            s.office_days(devs, 1, visits=(1, 1), first_day=d)
        for dev in devs:
            for _ in range(s.rng.randint(1, 3)):
                ts = T0 + d * DAY + 8 * HOUR + s.rng.random() * 9 * HOUR
                s.tls(ts, dev, PORTAL, subject=PORTAL_SUBJECT, issuer=PORTAL_SUBJECT,
                      self_signed=True, version="TLSv12", x509=False,
                      ja3=md5("ja3 office browser tls12"))
