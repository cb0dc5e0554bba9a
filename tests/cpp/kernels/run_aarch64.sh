#!/usr/bin/env bash
# The kernel tests on 64-bit Arm, from an x86 machine: cross-compiles the portable kernels and
# base (the x86_* folders are left out, as CMake leaves them out on Arm) and each kernel test with
# Debian's g++-aarch64-linux-gnu, statically, then runs them under qemu-aarch64 (Debian's
# qemu-user). Not part of .ci/run: the toolchain is an optional install.
#   apt-get install g++-aarch64-linux-gnu qemu-user
#   tests/cpp/kernels/run_aarch64.sh [build dir, default /tmp/onyxrt-aarch64]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-/tmp/onyxrt-aarch64}
cxx=aarch64-linux-gnu-g++
for tool in "$cxx" qemu-aarch64; do
  command -v "$tool" > /dev/null || { echo "missing $tool (apt-get install g++-aarch64-linux-gnu qemu-user)"; exit 2; }
done
mkdir -p "$out/obj"
flags=(-std=c++17 -O2 -I"$root/cpp/src" -I"$root/cpp/include")
objects=()
while IFS= read -r src; do
  obj="$out/obj/$(echo "${src#"$root"/}" | tr '/' '_').o"
  "$cxx" "${flags[@]}" -c "$src" -o "$obj" &
  objects+=("$obj")
  if (( ${#objects[@]} % 4 == 0 )); then wait; fi
done < <(find "$root/cpp/src/kernels" "$root/cpp/src/base" -name '*.cpp' | grep -v -E '/x86_avx2/|/x86_avx512/' | sort)
wait
status=0
for test in "$root"/tests/cpp/kernels/test_*.cpp; do
  name=$(basename "$test" .cpp)
  "$cxx" "${flags[@]}" -I"$root/tests/cpp/kernels" "$test" "${objects[@]}" -static -pthread -o "$out/$name"
  if qemu-aarch64 "$out/$name" | tail -1; then :; else status=1; fi
done
exit $status
