#!/usr/bin/env python3
"""Mutation fuzzer for `lrkit diagnose`: real logs from the test corpus, randomly corrupted.

Never run by CI (it takes a minute or more). Each run draws a fresh seed (printed; pass it back to replay):

    swift build -c release --product lrkit
    python3 Scripts/fuzz-diagnose.py [SEED] [COUNT]      # COUNT mutated logs, default 400

Every file under Tests/LRDiagnosticsTests/Corpus (logs of every supported writer, and the files that sit beside
them in a run folder) is a seed input; 30 % of the cases copy a whole run folder (an HF output_dir, an MLflow store,
a TensorBoard or Lightning folder), mutate one of its files and diagnose the folder. Each case applies 1-6 mutations: a flipped byte, a deleted span, an inserted
token (NaN, Infinity, 1e309, 40 nines, a NUL, a quote, a brace, CRLF, ...), a truncation, a duplicated span, a number
replaced by a non-finite or out-of-range one, shuffled lines. It then runs `lrkit diagnose FILE --format json|text`
(sometimes with --svg) and checks: no crash or trap (exit 0, or 1 with an error that names the file), the JSON has
no bare NaN/Infinity, the SVG parses as XML. Failing cases stay under /tmp/lrkit-fuzz-diagnose for inspection.
Exit status 1 when any case failed.
"""
import json, os, random, re, shutil, subprocess, sys, xml.dom.minidom
seed = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else random.randrange(1 << 31)
n = int(sys.argv[2]) if len(sys.argv) > 2 else 400
rng = random.Random(seed)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
root = os.path.join(REPO, "Tests", "LRDiagnosticsTests", "Corpus")
files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if not f.endswith(("labels.json", "README.md"))]
lrkit = os.path.join(REPO, ".build", "release", "lrkit")
work = "/tmp/lrkit-fuzz-diagnose"; shutil.rmtree(work, ignore_errors=True); os.makedirs(work)
TOKENS = [b"NaN", b"nan", b"Infinity", b"-inf", b"1e309", b"-1e308", b"1e-320", b"", b"\x00", b"\xff\xfe", b"null", b"\"", b",", b"\n", b"{", b"}", b"[", b"]", b"9" * 40, b"-0", b"0x1p3", "\u00e9".encode(), b"\r\n"]
def mutate(data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(7)
        if not data: data += b"x"
        i = rng.randrange(len(data))
        if op == 0: data[i] = rng.randrange(256)
        elif op == 1: del data[i:i + rng.randint(1, 200)]
        elif op == 2: data[i:i] = rng.choice(TOKENS)
        elif op == 3: data = data[:i]
        elif op == 4:
            j = rng.randrange(len(data)); data[i:i] = data[j:j + rng.randint(1, 500)]
        elif op == 5:  # replace a number
            nums = [m.span() for m in re.finditer(rb"-?\d+\.?\d*(e-?\d+)?", bytes(data[:200000]))]
            if nums:
                a, b = rng.choice(nums); data[a:b] = rng.choice(TOKENS[:7] + [b"0", b"-5", b"123456789012345678901234567890"])
        else:
            lines = bytes(data).split(b"\n"); rng.shuffle(lines) if rng.random() < 0.3 else None
            data = bytearray(b"\n".join(lines))
    return bytes(data)
stats = {"runs": 0, "ok": 0, "read_error": 0, "other": {}}
bad = []
# Run folders (an HF output_dir, an MLflow store, a TensorBoard log dir, a Lightning version dir):
# the directories of the corpus that hold more than one file, read through the directory readers.
folders = sorted({os.path.dirname(f) for f in files if os.path.dirname(f) != root})
for k in range(n):
    d = os.path.join(work, f"c{k}")
    if rng.random() < 0.3:
        # A whole run folder, one of its files mutated; diagnose the folder.
        folder = rng.choice(folders)
        shutil.copytree(folder, d)
        inside = [os.path.join(a, f) for a, _, fs in os.walk(d) for f in fs]
        victim = rng.choice(inside)
        open(victim, "wb").write(mutate(open(victim, "rb").read()))
        dst, name = d, os.path.basename(folder)
    else:
        src = rng.choice(files)
        name = os.path.basename(src)
        os.makedirs(d)
        dst = os.path.join(d, name)
        open(dst, "wb").write(mutate(open(src, "rb").read()))
    fmt = rng.choice(["json", "text"])
    args = [lrkit, "diagnose", dst, "--format", fmt]
    if rng.random() < 0.2: args += ["--svg", os.path.join(d, "o.svg")]
    try:
        p = subprocess.run(args, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        bad.append((dst, "timeout", "")); continue
    stats["runs"] += 1
    rc = p.returncode
    err = p.stderr.decode("utf8", "replace")
    if rc == 0:
        stats["ok"] += 1
        if fmt == "json":
            try:
                json.loads(p.stdout, parse_constant=lambda c: (_ for _ in ()).throw(ValueError("bare " + c)))
            except Exception as e:
                bad.append((dst, "invalid json: %s" % e, p.stdout[:200]))
        svg = os.path.join(d, "o.svg")
        if "--svg" in args and os.path.exists(svg):
            try: xml.dom.minidom.parse(svg)
            except Exception as e: bad.append((dst, "invalid svg: %s" % e, ""))
            if b"NaN" in open(svg, "rb").read(): bad.append((dst, "NaN in svg", ""))
    elif rc == 1:
        stats["read_error"] += 1
        if dst not in err and name not in err and d not in err: bad.append((dst, "error does not name the file", err[:300]))
    else:
        stats["other"][rc] = stats["other"].get(rc, 0) + 1
        bad.append((dst, f"rc={rc}", err[-500:]))
    if not any(b[0] == dst for b in bad): shutil.rmtree(d, ignore_errors=True)
print("seed", seed, json.dumps(stats))
for b in bad[:20]: print(b)
print("failed cases", len(bad))
sys.exit(1 if bad else 0)
