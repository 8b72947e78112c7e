#!/usr/bin/env python3
"""Peer benchmark for LRKit's optimizers: what one torch.optim step costs on this machine.

Prints one JSON object per line, to compare with LRKit's optimizer benchmark run on the same
machine with the same number of threads:

    {"name": "adamw-fused", "peer": "torch", "params": 10000000, "tensors": 4, "threads": 2,
     "ns_per_param": ...}

ns_per_param is the time of ONE optimizer.step() divided by the number of parameters.

Variants (each on `--params` float32 parameters, split into 4 equal tensors, then as 1 tensor):

    adamw-fused           AdamW(fused=True)
    adamw-foreach         AdamW(foreach=True)            multi-tensor path
    adamw-single          AdamW(foreach=False)           single-tensor path (the CPU default)
    sgd-momentum-foreach  SGD(momentum=0.9, foreach=True)
    adam-foreach          Adam(foreach=True)
    radam-foreach         RAdam(foreach=True)

Method: CPU, torch.set_num_threads(--threads) (default 2). Gradients are random and fixed; the
optimizer state is created by the warm-up steps (so the timed steps are steady-state steps,
past RAdam's rectification switch), then the best of `--repeats` timed single steps is kept.
lr is small so the parameters stay finite.

Run (never in CI; same virtual environment as Scripts/make-optimizer-fixtures.py):

    /work/venv-peers/bin/pip install torch
    /work/venv-peers/bin/python Scripts/bench_optimizers_peer.py [--params 10000000]
        [--threads 2] [--warmup 8] [--repeats 10]

Version used when this was written: torch 2.15.0 (+cu132 wheel, run on CPU).
"""

import argparse
import gc
import json
import time

import torch

VARIANTS = [
    ("adamw-fused", torch.optim.AdamW, {"fused": True}),
    ("adamw-foreach", torch.optim.AdamW, {"foreach": True}),
    ("adamw-single", torch.optim.AdamW, {"foreach": False}),
    ("sgd-momentum-foreach", torch.optim.SGD, {"momentum": 0.9, "foreach": True}),
    ("adam-foreach", torch.optim.Adam, {"foreach": True}),
    ("radam-foreach", torch.optim.RAdam, {"foreach": True}),
]


def split_sizes(total, pieces):
    base = total // pieces
    return [base + (1 if i < total % pieces else 0) for i in range(pieces)]


def bench(cls, kwargs, grads, warmup, repeats):
    generator = torch.Generator().manual_seed(1)
    params = [torch.randn(g.numel(), generator=generator).requires_grad_(True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g
    optimizer = cls(params, lr=1e-4, **kwargs)
    for _ in range(warmup):
        optimizer.step()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter_ns()
        optimizer.step()
        best = min(best, time.perf_counter_ns() - start)
    del optimizer, params
    gc.collect()
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", type=int, default=10_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    for tensors in (4, 1):
        generator = torch.Generator().manual_seed(0)
        grads = [torch.randn(n, generator=generator) * 1e-2
                 for n in split_sizes(args.params, tensors)]
        for name, cls, kwargs in VARIANTS:
            ns = bench(cls, kwargs, grads, args.warmup, args.repeats)
            print(json.dumps({"name": name, "peer": "torch", "params": args.params,
                              "tensors": tensors, "threads": args.threads,
                              "ns_per_param": round(ns / args.params, 4)}), flush=True)
        del grads
        gc.collect()


if __name__ == "__main__":
    main()
