#!/usr/bin/env python3
"""summary: writes tests/models/new-user-agent-and-new-ip.test (seed 104)

Ten office devices browse for four days with Chrome, Edge or Firefox. On Thursday one device's
browser has updated (a user agent nobody sent before, to a site everyone uses), another opens
a site nobody had used with its usual browser; then a device fetches a file from a fresh
address with no User-Agent at all: only that breaches.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlife import CHROME_UA, DAY, EDGE_UA, FIREFOX_UA, HOUR, SITES, T0, Stream, devices, write  # noqa: E402

SLUG = "new-user-agent-and-new-ip"
s = Stream(104)
devs = devices(10)
UAS = {d: (CHROME_UA, EDGE_UA, FIREFOX_UA)[i % 3] for i, d in enumerate(devs)}
s.office_days(devs, 4, http_share=0.35, ua_of=UAS.get)
day4 = T0 + 3 * DAY
# the browser on 10.0.1.12 updated overnight: a new user agent, to a site everyone uses
chrome123 = CHROME_UA.replace("Chrome/122.0.0.0", "Chrome/123.0.0.0")
s.browse(day4 + 8 * HOUR + 52 * 60 + 4.0, "10.0.1.12", SITES[0], ua=chrome123, http=True)
s.browse(day4 + 9 * HOUR + 13 * 60 + 40.0, "10.0.1.12", SITES[5], ua=chrome123, http=True)
# a site nobody had used, with a browser everyone uses
s.browse(day4 + 9 * HOUR + 30 * 60 + 2.5, "10.0.1.20", ("recipes.example.org", "198.51.100.61"),
         ua=UAS["10.0.1.20"], http=True)
# 11:03: a file from an address nobody used, no User-Agent, host given as the address
t = day4 + 11 * HOUR + 3 * 60 + 17.2
s.http(t, "10.0.1.13", "192.0.2.140", host="192.0.2.140", uri="/upd/2403.dat", ua="",
       resp_len=338432, mime="application/octet-stream", ctype="application/octet-stream")
s.http(t + 41.0, "10.0.1.13", "192.0.2.140", host="192.0.2.140", uri="/upd/2403.cfg", ua="",
       resp_len=1204, mime="application/octet-stream", ctype="application/octet-stream")
write(sys.argv[1] if len(sys.argv) > 1 else None, [
    "A user agent and an address both new to the organisation: a browser update (new user agent",
    "to a site everyone uses) and a site nobody had opened (with a known browser) each have only",
    "one of the two and raise nothing; a request without a User-Agent to an address no device",
    "had used breaches once (grouped by user agent, cooldown a day).",
    f"Made by tests/models/gen/{SLUG}.py (python3 gen/{SLUG}.py > {SLUG}.test);",
    "a learning period of two days, as a deployment would have, covers the first sightings.",
], [
    f"models: {SLUG}.model",
    "args: --learning-period 2d",
    'expect: {"model": "Device / New User Agent and New IP", "device": "10.0.1.13", "endpoint": "192.0.2.140:80", "score_min": 75, "reason_contains": "endpoint 192.0.2.140 (192.0.2.140) both new to the organisation"}',
    "expect_count: 1",
], s)
