#!/usr/bin/env python3
"""Real Weights & Biases run files for `lrkit diagnose`, each beside the same run's numbers from another writer.

Never run by CI. Needs the peers' venv of make-fixtures.py and wandb installed apart (it pins its own protobuf):

    pip install --target /tmp/wb wandb
    PYTHONPATH=/tmp/wb:/tmp/lt /work/venv/peers/bin/python Scripts/make-wandb-logs.py [case ...]

Every case runs offline (`WANDB_MODE=offline`: the same `run-<id>.wandb` file an online run writes, nothing sent)
in a subprocess, and keeps the `wandb/<run folder>/run-<id>.wandb` files as W&B leaves them (its console output,
config and system metrics records included; `files/`, `logs/` and `tmp/` dropped). Beside them, `truth.json` holds
what LRKit must read back, by LRKit's series name, as [step, value] pairs, from a writer other than W&B:

* `loop-*`: a PyTorch MLP on the digits data calling `wandb.log` itself; the truth is what it passed to `wandb.log`
  (`train/loss`, `train/lr`, `eval/loss`), at the step it passed (`step=`) or at the count of its log calls.
  `loop-resumed` is killed half-way and resumed with the same run id (`resume="allow"`): two folders, one run.
  `loop-killed` is killed with SIGKILL while logging: the truth is a prefix of what it logged.
* `hf-trainer`: transformers' `Trainer` with `report_to="wandb"` (its WandbCallback logs `train/global_step` with
  every row and defines it as every metric's step metric), beside the run's own `trainer_state.json`.
* `keras-metrics-logger`: Keras 3 (TensorFlow backend) `model.fit` with W&B's `WandbMetricsLogger(log_freq=5)`
  (`batch/*` against its own `batch/batch_step`, `epoch/*` per epoch), beside the values Keras handed it (a
  callback's) and the run's `CSVLogger` file; values only (the steps are the logger's own count). Needs
  TensorFlow: PYTHONPATH /tmp/wb:/tmp/tfk (`pip install --target /tmp/tfk tensorflow-cpu`).
* `lightning`: Lightning's Trainer with `WandbLogger` and `CSVLogger` together (`trainer/global_step` as step
  metric), beside the CSVLogger's `metrics.csv`. Lightning installed apart (see make-text-logs.py), PYTHONPATH
  /tmp/lt.

For `hf-trainer` and `lightning`, `export/history.csv` and `export/history.jsonl` are the run's history as a user
saves `run.history()` (pandas `to_csv`, JSON lines), made from W&B's own protobuf decoding of the run file: W&B's
`_step` beside the integration's step metric, which LRKit must prefer.

`labels.json` holds the verdict each run was built to show. Writes Tests/LRDiagnosticsTests/Corpus/wandb/.

Versions of the committed runs: wandb 0.31.0 (its Go core writes the file), torch 2.15.0, transformers 5.25.0,
lightning 2.6.6.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_runs import DIGITS, HF_TRAIN, LIGHTNING_FIT, corpus, update_labels  # noqa: E402
import corpus_runs  # noqa: E402

OUT = corpus("wandb")

PRELUDE = r'''
import os
os.environ["WANDB_MODE"] = "offline"; os.environ["WANDB_SILENT"] = "true"
import wandb
''' + corpus_runs.PRELUDE

LOOP = PRELUDE + r'''
steps, lr, batch = cfg["steps"], cfg["lr"], 32
run = wandb.init(project="lrkit", dir=cfg["dir"], id=cfg.get("id"), resume=cfg.get("resume"), config=cfg)
model = mlp()
opt = (torch.optim.SGD if cfg["opt"] == "sgd" else torch.optim.AdamW)(model.parameters(), lr=lr)
warm = cfg.get("warmup", 0)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)) if warm else 1.0)
g = torch.Generator().manual_seed(1)
start = cfg.get("start", 0)
if start:
    model.load_state_dict(torch.load(cfg["ckpt"]))
    for _ in range(start): sched.step()
for it in range(steps):
    idx = torch.randint(0, len(xt), (batch,), generator=g)
    if it < start: continue
    loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
    opt.zero_grad(); loss.backward(); opt.step()
    cur = opt.param_groups[0]["lr"]; sched.step()
    row = {"train/loss": loss.item(), "train/lr": cur}
    if it % cfg["eval_every"] == cfg["eval_every"] - 1:
        with torch.no_grad():
            row["eval/loss"] = torch.nn.functional.cross_entropy(model(xv), yv).item()
    if cfg.get("implicit"):
        wandb.log(row)
    else:
        wandb.log(row, step=it)
    for k, v in row.items():
        record({"train/loss": "loss", "train/lr": "lr", "eval/loss": "eval_loss"}[k], it, v)
    if cfg.get("stop_at") == it:
        torch.save(model.state_dict(), cfg["ckpt"]); save_truth()
        if cfg.get("sigkill"):
            os.kill(os.getpid(), 9)
        run.finish(exit_code=1); sys.exit(0)
save_truth()
run.finish()
'''

HF = PRELUDE + r'''
os.environ["WANDB_DIR"] = cfg["dir"]; os.environ["WANDB_PROJECT"] = "lrkit"
''' + HF_TRAIN + r'''
trainer.state.save_to_json(os.path.join(cfg["hf_out"], "trainer_state.json"))
names = {"loss": "loss", "learning_rate": "lr", "grad_norm": "grad_norm", "eval_loss": "eval_loss"}
for e in trainer.state.log_history:
    if "train_runtime" in e: continue
    for k, v in e.items():
        if k in names: record(names[k], e["step"], v)
save_truth()
'''

LIGHTNING = PRELUDE + r'''
from lightning.pytorch.loggers import WandbLogger
tracker = WandbLogger(project="lrkit", save_dir=cfg["dir"], offline=True)
''' + LIGHTNING_FIT + r'''
wandb.finish()
'''

KERAS = r'''
import json, os, sys
os.environ["WANDB_MODE"] = "offline"; os.environ["WANDB_SILENT"] = "true"
import numpy as np, wandb
cfg = json.loads(sys.argv[1])
d = np.loadtxt(cfg["digits"], delimiter=",", dtype="float32")
truth = {}
def record(name, step, value):
    truth.setdefault(name, []).append([step, value])
def save_truth():
    json.dump(truth, open(cfg["truth"], "w"))
import csv
os.environ["KERAS_BACKEND"] = "tensorflow"
import keras
from wandb.integration.keras import WandbMetricsLogger
keras.utils.set_random_seed(0)
x, y = d[:, :64] / 16.0, d[:, 64].astype("int32")
m = keras.Sequential([keras.Input((64,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])
m.compile(optimizer=keras.optimizers.Adam(cfg["lr"]), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
          metrics=["accuracy"])
class Seen(keras.callbacks.Callback):
    """What Keras hands the W&B logger at each logged batch (its running mean of the epoch so far)."""
    def on_train_batch_end(self, batch, logs=None):
        if batch % cfg["log_freq"] == 0: record("loss", None, float(logs["loss"]))
wandb.init(project="lrkit", dir=cfg["dir"])
m.fit(x[:1400], y[:1400], validation_data=(x[1400:], y[1400:]), epochs=cfg["epochs"], batch_size=32, verbose=0,
      callbacks=[Seen(), WandbMetricsLogger(log_freq=cfg["log_freq"]), keras.callbacks.CSVLogger(cfg["csv"])])
wandb.finish()
for r in csv.DictReader(open(cfg["csv"])):
    record("eval_loss", None, float(r["val_loss"])); record("eval_accuracy", None, float(r["val_accuracy"]))
save_truth()
'''

CASES = {
    "loop-warmup-cosine": (LOOP, {"steps": 400, "lr": 3e-3, "opt": "adamw", "warmup": 40, "eval_every": 50}),
    "loop-diverged": (LOOP, {"steps": 300, "lr": 40.0, "opt": "sgd", "eval_every": 25}),
    "loop-implicit-stagnation": (LOOP, {"steps": 300, "lr": 1e-5, "opt": "sgd", "eval_every": 30, "implicit": True}),
    "loop-resumed": (LOOP, {"steps": 400, "lr": 3e-3, "opt": "adamw", "warmup": 40, "eval_every": 50, "stop_at": 199,
                            "resume_from": 200}),
    "loop-killed": (LOOP, {"steps": 400, "lr": 3e-3, "opt": "adamw", "warmup": 40, "eval_every": 50, "stop_at": 299,
                           "sigkill": True}),
    "hf-trainer": (HF, {"epochs": 3, "lr": 1e-3, "warmup": 20, "report_to": ["wandb"]}),
    "lightning": (LIGHTNING, {"epochs": 3, "lr": 0.05}),
    "keras-metrics-logger": (KERAS, {"epochs": 4, "lr": 1e-3, "log_freq": 5}),
}

LABELS = {
    "loop-warmup-cosine": "healthy",
    "loop-diverged": "diverged",
    "loop-implicit-stagnation": "stagnation",
    "loop-resumed": "healthy",
    "loop-killed": "healthy",
    "hf-trainer": "stagnation",
    "lightning": "healthy",
    "keras-metrics-logger": "healthy",
}


def run(script, cfg, env):
    return subprocess.run([sys.executable, "-c", script, json.dumps(cfg)], env=env, capture_output=True, text=True)


def make(name):
    script, base = CASES[name]
    dest = os.path.join(OUT, name)
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = dict(base, digits=DIGITS, dir=tmp, truth=os.path.join(tmp, "truth.json"), hf_out=os.path.join(tmp, "hf"),
                   csv=os.path.join(tmp, "history.csv" if name.startswith("keras") else "csv"), ckpt=os.path.join(tmp, "ckpt.pt"))
        env = dict(os.environ)
        if "resume_from" in cfg:
            cfg["id"] = "lrkitresume1"
            cfg["resume"] = "allow"
        p = run(script, cfg, env)
        if p.returncode not in (0, -9, 137) or (p.returncode != 0 and not cfg.get("sigkill")):
            sys.exit(f"{name}: failed\n{p.stderr[-3000:]}")
        truth = json.load(open(cfg["truth"]))
        if "resume_from" in cfg:
            first = truth
            cfg2 = dict(cfg, start=cfg["resume_from"])
            cfg2.pop("stop_at")
            p = run(script, cfg2, env)
            if p.returncode != 0:
                sys.exit(f"{name} (resumed): failed\n{p.stderr[-3000:]}")
            second = json.load(open(cfg["truth"]))
            truth = {k: first.get(k, []) + second.get(k, []) for k in set(first) | set(second)}
        files = glob.glob(os.path.join(tmp, "wandb", "*run-*", "run-*.wandb"))
        if not files:
            sys.exit(f"{name}: no run file\n{p.stderr[-2000:]}")
        for f in files:
            folder = os.path.basename(os.path.dirname(f))
            os.makedirs(os.path.join(dest, "wandb", folder))
            shutil.copy(f, os.path.join(dest, "wandb", folder, os.path.basename(f)))
        meta = {"truth": truth, "prefix": bool(cfg.get("sigkill"))}
        json.dump(meta, open(os.path.join(dest, "truth.json"), "w"))
        print(name, [os.path.relpath(f, tmp) for f in files], {k: len(v) for k, v in truth.items()})


def export(name):
    """`run.history()` saved as a user saves it (pandas `to_csv`, and JSON lines), from W&B's own decoding of the
    run file: W&B's `_step` beside the integration's step metric."""
    import pandas as pd
    from wandb.proto import wandb_internal_pb2 as pb
    from wandb_file import records
    path = sorted(glob.glob(os.path.join(OUT, name, "wandb", "*", "run-*.wandb")))[-1]
    rows = []
    for data in records(path):
        r = pb.Record()
        r.ParseFromString(data)
        if r.WhichOneof("record_type") == "history":
            row = {}
            for it in r.history.item:
                v = json.loads(it.value_json)
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    row[".".join(it.nested_key) or it.key] = v
            rows.append(row)
    os.makedirs(os.path.join(OUT, name, "export"), exist_ok=True)
    pd.DataFrame(rows).to_csv(os.path.join(OUT, name, "export", "history.csv"))
    with open(os.path.join(OUT, name, "export", "history.jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def main():
    names = sys.argv[1:] or list(CASES)
    for name in names:
        make(name)
        if name in ("hf-trainer", "lightning"):
            export(name)
    update_labels(OUT, LABELS, names)


if __name__ == "__main__":
    main()
