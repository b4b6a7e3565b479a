#!/usr/bin/env python3
"""summary: writes tests/models/possible-outbound-spam.test (seed 113)

Three days (Mon-Wed) of an office: ten workstations browse and submit their mail to the mail
provider's submission server (one external server, port 587); the organisation's own mail
server, 10.0.0.25, delivers outbound mail straight to recipients' MX servers on port 25 all
day and night, ten to twenty deliveries an hour by day, a few at night, to many different
servers. A user sends a mail merge of 40 messages through the provider. On Wednesday at 10:31 a workstation starts delivering mail itself, to 45 different
MX servers within 25 minutes: only that breaches, once (cooldown 6 h).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlife import DAY, HOUR, T0, Stream, devices, write  # noqa: E402

SLUG = "possible-outbound-spam"
s = Stream(113)
rng = s.rng
devs = devices(10)
s.office_days(devs, 3, visits=(1, 2))
MX = [f"192.0.2.{i}" for i in range(100, 200)] + [f"203.0.113.{i}" for i in range(150, 250)]
RELAY = "10.0.0.25"


def poisson(lam):
    # Knuth's method: enough for the small rates here
    import math
    L, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= L:
            return k
        k += 1


def delivery(ts, orig, mx, state="SF"):
    uid = s.uid()
    ok = state == "SF"
    s.conn(ts, orig, s.port(orig), mx, 25, uid, service="smtp" if ok else None,
           duration=rng.uniform(0.8, 4.5) if ok else rng.uniform(0.0, 3.0),
           ob=rng.randrange(2500, 60000) if ok else 0, rb=rng.randrange(480, 900) if ok else 0,
           state=state, history="ShAdDaTFf" if ok else ("Sr" if state == "REJ" else "S"))


# the mail server: outbound deliveries around the clock, by day and by night
for h in range(3 * 24):
    hour = h % 24
    lam = 15 if 7 <= hour < 19 else 2
    for _ in range(poisson(lam)):
        delivery(T0 + h * HOUR + rng.random() * HOUR, RELAY, rng.choice(MX))
# workstations submit to the provider: one external server, port 587
SUB = ("smtp.example.net", "198.51.100.11")
for d in range(3):
    for dev in devs:
        for _ in range(rng.randint(1, 5)):
            ts = T0 + d * DAY + 8 * HOUR + rng.random() * 9 * HOUR
            s.dns(ts, dev, SUB[0], [SUB[1]])
            s.conn(ts + 0.05, dev, s.port(dev), SUB[1], 587, s.uid(), service="ssl",
                   duration=rng.uniform(0.6, 3.0), ob=rng.randrange(3000, 250000), rb=4100,
                   resp_name=SUB[0])
# Wednesday 14:02: a user's mail merge, 40 messages through the provider's one server
t = T0 + 2 * DAY + 14 * HOUR + 2 * 60 + 40.0
s.dns(t, "10.0.1.13", SUB[0], [SUB[1]])
for i in range(40):
    s.conn(t + 0.05, "10.0.1.13", s.port("10.0.1.13"), SUB[1], 587, s.uid(), service="ssl",
           duration=rng.uniform(0.5, 1.5), ob=rng.randrange(24000, 31000), rb=3900, resp_name=SUB[0])
    t += rng.uniform(20, 70)
# Wednesday 10:31: a workstation delivers mail itself, to 45 MX servers in 25 minutes
t = T0 + 2 * DAY + 10 * HOUR + 31 * 60 + 12.0
for i, mx in enumerate(rng.sample(MX, 45)):
    state = "SF" if rng.random() < 0.8 else rng.choice(["REJ", "S0"])
    delivery(t, "10.0.1.16", mx, state)
    t += rng.uniform(10, 57)
write(sys.argv[1] if len(sys.argv) > 1 else None, [
    "SMTP to many external mail servers: the organisation's mail server delivering its usual",
    "volume (10-20 deliveries an hour by day, to many different MX servers) and workstations",
    "submitting mail to their provider's one server (one of them a mail merge of 40 messages",
    "in half an hour) raise nothing; a workstation that never",
    "sent SMTP outside delivering to 45 different MX servers within 25 minutes breaches once.",
    f"Made by tests/models/gen/{SLUG}.py (python3 gen/{SLUG}.py > {SLUG}.test);",
    "a learning period of two days, as a deployment would have, covers the first sightings.",
], [
    f"models: {SLUG}.model",
    "args: --learning-period 2d",
    'expect: {"model": "Anomalous Connection / Possible Outbound Spam", "device": "10.0.1.16", "score_min": 65, "reason_contains": "this device\'s usual SMTP connections at this hour: 0."}',
    "expect_count: 1",
], s)
