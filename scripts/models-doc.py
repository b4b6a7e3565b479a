#!/usr/bin/env python3
"""summary: writes docs/models.md from models/*.model and example breaches

usage: scripts/models-doc.py [--out FILE] BREACHES.jsonl ...   (stdout without --out)
       scripts/models-doc.py --check docs/models.md

Normally run by scripts/models-doc.sh, which collects the breaches. The reference part (format,
names, functions) is kept here beside the generator; each model's section (name, description,
file, event type, stage, definition, reason) is read from its definition file, so the
documentation cannot drift from the models. The example breach of each model is picked from the
given JSON lines (breaches of `vigil analyze`, each carrying a "doc_source" object added by
models-doc.sh: {"kind": "malware"|"benign"|"office-week"|"test", "name": ..., "cmd": ...}):
a breach on a shared malware capture first, then an office week, then a benign capture, then the
events of a model test; within a kind the highest score; ties broken by source, time, device and
endpoint so the output depends on nothing but its input.

--check FILE regenerates the page with the examples (and the closing section) already in FILE
and compares: it exits 1 with a diff when the parts generated from models/*.model (or the
reference part) differ, without collecting examples again.
"""
import difflib
import glob
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HEAD = r"""# Models

A model turns the learned normal into breaches. Every model named in
`../shared/docs/mission.md` is a definition file in `models/`, read when `vigil analyze` starts
(`--models PATH` or `$VIGIL_MODELS` chooses another directory or file). A definition that
cannot be read is refused with its file and line, and vigil stops:

```
vigil: models/exe.model:7: 'hots.rarity': unknown namespace 'hots' (see docs/models.md)
```

This page is generated: `scripts/models-doc.sh` collects real example breaches and runs
`scripts/models-doc.py`, which reads each model's section from its definition file. Do not edit
it by hand; after changing a model, run `scripts/models-doc.sh` (`tests/detect/test_models_doc.sh`
fails while this page and `models/*.model` disagree).

## The format

One directive per line; a line starting with white space continues the previous one; `#`
starts a comment. A file may hold several models.

| directive | meaning |
|---|---|
| `model "NAME"` | starts a model; NAME is the exact name from mission.md |
| `description "TEXT"` | one sentence: what it detects |
| `on TYPE` | the event type it judges: `conn`, `tls`, `x509`, `http`, `files`, `dns`, `smtp`, `smb`, `kerberos`, `ssh`, or `breach` (evaluated after each breach of a device: chain models) |
| `where EXPR` | a condition; several `where` lines must all hold |
| `count N within DURATION [distinct EXPR]` | fire only when N matching events (or N distinct values of EXPR) fell within DURATION for the group |
| `group EXPR[, EXPR]` | the key beside the device for counts and cooldowns (default: the device alone) |
| `cooldown DURATION` | at most one breach per group per DURATION (default 1h) |
| `min_score N` | breaches scoring less than N are not raised |
| `stage NAME` | the attack stage for the breach chain: `delivery`, `exploit`, `c2`, `recon`, `lateral`, `spam`, `exfil`, `none` |
| `score EXPR` | 0 to 100 (clamped); 0 or less raises nothing |
| `reason "TEMPLATE"` | plain words; `{EXPR}` is replaced by its value, `{EXPR:.1f}` with that many decimals |
| `metrics EXPR, ...` | extra values shown with the breach; every name used in `where` and `score` is shown anyway |

Durations: `30s`, `10m`, `6h`, `2d`.

## Expressions

`or`, `and`, `not`; `==`, `!=`, `<`, `<=`, `>`, `>=`; `+`, `-`, `*`, `/`; numbers (a duration
literal such as `2h` is a number of seconds), `"strings"`, `true`, `false`, names and function
calls. A name the event does not have is *missing*: a comparison with it is false (a model never
fires on absent evidence), and in arithmetic it counts as 0 (one absent field does not silence a
score). Booleans count as 1 and 0 in arithmetic.

### Names

| name | value |
|---|---|
| any field of the event, as `vigil events` prints it | `server_name`, `id.resp_p`, `user_agent`, `conn_state`, `self_signed`, ... A field with several values (an array) reads as its values joined by `, ` |
| `resp.external`, `resp.internal`, `orig.internal` | where the endpoints stand: inside the organisation's networks (`--internal`), or a learned device |
| `learning` | still within the learning period |
| `KIND.ATTR` | what the pattern of life knew of the event's endpoint *before* the event. KIND: `ip`, `host`, `domain`, `port`, `ja3`, `ua`, `issuer`, `service` |
| `beacon.ATTR`, `hbeacon.ATTR` | the periodicity of this device's connections to the IP (`beacon`) or hostname (`hbeacon`), this connection included |
| `org.devices`, `org.confidence` | devices active within the learning window; how much history backs rarity (0..1: grows with devices, to 10, and history, to 3 days) |
| `device.age_days` | days since the device was first seen |
| `hour.METRIC`, `baseline.METRIC`, `surprise.METRIC`, `confidence.METRIC` | the device's count this hour; the count its learned baseline expects at this hour of this kind of day; how surprising the count is, as -log10 of its upper tail probability (4 = a one-in-ten-thousand hour); how much history backs the baseline (0..1) |
| `window.count`, `window.span` | with `count`: events (or distinct values) in the window, and seconds they span |
| `chain.stages`, `chain.breaches`, `chain.models`, `chain.max_score`, `chain.span` | on `breach` models: the device's breaches of score 50 or more within 48 hours |

`ATTR` of an endpoint: `known`, `new_for_org`, `new_for_device`, `young` (first seen by the
organisation less than 7 days ago), `age_days`, `other_devices` (other devices that used it within
the window), `device_connections`, `device_days` (distinct days this device used it),
`rarity` (0..100: 100 when no other device used it; see docs/pattern-of-life.md), and for
domains `in_mail`, `mail_age_days` (the domain arrived by mail).

`ATTR` of a beacon: `score` (0..1), `period` (seconds), `jitter` (MAD / median of the gaps),
`connections`, `span`, `skew_score`, `madm_score`, `hist_score`, `size_score`.

`METRIC`: `connections`, `external_connections`, `external_kbytes_out`,
`new_external_endpoints`, `failed_connections`, `smb_internal_peers`, `internal_peers`,
`smtp_connections`, `tls_http_connections`.

### Functions

`has(x)` (x is not missing), `if(cond, a, b)` (a when cond holds, else b; only the branch
taken is evaluated), `len(s)`, `lower(s)`, `concat(a, b, ...)`, `contains(s, t)`,
`icontains(s, t)`, `starts_with(s, t)`, `ends_with(s, t)`, `iends_with(s, t)`,
`matches(s, "regex")` (POSIX extended, compiled when the model is loaded), `in(x, a, b, ...)`,
`min(a, b)`, `max(a, b)`, `abs(x)`, `clamp(x, lo, hi)`, `ext(s)` (the file extension, lower
case), `domain(s)` (the registrable domain, from the public suffix list), `is_ip(s)`,
`entropy(s)` (bits per character), `randomness(s)` (0..1: how machine-generated a name looks:
short lower-case runs cut by capitals or digits, digits wedged between letters, few vowels, long
consonant runs, high entropy; measured on the last path segment's stem).

## Scores

A score says how unusual the behaviour is against the learned normal and how much history
backs that judgement. Rarity-driven parts are weighed by `org.confidence` where a cold capture
(no history) would make everything look new; intrinsic marks (a self-signed certificate with no
server name, an executable with a generated name, a timer-like beacon) count in full, so a
capture analysed cold still flags them, while ordinary browsing stays below 60.

A device's threat score combines its breaches: each adds `1 - (1 - T)(1 - score/100)`, and the
threat decays with a half-life of 24 hours of event time. A device's breaches with no gap longer
than 24 hours form an incident. `vigil report` ranks devices by threat.

## The models
"""

TAIL_HEADING = "## Where the examples come from"
EXAMPLE_MARKS = ("Example breach", "No example breach")
KIND_RANK = {"malware": 0, "office-week": 1, "benign": 2, "test": 3}


def strip_comment(line):
    """Cuts a '#' comment outside quotes, as src/models/model.c does."""
    inq = False
    for i, c in enumerate(line):
        if c == '"' and (i == 0 or line[i - 1] != "\\"):
            inq = not inq
        if c == "#" and not inq:
            return line[:i]
    return line


def parse(path):
    """Models of one file: for each, its directives in file order as (key, value, text):
    value with continuation lines joined by one space (as the loader reads it), text as the
    file lays it out (comments cut, continuation lines kept)."""
    models, cur, last = [], None, None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = strip_comment(raw.rstrip("\r\n")).rstrip()
            if not line.strip():
                last = None  # a blank or comment line ends a directive, as in the loader
                continue
            if line[0] in " \t":
                if last is None:
                    sys.exit(f"models-doc.py: {path}: continuation line without a directive")
                k, v, t = last
                last = (k, v + " " + line.strip(), t + "\n" + line)
                cur["directives"][-1] = last
                continue
            k, v = (line.split(None, 1) + [""])[:2]
            if k == "model":
                cur = {"file": os.path.relpath(path, REPO), "directives": []}
                models.append(cur)
            elif cur is None:
                sys.exit(f"models-doc.py: {path}: '{k}' before any model")
            last = (k, v.strip(), line)
            cur["directives"].append(last)
    for m in models:
        for k, v, _ in m["directives"]:
            m.setdefault(k, v)
    return models


def unq(s):
    return s[1:-1].replace('\\"', '"') if len(s) >= 2 and s.startswith('"') and s.endswith('"') else s


def load_models():
    models = []
    for f in sorted(glob.glob(os.path.join(REPO, "models", "*.model"))):
        models.extend(parse(f))
    models.sort(key=lambda m: unq(m["model"]))
    return models


def source_phrase(src):
    kind, name = src.get("kind"), src.get("name", "")
    if kind in ("malware", "benign"):
        return f"on the shared capture `../shared/data/pcap/{name}`, analysed cold"
    if kind == "office-week":
        return f"on the office week `{name}` composed by `../shared/tools/make-office-week` (see the end of this page)"
    if kind == "test":
        return f"on the events of the model test `{name}`"
    return f"on {name}"


def example_text(b):
    shown = {k: b[k] for k in ("time", "device", "model", "score", "endpoint", "hostname", "reason", "metrics") if k in b}
    return "\n".join([
        f"Example breach (real output of `vigil analyze` {source_phrase(b.get('doc_source', {}))}):\n",
        "```json",
        json.dumps(shown, ensure_ascii=False),
        "```\n",
    ])


NO_EXAMPLE = ("No example breach: neither the shared captures, the office weeks nor the events of "
              "`tests/models/` breach this model.\n")


def section(m, example):
    name = unq(m["model"])
    desc = unq(m.get("description", "")).rstrip(".")
    out = [f"### {name}\n", f"{desc}.\n",
           f"File `{m['file']}`; judges `{m.get('on', '?')}` events; stage `{m.get('stage', 'none')}`.\n",
           "```"]
    for k, _, text in m["directives"]:
        if k not in ("model", "description", "on", "stage", "reason"):
            out.append(text)
    out.append("```")
    out.append(f"Reason: {unq(m.get('reason', ''))}\n")
    out.append(example)
    return "\n".join(out)


def tail_text(breaches, examples):
    """The closing section: how the examples were collected, and every source that breached."""
    used = {}
    for b in breaches:
        s = b.get("doc_source", {})
        used.setdefault((KIND_RANK.get(s.get("kind"), 9), s.get("name", "")), [s, 0, 0])[1] += 1
    for b in examples.values():
        s = b.get("doc_source", {})
        used[(KIND_RANK.get(s.get("kind"), 9), s.get("name", ""))][2] += 1
    lines = [TAIL_HEADING, "",
             "`scripts/models-doc.sh` runs `vigil analyze` (each input cold, with a fresh state) over",
             "every capture in `../shared/data/pcap/malware` and `../shared/data/pcap/benign`, over office",
             "weeks composed by `../shared/tools/make-office-week` with fixed seeds, and over the events",
             "of every `tests/models/*.test` (with that test's models, arguments and mail). For each model the",
             "example is a breach on a malware capture if there is one, else on an office week, else on a",
             "benign capture, else on a model test's events; within one kind the highest score. An office",
             "week moves its source captures (2009 to 2022) into March 2024, so a certificate that was valid",
             "when captured may read as expired there. Every input that raised a breach:",
             "",
             "| source | breaches | examples taken |", "|---|---:|---:|"]
    for _, (s, n, e) in sorted(used.items()):
        what = {"malware": "malware capture", "benign": "benign capture", "office-week": "office week",
                "test": "model test"}.get(s.get("kind"), s.get("kind", "?"))
        cmd = f": `{s['cmd']}`" if s.get("cmd") else ""
        lines.append(f"| {what} `{s.get('name', '')}`{cmd} | {n} | {e} |")
    return "\n".join(lines) + "\n"


def render(models, examples_text, tail):
    out = [HEAD]
    for m in models:
        out.append(section(m, examples_text.get(unq(m["model"]), NO_EXAMPLE)))
    out.append(tail)
    return "\n".join(out)


def pick(paths):
    """All breaches, and the example of each model."""
    best, every = {}, []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                b = json.loads(line)
                every.append(b)
                s = b.get("doc_source", {})
                key = (KIND_RANK.get(s.get("kind"), 9), -b["score"], s.get("name", ""), b.get("time", ""),
                       b.get("device", ""), b.get("endpoint", ""), b.get("reason", ""))
                if b["model"] not in best or key < best[b["model"]][0]:
                    best[b["model"]] = (key, b)
    return every, {name: kb[1] for name, kb in best.items()}


def split_doc(text):
    """The example part of each model section (from its "Example breach"/"No example breach"
    line to the section's end) and the closing section, taken verbatim from a generated page."""
    examples, tail = {}, ""
    if TAIL_HEADING in text:
        text, rest = text.split("\n" + TAIL_HEADING, 1)
        tail = TAIL_HEADING + rest
    for sec in text.split("\n### ")[1:]:
        name = sec.split("\n", 1)[0]
        body = sec.split("\n")
        for i, l in enumerate(body):
            if l.startswith(EXAMPLE_MARKS):
                examples[name] = "\n".join(body[i:])
                break
    return examples, tail


def main(argv):
    out_path = None
    if argv[:1] == ["--check"]:
        if len(argv) != 2:
            print("usage: scripts/models-doc.py --check docs/models.md", file=sys.stderr)
            return 2
        path = argv[1]
        with open(path, encoding="utf-8") as f:
            have = f.read()
        examples, tail = split_doc(have)
        want = render(load_models(), examples, tail)
        if want == have:
            print(f"{path} matches models/*.model")
            return 0
        diff = list(difflib.unified_diff(have.splitlines(), want.splitlines(), path, "generated from models/*.model", lineterm="", n=1))
        print("\n".join(diff[:80]) + ("\n..." if len(diff) > 80 else ""))
        print(f"{path} does not match models/*.model: run scripts/models-doc.sh (it regenerates {path}) and commit it")
        return 1
    if argv[:1] == ["--out"]:
        if len(argv) < 2:
            print("usage: scripts/models-doc.py [--out FILE] BREACHES.jsonl ...", file=sys.stderr)
            return 2
        out_path, argv = argv[1], argv[2:]
    models = load_models()
    every, best = pick(argv)
    known = {unq(m["model"]) for m in models}
    best = {n: b for n, b in best.items() if n in known}
    text = render(models, {n: example_text(b) for n, b in best.items()}, tail_text(every, best))
    if out_path:
        with open(out_path, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    missing = sorted(known - set(best))
    for n in missing:
        print(f"models-doc.py: no example breach for '{n}'", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
