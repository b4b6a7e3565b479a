#!/usr/bin/env python3
"""summary: writes tests/models/beacon-to-young-endpoint.test (deterministic, seed 2205)

Seven working days (Monday 4 to Tuesday 12 March 2024, no weekend traffic, 08:00-18:00 UTC)
of a six-device office: browsing (Poisson, mean gap 20 min) of twenty common sites and an hourly
update check by every device to update.example.com. Only 10.0.0.15 uses backup.example.net,
since Monday 4 March; on Tuesday 12 March its backup client syncs every 10 min (+-5 %):
periodic and rare, but the organisation has known the endpoint for eight days. 10.0.0.13
contacted 203.0.113.90 once on Friday 8 March (a dropper's first call) and on Tuesday 12 March
calls it over TLS every 15 min (+-10 %, a few beats missed).
Run: python3 tests/models/gen/beacon-to-young-endpoint.py > tests/models/beacon-to-young-endpoint.test
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from officelog import Log, office_hours  # noqa: E402

SLUG = "beacon-to-young-endpoint"
DAYS = [0, 1, 2, 3, 4, 7, 8]  # Mon-Fri, then Mon and Tue of the next week
DEVICES = [f"10.0.0.{i}" for i in range(10, 16)]
UPDATE = ("198.51.100.60", "update.example.com")
BACKUP = ("198.51.100.80", "backup.example.net")
C2 = "203.0.113.90"


def main():
    log = Log(2205, "yng")
    R = log.rng
    for day in DAYS:
        t0, t1 = office_hours(day)
        for dev in DEVICES:
            log.browse(dev, t0 + R.uniform(0, 900), t1, 1 / 1200)
            # the updater: hourly, a host everyone uses
            log.every(t0 + R.uniform(0, 3600), t1, 3600, (0.95, 1.05), lambda t: log.conn(
                t, dev, UPDATE[0], 443, "ssl", R.uniform(0.1, 0.5), R.randint(600, 700),
                R.randint(2000, 4000), UPDATE[1]))
        if day < 8:  # the backup client: a nightly-style run at a random time of the day
            t = t0 + R.uniform(0, 8 * 3600) if day else t0 + 600
            for _ in range(R.randint(2, 4)):
                log.conn(t, "10.0.0.15", BACKUP[0], 443, "ssl", R.uniform(5, 60), R.randint(20000, 900000),
                         R.randint(2000, 9000), BACKUP[1])
                t += R.uniform(30, 300)
        else:  # on the last day it syncs every 10 min
            log.every(t0 + 3600 + R.uniform(0, 60), t0 + 5 * 3600, 600, (0.95, 1.05), lambda t: log.conn(
                t, "10.0.0.15", BACKUP[0], 443, "ssl", R.uniform(1, 8), R.randint(3000, 60000),
                R.randint(1500, 3000), BACKUP[1]))
        if day == 4:  # Friday: the dropper's one call
            log.conn(t0 + 4 * 3600 + 1234.5, "10.0.0.13", C2, 443, "ssl", 2.4, 900, 310000)
        if day == 8:  # the implant, a tenth of the beats missed
            log.every(t0 + 2 * 3600 + R.uniform(0, 60), t0 + 7 * 3600, 900, (0.9, 1.1), lambda t: log.conn(
                t, "10.0.0.13", C2, 443, "ssl", R.uniform(0.3, 1.2), R.randint(350, 500),
                R.randint(200, 1500)), miss=0.1)
    log.write(SLUG, [
        "Seven working days of six devices: browsing and an hourly update check every device makes alike.",
        "Only 10.0.0.15 uses backup.example.net, since the first day; on the last day its client syncs",
        "every 10 min (periodic and rare, but known for eight days). 10.0.0.13 called 203.0.113.90 once",
        "four days before, and on the last day calls it every 15 min (+-10 %): one breach.",
    ], [
        f"models: {SLUG}.model",
        'expect: {"model": "Compromise / Beacon to Young Endpoint", "device": "10.0.0.13", '
        '"endpoint": "203.0.113.90:443", "score_min": 70, "reason_contains": "is 4.0 days old to the organisation and 0 other devices use it"}',
        "expect_count: 1",
    ])


if __name__ == "__main__":
    main()
