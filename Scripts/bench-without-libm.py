#!/usr/bin/env python3
"""How much of each schedule evaluation is libm: `lrkit-bench schedules peers` run plainly and
with libm's functions replaced by stubs that return their argument, in alternating rounds.

    swift build -c release --product lrkit-bench
    python3 Scripts/bench-without-libm.py [--rounds 3] [--bench PATH] [--out FILE]

Run it from the repository root (the `peers` lines read the parity fixtures). It needs a C
compiler (`cc`) to build the stub library, and Linux (`LD_PRELOAD`).

Three variants per round:
- `plain`: as shipped;
- `no-trig`: `cos`, `cosf`, `sin`, `sinf`, `tanh`, `tanhf` return their argument. These only
  ever produce values, so every line keeps its control flow;
- `no-libm`: `pow`, `powf`, `exp`, `expf`, `exp2`, `exp2f` too. Schedules that build a table
  with `pow` when they are decoded (the restart schedules' cycle starts) get a different table
  here, so read their `no-trig` figure.

The values are wrong under the stubs; only the time is read. What a line takes without libm is
what a faster libm could never remove: the loop, the call, the schedule's own arithmetic and
branches. Prints one JSON object per line and variant (min and max ns over the rounds), then a
table of the lines over 25 ns.
"""
import argparse
import collections
import json
import os
import pathlib
import subprocess
import sys
import tempfile

TRIG = ["cos", "sin", "tanh"]
REST = ["pow", "exp", "exp2"]
STUBS = {
    "no-trig": TRIG,
    "no-libm": TRIG + REST,
}


def stub_source(names):
    lines = []
    for n in names:
        if n in ("pow",):
            lines.append("double pow(double x, double y) { (void)y; return x; }")
            lines.append("float powf(float x, float y) { (void)y; return x; }")
        else:
            lines.append(f"double {n}(double x) {{ return x; }}")
            lines.append(f"float {n}f(float x) {{ return x; }}")
    return "\n".join(lines) + "\n"


def build_stub(directory, variant):
    src = pathlib.Path(directory) / f"{variant}.c"
    lib = pathlib.Path(directory) / f"lib{variant}.so"
    src.write_text(stub_source(STUBS[variant]))
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-fno-builtin", "-o", str(lib), str(src)], check=True)
    return str(lib)


def run(bench, preload):
    env = dict(os.environ)
    env.pop("LRKIT_BENCH_FILTER", None)
    if preload:
        env["LD_PRELOAD"] = preload
    out = subprocess.run([bench, "schedules", "peers"], env=env, capture_output=True, text=True, check=True).stdout
    seen = collections.Counter()
    result = {}
    for line in out.splitlines():
        if not line.startswith("{"):
            continue
        d = json.loads(line)
        if "ns_per_eval" not in d:
            continue
        name = d["name"]
        seen[name] += 1
        result[name if seen[name] == 1 else f"{name} #{seen[name]}"] = d["ns_per_eval"]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bench", default=".build/release/lrkit-bench")
    parser.add_argument("--out", help="also write the JSON lines here (refused if it exists)")
    args = parser.parse_args()
    if not pathlib.Path(args.bench).exists():
        sys.exit(f"{args.bench}: not found; build it with `swift build -c release --product lrkit-bench`")
    if not pathlib.Path("Tests/LRSchedulesTests/Fixtures").is_dir():
        sys.exit("run this from the repository root (the peers section reads Tests/LRSchedulesTests/Fixtures)")
    if args.out and pathlib.Path(args.out).exists():
        sys.exit(f"{args.out}: already exists; choose a new file")
    if args.rounds < 1:
        sys.exit("--rounds must be at least 1")
    times = {v: collections.defaultdict(list) for v in ["plain", *STUBS]}
    with tempfile.TemporaryDirectory() as tmp:
        libs = {"plain": None, **{v: build_stub(tmp, v) for v in STUBS}}
        for r in range(args.rounds):
            for variant, lib in libs.items():
                for name, ns in run(args.bench, lib).items():
                    times[variant][name].append(ns)
            print(f"round {r + 1} of {args.rounds} done", file=sys.stderr)
    records = []
    for name, plain in times["plain"].items():
        rec = {"name": name}
        for variant in times:
            xs = times[variant].get(name)
            rec[variant] = [min(xs), max(xs)] if xs else None
        records.append(rec)
    lines = [json.dumps(r) for r in records]
    print("\n".join(lines))
    if args.out:
        pathlib.Path(args.out).write_text("\n".join(lines) + "\n")
    over = sorted((r for r in records if r["plain"][0] > 25), key=lambda r: r["plain"][0])
    print(f"\n{len(over)} of {len(records)} lines over 25 ns (best of {args.rounds} rounds):", file=sys.stderr)
    print(f"{'line':64} {'plain':>13} {'no-trig':>13} {'no-libm':>13}", file=sys.stderr)
    fmt = lambda p: f"{p[0]:5.1f}–{p[1]:5.1f}" if p else "—"
    for r in over:
        print(f"{r['name'][:64]:64} {fmt(r['plain']):>13} {fmt(r['no-trig']):>13} {fmt(r['no-libm']):>13}", file=sys.stderr)


if __name__ == "__main__":
    main()
