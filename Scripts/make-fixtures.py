#!/usr/bin/env python3
"""Parity fixtures for LRKit, computed with the REAL peer libraries.

Never run by CI: the committed JSON files under Tests/LRSchedulesTests/Fixtures/ are the
peers' own values, and the Swift parity tests read those files.

How to run (Linux or macOS, Python 3.11):

    python3 -m venv /work/venv-peers            # any path OUTSIDE the repository
    /work/venv-peers/bin/pip install torch transformers accelerate optax jax timm keras mlx fastai
    /work/venv-peers/bin/pip install "mlx[cpu]"   # Linux only: the CPU backend of mlx
    KERAS_BACKEND=jax /work/venv-peers/bin/python Scripts/make-fixtures.py

    # one library at a time (errors.json is only rewritten by a full run, or with --merge-errors):
    KERAS_BACKEND=jax /work/venv-peers/bin/python Scripts/make-fixtures.py --library torch
    /work/venv-peers/bin/pip install deepspeed ninja  # for --library deepspeed (ninja: its CPU engine)
    /work/venv-peers/bin/python Scripts/make-fixtures.py --library deepspeed --merge-errors

Versions used for the committed fixtures (each fixture file also records its own version):

    torch 2.15.0 (+cu132 wheel, run on CPU), transformers 5.23.0, accelerate 1.15.0,
    optax 0.2.8, jax 0.10.2 / jaxlib 0.10.2, timm 1.0.31, keras 3.15.1 (jax backend),
    mlx 0.32.4 (mlx-cpu 0.32.4), fastai 2.8.12 (fastcore 2.2.39), deepspeed 0.19.8, numpy 2.4.6,
    Python 3.11.7

Output: one JSON file per peer (torch, transformers, optax, timm, keras, mlx, fastai, deepspeed), plus
hf_trainer.json (Hugging Face Trainer step accounting) and errors.json (where a peer refuses):

    {"library": "torch", "version": "2.15.0", "cases": [CASE, ...]}
    CASE = {"name", "spec", "num_steps", "lr": [...], "momentum": [...]?, "metrics": [...]?}

  "spec" is the compatibility spec (DESIGN.md): "type" is the peer's Python path, every other key is
  the peer's own parameter, exactly as passed; "lr" is the optimizer's base lr where the peer takes it
  from the optimizer. "metrics" (plateau only): metrics[k] is passed to sched.step() after update k.
  momentum: OneCycleLR / CyclicLR with cycle_momentum (group["momentum"]) and fastai fit_one_cycle.

  hf_trainer.json: {"name", "config": {...TrainingArguments-like...}, "num_update_steps_per_epoch",
  "max_steps", "num_warmup_steps", "num_train_epochs", "lr": [max_steps values],
  "verified_by_trainer_train"?: true}  (world_size 1 cases are checked against Trainer.train()).

  errors.json: {"name", "spec", "num_steps", "raises_at": "construction" | k, "exception", "message",
  "lr_before_error"?: [the k values produced before update k's lr could not be], "metrics"?}

lr[k] is the learning rate used by optimizer update k (0-based) under the peer's normal usage:
  torch / transformers  record group["lr"], then opt.step(), then sched.step() (chainable values)
  optax                 float(schedule(k)) with jax_enable_x64 on (float64)
  timm                  t_in_epochs=False, sched.step_update(num_updates=k), then record
  keras                 float(schedule(k)) (float32, jax backend, x64 off)
  mlx                   schedule(mx.array(k)).item() (float32)
  fastai                f(k / total_steps), f built exactly as fit_one_cycle / fit_flat_cos build it
  deepspeed             record group["lr"], then opt.step(), then sched.step(), as DeepSpeed's engine
                        steps it (the constructor sets iteration -1's lr); momentum is Adam's betas[0]

Every library runs in its own subprocess (jax_enable_x64 is process-wide, and Keras must keep
float32). All random configurations come from per-library seeded random.Random instances, so
two runs with the same versions write identical files. A full run takes about half an hour on
2 cores, almost all of it Keras's CosineDecayRestarts (its ops.cond is re-traced on every eager call).
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE_DIR = os.path.join(os.path.dirname(HERE), "Tests", "LRSchedulesTests", "Fixtures")
LIBRARIES = ["torch", "transformers", "optax", "timm", "keras", "mlx", "fastai", "deepspeed", "hf_trainer",
             "hf_deepspeed"]
SEEDS = {"torch": 101, "transformers": 202, "optax": 303, "timm": 404, "keras": 505,
         "mlx": 606, "fastai": 707, "deepspeed": 909, "hf_trainer": 808, "hf_deepspeed": 1010}


# ----------------------------------------------------------------------------------------------
# Shared helpers
# ----------------------------------------------------------------------------------------------

def sig(x, digits=3):
    """Round a random float to a few significant digits so specs stay readable."""
    return float(f"{x:.{digits}g}")


def log_uniform(rng, lo, hi):
    return sig(10 ** rng.uniform(math.log10(lo), math.log10(hi)))


def pick_lr(rng):
    r = rng.random()
    if r < 0.25:
        return 0.1
    if r < 0.4:
        return 3e-4
    if r < 0.5:
        return 1.0
    return log_uniform(rng, 1e-5, 1.0)


def pick_steps(rng, lo=1, hi=400):
    """num_steps: mostly in lo..hi, occasionally (5%) up to 3000."""
    if rng.random() < 0.05:
        return rng.randint(hi, 3000)
    return rng.randint(lo, hi)


def short(spec):
    """A compact one-line description of a spec, for case names."""
    if "type" not in spec:  # a form Keras wrote: its label says which
        return spec.get("class_name") or spec.get("name") or ""
    parts = []
    for k, v in spec.items():
        if k == "type":
            continue
        if isinstance(v, list) and v and isinstance(v[0], dict) and "type" in v[0]:
            v = "[" + ",".join(short_type(c) for c in v) + "]"
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            v = f"[{len(v)} cycles]"
        elif isinstance(v, dict):
            v = json.dumps(v, separators=(",", ":"))
        parts.append(f"{k}={v}")
    return ",".join(parts)


def short_type(spec):
    if "type" not in spec:  # a form the peer wrote itself
        return "timm" if "sched" in spec else "keras"
    return spec["type"].rsplit(".", 1)[1]


class Namer:
    """Keeps case names unique inside one fixture file."""

    def __init__(self):
        self.seen = {}

    def __call__(self, name):
        n = self.seen.get(name, 0)
        self.seen[name] = n + 1
        return name if n == 0 else f"{name} #{n + 1}"


def as_float(x):
    v = float(x)
    if not math.isfinite(v):
        raise ValueError(f"non-finite value {v!r} in a fixture")
    return v


def write_json(path, obj):
    text = json.dumps(obj, separators=(",", ":"), allow_nan=False)
    with open(path, "w") as f:
        f.write(text)
        f.write("\n")
    return len(text)


def error_record(exc):
    return type(exc).__name__, str(exc)


class StepError(Exception):
    """Raised by the runners: the peer failed while producing lr[k]."""

    def __init__(self, k, exc, lr_before):
        super().__init__(str(exc))
        self.k = k
        self.exc = exc
        self.lr_before = lr_before


class ConstructionError(Exception):
    def __init__(self, exc):
        super().__init__(str(exc))
        self.exc = exc


def step_and_record(opt, sched, num_steps, momentum=None):
    """lr[k] (and momentum(group)[k]) as recorded before optimizer update k, with sched.step() after each
    update, as a training loop (or DeepSpeed's engine) steps it."""
    lrs, moms = [], []
    for k in range(num_steps):
        if k > 0:
            opt.step()
            try:
                sched.step()
            except Exception as e:  # noqa: BLE001
                raise StepError(k, e, lrs)
        g = opt.param_groups[0]
        lrs.append(as_float(g["lr"]))
        if momentum:
            moms.append(as_float(momentum(g)))
    return {"lr": lrs, "momentum": moms} if momentum else {"lr": lrs}


def run_error_case(runner, name, spec, num_steps, **extra):
    """Run a spec that the peer is expected to refuse; return an errors.json case."""
    try:
        out = runner(spec, num_steps, **extra)
    except ConstructionError as e:
        etype, msg = error_record(e.exc)
        return {"name": name, "spec": spec, "num_steps": num_steps, "raises_at": "construction",
                "exception": etype, "message": msg}
    except StepError as e:
        etype, msg = error_record(e.exc)
        case = {"name": name, "spec": spec, "num_steps": num_steps, "raises_at": e.k,
                "exception": etype, "message": msg, "lr_before_error": e.lr_before}
        if "metrics" in extra:
            case["metrics"] = extra["metrics"]
        return case
    raise AssertionError(f"error case {name!r} did not raise: lr={out['lr'][:5]}...")


# ----------------------------------------------------------------------------------------------
# torch
# ----------------------------------------------------------------------------------------------

def torch_build(spec, opt):
    import torch.optim.lr_scheduler as S
    cls = getattr(S, spec["type"].rsplit(".", 1)[1])
    kw = {k: v for k, v in spec.items() if k not in ("type", "lr")}
    if "schedulers" in kw:
        kw["schedulers"] = [torch_build(c, opt) for c in kw["schedulers"]]
    return cls(optimizer=opt, **kw)


def torch_make_optimizer(spec):
    import torch
    p = torch.nn.Parameter(torch.zeros(1))
    if "lr" in spec:
        return torch.optim.SGD([p], lr=spec["lr"], momentum=0.9)
    return torch.optim.SGD([p], momentum=0.9)


def torch_tracks_momentum(spec):
    return spec["type"].endswith(("OneCycleLR", "CyclicLR")) and spec.get("cycle_momentum", True)


def torch_run(spec, num_steps, metrics=None):
    """lr[k] as recorded before optimizer update k; sched.step() after each update."""
    opt = torch_make_optimizer(spec)
    try:
        sched = torch_build(spec, opt)
    except Exception as e:  # noqa: BLE001 - the peer's own exception is the fixture
        raise ConstructionError(e)
    plateau = spec["type"].endswith("ReduceLROnPlateau")
    mom = torch_tracks_momentum(spec)
    lrs, moms = [], []
    for k in range(num_steps):
        if k > 0:
            opt.step()
            try:
                if plateau:
                    sched.step(metrics[k - 1])
                else:
                    sched.step()
            except Exception as e:  # noqa: BLE001
                raise StepError(k, e, lrs)
        g = opt.param_groups[0]
        lrs.append(as_float(g["lr"]))
        if mom:
            moms.append(as_float(g["momentum"]))
    out = {"lr": lrs}
    if mom:
        out["momentum"] = moms
    return out


def plateau_metrics(rng, n, mode):
    """A random walk with improving stretches and plateaus, so reductions really happen."""
    vals, v = [], rng.uniform(0.5, 5.0)
    while len(vals) < n:
        seg = rng.randint(1, 25)
        kind = rng.random()
        for _ in range(seg):
            if kind < 0.4:      # improving
                v = v * (1 - rng.uniform(0.0, 0.05)) if mode == "min" else v * (1 + rng.uniform(0.0, 0.05))
            elif kind < 0.8:    # plateau with small noise
                v = v * (1 + rng.uniform(-0.002, 0.002))
            else:               # getting worse
                v = v * (1 + rng.uniform(0.0, 0.03)) if mode == "min" else v * (1 - rng.uniform(0.0, 0.03))
            vals.append(round(v, 6))
    return vals[:n]


def torch_cases(rng):
    P = "torch.optim.lr_scheduler."
    cases = []  # (spec, num_steps, metrics-or-None, label)

    def add(spec, n, metrics=None, label=""):
        cases.append((spec, n, metrics, label))

    # StepLR
    add({"type": P + "StepLR", "lr": 0.1, "step_size": 3, "gamma": 0.5}, 20)
    add({"type": P + "StepLR", "lr": 0.1, "step_size": 1}, 12, label="default gamma")
    add({"type": P + "StepLR", "lr": 3e-4, "step_size": 100, "gamma": 0.9}, 350)
    add({"type": P + "StepLR", "lr": 1.0, "step_size": 7, "gamma": 1.0}, 30, label="gamma 1")
    add({"type": P + "StepLR", "lr": 0.1, "step_size": 2, "gamma": 0.5}, 1, label="one step")
    add({"type": P + "StepLR", "lr": 0.05, "step_size": 250, "gamma": 0.3}, 3000, label="long")
    for _ in range(8):
        add({"type": P + "StepLR", "lr": pick_lr(rng), "step_size": rng.randint(1, 60),
             "gamma": sig(rng.uniform(0.05, 0.99))}, pick_steps(rng))

    # MultiStepLR
    add({"type": P + "MultiStepLR", "lr": 0.1, "milestones": [2, 2, 4], "gamma": 0.1}, 8, label="duplicate milestones")
    add({"type": P + "MultiStepLR", "lr": 0.1, "milestones": [0, 5], "gamma": 0.5}, 10, label="milestone 0")
    add({"type": P + "MultiStepLR", "lr": 0.1, "milestones": [0, 0, 3]}, 6, label="milestone 0 twice, default gamma")
    add({"type": P + "MultiStepLR", "lr": 1.0, "milestones": [30, 10, 20], "gamma": 0.5}, 40, label="unsorted")
    add({"type": P + "MultiStepLR", "lr": 0.1, "milestones": [500, 1000], "gamma": 0.1}, 300, label="milestones past end")
    add({"type": P + "MultiStepLR", "lr": 0.1, "milestones": [], "gamma": 0.1}, 5, label="no milestones")
    add({"type": P + "MultiStepLR", "lr": 0.1, "milestones": [1], "gamma": 0.5}, 1, label="one step")
    for _ in range(8):
        n = pick_steps(rng)
        ms = sorted(rng.randint(0, max(1, n)) for _ in range(rng.randint(1, 5)))
        add({"type": P + "MultiStepLR", "lr": pick_lr(rng), "milestones": ms,
             "gamma": sig(rng.uniform(0.05, 0.95))}, n)

    # ConstantLR
    add({"type": P + "ConstantLR", "lr": 0.1}, 10, label="defaults")
    add({"type": P + "ConstantLR", "lr": 0.1, "factor": 0.5, "total_iters": 3}, 6)
    add({"type": P + "ConstantLR", "lr": 0.1, "factor": 0.5, "total_iters": 0}, 6, label="total_iters 0")
    add({"type": P + "ConstantLR", "lr": 0.1, "factor": 1.0, "total_iters": 4}, 8, label="factor 1")
    add({"type": P + "ConstantLR", "lr": 0.1, "factor": 0.25, "total_iters": 1}, 4)
    add({"type": P + "ConstantLR", "lr": 0.1, "factor": 0.5, "total_iters": 10}, 1, label="one step")
    add({"type": P + "ConstantLR", "lr": 0.1, "factor": 0.3, "total_iters": 5}, 5, label="ends just before total_iters")
    for _ in range(8):
        add({"type": P + "ConstantLR", "lr": pick_lr(rng), "factor": sig(rng.uniform(0.01, 1.0)),
             "total_iters": rng.randint(0, 200)}, pick_steps(rng))

    # LinearLR
    add({"type": P + "LinearLR", "lr": 0.1}, 10, label="defaults")
    add({"type": P + "LinearLR", "lr": 0.1, "start_factor": 0.5, "end_factor": 1.0, "total_iters": 4}, 6)
    add({"type": P + "LinearLR", "lr": 0.1, "start_factor": 0.5, "total_iters": 0}, 5, label="total_iters 0")
    add({"type": P + "LinearLR", "lr": 0.1, "start_factor": 1.0, "end_factor": 0.0, "total_iters": 10}, 15, label="decay to 0")
    add({"type": P + "LinearLR", "lr": 1.0, "start_factor": 0.001, "end_factor": 1.0, "total_iters": 2000}, 2500, label="long warmup")
    add({"type": P + "LinearLR", "lr": 0.1, "start_factor": 0.25, "end_factor": 0.75, "total_iters": 1}, 3)
    add({"type": P + "LinearLR", "lr": 0.1, "start_factor": 0.1, "end_factor": 0.1, "total_iters": 5}, 8, label="flat")
    for _ in range(8):
        add({"type": P + "LinearLR", "lr": pick_lr(rng), "start_factor": sig(rng.uniform(0.001, 1.0)),
             "end_factor": sig(rng.uniform(0.0, 1.0)), "total_iters": rng.randint(0, 300)}, pick_steps(rng))

    # ExponentialLR
    add({"type": P + "ExponentialLR", "lr": 0.1, "gamma": 0.9}, 20)
    add({"type": P + "ExponentialLR", "lr": 0.1, "gamma": 0.999}, 3000, label="long")
    add({"type": P + "ExponentialLR", "lr": 0.1, "gamma": 1.0}, 5, label="gamma 1")
    add({"type": P + "ExponentialLR", "lr": 0.01, "gamma": 1.01}, 100, label="growing")
    add({"type": P + "ExponentialLR", "lr": 0.1, "gamma": 0.5}, 1, label="one step")
    for _ in range(8):
        add({"type": P + "ExponentialLR", "lr": pick_lr(rng), "gamma": sig(rng.uniform(0.9, 0.9999), 4)}, pick_steps(rng))

    # PolynomialLR
    add({"type": P + "PolynomialLR", "lr": 0.1}, 8, label="defaults")
    add({"type": P + "PolynomialLR", "lr": 0.1, "total_iters": 4, "power": 1.0}, 6)
    add({"type": P + "PolynomialLR", "lr": 0.1, "total_iters": 10, "power": 2.0}, 15)
    add({"type": P + "PolynomialLR", "lr": 0.1, "total_iters": 1, "power": 1.0}, 3)
    add({"type": P + "PolynomialLR", "lr": 1.0, "total_iters": 1000, "power": 0.5}, 1200)
    for _ in range(8):
        add({"type": P + "PolynomialLR", "lr": pick_lr(rng), "total_iters": rng.randint(1, 400),
             "power": sig(rng.uniform(0.3, 4.0))}, pick_steps(rng))

    # CosineAnnealingLR
    add({"type": P + "CosineAnnealingLR", "lr": 0.1, "T_max": 10}, 25, label="periodic past T_max")
    add({"type": P + "CosineAnnealingLR", "lr": 0.1, "T_max": 10, "eta_min": 0.01}, 45)
    add({"type": P + "CosineAnnealingLR", "lr": 0.1, "T_max": 1}, 6, label="T_max 1")
    add({"type": P + "CosineAnnealingLR", "lr": 0.1, "T_max": 2, "eta_min": 0.02}, 12)
    add({"type": P + "CosineAnnealingLR", "lr": 3e-4, "T_max": 100, "eta_min": 0.0}, 450)
    add({"type": P + "CosineAnnealingLR", "lr": 0.1, "T_max": 1000}, 3000, label="long")
    add({"type": P + "CosineAnnealingLR", "lr": 0.01, "T_max": 8, "eta_min": 0.05}, 20, label="eta_min above base")
    for _ in range(8):
        lr = pick_lr(rng)
        add({"type": P + "CosineAnnealingLR", "lr": lr, "T_max": rng.randint(1, 300),
             "eta_min": rng.choice([0.0, sig(lr * rng.uniform(0.0, 0.5))])}, pick_steps(rng))

    # CosineAnnealingWarmRestarts
    add({"type": P + "CosineAnnealingWarmRestarts", "lr": 0.1, "T_0": 1, "T_mult": 3}, 250, label="T_0 1 T_mult 3 boundaries")
    add({"type": P + "CosineAnnealingWarmRestarts", "lr": 0.1, "T_0": 3, "T_mult": 2}, 40)
    add({"type": P + "CosineAnnealingWarmRestarts", "lr": 0.1, "T_0": 10}, 35, label="T_mult default")
    add({"type": P + "CosineAnnealingWarmRestarts", "lr": 0.1, "T_0": 10, "T_mult": 1, "eta_min": 0.001}, 35)
    add({"type": P + "CosineAnnealingWarmRestarts", "lr": 0.1, "T_0": 5, "T_mult": 3, "eta_min": 0.01}, 300)
    add({"type": P + "CosineAnnealingWarmRestarts", "lr": 1.0, "T_0": 1, "T_mult": 1}, 5, label="T_0 1")
    add({"type": P + "CosineAnnealingWarmRestarts", "lr": 0.1, "T_0": 2, "T_mult": 2}, 3000, label="long")
    add({"type": P + "CosineAnnealingWarmRestarts", "lr": 0.1, "T_0": 5, "eta_min": -0.1}, 12,
        label="negative eta_min accepted (negative lr)")
    for _ in range(8):
        lr = pick_lr(rng)
        add({"type": P + "CosineAnnealingWarmRestarts", "lr": lr, "T_0": rng.randint(1, 60),
             "T_mult": rng.choice([1, 1, 2, 3]), "eta_min": rng.choice([0.0, sig(lr * rng.uniform(0, 0.3))])},
            pick_steps(rng))

    # OneCycleLR (num_steps = total_steps + 1: the last value is the extrapolated one)
    add({"type": P + "OneCycleLR", "max_lr": 1.0, "total_steps": 10}, 11, label="defaults")
    add({"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 100, "anneal_strategy": "linear"}, 101)
    add({"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 100, "three_phase": True}, 101)
    add({"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 100, "three_phase": True, "anneal_strategy": "linear"}, 101)
    add({"type": P + "OneCycleLR", "max_lr": 0.01, "epochs": 4, "steps_per_epoch": 25}, 101, label="epochs form")
    add({"type": P + "OneCycleLR", "max_lr": 0.01, "epochs": 3, "steps_per_epoch": 7, "pct_start": 0.5,
         "div_factor": 10.0, "final_div_factor": 100.0}, 22, label="epochs form")
    add({"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 50, "cycle_momentum": False}, 51)
    add({"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 50, "base_momentum": 0.8, "max_momentum": 0.9}, 51)
    add({"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 20, "pct_start": 0.0}, 21, label="pct_start 0")
    add({"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 2}, 3, label="total 2")
    add({"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 1000, "pct_start": 0.25}, 1001)
    add({"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 100}, 40, label="stopped early")
    for _ in range(8):
        T = rng.randint(4, 600)
        spec = {"type": P + "OneCycleLR", "max_lr": pick_lr(rng), "total_steps": T,
                "pct_start": sig(rng.uniform(0.05, 0.9), 2)}
        if rng.random() < 0.5:
            spec["anneal_strategy"] = rng.choice(["cos", "linear"])
        if rng.random() < 0.4:
            spec["three_phase"] = True
        if rng.random() < 0.5:
            spec["div_factor"] = sig(rng.uniform(2, 100))
            spec["final_div_factor"] = sig(10 ** rng.uniform(1, 5))
        if abs(spec["pct_start"] * T - 1) < 1e-9 or spec["pct_start"] * T < 1.5:
            spec["pct_start"] = 0.3
        add(spec, T + 1)

    # CyclicLR
    add({"type": P + "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "step_size_down": 3}, 15)
    add({"type": P + "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "step_size_down": 3,
         "mode": "triangular2"}, 30)
    add({"type": P + "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "step_size_down": 3,
         "mode": "exp_range", "gamma": 0.9}, 30)
    add({"type": P + "CyclicLR", "base_lr": 0.001, "max_lr": 0.006, "step_size_up": 20}, 200, label="step_size_down unset")
    add({"type": P + "CyclicLR", "base_lr": 0.001, "max_lr": 0.006}, 3000, label="defaults (step_size_up 2000)")
    add({"type": P + "CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 10, "cycle_momentum": False}, 60)
    add({"type": P + "CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5, "step_size_down": 15,
         "base_momentum": 0.85, "max_momentum": 0.95}, 80)
    add({"type": P + "CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 1, "step_size_down": 1}, 10)
    add({"type": P + "CyclicLR", "base_lr": 0.001, "max_lr": 0.01, "step_size_up": 7, "mode": "exp_range",
         "gamma": 0.99994}, 400)
    for _ in range(8):
        base = log_uniform(rng, 1e-5, 1e-2)
        spec = {"type": P + "CyclicLR", "base_lr": base, "max_lr": sig(base * rng.uniform(2, 20)),
                "step_size_up": rng.randint(1, 80)}
        if rng.random() < 0.6:
            spec["step_size_down"] = rng.randint(1, 80)
        spec["mode"] = rng.choice(["triangular", "triangular2", "exp_range"])
        if spec["mode"] == "exp_range":
            spec["gamma"] = sig(rng.uniform(0.99, 0.99999), 5)
        if rng.random() < 0.3:
            spec["cycle_momentum"] = False
        add(spec, pick_steps(rng))

    # SequentialLR (children carry no "lr")
    def child(name, **kw):
        return {"type": P + name, **kw}

    add({"type": P + "SequentialLR", "lr": 0.1,
         "schedulers": [child("LinearLR", start_factor=0.1, total_iters=3), child("CosineAnnealingLR", T_max=5)],
         "milestones": [3]}, 16, label="warmup then cosine")
    add({"type": P + "SequentialLR", "lr": 0.1,
         "schedulers": [child("ConstantLR", factor=0.5, total_iters=2), child("ExponentialLR", gamma=0.9)],
         "milestones": [0]}, 10, label="milestone 0")
    add({"type": P + "SequentialLR", "lr": 0.1,
         "schedulers": [child("ConstantLR", factor=0.1, total_iters=10), child("ExponentialLR", gamma=0.95),
                        child("StepLR", step_size=5, gamma=0.5)],
         "milestones": [5, 20]}, 60, label="three children")
    add({"type": P + "SequentialLR", "lr": 0.1,
         "schedulers": [child("LinearLR", start_factor=0.01, total_iters=10),
                        child("CosineAnnealingWarmRestarts", T_0=10, T_mult=2, eta_min=0.001)],
         "milestones": [10]}, 100, label="warmup then warm restarts")
    add({"type": P + "SequentialLR", "lr": 0.1,
         "schedulers": [child("LinearLR", start_factor=0.1, total_iters=5), child("MultiStepLR", milestones=[0, 3, 6], gamma=0.5)],
         "milestones": [5]}, 20, label="child milestone 0")
    add({"type": P + "SequentialLR", "lr": 0.1,
         "schedulers": [child("LinearLR", start_factor=0.1, total_iters=5),
                        child("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=3, cycle_momentum=False)],
         "milestones": [5]}, 30, label="cyclic child")
    add({"type": P + "SequentialLR", "lr": 0.1,
         "schedulers": [child("LinearLR", start_factor=0.2, total_iters=4), child("PolynomialLR", total_iters=10, power=2.0)],
         "milestones": [4]}, 20)
    # A composite as a LATER child raises NotImplementedError at its milestone (see errors.json); as the
    # FIRST child it is only ever step()ped.
    add({"type": P + "SequentialLR", "lr": 0.1,
         "schedulers": [child("SequentialLR", schedulers=[child("ConstantLR", factor=0.5, total_iters=3),
                                                          child("StepLR", step_size=2, gamma=0.5)], milestones=[4]),
                        child("ExponentialLR", gamma=0.9)],
         "milestones": [8]}, 20, label="nested SequentialLR first")
    add({"type": P + "SequentialLR", "lr": 0.1,
         "schedulers": [child("ChainedScheduler", schedulers=[child("ConstantLR", factor=0.5, total_iters=3),
                                                              child("ExponentialLR", gamma=0.9)]),
                        child("LinearLR", start_factor=1.0, end_factor=0.1, total_iters=6)],
         "milestones": [5]}, 20, label="nested ChainedScheduler first")
    add({"type": P + "ChainedScheduler", "lr": 0.1,
         "schedulers": [child("SequentialLR", schedulers=[child("LinearLR", start_factor=0.1, total_iters=3),
                                                          child("ExponentialLR", gamma=0.8)], milestones=[3]),
                        child("StepLR", step_size=4, gamma=0.5)]}, 20, label="SequentialLR inside ChainedScheduler")
    add({"type": P + "SequentialLR", "lr": 0.1,
         "schedulers": [child("ConstantLR", factor=0.5, total_iters=100), child("LinearLR", start_factor=1.0, end_factor=0.1, total_iters=5)],
         "milestones": [2]}, 1, label="one step")
    add({"type": P + "SequentialLR", "lr": 0.1,
         "schedulers": [child("LinearLR", start_factor=0.1, total_iters=3), child("ConstantLR", factor=1.0, total_iters=0),
                        child("CosineAnnealingLR", T_max=4, eta_min=0.01)],
         "milestones": [3, 3]}, 12, label="equal milestones")
    for _ in range(6):
        W = rng.randint(1, 50)
        T = rng.randint(5, 300)
        add({"type": P + "SequentialLR", "lr": pick_lr(rng),
             "schedulers": [child("LinearLR", start_factor=sig(rng.uniform(0.001, 0.5)), total_iters=W),
                            rng.choice([child("CosineAnnealingLR", T_max=T, eta_min=0.0),
                                        child("ExponentialLR", gamma=sig(rng.uniform(0.95, 0.999), 4)),
                                        child("StepLR", step_size=rng.randint(1, 50), gamma=0.5),
                                        child("PolynomialLR", total_iters=T, power=sig(rng.uniform(0.5, 3)))])],
             "milestones": [W]}, pick_steps(rng))

    # ChainedScheduler
    add({"type": P + "ChainedScheduler", "lr": 0.1,
         "schedulers": [child("ConstantLR", factor=0.1, total_iters=3), child("ExponentialLR", gamma=0.9)]}, 10)
    add({"type": P + "ChainedScheduler", "lr": 0.1,
         "schedulers": [child("StepLR", step_size=3, gamma=0.5), child("MultiStepLR", milestones=[2, 5], gamma=0.1)]}, 12)
    add({"type": P + "ChainedScheduler", "lr": 0.1,
         "schedulers": [child("LinearLR", start_factor=0.1, total_iters=5), child("CosineAnnealingLR", T_max=20)]}, 45)
    add({"type": P + "ChainedScheduler", "lr": 1.0,
         "schedulers": [child("ExponentialLR", gamma=0.99), child("ExponentialLR", gamma=0.98),
                        child("ConstantLR", factor=0.5, total_iters=0)]}, 30, label="three children")
    add({"type": P + "ChainedScheduler", "lr": 0.1,
         "schedulers": [child("CosineAnnealingWarmRestarts", T_0=4, T_mult=2), child("LinearLR", start_factor=0.5, total_iters=6)]}, 30)
    add({"type": P + "ChainedScheduler", "lr": 0.1, "schedulers": [child("StepLR", step_size=2, gamma=0.5)]}, 8, label="one child")
    add({"type": P + "ChainedScheduler", "lr": 0.1,
         "schedulers": [child("ConstantLR", factor=0.5, total_iters=2), child("PolynomialLR", total_iters=6, power=1.0)]}, 1,
        label="one step")
    for _ in range(6):
        pool = [child("ExponentialLR", gamma=sig(rng.uniform(0.95, 0.999), 4)),
                child("StepLR", step_size=rng.randint(1, 40), gamma=sig(rng.uniform(0.1, 0.9))),
                child("LinearLR", start_factor=sig(rng.uniform(0.01, 1.0)), total_iters=rng.randint(0, 40)),
                child("ConstantLR", factor=sig(rng.uniform(0.05, 1.0)), total_iters=rng.randint(0, 40)),
                child("CosineAnnealingLR", T_max=rng.randint(1, 200), eta_min=0.0),
                child("MultiStepLR", milestones=sorted(rng.sample(range(1, 200), 3)), gamma=0.5)]
        add({"type": P + "ChainedScheduler", "lr": pick_lr(rng), "schedulers": rng.sample(pool, rng.randint(2, 3))},
            pick_steps(rng))

    # ReduceLROnPlateau
    def plateau(n, mode="min", **kw):
        spec = {"type": P + "ReduceLROnPlateau", "lr": kw.pop("lr", 0.1)}
        if mode != "min" or rng.random() < 0.5:
            spec["mode"] = mode
        spec.update(kw)
        add(spec, n, plateau_metrics(rng, n, mode))

    plateau(60, factor=0.5, patience=2, cooldown=1)
    plateau(200, lr=1.0)
    plateau(150, mode="max", factor=0.5, patience=3)
    plateau(150, factor=0.3, patience=1, threshold=0.01, threshold_mode="abs")
    plateau(150, mode="max", factor=0.2, patience=4, threshold=0.05, threshold_mode="abs", cooldown=3)
    plateau(300, factor=0.5, patience=0, min_lr=0.01)
    add({"type": P + "ReduceLROnPlateau", "lr": 1e-3, "factor": 0.5, "patience": 0, "eps": 1e-4}, 40,
        plateau_metrics(rng, 40, "min"), label="eps suppresses small reductions")
    add({"type": P + "ReduceLROnPlateau", "lr": 0.1, "mode": "min", "factor": 0.5, "patience": 2},
        12, [1.0] * 12, label="constant metric")
    add({"type": P + "ReduceLROnPlateau", "lr": 0.1, "factor": 0.5, "patience": 1},
        12, [-1.0, -1.0001, -1.0, -0.5, -0.4, -0.3, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0], label="negative metrics rel")
    add({"type": P + "ReduceLROnPlateau", "lr": 0.1, "factor": 0.5, "patience": 1}, 1, [1.0], label="one step")
    for _ in range(8):
        mode = rng.choice(["min", "max"])
        kw = {"factor": sig(rng.uniform(0.1, 0.9)), "patience": rng.randint(0, 8)}
        if rng.random() < 0.5:
            kw["threshold_mode"] = rng.choice(["rel", "abs"])
            kw["threshold"] = sig(10 ** rng.uniform(-5, -1))
        if rng.random() < 0.5:
            kw["cooldown"] = rng.randint(0, 5)
        lr = pick_lr(rng)
        if rng.random() < 0.5:
            kw["min_lr"] = sig(lr * 10 ** rng.uniform(-3, -0.5))
        plateau(pick_steps(rng, 10, 400), mode=mode, lr=lr, **kw)
    return cases


def torch_errors():
    P = "torch.optim.lr_scheduler."
    return [
        ("OneCycleLR stepped past total_steps", {"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 10}, 12, None),
        ("OneCycleLR pct_start*total_steps == 1", {"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 10, "pct_start": 0.1}, 5, None),
        ("OneCycleLR pct_start 1.0", {"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 10, "pct_start": 1.0}, 11, None),
        ("OneCycleLR int pct_start", {"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 10, "pct_start": 1}, 5, None),
        ("OneCycleLR pct_start > 1", {"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 10, "pct_start": 1.5}, 5, None),
        ("OneCycleLR without total_steps or epochs", {"type": P + "OneCycleLR", "max_lr": 0.1}, 5, None),
        ("OneCycleLR total_steps 0", {"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 0}, 5, None),
        ("OneCycleLR epochs without steps_per_epoch", {"type": P + "OneCycleLR", "max_lr": 0.1, "epochs": 3}, 5, None),
        ("OneCycleLR bad anneal_strategy", {"type": P + "OneCycleLR", "max_lr": 0.1, "total_steps": 10, "anneal_strategy": "cosine"}, 5, None),
        ("CosineAnnealingLR T_max 0", {"type": P + "CosineAnnealingLR", "lr": 0.1, "T_max": 0}, 5, None),
        ("LinearLR start_factor 0", {"type": P + "LinearLR", "lr": 0.1, "start_factor": 0.0, "total_iters": 5}, 5, None),
        ("LinearLR end_factor > 1", {"type": P + "LinearLR", "lr": 0.1, "start_factor": 0.5, "end_factor": 1.5}, 5, None),
        ("ConstantLR factor > 1", {"type": P + "ConstantLR", "lr": 0.1, "factor": 1.5}, 5, None),
        ("ConstantLR factor 0 at total_iters", {"type": P + "ConstantLR", "lr": 0.1, "factor": 0.0, "total_iters": 3}, 6, None),
        ("ReduceLROnPlateau factor 1", {"type": P + "ReduceLROnPlateau", "lr": 0.1, "factor": 1.0}, 5, [1.0] * 5),
        ("ReduceLROnPlateau factor > 1", {"type": P + "ReduceLROnPlateau", "lr": 0.1, "factor": 2.0}, 5, [1.0] * 5),
        ("ReduceLROnPlateau bad mode", {"type": P + "ReduceLROnPlateau", "lr": 0.1, "mode": "minimum"}, 5, [1.0] * 5),
        ("ReduceLROnPlateau bad threshold_mode", {"type": P + "ReduceLROnPlateau", "lr": 0.1, "threshold_mode": "relative"}, 5, [1.0] * 5),
        ("CosineAnnealingWarmRestarts T_0 0", {"type": P + "CosineAnnealingWarmRestarts", "lr": 0.1, "T_0": 0}, 5, None),
        ("CosineAnnealingWarmRestarts T_mult 0", {"type": P + "CosineAnnealingWarmRestarts", "lr": 0.1, "T_0": 5, "T_mult": 0}, 5, None),
        ("CosineAnnealingWarmRestarts float T_mult", {"type": P + "CosineAnnealingWarmRestarts", "lr": 0.1, "T_0": 5, "T_mult": 1.5}, 5, None),
        ("CosineAnnealingWarmRestarts float T_0", {"type": P + "CosineAnnealingWarmRestarts", "lr": 0.1, "T_0": 5.0}, 5, None),
        ("CyclicLR bad mode", {"type": P + "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "mode": "triangle"}, 5, None),
        ("SequentialLR wrong milestone count", {"type": P + "SequentialLR", "lr": 0.1,
            "schedulers": [{"type": P + "ConstantLR"}, {"type": P + "ExponentialLR", "gamma": 0.9}], "milestones": [2, 4]}, 5, None),
        ("SequentialLR with ReduceLROnPlateau child", {"type": P + "SequentialLR", "lr": 0.1,
            "schedulers": [{"type": P + "ConstantLR"}, {"type": P + "ReduceLROnPlateau"}], "milestones": [2]}, 5, None),
        ("ChainedScheduler with ReduceLROnPlateau child", {"type": P + "ChainedScheduler", "lr": 0.1,
            "schedulers": [{"type": P + "ConstantLR"}, {"type": P + "ReduceLROnPlateau"}]}, 5, None),
        ("SequentialLR with a nested SequentialLR as a later child", {"type": P + "SequentialLR", "lr": 0.1,
            "schedulers": [{"type": P + "ExponentialLR", "gamma": 0.9},
                           {"type": P + "SequentialLR", "schedulers": [{"type": P + "ConstantLR", "factor": 0.5, "total_iters": 3},
                                                                     {"type": P + "StepLR", "step_size": 2, "gamma": 0.5}],
                            "milestones": [4]}], "milestones": [6]}, 20, None),
        ("SequentialLR with a nested ChainedScheduler as a later child", {"type": P + "SequentialLR", "lr": 0.1,
            "schedulers": [{"type": P + "LinearLR", "start_factor": 0.1, "total_iters": 4},
                           {"type": P + "ChainedScheduler", "schedulers": [{"type": P + "ConstantLR", "factor": 0.5, "total_iters": 3},
                                                                         {"type": P + "ExponentialLR", "gamma": 0.9}]}],
            "milestones": [4]}, 20, None),
        ("StepLR without step_size", {"type": P + "StepLR", "lr": 0.1, "gamma": 0.5}, 5, None),
        ("StepLR misspelled gama", {"type": P + "StepLR", "lr": 0.1, "step_size": 3, "gama": 0.5}, 5, None),
        ("StepLR step_size as a string", {"type": P + "StepLR", "lr": 0.1, "step_size": "3"}, 5, None),
        ("StepLR step_size 0", {"type": P + "StepLR", "lr": 0.1, "step_size": 0}, 5, None),
        ("MultiStepLR milestones as a number", {"type": P + "MultiStepLR", "lr": 0.1, "milestones": 3}, 5, None),
        ("ExponentialLR without gamma", {"type": P + "ExponentialLR", "lr": 0.1}, 5, None),
        ("LinearLR total_iters as a string", {"type": P + "LinearLR", "lr": 0.1, "total_iters": "5"}, 5, None),
    ]


# ----------------------------------------------------------------------------------------------
# transformers
# ----------------------------------------------------------------------------------------------

def transformers_run(spec, num_steps):
    import torch
    import transformers
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=spec["lr"], momentum=0.9)
    fn = getattr(transformers, spec["type"].split(".", 1)[1])
    kw = {k: v for k, v in spec.items() if k not in ("type", "lr")}
    try:
        sched = fn(optimizer=opt, **kw)
    except Exception as e:  # noqa: BLE001
        raise ConstructionError(e)
    return step_and_record(opt, sched, num_steps)


def transformers_cases(rng):
    T = "transformers."
    cases = []

    def add(spec, n, label=""):
        cases.append((spec, n, None, label))

    def wt(total=None):
        """Random (warmup, total) pairs including the edges."""
        if total is None:
            total = rng.randint(1, 400)
        r = rng.random()
        if r < 0.15:
            w = 0
        elif r < 0.25:
            w = total
        else:
            w = rng.randint(0, max(0, total // 3))
        return w, total

    def past(total):
        r = rng.random()
        if r < 0.4:
            return total + rng.randint(1, max(2, total // 2 + 1))
        return max(1, min(total, rng.randint(1, total)) if r < 0.5 else total)

    # constant
    add({"type": T + "get_constant_schedule", "lr": 0.1}, 5)
    add({"type": T + "get_constant_schedule", "lr": 3e-4}, 1, label="one step")
    for _ in range(10):
        add({"type": T + "get_constant_schedule", "lr": pick_lr(rng)}, pick_steps(rng))

    # constant_with_warmup
    add({"type": T + "get_constant_schedule_with_warmup", "lr": 1.0, "num_warmup_steps": 3}, 8)
    add({"type": T + "get_constant_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 0}, 5, label="warmup 0")
    add({"type": T + "get_constant_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 1}, 3, label="warmup 1")
    for _ in range(10):
        add({"type": T + "get_constant_schedule_with_warmup", "lr": pick_lr(rng), "num_warmup_steps": rng.randint(0, 200)},
            pick_steps(rng))

    # linear
    add({"type": T + "get_linear_schedule_with_warmup", "lr": 1.0, "num_warmup_steps": 2, "num_training_steps": 6}, 8)
    add({"type": T + "get_linear_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 0, "num_training_steps": 10}, 12, label="warmup 0")
    add({"type": T + "get_linear_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 10, "num_training_steps": 10}, 15, label="warmup = total")
    add({"type": T + "get_linear_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 10, "num_training_steps": 5}, 15, label="warmup > total")
    add({"type": T + "get_linear_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 0, "num_training_steps": 1}, 1, label="total 1")
    add({"type": T + "get_linear_schedule_with_warmup", "lr": 5e-5, "num_warmup_steps": 300, "num_training_steps": 3000}, 3000)
    for _ in range(10):
        w, t = wt()
        add({"type": T + "get_linear_schedule_with_warmup", "lr": pick_lr(rng), "num_warmup_steps": w,
             "num_training_steps": t}, past(t))

    # cosine
    add({"type": T + "get_cosine_schedule_with_warmup", "lr": 1.0, "num_warmup_steps": 2, "num_training_steps": 6}, 10, label="past total")
    add({"type": T + "get_cosine_schedule_with_warmup", "lr": 0.001, "num_warmup_steps": 10, "num_training_steps": 100,
         "num_cycles": 0.5}, 100)
    add({"type": T + "get_cosine_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 0, "num_training_steps": 20,
         "num_cycles": 1.0}, 30, label="one wave")
    add({"type": T + "get_cosine_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 0, "num_training_steps": 20,
         "num_cycles": 2.5}, 25)
    add({"type": T + "get_cosine_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 8, "num_training_steps": 8}, 12, label="warmup = total")
    add({"type": T + "get_cosine_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 0, "num_training_steps": 1}, 1, label="total 1")
    for _ in range(10):
        w, t = wt()
        spec = {"type": T + "get_cosine_schedule_with_warmup", "lr": pick_lr(rng), "num_warmup_steps": w, "num_training_steps": t}
        if rng.random() < 0.5:
            spec["num_cycles"] = sig(rng.uniform(0.25, 3.0), 2)
        add(spec, past(t))

    # cosine_with_hard_restarts
    add({"type": T + "get_cosine_with_hard_restarts_schedule_with_warmup", "lr": 1.0, "num_warmup_steps": 0,
         "num_training_steps": 6, "num_cycles": 2}, 8)
    add({"type": T + "get_cosine_with_hard_restarts_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 5,
         "num_training_steps": 50}, 60, label="default cycles")
    add({"type": T + "get_cosine_with_hard_restarts_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 10,
         "num_training_steps": 100, "num_cycles": 3}, 110)
    add({"type": T + "get_cosine_with_hard_restarts_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 0,
         "num_training_steps": 30, "num_cycles": 7}, 31, label="cycles do not divide")
    add({"type": T + "get_cosine_with_hard_restarts_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 0,
         "num_training_steps": 20, "num_cycles": 2.5}, 22, label="fractional cycles")
    for _ in range(10):
        w, t = wt()
        add({"type": T + "get_cosine_with_hard_restarts_schedule_with_warmup", "lr": pick_lr(rng), "num_warmup_steps": w,
             "num_training_steps": t, "num_cycles": rng.randint(1, 6)}, past(t))

    # polynomial
    add({"type": T + "get_polynomial_decay_schedule_with_warmup", "lr": 1.0, "num_warmup_steps": 2, "num_training_steps": 6}, 9)
    add({"type": T + "get_polynomial_decay_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 10, "num_training_steps": 100,
         "lr_end": 0.01, "power": 2.0}, 120)
    add({"type": T + "get_polynomial_decay_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 0, "num_training_steps": 50,
         "lr_end": 0.0, "power": 0.5}, 60, label="lr_end 0")
    add({"type": T + "get_polynomial_decay_schedule_with_warmup", "lr": 3e-4, "num_warmup_steps": 0, "num_training_steps": 1,
         "lr_end": 1e-7}, 3, label="total 1")
    for _ in range(10):
        w, t = wt()
        if w == t:
            w = max(0, t - 1)  # W == T divides by zero at s == T (see errors.json)
        lr = pick_lr(rng)
        spec = {"type": T + "get_polynomial_decay_schedule_with_warmup", "lr": lr, "num_warmup_steps": w, "num_training_steps": t}
        if rng.random() < 0.7:
            spec["lr_end"] = sig(lr * 10 ** rng.uniform(-4, -0.5))
        if rng.random() < 0.7:
            spec["power"] = sig(rng.uniform(0.3, 4.0))
        add(spec, past(t))

    # inverse_sqrt
    add({"type": T + "get_inverse_sqrt_schedule", "lr": 1.0, "num_warmup_steps": 2}, 8)
    add({"type": T + "get_inverse_sqrt_schedule", "lr": 1.0, "num_warmup_steps": 0}, 5, label="warmup 0 timescale 10000")
    add({"type": T + "get_inverse_sqrt_schedule", "lr": 0.1, "num_warmup_steps": 10, "timescale": 100}, 400)
    add({"type": T + "get_inverse_sqrt_schedule", "lr": 0.1, "num_warmup_steps": 0, "timescale": 1}, 30, label="timescale 1")
    for _ in range(10):
        spec = {"type": T + "get_inverse_sqrt_schedule", "lr": pick_lr(rng), "num_warmup_steps": rng.randint(0, 200)}
        if rng.random() < 0.5:
            spec["timescale"] = rng.randint(1, 5000)
        add(spec, pick_steps(rng))

    # cosine_with_min_lr
    add({"type": T + "get_cosine_with_min_lr_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 2, "num_training_steps": 6,
         "min_lr": 0.01}, 10, label="min_lr, past total")
    add({"type": T + "get_cosine_with_min_lr_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 2, "num_training_steps": 6,
         "min_lr_rate": 0.1}, 10, label="min_lr_rate, past total")
    add({"type": T + "get_cosine_with_min_lr_schedule_with_warmup", "lr": 0.1, "num_warmup_steps": 0, "num_training_steps": 40,
         "num_cycles": 1.0, "min_lr_rate": 0.05}, 45)
    for _ in range(10):
        w, t = wt()
        lr = pick_lr(rng)
        spec = {"type": T + "get_cosine_with_min_lr_schedule_with_warmup", "lr": lr, "num_warmup_steps": w, "num_training_steps": t}
        if rng.random() < 0.5:
            spec["min_lr"] = sig(lr * rng.uniform(0.0, 0.5))
        else:
            spec["min_lr_rate"] = sig(rng.uniform(0.0, 0.5))
        if rng.random() < 0.3:
            spec["num_cycles"] = sig(rng.uniform(0.25, 2.0), 2)
        add(spec, past(t))

    # cosine_with_min_lr_schedule_with_warmup_lr_rate
    F = T + "get_cosine_with_min_lr_schedule_with_warmup_lr_rate"
    add({"type": F, "lr": 1.0, "num_warmup_steps": 2, "num_training_steps": 6, "min_lr_rate": 0.1}, 9, label="warmup_lr_rate None")
    add({"type": F, "lr": 1.0, "num_warmup_steps": 4, "num_training_steps": 12, "min_lr_rate": 0.1, "warmup_lr_rate": 0.2}, 14)
    add({"type": F, "lr": 0.1, "num_warmup_steps": 1, "num_training_steps": 10, "min_lr": 0.001, "warmup_lr_rate": 0.5}, 12, label="warmup 1")
    add({"type": F, "lr": 0.1, "num_warmup_steps": 0, "num_training_steps": 10, "min_lr": 0.001}, 12, label="warmup 0")
    add({"type": F, "lr": 0.1, "num_warmup_steps": 10, "num_training_steps": 10, "min_lr_rate": 0.0}, 12, label="warmup = total")
    for _ in range(10):
        w, t = wt()
        lr = pick_lr(rng)
        spec = {"type": F, "lr": lr, "num_warmup_steps": w, "num_training_steps": t}
        if rng.random() < 0.5:
            spec["min_lr"] = sig(lr * rng.uniform(0.0, 0.5))
        else:
            spec["min_lr_rate"] = sig(rng.uniform(0.0, 0.5))
        if rng.random() < 0.5:
            spec["warmup_lr_rate"] = sig(rng.uniform(0.0, 0.9))
        if rng.random() < 0.3:
            spec["num_cycles"] = sig(rng.uniform(0.25, 2.0), 2)
        add(spec, past(t))

    # wsd
    Wf = T + "get_wsd_schedule"
    add({"type": Wf, "lr": 1.0, "num_warmup_steps": 2, "num_decay_steps": 4, "num_training_steps": 10,
         "decay_type": "linear", "min_lr_ratio": 0.1}, 12)
    add({"type": Wf, "lr": 1.0, "num_warmup_steps": 3, "num_decay_steps": 4, "num_stable_steps": 5}, 14, label="num_stable_steps only")
    add({"type": Wf, "lr": 1.0, "num_warmup_steps": 3, "num_decay_steps": 4, "num_stable_steps": 2,
         "num_training_steps": 100}, 12, label="both stable and total (stable wins)")
    add({"type": Wf, "lr": 0.1, "num_warmup_steps": 0, "num_decay_steps": 10, "num_training_steps": 10}, 12, label="warmup 0, no stable")
    add({"type": Wf, "lr": 0.1, "num_warmup_steps": 5, "num_decay_steps": 0, "num_training_steps": 10}, 12, label="decay 0")
    for wtype in ["linear", "cosine", "1-sqrt"]:
        for dtype in ["linear", "cosine", "1-sqrt"]:
            lr = pick_lr(rng)
            t = rng.randint(20, 400)
            w = rng.randint(1, t // 4)
            d = rng.randint(1, t // 3)
            spec = {"type": Wf, "lr": lr, "num_warmup_steps": w, "num_decay_steps": d, "num_training_steps": t,
                    "warmup_type": wtype, "decay_type": dtype}
            if rng.random() < 0.6:
                spec["min_lr_ratio"] = sig(rng.uniform(0.0, 0.3))
            if dtype == "cosine" and rng.random() < 0.5:
                spec["num_cycles"] = sig(rng.uniform(0.25, 1.0), 2)
            add(spec, t + rng.randint(0, 20))

    # get_scheduler with every name that needs no optimizer feedback
    G = T + "get_scheduler"
    add({"type": G, "name": "constant", "lr": 0.1}, 5)
    add({"type": G, "name": "constant", "lr": 0.1, "num_warmup_steps": 3, "num_training_steps": 10,
         "scheduler_specific_kwargs": {"unused": 1}}, 5, label="warmup and kwargs ignored")
    add({"type": G, "name": "constant_with_warmup", "lr": 0.1, "num_warmup_steps": 4}, 8)
    add({"type": G, "name": "constant_with_warmup", "lr": 0.1, "num_warmup_steps": 4,
         "scheduler_specific_kwargs": {"ignored": True}}, 8, label="kwargs ignored")
    add({"type": G, "name": "linear", "lr": 5e-5, "num_warmup_steps": 10, "num_training_steps": 100}, 110)
    add({"type": G, "name": "cosine", "lr": 1e-3, "num_warmup_steps": 10, "num_training_steps": 100,
         "scheduler_specific_kwargs": {"num_cycles": 1.0}}, 120)
    add({"type": G, "name": "cosine_with_restarts", "lr": 1e-3, "num_warmup_steps": 0, "num_training_steps": 60,
         "scheduler_specific_kwargs": {"num_cycles": 3}}, 65)
    add({"type": G, "name": "polynomial", "lr": 1e-3, "num_warmup_steps": 5, "num_training_steps": 50,
         "scheduler_specific_kwargs": {"lr_end": 1e-5, "power": 3.0}}, 60)
    add({"type": G, "name": "inverse_sqrt", "lr": 1e-3, "num_warmup_steps": 10,
         "scheduler_specific_kwargs": {"timescale": 40}}, 200)
    add({"type": G, "name": "inverse_sqrt", "lr": 1e-3, "num_warmup_steps": 10}, 50, label="timescale default")
    add({"type": G, "name": "cosine_with_min_lr", "lr": 1e-3, "num_warmup_steps": 5, "num_training_steps": 50,
         "scheduler_specific_kwargs": {"min_lr": 1e-5}}, 60)
    add({"type": G, "name": "cosine_with_min_lr", "lr": 1e-3, "num_warmup_steps": 5, "num_training_steps": 50,
         "scheduler_specific_kwargs": {"min_lr_rate": 0.1, "num_cycles": 0.75}}, 60)
    add({"type": G, "name": "cosine_warmup_with_min_lr", "lr": 1e-3, "num_warmup_steps": 5, "num_training_steps": 50,
         "scheduler_specific_kwargs": {"min_lr_rate": 0.1}}, 60)
    add({"type": G, "name": "cosine_warmup_with_min_lr", "lr": 1e-3, "num_warmup_steps": 5, "num_training_steps": 50,
         "scheduler_specific_kwargs": {"min_lr": 1e-4, "warmup_lr_rate": 0.05}}, 60)
    add({"type": G, "name": "warmup_stable_decay", "lr": 1e-3, "num_warmup_steps": 10, "num_training_steps": 100,
         "scheduler_specific_kwargs": {"num_decay_steps": 20, "decay_type": "1-sqrt", "min_lr_ratio": 0.01}}, 110)
    add({"type": G, "name": "warmup_stable_decay", "lr": 1e-3, "num_warmup_steps": 10,
         "scheduler_specific_kwargs": {"num_decay_steps": 20, "num_stable_steps": 30, "warmup_type": "cosine"}}, 70,
        label="no num_training_steps")
    add({"type": G, "name": "linear", "lr": 0.1, "num_warmup_steps": 0, "num_training_steps": 1}, 2, label="total 1")
    names = ["linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
             "inverse_sqrt", "cosine_with_min_lr", "cosine_warmup_with_min_lr", "warmup_stable_decay"]
    for name in names:
        w, t = wt()
        spec = {"type": G, "name": name, "lr": pick_lr(rng), "num_warmup_steps": w, "num_training_steps": t}
        kw = {}
        if name == "cosine":
            kw["num_cycles"] = 0.5
        elif name == "cosine_with_restarts":
            kw["num_cycles"] = rng.randint(1, 4)
        elif name == "polynomial":
            if w == t:
                spec["num_warmup_steps"] = max(0, t - 1)
            kw["lr_end"] = sig(spec["lr"] * 1e-3)
            kw["power"] = 2.0
        elif name in ("cosine_with_min_lr", "cosine_warmup_with_min_lr"):
            kw["min_lr_rate"] = sig(rng.uniform(0, 0.2))
        elif name == "warmup_stable_decay":
            kw["num_decay_steps"] = max(0, (t - spec["num_warmup_steps"]) // 3)
            kw["decay_type"] = rng.choice(["linear", "cosine", "1-sqrt"])
        if kw:
            spec["scheduler_specific_kwargs"] = kw
        add(spec, past(t))
    return cases


def transformers_errors():
    T = "transformers."
    return [
        ("polynomial lr_end >= lr", {"type": T + "get_polynomial_decay_schedule_with_warmup", "lr": 0.1,
            "num_warmup_steps": 0, "num_training_steps": 10, "lr_end": 0.1}, 5),
        ("polynomial warmup == total divides by zero at total", {"type": T + "get_polynomial_decay_schedule_with_warmup",
            "lr": 0.1, "num_warmup_steps": 5, "num_training_steps": 5}, 8),
        ("cosine_with_min_lr with neither min_lr nor min_lr_rate", {"type": T + "get_cosine_with_min_lr_schedule_with_warmup",
            "lr": 0.1, "num_warmup_steps": 0, "num_training_steps": 10}, 5),
        ("cosine_with_min_lr with both min_lr and min_lr_rate", {"type": T + "get_cosine_with_min_lr_schedule_with_warmup",
            "lr": 0.1, "num_warmup_steps": 0, "num_training_steps": 10, "min_lr": 0.01, "min_lr_rate": 0.1}, 5),
        ("cosine_warmup_with_min_lr with neither", {"type": T + "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
            "lr": 0.1, "num_warmup_steps": 0, "num_training_steps": 10}, 5),
        ("cosine_warmup_with_min_lr with both", {"type": T + "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
            "lr": 0.1, "num_warmup_steps": 0, "num_training_steps": 10, "min_lr": 0.01, "min_lr_rate": 0.1}, 5),
        ("get_scheduler cosine without num_training_steps", {"type": T + "get_scheduler", "name": "cosine", "lr": 0.1,
            "num_warmup_steps": 2}, 5),
        ("get_scheduler linear without num_warmup_steps", {"type": T + "get_scheduler", "name": "linear", "lr": 0.1,
            "num_training_steps": 10}, 5),
        ("get_scheduler cosine_with_min_lr without min_lr", {"type": T + "get_scheduler", "name": "cosine_with_min_lr",
            "lr": 0.1, "num_warmup_steps": 2, "num_training_steps": 10}, 5),
        ("get_scheduler warmup_stable_decay without total or stable", {"type": T + "get_scheduler",
            "name": "warmup_stable_decay", "lr": 0.1, "num_warmup_steps": 2,
            "scheduler_specific_kwargs": {"num_decay_steps": 3}}, 5),
        ("get_scheduler unknown name", {"type": T + "get_scheduler", "name": "cosine_annealing", "lr": 0.1,
            "num_warmup_steps": 2, "num_training_steps": 10}, 5),
        ("get_scheduler misspelled scheduler_specific_kwargs key", {"type": T + "get_scheduler", "name": "cosine",
            "lr": 0.1, "num_warmup_steps": 2, "num_training_steps": 10,
            "scheduler_specific_kwargs": {"num_cycle": 1.0}}, 5),
        ("wsd unknown warmup_type", {"type": T + "get_wsd_schedule", "lr": 0.1, "num_warmup_steps": 2,
            "num_decay_steps": 3, "num_training_steps": 10, "warmup_type": "exp"}, 5),
        ("wsd unknown decay_type", {"type": T + "get_wsd_schedule", "lr": 0.1, "num_warmup_steps": 2,
            "num_decay_steps": 3, "num_training_steps": 10, "decay_type": "sqrt"}, 5),
        ("wsd without num_decay_steps", {"type": T + "get_wsd_schedule", "lr": 0.1, "num_warmup_steps": 2,
            "num_training_steps": 10}, 5),
        ("linear without num_training_steps", {"type": T + "get_linear_schedule_with_warmup", "lr": 0.1,
            "num_warmup_steps": 2}, 5),
        ("cosine misspelled num_warmup_step", {"type": T + "get_cosine_schedule_with_warmup", "lr": 0.1,
            "num_warmup_step": 2, "num_training_steps": 10}, 5),
        ("linear num_training_steps as a string", {"type": T + "get_linear_schedule_with_warmup", "lr": 0.1,
            "num_warmup_steps": 2, "num_training_steps": "10"}, 5),
    ]


# ----------------------------------------------------------------------------------------------
# optax (float64: jax_enable_x64)
# ----------------------------------------------------------------------------------------------

def optax_build(spec):
    import optax
    name = spec["type"].split(".", 1)[1]
    kw = {k: v for k, v in spec.items() if k != "type"}
    if name == "join_schedules":
        kw["schedules"] = [optax_build(c) for c in kw["schedules"]]
    if "boundaries_and_scales" in kw and isinstance(kw["boundaries_and_scales"], dict):
        kw["boundaries_and_scales"] = {int(b): s for b, s in kw["boundaries_and_scales"].items()}
    return getattr(optax, name)(**kw)


def optax_run(spec, num_steps):
    try:
        sched = optax_build(spec)
    except Exception as e:  # noqa: BLE001
        raise ConstructionError(e)
    lrs = []
    for k in range(num_steps):
        try:
            v = sched(k)
        except Exception as e:  # noqa: BLE001
            raise StepError(k, e, lrs)
        lrs.append(as_float(v))
    return {"lr": lrs}


def optax_cases(rng):
    O = "optax."
    cases = []

    def add(spec, n, label=""):
        cases.append((spec, n, None, label))

    def rand_cosine():
        return {"type": O + "cosine_decay_schedule", "init_value": pick_lr(rng), "decay_steps": rng.randint(1, 200),
                "alpha": sig(rng.uniform(0, 0.3))}

    def rand_linear():
        return {"type": O + "linear_schedule", "init_value": sig(rng.uniform(0, 1e-3)), "end_value": pick_lr(rng),
                "transition_steps": rng.randint(1, 100)}

    def rand_exp():
        return {"type": O + "exponential_decay", "init_value": pick_lr(rng), "transition_steps": rng.randint(1, 50),
                "decay_rate": sig(rng.uniform(0.3, 0.99))}

    # constant
    add({"type": O + "constant_schedule", "value": 0.1}, 5)
    add({"type": O + "constant_schedule", "value": 3e-4}, 1, label="one step")
    for _ in range(10):
        add({"type": O + "constant_schedule", "value": pick_lr(rng)}, pick_steps(rng))

    # linear
    add({"type": O + "linear_schedule", "init_value": 0.0, "end_value": 1.0, "transition_steps": 10}, 15)
    add({"type": O + "linear_schedule", "init_value": 1.0, "end_value": 0.1, "transition_steps": 10, "transition_begin": 5}, 20)
    add({"type": O + "linear_schedule", "init_value": 1.0, "end_value": 0.0, "transition_steps": 0}, 5, label="transition_steps 0")
    add({"type": O + "linear_schedule", "init_value": 1.0, "end_value": 0.0, "transition_steps": 10, "transition_begin": -3},
        15, label="negative transition_begin")
    add({"type": O + "linear_schedule", "init_value": 0.0, "end_value": 0.1, "transition_steps": 1}, 3)
    for _ in range(8):
        spec = rand_linear()
        if rng.random() < 0.5:
            spec["transition_begin"] = rng.randint(0, 50)
        add(spec, pick_steps(rng))

    # polynomial
    add({"type": O + "polynomial_schedule", "init_value": 1.0, "end_value": 0.01, "power": 2, "transition_steps": 10}, 15)
    add({"type": O + "polynomial_schedule", "init_value": 1.0, "end_value": 0.01, "power": 0.5, "transition_steps": 10,
         "transition_begin": 4}, 20)
    add({"type": O + "polynomial_schedule", "init_value": 1.0, "end_value": 0.0, "power": 1.5, "transition_steps": 10,
         "transition_begin": -5}, 15, label="negative transition_begin")
    add({"type": O + "polynomial_schedule", "init_value": 1.0, "end_value": 0.0, "power": 3.0, "transition_steps": -1},
        5, label="negative transition_steps")
    add({"type": O + "polynomial_schedule", "init_value": 0.0, "end_value": 1.0, "power": 2.0, "transition_steps": 20}, 25,
        label="increasing")
    for _ in range(8):
        spec = {"type": O + "polynomial_schedule", "init_value": pick_lr(rng), "end_value": log_uniform(rng, 1e-7, 1e-3),
                "power": sig(rng.uniform(0.3, 4.0)), "transition_steps": rng.randint(1, 300)}
        if rng.random() < 0.5:
            spec["transition_begin"] = rng.randint(-20, 60)
        add(spec, pick_steps(rng))

    # piecewise_constant
    add({"type": O + "piecewise_constant_schedule", "init_value": 1.0, "boundaries_and_scales": {"3": 0.5, "6": 0.1}}, 10)
    add({"type": O + "piecewise_constant_schedule", "init_value": 1.0, "boundaries_and_scales": {"0": 0.5}}, 4, label="boundary 0")
    add({"type": O + "piecewise_constant_schedule", "init_value": 0.1}, 5, label="no boundaries")
    add({"type": O + "piecewise_constant_schedule", "init_value": 0.1, "boundaries_and_scales": {"20": 2.0, "10": 0.1, "30": 1.0}},
        40, label="unsorted, scale > 1")
    add({"type": O + "piecewise_constant_schedule", "init_value": 0.1, "boundaries_and_scales": {"5": 0.0}}, 8, label="scale 0")
    for _ in range(8):
        n = pick_steps(rng)
        bs = {str(b): sig(rng.uniform(0.05, 1.5)) for b in sorted(rng.sample(range(1, n + 20), min(4, n)))}
        add({"type": O + "piecewise_constant_schedule", "init_value": pick_lr(rng), "boundaries_and_scales": bs}, n)

    # exponential_decay
    add({"type": O + "exponential_decay", "init_value": 1.0, "transition_steps": 2, "decay_rate": 0.5, "transition_begin": 3,
         "staircase": True, "end_value": 0.2}, 12)
    add({"type": O + "exponential_decay", "init_value": 1.0, "transition_steps": 3, "decay_rate": 0.5}, 12)
    add({"type": O + "exponential_decay", "init_value": 0.01, "transition_steps": 5, "decay_rate": 2.0, "end_value": 0.1}, 40,
        label="rate > 1 with upper bound")
    add({"type": O + "exponential_decay", "init_value": 0.01, "transition_steps": 5, "decay_rate": 1.5}, 30, label="rate > 1")
    add({"type": O + "exponential_decay", "init_value": 0.1, "transition_steps": 0, "decay_rate": 0.5}, 5, label="transition_steps 0")
    add({"type": O + "exponential_decay", "init_value": 0.1, "transition_steps": 10, "decay_rate": 0.0}, 5, label="rate 0")
    add({"type": O + "exponential_decay", "init_value": 0.1, "transition_steps": 10, "decay_rate": 0.5,
         "transition_begin": -4}, 20, label="negative transition_begin")
    add({"type": O + "exponential_decay", "init_value": 0.1, "transition_steps": 100, "decay_rate": 0.96, "staircase": False},
        3000, label="long")
    for _ in range(8):
        spec = rand_exp()
        if rng.random() < 0.5:
            spec["staircase"] = True
        if rng.random() < 0.4:
            spec["transition_begin"] = rng.randint(0, 40)
        if rng.random() < 0.4:
            spec["end_value"] = sig(spec["init_value"] * rng.uniform(0.01, 0.5))
        add(spec, pick_steps(rng))

    # cosine_decay
    add({"type": O + "cosine_decay_schedule", "init_value": 1.0, "decay_steps": 10}, 15)
    add({"type": O + "cosine_decay_schedule", "init_value": 1.0, "decay_steps": 10, "alpha": 0.1}, 15)
    add({"type": O + "cosine_decay_schedule", "init_value": 1.0, "decay_steps": 10, "alpha": 0.1, "exponent": 2.0}, 15)
    add({"type": O + "cosine_decay_schedule", "init_value": 0.1, "decay_steps": 1}, 3, label="decay_steps 1")
    add({"type": O + "cosine_decay_schedule", "init_value": 0.1, "decay_steps": 2000, "alpha": 0.0, "exponent": 0.5}, 2500)
    for _ in range(8):
        spec = rand_cosine()
        if rng.random() < 0.4:
            spec["exponent"] = sig(rng.uniform(0.5, 3))
        add(spec, pick_steps(rng))

    # warmup_cosine_decay
    WC = O + "warmup_cosine_decay_schedule"
    add({"type": WC, "init_value": 0.0, "peak_value": 1.0, "warmup_steps": 3, "decay_steps": 8, "end_value": 0.1}, 10)
    add({"type": WC, "init_value": 0.0, "peak_value": 1e-3, "warmup_steps": 0, "decay_steps": 100}, 110, label="warmup 0")
    add({"type": WC, "init_value": 1e-5, "peak_value": 1e-3, "warmup_steps": 10, "decay_steps": 11, "end_value": 1e-4}, 15,
        label="decay one step after warmup")
    add({"type": WC, "init_value": 0.0, "peak_value": 0.0, "warmup_steps": 2, "decay_steps": 6, "end_value": 0.0}, 8, label="peak 0")
    add({"type": WC, "init_value": 0.0, "peak_value": 1e-3, "warmup_steps": 20, "decay_steps": 100, "exponent": 2.0,
         "end_value": 1e-5}, 120)
    for _ in range(8):
        peak = pick_lr(rng)
        w = rng.randint(0, 60)
        spec = {"type": WC, "init_value": rng.choice([0.0, sig(peak * 0.01)]), "peak_value": peak, "warmup_steps": w,
                "decay_steps": w + rng.randint(1, 300)}
        if rng.random() < 0.6:
            spec["end_value"] = sig(peak * rng.uniform(0, 0.2))
        add(spec, spec["decay_steps"] + rng.randint(0, 30))

    # warmup_constant
    add({"type": O + "warmup_constant_schedule", "init_value": 0.0, "peak_value": 0.1, "warmup_steps": 5}, 10)
    add({"type": O + "warmup_constant_schedule", "init_value": 0.01, "peak_value": 0.1, "warmup_steps": 0}, 5, label="warmup 0")
    for _ in range(10):
        add({"type": O + "warmup_constant_schedule", "init_value": sig(rng.uniform(0, 1e-3)), "peak_value": pick_lr(rng),
             "warmup_steps": rng.randint(1, 100)}, pick_steps(rng))

    # warmup_exponential_decay
    WE = O + "warmup_exponential_decay_schedule"
    add({"type": WE, "init_value": 0.0, "peak_value": 1.0, "warmup_steps": 3, "transition_steps": 2, "decay_rate": 0.5}, 12)
    add({"type": WE, "init_value": 0.0, "peak_value": 1.0, "warmup_steps": 3, "transition_steps": 2, "decay_rate": 0.5,
         "transition_begin": 2, "staircase": True, "end_value": 0.2}, 15)
    add({"type": WE, "init_value": 0.1, "peak_value": 1.0, "warmup_steps": 0, "transition_steps": 4, "decay_rate": 0.8}, 10, label="warmup 0")
    for _ in range(9):
        spec = {"type": WE, "init_value": 0.0, "peak_value": pick_lr(rng), "warmup_steps": rng.randint(0, 50),
                "transition_steps": rng.randint(1, 40), "decay_rate": sig(rng.uniform(0.3, 0.99))}
        if rng.random() < 0.5:
            spec["staircase"] = True
        if rng.random() < 0.5:
            spec["end_value"] = sig(spec["peak_value"] * 0.05)
        add(spec, pick_steps(rng))

    # onecycle
    add({"type": O + "cosine_onecycle_schedule", "transition_steps": 10, "peak_value": 1.0}, 12)
    add({"type": O + "cosine_onecycle_schedule", "transition_steps": 100, "peak_value": 0.1, "pct_start": 0.25,
         "div_factor": 10.0, "final_div_factor": 100.0}, 110)
    add({"type": O + "cosine_onecycle_schedule", "transition_steps": 3, "peak_value": 0.1}, 5, label="pct_start*T < 1")
    add({"type": O + "cosine_onecycle_schedule", "transition_steps": 1, "peak_value": 0.1}, 3, label="T 1")
    add({"type": O + "linear_onecycle_schedule", "transition_steps": 10, "peak_value": 1.0}, 12)
    add({"type": O + "linear_onecycle_schedule", "transition_steps": 100, "peak_value": 0.1, "pct_start": 0.2, "pct_final": 0.9,
         "div_factor": 20.0, "final_div_factor": 1000.0}, 110)
    add({"type": O + "linear_onecycle_schedule", "transition_steps": 3, "peak_value": 0.1}, 5, label="colliding boundaries")
    for i in range(16):
        T = rng.randint(2, 400)
        if i % 2 == 0:
            add({"type": O + "cosine_onecycle_schedule", "transition_steps": T, "peak_value": pick_lr(rng),
                 "pct_start": sig(rng.uniform(0.1, 0.6), 2)}, T + 5)
        else:
            add({"type": O + "linear_onecycle_schedule", "transition_steps": T, "peak_value": pick_lr(rng),
                 "pct_start": sig(rng.uniform(0.1, 0.4), 2), "pct_final": sig(rng.uniform(0.5, 0.95), 2)}, T + 5)

    # piecewise_interpolate (used by the onecycles)
    add({"type": O + "piecewise_interpolate_schedule", "interpolate_type": "linear", "init_value": 1.0,
         "boundaries_and_scales": {"5": 0.5, "10": 0.1}}, 15)
    add({"type": O + "piecewise_interpolate_schedule", "interpolate_type": "cosine", "init_value": 1.0,
         "boundaries_and_scales": {"0": 2.0, "8": 0.1}}, 12, label="boundary 0")
    # a negative boundary puts bounds[1] below the leading 0 (piece 0 is then empty); optax
    # accepts it, and LRKit's piece search must not assume the bounds sorted from the 0
    add({"type": O + "piecewise_interpolate_schedule", "interpolate_type": "cosine", "init_value": 0.5,
         "boundaries_and_scales": {"-6": 0.5, "0": 2.0, "9": 0.25, "14": 3.0}}, 20, label="negative boundary")
    add({"type": O + "piecewise_interpolate_schedule", "interpolate_type": "linear", "init_value": 0.5,
         "boundaries_and_scales": {"-6": 0.5, "4": 2.0, "30": 0.25}}, 24, label="negative boundary, last beyond the steps")

    for _ in range(8):
        n = pick_steps(rng)
        bs = {str(b): sig(rng.uniform(0.05, 3.0)) for b in sorted(rng.sample(range(0, n + 20), min(4, n)))}
        add({"type": O + "piecewise_interpolate_schedule", "interpolate_type": rng.choice(["linear", "cosine"]),
             "init_value": pick_lr(rng), "boundaries_and_scales": bs}, n)

    # sgdr
    add({"type": O + "sgdr_schedule", "cosine_kwargs": [
        {"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 2, "decay_steps": 10, "end_value": 0.1},
        {"init_value": 0.05, "peak_value": 0.5, "warmup_steps": 1, "decay_steps": 20},
        {"init_value": 0.0, "peak_value": 0.25, "warmup_steps": 0, "decay_steps": 30, "end_value": 0.01}]}, 70)
    add({"type": O + "sgdr_schedule", "cosine_kwargs": [
        {"init_value": 0.0, "peak_value": 1e-3, "warmup_steps": 5, "decay_steps": 50}]}, 60, label="one cycle")
    for _ in range(8):
        kws = []
        for _ in range(rng.randint(2, 4)):
            w = rng.randint(0, 10)
            kws.append({"init_value": 0.0, "peak_value": pick_lr(rng), "warmup_steps": w, "decay_steps": w + rng.randint(1, 80),
                        "end_value": 0.0})
        add({"type": O + "sgdr_schedule", "cosine_kwargs": kws}, sum(k["decay_steps"] for k in kws) + 5)

    # join
    J = O + "join_schedules"
    add({"type": J, "schedules": [{"type": O + "linear_schedule", "init_value": 0.0, "end_value": 0.1, "transition_steps": 10},
                                  {"type": O + "cosine_decay_schedule", "init_value": 0.1, "decay_steps": 50}],
         "boundaries": [10]}, 70)
    add({"type": J, "schedules": [{"type": O + "constant_schedule", "value": 0.1},
                                  {"type": O + "exponential_decay", "init_value": 0.1, "transition_steps": 5, "decay_rate": 0.5},
                                  {"type": O + "constant_schedule", "value": 0.001}],
         "boundaries": [5, 30]}, 40)
    add({"type": J, "schedules": [{"type": O + "constant_schedule", "value": 0.1},
                                  {"type": O + "constant_schedule", "value": 0.2}], "boundaries": [0]}, 4, label="boundary 0")
    add({"type": J, "schedules": [{"type": O + "constant_schedule", "value": 0.1}], "boundaries": []}, 4, label="single schedule")
    add({"type": J, "schedules": [
        {"type": J, "schedules": [{"type": O + "linear_schedule", "init_value": 0.0, "end_value": 1.0, "transition_steps": 4},
                                  {"type": O + "constant_schedule", "value": 1.0}], "boundaries": [4]},
        {"type": O + "warmup_cosine_decay_schedule", "init_value": 0.5, "peak_value": 1.0, "warmup_steps": 3, "decay_steps": 10}],
        "boundaries": [8]}, 25, label="nested join")
    add({"type": J, "schedules": [{"type": O + "constant_schedule", "value": 0.1},
                                  {"type": O + "constant_schedule", "value": 0.2},
                                  {"type": O + "constant_schedule", "value": 0.3}], "boundaries": [6, 3]}, 10,
        label="decreasing boundaries")
    add({"type": J, "schedules": [{"type": O + "constant_schedule", "value": 0.1},
                                  {"type": O + "constant_schedule", "value": 0.2}], "boundaries": []}, 5,
        label="schedule without a boundary is ignored")
    add({"type": J, "schedules": [{"type": O + "constant_schedule", "value": 0.1},
                                  {"type": O + "constant_schedule", "value": 0.2}], "boundaries": [2, 4]}, 6,
        label="extra boundary is ignored")
    for _ in range(6):
        parts = [rng.choice([rand_linear, rand_cosine, rand_exp])() for _ in range(rng.randint(2, 4))]
        bounds = sorted(rng.sample(range(1, 300), len(parts) - 1))
        add({"type": J, "schedules": parts, "boundaries": bounds}, pick_steps(rng))
    return cases


def optax_errors():
    O = "optax."
    return [
        ("cosine_decay_schedule decay_steps 0", {"type": O + "cosine_decay_schedule", "init_value": 0.1, "decay_steps": 0}, 5),
        ("cosine_decay_schedule negative decay_steps", {"type": O + "cosine_decay_schedule", "init_value": 0.1, "decay_steps": -3}, 5),
        ("warmup_cosine_decay_schedule decay_steps == warmup_steps", {"type": O + "warmup_cosine_decay_schedule",
            "init_value": 0.0, "peak_value": 0.1, "warmup_steps": 10, "decay_steps": 10}, 5),
        ("warmup_cosine_decay_schedule decay_steps < warmup_steps", {"type": O + "warmup_cosine_decay_schedule",
            "init_value": 0.0, "peak_value": 0.1, "warmup_steps": 10, "decay_steps": 5}, 5),
        ("piecewise_constant_schedule negative scale", {"type": O + "piecewise_constant_schedule", "init_value": 0.1,
            "boundaries_and_scales": {"5": -0.5}}, 5),
        ("cosine_onecycle_schedule transition_steps 0", {"type": O + "cosine_onecycle_schedule", "transition_steps": 0,
            "peak_value": 0.1}, 5),
        ("linear_onecycle_schedule transition_steps 0", {"type": O + "linear_onecycle_schedule", "transition_steps": 0,
            "peak_value": 0.1}, 5),
        ("piecewise_interpolate_schedule bad type", {"type": O + "piecewise_interpolate_schedule",
            "interpolate_type": "cubic", "init_value": 0.1, "boundaries_and_scales": {"5": 0.5}}, 5),
        ("piecewise_interpolate_schedule negative scale", {"type": O + "piecewise_interpolate_schedule",
            "interpolate_type": "linear", "init_value": 0.1, "boundaries_and_scales": {"5": -0.5}}, 5),
        ("linear_schedule without transition_steps", {"type": O + "linear_schedule", "init_value": 0.0, "end_value": 1.0}, 5),
        ("exponential_decay misspelled decay", {"type": O + "exponential_decay", "init_value": 0.1, "transition_steps": 5,
            "decay": 0.5}, 5),
        ("sgdr_schedule with decay_steps == warmup_steps", {"type": O + "sgdr_schedule", "cosine_kwargs": [
            {"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 5, "decay_steps": 5}]}, 5),
    ]


# ----------------------------------------------------------------------------------------------
# timm (t_in_epochs=False, step_update(num_updates=k))
# ----------------------------------------------------------------------------------------------

def timm_lr(opt, k, lrs):
    """The group's lr as a float; a complex one (timm's ** of a negative base at a cycle boundary)
    cannot drive an optimizer: the peer failing at update k."""
    v = opt.param_groups[0]["lr"]
    if isinstance(v, complex):
        raise StepError(k, TypeError(f"complex learning rate {v!r}"), lrs)
    return float(v)  # a fixture's values are checked finite when written (allow_nan=False)


def timm_drive(sched, opt, num_steps, per_epoch, metrics=None):
    """The lr of updates 0..num_steps-1 as timm's train.py drives `sched`: step_update(num_updates=k)
    per update; per epoch step(epoch=k), or for a metric-driven scheduler no step(0), then
    step(k, metric of epoch k-1). A None scheduler (sched='none') leaves the optimizer's lr."""
    lrs = []
    for k in range(num_steps):
        try:
            if sched is None:
                pass
            elif metrics is not None:
                if k > 0:
                    sched.step(k, metrics[k - 1])
            elif per_epoch:
                sched.step(epoch=k)
            else:
                sched.step_update(num_updates=k)
        except Exception as e:  # noqa: BLE001
            raise StepError(k, e, lrs)
        lrs.append(timm_lr(opt, k, lrs))
    return {"lr": lrs}


def timm_train_script_lr(args):
    """timm's train.py (1.0.x): args.lr, or when it is falsy lr_base scaled by the global batch size."""
    if args.lr:
        return args.lr
    global_batch_size = args.batch_size * args.world_size * args.grad_accum_steps
    batch_ratio = global_batch_size / args.lr_base_size
    if not args.lr_base_scale:
        on = args.opt.lower()
        args.lr_base_scale = 'sqrt' if any([o in on for o in ('ada', 'lamb')]) else 'linear'
    if args.lr_base_scale == 'sqrt':
        batch_ratio = batch_ratio ** 0.5
    return args.lr_base * batch_ratio


def timm_args_run(spec, num_steps):
    """timm.scheduler.create_scheduler(args, optimizer, updates_per_epoch) driven as train.py
    drives it: the optimizer's lr from timm_train_script_lr, step(epoch) per epoch or
    step_update(num_updates) with sched_on_updates. `spec` is {"type", "args", "updates_per_epoch",
    "world_size"} or a bare args.yaml (the two additions inside it)."""
    import argparse
    import torch
    import timm.scheduler as TS
    extra = {k: spec[k] for k in ("updates_per_epoch", "world_size") if k in spec}
    args = dict(spec["args"]) if "type" in spec else {k: v for k, v in spec.items() if k not in extra}
    ns = argparse.Namespace(**args)
    ns.world_size = extra.get("world_size", 1)
    for k, v in (("lr", None), ("lr_base", 0.1), ("lr_base_size", 256), ("lr_base_scale", ""), ("opt", "sgd"),
                 ("batch_size", 128), ("grad_accum_steps", 1)):
        if not hasattr(ns, k):
            setattr(ns, k, v)  # train.py's argparse defaults
    p = torch.nn.Parameter(torch.zeros(1))
    try:
        opt = torch.optim.SGD([p], lr=timm_train_script_lr(ns), momentum=0.9)
        sched, _ = TS.create_scheduler(ns, opt, updates_per_epoch=extra.get("updates_per_epoch", 0))
    except Exception as e:  # noqa: BLE001
        raise ConstructionError(e)
    return timm_drive(sched, opt, num_steps, per_epoch=not getattr(ns, "sched_on_updates", False))


def timm_run(spec, num_steps, metrics=None):
    """A timm spec: the train.py args (timm_args_run), or a class or create_scheduler_v2 with the
    optimizer's lr. A class steps per update unless its spec says t_in_epochs; the factory per
    epoch unless step_on_epochs is false, and returns (scheduler or None, num_epochs); with
    metrics, PlateauLRScheduler or the factory's sched='plateau'."""
    import torch
    import timm.scheduler as TS
    if "type" not in spec or spec["type"].endswith(".create_scheduler"):
        return timm_args_run(spec, num_steps)
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=spec["lr"], momentum=0.9)
    cls = getattr(TS, spec["type"].rsplit(".", 1)[1])
    kw = {k: v for k, v in spec.items() if k not in ("type", "lr")}
    factory = spec["type"].endswith("create_scheduler_v2")
    if factory:
        per_epoch = kw.get("step_on_epochs", True)
    elif metrics is not None:
        per_epoch = True  # PlateauLRScheduler has no t_in_epochs: epochs only
    else:
        per_epoch = kw.setdefault("t_in_epochs", False)
    try:
        sched = cls(optimizer=opt, **kw)
    except Exception as e:  # noqa: BLE001
        raise ConstructionError(e)
    sched = sched[0] if factory else sched
    return timm_drive(sched, opt, num_steps, per_epoch, metrics)


def timm_cases(rng):
    S = "timm.scheduler."
    cases = []

    def add(spec, n, label=""):
        cases.append((spec, n, None, label))

    def cyclic_family(cls, extra):
        C = S + cls
        add({"type": C, "lr": 0.1, "t_initial": 10, **extra()}, 15, label="defaults")
        add({"type": C, "lr": 0.1, "t_initial": 10, "warmup_t": 3, "warmup_lr_init": 0.01}, 16, label="warmup, no prefix")
        add({"type": C, "lr": 0.1, "t_initial": 10, "warmup_t": 3, "warmup_lr_init": 0.01, "warmup_prefix": True}, 16,
            label="warmup prefix")
        add({"type": C, "lr": 0.1, "t_initial": 2, "cycle_mul": 2.0, "cycle_decay": 0.5, "cycle_limit": 3}, 16)
        add({"type": C, "lr": 0.1, "t_initial": 1, "cycle_mul": 3.0, "cycle_limit": 100}, 250, label="cycle_mul 3 boundaries")
        add({"type": C, "lr": 0.1, "t_initial": 4, "cycle_mul": 1.5, "cycle_limit": 10, "lr_min": 0.001}, 200,
            label="cycle_mul 1.5")
        add({"type": C, "lr": 0.1, "t_initial": 7, "cycle_mul": 1.0, "cycle_limit": 4, "cycle_decay": 0.7}, 35,
            label="cycle_mul 1 with limit")
        add({"type": C, "lr": 0.1, "t_initial": 10, "warmup_t": 10, "warmup_prefix": True}, 25, label="warmup = t_initial")
        add({"type": C, "lr": 0.1, "t_initial": 1}, 3, label="t_initial 1")
        add({"type": C, "lr": 0.1, "t_initial": 5, "warmup_t": 8, "lr_min": 0.01}, 12, label="warmup longer than cycle")
        for _ in range(10):
            t0 = rng.randint(1, 150)
            spec = {"type": C, "lr": pick_lr(rng), "t_initial": t0}
            if rng.random() < 0.6:
                spec["lr_min"] = sig(spec["lr"] * rng.uniform(0, 0.1))
            if rng.random() < 0.6:
                spec["warmup_t"] = rng.randint(0, 30)
                spec["warmup_lr_init"] = sig(spec["lr"] * rng.uniform(0, 0.1))
                spec["warmup_prefix"] = rng.random() < 0.5
            if rng.random() < 0.6:
                spec["cycle_mul"] = rng.choice([1.0, 2.0, 1.5, sig(rng.uniform(1.1, 3.0), 2)])
                spec["cycle_decay"] = sig(rng.uniform(0.3, 1.0), 2)
                spec["cycle_limit"] = rng.randint(1, 8)
            spec.update(extra())
            add(spec, pick_steps(rng))

    def cos_extra():
        return {"k_decay": sig(rng.uniform(0.5, 2.0), 2)} if rng.random() < 0.4 else {}

    def tanh_extra():
        if rng.random() < 0.4:
            return {"lb": sig(rng.uniform(-8, -2), 2), "ub": sig(rng.uniform(1, 5), 2)}
        return {}

    def poly_extra():
        e = {}
        if rng.random() < 0.6:
            e["power"] = sig(rng.uniform(0.3, 3.0), 2)
        if rng.random() < 0.3:
            e["k_decay"] = sig(rng.uniform(0.5, 2.0), 2)
        return e

    cyclic_family("CosineLRScheduler", cos_extra)
    add({"type": S + "CosineLRScheduler", "lr": 0.1, "t_initial": 20, "k_decay": 2.0, "warmup_t": 5, "warmup_prefix": True}, 30,
        label="k_decay with prefix")
    cyclic_family("TanhLRScheduler", tanh_extra)
    cyclic_family("PolyLRScheduler", poly_extra)
    add({"type": S + "PolyLRScheduler", "lr": 0.1, "t_initial": 20, "power": 1.0, "k_decay": 0.5, "cycle_limit": 2}, 45)

    # Step
    St = S + "StepLRScheduler"
    add({"type": St, "lr": 0.1, "decay_t": 2, "decay_rate": 0.5, "warmup_t": 2}, 8)
    add({"type": St, "lr": 0.1, "decay_t": 3}, 10, label="decay_rate default 1")
    add({"type": St, "lr": 0.1, "decay_t": 2.5, "decay_rate": 0.5}, 12, label="float decay_t")
    add({"type": St, "lr": 0.1, "decay_t": 4, "decay_rate": 0.5, "warmup_t": 3, "warmup_lr_init": 0.01, "warmup_prefix": False}, 14)
    add({"type": St, "lr": 0.1, "decay_t": 1, "decay_rate": 0.9}, 1, label="one step")
    for _ in range(10):
        spec = {"type": St, "lr": pick_lr(rng), "decay_t": rng.randint(1, 80), "decay_rate": sig(rng.uniform(0.1, 0.95))}
        if rng.random() < 0.5:
            spec["warmup_t"] = rng.randint(0, 30)
            spec["warmup_lr_init"] = sig(spec["lr"] * 0.01)
            if rng.random() < 0.5:
                spec["warmup_prefix"] = rng.random() < 0.5
        add(spec, pick_steps(rng))

    # MultiStep
    M = S + "MultiStepLRScheduler"
    add({"type": M, "lr": 0.1, "decay_t": [3, 5], "decay_rate": 0.1}, 8)
    add({"type": M, "lr": 0.1, "decay_t": [0, 1], "decay_rate": 0.5}, 4, label="milestones 0 and 1")
    add({"type": M, "lr": 0.1, "decay_t": [4, 4, 8], "decay_rate": 0.5}, 10, label="duplicate milestones")
    add({"type": M, "lr": 0.1, "decay_t": [5, 10], "decay_rate": 0.5, "warmup_t": 3, "warmup_lr_init": 0.0}, 15)
    add({"type": M, "lr": 0.1, "decay_t": [5, 10], "decay_rate": 0.5, "warmup_t": 3, "warmup_prefix": False}, 15)
    for _ in range(10):
        n = pick_steps(rng)
        spec = {"type": M, "lr": pick_lr(rng), "decay_t": sorted(rng.sample(range(1, n + 10), min(3, n))),
                "decay_rate": sig(rng.uniform(0.1, 0.9))}
        if rng.random() < 0.4:
            spec["warmup_t"] = rng.randint(1, 20)
            spec["warmup_lr_init"] = sig(spec["lr"] * 0.01)
        add(spec, n)

    # WSD (timm 1.0.31)
    import timm.scheduler as TS
    if hasattr(TS, "WSDLRScheduler"):
        W = S + "WSDLRScheduler"
        add({"type": W, "lr": 0.1, "t_initial": 20, "decay_t": 5}, 25, label="defaults")
        add({"type": W, "lr": 0.1, "t_initial": 20, "decay_t": 20, "warmup_t": 5, "warmup_lr_init": 0.001}, 30,
            label="decay whole cycle")
        add({"type": W, "lr": 0.1, "t_initial": 1, "decay_t": 1}, 3, label="t_initial 1")
        for stable in ["constant", "rsqrt", "power"]:
            for decay in ["linear", "1-sqrt", "cosine", "power", "exp"]:
                t0 = rng.randint(10, 300)
                spec = {"type": W, "lr": pick_lr(rng), "t_initial": t0, "decay_t": rng.randint(1, t0),
                        "stable_fn": stable, "decay_fn": decay}
                if rng.random() < 0.7 or stable != "constant":
                    spec["warmup_t"] = rng.randint(1, 40)
                    spec["warmup_lr_init"] = sig(spec["lr"] * rng.uniform(0, 0.1))
                if stable != "constant" and rng.random() < 0.5:
                    spec["stable_timescale"] = sig(rng.uniform(1, 100))
                if stable == "power":
                    spec["stable_power"] = sig(rng.uniform(0.2, 1.0), 2)
                if decay == "power":
                    spec["decay_power"] = sig(rng.uniform(0.3, 3.0), 2)
                if decay == "exp" and rng.random() < 0.6:
                    spec["decay_ratio"] = sig(rng.uniform(0.01, 0.5), 2)
                if rng.random() < 0.5:
                    spec["lr_min"] = sig(spec["lr"] * rng.uniform(0, 0.2))
                add(spec, spec.get("warmup_t", 0) + t0 + rng.randint(0, 15))
        add({"type": W, "lr": 0.1, "t_initial": 50, "decay_t": 10, "stable_fn": "rsqrt", "warmup_t": 0,
             "stable_timescale": 5.0, "lr_min": 0.05}, 60, label="rsqrt hits lr_min")

    # create_scheduler_v2: the factory's defaults (cycle_decay 0.1, decay_epochs 90 or 0.2,
    # warmup_lr 1e-5), every sched, per epoch and per update (lengths times updates_per_epoch).
    F = S + "create_scheduler_v2"
    add({"type": F, "lr": 0.1}, 310, label="defaults")
    add({"type": F, "lr": 0.1, "num_epochs": 10, "warmup_epochs": 2, "cooldown_epochs": 3}, 16,
        label="warmup overlaps the cosine")
    add({"type": F, "lr": 0.1, "num_epochs": 10, "warmup_epochs": 2, "warmup_prefix": True,
         "cycle_limit": 3, "cycle_mul": 2.0}, 75, label="cycles decay by 0.1")
    add({"type": F, "lr": 0.05, "sched": "step", "num_epochs": 30, "decay_epochs": 2.5, "decay_rate": 0.5,
         "warmup_epochs": 3, "warmup_lr": 0.0}, 30, label="fractional decay_epochs")
    add({"type": F, "lr": 0.1, "sched": "step", "num_epochs": 200}, 200, label="decay_epochs default 90")
    add({"type": F, "lr": 0.1, "sched": "multistep", "num_epochs": 100}, 200, label="milestones default")
    add({"type": F, "lr": 0.1, "sched": "multistep", "decay_milestones": [3, 7], "step_on_epochs": False,
         "updates_per_epoch": 4, "num_epochs": 10, "warmup_epochs": 1}, 45, label="per update")
    add({"type": F, "lr": 0.1, "sched": "constant", "num_epochs": 10, "warmup_epochs": 3}, 12)
    add({"type": F, "lr": 0.1, "sched": "none", "num_epochs": 10, "warmup_epochs": 3}, 12)
    add({"type": F, "lr": 0.1, "sched": "poly", "num_epochs": 20, "decay_rate": 2.0, "min_lr": 1e-4}, 25)
    add({"type": F, "lr": 0.1, "sched": "tanh", "num_epochs": 20, "warmup_epochs": 2, "warmup_prefix": True}, 25)
    add({"type": F, "lr": 0.1, "sched": "wsd", "num_epochs": 50, "warmup_epochs": 5}, 55, label="decay 20 %")
    add({"type": F, "lr": 0.1, "sched": "wsd", "num_epochs": 12, "warmup_epochs": 2, "decay_epochs": 0.25}, 14,
        label="decay rounds half to even")
    add({"type": F, "lr": 0.1, "sched": "wsd", "num_epochs": 20, "decay_epochs": 5, "warmup_epochs": 2,
         "warmup_prefix": True, "decay_fn": "cosine", "step_on_epochs": False, "updates_per_epoch": 3}, 70)
    add({"type": F, "lr": 0.1, "sched": "rsqrt", "num_epochs": 40, "warmup_epochs": 4, "min_lr": 0.001}, 45)
    add({"type": F, "lr": 0.1, "sched": "rsqrt", "num_epochs": 40, "stable_timescale": 2.5, "step_on_epochs": False,
         "updates_per_epoch": 2, "decay_fn": "exp"}, 85)
    for _ in range(12):
        sched = rng.choice(["cosine", "tanh", "poly", "step", "multistep", "wsd", "rsqrt", "constant"])
        epochs = rng.randint(2, 60)
        spec = {"type": F, "lr": pick_lr(rng), "sched": sched, "num_epochs": epochs}
        if rng.random() < 0.5:
            spec["step_on_epochs"] = False
            spec["updates_per_epoch"] = rng.randint(1, 8)
        if rng.random() < 0.6:
            spec["warmup_epochs"] = rng.randint(0, epochs // 3)
            spec["warmup_lr"] = sig(spec["lr"] * rng.uniform(0, 0.1))
        if rng.random() < 0.4:
            spec["warmup_prefix"] = True
        if rng.random() < 0.5:
            spec["min_lr"] = sig(spec["lr"] * rng.uniform(0, 0.1))
        if sched == "step":
            spec["decay_epochs"] = rng.randint(1, epochs)
        if sched == "multistep":
            spec["decay_milestones"] = sorted(rng.sample(range(1, epochs + 1), min(2, epochs)))
        if sched in ("wsd", "rsqrt"):
            spec["decay_epochs"] = sig(rng.uniform(0.05, 0.9), 2)
            if sched == "rsqrt" and not spec.get("warmup_epochs"):
                spec["stable_timescale"] = sig(rng.uniform(1, 10))
        if sched in ("cosine", "tanh", "poly") and rng.random() < 0.5:
            spec["cycle_limit"] = rng.randint(1, 3)
            spec["cycle_mul"] = rng.choice([1.0, 2.0])
            spec["cycle_decay"] = sig(rng.uniform(0.3, 1.0), 2)
        if rng.random() < 0.3:
            spec["cooldown_epochs"] = rng.randint(1, 5)
        upe = spec.get("updates_per_epoch", 1)
        add(spec, (epochs + spec.get("warmup_epochs", 0) + spec.get("cooldown_epochs", 0)) * upe + rng.randint(0, 5))

    # create_scheduler(args): train.py's args.yaml, its lr from lr_base when lr is null.
    A = S + "create_scheduler"
    args_yaml = {"model": "resnet50", "data_dir": "/data/imagenet", "amp": True, "batch_size": 256,
                 "grad_accum_steps": 1, "opt": "lamb", "lr": None, "lr_base": 0.005, "lr_base_scale": "",
                 "lr_base_size": 256, "sched": "cosine", "sched_on_updates": False, "epochs": 20,
                 "warmup_epochs": 3, "warmup_lr": 1e-05, "warmup_prefix": False, "min_lr": 0, "cooldown_epochs": 2,
                 "decay_epochs": 90, "decay_milestones": [90, 180, 270], "decay_rate": 0.1, "lr_cycle_decay": 0.5,
                 "lr_cycle_limit": 1, "lr_cycle_mul": 1.0, "lr_k_decay": 1.0, "lr_noise": None,
                 "lr_noise_pct": 0.67, "lr_noise_std": 1.0, "seed": 42, "eval_metric": "top1", "patience_epochs": 10}
    add(dict(args_yaml), 25, label="bare args.yaml, lr from lr_base (sqrt for lamb)")
    add(dict(args_yaml, opt="sgd", batch_size=64, world_size=4, grad_accum_steps=2), 25,
        label="bare args.yaml, linear scaling, world_size 4")
    add(dict(args_yaml, sched_on_updates=True, updates_per_epoch=3, sched="step", decay_epochs=5, lr=0.4), 80,
        label="bare args.yaml, per update")
    add({"type": A, "args": {"sched": "multistep", "lr": 0.1}}, 70, label="scheduler_kwargs defaults")

    # PlateauLRScheduler (deprecated): ReduceLROnPlateau, mode 'max', behind timm's warmup.
    P = S + "PlateauLRScheduler"
    for spec, n in [({"type": P, "lr": 0.1, "patience_t": 2, "decay_rate": 0.5}, 40),
                    ({"type": P, "lr": 0.1, "patience_t": 1, "warmup_t": 3, "warmup_lr_init": 1e-4,
                      "mode": "min", "cooldown_t": 2, "lr_min": 0.01}, 50),
                    ({"type": F, "lr": 0.05, "sched": "plateau", "num_epochs": 40, "warmup_epochs": 4,
                      "patience_epochs": 2, "plateau_mode": "min"}, 40)]:
        mode = spec.get("mode", spec.get("plateau_mode", "max"))
        cases.append((spec, n, plateau_metrics(rng, n, mode), "metric-driven"))
    add({"type": A, "args": {"sched": "wsd", "epochs": 30, "lr": 0.1, "warmup_epochs": 3, "lr_decay_fn": "cosine", "decay_epochs": 0.3,
                             "sched_on_updates": True}, "updates_per_epoch": 2}, 70)
    return cases


def timm_errors():
    S = "timm.scheduler."
    errs = [
        ("CosineLRScheduler t_initial 0", {"type": S + "CosineLRScheduler", "lr": 0.1, "t_initial": 0}, 5),
        ("CosineLRScheduler misspelled warmup_steps", {"type": S + "CosineLRScheduler", "lr": 0.1, "t_initial": 10,
            "warmup_steps": 3}, 5),
        ("CosineLRScheduler cycle_mul 0", {"type": S + "CosineLRScheduler", "lr": 0.1, "t_initial": 10, "cycle_mul": 0.0,
            "cycle_limit": 3}, 25),
        ("StepLRScheduler decay_t 0", {"type": S + "StepLRScheduler", "lr": 0.1, "decay_t": 0}, 5),
        ("MultiStepLRScheduler without decay_t", {"type": S + "MultiStepLRScheduler", "lr": 0.1}, 5),
        # The floating-log cycle index puts t_curr a hair below 0 at this cycle boundary; a
        # fractional k_decay (or power) then makes the lr complex and math.cos raises TypeError.
        ("CosineLRScheduler fractional k_decay at a cycle boundary", {"type": S + "CosineLRScheduler",
            "lr": 0.0187, "t_initial": 15, "lr_min": 8.74e-06, "cycle_mul": 1.6, "cycle_decay": 0.93,
            "cycle_limit": 3, "k_decay": 1.6, "noise_range_t": None}, 79),
    ]
    import timm.scheduler as TS
    if hasattr(TS, "WSDLRScheduler"):
        W = S + "WSDLRScheduler"
        errs += [
            ("WSDLRScheduler decay_t > t_initial", {"type": W, "lr": 0.1, "t_initial": 10, "decay_t": 11}, 5),
            ("WSDLRScheduler decay_t 0", {"type": W, "lr": 0.1, "t_initial": 10, "decay_t": 0}, 5),
            ("WSDLRScheduler t_initial 0", {"type": W, "lr": 0.1, "t_initial": 0, "decay_t": 1}, 5),
            ("WSDLRScheduler negative lr_min", {"type": W, "lr": 0.1, "t_initial": 10, "decay_t": 5, "lr_min": -0.1}, 5),
            ("WSDLRScheduler unknown stable_fn", {"type": W, "lr": 0.1, "t_initial": 10, "decay_t": 5, "stable_fn": "sqrt"}, 5),
            ("WSDLRScheduler unknown decay_fn", {"type": W, "lr": 0.1, "t_initial": 10, "decay_t": 5, "decay_fn": "step"}, 5),
            ("WSDLRScheduler decay_ratio 1", {"type": W, "lr": 0.1, "t_initial": 10, "decay_t": 5, "decay_fn": "exp",
                "decay_ratio": 1.0}, 5),
            ("WSDLRScheduler decay_power 0", {"type": W, "lr": 0.1, "t_initial": 10, "decay_t": 5, "decay_fn": "power",
                "decay_power": 0.0}, 5),
            ("WSDLRScheduler stable_power 0", {"type": W, "lr": 0.1, "t_initial": 10, "decay_t": 5, "stable_fn": "power",
                "stable_power": 0.0, "warmup_t": 2}, 5),
            ("WSDLRScheduler rsqrt without warmup or timescale", {"type": W, "lr": 0.1, "t_initial": 10, "decay_t": 5,
                "stable_fn": "rsqrt"}, 5),
        ]
    F = S + "create_scheduler_v2"
    errs += [
        ("create_scheduler_v2 unknown sched", {"type": F, "lr": 0.1, "sched": "cosin"}, 5),
        ("create_scheduler_v2 per update without updates_per_epoch", {"type": F, "lr": 0.1, "step_on_epochs": False}, 5),
        ("create_scheduler_v2 wsd warmup fills the epochs", {"type": F, "lr": 0.1, "sched": "wsd", "num_epochs": 10,
            "warmup_epochs": 10}, 5),
        ("create_scheduler_v2 wsd decay longer than the epochs", {"type": F, "lr": 0.1, "sched": "wsd", "num_epochs": 10,
            "decay_epochs": 11}, 5),
        ("create_scheduler_v2 rsqrt without warmup or timescale", {"type": F, "lr": 0.1, "sched": "rsqrt",
            "num_epochs": 10}, 5),
        ("create_scheduler_v2 cosine num_epochs 0", {"type": F, "lr": 0.1, "num_epochs": 0}, 5),
        ("create_scheduler_v2 unknown decay_fn", {"type": F, "lr": 0.1, "sched": "wsd", "num_epochs": 10,
            "decay_fn": "sqrt"}, 5),
    ]
    return errs


# ----------------------------------------------------------------------------------------------
# keras (float32, jax backend)
# ----------------------------------------------------------------------------------------------

KERAS_OPTIMIZER_NAMES = {"sgd": "SGD", "adam": "Adam", "adam_w": "AdamW", "rm_sprop": "RMSprop", "adamax": "Adamax",
                         "nadam": "Nadam", "lion": "Lion", "adagrad": "Adagrad", "adadelta": "Adadelta", "ftrl": "Ftrl",
                         "lamb": "Lamb"}


def keras_serialized_run(spec, num_steps):
    """A spec Keras wrote itself: a serialized schedule (evaluated at step k), or a serialized
    optimizer, an optimizer's get_config() or a model config.json (compile_config.optimizer):
    the optimizer is rebuilt by Keras and driven through real `apply` calls on one variable; the
    value recorded for update k is `optimizer.learning_rate` read just before the apply that
    performs update k (with gradient_accumulation_steps = N, every N-th micro-step)."""
    import copy
    import re
    import keras
    import numpy as np
    spec = copy.deepcopy(spec)  # Keras' from_config replaces the nested learning_rate in place
    try:
        if "compile_config" in spec:
            obj = keras.optimizers.deserialize(spec["compile_config"]["optimizer"])
        elif "class_name" in spec:
            if "schedules" in (spec.get("module") or "") or (
                    "module" not in spec and hasattr(keras.optimizers.schedules, spec["class_name"])):
                obj = keras.optimizers.schedules.deserialize(spec)
            else:
                obj = keras.optimizers.deserialize(spec)
        else:
            cls = getattr(keras.optimizers, KERAS_OPTIMIZER_NAMES[re.sub(r"_\d+$", "", spec["name"])])
            obj = cls.from_config(dict(spec))
    except Exception as e:  # noqa: BLE001
        raise ConstructionError(e)
    lrs = []
    if isinstance(obj, keras.optimizers.schedules.LearningRateSchedule):
        for k in range(num_steps):
            try:
                lrs.append(as_float(obj(k)))
            except Exception as e:  # noqa: BLE001
                raise StepError(k, e, lrs)
        return {"lr": lrs}
    v = keras.Variable(np.zeros(2, dtype="float32"))
    n = obj.gradient_accumulation_steps or 1
    micro = 0
    while len(lrs) < num_steps:
        if (micro + 1) % n == 0:
            lrs.append(as_float(obj.learning_rate))
        obj.apply([np.ones(2, dtype="float32")], [v])
        micro += 1
    return {"lr": lrs}


def keras_run(spec, num_steps):
    import keras
    if "type" not in spec:
        return keras_serialized_run(spec, num_steps)
    cls = getattr(keras.optimizers.schedules, spec["type"].rsplit(".", 1)[1])
    kw = {k: v for k, v in spec.items() if k != "type"}
    try:
        sched = cls(**kw)
    except Exception as e:  # noqa: BLE001
        raise ConstructionError(e)
    lrs = []
    for k in range(num_steps):
        try:
            v = sched(k)
        except Exception as e:  # noqa: BLE001
            raise StepError(k, e, lrs)
        lrs.append(as_float(v))
    return {"lr": lrs}


def keras_cases(rng):
    K = "keras.optimizers.schedules."
    cases = []

    def add(spec, n, label=""):
        cases.append((spec, n, None, label))

    # ExponentialDecay
    E = K + "ExponentialDecay"
    add({"type": E, "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}, 30)
    add({"type": E, "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": True}, 30)
    add({"type": E, "initial_learning_rate": 0.01, "decay_steps": 3, "decay_rate": 1.5, "staircase": False}, 20, label="rate > 1")
    add({"type": E, "initial_learning_rate": 0.1, "decay_steps": 1000, "decay_rate": 0.96}, 3000, label="long")
    add({"type": E, "initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": 0.9}, 1, label="one step")
    for _ in range(10):
        spec = {"type": E, "initial_learning_rate": pick_lr(rng), "decay_steps": rng.randint(1, 200),
                "decay_rate": sig(rng.uniform(0.1, 0.99))}
        if rng.random() < 0.5:
            spec["staircase"] = rng.random() < 0.7
        add(spec, pick_steps(rng))

    # PiecewiseConstantDecay
    PC = K + "PiecewiseConstantDecay"
    add({"type": PC, "boundaries": [2, 4], "values": [1.0, 0.5, 0.1]}, 8)
    add({"type": PC, "boundaries": [0], "values": [1.0, 0.5]}, 4, label="boundary 0")
    add({"type": PC, "boundaries": [100, 110], "values": [1.0, 0.5, 0.1]}, 150)
    add({"type": PC, "boundaries": [3, 3, 6], "values": [1.0, 0.5, 0.25, 0.125]}, 10, label="repeated boundary")
    for _ in range(10):
        n = pick_steps(rng)
        bs = sorted(rng.sample(range(0, n + 10), min(4, n)))
        add({"type": PC, "boundaries": bs, "values": [pick_lr(rng) for _ in range(len(bs) + 1)]}, n)

    # PolynomialDecay
    PD = K + "PolynomialDecay"
    add({"type": PD, "initial_learning_rate": 1.0, "decay_steps": 4, "end_learning_rate": 0.0}, 10)
    add({"type": PD, "initial_learning_rate": 1.0, "decay_steps": 4, "end_learning_rate": 0.0, "cycle": True}, 14, label="cycle")
    add({"type": PD, "initial_learning_rate": 0.1, "decay_steps": 10}, 15, label="default end 1e-4")
    add({"type": PD, "initial_learning_rate": 0.1, "decay_steps": 10, "end_learning_rate": 0.001, "power": 2.0, "cycle": True},
        45, label="cycle power 2")
    add({"type": PD, "initial_learning_rate": 0.1, "decay_steps": 1, "end_learning_rate": 0.01, "cycle": True}, 5, label="decay_steps 1 cycle")
    for _ in range(10):
        lr = pick_lr(rng)
        spec = {"type": PD, "initial_learning_rate": lr, "decay_steps": rng.randint(1, 200),
                "end_learning_rate": sig(lr * rng.uniform(0, 0.1))}
        if rng.random() < 0.6:
            spec["power"] = sig(rng.uniform(0.3, 3.0), 2)
        if rng.random() < 0.5:
            spec["cycle"] = rng.random() < 0.7
        add(spec, pick_steps(rng))

    # InverseTimeDecay
    IT = K + "InverseTimeDecay"
    add({"type": IT, "initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": 0.5}, 20)
    add({"type": IT, "initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5, "staircase": True}, 30)
    add({"type": IT, "initial_learning_rate": 0.1, "decay_steps": 100, "decay_rate": 2.0}, 600)
    for _ in range(10):
        spec = {"type": IT, "initial_learning_rate": pick_lr(rng), "decay_steps": rng.randint(1, 200),
                "decay_rate": sig(rng.uniform(0.05, 3.0))}
        if rng.random() < 0.5:
            spec["staircase"] = rng.random() < 0.7
        add(spec, pick_steps(rng))

    # CosineDecay
    CD = K + "CosineDecay"
    add({"type": CD, "initial_learning_rate": 0.1, "decay_steps": 10}, 15)
    add({"type": CD, "initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.1}, 15)
    add({"type": CD, "initial_learning_rate": 0.0, "decay_steps": 10, "warmup_target": 0.1, "warmup_steps": 5}, 20, label="warmup")
    add({"type": CD, "initial_learning_rate": 0.01, "decay_steps": 10, "alpha": 0.2, "warmup_target": 0.1, "warmup_steps": 5},
        20, label="warmup with alpha")
    add({"type": CD, "initial_learning_rate": 0.5, "decay_steps": 10, "warmup_target": 0.1, "warmup_steps": 0}, 12,
        label="warmup target with warmup 0")
    add({"type": CD, "initial_learning_rate": 0.5, "decay_steps": 10, "warmup_target": None, "warmup_steps": 4}, 16,
        label="warmup steps without target")
    add({"type": CD, "initial_learning_rate": 0.1, "decay_steps": 1}, 3, label="decay_steps 1")
    for _ in range(10):
        lr = pick_lr(rng)
        spec = {"type": CD, "initial_learning_rate": lr, "decay_steps": rng.randint(1, 300)}
        if rng.random() < 0.6:
            spec["alpha"] = sig(rng.uniform(0, 0.3))
        if rng.random() < 0.5:
            spec["initial_learning_rate"] = sig(lr * rng.uniform(0, 0.1))
            spec["warmup_target"] = lr
            spec["warmup_steps"] = rng.randint(0, 60)
        add(spec, pick_steps(rng))

    # CosineDecayRestarts
    CR = K + "CosineDecayRestarts"
    add({"type": CR, "initial_learning_rate": 1.0, "first_decay_steps": 2, "t_mul": 2.0, "m_mul": 0.5, "alpha": 0.1}, 20)
    add({"type": CR, "initial_learning_rate": 0.1, "first_decay_steps": 10}, 80, label="defaults")
    add({"type": CR, "initial_learning_rate": 0.1, "first_decay_steps": 10, "t_mul": 1.0}, 45, label="t_mul 1")
    add({"type": CR, "initial_learning_rate": 0.1, "first_decay_steps": 4, "t_mul": 1.5, "m_mul": 0.9}, 120, label="t_mul 1.5")
    add({"type": CR, "initial_learning_rate": 0.1, "first_decay_steps": 1, "t_mul": 3.0}, 250, label="t_mul 3 boundaries")
    add({"type": CR, "initial_learning_rate": 0.1, "first_decay_steps": 1, "t_mul": 2.0}, 300, label="t_mul 2 boundaries")
    add({"type": CR, "initial_learning_rate": 0.1, "first_decay_steps": 5, "t_mul": 1.0, "m_mul": 0.5, "alpha": 0.05}, 40)
    for _ in range(10):
        spec = {"type": CR, "initial_learning_rate": pick_lr(rng), "first_decay_steps": rng.randint(1, 100)}
        if rng.random() < 0.7:
            spec["t_mul"] = rng.choice([1.0, 2.0, 1.5, sig(rng.uniform(1.1, 3), 2)])
        if rng.random() < 0.6:
            spec["m_mul"] = sig(rng.uniform(0.3, 1.0), 2)
        if rng.random() < 0.5:
            spec["alpha"] = sig(rng.uniform(0, 0.2))
        # capped: Keras re-traces its ops.cond on every eager call (~0.15 s per value)
        add(spec, min(pick_steps(rng), 500))

    # What Keras writes itself, read as specs: serialize(schedule), serialize(optimizer), an
    # optimizer's get_config(), and a saved model's config.json; with gradient accumulation
    # the optimizer reads the schedule at micro-step (k+1)·N − 1.
    import keras
    S = keras.optimizers.schedules
    O = keras.optimizers
    ser = keras.optimizers.schedules.serialize
    add(ser(S.CosineDecay(0.1, 50, alpha=0.1, warmup_target=0.2, warmup_steps=10)), 70, label="serialized")
    add(ser(S.PiecewiseConstantDecay([5, 10], [0.1, 0.05, 0.01])), 15, label="serialized")
    add(ser(S.ExponentialDecay(0.1, 10, 0.5, staircase=True)), 40, label="serialized")
    add(ser(S.CosineDecayRestarts(0.1, 8)), 60, label="serialized")
    add(O.serialize(O.AdamW(learning_rate=S.CosineDecay(0.01, 40))), 45, label="serialized optimizer")
    add(O.serialize(O.SGD(learning_rate=0.1, momentum=0.9)), 5, label="serialized optimizer, constant lr")
    add(O.serialize(O.Adam(learning_rate=S.InverseTimeDecay(0.01, 5, 0.5), gradient_accumulation_steps=4)), 30,
        label="serialized optimizer, accumulation 4")
    add(O.SGD(learning_rate=S.PolynomialDecay(0.1, 30, power=2.0)).get_config(), 35, label="optimizer get_config")
    add(O.RMSprop(learning_rate=S.PiecewiseConstantDecay([3, 7], [0.1, 0.01, 0.001]),
                  gradient_accumulation_steps=2).get_config(), 10, label="optimizer get_config, accumulation 2")
    add(O.Adam(learning_rate=3e-4).get_config(), 3, label="optimizer get_config, constant lr")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=O.AdamW(learning_rate=S.CosineDecay(0.0, 40, warmup_target=0.01, warmup_steps=8),
                                    gradient_accumulation_steps=3), loss="mse")
    # The same model saved as a .keras archive (ZIP_STORED), for `lrkit curve --spec model.keras`
    # (Tests/LRKitCLITests); its config.json is this case's spec.
    archive = os.path.join(FIXTURE_DIR, "keras-model.keras")
    model.save(archive)
    import zipfile
    with zipfile.ZipFile(archive) as z:
        add(json.loads(z.read("config.json")), 25, label="model config.json, accumulation 3")
    return cases


def keras_errors():
    K = "keras.optimizers.schedules."
    return [
        ("ExponentialDecay decay_steps 0", {"type": K + "ExponentialDecay", "initial_learning_rate": 0.1, "decay_steps": 0,
            "decay_rate": 0.5}, 5),
        ("PolynomialDecay decay_steps 0", {"type": K + "PolynomialDecay", "initial_learning_rate": 0.1, "decay_steps": 0}, 5),
        ("InverseTimeDecay decay_steps 0", {"type": K + "InverseTimeDecay", "initial_learning_rate": 0.1, "decay_steps": 0,
            "decay_rate": 0.5}, 5),
        ("CosineDecay decay_steps 0", {"type": K + "CosineDecay", "initial_learning_rate": 0.1, "decay_steps": 0}, 5),
        ("CosineDecay negative decay_steps", {"type": K + "CosineDecay", "initial_learning_rate": 0.1, "decay_steps": -5}, 5),
        ("CosineDecayRestarts first_decay_steps 0", {"type": K + "CosineDecayRestarts", "initial_learning_rate": 0.1,
            "first_decay_steps": 0}, 5),
        ("PiecewiseConstantDecay length mismatch", {"type": K + "PiecewiseConstantDecay", "boundaries": [2, 4],
            "values": [1.0, 0.5]}, 5),
        ("PiecewiseConstantDecay with no boundaries", {"type": K + "PiecewiseConstantDecay", "boundaries": [],
            "values": [0.3]}, 4),
        ("ExponentialDecay without decay_rate", {"type": K + "ExponentialDecay", "initial_learning_rate": 0.1,
            "decay_steps": 10}, 5),
        ("CosineDecay misspelled warmup_step", {"type": K + "CosineDecay", "initial_learning_rate": 0.1, "decay_steps": 10,
            "warmup_step": 3}, 5),
    ]


# ----------------------------------------------------------------------------------------------
# mlx (float32)
# ----------------------------------------------------------------------------------------------

def mlx_build(spec):
    import mlx.optimizers as mo
    name = spec["type"].rsplit(".", 1)[1]
    kw = {k: v for k, v in spec.items() if k != "type"}
    if name == "join_schedules":
        kw["schedules"] = [mlx_build(c) for c in kw["schedules"]]
    return getattr(mo, name)(**kw)


def mlx_run(spec, num_steps):
    import mlx.core as mx
    try:
        sched = mlx_build(spec)
    except Exception as e:  # noqa: BLE001
        raise ConstructionError(e)
    lrs = []
    for k in range(num_steps):
        try:
            v = sched(mx.array(k)).item()
        except Exception as e:  # noqa: BLE001
            raise StepError(k, e, lrs)
        lrs.append(as_float(v))
    return {"lr": lrs}


def mlx_cases(rng):
    X = "mlx.optimizers."
    cases = []

    def add(spec, n, label=""):
        cases.append((spec, n, None, label))

    def rcos():
        lr = pick_lr(rng)
        s = {"type": X + "cosine_decay", "init": lr, "decay_steps": rng.randint(1, 300)}
        if rng.random() < 0.6:
            s["end"] = sig(lr * rng.uniform(0, 0.2))
        return s

    def rexp():
        return {"type": X + "exponential_decay", "init": pick_lr(rng), "decay_rate": sig(rng.uniform(0.9, 0.9999), 4)}

    def rstep():
        return {"type": X + "step_decay", "init": pick_lr(rng), "decay_rate": sig(rng.uniform(0.1, 0.95)),
                "step_size": rng.randint(1, 80)}

    def rlin():
        return {"type": X + "linear_schedule", "init": sig(rng.uniform(0, 1e-3)), "end": pick_lr(rng),
                "steps": rng.randint(1, 200)}

    add({"type": X + "cosine_decay", "init": 0.1, "decay_steps": 1000}, 10)
    add({"type": X + "cosine_decay", "init": 0.1, "decay_steps": 10, "end": 0.01}, 15)
    add({"type": X + "cosine_decay", "init": 0.1, "decay_steps": 1}, 3, label="decay_steps 1")
    add({"type": X + "cosine_decay", "init": 1.0, "decay_steps": 2000, "end": 0.0}, 2500, label="long")
    for _ in range(10):
        add(rcos(), pick_steps(rng))

    add({"type": X + "exponential_decay", "init": 0.1, "decay_rate": 0.9}, 10)
    add({"type": X + "exponential_decay", "init": 0.1, "decay_rate": 0.999}, 3000, label="long")
    add({"type": X + "exponential_decay", "init": 0.01, "decay_rate": 1.01}, 50, label="growing")
    for _ in range(10):
        add(rexp(), pick_steps(rng))

    add({"type": X + "step_decay", "init": 0.1, "decay_rate": 0.9, "step_size": 10}, 30)
    add({"type": X + "step_decay", "init": 0.1, "decay_rate": 0.5, "step_size": 1}, 10, label="step_size 1")
    for _ in range(10):
        add(rstep(), pick_steps(rng))

    add({"type": X + "linear_schedule", "init": 0.0, "end": 0.1, "steps": 100}, 110)
    add({"type": X + "linear_schedule", "init": 0.1, "end": 0.0, "steps": 1}, 3, label="steps 1")
    add({"type": X + "linear_schedule", "init": 1e-6, "end": 3e-4, "steps": 7}, 10)
    for _ in range(10):
        add(rlin(), pick_steps(rng))

    J = X + "join_schedules"
    add({"type": J, "schedules": [{"type": X + "linear_schedule", "init": 0.0, "end": 0.1, "steps": 10},
                                  {"type": X + "cosine_decay", "init": 0.1, "decay_steps": 200}], "boundaries": [10]}, 220)
    add({"type": J, "schedules": [{"type": X + "exponential_decay", "init": 0.1, "decay_rate": 0.9}], "boundaries": []}, 5,
        label="single schedule")
    add({"type": J, "schedules": [{"type": X + "exponential_decay", "init": 0.1, "decay_rate": 0.9},
                                  {"type": X + "step_decay", "init": 0.05, "decay_rate": 0.5, "step_size": 3}],
         "boundaries": [0]}, 10, label="boundary 0")
    add({"type": J, "schedules": [
        {"type": J, "schedules": [{"type": X + "linear_schedule", "init": 0.0, "end": 1.0, "steps": 4},
                                  {"type": X + "exponential_decay", "init": 1.0, "decay_rate": 0.8}], "boundaries": [4]},
        {"type": X + "cosine_decay", "init": 0.5, "decay_steps": 10, "end": 0.05}], "boundaries": [8]}, 25, label="nested join")
    for _ in range(8):
        parts = [rng.choice([rcos, rexp, rstep, rlin])() for _ in range(rng.randint(2, 4))]
        add({"type": J, "schedules": parts, "boundaries": sorted(rng.sample(range(1, 300), len(parts) - 1))}, pick_steps(rng))
    return cases


def mlx_errors():
    X = "mlx.optimizers."
    return [
        ("step_decay step_size 0", {"type": X + "step_decay", "init": 0.1, "decay_rate": 0.9, "step_size": 0}, 5),
        ("cosine_decay decay_steps 0", {"type": X + "cosine_decay", "init": 0.1, "decay_steps": 0}, 5),
        ("linear_schedule steps 0", {"type": X + "linear_schedule", "init": 0.0, "end": 0.1, "steps": 0}, 5),
        ("join_schedules no schedules", {"type": X + "join_schedules", "schedules": [], "boundaries": []}, 5),
        ("join_schedules wrong boundary count", {"type": X + "join_schedules", "schedules": [
            {"type": X + "exponential_decay", "init": 0.1, "decay_rate": 0.9}], "boundaries": [3]}, 5),
        ("cosine_decay misspelled decay_step", {"type": X + "cosine_decay", "init": 0.1, "decay_step": 10}, 5),
        ("exponential_decay without decay_rate", {"type": X + "exponential_decay", "init": 0.1}, 5),
    ]


# ----------------------------------------------------------------------------------------------
# fastai (f(k / total_steps) with fastai's own schedule functions)
# ----------------------------------------------------------------------------------------------

def fastai_default_lr():
    import inspect
    from fastai.learner import Learner
    return inspect.signature(Learner).parameters["lr"].default


def fastai_check_kwargs(method, spec):
    """A key the real method does not take raises the real method's own TypeError: Python rejects the
    call while binding arguments, before the body (which needs a Learner) runs."""
    import inspect
    kw = {k: v for k, v in spec.items() if k not in ("type", "total_steps")}
    try:
        inspect.signature(method).bind(None, 1, **kw)
    except TypeError:
        method(None, 1, **kw)  # raises Python's own binding TypeError
        raise


def fastai_build(spec):
    """Build the schedules exactly as Learner.fit_one_cycle / fit_flat_cos do (fastai/callback/schedule.py):

    fit_one_cycle: lr_max = np.array([h['lr'] for h in opt.hypers])   (one param group)
                   scheds = {'lr': combined_cos(pct_start, lr_max/div, lr_max, lr_max/div_final),
                             'mom': combined_cos(pct_start, *(self.moms if moms is None else moms))}
    fit_flat_cos:  lr = np.array([...]); scheds = {'lr': combined_cos(pct_start, lr, lr, lr/div_final)}
    """
    import inspect
    import numpy as np
    from fastai.callback.schedule import combined_cos
    from fastai.learner import Learner
    name = spec["type"].split(".", 1)[1]
    if name == "fit_one_cycle":
        d = inspect.signature(Learner.fit_one_cycle).parameters
        fastai_check_kwargs(Learner.fit_one_cycle, spec)
        lr_max = spec.get("lr_max", d["lr_max"].default)
        lr_max = fastai_default_lr() if lr_max is None else lr_max
        div = spec.get("div", d["div"].default)
        div_final = spec.get("div_final", d["div_final"].default)
        pct_start = spec.get("pct_start", d["pct_start"].default)
        moms = spec.get("moms", d["moms"].default)
        moms = inspect.signature(Learner).parameters["moms"].default if moms is None else moms
        lr_max = np.array([lr_max])
        return {"lr": combined_cos(pct_start, lr_max / div, lr_max, lr_max / div_final),
                "mom": combined_cos(pct_start, *moms)}
    if name == "fit_flat_cos":
        d = inspect.signature(Learner.fit_flat_cos).parameters
        fastai_check_kwargs(Learner.fit_flat_cos, spec)
        lr = spec.get("lr", d["lr"].default)
        lr = fastai_default_lr() if lr is None else lr
        div_final = spec.get("div_final", d["div_final"].default)
        pct_start = spec.get("pct_start", d["pct_start"].default)
        lr = np.array([lr])
        return {"lr": combined_cos(pct_start, lr, lr, lr / div_final)}
    raise ValueError(f"unknown fastai spec {name}")


def fastai_value(x):
    import numpy as np
    if isinstance(x, np.ndarray):
        assert x.shape == (1,)
        x = x[0]
    return as_float(x)


def fastai_run(spec, num_steps):
    try:
        scheds = fastai_build(spec)
    except Exception as e:  # noqa: BLE001
        raise ConstructionError(e)
    total = spec["total_steps"]
    out = {"lr": []}
    if "mom" in scheds:
        out["momentum"] = []
    for k in range(num_steps):
        pos = k / total
        try:
            out["lr"].append(fastai_value(scheds["lr"](pos)))
            if "mom" in scheds:
                out["momentum"].append(fastai_value(scheds["mom"](pos)))
        except Exception as e:  # noqa: BLE001
            raise StepError(k, e, out["lr"][:k])
    return out


def fastai_cases(rng):
    cases = []

    def add(spec, n=None, label=""):
        cases.append((spec, spec["total_steps"] if n is None else n, None, label))

    OC = "fastai.fit_one_cycle"
    add({"type": OC, "total_steps": 100, "lr_max": 0.01}, label="defaults")
    add({"type": OC, "total_steps": 100}, label="all defaults (lr_max from Learner)")
    add({"type": OC, "total_steps": 100, "lr_max": 0.1, "div": 25.0, "div_final": 1e5, "pct_start": 0.25,
         "moms": [0.95, 0.85, 0.95]}, label="explicit defaults")
    add({"type": OC, "total_steps": 1, "lr_max": 0.1}, label="one step")
    add({"type": OC, "total_steps": 2, "lr_max": 0.1}, label="two steps")
    add({"type": OC, "total_steps": 10, "lr_max": 1.0, "pct_start": 0.3}, label="pct 0.3")
    add({"type": OC, "total_steps": 50, "lr_max": 0.1, "pct_start": 0.0}, label="pct_start 0")
    add({"type": OC, "total_steps": 50, "lr_max": 0.1, "pct_start": 1.0}, label="pct_start 1")
    add({"type": OC, "total_steps": 3000, "lr_max": 3e-3, "pct_start": 0.3, "moms": [0.9, 0.8, 0.9]}, label="long")
    add({"type": OC, "total_steps": 40, "lr_max": 0.1, "pct_start": 0.25}, 45, label="past the end")
    for _ in range(12):
        spec = {"type": OC, "total_steps": pick_steps(rng, 1, 400), "lr_max": pick_lr(rng)}
        if rng.random() < 0.7:
            spec["pct_start"] = sig(rng.uniform(0.05, 0.8), 2)
        if rng.random() < 0.5:
            spec["div"] = sig(rng.uniform(2, 100))
        if rng.random() < 0.5:
            spec["div_final"] = sig(10 ** rng.uniform(2, 6))
        if rng.random() < 0.5:
            hi = sig(rng.uniform(0.9, 0.99), 2)
            spec["moms"] = [hi, sig(hi - rng.uniform(0.05, 0.2), 2), hi]
        add(spec)

    FC = "fastai.fit_flat_cos"
    add({"type": FC, "total_steps": 100, "lr": 0.01}, label="defaults")
    add({"type": FC, "total_steps": 100}, label="all defaults (lr from Learner)")
    add({"type": FC, "total_steps": 1, "lr": 0.1}, label="one step")
    add({"type": FC, "total_steps": 20, "lr": 0.1, "pct_start": 0.0}, label="pct_start 0")
    add({"type": FC, "total_steps": 20, "lr": 0.1, "pct_start": 1.0}, label="pct_start 1")
    add({"type": FC, "total_steps": 64, "lr": 0.1, "div_final": 100.0, "pct_start": 0.5})
    for _ in range(10):
        spec = {"type": FC, "total_steps": pick_steps(rng, 1, 400), "lr": pick_lr(rng)}
        if rng.random() < 0.7:
            spec["pct_start"] = sig(rng.uniform(0.1, 0.95), 2)
        if rng.random() < 0.5:
            spec["div_final"] = sig(10 ** rng.uniform(1, 6))
        add(spec)
    return cases


def fastai_errors():
    return [
        ("fit_one_cycle pct_start > 1", {"type": "fastai.fit_one_cycle", "total_steps": 10, "lr_max": 0.1, "pct_start": 1.5}, 10),
        ("fit_one_cycle misspelled lr", {"type": "fastai.fit_one_cycle", "total_steps": 10, "lr": 0.1}, 10),
    ]


def fastai_real_fit_check(rng):
    """Train a real Learner with fit_one_cycle and compare its recorded lrs with f(k/N).

    Returns the largest relative difference (fastai accumulates pct_train by repeated float addition,
    so it is not exactly k/N). Used only for the report printed by this script.
    """
    import torch
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner
    from fastai.callback.schedule import combined_cos  # importing the module patches Learner.fit_one_cycle
    assert callable(combined_cos)
    from torch.utils.data import DataLoader as TDL, TensorDataset
    torch.manual_seed(0)
    results = []
    for n_epoch, n_batches, lr_max, pct in [(3, 7, 0.01, 0.25), (2, 13, 0.1, 0.3), (1, 50, 3e-3, 0.5),
                                            (3, 333, 0.01, 0.25), (10, 37, 1e-3, 0.3), (7, 1, 0.1, 0.4)]:
        x = torch.randn(n_batches * 4, 2)
        y = torch.randn(n_batches * 4, 1)
        dl = TDL(TensorDataset(x, y), batch_size=4, shuffle=False)
        dls = DataLoaders(dl, TDL(TensorDataset(x[:4], y[:4]), batch_size=4))
        learn = Learner(dls, torch.nn.Linear(2, 1), loss_func=torch.nn.MSELoss())
        with learn.no_bar(), learn.no_logging():
            learn.fit_one_cycle(n_epoch, lr_max=lr_max, pct_start=pct)
        got = [float(v) for v in learn.recorder.hps["lr"]]
        got_mom = [float(v) for v in learn.recorder.hps["mom"]]
        N = n_epoch * n_batches
        ref = fastai_run({"type": "fastai.fit_one_cycle", "total_steps": N, "lr_max": lr_max, "pct_start": pct}, N)
        assert len(got) == N
        rel = max(abs(a - b) / abs(b) for a, b in zip(got, ref["lr"]))
        rel_mom = max(abs(a - b) / abs(b) for a, b in zip(got_mom, ref["momentum"]))
        results.append({"n_epoch": n_epoch, "n_iter": n_batches, "max_rel_diff_lr": rel, "max_rel_diff_mom": rel_mom})
    return results


# ----------------------------------------------------------------------------------------------
# Hugging Face Trainer step accounting
# ----------------------------------------------------------------------------------------------

def hf_dataloader_len(num_samples, batch_size, world_size, drop_last):
    """Per-process dataloader length, via accelerate's BatchSamplerShard (even_batches=True, split_batches=False)."""
    from accelerate.data_loader import BatchSamplerShard
    from torch.utils.data import BatchSampler, SequentialSampler
    bs = BatchSampler(SequentialSampler(range(num_samples)), batch_size=batch_size, drop_last=drop_last)
    lens = []
    for rank in range(world_size):
        shard = BatchSamplerShard(bs, num_processes=world_size, process_index=rank, split_batches=False, even_batches=True)
        n = len(shard)
        assert n == sum(1 for _ in shard), "BatchSamplerShard len disagrees with its iteration"
        lens.append(n)
    assert len(set(lens)) == 1, lens
    return lens[0], bs


class _TinyDataset:
    def __init__(self, n):
        import torch
        g = torch.Generator().manual_seed(n)
        self.x = torch.randn(n, 2, generator=g)
        self.y = torch.randn(n, 1, generator=g)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"x": self.x[i], "labels": self.y[i]}


def _tiny_model():
    import torch

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(2, 1)

        def forward(self, x, labels=None):
            out = self.lin(x)
            loss = torch.nn.functional.mse_loss(out, labels)
            return {"loss": loss, "logits": out}

    return M()


def hf_training_args(cfg, tmp):
    from transformers import TrainingArguments
    return TrainingArguments(
        output_dir=tmp, per_device_train_batch_size=cfg["per_device_train_batch_size"],
        gradient_accumulation_steps=cfg["gradient_accumulation_steps"], num_train_epochs=cfg["num_train_epochs"],
        max_steps=cfg["max_steps"], warmup_steps=cfg["warmup_steps"], dataloader_drop_last=cfg["dataloader_drop_last"],
        learning_rate=cfg["learning_rate"], lr_scheduler_type=cfg["lr_scheduler_type"],
        lr_scheduler_kwargs=dict(cfg["lr_scheduler_kwargs"]), report_to="none", save_strategy="no",
        logging_strategy="no", eval_strategy="no", use_cpu=True, seed=0, disable_tqdm=True,
        dataloader_num_workers=0, max_grad_norm=0.0)


def hf_compute(cfg, tmp):
    """Trainer's own arithmetic: set_initial_training_values on a per-process dataloader of the right length,
    get_warmup_steps, then create_scheduler's get_scheduler call, stepped like the training loop."""
    import torch
    from torch.utils.data import DataLoader
    from transformers import Trainer, get_scheduler
    args = hf_training_args(cfg, tmp)
    assert args.n_gpu <= 1 and args.train_batch_size == cfg["per_device_train_batch_size"]
    length, batch_sampler = hf_dataloader_len(cfg["num_samples"], args.train_batch_size, cfg["world_size"],
                                              cfg["dataloader_drop_last"])
    from accelerate.data_loader import BatchSamplerShard
    ds = _TinyDataset(cfg["num_samples"])
    shard = BatchSamplerShard(batch_sampler, num_processes=cfg["world_size"], process_index=0)
    dl = DataLoader(ds, batch_sampler=shard)
    assert len(dl) == length
    trainer = Trainer(model=_tiny_model(), args=args, train_dataset=ds)
    (num_train_epochs, num_update_steps_per_epoch, _num_examples, _num_train_samples, _total_bs, _steps_in_epoch,
     max_steps) = trainer.set_initial_training_values(args, dl)
    num_warmup = args.get_warmup_steps(max_steps)
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=args.learning_rate)
    sched = get_scheduler(args.lr_scheduler_type, optimizer=opt, num_warmup_steps=num_warmup,
                          num_training_steps=max_steps, scheduler_specific_kwargs=args.lr_scheduler_kwargs)
    lrs = []
    for k in range(max_steps):
        if k > 0:
            opt.step()
            sched.step()
        lrs.append(as_float(opt.param_groups[0]["lr"]))
    return {"num_update_steps_per_epoch": num_update_steps_per_epoch, "max_steps": max_steps,
            "num_warmup_steps": num_warmup, "num_train_epochs": num_train_epochs, "lr": lrs}


def hf_real_train(cfg, tmp):
    """Really run Trainer.train() (world size 1) and record the lr each optimizer update used."""
    from transformers import Trainer, TrainerCallback
    from transformers.trainer_callback import PrinterCallback
    args = hf_training_args(cfg, tmp)
    seen = []

    class Rec(TrainerCallback):
        def on_optimizer_step(self, args, state, control, optimizer=None, **kw):
            seen.append(float(optimizer.param_groups[0]["lr"]))

    trainer = Trainer(model=_tiny_model(), args=args, train_dataset=_TinyDataset(cfg["num_samples"]), callbacks=[Rec()])
    trainer.remove_callback(PrinterCallback)
    trainer.train()
    return seen, trainer.state.global_step


def hf_configs(rng):
    def cfg(n, b, p, ga, ep, ms=-1, wu=0, drop=False, lr=5e-5, sched="linear", kw=None, name=""):
        return name, {"num_samples": n, "per_device_train_batch_size": b, "world_size": p, "gradient_accumulation_steps": ga,
                      "num_train_epochs": ep, "max_steps": ms, "warmup_steps": wu, "dataloader_drop_last": drop,
                      "learning_rate": lr, "lr_scheduler_type": sched, "lr_scheduler_kwargs": kw or {}}

    out = [
        cfg(1000, 8, 2, 4, 3, name="reference example N=1000 bs=8 P=2 GA=4"),
        cfg(800, 8, 1, 1, 1, wu=0.07, lr=1e-3, sched="cosine", name="IEEE trap warmup 0.07 of 100"),
        cfg(2400, 8, 1, 1, 1, wu=0.07, lr=1e-3, sched="cosine", name="IEEE trap warmup 0.07 of 300"),
        cfg(100, 4, 1, 1, 3, ms=100, wu=0.07, lr=1e-3, name="IEEE trap with max_steps 100"),
        cfg(100, 4, 1, 1, 3, ms=300, wu=0.07, lr=1e-3, name="IEEE trap with max_steps 300"),
        cfg(100, 8, 1, 3, 2, wu=2, name="GA remainder (13 batches, GA 3)"),
        cfg(100, 8, 1, 4, 1.5, wu=0.1, sched="cosine", name="fractional epochs 1.5"),
        cfg(97, 8, 1, 1, 0.3, wu=1, name="fractional epochs 0.3"),
        cfg(100, 8, 1, 2, 2, drop=True, name="drop_last"),
        cfg(9, 8, 1, 1, 3, drop=True, name="drop_last leaves one batch"),
        cfg(100, 8, 3, 2, 2, wu=3, name="world size 3"),
        cfg(1000, 16, 8, 1, 2, wu=0.1, sched="cosine", name="world size 8"),
        cfg(1001, 16, 8, 2, 1, drop=True, name="world size 8 drop_last"),
        cfg(50, 4, 8, 4, 2, name="world size 8 fewer batches than processes x GA"),
        cfg(100, 8, 2, 1, 3, ms=20, wu=5, sched="cosine", name="max_steps overrides epochs"),
        cfg(10, 4, 1, 8, 1, name="GA larger than dataloader"),
        cfg(64, 8, 1, 1, 1, wu=8, sched="constant_with_warmup", name="warmup = total"),
        cfg(64, 8, 1, 1, 2, wu=5.7, sched="polynomial", kw={"lr_end": 1e-7, "power": 2.0}, name="float warmup >= 1 truncates"),
        cfg(64, 8, 1, 1, 2, wu=0.5, sched="cosine_with_restarts", kw={"num_cycles": 2}, name="ratio 0.5 with restarts"),
        cfg(320, 8, 2, 2, 4, wu=0.05, sched="warmup_stable_decay", kw={"num_decay_steps": 10, "decay_type": "1-sqrt"},
            name="wsd kwargs"),
        cfg(200, 8, 1, 1, 2, wu=0.1, sched="cosine_with_min_lr", kw={"min_lr_rate": 0.1}, name="cosine_with_min_lr"),
        cfg(200, 8, 1, 1, 2, wu=3, sched="inverse_sqrt", kw={"timescale": 10}, name="inverse_sqrt timescale"),
        cfg(120, 6, 1, 2, 2, wu=4, sched="cosine_warmup_with_min_lr", kw={"min_lr_rate": 0.05}, name="cosine_warmup_with_min_lr"),
    ]
    for i in range(8):
        n = rng.randint(10, 5000)
        b = rng.choice([1, 2, 4, 8, 16, 32])
        p = rng.choice([1, 2, 3, 4, 8])
        ga = rng.choice([1, 1, 2, 3, 4, 8])
        ep = rng.choice([1, 2, 3, sig(rng.uniform(0.2, 4), 2)])
        wu = rng.choice([0, rng.randint(1, 50), sig(rng.uniform(0.01, 0.3), 2)])
        sched = rng.choice(["linear", "cosine", "constant_with_warmup", "cosine_with_restarts"])
        kw = {"num_cycles": rng.randint(1, 3)} if sched == "cosine_with_restarts" else {}
        out.append(cfg(n, b, p, ga, ep, wu=wu, drop=rng.random() < 0.3, lr=pick_lr(rng), sched=sched, kw=kw,
                       name=f"random {i + 1}"))
    return out


def make_hf_trainer(rng):
    import transformers
    cases = []
    verified = []
    names = Namer()
    for name, cfg in hf_configs(rng):
        with tempfile.TemporaryDirectory() as tmp:
            res = hf_compute(cfg, tmp)
        case = {"name": names(name), "config": cfg, **res}
        if cfg["world_size"] == 1:  # every single-process case is checked against a real Trainer.train()
            with tempfile.TemporaryDirectory() as tmp:
                seen, gstep = hf_real_train(cfg, tmp)
            assert gstep == res["max_steps"], (name, gstep, res["max_steps"])
            assert seen == res["lr"], (name, seen[:5], res["lr"][:5])
            case["verified_by_trainer_train"] = True
            verified.append(name)
        cases.append(case)
    return {"library": "transformers.Trainer", "version": transformers.__version__,
            "accelerate_version": __import__("accelerate").__version__, "cases": cases}, verified


# ----------------------------------------------------------------------------------------------
# deepspeed (deepspeed.runtime.lr_schedules, stepped as DeepSpeed's engine steps them)
# ----------------------------------------------------------------------------------------------

DEEPSPEED_PREFIX = "deepspeed.runtime.lr_schedules."


def deepspeed_run(spec, num_steps):
    """lr[k] as recorded before optimizer update k; the engine calls sched.step() after each update.

    The optimizer is torch's Adam (it has `betas`, so OneCycle drives beta1); "lr" is its lr."""
    import torch
    import deepspeed.runtime.lr_schedules as S
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=spec["lr"]) if "lr" in spec else torch.optim.Adam([p])
    cls = getattr(S, spec["type"][len(DEEPSPEED_PREFIX):])
    kw = {k: v for k, v in spec.items() if k not in ("type", "lr")}
    try:
        sched = cls(opt, **kw)
    except Exception as e:  # noqa: BLE001
        raise ConstructionError(e)
    beta1 = (lambda g: g["betas"][0]) if spec["type"].endswith("OneCycle") and spec.get("cycle_momentum", True) else None
    return step_and_record(opt, sched, num_steps, momentum=beta1)


def deepspeed_cases(rng):
    out = []

    def add(name, n, label="", **kw):
        out.append(({"type": DEEPSPEED_PREFIX + name, **kw}, n, None, label))

    # The documented examples and defaults.
    add("WarmupLR", 40, "defaults", lr=0.01, warmup_num_steps=20)
    add("WarmupLR", 30, "linear", warmup_min_lr=0.0, warmup_max_lr=0.001, warmup_num_steps=10, warmup_type="linear")
    add("WarmupLR", 8, "one warmup step", lr=0.1, warmup_num_steps=1)
    add("WarmupLR", 12, "unknown warmup_type", lr=0.1, warmup_num_steps=6, warmup_type="cosine")
    add("WarmupDecayLR", 120, "defaults", total_num_steps=100, warmup_num_steps=10)
    add("WarmupDecayLR", 60, "max_lr None", lr=0.02, total_num_steps=50, warmup_max_lr=None, warmup_num_steps=5)
    add("WarmupDecayLR", 40, "total < warmup", total_num_steps=10, warmup_num_steps=20, warmup_type="linear")
    add("WarmupDecayLR", 30, "total = warmup", total_num_steps=12, warmup_num_steps=12, warmup_max_lr=0.003)
    add("WarmupCosineLR", 130, "defaults", lr=0.001, total_num_steps=100, warmup_num_steps=10)
    add("WarmupCosineLR", 80, "linear", lr=3e-4, total_num_steps=60, warmup_num_steps=15, warmup_type="linear",
        warmup_min_ratio=0.1, cos_min_ratio=0.05)
    add("WarmupCosineLR", 30, "total < warmup", lr=0.1, total_num_steps=5, warmup_num_steps=10)
    add("WarmupCosineLR", 30, "cos_min_ratio > 1", lr=0.1, total_num_steps=20, warmup_num_steps=4, cos_min_ratio=1.5)
    add("LRRangeTest", 50, "defaults", lr_range_test_step_size=10)
    add("LRRangeTest", 60, "staircase", lr_range_test_min_lr=1e-5, lr_range_test_step_size=7,
        lr_range_test_step_rate=2.5, lr_range_test_staircase=True)
    add("OneCycle", 60, "defaults", cycle_min_lr=0.001, cycle_max_lr=0.01, cycle_first_step_size=20)
    add("OneCycle", 80, "decay", cycle_min_lr=1e-4, cycle_max_lr=1e-3, cycle_first_step_size=15,
        cycle_second_step_size=25, decay_step_size=5, decay_lr_rate=0.1, decay_mom_rate=0.05)
    add("OneCycle", 70, "stairs", cycle_min_lr=0.01, cycle_max_lr=0.1, cycle_first_step_size=12,
        cycle_second_step_size=18, cycle_first_stair_count=4, cycle_second_stair_count=3)
    add("OneCycle", 40, "no second half", cycle_min_lr=0.01, cycle_max_lr=0.1, cycle_first_step_size=10,
        cycle_second_step_size=0, cycle_first_stair_count=3)
    add("OneCycle", 40, "no momentum", cycle_min_lr=0.01, cycle_max_lr=0.1, cycle_first_step_size=7.5,
        cycle_momentum=False, decay_step_size=3, decay_lr_rate=0.5)

    # Random configurations of every class.
    for i in range(12):
        w = rng.choice([1, 2, 3, rng.randint(1, 40), rng.randint(40, 300)])
        kind = rng.choice(["log", "linear"])
        n = pick_steps(rng, 10, 400)
        lo = rng.choice([0.0, 0, sig(pick_lr(rng) / 10)])
        add("WarmupLR", n, f"random {i + 1}", lr=pick_lr(rng), warmup_min_lr=lo,
            warmup_num_steps=w, warmup_type=kind, **({"warmup_max_lr": pick_lr(rng)} if rng.random() < 0.5 else {}))
        total = rng.choice([w + rng.randint(0, 300), rng.randint(1, 400)])
        add("WarmupDecayLR", n, f"random {i + 1}", total_num_steps=total, warmup_min_lr=lo,
            warmup_max_lr=pick_lr(rng), warmup_num_steps=w, warmup_type=kind)
        add("WarmupCosineLR", n, f"random {i + 1}", lr=pick_lr(rng), total_num_steps=total, warmup_num_steps=w,
            warmup_type=kind, warmup_min_ratio=rng.choice([0.0, sig(rng.uniform(0, 1))]),
            cos_min_ratio=rng.choice([0.0001, 0.0, sig(rng.uniform(0, 0.5))]))
        add("LRRangeTest", n, f"random {i + 1}", lr_range_test_min_lr=sig(pick_lr(rng) / 100),
            lr_range_test_step_size=rng.randint(1, 60), lr_range_test_step_rate=sig(rng.uniform(0.1, 10)),
            lr_range_test_staircase=rng.random() < 0.5)
        first = rng.choice([rng.randint(1, 100), sig(rng.uniform(0.5, 80))])
        kw = {}
        if rng.random() < 0.6:
            kw["cycle_second_step_size"] = rng.choice([0, rng.randint(1, 100), sig(rng.uniform(0.5, 80))])
        if rng.random() < 0.4:
            kw["cycle_first_stair_count"] = rng.randint(0, 8)
            if rng.random() < 0.5:
                kw["cycle_second_stair_count"] = rng.randint(0, 8)
        if rng.random() < 0.5:
            kw["decay_step_size"] = rng.randint(1, 30)
            kw["decay_lr_rate"] = sig(rng.uniform(0, 1))
            kw["decay_mom_rate"] = rng.choice([0.0, sig(rng.uniform(0, 0.1))])
        if rng.random() < 0.2:
            kw["cycle_momentum"] = False
        hi = pick_lr(rng)
        add("OneCycle", n, f"random {i + 1}", cycle_min_lr=sig(hi / rng.uniform(2, 30)), cycle_max_lr=hi,
            cycle_first_step_size=first, cycle_min_mom=sig(rng.uniform(0.8, 0.9)),
            cycle_max_mom=sig(rng.uniform(0.9, 0.99)), **kw)
    return out


def deepspeed_engine_check(cases):
    """Runs every case through a real DeepSpeed engine (deepspeed.initialize on CPU, gloo, one
    process, torch's Adam) and checks that the lr and beta1 each update sees are the fixture's.

    Needs ninja (DeepSpeed builds its CPU communication op on first use)."""
    import torch
    import deepspeed
    os.environ.update(RANK="0", LOCAL_RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=os.environ.get("MASTER_PORT", "29533"))
    deepspeed.init_distributed(dist_backend="gloo")
    checked, stopped = 0, []
    for case in cases:
        spec = case["spec"]
        params = {k: v for k, v in spec.items() if k not in ("type", "lr")}
        optimizer = {"type": "Adam", "params": {"torch_adam": True}}
        if "lr" in spec:
            optimizer["params"]["lr"] = spec["lr"]
        config = {"train_batch_size": 1, "optimizer": optimizer,
                  "scheduler": {"type": spec["type"][len(DEEPSPEED_PREFIX):], "params": params}}
        torch.manual_seed(0)
        model = torch.nn.Linear(2, 1)
        engine, opt, _, _ = deepspeed.initialize(model=model, model_parameters=model.parameters(), config=config)
        lrs, moms = [], []
        for _ in range(case["num_steps"]):
            group = opt.param_groups[0]
            lrs.append(float(group["lr"]))
            moms.append(float(group["betas"][0]))
            engine.backward(model(torch.ones(1, 2)).sum())
            try:
                engine.step()
            except OverflowError:  # Adam's beta1 ** step once OneCycle's momentum decay passes 1
                stopped.append(f"{case['name']}: Adam overflowed at update {len(lrs) - 1}")
                break
        n = len(lrs)
        assert lrs == case["lr"][:n], (case["name"], lrs[:6], case["lr"][:6])
        if "momentum" in case:
            assert moms == case["momentum"][:n], (case["name"], moms[:6], case["momentum"][:6])
        checked += 1
    return checked, stopped


def deepspeed_errors():
    p = DEEPSPEED_PREFIX
    return [
        ("WarmupLR warmup_num_steps 0", {"type": p + "WarmupLR", "lr": 0.1, "warmup_num_steps": 0}, 5),
        ("WarmupLR warmup_num_steps 2.5", {"type": p + "WarmupLR", "lr": 0.1, "warmup_num_steps": 2.5}, 5),
        ("WarmupDecayLR warmup_num_steps -3", {"type": p + "WarmupDecayLR", "total_num_steps": 10,
                                               "warmup_num_steps": -3}, 5),
        ("WarmupCosineLR warmup_num_steps 0", {"type": p + "WarmupCosineLR", "lr": 0.1, "total_num_steps": 10,
                                               "warmup_num_steps": 0}, 5),
        ("LRRangeTest step size 0", {"type": p + "LRRangeTest", "lr_range_test_step_size": 0}, 5),
        ("OneCycle first step size 0", {"type": p + "OneCycle", "cycle_min_lr": 0.01, "cycle_max_lr": 0.1,
                                        "cycle_first_step_size": 0}, 5),
        ("OneCycle second step size -1", {"type": p + "OneCycle", "cycle_min_lr": 0.01, "cycle_max_lr": 0.1,
                                          "cycle_second_step_size": -1}, 5),
    ]


# ----------------------------------------------------------------------------------------------
# hf_deepspeed (the Hugging Face Trainer with a DeepSpeed config whose scheduler section is set)
# ----------------------------------------------------------------------------------------------

def hf_deepspeed_configs():
    """TrainingArguments-like configs (world size 1) with a DeepSpeed config, as real projects write them."""
    def ds(scheduler, optimizer_lr="auto", extra=None):
        config = {"train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto",
                  "train_batch_size": "auto", "zero_optimization": {"stage": 0},
                  "optimizer": {"type": "AdamW", "params": {"lr": optimizer_lr, "weight_decay": "auto",
                                                             "torch_adam": True}},
                  "scheduler": scheduler}
        config.update(extra or {})
        return config

    def cfg(name, n, b, ga, ep, deepspeed, ms=-1, wu=0, lr=1e-3, sched=None):
        out = {"num_samples": n, "per_device_train_batch_size": b, "gradient_accumulation_steps": ga,
               "num_train_epochs": ep, "max_steps": ms, "warmup_steps": wu, "learning_rate": lr,
               "deepspeed": deepspeed}
        if sched:
            out["lr_scheduler_type"] = sched
        return name, out

    auto = "auto"
    return [
        cfg("WarmupDecayLR, every value auto", 80, 4, 1, 2, ds({"type": "WarmupDecayLR", "params": {
            "warmup_min_lr": auto, "warmup_max_lr": auto, "warmup_num_steps": auto, "total_num_steps": auto}}),
            wu=5, sched="cosine"),
        cfg("WarmupDecayLR linear, gradient accumulation 3", 100, 4, 3, 3, ds({"type": "WarmupDecayLR", "params": {
            "warmup_min_lr": auto, "warmup_max_lr": auto, "warmup_num_steps": auto, "total_num_steps": auto,
            "warmup_type": "linear"}}), wu=0.2, lr=3e-4),
        cfg("WarmupLR auto, no warmup steps (auto is max(1, 0))", 60, 4, 1, 1, ds({"type": "WarmupLR", "params": {
            "warmup_min_lr": auto, "warmup_max_lr": auto, "warmup_num_steps": auto}}), wu=0),
        cfg("WarmupCosineLR auto, linear warmup", 90, 3, 1, 2, ds({"type": "WarmupCosineLR", "params": {
            "warmup_num_steps": auto, "total_num_steps": auto, "warmup_type": "linear", "cos_min_ratio": 0.1,
            "warmup_min_ratio": 0.0}}), wu=6, lr=2e-4),
        cfg("WarmupCosineLR, explicit matching values", 40, 2, 2, 2, ds({"type": "WarmupCosineLR", "params": {
            "warmup_num_steps": 4, "total_num_steps": 20}}, optimizer_lr=5e-4), wu=4, lr=5e-4),
        cfg("OneCycle, optimizer lr auto", 120, 4, 1, 2, ds({"type": "OneCycle", "params": {
            "cycle_min_lr": 1e-4, "cycle_max_lr": 1e-3, "cycle_first_step_size": 20, "cycle_second_step_size": 25,
            "decay_step_size": 5, "decay_lr_rate": 0.2}}), sched="linear"),
        cfg("torch CosineAnnealingLR named in the DeepSpeed config", 64, 4, 1, 2, ds({"type": "CosineAnnealingLR",
            "params": {"T_max": 20, "eta_min": 1e-5}}), wu=3),
        cfg("max_steps with WarmupDecayLR auto", 500, 8, 1, 3, ds({"type": "WarmupDecayLR", "params": {
            "warmup_min_lr": auto, "warmup_max_lr": auto, "warmup_num_steps": auto, "total_num_steps": auto}}),
            ms=25, wu=0.1),
        cfg("optimizer section without lr: DeepSpeed's default, not learning_rate", 48, 4, 1, 2, {
            "train_micro_batch_size_per_gpu": "auto", "zero_optimization": {"stage": 0},
            "optimizer": {"type": "AdamW", "params": {"torch_adam": True}},
            "scheduler": {"type": "WarmupCosineLR", "params": {"warmup_num_steps": auto, "total_num_steps": auto}}},
            wu=2, lr=5e-4),
        cfg("no optimizer section: the Trainer's optimizer", 48, 4, 1, 2, {
            "train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto", "zero_optimization": {"stage": 0},
            "scheduler": {"type": "WarmupCosineLR", "params": {"warmup_num_steps": auto, "total_num_steps": auto}}},
            wu=2, lr=7e-4),
    ]


def hf_deepspeed_train(cfg, tmp):
    """Really run Trainer.train() with the DeepSpeed config (DeepSpeed's engine on CPU, gloo, one process) and
    record the lr each optimizer update used (on_step_begin: before the engine steps the scheduler)."""
    import torch
    from transformers import Trainer, TrainerCallback, TrainingArguments
    from transformers.trainer_callback import PrinterCallback
    os.environ.update(RANK="0", LOCAL_RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=os.environ.get("MASTER_PORT", "29537"))
    kwargs = {}
    if "lr_scheduler_type" in cfg:
        kwargs["lr_scheduler_type"] = cfg["lr_scheduler_type"]
    args = TrainingArguments(
        output_dir=tmp, per_device_train_batch_size=cfg["per_device_train_batch_size"],
        gradient_accumulation_steps=cfg["gradient_accumulation_steps"], num_train_epochs=cfg["num_train_epochs"],
        max_steps=cfg["max_steps"], warmup_steps=cfg["warmup_steps"], learning_rate=cfg["learning_rate"],
        deepspeed=json.loads(json.dumps(cfg["deepspeed"])), report_to="none", save_strategy="no",
        logging_strategy="no", eval_strategy="no", seed=0, disable_tqdm=True, dataloader_num_workers=0, **kwargs)
    seen = []

    class Rec(TrainerCallback):
        def on_step_begin(self, args, state, control, optimizer=None, **kw):
            seen.append(float(optimizer.param_groups[0]["lr"]))

    torch.manual_seed(0)
    trainer = Trainer(model=_tiny_model(), args=args, train_dataset=_TinyDataset(cfg["num_samples"]), callbacks=[Rec()])
    trainer.remove_callback(PrinterCallback)
    assert trainer.is_deepspeed_enabled
    trainer.train()
    assert len(seen) == trainer.state.global_step, (len(seen), trainer.state.global_step)
    return seen, trainer.state.global_step


def make_hf_deepspeed():
    import deepspeed
    import transformers
    cases = []
    for name, cfg in hf_deepspeed_configs():
        with tempfile.TemporaryDirectory() as tmp:
            lrs, steps = hf_deepspeed_train(cfg, tmp)
        cases.append({"name": name, "config": cfg, "max_steps": steps, "lr": lrs, "verified_by_trainer_train": True})
    # The Trainer refuses a DeepSpeed value that is not "auto" and differs from its own.
    name, cfg = hf_deepspeed_configs()[4]
    bad = json.loads(json.dumps(cfg))
    bad["deepspeed"]["scheduler"]["params"]["total_num_steps"] = 21
    with tempfile.TemporaryDirectory() as tmp:
        try:
            hf_deepspeed_train(bad, tmp)
            raise AssertionError("the Trainer accepted a mismatched total_num_steps")
        except ValueError as e:
            assert "mismatch" in str(e), e
    return {"library": "transformers.Trainer+deepspeed", "version": transformers.__version__,
            "deepspeed_version": deepspeed.__version__, "cases": cases}


# ----------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------

RUNNERS = {"torch": torch_run, "transformers": transformers_run, "optax": optax_run, "timm": timm_run,
           "keras": keras_run, "mlx": mlx_run, "fastai": fastai_run, "deepspeed": deepspeed_run}
CASES = {"torch": torch_cases, "transformers": transformers_cases, "optax": optax_cases, "timm": timm_cases,
         "keras": keras_cases, "mlx": mlx_cases, "fastai": fastai_cases, "deepspeed": deepspeed_cases}
ERRORS = {"torch": torch_errors, "transformers": transformers_errors, "optax": optax_errors, "timm": timm_errors,
          "keras": keras_errors, "mlx": mlx_errors, "fastai": fastai_errors, "deepspeed": deepspeed_errors}


def library_version(lib):
    if lib == "mlx":
        import mlx.core as mx
        return mx.__version__
    if lib == "torch":
        import torch
        return torch.__version__.split("+")[0]
    mod = __import__(lib)
    return mod.__version__


def setup_library(lib):
    warnings.filterwarnings("ignore")
    if lib == "optax":
        import jax
        jax.config.update("jax_enable_x64", True)
    if lib == "keras":
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import keras
        assert keras.backend.backend() == "jax", keras.backend.backend()
    if lib in ("torch", "transformers", "timm", "fastai", "hf_trainer"):
        import torch
        torch.manual_seed(0)


def run_library(lib, errors_path=None):
    setup_library(lib)
    rng = random.Random(SEEDS[lib])
    if lib == "hf_deepspeed":
        obj = make_hf_deepspeed()
        size = write_json(os.path.join(FIXTURE_DIR, "hf_deepspeed.json"), obj)
        print(f"hf_deepspeed: {len(obj['cases'])} cases from Trainer.train() with DeepSpeed, {size} bytes")
        return
    if lib == "hf_trainer":
        obj, verified = make_hf_trainer(rng)
        size = write_json(os.path.join(FIXTURE_DIR, "hf_trainer.json"), obj)
        print(f"hf_trainer: {len(obj['cases'])} cases, {size} bytes; verified by Trainer.train(): {len(verified)}")
        return
    runner = RUNNERS[lib]
    names = Namer()
    cases, failures = [], []
    for spec, n, metrics, label in CASES[lib](rng):
        base = short_type(spec) if lib != "fastai" else spec["type"].split(".", 1)[1]
        name = names(f"{base} {label}".strip() + f" ({short(spec)}; {n} steps)")
        extra = {"metrics": metrics} if metrics is not None else {}
        try:
            out = runner(spec, n, **extra)
        except (ConstructionError, StepError) as e:
            failures.append(f"{lib}: case {name!r} raised {type(e.exc).__name__}: {e.exc}")
            continue
        case = {"name": name, "spec": spec, "num_steps": n, "lr": out["lr"]}
        if "momentum" in out:
            case["momentum"] = out["momentum"]
        if metrics is not None:
            case["metrics"] = metrics
        assert len(case["lr"]) == n
        cases.append(case)
    if failures:
        raise RuntimeError("cases that the peer refused (move them to the errors list):\n" + "\n".join(failures))
    obj = {"library": lib, "version": library_version(lib), "cases": cases}
    size = write_json(os.path.join(FIXTURE_DIR, f"{lib}.json"), obj)
    print(f"{lib}: {len(cases)} cases, {size} bytes")

    if errors_path:
        ecases = []
        not_raised = []
        for item in ERRORS[lib]():
            name, spec, n = item[0], item[1], item[2]
            extra = {"metrics": item[3]} if len(item) > 3 and item[3] is not None else {}
            try:
                ecases.append(run_error_case(runner, f"{lib}: {name}", spec, n, **extra))
            except AssertionError as e:
                not_raised.append(str(e))
        if not_raised:
            raise RuntimeError("error cases that the peer accepted:\n" + "\n".join(not_raised))
        with open(errors_path, "w") as f:
            json.dump({"library": lib, "version": library_version(lib), "cases": ecases}, f)
        print(f"{lib}: {len(ecases)} error cases")

    if lib == "deepspeed":
        checked, stopped = deepspeed_engine_check(cases)
        print(f"deepspeed: {checked} cases checked against a real DeepSpeed engine")
        for line in stopped:
            print("  (the engine stopped early: " + line + ")")
    if lib == "fastai":
        for r in fastai_real_fit_check(rng):
            print("fastai real fit_one_cycle vs f(k/N):", json.dumps(r))


def verify():
    """Reload every fixture file and check its shape; print a summary."""
    total = 0
    for fname in sorted(os.listdir(FIXTURE_DIR)):
        if not fname.endswith(".json"):
            continue
        path = os.path.join(FIXTURE_DIR, fname)
        with open(path) as f:
            obj = json.load(f)
        names = [c["name"] for c in obj["cases"]]
        assert len(names) == len(set(names)), f"{fname}: duplicate case names"
        for c in obj["cases"]:
            if fname == "errors.json":
                assert c["raises_at"] == "construction" or 0 <= c["raises_at"] < c["num_steps"], c["name"]
                continue
            if fname in ("hf_trainer.json", "hf_deepspeed.json"):
                assert len(c["lr"]) == c["max_steps"], c["name"]
                continue
            n = c["num_steps"]
            assert len(c["lr"]) == n, c["name"]
            assert "momentum" not in c or len(c["momentum"]) == n, c["name"]
            assert "metrics" not in c or len(c["metrics"]) == n, c["name"]
            assert all(isinstance(v, float) for v in c["lr"]), c["name"]
        size = os.path.getsize(path)
        total += size
        print(f"  {fname:18s} {len(obj['cases']):4d} cases {size / 1e6:6.3f} MB")
    print(f"  total {total / 1e6:.3f} MB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--library", choices=LIBRARIES, help="run only this library (in this process)")
    ap.add_argument("--errors-out", help=argparse.SUPPRESS)
    ap.add_argument("--merge-errors", action="store_true",
                    help="with --library: also replace that library's cases in errors.json")
    args = ap.parse_args()
    os.makedirs(FIXTURE_DIR, exist_ok=True)
    if args.library and args.merge_errors and args.library in ERRORS:
        with tempfile.TemporaryDirectory() as tmp:
            epath = os.path.join(tmp, "errors.json")
            run_library(args.library, epath)
            with open(epath) as f:
                part = json.load(f)
        path = os.path.join(FIXTURE_DIR, "errors.json")
        with open(path) as f:
            whole = json.load(f)
        prefix = f"{args.library}: "
        whole["cases"] = [c for c in whole["cases"] if not c["name"].startswith(prefix)] + part["cases"]
        whole["versions"][args.library] = part["version"]
        size = write_json(path, whole)
        print(f"errors: {len(whole['cases'])} cases, {size} bytes")
        return
    if args.library:
        run_library(args.library, args.errors_out)
        return
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONHASHSEED="0")
    all_errors = []
    with tempfile.TemporaryDirectory() as tmp:
        for lib in LIBRARIES:
            epath = os.path.join(tmp, f"{lib}.errors.json") if lib in ERRORS else None
            cmd = [sys.executable, os.path.abspath(__file__), "--library", lib]
            if epath:
                cmd += ["--errors-out", epath]
            subprocess.run(cmd, env=env, check=True)
            if epath:
                with open(epath) as f:
                    all_errors.append(json.load(f))
    cases = []
    versions = {}
    for part in all_errors:
        versions[part["library"]] = part["version"]
        cases.extend(part["cases"])
    size = write_json(os.path.join(FIXTURE_DIR, "errors.json"),
                      {"library": "errors", "versions": versions, "cases": cases})
    print(f"errors: {len(cases)} cases, {size} bytes")
    verify()


if __name__ == "__main__":
    main()
