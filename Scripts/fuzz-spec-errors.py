#!/usr/bin/env python3
"""Mutation fuzzer for spec errors: real specs (the parity fixtures and Examples/), randomly broken.

Never run by CI. Each run draws a fresh seed (printed; pass it back to replay):

    swift build -c release --product lrkit
    python3 Scripts/fuzz-spec-errors.py [SEED] [COUNT]     # COUNT broken specs, default 300

The real specs include the Trainer configs of the hf_trainer fixtures. Each case changes 1-3 places of a real spec: a value replaced by another type or an extreme (0, -1, 1e308, 2^64,
1e-320, "", null, true, [], {}, "nan", 2^53 + 1), a key deleted, an element appended, sometimes a literal 1e999.
It runs `lrkit curve --spec FILE` with a random --steps and format, and checks: exit 0 with valid output (JSON without
bare NaN), or exit 1 with one line that names the file (or the flag at fault); never a crash or a trap. Failing
cases stay under /tmp/lrkit-fuzz-specs. Exit status 1 when any case failed.
"""
import json, os, random, shutil, subprocess, sys
seed = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else random.randrange(1 << 31)
n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
rng = random.Random(seed)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
lrkit = os.path.join(REPO, ".build", "release", "lrkit")
specs = []
for f in ["torch", "transformers", "optax", "timm", "keras", "mlx", "fastai", "deepspeed"]:
    d = json.load(open(f"{REPO}/Tests/LRSchedulesTests/Fixtures/{f}.json"))
    specs += [c["spec"] for c in d["cases"] if "spec" in c]
# Hugging Face TrainingArguments / TRL configs, which `lrkit curve` reads as specs too.
specs += [c["config"] for c in json.load(open(f"{REPO}/Tests/LRSchedulesTests/Fixtures/hf_trainer.json"))["cases"]]
for f in os.listdir(f"{REPO}/Examples"):
    if f.endswith(".json"): specs.append(json.load(open(f"{REPO}/Examples/{f}")))
VALUES = [0, -1, 1, 0.5, -0.5, 1e308, -1e308, 1e-320, 2**63, 2**64, -2**63 - 1, 10**30, 3.7, "x", "", None, True, [], {}, [1, 2], "nan", "inf", 9007199254740993]
def fresh():
    return json.loads(json.dumps(rng.choice(VALUES)))  # a new object: [] and {} are never shared
def mutate(o):
    o = json.loads(json.dumps(o))
    for _ in range(rng.randint(1, 3)):
        def paths(x, p=()):
            yield p
            if isinstance(x, dict):
                for k, v in x.items(): yield from paths(v, p + (k,))
            elif isinstance(x, list):
                for i, v in enumerate(x): yield from paths(v, p + (i,))
        ps = [p for p in paths(o) if p]
        if not ps: break
        p = rng.choice(ps)
        parent = o
        for k in p[:-1]: parent = parent[k]
        r = rng.random()
        if r < 0.6: parent[p[-1]] = fresh()
        elif r < 0.8 and isinstance(parent, dict): del parent[p[-1]]
        elif isinstance(parent, list): parent.append(fresh())
        else: parent[p[-1]] = fresh()
    return o
def dump(o):
    s = json.dumps(o, allow_nan=False) if rng.random() < 0.9 else json.dumps(o).replace("1e+308", "1e999")
    return s
work = "/tmp/lrkit-fuzz-specs"; shutil.rmtree(work, ignore_errors=True); os.makedirs(work)
stats = {"runs": 0, "ok": 0, "refused": 0}
bad = []
for k in range(n):
    spec = mutate(rng.choice(specs))
    path = os.path.join(work, f"s{k}.json")
    open(path, "w").write(dump(spec))
    steps = rng.choice([None, 0, 1, 7, 100, 1000, 250_000_000, -5])
    fmt = rng.choice(["csv", "json"])
    args = [lrkit, "curve", "--spec", path, "--format", fmt] + ([] if steps is None else [f"--steps={steps}"])
    try:
        p = subprocess.run(args, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        bad.append((path, "timeout", args)); continue
    stats["runs"] += 1
    err = p.stderr.decode(errors="replace")
    if p.returncode == 0:
        stats["ok"] += 1
        if fmt == "json":
            try: json.loads(p.stdout, parse_constant=lambda c: (_ for _ in ()).throw(ValueError("bare " + c)))
            except Exception as e: bad.append((path, f"invalid json {e}", args))
    elif p.returncode == 1:
        stats["refused"] += 1
        if path not in err and "--steps" not in err and "--metrics" not in err: bad.append((path, "error does not name the file: " + err.strip()[:200], args))
        if err.count("\n") > 1 and "warning" not in err: bad.append((path, "multi-line error: " + err[:300], args))
    else:
        bad.append((path, f"rc={p.returncode}: " + err[-400:], args))
print("seed", seed, json.dumps(stats))
for b in bad[:15]: print(b)
print("failed cases", len(bad))
sys.exit(1 if bad else 0)
