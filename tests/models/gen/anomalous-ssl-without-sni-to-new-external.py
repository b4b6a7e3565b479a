#!/usr/bin/env python3
"""summary: writes tests/models/anomalous-ssl-without-sni-to-new-external.test (seed 101)

Ten office devices browse ordinary sites for four days (Mon-Thu). Every device's licensing
agent also opens TLS to a fixed address without a server name once a day: no SNI, but the
whole organisation uses it. One device reaches an internal management appliance without SNI.
On Thursday at 10:12 one device opens TLS without SNI, without a DNS look-up, to an address
no device has used, and gets a self-signed certificate (another device opens a site nobody
else uses, but by name, with SNI): the model breaches once (cooldown) for
that device only.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlife import DAY, HOUR, T0, Stream, devices, md5, write  # noqa: E402

SLUG = "anomalous-ssl-without-sni-to-new-external"
s = Stream(101)
devs = devices(10)
s.office_days(devs, 4)
# the licensing agent on every device: TLS to an address it was configured with, no SNI
for d in range(4):
    for dev in devs:
        ts = T0 + d * DAY + 8 * HOUR + s.rng.random() * 2 * HOUR
        s.tls(ts, dev, "198.51.100.30", subject="CN=licensing.example.com", x509=False,
              ja3=md5("ja3 licence agent"), version="TLSv12", duration=0.6, ob=1400, rb=5200)
# a management appliance inside, self-signed and reached by address
for d in range(4):
    ts = T0 + d * DAY + 9 * HOUR + s.rng.random() * HOUR
    s.tls(ts, "10.0.1.12", "10.0.2.5", rport=8443, subject="CN=ups-mgmt,O=Example UPS",
          issuer="CN=ups-mgmt,O=Example UPS", self_signed=True, version="TLSv12")
# Thursday 09:40: a device opens a small shop's site nobody else uses, by name (SNI sent)
s.browse(T0 + 3 * DAY + 9 * HOUR + 40 * 60 + 11.0, "10.0.1.18", ("shop.example.org", "198.51.100.77"))
# Thursday 10:12: TLS to a fresh address without SNI, self-signed, repeated a few times
c2 = "203.0.113.47"
subj = "C=XX,L=Default City,O=Default Company Ltd"
t = T0 + 3 * DAY + 10 * HOUR + 12 * 60 + 5.3
for i in range(6):
    s.tls(t + i * 97.0 + s.rng.random() * 6, "10.0.1.15", c2, subject=subj, issuer=subj,
          self_signed=True, ja3=md5("ja3 loader"), ja3s=md5("ja3s c2"), version="TLSv12",
          duration=1.2, ob=1150, rb=2480)
write(sys.argv[1] if len(sys.argv) > 1 else None, [
    "TLS without a server name: the licensing agent every device runs reaches a fixed address",
    "without SNI (the organisation knows it: no breach), and a device reaches an internal",
    "appliance without SNI (not external: no breach); a device opens a site nobody else uses,",
    "sending its name (no breach). On the fourth day one device opens TLS",
    "without SNI and without a DNS look-up to an address none of the ten devices had used,",
    "and gets a self-signed certificate: one breach (cooldown), citing the 0 of 10 devices.",
    f"Made by tests/models/gen/{SLUG}.py (python3 gen/{SLUG}.py > {SLUG}.test);",
    "a learning period of two days, as a deployment would have, covers the first sightings.",
], [
    f"models: {SLUG}.model",
    "args: --learning-period 2d",
    'expect: {"model": "Anomalous Connection / Anomalous SSL without SNI to New External", "device": "10.0.1.15", "endpoint": "203.0.113.47:443", "score_min": 80, "reason_contains": "which 0 of the 10 devices had used before (rarity 100)"}',
    "expect_count: 1",
], s)
