#!/usr/bin/env python3
"""Labelled corpus of REAL training runs for validating `lrkit diagnose` (Tests/LRDiagnosticsTests/Corpus/real/).

Run by hand, never by CI.  Every case is a real, tiny training run on the CPU whose log is written by the
producing framework's OWN writer:

    hf-trainer         transformers.Trainer output dir (checkpoint-*/trainer_state.json, config.json with
                       num_labels for the BERT classifiers; weights / optimizer / rng binaries dropped)
    lightning-csv      lightning CSVLogger (lightning_logs/version_N/metrics.csv + hparams.yaml; one case
                       has version_0 + version_1 from a crash and resume)
    tensorboard        torch.utils.tensorboard.SummaryWriter (PyTorch-style tags: Loss/train, Loss/validation,
                       train/loss, train/mse, val/loss, ...; two folders hold TWO runs in one logdir) and raw
                       TF2 tf.summary (tensor_content encoding)
    keras-tensorboard  keras.callbacks.TensorBoard (logs/train + logs/validation, epoch_loss, batch_loss with
                       update_freq -- Keras 3 logs the running mean of the epoch so far as batch_loss)
    keras-csvlogger    keras.callbacks.CSVLogger (one row per epoch)
    mlflow             mlflow.log_metrics through a file: tracking URI (mlruns/<exp>/<run>/metrics/<key>,
                       lines 'timestamp value step'); the random experiment / run ids are replaced by fixed
                       ones (directory names + meta.yaml) so that paths are stable
    wandb-csv          W&B's run.history() DataFrame written with pandas to_csv (columns _step, metric keys,
                       _runtime, _timestamp; with and without the index column; one case is the default
                       samples=500 subset of a 5,000-step run)
    wandb-jsonl        one history dict per line (json.dumps of scan_history() rows: the logged keys, then
                       _timestamp, _runtime, _step)
    generic-csv/jsonl  plain loops writing csv.writer / json.dumps rows under their own names (iteration,
                       train_loss, lr / epoch,step,loss / it,nll / iter,train_mse, ...)

W&B cannot sync offline here, so its two export layouts are produced from the real loop's logged dicts
exactly as W&B stores them; their _runtime/_timestamp come from a fixed synthetic clock (reproducible).

How to run (about 6 minutes on a 2-core machine; every run uses 1 CPU thread):

    python3 -m venv /work/venv/peers        # any venv OUTSIDE the repository
    /work/venv/peers/bin/pip install torch==2.15.0 transformers==5.24.0 accelerate==1.16.0 \
        lightning==2.6.6 tensorboard==2.21.0 keras==3.15.1 jax==0.10.2 scikit-learn pandas \
        mlflow-skinny==3.18.0
    /work/venv/peers/bin/pip install astunparse flatbuffers gast google-pasta libclang termcolor wheel six
    /work/venv/peers/bin/pip install --no-deps tensorflow-cpu==2.21.0    # Keras TensorBoard callback, TF2 cases
    /work/venv/peers/bin/python Scripts/make-diagnose-corpus-real.py            # the whole corpus (wipes real/)
    /work/venv/peers/bin/python Scripts/make-diagnose-corpus-real.py --only hf-,mlf-   # some cases (name
        # substrings, globs or writer names); the others and labels.json are kept / rewritten from the registry
    /work/venv/peers/bin/python Scripts/make-diagnose-corpus-real.py --check    # re-read every file and print
        # the per-curve summaries the labels were checked against
    /work/venv/peers/bin/python Scripts/make-diagnose-corpus-real.py --list     # cases + count tables

MLflow >= 3 refuses the file store unless MLFLOW_ALLOW_FILE_STORE=true (the script sets it).  Keras
(KERAS_BACKEND=jax) and TensorFlow run in a child process of this script (--child keras) so that TF never
loads next to torch; the main process uses tensorboard's TF-free stub to write/read event files.

Versions used for the committed files: Python 3.11.7, torch 2.15.0 (CPU), transformers 5.24.0,
accelerate 1.16.0, lightning 2.6.6, tensorboard 2.21.0, protobuf 7.36.2, tensorflow-cpu 2.21.0,
keras 3.15.1 (jax 0.10.2), mlflow-skinny 3.18.0, numpy 2.4.6, pandas 3.1.1, scikit-learn 1.9.1
(labels.json records them too).

Data: Sources/LRTraining/Resources/digits.csv (8x8 digits, as vectors, images or rows of a sequence) and
tinyshakespeare.txt (char LM; BERT snippets), sklearn's built-in breast_cancer / iris / diabetes and
make_regression / make_classification, and small synthetic sets (1-D/2-D function fitting; a keyword
classification task for the BERT models).  Nothing is downloaded.

Determinism: every run is seeded (torch, numpy, random, Keras/TF) with a seed fixed in its case (not
derived from its name, so renaming a case never changes its numbers) and uses one thread, so losses are
reproducible on the same versions and machine type.  Wall-clock fields are not: HF *_runtime /
*_per_second, event-file wall_time, MLflow timestamps stay as written; event files are renamed to fixed
names of the writer's own pattern (events.out.tfevents.<time>.<host>.<pid>.0[.v2]) in creation order.

Labels (labels.json; one entry per case):
    name, path (relative to Corpus/real), writer, task, optimizer, expected, [acceptable], reason, split,
    num_classes (classification tasks) or null, loss_key (the --loss-key a user would pass when the loss
    has an unusual name) or null.
    expected is decided BY CONSTRUCTION -- what was done to the run -- and then CHECKED against the numbers
    this script prints for every curve (start, min@step, end, median of the last 10 %, max@step, non-finite
    count, deciles of medians, and for eval series the rise from the minimum to the end); where the numbers
    did not support the construction the label was changed (see `reason`) or the case rebuilt:
      diverged     NaN/Inf; a finite blow-up that never comes back; or a collapse: the loss fell and then sits
                   at chance level ln(num_classes) / back at its starting value (or above it) for the rest
      spikes       real bad batches (wrong labels, scaled inputs, re-encoded text) injected at >= 3 steps, or
                   2 garbage batches with slow healing; loss jumps >= ~5x its local level at exactly those steps
      stagnation   lr far too small: the loss moves by only a few % over the whole run
      oscillation  constant lr too high, no decay: the loss keeps bouncing (or swinging slowly) for hundreds of
                   steps with no downward trend
      overfitting  small training set / big model: train loss keeps falling while the eval loss rises after
                   its minimum (from a noisy +10-20 % over the last evaluations to a sustained +100-350 %)
      warmup       high lr (Adam-family) from step 0 without warmup: an early rise far above the initial loss in
                   the first steps, then recovery and normal training (three runs have a matching WITH-warmup
                   control labelled healthy)
      healthy      everything else, deliberately including noisy small batches (4-8), regression losses that
                   go to ~1e-4..1e-6, very short runs (40-60 logged steps), long runs (>= 3000 logged steps),
                   one or two isolated harmless one-step blips, warmup + cosine schedules, a resumed run
    acceptable lists other defensible verdicts on the (rare) curves that are genuinely two things at once.
    split: sha256(case name) -- first byte even: tune, odd: heldout.  Fixed before any tuning; names were
    chosen so that every label has cases in both halves (a case is never moved by hand)."""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

# Keep TensorFlow out of this process (see make-diagnose-corpus.py): tensorboard's compat layer would import
# it on first use.  `tensorboard.compat.notf` is tensorboard's own switch for its TF-free stub.  Keras and
# TF2 cases run in a child process of this script (--child keras).
if "--child" not in sys.argv:
    sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "Tests" / "LRDiagnosticsTests" / "Corpus" / "real"
RES = REPO / "Sources" / "LRTraining" / "Resources"
SCRIPT_REL = "Scripts/make-diagnose-corpus-real.py"
VERDICTS = ("diverged", "spikes", "stagnation", "oscillation", "overfitting", "warmup", "healthy")
WRITERS = ("hf-trainer", "lightning-csv", "tensorboard", "keras-tensorboard", "keras-csvlogger", "mlflow",
           "wandb-csv", "wandb-jsonl", "generic-csv", "generic-jsonl")


def split_of(name: str) -> str:
    """sha256(case name) -- first byte even: tune, odd: heldout."""
    return "tune" if hashlib.sha256(name.encode()).digest()[0] % 2 == 0 else "heldout"


def seed_of(name: str) -> int:
    return int.from_bytes(hashlib.sha256(("seed:" + name).encode()).digest()[:3], "big")


# ----------------------------------------------------------------------------------------------
# Case registry.  Every case is a function that trains one real run and leaves its log under
# OUT/<path>; its label metadata is static (decided by construction, checked against the printed
# summaries: see --check and the module docstring).
# ----------------------------------------------------------------------------------------------

REG: list[dict] = []


def case(name, path, writer, task, optimizer, expected, reason, num_classes=None, loss_key=None,
         acceptable=None, child=None, fmt=None):
    assert writer in WRITERS, writer
    assert expected in VERDICTS, expected
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name

    def deco(fn):
        assert all(c["name"] != name for c in REG), name
        REG.append(dict(name=name, path=path, writer=writer, task=task, optimizer=optimizer, expected=expected,
                        acceptable=list(acceptable or []), reason=reason, num_classes=num_classes,
                        loss_key=loss_key, fn=fn, child=child, fmt=fmt or writer))
        return fn
    return deco


def dest(rel: str, clean=True) -> Path:
    """OUT/rel, emptied (a directory path: no suffix) or with its parent made (a file path)."""
    p = OUT / rel
    if p.suffix and not p.is_dir():
        p.parent.mkdir(parents=True, exist_ok=True)
        if clean and p.exists():
            p.unlink()
    else:
        if clean:
            shutil.rmtree(p, ignore_errors=True)
        p.mkdir(parents=True, exist_ok=True)
    return p


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------

def torch_setup(seed: int):
    import numpy as np
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    return torch


_CACHE: dict = {}


def digits_np(seed=1234):
    """UCI digits (the copy in Sources/LRTraining/Resources): seeded 1437/360 split, raw 0..16 pixels."""
    import numpy as np
    if "digits" not in _CACHE:
        raw = np.loadtxt(RES / "digits.csv", delimiter=",", dtype=np.float32)
        _CACHE["digits"] = (raw[:, :64], raw[:, 64].astype(np.int64))
    x, y = _CACHE["digits"]
    perm = np.random.RandomState(seed).permutation(len(x))
    return x[perm[:1437]], y[perm[:1437]], x[perm[1437:]], y[perm[1437:]]


def digits(n_train=None, seed=1234, scale="std"):
    """Tensors (xtr, ytr, xte, yte); scale 'std' (train statistics) or 'unit' (pixels / 16)."""
    import torch
    xtr, ytr, xte, yte = digits_np(seed)
    if n_train is not None:
        xtr, ytr = xtr[:n_train], ytr[:n_train]
    if scale == "std":
        mu, sd = xtr.mean(0), xtr.std(0) + 1e-3
        xtr, xte = (xtr - mu) / sd, (xte - mu) / sd
    else:
        xtr, xte = xtr / 16.0, xte / 16.0
    return (torch.tensor(xtr), torch.tensor(ytr), torch.tensor(xte), torch.tensor(yte))


def sk_split(x, y, n_test, seed):
    import numpy as np
    perm = np.random.RandomState(seed).permutation(len(x))
    return x[perm[n_test:]], y[perm[n_test:]], x[perm[:n_test]], y[perm[:n_test]]


def standardise(xtr, xte):
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
    return (xtr - mu) / sd, (xte - mu) / sd


def breast_cancer(seed=1):
    import numpy as np
    import torch
    from sklearn.datasets import load_breast_cancer
    d = load_breast_cancer()
    xtr, ytr, xte, yte = sk_split(d.data.astype(np.float32), d.target.astype(np.int64), 114, seed)
    xtr, xte = standardise(xtr, xte)
    return torch.tensor(xtr), torch.tensor(ytr), torch.tensor(xte), torch.tensor(yte)


def iris(seed=1):
    import numpy as np
    import torch
    from sklearn.datasets import load_iris
    d = load_iris()
    xtr, ytr, xte, yte = sk_split(d.data.astype(np.float32), d.target.astype(np.int64), 30, seed)
    xtr, xte = standardise(xtr, xte)
    return torch.tensor(xtr), torch.tensor(ytr), torch.tensor(xte), torch.tensor(yte)


def blobs_cls(n=1200, d=20, classes=5, seed=1, n_test=300, sep=1.0):
    import numpy as np
    import torch
    from sklearn.datasets import make_classification
    x, y = make_classification(n_samples=n, n_features=d, n_informative=min(d, 10), n_redundant=2,
                               n_classes=classes, n_clusters_per_class=2, class_sep=sep, random_state=seed)
    xtr, ytr, xte, yte = sk_split(x.astype(np.float32), y.astype(np.int64), n_test, seed)
    xtr, xte = standardise(xtr, xte)
    return torch.tensor(xtr), torch.tensor(ytr), torch.tensor(xte), torch.tensor(yte)


def linreg_data(n=600, d=20, noise=0.0, seed=1, n_test=100, cond=1.0, yscale=None):
    """make_regression; cond > 1 stretches the feature scales (ill-conditioned design)."""
    import numpy as np
    import torch
    from sklearn.datasets import make_regression
    x, y = make_regression(n_samples=n, n_features=d, n_informative=d, noise=noise, random_state=seed)
    x = x * np.logspace(0, math.log10(cond), d)[None, :] if cond != 1.0 else x
    if yscale is None:
        y = y / y.std()
    else:
        y = y * yscale
    xtr, ytr, xte, yte = sk_split(x.astype(np.float32), y.astype(np.float32)[:, None], n_test, seed)
    return torch.tensor(xtr), torch.tensor(ytr), torch.tensor(xte), torch.tensor(yte)


def diabetes(seed=1):
    import numpy as np
    import torch
    from sklearn.datasets import load_diabetes
    d = load_diabetes()
    y = (d.target - d.target.mean()) / d.target.std()
    xtr, ytr, xte, yte = sk_split(d.data.astype(np.float32), y.astype(np.float32)[:, None], 80, seed)
    xtr, xte = standardise(xtr, xte)
    return torch.tensor(xtr), torch.tensor(ytr), torch.tensor(xte), torch.tensor(yte)


def func_data(n=512, seed=1, noise=0.0, n_test=256, kind="sin"):
    """1-D function fitting: y = sin(2x) + 0.1 x^2 on [-3, 3] (kind 'sin') or a 2-D bump (kind 'bump')."""
    import numpy as np
    import torch
    r = np.random.RandomState(seed)
    if kind == "sin":
        x = r.uniform(-3, 3, (n + n_test, 1)).astype(np.float32)
        y = np.sin(2 * x) + 0.1 * x ** 2
    else:
        x = r.uniform(-2, 2, (n + n_test, 2)).astype(np.float32)
        y = np.exp(-(x ** 2).sum(1, keepdims=True)) * np.cos(2 * x[:, :1]) + 0.3 * x[:, 1:]
    y = (y + noise * r.randn(*y.shape)).astype(np.float32)
    return (torch.tensor(x[:n]), torch.tensor(y[:n]), torch.tensor(x[n:]), torch.tensor(y[n:]))


def shakespeare():
    """Char-level tiny Shakespeare (Sources/LRTraining/Resources), 90/10 split; (train, val, vocab)."""
    import torch
    if "shakespeare" not in _CACHE:
        text = (RES / "tinyshakespeare.txt").read_text(encoding="utf-8")
        chars = sorted(set(text))
        stoi = {c: i for i, c in enumerate(chars)}
        data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
        n = int(0.9 * len(data))
        _CACHE["shakespeare"] = (data[:n], data[n:], len(chars), chars)
    a, b, v, _ = _CACHE["shakespeare"]
    return a, b, v


def char_windows_t(data, n, ctx, seed):
    import torch
    g = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, len(data) - ctx - 1, (n,), generator=g)
    return torch.stack([data[s:s + ctx + 1] for s in starts.tolist()])


def text_cls(n, ctx, seed, num_labels, split="train"):
    """A text-classification set made from tiny Shakespeare windows: label 0 = the text as it is,
    1 = reversed, 2 = words shuffled, 3 = characters shifted by one in the vocabulary (a corrupt
    encoding).  num_labels 2 uses labels 0-1, 3 uses 0-2, 4 uses 0-3.  Token 0 is prepended as [CLS]
    (ids shift by one)."""
    import torch
    train, val, V = shakespeare()
    data = train if split == "train" else val
    g = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, len(data) - ctx - 1, (n,), generator=g)
    labels = torch.randint(0, num_labels, (n,), generator=g)
    _, _, _, chars = _CACHE["shakespeare"]
    space = chars.index(" ")
    xs = []
    for s, lab in zip(starts.tolist(), labels.tolist()):
        x = data[s:s + ctx].clone()
        if lab == 1:
            x = x.flip(0)
        elif lab == 2:
            words, cur = [], []
            for t in x.tolist():
                cur.append(t)
                if t == space:
                    words.append(cur)
                    cur = []
            if cur:
                words.append(cur)
            order = torch.randperm(len(words), generator=g).tolist()
            x = torch.tensor([t for i in order for t in words[i]])
        elif lab == 3:
            x = (x + 1) % V
        xs.append(torch.cat([torch.zeros(1, dtype=torch.long), x + 1]))
    return torch.stack(xs), labels, V + 1


def keyword_cls(n, num_labels, seed, seq_len=32, vocab=60, noise=0.0):
    """A keyword ('sentiment word') classification set: random filler tokens, one trigger token per
    sequence (token 1 + label) at a random position, and a second, distracting filler; token 0 = [CLS].
    noise: the fraction of labels replaced by random ones (an irreducible loss floor)."""
    import torch
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(num_labels + 1, vocab, (n, seq_len), generator=g)
    y = torch.randint(0, num_labels, (n,), generator=g)
    pos = torch.randint(1, seq_len, (n,), generator=g)
    x[torch.arange(n), pos] = 1 + y
    x[:, 0] = 0
    if noise:
        flip = torch.rand(n, generator=g) < noise
        y = torch.where(flip, torch.randint(0, num_labels, (n,), generator=g), y)
    return x, y, vocab


def digit_tokens(n_train=None, seed=1234):
    """Digits as 64-token sequences (pixel intensity 0..16 -> token 1..17), token 0 = [CLS] first."""
    import torch
    xtr, ytr, xte, yte = digits_np(seed)
    if n_train is not None:
        xtr, ytr = xtr[:n_train], ytr[:n_train]

    def tok(x):
        t = torch.tensor(x, dtype=torch.long) + 1
        return torch.cat([torch.zeros(len(t), 1, dtype=torch.long), t], 1)
    return tok(xtr), torch.tensor(ytr), tok(xte), torch.tensor(yte), 18


# ----------------------------------------------------------------------------------------------
# Models (plain torch)
# ----------------------------------------------------------------------------------------------

def models():
    import torch
    from torch import nn

    class MLP(nn.Module):
        def __init__(self, d_in, hidden, d_out, act="relu"):
            super().__init__()
            A = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}[act]
            layers, d = [], d_in
            for h in hidden:
                layers += [nn.Linear(d, h), A()]
                d = h
            layers.append(nn.Linear(d, d_out))
            self.net = nn.Sequential(*layers)

        def forward(self, x):
            return self.net(x)

    class CNN(nn.Module):
        """8x8 digits as 1-channel images."""

        def __init__(self, c1=16, c2=32, fc=64):
            super().__init__()
            self.f = nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.Conv2d(c1, c2, 3, padding=1),
                                   nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(c2 * 16, fc), nn.ReLU(),
                                   nn.Linear(fc, 10))

        def forward(self, x):
            return self.f(x.view(-1, 1, 8, 8))

    class CharTransformer(nn.Module):
        """GPT-style char model on nn.TransformerEncoderLayer with a causal mask; norm_first=False is
        the original Post-LN layout (needs warmup at high lr), True is Pre-LN."""

        def __init__(self, V, d=64, L=2, H=4, ctx=64, norm_first=True, ff=4):
            super().__init__()
            self.emb = nn.Embedding(V, d)
            self.pos = nn.Parameter(torch.randn(ctx, d) * 0.02)
            layer = nn.TransformerEncoderLayer(d, H, ff * d, dropout=0.0, batch_first=True, norm_first=norm_first,
                                               activation="gelu")
            self.tr = nn.TransformerEncoder(layer, L, enable_nested_tensor=False)
            self.ln = nn.LayerNorm(d) if norm_first else nn.Identity()
            self.head = nn.Linear(d, V)
            self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(ctx), persistent=False)

        def forward(self, x):
            T = x.shape[1]
            h = self.tr(self.emb(x) + self.pos[:T], mask=self.mask[:T, :T], is_causal=True)
            return self.head(self.ln(h))

    class CharRNN(nn.Module):
        def __init__(self, V, kind="lstm", emb=32, hidden=128):
            super().__init__()
            self.emb = nn.Embedding(V, emb)
            self.rnn = (nn.LSTM if kind == "lstm" else nn.GRU)(emb, hidden, batch_first=True)
            self.head = nn.Linear(hidden, V)

        def forward(self, x):
            h, _ = self.rnn(self.emb(x))
            return self.head(h)

    class RowRNN(nn.Module):
        """Digits read row by row: 8 steps of 8 pixels -> GRU/LSTM -> 10 classes."""

        def __init__(self, kind="gru", hidden=64):
            super().__init__()
            self.rnn = (nn.LSTM if kind == "lstm" else nn.GRU)(8, hidden, batch_first=True)
            self.head = nn.Linear(hidden, 10)

        def forward(self, x):
            h, _ = self.rnn(x.view(-1, 8, 8))
            return self.head(h[:, -1])

    class AE(nn.Module):
        def __init__(self, d=64, hidden=(32, 8), act="relu"):
            super().__init__()
            A = {"relu": nn.ReLU, "tanh": nn.Tanh}[act]
            enc, dd = [], d
            for h in hidden:
                enc += [nn.Linear(dd, h), A()]
                dd = h
            dec = []
            for h in list(hidden[::-1][1:]) + [d]:
                dec += [nn.Linear(dd, h), A()]
                dd = h
            dec = dec[:-1]
            self.net = nn.Sequential(*enc, *dec)

        def forward(self, x):
            return self.net(x)

    return types.SimpleNamespace(MLP=MLP, CNN=CNN, CharTransformer=CharTransformer, CharRNN=CharRNN,
                                 RowRNN=RowRNN, AE=AE)


# ----------------------------------------------------------------------------------------------
# Tasks: a model, a batch sampler, a loss and an evaluation.
# ----------------------------------------------------------------------------------------------

class Task:
    """kind: classification | regression | lm | reconstruction.  x/y: training tensors (or, for lm, the
    token stream in x).  sample(step) -> (xb, yb)."""

    def __init__(self, model, kind, x, y, xte, yte, batch, seed, num_classes=None, ctx=None):
        import torch
        self.model, self.kind, self.x, self.y, self.xte, self.yte = model, kind, x, y, xte, yte
        self.batch, self.num_classes, self.ctx = batch, num_classes, ctx
        self.g = torch.Generator().manual_seed(seed)
        self.perm, self.pos, self.epoch = None, 0, 0
        self.n = len(x) if kind != "lm" else None

    @property
    def steps_per_epoch(self):
        return math.ceil(self.n / self.batch) if self.n else None

    def sample(self, step):
        import torch
        if self.kind == "lm":
            s = torch.randint(0, len(self.x) - self.ctx - 1, (self.batch,), generator=self.g)
            w = torch.stack([self.x[i:i + self.ctx + 1] for i in s.tolist()])
            return w[:, :-1], w[:, 1:]
        if self.perm is None or self.pos >= self.n:
            if self.perm is not None:
                self.epoch += 1
            self.perm = torch.randperm(self.n, generator=self.g)
            self.pos = 0
        idx = self.perm[self.pos:self.pos + self.batch]
        self.pos += self.batch
        return self.x[idx], self.y[idx]

    def loss(self, xb, yb, model=None):
        import torch.nn.functional as F
        out = (model or self.model)(xb)
        if self.kind == "classification":
            if self.num_classes == 2 and out.shape[-1] == 1:
                return F.binary_cross_entropy_with_logits(out[:, 0], yb.float())
            return F.cross_entropy(out, yb)
        if self.kind == "lm":
            return F.cross_entropy(out.reshape(-1, out.shape[-1]), yb.reshape(-1))
        if self.kind == "reconstruction":
            return F.mse_loss(out, xb)
        return F.mse_loss(out, yb)

    def evaluate(self):
        import torch
        m = self.model
        was = m.training
        m.eval()
        with torch.no_grad():
            if self.kind == "lm":
                l = self.loss(self.xte[:, :-1], self.xte[:, 1:])
                r = {"eval_loss": l.item()}
            elif self.kind == "reconstruction":
                r = {"eval_loss": self.loss(self.xte, self.xte).item()}
            else:
                r = {"eval_loss": self.loss(self.xte, self.yte).item()}
                if self.kind == "classification":
                    out = m(self.xte)
                    pred = (out[:, 0] > 0).long() if out.shape[-1] == 1 else out.argmax(-1)
                    r["eval_acc"] = (pred == self.yte).float().mean().item()
        m.train(was)
        return r


def make_task(kind, seed, batch=32, **kw):
    """The task catalogue (model + data).  kind names the task family (see TASKS)."""
    import torch
    M = models()
    torch.manual_seed(seed)
    if kind == "mlp-digits":
        xtr, ytr, xte, yte = digits(kw.get("n_train"), scale=kw.get("scale", "std"))
        torch.manual_seed(seed)
        m = M.MLP(64, kw.get("hidden", (128,)), 10, kw.get("act", "relu"))
        return Task(m, "classification", xtr, ytr, xte, yte, batch, seed, 10)
    if kind == "mlp-blobs":
        xtr, ytr, xte, yte = blobs_cls(classes=kw.get("classes", 5), seed=kw.get("data_seed", 1),
                                       n=kw.get("n", 1200), sep=kw.get("sep", 1.0))
        torch.manual_seed(seed)
        m = M.MLP(xtr.shape[1], kw.get("hidden", (64, 64)), kw.get("classes", 5), kw.get("act", "relu"))
        return Task(m, "classification", xtr, ytr, xte, yte, batch, seed, kw.get("classes", 5))
    if kind == "mlp-iris":
        xtr, ytr, xte, yte = iris()
        torch.manual_seed(seed)
        m = M.MLP(4, kw.get("hidden", (32,)), 3, kw.get("act", "relu"))
        return Task(m, "classification", xtr, ytr, xte, yte, batch, seed, 3)
    if kind == "cnn-digits":
        xtr, ytr, xte, yte = digits(kw.get("n_train"), scale="unit")
        torch.manual_seed(seed)
        m = M.CNN(*kw.get("width", (16, 32, 64)))
        return Task(m, "classification", xtr, ytr, xte, yte, batch, seed, 10)
    if kind == "rnn-digits":
        xtr, ytr, xte, yte = digits(kw.get("n_train"), scale="unit")
        torch.manual_seed(seed)
        m = M.RowRNN(kw.get("cell", "gru"), kw.get("hidden", 64))
        return Task(m, "classification", xtr, ytr, xte, yte, batch, seed, 10)
    if kind == "rnn-char":
        train, val, V = shakespeare()
        ctx = kw.get("ctx", 64)
        torch.manual_seed(seed)
        m = M.CharRNN(V, kw.get("cell", "lstm"), kw.get("emb", 32), kw.get("hidden", 128))
        data = train if kw.get("n_chars") is None else train[:kw["n_chars"]]
        return Task(m, "lm", data, None, char_windows_t(val, 64, ctx, 7), None, batch, seed, V, ctx)
    if kind == "gpt-char":
        train, val, V = shakespeare()
        ctx = kw.get("ctx", 64)
        torch.manual_seed(seed)
        m = M.CharTransformer(V, kw.get("d", 64), kw.get("L", 2), kw.get("H", 4), ctx,
                              kw.get("norm_first", True))
        data = train if kw.get("n_chars") is None else train[:kw["n_chars"]]
        return Task(m, "lm", data, None, char_windows_t(val, 64, ctx, 7), None, batch, seed, V, ctx)
    if kind == "linreg":
        xtr, ytr, xte, yte = linreg_data(noise=kw.get("noise", 0.0), d=kw.get("d", 20), seed=kw.get("data_seed", 1),
                                         cond=kw.get("cond", 1.0), yscale=kw.get("yscale"), n=kw.get("n", 600))
        torch.manual_seed(seed)
        m = torch.nn.Linear(xtr.shape[1], 1)
        return Task(m, "regression", xtr, ytr, xte, yte, batch, seed)
    if kind == "linreg-diabetes":
        xtr, ytr, xte, yte = diabetes()
        torch.manual_seed(seed)
        m = torch.nn.Linear(xtr.shape[1], 1)
        return Task(m, "regression", xtr, ytr, xte, yte, batch, seed)
    if kind == "logreg-cancer":
        xtr, ytr, xte, yte = breast_cancer()
        torch.manual_seed(seed)
        m = torch.nn.Linear(30, 1)
        return Task(m, "classification", xtr, ytr, xte, yte, batch, seed, 2)
    if kind == "logreg-digits":
        xtr, ytr, xte, yte = digits(kw.get("n_train"))
        torch.manual_seed(seed)
        m = torch.nn.Linear(64, 10)
        return Task(m, "classification", xtr, ytr, xte, yte, batch, seed, 10)
    if kind == "mlp-regression":
        xtr, ytr, xte, yte = func_data(n=kw.get("n", 512), noise=kw.get("noise", 0.0), kind=kw.get("fn", "sin"),
                                       seed=kw.get("data_seed", 1))
        torch.manual_seed(seed)
        m = M.MLP(xtr.shape[1], kw.get("hidden", (64, 64)), 1, kw.get("act", "tanh"))
        return Task(m, "regression", xtr, ytr, xte, yte, batch, seed)
    if kind == "autoencoder":
        xtr, _, xte, _ = digits(kw.get("n_train"), scale="unit")
        torch.manual_seed(seed)
        m = M.AE(64, kw.get("hidden", (32, 8)), kw.get("act", "relu"))
        return Task(m, "reconstruction", xtr, xtr, xte, xte, batch, seed)
    raise KeyError(kind)


TASK_KIND = {  # task family -> the `task` label written to labels.json
    "mlp-digits": "mlp-classifier", "mlp-blobs": "mlp-classifier", "mlp-iris": "mlp-classifier",
    "cnn-digits": "cnn", "rnn-digits": "rnn", "rnn-char": "rnn", "gpt-char": "char-transformer",
    "linreg": "linear-regression", "linreg-diabetes": "linear-regression", "logreg-cancer": "logistic-regression",
    "logreg-digits": "logistic-regression", "mlp-regression": "mlp-regression", "autoencoder": "autoencoder",
}


def make_opt(params, name, lr, **kw):
    import torch
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=kw.get("wd", 0.0))
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=kw.get("momentum", 0.9), nesterov=kw.get("nesterov", False),
                               weight_decay=kw.get("wd", 0.0))
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=kw.get("betas", (0.9, 0.999)))
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=kw.get("wd", 0.01), betas=kw.get("betas", (0.9, 0.999)))
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=kw.get("alpha", 0.99), momentum=kw.get("momentum", 0.0))
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr)
    raise KeyError(name)


def sched(kind, lr, steps, warmup=0, floor=0.0, **kw):
    """lr at step s (0-based): constant | cosine | linear | step | exp | onecycle, with linear warmup;
    jumps={step: lr} overrides (for a bad manual lr change mid-run)."""
    jumps = kw.get("jumps", {})

    def f(s):
        for (a, b), v in jumps.items():
            if a <= s < b:
                return v
        if warmup and s < warmup:
            return lr * (s + 1) / warmup
        t = (s - warmup) / max(1, steps - warmup)
        if kind == "constant":
            return lr
        if kind == "cosine":
            return floor + (lr - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, t)))
        if kind == "linear":
            return floor + (lr - floor) * max(0.0, 1 - t)
        if kind == "step":
            return lr * (kw.get("gamma", 0.1) ** int(s // kw.get("every", max(1, steps // 3))))
        if kind == "exp":
            return lr * kw.get("gamma", 0.999) ** s
        if kind == "onecycle":
            p = kw.get("pct", 0.3)
            if t < p:
                return lr / 25 + (lr - lr / 25) * t / p
            return lr / 1e4 + (lr - lr / 1e4) * 0.5 * (1 + math.cos(math.pi * (t - p) / (1 - p)))
        raise KeyError(kind)
    return f


def corruptor(kind, task, factor=None, seed=0):
    """A bad batch: 'labels' (labels replaced by wrong ones / LM text re-encoded through a character
    permutation), 'scale' (inputs multiplied by factor), 'targets' (regression targets multiplied)."""
    import torch
    g = torch.Generator().manual_seed(seed)

    def f(xb, yb):
        if kind == "labels":
            if task.kind == "lm":
                perm = torch.randperm(task.num_classes, generator=g)
                return perm[xb], perm[yb]
            C = task.num_classes
            return xb, (yb + torch.randint(1, C, yb.shape, generator=g)) % C
        if kind == "scale":
            return xb * factor, yb
        if kind == "targets":
            return xb, yb * factor
        if kind == "shock":
            C = task.num_classes
            return xb * factor, (yb + torch.randint(1, C, yb.shape, generator=g)) % C
        if kind == "noise":
            return torch.randn(xb.shape, generator=g) * factor, yb
        raise KeyError(kind)
    return f


def train_loop(task, opt, steps, lr_fn, on_step, eval_every=0, clip=None, inject=None, start=0):
    """Plain PyTorch loop; calls on_step(rec) after every optimizer step with rec = {step (0-based), epoch,
    loss, lr, grad_norm, [eval_loss, eval_acc]}."""
    import torch
    params = [p for p in task.model.parameters()]
    task.model.train()
    for s in range(start, steps):
        xb, yb = task.sample(s)
        if inject and s in inject:
            xb, yb = inject[s](xb, yb)
        lr = lr_fn(s)
        for g in opt.param_groups:
            g["lr"] = lr
        loss = task.loss(xb, yb)
        opt.zero_grad()
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(params, clip if clip else float("inf"))
        opt.step()
        rec = {"step": s, "epoch": task.epoch, "loss": loss.item(), "lr": lr, "grad_norm": gn.item()}
        if eval_every and (s + 1) % eval_every == 0:
            rec.update(task.evaluate())
        on_step(rec)


def run_records(task, opt, steps, lr_fn, eval_every=0, clip=None, inject=None, log_every=1, mean=True):
    """Train and return the logged records: every log_every steps, loss = mean over the window (mean=True,
    what most loops log) or the last batch's loss; eval keys on the step they were computed."""
    recs, win = [], []

    def on_step(r):
        win.append(r["loss"])
        if (r["step"] + 1) % log_every == 0 or "eval_loss" in r:
            out = dict(r)
            if (r["step"] + 1) % log_every == 0:
                if mean and log_every > 1:
                    out["loss"] = sum(win) / len(win)
                win.clear()
            else:
                out.pop("loss")
                out.pop("grad_norm")
            recs.append(out)
    train_loop(task, opt, steps, lr_fn, on_step, eval_every, clip, inject)
    return recs


# ----------------------------------------------------------------------------------------------
# Writers for plain loops: torch SummaryWriter, MLflow, W&B-style history exports, csv, json
# ----------------------------------------------------------------------------------------------

def rename_event_files(d: Path, host="lrkit-corpus"):
    """Stable event-file names of the writer's own pattern, in creation order (as make-diagnose-corpus.py)."""
    files = sorted(d.rglob("events.out.tfevents.*"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    for i, f in enumerate(files):
        suffix = ".v2" if f.name.endswith(".v2") else ""
        f.rename(f.with_name(f"events.out.tfevents.{1700000000 + 100 * (i + 1):010d}.{host}.{1000 + i}.0{suffix}"))


def write_tb(recs, logdir: Path, tags: dict, step_offset=0, new_style=False, writer=None, close=True):
    """tags: record key -> TensorBoard tag (only those keys are written)."""
    from torch.utils.tensorboard import SummaryWriter
    w = writer or SummaryWriter(log_dir=str(logdir))
    for r in recs:
        for k, tag in tags.items():
            if k in r:
                w.add_scalar(tag, r[k], r["step"] + step_offset, new_style=new_style)
    if close:
        w.close()
    return w


def fixed_ids(name: str):
    h = hashlib.sha256(name.encode()).hexdigest()
    return str(int(h[:15], 16) % 10 ** 15 + 10 ** 17), h[16:48]


def write_mlflow(recs, root: Path, name: str, keys: dict, params: dict, experiment="lrkit-corpus",
                 run_name=None):
    """mlflow.log_metric through the file store (file: URI) in a real MLflow run; then the random
    experiment / run ids are replaced by fixed ones (directory names and meta.yaml) so paths are stable."""
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    os.environ.setdefault("MLFLOW_TRACKING_USERNAME", "lrkit")
    import mlflow
    import logging
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    shutil.rmtree(root, ignore_errors=True)
    mlflow.set_tracking_uri("file:" + str(root))
    exp = mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=run_name or name,
                          tags={"mlflow.user": "lrkit", "mlflow.source.name": SCRIPT_REL}) as run:
        mlflow.log_params(params)
        for r in recs:
            m = {keys[k]: float(r[k]) for k in keys if k in r}
            if m:
                mlflow.log_metrics(m, step=r["step"])
        rid = run.info.run_id
    mlflow.set_tracking_uri("")
    for t in root.rglob("tags/mlflow.source.git.*"):
        t.unlink()       # the repository's commit / branch at generation time: noise in test data
    eid = exp.experiment_id
    new_eid, new_rid = fixed_ids(name)
    ed = root / eid
    rd = ed / rid
    rd.rename(ed / new_rid)
    ed.rename(root / new_eid)
    for meta in root.rglob("meta.yaml"):
        t = meta.read_text()
        t = t.replace(rid, new_rid).replace(eid, new_eid).replace(str(root.resolve()), "ROOT")
        t = re.sub(r"file://ROOT|ROOT", "file:./mlruns", t) if "ROOT" in t else t
        meta.write_text(t)
    return root / new_eid / new_rid


def wandb_rows(recs, keys: dict, name: str, sec_per_step=0.05, eval_cost=0.5, t0=None):
    """The history rows W&B stores for `wandb.log(d, step=...)` calls: the logged keys, then _timestamp,
    _runtime, _step.  W&B can't be synced offline here, so the wall clock is a fixed synthetic one
    (t0 + sec_per_step per step, + eval_cost per evaluation) to keep the files reproducible."""
    t0 = t0 if t0 is not None else 1700000000.0
    rows, rt = [], 0.0
    for i, r in enumerate(recs):
        rt += sec_per_step * (r["step"] - (recs[i - 1]["step"] if i else -1))
        d = {keys[k]: r[k] for k in keys if k in r}
        if any(k.startswith("eval") for k in r):
            rt += eval_cost
        d["_timestamp"] = round(t0 + rt, 6)
        d["_runtime"] = round(rt, 6)
        d["_step"] = r["step"]
        rows.append(d)
    return rows


def write_wandb_csv(rows, path: Path, index=True, samples=None, seed=0):
    """What `api.run(...).history(samples=...)` (a pandas DataFrame) + df.to_csv(path) gives: one row per
    history row, missing keys NaN (empty cells); with samples (W&B's default is 500) a seeded random subset
    of rows in step order, as the sampled history API returns."""
    import pandas as pd
    df = pd.DataFrame(rows)
    if samples and len(df) > samples:
        import numpy as np
        keep = np.sort(np.random.RandomState(seed).choice(len(df), samples, replace=False))
        keep[0], keep[-1] = 0, len(df) - 1
        df = df.iloc[np.unique(keep)].reset_index(drop=True)
    cols = ["_step"] + [c for c in df.columns if c not in ("_step", "_runtime", "_timestamp")] + ["_runtime", "_timestamp"]
    df = df[cols]
    df.to_csv(path, index=index)


def write_jsonl(rows, path: Path, nan="NaN"):
    """json.dumps per line (NaN / Infinity tokens as Python's json writes them)."""
    with open(path, "w") as fh:
        for d in rows:
            fh.write(json.dumps(d) + "\n")


def write_csv(recs, path: Path, cols: dict, fmt=None):
    """csv.writer from a plain loop: cols = {record key: column name}; empty cells where a key is absent."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(list(cols.values()))
        for r in recs:
            row = []
            for k in cols:
                v = r.get(k, "")
                if isinstance(v, float) and fmt:
                    v = fmt % v
                row.append(v)
            w.writerow(row)


# ----------------------------------------------------------------------------------------------
# Throw-away Python readers (for the summaries that the labels were checked against)
# ----------------------------------------------------------------------------------------------

def _tfrecords(path: Path):
    import struct
    b = path.read_bytes()
    off = 0
    while off + 12 <= len(b):
        (n,) = struct.unpack_from("<Q", b, off)
        if off + 12 + n + 4 > len(b):
            break
        yield b[off + 12:off + 12 + n]
        off += 12 + n + 4


def _scalar_of(v):
    import numpy as np
    kind = v.WhichOneof("value")
    if kind == "simple_value":
        return v.simple_value
    if kind == "tensor":
        t = v.tensor
        if list(t.tensor_shape.dim):
            return None
        if t.float_val:
            return t.float_val[0]
        if t.double_val:
            return t.double_val[0]
        if t.tensor_content and t.dtype in (1, 2):
            return float(np.frombuffer(t.tensor_content, dtype="<f4" if t.dtype == 1 else "<f8")[0])
    return None


STEP_KEYS = ("_step", "step", "global_step", "iteration", "iter", "it", "Step", "epoch")


def read_series(path: Path, fmt: str) -> dict:
    """{series name: [(step, value)]} for every numeric series of a case."""
    series: dict[str, list] = {}

    def add(k, s, v):
        try:
            v = float(v)
            s = float(s)
        except (TypeError, ValueError):
            return
        series.setdefault(k, []).append((int(s) if s == int(s) else s, v))

    if fmt == "hf-trainer":
        cands = list(path.glob("checkpoint-*/trainer_state.json")) + list(path.glob("trainer_state.json"))
        st = max((json.loads(p.read_text()) for p in cands), key=lambda s: s["global_step"])
        for e in st["log_history"]:
            for k, v in e.items():
                if k not in ("step", "epoch") and not k.endswith(("runtime", "per_second")) and k != "total_flos":
                    add(k, e["step"], v)
    elif fmt in ("lightning-csv", "generic-csv", "keras-csvlogger", "wandb-csv"):
        files = [path] if path.is_file() else sorted(path.rglob("*.csv"))
        for f in files:
            pre = f"{f.parent.name}/" if len(files) > 1 else ""
            with open(f, newline="") as fh:
                for r in csv.DictReader(fh):
                    sk = next((k for k in STEP_KEYS if k in r and r[k] not in ("", None)), None)
                    if sk is None:
                        continue
                    for k, v in r.items():
                        if k not in STEP_KEYS and k and not k.startswith("_") and v not in ("", None):
                            add(pre + k, r[sk], v)
    elif fmt in ("generic-jsonl", "wandb-jsonl"):
        for line in path.read_text().splitlines():
            d = json.loads(line)
            sk = next(k for k in STEP_KEYS if k in d)
            for k, v in d.items():
                if k not in STEP_KEYS and not k.startswith("_") and isinstance(v, (int, float)):
                    add(k, d[sk], v)
    elif fmt in ("tensorboard", "keras-tensorboard"):
        from tensorboard.compat.proto import event_pb2
        files = sorted(path.rglob("events.out.tfevents.*"))
        multi = len(files) > 1
        for f in files:
            for data in _tfrecords(f):
                ev = event_pb2.Event()
                ev.ParseFromString(data)
                if ev.HasField("summary"):
                    for v in ev.summary.value:
                        val = _scalar_of(v)
                        if val is not None:
                            rel = f.parent.relative_to(path).as_posix()
                            key = (f"{rel}|{f.name.split('.')[3]}:" if multi else "") + v.tag
                            add(key, ev.step, val)
    elif fmt == "mlflow":
        for f in sorted(path.rglob("metrics/**/*")):
            if f.is_file():
                key = f.relative_to(next(p for p in f.parents if p.name == "metrics")).as_posix()
                for line in f.read_text().splitlines():
                    ts, v, s = line.split()
                    add(key, s, v)
    return series


def fmt_series(name, pts):
    """start, min@, end, median of the last 10 %, max@, non-finite count; for eval-like series also the
    rise from the minimum to the end."""
    if not pts:
        return f"  {name}: (none)"
    fin = [(s, v) for s, v in pts if math.isfinite(v)]
    nonfin = [(s, v) for s, v in pts if not math.isfinite(v)]
    line = f"  {name}: n={len(pts)} steps {pts[0][0]}..{pts[-1][0]} start={pts[0][1]:.4g} end={pts[-1][1]:.4g}"
    if fin:
        smin, vmin = min(fin, key=lambda t: t[1])
        smax, vmax = max(fin, key=lambda t: t[1])
        tail = sorted(v for _, v in fin[-max(1, len(fin) // 10):])
        med = tail[len(tail) // 2]
        line += f" min={vmin:.4g}@{smin} max={vmax:.4g}@{smax} med_last10%={med:.4g}"
        k = max(1, len(fin) // 10)
        dec = [sorted(v for _, v in fin[i * k:(i + 1) * k]) for i in range(10) if fin[i * k:(i + 1) * k]]
        line += " deciles_med=[" + " ".join(f"{d[len(d) // 2]:.3g}" for d in dec) + "]"
        if any(w in name for w in ("val", "eval", "test", "validation")) and vmin > 0:
            line += f" rise_min_to_end={100 * (fin[-1][1] / vmin - 1):+.0f}%"
    if nonfin:
        line += f" NONFINITE={len(nonfin)} first@{nonfin[0][0]}={nonfin[0][1]}"
    return line


def summarize(c) -> str:
    p = OUT / c["path"]
    out = [f"{c['name']} [{c['writer']}] {c['path']} -> {c['expected']}"
           + (f" (+{c['acceptable']})" if c.get("acceptable") else "")]
    try:
        s = read_series(p, c["fmt"])
    except Exception as e:  # noqa: BLE001
        return out[0] + f"\n  READ ERROR {e!r}"
    for k in sorted(s):
        if any(w in k.lower() for w in ("loss", "mse", "objective", "nll", "lr", "learning_rate", "acc", "cost",
                                        "error", "bce", "recon")) and "runtime" not in k:
            out.append(fmt_series(k, s[k]))
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------
# Helpers for the cases
# ----------------------------------------------------------------------------------------------

SEED = 1234


def plain(task, steps, opt="adam", lr=1e-3, kind="constant", warmup=0, batch=32, eval_every=0, log_every=1,
          mean=True, inject=None, clip=None, tkw=None, okw=None, skw=None, seed=SEED):
    """One plain PyTorch run; returns (records, task).  inject = {step: (corruption, factor)}."""
    torch_setup(seed)
    T = make_task(task, seed, batch=batch, **(tkw or {}))
    o = make_opt(T.model.parameters(), opt, lr, **(okw or {}))
    inj = {s: corruptor(k, T, f, seed=seed + s) for s, (k, f) in (inject or {}).items()}
    recs = run_records(T, o, steps, sched(kind, lr, steps, warmup, **(skw or {})), eval_every, clip, inj,
                       log_every, mean)
    return recs, T


def renamed(recs, mapping, step_base=0, keep_epoch=False):
    """Records as a loop logs them: {column: value} with the step first, under the loop's own names."""
    rows = []
    for r in recs:
        d = {}
        for k, v in mapping.items():
            if k == "step":
                d[v] = r["step"] + step_base
            elif k in r:
                d[v] = r[k]
        rows.append(d)
    return rows


def tb_case_dir(rel):
    d = dest(rel)
    return d


def finish_tb(d: Path):
    rename_event_files(d)


# ==============================================================================================
# generic JSONL: plain PyTorch loops writing json.dumps(dict) per line under their own key names
# ==============================================================================================

@case("jsonl-regmlp-relu-adam-no-warmup", "generic-jsonl/regmlp-relu-adam-no-warmup.jsonl", "generic-jsonl",
      "mlp-regression", "adam", "warmup",
      "ReLU MLP 2-128-128-1 fitting a 2-D bump, Adam lr 0.1 from step 0 (no warmup) then cosine; the MSE jumps "
      "from 0.11 to 138 / 630 / 79 at steps 1-3 and stays above the start until step ~10, then trains "
      "normally to ~4e-4.")
def _c(ctx):
    recs, _ = plain("mlp-regression", 800, "adam", 0.1, "cosine", batch=32, eval_every=50,
                    tkw=dict(act="relu", hidden=(128, 128), fn="bump"))
    write_jsonl(renamed(recs, {"step": "iter", "loss": "train_mse", "lr": "lr", "eval_loss": "val_mse"}),
                dest("generic-jsonl/regmlp-relu-adam-no-warmup.jsonl"))


@case("jsonl-regmlp-relu-adam-warmup", "generic-jsonl/regmlp-relu-adam-warmup.jsonl", "generic-jsonl",
      "mlp-regression", "adam", "healthy",
      "Control of jsonl-regmlp-relu-adam-no-warmup: identical but a 60-step linear warmup to lr 0.1, then "
      "cosine; smooth descent.")
def _c(ctx):
    recs, _ = plain("mlp-regression", 800, "adam", 0.1, "cosine", warmup=60, batch=32, eval_every=50,
                    tkw=dict(act="relu", hidden=(128, 128), fn="bump"))
    write_jsonl(renamed(recs, {"step": "iter", "loss": "train_mse", "lr": "lr", "eval_loss": "val_mse"}),
                dest("generic-jsonl/regmlp-relu-adam-warmup.jsonl"))


@case("jsonl-linreg-adam-to-1e-5", "generic-jsonl/linreg-adam-near-zero.jsonl", "generic-jsonl",
      "linear-regression", "adam", "healthy",
      "Linear regression on make_regression (20 features, small noise), target standardised, Adam lr 0.01 "
      "with exponential decay, batch 32, 1500 steps: the MSE falls from ~1 to ~1e-4 (the noise floor) by "
      "step ~150 and stays there.")
def _c(ctx):
    recs, _ = plain("linreg", 1500, "adam", 0.01, "exp", batch=32, skw=dict(gamma=0.998),
                    tkw=dict(noise=3.0))
    write_jsonl(renamed(recs, {"step": "step", "loss": "loss", "lr": "lr"}),
                dest("generic-jsonl/linreg-adam-near-zero.jsonl"))


@case("jsonl-gru-digits-bad-batches", "generic-jsonl/gru-digits-bad-batches.jsonl", "generic-jsonl", "rnn",
      "adam", "spikes",
      "GRU reading 8x8 digits row by row, Adam lr 2e-3 constant, batch 32, 900 steps; the batches of steps "
      "300, 520 and 700 have their inputs multiplied by 25 (a broken preprocessing shard): the loss jumps at "
      "exactly those steps and comes back within a few steps.", num_classes=10)
def _c(ctx):
    recs, _ = plain("rnn-digits", 900, "adam", 2e-3, batch=32, eval_every=90,
                    inject={300: ("scale", 25.0), 520: ("scale", 25.0), 700: ("scale", 25.0)})
    write_jsonl(renamed(recs, {"step": "step", "epoch": "epoch", "loss": "loss", "eval_loss": "val_loss",
                               "eval_acc": "val_acc"}), dest("generic-jsonl/gru-digits-bad-batches.jsonl"))


@case("jsonl-mlp-adagrad-tiny-lr", "generic-jsonl/mlp-adagrad-tiny-lr.jsonl", "generic-jsonl", "mlp-classifier",
      "adagrad", "stagnation",
      "Digits MLP 64-128-10, Adagrad lr 1e-5 (far too small), batch 32, 600 steps: the loss stays at its "
      "initial ~2.3.", num_classes=10)
def _c(ctx):
    recs, _ = plain("mlp-digits", 600, "adagrad", 1e-5, batch=32, eval_every=60)
    write_jsonl(renamed(recs, {"step": "it", "loss": "nll", "eval_loss": "val_nll"}),
                dest("generic-jsonl/mlp-adagrad-tiny-lr.jsonl"))


@case("jsonl-regmlp-rmsprop-const-bounce", "generic-jsonl/regmlp-rmsprop-constant-high.jsonl", "generic-jsonl",
      "mlp-regression", "rmsprop", "oscillation",
      "Tanh MLP 2-64-64-1 fitting a 2-D bump, RMSprop constant lr 0.03 (too high, no decay), batch 32, 1200 "
      "steps: after step ~100 the MSE bounces between ~0.05 and ~1 (window medians alternate 0.05/0.5) with "
      "no downward trend; val MSE swings 0.03..0.9.")
def _c(ctx):
    recs, _ = plain("mlp-regression", 1200, "rmsprop", 0.03, batch=32, eval_every=100, tkw=dict(fn="bump"))
    write_jsonl(renamed(recs, {"step": "step", "loss": "mse", "lr": "lr", "eval_loss": "val_mse"}),
                dest("generic-jsonl/regmlp-rmsprop-constant-high.jsonl"))


@case("jsonl-lstm-charlm-overfit", "generic-jsonl/lstm-charlm-small-text.jsonl", "generic-jsonl", "rnn",
      "adam", "overfitting",
      "Char LSTM (emb 32, hidden 128) trained on only the first 3,000 characters of tiny Shakespeare, Adam "
      "lr 5e-3 constant, batch 16 windows of 48, 700 steps; validation on held-out text every 25 steps: "
      "the train loss keeps falling while val loss bottoms out and then rises steadily.")
def _c(ctx):
    recs, _ = plain("rnn-char", 700, "adam", 5e-3, batch=16, eval_every=25,
                    tkw=dict(n_chars=3000, hidden=128, ctx=48))
    write_jsonl(renamed(recs, {"step": "iter", "loss": "train_loss", "eval_loss": "val_loss"}),
                dest("generic-jsonl/lstm-charlm-small-text.jsonl"))


@case("jsonl-linreg-sgd-inf", "generic-jsonl/linreg-sgd-lr-too-high.jsonl", "generic-jsonl",
      "linear-regression", "sgd", "diverged",
      "Linear regression (20 features with scales up to 10x), plain SGD lr 0.05 (above 2/lambda_max), batch 32: "
      "the MSE grows geometrically to Infinity and then NaN (written as Python json's Infinity / NaN tokens).")
def _c(ctx):
    recs, _ = plain("linreg", 300, "sgd", 0.05, batch=32, tkw=dict(noise=1.0, cond=10.0))
    write_jsonl(renamed(recs, {"step": "step", "loss": "loss", "lr": "lr"}),
                dest("generic-jsonl/linreg-sgd-lr-too-high.jsonl"))


@case("jsonl-mlp-two-harmless-spikes", "generic-jsonl/mlp-two-harmless-spikes.jsonl", "generic-jsonl",
      "mlp-classifier", "momentum", "healthy",
      "Digits MLP 64-256-10, SGD momentum 0.9 lr 0.02 with step decay, batch 16, 1200 steps; two single "
      "batches (steps 120 and 190) carry 1 wrong label of 16: two one-step blips, training unaffected.",
      num_classes=10)
def _c(ctx):
    import torch

    recs, T = None, None
    torch_setup(SEED)
    T = make_task("mlp-digits", SEED, batch=16, hidden=(256,))
    o = make_opt(T.model.parameters(), "momentum", 0.02)
    g = torch.Generator().manual_seed(7)

    def half_wrong(xb, yb):
        yb = yb.clone()
        k = 1
        yb[:k] = (yb[:k] + torch.randint(1, 10, (k,), generator=g)) % 10
        return xb, yb
    recs = run_records(T, o, 1200, sched("step", 0.02, 1200, every=500, gamma=0.3), 100, None,
                       {120: half_wrong, 190: half_wrong})
    write_jsonl(renamed(recs, {"step": "step", "epoch": "epoch", "loss": "loss", "lr": "lr",
                               "eval_loss": "val_loss", "eval_acc": "val_acc"}),
                dest("generic-jsonl/mlp-two-harmless-spikes.jsonl"))


@case("jsonl-iris-mlp-short", "generic-jsonl/iris-mlp-short.jsonl", "generic-jsonl", "mlp-classifier", "adam",
      "healthy",
      "Iris MLP 4-32-3, Adam lr 0.01, batch 16 (8 steps/epoch), 5 epochs = 40 steps, every step logged: a "
      "very short, clean descent.", num_classes=3)
def _c(ctx):
    recs, _ = plain("mlp-iris", 40, "adam", 0.01, batch=16, eval_every=8)
    write_jsonl(renamed(recs, {"step": "step", "epoch": "epoch", "loss": "loss", "eval_loss": "val_loss",
                               "eval_acc": "val_acc"}), dest("generic-jsonl/iris-mlp-short.jsonl"))


# ==============================================================================================
# generic CSV: plain loops writing csv.writer rows under their own column names
# ==============================================================================================

@case("csv-blobs-mlp-momentum-cosine", "generic-csv/blobs-mlp-momentum-cosine.csv", "generic-csv", "mlp-classifier",
      "momentum", "healthy",
      "MLP 20-64-64-5 on make_classification (5 classes), SGD momentum 0.9 lr 0.05 with cosine decay, batch 32, "
      "900 steps (4,700 training rows); columns iteration,train_loss,lr (+ val_loss every 100).", num_classes=5)
def _c(ctx):
    recs, _ = plain("mlp-blobs", 900, "momentum", 0.05, "cosine", batch=32, eval_every=100,
                    tkw=dict(sep=2.0, n=5000))
    write_csv(recs, dest("generic-csv/blobs-mlp-momentum-cosine.csv"),
              {"step": "iteration", "loss": "train_loss", "lr": "lr", "eval_loss": "val_loss"})


@case("csv-cnn-epoch-step-loss", "generic-csv/cnn-epoch-step-loss.csv", "generic-csv", "cnn", "adamw", "healthy",
      "CNN on 8x8 digits, AdamW lr 2e-3 with a 45-step warmup and cosine decay, batch 32, 10 epochs (450 "
      "steps); columns epoch,step,loss (loss logged every 5 steps as the mean of the last 5 batches).",
      num_classes=10)
def _c(ctx):
    recs, _ = plain("cnn-digits", 450, "adamw", 2e-3, "cosine", warmup=45, batch=32, log_every=5)
    write_csv(recs, dest("generic-csv/cnn-epoch-step-loss.csv"), {"epoch": "epoch", "step": "step", "loss": "loss"},
              fmt="%.5f")


@case("csv-regmlp-rmsprop-bounce", "generic-csv/regmlp-rmsprop-const.csv", "generic-csv", "mlp-regression",
      "rmsprop", "oscillation",
      "Tanh MLP 1-64-64-1 fitting sin(2x)+0.1x^2, RMSprop constant lr 0.02 (no decay), batch 32, 1200 steps: "
      "after step ~30 the MSE bounces between ~0.005 and ~0.5 for the rest of the run with no downward trend "
      "(window medians 0.01-0.07); val MSE swings 0.008..0.56.")
def _c(ctx):
    recs, _ = plain("mlp-regression", 1200, "rmsprop", 0.02, batch=32, eval_every=100)
    write_csv(recs, dest("generic-csv/regmlp-rmsprop-const.csv"),
              {"step": "step", "loss": "mse", "lr": "learning_rate", "eval_loss": "val_mse"})


@case("csv-regmlp-one-harmless-spike", "generic-csv/regmlp-one-harmless-spike.csv", "generic-csv",
      "mlp-regression", "adam", "healthy",
      "Tanh MLP 1-64-64-1 fitting sin(2x)+0.1x^2 with noise 0.05, Adam lr 3e-3 cosine, batch 32, 1500 steps; "
      "the batch of step 600 has its targets scaled by 1.25 (one bad batch): a single one-step blip, then the descent "
      "continues as before.")
def _c(ctx):
    recs, _ = plain("mlp-regression", 1500, "adam", 3e-3, "cosine", batch=32, eval_every=100,
                    tkw=dict(noise=0.05), inject={600: ("targets", 1.25)})
    write_csv(recs, dest("generic-csv/regmlp-one-harmless-spike.csv"),
              {"step": "step", "loss": "train_loss", "eval_loss": "test_loss"})


@case("csv-diabetes-linreg-sgd-stalled", "generic-csv/diabetes-linreg-sgd-1e-5.csv", "generic-csv",
      "linear-regression", "sgd", "stagnation",
      "Linear regression on sklearn's diabetes data (standardised), plain SGD lr 2e-6, batch 16, 800 steps: "
      "the MSE stays at its initial ~1.2 (it moves by <1%).")
def _c(ctx):
    recs, _ = plain("linreg-diabetes", 800, "sgd", 2e-6, batch=16, eval_every=100)
    write_csv(recs, dest("generic-csv/diabetes-linreg-sgd-1e-5.csv"),
              {"step": "iter", "loss": "loss", "eval_loss": "val_loss"})


@case("csv-mlp-digits-overfit-sustained", "generic-csv/mlp-digits-120-samples.csv", "generic-csv",
      "mlp-classifier", "adam", "overfitting",
      "Digits MLP 64-512-512-10 trained on only 120 digits, Adam lr 3e-3 constant, batch 20, 2000 steps; "
      "val loss on 360 held-out digits every 50 steps: train loss -> ~1e-4 while val loss bottoms out early "
      "and then rises for the rest of the run.", num_classes=10)
def _c(ctx):
    recs, _ = plain("mlp-digits", 2000, "adam", 3e-3, batch=20, eval_every=50,
                    tkw=dict(n_train=120, hidden=(512, 512), scale="unit"))
    write_csv(recs, dest("generic-csv/mlp-digits-120-samples.csv"),
              {"step": "step", "epoch": "epoch", "loss": "train_loss", "eval_loss": "val_loss",
               "eval_acc": "val_accuracy"})


@case("csv-cnn-adam-lr-jump-collapse", "generic-csv/cnn-adam-lr-jump.csv", "generic-csv", "cnn", "adam",
      "diverged",
      "CNN on 8x8 digits, Adam lr 1e-3 for 300 steps (loss ~0.1), then a schedule bug sets lr 0.1 for the rest "
      "(400 more steps): the ReLUs die at once and the loss sits at ln(10) = 2.30 (chance) to the end; val "
      "accuracy ~0.1.", num_classes=10)
def _c(ctx):
    recs, _ = plain("cnn-digits", 700, "adam", 1e-3, batch=32, eval_every=50, skw=dict(jumps={(300, 700): 0.1}))
    write_csv(recs, dest("generic-csv/cnn-adam-lr-jump.csv"),
              {"step": "step", "loss": "loss", "lr": "lr", "eval_loss": "val_loss", "eval_acc": "val_acc"})


@case("csv-ae-scaled-input-batches", "generic-csv/autoencoder-bad-batches.csv", "generic-csv", "autoencoder",
      "adam", "spikes",
      "Autoencoder 64-32-8-32-64 (ReLU) on digits/16, Adam lr 2e-3 constant, batch 32, 1000 steps; the "
      "batches of steps 250, 480, 481 and 760 are multiplied by 6 (un-normalised pixels): the reconstruction "
      "MSE jumps 30-100x at exactly those steps and returns to its trend right after.")
def _c(ctx):
    recs, _ = plain("autoencoder", 1000, "adam", 2e-3, batch=32, eval_every=100,
                    inject={250: ("scale", 6.0), 480: ("scale", 6.0), 481: ("scale", 6.0), 760: ("scale", 6.0)})
    write_csv(recs, dest("generic-csv/autoencoder-bad-batches.csv"),
              {"step": "step", "loss": "recon_loss", "eval_loss": "val_recon_loss"})


@case("csv-lstm-adam-no-warmup", "generic-csv/lstm-charlm-adam-no-warmup.csv", "generic-csv", "rnn", "adam",
      "warmup",
      "Char LSTM (emb 32, hidden 128) on tiny Shakespeare, Adam lr 0.1 from step 0 (no warmup) with cosine "
      "decay, batch 16 windows of 64, 600 steps: the loss jumps from 4.2 to ~11 within the first steps, then "
      "recovers and trains normally.")
def _c(ctx):
    recs, _ = plain("rnn-char", 600, "adam", 0.1, "cosine", batch=16, eval_every=50, tkw=dict(hidden=128), seed=1)
    write_csv(recs, dest("generic-csv/lstm-charlm-adam-no-warmup.csv"),
              {"step": "step", "loss": "loss", "lr": "lr", "eval_loss": "val_loss"})


@case("csv-logreg-cancer-adam-bounce", "generic-csv/logreg-cancer-adam-lr1.csv", "generic-csv",
      "logistic-regression", "adam", "oscillation",
      "Logistic regression on breast cancer (30 standardised features), Adam constant lr 1.0 (far too high for a "
      "linear model, no decay), batch 32, 600 steps: the batch loss keeps jumping between ~0.001 and ~1-2 in "
      "every stretch of the run with no downward trend, and val_loss swings 0.15..0.87.", num_classes=2)
def _c(ctx):
    recs, _ = plain("logreg-cancer", 600, "adam", 1.0, batch=32, eval_every=50, seed=1)
    write_csv(recs, dest("generic-csv/logreg-cancer-adam-lr1.csv"),
              {"step": "step", "loss": "bce", "eval_loss": "val_bce", "eval_acc": "val_acc"})


@case("csv-logreg-digits-adagrad-long", "generic-csv/logreg-digits-adagrad-3500.csv", "generic-csv",
      "logistic-regression", "adagrad", "healthy",
      "A long run: multinomial logistic regression on digits (64 standardised pixels -> 10), Adagrad lr 0.05, "
      "batch 16, 3,500 steps all logged (iteration,loss,val_loss every 250): noisy per-step loss, steady "
      "decline, val loss flat-to-falling at the end.", num_classes=10)
def _c(ctx):
    recs, _ = plain("logreg-digits", 3500, "adagrad", 0.05, batch=16, eval_every=250)
    write_csv(recs, dest("generic-csv/logreg-digits-adagrad-3500.csv"),
              {"step": "iteration", "loss": "loss", "eval_loss": "val_loss"}, fmt="%.6g")


@case("csv-mlp-sgd-nan", "generic-csv/mlp-sgd-lr-5.csv", "generic-csv", "mlp-classifier", "momentum", "diverged",
      "Digits MLP 64-128-10, SGD momentum 0.9 constant lr 5 (absurd), batch 64, 300 steps: the loss explodes "
      "within a few steps and becomes inf/nan (written as 'inf' / 'nan' by csv.writer).", num_classes=10)
def _c(ctx):
    recs, _ = plain("mlp-digits", 300, "momentum", 5.0, batch=64, eval_every=25)
    write_csv(recs, dest("generic-csv/mlp-sgd-lr-5.csv"),
              {"step": "step", "loss": "loss", "lr": "lr", "eval_loss": "val_loss"})


# ==============================================================================================
# TensorBoard event files from torch.utils.tensorboard.SummaryWriter (PyTorch-style tags)
# ==============================================================================================

@case("tb-mlp-batch4-sgd-long", "tensorboard/mlp-batch4-sgd-long", "tensorboard", "mlp-classifier", "sgd",
      "healthy",
      "Digits MLP 64-128-10, plain SGD lr 0.01 constant, batch 4 (very noisy per-step loss), 4000 steps, every "
      "step logged as Loss/train, Loss/validation every 200 steps; the noisy loss falls steadily.", num_classes=10)
def _c(ctx):
    recs, _ = plain("mlp-digits", 4000, "sgd", 0.01, batch=4, eval_every=200)
    d = dest("tensorboard/mlp-batch4-sgd-long")
    write_tb(recs, d, {"loss": "Loss/train", "eval_loss": "Loss/validation"})
    finish_tb(d)


@case("tb-linreg-adam-const-slow-swings", "tensorboard/linreg-adam-lr0.3-const", "tensorboard", "linear-regression",
      "adam", "oscillation",
      "Linear regression (20 features, noise-free), Adam constant lr 0.3 (too high, no decay), batch 32, 3000 "
      "steps, tags train/mse and val/mse: the MSE reaches ~5e-4 by step 200 and then swings slowly up to "
      "~0.3-2 and back again, several times, for the rest of the run.", loss_key="train/mse")
def _c(ctx):
    recs, _ = plain("linreg", 3000, "adam", 0.3, batch=32, eval_every=100)
    d = dest("tensorboard/linreg-adam-lr0.3-const")
    write_tb(recs, d, {"loss": "train/mse", "eval_loss": "val/mse"})
    finish_tb(d)


@case("tb-linreg-sgd-rerun-same-logdir", "tensorboard/linreg-sgd-rerun", "tensorboard", "linear-regression",
      "momentum", "healthy",
      "TWO event files in one logdir: the same script was run twice (data seed the same, init seed different) "
      "with SummaryWriter(log_dir=...) pointing at the same folder. Linear regression (20 features, small "
      "noise), SGD momentum 0.9 lr 0.01 with step decay, batch 32, 800 steps each; tags train/loss, val/loss. "
      "Both runs converge to the noise floor (~1e-3).")
def _c(ctx):
    d = dest("tensorboard/linreg-sgd-rerun")
    for seed in (SEED, SEED + 1):
        recs, _ = plain("linreg", 800, "momentum", 0.01, "step", batch=32, eval_every=50, tkw=dict(noise=10.0),
                        skw=dict(every=300, gamma=0.3), seed=seed)
        write_tb(recs, d, {"loss": "train/loss", "eval_loss": "val/loss", "lr": "train/lr"})
        time.sleep(0.02)
    finish_tb(d)


@case("tb-mlp-rerun-both-nan", "tensorboard/mlp-sgd-rerun-nan", "tensorboard", "mlp-classifier", "momentum",
      "diverged",
      "TWO event files in one logdir: a run that went to NaN and was killed at step 150, then rerun with another "
      "seed into the same logdir, which diverged again. Digits MLP 64-256-256-10, SGD momentum 0.9 constant lr "
      "3 (absurd), batch 64; tags train/loss, val/loss (every 25): the first run explodes to ~1e22 and is NaN "
      "from step 13 on; the rerun explodes to ~4e16 at step 12 and then sits at chance level (~2.4, ln 10 = "
      "2.30) for the rest of its 300 steps.", num_classes=10)
def _c(ctx):
    d = dest("tensorboard/mlp-sgd-rerun-nan")
    for seed, steps in ((SEED, 150), (SEED + 7, 300)):
        recs, _ = plain("mlp-digits", steps, "momentum", 3.0, batch=64, eval_every=25,
                        tkw=dict(hidden=(256, 256)), seed=seed)
        write_tb(recs, d, {"loss": "train/loss", "eval_loss": "val/loss"})
        time.sleep(0.02)
    finish_tb(d)


@case("tb-gru-resumed-overfit", "tensorboard/gru-digits-resumed", "tensorboard", "rnn", "adam", "overfitting",
      "TWO event files in one logdir from a crash and resume: GRU (hidden 128) on only 80 digits read row by "
      "row, Adam lr 3e-3 constant, batch 16. Process 1 logged steps 0..700 and died; process 2 reloaded the "
      "step-600 checkpoint and continued 600..1600 (steps 600..700 appear in both files). Tags Loss/train "
      "(every step) and Loss/validation (every 50 on 360 held-out digits): the validation loss bottoms out "
      "early and then climbs through the resume to the end.", num_classes=10)
def _c(ctx):
    import copy
    import torch
    from torch.utils.tensorboard import SummaryWriter
    torch_setup(SEED)
    T = make_task("rnn-digits", SEED, batch=16, n_train=80, hidden=128)
    opt = make_opt(T.model.parameters(), "adam", 3e-3)
    d = dest("tensorboard/gru-digits-resumed")
    saved = {}
    w = SummaryWriter(log_dir=str(d))

    def log1(r):
        w.add_scalar("Loss/train", r["loss"], r["step"])
        if "eval_loss" in r:
            w.add_scalar("Loss/validation", r["eval_loss"], r["step"])
        if r["step"] == 599:
            saved["state"] = (copy.deepcopy(T.model.state_dict()), copy.deepcopy(opt.state_dict()),
                              T.g.get_state(), T.perm.clone(), T.pos, T.epoch)
    train_loop(T, opt, 701, lambda s: 3e-3, log1, eval_every=50)
    w.close()
    time.sleep(0.02)
    m, o, gs, perm, pos, ep = saved["state"]
    T.model.load_state_dict(m)
    opt.load_state_dict(o)
    T.g.set_state(gs)
    T.perm, T.pos, T.epoch = perm, pos, ep
    T.g.manual_seed(99)           # a different data order after the restart
    w = SummaryWriter(log_dir=str(d))

    def log2(r):
        w.add_scalar("Loss/train", r["loss"], r["step"])
        if "eval_loss" in r:
            w.add_scalar("Loss/validation", r["eval_loss"], r["step"])
    train_loop(T, opt, 1600, lambda s: 3e-3, log2, eval_every=50, start=600)
    w.close()
    finish_tb(d)


@case("tb-cnn-scaled-input-spikes", "tensorboard/cnn-bad-batches", "tensorboard", "cnn", "adam", "spikes",
      "CNN on 8x8 digits, Adam lr 1e-3 constant, batch 32, 800 steps; the batches of steps 200, 420 and 610 "
      "have every label replaced by a wrong one (a mislabelled shard): the loss jumps 10-100x at exactly those "
      "steps, then recovers within a few steps. Tags train/loss, val/loss (every 50).", num_classes=10)
def _c(ctx):
    recs, _ = plain("cnn-digits", 800, "adam", 1e-3, batch=32, eval_every=50,
                    inject={200: ("labels", None), 420: ("labels", None), 610: ("labels", None)})
    d = dest("tensorboard/cnn-bad-batches")
    write_tb(recs, d, {"loss": "train/loss", "eval_loss": "val/loss"})
    finish_tb(d)


@case("tb-lstm-sgd-tiny-lr", "tensorboard/lstm-charlm-sgd-1e-3", "tensorboard", "rnn", "sgd", "stagnation",
      "Char LSTM (emb 32, hidden 128) on tiny Shakespeare, plain SGD lr 1e-3 (far too small for SGD on this "
      "model), batch 16 windows of 64, 500 steps; tag Loss/train every step, Loss/val every 50: the loss stays "
      "at ln(65) ~ 4.17.")
def _c(ctx):
    recs, _ = plain("rnn-char", 500, "sgd", 1e-3, batch=16, eval_every=50, tkw=dict(hidden=128))
    d = dest("tensorboard/lstm-charlm-sgd-1e-3")
    write_tb(recs, d, {"loss": "Loss/train", "eval_loss": "Loss/val"})
    finish_tb(d)


@case("tb-linreg-heavy-momentum-blowup", "tensorboard/linreg-momentum-0.99", "tensorboard", "linear-regression",
      "momentum", "diverged",
      "Linear regression (20 features), SGD momentum 0.99 lr 0.05 constant, batch 32, 600 steps: the heavy-ball "
      "iteration is unstable and the MSE grows geometrically from ~1 to ~1e6 (finite). Tags train/loss, "
      "val/loss.")
def _c(ctx):
    recs, _ = plain("linreg", 600, "momentum", 0.05, batch=32, eval_every=50, okw=dict(momentum=0.99))
    d = dest("tensorboard/linreg-momentum-0.99")
    write_tb(recs, d, {"loss": "train/loss", "eval_loss": "val/loss"})
    finish_tb(d)


@case("tb-lstm-charlm-adam-no-warmup", "tensorboard/lstm-charlm-adam-no-warmup", "tensorboard", "rnn", "adam", "warmup",
      "Char LSTM (emb 32, hidden 256) on tiny Shakespeare, Adam lr 0.05 from step 0 (no warmup) with cosine "
      "decay, batch 16, 400 steps, tags train/loss, train/lr, val/loss: 4.18 -> 3.79 at step 1, then an "
      "excursion above the start (5.34, 5.22, 4.75, 4.27 at steps 2-5), then normal training to ~2.0.")
def _c(ctx):
    recs, _ = plain("rnn-char", 400, "adam", 0.05, "cosine", batch=16, eval_every=50, tkw=dict(hidden=256),
                    seed=1)
    d = dest("tensorboard/lstm-charlm-adam-no-warmup")
    write_tb(recs, d, {"loss": "train/loss", "lr": "train/lr", "eval_loss": "val/loss"})
    finish_tb(d)


@case("tb-lstm-adam-with-warmup", "tensorboard/lstm-charlm-adam-warmup", "tensorboard", "rnn", "adam", "healthy",
      "Control of tb-lstm-charlm-adam-no-warmup: identical but with a 60-step linear warmup to lr 0.05, then cosine: "
      "smooth descent.")
def _c(ctx):
    recs, _ = plain("rnn-char", 400, "adam", 0.05, "cosine", warmup=60, batch=16, eval_every=50,
                    tkw=dict(hidden=256), seed=1)
    d = dest("tensorboard/lstm-charlm-adam-warmup")
    write_tb(recs, d, {"loss": "train/loss", "lr": "train/lr", "eval_loss": "val/loss"})
    finish_tb(d)


@case("tb-mlp-overfit-small-rise", "tensorboard/mlp-blobs-150-samples", "tensorboard", "mlp-classifier",
      "adam", "overfitting",
      "MLP 20-256-5 on only 150 rows of a 5-class make_classification problem, Adam lr 3e-3 constant, batch 25, "
      "180 steps, validation (300 rows) every 30 steps: the train loss keeps falling; val loss reaches its "
      "minimum at the second evaluation and the last evaluations rise by ~10-15%. Tags train/loss (every step), "
      "val/loss, val/accuracy.", num_classes=5)
def _c(ctx):
    recs, _ = plain("mlp-blobs", 180, "adam", 3e-3, batch=25, eval_every=30,
                    tkw=dict(n=450, hidden=(256,), sep=1.0))
    d = dest("tensorboard/mlp-blobs-150-samples")
    write_tb(recs, d, {"loss": "train/loss", "eval_loss": "val/loss", "eval_acc": "val/accuracy"})
    finish_tb(d)


@case("tb-regmlp-relu-collapse", "tensorboard/regmlp-relu-lr-jump", "tensorboard", "mlp-regression", "adam",
      "diverged",
      "ReLU MLP 2-64-64-1 fitting a 2-D bump, Adam lr 3e-3 for 300 steps (MSE ~2e-4), then the lr is set to 0.3 "
      "by mistake for the rest: the ReLUs die, the net outputs a constant and the MSE goes back to its starting "
      "value (~0.17 = the target variance) and stays there. Tags train/mse, val/mse.", loss_key="train/mse")
def _c(ctx):
    recs, _ = plain("mlp-regression", 1000, "adam", 3e-3, batch=32, eval_every=50,
                    tkw=dict(act="relu", hidden=(64, 64), fn="bump"), skw=dict(jumps={(300, 1000): 0.3}))
    d = dest("tensorboard/regmlp-relu-lr-jump")
    write_tb(recs, d, {"loss": "train/mse", "lr": "train/lr", "eval_loss": "val/mse"})
    finish_tb(d)


@case("tb-logreg-cancer-adagrad-short", "tensorboard/logreg-cancer-adagrad/runs", "tensorboard",
      "logistic-regression", "adagrad", "healthy",
      "SummaryWriter() default layout: runs/<date>_<host>/ under the script's folder (the path given is runs/). "
      "Logistic regression on breast cancer (30 standardised features), Adagrad lr 0.05, batch 32, 3 epochs "
      "= 45 steps, tags loss and val_loss: a very short clean run.", num_classes=2)
def _c(ctx):
    recs, _ = plain("logreg-cancer", 45, "adagrad", 0.05, batch=32, eval_every=15)
    d = dest("tensorboard/logreg-cancer-adagrad/runs") / "Nov14_22-13-20_lrkit-corpus"
    write_tb(recs, d, {"loss": "loss", "eval_loss": "val_loss"})
    finish_tb(d)


@case("tb-autoencoder-rmsprop-new-style", "tensorboard/autoencoder-rmsprop", "tensorboard", "autoencoder",
      "rmsprop", "healthy",
      "Autoencoder 64-32-8-32-64 on digits/16, RMSprop lr 1e-3 with cosine decay, batch 32, 2000 steps; "
      "SummaryWriter.add_scalar(new_style=True) (tensor float_val encoding), tags train/recon_loss and "
      "val/recon_loss; smooth decay.")
def _c(ctx):
    recs, _ = plain("autoencoder", 2000, "rmsprop", 1e-3, "cosine", batch=32, eval_every=100)
    d = dest("tensorboard/autoencoder-rmsprop")
    write_tb(recs, d, {"loss": "train/recon_loss", "eval_loss": "val/recon_loss", "lr": "lr"}, new_style=True)
    finish_tb(d)


@case("tb-postln-transformer-warmup-cosine", "tensorboard/postln-transformer-warmup", "tensorboard",
      "char-transformer", "adam", "healthy",
      "Post-LN char transformer (2 layers, d 64, 4 heads, ctx 64), Adam lr 3e-3 with 100-step warmup and cosine "
      "decay, batch 16, 600 steps; tags Loss/train, Loss/validation (every 50), lr.")
def _c(ctx):
    recs, _ = plain("gpt-char", 600, "adam", 3e-3, "cosine", warmup=100, batch=16, eval_every=50,
                    tkw=dict(norm_first=False, d=64, L=2))
    d = dest("tensorboard/postln-transformer-warmup")
    write_tb(recs, d, {"loss": "Loss/train", "eval_loss": "Loss/validation", "lr": "lr"})
    finish_tb(d)


# ==============================================================================================
# MLflow file store (mlflow.log_metrics through a file: tracking URI) from plain loops
# ==============================================================================================

def mlflow_case(name, rel, recs, keys, params, root_level=False):
    root = dest(rel if root_level else rel.split("/mlruns/")[0] + "/mlruns")
    return write_mlflow(recs, root, name, keys, params)


def mlrun(name):
    """The fixed run directory of an MLflow case: <case>/mlruns/<experiment id>/<run id>."""
    eid, rid = fixed_ids(name)
    return f"mlflow/{name.removeprefix('mlf-')}/mlruns/{eid}/{rid}"


@case("mlf-regmlp-rmsprop-bounce", mlrun("mlf-regmlp-rmsprop-bounce"), "mlflow", "mlp-regression", "rmsprop",
      "oscillation",
      "Tanh MLP 1-64-64-1 fitting sin(2x)+0.1x^2, RMSprop constant lr 0.03 (too high, no decay), batch 32, 1500 "
      "steps, metrics train_loss / val_loss (every 100): after the first ~50 steps the MSE bounces between "
      "~0.03 and ~0.7 for the whole run with no downward trend.")
def _c(ctx):
    recs, _ = plain("mlp-regression", 1500, "rmsprop", 0.03, batch=32, eval_every=100)
    mlflow_case("mlf-regmlp-rmsprop-bounce", ctx.case["path"], recs,
                {"loss": "train_loss", "eval_loss": "val_loss"}, {"lr": 0.03, "optimizer": "RMSprop"})


@case("mlf-linreg-sgd-near-zero", "mlflow/linreg-sgd-near-zero/mlruns", "mlflow", "linear-regression", "sgd",
      "healthy",
      "The whole mlruns/ store (one experiment, one run) is the path. Linear regression (20 features, "
      "small noise), plain SGD lr 0.1 constant, batch 32, 400 steps, metric mse (+ val_mse every 50): "
      "the MSE falls geometrically from ~2 to the noise floor (~1e-5) within ~100 steps and stays there.",
      loss_key="mse")
def _c(ctx):
    recs, _ = plain("linreg", 400, "sgd", 0.1, batch=32, eval_every=50, tkw=dict(noise=0.5))
    mlflow_case("mlf-linreg-sgd-near-zero", ctx.case["path"], recs, {"loss": "mse", "eval_loss": "val_mse"},
                {"lr": 0.1, "optimizer": "SGD", "batch_size": 32}, root_level=True)


@case("mlf-logreg-cancer-sgd-stalled", mlrun("mlf-logreg-cancer-sgd-stalled"), "mlflow", "logistic-regression",
      "sgd", "stagnation",
      "Logistic regression on breast cancer (30 standardised features), plain SGD lr 1e-5, batch 32, 600 steps, "
      "metrics loss / val_loss: the BCE stays at its initial value (~0.5; val 0.505 -> 0.501).", num_classes=2)
def _c(ctx):
    recs, _ = plain("logreg-cancer", 600, "sgd", 1e-5, batch=32, eval_every=60, seed=3)
    mlflow_case("mlf-logreg-cancer-sgd-stalled", ctx.case["path"], recs, {"loss": "loss", "eval_loss": "val_loss"},
                {"lr": 1e-5, "optimizer": "SGD"})


@case("mlf-mlp-sgd-lr-jump-nan", mlrun("mlf-mlp-sgd-lr-jump-nan"), "mlflow", "mlp-classifier", "momentum",
      "diverged",
      "Digits MLP 64-128-10, SGD momentum 0.9 lr 0.05 for 200 steps (loss ~0.03), then a bad manual lr change "
      "to 8: the loss explodes to ~1e35 within 30 steps, then inf and NaN (MLflow stores the 'nan' values).",
      num_classes=10)
def _c(ctx):
    recs, _ = plain("mlp-digits", 400, "momentum", 0.05, batch=32, eval_every=40,
                    skw=dict(jumps={(200, 400): 8.0}))
    mlflow_case("mlf-mlp-sgd-lr-jump-nan", ctx.case["path"], recs, {"loss": "train_loss", "eval_loss": "val_loss",
                                                              "lr": "lr"}, {"lr": 0.05})


@case("mlf-cnn-mislabelled-batches", mlrun("mlf-cnn-mislabelled-batches"), "mlflow", "cnn", "momentum", "spikes",
      "CNN on 8x8 digits, SGD momentum 0.9 lr 0.05 with cosine decay, batch 32, 900 steps; the batches of steps "
      "250, 500, 501 and 750 have every label wrong: the loss jumps far above its trend at those steps and "
      "returns to it within a few steps. Metrics train_loss / val_loss.", num_classes=10)
def _c(ctx):
    recs, _ = plain("cnn-digits", 900, "momentum", 0.05, "cosine", batch=32, eval_every=90,
                    inject={s: ("labels", None) for s in (250, 500, 501, 750)})
    mlflow_case("mlf-cnn-mislabelled-batches", ctx.case["path"], recs,
                {"loss": "train_loss", "eval_loss": "val_loss"}, {"lr": 0.05, "momentum": 0.9})


@case("mlf-gru-overfit", mlrun("mlf-gru-overfit"), "mlflow", "rnn", "adam", "overfitting",
      "GRU (hidden 128) on 100 digits read row by row, Adam lr 5e-3 constant, batch 20, 1200 steps; val_loss "
      "(360 digits) every 40 steps: val loss bottoms out at step ~160 and then rises steadily (+30%) "
      "while train loss -> ~1e-4.", num_classes=10)
def _c(ctx):
    recs, _ = plain("rnn-digits", 1200, "adam", 5e-3, batch=20, eval_every=40, tkw=dict(n_train=100, hidden=128))
    mlflow_case("mlf-gru-overfit", ctx.case["path"], recs,
                {"loss": "train_loss", "eval_loss": "val_loss", "eval_acc": "val_acc"}, {"lr": 5e-3})


@case("mlf-autoencoder-adagrad", mlrun("mlf-autoencoder-adagrad"), "mlflow", "autoencoder", "adagrad", "healthy",
      "Autoencoder 64-32-8-32-64 (tanh) on digits/16, Adagrad lr 0.05, batch 32, 1200 steps, metrics "
      "recon_loss / val_recon_loss: smooth decay.")
def _c(ctx):
    recs, _ = plain("autoencoder", 1200, "adagrad", 0.05, batch=32, eval_every=100, tkw=dict(act="tanh"))
    mlflow_case("mlf-autoencoder-adagrad", ctx.case["path"], recs,
                {"loss": "recon_loss", "eval_loss": "val_recon_loss"}, {"lr": 0.05, "optimizer": "Adagrad"})


@case("mlf-regmlp-relu-adam-no-warmup", mlrun("mlf-regmlp-relu-adam-no-warmup"), "mlflow", "mlp-regression",
      "adam", "warmup",
      "ReLU MLP 1-128-128-1 fitting sin(2x)+0.1x^2, Adam lr 0.1 from step 0 (no warmup) with cosine decay, "
      "batch 32, 800 steps: the MSE shoots from 0.52 to ~300 at steps 1-2 and stays above its start until "
      "step ~20; then normal training to ~0.01.")
def _c(ctx):
    recs, _ = plain("mlp-regression", 800, "adam", 0.1, "cosine", batch=32, eval_every=50,
                    tkw=dict(act="relu", hidden=(128, 128)), seed=1)
    mlflow_case("mlf-regmlp-relu-adam-no-warmup", ctx.case["path"], recs,
                {"loss": "loss", "eval_loss": "val_loss", "lr": "lr"}, {"lr": 0.1, "warmup_steps": 0})


@case("mlf-mlp-adam-lr-jump-collapse", "mlflow/mlp-adam-lr-jump-collapse/mlruns", "mlflow", "mlp-classifier",
      "adam", "diverged",
      "The whole mlruns/ store is the path. Digits MLP 64-128-128-10, Adam lr 1e-3 for 250 steps (loss "
      "~0.05), then lr 0.3 from a mistyped schedule: the loss jumps and then sits at ~2.34 (ln 10 = 2.30, "
      "chance) for the remaining 550 steps; val accuracy ~0.1.", num_classes=10)
def _c(ctx):
    recs, _ = plain("mlp-digits", 800, "adam", 1e-3, batch=32, eval_every=50, tkw=dict(hidden=(128, 128)),
                    skw=dict(jumps={(250, 800): 0.3}))
    mlflow_case("mlf-mlp-adam-lr-jump-collapse", ctx.case["path"], recs,
                {"loss": "train_loss", "eval_loss": "val_loss", "eval_acc": "val_accuracy", "lr": "lr"},
                {"lr": 1e-3}, root_level=True)


@case("mlf-blobs-momentum-step-decay", mlrun("mlf-blobs-momentum-step-decay"), "mlflow", "mlp-classifier",
      "momentum", "healthy",
      "MLP 20-64-64-5 on make_classification (5 classes, 4,700 training rows), SGD Nesterov momentum 0.9 lr "
      "0.05 with step decay x0.2 every 300 steps, batch 64, 900 steps: steady descent.", num_classes=5)
def _c(ctx):
    recs, _ = plain("mlp-blobs", 900, "momentum", 0.05, "step", batch=64, eval_every=50,
                    tkw=dict(sep=2.0, n=5000), okw=dict(nesterov=True), skw=dict(every=300, gamma=0.2))
    mlflow_case("mlf-blobs-momentum-step-decay", ctx.case["path"], recs,
                {"loss": "train_loss", "eval_loss": "val_loss", "lr": "learning_rate"}, {"lr": 0.05})


# ==============================================================================================
# W&B history exports (run.history() -> pandas -> CSV; scan_history() -> JSONL) of plain loops
# ==============================================================================================

@case("wb-blobs-mlp-onecycle", "wandb-csv/blobs-mlp-onecycle.csv", "wandb-csv", "mlp-classifier", "adamw",
      "healthy",
      "W&B run.history() exported with pandas to_csv (index column kept). MLP 20-128-128-5 on make_classification "
      "(5 classes, 4,700 rows), AdamW with a one-cycle schedule peaking at 3e-3, batch 64, 800 steps; keys "
      "train/loss, lr every step, val/loss + val/acc every 50.", num_classes=5)
def _c(ctx):
    recs, _ = plain("mlp-blobs", 800, "adamw", 3e-3, "onecycle", batch=64, eval_every=50,
                    tkw=dict(sep=2.0, n=5000, hidden=(128, 128)))
    rows = wandb_rows(recs, {"loss": "train/loss", "lr": "lr", "eval_loss": "val/loss", "eval_acc": "val/acc"},
                      "wb-blobs-mlp-onecycle")
    write_wandb_csv(rows, dest("wandb-csv/blobs-mlp-onecycle.csv"), index=True)


@case("wb-gru-momentum-swings", "wandb-csv/gru-digits-momentum-const.csv", "wandb-csv", "rnn", "momentum",
      "oscillation",
      "W&B history CSV (index=False). GRU on digits rows, SGD momentum 0.9 constant lr 0.5 (too high, no decay), "
      "batch 32, 1000 steps: the loss reaches ~0.2 at step 140, swings up to ~2.5 (step 300, above the 2.3 "
      "start), back down to ~0.9 (step 440), up to ~1.6 (500) and keeps swinging between ~0.7 and ~1.4 to the "
      "end, never settling; val loss swings 0.28 -> 4.5 -> 1.1 -> 1.3.", num_classes=10,
      acceptable=["diverged"])
def _c(ctx):
    recs, _ = plain("rnn-digits", 1000, "momentum", 0.5, batch=32, eval_every=50, seed=1)
    rows = wandb_rows(recs, {"loss": "train/loss", "eval_loss": "val/loss", "eval_acc": "val/acc"},
                      "wb-gru-momentum-swings")
    write_wandb_csv(rows, dest("wandb-csv/gru-digits-momentum-const.csv"), index=False)


@case("wb-linreg-raw-targets-adam", "wandb-csv/linreg-raw-targets-adam-lr-3.csv", "wandb-csv",
      "linear-regression", "adam", "healthy",
      "W&B history CSV. Linear regression on targets in raw units (std ~300), Adam lr 3 constant, batch 32, 600 "
      "steps. Built as a 'too high lr' run, but it trains fine: the MSE falls from ~8e4 to the noise floor "
      "(~25 = noise std 5 squared) by step ~100 and stays there (val 408 -> 28).")
def _c(ctx):
    recs, _ = plain("linreg", 600, "adam", 3.0, batch=32, eval_every=50, tkw=dict(yscale=1.0, noise=5.0))
    rows = wandb_rows(recs, {"loss": "train/loss", "lr": "lr", "eval_loss": "val/loss"}, "wb-linreg-raw-targets-adam")
    write_wandb_csv(rows, dest("wandb-csv/linreg-raw-targets-adam-lr-3.csv"), index=True)


@case("wb-cnn-overfit-noisy", "wandb-csv/cnn-digits-150-samples.csv", "wandb-csv", "cnn", "adam", "overfitting",
      "W&B history CSV. CNN on only 150 digits, Adam lr 2e-3 constant, batch 15, 700 steps, val/loss (360 "
      "digits) every 35 steps: val loss bottoms out at ~step 200 and drifts up noisily while the train loss "
      "goes to ~1e-4.", num_classes=10)
def _c(ctx):
    recs, _ = plain("cnn-digits", 700, "adam", 2e-3, batch=15, eval_every=35, tkw=dict(n_train=150))
    rows = wandb_rows(recs, {"loss": "train/loss", "eval_loss": "val/loss", "eval_acc": "val/acc"},
                      "wb-cnn-overfit-noisy")
    write_wandb_csv(rows, dest("wandb-csv/cnn-digits-150-samples.csv"), index=True)


@case("wb-lstm-foreign-text-spikes", "wandb-csv/lstm-charlm-bad-shards.csv", "wandb-csv", "rnn", "adam", "spikes",
      "W&B history CSV. Char LSTM (hidden 128) on tiny Shakespeare, Adam lr 3e-3 with cosine decay, batch 16, "
      "500 steps; the batches of steps 150, 300 and 420 are text re-encoded through a random character "
      "permutation (a corrupt shard): the loss jumps from ~2.1 to 5-6 at exactly those steps and is back on "
      "trend at the next step.")
def _c(ctx):
    recs, _ = plain("rnn-char", 500, "adam", 3e-3, "cosine", batch=16, eval_every=50,
                    tkw=dict(hidden=128), inject={s: ("labels", None) for s in (150, 300, 420)})
    rows = wandb_rows(recs, {"loss": "train/loss", "lr": "lr", "eval_loss": "val/loss"},
                      "wb-lstm-foreign-text-spikes")
    write_wandb_csv(rows, dest("wandb-csv/lstm-charlm-bad-shards.csv"), index=False)


@case("wb-regmlp-adam-2e-7", "wandb-csv/regmlp-adam-2e-7.csv", "wandb-csv", "mlp-regression", "adam",
      "stagnation",
      "W&B history CSV. Tanh MLP 1-64-64-1 fitting sin(2x)+0.1x^2, Adam lr 2e-7 (far too small), batch 32, 800 "
      "steps, keys train/mse, val/mse: the MSE stays at ~0.7 (val moves by ~1%).", loss_key="train/mse")
def _c(ctx):
    recs, _ = plain("mlp-regression", 800, "adam", 2e-7, batch=32, eval_every=50)
    rows = wandb_rows(recs, {"loss": "train/mse", "eval_loss": "val/mse"}, "wb-regmlp-adam-2e-7")
    write_wandb_csv(rows, dest("wandb-csv/regmlp-adam-2e-7.csv"), index=True)


@case("wb-mlp-long-sampled-history", "wandb-csv/mlp-digits-long-sampled.csv", "wandb-csv", "mlp-classifier",
      "sgd", "healthy",
      "W&B run.history() with its default samples=500 on a 5,000-step run: the export holds 500 of the 5,000 "
      "history rows (a random subset in step order, as W&B's sampled history returns). Digits MLP 64-128-10, "
      "plain SGD lr 0.05, batch 8, linear decay; keys train/loss, lr every step, val/loss every 250.",
      num_classes=10)
def _c(ctx):
    recs, _ = plain("mlp-digits", 5000, "sgd", 0.05, "linear", batch=8, eval_every=250)
    rows = wandb_rows(recs, {"loss": "train/loss", "lr": "lr", "eval_loss": "val/loss"},
                      "wb-mlp-long-sampled-history")
    write_wandb_csv(rows, dest("wandb-csv/mlp-digits-long-sampled.csv"), index=True, samples=500, seed=5)


@case("wb-cnn-adam-no-warmup", "wandb-csv/cnn-adam-no-warmup.csv", "wandb-csv", "cnn", "adam", "warmup",
      "W&B history CSV. CNN on 8x8 digits, Adam lr 0.05 from step 0 (no warmup) with cosine decay, batch 32, "
      "400 steps: the first full-lr update throws the loss from 2.3 to ~10 (step 1); it then sits at chance "
      "(~2.3) for ~40 steps before it starts to learn and trains normally to ~0.2.", num_classes=10)
def _c(ctx):
    recs, _ = plain("cnn-digits", 400, "adam", 0.05, "cosine", batch=32, eval_every=50)
    rows = wandb_rows(recs, {"loss": "train/loss", "lr": "lr", "eval_loss": "val/loss", "eval_acc": "val/acc"},
                      "wb-cnn-adam-no-warmup")
    write_wandb_csv(rows, dest("wandb-csv/cnn-adam-no-warmup.csv"), index=True)


# -- JSONL: one history dict per line (json.dumps of run.scan_history() rows, or the old local
#    wandb-history.jsonl), keys in logged order then _timestamp, _runtime, _step -----------------

@case("wbj-prenorm-gpt-cosine", "wandb-jsonl/prenorm-gpt-cosine.jsonl", "wandb-jsonl", "char-transformer",
      "adamw", "healthy",
      "Pre-LN char transformer (2 layers, d 64), AdamW lr 3e-3 wd 0.1, 50-step warmup + cosine, batch 16, 500 "
      "steps, keys train/loss, lr (every step), val/loss (every 50).")
def _c(ctx):
    recs, _ = plain("gpt-char", 500, "adamw", 3e-3, "cosine", warmup=50, batch=16, eval_every=50,
                    okw=dict(wd=0.1), tkw=dict(norm_first=True, d=64, L=2))
    rows = wandb_rows(recs, {"loss": "train/loss", "lr": "lr", "eval_loss": "val/loss"}, "wbj-prenorm-gpt-cosine")
    write_jsonl(rows, dest("wandb-jsonl/prenorm-gpt-cosine.jsonl"))


@case("wbj-rnn-lr-jump-collapse", "wandb-jsonl/gru-digits-lr-jump.jsonl", "wandb-jsonl", "rnn", "adam",
      "diverged",
      "GRU on digits rows, Adam lr 2e-3 for 400 steps (loss ~0.1), then lr 0.5 from a broken resume config: "
      "the loss jumps to ~40 and for the remaining 400 steps stays above its starting value (median ~4-7, "
      "3.8 at the end vs 2.30 at the start); val loss 0.23 -> 20 -> 3.9.", num_classes=10)
def _c(ctx):
    recs, _ = plain("rnn-digits", 800, "adam", 2e-3, batch=32, eval_every=50, skw=dict(jumps={(400, 800): 0.5}))
    rows = wandb_rows(recs, {"loss": "loss", "lr": "lr", "eval_loss": "val_loss", "eval_acc": "val_acc"},
                      "wbj-rnn-lr-jump-collapse")
    write_jsonl(rows, dest("wandb-jsonl/gru-digits-lr-jump.jsonl"))


@case("wbj-regmlp-rmsprop-bump-bounce", "wandb-jsonl/regmlp-rmsprop-bump.jsonl", "wandb-jsonl", "mlp-regression",
      "rmsprop", "oscillation",
      "Tanh MLP 2-64-64-1 fitting a 2-D bump (different data seed), RMSprop constant lr 0.03, batch 32, 1000 "
      "steps: the MSE bounces by an order of magnitude for the whole run without a downward trend.")
def _c(ctx):
    recs, _ = plain("mlp-regression", 1000, "rmsprop", 0.03, batch=32, eval_every=50,
                    tkw=dict(fn="bump", data_seed=2), seed=5)
    rows = wandb_rows(recs, {"loss": "train/loss", "lr": "lr", "eval_loss": "val/loss"},
                      "wbj-regmlp-rmsprop-bump-bounce")
    write_jsonl(rows, dest("wandb-jsonl/regmlp-rmsprop-bump.jsonl"))


@case("wbj-gpt-small-text-overfit", "wandb-jsonl/gpt-2500-chars.jsonl", "wandb-jsonl", "char-transformer",
      "adam", "overfitting",
      "Pre-LN char transformer (2 layers, d 64) trained on only the first 2,500 characters of tiny Shakespeare, "
      "Adam lr 3e-3 constant, batch 16 windows of 64, 600 steps; val/loss on held-out text every 25 steps "
      "bottoms out early and then rises steadily while train/loss keeps falling.")
def _c(ctx):
    recs, _ = plain("gpt-char", 600, "adam", 3e-3, batch=16, eval_every=25,
                    tkw=dict(n_chars=2500, norm_first=True, d=64, L=2))
    rows = wandb_rows(recs, {"loss": "train/loss", "eval_loss": "val/loss"}, "wbj-gpt-small-text-overfit")
    write_jsonl(rows, dest("wandb-jsonl/gpt-2500-chars.jsonl"))


@case("wbj-mlp-sgd-shock-partial-recovery", "wandb-jsonl/mlp-sgd-shock.jsonl", "wandb-jsonl", "mlp-classifier",
      "momentum", "spikes",
      "Digits MLP 64-128-10, SGD momentum 0.9 lr 0.02 constant, batch 32, 900 steps; the batches of steps 300 "
      "and 600 are garbage (inputs x20 and wrong labels): each produces a huge spike and a large, slow-to-heal "
      "setback.", num_classes=10)
def _c(ctx):
    recs, _ = plain("mlp-digits", 900, "momentum", 0.02, batch=32, eval_every=50,
                    inject={300: ("shock", 20.0), 600: ("shock", 20.0)})
    rows = wandb_rows(recs, {"loss": "train_loss", "eval_loss": "val_loss", "lr": "lr"},
                      "wbj-mlp-sgd-shock-partial-recovery")
    write_jsonl(rows, dest("wandb-jsonl/mlp-sgd-shock.jsonl"))


@case("wbj-lstm-rmsprop-1e-6-stalled", "wandb-jsonl/lstm-rmsprop-1e-6.jsonl", "wandb-jsonl", "rnn", "rmsprop",
      "stagnation",
      "Char LSTM (hidden 64) on tiny Shakespeare, RMSprop lr 1e-6, batch 16, 400 steps: the loss stays at "
      "~ln(65) = 4.17.")
def _c(ctx):
    recs, _ = plain("rnn-char", 400, "rmsprop", 1e-6, batch=16, eval_every=50, tkw=dict(hidden=64))
    rows = wandb_rows(recs, {"loss": "loss", "eval_loss": "val_loss"}, "wbj-lstm-rmsprop-tiny-lr")
    write_jsonl(rows, dest("wandb-jsonl/lstm-rmsprop-1e-6.jsonl"))


@case("wbj-regmlp-momentum-nan", "wandb-jsonl/regmlp-momentum-nan.jsonl", "wandb-jsonl", "mlp-regression",
      "momentum", "diverged",
      "Tanh MLP 1-64-64-1 fitting sin(2x)+0.1x^2, SGD momentum 0.9 lr 0.2 constant, batch 32, 600 steps: the "
      "MSE explodes to ~1e22 within 15 steps and is NaN from then on (json NaN tokens).")
def _c(ctx):
    recs, _ = plain("mlp-regression", 600, "momentum", 0.2, batch=32, eval_every=50)
    rows = wandb_rows(recs, {"loss": "train/loss", "eval_loss": "val/loss"}, "wbj-regmlp-momentum-nan")
    write_jsonl(rows, dest("wandb-jsonl/regmlp-momentum-nan.jsonl"))


@case("wbj-linreg-sgd-batch8-noisy", "wandb-jsonl/linreg-sgd-batch8.jsonl", "wandb-jsonl", "linear-regression",
      "sgd", "healthy",
      "Linear regression on make_regression (20 features, noise 10% of the target scale), plain SGD lr 0.02 "
      "with exponential decay, batch 8 (very noisy per-step MSE), 2000 steps: falls to the noise floor "
      "(~0.01) and stays there.")
def _c(ctx):
    recs, _ = plain("linreg", 2000, "sgd", 0.02, "exp", batch=8, eval_every=100, tkw=dict(noise=15.0),
                    skw=dict(gamma=0.999))
    rows = wandb_rows(recs, {"loss": "train/loss", "lr": "lr", "eval_loss": "val/loss"}, "wbj-linreg-batch8-noisy")
    write_jsonl(rows, dest("wandb-jsonl/linreg-sgd-batch8.jsonl"))


# ==============================================================================================
# Hugging Face Trainer output directories (checkpoint-*/trainer_state.json, config.json)
# ==============================================================================================

def hf_train(model, train_ds, eval_ds, out_dir: Path, optimizer=None, seed=SEED, scheduler=None, **kw):
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    from transformers import Trainer, TrainingArguments
    from transformers.trainer_callback import PrinterCallback
    from transformers.utils import logging as hf_logging
    import logging
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    logging.getLogger("transformers").setLevel(logging.ERROR)
    base = dict(output_dir=os.path.relpath(out_dir), report_to=[], disable_tqdm=True, use_cpu=True, seed=seed,
                dataloader_num_workers=0, save_strategy="no", per_device_train_batch_size=16,
                per_device_eval_batch_size=64, prediction_loss_only=True, log_level="error")
    base.update(kw)
    args = TrainingArguments(**base)
    tr = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds,
                 optimizers=(optimizer, scheduler))
    tr.remove_callback(PrinterCallback)
    tr.train()
    return tr


def hf_keep(run: Path, rel: str, save_model=True, save_state=True, tr=None):
    """Copy the Trainer output dir to OUT/rel without weights / optimizer / rng binaries."""
    if tr is not None:
        if save_model:
            tr.save_model()
        if save_state:
            tr.save_state()
    d = dest(rel)
    for f in sorted(run.rglob("*")):
        if f.is_file() and f.suffix in (".json", ".txt", ".md") :
            t = d / f.relative_to(run)
            t.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, t)


def gpt2(V, n_layer=1, n_embd=32, n_head=2, ctx=64, seed=SEED):
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=V, n_positions=ctx, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=0, eos_token_id=0)
    return GPT2LMHeadModel(cfg)


def bert(V, num_labels, seed=SEED, hidden=64, layers=2, dropout=0.1, max_pos=80):
    import torch
    from transformers import BertConfig, BertForSequenceClassification
    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=V, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=4,
                     intermediate_size=2 * hidden, max_position_embeddings=max_pos, num_labels=num_labels,
                     hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout)
    return BertForSequenceClassification(cfg)


class DictDS:
    def __init__(self, rows):
        self.rows = rows

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def lm_rows(n, seed, split="train", n_chars=None, ctx=64):
    train, val, V = shakespeare()
    data = train if split == "train" else val
    if n_chars:
        data = data[:n_chars]
    w = char_windows_t(data, n, ctx, seed)[:, :ctx]
    return DictDS([{"input_ids": r, "labels": r.clone()} for r in w])


def cls_rows(x, y):
    return DictDS([{"input_ids": x[i], "labels": y[i]} for i in range(len(x))])


@case("hf-gpt2-cosine-checkpoints", "hf-trainer/gpt2-cosine-checkpoints", "hf-trainer", "char-transformer",
      "adamw", "healthy",
      "HF Trainer output dir as left on disk: checkpoint-100/200/300 (each with trainer_state.json and "
      "config.json; weights/optimizer/rng binaries dropped) plus the final save_model()/save_state() files. "
      "Tiny GPT-2 (1 layer, d 32) on char tiny Shakespeare, AdamW lr 3e-3 wd 0.1, 30-step warmup + cosine, "
      "batch 16, 300 steps, logging_steps=2, eval every 50.")
def _c(ctx):
    torch_setup(SEED)
    _, _, V = shakespeare()
    run = ctx.tmp / "hf-gpt2-cosine"
    tr = hf_train(gpt2(V), lm_rows(300 * 16, 1), lm_rows(64, 7, "val"), run, max_steps=300, learning_rate=3e-3,
                  warmup_steps=30, lr_scheduler_type="cosine", weight_decay=0.1, logging_steps=2,
                  eval_strategy="steps", eval_steps=50, save_strategy="steps", save_steps=100)
    hf_keep(run, "hf-trainer/gpt2-cosine-checkpoints", tr=tr)


def _hf_gpt2_warmup_pair(ctx, warmup, rel):
    torch_setup(SEED)
    _, _, V = shakespeare()
    run = ctx.tmp / f"hf-gpt2-warm{warmup}"
    tr = hf_train(gpt2(V, n_layer=2, n_embd=64, n_head=4), lm_rows(300 * 16, 4), lm_rows(64, 7, "val"), run,
                  max_steps=300, learning_rate=0.02, warmup_steps=warmup, lr_scheduler_type="cosine",
                  max_grad_norm=0.0, logging_steps=1, eval_strategy="steps", eval_steps=50,
                  save_strategy="steps", save_steps=150, train_sampling_strategy="sequential")
    hf_keep(run, rel, save_model=True, save_state=False, tr=tr)


@case("hf-gpt2-adamw-no-warmup", "hf-trainer/gpt2-adamw-lr0.02-no-warmup", "hf-trainer", "char-transformer",
      "adamw", "warmup",
      "GPT-2 (2 layers, d 64, 4 heads) on char tiny Shakespeare, AdamW lr 0.02 from step 0 (warmup_steps=0) "
      "with cosine decay, no grad clipping, batch 16, 300 steps, logging_steps=1, eval every 50, checkpoints "
      "at 150/300 (no root trainer_state.json): after two good steps the loss shoots from ~3.4 to ~6 (well "
      "above the 4.18 start) at step 4, then recovers and trains normally.")
def _c(ctx):
    _hf_gpt2_warmup_pair(ctx, 0, "hf-trainer/gpt2-adamw-lr0.02-no-warmup")


@case("hf-gpt2-adamw-with-warmup", "hf-trainer/gpt2-adamw-lr0.02-warmup", "hf-trainer", "char-transformer",
      "adamw", "healthy",
      "Control of hf-gpt2-adamw-no-warmup: identical except warmup_steps=30: a smooth descent.")
def _c(ctx):
    _hf_gpt2_warmup_pair(ctx, 30, "hf-trainer/gpt2-adamw-lr0.02-warmup")


@case("hf-gpt2-short-50-steps", "hf-trainer/gpt2-short-50-steps", "hf-trainer", "char-transformer", "adamw",
      "healthy",
      "A very short run: tiny GPT-2 (1 layer, d 32), AdamW lr 5e-3, 5-step warmup + linear decay, batch 16, 50 "
      "steps, logging_steps=1, one eval at the end, save_strategy='no' then save_model()/save_state() "
      "(root trainer_state.json + config.json only).")
def _c(ctx):
    torch_setup(SEED)
    _, _, V = shakespeare()
    run = ctx.tmp / "hf-gpt2-short"
    tr = hf_train(gpt2(V), lm_rows(50 * 16, 8), lm_rows(64, 7, "val"), run, max_steps=50, learning_rate=5e-3,
                  warmup_steps=5, lr_scheduler_type="linear", logging_steps=1, eval_strategy="steps",
                  eval_steps=50)
    hf_keep(run, "hf-trainer/gpt2-short-50-steps", tr=tr)


@case("hf-gpt2-sgd-stalled", "hf-trainer/gpt2-sgd-lr2e-4", "hf-trainer", "char-transformer", "sgd",
      "stagnation",
      "Tiny GPT-2 (1 layer, d 32) with plain SGD lr 2e-4 (passed as optimizers=(SGD, None), constant "
      "schedule), batch 16, 300 steps, logging_steps=5, eval every 50: the loss stays at ~ln(65) = 4.17 "
      "(it moves by ~1-2% in the whole run).")
def _c(ctx):
    import torch
    torch_setup(SEED)
    _, _, V = shakespeare()
    m = gpt2(V)
    run = ctx.tmp / "hf-gpt2-sgd"
    tr = hf_train(m, lm_rows(300 * 16, 4), lm_rows(64, 7, "val"), run, optimizer=torch.optim.SGD(m.parameters(), 2e-4),
                  max_steps=300, learning_rate=2e-4, lr_scheduler_type="constant", logging_steps=5,
                  eval_strategy="steps", eval_steps=50, save_strategy="steps", save_steps=150)
    hf_keep(run, "hf-trainer/gpt2-sgd-lr2e-4", tr=tr)


@case("hf-gpt2-sgd-nan", "hf-trainer/gpt2-sgd-momentum-nan", "hf-trainer", "char-transformer", "momentum",
      "diverged",
      "Tiny GPT-2, SGD momentum 0.9 with linear warmup over 100 steps to an absurd lr 2.0, no grad clipping "
      "(max_grad_norm=0), logging_nan_inf_filter=False so NaN reaches the log (bare NaN tokens in the JSON), "
      "200 steps, logging_steps=1, eval every 50.")
def _c(ctx):
    import torch
    torch_setup(SEED)
    _, _, V = shakespeare()
    m = gpt2(V)
    run = ctx.tmp / "hf-gpt2-nan"
    tr = hf_train(m, lm_rows(200 * 16, 2), lm_rows(64, 7, "val"), run,
                  optimizer=torch.optim.SGD(m.parameters(), lr=2.0, momentum=0.9), max_steps=200,
                  learning_rate=2.0, warmup_steps=100, lr_scheduler_type="constant_with_warmup", max_grad_norm=0.0,
                  logging_steps=1, logging_nan_inf_filter=False, eval_strategy="steps", eval_steps=50,
                  save_strategy="steps", save_steps=100)
    hf_keep(run, "hf-trainer/gpt2-sgd-momentum-nan", tr=tr)


@case("hf-gpt2-overfit-32-windows", "hf-trainer/gpt2-overfit-32-windows", "hf-trainer", "char-transformer",
      "adamw", "overfitting",
      "GPT-2 (2 layers, d 64, 4 heads) trained on only 32 windows of 64 chars (2 batches/epoch, 150 epochs = "
      "300 steps), AdamW lr 3e-3 constant, logging_steps=2, eval on 64 held-out windows every 10 steps: "
      "eval_loss bottoms out early and then climbs far above it while the train loss keeps falling.")
def _c(ctx):
    torch_setup(SEED)
    _, _, V = shakespeare()
    run = ctx.tmp / "hf-gpt2-overfit"
    tr = hf_train(gpt2(V, n_layer=2, n_embd=64, n_head=4), lm_rows(32, 3), lm_rows(64, 7, "val"), run,
                  max_steps=300, learning_rate=3e-3, lr_scheduler_type="constant", logging_steps=2,
                  eval_strategy="steps", eval_steps=10, save_strategy="steps", save_steps=100, save_total_limit=2)
    hf_keep(run, "hf-trainer/gpt2-overfit-32-windows", tr=tr)


def bert_text(n_train, num_labels, seed=1):
    x, y, V = text_cls(n_train, 48, seed, num_labels)
    xe, ye, _ = text_cls(256, 48, 99, num_labels, split="val")
    return cls_rows(x, y), cls_rows(xe, ye), V


@case("hf-bert-keyword-healthy", "hf-trainer/bert-keyword-linear-decay", "hf-trainer", "bert-classifier", "adamw",
      "healthy",
      "BertForSequenceClassification (2 layers, d 64, num_labels=4 in config.json) on a keyword task (32 "
      "random tokens, one class-keyword token at a random position, 5% label noise). AdamW lr 1e-3, 40-step "
      "warmup + linear decay, batch 16, 600 steps, logging_steps=5, eval every 100, save every 200 with "
      "save_total_limit=2: flat at ln 4 for ~60 steps while attention finds the keyword, then a steady "
      "descent to the noise floor.", num_classes=4)
def _c(ctx):
    torch_setup(SEED)
    x, y, V = keyword_cls(600 * 16, 4, 1, noise=0.05)
    xe, ye, _ = keyword_cls(512, 4, 99, noise=0.05)
    run = ctx.tmp / "hf-bert-healthy"
    tr = hf_train(bert(V, 4), cls_rows(x, y), cls_rows(xe, ye), run, max_steps=600, learning_rate=1e-3,
                  warmup_steps=40, lr_scheduler_type="linear", logging_steps=5, eval_strategy="steps",
                  eval_steps=100, save_strategy="steps", save_steps=200, save_total_limit=2)
    hf_keep(run, "hf-trainer/bert-keyword-linear-decay", tr=tr)


@case("hf-bert-keyword-lr-jump-collapse", "hf-trainer/bert-keyword-lr-jump", "hf-trainer", "bert-classifier",
      "adamw", "diverged",
      "BERT (2 layers, d 64, num_labels=4) on the keyword task, AdamW lr 1e-3 (40-step warmup) for 300 steps "
      "(loss down to ~0.01), then a LambdaLR bug multiplies the lr by 300 (0.3) for the rest: the model "
      "breaks: the loss jumps to ~6 at once and stays far above its starting value to the end (median ~4.5 "
      "over the last 10%, start 1.39); eval loss 0.006 -> 8.9 -> 2.5.",
      num_classes=4)
def _c(ctx):
    import torch
    torch_setup(SEED)
    x, y, V = keyword_cls(700 * 16, 4, 2)
    xe, ye, _ = keyword_cls(512, 4, 98)
    m = bert(V, 4)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3)
    sch = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 40) if s < 300 else 300.0)
    run = ctx.tmp / "hf-bert-collapse"
    tr = hf_train(m, cls_rows(x, y), cls_rows(xe, ye), run, optimizer=opt, scheduler=sch, max_steps=700,
                  learning_rate=1e-3, logging_steps=2, eval_strategy="steps", eval_steps=100,
                  save_strategy="steps", save_steps=350, train_sampling_strategy="sequential")
    hf_keep(run, "hf-trainer/bert-keyword-lr-jump", tr=tr)


@case("hf-bert-binary-overfit", "hf-trainer/bert-binary-64-examples", "hf-trainer", "bert-classifier", "adamw",
      "overfitting",
      "BERT (2 layers, d 64, num_labels=2): original vs reversed snippets, only 64 training examples, AdamW "
      "lr 1e-3 constant, batch 16 (4 steps/epoch), 100 epochs = 400 steps, logging_steps=4, eval each epoch on "
      "256 held-out snippets: eval_loss bottoms out and then rises a lot while the train loss -> ~0.",
      num_classes=2)
def _c(ctx):
    torch_setup(SEED)
    tr_ds, ev_ds, V = bert_text(64, 2, seed=5)
    run = ctx.tmp / "hf-bert-overfit"
    tr = hf_train(bert(V, 2), tr_ds, ev_ds, run, num_train_epochs=100, learning_rate=1e-3,
                  lr_scheduler_type="constant", logging_steps=4, eval_strategy="epoch", save_strategy="steps",
                  save_steps=100, save_total_limit=1)
    hf_keep(run, "hf-trainer/bert-binary-64-examples", tr=tr)


@case("hf-bert-mislabelled-batches", "hf-trainer/bert-keyword-bad-batches", "hf-trainer", "bert-classifier",
      "adamw", "spikes",
      "BERT (num_labels=4) on the keyword task (no label noise), AdamW lr 1e-3 with 40-step warmup + cosine, "
      "batch 16, 700 steps, logging_steps=1, sequential sampler; every label of the batches of steps 300, 450 "
      "and 600 is replaced by a wrong one: the loss jumps far above its trend at exactly those steps and is "
      "back within a step or two.", num_classes=4)
def _c(ctx):
    import torch
    torch_setup(SEED)
    x, y, V = keyword_cls(700 * 16, 4, 3)
    g = torch.Generator().manual_seed(3)
    y = y.clone()
    for s in (300, 450, 600):
        sl = slice((s - 1) * 16, s * 16)
        y[sl] = (y[sl] + torch.randint(1, 4, (16,), generator=g)) % 4
    xe, ye, _ = keyword_cls(512, 4, 97)
    run = ctx.tmp / "hf-bert-spikes"
    tr = hf_train(bert(V, 4), cls_rows(x, y), cls_rows(xe, ye), run, max_steps=700, learning_rate=1e-3,
                  warmup_steps=40, lr_scheduler_type="cosine", logging_steps=1, eval_strategy="steps",
                  eval_steps=100, save_strategy="steps", save_steps=350, train_sampling_strategy="sequential")
    hf_keep(run, "hf-trainer/bert-keyword-bad-batches", tr=tr)


@case("hf-regmlp-rmsprop-bounce", "hf-trainer/regmlp-rmsprop-constant", "hf-trainer", "mlp-regression",
      "rmsprop", "oscillation",
      "HF Trainer driving a plain torch module (tanh MLP 1-64-64-1 returning {'loss': mse}; no config.json), "
      "RMSprop passed as optimizers=(RMSprop(lr=0.03), None), constant schedule, batch 32, 1200 steps, "
      "logging_steps=5 (window means), eval every 100: the MSE bounces without a downward trend for the "
      "whole run.")
def _c(ctx):
    import torch
    from torch import nn
    torch_setup(SEED)
    xtr, ytr, xte, yte = func_data()

    class Reg(nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(SEED)
            self.net = models().MLP(1, (64, 64), 1, "tanh")

        def forward(self, x, labels=None):
            out = self.net(x)
            return {"loss": nn.functional.mse_loss(out, labels), "logits": out}
    m = Reg()
    run = ctx.tmp / "hf-reg"
    rows = DictDS([{"x": xtr[i], "labels": ytr[i]} for i in range(len(xtr))])
    erows = DictDS([{"x": xte[i], "labels": yte[i]} for i in range(len(xte))])
    tr = hf_train(m, rows, erows, run, optimizer=torch.optim.RMSprop(m.parameters(), lr=0.03), max_steps=1200,
                  learning_rate=0.03, lr_scheduler_type="constant", per_device_train_batch_size=32,
                  max_grad_norm=0.0, logging_steps=5, eval_strategy="steps", eval_steps=100,
                  save_strategy="steps", save_steps=600)
    hf_keep(run, "hf-trainer/regmlp-rmsprop-constant", save_model=False, tr=tr)


# ==============================================================================================
# PyTorch Lightning CSVLogger (lightning_logs/version_N/metrics.csv + hparams.yaml)
# ==============================================================================================

class SimulatedCrash(RuntimeError):
    pass


def pl_fit(rel, task_kind, epochs, opt="adam", lr=1e-3, kind="constant", warmup=0, batch=32, tkw=None, okw=None,
           skw=None, inject=None, seed=SEED, log_every=1, lm_windows=None, ckpt_dir=None, crash_at=None,
           resume_from=None, version=None, root=None, keep=True, loader_seed=None):
    """Fit a LightningModule wrapping a Task with CSVLogger(root, name='lightning_logs'); copy the
    logger's version folder(s) to OUT/rel."""
    import logging
    import torch
    import lightning as L
    from lightning.pytorch.callbacks import Callback, LearningRateMonitor, ModelCheckpoint
    from lightning.pytorch.loggers import CSVLogger
    from torch.utils.data import DataLoader, TensorDataset
    for n in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logging.getLogger(n).setLevel(logging.ERROR)
    torch_setup(seed)
    L.seed_everything(seed, verbose=False)
    T = make_task(task_kind, seed, batch=batch, **(tkw or {}))
    if T.kind == "lm":
        w = char_windows_t(T.x, lm_windows, T.ctx, seed)
        train_ds = TensorDataset(w[:, :-1], w[:, 1:])
        val_ds = TensorDataset(T.xte[:, :-1], T.xte[:, 1:])
    else:
        train_ds = TensorDataset(T.x, T.y)
        val_ds = TensorDataset(T.xte, T.yte)
    steps_per_epoch = math.ceil(len(train_ds) / batch)
    total = epochs * steps_per_epoch
    lr_fn = sched(kind, lr, total, warmup, **(skw or {}))
    inj = {s: corruptor(k, T, f, seed=seed + s) for s, (k, f) in (inject or {}).items()}

    class Lit(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.save_hyperparameters({"task": task_kind, "optimizer": opt, "lr": lr, "schedule": kind,
                                       "warmup": warmup, "batch_size": batch, "epochs": epochs})
            self.net = T.model

        def training_step(self, b, i):
            x, y = b
            if self.global_step in inj:
                x, y = inj[self.global_step](x, y)
            loss = T.loss(x, y, model=self.net)
            self.log("train_loss", loss, on_step=True, on_epoch=True)
            return loss

        def validation_step(self, b, i):
            x, y = b
            self.log("val_loss", T.loss(x, y, model=self.net))
            if T.kind == "classification":
                out = self.net(x)
                pred = (out[:, 0] > 0).long() if out.shape[-1] == 1 else out.argmax(-1)
                self.log("val_acc", (pred == y).float().mean())

        def configure_optimizers(self):
            o = make_opt(self.parameters(), opt, lr, **(okw or {}))
            sch = torch.optim.lr_scheduler.LambdaLR(o, lambda s: lr_fn(min(s, total - 1)) / lr)
            return {"optimizer": o, "lr_scheduler": {"scheduler": sch, "interval": "step"}}

    class CrashAt(Callback):
        def on_train_batch_end(self, trainer, *a):
            if crash_at is not None and trainer.global_step >= crash_at:
                raise SimulatedCrash(f"simulated crash at step {trainer.global_step}")

    g = torch.Generator().manual_seed(loader_seed if loader_seed is not None else seed)
    tl = DataLoader(train_ds, batch_size=batch, shuffle=True, generator=g)
    vl = DataLoader(val_ds, batch_size=len(val_ds))
    root = root or Path(tempfile.mkdtemp(prefix="pl-", dir="."))   # cwd = the run's temporary folder
    cbs = [LearningRateMonitor("step"), CrashAt()]
    if ckpt_dir:
        cbs.append(ModelCheckpoint(dirpath=ckpt_dir, save_last=True, every_n_epochs=1, save_top_k=-1))
    tr = L.Trainer(max_epochs=epochs, logger=CSVLogger(root, name="lightning_logs", version=version,
                                                       flush_logs_every_n_steps=50),
                   callbacks=cbs, log_every_n_steps=log_every, enable_progress_bar=False,
                   enable_model_summary=False, enable_checkpointing=bool(ckpt_dir), accelerator="cpu", devices=1,
                   deterministic=True)
    try:
        tr.fit(Lit(), tl, vl, ckpt_path=resume_from)
    except SimulatedCrash:
        pass
    if keep:
        d = dest(rel)
        src = root / "lightning_logs"
        for f in sorted(src.rglob("*")):
            if f.is_file() and f.suffix in (".csv", ".yaml"):
                t = d / f.relative_to(src)
                t.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, t)
    return root


@case("pl-cnn-adam-cosine", "lightning-csv/cnn-adam-cosine", "lightning-csv", "cnn", "adam", "healthy",
      "Lightning CSVLogger dir (lightning_logs/version_0/metrics.csv + hparams.yaml). CNN on 8x8 digits, Adam lr "
      "2e-3 with per-step cosine decay, batch 32, 8 epochs (360 steps), log_every_n_steps=1; train_loss_step, "
      "train_loss_epoch, val_loss/val_acc per epoch and lr-Adam in rows of their own (sparse columns).",
      num_classes=10)
def _c(ctx):
    pl_fit("lightning-csv/cnn-adam-cosine", "cnn-digits", 8, "adam", 2e-3, "cosine", batch=32)


@case("pl-mlp-crash-resume-two-versions", "lightning-csv/mlp-crash-resume", "lightning-csv", "mlp-classifier",
      "adamw", "healthy",
      "A CSVLogger root with lightning_logs/version_0 AND version_1: digits MLP 64-128-10, AdamW lr 3e-3 cosine "
      "over 6 epochs (270 steps), batch 32, log_every_n_steps=2. The first fit checkpointed each epoch and "
      "crashed at global step 110 (version_0 has rows up to ~109); the second fit resumed from the epoch-2 "
      "checkpoint (step 90) with a new logger (version_1), so steps 91..109 appear in both files.",
      num_classes=10)
def _c(ctx):
    root = ctx.tmp / "pl-resume"
    shutil.rmtree(root, ignore_errors=True)
    pl_fit("lightning-csv/mlp-crash-resume", "mlp-digits", 6, "adamw", 3e-3, "cosine", batch=32, log_every=2,
           ckpt_dir=root / "ckpt", crash_at=110, root=root, keep=False)
    pl_fit("lightning-csv/mlp-crash-resume", "mlp-digits", 6, "adamw", 3e-3, "cosine", batch=32, log_every=2,
           resume_from=str(root / "ckpt" / "last.ckpt"), root=root, loader_seed=SEED + 1)


@case("pl-mlp-sgd-nan", "lightning-csv/mlp-sgd-lr-4", "lightning-csv", "mlp-classifier", "momentum", "diverged",
      "Digits MLP 64-256-10, SGD momentum 0.9 constant lr 4 (absurd), batch 32, 4 epochs, log_every_n_steps=2: "
      "the loss explodes within a few steps and the metrics.csv then holds 'inf' / 'nan'.", num_classes=10)
def _c(ctx):
    pl_fit("lightning-csv/mlp-sgd-lr-4", "mlp-digits", 4, "momentum", 4.0, batch=32, log_every=2,
           tkw=dict(hidden=(256,)))


@case("pl-autoencoder-sgd-stalled", "lightning-csv/autoencoder-sgd-1e-4", "lightning-csv", "autoencoder", "sgd",
      "stagnation",
      "Autoencoder 64-32-8-32-64 (ReLU) on digits/16, plain SGD lr 1e-4 (far too small), batch 32, 12 epochs "
      "(540 steps): the reconstruction MSE stays at its initial value.")
def _c(ctx):
    pl_fit("lightning-csv/autoencoder-sgd-1e-4", "autoencoder", 12, "sgd", 1e-4, batch=32)


@case("pl-cnn-100-samples-overfit", "lightning-csv/cnn-100-samples", "lightning-csv", "cnn", "adam", "overfitting",
      "CNN (32/64 channels) on only 100 digits, Adam lr 2e-3 constant, batch 25 (4 steps/epoch), 120 epochs "
      "(480 steps), val each epoch on 360 digits: train loss -> ~1e-4, val loss bottoms out around epoch 34 "
      "(0.189) and then rises slowly but monotonically for the rest of the run (+13% by the end).",
      num_classes=10)
def _c(ctx):
    pl_fit("lightning-csv/cnn-100-samples", "cnn-digits", 120, "adam", 2e-3, batch=25,
           tkw=dict(n_train=100, width=(32, 64, 128)))


@case("pl-linreg-adam-swings", "lightning-csv/linreg-adam-lr0.3-const", "lightning-csv", "linear-regression",
      "adam", "oscillation",
      "Linear regression (20 features, small noise) in Lightning, Adam constant lr 0.3 (too high, no decay), "
      "batch 32 (16 steps/epoch), 150 epochs = 2400 steps: the MSE gets close to the noise floor and then "
      "repeatedly swings up by orders of magnitude and back over tens to hundreds of steps, to the end.")
def _c(ctx):
    pl_fit("lightning-csv/linreg-adam-lr0.3-const", "linreg", 150, "adam", 0.3, batch=32,
           tkw=dict(noise=2.0, data_seed=2), seed=7)


@case("pl-gru-scaled-batches", "lightning-csv/gru-digits-bad-batches", "lightning-csv", "rnn", "adam", "spikes",
      "GRU on digits rows, Adam lr 3e-3 with cosine decay, batch 32, 20 epochs (900 steps); the batches at "
      "global steps 250, 500 and 700 have inputs x30: the loss jumps at exactly those steps and recovers "
      "within a few steps.", num_classes=10)
def _c(ctx):
    pl_fit("lightning-csv/gru-digits-bad-batches", "rnn-digits", 20, "adam", 3e-3, "cosine", batch=32,
           inject={s: ("scale", 30.0) for s in (250, 500, 700)})


@case("pl-regmlp-relu-adam-no-warmup", "lightning-csv/regmlp-relu-adam-no-warmup", "lightning-csv",
      "mlp-regression", "adam", "warmup",
      "ReLU MLP 2-128-128-1 fitting a 2-D bump, Adam lr 0.1 from step 0 (no warmup) with cosine decay, batch "
      "32, 50 epochs (800 steps): the MSE shoots up by orders of magnitude in the first steps, comes back down "
      "within ~10-20 steps, then trains normally.")
def _c(ctx):
    pl_fit("lightning-csv/regmlp-relu-adam-no-warmup", "mlp-regression", 50, "adam", 0.1, "cosine", batch=32,
           tkw=dict(act="relu", hidden=(128, 128), fn="bump", data_seed=4), seed=2)


@case("pl-mlp-lr-jump-collapse", "lightning-csv/mlp-lr-jump-collapse", "lightning-csv", "mlp-classifier", "adam",
      "diverged",
      "Digits MLP 64-128-128-10, Adam lr 1e-3; a LambdaLR factor bug multiplies the lr by 300 from global step "
      "250 on: the loss jumps and then sits at ~2.3 (ln 10, chance) to the end of the 18 epochs (810 steps); "
      "val_acc ~0.1.", num_classes=10)
def _c(ctx):
    pl_fit("lightning-csv/mlp-lr-jump-collapse", "mlp-digits", 18, "adam", 1e-3, batch=32,
           tkw=dict(hidden=(128, 128)), skw=dict(jumps={(250, 10 ** 6): 0.3}))


@case("pl-lstm-charlm-cosine", "lightning-csv/lstm-charlm-cosine", "lightning-csv", "rnn", "adam", "healthy",
      "Char LSTM (hidden 128) on tiny Shakespeare windows, Adam lr 5e-3 with 30-step warmup + cosine, batch 16, "
      "1 epoch over 9,600 windows (600 steps), log_every_n_steps=5 (Lightning logs the step's value, not a "
      "mean), val on 64 held-out windows at the end of the epoch.")
def _c(ctx):
    pl_fit("lightning-csv/lstm-charlm-cosine", "rnn-char", 1, "adam", 5e-3, "cosine", warmup=30, batch=16,
           tkw=dict(hidden=128), lm_windows=9600, log_every=5)


# ==============================================================================================
# Keras 3 (jax backend) callbacks and raw TF2 tf.summary -- run in a child process (--child keras)
# ==============================================================================================

def keras_setup(seed=SEED):
    import keras
    keras.utils.set_random_seed(seed)
    return keras


def kdigits(n_train=None, image=False):
    xtr, ytr, xte, yte = digits_np()
    if n_train:
        xtr, ytr = xtr[:n_train], ytr[:n_train]
    xtr, xte = xtr / 16.0, xte / 16.0
    if image:
        xtr, xte = xtr.reshape(-1, 8, 8, 1), xte.reshape(-1, 8, 8, 1)
    return xtr, ytr, xte, yte


def kfunc(kind="sin", seed=1, n=512):
    xtr, ytr, xte, yte = func_data(n=n, kind=kind, seed=seed)
    return xtr.numpy(), ytr.numpy(), xte.numpy(), yte.numpy()


def ktb_dir(rel):
    return dest(rel)


def keras_cls_model(keras, hidden, d_in=64, classes=10):
    layers = [keras.Input((d_in,))] + [keras.layers.Dense(h, activation="relu") for h in hidden]
    return keras.Sequential(layers + [keras.layers.Dense(classes)])


SCCE = "sparse_categorical_crossentropy"


@case("ktb-mlp-adam-batch-loss", "keras-tensorboard/mlp-adam-update-freq-5", "keras-tensorboard",
      "mlp-classifier", "adam", "healthy",
      "keras.callbacks.TensorBoard(update_freq=5) layout: logs/train/ (batch_loss every 5 batches -- Keras 3 "
      "logs the running mean of the epoch so far -- plus epoch_loss, epoch_learning_rate) and logs/validation/ "
      "(epoch_loss, evaluation_loss_vs_iterations). Digits MLP 64-128-10, Adam lr 1e-3, batch 32, 25 epochs.",
      num_classes=10, child="keras")
def _c(ctx):
    keras = keras_setup()
    xtr, ytr, xte, yte = kdigits()
    m = keras_cls_model(keras, (128,))
    m.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    d = ktb_dir("keras-tensorboard/mlp-adam-update-freq-5")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=25, batch_size=32, verbose=0,
          callbacks=[keras.callbacks.TensorBoard(str(d), update_freq=5)])
    rename_event_files(d)


@case("ktb-cnn-overfit", "keras-tensorboard/cnn-120-samples", "keras-tensorboard", "cnn", "adam", "overfitting",
      "Keras TensorBoard callback, epoch-level only (train/ and validation/ epoch_loss). Conv2D 32-64 + Dense 128 "
      "on only 120 digits, Adam lr 2e-3, batch 20, 80 epochs, validation on 360 digits: val epoch_loss "
      "bottoms out early and then rises steadily while train epoch_loss -> ~0.", num_classes=10, child="keras")
def _c(ctx):
    keras = keras_setup()
    xtr, ytr, xte, yte = kdigits(120, image=True)
    m = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
                          keras.layers.Conv2D(64, 3, padding="same", activation="relu"), keras.layers.MaxPooling2D(),
                          keras.layers.Flatten(), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10)])
    m.compile(optimizer=keras.optimizers.Adam(2e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
    d = ktb_dir("keras-tensorboard/cnn-120-samples")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=80, batch_size=20, verbose=0,
          callbacks=[keras.callbacks.TensorBoard(str(d))])
    rename_event_files(d)


@case("ktb-regmlp-sgd-nan", "keras-tensorboard/regmlp-sgd-momentum-nan", "keras-tensorboard", "mlp-regression",
      "momentum", "diverged",
      "Keras TensorBoard callback with update_freq=2 (batch_loss). Tanh MLP 1-64-64-1 fitting sin(2x)+0.1x^2 "
      "with MSE, SGD momentum 0.9 lr 0.2, batch 32, 20 epochs: batch_loss explodes within the first epoch and "
      "is NaN from then on; epoch_loss is NaN.", child="keras")
def _c(ctx):
    keras = keras_setup()
    xtr, ytr, xte, yte = kfunc()
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(64, activation="tanh"),
                          keras.layers.Dense(64, activation="tanh"), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(0.2, momentum=0.9), loss="mse")
    d = ktb_dir("keras-tensorboard/regmlp-sgd-momentum-nan")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=20, batch_size=32, verbose=0,
          callbacks=[keras.callbacks.TensorBoard(str(d), update_freq=2)])
    rename_event_files(d)


@case("ktb-autoencoder-sgd-stalled", "keras-tensorboard/autoencoder-sgd-1e-5", "keras-tensorboard",
      "autoencoder", "sgd", "stagnation",
      "Keras TensorBoard callback, update_freq=10. Dense autoencoder 64-32-8-32-64 (ReLU) on digits/16 with MSE, "
      "plain SGD lr 1e-5, batch 32, 30 epochs: the reconstruction loss does not move.", child="keras")
def _c(ctx):
    keras = keras_setup()
    xtr, _, xte, _ = kdigits()
    m = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dense(8, activation="relu"), keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dense(64)])
    m.compile(optimizer=keras.optimizers.SGD(1e-5), loss="mse")
    d = ktb_dir("keras-tensorboard/autoencoder-sgd-1e-5")
    m.fit(xtr, xtr, validation_data=(xte, xte), epochs=30, batch_size=32, verbose=0,
          callbacks=[keras.callbacks.TensorBoard(str(d), update_freq=10)])
    rename_event_files(d)


@case("ktb-regmlp-adam-no-warmup", "keras-tensorboard/regmlp-relu-adam-no-warmup", "keras-tensorboard",
      "mlp-regression", "adam", "warmup",
      "Keras TensorBoard callback, update_freq=1 (batch_loss = Keras 3's running mean of the epoch so far). "
      "ReLU MLP 1-128-128-1 fitting sin(2x)+0.1x^2 with MSE, Adam lr 0.1 from step 0 (no warmup) under "
      "CosineDecay over 40 epochs, batch 32: the first batches blow the loss up by orders of magnitude, then "
      "it recovers and trains normally (epoch_loss of epoch 0 is dominated by the blow-up).", child="keras")
def _c(ctx):
    keras = keras_setup(2)
    xtr, ytr, xte, yte = kfunc()
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(128, activation="relu"),
                          keras.layers.Dense(128, activation="relu"), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(0.1, 40 * 16)), loss="mse")
    d = ktb_dir("keras-tensorboard/regmlp-relu-adam-no-warmup")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=40, batch_size=32, verbose=0,
          callbacks=[keras.callbacks.TensorBoard(str(d), update_freq=1)])
    rename_event_files(d)


@case("ktb-lstm-rows-rmsprop", "keras-tensorboard/lstm-digit-rows-rmsprop", "keras-tensorboard", "rnn", "rmsprop",
      "healthy",
      "Keras TensorBoard callback, update_freq='epoch' plus write_graph=False. keras.layers.LSTM(64) reading "
      "digits row by row, RMSprop lr 1e-3, batch 32, 30 epochs, validation on 360 digits: steady descent.",
      num_classes=10, child="keras")
def _c(ctx):
    keras = keras_setup()
    xtr, ytr, xte, yte = kdigits()
    xtr, xte = xtr.reshape(-1, 8, 8), xte.reshape(-1, 8, 8)
    m = keras.Sequential([keras.Input((8, 8)), keras.layers.LSTM(64), keras.layers.Dense(10)])
    m.compile(optimizer=keras.optimizers.RMSprop(1e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    d = ktb_dir("keras-tensorboard/lstm-digit-rows-rmsprop")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=30, batch_size=32, verbose=0,
          callbacks=[keras.callbacks.TensorBoard(str(d), write_graph=False)])
    rename_event_files(d)


# -- Keras CSVLogger: one row per EPOCH ------------------------------------------------------------

@case("kcsv-mlp-adam-short", "keras-csvlogger/mlp-adam-25-epochs.csv", "keras-csvlogger", "mlp-classifier",
      "adam", "healthy",
      "keras.callbacks.CSVLogger: epoch,accuracy,loss,val_accuracy,val_loss, 25 rows. Digits MLP 64-64-10, Adam "
      "lr 1e-3, batch 64, 25 epochs: a short, clean epoch-level descent.", num_classes=10, child="keras")
def _c(ctx):
    keras = keras_setup()
    xtr, ytr, xte, yte = kdigits()
    m = keras_cls_model(keras, (64,))
    m.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=25, batch_size=64, verbose=0,
          callbacks=[keras.callbacks.CSVLogger(str(dest("keras-csvlogger/mlp-adam-25-epochs.csv")))])


@case("kcsv-mlp-overfit-sustained", "keras-csvlogger/mlp-80-samples.csv", "keras-csvlogger", "mlp-classifier",
      "adam", "overfitting",
      "Keras CSVLogger. Digits MLP 64-256-256-10 on only 80 training digits, Adam lr 3e-3, batch 20, 150 "
      "epochs; validation on 360 digits: train loss -> ~1e-5 by epoch ~30 while val_loss bottoms out around "
      "epoch 10 and then rises for the rest of the run.", num_classes=10, child="keras")
def _c(ctx):
    keras = keras_setup()
    xtr, ytr, xte, yte = kdigits(80)
    m = keras_cls_model(keras, (256, 256))
    m.compile(optimizer=keras.optimizers.Adam(3e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=150, batch_size=20, verbose=0,
          callbacks=[keras.callbacks.CSVLogger(str(dest("keras-csvlogger/mlp-80-samples.csv")))])


@case("kcsv-linreg-sgd-stalled", "keras-csvlogger/linreg-sgd-1e-6.csv", "keras-csvlogger", "linear-regression",
      "sgd", "stagnation",
      "Keras CSVLogger (epoch,loss,val_loss). Dense(1) linear regression on make_regression (20 features, "
      "standardised target), plain SGD lr 1e-6, batch 32, 60 epochs: the MSE stays at its initial value.",
      child="keras")
def _c(ctx):
    keras = keras_setup()
    xtr, ytr, xte, yte = [t.numpy() for t in linreg_data(noise=1.0)]
    m = keras.Sequential([keras.Input((20,)), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(1e-6), loss="mse")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=60, batch_size=32, verbose=0,
          callbacks=[keras.callbacks.CSVLogger(str(dest("keras-csvlogger/linreg-sgd-1e-6.csv")))])


@case("kcsv-linreg-sgd-nan", "keras-csvlogger/linreg-sgd-lr-too-high.csv", "keras-csvlogger", "linear-regression",
      "sgd", "diverged",
      "Keras CSVLogger. Dense(1) linear regression on ill-conditioned features (scales up to 10x), plain SGD lr "
      "0.015 (above the stability limit of the sharpest direction), batch 32, 30 epochs: the epoch MSE "
      "grows geometrically, by orders of magnitude per epoch, and becomes inf/nan.",
      child="keras")
def _c(ctx):
    keras = keras_setup()
    xtr, ytr, xte, yte = [t.numpy() for t in linreg_data(noise=1.0, cond=10.0)]
    m = keras.Sequential([keras.Input((20,)), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(0.015), loss="mse")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=30, batch_size=32, verbose=0,
          callbacks=[keras.callbacks.CSVLogger(str(dest("keras-csvlogger/linreg-sgd-lr-too-high.csv")))])


@case("kcsv-regmlp-rmsprop-bounce", "keras-csvlogger/regmlp-rmsprop-constant.csv", "keras-csvlogger",
      "mlp-regression", "rmsprop", "oscillation",
      "Keras CSVLogger. Tanh MLP 2-64-64-1 fitting a 2-D bump, RMSprop constant lr 0.03 (no decay), batch 32, "
      "80 epochs: the epoch-mean MSE and val MSE keep jumping up and down by several x from epoch to epoch "
      "with no downward trend after the first few epochs.", child="keras")
def _c(ctx):
    keras = keras_setup(3)
    xtr, ytr, xte, yte = kfunc("bump")
    m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(64, activation="tanh"),
                          keras.layers.Dense(64, activation="tanh"), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.RMSprop(0.03), loss="mse")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=80, batch_size=32, verbose=0,
          callbacks=[keras.callbacks.CSVLogger(str(dest("keras-csvlogger/regmlp-rmsprop-constant.csv")))])


@case("kcsv-linreg-adam-near-zero", "keras-csvlogger/linreg-adam-exp-decay.csv", "keras-csvlogger",
      "linear-regression", "adam", "healthy",
      "Keras CSVLogger. Dense(1) linear regression on make_regression (20 features, small noise, standardised "
      "target), Adam lr 0.05 with ExponentialDecay (x0.5 every 10 epochs), batch 32, 60 epochs: the epoch MSE "
      "falls from ~1 to the noise floor (~1e-4) and stays there.", child="keras")
def _c(ctx):
    keras = keras_setup()
    xtr, ytr, xte, yte = [t.numpy() for t in linreg_data(noise=3.0)]
    m = keras.Sequential([keras.Input((20,)), keras.layers.Dense(1)])
    lr = keras.optimizers.schedules.ExponentialDecay(0.05, 10 * 16, 0.5)
    m.compile(optimizer=keras.optimizers.Adam(lr), loss="mse")
    m.fit(xtr, ytr, validation_data=(xte, yte), epochs=60, batch_size=32, verbose=0,
          callbacks=[keras.callbacks.CSVLogger(str(dest("keras-csvlogger/linreg-adam-exp-decay.csv")))])


# -- raw TF2 tf.summary (tensor_content encoding, '.v2' files) -------------------------------------

def tf2_loop(rel, steps_epochs, opt, lr_fn, data, model_fn, loss_kind, tags, seed=SEED, batch=32):
    import numpy as np
    import tensorflow as tf
    tf.random.set_seed(seed)
    rng = np.random.RandomState(seed)
    xtr, ytr, xte, yte = data
    params, f = model_fn(rng)
    vel = [tf.Variable(tf.zeros_like(p)) for p in params]

    def loss_fn(xb, yb):
        out = f(xb)
        if loss_kind == "ce":
            return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yb, logits=out))
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.cast(yb, tf.float32), logits=out[:, 0]))
    d = dest(rel)
    w = tf.summary.create_file_writer(str(d))
    step = 0
    with w.as_default():
        for epoch in range(steps_epochs):
            order = rng.permutation(len(xtr))
            for i in range(0, len(order), batch):
                idx = order[i:i + batch]
                lr = lr_fn(step)
                with tf.GradientTape() as tape:
                    loss = loss_fn(xtr[idx], ytr[idx])
                grads = tape.gradient(loss, params)
                for p, v, g in zip(params, vel, grads):
                    if opt == "momentum":
                        v.assign(0.9 * v + g)
                        p.assign_sub(lr * v)
                    else:
                        p.assign_sub(lr * g)
                tf.summary.scalar(tags[0], loss, step=step)
                tf.summary.scalar(tags[1], lr, step=step)
                step += 1
            tf.summary.scalar(tags[2], loss_fn(xte, yte), step=step)
    w.flush()
    w.close()
    rename_event_files(d)


@case("tf2-mlp-momentum-cosine", "tensorboard/tf2-mlp-momentum-cosine", "tensorboard", "mlp-classifier",
      "momentum", "healthy",
      "Raw TF2: tf.summary.create_file_writer + tf.summary.scalar (tensor_content DT_FLOAT encoding, '.v2' "
      "file). Digits MLP 64-128-10 written with GradientTape, SGD momentum 0.9, lr 0.05 cosine to 0, batch 32, "
      "10 epochs = 450 steps; tags train/loss, train/learning_rate every step, eval/loss per epoch.",
      num_classes=10, child="keras")
def _c(ctx):
    import numpy as np
    import tensorflow as tf
    xtr, ytr, xte, yte = digits_np()
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-3
    data = ((xtr - mu) / sd, ytr, (xte - mu) / sd, yte)

    def model(rng):
        W1 = tf.Variable(rng.normal(0, 1 / 8, (64, 128)).astype(np.float32))
        b1 = tf.Variable(np.zeros(128, np.float32))
        W2 = tf.Variable(rng.normal(0, 1 / 11.3, (128, 10)).astype(np.float32))
        b2 = tf.Variable(np.zeros(10, np.float32))
        return [W1, b1, W2, b2], lambda x: tf.matmul(tf.nn.relu(tf.matmul(x, W1) + b1), W2) + b2
    tf2_loop("tensorboard/tf2-mlp-momentum-cosine", 10, "momentum",
             lambda s: 0.05 * 0.5 * (1 + math.cos(math.pi * s / 450)), data, model, "ce",
             ("train/loss", "train/learning_rate", "eval/loss"))


@case("tf2-logreg-cancer-sgd-stalled", "tensorboard/tf2-logreg-cancer-sgd-1e-5", "tensorboard",
      "logistic-regression", "sgd", "stagnation",
      "Raw TF2 tf.summary. Logistic regression on breast cancer (30 standardised features) with GradientTape, "
      "plain SGD lr 1e-5, batch 32, 40 epochs = 600 steps; tags loss, lr, val_loss: the BCE stays at its "
      "initial value.", num_classes=2, child="keras")
def _c(ctx):
    import numpy as np
    import tensorflow as tf
    xtr, ytr, xte, yte = [t.numpy() for t in breast_cancer()]

    def model(rng):
        W = tf.Variable(rng.normal(0, 0.3, (30, 1)).astype(np.float32))
        b = tf.Variable(np.zeros(1, np.float32))
        return [W, b], lambda x: tf.matmul(x, W) + b
    tf2_loop("tensorboard/tf2-logreg-cancer-sgd-1e-5", 40, "sgd", lambda s: 1e-5, (xtr, ytr, xte, yte), model,
             "bce", ("loss", "lr", "val_loss"))


# ==============================================================================================
# Main: run cases, write labels.json, print the summaries
# ==============================================================================================

def versions() -> dict:
    from importlib.metadata import version
    v = {"python": sys.version.split()[0]}
    for p in ("torch", "transformers", "accelerate", "lightning", "tensorboard", "protobuf", "tensorflow-cpu",
              "keras", "jax", "mlflow-skinny", "numpy", "pandas", "scikit-learn"):
        try:
            v[p] = version(p)
        except Exception:  # noqa: BLE001
            v[p] = "not installed"
    return v


# The training loss of these loops is logged under a name without 'loss' in it: the --loss-key a user would
# pass (set here rather than in each decorator so the policy is in one place).
LOSS_KEYS = {"jsonl-regmlp-relu-adam-no-warmup": "train_mse", "jsonl-regmlp-relu-adam-warmup": "train_mse",
             "jsonl-mlp-adagrad-tiny-lr": "nll", "jsonl-regmlp-rmsprop-const-bounce": "mse",
             "csv-regmlp-rmsprop-bounce": "mse", "csv-logreg-cancer-adam-bounce": "bce"}


def label_entry(c) -> dict:
    e = {"name": c["name"], "path": c["path"], "writer": c["writer"], "task": c["task"],
         "optimizer": c["optimizer"], "expected": c["expected"]}
    if c["acceptable"]:
        e["acceptable"] = c["acceptable"]
    e.update({"reason": c["reason"], "split": split_of(c["name"]), "num_classes": c["num_classes"],
              "loss_key": c["loss_key"] or LOSS_KEYS.get(c["name"])})
    return e


def write_labels():
    cases = sorted(REG, key=lambda c: c["path"])
    doc = {"generator": SCRIPT_REL, "versions": versions(),
           "split_rule": "sha256(case name) — first byte even: tune, odd: heldout",
           "cases": [label_entry(c) for c in cases]}
    (OUT / "labels.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def tables():
    from collections import Counter
    lines = []
    lab = Counter((c["expected"], split_of(c["name"])) for c in REG)
    lines.append(f"{'label':<12} {'tune':>5} {'heldout':>8} {'total':>6}")
    for v in VERDICTS:
        lines.append(f"{v:<12} {lab[(v, 'tune')]:>5} {lab[(v, 'heldout')]:>8} {lab[(v, 'tune')] + lab[(v, 'heldout')]:>6}")
    lines.append(f"{'all':<12} {sum(lab[(v, 'tune')] for v in VERDICTS):>5} "
                 f"{sum(lab[(v, 'heldout')] for v in VERDICTS):>8} {len(REG):>6}")
    for key in ("writer", "task", "optimizer"):
        cnt = Counter(c[key] for c in REG)
        lines.append(f"by {key}: " + ", ".join(f"{k} {n}" for k, n in sorted(cnt.items(), key=lambda t: -t[1])))
    return "\n".join(lines)


def select(only: str):
    if not only:
        return list(REG)
    pats = [p.strip() for p in only.split(",") if p.strip()]
    import fnmatch
    return [c for c in REG if any(fnmatch.fnmatch(c["name"], p if any(ch in p for ch in "*?[") else f"*{p}*")
                                  or c["writer"] == p for p in pats)]


def run_cases(cases, tmp: Path):
    times = {}
    for c in cases:
        t = time.time()
        print(f"-- {c['name']}", flush=True)
        c["fn"](types.SimpleNamespace(tmp=tmp, case=c))
        times[c["name"]] = time.time() - t
        print(summarize(c), flush=True)
        print(f"   ({times[c['name']]:.1f}s)", flush=True)
    return times


def main():
    global OUT
    ap = argparse.ArgumentParser(description="Generate the real-run diagnose corpus (Corpus/real).")
    ap.add_argument("--only", default="", help="comma-separated case-name substrings / globs / writer names")
    ap.add_argument("--check", action="store_true", help="only print the summaries of the existing files")
    ap.add_argument("--list", action="store_true", help="list the cases and the label tables")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--child", default="", help=argparse.SUPPRESS)
    ap.add_argument("--names", default="", help=argparse.SUPPRESS)
    a = ap.parse_args()
    OUT = Path(a.out).resolve()
    if a.child:
        tmp = Path(tempfile.mkdtemp(prefix="corpus-real-child-"))
        os.chdir(tmp)
        names = set(a.names.split(","))
        run_cases([c for c in REG if c["name"] in names], tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        return
    if a.list:
        for c in sorted(REG, key=lambda c: c["path"]):
            print(f"{c['name']:<44} {split_of(c['name']):<8} {c['expected']:<12} {c['writer']:<18} {c['task']:<20} "
                  f"{c['optimizer']}")
        print(tables())
        return
    if a.check:
        for c in select(a.only):
            print(summarize(c))
        print(tables())
        return
    t0 = time.time()
    cases = select(a.only)
    if not a.only and OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="corpus-real-"))
    os.chdir(tmp)  # HF records output_dir in its logs: keep it relative (stable)
    main_cases = [c for c in cases if not c["child"]]
    child_cases = [c for c in cases if c["child"]]
    run_cases(main_cases, tmp)
    if child_cases:
        env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", CUDA_VISIBLE_DEVICES="",
                   TF_CPP_MIN_LOG_LEVEL="3", OMP_NUM_THREADS="1", TF_NUM_INTEROP_THREADS="1",
                   TF_NUM_INTRAOP_THREADS="1", XLA_FLAGS="--xla_cpu_multi_thread_eigen=false "
                   "intra_op_parallelism_threads=1", PYTHONHASHSEED="0")
        r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", "keras", "--out", str(OUT),
                            "--names", ",".join(c["name"] for c in child_cases)], env=env, cwd=tmp)
        if r.returncode != 0:
            raise SystemExit("keras/TF child failed")
    write_labels()
    os.chdir(REPO)
    shutil.rmtree(tmp, ignore_errors=True)
    size = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    big = sorted(((sum(f.stat().st_size for f in (OUT / c["path"]).rglob("*") if f.is_file())
                   if (OUT / c["path"]).is_dir() else (OUT / c["path"]).stat().st_size, c["name"])
                  for c in REG if (OUT / c["path"]).exists()), reverse=True)[:5]
    print(tables())
    print(f"{len(cases)} cases run in {time.time() - t0:.0f}s; corpus {size / 1e6:.2f} MB; largest: "
          + ", ".join(f"{n} {s / 1e3:.0f} kB" for s, n in big))


if __name__ == "__main__":
    main()
