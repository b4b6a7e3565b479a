#!/usr/bin/env python3
"""summary: writes tests/models/suspicious-self-signed-ssl.test (seed 110)

Ten office devices work for two weeks; every device opens a partner's extranet by its address
(no SNI, no DNS name), which answers with a self-signed certificate, one to three times a day
(netlife.partner_fortnight). One device manages a NAS inside whose self-signed certificate
keeps its maker's default subject. On Monday of the third week a user opens a supplier's
self-signed site by name, and one device opens TLS without SNI to an address nobody uses,
with a certificate bearing OpenSSL's default subject: only that breaches.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlife import DAY, HOUR, T0, WORKDAYS, Stream, devices, md5, partner_fortnight, write  # noqa: E402

SLUG = "suspicious-self-signed-ssl"
s = Stream(110)
devs = devices(10)
partner_fortnight(s, devs)
NAS = "C=AU,ST=Some-State,O=Internet Widgits Pty Ltd,CN=localhost"
for d in WORKDAYS + [14]:
    ts = T0 + d * DAY + 9 * HOUR + s.rng.random() * 7 * HOUR
    s.tls(ts, "10.0.1.14", "10.0.2.20", rport=443, subject=NAS, issuer=NAS, self_signed=True,
          version="TLSv12", x509=False)
day = T0 + 14 * DAY
s.office_days(devs, 1, visits=(1, 1), first_day=14)
# a supplier's self-signed web mail, opened by name
sup = ("webmail.example-supplier.test", "198.51.100.151")
SUP = "CN=webmail.example-supplier.test,O=Example Supplier,C=FR"
t = day + 11 * HOUR + 31 * 60 + 5.0
s.dns(t, "10.0.1.20", sup[0], [sup[1]])
s.tls(t + 0.05, "10.0.1.20", sup[1], sni=sup[0], subject=SUP, issuer=SUP, self_signed=True,
      resp_name=sup[0], version="TLSv12")
# 14:06: TLS without SNI to a fresh address; OpenSSL's default subject
C2 = "203.0.113.58"
SUBJ = "C=AU,ST=Some-State,O=Internet Widgits Pty Ltd"
t = day + 14 * HOUR + 6 * 60 + 40.2
for i in range(5):
    s.tls(t + i * 61.0 + s.rng.random() * 3, "10.0.1.16", C2, subject=SUBJ, issuer=SUBJ,
          self_signed=True, version="TLSv12", ja3=md5("ja3 loader"), ja3s=md5("ja3s c2"),
          duration=1.1, ob=1180, rb=2630)
write(sys.argv[1] if len(sys.argv) > 1 else None, [
    "Self-signed certificates with tell-tale marks: a partner's extranet every device has opened",
    "by address (no SNI, no DNS name) daily for two weeks, a NAS inside with OpenSSL's default",
    "subject, and a supplier's self-signed site opened by name raise nothing; TLS without SNI",
    "to an address nobody uses, with OpenSSL's default subject, breaches once (cooldown 1 h).",
    f"Made by tests/models/gen/{SLUG}.py (python3 gen/{SLUG}.py > {SLUG}.test);",
    "a learning period of two days, as a deployment would have, covers the first sightings.",
], [
    f"models: {SLUG}.model",
    "args: --learning-period 2d",
    'expect: {"model": "Anomalous Connection / Suspicious Self-Signed SSL", "device": "10.0.1.16", "endpoint": "203.0.113.58:443", "score_min": 85, "reason_contains": "server name sent: no; address looked up by DNS: no; endpoint rarity 100"}',
    "expect_count: 1",
], s)
