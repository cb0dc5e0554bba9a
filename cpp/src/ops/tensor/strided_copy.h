#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "base/parallel.h"
#include "onyxrt/tensor.hpp"

// Copies a strided view of a tensor into a new contiguous one: the engine under Transpose and
// Slice. Element k of dst (row-major over `shape`) is src[sum_d index_d * strides[d]]; strides
// are in elements and may be negative (Slice with negative steps) or zero.
namespace onyxrt::ops {

struct StridedView {
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
};

// Drops dims of 1 and merges a dim into the one outside it when the pair is contiguous, so that
// the innermost loop runs as long as possible. Leaves at least one dim.
inline StridedView collapse_view(const Shape& shape, const std::vector<int64_t>& strides) {
  StridedView v;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!v.shape.empty() && v.strides.back() == strides[d] * shape[d]) {
      v.shape.back() *= shape[d];
      v.strides.back() = strides[d];
    } else {
      v.shape.push_back(shape[d]);
      v.strides.push_back(strides[d]);
    }
  }
  if (v.shape.empty()) {
    v.shape.push_back(1);
    v.strides.push_back(1);
  }
  return v;
}

inline constexpr int64_t kCopyGrain = 32768;

template <class W>
void strided_copy(const W* src, const Shape& shape, const std::vector<int64_t>& strides, W* dst, int threads) {
  const StridedView v = collapse_view(shape, strides);
  const size_t rank = v.shape.size();
  int64_t total = 1;
  for (int64_t d : v.shape) total *= d;
  const int64_t inner = v.shape[rank - 1], inner_stride = v.strides[rank - 1];
  parallel_for(total, kCopyGrain, threads, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> index(rank);
    int64_t rest = begin, offset = 0;
    for (size_t d = rank; d-- > 0;) {
      index[d] = rest % v.shape[d];
      rest /= v.shape[d];
      offset += index[d] * v.strides[d];
    }
    int64_t pos = begin;
    while (pos < end) {
      int64_t n = std::min(inner - index[rank - 1], end - pos);
      const W* s = src + offset;
      W* o = dst + pos;
      if (inner_stride == 1) {
        std::copy_n(s, n, o);
      } else {
        for (int64_t i = 0; i < n; ++i) o[i] = s[i * inner_stride];
      }
      pos += n;
      if (pos >= end) break;
      offset += (inner - index[rank - 1]) * inner_stride;
      index[rank - 1] = inner;
      for (size_t d = rank - 1; d > 0 && index[d] == v.shape[d]; --d) {  // carry outward
        offset += v.strides[d - 1] - v.shape[d] * v.strides[d];
        index[d] = 0;
        ++index[d - 1];
      }
    }
  });
}

}  // namespace onyxrt::ops
