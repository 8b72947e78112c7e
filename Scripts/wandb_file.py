"""W&B run files (`run-<id>.wandb`) as W&B frames them: a 7-byte header, 32 KiB blocks of records (CRC-32 of the
type byte and data, 16-bit length, type FULL, FIRST, MIDDLE or LAST). Shared by fuzz-wandb.py and
make-wandb-logs.py; the records are `wandb_internal.Record` protobufs for W&B's own classes to decode."""
import struct
import zlib


def records(path):
    """The records of a W&B run file, fragments joined, each checked by its CRC-32; stops at a partial record."""
    b = open(path, "rb").read()
    pos, buf = 7, None
    while pos + 7 <= len(b):
        left = 32768 - pos % 32768
        if left < 7:
            pos += left
            continue
        crc, ln, t = struct.unpack("<IHB", b[pos:pos + 7])
        if crc == 0 and ln == 0 and t == 0:
            pos += left
            continue
        d = b[pos + 7:pos + 7 + ln]
        if len(d) < ln:
            break
        assert zlib.crc32(bytes([t]) + d) == crc, "W&B wrote a bad CRC?"
        pos += 7 + ln
        if t == 1:
            yield d
        elif t == 2:
            buf = d
        elif t == 3:
            buf += d
        elif t == 4:
            yield buf + d
