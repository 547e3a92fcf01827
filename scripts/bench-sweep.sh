#!/usr/bin/env bash
# make bench, sweep part: the sweep's own cost per run and what --jobs 2 buys, on Fashion-MNIST.
#
# A 6-run grid (sgd and adam × three rates, SWEEP_EPOCHS epochs each) runs with --jobs 1 and
# with --jobs 2, each into a fresh folder, SWEEP_RUNS times; medians (min–max). Three cases:
# 3-epoch runs on the data as downloaded (gzip: the sweep makes its plain copy in DIR/.data
# while the first run starts) and on plain IDX files, where fixed costs weigh most; then runs of
# train's default 20 epochs (gzip), a grid as a user would run it.
# - overhead per run: the --jobs 1 sweep's wall time less the epochs' own seconds (the run logs'
#   `seconds` column: training and evaluation), over 6: process start, loading the data,
#   checkpoints, the sweep's bookkeeping and its final table. Target ≤ 0.3 s.
# - jobs 2 ÷ jobs 1: wall time ratio. Target ≤ 0.6 on 2 cores (a busy shared machine shows less).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/zalando-train
DATA=${DATA_DIR:-data}
RUNS=${SWEEP_RUNS:-3}
EPOCHS=${SWEEP_EPOCHS:-3}
LONG_EPOCHS=${SWEEP_LONG_EPOCHS:-20}
[ -x "$BIN" ] || { echo "bench-sweep: $BIN missing; run make build" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stats() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f (%.3f–%.3f)", m, v[1], v[NR] }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.4f", m }'; }

# The data set as downloaded (gzip) and as plain IDX files (gunzipped once into $tmp): a
# child decompressing Fashion-MNIST is most of a run's fixed cost.
mkdir -p "$tmp/plain"
for f in "$DATA"/fashion/*.gz; do gunzip -c "$f" > "$tmp/plain/$(basename "$f" .gz)"; done
echo "sweep: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores at the start"
echo "sweep: 6 runs (sgd, adam × 0.1, 0.01, 0.001), $RUNS times each; medians (min–max)"
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "met" : "NOT met" }'; }

measure() {
    local data=$1 label=$2 epochs_per_run=$3
    printf 'fixed:\n  data-dir: %s\n  epochs: %s\ngrid:\n  optimizer: [sgd, adam]\n  lr: [0.1, 0.01, 0.001]\n' "$data" "$epochs_per_run" > "$tmp/spec.yaml"
    : > "$tmp/wall1"; : > "$tmp/wall2"; : > "$tmp/overhead"; : > "$tmp/load"; : > "$tmp/rest"
    for i in $(seq "$RUNS"); do
        for jobs in 1 2; do
            dir="$tmp/sweep-$i-$jobs-$(echo "$label" | cut -c1-5)-$epochs_per_run"
            start=$(date +%s.%N)
            "$BIN" sweep "$dir" --spec "$tmp/spec.yaml" --jobs "$jobs" > /dev/null 2> "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
            end=$(date +%s.%N)
            wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }')
            echo "$wall" >> "$tmp/wall$jobs"
            if [ "$jobs" = 1 ]; then
                # Sum of the epochs' seconds (the column named `seconds`) over every run's log.
                epochs=$(for csv in "$dir"/*/run.csv; do
                    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") c = i; next } { s += $c } END { print s }' "$csv"
                done | awk '{ s += $1 } END { printf "%.4f", s }')
                # Of which each child's data loading (train prints "loaded in X.XXs").
                loads=$(cat "$dir"/*/train.log | sed -n 's/.*(loaded in \([0-9.]*\)s).*/\1/p' | awk '{ s += $1 } END { printf "%.4f", s }')
                awk -v w="$wall" -v e="$epochs" 'BEGIN { printf "%.4f\n", (w - e) / 6 }' >> "$tmp/overhead"
                awk -v l="$loads" 'BEGIN { printf "%.4f\n", l / 6 }' >> "$tmp/load"
                awk -v w="$wall" -v e="$epochs" -v l="$loads" 'BEGIN { printf "%.4f\n", (w - e - l) / 6 }' >> "$tmp/rest"
            fi
        done
    done
    local w1 w2 ratio overhead
    w1=$(median < "$tmp/wall1"); w2=$(median < "$tmp/wall2")
    ratio=$(awk -v a="$w2" -v b="$w1" 'BEGIN { printf "%.2f", a / b }')
    overhead=$(median < "$tmp/overhead")
    echo "$epochs_per_run-epoch runs, data: $label"
    printf '  %-44s %s\n' "--jobs 1 wall seconds" "$(stats < "$tmp/wall1")"
    printf '  %-44s %s\n' "--jobs 2 wall seconds" "$(stats < "$tmp/wall2")"
    printf '  %-44s %s\n' "sweep overhead per run, s (--jobs 1)" "$(stats < "$tmp/overhead")"
    printf '  %-44s %s\n' "  of which the child loads the data set" "$(stats < "$tmp/load")"
    printf '  %-44s %s\n' "  the rest: spawn, checkpoints, bookkeeping" "$(stats < "$tmp/rest")"
    printf '  %-44s %s\n' "--jobs 2 ÷ --jobs 1 (medians)" "$ratio"
    echo "  targets: overhead ≤ 0.3 s: $(verdict "$overhead" 0.3); jobs 2 ÷ jobs 1 ≤ 0.6: $(verdict "$ratio" 0.6)"
}

measure "$DATA/fashion" "gzip files (as downloaded)" "$EPOCHS"
measure "$tmp/plain" "plain IDX files (gunzipped)" "$EPOCHS"
measure "$DATA/fashion" "gzip files (as downloaded)" "$LONG_EPOCHS"
