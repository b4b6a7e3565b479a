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
import random

R = random.Random(2204)
MON = 1709510400.0  # 2024-03-04 00:00:00 UTC, a Monday
DEVICES = [f"10.0.0.{i}" for i in range(10, 18)]
SITES = [(f"198.51.100.{i}", f"www.site{i}.example.com") for i in range(1, 21)]
UPDATE = ("198.51.100.60", "update.example.com")
STATUS = ("198.51.100.70", "status.example.org")
C2 = "203.0.113.80"
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
AGENT_UA = "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0)"
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
    uid = f"C{_uid:06d}agnt"
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
    for day in range(3):
        t0, t1 = MON + day * 86400 + 8 * 3600, MON + day * 86400 + 18 * 3600
        for dev in DEVICES:
            t = t0 + R.uniform(0, 900)
            while t < t1:  # browsing
                ip, name = R.choice(SITES)
                conn(out, t, dev, ip, 443, "ssl", R.uniform(0.3, 20), R.randint(600, 4000),
                     R.randint(3000, 400000), name)
                t += R.expovariate(1 / 600)
            t = t0 + R.uniform(0, 3600)
            while t < t1:  # the updater: hourly, plain HTTP, a host everyone uses
                conn(out, t, dev, UPDATE[0], 80, "http", R.uniform(0.1, 0.5), R.randint(300, 340),
                     R.randint(500, 700), UPDATE[1],
                     ("GET", UPDATE[1], "/check?v=5.2.1", "ExampleUpdater/5.2", 200))
                t += 3600 * R.uniform(0.95, 1.05)
        t = t0 + R.uniform(600, 1800)
        while t < t1:  # only 10.0.0.15 reads the status page, a few times a day
            conn(out, t, "10.0.0.15", STATUS[0], 80, "http", R.uniform(0.2, 1), R.randint(400, 600),
                 R.randint(8000, 9000), STATUS[1], ("GET", STATUS[1], "/", UA, 200))
            t += R.expovariate(1 / 9000)
        if day == 2:
            t = t0 + 6 * 3600 + R.uniform(0, 60)
            while t < t0 + 9 * 3600:  # a dashboard reloading a page known since Monday
                conn(out, t, "10.0.0.15", STATUS[0], 80, "http", R.uniform(0.2, 1), R.randint(400, 600),
                     R.randint(8000, 9000), STATUS[1], ("GET", STATUS[1], "/", UA, 200))
                t += 120 * R.uniform(0.97, 1.03)
            t = t0 + 2 * 3600 + R.uniform(0, 60)
            for i in range(20):  # the agent: a new endpoint, polled every 5 min
                conn(out, t, "10.0.0.13", C2, 80, "http", R.uniform(0.2, 0.9), R.randint(220, 260),
                     R.randint(180, 400), None, ("GET", C2, f"/{i % 3}/index.php", AGENT_UA, 200))
                t += 300 * R.uniform(0.9, 1.1)
    out.sort()
    print("# Generated by tests/models/gen/agent-beacon-to-new-endpoint.py (seed 2204); edit that, not this.")
    print("# Three working days of eight devices: browsing, and an hourly HTTP update check every device makes")
    print("# alike (periodic, new to the organisation on Monday, but common). Only 10.0.0.15 reads")
    print("# status.example.org, since Monday; on Wednesday its dashboard reloads it every 2 min (periodic and")
    print("# rare, but known for two days). On Wednesday 10.0.0.13 starts polling 203.0.113.80, first met")
    print("# that morning, every 5 min (+-10 %) with one user agent: one breach.")
    print("models: agent-beacon-to-new-endpoint.model")
    print("events:")
    for _, l in out:
        print(l)
    print('expect: {"model": "Compromise / Agent Beacon to New Endpoint", "device": "10.0.0.13", '
          '"endpoint": "203.0.113.80:80", "score_min": 75, "reason_contains": "first met this endpoint 0.0 days ago"}')
    print("expect_count: 1")


if __name__ == "__main__":
    main()
