#!/usr/bin/env bash
# Training speed of LRKit and PyTorch on the same shapes, measured in alternating rounds on one
# machine (by hand, never by CI). Each (shape, side) runs in its own process so that its max RSS
# is its own. Writes JSON lines to OUT/rounds.jsonl (default: a new folder under $TMPDIR or /tmp;
# it refuses an OUT that already holds results) and prints the table.
# `python3 Scripts/bench-train-table.py A/rounds.jsonl B/rounds.jsonl ...` prints one table over
# several runs.
#
#   Scripts/bench-train-rounds.sh /path/to/venv/bin/python [ROUNDS] [OUT]
#
# Sides: lrkit (lrkit-bench train, release build), torch eager, torch fused AdamW, torch.compile
# of the whole step. Shapes: the six of lrkit-bench's default set; SHAPES="L,D,H,T,B,pre ..."
# overrides them.
set -euo pipefail
PY=${1:?python of a virtual environment with torch}
ROUNDS=${2:-2}
OUT=${3:-${TMPDIR:-/tmp}/lrkit-bench-rounds-$(date -u +%Y%m%dT%H%M%SZ)}
SHAPES=${SHAPES:-"6,64,4,64,16,post 4,128,4,64,12,pre 4,256,8,128,8,pre 2,384,6,64,8,pre 8,64,4,256,4,pre 1,512,8,32,32,pre"}
# OUT is taken relative to where the script was called from, then the script works from the
# repository root.
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# Never overwrite a recorded run: a second run goes to another folder.
if [ -s "$OUT/rounds.jsonl" ]; then
  echo "bench-train-rounds: $OUT/rounds.jsonl already holds $(wc -l < "$OUT/rounds.jsonl") results; pass another OUT" >&2
  exit 1
fi
cd "$(dirname "$0")/.."
swift build -c release --product lrkit-bench >/dev/null
BENCH=.build/release/lrkit-bench
: > "$OUT/rounds.jsonl"
measure() {  # round side command...
  local round=$1 side=$2; shift 2
  local line rss
  line=$( { /usr/bin/time -f "RSS_KB %M" "$@" 2> "$OUT/time.err"; } | grep '"train-' | tail -1)
  rss=$(grep -o 'RSS_KB [0-9]*' "$OUT/time.err" | awk '{print $2}')
  echo "${line%\}}, \"side\": \"$side\", \"round\": $round, \"max_rss_mb\": $((rss / 1024))}" >> "$OUT/rounds.jsonl"
}
for round in $(seq 1 "$ROUNDS"); do
  for shape in $SHAPES; do
    measure "$round" lrkit "$BENCH" train --shape "$shape"
    for mode in eager fused compile; do
      measure "$round" "torch-$mode" "$PY" Scripts/bench_train_peer.py --shape "$shape" --mode "$mode"
    done
  done
done
python3 Scripts/bench-train-table.py "$OUT/rounds.jsonl"
