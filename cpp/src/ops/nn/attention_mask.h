#pragma once

#include <algorithm>
#include <cstdint>

#include "ops/kernel.h"
#include "ops/nn/attention_common.h"

// The additive bias of Attention without the broadcast (batch, q_heads, q_len, total) tensor:
// per query row, the keys [lo, hi) that the causal frontier, the sliding window (opset 25) and
// the per-batch count of valid keys (nonpad_kv_seqlen) leave visible, plus the attn_mask values
// read through broadcast strides (a boolean mask is turned into 0 / -inf once, in its own shape).
namespace onyxrt::ops::attention {

// attn_mask in the compute type, with the strides that broadcast it over (b, h, i, j).
struct MaskBias {
  Tensor values;  // Float or Double, the mask's own shape; undefined when there is no mask
  int64_t stride_b = 0, stride_h = 0, stride_i = 0, stride_j = 1;
  int64_t keys = 0;  // keys the mask covers; later keys are masked (a short mask is padded, 24+)

  bool present() const { return values.defined(); }
  template <class C>
  const C* row(int64_t b, int64_t h, int64_t i) const {
    return values.data<C>() + b * stride_b + h * stride_h + i * stride_i;
  }
};

// Checks attn_mask against (batch, q_heads, q_len, total) and converts it: bool -> 0 / -inf,
// numbers as they are (rounded to `rounding`). A last dim shorter than `total` is padded with
// -inf when `pad_short` (opset 24 on), else it must be 1 or `total` (broadcasting).
MaskBias prepare_mask(const KernelContext& ctx, const Tensor& mask, DataType compute, Rounding rounding, int64_t batch,
                      int64_t q_heads, int64_t q_len, int64_t total, bool pad_short);

// The structural part of the bias: which keys query i of batch b may see at all.
struct KeyWindow {
  bool causal = false;
  int64_t left = -1, right = -1;  // sliding window bounds, -1 unbounded
  int64_t q_len = 0, total = 0;
  int64_t past = 0;                 // the causal / window offset without nonpad_kv_seqlen
  const int64_t* nonpad = nullptr;  // per batch: valid keys, offset = nonpad - q_len
  int64_t mask_keys = INT64_MAX;    // keys a padded attn_mask covers

  // Keys [lo, hi) visible to query i of batch b; lo == hi when none is.
  void range(int64_t b, int64_t i, int64_t& lo, int64_t& hi) const {
    const int64_t offset = nonpad != nullptr ? nonpad[b] - q_len : past;
    const int64_t p = offset + i;  // the query's absolute position among the keys
    lo = 0;
    hi = std::min(nonpad != nullptr ? nonpad[b] : total, mask_keys);
    if (causal) hi = std::min(hi, p + 1);
    if (right >= 0) hi = std::min(hi, p + right + 1);
    if (left >= 0) lo = std::max<int64_t>(0, p - left);
    hi = std::max(hi, lo);
  }
};

}  // namespace onyxrt::ops::attention
