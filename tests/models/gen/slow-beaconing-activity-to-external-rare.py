#!/usr/bin/env python3
"""summary: writes tests/models/slow-beaconing-activity-to-external-rare.test (deterministic, seed 2203)

One working day of an eight-device office (Monday 2024-03-04, 08:00-18:00 UTC): every device
browses (Poisson, mean gap 6 min) a pool of twenty common HTTPS sites, and its software updater
checks update.example.com every hour (+-5 %), a host every device uses. From 08:40, 10.0.0.13
also calls cdn-sync.example.net (192.0.2.45), which no other device uses, about every hour
(+-10 %, one beat in ten missed) until the end of the day.
Run: python3 tests/models/gen/slow-beaconing-activity-to-external-rare.py > tests/models/slow-beaconing-activity-to-external-rare.test
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from officelog import Log, office_hours  # noqa: E402

SLUG = "slow-beaconing-activity-to-external-rare"
DEVICES = [f"10.0.0.{i}" for i in range(10, 18)]
UPDATE = ("198.51.100.60", "update.example.com")
C2 = ("192.0.2.45", "cdn-sync.example.net")


def main():
    log = Log(2203, "slow")
    R = log.rng
    t0, end = office_hours(0)
    for dev in DEVICES:
        log.browse(dev, t0 + R.uniform(0, 600), end, 1 / 360)
        # the updater: hourly, to a host everyone uses
        log.every(t0 + R.uniform(0, 3600), end, 3600, (0.95, 1.05), lambda t: log.conn(
            t, dev, UPDATE[0], 443, "ssl", R.uniform(0.2, 0.8), R.randint(700, 900),
            R.randint(2000, 6000), UPDATE[1]))
    # the implant: an hourly check-in to a host only this device uses, a tenth of the beats missed
    log.every(t0 + 2400.0 + R.uniform(0, 60), end, 3600, (0.9, 1.1), lambda t: log.conn(
        t, "10.0.0.13", C2[0], 443, "ssl", R.uniform(0.3, 1.5), R.randint(400, 700),
        R.randint(300, 2500), C2[1]), miss=0.1)
    log.write(SLUG, [
        "A working day of eight devices: browsing, and an hourly update check to update.example.com",
        "by every device (periodic, but every device uses it). 10.0.0.13 also checks in with",
        "cdn-sync.example.net (192.0.2.45) about every hour (+-10 %, a tenth of the beats missed),",
        "a host no other device uses: one breach once six check-ins have been seen.",
    ], [
        f"models: {SLUG}.model",
        'expect: {"model": "Compromise / Slow Beaconing Activity To External Rare", "device": "10.0.0.13", '
        '"endpoint": "192.0.2.45:443", "score_min": 75, "reason_contains": "0 other devices use it (rarity 100)"}',
        "expect_count: 1",
    ])


if __name__ == "__main__":
    main()
