#!/usr/bin/env bash
# Fuzzes the flow decoders (fuzz/flow) and the packet parser (fuzz/packet): each target for a
# bounded time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 60; TARGETs default to netflow_v5 netflow_v9 ipfix sflow
# parse_ethernet.
# Needs the nightly toolchain and cargo-fuzz (installed from crates.io when missing). The
# corpus starts from the decoders' fixtures (crates/flow/testdata); crashes are written to
# fuzz/flow/artifacts/TARGET/. Exits non-zero when a target found a crash.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(netflow_v5 netflow_v9 ipfix sflow parse_ethernet)
fuzz_dir="$root/fuzz/flow"
testdata="$root/crates/flow/testdata"

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# u16 big-endian length of $1 then its bytes after the first $2 (the version the target adds).
frame() {
    local n=$(( $(stat -c %s "$1") - $2 ))
    printf "\\x$(printf %02x $((n >> 8)))\\x$(printf %02x $((n & 255)))"
    tail -c +$(($2 + 1)) "$1"
}

seed() { # seed TARGET VERSION_BYTES FRAMED FIXTURE_DIR
    local target=$1 skip=$2 framed=$3 dir=$4 corpus="$fuzz_dir/corpus/$1"
    mkdir -p "$corpus"
    for f in "$testdata/$dir"/*.bin; do
        if [ "$framed" = yes ]; then frame "$f" "$skip"; else tail -c +$((skip + 1)) "$f"; fi \
            >"$corpus/seed-$(basename "$f" .bin)"
    done
    if [ "$framed" = yes ]; then # whole exports in one input: templates, then their data
        for first in "$testdata/$dir"/*-00.bin; do
            local name=${first%-00.bin}
            for f in "$name"-*.bin; do frame "$f" "$skip"; done >"$corpus/seed-$(basename "$name")-all"
        done
    fi
}

failed=()
for target in "${targets[@]}"; do
    case $target in
        netflow_v5) seed netflow_v5 2 no netflow_v5 ;;
        netflow_v9) seed netflow_v9 2 yes netflow_v9 ;;
        ipfix) seed ipfix 2 yes ipfix ;;
        sflow) seed sflow 4 no sflow ;;
        parse_ethernet) ;;
        *) echo "unknown target $target" >&2; exit 2 ;;
    esac
    echo "== fuzzing $target for ${seconds}s"
    dir=$fuzz_dir
    [ "$target" = parse_ethernet ] && dir="$root/fuzz/packet"
    if ! cargo +nightly fuzz run --fuzz-dir "$dir" "$target" -- \
        -max_total_time="$seconds" -print_final_stats=1; then
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "crashes found in: ${failed[*]} (see fuzz/flow/artifacts/ and fuzz/packet/artifacts/)" >&2
    exit 1
fi
echo "no crash in ${targets[*]} (${seconds}s each)"
