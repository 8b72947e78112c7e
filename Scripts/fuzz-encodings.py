#!/usr/bin/env python3
"""Metamorphic fuzzer for the text readers: the same log, saved the way other tools save text,
must get the same diagnosis.

Never run by CI. Each run draws a fresh seed (printed; pass it back to replay):

    swift build -c release --product lrkit
    python3 Scripts/fuzz-encodings.py [SEED] [COUNT]      # COUNT cases, default 300

Every text log of Tests/LRDiagnosticsTests/Corpus (CSV, JSON lines, trainer_state.json, ...; not
TensorBoard event files) is a seed. Each case applies 1-3 of: a UTF-8 byte-order mark (Excel's
"CSV UTF-8"), UTF-16LE or UTF-16BE with its mark (Windows PowerShell 5), CRLF line ends
(Windows), a missing final newline, blank lines at the end. `lrkit diagnose FILE --format json`
must print the same log summary (format, series and their lengths, notes), verdicts and
identified schedule as for the file as written, or fail the same way. Differing cases stay under
/tmp/lrkit-fuzz-encodings. Exit status 1 when any case differed.
"""
import json, os, random, shutil, subprocess, sys

seed = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else random.randrange(1 << 31)
n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
rng = random.Random(seed)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
root = os.path.join(REPO, "Tests", "LRDiagnosticsTests", "Corpus")
lrkit = os.path.join(REPO, ".build", "release", "lrkit")
work = "/tmp/lrkit-fuzz-encodings"
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

def is_text(path):
    data = open(path, "rb").read()
    if not data or b"\x00" in data[:4096]: return False
    try: data.decode("utf-8")
    except UnicodeDecodeError: return False
    return True

files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
               if not f.endswith(("labels.json", "README.md")) and "tfevents" not in f and is_text(os.path.join(d, f)))

def transform(data):
    applied = []
    text = data.decode("utf-8")
    ops = rng.sample(["crlf", "no-final-newline", "blank-lines", "encoding"], rng.randint(1, 3))
    encoding = "utf-8"
    for op in ops:
        if op == "crlf":
            text = text.replace("\r\n", "\n").replace("\n", "\r\n"); applied.append(op)
        elif op == "no-final-newline":
            text = text.rstrip("\r\n"); applied.append(op)
        elif op == "blank-lines":
            text = text + ("\r\n" if "\r\n" in text else "\n") * rng.randint(1, 3); applied.append(op)
        else:
            encoding = rng.choice(["utf-8-sig", "utf-16-le", "utf-16-be"]); applied.append(encoding)
    body = text.encode("utf-8-sig" if encoding == "utf-8-sig" else encoding if encoding != "utf-8" else "utf-8")
    if encoding == "utf-16-le": body = b"\xff\xfe" + body
    if encoding == "utf-16-be": body = b"\xfe\xff" + body
    return body, applied

def diagnose(path):
    p = subprocess.run([lrkit, "diagnose", path, "--format", "json"], capture_output=True, timeout=60)
    if p.returncode != 0:
        # The same failure: the message with this file's path taken out.
        return ("status %d" % p.returncode, p.stderr.decode("utf-8", "replace").replace(path, "FILE").strip())
    d = json.loads(p.stdout)
    d["log"].pop("path", None)
    return d

differ = []
checked = 0
for k in range(n):
    src = rng.choice(files)
    data = open(src, "rb").read()
    body, applied = transform(data)
    d = os.path.join(work, "c%d" % k)
    os.makedirs(d)
    plain = os.path.join(d, "plain-" + os.path.basename(src))
    variant = os.path.join(d, os.path.basename(src))
    open(plain, "wb").write(data)
    open(variant, "wb").write(body)
    a, b = diagnose(plain), diagnose(variant)
    checked += 1
    # A missing final newline or trailing blank lines may change nothing but a count in a note
    # ("1 row(s) ..."), never the verdicts or the series.
    same = a == b
    if not same and isinstance(a, dict) and isinstance(b, dict) and set(applied) <= {"no-final-newline", "blank-lines", "crlf"}:
        same = a["verdicts"] == b["verdicts"] and a["log"].get("series") == b["log"].get("series")
    if same:
        shutil.rmtree(d)
    else:
        differ.append((src, applied, d))
print("seed %d: %d cases over %d text logs, %d differ" % (seed, checked, len(files), len(differ)))
for src, applied, d in differ[:20]:
    print("  DIFFER", os.path.relpath(src, REPO), applied, d)
sys.exit(1 if differ else 0)
