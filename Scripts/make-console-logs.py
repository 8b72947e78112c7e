#!/usr/bin/env python3
"""Real Hugging Face Trainer console logs for `lrkit diagnose`, each beside the trainer_state.json of the same run.

Never run by CI. Needs torch, transformers and accelerate (the peers' venv of make-fixtures.py):

    TRANSFORMERS4_PATH=/tmp/tf4 /work/venv/peers/bin/python Scripts/make-console-logs.py

Each case trains a small model on CPU with transformers' Trainer in a subprocess whose standard output and
standard error go to one file, `console.log`, exactly as `python train.py > train.log 2>&1` saves it (tqdm bars
and warnings included), and saves the Trainer's own `trainer_state.json` at the end of training. The test
(`ConsoleLogTests`) reads both and requires the console log to give the trainer state's steps, its values to
their printed rounding, and the same verdict. `killed/` holds a console log cut where a killed run's would stop
(no end-of-training summary). Writes Tests/LRDiagnosticsTests/Corpus/console/.

Versions of the committed logs: torch 2.15.0, transformers 5.25.0 with accelerate 1.16.0, and transformers
4.57.1 for the two transformers4-* cases.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "Tests", "LRDiagnosticsTests", "Corpus", "console")

TRAIN = r'''
import json, sys, torch
from transformers import Trainer, TrainerCallback, TrainingArguments
cfg = json.loads(sys.argv[1])
torch.manual_seed(0)

class Data(torch.utils.data.Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, 16, generator=g)
        w = torch.randn(16, 1, generator=torch.Generator().manual_seed(1))
        self.y = self.x @ w + 0.1 * torch.randn(n, 1, generator=g)
    def __len__(self):
        return len(self.x)
    def __getitem__(self, i):
        return {"x": self.x[i], "labels": self.y[i]}

class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    def forward(self, x, labels):
        return {"loss": torch.nn.functional.mse_loss(self.net(x), labels)}

class Save(TrainerCallback):
    def on_train_end(self, args, state, control, **kw):
        state.save_to_json(cfg["state"])

args = TrainingArguments(output_dir=cfg["out"], report_to=[], save_strategy="no", use_cpu=True, seed=0,
                         **cfg["args"])
trainer = Trainer(model=Model(), args=args, train_dataset=Data(cfg["n"], 0),
                  eval_dataset=Data(64, 2) if cfg["args"].get("eval_strategy", "no") != "no" else None,
                  callbacks=[Save()])
trainer.train()
'''

CASES = {
    "healthy-cosine-logging-5": dict(n=400, args=dict(per_device_train_batch_size=8, num_train_epochs=3,
                                                      learning_rate=1e-2, warmup_steps=10, lr_scheduler_type="cosine",
                                                      logging_steps=5, eval_strategy="steps", eval_steps=20)),
    "diverged-lr-3": dict(n=320, args=dict(per_device_train_batch_size=8, num_train_epochs=2, learning_rate=3.0,
                                           logging_steps=2, max_grad_norm=0.0)),
    "stagnation-lr-1e-7": dict(n=320, args=dict(per_device_train_batch_size=8, num_train_epochs=3,
                                                learning_rate=1e-7, logging_steps=4)),
    "no-tqdm-logging-1": dict(n=160, args=dict(per_device_train_batch_size=8, num_train_epochs=2, learning_rate=3e-3,
                                               logging_steps=1, disable_tqdm=True)),
    "accumulation-first-step": dict(n=512, args=dict(per_device_train_batch_size=4, gradient_accumulation_steps=4,
                                                     max_steps=40, learning_rate=5e-3, warmup_steps=5,
                                                     logging_steps=3, logging_first_step=True,
                                                     eval_strategy="epoch")),
    "long-logging-50": dict(n=2000, args=dict(per_device_train_batch_size=4, num_train_epochs=4, learning_rate=2e-3,
                                              lr_scheduler_type="linear", logging_steps=50)),
}


def run(name, case, python):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = {"n": case["n"], "args": case["args"], "out": tmp, "state": os.path.join(d, "trainer_state.json")}
        with open(os.path.join(d, "console.log"), "wb") as log:
            subprocess.run([python, "-c", TRAIN, json.dumps(cfg)], stdout=log, stderr=subprocess.STDOUT, check=True,
                           env=dict(os.environ, PYTHONUNBUFFERED="1", TQDM_MININTERVAL="0"))
    state = json.load(open(os.path.join(d, "trainer_state.json")))
    losses = [e for e in state["log_history"] if "loss" in e]
    print(f"{name}: {len(losses)} loss records, global_step {state['global_step']}")


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    for name, case in CASES.items():
        run(name, case, sys.executable)
    # transformers 4 prints numbers, not quoted strings: the same healthy run with transformers 4.57 when
    # TRANSFORMERS4_PATH names a directory holding it (pip install --target DIR "transformers==4.57.1"
    # "huggingface_hub<1.0" "tokenizers<0.23" --no-deps).
    old = os.environ.get("TRANSFORMERS4_PATH")
    if old:
        os.environ["PYTHONPATH"] = old
        run("transformers4-healthy-cosine", CASES["healthy-cosine-logging-5"], sys.executable)
        run("transformers4-diverged-lr-3", CASES["diverged-lr-3"], sys.executable)
        del os.environ["PYTHONPATH"]
    # A killed run: the healthy log cut after its 15th loss record (no summary).
    src = os.path.join(OUT, "healthy-cosine-logging-5", "console.log")
    text = open(src, encoding="utf-8").read()
    cut, seen = 0, 0
    while seen < 15:
        cut = text.index("{'loss'", cut) + 1
        seen += 1
    end = text.index("}", cut) + 1
    os.makedirs(os.path.join(OUT, "killed"), exist_ok=True)
    with open(os.path.join(OUT, "killed", "console.log"), "w", encoding="utf-8") as f:
        f.write(text[:end] + "\n  28%|##8       | 42/150 [00:00<00:00, 610.5it/s]")
    print("killed: the healthy log cut after 15 loss records")


if __name__ == "__main__":
    main()
