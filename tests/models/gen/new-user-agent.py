#!/usr/bin/env python3
"""summary: writes tests/models/new-user-agent.test (seed 105)

Ten office devices browse for four days with Chrome, Edge or Firefox. On Thursday one
device's browser has updated (a user agent nobody sent before, to sites everyone uses), and a
new laptop joins with a browser nobody uses; then a device with three days of history fetches
a file from an address nobody else contacts with an old Internet Explorer user agent that no
device had sent: only that breaches.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlife import CHROME_UA, DAY, EDGE_UA, FIREFOX_UA, HOUR, SITES, T0, Stream, devices, write  # noqa: E402

SLUG = "new-user-agent"
s = Stream(105)
devs = devices(10)
UAS = {d: (CHROME_UA, EDGE_UA, FIREFOX_UA)[i % 3] for i, d in enumerate(devs)}
s.office_days(devs, 4, http_share=0.35, ua_of=UAS.get)
day4 = T0 + 3 * DAY
# the browser on 10.0.1.12 updated overnight: a new user agent, to sites everyone uses
chrome123 = CHROME_UA.replace("Chrome/122.0.0.0", "Chrome/123.0.0.0")
for k, (h, m) in enumerate(((8, 52), (9, 13), (11, 40))):
    s.browse(day4 + h * HOUR + m * 60 + 4.0, "10.0.1.12", SITES[(k * 2) % len(SITES)], ua=chrome123, http=True)
# a new laptop, first seen this morning, with a browser nobody else uses, opens the
# hardware vendor's registration site (which no other device contacts), then ordinary sites
linux_ff = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0"
s.browse(day4 + 9 * HOUR + 2 * 60 + 30.0, "10.0.1.40", ("register.example.net", "198.51.100.97"),
         ua=linux_ff, http=True)
s.browse(day4 + 9 * HOUR + 6 * 60 + 12.0, "10.0.1.40", SITES[3], ua=linux_ff, http=True)
# 10:41: a device with history fetches a file with a user agent nobody had sent
old_ie = "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; SLCC2)"
t = day4 + 10 * HOUR + 41 * 60 + 9.6
s.http(t, "10.0.1.19", "192.0.2.181", host="192.0.2.181", uri="/files/4571.dat", ua=old_ie,
       resp_len=491520, mime="application/x-dosexec", ctype="application/octet-stream", ext="dll")
write(sys.argv[1] if len(sys.argv) > 1 else None, [
    "A user agent never seen in the organisation: a browser update on one device (a new version",
    "string, to sites every device uses) and a new laptop's browser (a device with no history)",
    "raise nothing; an old Internet Explorer user agent from a device with three days of",
    "history, fetching a file from an address nobody else contacts, breaches once.",
    f"Made by tests/models/gen/{SLUG}.py (python3 gen/{SLUG}.py > {SLUG}.test);",
    "a learning period of two days, as a deployment would have, covers the first sightings.",
], [
    f"models: {SLUG}.model",
    "args: --learning-period 2d",
    'expect: {"model": "Device / New User Agent", "device": "10.0.1.19", "endpoint": "192.0.2.181:80", "score_min": 55, "reason_contains": "never seen in the organisation before, to 192.0.2.181; the device has 3 days of history"}',
    "expect_count: 1",
], s)
