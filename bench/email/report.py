#!/usr/bin/env python3
"""bench/email report: the table of bench/email/run.sh from its raw TSV (standard library only)."""
import argparse
import csv
import datetime
import os
import platform


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--messages", type=int, required=True)
    ap.add_argument("--mix", required=True)
    ap.add_argument("--set-id", required=True)
    ap.add_argument("--vigil-rev", required=True)
    ap.add_argument("--rspamd", required=True)
    ap.add_argument("--parallel", required=True)
    ap.add_argument("--runs", required=True)
    ap.add_argument("--dns-req", required=True)
    ap.add_argument("--txt", required=True)
    a = ap.parse_args()

    with open(a.raw) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    by = {}
    for r in rows:
        by.setdefault(r["label"], []).append(r)
    n = a.messages

    def best(label, key):
        return min(float(r[key]) for r in by[label])

    names = {
        "vigil": "vigil email DIR (1 process)",
        "rs1": "rspamd, 1 normal worker + rspamc",
        "rs2": "rspamd, 2 normal workers + rspamc",
    }
    out = []
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    loads = [float(r["load1"]) for r in rows]
    out.append(f"bench/email: vigil email vs rspamd {a.rspamd} (local, no network lookups), {now}")
    out.append(f"host: {platform.node()}, {os.cpu_count()} CPUs ({cpu_model()}), Linux {platform.release()}")
    out.append(f"vigil: {a.vigil_rev}")
    out.append(f"messages: {n:,} ({a.mix}); set {a.set_id}")
    out.append(f"rspamc -n {a.parallel} (requests in flight); best of {a.runs} runs; "
               f"1-min load average before the runs: {min(loads):.2f} to {max(loads):.2f}")
    out.append("")
    hdr = f"| {'best of ' + a.runs:<34} | {'messages':>8} | {'wall s':>8} | {'msg/s':>7} | {'CPU s':>7} | {'msg/CPU s':>9} | {'client CPU s':>12} | {'server CPU s':>12} | {'peak RSS MB':>11} |"
    out.append(hdr)
    out.append("|" + "|".join("-" * (len(c)) for c in hdr.split("|")[1:-1]) + "|")
    for label in ("vigil", "rs1", "rs2"):
        wall = best(label, "wall_s")
        cpu = best(label, "cpu_s")
        ccpu = best(label, "client_cpu_s")
        scpu = best(label, "server_cpu_s")
        rss = max(float(r["rss_kb"] or 0) for r in by[label]) / 1024
        rss_s = f"{rss:.1f}" if rss else "-"
        scpu_s = f"{scpu:.2f}" if label != "vigil" else "-"
        ccpu_s = f"{ccpu:.2f}" if label != "vigil" else "-"
        out.append(f"| {names[label]:<34} | {n:>8,} | {wall:>8.3f} | {n / wall:>7,.0f} | {cpu:>7.2f} | "
                   f"{n / cpu:>9,.0f} | {ccpu_s:>12} | {scpu_s:>12} | {rss_s:>11} |")
    out.append("")
    short = {"rs1": "vigil / rspamd 1 worker", "rs2": "vigil / rspamd 2 workers"}
    out.append(f"| {'msg/s ratio':<26} | {'wall clock':>10} | {'CPU s':>7} | target | |")
    out.append(f"|{'-' * 28}|{'-' * 12}|{'-' * 9}|--------|------------|")
    for label, tgt in (("rs1", True), ("rs2", False)):
        rw = best(label, "wall_s") / best("vigil", "wall_s")
        rc = best(label, "cpu_s") / best("vigil", "cpu_s")
        verdict = ("MET" if rw >= 10 else "**MISSED**") if tgt else "(info)"
        out.append(f"| {short[label]:<26} | {rw:>10.2f} | {rc:>7.2f} | >= 10  | {verdict:<10} |")
    out.append("")
    judged = {label: sorted({int(r["judged"]) for r in by[label]}) for label in by}
    scanned = {label: sorted({int(r["scanned"]) for r in by[label]}) for label in by}
    out.append(f"checks (every run): vigil verdicts {judged['vigil']} of {n}; rspamc results with an action "
               f"{judged['rs1']} (1 worker), {judged['rs2']} (2 workers); rspamd's own scan counter grew by "
               f"{scanned['rs1']}, {scanned['rs2']}; DNS requests by rspamd: {a.dns_req}")
    out.append("CPU s: vigil = its user + system time; rspamd = every rspamd process (main, workers, "
               "controller, hs_helper; /proc) + rspamc. Wall-clock ratios are the target's; on a busy "
               "machine the CPU-second ratios are the steadier figure.")
    if max(loads) > 1.5:
        out.append(f"WARNING: the machine was busy (1-min load up to {max(loads):.2f} on {os.cpu_count()} CPUs): other "
                   "processes competed, the figures are noisy; run again when it is idle.")
    out.append("")
    out.append("runs:")
    for r in rows:
        w = float(r["wall_s"])
        out.append(f"  {r['label']:<5} run {r['run']}: {w:7.3f} s wall, {float(r['cpu_s']):6.2f} s CPU, "
                   f"{n / w:6.0f} msg/s, load {r['load1']}")
    text = "\n".join(out) + "\n"
    print(text, end="")
    with open(a.txt, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
