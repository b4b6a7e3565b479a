#!/usr/bin/env python3
"""summary: writes tests/models/long-agent-connection-to-new-endpoint.test (deterministic, seed 2206)

Three working days (Monday 4 to Wednesday 6 March 2024, 08:00-18:00 UTC) of an eight-device
office. Every device browses (Poisson, mean gap 10 min) twenty common sites and, all day, its
mail client holds a push connection to push.example.com open (after a short login call), with a
keep-alive every 30-60 s. vigil's sensor reports a connection longer than --active-timeout
(3600 s) in pieces: each piece is a conn event that starts when the last one ended, its duration
the time to its last packet before the hour was up (so just under 3600 s), the first with the
handshake in its history, the others without ("Dd"), the last with the close. This generator
writes them as the sensor does. Only 10.0.0.16 uses home.example.net, over SSH: briefly on
Monday, and on Wednesday for two hours (rare and long, but known for two days). On
Wednesday 10.0.0.12 downloads an ISO for 20 minutes from a
mirror no other device uses (new and rare, but short), and from 10:20 10.0.0.13 holds a
connection to 203.0.113.55:8443, an address never seen before and not looked up by DNS, for
three hours (keep-alive every 20-40 s).
Run: python3 tests/models/gen/long-agent-connection-to-new-endpoint.py > tests/models/long-agent-connection-to-new-endpoint.test
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from officelog import Log, office_hours  # noqa: E402

SLUG = "long-agent-connection-to-new-endpoint"
ACTIVE = 3600.0     # vigil analyze --active-timeout (the default)
DEVICES = [f"10.0.0.{i}" for i in range(10, 18)]
PUSH = ("198.51.100.90", "push.example.com")
MIRROR = ("192.0.2.33", "mirror.example.org")
HOME = ("192.0.2.70", "home.example.net")
C2 = "203.0.113.55"


def long_conn(log, start, end, orig, resp, port, svc, gap, name=None):
    """A connection from start to end with a packet every gap() seconds, in the sensor's pieces."""
    times = [start]
    while times[-1] + 1 < end:
        times.append(min(end, times[-1] + gap()))
    oport = log.oport()
    pieces, cur = [], [times[0]]
    for t in times[1:]:
        if t - cur[0] >= ACTIVE:
            pieces.append(cur)
            cur = [t]
        else:
            cur.append(t)
    pieces.append(cur)
    for i, p in enumerate(pieces):
        first, last = i == 0, i == len(pieces) - 1
        n = len(p)
        ob, rb = 120 * n + (600 if first else 0), 150 * n + (4000 if first else 0)
        d = {"type": "conn", "ts": round(p[0], 6), "uid": log.uid(), "id.orig_h": orig,
             "id.orig_p": oport, "id.resp_h": resp, "id.resp_p": port, "proto": "tcp"}
        if svc and first:
            d["service"] = svc
            d["service_port_usual"] = True
        d.update({"duration": round(p[-1] - p[0] + (0.1 if last else 0.05), 6), "orig_bytes": ob,
                  "resp_bytes": rb, "conn_state": "SF" if last else ("S1" if first else "OTH"),
                  "local_orig": True, "local_resp": False, "missed_bytes": 0,
                  "history": ("ShADad" if first else "Dd") + ("FfA" if last else ""),
                  "orig_pkts": n + 2, "orig_ip_bytes": ob + 52 * (n + 2), "resp_pkts": n + 1,
                  "resp_ip_bytes": rb + 52 * (n + 1)})
        if name:
            d["resp_name"] = name
        log.add(p[-1], d)


def main():
    log = Log(2206, "long")
    R = log.rng
    for day in range(3):
        t0, t1 = office_hours(day)
        for dev in DEVICES:
            t = t0 + R.uniform(0, 900)
            log.conn(t, dev, PUSH[0], 443, "ssl", R.uniform(0.5, 2), R.randint(1500, 3000),
                     R.randint(20000, 60000), PUSH[1])  # the mail client logs in
            long_conn(log, t + 3, t1 + R.uniform(0, 1800), dev, PUSH[0], 443, "ssl",
                      lambda: R.uniform(30, 60), PUSH[1])
            log.browse(dev, t, t1, 1 / 600)
        if day == 0:  # 10.0.0.16, and no other device, logs in to a server of its own over SSH
            log.conn(t0 + 5 * 3600 + 321.0, "10.0.0.16", HOME[0], 22, "ssh", 412.7, 5200, 48000, HOME[1])
        if day == 2:
            t = t0 + 4 * 3600 + R.uniform(0, 600)  # ... and on Wednesday works there for two hours
            long_conn(log, t, t + 2 * 3600 + R.uniform(0, 600), "10.0.0.16", HOME[0], 22, "ssh",
                      lambda: R.uniform(1, 90), HOME[1])
            t = t0 + 3600 + R.uniform(0, 600)  # a 20-minute download from a new mirror
            log.conn(t, "10.0.0.12", MIRROR[0], 443, "ssl", 1212.5, 1800000, 4700000000,
                     MIRROR[1])
            t = t0 + 2 * 3600 + 1200 + R.uniform(0, 60)  # the agent's channel, held three hours
            long_conn(log, t, t + 3 * 3600 + R.uniform(0, 600), "10.0.0.13", C2, 8443, "ssl",
                      lambda: R.uniform(20, 40))
    log.write(SLUG, [
        "Three working days of eight devices; each holds a push connection to push.example.com all day,",
        "reported as the sensor reports long connections: in pieces just under the active timeout",
        "(3600 s). 10.0.0.16 alone uses an SSH server, briefly on Monday and for two hours on Wednesday",
        "(rare and long, but not new). On Wednesday 10.0.0.12 downloads for 20 minutes from a mirror",
        "nobody else uses (new, but short), and 10.0.0.13 holds a connection to 203.0.113.55:8443, never",
        "seen before, for three hours: one breach, on its first piece.",
    ], [
        f"models: {SLUG}.model",
        'expect: {"model": "Device / Long Agent Connection to New Endpoint", "device": "10.0.0.13", '
        '"endpoint": "203.0.113.55:8443", "score_min": 70, "reason_contains": "an endpoint 0 other devices use (rarity 100)"}',
        "expect_count: 1",
    ])


if __name__ == "__main__":
    main()
