"""Peer-side runners for Scripts/fuzz-peers.py: evaluate jobs with the REAL peer libraries.

Runs inside a worker subprocess (`fuzz-peers.py --worker LIB --mode MODE`), one library (and for optax one
x64 setting) per process, exactly as Scripts/make-fixtures.py does. The builders of make-fixtures.py
(torch_build, optax_build, mlx_build, fastai_build, hf_compute, ...) are loaded from that file by path and
reused; what differs here is that any value may be non-finite, that the peer may refuse at construction or
at an update (recorded, not fatal), and the extra protocols the fuzzer drives:

  torch / transformers   record group["lr"], then opt.step(), then sched.step() (metrics[k-1] for plateau);
                         momentum: group["momentum"] (SGD) or group["betas"][0] (Adam) when a scheduler in the
                         tree cycles it; "verbose" is stripped before calling torch (torch 2.x removed it);
                         last_epoch N >= 0: a resumed run -- build from scratch, run N updates
                         (opt.step(); sched.step()), take optimizer.state_dict(), load it into a fresh optimizer
                         with the same base lr, construct the scheduler again with last_epoch=N, record from there
  transformers.get_adafactor_schedule
                         a real Adafactor(scale_parameter=..., relative_step=..., warmup_init=..., lr=...) and
                         AdafactorSchedule(initial_lr); each update: nonzero grad, record group["lr"], opt.step(),
                         sched.step()
  timm                   t_in_epochs absent or false: step_update(num_updates=k); true: step(epoch=k); then record
  optax                  float(schedule(k)); mode x64 = jax_enable_x64 on ("precision": "float64"), x32 = off
  keras                  float(schedule(k)), jax backend, float32
  mlx                    schedule(mx.array(k)).item()
  fastai                 f(k / total_steps) with f built as fit_one_cycle / fit_flat_cos build it

A result line: {"id", "status": "ok" | "construction" | "step", "k"?: update that raised, "lr": [...],
"momentum": [...] | null, "exc": "Type: message" | null, "secs"}; for "step", lr/momentum hold the k values
produced before the failure. Non-finite numbers are written as the strings "nan", "inf", "-inf".
"""

import importlib.util
import json
import math
import os
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))


def load_make_fixtures():
    spec = importlib.util.spec_from_file_location("make_fixtures", os.path.join(HERE, "make-fixtures.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


mf = load_make_fixtures()


def enc(x):
    """A float as strict JSON (non-finite values as strings, like lrkit eval-batch)."""
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def exc_text(e):
    msg = str(e).strip().splitlines()
    return f"{type(e).__name__}: {msg[0][:300] if msg else ''}"


class Refused(Exception):
    """The peer raised: at construction (k is None) or while producing lr[k]."""

    def __init__(self, exc, k=None, lrs=(), moms=None):
        super().__init__(str(exc))
        self.exc = exc
        self.k = k
        self.lrs = list(lrs)  # the k values produced before the failure
        self.moms = None if moms is None else list(moms)


def real(v, k, lrs, moms=None):
    """float(v); a complex value (Python's ** of a negative base, which timm can reach at a cycle boundary)
    cannot drive an optimizer: it counts as the peer failing at update k."""
    if isinstance(v, complex):
        raise Refused(TypeError(f"complex learning rate {v!r}"), k, lrs, moms)
    return float(v)


def strip(spec, keys):
    """A copy of a spec without `keys`, at every nesting level."""
    out = {k: v for k, v in spec.items() if k not in keys}
    if isinstance(out.get("schedulers"), list):
        out["schedulers"] = [strip(c, keys) if isinstance(c, dict) else c for c in out["schedulers"]]
    return out


# ----------------------------------------------------------------------------------------------
# torch
# ----------------------------------------------------------------------------------------------

def torch_optimizer(spec, kind):
    import torch
    p = torch.nn.Parameter(torch.zeros(1))
    kw = {"lr": spec["lr"]} if "lr" in spec else {}
    if kind == "adam":
        return torch.optim.Adam([p], **kw)
    return torch.optim.SGD([p], momentum=0.9, **kw)


def torch_record_momentum(opt):
    g = opt.param_groups[0]
    if "betas" in g:
        return g["betas"][0]
    return g["momentum"]


def torch_cycles_momentum(spec):
    t = spec["type"].rsplit(".", 1)[1]
    if t in ("OneCycleLR", "CyclicLR") and spec.get("cycle_momentum", True):
        return True
    return any(torch_cycles_momentum(c) for c in spec.get("schedulers", []) if isinstance(c, dict))


def run_lambda_like(opt, sched, n, metrics=None, momentum=False, before_step=None):
    """The torch training-loop protocol: record, opt.step(), sched.step()."""
    lrs, moms = [], []
    plateau = type(sched).__name__ == "ReduceLROnPlateau"
    for k in range(n):
        if k > 0:
            if before_step:
                before_step()
            opt.step()
            try:
                if plateau:
                    sched.step(metrics[k - 1])
                else:
                    sched.step()
            except Exception as e:  # noqa: BLE001 - the peer's own refusal
                raise Refused(e, k, lrs, moms if momentum else None) from None
        lrs.append(real(opt.param_groups[0]["lr"], k, lrs, moms if momentum else None))
        if momentum:
            moms.append(real(torch_record_momentum(opt), k, lrs[:-1], moms))
    return lrs, (moms if momentum else None)


def resumed(build, make_opt, n_before):
    """Run `n_before` updates on a scheduler built from scratch and return a fresh optimizer holding the saved
    optimizer state (so its param groups carry initial_lr and whatever the scheduler wrote)."""
    opt0 = make_opt()
    sched0 = build(opt0, fresh=True)
    for _ in range(n_before):
        opt0.step()
        sched0.step()
    sd = opt0.state_dict()
    opt = make_opt()
    opt.load_state_dict(sd)
    return opt


def torch_run(job):
    spec = job["spec"]
    n = job["steps"]
    kind = job.get("peer", {}).get("optimizer", "sgd")
    clean = strip(spec, {"verbose"})
    mom = torch_cycles_momentum(clean)
    last = clean.get("last_epoch")
    resume = isinstance(last, int) and not isinstance(last, bool) and last >= 0

    def build(opt, fresh=False):
        s = {k: v for k, v in clean.items() if not (fresh and k == "last_epoch")}
        return mf.torch_build(s, opt)

    try:
        if resume:
            opt = resumed(build, lambda: torch_optimizer(spec, kind), last)
        else:
            opt = torch_optimizer(spec, kind)
        sched = build(opt)
    except Exception as e:  # noqa: BLE001
        raise Refused(e) from None
    return run_lambda_like(opt, sched, n, job.get("metrics"), mom)


# ----------------------------------------------------------------------------------------------
# transformers
# ----------------------------------------------------------------------------------------------

def hf_function(name):
    """transformers.NAME, or transformers.optimization.NAME where transformers 5 no longer exports it at the
    top level (get_adafactor_schedule)."""
    import transformers
    import transformers.optimization
    fn = getattr(transformers, name, None) or getattr(transformers.optimization, name, None)
    if fn is None:
        raise AttributeError(f"module transformers has no attribute {name}")
    return fn


def transformers_run(job):
    import torch
    import transformers
    spec = job["spec"]
    n = job["steps"]
    name = spec["type"].split(".", 1)[1]
    if name == "get_adafactor_schedule":
        return adafactor_run(job)
    fn = hf_function(name)
    kw = {k: v for k, v in spec.items() if k not in ("type", "lr")}
    last = kw.get("last_epoch")
    resume = isinstance(last, int) and not isinstance(last, bool) and last >= 0

    def make_opt():
        p = torch.nn.Parameter(torch.zeros(1))
        return torch.optim.SGD([p], lr=spec["lr"], momentum=0.9)

    def build(opt, fresh=False):
        return fn(optimizer=opt, **{k: v for k, v in kw.items() if not (fresh and k == "last_epoch")})

    try:
        opt = resumed(build, make_opt, last) if resume else make_opt()
        sched = build(opt)
    except Exception as e:  # noqa: BLE001
        raise Refused(e) from None
    return run_lambda_like(opt, sched, n, job.get("metrics"))


def adafactor_run(job):
    import torch
    import transformers
    from transformers.optimization import Adafactor
    spec = job["spec"]
    n = job["steps"]
    p = torch.nn.Parameter(torch.zeros(1))
    try:
        opt = Adafactor([p], lr=spec.get("lr"), scale_parameter=spec.get("scale_parameter", True),
                        relative_step=spec.get("relative_step", True), warmup_init=spec.get("warmup_init", False))
        kw = {"initial_lr": spec["initial_lr"]} if "initial_lr" in spec else {}
        sched = hf_function("get_adafactor_schedule")(opt, **kw)
    except Exception as e:  # noqa: BLE001
        raise Refused(e) from None
    lrs = []
    for k in range(n):
        p.grad = torch.full_like(p, 0.5)  # a nonzero gradient before every update
        if k > 0:
            try:
                sched.step()
            except Exception as e:  # noqa: BLE001
                raise Refused(e, k, lrs) from None
        lr = opt.param_groups[0]["lr"]
        if lr is None:
            raise Refused(TypeError("group['lr'] is None"), k, lrs)
        lrs.append(float(lr))
        try:
            opt.step()
        except Exception as e:  # noqa: BLE001
            raise Refused(e, k + 1, lrs) from None
    return lrs, None


# ----------------------------------------------------------------------------------------------
# timm
# ----------------------------------------------------------------------------------------------

def through_make_fixtures(run, *args, **kwargs):
    """A make-fixtures.py runner's lrs (and momenta, where it records them), its ConstructionError / StepError
    turned into Refused."""
    try:
        out = run(*args, **kwargs)
        return out["lr"], out.get("momentum")
    except mf.ConstructionError as e:
        raise Refused(e.exc) from None
    except mf.StepError as e:
        raise Refused(e.exc, e.k, e.lr_before) from None


def timm_run(job):
    """Every timm spec (classes, both factories, train.py's args, metric-driven schedulers) is driven as
    make-fixtures.py drives it, which is as timm's train.py does."""
    return through_make_fixtures(mf.timm_run, job["spec"], job["steps"], metrics=job.get("metrics"))


# ----------------------------------------------------------------------------------------------
# optax, keras, mlx, fastai
# ----------------------------------------------------------------------------------------------

def call_each(sched, n, value):
    lrs = []
    for k in range(n):
        try:
            v = value(sched, k)
        except Exception as e:  # noqa: BLE001
            raise Refused(e, k, lrs) from None
        lrs.append(v)
    return lrs


def optax_run(job):
    spec = {k: v for k, v in job["spec"].items() if k != "precision"}
    try:
        sched = mf.optax_build(spec)
    except Exception as e:  # noqa: BLE001
        raise Refused(e) from None
    return call_each(sched, job["steps"], lambda s, k: float(s(k))), None


def keras_run(job):
    import keras
    spec = job["spec"]
    if "type" not in spec:  # a form Keras writes itself: rebuilt by Keras, its optimizer driven
        return through_make_fixtures(mf.keras_serialized_run, spec, job["steps"])
    cls = getattr(keras.optimizers.schedules, spec["type"].rsplit(".", 1)[1])
    try:
        sched = cls(**{k: v for k, v in spec.items() if k != "type"})
    except Exception as e:  # noqa: BLE001
        raise Refused(e) from None
    return call_each(sched, job["steps"], lambda s, k: float(s(k))), None


def mlx_run(job):
    import mlx.core as mx
    try:
        sched = mf.mlx_build(job["spec"])
    except Exception as e:  # noqa: BLE001
        raise Refused(e) from None
    return call_each(sched, job["steps"], lambda s, k: float(s(mx.array(k)).item())), None


def fastai_value(x):
    import numpy as np
    if isinstance(x, np.ndarray):
        assert x.shape == (1,)
        x = x[0]
    return float(x)


def fastai_run(job):
    spec = job["spec"]
    try:
        scheds = mf.fastai_build(spec)
    except Exception as e:  # noqa: BLE001
        raise Refused(e) from None
    total = spec["total_steps"]
    lrs, moms = [], ([] if "mom" in scheds else None)
    for k in range(job["steps"]):
        pos = k / total
        try:
            lr = fastai_value(scheds["lr"](pos))
            mom = fastai_value(scheds["mom"](pos)) if moms is not None else None
        except Exception as e:  # noqa: BLE001
            raise Refused(e, k, lrs, moms) from None
        lrs.append(lr)
        if moms is not None:
            moms.append(mom)
    return lrs, moms


def deepspeed_run(job):
    """As DeepSpeed's engine steps it (make-fixtures.py's deepspeed_run); a ds_config.json is read as the
    engine reads it: the scheduler section's type and params, the optimizer section's lr."""
    spec = job["spec"]
    if "scheduler" in spec:
        spec = {"type": "deepspeed.runtime.lr_schedules." + spec["scheduler"]["type"],
                **spec["scheduler"]["params"],
                **({"lr": spec["optimizer"]["params"]["lr"]} if "lr" in spec["optimizer"]["params"] else {})}
    return through_make_fixtures(mf.deepspeed_run, spec, job["steps"])


RUNNERS = {"torch": torch_run, "transformers": transformers_run, "timm": timm_run, "optax": optax_run,
           "keras": keras_run, "mlx": mlx_run, "fastai": fastai_run, "deepspeed": deepspeed_run}


# ----------------------------------------------------------------------------------------------
# Hugging Face Trainer step accounting
# ----------------------------------------------------------------------------------------------

def shard_len(num_samples, batch_size, world_size, drop_last):
    """accelerate's per-process dataloader length (BatchSamplerShard, even_batches=True), by len() only."""
    from accelerate.data_loader import BatchSamplerShard
    from torch.utils.data import BatchSampler, SequentialSampler
    bs = BatchSampler(SequentialSampler(range(num_samples)), batch_size=batch_size, drop_last=drop_last)
    return len(BatchSamplerShard(bs, num_processes=world_size, process_index=0, split_batches=False,
                                 even_batches=True))


def hf_accounting(cfg):
    """transformers 5's Trainer.set_initial_training_values and TrainingArguments.get_warmup_steps, in plain
    Python over accelerate's dataloader length (transformers/trainer.py, training_args.py). A given
    warmup_ratio is read as transformers 4 did (used only when warmup_steps is 0): transformers 5.2 removed it.
    """
    if cfg["warmup_steps"] < 0:
        raise ValueError(f"Got warmup_steps = {cfg['warmup_steps']}, Expected value warmup_steps >= 0")
    length = shard_len(cfg["num_samples"], cfg["per_device_train_batch_size"], cfg["world_size"],
                       cfg["dataloader_drop_last"])
    ga = cfg["gradient_accumulation_steps"]
    max_steps = cfg["max_steps"]
    epoch_based = max_steps < 0
    per_epoch = max(length // ga + int(length % ga > 0), 1)
    if epoch_based:
        max_steps = math.ceil(cfg["num_train_epochs"] * per_epoch)
    if length:
        if cfg["max_steps"] > 0:
            epochs = max_steps // per_epoch + int(max_steps % per_epoch > 0)
        else:
            epochs = math.ceil(cfg["num_train_epochs"])
    elif cfg["max_steps"] > 0:
        epochs = sys.maxsize
        per_epoch = max_steps
    else:
        raise ValueError("args.max_steps must be set to a positive value if dataloader does not have a length, "
                         f"was {cfg['max_steps']}")
    w = cfg["warmup_steps"]
    if cfg.get("warmup_ratio") is not None and w == 0:
        warmup = math.ceil(max_steps * cfg["warmup_ratio"])
    else:
        warmup = int(w) if w >= 1 else math.ceil(max_steps * w)
    return {"batches_per_process": length, "num_update_steps_per_epoch": per_epoch, "max_steps": max_steps,
            "num_warmup_steps": warmup, "num_train_epochs": epochs,
            "total_train_batch_size": cfg["per_device_train_batch_size"] * ga * cfg["world_size"]}


def hf_trainer_check(cfg):
    """The same numbers from a real Trainer (make-fixtures.py's hf_compute: TrainingArguments,
    Trainer.set_initial_training_values on a per-process dataloader of the right length, get_warmup_steps)."""
    import tempfile
    full = dict(cfg, learning_rate=1e-3, lr_scheduler_type="constant", lr_scheduler_kwargs={})
    with tempfile.TemporaryDirectory() as tmp:
        res = mf.hf_compute(full, tmp)
    return {k: res[k] for k in ("num_update_steps_per_epoch", "max_steps", "num_warmup_steps", "num_train_epochs")}


# ----------------------------------------------------------------------------------------------
# Worker entry point
# ----------------------------------------------------------------------------------------------

def setup(lib, mode):
    warnings.filterwarnings("ignore")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if lib in ("optax", "keras"):
        import jax
        jax.config.update("jax_enable_x64", mode == "x64")
        if lib == "keras":
            # Keras' CosineDecayRestarts builds a new lax.cond on every eager call; a compilation cache (same
            # executables, so the same numbers) saves the XLA compile each time.
            cache = os.environ.get("FUZZ_JAX_CACHE")
            if cache:
                jax.config.update("jax_compilation_cache_dir", cache)
                jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
                jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
            import keras
            assert keras.backend.backend() == "jax", keras.backend.backend()
            assert keras.backend.floatx() == "float32"
    if lib in ("torch", "transformers", "timm", "fastai", "hf_steps", "deepspeed"):
        import torch
        torch.manual_seed(0)
        torch.set_num_threads(1)
    if lib == "fastai":
        from fastai.callback.schedule import combined_cos  # noqa: F401 (patches Learner)


def worker(lib, mode, in_path, out_path):
    setup(lib, mode)
    with open(in_path) as f:
        jobs = [json.loads(line) for line in f if line.strip()]
    with open(out_path, "w") as out:
        for j in jobs:
            t0 = time.time()
            if lib == "hf_steps":
                rec = hf_worker_job(j)
            else:
                rec = {"id": j["id"], "status": "ok", "lr": None, "momentum": None, "exc": None}
                try:
                    lrs, moms = RUNNERS[lib](j)
                    rec["lr"] = [enc(v) for v in lrs]
                    rec["momentum"] = None if moms is None else [enc(v) for v in moms]
                except Refused as e:
                    rec["status"] = "construction" if e.k is None else "step"
                    rec["exc"] = exc_text(e.exc)
                    if e.k is not None:
                        rec["k"] = e.k
                        rec["lr"] = [enc(v) for v in e.lrs]
                        rec["momentum"] = None if e.moms is None else [enc(v) for v in e.moms]
                except Exception as e:  # noqa: BLE001 - a harness failure: keep going, report it
                    rec["status"] = "harness"
                    rec["exc"] = exc_text(e)
            rec["secs"] = round(time.time() - t0, 4)
            out.write(json.dumps(rec, allow_nan=False) + "\n")
            out.flush()


def hf_worker_job(j):
    rec = {"id": j["id"], "status": "ok", "values": None, "trainer": None, "exc": None}
    try:
        rec["values"] = hf_accounting(j["cfg"])
    except Exception as e:  # noqa: BLE001
        rec["status"] = "construction"
        rec["exc"] = exc_text(e)
    if j.get("trainer_check"):
        try:
            rec["trainer"] = hf_trainer_check(j["cfg"])
        except Exception as e:  # noqa: BLE001
            rec["trainer"] = {"error": exc_text(e)}
    return rec
