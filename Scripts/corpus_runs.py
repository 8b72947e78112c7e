"""Pieces shared by the corpus writers of real tracker runs (make-wandb-logs.py, make-dvclive-logs.py,
make-sacred-logs.py): the digits data, the scripts' common parts (each case runs as `python -c SCRIPT CFG_JSON`),
and labels.json."""
import json
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIGITS = os.path.join(REPO, "Sources", "LRTraining", "Resources", "digits.csv")


def corpus(name):
    """The corpus folder a writer fills: Tests/LRDiagnosticsTests/Corpus/<name>."""
    return os.path.join(REPO, "Tests", "LRDiagnosticsTests", "Corpus", name)


# The digits split, a small MLP, and the truth the case records beside the tracker's files.
PRELUDE = r'''
import csv, glob, json, math, os, sys
import numpy as np, torch
cfg = json.loads(sys.argv[1])
torch.manual_seed(cfg.get("seed", 0))
d = np.loadtxt(cfg["digits"], delimiter=",", dtype="float32")
x = torch.tensor(d[:, :64] / 16.0); y = torch.tensor(d[:, 64]).long()
xt, yt, xv, yv = x[:1400], y[:1400], x[1400:], y[1400:]
def mlp():
    return torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
truth = {}
def record(name, step, value):
    truth.setdefault(name, []).append([step, value])
def save_truth():
    json.dump(truth, open(cfg["truth"], "w"))
'''

# transformers' Trainer on the digits as 64-token sequences (a tiny BERT), reporting to cfg["report_to"]; then
# `trainer` holds the run's own log_history.
HF_TRAIN = r'''
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments
from torch.utils.data import Dataset
class Digits(Dataset):
    def __init__(s, x, y): s.x, s.y = x, y
    def __len__(s): return len(s.x)
    def __getitem__(s, i):
        ids = (s.x[i] * 16).long().clamp(0, 16) + 1
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": s.y[i]}
model = BertForSequenceClassification(BertConfig(vocab_size=20, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                                 intermediate_size=64, max_position_embeddings=64, num_labels=10))
args = TrainingArguments(output_dir=cfg["hf_out"], report_to=cfg["report_to"], per_device_train_batch_size=32, num_train_epochs=cfg["epochs"],
                         learning_rate=cfg["lr"], warmup_steps=cfg["warmup"], lr_scheduler_type="cosine", logging_steps=5,
                         eval_strategy="steps", eval_steps=20, save_strategy="no", seed=0, use_cpu=True, disable_tqdm=True)
trainer = Trainer(model=model, args=args, train_dataset=Digits(xt, yt), eval_dataset=Digits(xv, yv))
trainer.train()
'''

# Lightning's Trainer with `tracker` (the logger under test, defined before) and a CSVLogger, whose metrics.csv
# becomes the truth.
LIGHTNING_FIT = r'''
import lightning as L
from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.callbacks import LearningRateMonitor
class Net(L.LightningModule):
    def __init__(s):
        super().__init__(); s.net = mlp()
    def training_step(s, b, i):
        loss = torch.nn.functional.cross_entropy(s.net(b[0]), b[1]); s.log("train_loss", loss); return loss
    def validation_step(s, b, i):
        s.log("val_loss", torch.nn.functional.cross_entropy(s.net(b[0]), b[1]))
    def configure_optimizers(s):
        opt = torch.optim.SGD(s.parameters(), lr=cfg["lr"], momentum=0.9)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": torch.optim.lr_scheduler.StepLR(opt, 30, 0.5), "interval": "step"}}
dl = lambda a, b, sh: torch.utils.data.DataLoader(torch.utils.data.TensorDataset(a, b), batch_size=32, shuffle=sh)
cl = CSVLogger(cfg["csv"], name="csv")
t = L.Trainer(max_epochs=cfg["epochs"], logger=[tracker, cl], log_every_n_steps=5, callbacks=[LearningRateMonitor("step")],
              enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False, accelerator="cpu", val_check_interval=20)
t.fit(Net(), dl(xt, yt, True), dl(xv, yv, False))
path = glob.glob(os.path.join(cfg["csv"], "csv", "version_*", "metrics.csv"))[0]
names = {"train_loss": "loss", "val_loss": "eval_loss", "lr-SGD": "lr"}
for r in csv.DictReader(open(path)):
    for k, v in r.items():
        if k in names and v != "": record(names[k], int(r["step"]), float(v))
save_truth()
'''


def update_labels(out, labels, names):
    """Writes the verdicts of the cases just made into `out`/labels.json, keeping the others."""
    path = os.path.join(out, "labels.json")
    current = json.load(open(path)) if os.path.exists(path) else {}
    current.update({n: labels[n] for n in names})
    json.dump(current, open(path, "w"), indent=1, sort_keys=True)
