#!/usr/bin/env python3
"""summary: writes tests/models/new-or-repeated-to-unusual-ssl-port.test (deterministic, seed 2213)

Two working days (Monday 4 and Tuesday 5 March 2024, 08:00-18:00 UTC) of a six-device office,
analysed with a one-day learning period (no alerts on Monday, when everything is new), each TLS
connection as a tls event followed by its conn event. Every device browses (Poisson,
mean gap 15 min) twenty common HTTPS sites, and its building-management app talks MQTT over
TLS to mqtt.example.com on port 8883 a few times a day (a port outside the usual TLS ports, to
a server every device uses). Only 10.0.0.14 visits a small self-hosted site whose certificate
signs itself, on port 443. On Tuesday at 10:00 10.0.0.13 makes five TLS connections within an
hour, without a server name, to 203.0.113.160 on port 449 (Trickbot's), never used before,
whose certificate is the self-signed one Emotet's C2 servers presented.
Run: python3 tests/models/gen/new-or-repeated-to-unusual-ssl-port.py > tests/models/new-or-repeated-to-unusual-ssl-port.test
"""
import random

R = random.Random(2213)
MON = 1709510400.0  # 2024-03-04 00:00:00 UTC, a Monday
DEVICES = [f"10.0.0.{i}" for i in range(10, 16)]
SITES = [(f"198.51.100.{i}", f"www.site{i}.example.com") for i in range(1, 21)]
MQTT = ("198.51.100.120", "mqtt.example.com")
SELF = ("192.0.2.99", "photos.example.net")
C2 = "203.0.113.160"
C2_CERT = "CN=example.com,OU=IT Department,O=Global Security,L=London,ST=London,C=GB"
JA3_BROWSER = "cd08e31494f9531f560d64c695473da9"
JA3_MQTT = "3b5074b1b5d032e5620f69f9f700ff0e"
JA3_C2 = "72a589da586844d7f0818cce684948ea"
_uid = 0


def tls(out, ts, orig, resp, port, name, subject, issuer, ja3, dur, ob, rb):
    """A TLS connection: its tls event, then its conn event, as `vigil events` writes them."""
    global _uid
    _uid += 1
    uid = f"C{_uid:06d}ussl"
    oport = R.randint(49152, 65000)
    tup = {"uid": uid, "id.orig_h": orig, "id.orig_p": oport, "id.resp_h": resp, "id.resp_p": port}
    e = {"type": "tls", "ts": round(ts + 0.03, 6), **tup, "version": "TLSv12",
         "cipher": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "curve": "x25519"}
    if name:
        e["server_name"] = name
    e.update({"resumed": False, "established": True, "subject": subject, "issuer": issuer})
    if name:
        e["sni_matches_cert"] = subject == "CN=" + name
    e.update({"ja3": ja3, "client_version": "TLSv12", "sni_missing": not name,
              "self_signed": subject == issuer, "cert_expired": False, "cert_not_yet_valid": False,
              "tls13": False, "ech": False, "esni": False, "malformed": False, "truncated": False})
    if name:
        e["resp_name"] = name
    out.append((ts + 0.03, line(e)))
    d = {"type": "conn", "ts": round(ts, 6), **tup, "proto": "tcp", "service": "ssl",
         "service_port_usual": port in (443, 8443), "duration": round(dur, 6), "orig_bytes": ob,
         "resp_bytes": rb, "conn_state": "SF", "local_orig": True, "local_resp": False, "missed_bytes": 0,
         "history": "ShADadFf", "orig_pkts": 6 + ob // 1400, "orig_ip_bytes": ob + 40 * (6 + ob // 1400),
         "resp_pkts": 4 + rb // 1400, "resp_ip_bytes": rb + 40 * (4 + rb // 1400)}
    if name:
        d["resp_name"] = name
    out.append((ts + dur, line(d)))


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
    uid = f"C{_uid:06d}port"
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
         "id.resp_h": resp, "id.resp_p": port, "proto": "tcp"}
    if svc:
        usual = {"ssl": (443, 8443), "http": (80, 8000, 8008, 8080, 8888, 3128)}
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
    for day in range(2):
        t0, t1 = MON + day * 86400 + 8 * 3600, MON + day * 86400 + 18 * 3600
        for dev in DEVICES:
            t = t0 + R.uniform(0, 900)
            while t < t1:  # browsing
                ip, name = R.choice(SITES)
                tls(out, t, dev, ip, 443, name, "CN=" + name, "CN=Example RSA CA 2023,O=Example Trust,C=US",
                    JA3_BROWSER, R.uniform(0.3, 20), R.randint(600, 4000), R.randint(3000, 400000))
                t += R.expovariate(1 / 900)
            for _ in range(R.randint(2, 5)):  # MQTT over TLS, port 8883, every device
                tls(out, R.uniform(t0, t1), dev, MQTT[0], 8883, MQTT[1], "CN=" + MQTT[1],
                    "CN=Example RSA CA 2023,O=Example Trust,C=US", JA3_MQTT, R.uniform(30, 900),
                    R.randint(2000, 9000), R.randint(2000, 9000))
        for _ in range(R.randint(1, 3)):  # a self-signed site on 443, only 10.0.0.14
            tls(out, R.uniform(t0, t1), "10.0.0.14", SELF[0], 443, SELF[1], "CN=" + SELF[1], "CN=" + SELF[1],
                JA3_BROWSER, R.uniform(2, 60), R.randint(900, 3000), R.randint(90000, 3000000))
        if day == 1:
            t = t0 + 2 * 3600 + R.uniform(0, 60)
            for _ in range(5):  # the implant, port 449, no server name, self-signed
                tls(out, t, "10.0.0.13", C2, 449, None, C2_CERT, C2_CERT, JA3_C2, R.uniform(0.5, 3),
                    R.randint(600, 2500), R.randint(1800, 9000))
                t += R.uniform(300, 900)
    out.sort()
    print("# Generated by tests/models/gen/new-or-repeated-to-unusual-ssl-port.py (seed 2213); edit that, not this.")
    print("# Two working days of six devices (Monday is the learning period), tls and conn events: every")
    print("# device uses MQTT over TLS on port 8883 to one broker (an unusual TLS port, but a common")
    print("# server); 10.0.0.14 alone visits a self-signed site on port 443 (rare, but the usual port). On")
    print("# Tuesday 10.0.0.13 makes five TLS connections without a server name to 203.0.113.160 on port")
    print("# 449, self-signed: one breach (the group is the endpoint and port; the cooldown 6 h).")
    print("models: new-or-repeated-to-unusual-ssl-port.model")
    print("args: --learning-period 1d")
    print("events:")
    for _, l in out:
        print(l)
    print('expect: {"model": "Compromise / New or Repeated to Unusual SSL Port", "device": "10.0.0.13", '
          '"endpoint": "203.0.113.160:449", "score_min": 85, "reason_contains": "0 other devices use this port and 0 this endpoint (rarity 100); self-signed: yes"}')
    print("expect_count: 1")


if __name__ == "__main__":
    main()
