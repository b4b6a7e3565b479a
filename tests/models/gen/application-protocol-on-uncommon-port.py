#!/usr/bin/env python3
"""summary: writes tests/models/application-protocol-on-uncommon-port.test (deterministic, seed 2212)

Three working days (Monday 4 to Wednesday 6 March 2024, 08:00-18:00 UTC) of a seven-device
office, analysed with a one-day learning period (no alerts on Monday). Every device browses
(Poisson, mean gap 10 min) twenty common sites and opens the company's reporting service,
reports.example.com, which serves HTTP on port 8081 (not an HTTP port vigil counts as usual),
a few times a day; 10.0.0.15 opens it for the first time on Wednesday (new for the device, but
every other device uses it). Only 10.0.0.16 logs in to its own server over SSH on port 2222,
every day (rare, but not new for the device). On Wednesday at 11:00 10.0.0.13 POSTs to
203.0.113.140 on port 7080 over HTTP, as Emotet's C2 did, four times in ten minutes.
Run: python3 tests/models/gen/application-protocol-on-uncommon-port.py > tests/models/application-protocol-on-uncommon-port.test
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from officelog import CHROME_UA as UA, Log, office_hours  # noqa: E402

SLUG = "application-protocol-on-uncommon-port"
DEVICES = [f"10.0.0.{i}" for i in range(10, 17)]
REPORTS = ("198.51.100.85", "reports.example.com")
SSH = ("192.0.2.72", "dev.example.net")
C2 = "203.0.113.140"
C2_UA = "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.2; WOW64; Trident/7.0; .NET4.0C; .NET4.0E)"


def main():
    log = Log(2212, "apop")
    R = log.rng
    for day in range(3):
        t0, t1 = office_hours(day)
        for dev in DEVICES:
            log.browse(dev, t0 + R.uniform(0, 900), t1, 1 / 600)
            if dev != "10.0.0.15" or day == 2:  # the reporting service, HTTP on 8081
                for _ in range(R.randint(2, 5)):
                    log.conn(R.uniform(t0, t1), dev, REPORTS[0], 8081, "http", R.uniform(0.5, 5),
                             R.randint(600, 1500), R.randint(20000, 400000), REPORTS[1],
                             ("GET", REPORTS[1] + ":8081", "/dashboard/sales", UA, 200))
        log.conn(R.uniform(t0, t1), "10.0.0.16", SSH[0], 2222, "ssh", R.uniform(300, 3000),
                 R.randint(5000, 90000), R.randint(20000, 900000), SSH[1])
        if day == 2:
            t = t0 + 3 * 3600 + R.uniform(0, 60)
            for i in range(4):  # the implant's C2, HTTP POST on 7080
                log.conn(t, "10.0.0.13", C2, 7080, "http", R.uniform(0.3, 2), R.randint(700, 1300),
                         R.randint(140, 60000), None, ("POST", C2 + ":7080", f"/{R.choice(['wXh', 'Qd2', 'p8N'])}/", C2_UA, 200))
                t += R.uniform(60, 240)
    log.write(SLUG, [
        "Three working days of seven devices (a one-day learning period): every device uses the company's",
        "reports.example.com, HTTP on port 8081, each day, and 10.0.0.15 first does on Wednesday (new for it,",
        "common in the organisation). 10.0.0.16 alone uses SSH on port 2222, every day (rare, not new for",
        "it). On Wednesday 10.0.0.13 POSTs to 203.0.113.140 on port 7080 four times: one breach.",
    ], [
        f"models: {SLUG}.model",
        "args: --learning-period 1d",
        'expect: {"model": "Anomalous Connection / Application Protocol on Uncommon Port", "device": "10.0.0.13", '
        '"endpoint": "203.0.113.140:7080", "score_min": 70, "reason_contains": "this device had never used http on that port and 0 other devices had (rarity 100)"}',
        "expect_count: 1",
    ])


if __name__ == "__main__":
    main()
