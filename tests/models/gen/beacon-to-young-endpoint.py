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
import random

R = random.Random(2205)
MON = 1709510400.0  # 2024-03-04 00:00:00 UTC, a Monday
DAYS = [0, 1, 2, 3, 4, 7, 8]  # Mon-Fri, then Mon and Tue of the next week
DEVICES = [f"10.0.0.{i}" for i in range(10, 16)]
SITES = [(f"198.51.100.{i}", f"www.site{i}.example.com") for i in range(1, 21)]
UPDATE = ("198.51.100.60", "update.example.com")
BACKUP = ("198.51.100.80", "backup.example.net")
C2 = "203.0.113.90"
_uid = 0


def line(d):
    parts = []
    for k, v in d.items():
        if isinstance(v, bool):
            s = "true" if v else "false"
        elif isinstance(v, float):
            s = f"{v:.6f}"
        elif isinstance(v, int):
            s = str(v)
        else:
            s = '"' + v + '"'
        parts.append(f'"{k}":{s}')
    return "{" + ",".join(parts) + "}"


def conn(out, ts, orig, resp, port, svc, dur, ob, rb, name=None, http=None):
    """Appends a conn event (and its http event) as `vigil events` writes them."""
    global _uid
    _uid += 1
    uid = f"C{_uid:06d}yng"
    oport = R.randint(49152, 65000)
    if http:
        method, host, uri, ua, status = http
        h = {"type": "http", "ts": round(ts + 0.05, 6), "uid": uid, "id.orig_h": orig, "id.orig_p": oport,
             "id.resp_h": resp, "id.resp_p": port, "trans_depth": 1, "method": method, "host": host,
             "uri": uri, "version": "1.1", "user_agent": ua, "request_body_len": 0,
             "response_body_len": max(0, rb - 300), "status_code": status, "status_msg": "OK", "tags": "[]",
             "resp_content_type": "text/html; charset=utf-8", "true_type_mismatch": False}
        out.append((ts + 0.05, line(h).replace('"[]"', "[]")))
    d = {"type": "conn", "ts": round(ts, 6), "uid": uid, "id.orig_h": orig, "id.orig_p": oport,
         "id.resp_h": resp, "id.resp_p": port, "proto": "tcp", "service": svc, "service_port_usual": True,
         "duration": round(dur, 6), "orig_bytes": ob, "resp_bytes": rb, "conn_state": "SF",
         "local_orig": True, "local_resp": False, "missed_bytes": 0, "history": "ShADadFf",
         "orig_pkts": 6 + ob // 1400, "orig_ip_bytes": ob + 40 * (6 + ob // 1400),
         "resp_pkts": 4 + rb // 1400, "resp_ip_bytes": rb + 40 * (4 + rb // 1400)}
    if name:
        d["resp_name"] = name
    out.append((ts + dur, line(d)))


def main():
    out = []
    for day in DAYS:
        t0, t1 = MON + day * 86400 + 8 * 3600, MON + day * 86400 + 18 * 3600
        for dev in DEVICES:
            t = t0 + R.uniform(0, 900)
            while t < t1:  # browsing
                ip, name = R.choice(SITES)
                conn(out, t, dev, ip, 443, "ssl", R.uniform(0.3, 20), R.randint(600, 4000),
                     R.randint(3000, 400000), name)
                t += R.expovariate(1 / 1200)
            t = t0 + R.uniform(0, 3600)
            while t < t1:  # the updater: hourly, a host everyone uses
                conn(out, t, dev, UPDATE[0], 443, "ssl", R.uniform(0.1, 0.5), R.randint(600, 700),
                     R.randint(2000, 4000), UPDATE[1])
                t += 3600 * R.uniform(0.95, 1.05)
        if day < 8:  # the backup client: a nightly-style run at a random time of the day
            t = t0 + R.uniform(0, 8 * 3600) if day else t0 + 600
            for _ in range(R.randint(2, 4)):
                conn(out, t, "10.0.0.15", BACKUP[0], 443, "ssl", R.uniform(5, 60), R.randint(20000, 900000),
                     R.randint(2000, 9000), BACKUP[1])
                t += R.uniform(30, 300)
        else:  # on the last day it syncs every 10 min
            t = t0 + 3600 + R.uniform(0, 60)
            while t < t0 + 5 * 3600:
                conn(out, t, "10.0.0.15", BACKUP[0], 443, "ssl", R.uniform(1, 8), R.randint(3000, 60000),
                     R.randint(1500, 3000), BACKUP[1])
                t += 600 * R.uniform(0.95, 1.05)
        if day == 4:  # Friday: the dropper's one call
            conn(out, t0 + 4 * 3600 + 1234.5, "10.0.0.13", C2, 443, "ssl", 2.4, 900, 310000)
        if day == 8:
            t = t0 + 2 * 3600 + R.uniform(0, 60)
            while t < t0 + 7 * 3600:  # the implant
                if R.random() >= 0.1:
                    conn(out, t, "10.0.0.13", C2, 443, "ssl", R.uniform(0.3, 1.2), R.randint(350, 500),
                         R.randint(200, 1500))
                t += 900 * R.uniform(0.9, 1.1)
    out.sort()
    print("# Generated by tests/models/gen/beacon-to-young-endpoint.py (seed 2205); edit that, not this.")
    print("# Seven working days of six devices: browsing and an hourly update check every device makes alike.")
    print("# Only 10.0.0.15 uses backup.example.net, since the first day; on the last day its client syncs")
    print("# every 10 min (periodic and rare, but known for eight days). 10.0.0.13 called 203.0.113.90 once")
    print("# four days before, and on the last day calls it every 15 min (+-10 %): one breach.")
    print("models: beacon-to-young-endpoint.model")
    print("events:")
    for _, l in out:
        print(l)
    print('expect: {"model": "Compromise / Beacon to Young Endpoint", "device": "10.0.0.13", '
          '"endpoint": "203.0.113.90:443", "score_min": 70, "reason_contains": "is 4.0 days old to the organisation and 0 other devices use it"}')
    print("expect_count: 1")


if __name__ == "__main__":
    main()
