#!/usr/bin/env python3
"""Peer benchmark for LRKit's schedule evaluation: what PyTorch and optax cost on this machine.

Prints one JSON object per line, to compare with `lrkit-bench` run on the same machine:

    {"name": "StepLR", "peer": "torch", "ns_per_eval": ...}            one scheduler.step() call
    {"name": "warmup_cosine_decay_schedule", "peer": "optax", "ns_per_eval": ...}
                                                                       one jax.jit(schedule)(step) call
    {"name": "curve", "peer": "optax", "schedule": "...", "ns_per_point": ...}
                                                                       jax.jit(jax.vmap(schedule))(arange(10M)) / 10M

Method: warm up first, then the best of several repeats (block_until_ready for jax). PyTorch
schedulers are stepped 100k times each on a real SGD optimizer, whose step() carries the wrapper
that the scheduler installs (the optimizer is stepped once first, as in training, so the
"lr_scheduler.step() before optimizer.step()" check passes). optax runs in its default float32.

Run (never in CI; same virtual environment as Scripts/make-fixtures.py):

    /work/venv-peers/bin/pip install torch transformers optax jax
    /work/venv-peers/bin/python Scripts/bench_schedules_peer.py [--steps 100000] [--repeats 5]

Versions used when this was written: torch 2.15.0, transformers 5.23.0, optax 0.2.8, jax 0.10.2.
"""

import argparse
import json
import os
import time
import warnings

os.environ.setdefault("JAX_PLATFORMS", "cpu")


def emit(obj):
    print(json.dumps(obj), flush=True)


def bench_torch(steps, repeats):
    import torch
    import transformers
    from torch.optim import lr_scheduler as S
    warnings.filterwarnings("ignore")

    def make(kind):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
        total = steps * (repeats + 1) + 10  # OneCycleLR must not run out of steps
        if kind == "StepLR":
            sched = S.StepLR(opt, step_size=1000, gamma=0.5)
        elif kind == "CosineAnnealingLR":
            sched = S.CosineAnnealingLR(opt, T_max=total)
        elif kind == "OneCycleLR":
            sched = S.OneCycleLR(opt, max_lr=0.1, total_steps=total)
        elif kind == "CyclicLR":
            sched = S.CyclicLR(opt, base_lr=0.001, max_lr=0.1, step_size_up=2000)
        elif kind == "LambdaLR(get_cosine_schedule_with_warmup)":
            sched = transformers.get_cosine_schedule_with_warmup(opt, num_warmup_steps=1000, num_training_steps=total)
        elif kind == "SequentialLR(LinearLR,CosineAnnealingLR)":
            sched = S.SequentialLR(opt, [S.LinearLR(opt, start_factor=0.01, total_iters=1000),
                                         S.CosineAnnealingLR(opt, T_max=total)], milestones=[1000])
        else:
            raise ValueError(kind)
        opt.step()  # the wrapped optimizer.step(), as in a training loop
        return opt, sched

    kinds = ["StepLR", "CosineAnnealingLR", "OneCycleLR", "CyclicLR", "LambdaLR(get_cosine_schedule_with_warmup)",
             "SequentialLR(LinearLR,CosineAnnealingLR)"]
    for kind in kinds:
        opt, sched = make(kind)
        step = sched.step
        for _ in range(min(steps, 10_000)):  # warm up
            step()
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter_ns()
            for _ in range(steps):
                step()
            best = min(best, (time.perf_counter_ns() - t0) / steps)
        emit({"name": kind, "peer": "torch", "ns_per_eval": round(best, 1), "steps": steps,
              "version": torch.__version__.split("+")[0]})


def bench_optax(calls, points, repeats):
    import jax
    import jax.numpy as jnp
    import optax

    schedules = {
        "warmup_cosine_decay_schedule": optax.warmup_cosine_decay_schedule(
            init_value=0.0, peak_value=1e-3, warmup_steps=1000, decay_steps=100_000, end_value=1e-5),
        "cosine_onecycle_schedule": optax.cosine_onecycle_schedule(transition_steps=100_000, peak_value=1e-3),
        "exponential_decay": optax.exponential_decay(init_value=1e-3, transition_steps=1000, decay_rate=0.96,
                                                     transition_begin=500, staircase=False, end_value=1e-6),
        "join_schedules": optax.join_schedules(
            [optax.linear_schedule(0.0, 1e-3, 1000), optax.cosine_decay_schedule(1e-3, 99_000, alpha=0.01),
             optax.constant_schedule(1e-5)], boundaries=[1000, 100_000]),
    }
    for name, sched in schedules.items():
        f = jax.jit(sched)
        step = jnp.asarray(12_345)
        f(step).block_until_ready()
        for _ in range(200):
            f(step).block_until_ready()
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter_ns()
            for _ in range(calls):
                f(step).block_until_ready()
            best = min(best, (time.perf_counter_ns() - t0) / calls)
        emit({"name": name, "peer": "optax", "ns_per_eval": round(best, 1), "calls": calls,
              "version": optax.__version__, "jax": jax.__version__})

    xs = jnp.arange(points)
    for name, sched in schedules.items():
        g = jax.jit(jax.vmap(sched))
        g(xs).block_until_ready()  # compile
        g(xs).block_until_ready()  # warm
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter_ns()
            g(xs).block_until_ready()
            best = min(best, (time.perf_counter_ns() - t0) / points)
        emit({"name": "curve", "peer": "optax", "schedule": name, "ns_per_point": round(best, 3), "points": points,
              "version": optax.__version__, "jax": jax.__version__})


def main():
    ap = argparse.ArgumentParser(description="PyTorch / optax schedule-evaluation benchmark (JSON lines)")
    ap.add_argument("--steps", type=int, default=100_000, help="scheduler.step() calls per timed repeat")
    ap.add_argument("--calls", type=int, default=20_000, help="jitted optax calls per timed repeat")
    ap.add_argument("--points", type=int, default=10_000_000, help="curve length for jit(vmap(schedule))")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", choices=["torch", "optax"])
    args = ap.parse_args()
    if args.only in (None, "torch"):
        bench_torch(args.steps, args.repeats)
    if args.only in (None, "optax"):
        bench_optax(args.calls, args.points, args.repeats)


if __name__ == "__main__":
    main()
