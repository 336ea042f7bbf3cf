#!/usr/bin/env bash
# Checks the assembly SHA-256 kernels beyond the host: assembles the three .S files for Linux and macOS on both
# architectures, and runs the AArch64 kernel under qemu user-mode emulation against the portable C kernel
# (kernel_check.c). Needs clang and ld.lld (both ship with the Swift toolchain) and qemu-aarch64 or
# qemu-aarch64-static (Debian: apt-get install qemu-user-static); without qemu only the assembly step runs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sources="$here/../../Sources/CSHA256"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for target in x86_64-linux-gnu x86_64-apple-macos13 aarch64-linux-gnu arm64-apple-macos13; do
    for file in sha256_x86_64.S sha256_x86_64_scalar.S sha256_aarch64.S; do
        clang --target="$target" -c "$sources/$file" -o "$work/$target-$file.o"
    done
    echo "assembled for $target"
done

qemu="$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)"
if [ -z "$qemu" ]; then
    echo "skipped: no qemu-aarch64 on PATH, so the AArch64 kernel was assembled but not run"
    exit 0
fi
flags=(--target=aarch64-linux-gnu -O1 -ffreestanding -fno-builtin -fno-stack-protector -I"$sources")
clang "${flags[@]}" -c "$here/kernel_check.c" -o "$work/check.o"
clang "${flags[@]}" -c "$sources/sha256_portable.c" -o "$work/portable.o"
clang "${flags[@]}" -c "$sources/sha256_aarch64.S" -o "$work/kernel.o"
ld.lld -static -e _start "$work/check.o" "$work/portable.o" "$work/kernel.o" -o "$work/check"
for cpu in max cortex-a53 neoverse-n1; do
    printf '%s: ' "$cpu"
    "$qemu" -cpu "$cpu" "$work/check"
done
