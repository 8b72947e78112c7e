#!/usr/bin/env python3
"""Which LR-range-test suggestion should `lrkit find` recommend? Decided by training.

For each task and optimizer: run `lrkit find`, then train the recommended one-cycle schedule with
each suggestion's lr and with a grid of lrs (several seeds), and measure the final validation
metric (digits: accuracy; Shakespeare: loss). A rule's regret on a task is how far its choice
lands from the grid's best. Run by hand (never by CI), from the repository root, after
`swift build -c release`:

    python3 Scripts/range-test-rule.py [--lrkit .build/release/lrkit] [--out /tmp/range-rule.json]

Prints a table per task and the mean regret of each rule.
"""
import argparse, json, math, os, re, statistics, subprocess, tempfile

TASKS = [
    # name, find args, train args, steps, metric ("acc" higher is better, "loss" lower)
    ("digits MLP, SGD momentum 0.9", ["--task", "digits", "--optimizer", "sgd", "--momentum", "0.9"],
     ["--task", "digits", "--optimizer", "sgd", "--momentum", "0.9", "--batch-size", "64"], 230, "acc"),
    ("digits MLP, Adam", ["--task", "digits", "--optimizer", "adam"],
     ["--task", "digits", "--optimizer", "adam", "--batch-size", "64"], 230, "acc"),
    ("digits MLP, RAdam", ["--task", "digits", "--optimizer", "radam"],
     ["--task", "digits", "--optimizer", "radam", "--batch-size", "64"], 230, "acc"),
    # `lrkit find --task shakespeare` sweeps a 2-layer, width-64 GPT; the runs train the same model.
    ("char GPT 2x64 Pre-LN, AdamW", ["--task", "shakespeare", "--optimizer", "adamw", "--steps", "300"],
     ["--task", "shakespeare", "--optimizer", "adamw", "--layers", "2", "--width", "64", "--heads", "4",
      "--batch-size", "12", "--eval-batches", "8"], 300, "loss"),
]

# Held out: the rule was chosen on TASKS above; these optimizers were not looked at before the
# choice (`--held-out` runs only them). Plain SGD without momentum, and AdamW, on digits.
HELD_OUT = [
    ("digits MLP, SGD without momentum", ["--task", "digits", "--optimizer", "sgd", "--momentum", "0"],
     ["--task", "digits", "--optimizer", "sgd", "--batch-size", "64"], 230, "acc"),
    ("digits MLP, AdamW", ["--task", "digits", "--optimizer", "adamw"],
     ["--task", "digits", "--optimizer", "adamw", "--batch-size", "64"], 230, "acc"),
]


def find(lrkit, args):
    out = subprocess.run([lrkit, "find"] + args, capture_output=True, text=True, check=True).stdout
    sug = {}
    for key in ["valley", "steepest", "min/10"]:
        m = re.search(r"^\s+%s\s+([0-9.e+-]+)" % re.escape(key), out, re.M)
        if m:
            sug[key] = float(m.group(1))
    return sug


def train(lrkit, args, lr, steps, seed, metric):
    with tempfile.TemporaryDirectory() as d:
        spec = json.dumps({"type": "onecycle", "lr": lr, "steps": steps, "pct_start": 0.25})
        subprocess.run([lrkit, "train"] + args + ["--steps", str(steps), "--schedule", spec, "--seed", str(seed),
                        "--eval-every", str(steps), "--out", d + "/run", "--quiet"], capture_output=True, text=True)
        try:
            s = json.load(open(d + "/run/summary.json"))
        except Exception:
            return None
        if s.get("status") == "diverged":
            return 0.0 if metric == "acc" else 10.0
        return s.get("eval_accuracy") if metric == "acc" else s.get("eval_loss")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrkit", default=".build/release/lrkit")
    ap.add_argument("--out", default=None)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--held-out", action="store_true", help="run the held-out tasks instead")
    args = ap.parse_args()
    report = []
    regrets = {}
    for name, fargs, targs, steps, metric in (HELD_OUT if args.held_out else TASKS):
        seeds = list(range(args.seeds if metric == "acc" else 2))
        sug = find(args.lrkit, fargs)
        if "steepest" in sug and "min/10" in sug:
            sug["geo(steepest, min/10)"] = math.sqrt(sug["steepest"] * sug["min/10"])
        if "valley" in sug and "steepest" in sug:
            sug["geo(valley, steepest)"] = math.sqrt(sug["valley"] * sug["steepest"])
        grid = [10 ** (e / 4) for e in range(-16, 7 if args.held_out else 3)] if metric == "acc" else [10 ** (e / 4) for e in range(-14, -3)]
        def score(lr):
            vals = [train(args.lrkit, targs, lr, steps, s, metric) for s in seeds]
            vals = [v for v in vals if v is not None]
            return statistics.mean(vals) if vals else None
        grid_scores = {lr: score(lr) for lr in grid}
        better = max if metric == "acc" else min
        best_lr = better((lr for lr in grid_scores if grid_scores[lr] is not None), key=lambda lr: grid_scores[lr])
        best = grid_scores[best_lr]
        rows = {}
        for rule, lr in sug.items():
            v = score(lr)
            rows[rule] = (lr, v)
            regret = (best - v) if metric == "acc" else (v - best)
            regrets.setdefault(rule, []).append(regret)
        print(f"\n{name}: grid best lr {best_lr:.3g} -> {best:.4f} ({metric}, {len(seeds)} seeds)")
        for lr in grid:
            print(f"   grid {lr:9.3g}  {grid_scores[lr]}")
        for rule, (lr, v) in rows.items():
            print(f"   {rule:24s} {lr:9.3g}  {v:.4f}")
        report.append({"task": name, "metric": metric, "grid": grid_scores, "best_lr": best_lr, "best": best,
                       "suggestions": {k: {"lr": v[0], "score": v[1]} for k, v in rows.items()}})
    print("\nmean regret per rule (accuracy points for digits, nats for the GPT, averaged over tasks):")
    for rule, r in sorted(regrets.items(), key=lambda kv: statistics.mean(kv[1])):
        print(f"   {rule:24s} {statistics.mean(r):.4f}   per task: {', '.join('%.4f' % x for x in r)}")
    if args.out:
        json.dump({"tasks": report, "regrets": regrets}, open(args.out, "w"), indent=1, default=str)


if __name__ == "__main__":
    main()
