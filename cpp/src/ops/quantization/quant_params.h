#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "ops/kernel.h"

// What QuantizeLinear and DequantizeLinear share: the granularity a scale's shape selects (per
// tensor, per axis, or blocks along one axis), parameter values read into plain vectors whatever
// their element type, and the round-half-to-even saturating conversion to a quantized integer.
namespace onyxrt::ops {

// Which parameter (scale / zero point) each element of x uses, as runs of consecutive elements
// whose parameter is either constant or advances by one per element. x is cut into rows of
// `row` elements; row r starts at parameter
//   (r / rows_per_group) * group_stride + (r % rows_per_group) / row_block * block_stride
// and its element i adds (i / chunk) * chunk_stride. Per tensor is one row with every stride 0.
struct QuantLayout {
  int64_t size = 0;  // elements of x
  int64_t row = 1;
  int64_t rows_per_group = 1, row_block = 1, group_stride = 0, block_stride = 0;
  int64_t chunk = 1, chunk_stride = 0;

  // Calls f(offset, param, length, advancing) for the runs covering elements [begin, end):
  // element offset + i uses parameter param + (advancing ? i : 0).
  template <class F>
  void for_each_run(int64_t begin, int64_t end, F&& f) const {
    while (begin < end) {
      const int64_t r = begin / row, at = begin - r * row, stop = std::min(row, at + (end - begin));
      const int64_t base = (r / rows_per_group) * group_stride + (r % rows_per_group) / row_block * block_stride;
      if (chunk_stride == 0) {
        f(begin, base, stop - at, false);
      } else if (chunk == 1) {
        f(begin, base + at, stop - at, true);
      } else {
        for (int64_t i = at; i < stop;) {  // blocks along the innermost axis
          const int64_t next = std::min(stop, (i / chunk + 1) * chunk);
          f(r * row + i, base + i / chunk, next - i, false);
          i = next;
        }
      }
      begin += stop - at;
    }
  }
};

// The granularities an operator version accepts.
struct QuantGranularity {
  bool per_axis = false;  // opset 13: a 1-D scale of x.shape[axis] values
  bool blocked = false;   // opset 21: a scale of x's rank with ceil(D / block_size) at `axis`
};

// Resolves the layout from the scale's shape: one element is per tensor (any rank, as ORT and
// the reference treat a [1] scale); with block_size > 0 the scale must have x's rank and
// ceil(x.shape[axis] / block_size) values at `axis`; otherwise a 1-D scale is per axis. The zero
// point, when given, must have the scale's shape (or also one element). Fails with
// InvalidArgument naming the input and the shapes when they do not fit.
QuantLayout resolve_quant_layout(const KernelContext& ctx, const Shape& x, const Tensor& scale,
                                 const Tensor* zero_point, int64_t axis, int64_t block_size,
                                 const QuantGranularity& allowed, const char* scale_name,
                                 const char* zero_point_name);

// The values of a numeric tensor of any element type the quantization operators read (float,
// float16, bfloat16, float8 E8M0 scales; integer, int4 / int2, float8 / float4 zero points) as
// doubles, exact for all of them.
std::vector<double> param_values(const KernelContext& ctx, const Tensor& t);

// The representable range of a quantized integer type (int8, uint8, int16, uint16, int4, uint4,
// int2, uint2); false for other types.
bool quantized_integer_range(DataType type, double& lo, double& hi);

// The QLinear operators' output multiplier a * b / c, in float arithmetic whatever the scales'
// type (16-bit scales are widened exactly, as onnxruntime does; the reference rounds each step
// to float16 instead, which differs only near a rounding tie).
inline double scale_ratio(double a, double b, double c) {
  return static_cast<float>(static_cast<float>(a) * static_cast<float>(b)) / static_cast<float>(c);
}

// Round half to even, exact for |v| < 2^22 (float) / 2^51 (double): adding 1.5 * 2^mantissa
// leaves no fraction bits, so the hardware's default rounding does it. Vectorizes where nearbyint
// does not. Larger |v| are already integers or come back within 1 of v, which only ever matters
// to values that saturate.
inline float round_half_even(float v) {
  constexpr float magic = 12582912.0f;  // 1.5 * 2^23
  return (v + magic) - magic;
}
inline double round_half_even(double v) {
  constexpr double magic = 6755399441055744.0;  // 1.5 * 2^52
  return (v + magic) - magic;
}

// saturate(round(q) + zero_point) into [lo, hi] (quantized ranges lie within +-2^17); NaN becomes
// lo, as onnxruntime does. Both comparisons run unconditionally: a conditional comparison would
// keep the loop from vectorizing (it may raise a floating-point exception).
template <class C>
inline C quantize_to_range(C q, C zero_point, C lo, C hi) {
  const C v = round_half_even(q) + zero_point;
  const bool below = !(v >= lo), above = v > hi;
  return below ? lo : (above ? hi : v);
}

}  // namespace onyxrt::ops
