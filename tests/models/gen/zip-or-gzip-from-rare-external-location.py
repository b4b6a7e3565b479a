#!/usr/bin/env python3
"""summary: writes tests/models/zip-or-gzip-from-rare-external-location.test (seed 112)

Ten office devices browse for four days; each morning every device's updater fetches a zip
of definitions from the vendor's CDN, and one device copies a zip from the file server
inside. On Thursday a user's browser downloads a zip from a host nobody else contacts: only
that breaches.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlife import CHROME_UA, DAY, HOUR, T0, Stream, devices, write  # noqa: E402

SLUG = "zip-or-gzip-from-rare-external-location"
s = Stream(112)
devs = devices(10)
s.office_days(devs, 4, http_share=0.3)
CDN = ("dl.example.com", "198.51.100.26")
UPD = "ExampleAV-Updater/5.1"
for d in range(4):
    for dev in devs:
        ts = T0 + d * DAY + 7 * HOUR + 45 * 60 + s.rng.random() * 1800
        s.dns(ts, dev, CDN[0], [CDN[1]])
        name = f"defs-202403{4 + d:02d}.zip"
        s.http(ts + 0.05, dev, CDN[1], host=CDN[0], uri="/updates/" + name, ua=UPD,
               resp_len=5872640 + d * 10240, mime="application/zip", ctype="application/zip",
               ext="zip", resp_name=CDN[0])
    # a zip from the file server inside
    ts = T0 + d * DAY + 15 * HOUR + s.rng.random() * HOUR
    s.http(ts, "10.0.1.14", "10.0.2.40", host="files.corp.example.com", uri=f"/share/reports/week10-{d}.zip",
           resp_len=912000, mime="application/zip", ctype="application/zip", ext="zip")
# Thursday 11:20: a zip from a host nobody else contacts, fetched by the browser
site = ("files.example-docs.test", "203.0.113.120")
t = T0 + 3 * DAY + 11 * HOUR + 20 * 60 + 8.7
s.dns(t, "10.0.1.16", site[0], [site[1]])
s.http(t + 0.05, "10.0.1.16", site[1], host=site[0], uri="/download/Electronic_form_07.03.zip",
       ua=CHROME_UA, resp_len=226304, mime="application/zip", ctype="application/zip", ext="zip",
       filename="Electronic_form_07.03.zip", resp_name=site[0])
write(sys.argv[1] if len(sys.argv) > 1 else None, [
    "Zip downloads: the definitions zip every device's updater fetches each morning from the",
    "vendor's CDN and a zip copied from the file server inside raise nothing; a zip the browser",
    "downloads from a host no other device contacts breaches once.",
    f"Made by tests/models/gen/{SLUG}.py (python3 gen/{SLUG}.py > {SLUG}.test);",
    "a learning period of two days, as a deployment would have, covers the first sightings.",
], [
    f"models: {SLUG}.model",
    "args: --learning-period 2d",
    'expect: {"model": "Anomalous File / Zip or Gzip from Rare External Location", "device": "10.0.1.16", "endpoint": "203.0.113.120:80", "score_min": 60, "reason_contains": "0 other devices contact this host (rarity 100)"}',
    "expect_count: 1",
], s)
