#!/usr/bin/env python3
"""Mutation fuzzer for `lrkit train --resume`: a real run folder, one of its files corrupted at random.

Never run by CI. Each run draws a fresh seed (printed):

    swift build -c release --product lrkit
    python3 Scripts/fuzz-run-folders.py

It trains a 6-update digits run (checkpoint every 3), then 250 times copies the folder, corrupts config.json,
checkpoint.json, summary.json or log.jsonl (a field set to another type or an extreme, a key deleted, or bytes
replaced), and runs `lrkit train --resume` (sometimes with --steps). It checks: exit 0, or exit 1 with an error that
names the folder (or the --steps flag at fault); never a crash. Failing cases stay under /tmp/lrkit-fuzz-runs.
Exit status 1 when any case failed.
"""
import collections, json, os, random, re, shutil, subprocess, sys
seed = random.randrange(1 << 31); rng = random.Random(seed)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
L = os.path.join(REPO, ".build", "release", "lrkit")
WORK = "/tmp/lrkit-fuzz-runs"
shutil.rmtree(WORK, ignore_errors=True); os.makedirs(WORK)
BASE = os.path.join(WORK, "base")
subprocess.run([L, "train", "--task", "digits", "--steps", "6", "--checkpoint-every", "3", "--out", BASE],
               check=True, capture_output=True)
VALUES = [0, -1, 1e308, 2**64, 1e-320, "x", None, True, [], {}, 9007199254740993, 3.5, -2**63]
bad = []; ok = ref = 0
for k in range(250):
    d = os.path.join(WORK, f"c{k}"); shutil.copytree(BASE, d)
    victim = rng.choice(["config.json", "checkpoint.json", "summary.json", "log.jsonl"])
    path = os.path.join(d, victim); text = open(path).read()
    if victim != "log.jsonl" and rng.random() < 0.7:
        o = json.loads(text)
        keys = list(o.keys()); key = rng.choice(keys)
        if rng.random() < 0.2: del o[key]
        elif isinstance(o[key], dict) and o[key]:
            sub = rng.choice(list(o[key].keys())); o[key][sub] = rng.choice(VALUES)
        else: o[key] = rng.choice(VALUES)
        text = json.dumps(o)
    else:
        i = rng.randrange(len(text)); text = text[:i] + rng.choice(["", "x", "9"*30, "\"", "}", "nan"]) + text[i + rng.randint(0, 50):]
    open(path, "w").write(text)
    args = [L, "train", "--resume", d] + (["--steps", str(rng.choice([3, 6, 12, 2**62]))] if rng.random() < 0.4 else [])
    p = subprocess.run(args, capture_output=True, timeout=120)
    err = p.stderr.decode(errors="replace")
    if p.returncode == 0: ok += 1
    elif p.returncode == 1 and (d in err or ("--steps" in args and "field 'steps'" in err)): ref += 1
    else: bad.append((d, victim, p.returncode, err[-300:]))
    if not bad or bad[-1][0] != d: shutil.rmtree(d)
print("seed", seed, "ok", ok, "refused", ref, "bad", len(bad))
c = collections.Counter((b[1], b[2], re.sub(r"/tmp/lrkit-fuzz-runs/c\d+", "D", b[3])[:150]) for b in bad)
for k, v in c.most_common(12): print(v, k)
sys.exit(1 if bad else 0)
