#pragma once

#include "ops/registry.h"

// The reduction family is split over several files; register_reductions (reductions.cpp) calls
// each part.
namespace onyxrt::ops {

void register_reduce(Registry& r);      // reduce.cpp: ReduceSum ... ReduceSumSquare
void register_arg_reduce(Registry& r);  // arg_reduce.cpp: ArgMax, ArgMin
void register_cumulative(Registry& r);  // cumulative.cpp: CumSum, CumProd
void register_topk(Registry& r);        // topk.cpp: TopK

}  // namespace onyxrt::ops
