#!/usr/bin/env python3
"""summary: writes tests/models/sustained-ssl-or-http-increase.test (deterministic, seed 2208)

Six working days (Monday 4 to Friday 8 and Monday 11 March 2024, UTC) of an office: two
workstations browse twenty common sites over HTTPS from 08:00 to 18:00, about 8 connections an
hour each (Poisson). A build server, 10.0.0.20, fetches packages over HTTPS from a mirror pool
every afternoon, 13:00-16:00, about 55 connections an hour (Poisson): busy, but its normal. On
the last Monday from 14:05 the workstation 10.0.0.13 opens a TLS connection every 15 s
(+-30 %) to a rotating set of twelve addresses, as Emotet's C2 did, while its user goes on
browsing.
Run: python3 tests/models/gen/sustained-ssl-or-http-increase.py > tests/models/sustained-ssl-or-http-increase.test
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from officelog import MON, Log  # noqa: E402

SLUG = "sustained-ssl-or-http-increase"
DAYS = [0, 1, 2, 3, 4, 7]
WORKSTATIONS = ["10.0.0.12", "10.0.0.13"]
BUILD = "10.0.0.20"
MIRRORS = [(f"198.51.100.{i}", f"mirror{i - 100}.pkg.example.net") for i in range(101, 105)]
C2 = [f"203.0.113.{i}" for i in range(20, 32)]


def main():
    log = Log(2208, "incr")
    R = log.rng
    for day in DAYS:
        base = MON + day * 86400
        for dev in WORKSTATIONS:  # browsing, about 8 an hour
            log.browse(dev, base + 8 * 3600 + R.uniform(0, 600), base + 18 * 3600, 8 / 3600)
        t = base + 13 * 3600 + R.uniform(0, 60)
        while t < base + 16 * 3600:  # the build server's afternoon, about 55 an hour
            ip, name = R.choice(MIRRORS)
            log.conn(t, BUILD, ip, 443, "ssl", R.uniform(0.2, 6), R.randint(500, 900),
                     R.randint(20000, 3000000), name)
            t += R.expovariate(55 / 3600)
        if day == 7:
            t = base + 14 * 3600 + 300 + R.uniform(0, 30)
            while t < base + 15 * 3600:  # the implant's C2 traffic
                log.conn(t, "10.0.0.13", R.choice(C2), 443, "ssl", R.uniform(0.2, 1.5), R.randint(300, 1200),
                         R.randint(200, 6000))
                t += 15 * R.uniform(0.7, 1.3)
    log.write(SLUG, [
        "Six working days: two workstations browse (about 8 TLS connections an hour), and a build",
        "server fetches packages every afternoon (about 55 an hour: busy, but its normal, and it stays",
        "quiet). On the last Monday at 14:05 the workstation 10.0.0.13 starts a TLS connection every",
        "15 s to rotating C2 addresses: one breach, citing its learned 14:00 count.",
    ], [
        f"models: {SLUG}.model",
        'expect: {"model": "Compromise / Sustained SSL or HTTP Increase", "device": "10.0.0.13", '
        '"score_min": 80, "reason_contains": "50 TLS and HTTP connections this hour against a learned 7.4 for this hour"}',
        "expect_count: 1",
    ])


if __name__ == "__main__":
    main()
