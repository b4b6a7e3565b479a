#!/usr/bin/env python3
"""summary: writes tests/models/suspicious-beaconing-behaviour.test (deterministic, seed 2202)

Three hours of an eight-device office (Monday 2024-03-04, 09:00-12:00 UTC): every device
browses (Poisson, mean gap 4 min) a pool of twenty common HTTPS sites and its chat client
sends a TLS heartbeat every 5 min (+-5 %) to chat.example.com, a host every device uses.
From 10:05, 10.0.0.13 also runs a sleep(30) loop (each request taking 0.1-1.2 s more) of the
same small HTTP request to 203.0.113.77:8080, an address no other device uses and that was
never looked up by DNS.
Run: python3 tests/models/gen/suspicious-beaconing-behaviour.py > tests/models/suspicious-beaconing-behaviour.test
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from officelog import Log, office_hours  # noqa: E402

SLUG = "suspicious-beaconing-behaviour"
DEVICES = [f"10.0.0.{i}" for i in range(10, 18)]
C2 = "203.0.113.77"


def main():
    log = Log(2202, "susb")
    R = log.rng
    start, end = office_hours(0, 9, 12)
    log.chat_office(DEVICES, start, end)
    t = start + 3900.0 + R.uniform(0, 30)
    for _ in range(30):  # the implant: a sleep(30) loop to a bare address, same request each time
        log.conn(t, "10.0.0.13", C2, 8080, "http", R.uniform(0.1, 0.3), 212, R.randint(150, 190))
        t += 30 + R.uniform(0.1, 1.2)
    log.write(SLUG, [
        "Eight devices browse twenty HTTPS sites, and each one's chat client sends a heartbeat every",
        "5 min (+-5 %, jitter about 0.02) to chat.example.com, which every device uses: a timer, but",
        "the organisation's normal. 10.0.0.13 also runs a sleep(30) loop of identical HTTP requests to",
        "203.0.113.77:8080, an address no other device uses and no DNS name: one breach.",
    ], [
        f"models: {SLUG}.model",
        'expect: {"model": "Compromise / Suspicious Beaconing Behaviour", "device": "10.0.0.13", '
        '"endpoint": "203.0.113.77:8080", "score_min": 85, "reason_contains": "endpoint rarity 100"}',
        "expect_count: 1",
    ])


if __name__ == "__main__":
    main()
