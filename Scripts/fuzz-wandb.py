#!/usr/bin/env python3
"""Differential fuzzing of LRKit's W&B run-file reader against W&B's own writer and decoder, new seed each run.

Never run by CI. Needs wandb installed apart (`pip install --target /tmp/wb wandb`) and a release build of lrkit:

    PYTHONPATH=/tmp/wb /work/venv/peers/bin/python Scripts/fuzz-wandb.py [--seed N] [--count N]

Each case is a random run written by the real wandb SDK, offline, in one process: random metric names (slashes,
dots, spaces, non-ASCII, nested dictionaries), random values (floats, NaN, ±Infinity, integers, numpy float32,
booleans, strings, None, lists, histograms, strings long enough to be split across 32 KiB blocks), `wandb.log`
with `step=`, without, and with `commit=False`, and random `define_metric` calls (a name or a glob against a step
metric, whole-number or fractional, present in every row or not). The expectation is computed from the file as
W&B's own protobuf classes decode it: every numeric item of every history row, on the axis LRKit documents (the
step metric of the training loss, or the one most points are defined against, else `_step`; a row without the
axis takes its last value), normalized as LRKit normalizes a log (sorted by step, the last value at a step wins).
`lrkit read-log` must give exactly those points. A third of the files are then damaged (bytes flipped, a cut, a
block zeroed): lrkit must not crash, an error must name the file, and every value it reads must be one the run
logged under that name.
"""
import argparse
import fnmatch
import glob
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

os.environ["WANDB_MODE"] = "offline"
os.environ["WANDB_SILENT"] = "true"
import numpy as np  # noqa: E402
import wandb  # noqa: E402
from wandb.proto import wandb_internal_pb2 as pb  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wandb_file import records  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LRKIT = os.path.join(REPO, ".build", "release", "lrkit")

ROLES = {
    "loss": ["loss", "train_loss", "train/loss", "training_loss", "train_loss_step", "loss/train", "trainer/loss", "objective",
             "batch/loss"],
    "lr": ["learning_rate", "lr", "train/learning_rate", "train/lr"],
    "grad_norm": ["grad_norm", "train/grad_norm", "gradient_norm", "grad-norm"],
    "eval_loss": ["eval_loss", "val_loss", "eval/loss", "validation_loss", "loss/test", "loss/val", "val/loss",
                  "valid_loss", "test_loss", "val_loss_epoch", "loss/validation", "loss/valid", "validation/loss",
                  "valid/loss", "test/loss", "epoch/val_loss"],
    "eval_accuracy": ["eval_accuracy", "val_acc", "val_accuracy", "eval/accuracy", "eval_acc", "epoch/val_accuracy"],
}
ROLE_OF = {name: role for role, names in ROLES.items() for name in names}
OTHER = ["acc", "train/acc", "metrics/f1", "throughput", "gpu mem", "perte", "损失/训练", "a.b", "epoch_frac",
         "eval/bleu", "x", "score/top-5", "warm up", "Loss Scale"]
STEP_METRICS = ["gs", "train/global_step", "trainer/global_step", "batch/batch_step", "epoch"]


def role(key):
    k = key.lower()
    if k in ROLE_OF:
        return ROLE_OF[k]
    if (k.startswith("lr-") or k.startswith("lr/")) and ("/pg" not in k or k.endswith("/pg1")):
        return "lr"
    return key


# --- the peer's side: W&B's framing and protobuf classes -------------------------------------------------------

def decode(path):
    rows, by_name, by_glob = [], {}, []
    for d in records(path):
        r = pb.Record()
        r.ParseFromString(d)
        kind = r.WhichOneof("record_type")
        if kind == "history":
            row = {}
            for it in r.history.item:
                key = ".".join(it.nested_key) if it.nested_key else it.key
                row[key] = it.value_json
            rows.append((row, r.history.step.num if r.history.HasField("step") else None))
        elif kind == "metric" and r.metric.step_metric:
            if r.metric.name:
                by_name[r.metric.name] = r.metric.step_metric
            elif r.metric.glob_name:
                by_glob.append((r.metric.glob_name, r.metric.step_metric))
    return rows, by_name, by_glob


def number(text):
    if text in ("NaN", "Infinity", "-Infinity"):
        return float(text.replace("Infinity", "inf"))
    try:
        v = json.loads(text)
    except ValueError:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def expected(path, step_key=None):
    rows, by_name, by_glob = decode(path)
    points, order, implicit = {}, [], 0
    for i, (row, num) in enumerate(rows):
        media = [k[:-len("_type")] for k in row if k.endswith("._type")]
        step = None
        if "_step" in row:
            v = number(row["_step"])
            step = int(v) if v is not None and v == int(v) else None
        if step is None:
            step = num if num is not None else implicit
        implicit = step + 1
        for k, text in row.items():
            if k == "_step" or any(k.startswith(m) for m in media):
                continue
            v = number(text)
            if v is None:
                continue
            if k not in points:
                points[k] = []
                order.append(k)
            points[k].append((i, step, v))

    def step_metric(k):
        if k in by_name:
            return by_name[k]
        for g, s in reversed(by_glob):
            if fnmatch.fnmatchcase(k, g):
                return s
        return None

    visible = [k for k in order if not k.startswith("_")]
    axis = None
    if step_key is not None:
        axis = None if step_key == "_step" else step_key
    else:
        loss = next((k for k in order if role(k) == "loss"), None)
        if loss is not None:
            axis = step_metric(loss)
        else:
            weight, unaxed = {}, 0
            for k in visible:
                s = step_metric(k)
                if s is not None and s != k:
                    weight[s] = weight.get(s, 0) + len(points[k])
                else:
                    unaxed += len(points[k])
            if weight:
                best = max(sorted(weight), key=lambda s: weight[s])
                if weight[best] > unaxed:
                    axis = best
    if axis is not None and (axis not in points or any(v != math.floor(v) or abs(v) > 2**53 for _, _, v in points[axis])):
        axis = None
    out = {}
    for k in visible:
        if k == axis:
            continue
        pts = []
        for (row, step, v) in points[k]:
            if axis is None:
                pts.append((step, v))
            else:
                prior = [a for a in points[axis] if a[0] <= row]
                if prior:
                    pts.append((int(prior[-1][2]), v))
        out[k] = pts
    return out, axis


def normalized(pts):
    last = {}
    for s, v in pts:
        last[s] = v
    return sorted(last.items())


# --- the writer: random runs through the real SDK -------------------------------------------------------------

NOT_METRICS = [True, False, None, "text", [1, 2, 3]]


def value(rng, walk, odd=NOT_METRICS):
    """The next logged value of a metric whose walk is at `walk`: mostly the walk, sometimes NaN, ±Infinity, an
    integer, a numpy float32, or one of `odd` (values that are not metrics, or other types the writer takes)."""
    r = rng.random()
    if r < 0.03:
        return float("nan")
    if r < 0.05:
        return rng.choice([float("inf"), -float("inf")])
    if r < 0.10:
        return rng.randint(-5, 10**6)
    if r < 0.13:
        return np.float32(walk)
    if r < 0.15:
        return rng.choice(odd)
    return walk


def make_run(rng, root, index):
    names = rng.sample(list({r: rng.choice(n) for r, n in ROLES.items()}.values()), rng.randint(1, 4))
    names += rng.sample(OTHER, rng.randint(0, 3))
    nested = rng.random() < 0.2
    defs = []
    sm = rng.choice(STEP_METRICS)
    if rng.random() < 0.5:
        for _ in range(rng.randint(1, 3)):
            target = rng.choice(["*", "train/*", "eval/*", rng.choice(names)])
            defs.append(target)
    fractional = rng.random() < 0.1
    sync_missing = rng.random() < 0.3
    mode = rng.choice(["step", "implicit", "commit"])
    n_rows = rng.choice([rng.randint(1, 30), rng.randint(30, 400)])
    big = rng.random() < 0.15
    run = wandb.init(project="fuzz", dir=os.path.join(root, f"run{index}"), reinit="finish_previous")
    for d in defs:
        if d in names:
            run.define_metric(d, step_metric=sm)
        else:
            run.define_metric(d, step_metric=sm, step_sync=True)
    walks = {k: rng.uniform(0.1, 5) for k in names}
    step = 0
    for i in range(n_rows):
        row = {}
        for k in names:
            if rng.random() < 0.7:
                walks[k] *= math.exp(rng.gauss(-0.01, 0.05))
                row[k] = value(rng, walks[k])
        if defs and (not sync_missing or rng.random() < 0.6):
            row[sm] = (step / 4) if fractional else step
        if nested and row:
            k = rng.choice(list(row))
            row["group"] = {"inner": {"deep": row.pop(k)}} if rng.random() < 0.5 else {k: row.pop(k)}
        if big:
            row["blob"] = "z" * rng.randint(20000, 90000)
        if rng.random() < 0.05:
            row["hist"] = wandb.Histogram([rng.random() for _ in range(10)])
        if mode == "step":
            step += rng.randint(0, 3)
            run.log(row, step=step)
        elif mode == "implicit":
            run.log(row)
            step += 1
        else:
            run.log(row, commit=rng.random() < 0.6)
            step += 1
    run.finish()
    path = glob.glob(os.path.join(root, f"run{index}", "wandb", "*run-*", "run-*.wandb"))[0]
    # W&B's core process may still be writing the file's tail when finish() returns: wait for the exit record.
    for _ in range(200):
        if finished(path):
            return path
        time.sleep(0.05)
    raise SystemExit(f"run {index}: W&B never wrote the exit record to {path}")


def finished(path):
    for d in records(path):
        r = pb.Record()
        r.ParseFromString(d)
        if r.WhichOneof("record_type") == "exit":
            return True
    return False


def damage(rng, path):
    b = bytearray(open(path, "rb").read())
    kind = rng.choice(["flip", "cut", "zero"])
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif kind == "cut":
        b = b[:rng.randrange(1, len(b))]
    else:
        start = rng.randrange(len(b))
        n = min(len(b) - start, rng.randint(1, 40000))
        b[start:start + n] = bytes(n)
    out = path + ".damaged.wandb"
    open(out, "wb").write(b)
    return out, kind


def read_log(path, *flags):
    p = subprocess.run([LRKIT, "read-log", path, *flags], capture_output=True, text=True)
    return p


def series_of(out):
    d = json.loads(out)
    renamed = {}
    for note in d["notes"]:
        m = re.match(r"read '(.+)' as the (training|validation) loss", note)
        if m:
            renamed[m.group(1)] = "loss" if m.group(2) == "training" else "eval_loss"
    got = {}
    for name, s in d["series"].items():
        vals = [float(v) if isinstance(v, str) else v for v in s["values"]]
        got[name] = list(zip(s["steps"], vals))
    return got, renamed


KEEP = "/tmp/fuzz-wandb-failures"


def keep(path):
    """Copies a failing case's file where it survives the temporary directory."""
    os.makedirs(KEEP, exist_ok=True)
    dest = os.path.join(KEEP, os.path.basename(os.path.dirname(os.path.dirname(os.path.dirname(path)))) + "-" + os.path.basename(path))
    shutil.copy(path, dest)


def same(a, b):
    return len(a) == len(b) and all(x[0] == y[0] and (x[1] == y[1] or (math.isnan(x[1]) and math.isnan(y[1]))) for x, y in zip(a, b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--count", type=int, default=100)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    rng = random.Random(seed)
    print(f"seed {seed}", flush=True)
    failures, points, damaged, fragmented = [], 0, 0, 0
    with tempfile.TemporaryDirectory() as root:
        for i in range(args.count):
            path = make_run(rng, root, i)
            exp, axis = expected(path)
            if any(len(d) > 32768 - 7 for d in records(path)):
                fragmented += 1
            p = read_log(path)
            numeric = {k: v for k, v in exp.items() if v}
            if not numeric:
                if p.returncode != 1 or path not in p.stderr:
                    failures.append((i, "no metrics: expected an error naming the file", p.stderr[-300:]))
                continue
            if p.returncode != 0:
                failures.append((i, "read failed", p.stderr[-300:]))
                continue
            got, renamed = series_of(p.stdout)
            claimed = {}
            for k, pts in numeric.items():
                name = renamed.get(k, role(k))
                if name in claimed:
                    continue  # two keys of one role: the later row's value wins, checked by the unit tests
                claimed[name] = k
                want = normalized(pts)
                points += len(want)
                have = got.get(name, [])
                if not same(have, want):
                    at = next((j for j, (x, y) in enumerate(zip(have, want)) if not same([x], [y])), min(len(have), len(want)))
                    failures.append((i, f"{k} as {name} (axis {axis}), {len(have)} points for {len(want)}, first difference at {at}",
                                     f"got {have[at:at + 3]} want {want[at:at + 3]}"))
                    keep(path)
            if rng.random() < 0.35:
                bad, kind = damage(rng, path)
                damaged += 1
                q = read_log(bad)
                if q.returncode not in (0, 1):
                    failures.append((i, f"damaged ({kind}): crashed with {q.returncode}", q.stderr[-300:]))
                elif q.returncode == 1 and bad not in q.stderr:
                    failures.append((i, f"damaged ({kind}): error without the file's name", q.stderr[-300:]))
                elif q.returncode == 0:
                    got2, renamed2 = series_of(q.stdout)
                    allowed = {}
                    for k, pts in numeric.items():
                        allowed.setdefault(renamed2.get(k, role(k)), set()).update(
                            "nan" if math.isnan(v) else v for _, v in pts)
                    for name, pts in got2.items():
                        if name not in allowed:
                            continue
                        stray = [v for _, v in pts if ("nan" if math.isnan(v) else v) not in allowed[name]]
                        if stray:
                            failures.append((i, f"damaged ({kind}): {name} has values never logged", str(stray[:3])))
                            keep(path)
                            keep(bad)
            if (i + 1) % 25 == 0:
                print(f"{i + 1} runs, {points} points, {damaged} damaged, {len(failures)} failures", flush=True)
    print(f"seed {seed}: {args.count} runs ({fragmented} with records split across blocks), {points} points compared, "
          f"{damaged} damaged files, {len(failures)} failures")
    for f in failures[:20]:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
