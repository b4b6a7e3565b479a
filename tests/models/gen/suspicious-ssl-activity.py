#!/usr/bin/env python3
"""summary: writes tests/models/suspicious-ssl-activity.test (seed 111)

Ten office devices work for two weeks; every device opens a partner's extranet by its address
(no SNI, no DNS name), which answers with a self-signed certificate, one to three times a day
(netlife.partner_fortnight). A NAS inside has a self-signed certificate too. On Monday of the
third week a user opens a supplier's self-signed site by name (looked up by DNS), and one
device opens TLS to an address nobody uses, naming a server it never looked up, and gets a
self-signed certificate: only that breaches.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlife import DAY, HOUR, T0, WORKDAYS, Stream, devices, md5, partner_fortnight, write  # noqa: E402

SLUG = "suspicious-ssl-activity"
s = Stream(111)
devs = devices(10)
partner_fortnight(s, devs)
NAS = "C=US,ST=CA,L=Irvine,O=Example Storage,CN=nas01"
for d in WORKDAYS + [14]:
    ts = T0 + d * DAY + 9 * HOUR + s.rng.random() * 7 * HOUR
    s.tls(ts, "10.0.1.21", "10.0.2.20", rport=5001, subject=NAS, issuer=NAS, self_signed=True,
          version="TLSv12", x509=False)
day = T0 + 14 * DAY
s.office_days(devs, 1, visits=(1, 1), first_day=14)
sup = ("webmail.example-supplier.test", "198.51.100.151")
SUP = "CN=webmail.example-supplier.test,O=Example Supplier,C=FR"
t = day + 11 * HOUR + 31 * 60 + 5.0
s.dns(t, "10.0.1.20", sup[0], [sup[1]])
s.tls(t + 0.05, "10.0.1.20", sup[1], sni=sup[0], subject=SUP, issuer=SUP, self_signed=True,
      resp_name=sup[0], version="TLSv12")
# 15:22: TLS to a fresh address, a server name sent but never looked up, self-signed
C2 = "192.0.2.77"
SUBJ = "CN=static-cdn.example,O=Static CDN,C=US"
t = day + 15 * HOUR + 22 * 60 + 9.9
for i in range(8):
    s.tls(t + i * 300.0 + s.rng.uniform(-20, 20), "10.0.1.15", C2, sni="static-cdn.example",
          subject=SUBJ, issuer=SUBJ, self_signed=True, version="TLSv12", ja3=md5("ja3 implant"),
          ja3s=md5("ja3s c2"), duration=0.8, ob=980, rb=2210)
write(sys.argv[1] if len(sys.argv) > 1 else None, [
    "TLS with several marks of C2 at once: a partner's extranet every device has opened by",
    "address (self-signed, no SNI, no DNS name) daily for two weeks, a NAS inside, and a",
    "supplier's self-signed site opened by name and looked up by DNS raise nothing; TLS to an",
    "address nobody uses, naming a server that was never looked up, with a self-signed",
    "certificate, breaches once (cooldown 6 h).",
    f"Made by tests/models/gen/{SLUG}.py (python3 gen/{SLUG}.py > {SLUG}.test);",
    "a learning period of two days, as a deployment would have, covers the first sightings.",
], [
    f"models: {SLUG}.model",
    "args: --learning-period 2d",
    'expect: {"model": "Compromise / Suspicious SSL Activity", "device": "10.0.1.15", "endpoint": "192.0.2.77:443", "score_min": 75, "reason_contains": "server name sent: yes, address looked up by DNS: no, and 0 other devices using it"}',
    "expect_count: 1",
], s)
