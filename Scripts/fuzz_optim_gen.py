"""Random optimizer trajectories for Scripts/fuzz-optimizers.py (see its docstring).

`draw(rng, nprng, index)` returns (job, meta): `job` is one `lrkit optimizer-batch` input object
(the same object the torch side reads, so both see identical inputs), `meta` the generator's own
labels (which edge case was aimed at), kept out of the job. `features(job, meta)` derives the
labels the report is broken down by from the job itself, so shrunk jobs are labelled too.

Conventions. The job's "optimizer" object holds exactly the keyword arguments given to the torch
constructor (plus "kind"); a key that is absent takes both sides' default. "lr" is always
present (LRKit needs it without a schedule) and equals the schedule's "lr" when the schedule has
one. Arrays (params, grads) are float32 values written with 9 significant digits, which
round-trips float32; both sides parse the same text (decimal -> double -> float32).
"""

import json
import math

import numpy as np

SCHED = "torch.optim.lr_scheduler."
KINDS = ["sgd", "adam", "adamw", "radam"]
# Schedules whose lr is proportional to the optimizer's base lr (PyTorch computes each group's
# lr from that group's base lr; LRKit multiplies one schedule by lr_scale: equal only for these).
PROPORTIONAL = {"StepLR", "MultiStepLR", "ExponentialLR", "LinearLR", "ConstantLR",
                "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
                "SequentialLR", "ChainedScheduler"}
MOMENTUM_DRIVERS = {"OneCycleLR", "CyclicLR"}


def sig(x, digits=3):
    return float(f"{x:.{digits}g}")


def log_uniform(rng, lo, hi, digits=3):
    return sig(10 ** rng.uniform(math.log10(lo), math.log10(hi)), digits)


def short_type(spec):
    return spec["type"].rsplit(".", 1)[1]


def spec_nodes(spec):
    """The spec and every child spec (composites), depth first."""
    if spec is None:
        return []
    out = [spec]
    for child in spec.get("schedulers", []):
        out.extend(spec_nodes(child))
    return out


def is_proportional(spec):
    for node in spec_nodes(spec):
        t = short_type(node)
        if t not in PROPORTIONAL:
            return False
        if t.startswith("CosineAnnealing") and node.get("eta_min", 0) != 0:
            return False
    return True


def drives_momentum(spec):
    return any(short_type(n) in MOMENTUM_DRIVERS and n.get("cycle_momentum", True)
               for n in spec_nodes(spec))


# ----------------------------------------------------------------------------------------------
# Schedules


def pick_lr(rng):
    r = rng.random()
    if r < 0.05:
        return 0.0
    if r < 0.25:
        return 0.1
    if r < 0.37:
        return 1e-3
    if r < 0.45:
        return 3e-4
    if r < 0.50:
        return 1.0
    return log_uniform(rng, 1e-5, 1.0)


def proportional_child(rng, steps):
    """A schedule whose value is proportional to the base lr (no "lr": the caller adds it)."""
    t = rng.choice(["StepLR", "MultiStepLR", "ExponentialLR", "LinearLR", "ConstantLR",
                    "CosineAnnealingLR", "PolynomialLR", "CosineAnnealingWarmRestarts"])
    s = {"type": SCHED + t}
    if t == "StepLR":
        s["step_size"] = rng.randint(1, 15)
        if rng.random() < 0.8:
            s["gamma"] = sig(rng.uniform(0.05, 0.99))
    elif t == "MultiStepLR":
        s["milestones"] = sorted(rng.randint(0, steps + 3) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.8:
            s["gamma"] = sig(rng.uniform(0.05, 0.95))
    elif t == "ExponentialLR":
        s["gamma"] = sig(rng.uniform(0.8, 1.02), 4)
    elif t == "LinearLR":
        if rng.random() < 0.8:
            s["start_factor"] = sig(rng.uniform(0.01, 1.0))
            s["end_factor"] = sig(rng.uniform(0.0, 1.0))
            s["total_iters"] = rng.randint(1, steps + 5)
    elif t == "ConstantLR":
        if rng.random() < 0.8:
            s["factor"] = sig(rng.uniform(0.01, 1.0))
            s["total_iters"] = rng.randint(1, steps + 3)
    elif t == "CosineAnnealingLR":
        s["T_max"] = rng.randint(1, steps + 10)
    elif t == "PolynomialLR":
        s["total_iters"] = rng.randint(1, steps + 5)
        s["power"] = sig(rng.uniform(0.3, 3.0))
    elif t == "CosineAnnealingWarmRestarts":
        s["T_0"] = rng.randint(1, 15)
        s["T_mult"] = rng.choice([1, 1, 2, 3])
    return s


def momentum_keys(rng, s):
    if rng.random() < 0.2:
        s["cycle_momentum"] = False
    elif rng.random() < 0.35:
        # base_momentum 0: SGD runs without momentum at the lr peak and resumes its buffer after
        base = 0.0 if rng.random() < 0.15 else sig(rng.uniform(0.5, 0.9))
        s["base_momentum"] = base
        s["max_momentum"] = sig(rng.uniform(max(base, 0.5), 0.99))


def one_cycle(rng, steps, past_end):
    if past_end:
        total = rng.randint(2, max(2, steps - 2))
    else:
        total = rng.randint(max(2, steps - 1), steps + 20)
    s = {"type": SCHED + "OneCycleLR", "max_lr": pick_lr(rng) or 0.1}
    if rng.random() < 0.2:
        spe = rng.choice([d for d in range(1, total + 1) if total % d == 0])
        s["epochs"] = total // spe
        s["steps_per_epoch"] = spe
    else:
        s["total_steps"] = total
    pct = sig(rng.uniform(0.1, 0.9), 2)
    if pct * total < 1.5:  # avoid torch's 0/0 at step 0 (a schedule matter, not an optimizer one)
        pct = sig(min(0.95, 1.5 / total + 0.01), 2) if total >= 2 else 0.9
    s["pct_start"] = pct
    if rng.random() < 0.4:
        s["anneal_strategy"] = rng.choice(["cos", "linear"])
    if rng.random() < 0.3:
        s["three_phase"] = True
    if rng.random() < 0.4:
        s["div_factor"] = sig(rng.uniform(2, 100))
        s["final_div_factor"] = sig(10 ** rng.uniform(1, 5))
    momentum_keys(rng, s)
    return s


def cyclic(rng):
    base = log_uniform(rng, 1e-5, 1e-2)
    s = {"type": SCHED + "CyclicLR", "base_lr": base, "max_lr": sig(base * rng.uniform(2, 20)),
         "step_size_up": rng.randint(1, 15)}
    if rng.random() < 0.5:
        s["step_size_down"] = rng.randint(1, 15)
    s["mode"] = rng.choice(["triangular", "triangular2", "exp_range"])
    if s["mode"] == "exp_range":
        s["gamma"] = sig(rng.uniform(0.9, 0.999), 4)
    momentum_keys(rng, s)
    return s


def draw_schedule(rng, steps, kind, sgd_momentum0):
    """(spec or None, meta labels)."""
    meta = []
    r = rng.random()
    driver_p = 0.45 if sgd_momentum0 else 0.25
    if r < 0.18:
        return None, meta
    if r < 0.18 + driver_p:
        if rng.random() < 0.6:
            past_end = steps >= 4 and rng.random() < 0.2
            if past_end:
                meta.append("past_end")
            return one_cycle(rng, steps, past_end), meta
        return cyclic(rng), meta
    lr = pick_lr(rng)
    r = rng.random()
    if r < 0.15:
        children = [proportional_child(rng, steps) for _ in range(rng.randint(2, 3))]
        if rng.random() < 0.25:  # a child that sets the lr (and momentum) itself
            i = rng.randrange(len(children))
            children[i] = one_cycle(rng, steps, False) if rng.random() < 0.5 else cyclic(rng)
            meta.append("composite_with_" + short_type(children[i]))
        if r < 0.08:
            ms = sorted(rng.sample(range(1, steps + 4), len(children) - 1))
            return {"type": SCHED + "SequentialLR", "lr": lr, "schedulers": children,
                    "milestones": ms}, meta
        return {"type": SCHED + "ChainedScheduler", "lr": lr, "schedulers": children}, meta
    s = proportional_child(rng, steps)
    s = {"type": s["type"], "lr": lr, **{k: v for k, v in s.items() if k != "type"}}
    if short_type(s).startswith("CosineAnnealing") and rng.random() < 0.3:
        s["eta_min"] = sig(lr * rng.uniform(0.0, 0.5)) if lr > 0 else 1e-4
        meta.append("eta_min")
    return s, meta


# ----------------------------------------------------------------------------------------------
# Optimizers


BETAS = [[0.9, 0.999], [0.9, 0.95], [0.8, 0.99], [0.5, 0.9], [0.0, 0.999], [0.95, 0.9999],
         [0.9, 0.9]]


def draw_optimizer(rng, kind):
    o = {"kind": kind, "lr": pick_lr(rng)}
    meta = []
    if kind == "sgd":
        r = rng.random()
        m = 0.0 if r < 0.4 else rng.choice([0.9, 0.99, 0.5, sig(rng.uniform(0.0, 0.99))])
        if m > 0 or rng.random() < 0.3:
            o["momentum"] = m
        if rng.random() < 0.3:
            o["dampening"] = rng.choice([0.1, 0.5, sig(rng.uniform(0.0, 1.0))])
        if m > 0 and o.get("dampening", 0) == 0 and rng.random() < 0.35:
            o["nesterov"] = True
        if rng.random() < 0.5:
            o["weight_decay"] = rng.choice([1e-4, 1e-2, 0.1, 0.5, 0.0])
        return o, meta
    if rng.random() < 0.6:
        o["betas"] = list(rng.choice(BETAS)) if rng.random() < 0.8 else \
            [sig(rng.uniform(0.0, 0.99)), sig(rng.uniform(0.9, 0.9999), 4)]
    if rng.random() < 0.4:
        o["eps"] = rng.choice([1e-6, 1e-10, 1e-3, 1e-8, 0.0])
    if kind == "adamw":
        if rng.random() < 0.7:
            o["weight_decay"] = rng.choice([0.0, 1e-4, 1e-2, 0.1, 0.5])
    elif rng.random() < 0.55:
        o["weight_decay"] = rng.choice([1e-4, 1e-2, 0.1, 0.5, 0.0])
    if kind in ("adam", "adamw") and rng.random() < 0.35:
        o["amsgrad"] = True
    if kind == "adam" and rng.random() < 0.3:
        o["decoupled_weight_decay"] = True
    if kind == "radam":
        if rng.random() < 0.4:
            o["decoupled_weight_decay"] = True
        if rng.random() < 0.04:
            o["amsgrad"] = True  # torch.optim.RAdam has no such argument: both must refuse
            meta.append("radam_amsgrad")
    return o, meta


def make_edge(rng, o):
    """One legal but extreme option value (torch accepts all of these)."""
    if o["kind"] == "sgd":
        c = rng.choice(["momentum=1", "dampening=1", "dampening>1", "weight_decay=5", "lr=10"])
    else:
        c = rng.choice(["beta2=0", "beta1=0.99999", "eps=1", "weight_decay=5", "lr=10"])
    if c == "momentum=1":
        o["momentum"] = 1.0
        o.pop("nesterov", None)
    elif c == "dampening=1":
        o["dampening"] = 1.0
        o.pop("nesterov", None)
    elif c == "dampening>1":
        o["dampening"] = 1.5
        o.pop("nesterov", None)
    elif c == "weight_decay=5":
        o["weight_decay"] = 5.0
    elif c == "lr=10":
        o["lr"] = 10.0
    elif c == "beta2=0":
        o["betas"] = [o.get("betas", [0.9, 0.999])[0], 0.0]
    elif c == "beta1=0.99999":
        o["betas"] = [0.99999, o.get("betas", [0.9, 0.999])[1]]
    elif c == "eps=1":
        o["eps"] = 1.0
    return c


def make_invalid(rng, o, lr_used):
    """One invalid option (torch refuses at construction; LRKit must refuse too). A negative
    optimizer lr only where it is used: LRKit takes no optimizer lr with OneCycleLR / CyclicLR
    (they set the lr themselves), while torch would still check it."""
    choices = ["lr", "weight_decay"] if lr_used else ["weight_decay"]
    if o["kind"] == "sgd":
        choices += ["momentum", "nesterov"]
    else:
        choices += ["beta1", "beta2", "eps"]
    c = rng.choice(choices)
    if c == "lr":
        o["lr"] = -0.1
    elif c == "weight_decay":
        o["weight_decay"] = -0.01
    elif c == "momentum":
        o["momentum"] = -0.5
    elif c == "nesterov":
        o["nesterov"] = True
        if o.get("momentum", 0) > 0:
            o["dampening"] = 0.5
    elif c == "beta1":
        o["betas"] = [1.0, 0.999]
    elif c == "beta2":
        o["betas"] = [0.9, 1.5]
    elif c == "eps":
        o["eps"] = -1e-8
    return c


# ----------------------------------------------------------------------------------------------
# Groups and data


THREADED = 1 << 16  # LRKit splits a range over threads from 65,536 parameters on


def draw_size(rng):
    r = rng.random()
    if r < 0.005:
        return rng.randint(THREADED, THREADED + 40000)
    if r < 0.45:
        return rng.randint(1, 16)
    if r < 0.80:
        return rng.randint(17, 300)
    if r < 0.94:
        return rng.randint(301, 999)
    return rng.randint(1000, 2600)


def draw_groups(rng, n, kind, sgd_momentum0, proportional):
    count = rng.randint(1, min(4, n))
    segments = rng.randint(count, min(n, count + 4))
    cuts = sorted(rng.sample(range(1, n), segments - 1)) if segments > 1 else []
    bounds = [0] + cuts + [n]
    ranges = [[bounds[i], bounds[i + 1]] for i in range(segments)]
    owner = list(range(count)) + [rng.randrange(count) for _ in range(segments - count)]
    rng.shuffle(owner)
    groups = [{"ranges": [r for r, g in zip(ranges, owner) if g == i]} for i in range(count)]
    force_momentum = kind == "sgd" and sgd_momentum0 and rng.random() < 0.5
    for i, g in enumerate(groups):
        if proportional and rng.random() < 0.5:
            g["lr_scale"] = rng.choice([0.5, 0.1, 2.0, 0.0, sig(rng.uniform(0.01, 3.0))])
        elif rng.random() < 0.2:
            g["lr_scale"] = 1.0
        if rng.random() < 0.3:
            g["weight_decay"] = rng.choice([0.0, 1e-3, 0.1])
        elif rng.random() < 0.1:
            g["weight_decay"] = None
        want_m = rng.random() < 0.25 or (force_momentum and i == count - 1)
        if want_m:
            if kind == "sgd":
                g["momentum"] = rng.choice([0.5, 0.9, 0.0]) if not force_momentum else 0.9
            else:
                g["momentum"] = rng.choice([0.0, 0.5, 0.8, 0.95])
    return groups


def fmt(arr):
    """float32 array -> JSON array text (9 significant digits round-trip float32)."""
    if arr.size == 0:
        return "[]"
    return "[" + (",".join(["%.9g"] * arr.size) % tuple(arr.tolist())) + "]"


def draw_data(rng, nprng, n, steps, groups):
    meta = []
    r = rng.random()
    if r < 0.8:
        params = nprng.normal(0.0, 0.5, n)
    elif r < 0.9:
        params = nprng.normal(0.0, 50.0, n)
        meta.append("large_params")
    elif r < 0.95:
        params = np.zeros(n)
        meta.append("zero_params")
    else:
        params = nprng.normal(0.0, 1.0, n) * 10.0 ** nprng.uniform(-6, 2, n)
    grads = np.empty((steps, n))
    tiny = rng.random() < 0.04
    outliers = rng.random() < 0.06
    all_zero = rng.random() < 0.03
    zero_p = 0.12 if rng.random() < 0.5 else 0.0
    if tiny:
        meta.append("tiny_grads")
    if outliers:
        meta.append("outliers")
    ranges = [r for g in groups for r in g["ranges"]] if groups else [[0, n]]
    for k in range(steps):
        scale = 10.0 ** (nprng.uniform(-10, -6) if tiny else nprng.uniform(-3, 1))
        g = nprng.normal(0.0, 1.0, n) * scale * 10.0 ** nprng.uniform(-0.5, 0.5, n)
        if all_zero or rng.random() < zero_p:
            g[:] = 0.0
            meta.append("zero_step")
        elif rng.random() < 0.06:
            lo, hi = rng.choice(ranges)
            g[lo:hi] = 0.0
            meta.append("zero_range")
        if outliers and rng.random() < 1 / 6:
            for _ in range(rng.choice([1, 2])):
                g[rng.randrange(n)] = rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(3, 5)
        grads[k] = g
    if all_zero:
        meta.append("all_zero_grads")
    return params.astype(np.float32), grads.astype(np.float32), sorted(set(meta))


def draw(rng, nprng, index):
    """One random trajectory: (job_without_arrays, params f32, grads f32, meta)."""
    kind = rng.choices(KINDS, weights=[30, 25, 25, 20])[0]
    n = draw_size(rng)
    steps = rng.randint(1, 3) if rng.random() < 0.1 else rng.randint(4, 40)
    if n >= 1000:
        steps = min(steps, 12)
    if n >= THREADED:
        steps = rng.randint(2, 4)
    o, meta = draw_optimizer(rng, kind)
    sgd_momentum0 = kind == "sgd" and o.get("momentum", 0) == 0
    spec, smeta = draw_schedule(rng, steps, kind, sgd_momentum0)
    meta += smeta
    if spec is not None and "lr" in spec:
        o["lr"] = spec["lr"]
    proportional = spec is None or is_proportional(spec)
    groups = None
    if n >= THREADED:
        if rng.random() < 0.5:  # two groups, one of them still a range LRKit splits
            a = rng.randint(1, n - THREADED)
            groups = [{"ranges": [[0, a]], "weight_decay": 0.0}, {"ranges": [[a, n]]}]
    elif rng.random() < 0.45:
        groups = draw_groups(rng, n, kind, sgd_momentum0, proportional)
    r = rng.random()
    if r < 0.025:
        meta.append("invalid:" + make_invalid(rng, o, spec is None or "lr" in spec))
        if spec is not None and "lr" in spec and meta[-1] == "invalid:lr":
            spec["lr"] = o["lr"]
    elif r < 0.065:
        meta.append("edge:" + make_edge(rng, o))
        if spec is not None and "lr" in spec and meta[-1] == "edge:lr=10":
            spec["lr"] = o["lr"]
    elif r < 0.075 and groups:
        # an out-of-range group override: torch checks only the constructor's defaults
        g = rng.choice(groups)
        c = rng.choice(["weight_decay", "momentum"] + (["beta1=1"] if kind != "sgd" else []))
        if c == "weight_decay":
            g["weight_decay"] = -0.01
        elif c == "momentum":
            g["momentum"] = -0.5
        else:
            g["momentum"] = 1.0
        meta.append("invalid_group:" + c)
    clip = None
    if rng.random() < 0.35:
        r = rng.random()
        if r < 0.3:
            clip = log_uniform(rng, 1e6, 1e9)
            meta.append("clip_huge")
        elif r < 0.55:
            clip = log_uniform(rng, 1e-6, 1e-3)
            meta.append("clip_tiny")
        elif r < 0.94:
            clip = log_uniform(rng, 1e-2, 1e2)
        elif r < 0.98:
            clip = 0.0
            meta.append("clip_zero")
        else:
            clip = -1.0  # torch scales the gradients by a negative factor
            meta.append("clip_negative")
    params, grads, dmeta = draw_data(rng, nprng, n, steps, groups)
    meta += dmeta
    job = {"id": index, "optimizer": o}
    if groups is not None:
        job["groups"] = groups
    job["schedule"] = spec
    job["clip"] = clip
    return job, params, grads, meta


def job_line(job, params, grads):
    """The JSON line for `job` (params/grads given as float32 arrays)."""
    head = json.dumps(job, separators=(",", ":"), allow_nan=False)[:-1]
    rows = ",".join(fmt(g) for g in grads)
    return head + ',"params":' + fmt(params) + ',"grads":[' + rows + "]}"


# ----------------------------------------------------------------------------------------------
# Labels for the report


def features(job, meta=()):
    """Feature labels of a job (plus the generator's meta labels)."""
    o = job["optimizer"]
    kind = o["kind"]
    spec = job.get("schedule")
    groups = job.get("groups") or []
    n = len(job["params"])
    steps = len(job["grads"])
    f = set()
    drives = spec is not None and drives_momentum(spec)
    if kind == "sgd":
        m = o.get("momentum", 0)
        f.add("sgd:momentum>0" if m > 0 else "sgd:momentum=0")
        if m == 0 and drives:
            f.add("sgd:momentum=0+cycled")
        if o.get("dampening", 0):
            f.add("sgd:dampening")
        if o.get("nesterov"):
            f.add("sgd:nesterov")
        if m == 0 and any(g.get("momentum") for g in groups):
            f.add("sgd:group_momentum,opt_momentum=0")
    else:
        if o.get("amsgrad"):
            f.add(f"{kind}:amsgrad")
        if o.get("decoupled_weight_decay"):
            f.add(f"{kind}:decoupled_weight_decay")
        if kind == "adamw" and "weight_decay" not in o:
            f.add("adamw:default_weight_decay")
        if o.get("betas", [0.9])[0] == 0:
            f.add("beta1=0")
        if o.get("eps", 1e-8) == 0:
            f.add("eps=0")
    wd = o.get("weight_decay", 0.01 if kind == "adamw" else 0)
    if wd or any(g.get("weight_decay") for g in groups):
        f.add("weight_decay>0")
    if o.get("lr") == 0 and (spec is None or "lr" in spec):
        f.add("lr=0")
    f.add("schedule:" + (short_type(spec) if spec is not None else "none"))
    if drives:
        f.add("cycle_momentum")
        f.add(f"{kind}:cycle_momentum")
        if any(g.get("momentum") is not None for g in groups):
            f.add("group_momentum+cycle_momentum")
    if len(groups) > 1:
        f.add(f"groups={len(groups)}")
    if groups:
        if any(g.get("lr_scale", 1.0) != 1.0 for g in groups):
            f.add("lr_scale!=1")
            if wd or any(g.get("weight_decay") for g in groups):
                f.add("lr_scale+weight_decay")
        if any(g.get("weight_decay") is not None for g in groups):
            f.add("group_weight_decay")
        if any(g.get("momentum") is not None for g in groups):
            f.add("group_momentum")
        if any(len(g["ranges"]) > 1 for g in groups):
            f.add("multi-range group")
    if job.get("clip") is not None:
        f.add("clip")
    f.add("n>=65536 (threaded)" if n >= THREADED else "n=1000..2600" if n >= 1000
          else "n<=16" if n <= 16 else "n=17..999")
    if n % 8:
        f.add("n%8!=0")
    f.add("steps>=30" if steps >= 30 else "steps<=3" if steps <= 3 else "steps=4..29")
    for m in meta:
        f.add(m)
        for prefix in ("invalid:", "edge:", "invalid_group:"):
            if m.startswith(prefix):
                f.add(prefix[:-1])
    return sorted(f)
