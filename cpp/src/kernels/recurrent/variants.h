#pragma once

#include <cstdint>

#include "base/cpu_features.h"

namespace onyxrt::kernels {

using LstmCellF32Fn = void (*)(const float* g, const float* xw, float* c, float* h, int64_t n);

struct LstmCellF32Variant {
  const char* name;
  IsaTier tier;
  LstmCellF32Fn fn;
};

#define LSTM_CELL_F32_KERNEL(name, tier) void name(const float* g, const float* xw, float* c, float* h, int64_t n);
#include "kernels/recurrent/lstm_cell_f32.inc"
#undef LSTM_CELL_F32_KERNEL

inline constexpr LstmCellF32Variant kLstmCellF32Variants[] = {
#define LSTM_CELL_F32_KERNEL(name, tier) {#name, IsaTier::tier, name},
#include "kernels/recurrent/lstm_cell_f32.inc"
#undef LSTM_CELL_F32_KERNEL
};
static_assert(kLstmCellF32Variants[0].tier == IsaTier::Generic,
              "lstm_cell_f32.inc must list the generic variant first");

}  // namespace onyxrt::kernels
