#include "ops/quantization/integer_conv.h"

#include <algorithm>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/nn/conv_operands.h"
#include "ops/quantization/integer_gemm.h"
#include "ops/quantization/quant_params.h"

// The input, minus its zero point, is staged once as float (exact: |value| <= 255) so that the
// float im2col of kernels/conv.h lowers it; each column chunk is then packed to int16, K
// innermost, for the int32 product. A pointwise convolution packs straight from x.
namespace onyxrt::ops {
namespace {

using Int8Types = TypeList<int8_t, uint8_t>;

bool is_int8(DataType t) { return t == DataType::Int8 || t == DataType::UInt8; }

// Output positions per chunk: about 512 KiB of float im2col rows, a multiple of 64.
int64_t chunk_columns(const IntegerConvShape& s) {
  const int64_t cols = std::max<int64_t>(64, (int64_t{1} << 17) / std::max<int64_t>(1, s.k_g)) / 64 * 64;
  return std::min(cols, s.out_size);
}

void pack_weights(const Tensor& w, int64_t k_g, const std::vector<int32_t>& zero, int16_t* dst) {
  visit_type(w.dtype(), Int8Types{}, [&](auto tag) {
    using T = typename decltype(tag)::type;
    pack_rows_s16(w.data<T>(), w.dim(0), k_g, k_g, zero.data(), zero.size() == 1 ? 0 : 1, dst);
  });
}

}  // namespace

IntegerConv::IntegerConv(const KernelInfo& info, size_t w_input, size_t w_zero_input)
    : window_(parse_window_attributes(info)) {
  group_ = info.attr_int("group", 1);
  if (group_ < 1) info.fail(ErrorCode::InvalidGraph, "attribute 'group' must be at least 1, got ", group_);
  const Tensor* w = info.constant_input(w_input);
  if (w == nullptr || w->rank() < 3 || !is_int8(w->dtype()) || w->dim(0) % group_ != 0) return;
  std::vector<int32_t> zero{0};
  if (info.has_input(w_zero_input)) {
    const Tensor* z = info.constant_input(w_zero_input);
    if (z == nullptr || z->dtype() != w->dtype()) return;
    if (z->size() != 1 && !(z->rank() == 1 && z->size() == w->dim(0))) return;  // reported at run time
    zero.clear();
    for (int64_t i = 0; i < z->size(); ++i)
      zero.push_back(w->dtype() == DataType::Int8 ? z->data<int8_t>()[i] : z->data<uint8_t>()[i]);
  }
  packed_shape_ = w->shape();
  packed_w_.resize(static_cast<size_t>(w->size()));
  pack_weights(*w, w->dim(0) == 0 ? 0 : w->size() / w->dim(0), zero, packed_w_.data());
}

IntegerConvShape IntegerConv::plan(const KernelContext& ctx, const Tensor& x, const Tensor& w) const {
  if (!is_int8(w.dtype()))
    ctx.fail(ErrorCode::InvalidArgument, "w has type ", data_type_name(w.dtype()), ", expected int8 or uint8");
  check_conv_ranks(ctx, x, w);
  IntegerConvShape s;
  s.batch = x.dim(0), s.group = group_, s.c = x.dim(1), s.m = w.dim(0), s.c_g = w.dim(1);
  if (s.c_g * group_ != s.c || s.m % group_ != 0)
    ctx.fail(ErrorCode::InvalidArgument, "x (shape ", shape_to_string(x.shape()), ") has ", s.c,
             " channels but w (shape ", shape_to_string(w.shape()), ") with group ", group_, " expects ",
             s.c_g * group_, s.m % group_ != 0 ? " and M divisible by group" : "");
  s.m_g = s.m / group_;
  const std::vector<int64_t> kernel = conv_kernel_of(ctx, window_, w);
  WindowPlan plan = resolve_window(window_, ctx, x.shape(), kernel);
  plan.geometry.channels = s.c_g;
  s.geometry = plan.geometry;
  s.in_size = plan.geometry.input_size();
  s.out_size = plan.geometry.output_size();
  s.k_g = s.c_g * plan.geometry.kernel_size();
  s.pointwise = plan.geometry.is_pointwise();
  s.output = window_output_shape(plan, s.batch, s.m);
  return s;
}

void IntegerConv::run(const KernelContext& ctx, const IntegerConvShape& s, const Tensor& x, int32_t x_zero,
                      const Tensor& w, const std::vector<int32_t>& w_zero, int32_t* y) const {
  if (s.batch == 0 || s.m == 0 || s.out_size == 0) return;
  const int threads = ctx.threads();
  std::vector<int16_t> own_w;
  const int16_t* w16 = packed_w_.data();
  if (packed_w_.empty() || w.shape() != packed_shape_) {
    own_w.resize(static_cast<size_t>(s.m * s.k_g));
    pack_weights(w, s.k_g, w_zero, own_w.data());
    w16 = own_w.data();
  }
  Tensor staged;
  if (!s.pointwise) {
    staged = Tensor(DataType::Float, x.shape());
    float* xs = staged.data<float>();
    visit_type(x.dtype(), Int8Types{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* xd = x.data<T>();
      parallel_for(x.size(), 16384, threads, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) xs[i] = static_cast<float>(static_cast<int32_t>(xd[i]) - x_zero);
      });
    });
  }
  const int64_t chunk = chunk_columns(s), chunks = (s.out_size + chunk - 1) / chunk;
  const int64_t units = s.batch * s.group * chunks;
  // Units run in parallel with single-threaded products when there are enough of them, each
  // parallel slot with its own scratch (allocated here: nothing allocates in the parallel region).
  const int slots = threads <= 1 || units < threads ? 1 : threads;
  const int64_t float_size = s.pointwise ? 0 : s.k_g * chunk, packed_size = s.k_g * chunk;
  std::vector<float> float_scratch(static_cast<size_t>(slots * float_size));
  std::vector<int16_t> packed_scratch(static_cast<size_t>(slots * packed_size));
  auto run_unit = [&](int64_t u, int slot, int gemm_threads) {
    const int64_t n = u / (s.group * chunks), g = (u / chunks) % s.group, q0 = (u % chunks) * chunk;
    const int64_t cols = std::min(chunk, s.out_size - q0);
    const int64_t x_offset = (n * s.c + g * s.c_g) * s.in_size;
    int16_t* cols16 = packed_scratch.data() + slot * packed_size;
    if (s.pointwise) {
      visit_type(x.dtype(), Int8Types{}, [&](auto tag) {
        using T = typename decltype(tag)::type;
        pack_columns_s16(x.data<T>() + x_offset + q0, s.k_g, cols, s.in_size, &x_zero, 0, cols16);
      });
    } else {
      float* lowered = float_scratch.data() + slot * float_size;
      kernels::im2col_f32(s.geometry, staged.data<float>() + x_offset, q0, cols, lowered, cols);
      pack_columns_s16(lowered, s.k_g, cols, cols, static_cast<const int32_t*>(nullptr), 0, cols16);
    }
    gemm_s16_nt(s.m_g, cols, s.k_g, w16 + g * s.m_g * s.k_g, cols16, y + (n * s.m + g * s.m_g) * s.out_size + q0,
                s.out_size, gemm_threads);
  };
  if (slots == 1) {
    for (int64_t u = 0; u < units; ++u) run_unit(u, 0, threads);
    return;
  }
  parallel_for(slots, 1, threads, [&](int64_t s0, int64_t s1) {
    for (int64_t slot = s0; slot < s1; ++slot)
      for (int64_t u = slot; u < units; u += slots) run_unit(u, static_cast<int>(slot), 1);
  });
}

std::vector<int32_t> channel_zero_points(const KernelContext& ctx, const Tensor* zero, const Tensor& w,
                                         const char* name) {
  if (zero == nullptr) return {0};
  if (zero->dtype() != w.dtype())
    ctx.fail(ErrorCode::InvalidArgument, name, " has type ", data_type_name(zero->dtype()), " but w has type ",
             data_type_name(w.dtype()), "; they must match");
  if (zero->size() != 1 && !(zero->rank() == 1 && zero->size() == w.dim(0)))
    ctx.fail(ErrorCode::InvalidArgument, name, " has shape ", shape_to_string(zero->shape()),
             "; expected one value or one per output channel (", w.dim(0), ")");
  std::vector<int32_t> out;
  for (double v : param_values(ctx, *zero)) out.push_back(static_cast<int32_t>(v));
  return out;
}

int32_t tensor_zero_point(const KernelContext& ctx, const Tensor* zero, const Tensor& like, const char* name) {
  if (zero == nullptr) return 0;
  if (zero->dtype() != like.dtype())
    ctx.fail(ErrorCode::InvalidArgument, name, " has type ", data_type_name(zero->dtype()), " but its tensor has type ",
             data_type_name(like.dtype()), "; they must match");
  if (zero->size() != 1)
    ctx.fail(ErrorCode::InvalidArgument, name, " must hold one value (per-tensor), got shape ",
             shape_to_string(zero->shape()));
  return static_cast<int32_t>(param_values(ctx, *zero)[0]);
}

}  // namespace onyxrt::ops
