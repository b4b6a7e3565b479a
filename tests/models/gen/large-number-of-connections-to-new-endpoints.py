#!/usr/bin/env python3
"""summary: writes tests/models/large-number-of-connections-to-new-endpoints.test (deterministic, seed 2209)

Six working days (Monday 4 to Friday 8 and Monday 11 March 2024, UTC) of an office: two
workstations browse from 08:00 to 18:00 (Poisson, about 8 connections an hour), mostly twenty
sites they know, one visit in eight to one of a hundred other sites (so a few endpoints a day
are new to each). A market-research workstation, 10.0.0.21, spends every afternoon hour from
15:00 visiting about 32 sites it has never visited (Poisson): many new endpoints, but its
normal. On the last Monday from 15:05 the workstation 10.0.0.13 connects over TLS to a
different address every 20 s (+-30 %), 150 addresses in all, as a malware's peer list or a
spam module's servers would make it.
Run: python3 tests/models/gen/large-number-of-connections-to-new-endpoints.py > tests/models/large-number-of-connections-to-new-endpoints.test
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from officelog import MON, SITES, Log  # noqa: E402

SLUG = "large-number-of-connections-to-new-endpoints"
DAYS = [0, 1, 2, 3, 4, 7]
WORKSTATIONS = ["10.0.0.12", "10.0.0.13"]
RESEARCH = "10.0.0.21"
OTHER = [(f"198.51.100.{i}", f"www.site{i}.example.net") for i in range(100, 200)]
RESEARCHED = [(f"192.0.2.{i}", f"shop{i}.example.org") for i in range(1, 255)]
PEERS = [f"203.0.113.{i}" for i in range(1, 255)]


def poisson(R, mean):
    k, p, limit = 0, 1.0, math.exp(-mean)
    while True:
        p *= R.random()
        if p <= limit:
            return k
        k += 1


def main():
    log = Log(2209, "newe")
    R = log.rng
    researched = RESEARCHED[:]
    R.shuffle(researched)
    peers = PEERS[:]
    R.shuffle(peers)
    for day in DAYS:
        base = MON + day * 86400
        for dev in WORKSTATIONS + [RESEARCH]:  # browsing, about 8 an hour, one visit in eight a new site
            log.browse(dev, base + 8 * 3600 + R.uniform(0, 600), base + 18 * 3600, 8 / 3600,
                       pick=lambda: R.choice(OTHER) if R.random() < 0.125 else R.choice(SITES))
        for _ in range(poisson(R, 32)):  # the research hour: sites this device never visited
            ip, name = researched.pop()
            log.conn(base + 15 * 3600 + R.uniform(0, 3590), RESEARCH, ip, 443, "ssl", R.uniform(0.5, 30),
                     R.randint(700, 3000), R.randint(20000, 900000), name)
        if day == 7:
            t = base + 15 * 3600 + 300 + R.uniform(0, 30)
            for ip in peers[:150]:  # the implant's peer list
                log.conn(t, "10.0.0.13", ip, 443, "ssl", R.uniform(0.2, 1.5), R.randint(300, 1200),
                         R.randint(200, 6000))
                t += 20 * R.uniform(0.7, 1.3)
    log.write(SLUG, [
        "Six working days: two workstations browse, meeting a few new sites a day; a market-research",
        "workstation visits about 32 sites it never visited every afternoon at 15:00 (many new endpoints,",
        "but its normal: no breach). On the last Monday at 15:05 the workstation 10.0.0.13 connects to a",
        "new address every 20 s: one breach, citing its learned count of new endpoints at 15:00.",
    ], [
        f"models: {SLUG}.model",
        'expect: {"model": "Device / Large Number of Connections to New Endpoints", "device": "10.0.0.13", '
        '"score_min": 80, "reason_contains": "30 external endpoints new to this device this hour, against a learned 0.6 for this hour"}',
        "expect_count: 1",
    ])


if __name__ == "__main__":
    main()
