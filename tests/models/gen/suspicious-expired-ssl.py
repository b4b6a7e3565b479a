#!/usr/bin/env python3
"""summary: writes tests/models/suspicious-expired-ssl.test (seed 109)

Ten office devices browse for four days and open the company wiki, hosted outside, every
day; its certificate expired on Wednesday night and nobody renewed it, so on Thursday every
device keeps using it with an expired certificate. One device prints to a printer inside
whose certificate expired long ago; another opens a site nobody else uses, with a valid
certificate. On Thursday one device opens TLS to an address nobody
else uses, whose self-signed certificate had expired: only that breaches.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlife import DAY, HOUR, T0, Stream, devices, md5, write  # noqa: E402

SLUG = "suspicious-expired-ssl"
s = Stream(109)
devs = devices(10)
s.office_days(devs, 4, visits=(1, 3))
WIKI = ("wiki.example.org", "198.51.100.50")
WIKI_SUBJ = "CN=wiki.example.org"
expiry = T0 + 2 * DAY + 23 * HOUR  # Wednesday 23:00
for d in range(4):
    for dev in devs:
        for _ in range(s.rng.randint(1, 2)):
            ts = T0 + d * DAY + 8 * HOUR + s.rng.random() * 9 * HOUR
            s.dns(ts, dev, WIKI[0], [WIKI[1]])
            s.tls(ts + 0.05, dev, WIKI[1], sni=WIKI[0], subject=WIKI_SUBJ, resp_name=WIKI[0],
                  expired=ts > expiry, not_before=expiry - 90 * DAY, not_after=expiry,
                  x509=d == 3)
PRN = "CN=PRN-3F-01,OU=Printing,O=Example Printers"
for d in range(4):
    for _ in range(2):
        ts = T0 + d * DAY + 9 * HOUR + s.rng.random() * 7 * HOUR
        s.tls(ts, "10.0.1.12", "10.0.2.30", sni=None, subject=PRN, issuer=PRN, self_signed=True,
              expired=True, version="TLSv12", not_before=T0 - 1900 * DAY, not_after=T0 - 75 * DAY,
              x509=False)
# Thursday 10:02: a site nobody else uses, with a valid certificate
s.browse(T0 + 3 * DAY + 10 * HOUR + 2 * 60 + 44.0, "10.0.1.18", ("tickets.example.net", "198.51.100.98"))
# Thursday 13:48: a fresh address, looked up by name, with an expired self-signed certificate
site = ("secure-docs.example", "203.0.113.66")
SUBJ = "CN=secure-docs.example"
t = T0 + 3 * DAY + 13 * HOUR + 48 * 60 + 21.7
s.dns(t, "10.0.1.14", site[0], [site[1]], ttl=120)
for i in range(3):
    s.tls(t + 0.05 + i * 233.0, "10.0.1.14", site[1], sni=site[0], subject=SUBJ, issuer=SUBJ,
          self_signed=True, expired=True, resp_name=site[0], version="TLSv12",
          not_before=T0 - 400 * DAY, not_after=T0 - 35 * DAY, ja3=md5("ja3 loader"),
          ja3s=md5("ja3s c2"), duration=1.4, ob=1320, rb=3105)
write(sys.argv[1] if len(sys.argv) > 1 else None, [
    "Expired certificates: the company wiki, hosted outside and opened by every device every day,",
    "whose certificate expired on Wednesday night (every device keeps using it on Thursday), and",
    "a printer inside with a long-expired certificate, and a site nobody else uses with a valid",
    "certificate raise nothing; an address nobody else uses",
    "with an expired self-signed certificate breaches once (cooldown 6 h).",
    f"Made by tests/models/gen/{SLUG}.py (python3 gen/{SLUG}.py > {SLUG}.test);",
    "a learning period of two days, as a deployment would have, covers the first sightings.",
], [
    f"models: {SLUG}.model",
    "args: --learning-period 2d",
    'expect: {"model": "Anomalous Connection / Suspicious Expired SSL", "device": "10.0.1.14", "endpoint": "203.0.113.66:443", "score_min": 70, "reason_contains": "had expired when it was used; 0 other devices use this endpoint (rarity 100)"}',
    "expect_count: 1",
], s)
