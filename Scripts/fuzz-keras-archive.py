#!/usr/bin/env python3
"""Corruption fuzzer for `lrkit curve --spec model.keras`: damages the saved Keras model of the
fixtures (Tests/LRSchedulesTests/Fixtures/keras-model.keras) at random -- flipped bytes, bytes
overwritten with 0x00/0xFF, truncation, insertion, a deleted range, the central directory's
counts and offsets set to extremes -- and requires every run to end with exit status 0 (a damage
that misses config.json's bytes and checksum) or 1 with exactly one `lrkit: error:` line naming
the file; never a signal, a hang (10 s) or a stack trace.

    python3 Scripts/fuzz-keras-archive.py [SEED] [COUNT]     # a new seed each run unless given
"""
import os
import random
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LRKIT = os.path.join(ROOT, ".build", "release", "lrkit")
ARCHIVE = os.path.join(ROOT, "Tests", "LRSchedulesTests", "Fixtures", "keras-model.keras")


def damage(r, data):
    b = bytearray(data)
    kind = r.choice(["flip", "fill", "truncate", "insert", "delete", "directory", "several"])
    if kind == "flip":
        i = r.randrange(len(b))
        b[i] ^= 1 << r.randrange(8)
    elif kind == "fill":
        i = r.randrange(len(b))
        n = r.randint(1, 64)
        b[i:i + n] = bytes([r.choice([0, 0xFF])]) * len(b[i:i + n])
    elif kind == "truncate":
        b = b[:r.randrange(len(b))]
    elif kind == "insert":
        i = r.randrange(len(b))
        b[i:i] = bytes(r.randrange(256) for _ in range(r.randint(1, 40)))
    elif kind == "delete":
        i = r.randrange(len(b))
        del b[i:i + r.randint(1, 200)]
    elif kind == "directory":
        end = b.rfind(b"PK\x05\x06")
        if end < 0 or end + 22 > len(b):
            return bytes(b), kind
        field = r.choice([(8, "<H"), (10, "<H"), (12, "<I"), (16, "<I")])
        value = r.choice([0, 1, 0xFFFF if field[1] == "<H" else 0xFFFFFFFF, r.randrange(1 << 16)])
        struct.pack_into(field[1], b, end + field[0], value)
        if r.random() < 0.5:  # and a directory entry's sizes or offset
            at = b.find(b"PK\x01\x02", r.randrange(len(b) // 2, len(b)))
            if at >= 0:
                struct.pack_into("<I", b, at + r.choice([20, 24, 42]), r.choice([0, 0xFFFFFFFF, r.randrange(1 << 32)]))
    else:
        for _ in range(r.randint(2, 6)):
            b = bytearray(damage(r, bytes(b))[0]) if len(b) > 0 else b
    return bytes(b), kind


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else random.SystemRandom().randrange(1 << 31)
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    r = random.Random(seed)
    data = open(ARCHIVE, "rb").read()
    counts, failures = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            bad, kind = damage(r, data)
            path = os.path.join(tmp, f"case{i}.keras")
            open(path, "wb").write(bad)
            try:
                p = subprocess.run([LRKIT, "curve", "--spec", path, "--steps", "5"], capture_output=True, text=True,
                                   timeout=10, errors="replace")
            except subprocess.TimeoutExpired:
                failures.append((i, kind, "timeout"))
                continue
            lines = [l for l in p.stderr.splitlines() if l.strip()]
            if p.returncode == 0:
                outcome = "read"
            elif p.returncode == 1 and len(lines) == 1 and lines[0].startswith("lrkit: error:") and path in lines[0]:
                outcome = "refused"
            else:
                failures.append((i, kind, f"status {p.returncode}: {p.stderr[:300]!r}"))
                continue
            counts[outcome] = counts.get(outcome, 0) + 1
    print(f"seed {seed}: {count} damaged archives: {counts}; failures {len(failures)}")
    for f in failures[:10]:
        print("  ", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
