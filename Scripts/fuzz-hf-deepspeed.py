#!/usr/bin/env python3
"""Differential fuzzer: random Hugging Face Trainer configs with a DeepSpeed config, drawn by `lrkit curve` and
run for real by `Trainer.train()` with DeepSpeed's engine (CPU, gloo, one process).

Never run by CI (it needs transformers, accelerate, deepspeed and ninja: see make-fixtures.py). Each run draws a
fresh seed (printed; `--seed S` replays):

    swift build -c release --product lrkit
    /work/venv/peers/bin/python Scripts/fuzz-hf-deepspeed.py [--count 60] [--seed S]

Each case draws a dataset length, batch size, gradient accumulation, epochs or max_steps, warmup (steps or a
ratio), learning rate, lr_scheduler_type (which the DeepSpeed scheduler must override) and a DeepSpeed scheduler
section (WarmupLR, WarmupDecayLR, WarmupCosineLR, OneCycle or a torch class) whose values are "auto" or written
out, with or without an optimizer section. The Trainer's learning rate before every update
(`on_step_begin`) must equal LRKit's within 1e-9 relative (1e-12 of the peak); where the Trainer refuses the
config (a written value that differs from the Trainer's), LRKit must refuse it too. Exit status 1 on any
disagreement.
"""
import argparse
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
spec = importlib.util.spec_from_file_location("make_fixtures", os.path.join(HERE, "make-fixtures.py"))
mf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mf)


def draw(rng):
    n = rng.randint(8, 300)
    b = rng.choice([1, 2, 4, 8])
    ga = rng.choice([1, 1, 2, 3])
    per_epoch = max(1, (-(-n // b)) // ga)
    cfg = {"num_samples": n, "per_device_train_batch_size": b, "gradient_accumulation_steps": ga,
           "num_train_epochs": rng.choice([1, 2, 3]), "max_steps": -1, "learning_rate": mf.sig(10 ** rng.uniform(-5, -2))}
    if rng.random() < 0.25:
        cfg["max_steps"] = rng.randint(1, 60)
    total = cfg["max_steps"] if cfg["max_steps"] > 0 else per_epoch * cfg["num_train_epochs"]
    cfg["warmup_steps"] = rng.choice([0, rng.randint(1, max(1, total)), mf.sig(rng.uniform(0.01, 0.5), 2)])
    if rng.random() < 0.5:
        cfg["lr_scheduler_type"] = rng.choice(["linear", "cosine", "constant_with_warmup"])
    auto = lambda value: "auto" if rng.random() < 0.8 else value  # noqa: E731
    name = rng.choice(["WarmupLR", "WarmupDecayLR", "WarmupCosineLR", "OneCycle", "CosineAnnealingLR", "StepLR"])
    params = {}
    if name in ("WarmupLR", "WarmupDecayLR"):
        params = {"warmup_min_lr": auto(0), "warmup_max_lr": auto(cfg["learning_rate"]),
                  "warmup_num_steps": "auto"}
        if name == "WarmupDecayLR":
            params["total_num_steps"] = "auto"
        if rng.random() < 0.5:
            params["warmup_type"] = rng.choice(["log", "linear"])
    elif name == "WarmupCosineLR":
        params = {"warmup_num_steps": "auto", "total_num_steps": "auto"}
        if rng.random() < 0.5:
            params["warmup_type"] = rng.choice(["log", "linear"])
        if rng.random() < 0.5:
            params["cos_min_ratio"] = mf.sig(rng.uniform(0, 0.3))
        if rng.random() < 0.3:
            params["warmup_min_ratio"] = mf.sig(rng.uniform(0, 0.5))
    elif name == "OneCycle":
        hi = cfg["learning_rate"]
        params = {"cycle_min_lr": mf.sig(hi / 10), "cycle_max_lr": hi,
                  "cycle_first_step_size": rng.randint(1, 40)}
        if rng.random() < 0.5:
            params.update(decay_step_size=rng.randint(1, 10), decay_lr_rate=mf.sig(rng.uniform(0, 1)))
    elif name == "CosineAnnealingLR":
        params = {"T_max": rng.randint(1, 80), "eta_min": rng.choice([0, 1e-6])}
    else:
        params = {"step_size": rng.randint(1, 20), "gamma": rng.choice([0.5, 0.1])}
    if rng.random() < 0.1 and "warmup_num_steps" in params:
        params["warmup_num_steps"] = rng.randint(1, 30)  # written out: the Trainer refuses it unless it matches
    ds = {"train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto",
          "zero_optimization": {"stage": 0}, "scheduler": {"type": name, "params": params}}
    if rng.random() < 0.8:
        ds["optimizer"] = {"type": rng.choice(["AdamW", "Adam"]), "params": {"torch_adam": True}}
        if rng.random() < 0.85:  # without an lr DeepSpeed's optimizer starts from its own default
            ds["optimizer"]["params"]["lr"] = auto(cfg["learning_rate"])
    cfg["deepspeed"] = ds
    return cfg


def lrkit(cfg, lr_count):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cfg, f)
    try:
        r = subprocess.run([os.path.join(REPO, ".build", "release", "lrkit"), "curve", "--spec", f.name,
                            "--format", "json"] + (["--steps", str(lr_count)] if lr_count else []),
                           capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if r.returncode != 0 or not r.stdout.strip():
        return None, r.stderr.strip()
    return json.loads(r.stdout)["lr"], None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=60)
    ap.add_argument("--seed", type=int, default=random.randrange(1 << 31))
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    rng = random.Random(args.seed)
    print(f"fuzz-hf-deepspeed: seed {args.seed} (replay: --seed {args.seed}), {args.count} configs", flush=True)
    counts = {"matched": 0, "both_refused": 0, "disagreed": 0}
    for i in range(args.count):
        cfg = draw(rng)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                peer, _ = mf.hf_deepspeed_train(cfg, tmp)
                peer_error = None
            except ValueError as e:
                peer, peer_error = None, str(e)
        ours, our_error = lrkit(cfg, len(peer) if peer else None)
        if peer is None and ours is None:
            counts["both_refused"] += 1
            continue
        ok = peer is not None and ours is not None and len(ours) == len(peer)
        if ok:
            peak = max(abs(v) for v in peer) if peer else 0
            ok = all(a == b or abs(a - b) <= 1e-9 * abs(b) + 1e-12 * peak for a, b in zip(ours, peer))
        if ok:
            counts["matched"] += 1
        else:
            counts["disagreed"] += 1
            print(f"DISAGREE case {i}: {json.dumps(cfg)}\n  peer: {peer_error or peer[:8]}\n  lrkit: {our_error or ours[:8]}",
                  flush=True)
    print(json.dumps({"seed": args.seed, **counts}))
    return 1 if counts["disagreed"] else 0


if __name__ == "__main__":
    sys.exit(main())
