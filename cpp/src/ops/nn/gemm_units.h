#pragma once

#include <cstdint>

#include "base/parallel.h"

// The threading of the GEMM-lowered convolutions (ConvTranspose, DeformConv): independent units
// (image, group[, column chunk]) each doing one GEMM plus its lowering.
namespace onyxrt::ops {

// Calls unit(u, inner_threads) for every u in [0, units): in parallel, one thread per unit, when
// there are at least as many units as threads; else one after another, each handed all threads
// for its GEMM. An exception from a unit is rethrown on the calling thread.
template <class Unit>
void run_gemm_units(int64_t units, int threads, const Unit& unit) {
  if (threads <= 1 || units < threads) {
    for (int64_t u = 0; u < units; ++u) unit(u, threads);
    return;
  }
  parallel_for(units, 1, threads, [&](int64_t begin, int64_t end) {  // rethrows a unit's exception here
    for (int64_t u = begin; u < end; ++u) unit(u, 1);
  });
}

}  // namespace onyxrt::ops
