#!/usr/bin/env python3
"""Differential fuzzing of LRKit's DVCLive reader against DVCLive's own writer, new seed each run.

Never run by CI. Needs DVCLive and wandb installed apart (this script shares fuzz-wandb.py's role table and
comparison; `pip install --target /tmp/wb dvclive wandb`) and a release build of lrkit:

    PYTHONPATH=/tmp/wb /work/venv/peers/bin/python Scripts/fuzz-dvclive.py [--seed N] [--count N]

Each case is a random run written by the real `dvclive.Live`: random metric names (paths of one to three parts,
spaces, non-ASCII), random values (floats, NaN, ±Infinity, integers, numpy float32 and int64), steps by
`next_step()`, by setting `live.step` (jumps, repeats), and resumed runs (`Live(resume=True)` appending to the same
files). The expectation is what the run passed to `log_metric`, at DVCLive's step, the last value of a repeated step
winning; `lrkit read-log` on the folder must give exactly those points under each metric's role or name.
"""
import argparse
import importlib.util
import math
import os
import random
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("fuzz_wandb", os.path.join(HERE, "fuzz-wandb.py"))
fw = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fw)
from dvclive import Live  # noqa: E402

EXTRA = ["acc", "train/acc", "metrics/f1", "gpu mem", "perte", "损失", "deep/er/name", "score top-5"]


# DVCLive takes numbers only: numpy integers in place of W&B's strings, booleans and lists.
NUMPY_INTS = [np.int64(0), np.int64(7), np.int64(12345)]


def make_run(rng, root):
    names = rng.sample(list({r: rng.choice(n) for r, n in fw.ROLES.items()}.values()), rng.randint(1, 4))
    names += rng.sample(EXTRA, rng.randint(0, 2))
    # DVCLive keeps a summary keyed by path: `loss` and `loss/train` cannot both be metrics.
    names = [n for n in names if not any(m.startswith(n + "/") for m in names)]
    walks = {k: rng.uniform(0.1, 5) for k in names}
    logged = {k: [] for k in names}
    folder = os.path.join(root, "dvclive")
    launches = rng.choice([1, 1, 2, 3])
    total = rng.choice([rng.randint(1, 20), rng.randint(20, 300)])
    for launch in range(launches):
        with Live(dir=folder, resume=launch > 0, save_dvc_exp=False, report=None, dvcyaml=None) as live:
            for _ in range(max(1, total // launches)):
                for k in names:
                    if rng.random() < 0.7:
                        walks[k] *= math.exp(rng.gauss(-0.01, 0.05))
                        v = fw.value(rng, walks[k], NUMPY_INTS)
                        live.log_metric(k, v)
                        # DVCLive writes str(v): a numpy float32 as its shortest float32 text ("0.1").
                        logged[k].append((live.step, float(str(v)) if isinstance(v, np.float32) else float(v)))
                r = rng.random()
                if r < 0.8:
                    live.next_step()
                elif r < 0.9:
                    live.step = live.step + rng.randint(2, 50)
                elif live.step > 0:
                    live.step = live.step - 1
    return folder, logged


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--count", type=int, default=100)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    rng = random.Random(seed)
    print(f"seed {seed}", flush=True)
    # DVCLive sets up DVC in the Git repository around the working directory: work outside the repository.
    os.chdir(tempfile.mkdtemp(prefix="fuzz-dvclive-"))
    failures, points = [], 0
    for i in range(args.count):
        with tempfile.TemporaryDirectory() as root:
            folder, logged = make_run(rng, root)
            p = subprocess.run([fw.LRKIT, "read-log", folder], capture_output=True, text=True)
            numeric = {k: v for k, v in logged.items() if v}
            if not numeric:
                continue
            if p.returncode != 0:
                failures.append((i, "read failed", p.stderr[-300:]))
                continue
            got, renamed = fw.series_of(p.stdout)
            for k, pts in numeric.items():
                name = renamed.get(k, fw.role(k))
                want = fw.normalized(pts)
                points += len(want)
                have = got.get(name, [])
                if not fw.same(have, want):
                    at = next((j for j, (x, y) in enumerate(zip(have, want)) if not fw.same([x], [y])), min(len(have), len(want)))
                    failures.append((i, f"{k} as {name}: {len(have)} points for {len(want)}, first difference at {at}",
                                     f"got {have[at:at + 3]} want {want[at:at + 3]}"))
        if (i + 1) % 25 == 0:
            print(f"{i + 1} runs, {points} points, {len(failures)} failures", flush=True)
    print(f"seed {seed}: {args.count} runs, {points} points compared, {len(failures)} failures")
    for f in failures[:20]:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
