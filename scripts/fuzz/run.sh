#!/bin/sh
# Builds the libFuzzer target over the registry's parsers (scripts/fuzz/FuzzParsers.swift) and runs it.
#
#   scripts/fuzz/run.sh [libFuzzer options…]     e.g. scripts/fuzz/run.sh -max_total_time=600
#
# RegistryCore and AuditLog are built with coverage instrumentation (swiftc -sanitize=fuzzer) into
# .build/fuzz, then linked with the entry point and libFuzzer's main. The corpus (scripts/fuzz/corpus, seeded
# with one document per parser) grows in .build/fuzz/corpus; a crashing input is written as crash-<sha1> in the
# current directory. Needs a Linux Swift toolchain (libFuzzer ships with it); Darwin's does not include it.
set -eu
cd "$(dirname "$0")/../.."
build=.build/fuzz
swift build -c release --build-path "$build" --target AuditLog \
    -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xcc -fsanitize=fuzzer-no-link
release="$build/release"
swiftc -O -sanitize=fuzzer -parse-as-library -module-name FuzzParsers \
    -I "$release/Modules" \
    -Xcc -fmodule-map-file="$release/CSHA256.build/module.modulemap" \
    -Xcc -fmodule-map-file="$release/CRegistryShims.build/module.modulemap" \
    scripts/fuzz/FuzzParsers.swift \
    "$release"/RegistryCore.build/*.o "$release"/AuditLog.build/*.o \
    "$release"/CSHA256.build/*.o "$release"/CRegistryShims.build/*.o \
    -o "$build/fuzz-parsers"
mkdir -p "$build/corpus"
cp scripts/fuzz/corpus/* "$build/corpus/"
exec "$build/fuzz-parsers" "$build/corpus" "$@"
