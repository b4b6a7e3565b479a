#!/usr/bin/env python3
"""summary: writes tests/models/agent-beacon-to-new-endpoint.test (deterministic, seed 2204)

Three working days (Monday 4 to Wednesday 6 March 2024, 08:00-18:00 UTC) of an eight-device
office: browsing (Poisson, mean gap 10 min) of twenty common sites, and an hourly HTTP update
check by every device to update.example.com (periodic, but every device polls it alike). Since
Monday morning 10.0.0.15, and no other device, reads status.example.org a few times a day; on
Wednesday afternoon it leaves it open in a dashboard that reloads it over HTTP every 2 min: periodic, to a
rare endpoint, but one the organisation has known for two days. On
Wednesday at 10:00 10.0.0.13 starts polling http://203.0.113.80/ (never seen before) every
5 min (+-10 %) with one user agent.
Run: python3 tests/models/gen/agent-beacon-to-new-endpoint.py > tests/models/agent-beacon-to-new-endpoint.test
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from officelog import CHROME_UA as UA, Log, office_hours  # noqa: E402

SLUG = "agent-beacon-to-new-endpoint"
DEVICES = [f"10.0.0.{i}" for i in range(10, 18)]
UPDATE = ("198.51.100.60", "update.example.com")
STATUS = ("198.51.100.70", "status.example.org")
C2 = "203.0.113.80"
AGENT_UA = "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0)"


def main():
    log = Log(2204, "agnt")
    R = log.rng

    def status(t):  # 10.0.0.15 reads the status page
        log.conn(t, "10.0.0.15", STATUS[0], 80, "http", R.uniform(0.2, 1), R.randint(400, 600),
                 R.randint(8000, 9000), STATUS[1], ("GET", STATUS[1], "/", UA, 200))

    for day in range(3):
        t0, t1 = office_hours(day)
        for dev in DEVICES:
            log.browse(dev, t0 + R.uniform(0, 900), t1, 1 / 600)
            # the updater: hourly, plain HTTP, a host everyone uses
            log.every(t0 + R.uniform(0, 3600), t1, 3600, (0.95, 1.05), lambda t: log.conn(
                t, dev, UPDATE[0], 80, "http", R.uniform(0.1, 0.5), R.randint(300, 340),
                R.randint(500, 700), UPDATE[1], ("GET", UPDATE[1], "/check?v=5.2.1", "ExampleUpdater/5.2", 200)))
        t = t0 + R.uniform(600, 1800)
        while t < t1:  # only 10.0.0.15 reads the status page, a few times a day
            status(t)
            t += R.expovariate(1 / 9000)
        if day == 2:
            # a dashboard reloading a page known since Monday
            log.every(t0 + 6 * 3600 + R.uniform(0, 60), t0 + 9 * 3600, 120, (0.97, 1.03), status)
            t = t0 + 2 * 3600 + R.uniform(0, 60)
            for i in range(20):  # the agent: a new endpoint, polled every 5 min
                log.conn(t, "10.0.0.13", C2, 80, "http", R.uniform(0.2, 0.9), R.randint(220, 260),
                         R.randint(180, 400), None, ("GET", C2, f"/{i % 3}/index.php", AGENT_UA, 200))
                t += 300 * R.uniform(0.9, 1.1)
    log.write(SLUG, [
        "Three working days of eight devices: browsing, and an hourly HTTP update check every device makes",
        "alike (periodic, new to the organisation on Monday, but common). Only 10.0.0.15 reads",
        "status.example.org, since Monday; on Wednesday its dashboard reloads it every 2 min (periodic and",
        "rare, but known for two days). On Wednesday 10.0.0.13 starts polling 203.0.113.80, first met",
        "that morning, every 5 min (+-10 %) with one user agent: one breach.",
    ], [
        f"models: {SLUG}.model",
        'expect: {"model": "Compromise / Agent Beacon to New Endpoint", "device": "10.0.0.13", '
        '"endpoint": "203.0.113.80:80", "score_min": 75, "reason_contains": "first met this endpoint 0.0 days ago"}',
        "expect_count: 1",
    ])


if __name__ == "__main__":
    main()
