#!/usr/bin/env bash
# compare at sweep scale (part of make bench; runs alone too), issue 23 item 8:
# - a sweep folder of 1,000 runs × 100 epochs (DIR/<run_id>/run.csv, 47 MB), `compare DIR`
#   against Python's csv module reading the same files (the least any Python summary does:
#   every row parsed, the best val_accuracy per run kept);
# - one log of 100,000 rows and one of 1,000,000 rows (470 MB), `compare LOG`.
# Medians (min–max) of COMPARE_RUNS runs: wall clock, CPU (user + system) seconds, and peak
# memory (max RSS): bounded memory means the 1,000,000-row log does not take 10× the
# 100,000-row one. On a shared, loaded machine the wall clock includes waiting for a core.
#   COMPARE_RUNS=5   COMPARE_ROWS="100000 1000000"   PYTHON=python3
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/zalando-train
COMPARE_RUNS=${COMPARE_RUNS:-5}
COMPARE_ROWS=${COMPARE_ROWS:-100000 1000000}
PYTHON=${PYTHON:-python3}
[ -x "$BIN" ] || { echo "bench-compare: $BIN missing; run make build" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-compare: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stats() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f (%.3f–%.3f)", m, v[1], v[NR] }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f", m }'; }

# measure NAME COMMAND…: COMPARE_RUNS runs, one line of medians (its wall median kept in $tmp/NAME).
measure() {
    local name=$1; shift
    : > "$tmp/wall"; : > "$tmp/cpu"; : > "$tmp/rss"
    for _ in $(seq "$COMPARE_RUNS"); do
        /usr/bin/time -f '%e %U %S %M' -o "$tmp/t" "$@" > /dev/null
        read -r real user sys rss < "$tmp/t"
        echo "$real" >> "$tmp/wall"
        awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }' >> "$tmp/cpu"
        awk -v k="$rss" 'BEGIN { print k / 1000 }' >> "$tmp/rss"
    done
    median < "$tmp/wall" > "$tmp/$name"
    printf '  %-40s %-24s %-24s %s\n' "$name" "$(stats < "$tmp/wall")" "$(stats < "$tmp/cpu")" "$(median < "$tmp/rss")"
}

cat > "$tmp/python-csv.py" <<'PY'
import csv, glob, sys
best = {}
for path in glob.glob(sys.argv[1] + "/*/run.csv"):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        run_id, val = header.index("run_id"), header.index("val_accuracy")
        for row in reader:
            v = float(row[val])
            if v > best.get(row[run_id], -1.0):
                best[row[run_id]] = v
print(len(best))
PY

echo "compare at sweep scale (median (min–max) of $COMPARE_RUNS runs; peak memory median):"
printf '  %-40s %-24s %-24s %s\n' "what" "wall s" "CPU s" "max RSS MB"
awk -v rows=100000 -v dir="$tmp/sweep" -f scripts/make-run-log.awk
runs=$(find "$tmp/sweep" -name run.csv | wc -l)
measure "compare DIR ($runs runs × 100 epochs)" "$BIN" compare "$tmp/sweep"
if "$PYTHON" -c 'import csv' 2> /dev/null; then
    measure "python csv, the same files" "$PYTHON" "$tmp/python-csv.py" "$tmp/sweep"
    awk -v z="$(cat "$tmp/compare DIR ($runs runs × 100 epochs)")" -v p="$(cat "$tmp/python csv, the same files")" 'BEGIN {
        printf "  target: compare no slower than Python csv: %.3f s against %.3f s, %s\n", z, p, (z <= p) ? "met" : "NOT met" }'
else
    echo "  python csv: $PYTHON not found, the baseline is not measured"
fi
rm -rf "$tmp/sweep"
for rows in $COMPARE_ROWS; do
    awk -v rows="$rows" -f scripts/make-run-log.awk > "$tmp/log.csv"
    measure "compare LOG ($rows rows, $(( $(stat -c %s "$tmp/log.csv") / 1000000 )) MB)" "$BIN" compare "$tmp/log.csv"
done
