#!/usr/bin/env python3
"""summary: runs one model test written as data (tests/models/*.test)

A .test file holds, one directive per line (# starts a comment):

    models: FILE.model | all       the model definitions to load (from models/)
    args: --internal 10.0.0.0/8     extra arguments for vigil analyze (optional)
    mail: DIR/FILE.eml [ARGS...]    first judged and learned by vigil email (path relative to
                                    tests/models/, ARGS for vigil email), in the state the
                                    events are then analysed with: one memory for both
    events:                         then one JSON event per line, as `vigil events` writes them
    {"type": "conn", "ts": ..., ...}
    expect: {"model": "...", "device": "...", "score_min": 60, "score_max": 100, ...}
    expect_none: MODEL NAME         no breach of that model may be raised
    expect_none: {"model": "...", "device": "..."}   no breach matching every listed field
    expect_count: N                 exactly N breaches in all

An expect line passes when at least one breach has every listed field equal (score_min and
score_max bound the score; "reason_contains" is a substring of the reason). The events are
replayed through `vigil analyze`, exactly as events of a capture are judged.
"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 2:
        print("usage: run.py FILE.test", file=sys.stderr)
        return 2
    path = sys.argv[1]
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    vigil = os.environ.get("VIGIL", os.path.join(repo, "build", "vigil"))
    models_dir = os.path.join(repo, "models")
    models, args, events, expects, nones, count = None, [], [], [], [], None
    mail = []
    in_events = False
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if in_events and line.lstrip().startswith("{"):
                json.loads(line)  # a malformed event is a broken test, not a skipped line
                events.append(line)
                continue
            key, _, val = line.partition(":")
            key, val = key.strip(), val.strip()
            in_events = False
            if key == "models":
                models = models_dir if val == "all" else os.path.join(models_dir, val)
            elif key == "args":
                args = val.split()
            elif key == "mail":
                mail = val.split()
                mail[0] = os.path.join(os.path.dirname(os.path.abspath(path)), mail[0])
            elif key == "events":
                in_events = True
            elif key == "expect":
                expects.append(json.loads(val))
            elif key == "expect_none":
                nones.append(json.loads(val) if val.startswith("{") else {"model": val})
            elif key == "expect_count":
                count = int(val)
            else:
                print(f"{path}:{n}: unknown directive '{key}'", file=sys.stderr)
                return 2
    if not models or not events or not (expects or nones or count is not None):
        print(f"{path}: needs models, events and at least one expectation", file=sys.stderr)
        return 2
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmpdir:
        evfile = os.path.join(tmpdir, "events.jsonl")
        with open(evfile, "w") as tmp:
            tmp.write("\n".join(events) + "\n")
        state = []
        if mail:
            state = ["--state", os.path.join(tmpdir, "state.db")]
            em = subprocess.run([vigil, "email", *state, *mail[1:], mail[0]],
                                capture_output=True, text=True, timeout=60)
            if em.returncode != 0 or not em.stdout.strip():
                print(f"FAIL vigil email on {mail[0]}: exit {em.returncode} {em.stderr.strip()[:300]}")
                return 1
            print(f"ok   vigil email judged {len(em.stdout.splitlines())} message(s) into the state")
        run = subprocess.run([vigil, "analyze", "--models", models, "--alerts", "-", *state, *args,
                              evfile], capture_output=True, text=True, timeout=60)

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok   {what}")
        else:
            failed += 1
            print(f"FAIL {what}")

    check(run.returncode == 0, f"vigil analyze exit status {run.returncode} {run.stderr.strip()[:300]}")
    breaches = [json.loads(l) for l in run.stdout.splitlines() if l.strip()]
    def matches(b, exp):
        for k, v in exp.items():
            if k == "score_min":
                if b["score"] < v:
                    return False
            elif k == "score_max":
                if b["score"] > v:
                    return False
            elif k == "reason_contains":
                if v not in b.get("reason", ""):
                    return False
            elif b.get(k) != v:
                return False
        return True

    for exp in expects:
        got = [b for b in breaches if matches(b, exp)]
        check(bool(got), f"expect {json.dumps(exp)}"
              + ("" if got else f"; breaches were: {[(b['model'], b['score'], b.get('endpoint')) for b in breaches]}"))
    for none in nones:
        bad = [b for b in breaches if matches(b, none)]
        check(not bad, f"no breach matching {json.dumps(none)}"
              + (f"; got {bad[0]['model']} {bad[0]['score']}: {bad[0]['reason']}" if bad else ""))
    if count is not None:
        check(len(breaches) == count, f"{count} breaches in all (got {len(breaches)})")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
