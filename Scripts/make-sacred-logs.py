#!/usr/bin/env python3
"""Real Sacred runs for `lrkit diagnose`, each beside the values the run logged.

Never run by CI. Needs the peers' venv of make-fixtures.py and Sacred installed apart (Sacred 0.8 imports
pkg_resources, gone from current setuptools):

    pip install --target /tmp/wb sacred && pip install --target /tmp/sct "setuptools<70"
    PYTHONPATH=/tmp/wb:/tmp/sct /work/venv/peers/bin/python Scripts/make-sacred-logs.py [case ...]

Each case is a PyTorch MLP on the digits data run as a Sacred experiment with a `FileStorageObserver`, logging
`_run.log_scalar("training.loss", …, step)`, `"lr"` and `"validation.loss"`; the observer's folder is kept as
Sacred leaves it (`<basedir>/<run id>/metrics.json`, `run.json`, `config.json`, `cout.txt`; `_sources/`
dropped). `two-runs` holds a first run at a tiny lr and a second, healthy one: the folder must read the newest.
`truth.json` holds what the (newest) run logged, by LRKit's series name; `labels.json` the verdict each run was
built to show. Writes Tests/LRDiagnosticsTests/Corpus/sacred/.

Versions of the committed runs: sacred 0.8.7, torch 2.15.0.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_runs import DIGITS, corpus, update_labels  # noqa: E402

OUT = corpus("sacred")

RUN = r'''
import json, math, sys
import numpy as np, torch
from sacred import Experiment
from sacred.observers import FileStorageObserver
cfg = json.loads(sys.argv[1])
ex = Experiment("digits", interactive=True)  # run by python -c
ex.observers.append(FileStorageObserver(cfg["basedir"]))
truth = {}
@ex.main
def main(_run):
    torch.manual_seed(0)
    d = np.loadtxt(cfg["digits"], delimiter=",", dtype="float32")
    x = torch.tensor(d[:, :64] / 16.0); y = torch.tensor(d[:, 64]).long()
    xt, yt, xv, yv = x[:1400], y[:1400], x[1400:], y[1400:]
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    steps, warm = cfg["steps"], cfg.get("warmup", 0)
    opt = (torch.optim.SGD if cfg["opt"] == "sgd" else torch.optim.AdamW)(model.parameters(), lr=cfg["lr"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * s / steps)) if warm else 1.0)
    g = torch.Generator().manual_seed(1)
    def log(name, key, value, step):
        _run.log_scalar(key, value, step); truth.setdefault(name, []).append([step, value])
    for it in range(steps):
        idx = torch.randint(0, len(xt), (32,), generator=g)
        loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
        opt.zero_grad(); loss.backward(); opt.step()
        log("lr", "lr", opt.param_groups[0]["lr"], it); sched.step()
        log("loss", "training.loss", loss.item(), it)
        if it % cfg["eval_every"] == cfg["eval_every"] - 1:
            with torch.no_grad():
                log("eval_loss", "validation.loss", torch.nn.functional.cross_entropy(model(xv), yv).item(), it)
    json.dump(truth, open(cfg["truth"], "w"))
ex.run()
'''

HEALTHY = {"steps": 400, "lr": 3e-3, "opt": "adamw", "warmup": 40, "eval_every": 50}
CASES = {
    "loop-warmup-cosine": [HEALTHY],
    "loop-diverged": [{"steps": 300, "lr": 40.0, "opt": "sgd", "eval_every": 25}],
    "two-runs": [{"steps": 300, "lr": 1e-5, "opt": "sgd", "eval_every": 30}, HEALTHY],
}
LABELS = {"loop-warmup-cosine": "healthy", "loop-diverged": "diverged", "two-runs": "healthy"}


def make(name):
    dest = os.path.join(OUT, name)
    shutil.rmtree(dest, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        basedir = os.path.join(tmp, "runs")
        for cfg in CASES[name]:
            cfg = dict(cfg, digits=DIGITS, basedir=basedir, truth=os.path.join(tmp, "truth.json"))
            p = subprocess.run([sys.executable, "-c", RUN, json.dumps(cfg)], capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit(f"{name}: failed\n{p.stderr[-3000:]}")
        shutil.rmtree(os.path.join(basedir, "_sources"), ignore_errors=True)
        shutil.copytree(basedir, os.path.join(dest, "runs"))
        json.dump({"truth": json.load(open(os.path.join(tmp, "truth.json")))}, open(os.path.join(dest, "truth.json"), "w"))
        print(name, sorted(os.listdir(os.path.join(dest, "runs"))))


def main():
    names = sys.argv[1:] or list(CASES)
    for name in names:
        make(name)
    update_labels(OUT, LABELS, names)


if __name__ == "__main__":
    main()
