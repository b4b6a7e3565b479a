#!/usr/bin/env python3
"""summary: writes tests/models/octet-stream-no-user-agent.test (seed 106)

Ten office devices browse for four days; an inventory agent on every device fetches its
package each morning without a User-Agent from the vendor's host. On Thursday a user
downloads a driver with the browser from a host nobody else uses; then a device fetches a
binary without a User-Agent from an address nobody else contacts: only that breaches.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlife import DAY, HOUR, T0, Stream, devices, write  # noqa: E402

SLUG = "octet-stream-no-user-agent"
s = Stream(106)
devs = devices(10)
s.office_days(devs, 4, http_share=0.3)
AGENT = ("agent.example.com", "198.51.100.25")
for d in range(4):
    for dev in devs:
        ts = T0 + d * DAY + 7 * HOUR + 30 * 60 + s.rng.random() * 1800
        s.dns(ts, dev, AGENT[0], [AGENT[1]])
        s.http(ts + 0.05, dev, AGENT[1], host=AGENT[0], uri="/pkg/inventory-2.4.1.bin", ua="",
               resp_len=1843200, mime="application/octet-stream", ctype="application/octet-stream",
               resp_name=AGENT[0])
day4 = T0 + 3 * DAY
# a driver downloaded with the browser from a host nobody else uses
drv = ("support.example.org", "198.51.100.95")
t = day4 + 13 * HOUR + 17 * 60 + 2.0
s.dns(t, "10.0.1.21", drv[0], [drv[1]])
s.http(t + 0.05, "10.0.1.21", drv[1], host=drv[0], uri="/drivers/scanner-fw-3.12.bin",
       resp_len=7340032, mime="application/octet-stream", ctype="application/octet-stream",
       filename="scanner-fw-3.12.bin", resp_name=drv[0])
# 10:05: a binary without a User-Agent, from an address nobody else contacts
t = day4 + 10 * HOUR + 5 * 60 + 44.1
s.http(t, "10.0.1.18", "203.0.113.88", host="203.0.113.88", uri="/k3/2403.bin", ua="",
       resp_len=312896, mime="application/octet-stream", ctype="application/octet-stream")
write(sys.argv[1] if len(sys.argv) > 1 else None, [
    "Binary downloads without a User-Agent: an inventory agent every device runs fetches its",
    "package without one from a host the whole organisation uses, and a user downloads a driver",
    "from a rare host with the browser (which names itself): no breach. A device fetching a",
    "binary without a User-Agent from an address nobody else contacts breaches once.",
    f"Made by tests/models/gen/{SLUG}.py (python3 gen/{SLUG}.py > {SLUG}.test);",
    "a learning period of two days, as a deployment would have, covers the first sightings.",
], [
    f"models: {SLUG}.model",
    "args: --learning-period 2d",
    'expect: {"model": "Anomalous File / Anomalous Octet Stream (No User Agent)", "device": "10.0.1.18", "endpoint": "203.0.113.88:80", "score_min": 75, "reason_contains": "0 other devices contact 203.0.113.88 (rarity 100)"}',
    "expect_count: 1",
], s)
