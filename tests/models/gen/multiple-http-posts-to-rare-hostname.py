#!/usr/bin/env python3
"""summary: writes tests/models/multiple-http-posts-to-rare-hostname.test (seed 103)

Ten office devices browse for four days; each checks certificates with its CA's OCSP
responder over HTTP POST, several times an hour when it starts work. One device posts a form
twice to a shop nobody else uses. On Thursday from 10:20 one device POSTs to a host nobody
else contacts every five minutes for two hours: one breach (cooldown 6 h).
"""
import os
import string
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlife import DAY, HOUR, T0, Stream, devices, write  # noqa: E402

SLUG = "multiple-http-posts-to-rare-hostname"
s = Stream(103)
devs = devices(10)
s.office_days(devs, 4, visits=(1, 2), http_share=0.2)
OCSP = ("ocsp.example.net", "198.51.100.20")
CRYPTO_UA = "Microsoft-CryptoAPI/10.0"


def ocsp(ts, dev):
    s.http(ts, dev, OCSP[1], method="POST", host=OCSP[0], uri="/", ua=CRYPTO_UA, req_len=83,
           resp_len=1417 + s.rng.randrange(60),
           ctype="application/ocsp-response", resp_name=OCSP[0])


for d in range(4):
    for dev in devs:
        start = T0 + d * DAY + 8 * HOUR + s.rng.random() * HOUR
        s.dns(start - 0.2, dev, OCSP[0], [OCSP[1]])
        for i in range(3):  # a burst as the browser starts
            ocsp(start + i * (40 + s.rng.random() * 200), dev)
        for _ in range(s.rng.randint(2, 5)):
            ocsp(T0 + d * DAY + 9 * HOUR + s.rng.random() * 8 * HOUR, dev)
# Thursday: a form posted twice to a small shop's site nobody else uses
shop = ("orders.example.org", "198.51.100.90")
t = T0 + 3 * DAY + 14 * HOUR + 3 * 60 + 7.0
s.dns(t, "10.0.1.14", shop[0], [shop[1]])
for i in range(2):
    s.http(t + 0.1 + i * 95.0, "10.0.1.14", shop[1], method="POST", host=shop[0],
           uri="/checkout/submit", req_len=1734 - i * 300, resp_len=18200, resp_name=shop[0])
# Thursday 10:20: POSTs every ~5 minutes to a host nobody else contacts
c2 = ("sync-report.example", "203.0.113.91")
IE11 = "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko"
t = T0 + 3 * DAY + 10 * HOUR + 20 * 60 + 3.4
alnum = string.ascii_letters + string.digits
for i in range(24):
    ts = t + i * 300 + s.rng.uniform(-30, 30)
    s.dns(ts - 0.05, "10.0.1.17", c2[0], [c2[1]], ttl=60)
    path = "/" + "".join(s.rng.choice(alnum) for _ in range(14))
    s.http(ts, "10.0.1.17", c2[1], method="POST", host=c2[0], uri=path, ua=IE11,
           req_len=s.rng.randrange(280, 900), resp_len=s.rng.randrange(160, 420),
           ctype="text/html; charset=UTF-8", resp_name=c2[0])
write(sys.argv[1] if len(sys.argv) > 1 else None, [
    "HTTP POSTs: every device's OCSP checks (several POSTs an hour to the CA's responder, which",
    "the whole organisation uses) and a form posted twice to a shop nobody else uses raise",
    "nothing; a device POSTing every five minutes for two hours to a host no other device",
    "contacts breaches once (cooldown 6 h), citing 0 other devices and rarity 100.",
    f"Made by tests/models/gen/{SLUG}.py (python3 gen/{SLUG}.py > {SLUG}.test);",
    "a learning period of two days, as a deployment would have, covers the first sightings.",
], [
    f"models: {SLUG}.model",
    "args: --learning-period 2d",
    'expect: {"model": "Anomalous Connection / Multiple HTTP POSTs to Rare Hostname", "device": "10.0.1.17", "endpoint": "203.0.113.91:80", "score_min": 60, "reason_contains": "0 other devices contact this host (rarity 100)"}',
    "expect_count: 1",
], s)
