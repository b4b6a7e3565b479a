#!/usr/bin/env python3
"""summary: writes tests/models/multiple-connections-to-new-external-tcp-port.test (deterministic, seed 2211)

Two working days (Monday 4 and Tuesday 5 March 2024, 08:00-18:00 UTC) of a six-device office:
browsing (Poisson, mean gap 10 min) of twenty common sites over 443, and every device's
messaging client connecting to its push service on TCP 5228 a few times a day (a port outside
the usual web and mail ports, but one every device uses every day). Only 10.0.0.15 uses its
NAS at home on TCP 5001: twice on Monday, five times within an hour on Tuesday (rare, but not
new). At 09:00 on Tuesday every device joins an all-hands meeting on a conferencing service on
TCP 8801 and reconnects a few times (new, but every device uses it). On Tuesday 10.0.0.16
opens one connection to a web service on TCP 8081 it was sent a link to (new to the
organisation, but once). From 10:00 on Tuesday 10.0.0.13 connects six times in 25 minutes
to 203.0.113.120 on TCP 447 (a port Trickbot's C2 used), a port no device had used.
Run: python3 tests/models/gen/multiple-connections-to-new-external-tcp-port.py > tests/models/multiple-connections-to-new-external-tcp-port.test
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from officelog import Log, office_hours  # noqa: E402

SLUG = "multiple-connections-to-new-external-tcp-port"
DEVICES = [f"10.0.0.{i}" for i in range(10, 16)] + ["10.0.0.16"]
PUSH = [(f"198.51.100.{i}", "push.example.com") for i in (91, 92, 93)]
LINK = ("192.0.2.81", "forms.example.org")
CONF = ("198.51.100.95", "meet.example.com")
NAS = ("192.0.2.90", "nas.example.net")
C2 = "203.0.113.120"


def main():
    log = Log(2211, "port")
    R = log.rng
    for day in range(2):
        t0, t1 = office_hours(day)
        for dev in DEVICES:
            log.browse(dev, t0 + R.uniform(0, 900), t1, 1 / 600)
            for _ in range(R.randint(3, 6)):  # the push service, TCP 5228, every device every day
                ip, name = R.choice(PUSH)
                log.conn(R.uniform(t0, t1), dev, ip, 5228, "ssl", R.uniform(30, 1800), R.randint(2000, 9000),
                         R.randint(2000, 20000), name)
        if day == 0:  # 10.0.0.15's own NAS on TCP 5001, twice on Monday
            for h in (1, 6):
                log.conn(t0 + h * 3600 + R.uniform(0, 600), "10.0.0.15", NAS[0], 5001, "ssl", R.uniform(5, 120),
                         R.randint(2000, 9000), R.randint(20000, 900000), NAS[1])
        if day == 1:
            t = t0 + 6 * 3600 + R.uniform(0, 300)
            for _ in range(5):  # ... and five times within the hour on Tuesday afternoon
                log.conn(t, "10.0.0.15", NAS[0], 5001, "ssl", R.uniform(5, 120), R.randint(2000, 9000),
                         R.randint(20000, 900000), NAS[1])
                t += R.uniform(200, 700)
            for dev in DEVICES:  # the all-hands meeting on a new conferencing service, TCP 8801
                t = t0 + 3600 + R.uniform(-60, 120)
                for _ in range(R.randint(3, 5)):
                    log.conn(t, dev, CONF[0], 8801, None, R.uniform(60, 900), R.randint(90000, 900000),
                             R.randint(900000, 9000000), CONF[1])
                    t += R.uniform(60, 600)
            log.conn(t0 + 5 * 3600 + 17.25, "10.0.0.16", LINK[0], 8081, "http", 2.5, 900, 35000, LINK[1],
                     ("GET", LINK[1] + ":8081", "/form/3481", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", 200))
            t = t0 + 2 * 3600 + R.uniform(0, 60)
            for i in range(6):  # the implant, TCP 447
                log.conn(t, "10.0.0.13", C2, 447, "ssl" if i % 3 else None, R.uniform(0.5, 4) if i % 3 else 3.0,
                         R.randint(400, 1500) if i % 3 else 0, R.randint(300, 4000) if i % 3 else 0,
                         state="SF" if i % 3 else "S0")
                t += R.uniform(120, 400)
    log.write(SLUG, [
        "Two working days of seven devices: browsing, and every device's push client on TCP 5228 every day",
        "(an unusual port, but the organisation's normal). 10.0.0.15 alone uses TCP 5001 since Monday",
        "(rare, not new); on Tuesday every device joins a meeting on TCP 8801 (new, not rare), 10.0.0.16",
        "opens one link to a service on TCP 8081 (new, but once), and 10.0.0.13 connects six times in",
        "25 minutes to 203.0.113.120 on TCP 447, a port nobody had used: one breach, at the third.",
    ], [
        f"models: {SLUG}.model",
        'expect: {"model": "Anomalous Connection / Multiple Connections to New External TCP Port", "device": "10.0.0.13", '
        '"endpoint": "203.0.113.120:447", "score_min": 55, "reason_contains": "first used this port 0.0 days ago and 0 other devices use it"}',
        "expect_count: 1",
    ])


if __name__ == "__main__":
    main()
