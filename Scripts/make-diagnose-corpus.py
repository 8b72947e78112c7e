#!/usr/bin/env python3
"""Labelled corpus of REAL training logs for `lrkit diagnose` (Tests/LRDiagnosticsTests/Corpus/).

Never run by CI: the committed files under Tests/LRDiagnosticsTests/Corpus/ are the output of this
script, and the Swift tests read those files.  Every log is written by the producing library's own
writer (Hugging Face `Trainer` -> trainer_state.json, Lightning `CSVLogger` -> metrics.csv,
`torch.utils.tensorboard.SummaryWriter` and TF2 `tf.summary` -> event files, plain `csv` / `json`
for the generic formats) from a real, tiny training run on the CPU (seconds each).  Broken inputs
(Corpus/broken/) are made by cutting / flipping bytes of those real files.

How to run (Linux or macOS, Python 3.11; one CPU thread; about 2-3 minutes in all):

    python3 -m venv /work/venv-peers                     # any path OUTSIDE the repository
    /work/venv-peers/bin/pip install torch==2.15.0 transformers==5.23.0 accelerate==1.15.0 \\
        lightning==2.6.6 tensorboard==2.21.0 keras==3.15.1 jax==0.10.2
    # TF2 only writes the `tensor_content` scalar encoding; --no-deps keeps the venv's h5py/numpy
    /work/venv-peers/bin/pip install astunparse flatbuffers gast google-pasta libclang termcolor wheel six
    /work/venv-peers/bin/pip install --no-deps tensorflow-cpu==2.21.0
    swift build -c release --product lrkit       # optional: the lrkit-jsonl cases need a built lrkit
    /work/venv-peers/bin/python Scripts/make-diagnose-corpus.py             # writes the whole corpus
    /work/venv-peers/bin/python Scripts/make-diagnose-corpus.py --only hf   # one producer group (hf,
        # lightning, tb, tf2, generic, keras, lrkit); the other cases and their labels are kept
    /work/venv-peers/bin/python Scripts/make-diagnose-corpus.py --check     # verify + summarise the corpus
    /work/venv-peers/bin/python Scripts/make-diagnose-corpus.py --out /tmp/c  # write elsewhere (compare)

Versions used for the committed corpus:

    Python 3.11.7, torch 2.15.0 (CPU), transformers 5.23.0, accelerate 1.15.0, lightning 2.6.6
    (pytorch-lightning 2.6.6, torchmetrics 1.9.0), tensorboard 2.21.0, protobuf 7.36.2,
    tensorflow-cpu 2.21.0, keras 3.15.1 (jax backend, jax/jaxlib 0.10.2), numpy 2.4.6; the lrkit-jsonl
    cases come from this repository's own `lrkit train` (release build of the tree at generation time)

Determinism: every run is seeded (torch, numpy, random, TF) and uses one CPU thread, so the loss /
lr / grad-norm values are reproducible on the same versions.  Fields that are wall-clock by nature
are NOT reproducible: HF `*_runtime`, `*_per_second`, `total_flos` stay as written; event-file
`wall_time`s stay as written; event files are RENAMED to fixed names of the writer's own pattern
(`events.out.tfevents.<10-digit time>.<host>.<pid>.<uid>`, with made-up but ordered times) so that
paths are stable.  Lightning's `hparams.yaml` is kept.

Output (all paths relative to Corpus/):
    labels.json   {"cases": [{"path", "format", "expected": [verdicts], "notes", "acceptable"?: [verdicts]}]}
                  ("acceptable", on a few cases only: extra verdicts that are defensible from the curve but
                  not required, e.g. "spikes" on an oscillating curve with isolated peaks)
    broken.json   {"files": [{"path", "what", "made_from"}]}   (robustness inputs, not labelled)
    README.md     one line per case + versions
Labels were set by reading each curve's numbers (the script prints a summary per case; see
`summarize`), not by the intent of the configuration; `--check` re-prints the summaries.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

# Keep TensorFlow out of this process: with tensorflow installed, tensorboard's compat layer imports it
# (for gfile) on first use, which is slow and clashes with other LLVM users in the same process.  The
# `notf` marker module is tensorboard's own switch for its TF-free stub (what a PyTorch-only install uses);
# TF2 runs in a child process (tf2_case).
import types  # noqa: E402
sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "Tests" / "LRDiagnosticsTests" / "Corpus"
RES = REPO / "Sources" / "LRTraining" / "Resources"
SEED = 1234

# ----------------------------------------------------------------------------------------------
# Labels.  Set after reading the printed summaries of the generated curves (see the README).
# ----------------------------------------------------------------------------------------------
CASES: list[dict] = []          # filled by the producers: {"path", "format", "expected", "notes"}
BROKEN: list[dict] = []


def case(path: str, fmt: str, expected: list[str], notes: str, acceptable: list[str] | None = None) -> None:
    """acceptable (optional key): verdicts that are defensible extras, not required and not wrong."""
    c = {"path": path, "format": fmt, "expected": expected, "notes": notes}
    if acceptable:
        c["acceptable"] = acceptable
    CASES.append(c)


# ----------------------------------------------------------------------------------------------
# Common helpers
# ----------------------------------------------------------------------------------------------

def torch_setup(seed: int = SEED):
    import numpy as np
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    return torch


def shakespeare():
    """Char-level tiny Shakespeare (the copy shipped in Sources/LRTraining/Resources), 90/10 split."""
    import torch
    text = (RES / "tinyshakespeare.txt").read_text(encoding="utf-8")
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n = int(0.9 * len(data))
    return data[:n], data[n:], len(chars)


def digits(n_train: int | None = None, seed: int = SEED):
    """UCI digits (the copy shipped in Sources/LRTraining/Resources), seeded 1437/360 split,
    standardised with train statistics.  n_train < 1437 keeps only the first n_train train rows."""
    import numpy as np
    import torch
    raw = np.loadtxt(RES / "digits.csv", delimiter=",", dtype=np.float32)
    x, y = raw[:, :64], raw[:, 64].astype(np.int64)
    perm = np.random.RandomState(seed).permutation(len(x))
    tr, te = perm[:1437], perm[1437:]
    if n_train is not None:
        tr = tr[:n_train]
    mu, sd = x[tr].mean(0), x[tr].std(0) + 1e-3
    xs = (x - mu) / sd
    return (torch.tensor(xs[tr]), torch.tensor(y[tr]), torch.tensor(xs[te]), torch.tensor(y[te]))


class _DictDataset:
    """A torch map-style dataset of dict rows (what HF Trainer's default collator expects)."""

    def __init__(self, rows):
        self.rows = rows

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def char_windows(data, n: int, ctx: int, seed: int, corrupt=None):
    """n random windows of ctx chars (input_ids == labels; GPT2LMHeadModel shifts).
    corrupt: optional (set_of_indices, permutation) -> those windows are re-encoded through the
    permutation (a batch of 'foreign' data; used to make real loss spikes)."""
    import torch
    g = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, len(data) - ctx - 1, (n,), generator=g)
    rows = []
    for i, s in enumerate(starts.tolist()):
        x = data[s:s + ctx].clone()
        if corrupt is not None and i in corrupt[0]:
            x = corrupt[1][x]
        rows.append({"input_ids": x, "labels": x.clone()})
    return _DictDataset(rows)


def tiny_gpt2(vocab: int, n_layer=1, n_embd=32, n_head=2, ctx=64, seed=SEED):
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=vocab, n_positions=ctx, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=0, eos_token_id=0)
    return GPT2LMHeadModel(cfg)


def make_mlp(hidden=128, seed=SEED, depth=1):
    import torch
    from torch import nn
    torch.manual_seed(seed)

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            layers, d = [], 64
            for _ in range(depth):
                layers += [nn.Linear(d, hidden), nn.ReLU()]
                d = hidden
            layers.append(nn.Linear(d, 10))
            self.net = nn.Sequential(*layers)

        def forward(self, x, labels=None):
            logits = self.net(x)
            out = {"logits": logits}
            if labels is not None:
                out["loss"] = nn.functional.cross_entropy(logits, labels)
            return out

    return MLP()


def digit_rows(x, y):
    return _DictDataset([{"x": x[i], "labels": y[i]} for i in range(len(x))])


def fmt_series(name, pts):
    """One-line summary of a list of (step, value)."""
    if not pts:
        return f"  {name}: (none)"
    vals = [v for _, v in pts]
    fin = [(s, v) for s, v in pts if v is not None and math.isfinite(v)]
    nonfin = [(s, v) for s, v in pts if v is None or not math.isfinite(v)]
    line = f"  {name}: n={len(pts)} steps {pts[0][0]}..{pts[-1][0]} first={vals[0]:.4g} last={vals[-1]:.4g}"
    if fin:
        smin, vmin = min(fin, key=lambda t: t[1])
        smax, vmax = max(fin, key=lambda t: t[1])
        line += f" min={vmin:.4g}@{smin} max={vmax:.4g}@{smax}"
        k = max(1, len(fin) // 5)
        q = [sum(v for _, v in fin[i * k:(i + 1) * k]) / len(fin[i * k:(i + 1) * k]) for i in range(5)
             if fin[i * k:(i + 1) * k]]
        line += " fifths=[" + ", ".join(f"{v:.3g}" for v in q) + "]"
        tail = [v for _, v in fin[-max(5, len(fin) // 5):]]
        m = sum(tail) / len(tail)
        sd = (sum((v - m) ** 2 for v in tail) / len(tail)) ** 0.5
        line += f" tail(mean={m:.3g}, sd={sd:.3g})"
    if nonfin:
        line += f" NONFINITE={len(nonfin)} first@{nonfin[0][0]}={nonfin[0][1]}"
    return line


def summarize(path: Path, fmt: str) -> str:
    """Re-read a produced log with a throw-away Python reader and print its series."""
    series: dict[str, list] = {}

    def add(k, s, v):
        try:
            v = float(v)
        except (TypeError, ValueError):
            return
        series.setdefault(k, []).append((int(s), v))

    if fmt == "hf-trainer-state":
        p = path
        if p.is_dir():
            cks = sorted(p.glob("checkpoint-*/trainer_state.json"), key=lambda q: int(q.parent.name.split("-")[1]))
            p = cks[-1]
        st = json.loads(p.read_text())
        for e in st["log_history"]:
            for k in ("loss", "eval_loss", "learning_rate", "grad_norm"):
                if k in e:
                    add(k, e["step"], e[k])
    elif fmt in ("lightning-csv", "generic-csv"):
        files = [path] if path.is_file() else sorted(path.rglob("*.csv"))
        for f in files:
            with open(f, newline="") as fh:
                rd = csv.DictReader(fh)
                for r in rd:
                    stepk = next(k for k in ("step", "iter", "iteration", "it", "epoch") if k in r)
                    if r[stepk] in ("", None):
                        continue
                    for k, v in r.items():
                        if k not in (stepk, "epoch") and v not in ("", None):
                            add(f"{f.parent.name}/{k}" if len(files) > 1 else k, r[stepk], v)
    elif fmt in ("generic-jsonl", "lrkit-jsonl"):
        for line in (path / "log.jsonl" if path.is_dir() else path).read_text().splitlines():
            d = json.loads(line)
            stepk = next(k for k in ("step", "it", "iter", "iteration") if k in d)
            for k, v in d.items():
                if k != stepk and isinstance(v, (int, float)):
                    add(k, d[stepk], v)
    elif fmt == "tensorboard":
        files = [path] if path.is_file() else sorted(path.rglob("events.out.tfevents.*"))
        for f in files:
            for ev in read_events(f):
                if ev.HasField("summary"):
                    for v in ev.summary.value:
                        val = scalar_of(v)
                        if val is not None:
                            key = f"{f.parent.name}:{v.tag}" if len({x.parent for x in files}) > 1 else v.tag
                            add(key, ev.step, val)
    out = [f"{path.relative_to(OUT)} [{fmt}]"]
    for k in sorted(series):
        out.append(fmt_series(k, series[k]))
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------
# TFRecord / event-file helpers (used for --check, the summaries and the broken files)
# ----------------------------------------------------------------------------------------------

def _crc32c_table():
    tab = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        tab.append(c)
    return tab


_CRC_TAB = _crc32c_table()


def crc32c(data: bytes) -> int:
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC_TAB[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc(data: bytes) -> int:
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecords(path: Path, strict=True):
    """Yield (offset, payload) of each record; raise on a CRC mismatch (strict)."""
    b = path.read_bytes()
    off = 0
    while off < len(b):
        if off + 12 > len(b):
            raise ValueError(f"{path}: partial header at {off}")
        (n,) = struct.unpack_from("<Q", b, off)
        (lcrc,) = struct.unpack_from("<I", b, off + 8)
        if strict and lcrc != masked_crc(b[off:off + 8]):
            raise ValueError(f"{path}: length CRC mismatch at {off}")
        if off + 12 + n + 4 > len(b):
            raise ValueError(f"{path}: partial record at {off}")
        data = b[off + 12:off + 12 + n]
        (dcrc,) = struct.unpack_from("<I", b, off + 12 + n)
        if strict and dcrc != masked_crc(data):
            raise ValueError(f"{path}: data CRC mismatch at {off}")
        yield off, data
        off += 12 + n + 4


def read_events(path: Path):
    from tensorboard.compat.proto import event_pb2
    for _, data in tfrecords(path):
        ev = event_pb2.Event()
        ev.ParseFromString(data)
        yield ev


def scalar_of(v):
    """The float in a Summary.Value, whatever of the three encodings; None if not a scalar."""
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


def scalar_encodings(path: Path) -> set[str]:
    enc = set()
    files = [path] if path.is_file() else sorted(path.rglob("events.out.tfevents.*"))
    for f in files:
        for ev in read_events(f):
            if ev.HasField("summary"):
                for v in ev.summary.value:
                    k = v.WhichOneof("value")
                    if k == "simple_value":
                        enc.add("simple_value")
                    elif k == "tensor":
                        t = v.tensor
                        if t.float_val:
                            enc.add("tensor.float_val")
                        elif t.double_val:
                            enc.add("tensor.double_val")
                        elif t.tensor_content:
                            enc.add(f"tensor.tensor_content(dtype={t.dtype})")
                        elif t.string_val:
                            enc.add("tensor.string_val")
    return enc


def rename_event_files(d: Path, host="lrkit-corpus"):
    """Give the event files under d stable names, keeping the writer's pattern and their order
    (made-up times 1700000100, 1700000200, ... in creation order; pid 1000, 1001, ...)."""
    files = sorted(d.rglob("events.out.tfevents.*"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    for i, f in enumerate(files):
        suffix = ".v2" if f.name.endswith(".v2") else ""
        f.rename(f.with_name(f"events.out.tfevents.{1700000000 + 100 * (i + 1):010d}.{host}.{1000 + i}.0{suffix}"))


def dest(rel: str) -> Path:
    p = OUT / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


# ----------------------------------------------------------------------------------------------
# Hugging Face Trainer
# ----------------------------------------------------------------------------------------------


def hf_train(model, train_ds, eval_ds, out_dir: Path, optimizer=None, compute_metrics=None, **kw):
    from transformers import Trainer, TrainingArguments
    from transformers.trainer_callback import PrinterCallback
    base = dict(output_dir=os.path.relpath(out_dir), report_to=[], disable_tqdm=True, use_cpu=True, seed=SEED,
                dataloader_num_workers=0, save_strategy="no", per_device_train_batch_size=16,
                per_device_eval_batch_size=64, prediction_loss_only=compute_metrics is None,
                log_level="error")
    base.update(kw)
    args = TrainingArguments(**base)
    tr = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds,
                 optimizers=(optimizer, None), compute_metrics=compute_metrics)
    tr.remove_callback(PrinterCallback)
    tr.train()
    return tr


def hf_save_state(tr, rel: str):
    """Trainer.save_state() (what the HF example scripts call at the end) -> Corpus/rel."""
    tr.save_state()
    shutil.copy2(Path(tr.args.output_dir) / "trainer_state.json", dest(rel))


def hf_cases(tmp: Path):
    torch = torch_setup()
    train, val, V = shakespeare()
    gpt_eval = char_windows(val, 64, 64, seed=7)

    # -- healthy GPT-2: whole output dir with checkpoints + the same run's TensorBoard file -------
    torch_setup()
    run = tmp / "hf-healthy"
    os.environ["TENSORBOARD_LOGGING_DIR"] = str(tmp / "hf-healthy-tb")
    try:
        hf_train(tiny_gpt2(V), char_windows(train, 300 * 16, 64, seed=1), gpt_eval, run,
                 max_steps=300, learning_rate=3e-3, warmup_steps=30, lr_scheduler_type="cosine",
                 weight_decay=0.1, logging_steps=2, eval_strategy="steps", eval_steps=50,
                 save_strategy="steps", save_steps=100, report_to=["tensorboard"])
    finally:
        del os.environ["TENSORBOARD_LOGGING_DIR"]
    d = OUT / "hf/healthy-gpt2-cosine-run"
    shutil.rmtree(d, ignore_errors=True)
    for f in sorted(run.rglob("*")):
        # keep the structure and the small files; drop weights / optimizer state (size)
        if f.is_file() and (f.suffix == ".json" or f.stat().st_size <= 20_000):
            t = d / f.relative_to(run)
            t.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, t)
    case("hf/healthy-gpt2-cosine-run", "hf-trainer-state", ["healthy"],
         "HF Trainer output DIRECTORY as Trainer left it (checkpoint-100/200/300, each with its own "
         "trainer_state.json; the newest, checkpoint-300, has the whole history; model/optimizer/rng binaries "
         ">20 kB dropped for size, training_args.bin and configs kept). GPT-2 1 layer d=32 2 heads, char "
         "tiny-shakespeare ctx 64, batch 16, AdamW lr 3e-3 wd 0.1, linear warmup 30 + cosine, 300 steps, "
         "logging_steps=2 (window means), eval every 50 steps.")
    tbd = OUT / "tb/hf-trainer-healthy"
    shutil.rmtree(tbd, ignore_errors=True)
    shutil.copytree(tmp / "hf-healthy-tb", tbd)
    rename_event_files(tbd)
    case("tb/hf-trainer-healthy", "tensorboard", ["healthy"],
         "Same run as hf/healthy-gpt2-cosine-run, written by HF's TensorBoardCallback (torch SummaryWriter, "
         "simple_value encoding; tags train/loss, train/learning_rate, train/grad_norm, train/epoch, eval/loss, "
         "eval/runtime, ...; plus text summaries 'args' and 'model_config' that are not scalars).")

    # -- diverged with NaN: SGD momentum, warmup to an absurd lr, NaN filter off ------------------
    torch_setup()
    m = tiny_gpt2(V)
    tr = hf_train(m, char_windows(train, 200 * 16, 64, seed=2), gpt_eval, tmp / "hf-nan",
                  optimizer=torch.optim.SGD(m.parameters(), lr=2.0, momentum=0.9),
                  max_steps=200, learning_rate=2.0, warmup_steps=100, lr_scheduler_type="constant_with_warmup",
                  max_grad_norm=0.0, logging_steps=1, logging_nan_inf_filter=False,
                  eval_strategy="steps", eval_steps=50)
    hf_save_state(tr, "hf/diverged-nan-sgd.json")
    case("hf/diverged-nan-sgd.json", "hf-trainer-state", ["diverged"],
         "GPT-2 1 layer d=32, char shakespeare, SGD momentum 0.9, linear warmup over 100 steps to an absurd "
         "lr 2.0 then constant, no grad clipping, 200 steps, logging_steps=1, logging_nan_inf_filter=False "
         "(so NaN reaches the log: the file has bare NaN / Infinity tokens, which strict JSON parsers reject), "
         "eval every 50.")

    # -- diverged, finite: AdamW lr 1.0 -------------------------------------------------------------
    torch_setup()
    tr = hf_train(tiny_gpt2(V), char_windows(train, 200 * 16, 64, seed=2), gpt_eval, tmp / "hf-explode",
                  max_steps=200, learning_rate=1.0, warmup_steps=20, lr_scheduler_type="constant_with_warmup",
                  max_grad_norm=0.0, logging_steps=1)
    hf_save_state(tr, "hf/diverged-finite-adamw.json")
    case("hf/diverged-finite-adamw.json", "hf-trainer-state", ["diverged"],
         "GPT-2 1 layer d=32, char shakespeare, AdamW lr 1.0 (absurd) after a 20-step warmup, constant, no "
         "clipping, 200 steps, logging_steps=1, default NaN filter. Loss explodes but stays finite.")

    # -- stagnation: lr 1e-7 -----------------------------------------------------------------------
    torch_setup()
    tr = hf_train(tiny_gpt2(V), char_windows(train, 250 * 16, 64, seed=3), gpt_eval, tmp / "hf-stag",
                  max_steps=250, learning_rate=1e-7, warmup_steps=10, lr_scheduler_type="cosine",
                  logging_steps=2, eval_strategy="steps", eval_steps=50)
    hf_save_state(tr, "hf/stagnation-lr1e-7.json")
    case("hf/stagnation-lr1e-7.json", "hf-trainer-state", ["stagnation"],
         "GPT-2 1 layer d=32, char shakespeare, AdamW lr 1e-7, warmup 10 + cosine, 250 steps, logging_steps=2, "
         "eval every 50. Loss never leaves the initial ln(65)-ish level.")

    # -- overfitting: 32 training windows, 150 epochs -----------------------------------------------
    torch_setup()
    tr = hf_train(tiny_gpt2(V, n_layer=2, n_embd=64, n_head=4), char_windows(train, 32, 64, seed=3), gpt_eval,
                  tmp / "hf-overfit", max_steps=300, learning_rate=3e-3, lr_scheduler_type="constant",
                  logging_steps=2, eval_strategy="steps", eval_steps=10)
    hf_save_state(tr, "hf/overfitting-gpt2-32-windows.json")
    case("hf/overfitting-gpt2-32-windows.json", "hf-trainer-state", ["overfitting"],
         "GPT-2 2 layers d=64 4 heads, trained on only 32 windows of 64 chars (2 batches/epoch, 150 epochs = "
         "300 steps), AdamW lr 3e-3 constant, logging_steps=2, eval on 64 held-out windows every 10 steps.")

    # -- oscillation: digits MLP, SGD momentum 0.9, constant lr 0.3 ---------------------------------
    torch_setup()
    xtr, ytr, xte, yte = digits()
    m = make_mlp()
    tr = hf_train(m, digit_rows(xtr, ytr), digit_rows(xte, yte), tmp / "hf-osc",
                  optimizer=torch.optim.SGD(m.parameters(), lr=0.3, momentum=0.9),
                  num_train_epochs=10, per_device_train_batch_size=64, learning_rate=0.3,
                  lr_scheduler_type="constant", max_grad_norm=0.0, logging_steps=1, eval_strategy="epoch")
    hf_save_state(tr, "hf/oscillation-sgd-const.json")
    case("hf/oscillation-sgd-const.json", "hf-trainer-state", ["oscillation"],
         "Digits MLP 64-128-10, SGD momentum 0.9, constant lr 0.3 (no decay), batch 64, 10 epochs = 230 steps, "
         "logging_steps=1, eval each epoch. After ~20 steps the batch loss bounces between ~0 and 1-4 with no "
         "downward trend (isolated peaks, e.g. 4.2 at step 99, are part of the bouncing); eval_loss drifts up "
         "0.20 -> 1.0 while the train loss does not fall.", acceptable=["spikes"])

    # -- warmup: Adam, high lr, no warmup, 2-layer GPT ----------------------------------------------
    for wu, rel in [(0, "hf/warmup-missing-adam.json"), (30, "hf/warmup-added-adam.json")]:
        torch_setup()
        tr = hf_train(tiny_gpt2(V, n_layer=2, n_embd=64, n_head=4), char_windows(train, 300 * 16, 64, seed=4),
                      gpt_eval, tmp / f"hf-warmup-{wu}", max_steps=300, learning_rate=0.02, warmup_steps=wu,
                      lr_scheduler_type="cosine", max_grad_norm=0.0, logging_steps=1,
                      train_sampling_strategy="sequential", eval_strategy="steps", eval_steps=25)
        hf_save_state(tr, rel)
    case("hf/warmup-missing-adam.json", "hf-trainer-state", ["warmup"],
         "GPT-2 2 layers d=64 4 heads, char shakespeare, AdamW lr 2e-2 (high), NO warmup, cosine to 0 over 300 "
         "steps, no clipping, sequential sampler, logging_steps=1, eval every 25. Loss spikes at step 4 (first "
         "steps at full lr), then training recovers and proceeds normally.", acceptable=["spikes"])
    case("hf/warmup-added-adam.json", "hf-trainer-state", ["healthy"],
         "Control for hf/warmup-missing-adam.json: identical except a 30-step linear warmup.")

    # -- spikes: four batches of re-encoded ('foreign') text --------------------------------------
    torch_setup()
    perm = torch.randperm(V, generator=torch.Generator().manual_seed(99))
    spike_steps = [90, 160, 161, 230]
    bad = {i for s in spike_steps for i in range((s - 1) * 16, s * 16)}
    tr = hf_train(tiny_gpt2(V), char_windows(train, 300 * 16, 64, seed=5, corrupt=(bad, perm)), gpt_eval,
                  tmp / "hf-spikes", max_steps=300, learning_rate=3e-3, warmup_steps=30,
                  lr_scheduler_type="cosine", logging_steps=1, train_sampling_strategy="sequential",
                  eval_strategy="steps", eval_steps=50)
    hf_save_state(tr, "hf/spikes-bad-batches.json")
    case("hf/spikes-bad-batches.json", "hf-trainer-state", ["spikes"],
         "GPT-2 1 layer d=32, AdamW lr 3e-3, warmup 30 + cosine, 300 steps, logging_steps=1, sequential "
         "sampler; the batches of steps 90, 160, 161 and 230 are text re-encoded through a fixed character "
         "permutation (a corrupt data shard), so the loss jumps ~2x at exactly those steps and recovers at once.")

    # -- healthy digits MLP with accuracy and window-averaged logging ------------------------------
    torch_setup()
    import numpy as np

    def acc(p):
        logits, labels = p
        return {"accuracy": float((np.argmax(logits, -1) == labels).mean())}

    tr = hf_train(make_mlp(), digit_rows(xtr, ytr), digit_rows(xte, yte), tmp / "hf-mlp",
                  compute_metrics=acc, num_train_epochs=20, per_device_train_batch_size=32,
                  learning_rate=1e-3, lr_scheduler_type="linear", warmup_steps=45, logging_steps=10,
                  eval_strategy="epoch")
    hf_save_state(tr, "hf/healthy-mlp-digits.json")
    case("hf/healthy-mlp-digits.json", "hf-trainer-state", ["healthy"],
         "Digits MLP 64-128-10, AdamW lr 1e-3, warmup 45 + linear decay, batch 32, 20 epochs = 900 steps, "
         "logging_steps=10 (window means, the default style), eval each epoch with eval_accuracy.")


# ----------------------------------------------------------------------------------------------
# PyTorch Lightning CSVLogger
# ----------------------------------------------------------------------------------------------

class SimulatedCrash(RuntimeError):
    pass


def lightning_cases(tmp: Path):
    torch = torch_setup()
    import lightning as L
    from lightning.pytorch.callbacks import LearningRateMonitor, ModelCheckpoint, Callback
    from lightning.pytorch.loggers import CSVLogger
    from lightning.fabric.loggers.csv_logs import _ExperimentWriter
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset
    import logging
    logging.getLogger("lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)

    rewrites = []
    orig_rewrite = _ExperimentWriter._rewrite_with_new_header

    def spy(self, fieldnames):          # only to REPORT what Lightning did (header rewrites)
        rewrites.append((self.metrics_file_path, list(fieldnames)))
        return orig_rewrite(self, fieldnames)

    _ExperimentWriter._rewrite_with_new_header = spy

    xtr, ytr, xte, yte = digits()

    class LitMLP(L.LightningModule):
        def __init__(self, lr=1e-3, optimizer="adamw", momentum=0.0, total_steps=270, schedule="cosine"):
            super().__init__()
            self.save_hyperparameters()
            torch.manual_seed(SEED)
            self.net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))

        def training_step(self, batch, i):
            x, y = batch
            loss = nn.functional.cross_entropy(self.net(x), y)
            self.log("train_loss", loss, on_step=True, on_epoch=True)
            return loss

        def validation_step(self, batch, i):
            x, y = batch
            logits = self.net(x)
            self.log("val_loss", nn.functional.cross_entropy(logits, y))
            self.log("val_acc", (logits.argmax(-1) == y).float().mean())

        def configure_optimizers(self):
            h = self.hparams
            if h.optimizer == "adamw":
                opt = torch.optim.AdamW(self.parameters(), lr=h.lr)
            else:
                opt = torch.optim.SGD(self.parameters(), lr=h.lr, momentum=h.momentum)
            if h.schedule == "constant":
                return opt
            T = h.total_steps
            sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, T) / T)))
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    def loaders(batch=32):
        g = torch.Generator().manual_seed(SEED)
        return (DataLoader(TensorDataset(xtr, ytr), batch_size=batch, shuffle=True, generator=g),
                DataLoader(TensorDataset(xte, yte), batch_size=360))

    def trainer(logger, epochs, callbacks=(), **kw):
        return L.Trainer(max_epochs=epochs, logger=logger, callbacks=[LearningRateMonitor("step"), *callbacks],
                         log_every_n_steps=2, enable_progress_bar=False, enable_model_summary=False,
                         accelerator="cpu", devices=1, deterministic=True, **kw)

    # -- healthy ------------------------------------------------------------------------------------
    L.seed_everything(SEED, verbose=False)
    root = tmp / "pl-healthy"
    tl, vl = loaders()
    trainer(CSVLogger(root, name="lightning_logs", flush_logs_every_n_steps=10), 6,
            enable_checkpointing=False).fit(LitMLP(lr=3e-3, total_steps=6 * 45), tl, vl)
    n_rw = len([r for r in rewrites if str(root) in r[0]])
    shutil.copy2(root / "lightning_logs/version_0/metrics.csv", dest("lightning/healthy-mlp-adamw/metrics.csv"))
    shutil.copy2(root / "lightning_logs/version_0/hparams.yaml", dest("lightning/healthy-mlp-adamw/hparams.yaml"))
    case("lightning/healthy-mlp-adamw/metrics.csv", "lightning-csv", ["healthy"],
         "Lightning CSVLogger (flush_logs_every_n_steps=10; Lightning rewrote the whole file with a new, "
         f"sorted header {n_rw} time(s) as new keys appeared, so the final file has one header). Digits MLP "
         "64-128-10, AdamW lr 3e-3, cosine per step over 270 steps, batch 32, 6 epochs, log_every_n_steps=2, "
         "self.log('train_loss', on_step=True, on_epoch=True) -> train_loss_step/train_loss_epoch, val_loss "
         "and val_acc per epoch, LearningRateMonitor('step') -> lr-AdamW. Sparse rows: lr-AdamW values sit in "
         "rows of their own (LearningRateMonitor logs separately), train_loss_step in others, val/epoch in others.")

    # -- resumed after a crash: new version dir (the default) ---------------------------------------
    class CrashAt(Callback):
        def __init__(self, step):
            self.step = step

        def on_train_batch_end(self, trainer, *a):
            if trainer.global_step >= self.step:
                raise SimulatedCrash(f"simulated crash at step {trainer.global_step}")

    for same_version in (False, True):
        L.seed_everything(SEED, verbose=False)
        root = tmp / f"pl-resume-{int(same_version)}"
        ck = ModelCheckpoint(dirpath=root / "ckpt", save_last=True, every_n_epochs=1, save_top_k=-1)
        tl, vl = loaders()
        try:
            trainer(CSVLogger(root, name="lightning_logs", flush_logs_every_n_steps=10), 6,
                    callbacks=[ck, CrashAt(110)]).fit(LitMLP(lr=3e-3, total_steps=6 * 45), tl, vl)
        except SimulatedCrash:
            pass
        L.seed_everything(SEED + 1, verbose=False)
        tl, vl = loaders()
        logger = CSVLogger(root, name="lightning_logs", version=0 if same_version else None,
                           flush_logs_every_n_steps=10)
        trainer(logger, 6, callbacks=[ModelCheckpoint(dirpath=root / "ckpt2", save_top_k=0)]).fit(
            LitMLP(lr=3e-3, total_steps=6 * 45), tl, vl, ckpt_path=str(root / "ckpt/last.ckpt"))
        if same_version:
            shutil.copy2(root / "lightning_logs/version_0/metrics.csv",
                         dest("lightning/resumed-same-version/metrics.csv"))
        else:
            d = OUT / "lightning/resumed-after-crash"
            shutil.rmtree(d, ignore_errors=True)
            shutil.copytree(root / "lightning_logs", d / "lightning_logs")
    case("lightning/resumed-after-crash", "lightning-csv", ["healthy"],
         "A DIRECTORY (the CSVLogger root, lightning_logs/version_0 and version_1): same model/optimizer as "
         "lightning/healthy-mlp-adamw. The first fit checkpointed at the end of epoch 1 (global step 90) and then "
         "crashed (an exception raised at global step 110, in epoch 2); Lightning flushed the log on the failure, "
         "so version_0/metrics.csv has rows up to step 109. The second fit resumed from that checkpoint with a "
         "new CSVLogger (default -> version_1), whose metrics.csv starts again at step 91: steps 91..109 appear "
         "in both files with different values (different batch order after the resume); the later version "
         "supersedes. Lightning 2.6.6 never writes a second header into one file: when new keys appear it "
         "rewrites the whole file with the new sorted header (observed: twice per file here).")
    case("lightning/resumed-same-version/metrics.csv", "lightning-csv", ["healthy"],
         "Same crash/resume as lightning/resumed-after-crash, but the resumed fit was given "
         "CSVLogger(version=0): Lightning 2.6.6 warns 'Previous log files in this directory will be deleted' "
         "and DELETES the old metrics.csv, so this file only has the resumed part (steps 91..269): the curve "
         "starts low, mid-training.")

    # -- diverged: SGD lr 3 -> NaN, logged as 'nan' -------------------------------------------------
    L.seed_everything(SEED, verbose=False)
    root = tmp / "pl-div"
    tl, vl = loaders()
    trainer(CSVLogger(root, name="lightning_logs"), 4, enable_checkpointing=False).fit(
        LitMLP(lr=3.0, optimizer="sgd", momentum=0.9, schedule="constant"), tl, vl)
    shutil.copy2(root / "lightning_logs/version_0/metrics.csv", dest("lightning/diverged-sgd/metrics.csv"))
    case("lightning/diverged-sgd/metrics.csv", "lightning-csv", ["diverged"],
         "Digits MLP, SGD momentum 0.9, constant lr 3.0 (lr-SGD column from LearningRateMonitor), batch 32, "
         "4 epochs, log_every_n_steps=2. Loss explodes to ~1e36, then inf, then NaN (written as 'inf' / 'nan').")

    # -- stagnation: AdamW lr 1e-6 ------------------------------------------------------------------
    L.seed_everything(SEED, verbose=False)
    root = tmp / "pl-stag"
    tl, vl = loaders()
    trainer(CSVLogger(root, name="lightning_logs"), 6, enable_checkpointing=False).fit(
        LitMLP(lr=1e-6, schedule="constant"), tl, vl)
    shutil.copy2(root / "lightning_logs/version_0/metrics.csv", dest("lightning/stagnation-lr1e-6/metrics.csv"))
    case("lightning/stagnation-lr1e-6/metrics.csv", "lightning-csv", ["stagnation"],
         "Digits MLP, AdamW constant lr 1e-6, batch 32, 6 epochs = 270 steps, log_every_n_steps=2.")
    _ExperimentWriter._rewrite_with_new_header = orig_rewrite
    print("lightning header rewrites:", [(Path(p).parent.name, k) for p, k in rewrites])


# ----------------------------------------------------------------------------------------------
# TensorBoard event files
# ----------------------------------------------------------------------------------------------

def _gpt_loop(model, X, steps, lr_at, opt, on_step, eval_every=0, on_eval=None, start=0, clip=None):
    """Plain PyTorch loop over precomputed batches X[s] (s = global step)."""
    import torch
    for s in range(start, steps):
        xb = X[s]
        loss = model(input_ids=xb, labels=xb).loss
        opt.zero_grad()
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), clip if clip else float("inf"))
        lr = lr_at(s)
        for g in opt.param_groups:
            g["lr"] = lr
        opt.step()
        on_step(s, loss.item(), lr, gn.item())
        if eval_every and on_eval and (s + 1) % eval_every == 0:
            on_eval(s)


def tb_cases(tmp: Path):
    torch = torch_setup()
    from torch.utils.tensorboard import SummaryWriter
    train, val, V = shakespeare()

    def gpt_eval_loss(model, ev):
        with torch.no_grad():
            return model(input_ids=ev, labels=ev).loss.item()

    # -- new_style=True (tensor float_val): overfitting GPT --------------------------------------
    torch_setup()
    model = tiny_gpt2(V, n_layer=2, n_embd=64, n_head=4)
    data = torch.stack([r["input_ids"] for r in char_windows(train, 32, 64, seed=11).rows])
    g = torch.Generator().manual_seed(SEED)
    X = [data[torch.randperm(32, generator=g)[:16]] for _ in range(300)]
    ev = torch.stack([r["input_ids"] for r in char_windows(val, 64, 64, seed=7).rows])
    d = tmp / "tb-overfit"
    w = SummaryWriter(log_dir=str(d))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.0)

    def log_step(s, loss, lr, gn):
        w.add_scalar("train/loss", loss, s, new_style=True)
        w.add_scalar("train/learning_rate", lr, s, new_style=True)
        w.add_scalar("train/grad_norm", gn, s, new_style=True)

    _gpt_loop(model, X, 300, lambda s: 3e-3, opt, log_step, eval_every=10,
              on_eval=lambda s: w.add_scalar("eval/loss", gpt_eval_loss(model, ev), s + 1, new_style=True))
    w.close()
    t = OUT / "tb/new-style-float-overfitting"
    shutil.rmtree(t, ignore_errors=True)
    shutil.copytree(d, t)
    rename_event_files(t)
    case("tb/new-style-float-overfitting", "tensorboard", ["overfitting"],
         "torch SummaryWriter.add_scalar(..., new_style=True) -> tensor float_val (DT_FLOAT) with 'scalars' "
         "plugin metadata. Plain PyTorch loop: GPT-2 2 layers d=64 on only 32 windows, AdamW lr 3e-3 constant, "
         "300 steps, every step logged (train/loss, train/learning_rate, train/grad_norm), eval/loss every 10 "
         "steps on 64 held-out windows. No warmup: a small early bump (loss 4.18 -> 4.32 and grad-norm 57 at "
         "step 7) before the descent.", acceptable=["warmup"])

    # -- new_style=True, double_precision=True (tensor double_val): diverged MLP --------------------
    torch_setup()
    xtr, ytr, xte, yte = digits()
    model = make_mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.9)
    d = tmp / "tb-div"
    w = SummaryWriter(log_dir=str(d))
    g = torch.Generator().manual_seed(SEED)
    step = 0
    for epoch in range(6):
        perm = torch.randperm(len(xtr), generator=g)
        for i in range(0, len(xtr), 64):
            idx = perm[i:i + 64]
            lr = min(1.0, 0.02 + 0.98 * step / 100)          # linear warmup to an absurd lr 1.0
            for gr in opt.param_groups:
                gr["lr"] = lr
            loss = model(xtr[idx], labels=ytr[idx])["loss"]
            opt.zero_grad()
            loss.backward()
            gn = torch.nn.utils.clip_grad_norm_(model.parameters(), float("inf"))
            opt.step()
            w.add_scalar("train/loss", loss.item(), step, new_style=True, double_precision=True)
            w.add_scalar("train/learning_rate", lr, step, new_style=True, double_precision=True)
            w.add_scalar("train/grad_norm", gn.item(), step, new_style=True, double_precision=True)
            step += 1
        with torch.no_grad():
            w.add_scalar("eval/loss", model(xte, labels=yte)["loss"].item(), step, new_style=True,
                         double_precision=True)
    w.close()
    t = OUT / "tb/new-style-double-diverged"
    shutil.rmtree(t, ignore_errors=True)
    shutil.copytree(d, t)
    rename_event_files(t)
    case("tb/new-style-double-diverged", "tensorboard", ["diverged"],
         "torch SummaryWriter.add_scalar(..., new_style=True, double_precision=True) -> tensor double_val "
         "(DT_DOUBLE). Digits MLP, SGD momentum 0.9, lr warmed up linearly from 0.02 to an absurd 1.0 over 100 "
         "steps, batch 64, 6 epochs (138 steps), eval/loss per epoch. Trains well at first (min ~0.02 at step "
         "41), then the loss explodes to ~1e5 (stays finite) as the lr reaches 1.0.")

    # -- restarted run: same logdir, second writer restarts from step 40 (makemore-style tags) ------
    for with_start in (True, False):
        torch_setup()
        d = tmp / f"tb-restart-{int(with_start)}"
        ctx = 3
        tr_x = torch.stack([train[i:i + ctx] for i in range(0, 200_000)])
        tr_y = train[ctx:200_000 + ctx]
        te_x = torch.stack([val[i:i + ctx] for i in range(0, 5_000)])
        te_y = val[ctx:5_000 + ctx]
        from torch import nn

        def make_model():
            torch.manual_seed(SEED)
            return nn.Sequential(nn.Embedding(V, 16), nn.Flatten(), nn.Linear(16 * ctx, 128), nn.Tanh(),
                                 nn.Linear(128, V))

        def run(model, opt, start, stop, seed, writer, ckpt_at=None):
            g = torch.Generator().manual_seed(seed)
            saved = None
            for s in range(start, stop + 1):
                idx = torch.randint(0, len(tr_x), (64,), generator=g)
                loss = nn.functional.cross_entropy(model(tr_x[idx]), tr_y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                writer.add_scalar("Loss/train", loss.item(), s)
                if s % 10 == 0:
                    with torch.no_grad():
                        writer.add_scalar("Loss/test", nn.functional.cross_entropy(model(te_x), te_y).item(), s)
                if s == ckpt_at:
                    import copy
                    saved = (copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict()))
            return saved

        model = make_model()
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
        w1 = SummaryWriter(log_dir=str(d))
        saved = run(model, opt, 0, 60, seed=1, writer=w1, ckpt_at=39)     # "crashes" after step 60
        w1.close()
        model = make_model()
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
        model.load_state_dict(saved[0])
        opt.load_state_dict(saved[1])
        w2 = SummaryWriter(log_dir=str(d))
        if with_start:
            import time
            from tensorboard.compat.proto.event_pb2 import Event, SessionLog
            # the writer's own event file writer emits the SessionLog START (what TF's
            # FileWriter.add_session_log does); TensorBoard purges steps >= 40 seen before
            w2._get_file_writer().add_event(Event(wall_time=time.time(), step=40,
                                                  session_log=SessionLog(status=SessionLog.START)))
        run(model, opt, 40, 200, seed=2, writer=w2)
        w2.close()
        name = "tb/restarted-sessionlog-start" if with_start else "tb/restarted-no-sessionlog"
        t = OUT / name
        shutil.rmtree(t, ignore_errors=True)
        shutil.copytree(d, t)
        rename_event_files(t)
    case("tb/restarted-sessionlog-start", "tensorboard", ["healthy"],
         "Restarted run, TWO event files in one logdir, makemore-style tags Loss/train (every step) and "
         "Loss/test (every 10 steps), torch SummaryWriter simple_value. Char MLP (context 3, emb 16, tanh 128), "
         "AdamW lr 3e-3, batch 64. Process 1 wrote steps 0..60 then stopped; process 2 loaded the checkpoint "
         "taken after step 39, wrote an Event{step=40, session_log START} and continued 40..200 with a "
         "different batch order: steps 40..60 appear in both files with different values; TensorBoard purges "
         "the first file's steps >= 40 on the START.")
    case("tb/restarted-no-sessionlog", "tensorboard", ["healthy"],
         "Same restart as tb/restarted-sessionlog-start but without the SessionLog event (what a plain "
         "SummaryWriter user gets): steps 40..60 are duplicated across the two files; a reader should prefer the "
         "later file (by file-name time) for repeated steps.")


TF2_CHILD = r'''
import json, math, os, sys
import numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf
tf.config.threading.set_inter_op_parallelism_threads(1)
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.random.set_seed(SEED); np.random.seed(SEED)
raw = np.loadtxt(RES + "/digits.csv", delimiter=",", dtype=np.float32)
x, y = raw[:, :64], raw[:, 64].astype(np.int64)
perm = np.random.RandomState(SEED).permutation(len(x)); tr, te = perm[:1437], perm[1437:]
mu, sd = x[tr].mean(0), x[tr].std(0) + 1e-3
xs = (x - mu) / sd
rng = np.random.RandomState(SEED)
W1 = tf.Variable(rng.normal(0, 1 / 8, (64, 128)).astype(np.float32)); b1 = tf.Variable(np.zeros(128, np.float32))
W2 = tf.Variable(rng.normal(0, 1 / 11.3, (128, 10)).astype(np.float32)); b2 = tf.Variable(np.zeros(10, np.float32))
params = [W1, b1, W2, b2]
def f(xb): return tf.matmul(tf.nn.relu(tf.matmul(xb, W1) + b1), W2) + b2
def loss_fn(xb, yb): return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yb, logits=f(xb)))
T = 10 * 45
opt_m = [tf.Variable(tf.zeros_like(p)) for p in params]
w = tf.summary.create_file_writer(OUTDIR)
step = 0
with w.as_default():
    for epoch in range(10):
        order = rng.permutation(tr)
        for i in range(0, len(order), 32):
            idx = order[i:i + 32]
            lr = 0.05 * 0.5 * (1 + math.cos(math.pi * step / T))
            with tf.GradientTape() as tape:
                loss = loss_fn(xs[idx], y[idx])
            grads = tape.gradient(loss, params)
            gn = tf.linalg.global_norm(grads)
            for p, m, gr in zip(params, opt_m, grads):      # SGD momentum 0.9
                m.assign(0.9 * m + gr); p.assign_sub(lr * m)
            tf.summary.scalar("train/loss", loss, step=step)
            tf.summary.scalar("train/learning_rate", lr, step=step)
            tf.summary.scalar("train/grad_norm", gn, step=step)
            step += 1
        tf.summary.scalar("eval/loss", loss_fn(xs[te], y[te]), step=step)
w.flush(); w.close()
print(json.dumps({"tensorflow": tf.__version__, "steps": step}))
'''


def tf2_case(tmp: Path):
    d = tmp / "tb-tf2"
    shutil.rmtree(d, ignore_errors=True)
    code = TF2_CHILD.replace("SEED", str(SEED)).replace("RES", repr(str(RES))).replace("OUTDIR", repr(str(d)))
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="2", OMP_NUM_THREADS="1")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        print(r.stderr[-3000:])
        raise SystemExit("TF2 child failed (is tensorflow-cpu installed?)")
    print("tf2:", r.stdout.strip().splitlines()[-1])
    t = OUT / "tb/tf2-tensor-content-healthy"
    shutil.rmtree(t, ignore_errors=True)
    shutil.copytree(d, t)
    rename_event_files(t)
    case("tb/tf2-tensor-content-healthy", "tensorboard", ["healthy"],
         "TF2 tf.summary.scalar (tensorflow-cpu 2.21.0, tf.summary.create_file_writer) -> tensor with "
         "tensor_content raw little-endian bytes (DT_FLOAT) and 'scalars' plugin metadata; file name ends in "
         "'.v2'. Digits MLP 64-128-10 in raw TF2 (GradientTape), SGD momentum 0.9, lr 0.05 cosine to 0, batch "
         "32, 10 epochs = 450 steps; train/loss, train/learning_rate, train/grad_norm every step, eval/loss per "
         "epoch.")


# ----------------------------------------------------------------------------------------------
# Generic CSV / JSONL (plain PyTorch loops with csv / json; Keras' own CSVLogger)
# ----------------------------------------------------------------------------------------------

def generic_cases(tmp: Path):
    torch = torch_setup()
    train, val, V = shakespeare()

    # -- CSV iter,training_loss,learning_rate,val_loss (val every 25 iters, empty otherwise) -------
    torch_setup()
    model = tiny_gpt2(V)
    X = torch.stack([r["input_ids"] for r in char_windows(train, 250 * 16, 64, seed=21).rows]).view(250, 16, 64)
    ev = torch.stack([r["input_ids"] for r in char_windows(val, 64, 64, seed=7).rows])
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.1)
    p = dest("generic/train_log.csv")
    with open(p, "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["iter", "training_loss", "learning_rate", "val_loss"])

        def lr_at(s):
            return 2e-3 * (s + 1) / 25 if s < 25 else 2e-4 + 0.5 * (2e-3 - 2e-4) * (1 + math.cos(math.pi * (s - 25) / 225))

        def on_step(s, loss, lr, gn):
            vl = ""
            if (s + 1) % 25 == 0:
                with torch.no_grad():
                    vl = f"{model(input_ids=ev, labels=ev).loss.item():.6f}"
            wr.writerow([s + 1, f"{loss:.6f}", f"{lr:.6e}", vl])

        _gpt_loop(model, X, 250, lr_at, opt, on_step, clip=1.0)
    case("generic/train_log.csv", "generic-csv", ["healthy"],
         "csv.writer from a plain PyTorch loop; header iter,training_loss,learning_rate,val_loss; val_loss only "
         "every 25 iters (empty cells otherwise). GPT-2 1 layer d=32, char shakespeare, AdamW lr 2e-3 wd 0.1, "
         "warmup 25 + cosine to 2e-4, clip 1.0, batch 16, 250 iters.")

    # -- JSONL {"it", "objective"}: SGD with a far too small lr ------------------------------------
    torch_setup()
    xtr, ytr, xte, yte = digits()
    model = make_mlp()
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(SEED)
    with open(dest("generic/objective.jsonl"), "w") as fh:
        for it in range(300):
            idx = torch.randint(0, len(xtr), (32,), generator=g)
            loss = model(xtr[idx], labels=ytr[idx])["loss"]
            opt.zero_grad()
            loss.backward()
            opt.step()
            fh.write(json.dumps({"it": it, "objective": round(loss.item(), 6)}) + "\n")
    case("generic/objective.jsonl", "generic-jsonl", ["stagnation"],
         "json.dumps per line from a plain PyTorch loop; keys it, objective (no lr). Digits MLP, plain SGD lr "
         "1e-4 (far too small), batch 32, 300 iterations.")

    # -- JSONL {"iter", "train/loss", "lr", "val/loss"} (nanoGPT's W&B key names): oscillation ---------
    torch_setup()
    model = make_mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    g = torch.Generator().manual_seed(SEED)
    with open(dest("generic/sgd-oscillation.jsonl"), "w") as fh:
        for it in range(200):
            idx = torch.randint(0, len(xtr), (128,), generator=g)
            loss = model(xtr[idx], labels=ytr[idx])["loss"]
            opt.zero_grad()
            loss.backward()
            opt.step()
            row = {"iter": it, "train/loss": loss.item(), "lr": 0.5}
            if it % 20 == 19:
                with torch.no_grad():
                    row["val/loss"] = model(xte, labels=yte)["loss"].item()
            fh.write(json.dumps(row) + "\n")
    case("generic/sgd-oscillation.jsonl", "generic-jsonl", ["oscillation"],
         "json.dumps per line; keys iter, train/loss, lr (+ val/loss every 20 iters) as nanoGPT logs them. "
         "Digits MLP, SGD momentum 0.9, constant lr 0.5, batch 128, 200 iterations: after ~20 iterations the "
         "batch loss bounces between ~0 and 0.5-2.3 with no downward trend; val/loss drifts up 0.21 -> 1.39.",
         acceptable=["spikes"])


KERAS_CHILD = r'''
import json, os
os.environ["KERAS_BACKEND"] = "jax"
import numpy as np, keras
keras.utils.set_random_seed(SEED)
raw = np.loadtxt(RES + "/digits.csv", delimiter=",", dtype=np.float32)
x, y = raw[:, :64] / 16.0, raw[:, 64].astype(np.int64)
perm = np.random.RandomState(SEED).permutation(len(x)); tr, te = perm[:80], perm[1437:]
model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(256, activation="relu"),
                          keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])
model.compile(optimizer=keras.optimizers.Adam(3e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
model.fit(x[tr], y[tr], validation_data=(x[te], y[te]), epochs=150, batch_size=20, verbose=0, shuffle=True,
          callbacks=[keras.callbacks.CSVLogger(OUTFILE)])
print(json.dumps({"keras": keras.__version__}))
'''


def keras_case(tmp: Path):
    code = (KERAS_CHILD.replace("SEED", str(SEED)).replace("RES", repr(str(RES)))
            .replace("OUTFILE", repr(str(dest("generic/keras-csvlogger.csv")))))
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", XLA_FLAGS="--xla_cpu_multi_thread_eigen=false",
               OMP_NUM_THREADS="1")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        print(r.stderr[-3000:])
        raise SystemExit("keras child failed")
    print("keras:", r.stdout.strip().splitlines()[-1])
    case("generic/keras-csvlogger.csv", "generic-csv", ["overfitting"],
         "keras.callbacks.CSVLogger (Keras 3.15.1, jax backend): one row per EPOCH, header "
         "epoch,accuracy,loss,val_accuracy,val_loss (the step column is 'epoch', 0-based; Keras 3 also adds "
         "learning_rate if the optimizer exposes it). Digits 64-256-256-10 MLP, Adam lr 3e-3, only 80 training "
         "rows, batch 20, 150 epochs; validation on 360 rows. Train loss -> 1e-4 and train accuracy 1.0 by epoch "
         "~10 while val_loss bottoms out at epoch 16 and then rises slowly but monotonically (+20% by the end).")


# ----------------------------------------------------------------------------------------------
# LRKit's own log.jsonl (optional: needs a built `lrkit`)
# ----------------------------------------------------------------------------------------------

def lrkit_cases(tmp: Path, lrkit: str):
    runs = [
        ("lrkit/healthy-digits-sgd", ["healthy"],
         ["--task", "digits", "--optimizer", "sgd", "--momentum", "0.9", "--batch-size", "64", "--epochs", "10",
          "--eval-every", "23", "--schedule", '{"type": "cosine", "lr": 0.1, "steps": 230}'],
         "LRKit `lrkit train` run DIRECTORY (config.json, log.jsonl, summary.json; checkpoint.json dropped). Digits "
         "MLP, SGD momentum 0.9, cosine from lr 0.1 over 230 steps, batch 64, 10 epochs, eval every 23 updates."),
        ("lrkit/diverged-digits-sgd/log.jsonl", ["diverged"],
         ["--task", "digits", "--optimizer", "sgd", "--momentum", "0.9", "--lr", "5", "--batch-size", "64",
          "--epochs", "10", "--eval-every", "23"],
         "LRKit log.jsonl: digits MLP, SGD momentum 0.9, constant lr 5 (absurd); LRKit stops at the first "
         "non-finite loss/gradient and records it."),
    ]
    for rel, expected, args, notes in runs:
        run_dir = tmp / rel.replace("/", "_")
        shutil.rmtree(run_dir, ignore_errors=True)
        r = subprocess.run([lrkit, "train", *args, "--seed", "0", "--quiet", "--out", str(run_dir)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout, r.stderr)
            raise SystemExit(f"lrkit train failed for {rel}")
        d = OUT / (rel if not rel.endswith(".jsonl") else str(Path(rel).parent))
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        for name in ("config.json", "log.jsonl", "summary.json"):
            if (run_dir / name).exists():
                shutil.copy2(run_dir / name, d / name)
        case(rel, "lrkit-jsonl", expected, notes)


# ----------------------------------------------------------------------------------------------
# Broken inputs (made from the real files above)
# ----------------------------------------------------------------------------------------------

def broken_files():
    b = OUT / "broken"
    shutil.rmtree(b, ignore_errors=True)
    b.mkdir(parents=True)

    def add(rel, what, made_from):
        BROKEN.append({"path": f"broken/{rel}", "what": what, "made_from": made_from})

    src = OUT / "hf/healthy-mlp-digits.json"
    raw = src.read_bytes()
    cut = int(len(raw) * 0.45)
    (b / "trainer_state-truncated.json").write_bytes(raw[:cut])
    add("trainer_state-truncated.json",
        f"trainer_state.json cut after {cut} of {len(raw)} bytes, in the middle of log_history (unterminated "
        "JSON). A reader must fail with a clear error (or, if it salvages, keep only complete entries).",
        "hf/healthy-mlp-digits.json")

    src = OUT / "lightning/healthy-mlp-adamw/metrics.csv"
    lines = src.read_text().splitlines()
    header = lines[0].split(",")
    li = lines[:]
    r1 = 6
    li[r1] = li[r1] + ",0.5,extra"                         # ragged: two cells too many
    r2 = 12
    li[r2] = ",".join(li[r2].split(",")[:3])              # ragged: cells missing
    r3 = 20
    cells = li[r3].split(",")
    k = next(i for i, c in enumerate(cells) if c and header[i] not in ("epoch", "step"))
    bad_col = header[k]
    cells[k] = "tensor(2.3012)"                           # non-numeric cell
    li[r3] = ",".join(cells)
    (b / "metrics-ragged.csv").write_text("\n".join(li) + "\n")
    add("metrics-ragged.csv",
        f"Lightning metrics.csv with data row {r1} (1-based after the header) given two extra cells, row {r2} "
        f"cut to 3 cells, and row {r3}'s '{bad_col}' cell replaced by the non-numeric 'tensor(2.3012)'. Reader "
        "should skip/flag those cells or rows and read the rest.", "lightning/healthy-mlp-adamw/metrics.csv")

    ev = sorted((OUT / "tb/hf-trainer-healthy").rglob("events.out.tfevents.*"))[0]
    data = ev.read_bytes()
    recs = list(tfrecords(ev))
    (b / "events-truncated").mkdir()
    last_off = recs[-1][0]
    tcut = last_off + 12 + len(recs[-1][1]) // 2
    (b / "events-truncated" / ev.name).write_bytes(data[:tcut])
    add(f"events-truncated/{ev.name}",
        f"event file cut at byte {tcut} of {len(data)}: the last record is partial (as a live writer leaves "
        f"it); the first {len(recs) - 1} records are complete and valid. A reader should read them and stop "
        "cleanly.", f"tb/hf-trainer-healthy/{ev.relative_to(OUT / 'tb/hf-trainer-healthy')}")

    (b / "events-crc-mismatch").mkdir()
    ri = len(recs) // 2
    off, payload = recs[ri]
    flip = off + 12 + len(payload) // 2
    bd = bytearray(data)
    bd[flip] ^= 0x10
    (b / "events-crc-mismatch" / ev.name).write_bytes(bytes(bd))
    add(f"events-crc-mismatch/{ev.name}",
        f"one bit flipped at byte {flip}, inside the payload of record {ri} (0-based, record starts at byte "
        f"{off}): that record's data CRC no longer matches; all other records are intact ({len(recs)} in all).",
        f"tb/hf-trainer-healthy/{ev.relative_to(OUT / 'tb/hf-trainer-healthy')}")

    (b / "events-bad-length").mkdir()
    ri2 = len(recs) // 3
    off2, _ = recs[ri2]
    bd = bytearray(data)
    struct.pack_into("<Q", bd, off2, 0x0000_7FFF_FFFF_FF00)
    (b / "events-bad-length" / ev.name).write_bytes(bytes(bd))
    add(f"events-bad-length/{ev.name}",
        f"the uint64 length field of record {ri2} (at byte {off2}) overwritten with 0x00007FFFFFFFFF00 (its "
        "length CRC no longer matches; the length points far beyond the file). Records before it are valid; a "
        "reader must not allocate/seek by that length.",
        f"tb/hf-trainer-healthy/{ev.relative_to(OUT / 'tb/hf-trainer-healthy')}")

    (b / "empty.jsonl").write_bytes(b"")
    add("empty.jsonl", "an empty (0-byte) file.", "-")
    (b / "empty-events").mkdir()
    (b / "empty-events" / "events.out.tfevents.1700000000.lrkit-corpus.1.0").write_bytes(b"")
    add("empty-events/events.out.tfevents.1700000000.lrkit-corpus.1.0", "a 0-byte event file.", "-")
    (b / "empty-dir").mkdir()
    (b / "empty-dir" / ".gitkeep").write_bytes(b"")
    add("empty-dir", "a directory with no log in it. git cannot store an empty directory, so it holds only a "
        "0-byte .gitkeep; tests that need a truly empty directory should create one in a temporary location.",
        "-")

    src = OUT / "generic/objective.jsonl"
    li = src.read_text().splitlines()
    li.insert(57, "WARNING: gradient overflow, skipping step")
    (b / "garbage-line.jsonl").write_text("\n".join(li) + "\n")
    add("garbage-line.jsonl", "generic JSONL (keys it, objective) with one non-JSON line inserted as line 58 "
        f"(1-based); the other {len(li) - 1} lines are valid.", "generic/objective.jsonl")


# ----------------------------------------------------------------------------------------------
# Check, README, main
# ----------------------------------------------------------------------------------------------

def check() -> bool:
    ok = True
    assert crc32c(b"123456789") == 0xE3069283, hex(crc32c(b"123456789"))
    assert masked_crc(b"123456789") == 0xC78AB0E5, hex(masked_crc(b"123456789"))
    # the framing test vector of the research notes (tools-and-tasks.md §3.3), with tensorboard's protos
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    ev = Event(wall_time=1700000000.0, step=7,
               summary=Summary(value=[Summary.Value(tag="train/loss", simple_value=2.5)])).SerializeToString()
    assert ev.hex() == "0900000040fc54d94110072a130a110a0a747261696e2f6c6f73731500002040", ev.hex()
    assert struct.pack("<I", masked_crc(struct.pack("<Q", len(ev)))).hex() == "29eda950"
    assert struct.pack("<I", masked_crc(ev)).hex() == "4f7a5cab"
    labels = json.loads((OUT / "labels.json").read_text())
    for c in labels["cases"]:
        p = OUT / c["path"]
        if not p.exists():
            print("MISSING", c["path"])
            ok = False
            continue
        print(summarize(p, c["format"]))
        print("   expected:", c["expected"])
        if c["format"] == "tensorboard":
            print("   encodings:", sorted(scalar_encodings(p)))
    n_ev = 0
    for f in sorted(OUT.rglob("events.out.tfevents.*")):
        if "broken" in f.relative_to(OUT).parts:
            continue
        try:
            n = sum(1 for _ in tfrecords(f))
            n_ev += 1
        except ValueError as e:
            print("CRC/FRAMING ERROR", e)
            ok = False
        else:
            print(f"crc ok: {f.relative_to(OUT)} ({n} records)")
    bj = OUT / "broken.json"
    broken = json.loads(bj.read_text()) if bj.exists() else {"files": []}
    for c in broken["files"]:
        if not (OUT / c["path"]).exists():
            print("MISSING", c["path"])
            ok = False
    size = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"{len(labels['cases'])} cases, {len(broken['files'])} broken inputs, {n_ev} event files checked, "
          f"{size / 1e6:.2f} MB")
    return ok


def main_loss(path: Path, fmt: str):
    s = summarize(path, fmt).splitlines()[1:]
    for key in ("  loss:", "  train_loss_step:", "  train/loss:", "  Loss/train:", "  training_loss:",
                "  objective:", "  train/loss", "  loss", "  version_0/train_loss_step:"):
        for line in s:
            if line.startswith(key):
                return line.strip()
    return s[0].strip() if s else ""


def write_readme(versions: dict):
    labels = json.loads((OUT / "labels.json").read_text())
    lines = ["# Diagnose corpus", "",
             "Real training logs, written by the producing libraries' own writers from tiny CPU runs, labelled "
             "with the verdicts a careful human gives from the curve. Generated by "
             "`Scripts/make-diagnose-corpus.py` (never run by CI; see its docstring for how to rerun). "
             "`labels.json` lists the cases (`path`, `format`, `expected`, `notes`, and on a few cases `acceptable`: "
             "extra verdicts that are defensible from the curve but not required); `broken.json` lists the "
             "robustness inputs under `broken/` (not labelled). Each line below ends with the main loss "
             "series as the generator's own Python reader sees it (count, steps, first, last, min@step, "
             "max@step, means of fifths, tail mean/sd, non-finite count).", "",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".", "",
             "Wall-clock fields (HF `*_runtime`, `*_per_second`, event `wall_time`) differ between regenerations; "
             "event files are renamed to stable names of the writer's own pattern.", "",
             "## Cases", ""]
    for c in labels["cases"]:
        acc = f" (also acceptable: {', '.join(c['acceptable'])})" if c.get("acceptable") else ""
        lines.append(f"- `{c['path']}` ({c['format']}) -> {', '.join(c['expected'])}{acc}: "
                     f"{c['notes'].split('. ')[0].rstrip('.')}. [{main_loss(OUT / c['path'], c['format'])}]")
    lines += ["", "## Broken inputs", ""]
    bj = OUT / "broken.json"
    for c in (json.loads(bj.read_text())["files"] if bj.exists() else []):
        lines.append(f"- `{c['path']}`: {c['what']}")
    (OUT / "README.md").write_text("\n".join(lines) + "\n")


def versions() -> dict:
    from importlib.metadata import version
    v = {"Python": sys.version.split()[0]}
    for p in ("torch", "transformers", "accelerate", "lightning", "tensorboard", "protobuf", "tensorflow-cpu",
              "keras", "jax", "numpy"):
        try:
            v[p] = version(p)
        except Exception:
            v[p] = "not installed"
    return v


def main():
    global OUT
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="", help="regenerate only the producer groups whose name starts so "
                    "(hf, lightning, tb, tf2, generic, keras, lrkit); labels of other cases are kept")
    ap.add_argument("--check", action="store_true", help="only verify and summarise the existing corpus")
    ap.add_argument("--lrkit", default=str(REPO / ".build/release/lrkit"),
                    help="a built lrkit binary for the lrkit-jsonl cases (skipped if missing)")
    ap.add_argument("--keep-tmp", action="store_true")
    ap.add_argument("--out", default=str(OUT), help="corpus directory to write (default: the committed one)")
    a = ap.parse_args()
    OUT = Path(a.out).resolve()
    if a.check:
        sys.exit(0 if check() else 1)
    lrkit = os.path.abspath(a.lrkit) if os.access(a.lrkit, os.X_OK) else None
    if not a.only and OUT.exists():
        # a full run starts from scratch (keeping lrkit/ when there is no binary to remake it)
        for p in OUT.iterdir():
            if p.name == "lrkit" and not lrkit:
                continue
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="diagnose-corpus-"))
    os.chdir(tmp)        # HF records output_dir in its logs: keep it relative (stable)
    groups = [("hf", hf_cases), ("lightning", lightning_cases), ("tb", tb_cases), ("tf2", tf2_case),
              ("generic", generic_cases), ("keras", keras_case)]
    if lrkit:
        # copy: other work may rebuild the binary while we run
        shutil.copy2(lrkit, tmp / "lrkit")
        groups.append(("lrkit", lambda t: lrkit_cases(t, str(tmp / "lrkit"))))
    else:
        print(f"no lrkit binary at {a.lrkit}: lrkit-jsonl cases kept as they are")
    for name, fn in groups:
        if a.only and not name.startswith(a.only.rstrip("/")):
            continue
        print(f"== {name}", flush=True)
        fn(tmp)
    old = json.loads((OUT / "labels.json").read_text())["cases"] if (OUT / "labels.json").exists() else []
    new_paths = {c["path"] for c in CASES}
    keep = [c for c in old if c["path"] not in new_paths and (OUT / c["path"]).exists()]
    order = ["hf/", "tb/", "lightning/", "generic/", "lrkit/"]
    allc = sorted(keep + CASES, key=lambda c: (next((i for i, o in enumerate(order) if c["path"].startswith(o)), 9),
                                               c["path"]))
    (OUT / "labels.json").write_text(json.dumps({"cases": allc}, indent=2) + "\n")
    if all((OUT / p).exists() for p in ("hf/healthy-mlp-digits.json", "generic/objective.jsonl",
                                         "lightning/healthy-mlp-adamw/metrics.csv", "tb/hf-trainer-healthy")):
        broken_files()
        (OUT / "broken.json").write_text(json.dumps({"files": BROKEN}, indent=2) + "\n")
    write_readme(versions())
    os.chdir(REPO)
    if not a.keep_tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print("tmp kept:", tmp)
    sys.exit(0 if check() else 1)


if __name__ == "__main__":
    main()
