"""torch.optim side of Scripts/fuzz-optimizers.py (see its docstring): the reference runner
(float32, plus a float64 twin that carries the ErrorBound), the deliberate mistakes of the
--perturb self-test, the comparison with LRKit's output and the per-chunk worker.

Imports torch; the fuzzer's parent process only imports this module when it shrinks mismatches
(the workers import it in their own processes).
"""

import json
import re
import math
import subprocess
import warnings

import numpy as np
import torch

import fuzz_optim_gen as gen

ULP32 = 2.0 ** -23          # float32 machine epsilon
BOUND_K = 2.0               # default: |ours - torch| <= BOUND_K x ErrorBound
LR_REL, LR_PEAK = 1e-9, 1e-12
MOMENTUM_ABS = 1e-9
CLASSES = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "radam": torch.optim.RAdam}
PERTURBATIONS = {
    # name: what the torch side gets wrong (the --perturb self-test; the tolerance must catch it)
    "no_bias_correction": "Adam family: bias corrections ~1 from update 1 on (state step += 1e6)",
    "decay_flip": "Adam/RAdam: L2 <-> decoupled weight decay; AdamW run as Adam (L2)",
    "momentum_one_step": "momentum (SGD) / beta1 (Adam family) x0.9 at update min(2, N-1) only",
    "lr_one_step": "every group's lr x(1 + 1e-3) at update N//2 only",
    "dampening_ignored": "SGD: dampening dropped",
    "nesterov_flip": "SGD with momentum and no dampening: nesterov flipped",
    "clip_off": "clipping skipped",
    "eps_x10": "Adam family: eps x10",
}


def applicable(perturb, job):
    """Whether the mistake `perturb` can matter for `job` at all."""
    o = job["optimizer"]
    kind = o["kind"]
    spec = job.get("schedule")
    if perturb in ("no_bias_correction", "eps_x10"):
        return kind != "sgd"
    if perturb == "decay_flip":
        return kind != "sgd"
    if perturb == "momentum_one_step":
        return (kind != "sgd" or o.get("momentum", 0) > 0
                or any(g.get("momentum") for g in job.get("groups") or [])
                or (spec is not None and gen.drives_momentum(spec)))
    if perturb == "lr_one_step":
        return True
    if perturb == "dampening_ignored":
        return kind == "sgd" and o.get("dampening", 0) != 0
    if perturb == "nesterov_flip":
        return kind == "sgd" and o.get("momentum", 0) > 0 and o.get("dampening", 0) == 0
    if perturb == "clip_off":
        return job.get("clip") is not None
    raise ValueError(perturb)


# ----------------------------------------------------------------------------------------------
# The reference: torch.optim driven exactly as the fuzzer's docstring says


def build_scheduler(spec, opt):
    cls = getattr(torch.optim.lr_scheduler, gen.short_type(spec))
    kw = {k: v for k, v in spec.items() if k not in ("type", "lr")}
    if "schedulers" in kw:
        kw["schedulers"] = [build_scheduler(c, opt) for c in kw["schedulers"]]
    return cls(optimizer=opt, **kw)


def group_momentum(group):
    return float(group["momentum"]) if "momentum" in group else float(group["betas"][0])


def refusal(k, where, exc):
    return {"at": k, "where": where, "exception": type(exc).__name__, "message": str(exc)[:400]}


R = 2 * ULP32  # the error allowed per rounding site: 4x float32's unit roundoff


def _sqrt_err(x, e):
    """Bound on |sqrt(x + d) - sqrt(x)| for |d| <= e (x >= 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.minimum(np.sqrt(e), np.where(x > 0, e / np.sqrt(np.maximum(x, 1e-300)), np.inf))


def _div_err(num, e_num, den, e_den):
    """Bound on the error of num / den given bounds on both (den > 0 elementwise; inf where the
    denominator's own error could reach zero)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        slack = den - e_den
        e = np.where(slack > 0, e_num / np.where(slack > 0, slack, 1)
                     + np.abs(num) * e_den / np.where(slack > 0, den * slack, 1), np.inf)
    return np.where((num == 0) & (e_num == 0), 0.0, e)


class ErrorBound:
    """A first-order running bound, per parameter, on how far ANY float32 implementation of the
    optimizer's formulas can drift from the exact result, evaluated along torch's float64 run.

    Each rounding site contributes R * |its result| (R = 2 eps32, four times the unit
    roundoff, so an implementation may use a few more roundings than PyTorch or a different
    order); errors already present propagate through the formulas with their exact first-order
    factors (cancellation in g + wd p, in the momentum / first-moment averages and near-zero
    denominators therefore widen the bound exactly where float32 cannot resolve the result).
    The clipping coefficient gets (8 + sqrt(n)) eps32 (a float32 norm over n values). Both sides
    are within the bound of the exact result, so |LRKit - torch| <= 2 bound; the fuzzer allows
    BOUND_K x bound.
    """

    def __init__(self, kind, segments):
        self.kind = kind
        self.e = {id(t): {"p": np.zeros(hi - lo), "m": np.zeros(hi - lo), "v": np.zeros(hi - lo),
                          "vmax": np.zeros(hi - lo), "buf": np.zeros(hi - lo), "prev": None}
                  for lo, hi, t in segments}

    def step(self, opt, segments, grads_before, params_before, clip_rel):
        """Call right after opt.step(): grads_before/params_before are {id(t): array}."""
        out = {}
        with np.errstate(all="ignore"):
            for group in opt.param_groups:
                for t in group["params"]:
                    out[id(t)] = self._one(group, opt.state[t], t, grads_before[id(t)],
                                           params_before[id(t)], clip_rel)
        return out

    def _one(self, h, state, t, g, p0, clip_rel):
        e = self.e[id(t)]
        p = t.detach().numpy()
        wd = h["weight_decay"]
        lr = h["lr"]
        e_g = np.abs(g) * (R + clip_rel)
        if self.kind == "sgd":
            if wd != 0:
                geff = g + wd * p0
                e_g = e_g + wd * e["p"] + R * (np.abs(wd * p0) + np.abs(geff))
            else:
                geff = g
            m = h["momentum"]
            if m != 0:
                buf = state["momentum_buffer"].numpy()
                if e["prev"] is None:
                    e["buf"] = e_g.copy()
                else:
                    d = h["dampening"]
                    # |1 - d|: a dampening above 1 (legal in PyTorch) flips the sign, not the error
                    e["buf"] = (m * e["buf"] + abs(1 - d) * e_g
                                + R * (np.abs(m * e["prev"]) + np.abs((1 - d) * geff)
                                       + np.abs(buf)))
                e["prev"] = buf.copy()
                if h["nesterov"]:
                    direction = geff + m * buf
                    e_dir = e_g + m * e["buf"] + R * (np.abs(m * buf) + np.abs(direction))
                else:
                    direction, e_dir = buf, e["buf"]
            else:
                direction, e_dir = geff, e_g
            e["p"] = e["p"] + abs(lr) * e_dir + R * (np.abs(lr * direction) + np.abs(p))
            return e["p"].copy()
        beta1, beta2 = h["betas"]
        eps = h["eps"]
        decoupled = self.kind == "adamw" or h.get("decoupled_weight_decay", False)
        e_p = e["p"]
        if wd != 0 and decoupled:
            f = 1 - lr * wd
            e_p = e_p * abs(f) + R * np.abs(p0 * f)
            geff = g
        elif wd != 0:
            geff = g + wd * p0
            e_g = e_g + wd * e["p"] + R * (np.abs(wd * p0) + np.abs(geff))
        else:
            geff = g
        m = state["exp_avg"].numpy()
        v = state["exp_avg_sq"].numpy()
        m_prev = e["prev"] if e["prev"] is not None else np.zeros_like(m)
        # lerp as PyTorch (and LRKit) evaluate it: w < 0.5 ? m + w (g - m) : g - (g - m)(1 - w),
        # or as b1 m + w g: R (c |g| + max(1, c) |m_prev| + |m|) with c = min(|w|, |1 - w|)
        # covers all three. The absolute values matter: OneCycleLR stepped past its end
        # extrapolates beta1 above 1 (w < 0), and a signed w once shrank the bound below the
        # parameter's own rounding (seed 1659420255, trajectory 726).
        w = 1 - beta1
        c = min(abs(w), abs(1 - w))
        e["m"] = (abs(beta1) * e["m"] + abs(w) * e_g
                  + R * (c * np.abs(geff) + max(1.0, c) * np.abs(m_prev) + np.abs(m)))
        e["prev"] = m.copy()
        e["v"] = beta2 * e["v"] + (1 - beta2) * 2 * np.abs(geff) * e_g + 4 * R * np.abs(v)
        step = float(state["step"])
        bc1 = 1 - beta1 ** step
        bc2 = 1 - beta2 ** step
        if self.kind == "radam":
            mh = m / bc1
            e_mh = e["m"] / abs(bc1) + R * np.abs(mh)
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
            if rho_t > 5:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                s = np.sqrt(v)
                den = s + eps
                e_den = _sqrt_err(v, e["v"]) + R * (s + den)
                a = bc2 ** 0.5 / den
                e_a = _div_err(bc2 ** 0.5, 0.0, den, e_den) + R * np.abs(a)
                u = mh * lr * a * rect
                e_u = abs(lr) * rect * (e_mh * a + np.abs(mh) * e_a) + 4 * R * np.abs(u)
            else:
                u = mh * lr
                e_u = abs(lr) * e_mh + R * np.abs(u)
        else:
            if h["amsgrad"]:
                vu = state["max_exp_avg_sq"].numpy()
                e["vmax"] = np.maximum(e["vmax"], e["v"])
                e_vu = e["vmax"]
            else:
                vu, e_vu = v, e["v"]
            s = np.sqrt(vu)
            den = s / bc2 ** 0.5 + eps
            e_den = _sqrt_err(vu, e_vu) / bc2 ** 0.5 + R * (s / bc2 ** 0.5 + den)
            step_size = lr / bc1
            u = step_size * m / den
            e_u = abs(step_size) * _div_err(m, e["m"], den, e_den) + 3 * R * np.abs(u)
        with np.errstate(invalid="ignore", over="ignore"):
            e["p"] = e_p + e_u + R * np.abs(p)
        # NaN in the bound: where torch's own value is NaN the comparison is NaN == NaN (bound
        # 0 is never used); elsewhere 0 * inf met an unbounded term: unbounded
        e["p"] = np.where(np.isnan(e["p"]), np.where(np.isnan(p), 0.0, np.inf), e["p"])
        return e["p"].copy()


def run_torch(job, foreach=False, perturb=None, dtype=torch.float32, bound=False):
    """Runs `job` through torch.optim (float32 -- or float64 for the conditioning reference -- CPU).

    Returns {"params": float64 array [updates done, n] (float32 values), "lrs": [[group lrs]],
    "momenta": [group 0's momentum / beta1 or None], "refused": None or {"at": k, ...}}:
    a refusal "at" k means update k (0-based) could not be made (k = 0 and where
    "construction": the optimizer or scheduler constructor raised).
    """
    o = dict(job["optimizer"])
    kind = o.pop("kind")
    spec = job.get("schedule")
    clip = job.get("clip")
    if perturb == "decay_flip":
        if kind == "adamw":
            kind = "adam"
            o.setdefault("weight_decay", 0.01)
        else:
            o["decoupled_weight_decay"] = not o.get("decoupled_weight_decay", False)
    elif perturb == "dampening_ignored":
        o.pop("dampening", None)
    elif perturb == "nesterov_flip":
        o["nesterov"] = not o.get("nesterov", False)
    elif perturb == "clip_off":
        clip = None
    elif perturb == "eps_x10":
        o["eps"] = o.get("eps", 1e-8) * 10
    kwargs = {k: (tuple(v) if k == "betas" else v) for k, v in o.items()}
    if spec is not None and "lr" in spec:
        kwargs["lr"] = spec["lr"]
    base_lr = kwargs.get("lr", 1e-3)
    betas = tuple(kwargs.get("betas", (0.9, 0.999)))
    n = len(job["params"])
    steps = len(job["grads"])
    init = torch.tensor(job["params"], dtype=torch.float32).to(dtype)
    grads = torch.tensor(job["grads"], dtype=torch.float32).reshape(steps, n).to(dtype)
    segments, param_groups = [], []
    for g in job.get("groups") or [{"ranges": [[0, n]]}]:
        tensors = []
        for lo, hi in g["ranges"]:
            t = init[lo:hi].clone().requires_grad_(True)
            segments.append((lo, hi, t))
            tensors.append(t)
        d = {"params": tensors}
        if g.get("lr_scale", 1.0) != 1.0:
            d["lr"] = g["lr_scale"] * base_lr
        if g.get("weight_decay") is not None:
            d["weight_decay"] = g["weight_decay"]
        if g.get("momentum") is not None:
            if kind == "sgd":
                d["momentum"] = g["momentum"]
            else:
                d["betas"] = (g["momentum"], betas[1])
        param_groups.append(d)
    tensors = [t for _, _, t in segments]
    res = {"lrs": [], "momenta": [], "refused": None}
    try:
        opt = CLASSES[kind](param_groups, foreach=foreach, **kwargs)
        sched = build_scheduler(spec, opt) if spec is not None else None
    except Exception as e:  # noqa: BLE001 - torch's refusal is the reference
        res["refused"] = refusal(0, "construction", e)
        res["params"] = np.zeros((0, n))
        return res
    drives = spec is not None and gen.drives_momentum(spec)
    history = torch.empty(steps, n, dtype=dtype)
    tracker = ErrorBound(kind, segments) if bound else None
    bounds = np.zeros((steps, n))
    done = 0
    odd_step = min(2, steps - 1)
    for k in range(steps):
        if k > 0 and sched is not None:
            try:
                sched.step()
            except Exception as e:  # noqa: BLE001
                res["refused"] = refusal(k, "scheduler.step", e)
                break
        for lo, hi, t in segments:
            t.grad = grads[k, lo:hi].clone()
        clip_rel = 0.0
        if clip is not None:
            norm = float(torch.nn.utils.clip_grad_norm_(tensors, clip))
            if clip / (norm + 1e-6) < 1:
                clip_rel = (8 + math.sqrt(n)) * ULP32
        if tracker is not None:
            g_before = {id(t): t.grad.detach().numpy().copy() for _, _, t in segments}
            p_before = {id(t): t.detach().numpy().copy() for _, _, t in segments}
        res["lrs"].append([float(g["lr"]) for g in opt.param_groups])
        res["momenta"].append(group_momentum(opt.param_groups[0]) if drives else None)
        saved = None
        if perturb == "momentum_one_step" and k == odd_step:
            saved = [(g.get("momentum"), g.get("betas")) for g in opt.param_groups]
            for g in opt.param_groups:
                if "momentum" in g:
                    g["momentum"] = g["momentum"] * 0.9
                else:
                    g["betas"] = (g["betas"][0] * 0.9, g["betas"][1])
        elif perturb == "lr_one_step" and k == steps // 2:
            saved = [g["lr"] for g in opt.param_groups]
            for g in opt.param_groups:
                g["lr"] = g["lr"] * (1 + 1e-3)
        try:
            opt.step()
        except Exception as e:  # noqa: BLE001
            res["refused"] = refusal(k, "optimizer.step", e)
            break
        if saved is not None:
            for g, s in zip(opt.param_groups, saved):
                if perturb == "lr_one_step":
                    g["lr"] = s
                elif s[0] is not None:
                    g["momentum"] = s[0]
                else:
                    g["betas"] = s[1]
        with torch.no_grad():
            for lo, hi, t in segments:
                history[k, lo:hi] = t
        if tracker is not None:
            per = tracker.step(opt, segments, g_before, p_before, clip_rel)
            for lo, hi, t in segments:
                bounds[k, lo:hi] = per[id(t)]
        if perturb == "no_bias_correction" and k == 0:
            for st in opt.state.values():
                if "step" in st:
                    st["step"] += 1e6
        done = k + 1
    res["params"] = history[:done].double().numpy()
    if tracker is not None:
        res["bound"] = bounds[:done]
    return res


# ----------------------------------------------------------------------------------------------
# Comparison


def decode(values, n):
    a = np.array(values, dtype=np.float64)
    return a.reshape(len(values), n)


def tolerance(initial, reference, bound, K):
    """Allowed |ours - torch| for every (update k, parameter i): K * bound[k, i] (ErrorBound,
    along torch's float64 run). Also returns unit = eps32 * (k + 1) * M[k, i],
    M[k, i] = max(|p_i| initially, |torch's p_i| after updates 0..k), the scale the "needed C"
    statistic is expressed in."""
    a = np.abs(np.vstack([initial[None, :], reference]))
    a[~np.isfinite(a)] = 0.0
    m = np.maximum.accumulate(a, axis=0)[1:]
    steps = np.arange(1, len(reference) + 1, dtype=np.float64)[:, None]
    unit = ULP32 * steps * m
    b = np.full(reference.shape, np.inf)
    common = min(len(bound), len(reference))
    b[:common] = bound[:common]
    b[~np.isfinite(b) & ~np.isnan(b)] = np.inf
    b[np.isnan(b)] = np.inf
    return K * b, unit


def reference(job, foreach=False, perturb=None):
    """torch float32 (the reference) with the error bound of its float64 twin attached."""
    ref = run_torch(job, foreach=foreach, perturb=perturb)
    ref["bound"] = run_torch(job, perturb=perturb, dtype=torch.float64, bound=True).get(
        "bound", np.zeros((0, len(job["params"]))))
    return ref


def close(a, b, tol):
    with np.errstate(invalid="ignore"):
        return (a == b) | (np.abs(a - b) <= tol) | (np.isnan(a) & np.isnan(b))


def compare_prefix(job, ours, ref, K):
    """First difference over the updates both sides made: None or a detail dict; plus
    {"used": max |ours - torch| / bound (at most K passes), "C": max |ours - torch| /
    (eps32 (k+1) M), the constant a plain scale-relative tolerance would need}."""
    n = len(job["params"])
    common = min(len(ours["params"]), len(ref["params"]))
    initial = np.array(job["params"], dtype=np.float32).astype(np.float64)
    p_ours = decode(ours["params"][:common], n)
    p_ref = ref["params"][:common]
    first = None
    worst = {"used": 0.0, "C": 0.0}
    if common:
        tol, unit = tolerance(initial, p_ref, ref["bound"], K)
        ok = close(p_ours, p_ref, tol)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            d = np.abs(p_ours - p_ref)
            d = np.where(ok & ~np.isfinite(d), 0.0, d)
            d = np.where(np.isnan(d), np.inf, d)
            for name, denom in (("used", tol / K), ("C", unit)):
                r = np.where(denom > 0, d / np.where(denom > 0, denom, 1),
                             np.where(d > 0, np.inf, 0.0))
                r = np.where(np.isinf(denom) & ok, 0.0, r)
                worst[name] = float(np.max(r)) if r.size else 0.0
            # elements the bound cannot cover (a denominator whose error may reach zero)
            worst["unbounded"] = int((np.isinf(tol) & np.isfinite(p_ref)).sum())
            worst["elements"] = int(p_ref.size)
            # the tolerance relative to the parameter scale M at the last update
            m_last = unit[-1] / (ULP32 * common)
            rel = np.where((m_last > 0) & np.isfinite(tol[-1]),
                           tol[-1] / np.where(m_last > 0, m_last, 1), 0.0)
            worst["tol_over_M"] = float(rel.max()) if rel.size else 0.0
        bad = ~ok
        if bad.any():
            k = int(np.argmax(bad.any(axis=1)))
            i = int(np.argmax(bad[k]))
            scale = unit[k, i] / (ULP32 * (k + 1))
            first = {"update": k, "what": "params", "index": i, "lrkit": float(p_ours[k, i]),
                     "torch": float(p_ref[k, i]), "tolerance": float(tol[k, i]),
                     "abs_diff": float(abs(p_ours[k, i] - p_ref[k, i])),
                     "diff_over_scale": float(abs(p_ours[k, i] - p_ref[k, i]) / max(scale, 1e-300)),
                     "bound": float(tol[k, i] / K),
                     "bad_at_update": int(bad[k].sum()), "bad_total": int(bad.sum()),
                     "initial": float(initial[i])}
    lrs_o, lrs_r = ours["lrs"], ref["lrs"]
    peak = max((abs(x) for row in lrs_r[:common] for x in row if math.isfinite(x)), default=0.0)
    for k in range(common if first is None else first["update"] + 1):
        lo = [gen_float(x) for x in lrs_o[k]]
        lr_ = lrs_r[k]
        if len(lo) != len(lr_):
            return {"update": k, "what": "lr", "group": None, "lrkit": lo, "torch": lr_}, worst
        for gi, (a, b) in enumerate(zip(lo, lr_)):
            if not (a == b or abs(a - b) <= LR_REL * abs(b) + LR_PEAK * peak
                    or (math.isnan(a) and math.isnan(b))):
                return {"update": k, "what": "lr", "group": gi, "lrkit": a, "torch": b}, worst
        mo = ours["momenta"][k] if k < len(ours["momenta"]) else None
        mr = ref["momenta"][k]
        if (mo is None) != (mr is None):
            return {"update": k, "what": "momentum_presence", "lrkit": mo, "torch": mr}, worst
        if mo is not None and not abs(gen_float(mo) - mr) <= MOMENTUM_ABS:
            return {"update": k, "what": "momentum", "lrkit": gen_float(mo), "torch": mr}, worst
    return first, worst


def gen_float(x):
    if isinstance(x, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[x]
    return float(x)


def classify(job, ours, ref, C):
    """(outcome, detail, worst ratio). outcome: matched, mismatched, both_refused,
    torch_only_refused, lrkit_only_refused."""
    first, worst = compare_prefix(job, ours, ref, C)
    t_ref = ref["refused"]
    l_err = ours.get("error")
    t_done, l_done = len(ref["params"]), len(ours["params"])
    refusal = {"torch": t_ref, "lrkit": l_err, "torch_done": t_done, "lrkit_done": l_done}
    if t_ref is not None and l_err is None:
        return "torch_only_refused", {"what": "torch_only_refused", "update": t_done,
                                      **refusal, "prefix_difference": first}, worst
    if l_err is not None and l_done == 0 and (t_ref is None or t_done > 0) and \
            re.search(r"field 'g\d+\.(weight_decay|momentum)'", l_err):
        # LRKit checks every group's weight decay (>= 0) and momentum / beta1 (in [0, 1));
        # torch checks only the optimizer-wide defaults.  A documented, deliberate difference,
        # also when torch stops later for another reason (OneCycleLR stepped past its end:
        # seed 1159450827, trajectory 1897).
        return "lrkit_stricter", {"what": "lrkit_stricter", "update": 0, **refusal}, worst
    if l_err is not None and t_ref is None:
        return "lrkit_only_refused", {"what": "lrkit_only_refused", "update": l_done,
                                      **refusal, "prefix_difference": first}, worst
    if first is not None:
        return "mismatched", {**first, **({"refusal": refusal} if t_ref else {})}, worst
    if t_ref is not None:
        if t_done == l_done:
            return "both_refused", {"what": "both_refused", "update": t_done, **refusal}, worst
        return "mismatched", {"what": "refusal_point", "update": min(t_done, l_done),
                              **refusal}, worst
    return "matched", None, worst


# ----------------------------------------------------------------------------------------------
# LRKit


def run_lrkit(lrkit, path, timeout=600):
    """{id: output object} for the jobs in `path`, plus (returncode, stderr tail)."""
    proc = subprocess.run([lrkit, "optimizer-batch", "--input", path], capture_output=True,
                          text=True, timeout=timeout)
    out = {}
    for line in proc.stdout.splitlines():
        if line.strip():
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            out[json.dumps(obj["id"])] = obj
    return out, proc.returncode, proc.stderr[-2000:]


def lrkit_outputs(lrkit, path, lines):
    """Like run_lrkit, but when LRKit dies part-way, reruns the unanswered jobs one at a time
    so a crash is attributed to the job that causes it."""
    out, rc, err = run_lrkit(lrkit, path)
    crashes = {}
    missing = [(key, line) for key, line in lines if key not in out]
    if missing and rc != 0:
        for key, line in missing:
            one = path + ".one"
            with open(one, "w") as f:
                f.write(line + "\n")
            o1, rc1, err1 = run_lrkit(lrkit, one, timeout=120)
            if key in o1:
                out[key] = o1[key]
            else:
                crashes[key] = f"lrkit exited with status {rc1}: {err1[-600:]}"
    return out, crashes


# ----------------------------------------------------------------------------------------------
# The per-chunk worker (run in a multiprocessing pool)


def init_worker():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")


def distance(job, ref, other):
    """How far `other` (a torch run) is from `ref` over the updates both made: max |diff| in
    units of ref's error bound ("bound"), of eps32 (k+1) M ("C") and of M ("rel")."""
    common = min(len(ref["params"]), len(other["params"]))
    if not common:
        return {"bound": 0.0, "C": 0.0, "rel": 0.0}
    initial = np.array(job["params"], dtype=np.float32).astype(np.float64)
    b, unit = tolerance(initial, ref["params"][:common], ref.get("bound", np.zeros((0, 0))), 1.0)
    d = np.abs(other["params"][:common] - ref["params"][:common])
    both_nan = np.isnan(other["params"][:common]) & np.isnan(ref["params"][:common])
    d = np.where(both_nan, 0.0, d)
    d = np.where(np.isnan(d), np.inf, d)
    steps = np.arange(1, common + 1, dtype=np.float64)[:, None]
    m = unit / (ULP32 * steps)
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, denom in (("bound", b), ("C", unit), ("rel", m)):
            r = np.where(denom > 0, d / np.where(denom > 0, denom, 1), np.where(d > 0, np.inf, 0.0))
            r = np.where(np.isinf(denom) & np.isfinite(d), 0.0, r)
            out[name] = float(r.max())
    return out


def evaluate(job, ours, C, foreach):
    """One trajectory: {"outcome", "detail", "worst", and "foreach": {...} when asked}."""
    ref = reference(job)
    outcome, detail, worst = classify(job, ours, ref, C)
    r = {"outcome": outcome, "detail": detail, "worst": worst}
    if foreach:
        fe = run_torch(job, foreach=True)
        fe["bound"] = ref["bound"]
        o2, d2, w2 = classify(job, ours, fe, C)
        r["foreach"] = {"outcome": o2, "detail": d2, "worst": w2}
        # how far torch's multi-tensor path is from its single-tensor one (same tolerance units)
        r["foreach"]["vs_single"] = distance(job, ref, fe)["bound"]
        if o2 in ("mismatched", "torch_only_refused", "lrkit_only_refused") and \
                not r["foreach"]["vs_single"] <= C:
            # torch's multi-tensor path disagrees with its own single-tensor path beyond the
            # tolerance (e.g. RAdam foreach computes the adaptive term before the rho_t > 5
            # test, so eps = 0 with zero gradients gives 0 * inf = NaN): not LRKit's to match
            r["foreach"]["outcome"] = "torch_inconsistent"
    return r


def process_chunk(task):
    """task: {"path", "lrkit", "C", "foreach": [ids], "perturb"} -> list of result dicts."""
    init_worker()
    with open(task["path"]) as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    keyed = []
    for line in lines:
        head = line[:64]
        key = head[len('{"id":'):head.index(",")]
        keyed.append((key, line))
    outputs, crashes = lrkit_outputs(task["lrkit"], task["path"], keyed)
    foreach = set(task.get("foreach", []))
    perturb = task.get("perturb")
    results = []
    for key, line in keyed:
        job = json.loads(line)
        r = {"id": job["id"]}
        try:
            if perturb is not None and not applicable(perturb, job):
                r["outcome"] = "skipped"
            elif key in crashes:
                r.update(outcome="mismatched", worst=0.0,
                         detail={"what": "lrkit_crash", "update": 0, "message": crashes[key]})
            elif key not in outputs:
                r.update(outcome="harness", detail={"what": "no LRKit output"}, worst=0.0)
            elif perturb is not None:
                pert = reference(job, perturb=perturb)
                outcome, detail, worst = classify(job, outputs[key], pert, task["C"])
                r.update(outcome=outcome, detail=detail, worst=worst,
                         effect=distance(job, reference(job), pert))
            else:
                r.update(evaluate(job, outputs[key], task["C"], job["id"] in foreach))
            r["size"] = len(job["params"]) * max(1, len(job["grads"]))
        except Exception as e:  # noqa: BLE001 - a defect of the fuzzer itself
            import traceback
            r.update(outcome="harness", worst=0.0,
                     detail={"what": "harness", "message": traceback.format_exc()[-1500:]})
        results.append(r)
    return results
