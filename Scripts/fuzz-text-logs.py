#!/usr/bin/env python3
"""Differential fuzzing of `lrkit diagnose` on plain-text training logs (TextLogReader).

    python3 Scripts/fuzz-text-logs.py [SEED] [COUNT]

Needs only Python 3 and a release build of lrkit (`swift build -c release --product lrkit`). Each case is a random
training run (a falling, stagnating, oscillating or diverging loss with noise, NaN or inf where it diverges, an lr
schedule, evaluations every few steps) printed in one of the forms training scripts print (nanoGPT, llm.c and its
main.log, torchtune's DiskLogger, fairseq, timm, Lightning's tqdm bar (double lines, resets, validation values kept
in the postfix), Keras 3 and Keras 2 verbose=1 and 2 (running means, read back by the documented rule), fastai-style
tables, MMEngine's text log and scalars.json, `key=value` lines behind timestamps, custom `step: N, loss: X` lines), with random label spellings, number
formats (repr, %.4f, %.6e, %g, %.3g), colour codes, CRLF, junk lines (warnings, tqdm bars, config dumps) and
lines without a step. The same run is also written as JSON lines at full precision (`truth.jsonl`), which LRKit's
JSON lines reader reads.

Checks, for every case: `lrkit diagnose LOG --format json` exits 0, prints strict JSON (no bare NaN), reads the
text format, and finds as many points of loss, lr and validation loss as the run printed; `lrkit read-log LOG` gives
every printed loss, lr and validation loss at its step (as the form defines it) with the value of its printed text. When every number is printed at full precision (repr), the text log's
verdicts (kind, steps, evidence) and identified schedule must equal the truth file's. Cases that differ are kept
in /tmp/lrkit-fuzz-text. Exit status 1 when any case failed.
"""
import json
import math
import os
import random
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LRKIT = os.path.join(REPO, ".build", "release", "lrkit")
WORK = "/tmp/lrkit-fuzz-text"


def strict(text):
    def bad(c):
        raise ValueError("bare " + c)
    return json.loads(text, parse_constant=bad)


def curve(rng, n):
    kind = rng.choice(["healthy", "healthy", "stagnation", "oscillation", "diverged", "diverged_nan"])
    start = rng.uniform(1.0, 8.0)
    out = []
    for i in range(n):
        t = i / max(1, n - 1)
        noise = rng.gauss(0, rng.choice([0.005, 0.02, 0.05]))
        if kind == "healthy":
            v = start * (0.15 + 0.85 * math.exp(-4 * t)) * (1 + noise)
        elif kind == "stagnation":
            v = start * (1 + noise * 0.2)
        elif kind == "oscillation":
            v = start * (0.6 + 0.4 * abs(math.sin(i * 1.7))) * (1 + noise)
        else:
            v = start * math.exp(6 * max(0.0, t - 0.5)) * (1 + noise)
            if kind == "diverged_nan" and t > 0.8:
                v = rng.choice([float("nan"), float("inf")])
        out.append(v)
    if rng.random() < 0.1:
        # An objective that is negative (a log-likelihood bound, a contrastive loss).
        out = [-v for v in out]
    return out


def lr_curve(rng, n):
    peak = 10 ** rng.uniform(-5, -1)
    kind = rng.choice(["constant", "cosine", "linear", "step"])
    warm = rng.randint(0, n // 5)
    out = []
    for i in range(n):
        if kind == "constant":
            out.append(peak)
        elif i < warm:
            out.append(peak * (i + 1) / warm)
        elif kind == "cosine":
            out.append(peak * 0.5 * (1 + math.cos(math.pi * (i - warm) / max(1, n - warm))))
        elif kind == "linear":
            out.append(peak * (1 - (i - warm) / max(1, n - warm)))
        else:
            out.append(peak * 0.1 ** ((i - warm) // max(1, n // 3)))
    return out


def fmt(rng, style):
    return rng.choice({"repr": [repr], "round": [lambda v: "%.4f" % v, lambda v: "%.6e" % v, lambda v: "%g" % v,
                                                  lambda v: "%.3g" % v, lambda v: "%.6f" % v, lambda v: "%.5E" % v]}[style])


JUNK = [
    "number of parameters: 12.34M",
    "tokens per iteration will be: 16,384",
    "/usr/lib/python3/site-packages/torch/nn/modules/module.py:1511: UserWarning: something happened",
    " 45%|████▌     | 45/100 [00:01<00:02, 30.0it/s]",
    "Namespace(batch_size=64, block_size=256, learning_rate=0.001, max_iters=5000)",
    "saving checkpoint to out",
    "compiling the model... (takes a ~minute)",
    "",
    "INFO: loss went down, lr=0.1 looks fine",
    "val loss 2.5",
]


def render(rng, n, losses, lrs, evals, every, style, number):
    """The log's text, and the (step, value as printed) of every loss, lr and eval loss it prints."""
    lines = []
    printed = {"loss": [], "lr": [], "eval_loss": []}
    texts = {}

    def f(v, name=None):
        t = number(v)
        if name:
            texts[name] = float(t)
        return t
    loss_label = rng.choice(["loss", "train_loss", "train loss", "Loss", "train/loss"])
    lr_label = rng.choice(["lr", "learning_rate", "LR", "lr"])
    with_lr = rng.random() < 0.7 or style in ("llmc", "timm")
    base = rng.choice([0, 1])
    previous_post = [None]
    sticky = [None]
    step_col = rng.choice(["epoch", "step", "iter", "Epoch"])
    fraction_steps = rng.random() < 0.3
    mm_by_epoch = rng.random() < 0.5
    per = rng.randint(5, 60)  # updates per epoch for the epoch forms
    for i in range(n):
        step = i + base
        texts.clear()
        if i % every == 0 and style in ("nanogpt", "custom", "torchtune", "keyvalue"):
            ev = evals[i // every]
            if style == "nanogpt":
                lines.append(f"step {step}: train loss {f(losses[i])}, val loss {f(ev, 'eval_loss')}")
            elif style == "custom":
                lines.append(f"step: {step}, val_loss: {f(ev, 'eval_loss')}")
            elif style == "torchtune":
                lines.append(f"Step {step} | val_loss:{f(ev, 'eval_loss')} ")
            else:
                lines.append(f"2026-01-01 12:00:00,123 INFO step={step} eval_loss={f(ev, 'eval_loss')}")
            printed["eval_loss"].append((step, texts["eval_loss"]))
        lr = f(lrs[i], "lr")
        loss = f(losses[i], "loss")
        if style == "nanogpt":
            lines.append(f"iter {step}: loss {loss}, time {rng.uniform(1, 90):.2f}ms, mfu {rng.uniform(-100, 40):.2f}%")
            with_lr = False
        elif style == "llmc":
            lines.append(f"step {step:4d}/{n} | {loss_label if ' ' in loss_label else 'train loss'} {loss} | "
                         f"norm {rng.uniform(0, 3):.4f} | lr {lr} | ({rng.uniform(1, 90):.2f} ms | {rng.randint(100, 99999)} tok/s)")
        elif style == "llmc-main":
            lines.append(f"s:{step} trl:{loss}")
            if i % every == 0:
                lines.append(f"s:{step} tel:{f(evals[i // every], 'eval_loss')}")
                printed["eval_loss"].append((step, texts["eval_loss"]))
            with_lr = False
        elif style == "torchtune":
            extra = f"{lr_label}:{lr} " if with_lr else ""
            lines.append(f"Step {step} | {loss_label.replace(' ', '_')}:{loss} {extra}tokens_per_second_per_gpu:{rng.uniform(10, 9999)} ")
        elif style == "fairseq":
            extra = f", lr={lr}" if with_lr else ""
            lines.append(f"2026-01-01 12:00:00 | INFO | train_inner | epoch {1 + i // per:03d}:  {i % per + 1:5d} / {per} "
                         f"loss={loss}, ppl={rng.uniform(1, 500):.2f}, wps={rng.uniform(10, 9000):.1f}, "
                         f"num_updates={step}{extra}, gnorm={rng.uniform(0, 3):.3f}, wall={i}")
        elif style == "keyvalue":
            extra = f" {lr_label.replace(' ', '_')}={lr}" if with_lr else ""
            lines.append(f"2026-01-01 12:00:00,123 INFO step={step} {loss_label.replace(' ', '_')}={loss}{extra}")
        elif style == "custom":
            extra = f", {lr_label}: {lr}" if with_lr else ""
            lines.append(f"step: {step}, {loss_label}: {loss}{extra}")
        elif style == "timm":
            e, k = divmod(i, per)
            step = e * per + k  # epochs from 0
            lines.append(f"Train: {e} [{k:4d}/{per} ({100 * k // per:3d}%)]  Loss: {loss} ({losses[i]:.3g})  "
                         f"Time: 0.512s,  500.1/s  (0.512s,  500.1/s)  LR: {lr}  Data: 0.012 (0.012)")
        elif style == "lightning":
            # tqdm as Lightning drives it: each update's line first with the previous postfix, then with the new;
            # the last validation loss stays in the postfix; at an epoch's end the bar resets to 0/N with it.
            e, k = divmod(i, per)
            step = e * per + k + 1
            extra = f", lr-AdamW={lr}" if with_lr else ""
            bar = lambda n, post: (f"Epoch {e}: {100 * n // per:3d}%|█████     | {n}/{per} [00:01<00:01,  1.50it/s, "
                                   f"v_num=0{post}]\r")
            if previous_post[0] is not None:
                lines.append(bar(k + 1, previous_post[0]))
            post = f", train_loss={loss}{extra}" + (f", val_loss={sticky[0][1]}" if sticky[0] else "")
            lines.append(bar(k + 1, post))
            if k + 1 == per and rng.random() < 0.7:
                text = number(evals[min(e, len(evals) - 1)])
                if not sticky[0] or float(text) != float(sticky[0][1]) and not (math.isnan(float(text)) and math.isnan(float(sticky[0][1]))):
                    printed["eval_loss"].append((step, float(text)))
                sticky[0] = (step, text)
                post = f", train_loss={loss}{extra}, val_loss={text}"
                lines.append(bar(k + 1, post))
                lines.append(bar(0, post))
            previous_post[0] = post
        elif style == "mmengine":
            # MMEngine's LoggerHook behind its logging prefix; validation at the end of an epoch or every few
            # iterations, after a progress line without metrics.
            e, k = divmod(i, per)
            head = "2026/12/05 02:00:34 - mmengine - INFO - "
            if mm_by_epoch:
                step = e * per + k + 1
                pos = f"Epoch(train) [{e + 1}][{k + 1:>{len(str(per))}}/{per}]"
            else:
                step = i + 1
                pos = f"Iter(train) [{i + 1:>{len(str(n))}}/{n}]"
            extra = f"  lr: {lr}" if with_lr else ""
            lines.append(f"{head}{pos}{extra}  eta: 0:00:0{rng.randint(0, 9)}  time: 0.0010  data_time: 0.0002  "
                         f"memory: {rng.randint(10, 900)}  loss: {loss}")
            end_of_epoch = mm_by_epoch and k + 1 == per
            if end_of_epoch or (not mm_by_epoch and (i + 1) % every == 0):
                vpos = f"Epoch(val) [{e + 1}][10/10]" if mm_by_epoch else "Iter(val) [10/10]"
                lines.append(f"{head}{vpos}    eta: 0:00:00  time: 0.0006  data_time: 0.0001")
                lines.append(f"{head}{vpos}    loss: {f(evals[min(i // every, len(evals) - 1)], 'eval_loss')}  "
                             f"data_time: 0.0001  time: 0.0006")
                printed["eval_loss"].append((step, texts["eval_loss"]))
        elif style == "mmjson":
            # MMEngine's vis_data/scalars.json: training records with iter and step, evaluation records with the
            # epoch (0 when counting iterations) as their step and the same names.
            e, k = divmod(i, per)
            step = i + 1
            rec = {"lr": float(lr)} if with_lr else {}
            rec.update({"data_time": 0.0002, "loss": float(loss), "time": 0.001})
            if mm_by_epoch:
                rec["epoch"] = e + 1
            rec.update({"iter": step, "step": step})
            lines.append(json.dumps(rec))
            if (mm_by_epoch and k + 1 == per) or (not mm_by_epoch and (i + 1) % every == 0):
                v = f(evals[min(i // every, len(evals) - 1)], "eval_loss")
                lines.append(json.dumps({"loss": float(v), "data_time": 0.0001, "time": 0.0006,
                                         "step": e + 1 if mm_by_epoch else 0}))
                printed["eval_loss"].append((step, texts["eval_loss"]))
        elif style == "table":
            # fastai's table (and any whitespace table with a header): a header now and then, cells padded.
            if i == 0 or rng.random() < 0.01:
                cols = [step_col, loss_label.replace(" ", "_"), "valid_loss"] + ([lr_label] if with_lr else []) + ["time"]
                lines.append("".join(c.ljust(rng.randint(len(c) + 1, len(c) + 6)) for c in cols))
            has_eval = i % every == 0
            ev = f(evals[i // every], "eval_loss") if has_eval else "#na#"
            if has_eval:
                printed["eval_loss"].append((step, texts["eval_loss"]))
            cells = [f"{step}/{n}" if fraction_steps else str(step), loss, ev] + ([lr] if with_lr else []) + ["00:01"]
            lines.append("".join(c.ljust(rng.randint(len(c) + 1, len(c) + 6)) for c in cells))
        printed["loss"].append((step, texts["loss"]))
        if with_lr:
            printed["lr"].append((step, texts["lr"]))
        if rng.random() < 0.05 and style != "mmjson":  # a JSON file has no stray lines
            lines.append(rng.choice(JUNK))
    return lines, printed, with_lr


def keras_number(v):
    """Keras 3's Progbar: 4 decimals, or 4 significant digits below 1e-3."""
    return f"{v:.4f}" if abs(v) > 1e-3 else f"{v:.4e}"


def render_keras(rng, losses, evals, verbose, classic=False):
    """Keras model.fit output: running means over each epoch, printed at random positions (verbose=1) or at the
    end of each epoch (verbose=2); the points LRKit reads back by its documented rule (interval means over
    intervals of at least a tenth of the epoch so far)."""
    per = rng.randint(3, 80)
    epochs = max(2, len(losses) // per)
    lines = []
    printed = {"loss": [], "lr": [], "eval_loss": []}
    for e in range(epochs):
        lines.append(f"Epoch {e + 1}/{epochs}")
        batch = losses[e * per:(e + 1) * per] or [losses[-1]] * per
        batch = (batch + [batch[-1]] * per)[:per]
        positions = sorted(set(rng.sample(range(1, per + 1), k=min(per, rng.randint(1, 6))))) if verbose == 1 else []
        positions = [p for p in positions if p < per] + [per]
        total = 0.0
        previous = None  # (n, printed mean) of the last point read back
        val = evals[min(e, len(evals) - 1)]
        for n in range(1, per + 1):
            total += batch[n - 1]
            if n not in positions:
                continue
            m = keras_number(total / n)
            step = e * per + n
            tail = ""
            if n == per:
                tail = f" - val_loss: {keras_number(val)}"
                printed["eval_loss"].append((step, float(keras_number(val))))
            if verbose == 1 and classic:
                # Keras 2: the bar redrawn after backspaces and a carriage return.
                bar = "=" * (30 * n // per) + ("" if n == per else ">") + "." * (29 - 30 * n // per)
                text = f"{n:>{len(str(per))}}/{per} [{bar[:30]}] - " + ("ETA: 0s" if n < per else "0s 4ms/step") + f" - loss: {m}"
                lines.append("\b" * rng.randint(0, 90) + "\r" + text + (tail if n == per else ""))
            elif verbose == 1:
                bar = "\x1b[32m" + "━" * (20 * n // per) + "\x1b[0m"
                text = f"\x1b[1m{n:>{len(str(per))}}/{per}\x1b[0m {bar} \x1b[1m0s\x1b[0m 3ms/step - loss: {m}"
                lines.append("\r" + text + ("   " if n < per else ""))
                if n == per:
                    lines.append("\r" + text + tail)
            elif classic:
                lines.append(f"{per}/{per} - 0s - loss: {m}{tail} - 435ms/epoch - 5ms/step")
            else:
                lines.append(f"{per}/{per} - 0s - 3ms/step - loss: {m}{tail}")
            mv = float(m)
            n1 = previous[0] if previous else 0
            if n - n1 < 0.1 * n:
                continue
            if previous and math.isfinite(mv) and math.isfinite(previous[1]):
                point = (n * mv - n1 * previous[1]) / (n - n1)
            else:
                point = mv
            previous = (n, mv)
            printed["loss"].append((step, point))
    return lines, printed, False


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else random.SystemRandom().randrange(2**31)
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    rng = random.Random(seed)
    print(f"seed {seed}, {count} cases")
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    styles = ["nanogpt", "llmc", "llmc-main", "torchtune", "fairseq", "keyvalue", "custom", "timm", "lightning",
              "keras1", "keras2", "tfkeras1", "tfkeras2", "table", "mmengine", "mmjson"]
    failures = 0
    compared = 0
    values_checked = [0]
    by_style = {}
    for c in range(count):
        style = rng.choice(styles)
        n = rng.randint(12, 400)
        every = rng.randint(3, 50)
        losses = curve(rng, n)
        lrs = lr_curve(rng, n)
        evals = [l * rng.uniform(1.0, 1.2) if math.isfinite(l) else l for l in losses[::every]]
        precision = "repr" if rng.random() < 0.5 else "round"
        number = fmt(rng, precision)
        if "keras" in style:
            precision = "keras"
            lines, printed, with_lr = render_keras(rng, losses, evals, int(style[-1]), style.startswith("tfkeras"))
        else:
            lines, printed, with_lr = render(rng, n, losses, lrs, evals, every, style, number)
        if rng.random() < 0.2 and style != "mmjson":
            lines = ["\x1b[32m" + l + "\x1b[0m" if rng.random() < 0.5 else l for l in lines]
        end = "\r\n" if rng.random() < 0.2 else "\n"
        d = os.path.join(WORK, f"case-{c}")
        os.makedirs(d)
        log = os.path.join(d, "train.log")
        with open(log, "w", newline="") as f:
            f.write(end.join(lines) + end)
        truth = os.path.join(d, "truth.jsonl")
        # The truth, with the printed steps: loss and lr together, evaluations apart.
        with open(truth, "w") as f:
            if precision == "keras":
                for name in ("loss", "eval_loss"):
                    for s, v in printed[name]:
                        f.write(json.dumps({"step": s, name: v}) + "\n")
            for k, (s, _) in enumerate(printed["loss"] if precision != "keras" else []):
                row = {"step": s, "loss": losses[k]}
                if with_lr:
                    row["lr"] = lrs[k]
                f.write(json.dumps(row) + "\n")
            for s, v in printed["eval_loss"] if precision != "keras" else []:
                f.write(json.dumps({"step": s, "eval_loss": v}) + "\n")
        problems = []
        p = subprocess.run([LRKIT, "diagnose", log, "--format", "json"], capture_output=True, text=True, timeout=60)
        q = subprocess.run([LRKIT, "diagnose", truth, "--format", "json"], capture_output=True, text=True, timeout=60)
        ours = theirs = None
        if p.returncode != 0:
            problems.append(f"exit {p.returncode}: {p.stderr.strip()[:200]}")
        else:
            try:
                ours = strict(p.stdout)
            except ValueError as e:
                problems.append(f"not strict JSON: {e}")
        if q.returncode == 0:
            theirs = strict(q.stdout)
        if ours:
            fmt_name = ours["log"]["format"]
            want_format = {"table": "text-table", "mmengine": "mmengine-log",
                           "mmjson": "mmengine-scalars" if printed["eval_loss"] else "generic-jsonl"}.get(style, "keras-console" if "keras" in style else "text")
            if fmt_name != want_format:
                problems.append(f"read as {fmt_name}")
            series = ours["log"]["series"]
            for name in ("loss", "lr", "eval_loss"):
                want = len(set(s for s, _ in printed[name]))
                if series.get(name, 0) != want:
                    problems.append(f"{name}: {series.get(name, 0)} points, printed {want}")
            # Every value as printed, at its step: read-log prints the series the reader found.
            r = subprocess.run([LRKIT, "read-log", log], capture_output=True, text=True, timeout=60)
            got = strict(r.stdout)["series"] if r.returncode == 0 else {}
            for name in ("loss", "lr", "eval_loss"):
                if not printed[name]:
                    continue
                want = dict(printed[name])
                g = got.get(name, {"steps": [], "values": []})
                have = dict(zip(g["steps"], [float(v) for v in g["values"]]))
                if sorted(have) != sorted(want):
                    problems.append(f"{name}: steps differ")
                    continue
                bad = [st for st in want if not (want[st] == have[st] or (math.isnan(want[st]) and math.isnan(have[st])))]
                if bad:
                    problems.append(f"{name}: {len(bad)} values differ from the printed text, first at step {bad[0]}: "
                                    f"{have[bad[0]]} read, {want[bad[0]]} printed")
                values_checked[0] += len(want)
            if precision == "repr" and theirs and not problems:
                compared += 1
                if ours["verdicts"] != theirs["verdicts"]:
                    problems.append("verdicts differ from the truth file's")
                if ours["schedule"] != theirs["schedule"]:
                    problems.append("schedule differs from the truth file's")
        by_style.setdefault(style, [0, 0])
        by_style[style][0] += 1
        if problems:
            failures += 1
            by_style[style][1] += 1
            with open(os.path.join(d, "problems.txt"), "w") as f:
                f.write("\n".join(problems) + "\n")
            if failures <= 10:
                print(f"case-{c} ({style}, {precision}): " + "; ".join(problems))
        else:
            shutil.rmtree(d)
    print("by style (cases, failed): " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(by_style.items())))
    print(f"{count} cases, {values_checked[0]} printed values checked, {compared} cases' verdicts and schedule compared "
          f"with the truth file's, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
