#!/usr/bin/env python3
"""Differential fuzzer: random compatibility specs, evaluated by the REAL peer libraries and by LRKit.

Never run by CI (it needs the peer libraries and takes minutes). Each run draws a fresh random seed (printed;
`--seed S` replays a run exactly), generates random VALID specs for every API LRKit translates -- PyTorch,
transformers, optax, timm, Keras, MLX, fastai, DeepSpeed, see fuzz_specs.py for what is drawn -- plus random
`lrkit steps` flag sets for the Hugging Face Trainer step accounting, evaluates every spec with the peer
library (fuzz_runners.py, one subprocess per library, many specs per process) and with LRKit
(`lrkit eval-batch`, one process per library), and reports where they disagree.

How to run (the peers installed as for Scripts/make-fixtures.py, in a venv OUTSIDE the repository):

    swift build -c release                      # or pass --lrkit PATH to another build
    KERAS_BACKEND=jax /work/venv/peers/bin/python Scripts/fuzz-peers.py
    KERAS_BACKEND=jax /work/venv/peers/bin/python Scripts/fuzz-peers.py --seed 1234 --library torch --count 500
    ... --library hf_steps --steps-count 3000   # only the `lrkit steps` flag sets

Options: --count N (specs per library, default 3000: 21,000 specs in all), --library L (repeatable; torch,
transformers, optax, timm, keras, mlx, fastai, deepspeed, hf_steps), --seed S, --lrkit PATH (default
.build/release/lrkit), --steps-count N (flag sets for `lrkit steps`, default 1000), --jobs N (parallel
processes, default: the CPU count), --report PATH (default /tmp/fuzz-peers-report.json), --examples N
(mismatch examples printed per pattern), --keep-workdir. A full default run takes about 15-20 minutes on 2
idle cores, most of it Keras and optax: their eager JAX calls cost about a millisecond a value, and Keras'
CosineDecayRestarts and warmup CosineDecay build a new lax.cond per call (~25 ms; their step counts are capped).

Conventions are make-fixtures.py's: lr[k] is the learning rate optimizer update k uses (0-based); a peer that
raises at construction or while producing lr[k] is a refusal, and LRKit must then refuse the spec with
steps > k while giving the same k values for steps = k. Tolerances: float64 peers (torch, transformers,
timm, fastai, deepspeed, optax with "precision": "float64") |ours - peer| <= 1e-9 |peer| + 1e-12 peak; float32 peers
(keras, mlx, optax float32 or no precision -- JAX's default) <= 8 ulp(float32) |peer| + 4 ulp peak; NaN equals
NaN. Momentum (torch one-cycle / cyclic with cycle_momentum, fastai fit_one_cycle) is compared the same way.

Output: a table per library and API type -- drawn, matched, mismatched, both refused, peer-only refused,
LRKit-only refused, harness (the peer side failed for a reason of the fuzzer's own) -- then the distinct
disagreement patterns, each with its count and the smallest example spec (JSON), steps, the first differing
index and both values. Everything is also written to the JSON report. Exit status 1 when anything
disagreed (a mismatch or a one-sided refusal), else 2 when the fuzzer itself failed on some spec ("harness"),
else 0.
"""

import argparse
import collections
import concurrent.futures as cf
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import fuzz_specs  # noqa: E402

LIBRARIES = ["torch", "transformers", "optax", "timm", "keras", "mlx", "fastai", "deepspeed"]
ALL = LIBRARIES + ["hf_steps"]
ULP32 = 2.0 ** -23
# Rough peer cost per value (seconds), to balance the worker processes.
COST = {"torch": 4e-5, "transformers": 4e-5, "timm": 1e-5, "optax": 1.3e-3, "keras": 8e-4, "mlx": 1.2e-4,
        "fastai": 4e-5, "deepspeed": 4e-5}
CHUNK_SECS = 120  # target run time of one worker process
OUTCOMES = ["matched", "mismatched", "both_refused", "peer_only_refused", "lrkit_only_refused", "harness"]
HEADERS = ["drawn", "match", "mismatch", "both-ref", "peer-only", "lrkit-only", "harness"]


# ----------------------------------------------------------------------------------------------
# Numbers
# ----------------------------------------------------------------------------------------------

def dec(x):
    """A JSON value from either side back to a float ("nan", "inf", "-inf" strings included)."""
    if isinstance(x, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[x]
    return float(x)


def enc(x):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def is_float32(lib, job):
    return lib in ("keras", "mlx") or (lib == "optax" and job["spec"].get("precision") != "float64")


def first_difference(ours, peer, f32):
    """None when the curves agree, else (index, how many indices differ, max |diff| / peak)."""
    if len(ours) != len(peer):
        return (min(len(ours), len(peer)), abs(len(ours) - len(peer)), math.inf)
    finite = [abs(v) for v in peer if math.isfinite(v)]
    peak = max(finite, default=0.0)
    rel, pk = (8 * ULP32, 4 * ULP32) if f32 else (1e-9, 1e-12)
    first, count, worst = None, 0, 0.0
    for i, (a, b) in enumerate(zip(ours, peer)):
        if math.isnan(a) or math.isnan(b):
            ok = math.isnan(a) and math.isnan(b)
        elif math.isinf(a) or math.isinf(b):
            ok = a == b
        else:
            ok = abs(a - b) <= rel * abs(b) + pk * peak
            if not ok:
                worst = max(worst, abs(a - b) / peak if peak else math.inf)
        if not ok:
            count += 1
            if first is None:
                first = i
    if first is None:
        return None
    return first, count, worst


# ----------------------------------------------------------------------------------------------
# Generation
# ----------------------------------------------------------------------------------------------

def keras_inner(spec):
    """The schedule inside a form Keras writes (None for a fixed learning rate)."""
    if "compile_config" in spec:
        spec = spec["compile_config"]["optimizer"]
    if "class_name" in spec and "schedules" not in (spec.get("module") or "schedules"):
        spec = spec["config"]
    if "learning_rate" in spec:
        spec = spec["learning_rate"]
    return spec if isinstance(spec, dict) else None


def type_label(lib, spec):
    if "type" not in spec and lib == "timm":
        return "args.yaml (bare)"
    if "type" not in spec and lib == "deepspeed":
        return spec["scheduler"]["type"] + " (ds_config.json)"
    if "type" not in spec:
        inner = keras_inner(spec)
        return (inner["class_name"] if inner else "fixed lr") + " (as Keras writes it)"
    t = spec["type"]
    if t == "transformers.get_scheduler":
        return f"get_scheduler({spec.get('name')})"
    return t.split(".", 1)[1] if lib in ("fastai",) else t.rsplit(".", 1)[1]


def generate(lib, seed, count):
    d = fuzz_specs.Draw(f"{seed}:{lib}")
    jobs = []
    for i in range(count):
        j = fuzz_specs.GENERATORS[lib](d)
        j["id"] = f"{lib}:{i}"
        json.dumps(j, allow_nan=False)  # every spec must be strict JSON
        jobs.append(j)
    return jobs


def generate_steps(seed, count, trainer_fraction):
    d = fuzz_specs.Draw(f"{seed}:hf_steps")
    out = []
    for i in range(count):
        j = fuzz_specs.gen_hf_steps(d)
        j["id"] = f"hf_steps:{i}"
        cfg = j["cfg"]
        # a random subset is also checked against a real Trainer (transformers 5 has no warmup_ratio)
        j["trainer_check"] = (d.chance(trainer_fraction) and cfg["warmup_ratio"] is None
                              and cfg["num_samples"] <= 20000 and cfg["max_steps"] <= 5000)
        out.append(j)
    return out


# ----------------------------------------------------------------------------------------------
# Running the peers (worker subprocesses) and LRKit
# ----------------------------------------------------------------------------------------------

def job_cost(lib, j):
    if lib == "hf_steps":
        return 0.002 + (1.0 if j.get("trainer_check") else 0.0)
    per = COST[lib]
    if lib == "keras" and "type" not in j["spec"]:
        inner = keras_inner(j["spec"]) or {"class_name": "", "config": {}}
        per = 0.03 if inner["class_name"] == "CosineDecayRestarts" or "warmup_target" in inner["config"] else 0.004
    elif lib == "keras" and (j["spec"]["type"].endswith("CosineDecayRestarts") or "warmup_target" in j["spec"]):
        per = 0.03  # a new lax.cond per call
    n = j["steps"]
    if lib in ("torch", "transformers") and isinstance(j["spec"].get("last_epoch"), int):
        n += max(0, j["spec"]["last_epoch"])
    return 0.002 + per * n


def peer_tasks(workdir, lib, jobs):
    """Split one library's jobs into worker chunks: [(lib, mode, in_path, out_path, est_secs, ids)]."""
    groups = collections.defaultdict(list)
    for j in jobs:
        groups[j.get("peer", {}).get("mode", "default")].append(j)
    tasks = []
    for mode, js in sorted(groups.items()):
        total = sum(job_cost(lib, j) for j in js)
        k = max(1, min(len(js), round(total / CHUNK_SECS)))
        chunks = [[] for _ in range(k)]
        loads = [0.0] * k
        for j in sorted(js, key=lambda j: -job_cost(lib, j)):  # longest first onto the lightest chunk
            i = loads.index(min(loads))
            chunks[i].append(j)
            loads[i] += job_cost(lib, j)
        for i, chunk in enumerate(chunks):
            base = os.path.join(workdir, f"peer-{lib}-{mode}-{i}")
            with open(base + ".in.jsonl", "w") as f:
                for j in chunk:
                    f.write(json.dumps(j, allow_nan=False) + "\n")
            tasks.append((lib, mode, base + ".in.jsonl", base + ".out.jsonl", loads[i] + 5, [j["id"] for j in chunk]))
    return tasks


def run_peer_task(python, task, env):
    lib, mode, inp, out, _, ids = task
    t0 = time.time()
    proc = subprocess.run([python, os.path.abspath(__file__), "--worker", lib, "--mode", mode, "--in", inp,
                           "--out", out], env=env, capture_output=True, text=True)
    results = {}
    if os.path.exists(out):
        with open(out) as f:
            for line in f:
                if line.strip():
                    rec = json.loads(line)
                    results[rec["id"]] = rec
    crash = None
    if proc.returncode != 0:
        crash = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    for i in ids:
        if i not in results:
            results[i] = {"id": i, "status": "harness", "exc": f"worker exited {proc.returncode}: {crash}"}
    return task, results, time.time() - t0


def lrkit_batch(lrkit, lines, workdir, tag):
    """Run `lrkit eval-batch` over job lines; {id: result}. A crash (a trap in the Swift code) is isolated by
    bisection down to the spec that causes it, reported as {"crash": ...}."""
    path = os.path.join(workdir, f"lrkit-{tag}.in.jsonl")
    with open(path, "w") as f:
        for ln in lines:
            f.write(json.dumps(ln, allow_nan=False) + "\n")
    try:
        proc = subprocess.run([lrkit, "eval-batch", "--input", path], capture_output=True, text=True, timeout=1800)
        rc, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired:
        rc, stdout, stderr = -1, "", "timed out"
    out = {}
    for line in stdout.splitlines():
        if line.strip():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            out[json.dumps(rec.get("id"))] = rec
    missing = [ln for ln in lines if json.dumps(ln["id"]) not in out]
    if not missing:
        return out
    if len(missing) == 1 and len(lines) == 1:
        out[json.dumps(lines[0]["id"])] = {"id": lines[0]["id"], "crash": f"exit {rc}: {stderr.strip()[-400:]}"}
        return out
    half = max(1, len(missing) // 2)
    out.update(lrkit_batch(lrkit, missing[:half], workdir, tag + "a"))
    out.update(lrkit_batch(lrkit, missing[half:], workdir, tag + "b"))
    return out


def lrkit_line(j, steps=None, suffix=""):
    ln = {"id": j["id"] + suffix, "spec": j["spec"], "steps": j["steps"] if steps is None else steps}
    if "metrics" in j:
        ln["metrics"] = j["metrics"]
    return ln


def lrkit_steps(lrkit, argv):
    try:
        p = subprocess.run([lrkit, "steps", *argv], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return {"error": "timed out"}
    if p.returncode != 0:
        return {"error": f"exit {p.returncode}: " + " ".join((p.stderr or p.stdout).strip().splitlines()[:2])[:300]}
    try:
        return {"values": json.loads(p.stdout)}
    except json.JSONDecodeError:
        return {"error": "unparsable output: " + p.stdout[:200]}


# ----------------------------------------------------------------------------------------------
# Comparison
# ----------------------------------------------------------------------------------------------

def window(vals, i, r=2):
    return [enc(v) for v in vals[max(0, i - r): i + r + 1]]


def compare_curves(lib, j, peer_lr, peer_mom, ours, what):
    """None when LRKit's curve agrees with the peer's, else a mismatch record."""
    f32 = is_float32(lib, j)
    ours_lr = [dec(v) for v in ours.get("lr") or []]
    diff = first_difference(ours_lr, peer_lr, f32)
    series = "lr"
    if diff is None and peer_mom is not None:
        series = "momentum"
        if ours.get("momentum") is None:
            return {"kind": f"{what}momentum missing", "index": 0, "peer": enc(peer_mom[0]) if peer_mom else None,
                    "lrkit": None}
        ours_mom = [dec(v) for v in ours["momentum"]]
        diff = first_difference(ours_mom, peer_mom, f32)
        ours_lr, peer_lr = ours_mom, peer_mom
    if diff is None:
        return None
    i, count, worst = diff
    rec = {"kind": f"{what}{series} values", "index": i, "differing": count, "max_diff_over_peak": enc(worst),
           "peer": enc(peer_lr[i]) if i < len(peer_lr) else None,
           "lrkit": enc(ours_lr[i]) if i < len(ours_lr) else None,
           "peer_window": window(peer_lr, i), "lrkit_window": window(ours_lr, i)}
    if len(ours_lr) != len(peer_lr):
        rec["kind"] = f"{what}{series} length {len(ours_lr)} vs {len(peer_lr)}"
    return rec


def classify(lib, j, peer, ours, prefix):
    """(outcome, detail) for one spec."""
    st = peer.get("status")
    if st == "harness":
        return "harness", {"peer_exc": peer.get("exc")}
    if ours is None or "crash" in ours:
        return "mismatched", {"kind": "lrkit crashed", "lrkit_error": (ours or {}).get("crash", "no output")}
    err = ours.get("error")
    if st == "ok":
        if err:
            return "lrkit_only_refused", {"lrkit_error": err}
        peer_lr = [dec(v) for v in peer["lr"]]
        peer_mom = None if peer.get("momentum") is None else [dec(v) for v in peer["momentum"]]
        m = compare_curves(lib, j, peer_lr, peer_mom, ours, "")
        return ("matched", None) if m is None else ("mismatched", m)
    if st == "construction":
        if err:
            return "both_refused", {"peer_exc": peer["exc"], "lrkit_error": err}
        return "peer_only_refused", {"peer_exc": peer["exc"], "raises_at": "construction"}
    # the peer raised while producing lr[k]
    k = peer["k"]
    if not err:
        return "peer_only_refused", {"peer_exc": peer["exc"], "raises_at": k}
    if k == 0:
        return "both_refused", {"peer_exc": peer["exc"], "lrkit_error": err, "raises_at": 0}
    if prefix is None or "crash" in prefix:
        return "mismatched", {"kind": "lrkit crashed (prefix)", "lrkit_error": (prefix or {}).get("crash")}
    if prefix.get("error"):
        return "lrkit_only_refused", {"kind": "prefix refused", "raises_at": k, "peer_exc": peer["exc"],
                                      "lrkit_error": prefix["error"]}
    peer_lr = [dec(v) for v in peer["lr"]]
    peer_mom = None if peer.get("momentum") is None else [dec(v) for v in peer["momentum"]]
    m = compare_curves(lib, j, peer_lr, peer_mom, prefix, "before refusal: ")
    if m is None:
        return "both_refused", {"peer_exc": peer["exc"], "lrkit_error": err, "raises_at": k}
    m.update(raises_at=k, peer_exc=peer["exc"])
    return "mismatched", m


STEP_FIELDS = ["batches_per_process", "num_update_steps_per_epoch", "max_steps", "num_warmup_steps",
               "num_train_epochs", "total_train_batch_size"]


def steps_tags(cfg, argv):
    tags = []
    if cfg["max_steps"] < 0:
        tags.append("max_steps=-1 given" if "--max-steps" in argv else "max_steps default")
    else:
        tags.append("max_steps=0" if cfg["max_steps"] == 0 else "max_steps>0")
    if cfg["warmup_ratio"] is not None:
        tags.append("warmup_ratio")
    w = cfg["warmup_steps"]
    tags.append("warmup 0" if w == 0 else ("warmup ratio<1" if w < 1 else
                                            ("warmup float>=1" if isinstance(w, float) else "warmup int")))
    if cfg["dataloader_drop_last"]:
        tags.append("drop_last")
    if cfg["world_size"] > 1:
        tags.append("world_size>1")
    if isinstance(cfg["num_train_epochs"], float):
        tags.append("float epochs")
    return tags


def classify_steps(j, peer, ours):
    if peer.get("status") == "harness":
        return "harness", {"peer_exc": peer.get("exc")}
    tr = peer.get("trainer")
    if tr is not None:  # the pure-Python accounting must agree with the real Trainer, or the fuzzer is wrong
        if "error" in tr:
            if peer["status"] == "ok":
                return "harness", {"kind": "Trainer refused, accounting did not", "trainer": tr}
        elif peer["status"] != "ok" or any(tr[k] != peer["values"][k] for k in tr):
            return "harness", {"kind": "accounting differs from Trainer", "trainer": tr, "values": peer.get("values")}
    if peer["status"] != "ok":
        if "error" in ours:
            return "both_refused", {"peer_exc": peer["exc"], "lrkit_error": ours["error"]}
        return "peer_only_refused", {"peer_exc": peer["exc"], "lrkit": ours["values"]}
    if "error" in ours:
        return "lrkit_only_refused", {"lrkit_error": ours["error"]}
    want, got = peer["values"], ours["values"]

    def same(k):
        # transformers sets num_train_epochs = sys.maxsize when the dataloader is empty (it loops until
        # max_steps); `lrkit steps` documents that as null with a note.
        if k == "num_train_epochs" and want[k] == sys.maxsize and got.get(k) is None:
            return True
        return got.get(k) is not None and float(got[k]) == float(want[k])
    bad = {k: {"peer": want[k], "lrkit": got.get(k)} for k in STEP_FIELDS if k in want and not same(k)}
    if bad:
        return "mismatched", {"kind": "fields " + ",".join(sorted(bad)), "fields": bad}
    return "matched", None


# ----------------------------------------------------------------------------------------------
# Reporting
# ----------------------------------------------------------------------------------------------

def normalize(msg):
    """An error message with its numbers blanked (field names kept), to group similar refusals."""
    msg = (msg or "")[:160]
    msg = re.sub(r"-?\d+(\.\d+)?(e-?\d+)?", "#", msg)
    return msg


def pattern_key(rec):
    """(library, type, outcome, what): mismatches by kind (which series, before a refusal or not), refusals by
    the refusing side's normalized message."""
    o = rec["outcome"]
    if o == "mismatched":
        return (rec["library"], rec["type"], o, re.sub(r"\d+", "#", rec.get("kind", "")))
    if o == "lrkit_only_refused":
        prefix = "[prefix refused] " if rec.get("kind") == "prefix refused" else ""
        return (rec["library"], rec["type"], o, prefix + normalize(rec.get("lrkit_error")))
    return (rec["library"], rec["type"], o, normalize(rec.get("peer_exc")))


def tag_summary(recs):
    """The features drawn in a group's specs, most common first ("tag n/N"): one present in every member is a
    likely trigger."""
    c = collections.Counter(t for r in recs for t in r.get("tags", []))
    return ", ".join(f"{t} {n}/{len(recs)}" for t, n in c.most_common(8))


def example_size(rec):
    return (rec.get("steps") or 0, len(json.dumps(rec.get("spec", rec.get("argv")))))


def print_table(counts, libs):
    w = 56
    print()
    print(f"{'library / type':{w}s}" + "".join(f"{h:>11s}" for h in HEADERS))
    grand = collections.Counter()
    for lib in libs:
        if lib not in counts:
            continue
        tot = collections.Counter()
        for c in counts[lib].values():
            tot.update(c)
        grand.update(tot)
        print(f"{lib:{w}s}" + "".join(f"{tot[k]:11d}" for k in ["drawn"] + OUTCOMES))
        for t in sorted(counts[lib]):
            c = counts[lib][t]
            print(f"  {t[:w - 2]:{w - 2}s}" + "".join(f"{c[k]:11d}" for k in ["drawn"] + OUTCOMES))
    print(f"{'TOTAL':{w}s}" + "".join(f"{grand[k]:11d}" for k in ["drawn"] + OUTCOMES))
    return grand


def print_patterns(records, n_examples):
    groups = collections.defaultdict(list)
    for r in records:
        if r["outcome"] in ("mismatched", "peer_only_refused", "lrkit_only_refused", "harness"):
            groups[pattern_key(r)].append(r)
    order = sorted(groups.items(), key=lambda kv: (kv[0][2] != "mismatched", kv[0][0], -len(kv[1])))
    print(f"\n{len(order)} distinct disagreement patterns (library, type, outcome, kind / message):")
    summary = []
    for key, recs in order:
        lib, typ, outcome, what = key
        recs.sort(key=example_size)
        tags = tag_summary(recs)
        print(f"\n[{outcome}] {lib} {typ}: {len(recs)}x  {what}" + (f"\n   tags: {tags}" if tags else ""))
        for r in recs[:n_examples]:
            if lib == "hf_steps":
                print("   lrkit steps " + " ".join(r["argv"]))
            else:
                print(f"   spec {json.dumps(r['spec'])}  steps {r['steps']}" +
                      (f"  peer {r['peer_options']}" if r.get("peer_options") else ""))
            detail = {k: r[k] for k in ("index", "peer", "lrkit", "differing", "raises_at", "peer_exc",
                                        "lrkit_error", "fields", "trainer") if k in r}
            print(f"     {json.dumps(detail)[:600]}")
        summary.append({"library": lib, "type": typ, "outcome": outcome, "what": what, "tags": tags,
                        "count": len(recs), "example": recs[0]})
    return summary


# ----------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=3000, help="specs per library (default 3000)")
    ap.add_argument("--library", action="append", choices=ALL, help="only these libraries (repeatable)")
    ap.add_argument("--seed", type=int, help="replay this seed (default: a new random one, printed)")
    ap.add_argument("--lrkit", default=os.path.join(REPO, ".build", "release", "lrkit"), help="the lrkit binary")
    ap.add_argument("--steps-count", type=int, default=1000, help="`lrkit steps` flag sets (default 1000)")
    ap.add_argument("--trainer-fraction", type=float, default=0.05,
                    help="fraction of flag sets also checked with a real Trainer (default 0.05)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel processes")
    ap.add_argument("--python", default=sys.executable, help="the Python with the peers (default: this one)")
    ap.add_argument("--report", default="/tmp/fuzz-peers-report.json")
    ap.add_argument("--examples", type=int, default=2, help="examples printed per disagreement pattern")
    ap.add_argument("--keep-workdir", action="store_true")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="default", help=argparse.SUPPRESS)
    ap.add_argument("--in", dest="inp", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        import fuzz_runners
        fuzz_runners.worker(args.worker, args.mode, args.inp, args.out)
        return 0

    if not os.access(args.lrkit, os.X_OK):
        sys.exit(f"no lrkit binary at {args.lrkit} (swift build -c release, or --lrkit PATH)")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2 ** 31)
    libs = args.library or ALL
    print(f"fuzz-peers: seed {seed}  (replay: --seed {seed})  libraries {' '.join(libs)}  "
          f"{args.count} specs each, {args.steps_count if 'hf_steps' in libs else 0} `lrkit steps` flag sets; "
          f"lrkit {args.lrkit}", flush=True)
    t_start = time.time()
    workdir = tempfile.mkdtemp(prefix="fuzz-peers-")
    # a snapshot of the binary, so a rebuild during the run cannot mix two versions into one report
    lrkit = os.path.join(workdir, "lrkit")
    shutil.copy2(args.lrkit, lrkit)
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONHASHSEED="0", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               FUZZ_JAX_CACHE=os.path.join(workdir, "jax-cache"), TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))

    # 1. generate
    jobs = {}
    for lib in libs:
        if lib == "hf_steps":
            jobs[lib] = generate_steps(seed, args.steps_count, args.trainer_fraction)
        else:
            jobs[lib] = generate(lib, seed, args.count)
    by_id = {j["id"]: (lib, j) for lib in jobs for j in jobs[lib]}

    # 2. peers, in parallel worker processes (longest chunks first); `lrkit steps` alongside
    tasks = []
    for lib in libs:
        tasks += peer_tasks(workdir, lib, jobs[lib])
    tasks.sort(key=lambda t: -t[4])
    peer = {}
    steps_out = {}
    with cf.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = [pool.submit(run_peer_task, args.python, t, env) for t in tasks]
        if "hf_steps" in libs:
            with cf.ThreadPoolExecutor(max_workers=2) as spool:
                for j, res in zip(jobs["hf_steps"], spool.map(lambda j: lrkit_steps(lrkit, j["argv"]),
                                                               jobs["hf_steps"])):
                    steps_out[j["id"]] = res
            print(f"  lrkit steps: {len(steps_out)} flag sets evaluated", flush=True)
        for f in cf.as_completed(futs):
            task, res, secs = f.result()
            peer.update(res)
            print(f"  peer {task[0]}/{task[1]}: {len(task[5])} specs in {secs:.0f}s", flush=True)
    t_peer = time.time()

    # 3. LRKit: one eval-batch per library (full runs, plus the k-value prefixes where the peer raised at k)
    ours = {}
    with cf.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = {}
        for lib in libs:
            if lib == "hf_steps":
                continue
            lines = [lrkit_line(j) for j in jobs[lib]]
            for j in jobs[lib]:
                p = peer.get(j["id"], {})
                if p.get("status") == "step" and p.get("k", 0) > 0:
                    lines.append(lrkit_line(j, p["k"], "#prefix"))
            futs[pool.submit(lrkit_batch, lrkit, lines, workdir, lib)] = lib
        for f in cf.as_completed(futs):
            res = f.result()
            ours.update({json.loads(k): v for k, v in res.items()})
            print(f"  lrkit eval-batch {futs[f]}: {len(res)} results", flush=True)
    t_lrkit = time.time()

    # 4. compare
    counts = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    tag_counts = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    records = []
    for jid, (lib, j) in by_id.items():
        p = peer.get(jid, {"status": "harness", "exc": "no peer result"})
        if lib == "hf_steps":
            typ = "lrkit steps"
            tags = steps_tags(j["cfg"], j["argv"])
            outcome, detail = classify_steps(j, p, steps_out.get(jid, {"error": "not run"}))
        else:
            typ = type_label(lib, j["spec"])
            tags = j.get("tags", [])
            outcome, detail = classify(lib, j, p, ours.get(jid), ours.get(jid + "#prefix"))
        counts[lib][typ]["drawn"] += 1
        counts[lib][typ][outcome] += 1
        for t in tags:
            tag_counts[lib][t]["drawn"] += 1
            tag_counts[lib][t][outcome] += 1
        if outcome != "matched":
            rec = {"library": lib, "type": typ, "outcome": outcome, "tags": tags, **(detail or {})}
            if lib == "hf_steps":
                rec.update(argv=j["argv"], cfg=j["cfg"], steps=0)
            else:
                rec.update(spec=j["spec"], steps=j["steps"])
                if "metrics" in j:
                    rec["metrics"] = j["metrics"]
                if j.get("peer"):
                    rec["peer_options"] = j["peer"]
            records.append(rec)

    grand = print_table(counts, libs)
    summary = print_patterns(records, args.examples)
    t_end = time.time()
    timing = {"total_secs": round(t_end - t_start), "peers_secs": round(t_peer - t_start),
              "lrkit_secs": round(t_lrkit - t_peer)}
    print(f"\nseed {seed}; {grand['drawn']} specs / flag sets in {timing['total_secs']}s "
          f"(peers {timing['peers_secs']}s, lrkit {timing['lrkit_secs']}s); report: {args.report}")
    report = {
        "seed": seed, "lrkit": args.lrkit, "libraries": libs, "count": args.count, "steps_count": args.steps_count,
        "timing": timing,
        "counts": {lib: {t: dict(c) for t, c in counts[lib].items()} for lib in counts},
        "tag_counts": {lib: {t: dict(c) for t, c in tag_counts[lib].items()} for lib in tag_counts},
        "totals": dict(grand), "patterns": summary, "disagreements": records,
    }
    with open(args.report, "w") as f:
        json.dump(report, f, allow_nan=False, indent=None)
    if args.keep_workdir:
        print(f"work directory kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    bad = sum(grand[k] for k in ("mismatched", "peer_only_refused", "lrkit_only_refused"))
    return 1 if bad else (2 if grand["harness"] else 0)


if __name__ == "__main__":
    sys.exit(main())
