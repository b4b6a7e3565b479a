#!/usr/bin/env python3
"""summary: the development measurement of docs/email.md on ../shared/data/email: learn on 40 Enron
inboxes + 2,500 easy_ham (--internal-domains enron.com), then judge the first 600 phishing_pot,
Nazario phishing0 and the 500 SpamAssassin spam; prints per-corpus shares >=60 / <40 and msg/s.

usage: measure.py VIGIL [extra vigil email options...]   (SHARED defaults to ../shared/data)
Not run by ctest (minutes on 2 cores); test_email.py runs a smaller bounded version.
"""
import collections, json, lzma, os, subprocess, sys, tarfile, tempfile, time

vigil = sys.argv[1]
extra = sys.argv[2:]
src = os.path.join(os.environ.get("SHARED", os.path.join(os.path.dirname(__file__),
                                                          "../../../shared/data")), "email") + "/"
tmp = tempfile.mkdtemp(prefix="vigil-measure-")
ben, phi = os.path.join(tmp, "ben"), os.path.join(tmp, "phi")
os.makedirs(ben), os.makedirs(phi)
with tarfile.open(src + "enron-inbox-2001-04_to_2001-10.tar.xz") as t:
    mem = t.getmembers()
    users = sorted({m.name.split("/")[2] for m in mem if m.name.count("/") >= 3})[:40]
    t.extractall(ben, members=[m for m in mem if m.isfile() and m.name.split("/")[2] in users])
with tarfile.open(src + "spamassassin-publiccorpus-set1-easy_ham-hard_ham-spam.tar.xz") as t:
    mem = [m for m in t.getmembers() if m.isfile()]
    t.extractall(ben, members=[m for m in mem if "/easy_ham/" in m.name])
    t.extractall(phi, members=[m for m in mem if "/spam/" in m.name])
with tarfile.open(src + "phishing_pot-2022-2024.tar.xz") as t:
    mem = sorted([m for m in t.getmembers() if m.isfile()],
                 key=lambda m: int(m.name.rsplit("-", 1)[1].split(".")[0]))
    t.extractall(phi, members=mem[:600])
with lzma.open(src + "nazario-phishing0.mbox.xz") as f:
    open(os.path.join(phi, "nazario.mbox"), "wb").write(f.read())
db = os.path.join(tmp, "state.db")


def run(path):
    t0 = time.time()
    out = subprocess.run([vigil, "email", "--state", db, "--internal-domains", "enron.com",
                          *extra, path], capture_output=True, check=False)
    sys.stderr.write(out.stderr.decode(errors="replace"))
    rs = [json.loads(l) for l in out.stdout.decode().splitlines() if l.strip()]
    return rs, time.time() - t0


b, tb = run(ben)
p, tp = run(phi)
print("benign %d msgs %.0f msg/s; phishing/spam %d msgs %.0f msg/s; overall %.0f msg/s"
      % (len(b), len(b) / tb, len(p), len(p) / tp, (len(b) + len(p)) / (tb + tp)))
groups = collections.defaultdict(list)
for r in b + p:
    q = r["path"]
    k = ("enron" if "/enron/" in q else "easy_ham" if "/easy_ham/" in q else
         "phishing_pot" if "phishing_pot" in q else "nazario" if "nazario" in q else
         "sa_spam" if "/spam/" in q else "other")
    groups[k].append(r)
for k, rs in sorted(groups.items()):
    hi = sum(r["score"] >= 60 for r in rs) / len(rs)
    lo = sum(r["score"] < 40 for r in rs) / len(rs)
    ind = collections.Counter(i["name"] for r in rs for i in r["indicators"])
    new = {n: ind[n] for n in ("origin country unusual for the sender",
                               "topic unusual for recipient") if ind[n]}
    print("%-12s n=%5d  >=60 %5.1f%%  <40 %5.1f%%  mean %5.1f  %s"
          % (k, len(rs), 100 * hi, 100 * lo, sum(r["score"] for r in rs) / len(rs), new))
subprocess.run(["rm", "-rf", tmp])
