#!/usr/bin/env bash
# make bench, search part: successive halving against the full grid on one sampled spec,
# examples/sampled-halving.yaml (64 configurations: AdamW and Nesterov × constant and cosine,
# each with the same 16 Sobol draws of rate, weight decay and batch size) shortened to
# HALVING_EPOCHS epochs (default 9: rungs at 1, 3, 9) on Fashion-MNIST with 10,000 validation
# images. The full grid trains every configuration to the end; the halving sweep (the same
# runs, η = 3) trains each to rung 1 and promotes the best third of each rung. Printed: epochs
# trained by each, wall time, and the best validation accuracy each found (the best epoch of
# any run), with its run. Both with --jobs 2, each into a fresh folder.
#
# The same comparison by hand:
#   zalando-train sweep runs/grid --spec <(grep -v '^halving' examples/sampled-halving.yaml) epochs=9 decay-steps=9e --jobs 2
#   zalando-train sweep runs/halving --spec examples/sampled-halving.yaml epochs=9 decay-steps=9e --jobs 2
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/zalando-train
DATA=${DATA_DIR:-data}
EPOCHS=${HALVING_EPOCHS:-9}
JOBS=${HALVING_JOBS:-2}
[ -x "$BIN" ] || { echo "bench-halving: $BIN missing; run make build" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '^halving:' examples/sampled-halving.yaml > "$tmp/grid.yaml"
axes=("data-dir=$DATA/fashion" "epochs=$EPOCHS" "decay-steps=${EPOCHS}e")

# Epochs in every run log of a folder, and its best val_accuracy: "epochs best run_id".
summary() {
    for csv in "$1"/*/run.csv; do
        awk -F, -v id="$(basename "$(dirname "$csv")")" '
            NR == 1 { for (i = 1; i <= NF; i++) if ($i == "val_accuracy") c = i; next }
            { n++; if ($c != "" && $c + 0 > best) best = $c + 0 }
            END { printf "%d %.6f %s\n", n, best, id }' "$csv"
    done | awk '{ e += $1; if ($2 > b) { b = $2; id = $3 } } END { printf "%d %.4f %s\n", e, b, id }'
}

echo "search: examples/sampled-halving.yaml at $EPOCHS epochs, --jobs $JOBS, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for kind in grid halving; do
    spec=examples/sampled-halving.yaml
    [ "$kind" = grid ] && spec="$tmp/grid.yaml"
    start=$(date +%s.%N)
    "$BIN" sweep "$tmp/$kind" --spec "$spec" "${axes[@]}" --jobs "$JOBS" --no-tensorboard > /dev/null 2> "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
    end=$(date +%s.%N)
    read -r epochs best id < <(summary "$tmp/$kind")
    runs=$(find "$tmp/$kind" -mindepth 2 -maxdepth 2 -name run.csv | wc -l)
    label=$("$BIN" sweep "$tmp/$kind" --status | awk -v id="$id" '$1 == id { sub(/.*[0-9]+\/[0-9]+ +/, ""); print }')
    printf '  %-8s %3d runs, %5d epochs trained, %6.1f s; best val_accuracy %.2f%% (%s %s)\n' \
        "$kind" "$runs" "$epochs" "$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')" \
        "$(awk -v b="$best" 'BEGIN { print 100 * b }')" "$id" "$label"
    echo "$epochs $best" > "$tmp/$kind.result"
done
read -r grid_epochs grid_best < "$tmp/grid.result"
read -r halving_epochs halving_best < "$tmp/halving.result"
awk -v ge="$grid_epochs" -v gb="$grid_best" -v he="$halving_epochs" -v hb="$halving_best" 'BEGIN {
    printf "  halving trained %.0f%% of the grid'"'"'s epochs; its best is %.2f points below the grid'"'"'s (target: ≤ 50%% of the epochs, within 0.5 points): %s\n",
        100 * he / ge, 100 * (gb - hb), (he <= ge / 2 && gb - hb <= 0.005) ? "met" : "NOT met" }'
