// RotaryEmbedding (23): rotates the first rotary_embedding_dim values of every head (all of them
// when 0) by angles that depend on the token's position:
//   real = cos * x1 - sin * x2,  imag = sin * x1 + cos * x2
// where (x1, x2) are the two halves of the rotated part, or its even and odd elements when
// `interleaved`; the rest of the head is copied. X is (batch, heads, seq, head_size), or
// (batch, seq, heads * head_size) with the num_heads attribute. cos_cache / sin_cache are
// (max_position + 1, rotary_dim / 2) rows picked by position_ids (batch, seq), or without
// position_ids (batch, seq, rotary_dim / 2).
// Types: float; float16 / bfloat16 through float, each product and sum rounded to 16 bits as the
// reference computes them.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

struct RotaryShape {
  int64_t batch = 0, heads = 0, seq = 0, head_size = 0, rotary = 0;
  int64_t head_stride = 0, seq_stride = 0;  // element strides of (h, s) inside one batch item
};

// Rounds an intermediate to T's precision (a no-op for float).
template <class T>
inline float to_t(float v) {
  return to_compute(from_compute<T>(v));
}

template <class T>
void rotate_head(const T* x, const T* cos, const T* sin, T* y, int64_t head_size, int64_t rotary, bool interleaved) {
  const int64_t half = rotary / 2;
  for (int64_t k = 0; k < half; ++k) {
    const int64_t i1 = interleaved ? 2 * k : k, i2 = interleaved ? 2 * k + 1 : k + half;
    const float x1 = to_compute(x[i1]), x2 = to_compute(x[i2]);
    const float c = to_compute(cos[k]), s = to_compute(sin[k]);
    y[i1] = from_compute<T>(to_t<T>(c * x1) - to_t<T>(s * x2));
    y[i2] = from_compute<T>(to_t<T>(s * x1) + to_t<T>(c * x2));
  }
  std::copy(x + rotary, x + head_size, y + rotary);
}

class RotaryEmbedding final : public OpKernel {
 public:
  explicit RotaryEmbedding(const KernelInfo& info)
      : interleaved_(info.attr_int("interleaved", 0) != 0),
        rotary_dim_(info.attr_int("rotary_embedding_dim", 0)),
        num_heads_(info.attr_int("num_heads", 0)) {
    if (rotary_dim_ < 0 || num_heads_ < 0)
      info.fail(ErrorCode::InvalidGraph, "attributes 'rotary_embedding_dim' (", rotary_dim_, ") and 'num_heads' (",
                num_heads_, ") must not be negative");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& cos = ctx.input(1);
    const Tensor& sin = ctx.input(2);
    const Tensor* positions = ctx.has_input(3) ? &ctx.input(3) : nullptr;
    const RotaryShape s = check_input(ctx, x);
    check_caches(ctx, x, cos, sin, positions, s);
    Tensor& y = ctx.output(0, x.dtype(), x.shape());
    if (y.size() == 0) return;
    const int64_t half = s.rotary / 2;
    const int64_t* pos = positions != nullptr ? positions->data<int64_t>() : nullptr;
    visit_type(x.dtype(), TypeList<float, fp16_t, bf16_t>{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* xd = x.data<T>();
      const T* cd = cos.data<T>();
      const T* sd = sin.data<T>();
      T* yd = y.data<T>();
      const int64_t rows = s.batch * s.seq * s.heads;  // one head of one token each
      parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, s.head_size)), ctx.threads(),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t r = begin; r < end; ++r) {
                       const int64_t b = r / (s.seq * s.heads), t = r / s.heads % s.seq, h = r % s.heads;
                       const int64_t cache_row = pos != nullptr ? pos[b * s.seq + t] : b * s.seq + t;
                       const int64_t at = (b * s.heads * s.seq) * s.head_size + h * s.head_stride + t * s.seq_stride;
                       rotate_head(xd + at, cd + cache_row * half, sd + cache_row * half, yd + at, s.head_size,
                                   s.rotary, interleaved_);
                     }
                   });
    });
  }

 private:
  RotaryShape check_input(const KernelContext& ctx, const Tensor& x) const {
    RotaryShape s;
    if (x.rank() == 4) {
      s.batch = x.dim(0), s.heads = x.dim(1), s.seq = x.dim(2), s.head_size = x.dim(3);
      s.seq_stride = s.head_size, s.head_stride = s.seq * s.head_size;
    } else if (x.rank() == 3) {
      if (num_heads_ <= 0)
        ctx.fail(ErrorCode::InvalidArgument, "a 3-D input (shape ", shape_to_string(x.shape()),
                 ") needs the attribute 'num_heads'");
      if (x.dim(2) % num_heads_ != 0)
        ctx.fail(ErrorCode::InvalidArgument, "the hidden size ", x.dim(2), " of X (shape ", shape_to_string(x.shape()),
                 ") does not divide into ", num_heads_, " heads");
      s.batch = x.dim(0), s.seq = x.dim(1), s.heads = num_heads_, s.head_size = x.dim(2) / num_heads_;
      s.head_stride = s.head_size, s.seq_stride = x.dim(2);
    } else {
      ctx.fail(ErrorCode::InvalidArgument, "X must be 3-D or 4-D, got shape ", shape_to_string(x.shape()));
    }
    s.rotary = rotary_dim_ > 0 ? rotary_dim_ : s.head_size;
    if (s.rotary > s.head_size || s.rotary % 2 != 0)
      ctx.fail(ErrorCode::InvalidArgument, "the rotary dimension ", s.rotary,
               " must be even and at most the head size ", s.head_size);
    return s;
  }

  static void check_caches(const KernelContext& ctx, const Tensor& x, const Tensor& cos, const Tensor& sin,
                           const Tensor* positions, const RotaryShape& s) {
    if (cos.dtype() != x.dtype() || sin.dtype() != x.dtype() || cos.shape() != sin.shape())
      ctx.fail(ErrorCode::InvalidArgument, "cos_cache (", data_type_name(cos.dtype()), " ",
               shape_to_string(cos.shape()), ") and sin_cache (", data_type_name(sin.dtype()), " ",
               shape_to_string(sin.shape()), ") must have one shape and X's type ", data_type_name(x.dtype()));
    const int64_t half = s.rotary / 2;
    if (positions == nullptr) {
      if (cos.shape() != Shape{s.batch, s.seq, half})
        ctx.fail(ErrorCode::InvalidArgument, "without position_ids, cos_cache and sin_cache must be (batch, seq, ",
                 "rotary_dim / 2) = ", shape_to_string({s.batch, s.seq, half}), ", got ", shape_to_string(cos.shape()));
      return;
    }
    if (positions->dtype() != DataType::Int64 || positions->shape() != Shape{s.batch, s.seq})
      ctx.fail(ErrorCode::InvalidArgument, "position_ids must be int64 of shape ", shape_to_string({s.batch, s.seq}),
               ", got ", data_type_name(positions->dtype()), " ", shape_to_string(positions->shape()));
    if (cos.rank() != 2 || cos.dim(1) != half)
      ctx.fail(ErrorCode::InvalidArgument, "with position_ids, cos_cache and sin_cache must be (max_position + 1, ",
               half, "), got ", shape_to_string(cos.shape()));
    const int64_t* p = positions->data<int64_t>();
    for (int64_t k = 0; k < positions->size(); ++k)
      if (p[k] < 0 || p[k] >= cos.dim(0))
        ctx.fail(ErrorCode::InvalidArgument, "position_ids value ", p[k], " at index ", k, " is outside [0, ",
                 cos.dim(0), "), the rows of cos_cache");
  }

  bool interleaved_;
  int64_t rotary_dim_;
  int64_t num_heads_;
};

}  // namespace

void register_rotary_embedding(Registry& r) {
  const TypeSet types{DataType::Float, DataType::Float16, DataType::BFloat16};
  r.add({"", "RotaryEmbedding", 23, types, make_kernel<RotaryEmbedding>});
}

}  // namespace onyxrt::ops
