"""Random spec generators for Scripts/fuzz-peers.py (pure Python, no peer library imported).

Every generator takes a `Draw` (a seeded random.Random with helpers) and returns one JOB:

    {"spec": {...compatibility spec...}, "steps": N,
     "metrics": [...]?,            # plateau schedulers only: metrics[k] is passed after update k
     "peer": {...}?,               # how the peer side is driven, never sent to LRKit
                                   #   "optimizer": "sgd" | "adam"  (torch momentum: group["momentum"] / betas[0])
                                   #   "mode": "x32" | "x64"        (optax: jax_enable_x64 off / on)
     "tags": [...]}                # features drawn (for the per-feature breakdown of the report)

Parameters are drawn the way real code passes them (a few significant digits, small integers, defaults
omitted as often as given), with deliberate edge values: warmup 0 / = total / > total, one-step schedules,
totals 1 and 2, step counts at restart and milestone boundaries and one either side, pct_start extremes,
non-integer cycle multipliers, duplicate milestones, gamma 1, eta_min = lr, num_steps past the schedule's
end, and a few values the peer refuses (both sides must then refuse).
"""

import math
import random

# ----------------------------------------------------------------------------------------------
# Drawing helpers
# ----------------------------------------------------------------------------------------------


def sig(x, digits=3):
    """Round a random float to a few significant digits so specs stay readable."""
    return float(f"{x:.{digits}g}")


class Draw:
    """A seeded random.Random with the helpers the generators share."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def chance(self, p):
        return self.r.random() < p

    def choice(self, seq):
        return self.r.choice(seq)

    def weighted(self, table):
        """table: [(weight, value), ...]."""
        total = sum(w for w, _ in table)
        x = self.r.random() * total
        for w, v in table:
            x -= w
            if x < 0:
                return v
        return table[-1][1]

    def pick(self, table, fallback):
        """weighted(table), where a None entry means "a random value": fallback()."""
        v = self.weighted(table)
        return fallback() if v is None else v

    def uniform(self, lo, hi, digits=3):
        return sig(self.r.uniform(lo, hi), digits)

    def log_uniform(self, lo, hi, digits=3):
        return sig(10 ** self.r.uniform(math.log10(lo), math.log10(hi)), digits)

    def randint(self, lo, hi):
        return self.r.randint(lo, hi)

    def int_(self, lo, hi, edge=0.15):
        """An integer in lo..hi: an edge (lo, lo+1, hi) with probability `edge`, else log-uniform."""
        if hi <= lo:
            return lo
        if self.chance(edge):
            return self.choice([v for v in (lo, lo + 1, hi) if lo <= v <= hi])
        a = math.log(max(lo, 0) + 1)
        b = math.log(hi + 1)
        return max(lo, min(hi, int(math.exp(self.r.uniform(a, b))) - 1 + (1 if lo < 0 else 0)))

    def lr(self):
        """A learning rate as people write them."""
        return self.weighted([(2, 0.1), (1.5, 3e-4), (1, 1.0), (1, 1e-3), (1, 5e-5),
                              (6, None)]) or self.log_uniform(1e-5, 1.0)

    def steps(self, natural=None, cap=3000):
        """num_steps: mostly <= 400 (log-uniform, so small counts are common), often placed at the schedule's
        own structural length (a total, a restart, a milestone) or one step either side of it, sometimes up to
        3000 (`cap` for the slow peers)."""
        r = self.r.random()
        natural = None if natural is None else int(natural)
        if natural is not None and natural >= 1 and r < 0.35:
            n = self.choice([natural - 1, natural, natural + 1, natural + 2,
                             natural + self.randint(1, natural // 2 + 2)])
        elif r < 0.80:
            n = int(math.exp(self.r.uniform(0, math.log(401))))
        elif r < 0.95:
            n = self.randint(1, 400)
        else:
            n = self.randint(400, 3000)
        return max(1, min(cap, n))

    def shuffle(self, seq):
        self.r.shuffle(seq)
        return seq


def job(spec, steps, tags=(), metrics=None, peer=None):
    assert isinstance(steps, int) and steps >= 1, steps
    out = {"spec": spec, "steps": steps, "tags": sorted(set(tags))}
    if metrics is not None:
        out["metrics"] = metrics
    if peer:
        out["peer"] = peer
    return out


def plateau_metrics(d, n, mode):
    """A random walk with improving stretches and plateaus (as make-fixtures.py), so reductions really happen."""
    vals, v = [], d.r.uniform(0.5, 5.0)
    while len(vals) < n:
        seg = d.randint(1, 25)
        kind = d.r.random()
        for _ in range(seg):
            if kind < 0.4:
                v = v * (1 - d.r.uniform(0.0, 0.05)) if mode == "min" else v * (1 + d.r.uniform(0.0, 0.05))
            elif kind < 0.8:
                v = v * (1 + d.r.uniform(-0.002, 0.002))
            else:
                v = v * (1 + d.r.uniform(0.0, 0.03)) if mode == "min" else v * (1 - d.r.uniform(0.0, 0.03))
            vals.append(round(v, 6))
    if d.chance(0.1):  # a constant metric: every epoch is "bad"
        return [1.0] * n
    return vals[:n]


def plateau_kwargs(d, lr):
    """ReduceLROnPlateau's keyword arguments (torch and transformers.get_reduce_on_plateau_schedule)."""
    kw = {}
    mode = "min"
    if d.chance(0.5):
        mode = d.choice(["min", "max"])
        kw["mode"] = mode
    if d.chance(0.03):
        kw["factor"] = d.choice([1.0, 1.5])  # the peer refuses factor >= 1
    elif d.chance(0.8):
        kw["factor"] = d.uniform(0.05, 0.95, 2)
    if d.chance(0.8):
        kw["patience"] = d.int_(0, 12)
    if d.chance(0.4):
        kw["threshold_mode"] = d.choice(["rel", "abs"])
    if d.chance(0.4):
        kw["threshold"] = d.log_uniform(1e-5, 0.1)
    if d.chance(0.4):
        kw["cooldown"] = d.int_(0, 6)
    if d.chance(0.4):
        kw["min_lr"] = d.choice([0.0, sig(lr * 10 ** d.r.uniform(-3, -0.3))])
    if d.chance(0.15):
        kw["eps"] = d.choice([1e-8, 1e-4, 1e-6, 0.0])
    return kw, mode


# ----------------------------------------------------------------------------------------------
# torch.optim.lr_scheduler
# ----------------------------------------------------------------------------------------------

TP = "torch.optim.lr_scheduler."
TORCH_LEAVES = ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR",
                "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "OneCycleLR", "CyclicLR"]


def torch_leaf(d, name, lr, room=None):
    """One leaf scheduler's own keys (no "lr"); `room` is roughly how many updates it will see (given for
    children of composites). Returns (spec, natural length or None)."""
    s = {"type": TP + name}
    natural = None
    child = room is not None
    room = room or d.int_(1, 400)
    if name == "StepLR":
        s["step_size"] = d.int_(1, max(2, min(100, room)))
        if d.chance(0.75):
            s["gamma"] = d.pick([(1, 1.0), (2, 0.5), (1, 0.1), (6, None)], lambda: d.uniform(0.05, 0.99))
        natural = s["step_size"] * d.randint(1, 4)
    elif name == "MultiStepLR":
        ms = [d.int_(0, max(1, room + 10)) for _ in range(d.randint(0, 5))]
        if ms and d.chance(0.2):
            ms.append(d.choice(ms))  # duplicate milestone: gamma applied twice
        if d.chance(0.15):
            d.shuffle(ms)
        else:
            ms.sort()
        s["milestones"] = ms
        if d.chance(0.75):
            s["gamma"] = d.pick([(1, 1.0), (2, 0.5), (1, 0.1), (6, None)], lambda: d.uniform(0.05, 0.95))
        natural = max(ms) if ms else None
    elif name == "ConstantLR":
        if d.chance(0.8):
            s["factor"] = d.pick([(3, 0.0), (5, 1.0), (4, 0.5), (88, None)], lambda: d.uniform(0.01, 1.0))
        if d.chance(0.8):
            s["total_iters"] = d.weighted([(5, 0), (95, None)])
            if s["total_iters"] is None:
                s["total_iters"] = d.int_(0, max(1, min(300, room)))
        natural = s.get("total_iters", 5)
    elif name == "LinearLR":
        if d.chance(0.8):
            s["start_factor"] = d.pick([(2, 0.0), (5, 1.0), (93, None)], lambda: d.uniform(0.001, 1.0))
        if d.chance(0.7):
            s["end_factor"] = d.weighted([(10, 0.0), (5, s.get("start_factor", 1 / 3)), (85, None)])
            if s["end_factor"] is None:
                s["end_factor"] = d.uniform(0.0, 1.0)
        if d.chance(0.8):
            s["total_iters"] = d.int_(0, max(1, min(300, room)))
        natural = s.get("total_iters", 5)
    elif name == "ExponentialLR":
        s["gamma"] = d.weighted([(5, 1.0), (5, None), (90, 0)])
        if s["gamma"] is None:
            s["gamma"] = d.uniform(1.001, 1.05, 4)
        elif s["gamma"] == 0:
            s["gamma"] = d.uniform(0.9, 0.9999, 4)
    elif name == "PolynomialLR":
        if d.chance(0.85):
            s["total_iters"] = d.weighted([(5, 0), (95, None)])
            if s["total_iters"] is None:
                s["total_iters"] = d.int_(1, max(2, min(400, room)))
        if d.chance(0.8):
            s["power"] = d.pick([(2, 1.0), (1, 2.0), (7, None)], lambda: d.uniform(0.3, 4.0))
        natural = s.get("total_iters", 5)
    elif name == "CosineAnnealingLR":
        s["T_max"] = 0 if d.chance(0.02) else d.int_(1, max(2, min(300, room)))
        if d.chance(0.7):
            s["eta_min"] = d.weighted([(3, 0.0), (1, lr), (1, sig(lr * 1.5)), (5, None)])
            if s["eta_min"] is None:
                s["eta_min"] = sig(lr * d.r.uniform(0.0, 0.5))
        natural = s["T_max"] * d.randint(1, 3)
    elif name == "CosineAnnealingWarmRestarts":
        s["T_0"] = d.int_(1, max(2, min(60, room)))
        if d.chance(0.7):
            s["T_mult"] = d.choice([1, 1, 2, 2, 3])
        if d.chance(0.6):
            s["eta_min"] = d.weighted([(3, 0.0), (1, lr), (5, None)])
            if s["eta_min"] is None:
                s["eta_min"] = sig(lr * d.r.uniform(0.0, 0.3))
        if d.chance(0.02):
            # the JSON number's form matters: torch wants integers here (T_mult 2.0 raises)
            key = d.choice(["T_0", "T_mult"])
            s[key] = float(s.get(key, 1))
        m = int(s.get("T_mult", 1))
        j = d.randint(1, 4)
        natural = s["T_0"] * (j if m == 1 else (m ** j - 1) // (m - 1))
    elif name == "OneCycleLR":
        s["max_lr"] = d.lr()
        if d.chance(0.15):
            s["epochs"] = d.int_(1, 10)
            s["steps_per_epoch"] = d.int_(1, 60)
            total = s["epochs"] * s["steps_per_epoch"]
        else:
            total = d.pick([(4, 1), (4, 2), (4, 3), (88, None)], lambda: d.int_(1, max(4, min(600, room))))
            if child and d.chance(0.7):
                total = room + d.randint(0, 10)  # covers its segment: stepping past total_steps raises
            s["total_steps"] = total
        if d.chance(0.75):
            s["pct_start"] = d.pick([(3, 0.0), (2, 1.0), (2, 0.5), (93, None)], lambda: d.uniform(0.05, 0.95, 2))
            if d.chance(0.02):
                s["pct_start"] = d.choice([0, 1])  # an int: torch insists on a float
        if d.chance(0.5):
            s["anneal_strategy"] = d.choice(["cos", "linear"])
        if d.chance(0.3):
            s["three_phase"] = True
        if d.chance(0.4):
            s["div_factor"] = d.uniform(2, 100)
        if d.chance(0.4):
            s["final_div_factor"] = d.log_uniform(10, 1e5)
        if d.chance(0.25):
            s["cycle_momentum"] = False
        elif d.chance(0.2):
            s["cycle_momentum"] = True
        if d.chance(0.3):
            hi = d.uniform(0.9, 0.99, 2)
            s["max_momentum"] = hi
            s["base_momentum"] = sig(hi - d.r.uniform(0.02, 0.15), 2)
        natural = total + 1  # the last update torch allows
    elif name == "CyclicLR":
        base = d.log_uniform(1e-5, 1e-2)
        s["base_lr"] = base
        s["max_lr"] = sig(base * d.r.uniform(2, 20))
        if d.chance(0.9):
            s["step_size_up"] = d.int_(1, max(2, min(80, room)))
            if d.chance(0.05):
                s["step_size_up"] = sig(s["step_size_up"] * d.r.uniform(0.5, 1.5))  # e.g. epochs * len / 2
        if d.chance(0.5):
            s["step_size_down"] = d.weighted([(2, 0), (98, None)])
            if s["step_size_down"] is None:
                s["step_size_down"] = d.int_(1, 80)
        if d.chance(0.7):
            s["mode"] = d.choice(["triangular", "triangular2", "exp_range"])
        if s.get("mode") == "exp_range" and d.chance(0.8):
            s["gamma"] = d.uniform(0.99, 0.99999, 5)
        if d.chance(0.3):
            s["cycle_momentum"] = False
        if d.chance(0.3):
            hi = d.uniform(0.85, 0.99, 2)
            s["max_momentum"] = hi
            s["base_momentum"] = sig(hi - d.r.uniform(0.02, 0.15), 2)
        if d.chance(0.15):
            s["scale_mode"] = d.choice(["cycle", "iterations"])  # no effect without scale_fn
        up = s.get("step_size_up", 2000)
        down = s.get("step_size_down")
        down = up if down is None else down
        natural = int((up + down) * d.randint(1, 3))
    return s, natural


def torch_cycles_momentum(spec):
    """Does any scheduler in the tree cycle the optimizer's momentum?"""
    t = spec["type"].rsplit(".", 1)[1]
    if t in ("OneCycleLR", "CyclicLR") and spec.get("cycle_momentum", True):
        return True
    return any(torch_cycles_momentum(c) for c in spec.get("schedulers", []))


def torch_composite(d, name, lr, depth=0, room=None):
    """SequentialLR / ChainedScheduler with random children (leaves, one-cycle and cyclic children included,
    and at depth 0 nested composites: first child (works) or a later child (torch raises at its milestone))."""
    room = room or d.int_(4, 400)
    leaf_pool = TORCH_LEAVES
    if name == "SequentialLR":
        k = d.weighted([(1, 1), (6, 2), (3, 3), (1, 4)])
        ms = sorted(d.randint(0, room) for _ in range(k - 1))
        if k > 1 and d.chance(0.08):
            ms[0] = 0
        if k > 2 and d.chance(0.08):
            ms[1] = ms[0]
        children, tags = [], set()
        bounds = [0] + ms + [room + 10]
        for i in range(k):
            seg = max(1, bounds[i + 1] - bounds[i])
            if depth == 0 and ((i == 0 and d.chance(0.12)) or (i > 0 and d.chance(0.04))):
                sub = d.choice(["SequentialLR", "ChainedScheduler"])
                c, _, t = torch_composite(d, sub, lr, depth + 1, room=seg)
                tags |= t | {"nested " + sub + (" first" if i == 0 else " later")}
            elif d.chance(0.01):
                c = {"type": TP + "ReduceLROnPlateau"}  # torch refuses a plateau child
                tags.add("child ReduceLROnPlateau")
            else:
                c, _ = torch_leaf(d, d.choice(leaf_pool), lr, room=seg)
                tags.add("child " + c["type"].rsplit(".", 1)[1])
                if d.chance(0.03):
                    c["last_epoch"] = -1
            children.append(c)
        s = {"type": TP + name, "schedulers": children, "milestones": ms}
        natural = ms[-1] if ms else None
        if ms and d.chance(0.5):
            natural = d.choice(ms)
        return s, natural, tags
    k = d.weighted([(1, 1), (6, 2), (3, 3)])
    children, tags = [], set()
    for i in range(k):
        if depth == 0 and d.chance(0.1):
            c, _, t = torch_composite(d, "SequentialLR", lr, depth + 1, room=room)
            tags |= t | {"nested SequentialLR in Chained"}
        else:
            c, _ = torch_leaf(d, d.choice(leaf_pool), lr, room=room)
            tags.add("child " + c["type"].rsplit(".", 1)[1])
        children.append(c)
    return {"type": TP + name, "schedulers": children}, room, tags


def gen_torch(d):
    name = d.weighted([(1, n) for n in TORCH_LEAVES] + [(2.5, "SequentialLR"), (1.5, "ChainedScheduler"),
                                                         (1, "ReduceLROnPlateau")])
    lr = d.lr()
    tags = set()
    peer = {}
    if name == "ReduceLROnPlateau":
        kw, mode = plateau_kwargs(d, lr)
        spec = {"type": TP + name, "lr": lr, **kw}
        n = d.steps(cap=1500)
        return job(spec, n, ["plateau"], metrics=plateau_metrics(d, n, mode))
    if name in ("SequentialLR", "ChainedScheduler"):
        body, natural, tags = torch_composite(d, name, lr)
        spec = {"type": body["type"], "lr": lr, **{k: v for k, v in body.items() if k != "type"}}
        if name == "SequentialLR" and d.chance(0.1):
            spec["last_epoch"] = -1
            tags.add("last_epoch=-1")
        if name == "SequentialLR" and d.chance(0.05):
            spec["verbose"] = d.choice([False, True])
            tags.add("verbose")
        n = d.steps(natural)
    else:
        body, natural = torch_leaf(d, name, lr)
        spec = {"type": body["type"]}
        if name not in ("OneCycleLR", "CyclicLR") or d.chance(0.5):
            spec["lr"] = lr  # one-cycle and cyclic overwrite the optimizer's lr: give it or not
        spec.update({k: v for k, v in body.items() if k != "type"})
        r = d.r.random()
        if r < 0.12:
            spec["last_epoch"] = -1
            tags.add("last_epoch=-1")
        elif r < 0.27:
            # a resumed run: the peer runs N updates, saves the optimizer, rebuilds with last_epoch=N
            hi = natural if natural else 200
            spec["last_epoch"] = d.weighted([(2, 0), (1, 1), (1, max(0, hi - 1)), (1, hi), (5, None)])
            if spec["last_epoch"] is None:
                spec["last_epoch"] = d.int_(0, max(1, min(hi, 300)))
            tags.add("last_epoch=N")
            if natural:
                natural = max(1, natural - spec["last_epoch"])
        if d.chance(0.08):
            spec["verbose"] = d.choice([False, True])
            tags.add("verbose")
        n = d.steps(natural)
        if name == "OneCycleLR" and d.chance(0.7):
            n = min(n, natural)  # mostly within total_steps + 1: past it torch raises
    if torch_cycles_momentum(spec):
        tags.add("momentum")
        peer["optimizer"] = "adam" if d.chance(0.3) else "sgd"
        if peer["optimizer"] == "adam":
            tags.add("adam")
    return job(spec, n, tags, peer=peer)


# ----------------------------------------------------------------------------------------------
# transformers
# ----------------------------------------------------------------------------------------------

HF = "transformers."
HF_FUNCS = [
    (1, "get_constant_schedule"), (1, "get_constant_schedule_with_warmup"),
    (1.5, "get_linear_schedule_with_warmup"), (1.5, "get_cosine_schedule_with_warmup"),
    (1, "get_cosine_with_hard_restarts_schedule_with_warmup"), (1, "get_polynomial_decay_schedule_with_warmup"),
    (1, "get_inverse_sqrt_schedule"), (1, "get_cosine_with_min_lr_schedule_with_warmup"),
    (1, "get_cosine_with_min_lr_schedule_with_warmup_lr_rate"), (1, "get_wsd_schedule"),
    (0.4, "get_reduce_on_plateau_schedule"), (3, "get_scheduler"), (0.8, "get_adafactor_schedule"),
]
HF_NAMES = {  # get_scheduler name -> function
    "linear": "get_linear_schedule_with_warmup", "cosine": "get_cosine_schedule_with_warmup",
    "cosine_with_restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "polynomial": "get_polynomial_decay_schedule_with_warmup", "constant": "get_constant_schedule",
    "constant_with_warmup": "get_constant_schedule_with_warmup", "inverse_sqrt": "get_inverse_sqrt_schedule",
    "reduce_lr_on_plateau": "get_reduce_on_plateau_schedule",
    "cosine_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup",
    "cosine_warmup_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "warmup_stable_decay": "get_wsd_schedule",
}


def hf_warmup_total(d, tags):
    """(num_warmup_steps, num_training_steps) with the edges: warmup 0, = total, > total, totals 1 and 2,
    and a float warmup (transformers accepts one) now and then."""
    total = d.pick([(4, 1), (4, 2), (92, None)], lambda: d.int_(1, 400))
    w = d.weighted([(15, 0), (8, total), (7, None), (70, -1)])
    if w is None:
        w = total + d.int_(1, max(2, total))
    elif w == -1:
        w = d.int_(0, max(1, total // 2))
    if d.chance(0.12):
        w = d.choice([w + 0.5, w + 0.25, sig(w * 1.37 + 0.1), 0.5, 1.5])
        tags.add("float warmup")
    return w, total


def hf_kwargs(d, func, lr, w, total, tags):
    """The schedule-specific arguments of one transformers function."""
    kw = {}
    if func == "get_cosine_schedule_with_warmup":
        if d.chance(0.5):
            kw["num_cycles"] = d.pick([(2, 0.5), (1, 1.0), (7, None)], lambda: d.uniform(0.25, 3.0, 2))
    elif func == "get_cosine_with_hard_restarts_schedule_with_warmup":
        if d.chance(0.8):
            kw["num_cycles"] = d.randint(1, 7) if d.chance(0.85) else d.uniform(0.5, 4, 2)
    elif func == "get_polynomial_decay_schedule_with_warmup":
        if d.chance(0.7):
            kw["lr_end"] = lr if d.chance(0.03) else sig(lr * 10 ** d.r.uniform(-4, -0.3))
        if d.chance(0.7):
            kw["power"] = d.pick([(2, 1.0), (1, 2.0), (7, None)], lambda: d.uniform(0.3, 4.0))
    elif func == "get_inverse_sqrt_schedule":
        if d.chance(0.5):
            kw["timescale"] = d.int_(1, 5000)
    elif func in ("get_cosine_with_min_lr_schedule_with_warmup",
                  "get_cosine_with_min_lr_schedule_with_warmup_lr_rate"):
        r = d.r.random()
        if r < 0.47:
            kw["min_lr"] = d.choice([0.0, sig(lr * d.r.uniform(0.0, 0.5))])
        elif r < 0.97:
            kw["min_lr_rate"] = d.choice([0.0, 0.1, d.uniform(0.0, 0.5)])
        elif r < 0.985:
            kw["min_lr"], kw["min_lr_rate"] = sig(lr * 0.1), 0.1  # both: the peer refuses
        if d.chance(0.3):
            kw["num_cycles"] = d.uniform(0.25, 2.0, 2)
        if func.endswith("_lr_rate") and d.chance(0.5):
            kw["warmup_lr_rate"] = d.choice([0.0, d.uniform(0.0, 0.9)])
    elif func == "get_wsd_schedule":
        rest = max(0, total - int(w))
        kw["num_decay_steps"] = d.weighted([(5, 0), (5, rest), (90, None)])
        if kw["num_decay_steps"] is None:
            kw["num_decay_steps"] = d.int_(0, max(1, rest))
        if d.chance(0.2):
            kw["num_stable_steps"] = d.int_(0, max(1, rest))
        if d.chance(0.5):
            kw["warmup_type"] = d.choice(["linear", "cosine", "1-sqrt"])
        if d.chance(0.6):
            kw["decay_type"] = d.choice(["linear", "cosine", "1-sqrt"])
        if d.chance(0.5):
            kw["min_lr_ratio"] = d.choice([0.0, d.uniform(0.0, 0.3)])
        if d.chance(0.2):
            kw["num_cycles"] = d.uniform(0.25, 1.0, 2)
    return kw


def gen_transformers(d):
    func = d.weighted(HF_FUNCS)
    lr = d.lr()
    tags = set()
    if func == "get_adafactor_schedule":
        spec = {"type": HF + func}
        r = d.r.random()
        if r < 0.4:
            pass  # relative_step defaults to True
        elif r < 0.6:
            spec["relative_step"] = True
        else:
            spec["relative_step"] = False
        rel = spec.get("relative_step", True)
        if rel and d.chance(0.4):
            spec["warmup_init"] = True
        elif d.chance(0.3):
            spec["warmup_init"] = False
        if not rel:
            spec["lr"] = lr
        if d.chance(0.04):
            if rel:
                spec["lr"] = lr  # the optimizer refuses lr with relative_step
            else:
                spec["warmup_init"] = True  # the optimizer refuses warmup_init without relative_step
        if d.chance(0.7):
            spec["initial_lr"] = d.choice([0.0, 0.01, 1e-3, lr])
        spec["scale_parameter"] = False
        tags.add("relative_step" if rel else "manual lr")
        if spec.get("warmup_init"):
            tags.add("warmup_init")
        return job(spec, d.steps(), tags)
    if func == "get_reduce_on_plateau_schedule":
        kw, mode = plateau_kwargs(d, lr)
        n = d.steps(cap=1500)
        return job({"type": HF + func, "lr": lr, **kw}, n, ["plateau"], metrics=plateau_metrics(d, n, mode))
    if func == "get_scheduler":
        name = d.choice(list(HF_NAMES))
        inner = HF_NAMES[name]
        spec = {"type": HF + func, "name": name, "lr": lr}
        tags.add("name=" + name)
        w, total = hf_warmup_total(d, tags)
        needs_w = name not in ("constant", "reduce_lr_on_plateau")
        needs_t = name not in ("constant", "constant_with_warmup", "inverse_sqrt", "reduce_lr_on_plateau",
                               "warmup_stable_decay")
        if needs_w or d.chance(0.3):
            if not (needs_w and d.chance(0.02)):
                spec["num_warmup_steps"] = w
        if needs_t or d.chance(0.3) or name == "warmup_stable_decay":
            if not (needs_t and d.chance(0.02)):
                spec["num_training_steps"] = total
        metrics = None
        if name == "reduce_lr_on_plateau":
            kw, mode = plateau_kwargs(d, lr)
        else:
            kw = hf_kwargs(d, inner, lr, w, total, tags)
            if name in ("constant", "constant_with_warmup") and d.chance(0.2):
                kw = {"ignored": 1}
        if kw or d.chance(0.1):
            spec["scheduler_specific_kwargs"] = kw
        n = d.steps(total if needs_t else (int(w) if needs_w else None), cap=1500 if metrics is None else 1500)
        if name == "reduce_lr_on_plateau":
            metrics = plateau_metrics(d, n, mode)
        return job(spec, n, tags, metrics=metrics)
    spec = {"type": HF + func, "lr": lr}
    w, total = hf_warmup_total(d, tags)
    if func != "get_constant_schedule":
        spec["num_warmup_steps"] = w
    takes_total = func not in ("get_constant_schedule", "get_constant_schedule_with_warmup",
                               "get_inverse_sqrt_schedule")
    if takes_total:
        spec["num_training_steps"] = total
    kw = hf_kwargs(d, func, lr, w, total, tags)
    if func == "get_wsd_schedule" and "num_stable_steps" in kw and d.chance(0.5):
        del spec["num_training_steps"]
    spec.update(kw)
    r = d.r.random()
    natural = total if takes_total else (int(w) if func != "get_constant_schedule" else None)
    if r < 0.12:
        spec["last_epoch"] = -1
        tags.add("last_epoch=-1")
    elif r < 0.27:
        hi = natural or 100
        spec["last_epoch"] = d.weighted([(2, 0), (1, max(0, hi - 1)), (1, hi), (6, None)])
        if spec["last_epoch"] is None:
            spec["last_epoch"] = d.int_(0, max(1, min(hi + 5, 300)))
        tags.add("last_epoch=N")
        if natural:
            natural = max(1, natural - spec["last_epoch"])
    return job(spec, d.steps(natural), tags)


# ----------------------------------------------------------------------------------------------
# optax (precision float32 / float64 / unspecified = JAX's default float32)
# ----------------------------------------------------------------------------------------------

OX = "optax."
OPTAX_CAP = 1500


def optax_leaf(d, name, nested=False):
    """One optax schedule; returns (spec, natural length or None)."""
    s = {"type": OX + name}
    nat = None
    if name == "constant_schedule":
        s["value"] = d.lr()
    elif name in ("linear_schedule", "polynomial_schedule"):
        if d.chance(0.5):
            s["init_value"], s["end_value"] = d.choice([0.0, d.log_uniform(1e-6, 1e-3)]), d.lr()
        else:
            s["init_value"], s["end_value"] = d.lr(), d.choice([0.0, d.log_uniform(1e-7, 1e-3)])
        if name == "polynomial_schedule":
            s["power"] = d.pick([(2, 1), (2, 2.0), (1, 0.5), (5, None)], lambda: d.uniform(0.3, 4.0))
        s["transition_steps"] = d.weighted([(3, 0), (2, -1), (95, None)])
        if s["transition_steps"] is None:
            s["transition_steps"] = d.int_(1, 300)
        if d.chance(0.4):
            s["transition_begin"] = d.pick([(1, -3), (9, None)], lambda: d.int_(0, 60))
        nat = max(0, s.get("transition_begin", 0)) + max(0, s["transition_steps"])
    elif name == "piecewise_constant_schedule":
        s["init_value"] = d.lr()
        if d.chance(0.9):
            bs = sorted(d.r.sample(range(0, 300), d.randint(0, 5)))
            sc = {str(b): d.weighted([(2, 0.0), (2, 1.0), (4, 2.0), (1, -0.5), (60, None)]) for b in bs}
            s["boundaries_and_scales"] = {k: (v if v is not None else d.uniform(0.05, 1.5)) for k, v in sc.items()}
            if bs:
                nat = d.choice(bs)
    elif name == "piecewise_interpolate_schedule":
        s["interpolate_type"] = d.choice(["linear", "cosine"])
        s["init_value"] = d.lr()
        # a negative boundary now and then: optax accepts it (piece 0, from the leading 0, is then empty)
        low = -40 if d.chance(0.15) else 0
        bs = sorted(d.r.sample(range(low, 300), d.randint(0, 5)))
        s["boundaries_and_scales"] = {str(b): d.pick([(1, 0.0), (1, 1.0), (20, None)], lambda: d.uniform(0.05, 3.0))
                                      for b in bs}
        if bs:
            nat = max(0, d.choice(bs))
    elif name == "exponential_decay":
        s["init_value"] = d.lr()
        s["transition_steps"] = d.pick([(3, 0), (97, None)], lambda: d.int_(1, 80))
        s["decay_rate"] = d.pick([(2, 0.0), (2, 1.0), (3, 1.5), (93, None)], lambda: d.uniform(0.3, 0.99))
        if d.chance(0.4):
            s["transition_begin"] = d.pick([(1, -4), (9, None)], lambda: d.int_(0, 50))
        if d.chance(0.4):
            s["staircase"] = d.choice([True, False])
        if d.chance(0.35):
            f = d.uniform(0.01, 0.5) if s["decay_rate"] < 1 else d.uniform(1.5, 20)
            s["end_value"] = sig(s["init_value"] * f)
        nat = s["transition_steps"] * d.randint(1, 4) + max(0, s.get("transition_begin", 0))
    elif name == "cosine_decay_schedule":
        s["init_value"] = d.lr()
        s["decay_steps"] = d.pick([(2, 0), (98, None)], lambda: d.int_(1, 300))
        if d.chance(0.6):
            s["alpha"] = d.choice([0.0, 1.0, d.uniform(0, 0.3), d.uniform(0, 0.3)])
        if d.chance(0.3):
            s["exponent"] = d.pick([(1, 1.0), (1, 2.0), (3, None)], lambda: d.uniform(0.5, 3))
        nat = s["decay_steps"]
    elif name == "warmup_cosine_decay_schedule":
        peak = d.lr()
        w = d.pick([(15, 0), (85, None)], lambda: d.int_(1, 60))
        dec = w + (d.pick([(3, 0), (2, -2), (10, 1), (85, None)], lambda: d.int_(1, 300)))
        s.update({"init_value": d.choice([0.0, 0.0, sig(peak * 0.01)]), "peak_value": peak,
                  "warmup_steps": w, "decay_steps": dec})
        if d.chance(0.6):
            s["end_value"] = d.choice([0.0, sig(peak * d.r.uniform(0, 0.2))])
        if d.chance(0.2):
            s["exponent"] = d.uniform(0.5, 3)
        nat = dec
    elif name == "warmup_constant_schedule":
        s.update({"init_value": d.choice([0.0, d.log_uniform(1e-6, 1e-3)]), "peak_value": d.lr(),
                  "warmup_steps": d.pick([(5, 0), (95, None)], lambda: d.int_(1, 100))})
        nat = s["warmup_steps"]
    elif name == "warmup_exponential_decay_schedule":
        peak = d.lr()
        s.update({"init_value": d.choice([0.0, sig(peak * 0.01)]), "peak_value": peak,
                  "warmup_steps": d.pick([(10, 0), (90, None)], lambda: d.int_(1, 50)),
                  "transition_steps": d.pick([(3, 0), (97, None)], lambda: d.int_(1, 40)),
                  "decay_rate": d.pick([(3, 1.0), (97, None)], lambda: d.uniform(0.3, 0.99))})
        if d.chance(0.4):
            s["transition_begin"] = d.int_(0, 30)
        if d.chance(0.4):
            s["staircase"] = True
        if d.chance(0.4):
            s["end_value"] = sig(peak * 0.05)
        nat = s["warmup_steps"] + s["transition_steps"] * d.randint(1, 3)
    elif name in ("cosine_onecycle_schedule", "linear_onecycle_schedule"):
        T = d.pick([(3, 1), (3, 2), (3, 3), (91, None)], lambda: d.int_(1, 400))
        s.update({"transition_steps": T, "peak_value": d.lr()})
        if d.chance(0.7):
            s["pct_start"] = d.pick([(2, 0.0), (2, 1.0), (96, None)], lambda: d.uniform(0.05, 0.6, 2))
        if name == "linear_onecycle_schedule" and d.chance(0.6):
            s["pct_final"] = d.pick([(2, 1.0), (98, None)], lambda: d.uniform(max(0.5, s.get("pct_start", 0.3)), 0.95, 2))
        if d.chance(0.4):
            s["div_factor"] = d.uniform(2, 100)
        if d.chance(0.4):
            s["final_div_factor"] = d.log_uniform(10, 1e5)
        nat = T
    elif name == "sgdr_schedule":
        kws = []
        for _ in range(d.randint(1, 4)):
            w = d.int_(0, 10)
            kw = {"init_value": d.choice([0.0, 1e-5]), "peak_value": d.lr(), "warmup_steps": w,
                  "decay_steps": w + d.int_(1, 80)}
            if d.chance(0.5):
                kw["end_value"] = d.choice([0.0, sig(kw["peak_value"] * 0.01)])
            if d.chance(0.1):
                kw["exponent"] = 2.0
            kws.append(kw)
        s["cosine_kwargs"] = kws
        nat = sum(k["decay_steps"] for k in kws[:d.randint(1, len(kws))])
    elif name == "join_schedules":
        parts = []
        for i in range(d.weighted([(1, 1), (5, 2), (3, 3), (1, 4)])):
            if not nested and d.chance(0.1):
                parts.append(optax_leaf(d, "join_schedules", nested=True)[0])
            elif d.chance(0.05):
                parts.append(optax_leaf(d, "sgdr_schedule", nested=True)[0])
            else:
                parts.append(optax_leaf(d, d.choice(OPTAX_LEAVES), nested=True)[0])
        k = len(parts) - 1
        if d.chance(0.05):
            k += d.choice([-1, 1])  # zip: a missing or extra boundary
        bounds = sorted(d.randint(0, 300) for _ in range(max(0, k)))
        if d.chance(0.05) and len(bounds) > 1:
            d.shuffle(bounds)
        s["schedules"], s["boundaries"] = parts, bounds
        if bounds:
            nat = d.choice(bounds)
    return s, nat


OPTAX_LEAVES = ["constant_schedule", "linear_schedule", "polynomial_schedule", "piecewise_constant_schedule",
                "piecewise_interpolate_schedule", "exponential_decay", "cosine_decay_schedule",
                "warmup_cosine_decay_schedule", "warmup_constant_schedule", "warmup_exponential_decay_schedule",
                "cosine_onecycle_schedule", "linear_onecycle_schedule"]


def gen_optax(d):
    name = d.weighted([(1, n) for n in OPTAX_LEAVES] + [(1.2, "sgdr_schedule"), (2, "join_schedules")])
    spec, nat = optax_leaf(d, name)
    prec = d.choice(["float32", "float64", None])
    if prec:
        spec["precision"] = prec
    mode = "x64" if prec == "float64" else "x32"
    return job(spec, d.steps(nat, cap=OPTAX_CAP), ["precision=" + (prec or "default")], peer={"mode": mode})


# ----------------------------------------------------------------------------------------------
# timm
# ----------------------------------------------------------------------------------------------

TS = "timm.scheduler."


def gen_timm_factory(d):
    """timm.scheduler.create_scheduler_v2: every sched, per-epoch or per-update stepping, the factory's own
    defaults (cycle_decay 0.1, decay_epochs 90 or 0.2, warmup_lr 1e-5) often left to apply."""
    sched = d.weighted([(1.5, "cosine"), (1, "tanh"), (1, "poly"), (1, "step"), (0.6, "constant"),
                        (1, "multistep"), (1, "wsd"), (1, "rsqrt"), (0.3, "none"), (0.6, "plateau"),
                        (0.05, "cosin")])
    lr = d.lr()
    s = {"type": TS + "create_scheduler_v2", "lr": lr}
    tags = {"factory", "sched=" + sched}
    if sched != "cosine" or d.chance(0.3):
        s["sched"] = sched
    epochs = d.int_(1, 120)
    if d.chance(0.9):
        s["num_epochs"] = epochs
    else:
        epochs = 300
    per_update = d.chance(0.45)
    upe = 1
    if per_update:
        s["step_on_epochs"] = False
        upe = d.int_(1, 12)
        s["updates_per_epoch"] = upe if d.chance(0.97) else 0
        tags.add("per-update")
    elif d.chance(0.2):
        s["step_on_epochs"] = True
        if d.chance(0.5):
            s["updates_per_epoch"] = d.int_(0, 50)
    if d.chance(0.6):
        s["warmup_epochs"] = d.pick([(1, 0), (1, epochs), (8, None)], lambda: d.int_(1, max(1, epochs // 3)))
    if d.chance(0.5):
        s["warmup_lr"] = d.choice([0.0, 1e-5, sig(lr * d.r.uniform(0, 0.1))])
    if d.chance(0.4):
        s["warmup_prefix"] = d.choice([True, False])
    if d.chance(0.5):
        s["min_lr"] = d.choice([0.0, 1e-6, sig(lr * d.r.uniform(0, 0.2))])
    if d.chance(0.3):
        s["cooldown_epochs"] = d.int_(0, 20)
    if sched in ("step", "wsd", "rsqrt") or d.chance(0.2):
        if sched in ("wsd", "rsqrt"):
            s["decay_epochs"] = d.pick([(3, None), (2, 0.5), (1, 0.25), (1, 1), (1, epochs)],
                                       lambda: d.uniform(0.05, 0.95, 2) if d.chance(0.6) else d.int_(1, epochs))
        elif d.chance(0.8):
            s["decay_epochs"] = d.int_(1, max(1, epochs // 2)) if d.chance(0.7) else d.uniform(0.5, 30, 2)
    if sched == "multistep" or d.chance(0.1):
        if d.chance(0.85):
            s["decay_milestones"] = sorted(d.int_(0, epochs) for _ in range(d.randint(1, 4)))
    if sched in ("step", "multistep", "poly") or d.chance(0.2):
        if d.chance(0.8):
            s["decay_rate"] = d.uniform(0.1, 0.95) if sched != "poly" else d.uniform(0.3, 3.0, 2)
    if sched in ("cosine", "tanh", "poly") and d.chance(0.4):
        s["cycle_mul"] = d.weighted([(3, 1.0), (2, 2.0), (1, 1.5), (1, 0.5)])
        if d.chance(0.6):
            s["cycle_decay"] = d.uniform(0.1, 1.0, 2)
        s["cycle_limit"] = d.pick([(1, 0), (9, None)], lambda: d.int_(1, 4))
    if sched in ("cosine", "poly") and d.chance(0.25):
        s["k_decay"] = d.uniform(0.5, 2.0, 2)
    if sched in ("wsd", "rsqrt"):
        if d.chance(0.4):
            s["decay_fn"] = d.weighted([(1, "linear"), (1, "1-sqrt"), (1, "cosine"), (1, "power"), (1, "exp"),
                                        (0.1, "sqrt")])
        if sched == "rsqrt" and d.chance(0.5):
            s["stable_timescale"] = d.uniform(0.5, 20)
    if d.chance(0.2):
        s["noise"] = None
        s["noise_pct"], s["noise_std"], s["noise_seed"] = 0.67, 1.0, d.choice([42, 0])
        tags.add("noise args")
    if d.chance(0.1):
        s["patience_epochs"] = d.int_(0, 20)
        s["plateau_mode"] = d.choice(["max", "min"])
    nat = (epochs + (s.get("warmup_epochs", 0) if s.get("warmup_prefix") else 0) + s.get("cooldown_epochs", 0)) * upe
    if sched == "plateau":
        if d.chance(0.7):
            s["patience_epochs"] = d.int_(0, 5)
        if d.chance(0.6):
            s["plateau_mode"] = d.choice(["max", "min"])
        if d.chance(0.5):
            s["decay_rate"] = d.uniform(0.1, 0.9)
        n = d.steps(nat)
        return job(s, n, tags, metrics=plateau_metrics(d, n, s.get("plateau_mode", "max")))
    return job(s, d.steps(nat), tags)


def gen_timm_plateau(d):
    """timm.scheduler.PlateauLRScheduler: ReduceLROnPlateau (mode 'max' by default) behind timm's warmup, per epoch."""
    lr = d.lr()
    s = {"type": TS + "PlateauLRScheduler", "lr": lr}
    mode = "max"
    if d.chance(0.6):
        mode = s["mode"] = d.choice(["max", "min"])
    for key, f in (("decay_rate", lambda: d.uniform(0.1, 0.9)), ("patience_t", lambda: d.int_(0, 8)),
                   ("threshold", lambda: d.choice([1e-4, 0.0, 0.01])), ("cooldown_t", lambda: d.int_(0, 5)),
                   ("warmup_t", lambda: d.int_(0, 10)), ("warmup_lr_init", lambda: d.choice([0.0, sig(lr * 0.01)])),
                   ("lr_min", lambda: d.choice([0.0, sig(lr * 0.05)])), ("noise_range_t", lambda: None),
                   ("initialize", lambda: True)):
        if d.chance(0.5):
            s[key] = f()
    n = d.steps(40)
    return job(s, n, ["plateau"], metrics=plateau_metrics(d, n, mode))


def gen_timm_args(d):
    """timm.scheduler.create_scheduler(args): the training script's args as its args.yaml holds them (with keys
    that do not concern the schedule), the lr given or left null for train.py's batch-size scaling of lr_base; as
    a spec with "args", or as the bare args.yaml."""
    sched = d.weighted([(2, "cosine"), (1, "tanh"), (1, "poly"), (1, "step"), (0.5, "constant"), (1, "multistep"),
                        (0.8, "wsd"), (0.5, "rsqrt"), (0.2, "none")])
    epochs = d.int_(1, 80)
    a = {"model": d.choice(["resnet50", "vit_base_patch16_224"]), "data_dir": "/data", "amp": d.chance(0.5),
         "sched": sched, "epochs": epochs, "opt": d.choice(["sgd", "momentum", "adamw", "lamb", "adabelief", "nadam"]),
         "lr_base": d.choice([0.1, 0.005, 1e-3]), "lr_base_size": d.choice([256, 512, 1024]),
         "lr_base_scale": d.choice(["", "", "linear", "sqrt"]), "batch_size": d.choice([32, 64, 128, 256]),
         "grad_accum_steps": d.choice([1, 1, 2, 4])}
    a["lr"] = None if d.chance(0.5) else d.choice([0, d.lr()]) if d.chance(0.2) else d.lr()
    optional = {"warmup_epochs": lambda: d.int_(0, max(1, epochs // 3)), "warmup_lr": lambda: d.choice([1e-5, 1e-6, 0.0]),
                "min_lr": lambda: d.choice([0, 1e-5, 1e-6]), "cooldown_epochs": lambda: d.int_(0, 10),
                "warmup_prefix": lambda: d.chance(0.5), "decay_rate": lambda: d.uniform(0.1, 0.9),
                "decay_epochs": lambda: d.choice([d.int_(1, max(1, epochs)), d.uniform(0.05, 0.9, 2), 90.0]),
                "decay_milestones": lambda: sorted(d.int_(1, epochs) for _ in range(d.randint(1, 3))),
                "lr_cycle_mul": lambda: d.choice([1.0, 2.0]), "lr_cycle_decay": lambda: d.choice([0.5, 1.0, 0.1]),
                "lr_cycle_limit": lambda: d.int_(1, 3), "lr_k_decay": lambda: d.choice([1.0, 1.5]),
                "lr_noise": lambda: None, "lr_noise_pct": lambda: 0.67, "lr_noise_std": lambda: 1.0,
                "seed": lambda: 42, "patience_epochs": lambda: 10, "eval_metric": lambda: d.choice(["top1", "loss"]),
                "lr_decay_fn": lambda: d.choice([None, "linear", "cosine", "1-sqrt"]),
                "lr_stable_timescale": lambda: d.choice([None, d.uniform(1, 10)])}
    full = d.chance(0.5)  # a real args.yaml has every key
    for k, f in optional.items():
        if full or d.chance(0.3):
            a[k] = f()
    if sched == "rsqrt" and not a.get("warmup_epochs", 5) and not a.get("lr_stable_timescale"):
        a["lr_stable_timescale"] = 2.0
    tags = {"args", "sched=" + sched}
    upe = 1
    extras = {}
    if d.chance(0.4):
        a["sched_on_updates"] = True
        upe = d.int_(1, 10)
        extras["updates_per_epoch"] = upe
        tags.add("per-update")
    elif full:
        a["sched_on_updates"] = False
    if a["lr"] in (None, 0) and d.chance(0.4):
        extras["world_size"] = d.choice([2, 4, 8])
    if d.chance(0.4):
        tags.add("bare args.yaml")
        spec = dict(a, **extras)
    else:
        spec = dict({"type": TS + "create_scheduler", "args": a}, **extras)
    nat = (epochs + a.get("warmup_epochs", 5) + a.get("cooldown_epochs", 0)) * upe
    return job(spec, d.steps(nat), tags)


def gen_timm(d):
    if d.chance(0.06):
        return gen_timm_plateau(d)
    if d.chance(0.15):
        return gen_timm_args(d)
    if d.chance(0.3):
        return gen_timm_factory(d)
    name = d.weighted([(1.3, "CosineLRScheduler"), (1, "TanhLRScheduler"), (1, "PolyLRScheduler"),
                       (0.8, "StepLRScheduler"), (0.8, "MultiStepLRScheduler"), (1, "WSDLRScheduler")])
    lr = d.lr()
    s = {"type": TS + name, "lr": lr}
    tags = set()
    nat = None
    if name in ("CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler"):
        t0 = d.int_(1, 150)
        s["t_initial"] = t0
        if d.chance(0.5):
            s["lr_min"] = d.weighted([(2, 0.0), (1, lr), (7, None)])
            if s["lr_min"] is None:
                s["lr_min"] = sig(lr * d.r.uniform(0, 0.1))
        if d.chance(0.5):
            s["warmup_t"] = d.pick([(1, 0), (1, t0), (1, t0 + 3), (7, None)], lambda: d.int_(1, 30))
            if d.chance(0.7):
                s["warmup_lr_init"] = d.choice([0.0, sig(lr * d.r.uniform(0, 0.1))])
            if d.chance(0.7):
                s["warmup_prefix"] = d.choice([True, False])
        if d.chance(0.5):
            s["cycle_mul"] = d.weighted([(3, 1.0), (3, 2.0), (2, 1.5), (1, 3.0), (1, 0.5), (5, None)])
            if s["cycle_mul"] is None:
                s["cycle_mul"] = d.uniform(1.1, 3.0, 2)
            if d.chance(0.7):
                s["cycle_decay"] = d.uniform(0.3, 1.0, 2)
            s["cycle_limit"] = d.pick([(1, 0), (9, None)], lambda: d.int_(1, 8))
        elif d.chance(0.2):
            s["cycle_limit"] = d.int_(1, 5)
        if name == "CosineLRScheduler" and d.chance(0.3):
            s["k_decay"] = d.uniform(0.5, 2.0, 2)
        if name == "TanhLRScheduler" and d.chance(0.4):
            s["lb"], s["ub"] = d.uniform(-8, -2, 2), d.uniform(1, 5, 2)
        if name == "PolyLRScheduler":
            if d.chance(0.6):
                s["power"] = d.uniform(0.3, 3.0, 2)
            if d.chance(0.3):
                s["k_decay"] = d.uniform(0.5, 2.0, 2)
        m = s.get("cycle_mul", 1.0)
        j = d.randint(1, 3)
        span = t0 * j if m == 1 else int(t0 * (m ** j - 1) / (m - 1)) if m > 1 else t0
        nat = span + (s.get("warmup_t", 0) if s.get("warmup_prefix") else 0)
    elif name == "StepLRScheduler":
        s["decay_t"] = d.int_(1, 80) if d.chance(0.85) else d.uniform(0.5, 40, 2)
        if d.chance(0.8):
            s["decay_rate"] = d.pick([(1, 1.0), (9, None)], lambda: d.uniform(0.1, 0.95))
        nat = int(s["decay_t"] * d.randint(1, 4))
    elif name == "MultiStepLRScheduler":
        ms = sorted(d.int_(0, 300) for _ in range(d.randint(1, 4)))
        if d.chance(0.2):
            ms.append(ms[-1])
            ms.sort()
        s["decay_t"] = ms
        if d.chance(0.8):
            s["decay_rate"] = d.uniform(0.1, 0.9)
        nat = d.choice(ms)
    else:  # WSD
        t0 = d.int_(1, 300)
        s["t_initial"] = t0
        s["decay_t"] = d.pick([(5, t0), (5, 1), (90, None)], lambda: d.int_(1, t0))
        stable = d.choice(["constant", "constant", "rsqrt", "power"])
        decay = d.choice(["linear", "1-sqrt", "cosine", "power", "exp"])
        if stable != "constant" or d.chance(0.5):
            s["stable_fn"] = stable
        if decay != "1-sqrt" or d.chance(0.5):
            s["decay_fn"] = decay
        if d.chance(0.6) or stable != "constant":
            s["warmup_t"] = d.int_(1, 40)
            s["warmup_lr_init"] = d.choice([0.0, sig(lr * d.r.uniform(0, 0.1))])
        if stable != "constant" and d.chance(0.5):
            s["stable_timescale"] = d.uniform(1, 100)
        if stable == "power":
            s["stable_power"] = d.uniform(0.2, 1.0, 2)
        if decay == "power" and d.chance(0.8):
            s["decay_power"] = d.uniform(0.3, 3.0, 2)
        if decay == "exp" and d.chance(0.6):
            s["decay_ratio"] = d.uniform(0.01, 0.5, 2)
        if d.chance(0.4):
            s["lr_min"] = d.choice([0.0, sig(lr * d.r.uniform(0, 0.2))])
        nat = s.get("warmup_t", 0) + t0 - d.choice([0, s["decay_t"]])
    if name != "WSDLRScheduler" and name in ("StepLRScheduler", "MultiStepLRScheduler") and d.chance(0.4):
        s["warmup_t"] = d.int_(0, 30)
        s["warmup_lr_init"] = sig(lr * 0.01)
        if d.chance(0.5):
            s["warmup_prefix"] = d.choice([True, False])
    # constructor arguments that do not change the curve
    if d.chance(0.4):
        s["t_in_epochs"] = d.choice([True, False])
        tags.add("t_in_epochs=%s" % s["t_in_epochs"])
    if d.chance(0.2):
        s["noise_range_t"] = None
        if d.chance(0.7):
            s["noise_pct"] = d.choice([0.67, 0.5, 0.1])
            s["noise_std"] = d.choice([1.0, 0.5])
            s["noise_seed"] = d.choice([42, 0, 1234])
        tags.add("noise args")
    if d.chance(0.15):
        s["initialize"] = True
        tags.add("initialize")
    return job(s, d.steps(nat), tags)


# ----------------------------------------------------------------------------------------------
# keras (float32)
# ----------------------------------------------------------------------------------------------

KS = "keras.optimizers.schedules."
# CosineDecayRestarts, and CosineDecay with a warmup_target, run a new lax.cond on every eager call (~25 ms a
# value even with the compilation cache): their step counts are capped.
KERAS_COND_CAP = 60


def keras_steps_value(d):
    """decay_steps as real code writes it: mostly an int, now and then a float."""
    v = d.int_(1, 200)
    return v if d.chance(0.95) else sig(v + d.r.uniform(0.1, 0.9))


def gen_keras(d):
    name = d.weighted([(1, "ExponentialDecay"), (1, "PiecewiseConstantDecay"), (1, "PolynomialDecay"),
                       (1, "InverseTimeDecay"), (1.2, "CosineDecay"), (0.5, "CosineDecayRestarts")])
    s = {"type": KS + name}
    nat = None
    cap = 1500
    lr = d.lr()
    if name in ("ExponentialDecay", "InverseTimeDecay"):
        s["initial_learning_rate"] = lr
        s["decay_steps"] = keras_steps_value(d)
        s["decay_rate"] = d.pick([(2, 1.0), (2, 1.5), (96, None)], lambda: (
            d.uniform(0.1, 0.99) if name == "ExponentialDecay" else d.uniform(0.05, 3.0)))
        if d.chance(0.5):
            s["staircase"] = d.chance(0.7)
        nat = int(s["decay_steps"] * d.randint(1, 4))
    elif name == "PiecewiseConstantDecay":
        bs = sorted(d.int_(0, 300) for _ in range(d.randint(1, 4)))
        if d.chance(0.15):
            bs.append(bs[-1])
            bs.sort()
        s["boundaries"] = bs
        s["values"] = [d.lr() for _ in range(len(bs) + 1)]
        nat = d.choice(bs)
    elif name == "PolynomialDecay":
        s["initial_learning_rate"] = lr
        s["decay_steps"] = keras_steps_value(d)
        if d.chance(0.7):
            s["end_learning_rate"] = d.choice([0.0, sig(lr * d.r.uniform(0, 0.1))])
        if d.chance(0.5):
            s["power"] = d.pick([(1, 1.0), (1, 2.0), (3, None)], lambda: d.uniform(0.3, 3.0, 2))
        if d.chance(0.5):
            s["cycle"] = d.chance(0.7)
        nat = int(s["decay_steps"] * d.randint(1, 3))
    elif name == "CosineDecay":
        s["initial_learning_rate"] = lr
        s["decay_steps"] = keras_steps_value(d)
        if d.chance(0.5):
            s["alpha"] = d.choice([0.0, 1.0, d.uniform(0, 0.3)])
        if d.chance(0.45):
            s["initial_learning_rate"] = d.choice([0.0, sig(lr * d.r.uniform(0, 0.1))])
            s["warmup_target"] = lr
            s["warmup_steps"] = d.pick([(1, 0), (9, None)], lambda: d.int_(1, 30))
            if d.chance(0.7):  # short enough for the capped step count to reach the end of the decay
                s["decay_steps"] = d.int_(1, 30)
            cap = KERAS_COND_CAP
        elif d.chance(0.05):
            s["warmup_steps"] = d.int_(1, 20)  # without warmup_target: ignored by Keras
        nat = int(s["decay_steps"] + s.get("warmup_steps", 0))
    else:
        s["initial_learning_rate"] = lr
        s["first_decay_steps"] = d.int_(1, 20)
        if d.chance(0.7):
            s["t_mul"] = d.pick([(3, 1.0), (3, 2.0), (2, 1.5), (2, None)], lambda: d.uniform(1.1, 3, 2))
        if d.chance(0.6):
            s["m_mul"] = d.choice([1.0, d.uniform(0.3, 1.0, 2)])
        if d.chance(0.5):
            s["alpha"] = d.choice([0.0, d.uniform(0, 0.2)])
        m = s.get("t_mul", 2.0)
        j = d.randint(1, 3)
        nat = int(s["first_decay_steps"] * (j if m == 1 else (m ** j - 1) / (m - 1)))
        cap = KERAS_COND_CAP
    tags = []
    if d.chance(0.3):
        s["name"] = d.choice([name, "lr_schedule", "my_schedule"])
        tags.append("name")
    if d.chance(0.3):
        return keras_wrapped(d, s, name, nat, cap, tags)
    return job(s, d.steps(nat, cap=cap), tags)


KERAS_OPTIMIZERS = [("SGD", "sgd"), ("Adam", "adam"), ("AdamW", "adam_w"), ("RMSprop", "rm_sprop"), ("Adamax", "adamax"),
                    ("Nadam", "nadam"), ("Lion", "lion"), ("Adagrad", "adagrad")]


def keras_wrapped(d, s, name, nat, cap, tags):
    """The spec as Keras writes it (no "type"): serialize(schedule), serialize(optimizer), an optimizer's
    get_config() or a model's config.json, the optimizer sometimes with gradient_accumulation_steps N (update k
    reads the schedule at micro-step (k+1)N - 1) or a fixed learning rate; the peer rebuilds it with Keras'
    own deserialize and drives the optimizer's apply."""
    config = {k: v for k, v in s.items() if k != "type"}
    config.setdefault("name", name)
    schedule = {"module": "keras.optimizers.schedules", "class_name": name, "config": config, "registered_name": None}
    form = d.weighted([(3, "serialized"), (2, "optimizer"), (2, "get_config"), (1, "model")])
    tags = list(tags) + ["keras form=" + form]
    if form == "serialized":
        if d.chance(0.2):  # tf.keras 2 wrote neither (Keras 3 reads that form only at the top)
            del schedule["module"], schedule["registered_name"]
            tags.append("no module")
        return job(schedule, d.steps(nat, cap=cap), tags)
    cls, opt_name = d.choice(KERAS_OPTIMIZERS)
    opt = {"name": opt_name, "learning_rate": schedule if d.chance(0.85) else d.lr()}
    n = 1
    if d.chance(0.5):
        n = d.choice([2, 2, 3, 4, 8])
        opt["gradient_accumulation_steps"] = n
        tags.append("accumulation")
    elif d.chance(0.3):
        opt["gradient_accumulation_steps"] = None
    if d.chance(0.5):  # the rest of what get_config() writes (AdamW's weight_decay is a float)
        opt.update({"weight_decay": 0.004 if cls == "AdamW" else None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                    "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                    "loss_scale_factor": None})
    if form == "get_config":
        opt.setdefault("use_ema", False)
        spec = opt
    else:
        spec = {"module": "keras.optimizers", "class_name": cls, "config": opt, "registered_name": None}
        if form == "model":
            spec = {"module": "keras", "class_name": "Sequential",
                    "config": {"name": "sequential", "trainable": True, "layers": []}, "registered_name": None,
                    "compile_config": {"optimizer": spec, "loss": "mse", "loss_weights": None, "metrics": None}}
    natural = None if nat is None or not isinstance(opt["learning_rate"], dict) else max(1, int(nat) // n)
    # The peer drives the optimizer: N applies per value.
    return job(spec, d.steps(natural, cap=max(5, min(cap, 240 // n))), tags)


# ----------------------------------------------------------------------------------------------
# mlx (float32)
# ----------------------------------------------------------------------------------------------

MX = "mlx.optimizers."
MLX_LEAVES = ["cosine_decay", "exponential_decay", "step_decay", "linear_schedule"]


def mlx_leaf(d, name, nested=False):
    s = {"type": MX + name}
    nat = None
    if name == "cosine_decay":
        s["init"] = d.lr()
        s["decay_steps"] = d.int_(1, 300)
        if d.chance(0.6):
            s["end"] = d.choice([0.0, s["init"], sig(s["init"] * d.r.uniform(0, 0.2))])
        nat = s["decay_steps"]
    elif name == "exponential_decay":
        s["init"] = d.lr()
        s["decay_rate"] = d.pick([(1, 1.0), (1, 1.01), (18, None)], lambda: d.uniform(0.9, 0.9999, 4))
    elif name == "step_decay":
        s["init"] = d.lr()
        s["decay_rate"] = d.pick([(1, 1.0), (9, None)], lambda: d.uniform(0.1, 0.95))
        s["step_size"] = d.int_(1, 80)
        nat = s["step_size"] * d.randint(1, 4)
    elif name == "linear_schedule":
        if d.chance(0.6):
            s["init"], s["end"] = d.choice([0.0, d.log_uniform(1e-6, 1e-3)]), d.lr()
        else:
            s["init"], s["end"] = d.lr(), d.choice([0.0, d.log_uniform(1e-6, 1e-3)])
        s["steps"] = d.int_(1, 200)
        nat = s["steps"]
    else:
        parts = []
        for _ in range(d.weighted([(1, 1), (5, 2), (3, 3), (1, 4)])):
            if not nested and d.chance(0.1):
                parts.append(mlx_leaf(d, "join_schedules", nested=True)[0])
            else:
                parts.append(mlx_leaf(d, d.choice(MLX_LEAVES), nested=True)[0])
        bounds = sorted(d.pick([(1, 0), (9, None)], lambda: d.int_(1, 300)) for _ in range(len(parts) - 1))
        s["schedules"], s["boundaries"] = parts, bounds
        if bounds:
            nat = d.choice(bounds)
    return s, nat


def gen_mlx(d):
    name = d.weighted([(1, n) for n in MLX_LEAVES] + [(2, "join_schedules")])
    spec, nat = mlx_leaf(d, name)
    return job(spec, d.steps(nat))


# ----------------------------------------------------------------------------------------------
# fastai
# ----------------------------------------------------------------------------------------------


def gen_fastai(d):
    total = d.pick([(4, 1), (4, 2), (3, 3), (89, None)], lambda: d.int_(1, 400))
    tags = []
    if d.chance(0.6):
        s = {"type": "fastai.fit_one_cycle", "total_steps": total}
        if d.chance(0.9):
            s["lr_max"] = d.lr()
        if d.chance(0.7):
            s["pct_start"] = d.pick([(3, 0.0), (3, 1.0), (2, 0.5), (92, None)], lambda: d.uniform(0.05, 0.8, 2))
        if d.chance(0.4):
            s["div"] = d.uniform(2, 100)
        if d.chance(0.4):
            s["div_final"] = d.log_uniform(10, 1e6)
        if d.chance(0.4):
            hi = d.uniform(0.9, 0.99, 2)
            s["moms"] = [hi, sig(hi - d.r.uniform(0.05, 0.2), 2), hi] if d.chance(0.8) else \
                [d.uniform(0.8, 0.99, 2) for _ in range(3)]
        tags.append("momentum")
    else:
        s = {"type": "fastai.fit_flat_cos", "total_steps": total}
        if d.chance(0.9):
            s["lr"] = d.lr()
        if d.chance(0.7):
            s["pct_start"] = d.pick([(3, 0.0), (3, 1.0), (94, None)], lambda: d.uniform(0.1, 0.95, 2))
        if d.chance(0.4):
            s["div_final"] = d.log_uniform(10, 1e6)
    return job(s, d.steps(total), tags)


# ----------------------------------------------------------------------------------------------
# deepspeed
# ----------------------------------------------------------------------------------------------

DEEPSPEED = "deepspeed.runtime.lr_schedules."


def deepspeed_config(spec):
    """A deepspeed.runtime.lr_schedules spec as the ds_config.json that configures it."""
    params = {k: v for k, v in spec.items() if k not in ("type", "lr")}
    optimizer = {"type": "AdamW", "params": {"weight_decay": 0.01}}
    if "lr" in spec:
        optimizer["params"]["lr"] = spec["lr"]
    return {"train_micro_batch_size_per_gpu": 8, "gradient_accumulation_steps": 1, "optimizer": optimizer,
            "scheduler": {"type": spec["type"][len(DEEPSPEED):], "params": params},
            "zero_optimization": {"stage": 2}}


def gen_deepspeed(d):
    name = d.choice(["WarmupLR", "WarmupDecayLR", "WarmupCosineLR", "LRRangeTest", "OneCycle"])
    s = {"type": DEEPSPEED + name}
    tags = []
    natural = None
    if name in ("WarmupLR", "WarmupDecayLR", "WarmupCosineLR"):
        w = d.pick([(3, 1), (3, 2), (2, 0), (1, 2.5), (1, -1), (90, None)], lambda: d.int_(1, 500))
        if w != 1000 and d.chance(0.9):
            s["warmup_num_steps"] = w
        if d.chance(0.7):
            s["warmup_type"] = d.weighted([(45, "log"), (45, "linear"), (10, "cosine")])
        if name != "WarmupLR":
            total = d.pick([(3, 0), (3, 1), (5, "below"), (3, "equal"), (86, None)],
                           lambda: (w if isinstance(w, int) else 10) + d.int_(0, 600))
            if total == "below":
                total = d.int_(0, max(w if isinstance(w, int) else 3, 1))
            elif total == "equal":
                total = w if isinstance(w, int) else 3
            s["total_num_steps"] = total
            natural = total
        if name == "WarmupCosineLR":
            s["lr"] = d.lr()
            if d.chance(0.5):
                s["warmup_min_ratio"] = d.pick([(2, 0.0), (1, 1.0), (7, None)], lambda: d.uniform(0, 1))
            if d.chance(0.5):
                s["cos_min_ratio"] = d.pick([(2, 0.0), (1, 1.0), (1, 1.5), (6, None)], lambda: d.uniform(0, 0.5))
        else:
            if d.chance(0.6):
                s["warmup_min_lr"] = d.pick([(3, 0), (2, 0.0), (5, None)], lambda: d.log_uniform(1e-7, 1e-3))
            if name == "WarmupLR":
                s["lr"] = d.lr()
                if d.chance(0.5):
                    s["warmup_max_lr"] = d.pick([(1, None), (9, 0.01)], lambda: None) if d.chance(0.2) else d.lr()
            else:
                if d.chance(0.8):
                    s["warmup_max_lr"] = d.lr()
                elif d.chance(0.5):
                    s["lr"] = d.lr()
                    s["warmup_max_lr"] = None
        if natural is None and isinstance(w, int):
            natural = w
    elif name == "LRRangeTest":
        if d.chance(0.8):
            s["lr_range_test_min_lr"] = d.log_uniform(1e-7, 1e-2)
        size = d.pick([(3, 1), (1, 0), (96, None)], lambda: d.int_(1, 300))
        if d.chance(0.9):
            s["lr_range_test_step_size"] = size
        if d.chance(0.7):
            s["lr_range_test_step_rate"] = d.log_uniform(0.01, 20)
        if d.chance(0.5):
            s["lr_range_test_staircase"] = d.chance(0.5)
        natural = size if isinstance(size, int) and size > 0 else None
    else:
        hi = d.lr()
        s["cycle_min_lr"] = sig(hi / d.r.uniform(1.5, 100))
        s["cycle_max_lr"] = hi
        first = d.pick([(2, 1), (1, 0), (1, 0.5), (96, None)],
                       lambda: d.int_(1, 300) if d.chance(0.7) else d.uniform(0.5, 300))
        if d.chance(0.9):
            s["cycle_first_step_size"] = first
        if d.chance(0.6):
            s["cycle_second_step_size"] = d.pick([(2, 0), (1, -1), (97, None)],
                                                 lambda: d.int_(1, 300) if d.chance(0.7) else d.uniform(0.5, 300))
        if d.chance(0.35):
            s["cycle_first_stair_count"] = d.int_(0, 12)
        if d.chance(0.25):
            s["cycle_second_stair_count"] = d.int_(0, 12)
        if d.chance(0.5):
            s["decay_step_size"] = d.pick([(2, 0), (98, None)], lambda: d.int_(1, 100))
        if d.chance(0.5):
            s["decay_lr_rate"] = d.pick([(2, 0.0), (98, None)], lambda: d.log_uniform(0.001, 5))
        if d.chance(0.3):
            s["decay_mom_rate"] = d.log_uniform(0.0001, 0.1)
        if d.chance(0.2):
            s["cycle_momentum"] = False
        if d.chance(0.4):
            s["cycle_min_mom"] = d.uniform(0.8, 0.9)
        if d.chance(0.4):
            s["cycle_max_mom"] = d.uniform(0.9, 0.99)
        if s.get("cycle_momentum", True):
            tags.append("momentum")
        f = s.get("cycle_first_step_size", 2000)
        natural = (f + s.get("cycle_second_step_size", f)) if isinstance(f, (int, float)) else None
        if natural is not None and natural > 3000:
            natural = None
    if d.chance(0.3):
        tags.append("ds_config")
        return job(deepspeed_config(s), d.steps(natural), tags)
    return job(s, d.steps(natural), tags)


GENERATORS = {"torch": gen_torch, "transformers": gen_transformers, "optax": gen_optax, "timm": gen_timm,
              "keras": gen_keras, "mlx": gen_mlx, "fastai": gen_fastai, "deepspeed": gen_deepspeed}


# ----------------------------------------------------------------------------------------------
# Hugging Face Trainer step accounting (`lrkit steps`)
# ----------------------------------------------------------------------------------------------


def gen_hf_steps(d):
    """One `lrkit steps` flag set: {"cfg": TrainingArguments-like values, "argv": [...flags as a user types them]}."""
    n = d.int_(1, 200000)
    b = d.choice([1, 2, 4, 8, 8, 16, 32, 64, d.int_(1, 100)])
    p = d.choice([1, 1, 2, 3, 4, 8, 16])
    ga = d.choice([1, 1, 2, 3, 4, 8, 16, d.int_(1, 64)])
    ep = d.pick([(3, 1), (3, 3), (2, 2), (1, 10), (3, None)], lambda: d.uniform(0.1, 5.0, 2))
    ms = d.pick([(70, -1), (4, 0), (26, None)], lambda: d.int_(1, 20000))
    wu = d.weighted([(30, 0), (25, None), (25, 0.0), (10, 1.5)])
    if wu is None:
        wu = d.int_(1, 500)
    elif wu == 0.0:
        wu = d.choice([0.03, 0.05, 0.07, 0.1, 0.5, d.uniform(0.001, 0.99, 2)])
    elif wu == 1.5:
        wu = d.choice([1.0, sig(d.r.uniform(1, 50), 3)])
    ratio = None
    if d.chance(0.12):
        ratio = d.choice([0.03, 0.06, 0.1, d.uniform(0.0, 1.0, 2)])
    drop = d.chance(0.25)
    cfg = {"num_samples": n, "per_device_train_batch_size": b, "world_size": p, "gradient_accumulation_steps": ga,
           "num_train_epochs": ep, "max_steps": ms, "warmup_steps": wu, "warmup_ratio": ratio,
           "dataloader_drop_last": drop}

    def num(x):
        return str(int(x)) if isinstance(x, int) else repr(x)

    flags = [("--num-samples", n, None), ("--per-device-train-batch-size", b, 8), ("--world-size", p, 1),
             ("--gradient-accumulation-steps", ga, 1), ("--num-train-epochs", ep, 3), ("--max-steps", ms, -1),
             ("--warmup-steps", wu, 0)]
    argv = []
    for flag, value, default in d.shuffle(flags):
        if default is not None and value == default and type(value) is type(default) and d.chance(0.5):
            continue  # users leave defaults out about as often as they spell them
        argv += [flag, num(value)]
    if ratio is not None:
        argv += ["--warmup-ratio", num(ratio)]
    if drop:
        argv.append("--dataloader-drop-last")
    argv += ["--format", "json"]
    return {"cfg": cfg, "argv": argv}
