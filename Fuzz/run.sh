#!/usr/bin/env bash
# Runs each libFuzzer target for RUNS executions (default 1,000,000), seeded with the fixtures,
# plus the crash regressions kept in Fuzz/regressions/. New crashing inputs land in
# Fuzz/.build-fuzz/artifacts/; copy them to Fuzz/regressions/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-1000000}
[ -x Fuzz/.build-fuzz/fuzz-frames ] || bash Fuzz/build.sh
mkdir -p Fuzz/.build-fuzz/artifacts
for target in frames original captures openfootball statsbomb tokens sealed; do
    corpus=Fuzz/.build-fuzz/corpus-$target
    mkdir -p "$corpus"
    case $target in
        frames) cp Fixtures/frames/*.bin "$corpus"/ ;;
        original) cp Fixtures/frames/original-*.bin Fixtures/original/*.bin "$corpus"/ ;;
        captures) cp Fixtures/captures/client-capture*.pcap Fixtures/captures/corrupt-*.pcap Fixtures/captures/session-sll2-nanos.pcap "$corpus"/ ;;
        openfootball) cp Data/openfootball/*.json "$corpus"/ ;;
        statsbomb) { cat Fixtures/statsbomb-shaped/lineups.json; printf '\0'; cat Fixtures/statsbomb-shaped/events.json; } > "$corpus"/made-up-match ;;
        # Spec/TOKENS.md's test vector, binary and text.
        tokens) sed -n '/^## Test vector/,/^## Admission/p' Spec/TOKENS.md | grep -E '^[0-9a-f]{40,}$' | tr -d '\n' | xxd -r -p > "$corpus"/vector.bin
                sed -n '/^## Test vector/,/^## Admission/p' Spec/TOKENS.md | grep '^sst1\.' > "$corpus"/vector.txt ;;
        # The sealed fixtures and every frame besides (the target makes each one sealed).
        sealed) cp Fixtures/frames/*.bin "$corpus"/ ;;
    esac
    find Fuzz/regressions -type f ! -name README.md -exec cp {} "$corpus"/ \; 2>/dev/null || true
    echo "== fuzz-$target: $runs runs"
    Fuzz/.build-fuzz/fuzz-$target -runs="$runs" -max_len="$(case $target in statsbomb) echo 131072 ;; openfootball) echo 32768 ;; *) echo 16384 ;; esac)" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix=Fuzz/.build-fuzz/artifacts/$target- -print_final_stats=1 "$corpus" 2>&1 \
        | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)" || true
done
