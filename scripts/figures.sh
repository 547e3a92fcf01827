#!/usr/bin/env bash
# make figures: the book chapter's figures, rebuilt with zalando-train into docs/figures/ (SVG),
# and docs/figures/README.md showing each picture with the one command that made it.
# The training runs the cost figures need are written to .build/figures/ (not committed).
# Environment: BIN (default .build/release/zalando-train), OUT (default docs/figures).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/zalando-train}
OUT=${OUT:-docs/figures}
RUNS=.build/figures
mkdir -p "$OUT" "$RUNS"

readme="$OUT/README.md.tmp"
cat > "$readme" <<'HEAD'
# Figures of the chapter, rebuilt

Each picture below is our equivalent of a figure of the book chapter on optimizers and
learning-rate schedules, made by `make figures` (scripts/figures.sh), which rebuilds this page.
Every command writes to a scratch folder (`mkdir -p scratch` first), never over these files;
`--png FILE` or `--pdf FILE` give the same drawing as PNG or PDF. `zalando-train` is
`.build/release/zalando-train` after `make build`.

HEAD

# The arguments as one shell line, each quoted when it needs to be (copy-pastable).
quote() {
    local out=() a q="'"
    for a in "$@"; do
        if [[ $a =~ ^[A-Za-z0-9._,=/:+-]+$ ]]; then out+=("$a"); else out+=("$q${a//$q/$q\\$q$q}$q"); fi
    done
    printf '%s' "${out[*]}"
}

# figure NAME "HEADING" "WHAT TO SEE" COMMAND ARGS… (the picture flag is appended)
figure() {
    local name=$1 heading=$2 sentence=$3
    shift 3
    "$BIN" "$@" --svg "$OUT/$name.svg" > /dev/null
    {
        printf '## %s\n\n' "$heading"
        printf '```\nzalando-train %s --svg scratch/%s.svg\n```\n\n' "$(quote "$@")" "$name"
        printf '![%s](%s.svg)\n\n%s\n\n' "$heading" "$name" "$sentence"
    } >> "$readme"
}

# train NAME ARGS…: one run log in .build/figures (reused when a finished one is there).
train() {
    local name=$1
    shift
    local log="$RUNS/$name.csv"
    if [ ! -s "$log" ]; then
        # Trained under a temporary name: an interrupted run is never taken for a finished one.
        rm -f "$log.part"
        echo "figures: training $name ($*)" >&2
        "$BIN" train "$@" --run-name "$name" --csv "$log.part" > /dev/null
        mv "$log.part" "$log"
    fi
    # Prints the command for the README.
    printf 'zalando-train %s --run-name %s --csv scratch/%s.csv' "$(quote "$@")" "$name" "$name"
}

# compare-figure NAME "HEADING" "WHAT TO SEE" "TRAIN COMMANDS" LOGS… -- COMPARE ARGS…
compare_figure() {
    local name=$1 heading=$2 sentence=$3 commands=$4
    shift 4
    local logs=()
    # A name is a run log in .build/figures, or a folder of them there (a sweep).
    while [ "$1" != "--" ]; do
        if [ -d "$RUNS/$1" ]; then logs+=("$RUNS/$1"); else logs+=("$RUNS/$1.csv"); fi
        shift
    done
    shift
    "$BIN" compare "${logs[@]}" "$@" --svg "$OUT/$name.svg" > /dev/null
    local scratch_logs=""
    for log in "${logs[@]}"; do scratch_logs+=" scratch/$(basename "$log")"; done
    {
        printf '## %s\n\n' "$heading"
        printf '```\n%s\nzalando-train compare%s %s --svg scratch/%s.svg\n```\n\n' "$commands" "$scratch_logs" "$(quote "$@")" "$name"
        printf '![%s](%s.svg)\n\n%s\n\n' "$heading" "$name" "$sentence"
    } >> "$readme"
}

figure step-decay "Step decay for D = 10, 20, 50 (Fig. 4-4)" \
    "The rate is divided by ⌊j/D⌋ + 1: the smaller D, the sooner and the more often it drops; every curve starts at γ0 = 2 and flattens out as the divisions add up." \
    lr --schedule step --lr 2 --drop-every 10,20,50 --iterations 200 --title "Step Decay, γ0 = 2"

figure inverse-time "Inverse-time decay for ν = 0.01, 0.1, 0.8 (Fig. 4-5)" \
    "γ0 / (1 + ν·j): with ν = 0.8 the rate has lost 90% after about 11 updates, with ν = 0.01 it has barely halved after 100." \
    lr --schedule inverse-time --lr 2 --decay-rate 0.01,0.1,0.8 --decay-steps 1 --iterations 100 --title "Inverse-Time Decay, γ0 = 2"

figure exponential "Exponential decay for ν = 0.01, 0.1, 0.8, T = 100 (Fig. 4-9)" \
    "γ0 · ν^(j/T) is a straight line on the log axis (chosen because the rates span many decades): ν sets the slope, T = 100 updates per factor of ν." \
    lr --schedule exponential --lr 2 --decay-rate 0.01,0.1,0.8 --decay-steps 100 --iterations 300 --title "Exponential Decay, γ0 = 2, T = 100"

figure natural-exp "Natural exponential decay for ν = 0.01, 0.1, 0.8" \
    "γ0 · e^(−ν·j/s) with s = 10: the same straight lines on a log axis, each slope ν/s; with ν = 0.01 the rate stays within 10% of γ0 for 100 updates." \
    lr --schedule natural-exp --lr 2 --decay-rate 0.01,0.1,0.8 --decay-steps 10 --iterations 100 --title "Natural Exponential Decay, γ0 = 2, s = 10"

figure warmup-cosine "Linear warmup then cosine decay (our choice)" \
    "Warmup raises the rate linearly over W updates before the cosine starts, so the first updates of a fresh network are small; the cosine then ends at 0, visible on the linear axis." \
    lr --schedule cosine --lr 0.1 --decay-steps 6000 --warmup-steps 0,500,2000 --iterations 8000 --title "Warmup + Cosine Decay, γ0 = 0.1, s = 6000"

figure sgdr "SGDR: cosine decay with warm restarts (our choice)" \
    "Each period ends at the floor (0 here, so the axis is linear: a log axis would stretch the last moments of each period into deep spikes) and restarts at the peak; with t_mul = 2 every period is twice as long as the one before, with m_mul = 0.7 (not shown) the peaks would shrink." \
    lr --schedule sgdr --lr 0.1 --decay-steps 1000 --t-mul 1,2 --iterations 7000 --linear-y --title "SGDR, γ0 = 0.1, First Period 1000 Updates"

figure paths "GD, momentum, RMSProp and Adam on the w, b problem (Figs. 4-22 to 4-28)" \
    "All four start at (−1, 0.5). Plain GD walks straight down the steepest slope, then crawls along the valley; momentum overshoots and swings across it; RMSProp and Adam move along the diagonal at first (their steps have the same size in w and b) and reach the minimum soonest." \
    path --optimizer sgd,momentum,rmsprop,adam --lr 0.1,0.05,0.05,0.3 --iterations 60 --start -1,0.5

figure paths-diverging "A rate too large: GD leaves the picture" \
    "With γ = 0.6 plain GD overshoots more every step and runs away; the view stays fitted to the paths that converge, and a note says where the diverging one leaves it (the old picture rescaled to ±1e38 instead)." \
    path --optimizer sgd,sgd,adam --lr 0.1,0.6,0.3 --iterations 40 --start -1,0.5 --title "GD with γ = 0.1 and γ = 0.6, Adam with γ = 0.3"

sgd=$(train sgd-0.01 --optimizer sgd --lr 0.01 --epochs 100 --seed 1)
inverse=$(train inverse-time-0.1 --optimizer sgd --lr 0.1 --schedule inverse-time --decay-rate 0.1 --decay-steps 1000 --epochs 100 --seed 1)
adam=$(train adam-0.001 --optimizer adam --lr 0.001 --epochs 100 --seed 1)

compare_figure constant-vs-inverse-time "Zalando: constant γ = 0.01 against inverse-time decay from γ0 = 0.1 (Fig. 4-19)" \
    "Starting ten times higher and decaying, the inverse-time run keeps a lower training cost all along (0.333 against 0.366 at epoch 10, 0.225 against 0.239 at epoch 100); in the right panel both test costs (dotted, open markers) bottom out at 0.374 around epoch 35 and then creep up while training cost keeps falling." \
    "$sgd"$'\n'"$inverse" sgd-0.01 inverse-time-0.1 -- --title "Constant Rate against Inverse-Time Decay (SGD, Fashion-MNIST)"

compare_figure gd-vs-adam "Zalando: GD with γ = 0.01 against Adam over 100 epochs (Fig. 4-29)" \
    "Adam's training cost falls faster and further (0.192 against 0.239 after 100 epochs), but its test cost (right panel, dotted, open squares) is lowest at epoch 16 (0.369) and climbs to 0.465: Adam overfits, and ends barely more accurate on the test set than GD (86.5% against 86.3%)." \
    "$sgd"$'\n'"$adam" sgd-0.01 adam-0.001 -- --title "Minibatch GD against Adam (Fashion-MNIST, 100 Epochs)"

# Which rate? The two-step recipe of docs/guide/lr-find.md: the range test, then one-cycle at
# the suggested peak against a constant rate and cosine at the same peak and the same 15 epochs
# (0.0575 is momentum's steep suggestion in the study the guide reports). Validation held out,
# so the comparison ranks by validation accuracy. About 15 s of training.
figure lr-find "The learning-rate range test for SGD, momentum and Adam" \
    "Each curve is one fresh model (seed 1) trained for 100 minibatches at rates rising from 1e-7 to 10: flat while the rate is too small to matter, falling once it works, shooting up when it is too large. The rings are fastai's suggestions (valley, steep, minimum); the valley is a starting point, not an answer: Adam's loss starts to fall first (valley 1.2e-3), momentum's next (9.1e-3), plain SGD's last and least deep (1.3e-2)." \
    lr-find --optimizer sgd,momentum,adam --seed 1

constant=$(train momentum-constant-0.0575 --optimizer momentum --lr 0.0575 --epochs 15 --validation 10000 --seed 1)
cosine=$(train momentum-cosine-0.0575 --optimizer momentum --lr 0.0575 --schedule cosine --decay-steps 15e --epochs 15 --validation 10000 --seed 1)
onecycle=$(train momentum-one-cycle-0.0575 --optimizer momentum --lr 0.0575 --schedule one-cycle --epochs 15 --validation 10000 --seed 1)

compare_figure one-cycle-vs-baselines "Zalando: one-cycle at the suggested peak against constant and cosine (momentum, γ = 0.0575, 15 epochs)" \
    "At momentum's steep suggestion the constant rate trains for ten epochs near 80% and then collapses (the dead-unit warning fires; 19% at epoch 15); cosine starts at the same rate but decays in time (86.03% best validation accuracy); one-cycle warms up from γ/25 and anneals to almost 0, and ends best (87.46% validation, 86.52% test at epoch 15). One seed: the guide's three-seed study says how much of that gap is real." \
    "$constant"$'\n'"$cosine"$'\n'"$onecycle" momentum-constant-0.0575 momentum-cosine-0.0575 momentum-one-cycle-0.0575 -- \
    --title "One-Cycle against Constant and Cosine at the Same Peak (Momentum, Fashion-MNIST)"

# A sweep's answer (docs/guide/comparing-and-pictures.md): the guide's 12-run sweep (sgd,
# momentum, adam × γ 0.1, 0.01 × seeds 1, 2; 4 epochs, validation held out), kept in
# .build/figures/sweep-12 and reused; its band chart, its sensitivity chart and, when Chromium is
# installed, a screenshot of its HTML report. About 30 s of training.
sweep_dir="$RUNS/sweep-12"
sweep_axes=(optimizer=sgd,momentum,adam lr=0.1,0.01 seed=1,2 epochs=4 validation=10000)
if [ ! -s "$sweep_dir/.complete" ]; then
    echo "figures: training the 12-run sweep" >&2
    "$BIN" sweep "$sweep_dir" "${sweep_axes[@]}" --jobs 1 > /dev/null
    touch "$sweep_dir/.complete"
fi
sweep_command="zalando-train sweep scratch/sweep-12 $(quote "${sweep_axes[@]}")"
compare_figure sweep-bands "A sweep of 12 runs: one band per configuration" \
    "Six configurations, two seeds each: each line is the mean over its seeds, the band ± one sample sd, the ring its median best epoch; the legend is the table's ranking. SGD at γ = 0.1 and momentum at γ = 0.01 are on top and their bands overlap; momentum and Adam at γ = 0.1 are far below, with bands as wide as the axis: a rate they cannot take, where one seed stalls and the other barely learns. Colours come from the configuration's id, so two configurations can share one (here the two at the bottom); their dash and marker still differ." \
    "$sweep_command" sweep-12 -- --title "Six Configurations, Two Seeds Each (Fashion-MNIST, 4 Epochs)"
compare_figure sweep-sensitivity "The same sweep: best validation accuracy against the rate" \
    "One line per optimizer through the configurations' means, the 95% intervals as error bars (two seeds: t = 12.71, so wide; an interval past 0% or 100% is cut at the frame). SGD gains a little from the larger rate; momentum and Adam fall from 84% and 82% to about 30%, and their intervals at γ = 0.1 cover the whole axis: two seeds cannot say how bad that rate is, only that it is bad." \
    "$sweep_command" sweep-12 -- --by lr --title "Sensitivity to the Rate (Fashion-MNIST, 4 Epochs)"
if command -v chromium > /dev/null 2>&1; then
    "$BIN" compare "$sweep_dir" --by lr --html "$RUNS/sweep-12.html" > /dev/null
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1800 \
        --screenshot="$OUT/sweep-report.png" "file://$PWD/$RUNS/sweep-12.html" > /dev/null 2>&1
    {
        printf '## The same sweep as an HTML report\n\n'
        printf '```\nzalando-train compare scratch/sweep-12 --by lr --html scratch/sweep-12.html\n```\n\n'
        printf '![The HTML report of the 12-run sweep, 1280 px wide](sweep-report.png)\n\n'
        printf 'The terminal'"'"'s tables (per configuration, with intervals and ≈ best) above the same charts; hovering a row, a line or a legend entry highlights that configuration everywhere.\n\n'
    } >> "$readme"
else
    echo "figures: chromium not found; the HTML report's screenshot is not remade" >&2
fi

figure schedules "Six schedules side by side" \
    "With one shared set of flags: cosine reaches 0 at j = s and stays there (drawn, on a linear axis), SGDR restarts at j = 1000 and 3000, step halves, thirds, quarters…, and constant stays away from the frame." \
    lr --schedule constant,step,exponential,inverse-time,cosine,sgdr --lr 0.1 --drop-every 1000 --decay-rate 0.1 --decay-steps 1000 --iterations 6000

mv "$readme" "$OUT/README.md"
echo "figures: $(ls "$OUT"/*.svg | wc -l) pictures and README.md in $OUT"
