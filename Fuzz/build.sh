#!/usr/bin/env bash
# Builds the libFuzzer targets into Fuzz/.build-fuzz/: fuzz-frames (the frame decoder),
# fuzz-original (the original protocol and JSON), fuzz-captures (the capture reader and packet
# decoder), fuzz-openfootball and fuzz-statsbomb (the importers' readers: a football.json file;
# a StatsBomb line-ups file, a zero byte, an events file) and fuzz-tokens (subscriber tokens,
# binary and text: Spec/TOKENS.md) and fuzz-sealed (sealed frames' layout and the plaintext a
# client decodes after opening: Spec/ENCRYPTION.md). Each is the MatchModel, Wire, Capture
# and Importers sources plus the entry point, compiled as one module
# with libFuzzer and AddressSanitizer. (SwiftPM renames an executable's entry point, which
# clashes with libFuzzer's own main, so swiftc is used directly.)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p Fuzz/.build-fuzz
for target in frames original captures openfootball statsbomb tokens sealed; do
    flag=$(echo "FUZZ_$target" | tr '[:lower:]' '[:upper:]')
    swiftc -O -g -sanitize=fuzzer,address -parse-as-library -DFUZZING -D"$flag" \
        -module-name FuzzDecoders -I Sources/CZlib -lz \
        -package-name soccerstream Sources/MatchModel/*.swift Sources/Wire/*.swift Sources/Capture/*.swift Sources/Importers/*.swift \
        Sources/fuzz-decoders/FuzzDecoders.swift \
        -o "Fuzz/.build-fuzz/fuzz-$target" 2> >(grep -v "Cannot export local symbol" >&2)
    echo "built Fuzz/.build-fuzz/fuzz-$target"
done
