#!/usr/bin/env python3
"""Real plain-text training logs for `lrkit diagnose`, each beside the same run's numbers at full precision.

Never run by CI. Needs the peers' venv of make-fixtures.py (torch, keras with KERAS_BACKEND=jax) and, for the
torchtune case, torchtune with a torchao it imports (`pip install --target /tmp/tao torchao==0.11.0`):

    PYTHONPATH=/tmp/tao KERAS_BACKEND=jax /work/venv/peers/bin/python Scripts/make-text-logs.py

Each case trains a small real model on the digits data in a subprocess whose standard output and standard error
go to one file, exactly as `python train.py > train.log 2>&1` saves it:

* `keras-*`: Keras `model.fit` with `verbose=1` (progress lines, colour codes and carriage returns included) or
  `verbose=2`, beside the run's own `CSVLogger` file (`history.csv`, Keras's per-epoch numbers).
* `lightning-*`: a LightningModule trained by Lightning's Trainer with its TQDMProgressBar (`\r` updates; the
  Rich bar Lightning picks when `rich` is installed writes only its final state to a file), beside the run's own
  CSVLogger `csv/version_0/metrics.csv`. Lightning is installed apart: `pip install --no-deps --target /tmp/lt
  lightning lightning-utilities torchmetrics`, then PYTHONPATH=/tmp/tao:/tmp/lt.
* `tfkeras-*`: the same with Keras 2 (`tf_keras` 2.21, TensorFlow's Keras until 2.15: `47/47 [====] - 0s
  2ms/step - loss: …`), installed apart: `pip install --target /tmp/tfk tensorflow-cpu tf_keras`, then
  PYTHONPATH=/tmp/tfk for those cases.
* `fastai-*`: fastai's `Learner.fit` / `fit_one_cycle` outside a notebook (its table of epochs among its console
  bars), beside its own `CSVLogger` file.
* `mmengine-*`: MMEngine's `Runner` (OpenMMLab's training loop), epoch- and iteration-based, with a validation
  loss metric; the `work_dir` as the Runner leaves it (checkpoints dropped), its text log beside its own
  `vis_data/scalars.json`. Installed apart: `pip install --no-deps --target /tmp/mme mmengine addict yapf termcolor
  platformdirs opencv-python-headless`, then PYTHONPATH=/tmp/mme.
* `torchtune-*`: a PyTorch loop logging through torchtune's own `DiskLogger` (`Step N | loss:… lr:…`).
* `nanogpt-*`, `llmc-*`: a PyTorch loop printing with nanoGPT's and llm.c's own format strings (`iter {n}: loss
  {x:.4f}, time {ms:.2f}ms, mfu {m:.2f}%`, `step {n}: train loss …, val loss …`; `step {n:4d}/{N} | train loss
  {x:.6f} | norm {g:.4f} | lr {lr:.2e} | …` and llm.c's `main.log` lines `s:{n} trl:{x}`), since neither is a
  package that can be installed here. The loops are this script's; the lines are theirs.

Beside each PyTorch case's text log, `truth.jsonl` holds the values the run printed, at full precision, with the
loop's 0-based iteration `it` (llm.c prints `it + 1` on its training lines, the torchtune case logs `step=it + 1`). The
test (`TextLogTests`) requires the text log to give the same steps, the values to their printed rounding, and the
expected verdict. Writes Tests/LRDiagnosticsTests/Corpus/text/.

Versions of the committed logs: torch 2.15.0, keras 3.15.1 (jax backend), lightning 2.6.6, fastai 2.8.12, mmengine 0.10.7, tf_keras 2.21, torchtune 0.6.1.
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT = os.path.join(REPO, "Tests", "LRDiagnosticsTests", "Corpus", "text")
DIGITS = os.path.join(REPO, "Sources", "LRTraining", "Resources", "digits.csv")

KERAS = r'''
import json, sys, numpy as np
cfg = json.loads(sys.argv[1])
if cfg.get("keras2"):
    import tf_keras as keras  # Keras 2, as TensorFlow shipped it until 2.15
else:
    import keras
keras.utils.set_random_seed(0)
d = np.loadtxt(cfg["digits"], delimiter=",", dtype="float32")
x, y = d[:, :64] / 16.0, d[:, 64].astype("int32")
m = keras.Sequential([keras.Input((64,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])
opt = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}[cfg["opt"]](learning_rate=cfg["lr"], **cfg.get("kw", {}))
m.compile(optimizer=opt, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
callbacks = [keras.callbacks.CSVLogger(cfg["csv"])]
if cfg.get("plateau"):
    # Before CSVLogger, so that its rows carry the learning_rate the callback writes into the logs.
    callbacks.insert(0, keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, verbose=1))
m.fit(x[:1500], y[:1500], validation_data=(x[1500:], y[1500:]), epochs=cfg["epochs"], batch_size=cfg["batch"],
      verbose=cfg["verbose"], callbacks=callbacks)
'''

TORCH = r'''
import json, math, sys, time, torch
cfg = json.loads(sys.argv[1])
torch.manual_seed(0)
import numpy as np
d = np.loadtxt(cfg["digits"], delimiter=",", dtype="float32")
x, y = torch.tensor(d[:, :64] / 16.0), torch.tensor(d[:, 64]).long()
xt, yt, xv, yv = x[:1500], y[:1500], x[1500:], y[1500:]
model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
opt = {"adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[cfg["opt"]](model.parameters(), lr=cfg["lr"])
steps, warmup, min_lr = cfg["steps"], cfg["warmup"], cfg["lr"] * 0.1
def get_lr(it):  # nanoGPT's and llm.c's warmup then cosine
    if it < warmup:
        return cfg["lr"] * (it + 1) / warmup
    ratio = (it - warmup) / max(1, steps - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (cfg["lr"] - min_lr)
truth = open(cfg["truth"], "w")
def record(**kw):
    truth.write(json.dumps(kw) + "\n")
logger = None
if cfg["style"] == "torchtune":
    from torchtune.training.metric_logging import DiskLogger
    logger = DiskLogger(log_dir=cfg["dir"], filename="log.txt")
mainlog = open(cfg["dir"] + "/main.log", "w") if cfg["style"] == "llmc" else None
g = torch.Generator().manual_seed(1)
def estimate(xs, ys):
    with torch.no_grad():
        return torch.nn.functional.cross_entropy(model(xs), ys).item()
for it in range(steps):
    lr = get_lr(it) if cfg["schedule"] else cfg["lr"]
    for group in opt.param_groups:
        group["lr"] = lr
    if cfg["style"] == "nanogpt" and it % cfg["eval"] == 0:
        tl, vl = estimate(xt, yt), estimate(xv, yv)
        print(f"step {it}: train loss {tl:.4f}, val loss {vl:.4f}")
        record(it=it, train_loss=tl, val_loss=vl)
    if cfg["style"] == "llmc" and it % cfg["eval"] == 0:
        vl = estimate(xv, yv)
        print(f"val loss {vl}")
        mainlog.write("s:%d tel:%f\n" % (it, vl))
        record(it=it, val_loss=vl)
    t0 = time.time()
    idx = torch.randint(0, 1500, (cfg["batch"],), generator=g)
    loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
    opt.zero_grad()
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.get("clip", 1e9)).item()
    opt.step()
    lossf = loss.item()
    dt = time.time() - t0
    if cfg["style"] == "nanogpt":
        print(f"iter {it}: loss {lossf:.4f}, time {dt*1000:.2f}ms, mfu {-100.0:.2f}%")
        record(it=it, loss=lossf)
    elif cfg["style"] == "llmc":
        print(f"step {it+1:4d}/{steps} | train loss {lossf:.6f} | norm {norm:.4f} | lr {lr:.2e} | ({dt*1000:.2f} ms | {cfg['batch']/dt:.0f} tok/s)")
        mainlog.write("s:%d trl:%f\n" % (it, lossf))
        record(it=it, loss=lossf, lr=lr, grad_norm=norm)
    elif cfg["style"] == "torchtune":
        logger.log_dict({"loss": lossf, "lr": lr, "tokens_per_second_per_gpu": cfg["batch"] / dt, "grad_norm": norm}, step=it + 1)
        record(it=it, loss=lossf, lr=lr, grad_norm=norm)
if logger:
    logger.close()
if mainlog:
    mainlog.close()
truth.close()
'''

LIGHTNING = r'''
import json, sys, numpy as np, torch, lightning as L
cfg = json.loads(sys.argv[1])
L.seed_everything(0)
d = np.loadtxt(cfg["digits"], delimiter=",", dtype="float32")
x, y = torch.tensor(d[:, :64] / 16.0), torch.tensor(d[:, 64]).long()
train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[:1500], y[:1500]), batch_size=cfg["batch"], shuffle=True)
val = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[1500:], y[1500:]), batch_size=256)

class Model(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    def training_step(self, batch, i):
        loss = torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1])
        self.log("train_loss", loss, prog_bar=True)
        return loss
    def validation_step(self, batch, i):
        self.log("val_loss", torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1]), prog_bar=True)
    def configure_optimizers(self):
        return {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[cfg["opt"]](self.parameters(), lr=cfg["lr"])

logger = L.pytorch.loggers.CSVLogger(cfg["dir"], name="csv", version=0)
bar = [L.pytorch.callbacks.TQDMProgressBar()] if cfg.get("tqdm") else []
trainer = L.Trainer(max_epochs=cfg["epochs"], logger=logger, log_every_n_steps=1, accelerator="cpu",
                    enable_checkpointing=False, enable_model_summary=False, callbacks=bar)
trainer.fit(Model(), train, val)
'''

FASTAI = r'''
import json, sys, numpy as np, torch
from fastai.data.core import DataLoaders
from fastai.learner import Learner
from fastai.metrics import accuracy
from fastai.optimizer import Adam, SGD
from fastai.callback.all import CSVLogger
cfg = json.loads(sys.argv[1])
torch.manual_seed(0)
d = np.loadtxt(cfg["digits"], delimiter=",", dtype="float32")
x, y = torch.tensor(d[:, :64] / 16.0), torch.tensor(d[:, 64]).long()
dls = DataLoaders.from_dsets(torch.utils.data.TensorDataset(x[:1500], y[:1500]),
                             torch.utils.data.TensorDataset(x[1500:], y[1500:]), bs=cfg["batch"], device="cpu")
model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
learn = Learner(dls, model, loss_func=torch.nn.CrossEntropyLoss(), metrics=accuracy,
                opt_func={"adam": Adam, "sgd": SGD}[cfg["opt"]], cbs=[CSVLogger(cfg["csv"])])
if cfg.get("one_cycle"):
    learn.fit_one_cycle(cfg["epochs"], cfg["lr"])
else:
    learn.fit(cfg["epochs"], cfg["lr"])
'''

MMENGINE = r'''
import json, sys, numpy as np, torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.runner import Runner
cfg = json.loads(sys.argv[1])
d = np.loadtxt(cfg["digits"], delimiter=",", dtype="float32")
x, y = torch.tensor(d[:, :64] / 16.0), torch.tensor(d[:, 64]).long()

class Data(torch.utils.data.Dataset):
    def __init__(self, a, b):
        self.a, self.b = a, b
    def __len__(self):
        return len(self.a)
    def __getitem__(self, i):
        return dict(inputs=self.a[i], data_samples=self.b[i])

class Net(BaseModel):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    def forward(self, inputs, data_samples=None, mode="tensor"):
        out = self.net(torch.stack(inputs) if isinstance(inputs, list) else inputs)
        labels = torch.stack(data_samples) if isinstance(data_samples, list) else data_samples
        if mode == "loss":
            return {"loss": torch.nn.functional.cross_entropy(out, labels)}
        if mode == "predict":
            return [(o, l) for o, l in zip(out, labels)]
        return out

class ValLoss(BaseMetric):
    def process(self, data_batch, data_samples):
        for o, l in data_samples:
            self.results.append(torch.nn.functional.cross_entropy(o[None], l[None]).item())
    def compute_metrics(self, results):
        return {"loss": sum(results) / len(results)}

loader = lambda a, b, shuffle: dict(dataset=Data(a, b), batch_size=32, sampler=dict(type="DefaultSampler", shuffle=shuffle))
by_epoch = cfg["by_epoch"]
runner = Runner(
    model=Net(), work_dir=cfg["dir"] + "/work_dir", train_dataloader=loader(x[:1500], y[:1500], True),
    val_dataloader=loader(x[1500:], y[1500:], False), val_evaluator=dict(type=ValLoss), val_cfg=dict(),
    optim_wrapper=dict(optimizer=dict(type=cfg["opt"], lr=cfg["lr"])), param_scheduler=cfg.get("sched"),
    train_cfg=(dict(by_epoch=True, max_epochs=cfg["epochs"], val_interval=1) if by_epoch
               else dict(by_epoch=False, max_iters=cfg["iters"], val_interval=cfg["val_interval"])),
    default_hooks=dict(logger=dict(type="LoggerHook", interval=cfg["interval"]),
                       checkpoint=dict(type="CheckpointHook", interval=10**6)),
    log_processor=dict(by_epoch=by_epoch),  # iteration-based configs log `Iter(train) [n/N]`
    randomness=dict(seed=0))
runner.train()
'''

CASES = {
    # Keras model.fit, verbose=1 (the progress bar) and verbose=2 (one line per epoch).
    "keras-verbose1-adam": ("keras", {"opt": "adam", "lr": 1e-3, "epochs": 12, "batch": 32, "verbose": 1}, "healthy"),
    "keras-verbose2-adam-plateau": ("keras", {"opt": "adam", "lr": 0.05, "epochs": 12, "batch": 32, "verbose": 2,
                                              "plateau": True}, None),
    # A blow-up inside the first printed interval that then stays 30 times above chance, accuracy at chance: the
    # runs on which CollapseDetector's "learned nothing" rule was chosen (before it, LRKit read them as overfitting).
    "keras-verbose1-sgd-diverged": ("keras", {"opt": "sgd", "lr": 40.0, "kw": {"momentum": 0.9}, "epochs": 6,
                                              "batch": 16, "verbose": 1}, "diverged"),
    "keras-verbose2-sgd-diverged": ("keras", {"opt": "sgd", "lr": 40.0, "kw": {"momentum": 0.9}, "epochs": 6,
                                              "batch": 32, "verbose": 2}, "diverged"),
    "tfkeras-verbose1-adam": ("keras", {"opt": "adam", "lr": 1e-3, "epochs": 10, "batch": 32, "verbose": 1,
                                        "keras2": True}, "healthy"),
    "tfkeras-verbose2-sgd-stagnation": ("keras", {"opt": "sgd", "lr": 1e-5, "epochs": 8, "batch": 16, "verbose": 2,
                                                  "keras2": True}, "stagnation"),
    "keras-verbose1-sgd-stagnation": ("keras", {"opt": "sgd", "lr": 1e-5, "epochs": 8, "batch": 16, "verbose": 1},
                                      "stagnation"),
    # Lightning's progress bar (TQDMProgressBar, its default), beside the run's CSVLogger metrics.csv.
    "lightning-adam": ("lightning", {"opt": "adam", "lr": 1e-3, "epochs": 5, "batch": 32, "tqdm": True}, "healthy"),
    "lightning-sgd-diverged": ("lightning", {"opt": "sgd", "lr": 60.0, "epochs": 3, "batch": 32, "tqdm": True}, "diverged"),
    # fastai's Learner outside a notebook: its table of epochs, beside its CSVLogger history.csv.
    # Meant as a healthy run; its curve is overfitting from epoch 3 (validation loss 0.33-0.39 while the training
    # loss falls from 0.32 to 0.028), which is the label (set after looking at history.csv).
    "fastai-one-cycle": ("fastai", {"opt": "adam", "lr": 1e-2, "epochs": 12, "batch": 32, "one_cycle": True},
                         "overfitting"),
    "fastai-sgd-stagnation": ("fastai", {"opt": "sgd", "lr": 1e-5, "epochs": 10, "batch": 32}, "stagnation"),
    # Blows up inside its first epoch (mean training loss 3280), like keras-verbose1-sgd-diverged.
    "fastai-sgd-diverged": ("fastai", {"opt": "sgd", "lr": 80.0, "epochs": 8, "batch": 32}, "diverged"),
    # MMEngine's Runner (OpenMMLab): its work_dir, with the text log and its own vis_data/scalars.json.
    "mmengine-epoch-warmup-cosine": ("mmengine", {"opt": "SGD", "lr": 0.1, "by_epoch": True, "epochs": 8, "interval": 10,
                                                  "sched": [{"type": "LinearLR", "start_factor": 0.01, "by_epoch": False,
                                                             "begin": 0, "end": 40},
                                                            {"type": "CosineAnnealingLR", "by_epoch": True, "begin": 0,
                                                             "end": 8}]}, "healthy"),
    "mmengine-iter-warmup-diverged": ("mmengine", {"opt": "SGD", "lr": 400.0, "by_epoch": False, "iters": 240,
                                                   "interval": 5, "val_interval": 80,
                                                   "sched": [{"type": "LinearLR", "start_factor": 0.00025,
                                                              "by_epoch": False, "begin": 0, "end": 200}]}, "diverged"),
    # lr 40 from the first iteration: the first logged loss (the mean of iterations 1-5) is already 940, and it
    # falls from there to 15 (chance is 2.3); nothing in the log says where it started, and LRKit reads it as
    # healthy. A known miss, not asserted.
    "mmengine-iter-first-interval-blowup": ("mmengine", {"opt": "SGD", "lr": 40.0, "by_epoch": False, "iters": 240,
                                                         "interval": 5, "val_interval": 80}, None),
    # PyTorch loops printing through torchtune's DiskLogger and nanoGPT's and llm.c's format strings.
    "torchtune-warmup-cosine": ("torch", {"style": "torchtune", "opt": "adamw", "lr": 3e-3, "steps": 300,
                                          "warmup": 30, "schedule": True, "batch": 64, "clip": 1.0}, "healthy"),
    "nanogpt-healthy": ("torch", {"style": "nanogpt", "opt": "adamw", "lr": 2e-3, "steps": 400, "warmup": 40,
                                  "schedule": True, "batch": 32, "eval": 50, "clip": 1.0}, "healthy"),
    "nanogpt-diverged": ("torch", {"style": "nanogpt", "opt": "sgd", "lr": 60.0, "steps": 200, "warmup": 1,
                                   "schedule": False, "batch": 32, "eval": 50}, "diverged"),
    "llmc-stagnation": ("torch", {"style": "llmc", "opt": "adamw", "lr": 2e-6, "steps": 300, "warmup": 20,
                                  "schedule": True, "batch": 32, "eval": 20, "clip": 1.0}, "stagnation"),
}


def main():
    only = set(sys.argv[1:])
    os.makedirs(OUT, exist_ok=True)
    labels = {}
    labels_path = os.path.join(OUT, "labels.json")
    if os.path.exists(labels_path):
        labels = json.load(open(labels_path))
    for name, (kind, cfg, label) in CASES.items():
        if only and name not in only:
            continue
        d = os.path.join(OUT, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        cfg = dict(cfg, digits=DIGITS, dir=d, csv=os.path.join(d, "history.csv"), truth=os.path.join(d, "truth.jsonl"))
        script = {"keras": KERAS, "torch": TORCH, "lightning": LIGHTNING, "fastai": FASTAI, "mmengine": MMENGINE}[kind]
        with open(os.path.join(d, "console.log"), "wb") as f:
            subprocess.run([sys.executable, "-c", script, json.dumps(cfg)], stdout=f, stderr=subprocess.STDOUT,
                           check=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
        if kind == "torch" and cfg["style"] == "torchtune":
            # torchtune's log is its DiskLogger file (llm.c's stdout and main.log are both kept).
            os.remove(os.path.join(d, "console.log"))
        if kind == "mmengine":
            # Checkpoints and the dumped config are not logs; the timestamped folder keeps a stable name.
            import glob
            work = os.path.join(d, "work_dir")
            for f in glob.glob(os.path.join(work, "*.pth")) + glob.glob(os.path.join(work, "last_checkpoint")) \
                    + glob.glob(os.path.join(work, "*.py")):
                os.remove(f)
            (stamp,) = [e for e in os.listdir(work) if os.path.isdir(os.path.join(work, e))]
            os.rename(os.path.join(work, stamp), os.path.join(work, "20260101_000000"))
            inner = os.path.join(work, "20260101_000000")
            os.rename(os.path.join(inner, stamp + ".log"), os.path.join(inner, "20260101_000000.log"))
            for f in glob.glob(os.path.join(inner, "vis_data", "*.json")) + glob.glob(os.path.join(inner, "vis_data", "*.py")):
                if os.path.basename(f) != "scalars.json":
                    os.remove(f)
        labels[name] = label
        print(name, "written", flush=True)
    with open(labels_path, "w") as f:
        json.dump(labels, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
