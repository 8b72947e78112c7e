#!/usr/bin/env python3
"""Optimizer parity fixtures for LRKit, computed with the REAL torch.optim.

Never run by CI: the committed file Tests/LROptimizersTests/Fixtures/torch_optim.json holds
PyTorch's own values, and the Swift parity tests read that file.

How to run (Linux or macOS, Python 3.11; the same virtual environment as make-fixtures.py):

    python3 -m venv /work/venv-peers            # any path OUTSIDE the repository
    /work/venv-peers/bin/pip install torch
    /work/venv-peers/bin/python Scripts/make-optimizer-fixtures.py

Version used for the committed fixture: torch 2.15.0 (+cu132 wheel, run on CPU, 1 thread).
The file records the version too. Two runs with the same torch version write identical files:
every random number comes from a random.Random seeded from the case's name.

Output (compact JSON, about 2 MB):

    {"library": "torch", "version": "2.15.0", "cases": [CASE, ...]}
    CASE = {
      "name":       unique description,
      "optimizer":  "SGD" | "Adam" | "AdamW" | "RAdam",
      "options":    exactly the keyword arguments given to the optimizer constructor
                    (betas as [b1, b2]; "foreach": true where the multi-tensor path is used;
                    fused is never passed, so the other cases run the default CPU path, which
                    is the single-tensor implementation),
      "groups":     [{"size": n, ...the overrides put in that param group's dict}],
      "schedule":   null or {"type": "torch.optim.lr_scheduler.X", ...X's own kwargs}
                    (SequentialLR: "schedulers" is a list of such specs, built in order on the
                    same optimizer), created right after the optimizer,
      "metrics":    ReduceLROnPlateau only: scheduler.step(metrics[k]) after update k,
      "clip_grad_norm": null or max_norm: torch.nn.utils.clip_grad_norm_(all params, max_norm)
                    right before every optimizer.step(),
      "steps":      N,
      "initial":    [[group 0 params], [group 1 params], ...]   (float32 values),
      "gradients":  [[[group 0 grads at step 0], [group 1 ...]], [[... step 1]], ...]
                    (float32, raw: BEFORE clipping; never None, so an all-zero step still
                    advances the optimizer's state and applies weight decay),
      "lr":         [[lr of each group used by update k] for k in 0..N-1] (Python floats),
      "momentum":   OneCycleLR / CyclicLR with cycle_momentum only: group "momentum" (SGD) or
                    betas[0] (Adam family) used by update k,
      "grad_norms": clipping only: the total norm returned by clip_grad_norm_ at step k,
      "checkpoints": {"1": [[params per group after 1 update]], "10": ..., "25": ..., "N": ...}
    }

Each update k does: set p.grad = gradients[k] (a fresh float32 tensor), clip (if asked),
record group lrs (and momentum), optimizer.step(), then scheduler.step() (or
scheduler.step(metrics[k])).

Floats are written with Python's repr of the float32 value converted to a Python float, so
parsing them as Double and converting to Float gives back the exact float32 bits.

After writing, the script prints, for every foreach case, how far the multi-tensor results are
from the single-tensor implementation fed the same gradients (max |difference| over all params
after every update, and how many values differ at all).
"""

import json
import math
import os
import random
import sys
import warnings
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE_DIR = os.path.join(os.path.dirname(HERE), "Tests", "LROptimizersTests", "Fixtures")
FIXTURE_PATH = os.path.join(FIXTURE_DIR, "torch_optim.json")

OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RAdam": torch.optim.RAdam,
}
SCHED = "torch.optim.lr_scheduler."


# ----------------------------------------------------------------------------------------------
# Inputs: parameters, gradients, metrics


def rng_for(name, salt):
    """A random.Random seeded from the case name (stable across Python runs, unlike hash())."""
    return random.Random(zlib.crc32(f"{salt}:{name}".encode()))


def f32(values):
    """Python floats -> float32 tensor (round to nearest)."""
    return torch.tensor(values, dtype=torch.float32)


def make_initial(name, sizes):
    rng = rng_for(name, "initial")
    return [f32([rng.gauss(0.0, 0.5) for _ in range(n)]) for n in sizes]


def make_gradients(name, sizes, steps, outliers=False):
    """gradients[k][g]: float32 tensor for group g at step k.

    Each (step, group) gets its own scale 10^uniform(-3, 1) and each element a further factor
    10^uniform(-0.5, 0.5), so the magnitudes vary over about five decades. Two steps (never the
    first) are all zeros for every group, and one more step is zero for group 0 only.
    With outliers=True, about one step in six carries one or two huge entries (|g| 1e3 to 1e5).
    """
    rng = rng_for(name, "gradients")
    zero_all = set(rng.sample(range(1, steps), 2))
    zero_first = rng.choice([k for k in range(1, steps) if k not in zero_all])
    grads = []
    for k in range(steps):
        step = []
        for g, n in enumerate(sizes):
            if k in zero_all or (k == zero_first and g == 0):
                values = [0.0] * n
            else:
                scale = 10.0 ** rng.uniform(-3.0, 1.0)
                values = [rng.gauss(0.0, 1.0) * scale * 10.0 ** rng.uniform(-0.5, 0.5)
                          for _ in range(n)]
                if outliers and rng.random() < 1.0 / 6.0:
                    for _ in range(rng.choice([1, 2])):
                        i = rng.randrange(n)
                        values[i] = rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(3.0, 5.0)
            step.append(f32(values))
        grads.append(step)
    return grads


def plateau_metrics(name, steps):
    """A loss curve for ReduceLROnPlateau: it improves, stalls (so the lr drops), improves
    again and stalls again, with small noise that stays inside the default threshold."""
    rng = rng_for(name, "metrics")
    metrics, value = [], 1.0
    for k in range(steps):
        if k < 12 or 30 <= k < 36:
            value *= 0.95
            m = value
        else:
            m = value * (1.0 + abs(rng.gauss(0.0, 1e-3)))  # never better than the best
        metrics.append(m)
    return metrics


# ----------------------------------------------------------------------------------------------
# Running one case


def build_scheduler(optimizer, spec):
    kwargs = dict(spec)
    cls = getattr(torch.optim.lr_scheduler, kwargs.pop("type").removeprefix(SCHED))
    if "schedulers" in kwargs:
        kwargs["schedulers"] = [build_scheduler(optimizer, s) for s in kwargs["schedulers"]]
    return cls(optimizer, **kwargs)


def schedule_drives_momentum(spec):
    return (spec is not None
            and spec["type"] in (SCHED + "OneCycleLR", SCHED + "CyclicLR")
            and spec.get("cycle_momentum", True))


def group_momentum(group):
    return group["momentum"] if "momentum" in group else group["betas"][0]


def run(case, initial, gradients, options=None):
    """Runs the optimizer; returns (lrs, momenta, grad_norms, params after every update)."""
    options = dict(case["options"] if options is None else options)
    if "betas" in options:
        options["betas"] = tuple(options["betas"])
    params = [p.clone().requires_grad_(True) for p in initial]
    groups = [{"params": [p], **{k: v for k, v in g.items() if k != "size"}}
              for p, g in zip(params, case["groups"])]
    optimizer = OPTIMIZERS[case["optimizer"]](groups, **options)
    spec = case["schedule"]
    scheduler = build_scheduler(optimizer, spec) if spec is not None else None
    plateau = spec is not None and spec["type"] == SCHED + "ReduceLROnPlateau"

    lrs, momenta, norms, history = [], [], [], []
    for k in range(case["steps"]):
        for p, g in zip(params, gradients[k]):
            p.grad = g.clone()
        if case["clip_grad_norm"] is not None:
            norm = torch.nn.utils.clip_grad_norm_(params, case["clip_grad_norm"])
            norms.append(norm.item())
        lrs.append([float(group["lr"]) for group in optimizer.param_groups])
        momenta.append([float(group_momentum(group)) for group in optimizer.param_groups])
        optimizer.step()
        if scheduler is not None:
            if plateau:
                scheduler.step(case["metrics"][k])
            else:
                scheduler.step()
        history.append([p.detach().clone() for p in params])
    return lrs, momenta, norms, history


def checkpoint_steps(steps):
    return sorted({1, 10, 25, steps})


def materialize(case, outliers=False):
    """Runs `case` (a dict without data) and fills in initial, gradients, lr, ... in place."""
    sizes = [g["size"] for g in case["groups"]]
    initial = make_initial(case["name"], sizes)
    gradients = make_gradients(case["name"], sizes, case["steps"], outliers)
    lrs, momenta, norms, history = run(case, initial, gradients)

    case["initial"] = [t.tolist() for t in initial]
    case["gradients"] = [[t.tolist() for t in step] for step in gradients]
    case["lr"] = lrs
    if schedule_drives_momentum(case["schedule"]):
        case["momentum"] = momenta
    if case["clip_grad_norm"] is not None:
        case["grad_norms"] = norms
    case["checkpoints"] = {str(n): [t.tolist() for t in history[n - 1]]
                           for n in checkpoint_steps(case["steps"])}
    return initial, gradients, history


# ----------------------------------------------------------------------------------------------
# The cases


def step_lr(step_size=10, gamma=0.5):
    return {"type": SCHED + "StepLR", "step_size": step_size, "gamma": gamma}


def multistep_lr(milestones, gamma=0.1):
    return {"type": SCHED + "MultiStepLR", "milestones": milestones, "gamma": gamma}


def exponential_lr(gamma=0.97):
    return {"type": SCHED + "ExponentialLR", "gamma": gamma}


def cosine(t_max, eta_min=0.0):
    return {"type": SCHED + "CosineAnnealingLR", "T_max": t_max, "eta_min": eta_min}


def linear_warmup(start_factor=0.1, total_iters=10):
    return {"type": SCHED + "LinearLR", "start_factor": start_factor, "end_factor": 1.0,
            "total_iters": total_iters}


def warmup_cosine(steps, warmup=10, eta_min=0.0):
    return {"type": SCHED + "SequentialLR",
            "schedulers": [linear_warmup(0.01, warmup), cosine(steps - warmup, eta_min)],
            "milestones": [warmup]}


def one_cycle(max_lr, steps, **kwargs):
    return {"type": SCHED + "OneCycleLR", "max_lr": max_lr, "total_steps": steps, **kwargs}


def cyclic(base_lr, max_lr, step_size_up, **kwargs):
    return {"type": SCHED + "CyclicLR", "base_lr": base_lr, "max_lr": max_lr,
            "step_size_up": step_size_up, **kwargs}


def plateau(**kwargs):
    return {"type": SCHED + "ReduceLROnPlateau", "mode": "min", "factor": 0.5, "patience": 4,
            **kwargs}


def C(name, optimizer, options, groups, steps=60, schedule=None, clip=None, outliers=False):
    """A case without data; `groups` is a list of sizes or of dicts {"size": n, ...}."""
    groups = [{"size": g} if isinstance(g, int) else g for g in groups]
    case = {"name": name, "optimizer": optimizer, "options": options, "groups": groups,
            "schedule": schedule}
    if schedule is not None and schedule["type"] == SCHED + "ReduceLROnPlateau":
        case["metrics"] = plateau_metrics(name, steps)
    case["clip_grad_norm"] = clip
    case["steps"] = steps
    case["_outliers"] = outliers  # generator input only, removed before writing
    return case


def with_foreach(case, suffix=" [foreach]"):
    new = {k: v for k, v in case.items()}
    new["name"] = case["name"] + suffix
    new["options"] = {**case["options"], "foreach": True}
    return new


def all_cases():
    N = 60
    sgd = [
        # the grid: momentum 0 / 0.9, dampening 0 / 0.1, nesterov, weight_decay 0 / 1e-2
        C("SGD lr=0.1 plain, StepLR", "SGD", {"lr": 0.1}, [17], schedule=step_lr()),
        C("SGD lr=0.01 dampening=0.1 (no momentum) wd=1e-2, cosine", "SGD",
          {"lr": 0.01, "dampening": 0.1, "weight_decay": 1e-2}, [23], schedule=cosine(N)),
        C("SGD lr=0.1 wd=1e-2, MultiStepLR", "SGD", {"lr": 0.1, "weight_decay": 1e-2}, [11],
          schedule=multistep_lr([20, 40])),
        C("SGD lr=0.1 momentum=0.9, linear warmup", "SGD", {"lr": 0.1, "momentum": 0.9}, [19],
          schedule=linear_warmup()),
        C("SGD lr=0.01 momentum=0.9 wd=1e-2, constant", "SGD",
          {"lr": 0.01, "momentum": 0.9, "weight_decay": 1e-2}, [29], steps=50),
        C("SGD lr=0.1 momentum=0.9 dampening=0.1, cosine eta_min", "SGD",
          {"lr": 0.1, "momentum": 0.9, "dampening": 0.1}, [13], schedule=cosine(N, 1e-3)),
        C("SGD lr=0.01 momentum=0.9 dampening=0.1 wd=1e-2, StepLR", "SGD",
          {"lr": 0.01, "momentum": 0.9, "dampening": 0.1, "weight_decay": 1e-2}, [21],
          schedule=step_lr(15, 0.3)),
        C("SGD lr=0.1 nesterov, warmup+cosine", "SGD",
          {"lr": 0.1, "momentum": 0.9, "nesterov": True}, [16], schedule=warmup_cosine(N)),
        C("SGD lr=0.01 nesterov wd=1e-2, ExponentialLR", "SGD",
          {"lr": 0.01, "momentum": 0.9, "dampening": 0.0, "nesterov": True,
           "weight_decay": 1e-2}, [25], schedule=exponential_lr()),
        C("SGD lr=0.01 momentum=0.9, ReduceLROnPlateau", "SGD", {"lr": 0.01, "momentum": 0.9},
          [14], schedule=plateau()),
        # schedules that drive momentum
        C("SGD momentum=0.9, OneCycleLR cos", "SGD", {"lr": 0.1, "momentum": 0.9}, [18],
          schedule=one_cycle(0.5, N)),
        C("SGD nesterov wd=1e-2, 2 groups, OneCycleLR linear three_phase", "SGD",
          {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-2},
          [{"size": 15}, {"size": 6, "weight_decay": 0.0}],
          schedule=one_cycle([0.4, 0.1], N, anneal_strategy="linear", three_phase=True,
                             pct_start=0.25, base_momentum=0.8, max_momentum=0.9)),
        # momentum switched on from outside the optimizer's own (0) momentum: PyTorch then runs
        # momentum SGD, starting the buffer at the first update that has a momentum
        C("SGD momentum=0, OneCycleLR cycles momentum", "SGD", {"lr": 0.1}, [19],
          schedule=one_cycle(0.5, N)),
        C("SGD momentum=0, CyclicLR cycles momentum", "SGD", {"lr": 0.01}, [1029],
          schedule=cyclic(0.001, 0.1, 8)),
        C("SGD momentum=0, one group with momentum=0.9", "SGD", {"lr": 0.1},
          [{"size": 14, "momentum": 0.9}, {"size": 9}], schedule=step_lr(20, 0.5)),
        C("SGD momentum=0.9, CyclicLR triangular2", "SGD", {"lr": 0.01, "momentum": 0.9}, [20],
          schedule=cyclic(0.001, 0.1, 8, mode="triangular2")),
        C("SGD momentum=0.9 dampening=0.1, CyclicLR exp_range asymmetric", "SGD",
          {"lr": 0.01, "momentum": 0.9, "dampening": 0.1}, [12],
          schedule=cyclic(0.005, 0.05, 6, step_size_down=10, mode="exp_range", gamma=0.98,
                          base_momentum=0.85, max_momentum=0.95)),
        # parameter groups
        C("SGD momentum=0.9 wd=1e-2, 2 groups (bias wd=0, lr=0.01), StepLR", "SGD",
          {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-2},
          [{"size": 24}, {"size": 5, "lr": 0.01, "weight_decay": 0.0}],
          schedule=step_lr(20, 0.1)),
        C("SGD nesterov, 3 groups (lr, wd, momentum overrides), cosine", "SGD",
          {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-2},
          [{"size": 18}, {"size": 4, "weight_decay": 0.0},
           {"size": 9, "lr": 0.01, "weight_decay": 1e-3, "momentum": 0.5}],
          schedule=cosine(N)),
        # gradient clipping
        C("SGD momentum=0.9 clip 1.0, cosine", "SGD", {"lr": 0.1, "momentum": 0.9}, [22],
          schedule=cosine(N), clip=1.0),
        C("SGD 2 groups clip 0.1, linear warmup", "SGD", {"lr": 0.1},
          [{"size": 14}, {"size": 7, "lr": 0.05}], schedule=linear_warmup(0.2, 5), clip=0.1),
        C("SGD momentum=0.9 outlier gradients clip 1.0", "SGD",
          {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-2}, [16], clip=1.0, outliers=True),
    ]
    sgd_foreach = [with_foreach(sgd[i]) for i in (5, 8, 15)]

    adam = [
        # covering design over amsgrad x weight_decay (L2) x betas x eps
        C("Adam default, StepLR", "Adam", {"lr": 0.01}, [17], schedule=step_lr()),
        C("Adam amsgrad betas=(0.9,0.95) eps=1e-6, cosine", "Adam",
          {"lr": 0.01, "betas": [0.9, 0.95], "eps": 1e-6, "amsgrad": True}, [21],
          schedule=cosine(N)),
        C("Adam wd=1e-2 betas=(0.8,0.99) eps=1e-6, linear warmup", "Adam",
          {"lr": 0.005, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 1e-2}, [13],
          schedule=linear_warmup()),
        C("Adam amsgrad wd=1e-2, warmup+cosine", "Adam",
          {"lr": 0.01, "weight_decay": 1e-2, "amsgrad": True}, [26],
          schedule=warmup_cosine(N, eta_min=1e-4)),
        C("Adam wd=1e-2 betas=(0.9,0.95), constant", "Adam",
          {"lr": 0.001, "betas": [0.9, 0.95], "weight_decay": 1e-2}, [19], steps=50),
        C("Adam amsgrad wd=1e-2 betas=(0.8,0.99), ExponentialLR", "Adam",
          {"lr": 0.02, "betas": [0.8, 0.99], "eps": 1e-8, "weight_decay": 1e-2,
           "amsgrad": True}, [15], schedule=exponential_lr(0.95)),
        C("Adam betas=(0.9,0.95) eps=1e-6, ReduceLROnPlateau", "Adam",
          {"lr": 0.01, "betas": [0.9, 0.95], "eps": 1e-6}, [14], schedule=plateau()),
        C("Adam OneCycleLR cycling betas[0]", "Adam", {"lr": 0.001}, [20],
          schedule=one_cycle(0.02, N)),
        C("Adam wd=1e-2, 2 groups (bias wd=0, lr=1e-3), cosine", "Adam",
          {"lr": 0.01, "weight_decay": 1e-2},
          [{"size": 20}, {"size": 6, "lr": 0.001, "weight_decay": 0.0}], schedule=cosine(N)),
        C("Adam outlier gradients", "Adam", {"lr": 0.01, "betas": [0.9, 0.95]}, [18],
          schedule=step_lr(20, 0.5), outliers=True),
    ]
    adam_foreach = [with_foreach(adam[i]) for i in (1, 2, 8)]

    adamw = [
        C("AdamW default (wd=1e-2), cosine", "AdamW", {"lr": 0.01}, [17], schedule=cosine(N)),
        C("AdamW amsgrad betas=(0.9,0.95), linear warmup", "AdamW",
          {"lr": 0.01, "betas": [0.9, 0.95], "amsgrad": True}, [22], schedule=linear_warmup()),
        C("AdamW wd=0.1 betas=(0.9,0.95) eps=1e-6, warmup+cosine", "AdamW",
          {"lr": 0.01, "betas": [0.9, 0.95], "eps": 1e-6, "weight_decay": 0.1}, [25],
          schedule=warmup_cosine(N)),
        C("AdamW amsgrad wd=0.1 eps=1e-6, StepLR", "AdamW",
          {"lr": 0.02, "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True}, [13],
          schedule=step_lr(12, 0.5)),
        C("AdamW wd=0.1 betas=(0.8,0.99), constant", "AdamW",
          {"lr": 0.005, "betas": [0.8, 0.99], "weight_decay": 0.1}, [16], steps=50),
        C("AdamW amsgrad betas=(0.8,0.99) eps=1e-6, ExponentialLR", "AdamW",
          {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-6, "amsgrad": True}, [10],
          schedule=exponential_lr()),
        C("AdamW wd=0 betas=(0.9,0.95), ReduceLROnPlateau", "AdamW",
          {"lr": 0.01, "betas": [0.9, 0.95], "weight_decay": 0.0}, [14], schedule=plateau()),
        C("AdamW betas=(0.9,0.95) wd=0.1, OneCycleLR cycling betas[0]", "AdamW",
          {"lr": 0.001, "betas": [0.9, 0.95], "weight_decay": 0.1}, [19],
          schedule=one_cycle(0.01, N, pct_start=0.2, div_factor=10.0,
                             final_div_factor=100.0)),
        C("AdamW wd=0.1, 3 groups (bias wd=0, embeddings lr=1e-3), warmup+cosine", "AdamW",
          {"lr": 0.01, "betas": [0.9, 0.95], "weight_decay": 0.1},
          [{"size": 30}, {"size": 5, "weight_decay": 0.0},
           {"size": 8, "lr": 0.001, "weight_decay": 0.01}], schedule=warmup_cosine(N)),
        C("AdamW 2 groups, OneCycleLR per-group max_lr", "AdamW", {"lr": 0.001},
          [{"size": 12}, {"size": 4, "weight_decay": 0.0}],
          schedule=one_cycle([0.01, 0.003], N)),
        C("AdamW clip 1.0, cosine", "AdamW", {"lr": 0.01, "betas": [0.9, 0.95]}, [21],
          schedule=cosine(N), clip=1.0),
        C("AdamW wd=0.1 2 groups clip 0.1, warmup+cosine", "AdamW",
          {"lr": 0.01, "weight_decay": 0.1},
          [{"size": 17}, {"size": 6, "weight_decay": 0.0}], schedule=warmup_cosine(N),
          clip=0.1),
        C("AdamW outlier gradients clip 1.0", "AdamW", {"lr": 0.01}, [15],
          schedule=linear_warmup(), clip=1.0, outliers=True),
    ]
    adamw_foreach = [with_foreach(adamw[i]) for i in (0, 3, 8)]
    adam_decoupled = [
        C("Adam decoupled_weight_decay=True wd=1e-2 (AdamW's update), cosine", "Adam",
          {"lr": 0.01, "weight_decay": 1e-2, "decoupled_weight_decay": True}, [23],
          schedule=cosine(N)),
    ]

    R = 80  # RAdam: long enough for rho_t > 5 to switch the rectification on
    radam = [
        C("RAdam default, constant", "RAdam", {"lr": 0.01}, [17], steps=R),
        C("RAdam wd=1e-2 (L2), cosine", "RAdam", {"lr": 0.01, "weight_decay": 1e-2}, [21],
          steps=R, schedule=cosine(R)),
        C("RAdam decoupled (wd=0), StepLR", "RAdam",
          {"lr": 0.01, "decoupled_weight_decay": True}, [13], steps=R,
          schedule=step_lr(20, 0.5)),
        C("RAdam decoupled wd=1e-2, linear warmup", "RAdam",
          {"lr": 0.01, "weight_decay": 1e-2, "decoupled_weight_decay": True}, [19], steps=R,
          schedule=linear_warmup(0.1, 20)),
        C("RAdam betas=(0.9,0.95) eps=1e-6 wd=1e-2, ExponentialLR", "RAdam",
          {"lr": 0.01, "betas": [0.9, 0.95], "eps": 1e-6, "weight_decay": 1e-2}, [11],
          steps=R, schedule=exponential_lr(0.98)),
        C("RAdam decoupled wd=1e-2, 2 groups (bias wd=0, lr=1e-3), warmup+cosine", "RAdam",
          {"lr": 0.01, "weight_decay": 1e-2, "decoupled_weight_decay": True},
          [{"size": 16}, {"size": 5, "lr": 0.001, "weight_decay": 0.0}], steps=R,
          schedule=warmup_cosine(R)),
    ]
    radam_foreach = [with_foreach(radam[i]) for i in (1, 3, 5)]

    return (sgd + sgd_foreach + adam + adam_foreach + adam_decoupled + adamw + adamw_foreach + radam
            + radam_foreach)


# ----------------------------------------------------------------------------------------------


def main():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    version = torch.__version__.split("+")[0]
    cases = all_cases()
    names = [c["name"] for c in cases]
    assert len(set(names)) == len(names), "case names must be unique"

    comparisons = []
    for case in cases:
        outliers = case.pop("_outliers")
        initial, gradients, history = materialize(case, outliers)
        if case["options"].get("foreach"):
            single = {k: v for k, v in case["options"].items() if k != "foreach"}
            _, _, _, reference = run(case, initial, gradients, options=single)
            diffs = [(a - b).abs() for step_a, step_b in zip(history, reference)
                     for a, b in zip(step_a, step_b)]
            max_diff = max(d.max().item() for d in diffs)
            differing = sum(int((d != 0).sum()) for d in diffs)
            total = sum(d.numel() for d in diffs)
            comparisons.append((case["name"], max_diff, differing, total))

    os.makedirs(FIXTURE_DIR, exist_ok=True)
    document = {"library": "torch", "version": version, "cases": cases}
    text = json.dumps(document, separators=(",", ":"), allow_nan=False)
    with open(FIXTURE_PATH, "w") as f:
        f.write(text + "\n")
    print(f"wrote {len(cases)} cases, {len(text) / 1e6:.2f} MB -> "
          f"{os.path.relpath(FIXTURE_PATH, os.path.dirname(HERE))} (torch {version})")

    print("foreach vs single-tensor (same gradients), over the params after every update:")
    for name, max_diff, differing, total in comparisons:
        print(f"  {name}: max |diff| {max_diff:.3g}, {differing}/{total} values differ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
