"""Summarises Scripts/bench-train-rounds.sh's rounds.jsonl as the table of the speed issue.

    python3 Scripts/bench-train-table.py ROUNDS.jsonl [MORE.jsonl ...]

Several files are one set of rounds: each file's rounds follow the previous file's. For each
shape: LRKit's tokens/s (min–max over rounds), each torch variant's, LRKit over the best torch
variant per round (min–max, and the median), the best LRKit run over the best torch run of all
rounds (noise on a shared machine only ever slows a run down, so the best of several runs is the
steadiest estimate of each side), the fraction of peak, and max RSS of both sides. A second
table gives PyTorch's best run as a fraction of the peak and what 1.5× of it would need.
"""
import json
import statistics
import sys
from collections import defaultdict

rows = defaultdict(lambda: defaultdict(list))
order = []
offset = 0
for path in sys.argv[1:]:
    last = 0
    for line in open(path):
        d = json.loads(line)
        last = max(last, d["round"])
        d["round"] += offset
        name = d["name"]
        if name not in order:
            order.append(name)
        rows[name][d["side"]].append(d)
    offset += last


def span(values, scale=1.0, unit="", digits=1):
    lo, hi = min(values) / scale, max(values) / scale
    if abs(hi - lo) < 0.5 * 10 ** -digits:
        return f"{lo:.{digits}f}{unit}"
    return f"{lo:.{digits}f}–{hi:.{digits}f}{unit}"


sides = ["torch-eager", "torch-fused", "torch-compile"]
# Each lrkit-bench process measures the FMA peak once; on a busy machine one measurement can
# come out low, so the fractions use the highest peak any process measured.
peak = max(d["gflops"] / d["fraction_of_peak"] for r in rows.values() for d in r["lrkit"] if d.get("fraction_of_peak"))
print("| shape | LRKit tok/s | torch eager | fused AdamW | torch.compile | LRKit / best torch (per round) "
      "| median | best / best | LRKit fraction of peak | max RSS LRKit / least torch |")
print("|---|---|---|---|---|---|---|---|---|---|")
bounds = []
for name in order:
    r = rows[name]
    lr = r["lrkit"]
    ratios = []
    for d in lr:
        same = [t["tokens_per_s"] for s in sides for t in r[s] if t["round"] == d["round"]]
        if same:
            ratios.append(d["tokens_per_s"] / max(same))
    torch_rss = min((t["max_rss_mb"] for s in sides for t in r[s]), default=0)
    cells = [span([d["tokens_per_s"] for d in lr], 1000, " k")]
    cells += [span([t["tokens_per_s"] for t in r[s]], 1000, " k") if r[s] else "—" for s in sides]
    cells.append(span(ratios, 1, "×", 2) if ratios else "—")
    cells.append(f"{statistics.median(ratios):.2f}×" if ratios else "—")
    best_torch = max((t["tokens_per_s"] for s in sides for t in r[s]), default=0)
    torch_gflops = max((t["gflops"] for s in sides for t in r[s]), default=0)
    if torch_gflops:
        bounds.append((name, torch_gflops / peak * 100, max(d["gflops"] for d in lr) / peak * 100))
    cells.append(f"{max(d['tokens_per_s'] for d in lr) / best_torch:.2f}×" if best_torch else "—")
    cells.append(span([d["gflops"] / peak * 100 for d in lr], 1, " %"))
    cells.append(f"{max(d['max_rss_mb'] for d in lr)} / {torch_rss} MB")
    print(f"| {name.removeprefix('train-')} | " + " | ".join(cells) + " |")
print(f"\nPeak: {peak:.0f} GFLOP/s (the highest of the runs' FMA-loop measurements, all threads).")
if bounds:
    print("\n| shape | PyTorch's best, of the peak | 1.5× of it | LRKit's best |")
    print("|---|---|---|---|")
    for name, torch_share, lrkit_share in bounds:
        print(f"| {name.removeprefix('train-')} | {torch_share:.0f} % | {1.5 * torch_share:.0f} % | {lrkit_share:.0f} % |")
