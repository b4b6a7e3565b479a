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
import random

R = random.Random(2212)
MON = 1709510400.0  # 2024-03-04 00:00:00 UTC, a Monday
DEVICES = [f"10.0.0.{i}" for i in range(10, 17)]
SITES = [(f"198.51.100.{i}", f"www.site{i}.example.com") for i in range(1, 21)]
REPORTS = ("198.51.100.85", "reports.example.com")
SSH = ("192.0.2.72", "dev.example.net")
C2 = "203.0.113.140"
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
C2_UA = "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.2; WOW64; Trident/7.0; .NET4.0C; .NET4.0E)"
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


def conn(out, ts, orig, resp, port, svc, dur, ob, rb, name=None, http=None, state="SF"):
    """Appends a conn event (and its http event) as `vigil events` writes them."""
    global _uid
    _uid += 1
    uid = f"C{_uid:06d}apop"
    oport = R.randint(49152, 65000)
    if http:
        method, host, uri, ua, status = http
        h = {"type": "http", "ts": round(ts + 0.05, 6), "uid": uid, "id.orig_h": orig, "id.orig_p": oport,
             "id.resp_h": resp, "id.resp_p": port, "trans_depth": 1, "method": method, "host": host,
             "uri": uri, "version": "1.1", "user_agent": ua,
             "request_body_len": max(0, ob - 420) if method == "POST" else 0,
             "response_body_len": max(0, rb - 300), "status_code": status, "status_msg": "OK", "tags": "[]",
             "resp_content_type": "text/html; charset=utf-8", "true_type_mismatch": False}
        out.append((ts + 0.05, line(h).replace('"[]"', "[]")))
    d = {"type": "conn", "ts": round(ts, 6), "uid": uid, "id.orig_h": orig, "id.orig_p": oport,
         "id.resp_h": resp, "id.resp_p": port, "proto": "tcp"}
    if svc:
        usual = {"ssl": (443, 8443), "http": (80, 8000, 8008, 8080, 8888, 3128), "ssh": (22,)}
        d.update({"service": svc, "service_port_usual": port in usual[svc]})
    d.update({"duration": round(dur, 6), "orig_bytes": ob, "resp_bytes": rb, "conn_state": state,
         "local_orig": True, "local_resp": False, "missed_bytes": 0,
         "history": "ShADadFf" if state == "SF" else "S",
         "orig_pkts": 6 + ob // 1400, "orig_ip_bytes": ob + 40 * (6 + ob // 1400),
         "resp_pkts": 4 + rb // 1400, "resp_ip_bytes": rb + 40 * (4 + rb // 1400)})
    if state == "S0":
        d.update({"orig_pkts": 2, "orig_ip_bytes": 104, "resp_pkts": 0, "resp_ip_bytes": 0})
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
            if dev != "10.0.0.15" or day == 2:  # the reporting service, HTTP on 8081
                for _ in range(R.randint(2, 5)):
                    conn(out, R.uniform(t0, t1), dev, REPORTS[0], 8081, "http", R.uniform(0.5, 5),
                         R.randint(600, 1500), R.randint(20000, 400000), REPORTS[1],
                         ("GET", REPORTS[1] + ":8081", "/dashboard/sales", UA, 200))
        conn(out, R.uniform(t0, t1), "10.0.0.16", SSH[0], 2222, "ssh", R.uniform(300, 3000),
             R.randint(5000, 90000), R.randint(20000, 900000), SSH[1])
        if day == 2:
            t = t0 + 3 * 3600 + R.uniform(0, 60)
            for i in range(4):  # the implant's C2, HTTP POST on 7080
                conn(out, t, "10.0.0.13", C2, 7080, "http", R.uniform(0.3, 2), R.randint(700, 1300),
                     R.randint(140, 60000), None, ("POST", C2 + ":7080", f"/{R.choice(['wXh', 'Qd2', 'p8N'])}/", C2_UA, 200))
                t += R.uniform(60, 240)
    out.sort()
    print("# Generated by tests/models/gen/application-protocol-on-uncommon-port.py (seed 2212); edit that, not this.")
    print("# Three working days of seven devices (a one-day learning period): every device uses the company's")
    print("# reports.example.com, HTTP on port 8081, each day, and 10.0.0.15 first does on Wednesday (new for it,")
    print("# common in the organisation). 10.0.0.16 alone uses SSH on port 2222, every day (rare, not new for")
    print("# it). On Wednesday 10.0.0.13 POSTs to 203.0.113.140 on port 7080 four times: one breach.")
    print("models: application-protocol-on-uncommon-port.model")
    print("args: --learning-period 1d")
    print("events:")
    for _, l in out:
        print(l)
    print('expect: {"model": "Anomalous Connection / Application Protocol on Uncommon Port", "device": "10.0.0.13", '
          '"endpoint": "203.0.113.140:7080", "score_min": 70, "reason_contains": "this device had never used http on that port and 0 other devices had (rarity 100)"}')
    print("expect_count: 1")


if __name__ == "__main__":
    main()
