#!/usr/bin/env python3
"""summary: writes tests/models/repeating-connections-over-4-days.test (deterministic, seed 2207)

A working week (Monday 4 to Friday 8 March 2024, 08:00-18:00 UTC) of a six-device office:
browsing (Poisson, mean gap 10 min) of twenty common sites, and every device's daily use of
crm.example.com, the company's CRM. Only 10.0.0.14 reads news.example.org, a niche site, on
three days of the five (rare, but not four days). 10.0.0.13 calls 192.0.2.60, an address not
looked up by DNS that no other device uses, two or three times a day at irregular times, every
day of the week.
Run: python3 tests/models/gen/repeating-connections-over-4-days.py > tests/models/repeating-connections-over-4-days.test
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from officelog import Log, office_hours  # noqa: E402

SLUG = "repeating-connections-over-4-days"
DEVICES = [f"10.0.0.{i}" for i in range(10, 16)]
CRM = ("198.51.100.40", "crm.example.com")
NEWS = ("198.51.100.45", "news.example.org")
C2 = "192.0.2.60"


def main():
    log = Log(2207, "rep4")
    R = log.rng
    for day in range(5):
        t0, t1 = office_hours(day)
        for dev in DEVICES:
            log.browse(dev, t0 + R.uniform(0, 900), t1, 1 / 600)
            for _ in range(R.randint(3, 8)):  # the CRM, every device, every day
                log.conn(R.uniform(t0, t1), dev, CRM[0], 443, "ssl", R.uniform(1, 60), R.randint(2000, 9000),
                         R.randint(20000, 300000), CRM[1])
        if day in (0, 2, 4):  # the niche site, three days of five
            for _ in range(R.randint(1, 3)):
                log.conn(R.uniform(t0, t1), "10.0.0.14", NEWS[0], 443, "ssl", R.uniform(1, 30),
                         R.randint(900, 2000), R.randint(50000, 900000), NEWS[1])
        for _ in range(R.randint(2, 3)):  # the implant's irregular check-ins
            log.conn(R.uniform(t0, t1), "10.0.0.13", C2, 443, "ssl", R.uniform(0.3, 2), R.randint(300, 900),
                     R.randint(200, 4000))
    log.write(SLUG, [
        "A working week of six devices: browsing, and every device on the company CRM every day (daily, but",
        "common). Only 10.0.0.14 reads a niche news site, on three days (rare, but three days). 10.0.0.13",
        "calls 192.0.2.60, which no other device uses, at irregular times every day: one breach on",
        "Thursday, its fourth day, and one on Friday (the cooldown is a day).",
    ], [
        f"models: {SLUG}.model",
        'expect: {"model": "Compromise / Repeating Connections Over 4 Days", "device": "10.0.0.13", '
        '"endpoint": "192.0.2.60:443", "score_min": 55, "score_max": 65, "reason_contains": "on 4 different days"}',
        'expect: {"model": "Compromise / Repeating Connections Over 4 Days", "device": "10.0.0.13", '
        '"endpoint": "192.0.2.60:443", "score_min": 60, "reason_contains": "on 5 different days"}',
        "expect_count: 2",
    ])


if __name__ == "__main__":
    main()
