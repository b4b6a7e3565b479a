#!/usr/bin/env python3
"""summary: writes tests/models/ssl-beaconing-to-rare-destination.test (deterministic, seed 2201)

Three hours of an eight-device office (Monday 2024-03-04, 09:00-12:00 UTC): every device
browses (Poisson, mean gap 4 min) a pool of twenty common HTTPS sites and its chat client
sends a TLS heartbeat every 5 min (+-5 %) to chat.example.com, a host every device uses.
From 10:05, 10.0.0.13 also connects over TLS to 203.0.113.77, an address no other device
uses and that was never looked up by DNS, every 60 s (+-10 %, one beat in ten missed).
Run: python3 tests/models/gen/ssl-beaconing-to-rare-destination.py > tests/models/ssl-beaconing-to-rare-destination.test
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from officelog import Log, office_hours  # noqa: E402

SLUG = "ssl-beaconing-to-rare-destination"
DEVICES = [f"10.0.0.{i}" for i in range(10, 18)]
C2 = "203.0.113.77"


def main():
    log = Log(2201, "sslb")
    R = log.rng
    start, end = office_hours(0, 9, 12)
    log.chat_office(DEVICES, start, end)
    t = start + 3900.0 + R.uniform(0, 30)
    for _ in range(40):  # the implant: TLS to a bare address every minute, a tenth of the beats missed
        if R.random() >= 0.1:
            log.conn(t, "10.0.0.13", C2, 443, "ssl", R.uniform(0.2, 0.6), R.randint(300, 420),
                     R.randint(200, 900))
        t += 60 * R.uniform(0.9, 1.1)
    log.write(SLUG, [
        "Eight devices browse twenty HTTPS sites and send a chat heartbeat every 5 min to",
        "chat.example.com, which every device uses: periodic, but not rare. 10.0.0.13 also calls",
        "203.0.113.77 over TLS every 60 s (+-10 %, a tenth of the beats missed), an address no other",
        "device uses: one breach, citing the period and that 0 other devices use it.",
    ], [
        f"models: {SLUG}.model",
        'expect: {"model": "Compromise / SSL Beaconing to Rare Destination", "device": "10.0.0.13", '
        '"endpoint": "203.0.113.77:443", "score_min": 75, "reason_contains": "0 other devices use it (rarity 100)"}',
        "expect_count: 1",
    ])


if __name__ == "__main__":
    main()
