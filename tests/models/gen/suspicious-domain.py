#!/usr/bin/env python3
"""summary: writes tests/models/suspicious-domain.test (seed 108)

One office day: ten devices look up and open ordinary sites. Beside them, what looks random
but is not a generator: a browser's start-up probes (three random single-label names, all
NXDOMAIN, within a second), a device fetching from CDNs and telemetry hosts whose labels are
random under a known domain, and advertising hosts with consonant-heavy names that resolve.
At 14:10 one device looks up generated names of letters only, one every 10-40 s, all failing
but the last: one breach (cooldown 6 h).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlife import DAY, HOUR, T0, Stream, devices, write  # noqa: E402

SLUG = "suspicious-domain"
s = Stream(108)
devs = devices(10)
day = T0 + 1 * DAY  # Tuesday
s.office_days(devs, 1, visits=(3, 6), first_day=1)
rng = s.rng
LOWER = "abcdefghijklmnopqrstuvwxyz"
CONS = "bcdfghjklmnpqrstvwxz"


def rand_label(n, vowel_p):
    return "".join(rng.choice("aeiou") if rng.random() < vowel_p else rng.choice(CONS) for _ in range(n))


# a browser starting up on 10.0.1.12: three random single-label probes, NXDOMAIN
t = day + 8 * HOUR + 41 * 60 + 3.2
for i in range(3):
    s.dns(t + i * 0.04, "10.0.1.12", "".join(rng.choice(LOWER) for _ in range(rng.randint(7, 15))),
          [], rcode="NXDOMAIN")
# CDN and telemetry names: random labels under known domains
t = day + 10 * HOUR + 15 * 60
for i in range(12):
    label = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(13))
    name = f"{label}.{rng.choice(['cdn.example.com', 'telemetry.example.org', 'edge.example.net'])}"
    s.dns(t + i * 47.0, "10.0.1.17", name, [f"198.51.100.{130 + i % 5}"])
# advertising hosts with consonant-heavy names, all answered
t = day + 11 * HOUR + 2 * 60
for i, name in enumerate(["crwdcntrl.example", "trkmtrx.test", "bkrtxcdn.example", "pxlsrvr.test"]):
    s.dns(t + i * 3.5, "10.0.1.19", name, [f"198.51.100.{140 + i}"], ttl=60)
# 14:10: a generator's names of letters only, one every 10-40 s; the last resolves
t = day + 14 * HOUR + 10 * 60 + 7.7
for i in range(18):
    name = rand_label(rng.randint(12, 16), 0.12) + rng.choice([".example", ".test"])
    last = i == 17
    s.dns(t, "10.0.1.21", name, ["203.0.113.99"] if last else [], rcode="NOERROR" if last else "NXDOMAIN")
    t += rng.uniform(10, 40)
write(sys.argv[1] if len(sys.argv) > 1 else None, [
    "Generated domain names: a browser's three random single-label probes at start-up",
    "(NXDOMAIN), random labels under known CDN and telemetry domains, and consonant-heavy",
    "advertising names that resolve raise nothing; a device looking up generated names of",
    "letters only, one every 10-40 s and nearly all failing, breaches once (cooldown 6 h).",
    f"Made by tests/models/gen/{SLUG}.py (python3 gen/{SLUG}.py > {SLUG}.test).",
], [
    f"models: {SLUG}.model",
    'expect: {"model": "Device / Suspicious Domain", "device": "10.0.1.21", "score_min": 60, "reason_contains": "3 look-ups of random-looking domain names within an hour"}',
    "expect_count: 1",
], s)
