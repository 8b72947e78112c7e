#!/usr/bin/env python3
"""Real DVCLive folders for `lrkit diagnose`, each beside the same run's numbers from another writer.

Never run by CI. Needs the peers' venv of make-fixtures.py and DVCLive installed apart:

    pip install --target /tmp/wb dvclive
    PYTHONPATH=/tmp/wb:/tmp/lt /work/venv/peers/bin/python Scripts/make-dvclive-logs.py [case ...]

DVCLive writes one tab-separated file per metric, `dvclive/plots/metrics/<name>.tsv` (`step` and the value).
Each case keeps that `dvclive/plots/metrics/` folder as DVCLive leaves it and, beside it, `truth.json`: what LRKit
must read back, by LRKit's series name, as [step, value] pairs (a null step where the other writer does not know
DVCLive's step):

* `loop-warmup-cosine`, `loop-diverged`: a PyTorch MLP on the digits data calling `Live.log_metric` itself, one
  `next_step()` per update; the truth is what it logged. `loop-resumed` stops half-way and a second process
  continues with `Live(resume=True)`, appending to the same files.
* `hf-trainer`: transformers' `Trainer` with `report_to="dvclive"` (its DVCLiveCallback calls `next_step()` once
  per logging or evaluation event, so DVCLive's steps count events): values beside the run's own
  `trainer_state.json`, in order.
* `lightning`: Lightning's Trainer with DVCLive's `DVCLiveLogger` (which sets DVCLive's step to the global step)
  and a `CSVLogger`, beside the CSVLogger's `metrics.csv`.

`labels.json` holds the verdict each run was built to show. Writes Tests/LRDiagnosticsTests/Corpus/dvclive/.

Versions of the committed runs: dvclive 3.49.1, torch 2.15.0, transformers 5.25.0, lightning 2.6.6.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_runs import DIGITS, HF_TRAIN, LIGHTNING_FIT, PRELUDE, corpus, update_labels  # noqa: E402

OUT = corpus("dvclive")

LOOP = PRELUDE + r'''
from dvclive import Live
steps, lr = cfg["steps"], cfg["lr"]
model = mlp()
opt = (torch.optim.SGD if cfg["opt"] == "sgd" else torch.optim.AdamW)(model.parameters(), lr=lr)
warm = cfg.get("warmup", 0)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)) if warm else 1.0)
g = torch.Generator().manual_seed(1)
start = cfg.get("start", 0)
if start:
    model.load_state_dict(torch.load(cfg["ckpt"]))
    for _ in range(start): sched.step()
with Live(dir=cfg["live"], resume=bool(start), save_dvc_exp=False, dvcyaml=None) as live:
    for it in range(steps):
        idx = torch.randint(0, len(xt), (32,), generator=g)
        if it < start: continue
        loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
        opt.zero_grad(); loss.backward(); opt.step()
        cur = opt.param_groups[0]["lr"]; sched.step()
        live.log_metric("train/loss", loss.item()); record("loss", live.step, loss.item())
        live.log_metric("train/lr", cur); record("lr", live.step, cur)
        if it % cfg["eval_every"] == cfg["eval_every"] - 1:
            with torch.no_grad():
                v = torch.nn.functional.cross_entropy(model(xv), yv).item()
            live.log_metric("val/loss", v); record("eval_loss", live.step, v)
        if cfg.get("stop_at") == it:
            torch.save(model.state_dict(), cfg["ckpt"]); save_truth(); sys.exit(0)
        live.next_step()
save_truth()
'''

HF = PRELUDE + r'''
os.chdir(cfg["dir"])  # the callback writes ./dvclive
''' + HF_TRAIN + r'''
names = {"loss": "loss", "learning_rate": "lr", "eval_loss": "eval_loss"}
for e in trainer.state.log_history:
    if "train_runtime" in e: continue
    for k, v in e.items():
        if k in names: record(names[k], None, v)
save_truth()
'''

LIGHTNING = PRELUDE + r'''
from dvclive.lightning import DVCLiveLogger
tracker = DVCLiveLogger(dir=cfg["live"], save_dvc_exp=False, dvcyaml=None)
''' + LIGHTNING_FIT

CASES = {
    "loop-warmup-cosine": (LOOP, {"steps": 400, "lr": 3e-3, "opt": "adamw", "warmup": 40, "eval_every": 50}),
    "loop-diverged": (LOOP, {"steps": 300, "lr": 40.0, "opt": "sgd", "eval_every": 25}),
    "loop-resumed": (LOOP, {"steps": 400, "lr": 3e-3, "opt": "adamw", "warmup": 40, "eval_every": 50, "stop_at": 199,
                            "resume_from": 200}),
    "hf-trainer": (HF, {"epochs": 3, "lr": 1e-3, "warmup": 20, "report_to": ["dvclive"]}),
    "lightning": (LIGHTNING, {"epochs": 3, "lr": 0.05}),
}
LABELS = {"loop-warmup-cosine": "healthy", "loop-diverged": "diverged", "loop-resumed": "healthy",
          "hf-trainer": "stagnation", "lightning": "healthy"}


def run(script, cfg):
    # In the case's temporary folder: DVCLive sets up DVC (`.dvc/`, `dvc.yaml`) in the Git repository around its
    # working directory.
    p = subprocess.run([sys.executable, "-c", script, json.dumps(cfg)], capture_output=True, text=True, cwd=cfg["dir"])
    if p.returncode != 0:
        sys.exit(f"failed\n{p.stderr[-3000:]}")


def make(name):
    script, base = CASES[name]
    dest = os.path.join(OUT, name)
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = dict(base, digits=DIGITS, dir=tmp, live=os.path.join(tmp, "dvclive"), truth=os.path.join(tmp, "truth.json"),
                   hf_out=os.path.join(tmp, "hf"), csv=os.path.join(tmp, "csv"), ckpt=os.path.join(tmp, "ckpt.pt"))
        run(script, cfg)
        truth = json.load(open(cfg["truth"]))
        if "resume_from" in cfg:
            cfg2 = dict(cfg, start=cfg["resume_from"])
            cfg2.pop("stop_at")
            run(script, cfg2)
            second = json.load(open(cfg["truth"]))
            truth = {k: truth.get(k, []) + second.get(k, []) for k in set(truth) | set(second)}
        shutil.copytree(os.path.join(tmp, "dvclive", "plots", "metrics"), os.path.join(dest, "dvclive", "plots", "metrics"))
        json.dump({"truth": truth}, open(os.path.join(dest, "truth.json"), "w"))
        print(name, sorted(glob.glob("**/*.tsv", root_dir=os.path.join(dest, "dvclive"), recursive=True)),
              {k: len(v) for k, v in truth.items()})


def main():
    names = sys.argv[1:] or list(CASES)
    for name in names:
        make(name)
    update_labels(OUT, LABELS, names)


if __name__ == "__main__":
    main()
