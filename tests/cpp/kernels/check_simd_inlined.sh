#!/usr/bin/env bash
# Fails when a binary calls a SIMD vocabulary member (kernels/simd/f32_<isa>.h: fmadd, set1, load,
# ...) out of line. Each is one instruction; when GCC's inliner gives up on a large kernel body it
# makes them calls, and the kernel runs several times slower with no other sign (the row softmax
# once did: 4.6x onnxruntime's time).
# usage: check_simd_inlined.sh OBJDUMP BINARY
set -euo pipefail
objdump=$1
binary=$2
listing=$("$objdump" -d --no-show-raw-insn -C "$binary")
# Not vacuous: the listing must name the kernels (a stripped binary would hide every call).
if ! grep -q "softmax_f32" <<<"$listing"; then
  echo "no kernel symbols in $binary: cannot check" >&2
  exit 1
fi
calls=$(grep -E '(call|bl)[[:space:]].*simd::\(anonymous namespace\)::[A-Za-z0-9]+::[a-z_0-9]+\(' <<<"$listing" || true)
if [[ -n $calls ]]; then
  echo "out-of-line calls to SIMD vocabulary members in $binary:" >&2
  sed -E 's/.*::([A-Za-z0-9]+::[a-z_0-9]+)\(.*/\1/' <<<"$calls" | sort | uniq -c | sort -rn | head -20 >&2
  exit 1
fi
echo "no out-of-line SIMD vocabulary calls"
