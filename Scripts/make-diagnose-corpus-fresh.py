#!/usr/bin/env python3
"""A FRESH, independent held-out set of labelled real training runs for `lrkit diagnose`
(Tests/LRDiagnosticsTests/Corpus/fresh/).

Run by hand, never by CI.  Same idea and layout as Corpus/real (Scripts/make-diagnose-corpus-real.py, whose
data / training / writer helpers this script imports as a module): every case is a real, tiny CPU training
run whose log is written by the producing framework's own writer, labelled BY CONSTRUCTION (what was done
to the run) and then CHECKED against the numbers with simple, label-specific criteria printed for every
case (see `check()`); a construction whose curve did not clearly show its label was dropped or rebuilt (see
"Rebuilt or dropped while checking" below).  No label was changed to fit a curve and no case needed an
"acceptable" second verdict.

This set was built WITHOUT running lrkit on it and without looking at LRKit's detector code: it exists to
measure the detectors on runs they were not tuned on.  Every case has "split": "fresh".

What is new compared with Corpus/real (most cases have at least one of these):
    writers     tensorboard-add-scalars (torch SummaryWriter.add_scalars: one sub-folder per series,
                <main_tag>_<name>/, all with the same tag), lightning-tensorboard (Lightning's
                TensorBoardLogger: lightning_logs/version_0/events.* + hparams.yaml), hf-tensorboard (the HF
                Trainer's TensorBoardCallback, report_to=["tensorboard"]: runs/<date>_<host>/events.* with
                train/loss, eval/loss, train/learning_rate ...), tensorboard-csv (the CSV that TensorBoard's
                own scalars plugin serves for "download CSV": Wall time,Step,Value, produced with
                tensorboard's ScalarsPlugin over an EventMultiplexer, with its default downsampling);
                plain CSVs with unusual columns (global_step,training_loss / epoch,batch,loss where batch
                restarts every epoch / it,huber)
    optimizers  torch NAdam, Adamax, RAdam, Adadelta, ASGD; Keras Nadam, Adamax, Lion (the optimizer field
                names the algorithm, as in Corpus/real: "nadam" is torch's NAdam or Keras' Nadam)
    tasks       polynomial regression (x..x^k features), Huber-loss regression with outliers, multi-label
                BCE classification, a char-level bigram model, the GRU "adding problem" (sequence
                regression), 1-D CNN waveform classification (torch and Keras Conv1D), matrix
                factorisation, logistic regression on wine; HF Trainer with a tiny Llama (char LM) and a
                tiny DistilBERT classifier

How to run (the venv of make-diagnose-corpus-real.py; every run uses 1 CPU thread; ~2.5-3 minutes on 2 cores):

    /work/venv/peers/bin/python Scripts/make-diagnose-corpus-fresh.py            # the whole set (wipes fresh/)
    /work/venv/peers/bin/python Scripts/make-diagnose-corpus-fresh.py --only llama,poly   # some cases
    /work/venv/peers/bin/python Scripts/make-diagnose-corpus-fresh.py --check    # re-read the files, print
        # the per-curve summaries and the label checks
    /work/venv/peers/bin/python Scripts/make-diagnose-corpus-fresh.py --list     # cases + count tables

Keras (KERAS_BACKEND=jax) runs in a child process (--child keras), as in make-diagnose-corpus-real.py.

Seeds: every case has its own training seed (3101-3704; Corpus/real uses 1234 and small integers), and the
digits train/test split uses a different permutation seed (2718) from Corpus/real's (1234).

Rebuilt or dropped while checking (the first construction of a case did not clearly show its label):
    - oscillation: softmax regression on wine with NAdam lr 2 (wine is separable: the loss sank to ~1e-6 with
      rare blips, no bouncing); a Huber MLP on data with 5% outliers with Adamax lr 0.3 (the bouncing came
      from outlier batches and the trend still fell); matrix factorisation with SGD momentum lr 2 (NaN, i.e.
      diverged; lr 0.3-0.6 simply converged); Keras Lion lr 0.01 logged per epoch (flat epoch means, no
      bouncing) -- all dropped, replaced by the NAdam / RAdam / Adamax tanh-MLP and poly-RAdam cases
    - diverged: Keras Nadam lr 20 from epoch 0 (the epoch-0 mean hides the start, so the log reads as a fall
      from 6.5e12 to a flat 1.3e3) -> rebuilt as a mid-run lr jump; Llama lr x100 jump (the loss came back
      below its start) -> x1000
    - warmup: Llama AdamW lr 0.03 without warmup (no rise above the start) -> lr 0.1; CNN NAdam 450 steps (val
      rose 16% at the end, a second, overfitting-like signal) -> 300 steps
    - Huber cases: the 5% outliers made the healthy batch-8 curve bimodal (x1000 within windows), dominated
      the spikes case's baseline and made the warmup case's val loss rise -> outliers removed there
    - healthy: bigram SGD lr 20 (converged in ~100 of 4000 steps) -> lr 5; matrix factorisation batch 64
      (early batch noise twice the first value) -> batch 256; the 'one blip' batch first scaled its inputs x3,
      which made its loss DROP -> one wrong label instead
    - stagnation: poly ASGD lr 1e-4 still moved the loss 2.4 -> 1.0 -> lr 2e-6
    - overfitting: poly degree 12 with Adam lr 0.02 (val rose by step ~600, then fell slowly) -> lr 3e-3
    - oscillation (Lightning Adamax): warmup 60 / other seeds showed a downward trend -> warmup 30, seed 3423

Labels (labels.json; one entry per case): name, path (relative to Corpus/fresh), writer, task, optimizer,
expected, [acceptable], reason, split ("fresh"), num_classes (single-label classification; null for LMs,
regression and the multi-label task, whose chance level is not ln K), loss_key (the --loss-key a user
would pass when the training loss is not recognisable by name) or null.  Label meanings as in
Corpus/real's docstring:
    diverged     NaN/Inf; a finite blow-up that never comes back; or a collapse to chance / back to the start
    spikes       bad batches injected at >= 3 known steps; the loss jumps at exactly those steps and recovers
    stagnation   lr far too small: the loss moves by only a few % over the whole run
    oscillation  constant too-high lr, no decay: the loss keeps bouncing with no downward trend
    overfitting  tiny training set / big model: train loss falls while the eval loss rises after its minimum
    warmup       high lr from step 0 without warmup: an early rise above the initial loss, then recovery
    healthy      everything else (noisy small batches, regression losses near zero, short and long runs,
                 an isolated harmless blip)
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("corpus_real", REPO / "Scripts" / "make-diagnose-corpus-real.py")
R = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(R)      # also installs tensorboard's TF-free stub in the main process (not in --child)

OUT = REPO / "Tests" / "LRDiagnosticsTests" / "Corpus" / "fresh"
RES = R.RES
SCRIPT_REL = "Scripts/make-diagnose-corpus-fresh.py"
R.OUT = OUT
R.SCRIPT_REL = SCRIPT_REL
VERDICTS = R.VERDICTS
WRITERS = ("hf-trainer", "hf-tensorboard", "lightning-csv", "lightning-tensorboard", "tensorboard",
           "tensorboard-add-scalars", "tensorboard-csv", "keras-tensorboard", "keras-csvlogger", "mlflow",
           "wandb-csv", "wandb-jsonl", "generic-csv", "generic-jsonl")
DIGITS_SPLIT = 2718

REG: list[dict] = []


def case(name, path, writer, task, optimizer, expected, reason, num_classes=None, loss_key=None,
         acceptable=None, child=None, fmt=None, train=None, evalk=None, inject=None):
    """train / evalk: substrings naming the training / eval loss series as this script's reader sees them
    (for the checks only); inject: the steps (as logged) of the injected bad batches (spikes checks)."""
    assert writer in WRITERS, writer
    assert expected in VERDICTS, expected
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name

    def deco(fn):
        assert all(c["name"] != name for c in REG), name
        REG.append(dict(name=name, path=path, writer=writer, task=task, optimizer=optimizer, expected=expected,
                        acceptable=list(acceptable or []), reason=reason, num_classes=num_classes,
                        loss_key=loss_key, fn=fn, child=child, fmt=fmt or writer, train=train, evalk=evalk,
                        inject=inject))
        return fn
    return deco


dest = R.dest


# ----------------------------------------------------------------------------------------------
# Data (new sets; digits / Shakespeare come from make-diagnose-corpus-real.py)
# ----------------------------------------------------------------------------------------------

def T(a, dtype=None):
    import torch
    return torch.tensor(a, dtype=dtype)


def digits_t(n_train=None, scale="std"):
    return R.digits(n_train, seed=DIGITS_SPLIT, scale=scale)


def wine_np(seed=11):
    import numpy as np
    from sklearn.datasets import load_wine
    d = load_wine()
    xtr, ytr, xte, yte = R.sk_split(d.data.astype(np.float32), d.target.astype(np.int64), 48, seed)
    xtr, xte = R.standardise(xtr, xte)
    return xtr, ytr, xte, yte


def poly_np(n=200, degree=5, noise=0.01, seed=21, n_test=200, fn="cubic"):
    """1-D polynomial regression: x ~ U(-1, 1), features x, x^2, ..., x^degree (standardised with the
    training statistics), y = a smooth function of x + noise."""
    import numpy as np
    r = np.random.RandomState(seed)
    x = r.uniform(-1, 1, n + n_test)
    if fn == "cubic":
        y = 0.5 - 1.2 * x + 0.8 * x ** 2 + 1.5 * x ** 3
    else:
        y = np.sin(math.pi * x)
    y = y + noise * r.randn(len(x))
    feats = np.stack([x ** k for k in range(1, degree + 1)], 1).astype(np.float32)
    xtr, xte = R.standardise(feats[:n], feats[n:])
    return xtr, y[:n, None].astype(np.float32), xte, y[n:, None].astype(np.float32)


def huber_np(n=1500, d=10, seed=31, n_test=300, outliers=0.05, noise=5.0):
    """make_regression (standardised target) with a fraction of training targets replaced by gross
    outliers (+-8 sd): the case for a Huber loss."""
    import numpy as np
    from sklearn.datasets import make_regression
    x, y = make_regression(n_samples=n + n_test, n_features=d, n_informative=d, noise=noise, random_state=seed)
    y = (y - y.mean()) / y.std()
    x = x.astype(np.float32)
    y = y.astype(np.float32)[:, None]
    r = np.random.RandomState(seed)
    k = int(outliers * n)
    idx = r.choice(n, k, replace=False)
    y[idx, 0] += r.choice([-8.0, 8.0], k)
    return x[:n], y[:n], x[n:], y[n:]


def multilabel_np(n=2000, n_test=400, d=30, k=8, seed=41):
    import numpy as np
    from sklearn.datasets import make_multilabel_classification
    x, y = make_multilabel_classification(n_samples=n + n_test, n_features=d, n_classes=k, n_labels=2,
                                          random_state=seed)
    x = np.log1p(x.astype(np.float32))
    xtr, xte = R.standardise(x[:n], x[n:])
    return xtr, y[:n].astype(np.float32), xte, y[n:].astype(np.float32)


def adding_np(n=4000, n_test=500, length=20, seed=51):
    """The adding problem: a sequence of (value ~ U(0,1), marker) pairs with exactly two markers; the
    target is the sum of the two marked values (predicting the mean, 1.0, gives MSE ~ 1/6)."""
    import numpy as np
    r = np.random.RandomState(seed)
    N = n + n_test
    v = r.uniform(0, 1, (N, length)).astype(np.float32)
    m = np.zeros((N, length), np.float32)
    for i in range(N):
        a, b = r.choice(length, 2, replace=False)
        m[i, a] = m[i, b] = 1.0
    x = np.stack([v, m], -1)
    y = (v * m).sum(1, keepdims=True).astype(np.float32)
    return x[:n], y[:n], x[n:], y[n:]


def waves_np(n=1200, n_test=400, length=64, noise=0.5, seed=61):
    """1-D waveform classification: sine / square / triangle / sawtooth with random frequency, phase and
    amplitude plus Gaussian noise; class balanced.  Shape (n, length, 1)."""
    import numpy as np
    r = np.random.RandomState(seed)
    N = n + n_test
    y = r.randint(0, 4, N)
    t = np.arange(length)[None, :] / length
    f = r.uniform(1.5, 4.0, (N, 1))
    ph = r.uniform(0, 2 * math.pi, (N, 1))
    a = r.uniform(0.7, 1.3, (N, 1))
    s = np.sin(2 * math.pi * f * t + ph)
    waves = np.stack([s, np.sign(s), 2 / math.pi * np.arcsin(s),
                      2 * ((f * t + ph / (2 * math.pi)) % 1.0) - 1], 1)      # (N, 4, length)
    x = a * waves[np.arange(N), y] + noise * r.randn(N, length)
    x = x.astype(np.float32)[:, :, None]
    return x[:n], y[:n].astype(np.int64), x[n:], y[n:].astype(np.int64)


def mf_np(users=300, items=200, rank=4, n=12000, n_test=2000, noise=0.3, seed=71):
    """Matrix factorisation: ratings = u . v (rank 4) + biases + noise at random (user, item) pairs."""
    import numpy as np
    r = np.random.RandomState(seed)
    U = r.randn(users, rank) / math.sqrt(rank)
    V = r.randn(items, rank)
    bu, bi = 0.5 * r.randn(users), 0.5 * r.randn(items)
    pu = r.randint(0, users, n + n_test)
    pi = r.randint(0, items, n + n_test)
    y = (U[pu] * V[pi]).sum(1) + bu[pu] + bi[pi] + noise * r.randn(n + n_test)
    x = np.stack([pu, pi], 1).astype(np.int64)
    y = y.astype(np.float32)[:, None]
    return x[:n], y[:n], x[n:], y[n:]


# ----------------------------------------------------------------------------------------------
# Models and tasks (plain torch) -- a Task (make-diagnose-corpus-real.py) with extra losses
# ----------------------------------------------------------------------------------------------

def fresh_models():
    import torch
    from torch import nn

    class Bigram(nn.Module):
        def __init__(self, V):
            super().__init__()
            self.table = nn.Embedding(V, V)
            nn.init.normal_(self.table.weight, 0, 0.02)

        def forward(self, x):
            return self.table(x)

    class SeqGRU(nn.Module):
        def __init__(self, d_in=2, hidden=32, kind="gru"):
            super().__init__()
            self.rnn = (nn.GRU if kind == "gru" else nn.LSTM)(d_in, hidden, batch_first=True)
            self.head = nn.Linear(hidden, 1)

        def forward(self, x):
            h, _ = self.rnn(x)
            return self.head(h[:, -1])

    class Conv1D(nn.Module):
        def __init__(self, c1=16, c2=32, classes=4, fc=0):
            super().__init__()
            layers = [nn.Conv1d(1, c1, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2), nn.Conv1d(c1, c2, 5, padding=2),
                      nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten()]
            if fc:
                layers += [nn.Linear(c2, fc), nn.ReLU(), nn.Linear(fc, classes)]
            else:
                layers += [nn.Linear(c2, classes)]
            self.f = nn.Sequential(*layers)

        def forward(self, x):
            return self.f(x.transpose(1, 2))

    class MF(nn.Module):
        def __init__(self, users, items, dim=8):
            super().__init__()
            self.u = nn.Embedding(users, dim)
            self.v = nn.Embedding(items, dim)
            self.bu = nn.Embedding(users, 1)
            self.bi = nn.Embedding(items, 1)
            for e in (self.u, self.v):
                nn.init.normal_(e.weight, 0, 0.1)
            for e in (self.bu, self.bi):
                nn.init.zeros_(e.weight)

        def forward(self, x):
            u, i = x[:, 0], x[:, 1]
            return (self.u(u) * self.v(i)).sum(1, keepdim=True) + self.bu(u) + self.bi(i)

    return types.SimpleNamespace(Bigram=Bigram, SeqGRU=SeqGRU, Conv1D=Conv1D, MF=MF)


class FTask(R.Task):
    """R.Task with two more loss kinds: 'huber' (regression with F.huber_loss, delta 1) and 'multilabel'
    (BCE with logits over K independent labels)."""

    def loss(self, xb, yb, model=None):
        import torch.nn.functional as F
        if self.kind == "huber":
            return F.huber_loss((model or self.model)(xb), yb)
        if self.kind == "multilabel":
            return F.binary_cross_entropy_with_logits((model or self.model)(xb), yb)
        return super().loss(xb, yb, model)

    def evaluate(self):
        import torch
        if self.kind not in ("huber", "multilabel"):
            return super().evaluate()
        m = self.model
        was = m.training
        m.eval()
        with torch.no_grad():
            r = {"eval_loss": self.loss(self.xte, self.yte).item()}
            if self.kind == "multilabel":
                r["eval_acc"] = ((m(self.xte) > 0).float() == self.yte).float().mean().item()
        m.train(was)
        return r


def make_task(kind, seed, batch=32, **kw):
    import torch
    M, F = R.models(), fresh_models()
    torch.manual_seed(seed)
    if kind == "mlp-digits":
        xtr, ytr, xte, yte = digits_t(kw.get("n_train"), kw.get("scale", "std"))
        torch.manual_seed(seed)
        return FTask(M.MLP(64, kw.get("hidden", (128,)), 10, kw.get("act", "relu")), "classification", xtr, ytr,
                     xte, yte, batch, seed, 10)
    if kind == "cnn-digits":
        xtr, ytr, xte, yte = digits_t(kw.get("n_train"), "unit")
        torch.manual_seed(seed)
        return FTask(M.CNN(*kw.get("width", (16, 32, 64))), "classification", xtr, ytr, xte, yte, batch, seed, 10)
    if kind == "logreg-wine":
        xtr, ytr, xte, yte = wine_np(kw.get("data_seed", 11))
        torch.manual_seed(seed)
        return FTask(torch.nn.Linear(13, 3), "classification", T(xtr), T(ytr), T(xte), T(yte), batch, seed, 3)
    if kind == "poly":
        xtr, ytr, xte, yte = poly_np(kw.get("n", 200), kw.get("degree", 5), kw.get("noise", 0.01),
                                     kw.get("data_seed", 21), kw.get("n_test", 200), kw.get("fn", "cubic"))
        torch.manual_seed(seed)
        return FTask(torch.nn.Linear(xtr.shape[1], 1), "regression", T(xtr), T(ytr), T(xte), T(yte), batch, seed)
    if kind == "huber":
        xtr, ytr, xte, yte = huber_np(seed=kw.get("data_seed", 31), outliers=kw.get("outliers", 0.05),
                                      noise=kw.get("noise", 5.0))
        torch.manual_seed(seed)
        m = M.MLP(xtr.shape[1], kw.get("hidden", (64,)), 1, kw.get("act", "relu"))
        return FTask(m, "huber", T(xtr), T(ytr), T(xte), T(yte), batch, seed)
    if kind == "multilabel":
        xtr, ytr, xte, yte = multilabel_np(n=kw.get("n", 2000), seed=kw.get("data_seed", 41))
        torch.manual_seed(seed)
        m = M.MLP(xtr.shape[1], kw.get("hidden", (128,)), ytr.shape[1], kw.get("act", "relu"))
        return FTask(m, "multilabel", T(xtr), T(ytr), T(xte), T(yte), batch, seed)
    if kind == "bigram":
        train, val, V = R.shakespeare()
        ctx = kw.get("ctx", 32)
        torch.manual_seed(seed)
        return FTask(F.Bigram(V), "lm", train, None, R.char_windows_t(val, 128, ctx, 17), None, batch, seed, V, ctx)
    if kind == "adding":
        xtr, ytr, xte, yte = adding_np(n=kw.get("n", 4000), length=kw.get("length", 20), seed=kw.get("data_seed", 51))
        torch.manual_seed(seed)
        return FTask(F.SeqGRU(2, kw.get("hidden", 32), kw.get("cell", "gru")), "regression", T(xtr), T(ytr), T(xte),
                     T(yte), batch, seed)
    if kind == "waves":
        xtr, ytr, xte, yte = waves_np(n=kw.get("n", 1200), noise=kw.get("noise", 0.5), seed=kw.get("data_seed", 61))
        torch.manual_seed(seed)
        m = F.Conv1D(*kw.get("width", (16, 32)), fc=kw.get("fc", 0))
        return FTask(m, "classification", T(xtr), T(ytr), T(xte), T(yte), batch, seed, 4)
    if kind == "mf":
        xtr, ytr, xte, yte = mf_np(seed=kw.get("data_seed", 71), noise=kw.get("noise", 0.3))
        torch.manual_seed(seed)
        return FTask(F.MF(300, 200, kw.get("dim", 8)), "regression", T(xtr), T(ytr), T(xte), T(yte), batch, seed)
    if kind == "regmlp":
        xtr, ytr, xte, yte = R.func_data(n=kw.get("n", 512), noise=kw.get("noise", 0.0), kind=kw.get("fn", "sin"),
                                         seed=kw.get("data_seed", 5))
        torch.manual_seed(seed)
        m = M.MLP(xtr.shape[1], kw.get("hidden", (64, 64)), 1, kw.get("act", "tanh"))
        return FTask(m, "regression", xtr, ytr, xte, yte, batch, seed)
    raise KeyError(kind)


def make_opt(params, name, lr, **kw):
    import torch
    if name == "nadam":
        return torch.optim.NAdam(params, lr=lr)
    if name == "adamax":
        return torch.optim.Adamax(params, lr=lr)
    if name == "radam":
        return torch.optim.RAdam(params, lr=lr)
    if name == "adadelta":
        return torch.optim.Adadelta(params, lr=lr)
    if name == "asgd":
        return torch.optim.ASGD(params, lr=lr, t0=kw.get("t0", 1e6))
    return R.make_opt(params, name, lr, **kw)


def plain(task, steps, opt="adam", lr=1e-3, kind="constant", warmup=0, batch=32, eval_every=0, log_every=1,
          mean=True, inject=None, clip=None, tkw=None, okw=None, skw=None, seed=3000):
    """One plain PyTorch run (make-diagnose-corpus-real.py's loop); returns (records, task).
    inject = {step: (corruption, factor)} (0-based optimizer steps)."""
    R.torch_setup(seed)
    Tk = make_task(task, seed, batch=batch, **(tkw or {}))
    o = make_opt(Tk.model.parameters(), opt, lr, **(okw or {}))
    inj = {s: R.corruptor(k, Tk, f, seed=seed + s) for s, (k, f) in (inject or {}).items()}
    recs = R.run_records(Tk, o, steps, R.sched(kind, lr, steps, warmup, **(skw or {})), eval_every, clip, inj,
                         log_every, mean)
    return recs, Tk


renamed = R.renamed
write_csv = R.write_csv
write_jsonl = R.write_jsonl


def write_tb(recs, d, tags, **kw):
    R.write_tb(recs, d, tags, **kw)
    R.rename_event_files(d)


def write_tb_add_scalars(recs, d: Path, groups: dict, single: dict | None = None):
    """torch SummaryWriter.add_scalars(main_tag, {name: value}, step): groups = {main_tag: {record key:
    name}}; single = {record key: tag} for plain add_scalar at the root."""
    from torch.utils.tensorboard import SummaryWriter
    w = SummaryWriter(log_dir=str(d))
    for r in recs:
        for k, tag in (single or {}).items():
            if k in r:
                w.add_scalar(tag, r[k], r["step"])
        for main, names in groups.items():
            vals = {n: r[k] for k, n in names.items() if k in r}
            if vals:
                w.add_scalars(main, vals, r["step"])
    w.close()
    # stable names of the writer's own pattern, numbered root first then sub-folders by name (the files are
    # created within microseconds of each other, so their creation order is not reproducible)
    files = sorted(d.rglob("events.out.tfevents.*"), key=lambda f: (f.parent != d, f.parent.name))
    for i, f in enumerate(files):
        f.rename(f.with_name(f"events.out.tfevents.{1700000000 + 100 * (i + 1):010d}.lrkit-corpus.{1000 + i}.0"))


def write_tb_csv_export(recs, path: Path, key: str, tag: str, tmp: Path):
    """Log `key` with a SummaryWriter, then produce the CSV that TensorBoard's scalars plugin serves for
    the dashboard's "download CSV" link (tensorboard's own ScalarsPlugin.scalars_impl over an
    EventMultiplexer with the `tensorboard` program's default size guidance, 1,000 scalars per tag: runs
    longer than that come back reservoir-sampled, as the UI gives them)."""
    from torch.utils.tensorboard import SummaryWriter
    from tensorboard import context as tb_context
    from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.scalar import scalars_plugin
    logdir = tmp / ("tbcsv-" + path.stem)
    shutil.rmtree(logdir, ignore_errors=True)
    w = SummaryWriter(log_dir=str(logdir / "run"))
    for r in recs:
        if key in r:
            w.add_scalar(tag, r[key], r["step"])
    w.close()
    from tensorboard.backend.event_processing import data_ingester
    mux = plugin_event_multiplexer.EventMultiplexer(size_guidance=data_ingester.DEFAULT_SIZE_GUIDANCE,
                                                    tensor_size_guidance=data_ingester.DEFAULT_TENSOR_SIZE_GUIDANCE)
    mux.AddRunsFromDirectory(str(logdir))
    mux.Reload()
    prov = data_provider.MultiplexerDataProvider(mux, str(logdir))
    plugin = scalars_plugin.ScalarsPlugin(base_plugin.TBContext(data_provider=prov, logdir=str(logdir)))
    body, mime = plugin.scalars_impl(tb_context.RequestContext(), tag, "run", "", scalars_plugin.OutputFormat.CSV)
    assert mime == "text/csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)


def mlflow_case(c, recs, keys, params):
    """MLflow file store at <case folder>/mlruns; the case path is the run folder."""
    rel = c["path"].split("/mlruns/")[0] + "/mlruns"
    return R.write_mlflow(recs, dest(rel), c["name"], keys, params, experiment="lrkit-fresh")


def mlrun(name, folder):
    eid, rid = R.fixed_ids(name)
    return f"mlflow/{folder}/mlruns/{eid}/{rid}"


def wandb_rows(recs, keys, name, **kw):
    return R.wandb_rows(recs, keys, name, t0=1750000000.0, **kw)


# ----------------------------------------------------------------------------------------------
# Lightning (CSVLogger or TensorBoardLogger) around a task
# ----------------------------------------------------------------------------------------------

def pl_fit(rel, task_kind, epochs, opt="adam", lr=1e-3, kind="constant", warmup=0, batch=32, tkw=None, okw=None,
           skw=None, inject=None, seed=3000, log_every=1, logger="csv", val_every=1, clip=None):
    import logging
    import torch
    import lightning as L
    from lightning.pytorch.callbacks import LearningRateMonitor
    from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
    from torch.utils.data import DataLoader, TensorDataset
    for n in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logging.getLogger(n).setLevel(logging.ERROR)
    R.torch_setup(seed)
    L.seed_everything(seed, verbose=False)
    Tk = make_task(task_kind, seed, batch=batch, **(tkw or {}))
    train_ds = TensorDataset(Tk.x, Tk.y)
    val_ds = TensorDataset(Tk.xte, Tk.yte)
    total = epochs * math.ceil(len(train_ds) / batch)
    lr_fn = R.sched(kind, lr, total, warmup, **(skw or {}))
    inj = {s: R.corruptor(k, Tk, f, seed=seed + s) for s, (k, f) in (inject or {}).items()}

    class Lit(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.save_hyperparameters({"task": task_kind, "optimizer": opt, "lr": lr, "schedule": kind,
                                       "warmup": warmup, "batch_size": batch, "epochs": epochs})
            self.net = Tk.model

        def training_step(self, b, i):
            x, y = b
            if self.global_step in inj:
                x, y = inj[self.global_step](x, y)
            loss = Tk.loss(x, y, model=self.net)
            self.log("train_loss", loss, on_step=True, on_epoch=True)
            return loss

        def validation_step(self, b, i):
            x, y = b
            self.log("val_loss", Tk.loss(x, y, model=self.net))

        def configure_optimizers(self):
            o = make_opt(self.parameters(), opt, lr, **(okw or {}))
            sch = torch.optim.lr_scheduler.LambdaLR(o, lambda s: lr_fn(min(s, total - 1)) / lr)
            return {"optimizer": o, "lr_scheduler": {"scheduler": sch, "interval": "step"}}

    g = torch.Generator().manual_seed(seed)
    tl = DataLoader(train_ds, batch_size=batch, shuffle=True, generator=g)
    vl = DataLoader(val_ds, batch_size=len(val_ds))
    root = Path(tempfile.mkdtemp(prefix="pl-", dir="."))
    lg = (CSVLogger(root, name="lightning_logs", flush_logs_every_n_steps=50) if logger == "csv"
          else TensorBoardLogger(root, name="lightning_logs", default_hp_metric=False))
    tr = L.Trainer(max_epochs=epochs, logger=lg, callbacks=[LearningRateMonitor("step")], log_every_n_steps=log_every,
                   enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
                   accelerator="cpu", devices=1, deterministic=True, check_val_every_n_epoch=val_every,
                   gradient_clip_val=clip)
    tr.fit(Lit(), tl, vl)
    d = dest(rel)
    src = root / "lightning_logs"
    for f in sorted(src.rglob("*")):
        if f.is_file() and (f.suffix in (".csv", ".yaml") or f.name.startswith("events.out.tfevents")):
            t = d / f.relative_to(src)
            t.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, t)
    R.rename_event_files(d)


# ----------------------------------------------------------------------------------------------
# HF Trainer: tiny Llama (char LM) and tiny DistilBERT (classifier)
# ----------------------------------------------------------------------------------------------

def llama(V, layers=2, hidden=64, heads=4, kv=2, ctx=64, seed=3000):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=V, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
                      num_attention_heads=heads, num_key_value_heads=kv, max_position_embeddings=ctx,
                      bos_token_id=0, eos_token_id=0, pad_token_id=0, tie_word_embeddings=False)
    return LlamaForCausalLM(cfg)


def distilbert(V, num_labels, seed=3000, dim=64, layers=2, dropout=0.1, max_pos=40):
    import torch
    from transformers import DistilBertConfig, DistilBertForSequenceClassification
    torch.manual_seed(seed)
    cfg = DistilBertConfig(vocab_size=V, dim=dim, n_layers=layers, n_heads=4, hidden_dim=2 * dim,
                           max_position_embeddings=max_pos, num_labels=num_labels, dropout=dropout,
                           attention_dropout=dropout, seq_classif_dropout=dropout, pad_token_id=0)
    return DistilBertForSequenceClassification(cfg)


def lm_windows(n, seed, split="train", n_chars=None, ctx=64):
    train, val, V = R.shakespeare()
    data = train if split == "train" else val
    if n_chars:
        data = data[:n_chars]
    return R.char_windows_t(data, n, ctx, seed)[:, :ctx]


def lm_ds(w):
    return R.DictDS([{"input_ids": r, "labels": r.clone()} for r in w])


def hf_train(model, train_ds, eval_ds, out_dir, **kw):
    kw.setdefault("seed", 3000)
    return R.hf_train(model, train_ds, eval_ds, out_dir, **kw)


# ==============================================================================================
# CASES
# ==============================================================================================

# ---------------------------------------------------------------------------------------------- healthy

@case("fresh-tbs-cnn-nadam-cosine", "tensorboard-add-scalars/cnn-nadam-cosine", "tensorboard-add-scalars", "cnn",
      "nadam", "healthy",
      "CNN on 8x8 digits, torch NAdam lr 2e-3 with 40-step warmup + cosine, batch 32, 700 steps; logged with "
      "SummaryWriter.add_scalars('loss', {'train': .., 'val': ..}) (sub-folders loss_train/ and loss_val/, "
      "tag 'loss' in both) plus add_scalar('lr') at the root: a smooth descent from 2.32 to ~0.007, val 0.73 -> "
      "~0.05.",
      num_classes=10, train="loss_train", evalk="loss_val")
def _c(ctx):
    recs, _ = plain("cnn-digits", 700, "nadam", 2e-3, "cosine", warmup=40, batch=32, eval_every=50, seed=3101)
    write_tb_add_scalars(recs, dest("tensorboard-add-scalars/cnn-nadam-cosine"),
                         {"loss": {"loss": "train", "eval_loss": "val"}}, {"lr": "lr"})


@case("fresh-csv-poly-adamax-near-zero", "generic-csv/poly-adamax-near-zero.csv", "generic-csv",
      "polynomial-regression", "adamax", "healthy",
      "Polynomial regression (features x..x^5, standardised) of a cubic with noise 0.01, torch Adamax lr 0.05 "
      "with exponential decay, batch 32, 1200 steps; columns global_step,training_loss: the MSE falls from 1.4 "
      "to ~2.5e-4 (near the 1e-4 noise floor) and stays there.", train="training_loss")
def _c(ctx):
    recs, _ = plain("poly", 1200, "adamax", 0.05, "exp", batch=32, skw=dict(gamma=0.997), seed=3102)
    write_csv(recs, dest("generic-csv/poly-adamax-near-zero.csv"), {"step": "global_step", "loss": "training_loss"},
              fmt="%.6g")


@case("fresh-wbj-huber-radam-batch8", "wandb-jsonl/huber-radam-batch8.jsonl", "wandb-jsonl", "huber-regression",
      "radam", "healthy",
      "ReLU MLP 10-64-1 with a Huber loss (delta 1) on a noisy make_regression set (standardised target), "
      "torch RAdam lr 3e-3 constant, batch 8, 2000 steps, eval every 100; W&B history rows (train/huber, "
      "val/huber): very noisy batch losses (0.1..0.9 in the first 100 steps, 0.005..0.1 later) around a "
      "descent from ~0.4 to ~0.03; val 0.28 -> 0.04.", loss_key="train/huber",
      train="train/huber", evalk="val/huber")
def _c(ctx):
    recs, _ = plain("huber", 2000, "radam", 3e-3, batch=8, eval_every=100, tkw=dict(outliers=0.0, noise=30.0),
                    seed=3103)
    rows = wandb_rows(recs, {"loss": "train/huber", "eval_loss": "val/huber"}, "fresh-wbj-huber-radam-batch8")
    write_jsonl(rows, dest("wandb-jsonl/huber-radam-batch8.jsonl"))


@case("fresh-mlf-multilabel-adam-linear", mlrun("fresh-mlf-multilabel-adam-linear", "multilabel-adam-linear"),
      "mlflow", "multilabel-classifier", "adam", "healthy",
      "MLP 30-128-8 on an 8-label multi-label set (make_multilabel_classification), BCE with logits, Adam lr "
      "2e-3 with linear decay, batch 16, 1200 steps; mlflow.log_metrics (train_bce, val_bce, lr): a noisy "
      "descent from 0.71 to ~0.28 that flattens in the second half; val_bce 0.357 -> 0.319.", loss_key="train_bce", train="train_bce", evalk="val_bce")
def _c(ctx):
    recs, _ = plain("multilabel", 1200, "adam", 2e-3, "linear", batch=16, eval_every=100, seed=3104)
    mlflow_case(ctx.case, recs, {"loss": "train_bce", "eval_loss": "val_bce", "lr": "lr"},
                {"lr": 2e-3, "optimizer": "Adam", "loss": "BCEWithLogits"})


@case("fresh-jsonl-bigram-sgd-long", "generic-jsonl/bigram-sgd-long.jsonl", "generic-jsonl", "char-bigram", "sgd",
      "healthy",
      "A character bigram model (a 65x65 logit table) on tiny Shakespeare, plain SGD lr 5 constant, batch 32 "
      "windows of 32 chars, 4000 steps, every step logged ({\"iter\", \"nll\"} + val_nll every 250): falls "
      "from ln 65 = 4.17 towards the bigram entropy (~2.5) over the whole run (a long run).", loss_key="nll",
      train="nll", evalk="val_nll")
def _c(ctx):
    recs, _ = plain("bigram", 4000, "sgd", 5.0, batch=32, eval_every=250, seed=3105)
    write_jsonl(renamed(recs, {"step": "iter", "loss": "nll", "eval_loss": "val_nll"}),
                dest("generic-jsonl/bigram-sgd-long.jsonl"))


@case("fresh-pltb-gru-adding-cosine", "lightning-tensorboard/gru-adding-cosine", "lightning-tensorboard",
      "rnn-adding-problem", "adam", "healthy",
      "Lightning TensorBoardLogger (lightning_logs/version_0/events.* + hparams.yaml; tags train_loss_step, "
      "train_loss_epoch, val_loss, epoch, lr-Adam). GRU(32) on the adding problem (length 20), Adam lr 5e-3 "
      "with 50-step warmup + cosine, batch 64, 12 epochs (756 steps): MSE from 0.76 (~0.17 after the first "
      "steps; a plateau until step ~250 while the GRU finds the markers) down to ~0.003.",
      train="train_loss_step", evalk="val_loss")
def _c(ctx):
    pl_fit("lightning-tensorboard/gru-adding-cosine", "adding", 12, "adam", 5e-3, "cosine", warmup=50, batch=64,
           logger="tb", seed=3106)


@case("fresh-hf-llama-cosine", "hf-trainer/llama-cosine", "hf-trainer", "llama-lm", "adamw", "healthy",
      "HF Trainer, tiny LlamaForCausalLM (2 layers, d 64, 4 heads / 2 kv heads) on char tiny Shakespeare, AdamW "
      "lr 3e-3, 20-step warmup + cosine, batch 16, 250 steps, logging_steps=1, eval every 50, checkpoint at "
      "125 and 250 (weights dropped): a smooth descent from 4.2 to ~2.2.", train="loss", evalk="eval_loss")
def _c(ctx):
    R.torch_setup(3107)
    _, _, V = R.shakespeare()
    run = ctx.tmp / "hf-llama-cosine"
    tr = hf_train(llama(V, seed=3107), lm_ds(lm_windows(250 * 16, 3107)), lm_ds(lm_windows(64, 77, "val")), run,
                  max_steps=250, learning_rate=3e-3, warmup_steps=20, lr_scheduler_type="cosine", logging_steps=1,
                  eval_strategy="steps", eval_steps=50, save_strategy="steps", save_steps=125, seed=3107)
    R.hf_keep(run, "hf-trainer/llama-cosine", save_model=False, save_state=False, tr=tr)


@case("fresh-hftb-distilbert-keyword", "hf-tensorboard/distilbert-keyword", "hf-tensorboard",
      "distilbert-classifier", "adamw", "healthy",
      "HF Trainer with report_to=['tensorboard'] (TensorBoardCallback: runs/<date>_<host>/events.* with "
      "train/loss, train/learning_rate, train/grad_norm, train/epoch, eval/loss, eval/runtime ..., plus "
      "'args' / 'model_config' text summaries). Tiny DistilBERT (2 layers, dim 64, num_labels=3) on the "
      "keyword task (24 tokens, 5% label noise), AdamW lr 2e-3, 30-step warmup + linear decay, batch 32, 400 "
      "steps, logging_steps=4, eval every 50: train/loss 1.10 -> ~0.17 (the label-noise floor), eval/loss "
      "0.23 -> 0.17.", num_classes=3, train="train/loss", evalk="eval/loss")
def _c(ctx):
    R.torch_setup(3108)
    x, y, V = R.keyword_cls(400 * 32, 3, 3108, seq_len=24, noise=0.05)
    xe, ye, _ = R.keyword_cls(512, 3, 3188, seq_len=24, noise=0.05)
    run = ctx.tmp / "hf-distilbert-tb"
    os.environ["TENSORBOARD_LOGGING_DIR"] = str(run / "runs" / "Jun15_10-00-00_lrkit-corpus")
    try:
        hf_train(distilbert(V, 3, seed=3108), R.cls_rows(x, y), R.cls_rows(xe, ye), run, max_steps=400,
                 learning_rate=2e-3, warmup_steps=30, lr_scheduler_type="linear", logging_steps=4,
                 eval_strategy="steps", eval_steps=50, per_device_train_batch_size=32, report_to=["tensorboard"],
                 seed=3108)
    finally:
        del os.environ["TENSORBOARD_LOGGING_DIR"]
    d = dest("hf-tensorboard/distilbert-keyword")
    shutil.copytree(run / "runs", d / "runs", dirs_exist_ok=True)
    R.rename_event_files(d)


@case("fresh-kcsv-wine-nadam-short", "keras-csvlogger/wine-nadam-30-epochs.csv", "keras-csvlogger",
      "mlp-classifier", "nadam", "healthy",
      "keras.callbacks.CSVLogger (epoch,accuracy,loss,val_accuracy,val_loss). MLP 13-32-3 on sklearn wine "
      "(130 training rows), Keras Nadam lr 2e-3, batch 16, 30 epochs: a short, clean epoch-level descent.",
      num_classes=3, child="keras", train="loss", evalk="val_loss")
def _c(ctx):
    keras = R.keras_setup(3109)
    xtr, ytr, xte, yte = wine_np()
    m = R.keras_cls_model(keras, (32,), d_in=13, classes=3)
    m.compile(optimizer=keras.optimizers.Nadam(2e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=30, batch_size=16, verbose=0,
          callbacks=[keras.callbacks.CSVLogger(str(dest("keras-csvlogger/wine-nadam-30-epochs.csv")))])


@case("fresh-ktb-conv1d-adamax", "keras-tensorboard/conv1d-waves-adamax", "keras-tensorboard", "cnn1d-waveforms",
      "adamax", "healthy",
      "keras.callbacks.TensorBoard(update_freq=5): train/ (batch_loss = Keras 3's running mean of the epoch so "
      "far, epoch_loss, epoch_learning_rate) and validation/. Conv1D(16,5)-MaxPool-Conv1D(32,5)-GAP-Dense(4) on "
      "noisy waveforms (sine/square/triangle/sawtooth, 1,200 rows), Keras Adamax lr 3e-3, batch 32, 25 epochs: "
      "batch_loss 1.38 -> 0.51, validation epoch_loss (written every 5th epoch) 1.03 -> 0.48.",
      num_classes=4, child="keras", train="train|", evalk="validation|")
def _c(ctx):
    keras = R.keras_setup(3110)
    xtr, ytr, xte, yte = waves_np(seed=3110)
    m = keras.Sequential([keras.Input((64, 1)), keras.layers.Conv1D(16, 5, padding="same", activation="relu"),
                          keras.layers.MaxPooling1D(2), keras.layers.Conv1D(32, 5, padding="same", activation="relu"),
                          keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(4)])
    m.compile(optimizer=keras.optimizers.Adamax(3e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    d = dest("keras-tensorboard/conv1d-waves-adamax")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=25, batch_size=32, verbose=0,
          callbacks=[keras.callbacks.TensorBoard(str(d), update_freq=5)])
    R.rename_event_files(d)


@case("fresh-wb-mf-adagrad", "wandb-csv/mf-adagrad.csv", "wandb-csv", "matrix-factorization", "adagrad", "healthy",
      "Matrix factorisation (user/item embeddings dim 8 + biases) on 12,000 synthetic rank-4 ratings with "
      "noise 0.3, Adagrad lr 0.1, batch 256, 1500 steps, eval every 100; W&B run.history() CSV (_step, "
      "train/mse, val/mse, _runtime, _timestamp): train MSE from ~1.7 to ~0.065, val MSE 0.68 -> 0.137.", loss_key="train/mse",
      train="train/mse", evalk="val/mse")
def _c(ctx):
    recs, _ = plain("mf", 1500, "adagrad", 0.1, batch=256, eval_every=100, seed=3111)
    rows = wandb_rows(recs, {"loss": "train/mse", "eval_loss": "val/mse"}, "fresh-wb-mf-adagrad")
    R.write_wandb_csv(rows, dest("wandb-csv/mf-adagrad.csv"), index=True)


@case("fresh-tbcsv-wine-asgd-batch4", "tensorboard-csv/wine-logreg-asgd-batch4.csv", "tensorboard-csv",
      "logistic-regression", "asgd", "healthy",
      "TensorBoard 'download CSV' of the tag train/loss (Wall time,Step,Value; tensorboard's own ScalarsPlugin "
      "CSV output, reservoir-sampled to 1,000 of the 1,500 points as the dashboard serves it). Softmax "
      "regression on sklearn wine, torch ASGD lr 0.02, batch 4 (very noisy), 1500 steps: a noisy descent from "
      "~1.2 to ~0.04.", num_classes=3, loss_key="Value", train="Value")
def _c(ctx):
    recs, _ = plain("logreg-wine", 1500, "asgd", 0.02, batch=4, seed=3112)
    write_tb_csv_export(recs, dest("tensorboard-csv/wine-logreg-asgd-batch4.csv"), "loss", "train/loss", ctx.tmp)


@case("fresh-pl-conv1d-adadelta", "lightning-csv/conv1d-waves-adadelta", "lightning-csv", "cnn1d-waveforms",
      "adadelta", "healthy",
      "Lightning CSVLogger. Conv1d 1-16-32 + global average pooling on noisy waveforms (4 classes), torch "
      "Adadelta lr 1.0 (its default), batch 32, 15 epochs (570 steps), log_every_n_steps=3, val each epoch: "
      "a slow, steady descent (train 1.36 -> ~0.53, val 1.22 -> 0.42).",
      num_classes=4, train="train_loss_step", evalk="val_loss")
def _c(ctx):
    pl_fit("lightning-csv/conv1d-waves-adadelta", "waves", 15, "adadelta", 1.0, batch=32, log_every=3, seed=3113)


@case("fresh-csv-mlp-epoch-batch-one-blip", "generic-csv/mlp-epoch-batch-loss.csv", "generic-csv",
      "mlp-classifier", "momentum", "healthy",
      "Digits MLP 64-128-10, SGD momentum 0.9 lr 0.03 with step decay (x0.3 every 300 steps), batch 16, 900 "
      "steps; columns epoch,batch,loss where batch is the index WITHIN the epoch (0..89, restarting every "
      "epoch; no global step column). One label of the 16 in the batch of step 400 is wrong: a single "
      "one-step blip, training unaffected.", num_classes=10, train="loss", inject=[400])
def _c(ctx):
    import torch
    R.torch_setup(3114)
    Tk = make_task("mlp-digits", 3114, batch=16)
    o = make_opt(Tk.model.parameters(), "momentum", 0.03)
    g = torch.Generator().manual_seed(3114)

    def one_wrong(xb, yb):
        yb = yb.clone()
        yb[0] = (yb[0] + torch.randint(1, 10, (1,), generator=g)) % 10
        return xb, yb
    recs = R.run_records(Tk, o, 900, R.sched("step", 0.03, 900, every=300, gamma=0.3), 0, None, {400: one_wrong})
    spe = math.ceil(1437 / 16)
    for r in recs:
        r["batch"] = r["step"] % spe
        r["epoch"] = r["step"] // spe
    write_csv(recs, dest("generic-csv/mlp-epoch-batch-loss.csv"), {"epoch": "epoch", "batch": "batch", "loss": "loss"},
              fmt="%.5f")


# ---------------------------------------------------------------------------------------------- diverged

@case("fresh-tbs-poly-sgd-inf", "tensorboard-add-scalars/poly-sgd-lr-too-high", "tensorboard-add-scalars",
      "polynomial-regression", "sgd", "diverged",
      "Polynomial regression (x..x^7 standardised; strongly correlated features), plain SGD lr 0.5 (above "
      "2/lambda_max), batch 32: the MSE grows geometrically to inf and then NaN; add_scalars('mse', "
      "{'train', 'val'}).", loss_key="mse", train="mse_train", evalk="mse_val")
def _c(ctx):
    recs, _ = plain("poly", 300, "sgd", 0.5, batch=32, eval_every=25, tkw=dict(degree=7, noise=0.05), seed=3201)
    write_tb_add_scalars(recs, dest("tensorboard-add-scalars/poly-sgd-lr-too-high"),
                         {"mse": {"loss": "train", "eval_loss": "val"}})


@case("fresh-mlf-cnn-adamax-lr-jump-collapse", mlrun("fresh-mlf-cnn-adamax-lr-jump-collapse", "cnn-adamax-lr-jump"),
      "mlflow", "cnn", "adamax", "diverged",
      "CNN on digits, torch Adamax lr 2e-3 for 300 steps (loss ~0.1), then a schedule bug sets lr 0.5 for the "
      "remaining 400 steps: the ReLUs die and the loss sits at ln 10 = 2.30 (chance) to the end.",
      num_classes=10, train="train_loss", evalk="val_loss")
def _c(ctx):
    recs, _ = plain("cnn-digits", 700, "adamax", 2e-3, batch=32, eval_every=50, skw=dict(jumps={(300, 700): 0.5}),
                    seed=3202)
    mlflow_case(ctx.case, recs, {"loss": "train_loss", "eval_loss": "val_loss", "lr": "lr"},
                {"lr": 2e-3, "optimizer": "Adamax"})


@case("fresh-kcsv-regmlp-nadam-lr-jump", "keras-csvlogger/regmlp-nadam-lr-jump.csv", "keras-csvlogger",
      "mlp-regression", "nadam", "diverged",
      "Keras CSVLogger (epoch,learning_rate,loss,val_loss). ReLU MLP 1-64-64-1 fitting sin(2x)+0.1x^2, Keras "
      "Nadam lr 2e-3 for 15 epochs (MSE 0.54 -> 0.07), then a LearningRateScheduler bug sets lr 20 from epoch "
      "15 on: the epoch MSE jumps to ~1e14 and then sits at ~7.8e4 (val too) for the remaining 24 epochs, "
      "never coming back.", child="keras", train="loss", evalk="val_loss")
def _c(ctx):
    keras = R.keras_setup(3203)
    xtr, ytr, xte, yte = R.kfunc(seed=3203)
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(64, activation="relu"),
                          keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.Nadam(2e-3), loss="mse")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=40, batch_size=32, verbose=0,
          callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: 2e-3 if e < 15 else 20.0),
                     keras.callbacks.CSVLogger(str(dest("keras-csvlogger/regmlp-nadam-lr-jump.csv")))])


@case("fresh-hf-llama-lr-jump-blowup", "hf-trainer/llama-lr-jump", "hf-trainer", "llama-lm", "adamw", "diverged",
      "HF Trainer, tiny Llama (2 layers, d 64), AdamW lr 3e-3 (20-step warmup) for 150 steps (loss ~2.5), then "
      "a LambdaLR bug multiplies the lr by 1000 (3.0) with no clipping (max_grad_norm=0) for the last 150 "
      "steps: the loss jumps to ~1,500 and is still ~190 at the end, far above its 4.15 start; eval_loss "
      "2.48 -> 841 -> 267.", train="loss", evalk="eval_loss")
def _c(ctx):
    import torch
    R.torch_setup(3204)
    _, _, V = R.shakespeare()
    m = llama(V, seed=3204)
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3)
    sch = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 20) if s < 150 else 1000.0)
    run = ctx.tmp / "hf-llama-jump"
    tr = hf_train(m, lm_ds(lm_windows(300 * 16, 3204)), lm_ds(lm_windows(64, 77, "val")), run, optimizer=opt,
                  scheduler=sch, max_steps=300, learning_rate=3e-3, max_grad_norm=0.0, logging_steps=2,
                  eval_strategy="steps", eval_steps=50, save_strategy="steps", save_steps=150, seed=3204)
    R.hf_keep(run, "hf-trainer/llama-lr-jump", save_model=False, save_state=False, tr=tr)


@case("fresh-pltb-gru-adding-momentum-nan", "lightning-tensorboard/gru-adding-momentum-nan",
      "lightning-tensorboard", "rnn-adding-problem", "momentum", "diverged",
      "Lightning TensorBoardLogger. GRU(32) on the adding problem, SGD momentum 0.9 constant lr 3 (absurd), "
      "no clipping, batch 64, 4 epochs: the MSE explodes within the first steps and is then inf / NaN.",
      train="train_loss_step", evalk="val_loss")
def _c(ctx):
    pl_fit("lightning-tensorboard/gru-adding-momentum-nan", "adding", 4, "momentum", 3.0, batch=64, logger="tb",
           seed=3205)


# ---------------------------------------------------------------------------------------------- stagnation

@case("fresh-wbj-mlp-adadelta-tiny-lr", "wandb-jsonl/mlp-adadelta-lr-1e-4.jsonl", "wandb-jsonl", "mlp-classifier",
      "adadelta", "stagnation",
      "Digits MLP 64-128-10, torch Adadelta lr 1e-4 (its default is 1.0), batch 32, 700 steps: the loss stays "
      "at its initial ~2.3.", num_classes=10, train="train/loss", evalk="val/loss")
def _c(ctx):
    recs, _ = plain("mlp-digits", 700, "adadelta", 1e-4, batch=32, eval_every=70, seed=3301)
    rows = wandb_rows(recs, {"loss": "train/loss", "eval_loss": "val/loss"}, "fresh-wbj-mlp-adadelta-tiny-lr")
    write_jsonl(rows, dest("wandb-jsonl/mlp-adadelta-lr-1e-4.jsonl"))


@case("fresh-ktb-cnn-lion-1e-7", "keras-tensorboard/cnn-lion-1e-7", "keras-tensorboard", "cnn", "lion",
      "stagnation",
      "Keras TensorBoard callback, update_freq=3. Conv2D 16-32 + Dense on 8x8 digits, Keras Lion lr 1e-7 (every "
      "weight moves by 1e-7 per step), batch 32, 15 epochs: the loss does not move.", num_classes=10,
      child="keras", train="train|", evalk="validation|")
def _c(ctx):
    keras = R.keras_setup(3302)
    xtr, ytr, xte, yte = [a for a in R.kdigits(image=True)]
    m = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
                          keras.layers.Conv2D(32, 3, padding="same", activation="relu"), keras.layers.MaxPooling2D(),
                          keras.layers.Flatten(), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])
    m.compile(optimizer=keras.optimizers.Lion(1e-7),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    d = dest("keras-tensorboard/cnn-lion-1e-7")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=15, batch_size=32, verbose=0,
          callbacks=[keras.callbacks.TensorBoard(str(d), update_freq=3)])
    R.rename_event_files(d)


@case("fresh-hf-distilbert-1e-7", "hf-trainer/distilbert-lr-1e-7", "hf-trainer", "distilbert-classifier", "adamw",
      "stagnation",
      "HF Trainer, tiny DistilBERT (num_labels=4) on the keyword task, AdamW lr 1e-7 with linear decay, batch "
      "16, 300 steps, logging_steps=2, eval every 50: the loss stays at ~ln 4 = 1.39.", num_classes=4,
      train="loss", evalk="eval_loss")
def _c(ctx):
    R.torch_setup(3303)
    x, y, V = R.keyword_cls(300 * 16, 4, 3303, seq_len=24)
    xe, ye, _ = R.keyword_cls(256, 4, 3383, seq_len=24)
    run = ctx.tmp / "hf-distilbert-stalled"
    tr = hf_train(distilbert(V, 4, seed=3303), R.cls_rows(x, y), R.cls_rows(xe, ye), run, max_steps=300,
                  learning_rate=1e-7, lr_scheduler_type="linear", logging_steps=2, eval_strategy="steps",
                  eval_steps=50, save_strategy="steps", save_steps=150, seed=3303)
    R.hf_keep(run, "hf-trainer/distilbert-lr-1e-7", save_model=True, save_state=True, tr=tr)


@case("fresh-csv-poly-asgd-tiny-lr", "generic-csv/poly-asgd-lr-2e-6.csv", "generic-csv", "polynomial-regression",
      "asgd", "stagnation",
      "Polynomial regression (x..x^5) of sin(pi x), torch ASGD lr 2e-6 (far too small), batch 32, 800 steps; "
      "columns step,train_mse,val_mse: the (noisy) train MSE stays at ~1.9 and the val MSE goes 2.50 -> 2.47.", loss_key="train_mse",
      train="train_mse", evalk="val_mse")
def _c(ctx):
    recs, _ = plain("poly", 800, "asgd", 2e-6, batch=32, eval_every=50, tkw=dict(fn="sin"), seed=3304)
    write_csv(recs, dest("generic-csv/poly-asgd-lr-2e-6.csv"),
              {"step": "step", "loss": "train_mse", "eval_loss": "val_mse"})


# ---------------------------------------------------------------------------------------------- oscillation

@case("fresh-jsonl-regmlp-nadam-const-bounce", "generic-jsonl/regmlp-nadam-constant-high.jsonl", "generic-jsonl",
      "mlp-regression", "nadam", "oscillation",
      "Tanh MLP 1-64-64-1 fitting sin(2x)+0.1x^2, torch NAdam lr 0.03 (too high) reached by a 30-step linear "
      "warmup and then held constant (no decay), batch 32, 1200 steps: from step ~100 to the end the MSE "
      "bounces between ~0.005 and 0.2-1 (one burst to ~24) with no downward trend (decile medians "
      "0.03-0.10); val MSE swings 0.012..0.3.", loss_key="mse", train="mse", evalk="val_mse")
def _c(ctx):
    recs, _ = plain("regmlp", 1200, "nadam", 0.03, warmup=30, batch=32, eval_every=100, tkw=dict(fn="sin"),
                    seed=3401)
    write_jsonl(renamed(recs, {"step": "step", "loss": "mse", "lr": "lr", "eval_loss": "val_mse"}),
                dest("generic-jsonl/regmlp-nadam-constant-high.jsonl"))


@case("fresh-pl-regmlp-adamax-const-bounce", "lightning-csv/regmlp-adamax-constant-high", "lightning-csv",
      "mlp-regression", "adamax", "oscillation",
      "Lightning CSVLogger. Tanh MLP 1-64-64-1 fitting sin(2x)+0.1x^2, torch Adamax lr 0.3 (too high) after a "
      "30-step linear warmup, then constant (no decay), batch 32 (16 steps/epoch), 75 epochs = 1200 steps, "
      "val each epoch: from step ~120 to the end the MSE bounces between ~0.002 and 0.2-1.5 with no downward "
      "trend (thirds' medians 0.041 / 0.036 / 0.035); val_loss swings 0.007..0.27.", train="train_loss_step",
      evalk="val_loss")
def _c(ctx):
    pl_fit("lightning-csv/regmlp-adamax-constant-high", "regmlp", 75, "adamax", 0.3, "constant", warmup=30, batch=32,
           tkw=dict(fn="sin", data_seed=9), seed=3423)


@case("fresh-mlf-regmlp-radam-const-bounce", mlrun("fresh-mlf-regmlp-radam-const-bounce", "regmlp-radam-const"),
      "mlflow", "mlp-regression", "radam", "oscillation",
      "Tanh MLP 1-64-64-1 fitting sin(2x)+0.1x^2, torch RAdam constant lr 0.1 (too high, no decay; RAdam's "
      "rectification keeps the first steps calm), batch 32, 1200 steps, metrics train_loss / val_loss: after "
      "~120 steps the MSE bounces between ~0.002 and 0.1-0.47 with no downward trend (decile medians "
      "0.01-0.06, the last ones the highest); val MSE swings 0.003..0.027.", train="train_loss",
      evalk="val_loss")
def _c(ctx):
    recs, _ = plain("regmlp", 1200, "radam", 0.1, batch=32, eval_every=100, tkw=dict(fn="sin"), seed=3403)
    mlflow_case(ctx.case, recs, {"loss": "train_loss", "eval_loss": "val_loss"}, {"lr": 0.1, "optimizer": "RAdam"})


@case("fresh-tb-poly-radam-slow-swings", "tensorboard/poly-radam-lr0.3-constant", "tensorboard",
      "polynomial-regression", "radam", "oscillation",
      "torch SummaryWriter (train/mse, val/mse). Polynomial regression (x..x^5, noise 0.01), torch RAdam "
      "constant lr 0.3 (too high, no decay), batch 32, 2000 steps: the MSE reaches ~1e-4 and then repeatedly "
      "swings up by two to three orders of magnitude (to ~0.02-0.3) and back over 100-200 steps, again and "
      "again to the end; val MSE 1e-4 .. 0.5.", loss_key="train/mse", train="train/mse", evalk="val/mse")
def _c(ctx):
    recs, _ = plain("poly", 2000, "radam", 0.3, batch=32, eval_every=100, tkw=dict(degree=5, noise=0.01), seed=3404)
    write_tb(recs, dest("tensorboard/poly-radam-lr0.3-constant"), {"loss": "train/mse", "eval_loss": "val/mse"})


# ---------------------------------------------------------------------------------------------- overfitting

@case("fresh-tbs-poly-deg12-overfit", "tensorboard-add-scalars/poly-degree12-overfit", "tensorboard-add-scalars",
      "polynomial-regression", "adam", "overfitting",
      "Polynomial regression with features x..x^12 on only 16 noisy points (noise 0.3) of sin(pi x), Adam lr "
      "3e-3 constant, full batch, 3000 steps, val on 200 points every 25 steps; add_scalars('loss', {'train', "
      "'val'}): the train MSE falls from 0.89 to 0.054 while the val MSE bottoms out at 0.237 (step 250) and "
      "then rises steadily to 2.7.",
      train="loss_train", evalk="loss_val")
def _c(ctx):
    recs, _ = plain("poly", 3000, "adam", 0.003, batch=16, eval_every=25,
                    tkw=dict(n=16, degree=12, noise=0.3, fn="sin"), seed=3501)
    write_tb_add_scalars(recs, dest("tensorboard-add-scalars/poly-degree12-overfit"),
                         {"loss": {"loss": "train", "eval_loss": "val"}})


@case("fresh-hf-llama-overfit", "hf-trainer/llama-overfit-24-windows", "hf-trainer", "llama-lm", "adamw",
      "overfitting",
      "HF Trainer, tiny Llama (2 layers, d 64) trained on only 24 windows of 64 chars (2 batches/epoch), AdamW "
      "lr 3e-3 constant, 300 steps, logging_steps=2, eval on 64 held-out windows every 10 steps: eval_loss "
      "bottoms out early and climbs far above it while the train loss keeps falling.", train="loss",
      evalk="eval_loss")
def _c(ctx):
    R.torch_setup(3502)
    _, _, V = R.shakespeare()
    run = ctx.tmp / "hf-llama-overfit"
    tr = hf_train(llama(V, seed=3502), lm_ds(lm_windows(24, 3502)), lm_ds(lm_windows(64, 77, "val")), run,
                  max_steps=300, learning_rate=3e-3, lr_scheduler_type="constant", logging_steps=2,
                  per_device_train_batch_size=12, eval_strategy="steps", eval_steps=10, save_strategy="steps",
                  save_steps=100, save_total_limit=1, seed=3502)
    R.hf_keep(run, "hf-trainer/llama-overfit-24-windows", save_model=False, save_state=True, tr=tr)


@case("fresh-ktb-mlp-nadam-overfit", "keras-tensorboard/mlp-nadam-60-samples", "keras-tensorboard",
      "mlp-classifier", "nadam", "overfitting",
      "Keras TensorBoard callback, epoch-level (train/ and validation/ epoch_loss). Digits MLP 64-256-256-10 on "
      "only 60 digits, Keras Nadam lr 3e-3, batch 15, 120 epochs, validation on 360 digits: val epoch_loss "
      "bottoms out early and rises steadily while the train loss -> ~0.", num_classes=10, child="keras",
      train="train|", evalk="validation|")
def _c(ctx):
    keras = R.keras_setup(3503)
    xtr, ytr, xte, yte = R.kdigits(60)
    m = R.keras_cls_model(keras, (256, 256))
    m.compile(optimizer=keras.optimizers.Nadam(3e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    d = dest("keras-tensorboard/mlp-nadam-60-samples")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=120, batch_size=15, verbose=0,
          callbacks=[keras.callbacks.TensorBoard(str(d))])
    R.rename_event_files(d)


@case("fresh-pl-multilabel-adamax-overfit", "lightning-csv/multilabel-adamax-120-rows", "lightning-csv",
      "multilabel-classifier", "adamax", "overfitting",
      "Lightning CSVLogger. MLP 30-512-512-8 on only 120 rows of the multi-label set, BCE with logits, torch "
      "Adamax lr 3e-3, batch 20, 150 epochs (900 steps), val on 400 rows each epoch: train BCE -> ~0 while "
      "val_loss bottoms out early and then rises for the rest of the run.", train="train_loss_step",
      evalk="val_loss")
def _c(ctx):
    pl_fit("lightning-csv/multilabel-adamax-120-rows", "multilabel", 150, "adamax", 3e-3, batch=20,
           tkw=dict(n=120, hidden=(512, 512)), log_every=5, seed=3504)


@case("fresh-wb-conv1d-overfit", "wandb-csv/conv1d-waves-60-rows.csv", "wandb-csv", "cnn1d-waveforms", "adam",
      "overfitting",
      "Conv1d 1-32-64 + Dense 128 on only 60 very noisy waveforms (noise 1.0), Adam lr 3e-3 constant, batch "
      "15, 1000 steps, val on 400 rows every 25 steps; W&B run.history() CSV without the index column: the "
      "train loss -> ~0 while the val loss bottoms out and rises.", num_classes=4, train="train/loss",
      evalk="val/loss")
def _c(ctx):
    recs, _ = plain("waves", 1000, "adam", 3e-3, batch=15, eval_every=25,
                    tkw=dict(n=60, noise=1.0, width=(32, 64), fc=128), seed=3505)
    rows = wandb_rows(recs, {"loss": "train/loss", "eval_loss": "val/loss", "eval_acc": "val/acc"},
                      "fresh-wb-conv1d-overfit")
    R.write_wandb_csv(rows, dest("wandb-csv/conv1d-waves-60-rows.csv"), index=False)


# ---------------------------------------------------------------------------------------------- warmup

@case("fresh-hf-llama-no-warmup", "hf-trainer/llama-adamw-lr0.1-no-warmup", "hf-trainer", "llama-lm", "adamw",
      "warmup",
      "HF Trainer, tiny Llama (2 layers, d 64), AdamW lr 0.1 from step 0 (warmup_steps=0) with cosine decay, no "
      "clipping, batch 16, 300 steps, logging_steps=1, eval every 50: the loss climbs from 4.19 to 6.9 by step "
      "6, is back below the start by step 12 and then trains normally to ~3.1.", train="loss", evalk="eval_loss")
def _c(ctx):
    R.torch_setup(3601)
    _, _, V = R.shakespeare()
    run = ctx.tmp / "hf-llama-nowarm"
    tr = hf_train(llama(V, seed=3601), lm_ds(lm_windows(300 * 16, 3601)), lm_ds(lm_windows(64, 77, "val")), run,
                  max_steps=300, learning_rate=0.1, warmup_steps=0, lr_scheduler_type="cosine", max_grad_norm=0.0,
                  logging_steps=1, eval_strategy="steps", eval_steps=50, save_strategy="steps", save_steps=300,
                  seed=3601)
    R.hf_keep(run, "hf-trainer/llama-adamw-lr0.1-no-warmup", save_model=False, save_state=False, tr=tr)


@case("fresh-mlf-cnn-nadam-no-warmup", mlrun("fresh-mlf-cnn-nadam-no-warmup", "cnn-nadam-no-warmup"), "mlflow",
      "cnn", "nadam", "warmup",
      "CNN on digits, torch NAdam lr 0.05 from step 0 (no warmup) with cosine decay, batch 32, 300 steps: the "
      "loss jumps from 2.29 to 9.8 at step 1 (and 3.3 at step 7), sits near ln 10 for ~30 steps, then trains "
      "normally to ~0.005; val 0.67 -> 0.038.",
      num_classes=10, train="train_loss", evalk="val_loss")
def _c(ctx):
    recs, _ = plain("cnn-digits", 300, "nadam", 0.05, "cosine", batch=32, eval_every=50, seed=3602)
    mlflow_case(ctx.case, recs, {"loss": "train_loss", "eval_loss": "val_loss", "lr": "lr"},
                {"lr": 0.05, "warmup_steps": 0, "optimizer": "NAdam"})


@case("fresh-ktb-regmlp-adamax-no-warmup", "keras-tensorboard/regmlp-adamax-no-warmup", "keras-tensorboard",
      "mlp-regression", "adamax", "warmup",
      "Keras TensorBoard callback, update_freq=1 (batch_loss = running mean of the epoch so far). ReLU MLP "
      "1-128-128-1 fitting sin(2x)+0.1x^2, Keras Adamax lr 0.2 from step 0 under CosineDecay over 40 epochs, "
      "batch 32: the first batches blow the loss up by orders of magnitude (batch_loss 0.53 -> 1,991 at step 2), "
      "then it recovers and trains to ~0.0035.",
      child="keras", train="train|", evalk="validation|")
def _c(ctx):
    keras = R.keras_setup(3603)
    xtr, ytr, xte, yte = R.kfunc(seed=3603)
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(128, activation="relu"),
                          keras.layers.Dense(128, activation="relu"), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.Adamax(keras.optimizers.schedules.CosineDecay(0.2, 40 * 16)), loss="mse")
    d = dest("keras-tensorboard/regmlp-adamax-no-warmup")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=40, batch_size=32, verbose=0,
          callbacks=[keras.callbacks.TensorBoard(str(d), update_freq=1)])
    R.rename_event_files(d)


@case("fresh-pltb-huber-nadam-no-warmup", "lightning-tensorboard/huber-nadam-no-warmup", "lightning-tensorboard",
      "huber-regression", "nadam", "warmup",
      "Lightning TensorBoardLogger. ReLU MLP 10-256-256-1 with a Huber loss (noisy regression, no outliers), torch NAdam lr 0.05 from step 0 (no "
      "warmup) with cosine decay, batch 32, 25 epochs (1175 steps): the loss rises far above its start in the "
      "first steps (0.40 -> 30.8 at step 3), is back below the start within ~10 steps and then trains normally "
      "to ~0.008.", train="train_loss_step", evalk="val_loss")
def _c(ctx):
    pl_fit("lightning-tensorboard/huber-nadam-no-warmup", "huber", 25, "nadam", 0.05, "cosine", batch=32,
           tkw=dict(hidden=(256, 256), outliers=0.0, noise=20.0), logger="tb", seed=3604)


# ---------------------------------------------------------------------------------------------- spikes

@case("fresh-tb-bigram-reencoded-batches", "tensorboard/bigram-reencoded-batches", "tensorboard", "char-bigram",
      "adagrad", "spikes",
      "torch SummaryWriter (Loss/train, Loss/validation). Char bigram model, Adagrad lr 0.5, batch 32 windows, "
      "1500 steps; the batches of steps 400, 800 and 1200 are text re-encoded through a random character "
      "permutation (a corrupt shard): on a very smooth curve (~2.45 +- 3%) the loss jumps to 6.8-7.7 at exactly "
      "those steps and is back at once.", train="Loss/train", evalk="Loss/validation", inject=[400, 800, 1200])
def _c(ctx):
    recs, _ = plain("bigram", 1500, "adagrad", 0.5, batch=32, eval_every=100,
                    inject={s: ("labels", None) for s in (400, 800, 1200)}, seed=3701)
    write_tb(recs, dest("tensorboard/bigram-reencoded-batches"), {"loss": "Loss/train", "eval_loss": "Loss/validation"})


@case("fresh-csv-huber-scaled-targets", "generic-csv/huber-radam-bad-targets.csv", "generic-csv",
      "huber-regression", "radam", "spikes",
      "ReLU MLP 10-64-1 with a Huber loss on a noisy regression set, torch RAdam lr 2e-3 constant, batch 32, "
      "1200 steps; the batches of "
      "steps 300, 600, 601 and 900 have their targets multiplied by 30 (a unit bug in a shard): the loss "
      "jumps >10x at exactly those steps and recovers right after; columns it,huber.", loss_key="huber",
      train="huber", inject=[300, 600, 601, 900])
def _c(ctx):
    recs, _ = plain("huber", 1200, "radam", 2e-3, batch=32, tkw=dict(outliers=0.0, noise=20.0),
                    inject={s: ("targets", 30.0) for s in (300, 600, 601, 900)}, seed=3702)
    write_csv(recs, dest("generic-csv/huber-radam-bad-targets.csv"), {"step": "it", "loss": "huber"}, fmt="%.6g")


@case("fresh-hf-llama-reencoded-batches", "hf-trainer/llama-bad-batches", "hf-trainer", "llama-lm", "adamw",
      "spikes",
      "HF Trainer, tiny Llama (2 layers, d 64), AdamW lr 3e-3 with 20-step warmup + cosine, batch 16, 400 "
      "steps, logging_steps=1, sequential sampler; the windows of steps 120, 220 and 320 are re-encoded "
      "through a character permutation: on a smooth curve the loss jumps from ~2.4 to 6.0-6.7 at exactly those "
      "steps and recovers at once.",
      train="loss", evalk="eval_loss", inject=[120, 220, 320])
def _c(ctx):
    import torch
    R.torch_setup(3703)
    _, _, V = R.shakespeare()
    w = lm_windows(400 * 16, 3703)
    g = torch.Generator().manual_seed(3703)
    for s in (120, 220, 320):          # HF global_step s trains on rows (s-1)*16 .. s*16 (sequential sampler)
        perm = torch.randperm(V, generator=g)
        w[(s - 1) * 16:s * 16] = perm[w[(s - 1) * 16:s * 16]]
    run = ctx.tmp / "hf-llama-spikes"
    tr = hf_train(llama(V, seed=3703), lm_ds(w), lm_ds(lm_windows(64, 77, "val")), run, max_steps=400,
                  learning_rate=3e-3, warmup_steps=20, lr_scheduler_type="cosine", logging_steps=1,
                  eval_strategy="steps", eval_steps=100, save_strategy="steps", save_steps=200,
                  train_sampling_strategy="sequential", seed=3703)
    R.hf_keep(run, "hf-trainer/llama-bad-batches", save_model=False, save_state=False, tr=tr)


@case("fresh-pltb-multilabel-scaled-batches", "lightning-tensorboard/multilabel-nadam-bad-batches",
      "lightning-tensorboard", "multilabel-classifier", "nadam", "spikes",
      "Lightning TensorBoardLogger. MLP 30-128-8 on the multi-label set, BCE with logits, torch NAdam lr 2e-3 "
      "constant, batch 32, 12 epochs (756 steps); the batches of global steps 200, 400, 401 and 600 have "
      "their inputs x25: the loss jumps at exactly those steps and recovers within a few steps.",
      train="train_loss_step", evalk="val_loss", inject=[200, 400, 401, 600])
def _c(ctx):
    pl_fit("lightning-tensorboard/multilabel-nadam-bad-batches", "multilabel", 12, "nadam", 2e-3, batch=32,
           inject={s: ("scale", 25.0) for s in (200, 400, 401, 600)}, logger="tb", seed=3704)


# ==============================================================================================
# Reading back and checking
# ==============================================================================================

def read(c) -> dict:
    """{series: [(step, value)]} as this script's throw-away readers see the case's files."""
    p = OUT / c["path"]
    fmt = c["fmt"]
    if fmt in ("tensorboard-add-scalars", "lightning-tensorboard", "hf-tensorboard"):
        return R.read_series(p, "tensorboard")
    if fmt == "tensorboard-csv":
        with open(p, newline="") as fh:
            rows = list(csv.DictReader(fh))
        return {"Value": [(int(r["Step"]), float(r["Value"])) for r in rows]}
    if c["name"] == "fresh-csv-mlp-epoch-batch-one-blip":       # epoch,batch: the global step is the row index
        with open(p, newline="") as fh:
            rows = list(csv.DictReader(fh))
        return {"loss": [(i, float(r["loss"])) for i, r in enumerate(rows)]}
    if fmt in ("keras-csvlogger",):
        return R.read_series(p, "generic-csv")
    return R.read_series(p, fmt)


def pick(series, key):
    if key is None:
        return None, None
    ks = [k for k in series if k == key] or [k for k in series if key in k and ("loss" in k or key == k or "|" in key
                                                                                 or "_" in key or "/" in key)]
    ks = [k for k in ks if not k.endswith(("runtime", "per_second"))]
    if key.endswith("|"):                          # Keras: prefer batch_loss, else epoch_loss
        ks = sorted(ks, key=lambda k: (("batch_loss" not in k), ("epoch_loss" not in k), k))
        ks = [k for k in ks if k.endswith(("batch_loss", "epoch_loss"))]
    return (ks[0], series[ks[0]]) if ks else (None, None)


def _med(v):
    v = sorted(v)
    return v[len(v) // 2] if v else float("nan")


def check(c) -> tuple[bool, str]:
    """Label-specific checks of the main training / eval curves (the construction is the label; these say
    whether the numbers clearly show it).  Coarse and independent of LRKit."""
    s = read(c)
    tk, tr = pick(s, c["train"])
    ek, ev = pick(s, c["evalk"])
    if not tr:
        return False, f"no training series for {c['train']!r} in {sorted(s)}"
    vals = [v for _, v in tr]
    fin = [v for v in vals if math.isfinite(v)]
    n = len(vals)
    k = max(1, n // 20)
    head = _med(fin[:k])
    tail = _med([v for v in vals[-max(1, n // 10):] if math.isfinite(v)]) if fin else float("nan")
    nonfin = n - len(fin)
    first = vals[0]
    early = vals[:max(3, n // 15)]
    early_max = max((v for v in early if math.isfinite(v)), default=float("nan"))
    msg = [f"train={tk} n={n} first={first:.4g} head_med={head:.4g} tail_med={tail:.4g} nonfinite={nonfin} "
           f"early_max={early_max:.4g}"]
    ok = True
    e = c["expected"]
    evmin = evrise = None
    if ev:
        evf = [(st, v) for st, v in ev if math.isfinite(v)]
        if evf:
            i = min(range(len(evf)), key=lambda j: evf[j][1])
            evmin = evf[i]
            evrise = evf[-1][1] / evmin[1] - 1 if evmin[1] > 0 else float("nan")
            tail_ev = _med([v for _, v in evf[-max(1, len(evf) // 5):]])
            msg.append(f"eval={ek} n={len(ev)} min={evmin[1]:.4g}@{evmin[0]} (#{i + 1}/{len(evf)}) end={evf[-1][1]:.4g} "
                       f"rise_min_to_end={100 * evrise:+.0f}% tail20%_med_rise={100 * (tail_ev / evmin[1] - 1):+.0f}%")
    # a roughness measure: median over windows of 20 points of max/min (finite, positive values)
    win = 20 if n >= 200 else max(3, n // 10)
    ratios = []
    for a in range(n // 3, n - win + 1, win):
        w = [v for v in vals[a:a + win] if math.isfinite(v) and v > 0]
        if len(w) >= 3:
            ratios.append(max(w) / min(w))
    rough = _med(ratios) if ratios else float("nan")
    third = [_med([v for v in vals[i * n // 3:(i + 1) * n // 3] if math.isfinite(v)]) for i in range(3)]
    msg.append(f"thirds_med=[{third[0]:.3g} {third[1]:.3g} {third[2]:.3g}] roughness(last 2/3, window {win} max/min "
               f"median)={rough:.3g}")
    if e == "diverged":
        collapsed = fin and min(fin) < 0.5 * head and tail >= 0.9 * head
        ok = nonfin > 0 or tail > 10 * head or bool(collapsed) or (c["num_classes"] and abs(
            tail - math.log(c["num_classes"])) < 0.1 * math.log(c["num_classes"]) and min(fin) < 0.3 * tail)
    elif e == "stagnation":
        ok = nonfin == 0 and abs(tail / head - 1) < 0.1
    elif e == "oscillation":
        # no downward trend over the last two thirds, large bounces, nothing non-finite
        ok = nonfin == 0 and third[2] > 0.5 * third[1] and rough > 2.0 and tail < 10 * head
    elif e == "overfitting":
        ok = evrise is not None and evrise > 0.1 and evmin[0] < ev[-1][0] * 0.8 and tail < 0.5 * head
    elif e == "warmup":
        j = max(range(len(early)), key=lambda t: early[t] if math.isfinite(early[t]) else -1)
        ok = nonfin == 0 and early_max > 1.5 * first and tail < 0.9 * first
        msg.append(f"early peak {early_max / first:.3g}x the first value at point #{j}")
    elif e == "spikes":
        steps = [st for st, _ in tr]
        ok = nonfin == 0
        for s0 in c["inject"]:
            if s0 not in steps:
                ok = False
                msg.append(f"step {s0} not logged")
                continue
            i = steps.index(s0)
            pre = _med([v for v in vals[max(0, i - 15):i - 1]])
            post = _med([v for v in vals[i + 5:i + 20]])
            ratio = vals[i] / pre
            msg.append(f"@{s0}: {vals[i]:.3g} = {ratio:.3g}x the median of the 15 before, median after +5..+20 "
                       f"= {post / pre:.3g}x")
            ok = ok and ratio > 2.5 and post < 1.5 * pre
    elif e == "healthy":
        roll = [_med(vals[i:i + 5]) for i in range(0, max(1, len(early) - 4))]
        rise = max(roll) / max(_med(vals[:5]), _med(vals[:20]))     # against the early noise level
        msg.append(f"early rolling-median rise {rise:.3g}x")
        ok = nonfin == 0 and tail < 0.8 * max(head, first) and rise < 2 and (evrise is None or evrise < 0.1)
        if c.get("inject"):
            steps = [st for st, _ in tr]
            for s0 in c["inject"]:
                i = steps.index(s0)
                pre = _med(vals[max(0, i - 15):i - 1])
                msg.append(f"blip @{s0}: {vals[i] / pre:.3g}x the median of the 15 before")
    return ok, "\n    ".join(msg)


def summarize(c) -> str:
    out = [f"{c['name']} [{c['writer']}] {c['path']} -> {c['expected']}"
           + (f" (+{c['acceptable']})" if c.get("acceptable") else "")]
    try:
        s = read(c)
    except Exception as ex:  # noqa: BLE001
        return out[0] + f"\n  READ ERROR {ex!r}"
    for k in sorted(s):
        if any(w in k.lower() for w in ("loss", "mse", "nll", "lr", "learning_rate", "huber", "bce", "ce", "value")) \
                and "runtime" not in k and "per_second" not in k:
            out.append(R.fmt_series(k, s[k]))
    ok, msg = check(c)
    out.append(f"  CHECK {'ok' if ok else 'FAIL'}: {msg}")
    return "\n".join(out)


# ==============================================================================================
# Main
# ==============================================================================================

def label_entry(c) -> dict:
    e = {"name": c["name"], "path": c["path"], "writer": c["writer"], "task": c["task"],
         "optimizer": c["optimizer"], "expected": c["expected"]}
    if c["acceptable"]:
        e["acceptable"] = c["acceptable"]
    e.update({"reason": c["reason"], "split": "fresh", "num_classes": c["num_classes"], "loss_key": c["loss_key"]})
    return e


def write_labels():
    cases = sorted(REG, key=lambda c: c["path"])
    doc = {"generator": SCRIPT_REL, "versions": R.versions(),
           "split_rule": "every case is 'fresh': an independent held-out set, built without running lrkit",
           "cases": [label_entry(c) for c in cases]}
    (OUT / "labels.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def tables():
    from collections import Counter
    lines = []
    for key in ("expected", "writer", "task", "optimizer"):
        cnt = Counter(c[key] for c in REG)
        lines.append(f"by {key}: " + ", ".join(f"{k} {n}" for k, n in sorted(cnt.items(), key=lambda t: (-t[1], t[0]))))
    lines.append(f"all: {len(REG)}")
    return "\n".join(lines)


def select(only: str):
    if not only:
        return list(REG)
    import fnmatch
    pats = [p.strip() for p in only.split(",") if p.strip()]
    return [c for c in REG if any(fnmatch.fnmatch(c["name"], p if any(ch in p for ch in "*?[") else f"*{p}*")
                                  or c["writer"] == p for p in pats)]


def run_cases(cases, tmp: Path):
    for c in cases:
        t = time.time()
        print(f"-- {c['name']}", flush=True)
        c["fn"](types.SimpleNamespace(tmp=tmp, case=c))
        print(summarize(c), flush=True)
        print(f"   ({time.time() - t:.1f}s)", flush=True)


def main():
    global OUT
    ap = argparse.ArgumentParser(description="Generate the fresh held-out diagnose corpus (Corpus/fresh).")
    ap.add_argument("--only", default="", help="comma-separated case-name substrings / globs / writer names")
    ap.add_argument("--check", action="store_true", help="only print the summaries and checks of the existing files")
    ap.add_argument("--list", action="store_true", help="list the cases and the count tables")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--child", default="", help=argparse.SUPPRESS)
    ap.add_argument("--names", default="", help=argparse.SUPPRESS)
    a = ap.parse_args()
    OUT = Path(a.out).resolve()
    R.OUT = OUT
    if a.child:
        tmp = Path(tempfile.mkdtemp(prefix="corpus-fresh-child-"))
        os.chdir(tmp)
        names = set(a.names.split(","))
        run_cases([c for c in REG if c["name"] in names], tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        return
    if a.list:
        for c in sorted(REG, key=lambda c: c["path"]):
            print(f"{c['name']:<42} {c['expected']:<12} {c['writer']:<24} {c['task']:<22} {c['optimizer']}")
        print(tables())
        return
    if a.check:
        bad = []
        for c in select(a.only):
            print(summarize(c))
            if not check(c)[0]:
                bad.append(c["name"])
        print(tables())
        print("checks failed:", bad or "none")
        return
    t0 = time.time()
    cases = select(a.only)
    if not a.only and OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="corpus-fresh-"))
    os.chdir(tmp)  # HF records output_dir in its logs: keep it relative (stable)
    run_cases([c for c in cases if not c["child"]], tmp)
    child_cases = [c for c in cases if c["child"]]
    if child_cases:
        env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", CUDA_VISIBLE_DEVICES="",
                   TF_CPP_MIN_LOG_LEVEL="3", OMP_NUM_THREADS="1", TF_NUM_INTEROP_THREADS="1",
                   TF_NUM_INTRAOP_THREADS="1", XLA_FLAGS="--xla_cpu_multi_thread_eigen=false "
                   "intra_op_parallelism_threads=1", PYTHONHASHSEED="0")
        r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", "keras", "--out", str(OUT),
                            "--names", ",".join(c["name"] for c in child_cases)], env=env, cwd=tmp)
        if r.returncode != 0:
            raise SystemExit("keras child failed")
    write_labels()
    os.chdir(REPO)
    shutil.rmtree(tmp, ignore_errors=True)
    size = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    bad = [c["name"] for c in cases if not check(c)[0]]
    print(tables())
    print(f"{len(cases)} cases run in {time.time() - t0:.0f}s; corpus {size / 1e6:.2f} MB; checks failed: "
          f"{bad or 'none'}")


if __name__ == "__main__":
    main()
