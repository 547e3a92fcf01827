#!/usr/bin/env bash
# compare on generated sweep-sized run logs (part of make bench; runs alone too):
# 100,000 rows (1,000 runs × 100 epochs, 47 MB) and 1,000,000 rows (470 MB). Medians (min–max)
# of COMPARE_RUNS runs, wall clock and CPU (user + system) seconds: on a shared, loaded machine
# the wall clock includes waiting for a core.
#   COMPARE_RUNS=5   COMPARE_ROWS="100000 1000000"
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/zalando-train
COMPARE_RUNS=${COMPARE_RUNS:-5}
COMPARE_ROWS=${COMPARE_ROWS:-100000 1000000}
[ -x "$BIN" ] || { echo "bench-compare: $BIN missing; run make build" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stats() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f (%.3f–%.3f)", m, v[1], v[NR] }'; }
echo "compare of generated run logs v2 (median (min–max) of $COMPARE_RUNS runs):"
printf '  %-12s %-10s %-26s %-26s %s\n' "rows" "MB" "wall s" "CPU s" "target"
for rows in $COMPARE_ROWS; do
    awk -v rows="$rows" -f scripts/make-run-log.awk > "$tmp/log.csv"
    : > "$tmp/wall"; : > "$tmp/cpu"
    for _ in $(seq "$COMPARE_RUNS"); do
        TIMEFORMAT='%R %U %S'
        { time "$BIN" compare "$tmp/log.csv" > /dev/null; } 2> "$tmp/t"
        read -r real user sys < "$tmp/t"
        echo "$real" >> "$tmp/wall"
        awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }' >> "$tmp/cpu"
    done
    target=$([ "$rows" -le 100000 ] && echo "< 1 s" || echo "a few seconds")
    printf '  %-12s %-10s %-26s %-26s %s\n' "$rows" "$(( $(stat -c %s "$tmp/log.csv") / 1000000 ))" "$(stats < "$tmp/wall")" "$(stats < "$tmp/cpu")" "$target"
done
