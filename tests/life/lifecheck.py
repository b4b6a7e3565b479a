#!/usr/bin/env python3
"""summary: checks on `vigil report --json` and on saved states (tests/life helper)

  lifecheck.py beacon REPORT --value IP --min-score S --period LO HI
      PASS if some device reports a beacon to IP with beacon_score >= S and
      period_s in [LO, HI].
  lifecheck.py no-beacon REPORT [--min-devices N]
      PASS if the report lists no beacon at all (the report shows beacons
      scoring 0.70 or more) and has at least N devices (default 1), so an
      empty report cannot pass by accident.
  lifecheck.py dump STATE
      prints every row of every table of a saved state (meta by key, the
      others by slot), every column, blobs in hex: two states are equal in
      content when their dumps are.

Output: "PASS <check>: <detail>" or "FAIL <check>: <detail>"; exit status 0
on PASS, 1 on FAIL, 2 if an input cannot be read.
"""
import argparse
import json
import sqlite3
import sys


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"FAIL read {path}: {e}")
        sys.exit(2)


def beacons(rep):
    for d in rep.get("devices", []):
        for b in d.get("beacons", []):
            yield d["device"], b


def cmd_beacon(a):
    rep = load(a.report)
    seen = []
    for dev, b in beacons(rep):
        if b["value"] != a.value:
            continue
        seen.append(f"{dev}->{b['value']} score {b['beacon_score']:.3f} period {b['period_s']:.3f} s")
        if b["beacon_score"] >= a.min_score and a.period[0] <= b["period_s"] <= a.period[1]:
            print(f"PASS beacon {a.value}: {seen[-1]}")
            return 0
    print(f"FAIL beacon {a.value}: want score >= {a.min_score} and period in "
          f"[{a.period[0]}, {a.period[1]}] s; report has {seen or 'no beacon to it'}")
    return 1


def cmd_no_beacon(a):
    rep = load(a.report)
    found = [f"{dev}->{b['value']} score {b['beacon_score']:.3f} period {b['period_s']:.3f} s"
             for dev, b in beacons(rep)]
    ndev = len(rep.get("devices", []))
    conns = sum(d.get("connections", 0) for d in rep.get("devices", []))
    if found:
        print(f"FAIL no beacon: {found}")
        return 1
    if ndev < a.min_devices:
        print(f"FAIL no beacon: only {ndev} devices (want >= {a.min_devices}): wrong --internal?")
        return 1
    print(f"PASS no beacon: {ndev} devices, {conns} connections, no beacon >= 0.70")
    return 0


def cmd_dump(a):
    try:
        db = sqlite3.connect(f"file:{a.state}?mode=ro", uri=True)
        for table, order in (("meta", "k"), ("devices", "slot"), ("entities", "slot"),
                             ("pairs", "slot"), ("series", "slot")):
            for row in db.execute(f"SELECT * FROM {table} ORDER BY {order}"):
                cols = [c.hex() if isinstance(c, bytes) else repr(c) for c in row]
                print(table, *cols)
    except sqlite3.Error as e:
        print(f"FAIL dump {a.state}: {e}")
        return 2
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("beacon")
    b.add_argument("report")
    b.add_argument("--value", required=True)
    b.add_argument("--min-score", type=float, required=True)
    b.add_argument("--period", type=float, nargs=2, required=True)
    n = sub.add_parser("no-beacon")
    n.add_argument("report")
    n.add_argument("--min-devices", type=int, default=1)
    d = sub.add_parser("dump")
    d.add_argument("state")
    a = p.parse_args()
    return {"beacon": cmd_beacon, "no-beacon": cmd_no_beacon, "dump": cmd_dump}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
