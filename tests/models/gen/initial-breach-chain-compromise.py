#!/usr/bin/env python3
"""summary: writes tests/models/initial-breach-chain-compromise.test (seed 102)

Ten office devices browse for four days. On Thursday an engineer installs a tool from a
small vendor's site nobody else uses: a zip with the browser, then the tool's own updater
(a user agent nobody sent before) fetches its executable from the same host. Several
delivery models breach, but all of one stage. Another device downloads a zip from a host
nobody else contacts and, two minutes later, opens TLS without SNI to an address nobody uses
and gets a self-signed certificate: delivery then command and control, the chain breaches.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlife import CHROME_UA, DAY, HOUR, T0, Stream, devices, md5, write  # noqa: E402

SLUG = "initial-breach-chain-compromise"
s = Stream(102)
devs = devices(10)
s.office_days(devs, 4)
day4 = T0 + 3 * DAY
# 09:15: a tool from a small vendor, nobody else uses the site: one stage only (delivery)
vendor = ("downloads.example-tools.test", "198.51.100.160")
t = day4 + 9 * HOUR + 15 * 60 + 30.0
s.dns(t, "10.0.1.20", vendor[0], [vendor[1]])
s.http(t + 0.05, "10.0.1.20", vendor[1], host=vendor[0], uri="/release/netdiag-4.2.zip",
       resp_len=8519680, mime="application/zip", ctype="application/zip", ext="zip",
       filename="netdiag-4.2.zip", resp_name=vendor[0])
t += 240.0
s.http(t, "10.0.1.20", vendor[1], host=vendor[0], uri="/release/netdiag-4.2.1-update.exe",
       ua="NetDiag-Updater/4.2", resp_len=9175040, mime="application/x-dosexec",
       ctype="application/octet-stream", ext="exe", resp_name=vendor[0])
# 10:02: a zip from a host nobody else contacts, then self-signed TLS without SNI
site = ("share.example-files.test", "203.0.113.130")
t = day4 + 10 * HOUR + 2 * 60 + 13.0
s.dns(t, "10.0.1.15", site[0], [site[1]])
s.http(t + 0.05, "10.0.1.15", site[1], host=site[0], uri="/d/Remittance_0703.zip", ua=CHROME_UA,
       resp_len=181248, mime="application/zip", ctype="application/zip", ext="zip",
       filename="Remittance_0703.zip", resp_name=site[0])
SUBJ = "C=XX,L=Default City,O=Default Company Ltd"
t += 131.0
for i in range(6):
    s.tls(t + i * 64.0 + s.rng.random() * 4, "10.0.1.15", "192.0.2.66", subject=SUBJ, issuer=SUBJ,
          self_signed=True, version="TLSv12", ja3=md5("ja3 loader"), ja3s=md5("ja3s c2"),
          duration=1.0, ob=1210, rb=2540)
write(sys.argv[1] if len(sys.argv) > 1 else None, [
    "The breach chain, with every model loaded: an engineer's tool from a small vendor's site",
    "nobody else uses (a zip, then an executable fetched by the tool's new updater) breaches",
    "three delivery models but only one stage: no chain. A zip from a rare host followed two",
    "minutes later by self-signed TLS without SNI to an address nobody uses breaches delivery",
    "and C2 models: one chain breach, and the tool's device none.",
    f"Made by tests/models/gen/{SLUG}.py (python3 gen/{SLUG}.py > {SLUG}.test);",
    "a learning period of two days, as a deployment would have, covers the first sightings.",
], [
    "models: all",
    "args: --learning-period 2d",
    'expect: {"model": "Device / Initial Breach Chain Compromise", "device": "10.0.1.15", "score_min": 80, "reason_contains": "across 2 attack stages"}',
    "# the engineer's tool: three delivery models breach, one stage, so no chain",
    'expect: {"model": "Anomalous File / Zip or Gzip from Rare External Location", "device": "10.0.1.20", "score_min": 60}',
    'expect: {"model": "Anomalous File / EXE from Rare External Location", "device": "10.0.1.20", "score_min": 60}',
    'expect: {"model": "Device / New User Agent", "device": "10.0.1.20", "score_min": 55}',
    'expect_none: {"model": "Device / Initial Breach Chain Compromise", "device": "10.0.1.20"}',
    "# the infected device: zip (delivery); SSL without SNI, rare self-signed, suspicious",
    "# self-signed, suspicious SSL activity, repeated rare self-signed (C2); the chain",
    'expect: {"model": "Anomalous File / Zip or Gzip from Rare External Location", "device": "10.0.1.15", "score_min": 60}',
    'expect: {"model": "Compromise / Suspicious SSL Activity", "device": "10.0.1.15", "score_min": 60}',

], s)
