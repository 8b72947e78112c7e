#!/usr/bin/env python3
"""Command-line fuzzer: every subcommand of `lrkit` with random flags and random values.

It fuzzes `lrkit-bench`'s command line too (`train` with random `--shape`, `--threads`, `--shards`,
`--profile`, stray arguments and `LRKIT_BENCH_*` variables; the valid shapes are tiny), with the same
checks and its own error prefix, for status 1 and 64 alike.

Never run by CI. Each run draws a fresh seed (printed; pass it back to replay):

    swift build -c release --product lrkit && swift build -c release --product lrkit-bench
    python3 Scripts/fuzz-cli.py [SEED] [COUNT]        # COUNT command lines, default 400

Each case takes one subcommand and gives 1-5 of its flags (and its arguments) values drawn from
plausible values (half the time) and edge cases nobody types on purpose: 0, -1, 2^31, 2^53 + 1, 2^63, -2^63, 1e309, nan, inf, -inf,
1e-320, "", " 5", "5 ", "0x10", "1_000", "٣" (an Arabic-Indic digit), lists with empty or
repeated items, and paths that are missing, a directory, /dev/null, empty, binary, a real spec,
a real log or a run folder. A few flags that would make the run train for minutes keep small
values unless the case draws them (`train --steps`, `find --iterations`, `compare --epochs`).

It checks that every run ends with status 0, 1, 2, 3 or 64 (never a signal or a trap); that an
error (status 1) ends standard error with one line `lrkit: error: …` (warnings and progress may
come before it) and that no raw Foundation error (`Error Domain=…`) is printed; that JSON on standard output parses without bare
NaN or Infinity; that every SVG or JSON file the run wrote parses; and it counts runs that took
longer than the time limit, for a look by hand. Memory is capped at 6 GiB per run. Failing cases
are kept under /tmp/lrkit-fuzz-cli with the command line. Exit status 1 when any case failed.
"""
import json, os, random, resource, shutil, subprocess, sys, time
import xml.etree.ElementTree as ET

seed = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else random.randrange(1 << 31)
n = int(sys.argv[2]) if len(sys.argv) > 2 else 400
rng = random.Random(seed)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
lrkit = os.path.join(REPO, ".build", "release", "lrkit")
bench = os.path.join(REPO, ".build", "release", "lrkit-bench")
work = "/tmp/lrkit-fuzz-cli"
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
LIMIT_S = 40

# Input files: real specs and logs, and files nobody meant as input.
inputs = os.path.join(work, "inputs")
os.makedirs(inputs)
open(os.path.join(inputs, "empty.json"), "w").close()
with open(os.path.join(inputs, "binary.bin"), "wb") as f:
    f.write(bytes(random.Random(seed).randrange(256) for _ in range(4096)))
with open(os.path.join(inputs, "metrics.txt"), "w") as f:
    f.write("\n".join(str(3 - i * 0.01) for i in range(300)) + "\n")
examples = sorted(os.path.join(REPO, "Examples", f) for f in os.listdir(os.path.join(REPO, "Examples")))
# The same specs as Windows saves them: a UTF-8 byte-order mark, or UTF-16LE with its mark.
for f in list(examples):
    text = open(f, encoding="utf-8").read()
    base = os.path.join(inputs, os.path.basename(f))
    with open(base + ".bom" + os.path.splitext(f)[1], "wb") as out: out.write(b"\xef\xbb\xbf" + text.encode("utf-8"))
    with open(base + ".utf16" + os.path.splitext(f)[1], "wb") as out: out.write(text.encode("utf-16"))
    examples += [base + ".bom" + os.path.splitext(f)[1], base + ".utf16" + os.path.splitext(f)[1]]
# A saved Keras model (a zip archive), whole and cut short.
keras_model = os.path.join(REPO, "Tests", "LRSchedulesTests", "Fixtures", "keras-model.keras")
with open(os.path.join(inputs, "cut.keras"), "wb") as out:
    out.write(open(keras_model, "rb").read()[:5000])
examples += [keras_model, os.path.join(inputs, "cut.keras")]
corpus_root = os.path.join(REPO, "Tests", "LRDiagnosticsTests", "Corpus")
logs = []
for root, dirs, files in os.walk(corpus_root):
    logs += [os.path.join(root, d) for d in dirs]  # run folders
    logs += [os.path.join(root, f) for f in files if f not in ("labels.json", "README.md")]
logs = sorted(logs)
PATHS = ["/proc/lrkit-none/x.json", "/", "/dev/null", inputs, os.path.join(inputs, "empty.json"),
         os.path.join(inputs, "binary.bin"), os.path.join(inputs, "metrics.txt"), "", "-"]

def path():
    r = rng.random()
    if r < 0.35 and examples: return rng.choice(examples)
    if r < 0.6 and logs: return rng.choice(logs)
    return rng.choice(PATHS)

INTS = ["0", "-1", "1", "2", "3", "7", "64", "65", "1000", "4096", "16384", "65536", "2147483648", "9007199254740993",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e3", "1e309",
        "nan", "inf", "", " 5", "5 ", "0x10", "1_000", "\u0663", "+4", "--", "-0"]
FLOATS = ["0", "-0", "1e-320", "1e-300", "1e300", "1e-5", "0.001", "0.5", "1", "10", "1e308", "1e309", "-1",
          "nan", "-nan", "inf", "-inf", "", "1e", ".", "0x1p-3", "3e-4 ", "1,5"]
WORDS = ["", " ", "x", "-", "--help", "\u00e9", "a b", "{}", "[]", "\u0000".replace("\u0000", "\\0")]

# Half the values are plausible, so that a case gets past the parser to the checks behind it.
PLAUSIBLE_INTS = ["1", "2", "4", "8", "16", "32", "50", "100", "200", "1000"]
PLAUSIBLE_FLOATS = ["0.001", "0.01", "0.1", "0.3", "0.9", "0.95", "0.999", "1e-8", "2", "1e-4"]
def intv(): return rng.choice(PLAUSIBLE_INTS if rng.random() < 0.5 else INTS)
def floatv(): return rng.choice(PLAUSIBLE_FLOATS if rng.random() < 0.5 else FLOATS)
def word(): return rng.choice(WORDS)
def intlist():
    return ",".join(rng.choice(INTS[:12] + ["", " "]) for _ in range(rng.randint(0, 5)))
def floatlist():
    return ",".join(rng.choice(FLOATS) for _ in range(rng.randint(0, 5)))
def enum(*vs): return lambda: rng.choice(list(vs) + [word()])
def outfile(ext):
    return lambda: rng.choice([os.path.join(work, "out", "o" + ext), "/proc/lrkit-none/o" + ext,
                               "/dev/null", inputs, ""])
def outdir():
    # A third of the time a run folder an earlier case wrote (for --resume and --merge).
    runs = [os.path.join(work, "out", d) for d in sorted(os.listdir(os.path.join(work, "out")))] if os.path.isdir(os.path.join(work, "out")) else []
    if runs and rng.random() < 0.33: return rng.choice(runs)
    return rng.choice([os.path.join(work, "out", "d"), "/proc/lrkit-none/d", "/dev/null", inputs, ""])
def shard(): return rng.choice(["1/2", "2/2", "0/2", "3/2", "1/0", "a/b", "1", "", "-1/2", "9223372036854775807/9223372036854775807"])
def flag(): return None  # a flag without a value

F = {
    "curve": {"--spec": path, "--steps": intv, "--metrics": path, "--format": enum("csv", "json", "term", "svg"),
              "--width": intv, "--height": intv, "--log-y": flag, "--num-samples": intv, "--world-size": intv,
              "--updates-per-epoch": intv},
    "plot": {"--steps": intv, "--out": outfile(".svg"), "--title": word, "--log-y": flag},
    "steps": {"--num-samples": intv, "--per-device-train-batch-size": intv, "--world-size": intv,
              "--gradient-accumulation-steps": intv, "--num-train-epochs": floatv, "--max-steps": intv,
              "--warmup-steps": intv, "--warmup-ratio": floatv, "--dataloader-drop-last": flag,
              "--format": enum("text", "json")},
    "diagnose": {"--format": enum("text", "json"), "--svg": outfile(".svg"), "--fail-on": word,
                 "--loss-key": word, "--lr-key": word, "--step-key": word, "--schedule": path,
                 "--interval": floatv, "--idle-exit": floatv},
    "types": {},
    "train": {"--task": enum("digits", "shakespeare"), "--hidden": intlist, "--layers": intv, "--width": intv,
              "--heads": intv, "--context": intv, "--norm": enum("pre-ln", "post-ln"), "--dropout": floatv,
              "--optimizer": enum("sgd", "adam", "adamw", "radam"), "--lr": floatv, "--momentum": floatv,
              "--nesterov": flag, "--beta1": floatv, "--beta2": floatv, "--eps": floatv,
              "--weight-decay": floatv, "--schedule": path, "--steps": intv, "--epochs": intv,
              "--batch-size": intv, "--shards": intv, "--threads": intv, "--seed": intv,
              "--eval-every": intv, "--eval-batches": intv, "--clip": floatv,
              "--checkpoint-every": intv, "--out": outdir, "--resume": outdir,
              "--fail-on-divergence": flag, "--quiet": flag},
    "find": {"--task": enum("digits", "shakespeare"), "--optimizer": enum("sgd", "adam", "adamw", "radam"),
             "--momentum": floatv, "--start": floatv, "--end": floatv, "--iterations": intv,
             "--seed": intv, "--steps": intv, "--svg": outfile(".svg")},
    "compare": {"--lr": floatv, "--epochs": intv, "--seeds": intv, "--spec": path, "--out": outdir,
                "--shard": shard},
    "sweep": {"--grid": enum("warmup", "batch"), "--warmups": intlist, "--lrs": floatlist,
              "--batches": intlist, "--seeds": intv, "--steps": intv, "--out": outdir, "--shard": shard},
    "failure-modes": {"--out": outdir},
    "report": {"--out": outdir, "--shard": shard, "--merge": outdir},
}
# Small budgets that a case keeps unless it draws that flag itself: the point is the parsing
# and the checks, not minutes of training.
BUDGET = {
    "train": [("--steps", "3"), ("--eval-every", "2"), ("--quiet", None)],
    "find": [("--iterations", "12")],
    "compare": [("--epochs", "1"), ("--seeds", "1")],
    "sweep": [("--steps", "4"), ("--seeds", "1"), ("--lrs", "0.01"), ("--warmups", "0,2"), ("--batches", "16")],
    "report": [("--quick", None)],
}
WEIGHTS = {"curve": 5, "plot": 2, "steps": 4, "diagnose": 5, "types": 1, "train": 4, "find": 1,
           "compare": 0.3, "sweep": 0.5, "failure-modes": 0.1, "report": 0.1, "bench": 2}

# lrkit-bench: the train section only (the others time for minutes), on tiny shapes or broken ones.
SHAPE_NUMBERS = ["1", "2", "3", "4", "8", "16", "0", "-1", "4096", "4097", "16384", "65536", "x", "", "1e3", "\u0663", " 2"]
def shape_text():
    if rng.random() < 0.4:
        return rng.choice(["1,16,2,8,2", "1,16,2,8,3,post", "2,32,4,16,2,pre", "1,8,1,4,1", "1,16,2,512,1"])
    parts = [rng.choice(SHAPE_NUMBERS) for _ in range(rng.choice([4, 5, 5, 5, 6, 6, 7]))]
    if len(parts) >= 6: parts[5] = rng.choice(["pre", "post", "Pre", "", "foo", "1"])
    return ",".join(parts)
BENCH_FLAGS = {"--shape": shape_text, "--threads": lambda: rng.choice(["1", "2", "3", "0", "-1", "1025", "abc", ""]),
               "--shards": lambda: rng.choice(["1", "2", "3", "8", "0", "4097", "x"]), "--profile": flag}
def bench_case():
    argv = ["bench", "train"]
    for name in rng.sample(list(BENCH_FLAGS), rng.randint(0, 4)):
        for _ in range(2 if rng.random() < 0.1 else 1):  # sometimes twice
            v = BENCH_FLAGS[name]()
            argv += [name] if v is None else [name, v]
    if "--shape" not in argv: argv += ["--shape", shape_text()]
    if rng.random() < 0.15: argv.insert(rng.randint(2, len(argv)), rng.choice(["bogus", "trian", "", "-x", "--", "train"]))
    env = {}
    if rng.random() < 0.3:
        env[rng.choice(["LRKIT_BENCH_EVALS", "LRKIT_BENCH_RANGE", "LRKIT_BENCH_FILTER"])] = rng.choice(["0", "1", "-1", "x", "", "1e6", "5"])
    return argv, env

def case():
    sub = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    if sub == "bench": return bench_case()
    flags = F[sub]
    chosen = rng.sample(list(flags), min(len(flags), rng.randint(1, 5))) if flags else []
    argv = [sub]
    if sub == "curve" and "--spec" not in chosen and rng.random() < 0.8: chosen.append("--spec")
    if sub == "plot": argv += [path() for _ in range(rng.randint(0, 3))]
    if sub == "diagnose": argv.append(path())
    if sub == "types" and rng.random() < 0.7:
        argv.append(rng.choice(["cosine", "torch.optim.lr_scheduler.OneCycleLR", "optax.join_schedules", word()]))
    for name in chosen:
        v = flags[name]()
        argv += [name] if v is None else [name, v]
        if rng.random() < 0.05: argv += [name] if v is None else [name, flags[name]()]  # a flag twice
    for name, v in BUDGET.get(sub, []):
        if name not in chosen: argv += [name] if v is None else [name, v]
    if sub == "train" and "--out" not in chosen and "--resume" not in chosen:
        argv += ["--out", os.path.join(work, "out", "run-%d" % rng.randrange(1 << 30))]
    if sub in ("compare", "sweep", "failure-modes", "report") and "--out" not in chosen:
        argv += ["--out", os.path.join(work, "out", "exp-%d" % rng.randrange(1 << 30))]
    return argv, {}

def strict_json(text):
    def bad(c): raise ValueError("bare " + c)
    return json.loads(text, parse_constant=bad)

def written_files(before):
    out = os.path.join(work, "out")
    found = []
    for root, _, files in os.walk(out):
        for f in files:
            p = os.path.join(root, f)
            if p not in before: found.append(p)
    return found

def limits():
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))

stats = {"runs": 0, "status": {}, "timeouts": 0}
failures = []
slow = []
os.makedirs(os.path.join(work, "out"))
t0 = time.time()
for k in range(n):
    argv, env = case()
    is_bench = argv[0] == "bench"
    command = [bench] + argv[1:] if is_bench else [lrkit] + argv
    prefix = "lrkit-bench: error: " if is_bench else "lrkit: error: "
    before = set(written_files(set()))
    try:
        p = subprocess.run(command, capture_output=True, timeout=LIMIT_S, cwd=work, env=dict(os.environ, **env),
                           preexec_fn=limits, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        stats["timeouts"] += 1
        slow.append(argv)
        continue
    stats["runs"] += 1
    stats["status"][p.returncode] = stats["status"].get(p.returncode, 0) + 1
    err = p.stderr.decode("utf-8", "replace").strip()
    out = p.stdout.decode("utf-8", "replace")
    problem = None
    if p.returncode not in (0, 1, 2, 3, 64):
        problem = "status %d" % p.returncode
    elif "Error Domain=" in err or "Fatal error" in err:
        problem = "a raw Foundation error or a trap on standard error"
    elif (p.returncode == 1 or (is_bench and p.returncode == 64)) and not (err.splitlines() or [""])[-1].startswith(prefix):
        problem = "status %d without a last line '%s…'" % (p.returncode, prefix)
    elif (p.returncode == 1 or (is_bench and p.returncode == 64)) and len([l for l in err.splitlines() if l.startswith(prefix)]) != 1:
        problem = "more than one error line"
    elif is_bench and p.returncode == 0:
        try:
            for line in out.splitlines(): strict_json(line)
        except Exception as e: problem = "stdout JSON: %s" % e
    # A repeated option takes its last value (swift-argument-parser), so the last --format decides.
    elif p.returncode in (0, 2, 3) and "--format" in argv and argv[len(argv) - 1 - argv[::-1].index("--format") + 1] == "json" and out.strip():
        try: strict_json(out)
        except Exception as e: problem = "stdout JSON: %s" % e
    if not problem:
        for f in written_files(before):
            try:
                if f.endswith(".svg"): ET.parse(f)
                elif f.endswith(".json") and os.path.getsize(f) < 50 << 20: strict_json(open(f).read())
                elif f.endswith(".jsonl"):
                    for line in open(f):
                        if line.strip(): strict_json(line)
            except Exception as e:
                problem = "file %s: %s" % (f, e)
                break
    if problem:
        d = os.path.join(work, "fail-%d" % k)
        os.makedirs(d)
        with open(os.path.join(d, "case.txt"), "w") as f:
            f.write(json.dumps(argv) + "\n" + json.dumps(env) + "\n" + problem + "\nstatus %d\n--- stderr\n%s\n" % (p.returncode, err[-4000:]))
        failures.append((argv if not env else [" ".join("%s=%s" % kv for kv in env.items())] + argv, problem, err[-300:]))
    if k % 50 == 49:
        shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)
        os.makedirs(os.path.join(work, "out"))

print("seed %d: %d command lines, %d finished in %.0f s, statuses %s, %d over %d s"
      % (seed, n, stats["runs"], time.time() - t0, dict(sorted(stats["status"].items())), stats["timeouts"], LIMIT_S))
for argv in slow[:10]:
    print("  slow:", " ".join(json.dumps(a) if " " in a or not a else a for a in argv))
for argv, problem, err in failures[:30]:
    print("FAIL", problem, "::", " ".join(json.dumps(a) if " " in a or not a else a for a in argv))
    print("    ", err.replace("\n", "\n     "))
print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
