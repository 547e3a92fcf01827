#!/usr/bin/env bash
# make fuzz: coverage-guided fuzzing (libFuzzer + AddressSanitizer) of the five file readers —
# IDX/gzip, run-log CSV (compare), x,y CSV (path --data), safetensors (evaluate), checkpoint (--resume).
#   FUZZ_SECONDS=600   time per target     FUZZ_TARGETS="idx runlog pathdata model checkpoint"
#   FUZZ_JOBS=2        targets run at once
# Seeds: Fuzz/corpus/TARGET (committed). New coverage goes to Fuzz/findings/TARGET/corpus
# (ignored); a crashing input is saved as Fuzz/findings/TARGET/crash-… — copy it to
# Fuzz/regressions/TARGET-NAME so `make test` replays it forever.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${FUZZ_SECONDS:-600}
TARGETS=${FUZZ_TARGETS:-idx runlog pathdata model checkpoint}
JOBS=${FUZZ_JOBS:-2}
RUNTIME=$(ls /opt/swift/usr/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -n 1 || true)
if [ -z "$RUNTIME" ]; then
    RUNTIME=$(dirname "$(dirname "$(command -v swift)")")/lib/clang
    RUNTIME=$(ls "$RUNTIME"/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -n 1 || true)
fi
[ -n "$RUNTIME" ] || { echo "fuzz: libclang_rt.fuzzer_no_main not found in the Swift toolchain" >&2; exit 1; }
# SwiftPM aliases `main` for executables, so libFuzzer's own main cannot be linked: instrument for
# coverage, link the no-main runtime, and let the harness call LLVMFuzzerRunDriver.
swift build --package-path Fuzz -c debug -Xswiftc -sanitize=address \
    -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
    -Xlinker "$RUNTIME" -Xlinker -lstdc++
BIN=Fuzz/.build/debug/zt-fuzz
run_target() {
    local target=$1 out=Fuzz/findings/$1
    mkdir -p "$out/corpus"
    "$BIN" "$target" "$out/corpus" "Fuzz/corpus/$target" -max_total_time="$SECONDS_PER_TARGET" -max_len=16384 \
        -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$out/" -print_final_stats=1 > "$out/log.txt" 2>&1 || true
    local runs
    runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$out/log.txt")
    local crashes
    crashes=$(ls "$out" | grep -cE '^(crash|leak|timeout|oom)-' || true)
    echo "$target: ${runs:-?} executions in ${SECONDS_PER_TARGET}s, $crashes crash/timeout/oom inputs (log: $out/log.txt)"
}
export -f run_target
export BIN SECONDS_PER_TARGET
printf '%s\n' $TARGETS | xargs -P "$JOBS" -I{} bash -c 'run_target {}'
