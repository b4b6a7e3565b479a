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
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from officelog import CA, Log, office_hours  # noqa: E402

SLUG = "new-or-repeated-to-unusual-ssl-port"
DEVICES = [f"10.0.0.{i}" for i in range(10, 16)]
MQTT = ("198.51.100.120", "mqtt.example.com")
SELF = ("192.0.2.99", "photos.example.net")
C2 = "203.0.113.160"
C2_CERT = "CN=example.com,OU=IT Department,O=Global Security,L=London,ST=London,C=GB"
JA3_BROWSER = "cd08e31494f9531f560d64c695473da9"
JA3_MQTT = "3b5074b1b5d032e5620f69f9f700ff0e"
JA3_C2 = "72a589da586844d7f0818cce684948ea"


def main():
    log = Log(2213, "ussl")
    R = log.rng
    for day in range(2):
        t0, t1 = office_hours(day)
        for dev in DEVICES:
            log.browse(dev, t0 + R.uniform(0, 900), t1, 1 / 900, ja3=JA3_BROWSER)
            for _ in range(R.randint(2, 5)):  # MQTT over TLS, port 8883, every device
                log.tls(R.uniform(t0, t1), dev, MQTT[0], 8883, MQTT[1], "CN=" + MQTT[1], CA, JA3_MQTT,
                        R.uniform(30, 900), R.randint(2000, 9000), R.randint(2000, 9000))
        for _ in range(R.randint(1, 3)):  # a self-signed site on 443, only 10.0.0.14
            log.tls(R.uniform(t0, t1), "10.0.0.14", SELF[0], 443, SELF[1], "CN=" + SELF[1], "CN=" + SELF[1],
                    JA3_BROWSER, R.uniform(2, 60), R.randint(900, 3000), R.randint(90000, 3000000))
        if day == 1:
            t = t0 + 2 * 3600 + R.uniform(0, 60)
            for _ in range(5):  # the implant, port 449, no server name, self-signed
                log.tls(t, "10.0.0.13", C2, 449, None, C2_CERT, C2_CERT, JA3_C2, R.uniform(0.5, 3),
                        R.randint(600, 2500), R.randint(1800, 9000))
                t += R.uniform(300, 900)
    log.write(SLUG, [
        "Two working days of six devices (Monday is the learning period), tls and conn events: every",
        "device uses MQTT over TLS on port 8883 to one broker (an unusual TLS port, but a common",
        "server); 10.0.0.14 alone visits a self-signed site on port 443 (rare, but the usual port). On",
        "Tuesday 10.0.0.13 makes five TLS connections without a server name to 203.0.113.160 on port",
        "449, self-signed: one breach (the group is the endpoint and port; the cooldown 6 h).",
    ], [
        f"models: {SLUG}.model",
        "args: --learning-period 1d",
        'expect: {"model": "Compromise / New or Repeated to Unusual SSL Port", "device": "10.0.0.13", '
        '"endpoint": "203.0.113.160:449", "score_min": 85, "reason_contains": "0 other devices use this port and 0 this endpoint (rarity 100); self-signed: yes"}',
        "expect_count: 1",
    ])


if __name__ == "__main__":
    main()
