#!/usr/bin/env python3
"""summary: writes tests/models/repeated-rare-external-ssl-self-signed.test (seed 107)

Ten office devices work for two weeks; every device opens a partner's extranet, which
answers with a self-signed certificate, one to three times a day (netlife.partner_fortnight).
One device also uses a NAS inside whose certificate signs itself. On Monday of the third week
a user opens a supplier's self-signed test site twice, and one device starts talking TLS to
three addresses nobody uses, all self-signed, every 12 to 18 minutes for five hours: only
that breaches, once (cooldown 12 h).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlife import DAY, HOUR, T0, WORKDAYS, Stream, devices, md5, partner_fortnight, write  # noqa: E402

SLUG = "repeated-rare-external-ssl-self-signed"
s = Stream(107)
devs = devices(10)
partner_fortnight(s, devs)
NAS = "C=US,ST=CA,L=Irvine,O=Example Storage,CN=nas01"
for d in WORKDAYS + [14]:
    for _ in range(4):
        ts = T0 + d * DAY + 8 * HOUR + s.rng.random() * 9 * HOUR
        s.tls(ts, "10.0.1.14", "10.0.2.20", rport=5001, subject=NAS, issuer=NAS, self_signed=True,
              version="TLSv12", x509=False)
day = T0 + 14 * DAY
s.office_days(devs, 1, visits=(1, 1), first_day=14)
# a supplier's self-signed test site, opened twice
sup = ("test.example-supplier.test", "198.51.100.150")
SUP = "CN=test.example-supplier.test,O=Example Supplier,C=FR"
for k in range(2):
    t = day + 14 * HOUR + 2 * 60 + k * 410.0
    s.dns(t, "10.0.1.20", sup[0], [sup[1]])
    s.tls(t + 0.05, "10.0.1.20", sup[1], sni=sup[0], subject=SUP, issuer=SUP, self_signed=True,
          resp_name=sup[0], version="TLSv12")
# 12:58: TLS to three fresh addresses, each self-signed, every 12-18 minutes
C2 = ["203.0.113.21", "203.0.113.22", "192.0.2.33"]
SUBJ = "C=XX,L=Default City,O=Default Company Ltd"
t = day + 12 * HOUR + 58 * 60
n = 0
while t < day + 18 * HOUR:
    s.tls(t, "10.0.1.19", C2[n % 3], subject=SUBJ, issuer=SUBJ, self_signed=True, version="TLSv12",
          ja3=md5("ja3 loader"), ja3s=md5("ja3s c2"), duration=0.9, ob=1230, rb=2810)
    n += 1
    t += 720 + s.rng.random() * 360
write(sys.argv[1] if len(sys.argv) > 1 else None, [
    "Repeated self-signed TLS to rare endpoints: a partner's extranet every device has opened",
    "daily for two weeks (self-signed, reached by address), a NAS inside with its own",
    "certificate, and a supplier's self-signed test site opened twice raise nothing; a device",
    "talking TLS every 12-18 minutes to three addresses nobody uses, all self-signed, breaches",
    "once (cooldown 12 h) on its third connection.",
    f"Made by tests/models/gen/{SLUG}.py (python3 gen/{SLUG}.py > {SLUG}.test);",
    "a learning period of two days, as a deployment would have, covers the first sightings.",
], [
    f"models: {SLUG}.model",
    "args: --learning-period 2d",
    'expect: {"model": "Anomalous Connection / Repeated Rare External SSL Self-Signed", "device": "10.0.1.19", "endpoint": "192.0.2.33:443", "score_min": 70, "reason_contains": "3 TLS connections within 12 hours to rare external endpoints with self-signed certificates (last 192.0.2.33:443, subject C=XX,L=Default City,O=Default Company Ltd"}',
    "expect_count: 1",
], s)
