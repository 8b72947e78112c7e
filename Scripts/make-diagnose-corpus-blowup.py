#!/usr/bin/env python3
"""A set of per-epoch logs made after the "learned nothing" rule of CollapseDetector was fixed, to check it on runs
it was not chosen on: writers, tasks and optimizers that Corpus/text (where the rule was chosen) does not have.

Never run by CI. Needs the peers' venv (torch, keras with KERAS_BACKEND=jax, fastai):

    KERAS_BACKEND=jax /work/venv/peers/bin/python Scripts/make-diagnose-corpus-blowup.py          # Corpus/blowup
    KERAS_BACKEND=jax /work/venv/peers/bin/python Scripts/make-diagnose-corpus-blowup.py --fresh  # Corpus/blowup-fresh

`blowup/` was made first and looked at while the classifier-loss ceiling was chosen (its "learned nothing" rule had
been fixed on Corpus/text before); `blowup-fresh/` was made once afterwards, with another seed, a deeper network,
40 features and other optimizers, and is the held-out measure of both rules: no threshold was changed after it.

Tasks: Gaussian blobs with 2, 3, 5 or 26 classes (20 features, 1200 points, seeded), which no other corpus uses.
Writers: Keras 3 `CSVLogger`, fastai's `CSVLogger`, and a PyTorch loop writing a CSV per epoch (`csv.writer`).
Optimizers: Keras RMSprop, Nadam, Adagrad; fastai RMSProp, SGD with momentum; PyTorch Adagrad, Adamax, SGD.
Each run is one of three constructions, and its label comes from the construction and the run's own numbers (never
from LRKit):

* `absurd` (lr 10-1000x too high): `diverged` when the final validation accuracy is at most 1.5 / classes (the
  model learned nothing) or the training or validation loss went above 10 ln(classes) at some epoch (blown-up
  logits); otherwise (an absurd lr that trained sanely) the run is kept without a label.
* `tiny` (lr 1e-7): `stagnation` when the final training loss is within 5 % of the first; otherwise no label.
* `normal`: `healthy` when the final validation accuracy is at least 0.8 and the last validation loss is within
  5 % of its minimum; otherwise no label.

Writes Tests/LRDiagnosticsTests/Corpus/blowup[-fresh]/<name>.csv and labels.json. Versions: torch 2.15.0, keras 3.15.1
(jax), fastai 2.8.12.
"""
import json
import math
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "Tests", "LRDiagnosticsTests", "Corpus", "blowup")

DATA = r'''
import numpy as np
def blobs(k, seed, d=20):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 2.0, (k, d))
    y = rng.integers(0, k, 1200)
    x = (centers[y] + rng.normal(0, 2.5, (1200, d))).astype("float32")
    return x[:900], y[:900].astype("int64"), x[900:], y[900:].astype("int64")
'''

MLP = r'''
import torch
def mlp(d, depth, k):
    layers, width = [], d
    for _ in range(depth):
        layers += [torch.nn.Linear(width, 64), torch.nn.ReLU()]
        width = 64
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, k))
'''

KERAS = DATA + r'''
import json, sys, keras
cfg = json.loads(sys.argv[1])
keras.utils.set_random_seed(cfg["seed"])
xt, yt, xv, yv = blobs(cfg["k"], cfg["seed"], cfg["d"])
m = keras.Sequential([keras.Input((cfg["d"],))] + [keras.layers.Dense(64, activation="relu") for _ in range(cfg["depth"])]
                     + [keras.layers.Dense(cfg["k"])])
opt = {"rmsprop": keras.optimizers.RMSprop, "nadam": keras.optimizers.Nadam, "adagrad": keras.optimizers.Adagrad,
       "sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam, "adamax": keras.optimizers.Adamax}[cfg["opt"]](
    learning_rate=cfg["lr"])
m.compile(optimizer=opt, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
m.fit(xt, yt, validation_data=(xv, yv), epochs=cfg["epochs"], batch_size=32, verbose=0,
      callbacks=[keras.callbacks.CSVLogger(cfg["out"])])
'''

FASTAI = DATA + MLP + r'''
import json, sys, torch
from fastai.data.core import DataLoaders
from fastai.learner import Learner
from fastai.metrics import accuracy
from fastai.optimizer import RMSProp, SGD, Adam, QHAdam
from fastai.callback.all import CSVLogger
cfg = json.loads(sys.argv[1])
torch.manual_seed(cfg["seed"])
xt, yt, xv, yv = [torch.tensor(a) for a in blobs(cfg["k"], cfg["seed"], cfg["d"])]
dls = DataLoaders.from_dsets(torch.utils.data.TensorDataset(xt, yt), torch.utils.data.TensorDataset(xv, yv), bs=32,
                             device="cpu")
model = mlp(cfg["d"], cfg["depth"], cfg["k"])
opt = {"rmsprop": RMSProp, "sgd": SGD, "adam": Adam, "qhadam": QHAdam}[cfg["opt"]]
learn = Learner(dls, model, loss_func=torch.nn.CrossEntropyLoss(), metrics=accuracy, opt_func=opt,
                cbs=[CSVLogger(cfg["out"])])
learn.fit(cfg["epochs"], cfg["lr"])
'''

TORCH = DATA + MLP + r'''
import csv, json, sys, torch
cfg = json.loads(sys.argv[1])
torch.manual_seed(cfg["seed"])
xt, yt, xv, yv = [torch.tensor(a) for a in blobs(cfg["k"], cfg["seed"], cfg["d"])]
model = mlp(cfg["d"], cfg["depth"], cfg["k"])
opt = {"adagrad": torch.optim.Adagrad, "adamax": torch.optim.Adamax, "sgd": torch.optim.SGD,
       "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[cfg["opt"]](
    model.parameters(), lr=cfg["lr"])
w = csv.writer(open(cfg["out"], "w", newline=""))
w.writerow(["epoch", "train_loss", "val_loss", "val_acc"])
for epoch in range(cfg["epochs"]):
    total, count = 0.0, 0
    for i in torch.randperm(900).split(32):
        loss = torch.nn.functional.cross_entropy(model(xt[i]), yt[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(i)
        count += len(i)
    with torch.no_grad():
        out = model(xv)
        vl = torch.nn.functional.cross_entropy(out, yv).item()
        acc = (out.argmax(1) == yv).float().mean().item()
    w.writerow([epoch, total / count, vl, acc])
'''


def runs(fresh):
    rng = random.Random(20261206 if fresh else 20261205)
    d, depth = (40, 2) if fresh else (20, 1)
    plans = [
        ("keras", "sgd", {"absurd": 200.0, "tiny": 1e-7, "normal": 5e-2}),
        ("keras", "adam", {"absurd": 30.0, "tiny": 1e-7, "normal": 1e-3}),
        ("keras", "adamax", {"absurd": 50.0, "tiny": 1e-7, "normal": 2e-3}),
        ("fastai", "adam", {"absurd": 30.0, "tiny": 1e-7, "normal": 1e-3}),
        ("fastai", "qhadam", {"absurd": 30.0, "tiny": 1e-7, "normal": 1e-3}),
        ("torch", "rmsprop", {"absurd": 20.0, "tiny": 1e-7, "normal": 1e-3}),
        ("torch", "adam", {"absurd": 30.0, "tiny": 1e-7, "normal": 1e-3}),
        ("torch", "adamw", {"absurd": 50.0, "tiny": 1e-7, "normal": 2e-3}),
    ] if fresh else [
        ("keras", "rmsprop", {"absurd": 30.0, "tiny": 1e-7, "normal": 1e-3}),
        ("keras", "nadam", {"absurd": 20.0, "tiny": 1e-7, "normal": 2e-3}),
        ("keras", "adagrad", {"absurd": 300.0, "tiny": 1e-7, "normal": 5e-2}),
        ("fastai", "rmsprop", {"absurd": 20.0, "tiny": 1e-7, "normal": 1e-3}),
        ("fastai", "sgd", {"absurd": 400.0, "tiny": 1e-7, "normal": 5e-2}),
        ("torch", "adagrad", {"absurd": 300.0, "tiny": 1e-7, "normal": 5e-2}),
        ("torch", "adamax", {"absurd": 40.0, "tiny": 1e-7, "normal": 2e-3}),
        ("torch", "sgd", {"absurd": 600.0, "tiny": 1e-7, "normal": 5e-2}),
    ]
    for writer, opt, lrs in plans:
        for construction, lr in lrs.items():
            k = rng.choice([2, 3, 5, 26])
            yield f"{writer}-{opt}-{construction}-{k}-classes", writer, {"opt": opt, "lr": lr, "k": k, "d": d,
                                                                          "depth": depth, "seed": rng.randrange(1000),
                                                                          "epochs": rng.randint(8, 16)}, construction


def label(path, construction, k):
    rows = list(__import__("csv").DictReader(open(path)))
    def col(*names):
        for n in names:
            if n in rows[0]:
                return [float(r[n]) for r in rows]
        raise KeyError(names)
    train = col("loss", "train_loss")
    val = col("val_loss", "valid_loss")
    acc = col("val_accuracy", "accuracy", "val_acc")
    if construction == "absurd":
        worst = max([v for v in train + val if math.isfinite(v)] or [0])
        blown = worst > 10 * math.log(k) or any(not math.isfinite(v) for v in train + val)
        return "diverged" if acc[-1] <= 1.5 / k or blown else None
    if construction == "tiny":
        return "stagnation" if abs(train[-1] - train[0]) <= 0.05 * abs(train[0]) else None
    finite = [v for v in val if math.isfinite(v)]
    return "healthy" if acc[-1] >= 0.8 and finite and val[-1] <= 1.05 * min(finite) else None


def main():
    fresh = "--fresh" in sys.argv
    out_dir = OUT + ("-fresh" if fresh else "")
    os.makedirs(out_dir, exist_ok=True)
    labels = {}
    for name, writer, cfg, construction in runs(fresh):
        out = os.path.join(out_dir, name + ".csv")
        script = {"keras": KERAS, "fastai": FASTAI, "torch": TORCH}[writer]
        subprocess.run([sys.executable, "-c", script, json.dumps(dict(cfg, out=out))], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        labels[name] = label(out, construction, cfg["k"])
        print(name, labels[name], flush=True)
    with open(os.path.join(out_dir, "labels.json"), "w") as f:
        json.dump(labels, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
