#!/usr/bin/env python3
"""summary: writes tests/models/smb-session-bruteforce.test (deterministic, seed 2210)

A Monday morning (4 March 2024, 08:50-09:30 UTC) at an office with a file server,
FS01 (10.0.0.2). Ten workstations log on to it over SMB 2.1 with NTLM as their users arrive,
each logon a challenge round (STATUS_MORE_PROCESSING_REQUIRED, no success field) then
STATUS_SUCCESS, and map a share; each makes 2 to 5 such sessions. One user, on 10.0.0.14, mistypes
the password twice (two STATUS_LOGON_FAILURE) before logging on. At 09:12, 10.0.0.31 tries 14
account names with one password each against FS01, a new TCP connection per try, 8 to 20 s
apart, as a password sprayer does (each fails with STATUS_LOGON_FAILURE).
Run: python3 tests/models/gen/smb-session-bruteforce.py > tests/models/smb-session-bruteforce.test
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from officelog import Log  # noqa: E402

SLUG = "smb-session-bruteforce"
T0 = 1709542200.0  # 2024-03-04 08:50:00 UTC, a Monday
FS = "10.0.0.2"
SERVER = {"server_nb_computer_name": "FS01", "server_dns_computer_name": "fs01.corp.example.com",
          "server_tree_name": "corp.example.com"}
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
SPRAY = ["administrator", "admin", "backup", "scanner", "sql", "test", "guest", "user", "helpdesk",
         "svc_backup", "operator", "support", "it", "print"]


def session(log, t, orig, results, user, host, tree=True):
    """One TCP connection to FS01: negotiate, then per result a challenge round and the result."""
    R = log.rng
    tup = {"uid": log.uid(), "id.orig_h": orig, "id.orig_p": log.oport(), "id.resp_h": FS, "id.resp_p": 445}
    ev = []
    ts = t + 0.001
    ev.append(dict(type="smb", ts=ts, **tup, action="negotiate", version=2, dialect="SMB 2.1"))
    fails = oks = 0
    for ok in results:
        ts += R.uniform(0.001, 0.004)
        ev.append(dict(type="smb", ts=ts, **tup, action="session_setup", status="0xc0000016",
                       status_name="STATUS_MORE_PROCESSING_REQUIRED", auth="ntlm", **SERVER))
        ts += R.uniform(0.002, 0.03)
        res = dict(status="0x00000000", status_name="STATUS_SUCCESS", success=True) if ok else \
            dict(status="0xc000006d", status_name="STATUS_LOGON_FAILURE", success=False)
        ev.append(dict(type="smb", ts=ts, **tup, action="session_setup", **res, auth="ntlm", username=user,
                       domain="CORP", hostname=host, **SERVER))
        oks, fails = oks + ok, fails + (not ok)
        if not ok:
            ts += R.uniform(1.5, 6) if orig != "10.0.0.31" else 0
    trees = 0
    if tree and results[-1]:
        ts += R.uniform(0.002, 0.01)
        ev.append(dict(type="smb", ts=ts, **tup, action="tree_connect", status="0x00000000",
                       status_name="STATUS_SUCCESS", success=True, path="\\\\FS01\\Shared", share_type="DISK"))
        trees = 1
    end = ts + (R.uniform(5, 600) if results[-1] else 0.002)
    ev.append(dict(type="smb", ts=end, **tup, action="summary", version=2, dialect="SMB 2.1", encrypted=False,
                   messages=2 + 2 * len(results) + 2 * trees, malformed=0, encrypted_messages=0,
                   session_setup_successes=oks, session_setup_failures=fails,
                   session_setup_rounds=len(results), usernames=[user], trees=trees, tree_failures=0,
                   files_opened=0, file_open_failures=0, files_deleted=0))
    ob, rb = 600 + 400 * len(results) + R.randint(0, 30000) * trees, 900 + 450 * len(results) + R.randint(0, 90000) * trees
    ev.append(dict(type="conn", ts=t, **tup, proto="tcp", service="smb", service_port_usual=True,
                   duration=round(end - t + 0.0005, 6), orig_bytes=ob, resp_bytes=rb, conn_state="SF",
                   local_orig=True, local_resp=True, missed_bytes=0, history="ShADadFf",
                   orig_pkts=8 + 2 * len(results), orig_ip_bytes=ob + 52 * (8 + 2 * len(results)),
                   resp_pkts=7 + 2 * len(results), resp_ip_bytes=rb + 52 * (7 + 2 * len(results))))
    for e in ev:
        e["ts"] = round(e["ts"], 6)
        log.add(end if e["type"] != "smb" or e["action"] == "summary" else e["ts"], e)


def main():
    log = Log(2210, "smbb")
    R = log.rng
    for i, user in enumerate(USERS):
        dev = f"10.0.0.{11 + i}"
        t = T0 + R.uniform(0, 1500)
        for s in range(R.randint(2, 5)):
            if dev == "10.0.0.14" and s == 0:
                session(log, t, dev, [False, False, True], user, f"WS{11 + i:02d}")  # two typos
            else:
                session(log, t, dev, [True], user, f"WS{11 + i:02d}")
            t += R.uniform(20, 600)
    t = T0 + 1320 + R.uniform(0, 10)
    for user in SPRAY:
        session(log, t, "10.0.0.31", [False], user, "KALI", tree=False)
        t += R.uniform(8, 20)
    log.write(SLUG, [
        "Ten workstations log on to the file server FS01 as their users arrive: challenge rounds",
        "(STATUS_MORE_PROCESSING_REQUIRED, no success field) and successes, two typed-wrong passwords on",
        "10.0.0.14. 10.0.0.31 sprays 14 account names at FS01, a connection per try: one breach, at the",
        "fifth failure (cooldown 1 h).",
    ], [
        f"models: {SLUG}.model",
        'expect: {"model": "Device / SMB Session Bruteforce", "device": "10.0.0.31", "endpoint": "10.0.0.2:445", '
        '"score_min": 65, "reason_contains": "5 failed SMB session setups within ten minutes to 10.0.0.2 (last STATUS_LOGON_FAILURE, user sql)"}',
        "expect_count: 1",
    ])


if __name__ == "__main__":
    main()
