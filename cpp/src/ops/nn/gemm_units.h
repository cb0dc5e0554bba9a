#pragma once

#include <cstdint>

#include "base/parallel.h"

// The threading of the convolutions over independent units (image, group[, column chunk]): the
// GEMM-lowered ones (Conv's im2col path, ConvTranspose, DeformConv) and the direct kernels.
namespace onyxrt::ops {

// Calls unit(u, inner_threads) for every u in [0, units): in parallel, one thread per unit, when
// `whole_units` (and threads > 1); else one after another, each handed all threads for its own
// split. An exception from a unit is rethrown on the calling thread.
template <class Unit>
void run_units(int64_t units, int threads, bool whole_units, const Unit& unit) {
  if (threads <= 1 || !whole_units) {
    for (int64_t u = 0; u < units; ++u) unit(u, threads);
    return;
  }
  parallel_for(units, 1, threads, [&](int64_t begin, int64_t end) {  // rethrows a unit's exception here
    for (int64_t u = begin; u < end; ++u) unit(u, 1);
  });
}

// run_units with whole units when there are at least as many as threads.
template <class Unit>
void run_gemm_units(int64_t units, int threads, const Unit& unit) {
  run_units(units, threads, units >= threads, unit);
}

}  // namespace onyxrt::ops
