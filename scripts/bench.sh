#!/usr/bin/env bash
# make bench: speed and memory of zalando-train against the bare OpenBLAS floor, on this machine,
# in one run. Prints medians (min–max) of several runs; this machine is shared and noisy.
#
#   RUNS=5           repetitions of each measurement
#   EPOCHS=5         epochs per run (the first is dropped as warm-up)
#   LONG_RUNS=3      100-epoch end-to-end runs
#   TARGET_CPU       the -target-cpu the binary was built for (set by make bench; shown only)
#   FLOOR_SOURCE     the floor program (default ../shared/bench/gemm_floor.c)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/zalando-train
RUNS=${RUNS:-5}
EPOCHS=${EPOCHS:-5}
LONG_RUNS=${LONG_RUNS:-3}
FLOOR_SOURCE=${FLOOR_SOURCE:-../shared/bench/gemm_floor.c}
FLOOR=.build/gemm_floor
DATA=${DATA_DIR:-data}

[ -x "$BIN" ] || { echo "bench: $BIN missing; run make build" >&2; exit 1; }
[ -r "$FLOOR_SOURCE" ] || { echo "bench: floor program $FLOOR_SOURCE not found (set FLOOR_SOURCE)" >&2; exit 1; }
cc -O2 "$FLOOR_SOURCE" $(pkg-config --cflags --libs openblas) -o "$FLOOR"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# median and min–max of the numbers on stdin
stats() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.4f (%.4f–%.4f)", m, v[1], v[NR] }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.6f", m }'; }

# run NAME EPOCHS ARGS...: RUNS runs; per-epoch train/eval seconds (epoch 1 dropped unless it is
# the only one), load seconds and peak RSS collected into $tmp/NAME.*
# With FLOOR_TOO=1 the floor program runs before each run, so both see the same machine load.
run() {
    local name=$1 epochs=$2; shift 2
    : > "$tmp/$name.train"; : > "$tmp/$name.eval"; : > "$tmp/$name.load"; : > "$tmp/$name.rss"; : > "$tmp/$name.updates"
    for _ in $(seq "$RUNS"); do
        if [ "${FLOOR_TOO:-0}" = 1 ]; then
            read -r ft fe < <(OPENBLAS_NUM_THREADS=1 "$FLOOR")
            echo "$ft" >> "$tmp/floor.train"; echo "$fe" >> "$tmp/floor.eval"
        fi
        "$BIN" --data-dir "$DATA/fashion" --timing --epochs "$epochs" "$@" 2> "$tmp/err" > /dev/null
        # Appends (>>): awk's ">" would truncate each file again in every run's awk process.
        awk -v out="$tmp/$name" -v epochs="$epochs" '
            /^timing epoch=/ { split($2, e, "="); split($3, t, "="); split($4, v, "="); split($5, l, "=")
                               if (e[2] > 1 || epochs == 1) { print t[2] >> (out ".train"); print v[2] >> (out ".eval") }
                               if (e[2] == 1) print l[2] >> (out ".load") }
            /^timing peak_rss_kb=/ { split($2, r, "="); split($3, u, "="); print r[2] / 1024 >> (out ".rss"); print u[2] >> (out ".updates") }' "$tmp/err"
    done
}

echo "zalando-train benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "build: release, -target-cpu ${TARGET_CPU:-x86-64 (baseline)}; OpenBLAS $(pkg-config --modversion openblas)"
echo "runs: $RUNS × $EPOCHS epochs (first epoch of each run dropped); Fashion-MNIST; medians (min–max)"
echo "the floor (5 repetitions inside each run of it) alternates with the default runs"
echo

: > "$tmp/floor.train"; : > "$tmp/floor.eval"
FLOOR_TOO=1 run adam "$EPOCHS" --optimizer adam
run sgd       "$EPOCHS" --optimizer sgd --lr 0.1
run batch1    1         --optimizer sgd --batch-size 1
run batch1000 "$EPOCHS" --optimizer adam --batch-size 1000
run wide      "$EPOCHS" --optimizer adam --hidden 256,256
run threads2  "$EPOCHS" --optimizer adam --threads 2
run wide2     "$EPOCHS" --optimizer adam --hidden 256,256 --threads 2
# --checkpoint: the whole training state written (fsync, rename, fsync of the folder) after
# every epoch, in the background. From --timing's "timing checkpoint=" lines: the seconds
# training waited (the copy of the state, and the previous write if unfinished), the seconds
# the previous background write took, and the bytes.
checkpoint_run() {
    local name=$1; shift
    : > "$tmp/$name.ck"; : > "$tmp/$name.write"; : > "$tmp/$name.bytes"
    for _ in $(seq "$RUNS"); do
        rm -f "$tmp/$name.st"
        "$BIN" --data-dir "$DATA/fashion" --timing --epochs "$EPOCHS" --checkpoint "$tmp/$name.st" "$@" 2> "$tmp/err" > /dev/null
        awk -v out="$tmp/$name" '/^timing checkpoint=/ { split($2, c, "="); split($3, w, "="); split($4, b, "=")
            print c[2] >> (out ".ck"); if (w[2] > 0) print w[2] >> (out ".write"); print b[2] >> (out ".bytes") }' "$tmp/err"
    done
}
checkpoint_run ck_adam --optimizer adam
checkpoint_run ck_wide --optimizer adam --hidden 256,256

floor_train=$(median < "$tmp/floor.train"); floor_eval=$(median < "$tmp/floor.eval")
floor_epoch=$(awk -v a="$floor_train" -v b="$floor_eval" 'BEGIN { printf "%.6f", a + b }')

printf '%-34s %-26s %-26s %-10s %-9s %s\n' "configuration" "train s/epoch" "eval s/epoch" "updates/s" "RSS MB" "epoch ÷ floor"
printf '%-34s %-26s %-26s %-10s %-9s %s\n' "OpenBLAS floor (gemm_floor.c)" "$(stats < "$tmp/floor.train")" "$(stats < "$tmp/floor.eval")" "$(awk -v t="$floor_train" 'BEGIN { printf "%.0f", 1200 / t }')" "-" "1.00"
row() {
    local name=$1 label=$2
    local t e u
    t=$(median < "$tmp/$name.train"); e=$(median < "$tmp/$name.eval"); u=$(median < "$tmp/$name.updates")
    printf '%-34s %-26s %-26s %-10s %-9s %s\n' "$label" "$(stats < "$tmp/$name.train")" "$(stats < "$tmp/$name.eval")" \
        "$(awk -v u="$u" -v t="$t" 'BEGIN { printf "%.0f", u / t }')" "$(median < "$tmp/$name.rss" | awk '{ printf "%.0f", $1 }')" \
        "$(awk -v t="$t" -v e="$e" -v f="$floor_epoch" 'BEGIN { printf "%.2f", (t + e) / f }')"
}
row adam      "default: adam, batch 50"
row sgd       "sgd, batch 50"
row batch1    "sgd, batch 1 (1 epoch)"
row batch1000 "adam, batch 1000"
row wide      "adam, --hidden 256,256"
row threads2  "adam, --threads 2"
row wide2     "adam, --hidden 256,256 --threads 2"
echo

# The targets (issue "Fast and lean"), on medians.
adam_epoch=$(awk -v t="$(median < "$tmp/adam.train")" -v e="$(median < "$tmp/adam.eval")" 'BEGIN { printf "%.6f", t + e }')
load=$(median < "$tmp/adam.load")
rss=$(median < "$tmp/adam.rss")
: > "$tmp/long"
for _ in $(seq "$LONG_RUNS"); do
    start=$(date +%s.%N)
    "$BIN" --data-dir "$DATA/fashion" --epochs 100 > /dev/null
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }' >> "$tmp/long"
done
long=$(median < "$tmp/long")
# Allocations per training step: malloc calls (counted by an LD_PRELOAD library) of a 1-epoch
# run with 600 updates and with 2,400; equal counts mean the step allocates nothing.
cc -O2 -shared -fPIC scripts/count_malloc.c -o "$tmp/count_malloc.so" -ldl
allocs() { LD_PRELOAD="$tmp/count_malloc.so" "$BIN" --data-dir "$DATA/fashion" --epochs 1 --batch-size "$1" 2>&1 >/dev/null | awk '/^malloc calls:/ { print $3 }'; }
allocs600=$(allocs 100); allocs2400=$(allocs 25)
verdict() { awk -v v="$1" -v l="$2" 'BEGIN { print (v <= l) ? "met" : "NOT met" }'; }
checkpoint_row() {
    local name=$1 base=$2 label=$3
    local c e
    c=$(median < "$tmp/$name.ck")
    e=$(awk -v t="$(median < "$tmp/$base.train")" -v v="$(median < "$tmp/$base.eval")" 'BEGIN { printf "%.6f", t + v }')
    printf '  %-30s training waits %s s (%.2f%% of a %.4f s epoch); the background write takes %s s; %s bytes\n' "$label" \
        "$(stats < "$tmp/$name.ck")" "$(awk -v c="$c" -v e="$e" 'BEGIN { print 100 * c / e }')" "$e" "$(stats < "$tmp/$name.write")" \
        "$(median < "$tmp/$name.bytes" | awk '{ printf "%d", $1 }')"
}
echo "--checkpoint after every epoch (goal: ≤ 2% of an epoch):"
checkpoint_row ck_adam adam "default: adam, batch 50"
checkpoint_row ck_wide wide "adam, --hidden 256,256"
echo

echo "targets (medians):"
printf '  epoch (train + eval) %.4f s ≤ 1.25 × floor %.4f s = %.4f s: %s (%.2f×)\n' "$adam_epoch" "$floor_epoch" \
    "$(awk -v f="$floor_epoch" 'BEGIN { print 1.25 * f }')" "$(verdict "$adam_epoch" "$(awk -v f="$floor_epoch" 'BEGIN { print 1.25 * f }')")" \
    "$(awk -v a="$adam_epoch" -v f="$floor_epoch" 'BEGIN { print a / f }')"
printf '  loading both files of the data set %.3f s ≤ 1 s: %s\n' "$load" "$(verdict "$load" 1)"
printf '  peak resident memory %.0f MB ≤ 100 MB: %s\n' "$rss" "$(verdict "$rss" 100)"
printf '  malloc calls of a 1-epoch run: %s with 600 updates, %s with 2400 updates: %s\n' "$allocs600" "$allocs2400" \
    "$(awk -v a="$allocs600" -v b="$allocs2400" 'BEGIN { d = a - b; if (d < 0) d = -d; print (d < 20) ? "the training step allocates nothing" : "the step ALLOCATES" }')"
printf '  100-epoch default run %.2f s ≤ 1.3 × 100 × floor epoch = %.2f s: %s\n' "$long" \
    "$(awk -v f="$floor_epoch" 'BEGIN { print 130 * f }')" "$(verdict "$long" "$(awk -v f="$floor_epoch" 'BEGIN { print 130 * f }')")"
echo
bash scripts/bench-compare.sh
