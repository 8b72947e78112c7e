#!/usr/bin/env python3
"""Differential fuzzer: LRKit's optimizers (SGD, Adam, AdamW, RAdam) against the REAL torch.optim.

Never run by CI (it needs torch and takes minutes); run it by hand. Each run draws a fresh random
seed (printed; `--seed S` replays the run exactly, `--seed S --only ID` replays one trajectory)
and generates random trajectories -- optimizer x options x schedule x parameter groups x gradient
clipping x step count x parameter count, see fuzz_optim_gen.py for what is drawn and how often --
then runs every trajectory through LRKit's PUBLIC API (`lrkit optimizer-batch`, one process per
chunk of jobs) and through torch.optim (float32, CPU, the single-tensor implementation,
`foreach=False`; a random subset also with `foreach=True`, compared to LRKit the same way), and
reports where they disagree.

How to run (torch in a venv OUTSIDE the repository, as for Scripts/make-optimizer-fixtures.py):

    swift build -c release                      # or pass --lrkit PATH to another build
    /work/venv/peers/bin/python Scripts/fuzz-optimizers.py
    /work/venv/peers/bin/python Scripts/fuzz-optimizers.py --seed 1234 --count 500
    /work/venv/peers/bin/python Scripts/fuzz-optimizers.py --seed 1234 --only 17 --show
    /work/venv/peers/bin/python Scripts/fuzz-optimizers.py --perturb all --count 1500   # self-test

Options: --count N (trajectories, default 4000: about 2-3 minutes on 2 cores), --seed S, --only ID
(repeatable), --lrkit PATH (default .build/release/lrkit), --jobs N (worker processes, default the
CPU count), --report PATH (default /tmp/fuzz-optimizers-report.json), --tol K (the parameter
tolerance in error bounds, default 2), --foreach-fraction F (default 0.15), --shrink N (mismatch
examples shrunk per pattern, default 2; 0 turns shrinking off), --show (print the jobs of
--only), --perturb NAME|all (the self-test below), --keep-workdir.

What one trajectory is (the job format of `lrkit optimizer-batch`, which this script writes and
the torch side reads, so both see the same inputs):

    {"id", "optimizer": {"kind", "lr", ...exactly the keyword arguments of the torch constructor},
     "groups": [{"ranges": [[lo, hi], ...], "lr_scale", "weight_decay", "momentum"}] (optional),
     "schedule": a torch compatibility spec or null, "clip": max_norm or null,
     "params": [p0, ...], "grads": [[grads of update 0], [grads of update 1], ...]}

torch is driven as make-optimizer-fixtures.py drives it: every range of every group is its own
float32 leaf tensor in a param group {"params": [...], "lr": lr_scale * lr (when lr_scale != 1),
"weight_decay": override, "momentum": override (SGD) or "betas": (override, beta2)}; the
scheduler is built right after the optimizer; update k sets p.grad (a fresh tensor; all-zero
gradients are real zero tensors, never None), clip_grad_norm_(all tensors, clip) when clip is
set, records each group's lr (and group 0's momentum / betas[0] when OneCycleLR or CyclicLR cycle
it), then optimizer.step(); sched.step() is called before update k > 0 -- the same as calling it
after every update, except that an exception from it is attributed to the update that cannot be
made. lr_scale != 1 is only drawn with schedules whose value is proportional to the base lr
(LRKit scales one schedule, PyTorch computes each group from its own base lr).

Outcomes per trajectory: matched; mismatched (a different lr, momentum or parameter at some
update, a refusal at a different update, or an LRKit crash); both refused (at the same update,
with equal values before it); torch-only refused; LRKit-only refused; harness (the fuzzer itself
failed -- never expected). A refusal "at update k" means updates 0..k-1 were made and update k
could not be: the optimizer or scheduler constructor raising is a refusal at 0, OneCycleLR's
"Tried to step N times" raised by sched.step() before update k is a refusal at k; LRKit refuses
at k when its output has k updates and an error.

Tolerances. Learning rates: |ours - torch| <= 1e-9 |torch| + 1e-12 max|lr| (both are float64
values; LRKit follows torch's recursive formulas to ~1e-15). Momentum / beta1: |diff| <= 1e-9.
Parameters after update k, element i (NaN equals NaN, an infinity equals the same infinity):

    |ours - torch| <= K * B[k, i],   K = 2 (--tol)

B is a first-order running error bound (fuzz_optim_torch.ErrorBound) on how far ANY float32
evaluation of the optimizer's formulas can drift from the exact result, computed along a second,
float64 torch run of the same trajectory from its optimizer state after every update: every
rounding site adds 2 eps32 |its result| (eps32 = 2^-23: four times the unit roundoff, so an
implementation may round a little more often or in another order than PyTorch), errors already
present propagate with their exact first-order factors, the clipping coefficient is allowed
(8 + sqrt(n)) eps32. Both sides are within B of the exact result, hence K = 2.

Why not a plain |p|-relative tolerance: both sides compute in float32 with different operation
orders (PyTorch evaluates 1 - lr*wd and lr / bias_correction1 in double, fuses addcmul /
addcdiv, sums the clipping norm its own way; LRKit uses SIMD and threads), and some trajectories
are ill-conditioned -- g + wd*p cancelling before Adam divides by sqrt(v), a first moment that
averages to nearly zero, sqrt(v) + eps near zero with eps = 0 -- where a correct float32
implementation differs from another by hundreds of ulps of the parameter (the first runs of this
fuzzer met a 74 eps32 (k+1) |p| difference that both sides were entitled to). B widens exactly
there and stays at a few ulps elsewhere: over the matched trajectories the largest
|LRKit - torch| / B is about 0.5 (the report prints the distribution, with the tolerance
relative to the parameter scale: median about 2e-5 of |p| after the last update, which is
dominated by the worst-conditioned element; most elements are far tighter). Where B is infinite
(a denominator whose own error may reach zero: eps = 0 with sqrt(v) near 0; about 0.01 % of the
values) the values are not compared; the report counts them.

The tolerance must not let a wrong formula through: `--perturb NAME|all` makes the torch side
make a deliberate mistake -- no bias correction from update 1 on, L2 <-> decoupled weight decay,
momentum / beta1 x0.9 at ONE update, lr x1.001 at ONE update, dampening dropped, nesterov
flipped, clipping skipped, eps x10 -- and reports, per mistake, how many trajectories it changed
beyond the tolerance and how many of those the comparison flags (all of them, up to a few
borderline ones per thousand: a mistake that moved torch barely past the tolerance, by 1.13 and
1.21 times it in the two of seed 2059348232, against LRKit's own distance of about one error
bound from torch). The unflagged trajectories are those the mistake does not
change, or changes by less than their own float32 uncertainty: mostly under 2e-5 of |p| (lr 0,
zero gradients, weight decay 1e-4 at a tiny lr, a step at which nothing moves), up to about
4e-4 of |p| in the ill-conditioned ones (Adam with L2 decay and tiny clipped gradients, lr 10).
A self-test of 800 trajectories per mistake takes about 5 minutes.

Generated edge cases (see fuzz_optim_gen.py) include: SGD with momentum 0 driven by OneCycleLR /
CyclicLR (torch then runs momentum SGD), a group momentum override with the optimizer's
momentum 0, group overrides under a momentum-cycling schedule (torch's scheduler overwrites
them), OneCycleLR stepped past total_steps, RAdam with amsgrad, out-of-range options and group
overrides, extreme legal values (momentum 1, dampening 1.5, beta2 0, eps 1, lr 10, weight decay
5), clipping with max_norm huge / tiny / 0 / negative, zero and outlier gradients, 1-4 groups
of scattered ranges with lr_scale (0 included) and weight decay, 1-40 updates, 1-2,600
parameters and a few of 65,536+ (LRKit's multi-threaded path), composites with a OneCycleLR or
CyclicLR child.

Output: a table per optimizer and per feature (trajectories, matched, mismatched, both refused,
torch-only refused, LRKit-only refused, harness), the same for the foreach=True subset (plus
"torch≠torch": torch's foreach path itself disagrees with its single-tensor path beyond the
tolerance -- RAdam's foreach path turns eps = 0 with zero gradients into NaN before rho_t > 5 --
which is listed but not held against LRKit), how much of the tolerance the matched runs used,
why both sides refused, then the distinct disagreement patterns, each with its count, the
features all its trajectories share, and a shrunk reproducing job with the first differing
update, parameter index and both values. Everything is also written to the JSON report.
Exit status 1 when anything disagreed (a mismatch or a one-sided refusal), 2 on harness errors
only, 0 otherwise.
"""

import argparse
import collections
import json
import multiprocessing
import os
import random
import re
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import fuzz_optim_gen as gen  # noqa: E402

OUTCOMES = ["matched", "mismatched", "both_refused", "torch_only_refused", "lrkit_only_refused",
            "lrkit_stricter", "harness"]
HEADERS = ["trajs", "match", "mismatch", "both-ref", "torch-only", "lrkit-only", "stricter",
           "harness"]
DISAGREE = {"mismatched", "torch_only_refused", "lrkit_only_refused"}
PERTURBATIONS = ["no_bias_correction", "decay_flip", "momentum_one_step", "lr_one_step",
                 "dampening_ignored", "nesterov_flip", "clip_off", "eps_x10"]  # fuzz_optim_torch


# ----------------------------------------------------------------------------------------------
# Generation


def generate(seed, count, only, foreach_fraction):
    """[(id, line, features, cost)] and the set of ids also run with foreach=True."""
    if only:
        count = max(count, max(only) + 1)
    master = random.Random(seed)
    seeds = [master.getrandbits(64) for _ in range(count)]
    pick = random.Random(f"{seed}:foreach")
    foreach = {i for i in range(count) if pick.random() < foreach_fraction}
    out = []
    for i in (sorted(only) if only else range(count)):
        rng = random.Random(seeds[i])
        nprng = np.random.default_rng(seeds[i])
        job, params, grads, meta = gen.draw(rng, nprng, i)
        line = gen.job_line(job, params, grads)
        feats = gen.features(dict(job, params=params, grads=grads), meta)
        if i in foreach:
            feats = sorted(set(feats) | {"foreach"})
        out.append((i, line, feats, 1 + params.size * len(grads)))
    return out, foreach


def write_chunks(workdir, trajs, target_cost, lrkit, C, foreach, perturb):
    tasks, chunk, cost = [], [], 0
    index = {}

    def flush():
        nonlocal chunk, cost
        if not chunk:
            return
        path = os.path.join(workdir, f"chunk-{len(tasks):04d}.jsonl")
        with open(path, "w") as f:
            for i, line in chunk:
                f.write(line + "\n")
                index[i] = path
        tasks.append({"path": path, "lrkit": lrkit, "C": C, "perturb": perturb,
                      "foreach": [i for i, _ in chunk if i in foreach]})
        chunk, cost = [], 0

    for i, line, _, c in trajs:
        chunk.append((i, line))
        cost += c
        if cost >= target_cost or len(chunk) >= 150:
            flush()
    flush()
    return tasks, index


def read_job(path, i):
    prefix = '{"id":%d,' % i
    with open(path) as f:
        for line in f:
            if line.startswith(prefix):
                return json.loads(line)
    raise KeyError(i)


# ----------------------------------------------------------------------------------------------
# Running


def run_all(tasks, jobs, label):
    results = []
    t0 = time.time()
    done = 0
    ctx = multiprocessing.get_context("fork")  # the parent has not imported torch
    with ctx.Pool(jobs, initializer=_init) as pool:
        for rs in pool.imap_unordered(_process, tasks):
            results.extend(rs)
            done += 1
            if done == len(tasks) or done % max(1, len(tasks) // 10) == 0:
                print(f"  {label}: {done}/{len(tasks)} chunks, {len(results)} trajectories, "
                      f"{time.time() - t0:.0f}s", flush=True)
    return results


def _init():
    sys.path.insert(0, HERE)
    import fuzz_optim_torch
    fuzz_optim_torch.init_worker()


def _process(task):
    import fuzz_optim_torch
    return fuzz_optim_torch.process_chunk(task)


# ----------------------------------------------------------------------------------------------
# Shrinking


def sub_params(job, a, b):
    """The job restricted to parameters a..<b (groups clipped, empty groups dropped)."""
    j = json.loads(json.dumps(job))
    j["params"] = job["params"][a:b]
    j["grads"] = [g[a:b] for g in job["grads"]]
    if "groups" in job:
        groups = []
        for g in job["groups"]:
            rs = [[max(lo, a) - a, min(hi, b) - a] for lo, hi in g["ranges"] if lo < b and hi > a]
            if rs:
                groups.append(dict(g, ranges=rs))
        j["groups"] = groups
    return j


def candidates(job, detail):
    """Simpler variants of `job`, most aggressive first."""
    out = []
    steps = len(job["grads"])
    k = detail.get("update", steps - 1) if detail else steps - 1
    need = min(steps, k + 1)
    if steps > need:
        out.append(dict(job, grads=job["grads"][:need]))
    n = len(job["params"])
    i = detail.get("index") if detail else None
    if n > 1:
        if i is not None:
            out.append(sub_params(job, i, i + 1))
            if n > 8:
                a = max(0, i - 4)
                out.append(sub_params(job, a, min(n, a + 8)))
        else:
            out.append(sub_params(job, 0, 1))
        half = n // 2
        if i is None or i < half:
            out.append(sub_params(job, 0, half))
        if i is None or i >= half:
            j = sub_params(job, half, n)
            if i is not None:
                j["_index"] = i - half
            out.append(j)
    if job.get("clip") is not None:
        out.append(dict(job, clip=None))
    spec = job.get("schedule")
    if spec is not None:
        o = dict(job["optimizer"], lr=spec.get("lr", job["optimizer"].get("lr", 0.1)))
        out.append(dict(job, schedule=None, optimizer=o))
        for child in spec.get("schedulers", []):
            c = {"type": child["type"], "lr": spec["lr"],
                 **{k2: v for k2, v in child.items() if k2 != "type"}}
            out.append(dict(job, schedule=c))
        for key in list(spec):
            if key not in ("type", "lr", "schedulers", "milestones", "max_lr", "base_lr",
                           "total_steps", "epochs", "steps_per_epoch", "T_max", "T_0",
                           "step_size", "gamma"):
                out.append(dict(job, schedule={k2: v for k2, v in spec.items() if k2 != key}))
    if "groups" in job:
        out.append({k2: v for k2, v in job.items() if k2 != "groups"})
        gs = job["groups"]
        for gi in range(1, len(gs)):
            merged = [dict(g) for g in gs if g is not gs[gi]]
            target = 0 if gi > 0 else 1
            merged[target if target < gi else target - 1] = dict(
                merged[target if target < gi else target - 1],
                ranges=sorted(gs[target]["ranges"] + gs[gi]["ranges"]))
            out.append(dict(job, groups=merged))
        for gi, g in enumerate(gs):
            for key in ("lr_scale", "weight_decay", "momentum"):
                if key in g:
                    ng = [dict(x) for x in gs]
                    del ng[gi][key]
                    out.append(dict(job, groups=ng))
    for key in job["optimizer"]:
        if key not in ("kind", "lr"):
            out.append(dict(job, optimizer={k2: v for k2, v in job["optimizer"].items()
                                            if k2 != key}))
    rounded = dict(job, params=[float(f"{x:.2g}") for x in job["params"]],
                   grads=[[float(f"{x:.2g}") for x in g] for g in job["grads"]])
    if rounded != job:
        out.append(rounded)
    return out


def signature(outcome, detail):
    return (outcome, (detail or {}).get("what"))


def shrink(job, outcome, detail, lrkit, C, workdir, budget_s=60, foreach=False):
    """Greedy shrinking: keep the first simpler variant that still fails the same way."""
    import fuzz_optim_torch as ft
    want = signature(outcome, detail)
    t0 = time.time()
    cur, cur_detail = job, detail
    path = os.path.join(workdir, "shrink.jsonl")
    while time.time() - t0 < budget_s:
        cands = candidates(cur, cur_detail)
        lines = []
        for ci, c in enumerate(cands):
            c = {k: v for k, v in c.items() if not k.startswith("_")}
            c["id"] = f"s{ci}"
            cands[ci] = c
            lines.append(json.dumps(c, separators=(",", ":"), allow_nan=False))
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        outs, _, _ = ft.run_lrkit(lrkit, path)
        accepted = False
        for c in cands:
            o = outs.get(json.dumps(c["id"]))
            if o is None:
                continue
            ref = ft.reference(c)
            if foreach:
                bound = ref["bound"]
                ref = ft.run_torch(c, foreach=True)
                ref["bound"] = bound
            oc, d, _ = ft.classify(c, o, ref, C)
            if signature(oc, d) == want:
                cur, cur_detail, accepted = c, d, True
                break
        if not accepted:
            break
    cur = dict(cur, id=job["id"])
    return cur, cur_detail


# ----------------------------------------------------------------------------------------------
# Reporting


def pattern_key(kind, r, feats):
    d = r["detail"] or {}
    what = d.get("what")
    extra = ""
    if r["outcome"] == "lrkit_only_refused":
        extra = re.sub(r"[-+]?\d[\d.e+-]*", "#", str(d.get("lrkit")))[:70]
    elif r["outcome"] == "torch_only_refused":
        t = d.get("torch") or {}
        extra = t.get("exception", "") + ": " + re.sub(r"[-+]?\d[\d.e+-]*", "#",
                                                       t.get("message", ""))[:60]
    elif r["outcome"] == "mismatched" and what == "refusal_point":
        extra = "torch earlier" if d.get("torch_done") < d.get("lrkit_done") else "lrkit earlier"
    numeric = r["outcome"] == "mismatched" and what in ("params", "lr", "momentum",
                                                          "momentum_presence")
    cyc = "cycle_momentum" if numeric and "cycle_momentum" in feats else ""
    return " | ".join(x for x in (kind, r["outcome"], what, extra, cyc) if x)


def table(rows, title, extra=()):
    outcomes = OUTCOMES + list(extra)
    headers = HEADERS + [e.replace("torch_inconsistent", " torch≠torch") for e in extra]
    width = max([len(title)] + [len(k) for k in rows]) + 2
    lines = [title.ljust(width) + "".join(h.rjust(11 if h in HEADERS else 12) for h in headers)]
    for key, c in rows.items():
        total = sum(c[o] for o in outcomes)
        lines.append(key.ljust(width) + str(total).rjust(11)
                     + "".join(str(c[o]).rjust(11 if o in OUTCOMES else 12) for o in outcomes))
    return "\n".join(lines)


def summarize_needed(values):
    if not values:
        return {}
    a = np.sort(np.array(values))
    return {"count": int(a.size), "median": float(np.median(a)),
            "p99": float(a[int(0.99 * (a.size - 1))]), "p999": float(a[int(0.999 * (a.size - 1))]),
            "max": float(a[-1])}


def compact(obj, limit=1200):
    text = json.dumps(obj, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


# ----------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=4000)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--only", type=int, action="append")
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--lrkit", default=os.path.join(REPO, ".build", "release", "lrkit"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--report", default="/tmp/fuzz-optimizers-report.json")
    ap.add_argument("--tol", type=float, default=2.0)
    ap.add_argument("--foreach-fraction", type=float, default=0.15)
    ap.add_argument("--shrink", type=int, default=2)
    ap.add_argument("--perturb", choices=PERTURBATIONS + ["all"])
    ap.add_argument("--keep-workdir", action="store_true")
    args = ap.parse_args()

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2 ** 31)
    print(f"fuzz-optimizers: seed {seed} (replay: --seed {seed}), lrkit {args.lrkit}", flush=True)
    if not os.access(args.lrkit, os.X_OK):
        print(f"error: {args.lrkit} is not an executable (swift build -c release, or --lrkit)")
        return 2
    t_start = time.time()
    trajs, foreach = generate(seed, args.count, args.only, args.foreach_fraction)
    feats_by_id = {i: f for i, _, f, _ in trajs}
    kind_by_id = {i: json.loads(line[:line.index(',"params":')] + "}")["optimizer"]["kind"]
                  for i, line, _, _ in trajs}
    print(f"generated {len(trajs)} trajectories in {time.time() - t_start:.1f}s", flush=True)
    if args.show:
        for _, line, f, _ in trajs:
            print(line[:4000])
            print("  features:", ", ".join(f))
    workdir = tempfile.mkdtemp(prefix="fuzz-optim-")
    total_cost = sum(t[3] for t in trajs)
    target = max(1, total_cost // max(1, 6 * args.jobs))
    try:
        if args.perturb:
            return self_test(args, trajs, workdir, target, seed, t_start)
        tasks, index = write_chunks(workdir, trajs, target, args.lrkit, args.tol, foreach, None)
        results = run_all(tasks, args.jobs, "lrkit+torch")
        return report(args, seed, results, feats_by_id, kind_by_id, index, workdir, t_start)
    finally:
        if args.keep_workdir:
            print(f"workdir kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def report(args, seed, results, feats_by_id, kind_by_id, index, workdir, t_start):
    import torch
    by_opt = collections.OrderedDict((k, collections.Counter()) for k in gen.KINDS)
    by_feat = collections.defaultdict(collections.Counter)
    foreach_rows = collections.OrderedDict((k, collections.Counter()) for k in gen.KINDS)
    needed, foreach_needed, foreach_vs_single = [], [], []
    patterns = collections.OrderedDict()
    refusals = collections.defaultdict(list)
    torch_inconsistent = []
    results.sort(key=lambda r: r["id"])
    for r in results:
        i = r["id"]
        kind, feats = kind_by_id[i], feats_by_id[i]
        by_opt[kind][r["outcome"]] += 1
        for f in feats:
            by_feat[f][r["outcome"]] += 1
        if r["outcome"] == "matched":
            needed.append(r["worst"])
        if "foreach" in r:
            fe = r["foreach"]
            foreach_rows[kind][fe["outcome"]] += 1
            if fe["outcome"] == "matched":
                foreach_needed.append(fe["worst"])
            if "vs_single" in fe:
                foreach_vs_single.append(fe["vs_single"])
        if r["outcome"] == "both_refused":
            d = r["detail"]
            why = "%s at update %s | %s" % (
                d["torch"]["exception"],
                "construction" if d["torch"]["where"] == "construction" else "k",
                re.sub(r"[-+]?\d[\d.e+-]*", "#", str(d["lrkit"]))[:90])
            refusals[why].append(i)
        if r["outcome"] in DISAGREE or r["outcome"] == "harness":
            key = pattern_key(kind, r, feats)
            patterns.setdefault(key, []).append(r)
        if "foreach" in r and r["foreach"]["outcome"] == "torch_inconsistent":
            torch_inconsistent.append({"id": i, "vs_single": r["foreach"]["vs_single"],
                                       "detail": r["foreach"]["detail"]})
        if "foreach" in r and r["foreach"]["outcome"] in DISAGREE and \
                r["outcome"] not in DISAGREE:
            key = pattern_key(kind, r["foreach"], feats) + " | foreach only"
            patterns.setdefault(key, []).append({"id": i, **r["foreach"]})
    elapsed = time.time() - t_start
    print()
    print(table(by_opt, "optimizer"))
    print()
    print(table(foreach_rows, "foreach=True", extra=["torch_inconsistent"]))
    print()
    feat_rows = collections.OrderedDict(sorted(by_feat.items()))
    print(table(feat_rows, "feature"))
    print()
    nd = {k: summarize_needed([w.get(k, 0.0) for w in needed]) for k in ("used", "C", "tol_over_M")}
    unbounded = sum(w.get("unbounded", 0) for w in needed)
    elements = sum(w.get("elements", 0) for w in needed)
    fn = {k: summarize_needed([w[k] for w in foreach_needed]) for k in ("used", "C")}
    fs = summarize_needed(foreach_vs_single)
    rounded = lambda d: json.dumps({k: float(f"{v:.3g}") for k, v in d.items()})  # noqa: E731
    print(f"tolerance: |LRKit - torch| <= {args.tol} x error bound; over the matched trajectories,")
    print("  max |LRKit - torch| / bound:                   " + rounded(nd["used"]))
    print("  the same in units of eps32 (k+1) M (needed C): " + rounded(nd["C"]))
    print("  tolerance / M at the last update:              " + rounded(nd["tol_over_M"]))
    print(f"  values the bound cannot cover (compared as equal): {unbounded} of {elements}")
    print("  vs torch foreach=True, / bound:                " + rounded(fn["used"]))
    print("  torch foreach=True vs foreach=False, / bound:  " + rounded(fs))

    print("\nboth refused (torch exception | LRKit's message):")
    for why, ids in sorted(refusals.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(ids):5d}  {why}   e.g. id {ids[0]}")
    if torch_inconsistent:
        print(f"\ntorch foreach=True differs from torch foreach=False beyond the tolerance "
              f"({len(torch_inconsistent)}; not counted against LRKit): ids "
              f"{[x['id'] for x in torch_inconsistent[:20]]}")
        for x in torch_inconsistent[:3]:
            print("  e.g. " + compact(x, 400))
    print()
    pattern_out = []
    total_bad = sum(len(v) for v in patterns.values())
    print(f"{len(patterns)} disagreement pattern(s), {total_bad} trajectories")
    for key, rs in sorted(patterns.items(), key=lambda kv: -len(kv[1])):
        common = set.intersection(*(set(feats_by_id[r["id"]]) for r in rs))
        ids = [r["id"] for r in rs]
        entry = {"pattern": key, "count": len(rs), "ids": ids[:200],
                 "common_features": sorted(common), "examples": []}
        order = sorted(rs, key=lambda r: r.get("size", 0))  # the smallest examples first
        for r in order[:max(1, args.shrink)]:
            job = read_job(index[r["id"]], r["id"])
            ex = {"id": r["id"], "detail": r["detail"]}
            if args.shrink > 0 and r["outcome"] != "harness" and \
                    r["detail"].get("what") != "lrkit_crash":
                small, sd = shrink(job, r["outcome"], r["detail"], args.lrkit, args.tol, workdir,
                                   foreach=key.endswith("foreach only"))
                ex["shrunk_job"], ex["shrunk_detail"] = small, sd
            else:
                ex["job"] = job
            entry["examples"].append(ex)
        pattern_out.append(entry)
        print(f"\n[{len(rs)}] {key}")
        print(f"  ids: {ids[:12]}{' ...' if len(ids) > 12 else ''}")
        print(f"  features shared by all: {', '.join(sorted(common))}")
        for ex in entry["examples"]:
            job = ex.get("shrunk_job", ex.get("job"))
            print("  job: " + compact(job))
            print("  first difference: " + compact(ex.get("shrunk_detail", ex["detail"]), 800))
    counts = {o: sum(c[o] for c in by_opt.values()) for o in OUTCOMES}
    doc = {
        "seed": seed, "count": len(results), "lrkit": args.lrkit,
        "torch": torch.__version__, "elapsed_s": round(elapsed, 1),
        "replay": f"--seed {seed} --count {args.count}",
        "tolerance": {"params": f"|ours - torch| <= {args.tol} x ErrorBound[k, i]",
                      "lr": "1e-9 |torch| + 1e-12 max|lr|", "momentum": "1e-9 absolute"},
        "totals": counts,
        "by_optimizer": {k: dict(v) for k, v in by_opt.items()},
        "foreach_vs_lrkit": {k: dict(v) for k, v in foreach_rows.items()},
        "by_feature": {k: dict(v) for k, v in feat_rows.items()},
        "tolerance_stats": {"lrkit_vs_torch": nd, "lrkit_vs_torch_foreach": fn,
                            "torch_foreach_vs_single": fs, "unbounded_values": unbounded,
                            "compared_values": elements},
        "torch_foreach_inconsistent": torch_inconsistent[:200],
        "both_refused_reasons": {k: {"count": len(v), "ids": v[:50]} for k, v in refusals.items()},
        "patterns": pattern_out,
        "disagreements": [{"id": r["id"], "outcome": r["outcome"], "detail": r["detail"]}
                          for rs in patterns.values() for r in rs][:2000],
    }
    with open(args.report, "w") as f:
        json.dump(doc, f, indent=1, default=str)
    print(f"\n{len(results)} trajectories in {elapsed:.0f}s: " + ", ".join(
        f"{k} {v}" for k, v in counts.items()))
    print(f"report: {args.report}   replay: --seed {seed} --count {args.count}")
    if any(counts[o] for o in DISAGREE) or any(p["pattern"].endswith("foreach only")
                                                for p in pattern_out):
        return 1
    return 2 if counts["harness"] else 0


def self_test(args, trajs, workdir, target, seed, t_start):
    """--perturb: the torch side makes a deliberate mistake; every trajectory it changes beyond
    the tolerance must be flagged."""
    names = PERTURBATIONS if args.perturb == "all" else [args.perturb]
    rows = {}
    for name in names:
        sub = os.path.join(workdir, name)
        os.makedirs(sub)
        tasks, _ = write_chunks(sub, trajs, target, args.lrkit, args.tol, set(), name)
        results = run_all(tasks, args.jobs, name)
        c = collections.Counter(r["outcome"] for r in results)
        # lrkit_stricter: LRKit refused the job when it was built, by design, so there is
        # nothing of LRKit's to compare with the mistaken torch
        unused = ("skipped", "lrkit_stricter")
        applicable = sum(v for k, v in c.items() if k not in unused)
        flagged = sum(v for k, v in c.items() if k in DISAGREE)
        # effect: how far the mistake moved torch's own parameters (needed C, and relative to
        # the parameter scale M); "visible": moved beyond the tolerance
        visible = [r for r in results if r["outcome"] not in unused and
                   r.get("effect", {}).get("bound", 0.0) > args.tol]
        missed = [r for r in visible if r["outcome"] not in DISAGREE]
        unflagged = sorted((r.get("effect", {}).get("rel", 0.0), r["id"]) for r in results
                           if r["outcome"] == "matched")
        rows[name] = {"applicable": applicable, "flagged": flagged,
                      "changed_beyond_tolerance": len(visible),
                      "changed_beyond_tolerance_but_not_flagged": [r["id"] for r in missed],
                      "not_flagged": c["matched"], "outcomes": dict(c),
                      "largest_relative_effect_among_unflagged": unflagged[-5:]}
        print(f"  {name}: applicable {applicable}, flagged {flagged} "
              f"({100.0 * flagged / max(1, applicable):.1f}%); changed torch beyond the "
              f"tolerance {len(visible)}, of those not flagged {len(missed)}; largest effect "
              f"|perturbed - torch| / M among the unflagged: "
              f"{[float(f'{e:.2g}') for e, _ in unflagged[-3:]]}", flush=True)
    with open(args.report, "w") as f:
        json.dump({"seed": seed, "self_test": rows, "tol": args.tol}, f, indent=1)
    print(f"self-test done in {time.time() - t_start:.0f}s; report {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
