#include "ops/nn/attention_mask.h"

#include "ops/elementwise_types.h"

namespace onyxrt::ops::attention {
namespace {

template <class C>
void convert_mask(const Tensor& mask, Rounding rounding, Tensor& out) {
  C* dst = out.data<C>();
  const int64_t n = mask.size();
  visit_type(mask.dtype(), NumericBoolTypeList{}, [&](auto tag) {
    using M = typename decltype(tag)::type;
    const M* src = mask.data<M>();
    for (int64_t k = 0; k < n; ++k) {
      if constexpr (std::is_same_v<M, bool>) {
        dst[k] = src[k] ? C(0) : neg_inf<C>();
      } else {
        dst[k] = round_to(rounding, static_cast<C>(to_compute(src[k])));
      }
    }
  });
}

}  // namespace

MaskBias prepare_mask(const KernelContext& ctx, const Tensor& mask, DataType compute, Rounding rounding, int64_t batch,
                      int64_t q_heads, int64_t q_len, int64_t total, bool pad_short) {
  const Shape& s = mask.shape();
  const int64_t rank = static_cast<int64_t>(s.size());
  const Shape target{batch, q_heads, q_len, total};
  if (rank < 1 || rank > 4)
    ctx.fail(ErrorCode::InvalidArgument, "attn_mask must have 1 to 4 dims, broadcastable to ", shape_to_string(target),
             ", got shape ", shape_to_string(s));
  if (!(kNumericTypes | kBoolTypes).contains(mask.dtype()))
    ctx.fail(ErrorCode::InvalidArgument, "attn_mask has element type ", data_type_name(mask.dtype()),
             "; expected bool or a numeric type");
  MaskBias m;
  const int64_t last = s[rank - 1];
  if (pad_short ? last > total : (last != total && last != 1))
    ctx.fail(
        ErrorCode::InvalidArgument, "attn_mask (shape ", shape_to_string(s), ") has ", last, " keys; the keys number ",
        total,
        pad_short ? " (a shorter mask is padded, a longer one is not allowed)" : " (its last dim must be that or 1)");
  m.keys = pad_short ? last : total;
  m.stride_j = (!pad_short && last == 1) ? 0 : 1;
  // Strides of the leading dims (right-aligned against batch, heads, queries): 0 where broadcast.
  int64_t* strides[3] = {&m.stride_b, &m.stride_h, &m.stride_i};
  int64_t stride = last;
  for (int64_t d = rank - 2, t = 2; d >= 0; --d, --t) {
    if (s[d] != target[t] && s[d] != 1)
      ctx.fail(ErrorCode::InvalidArgument, "attn_mask (shape ", shape_to_string(s), ") does not broadcast to ",
               shape_to_string(target));
    *strides[t] = s[d] == 1 ? 0 : stride;
    stride *= s[d];
  }
  if (mask.dtype() == compute && rounding == Rounding::None) {  // used as it is
    m.values = mask;
    return m;
  }
  m.values = Tensor(compute, s);
  if (compute == DataType::Double) {
    convert_mask<double>(mask, rounding, m.values);
  } else {
    convert_mask<float>(mask, rounding, m.values);
  }
  return m;
}

}  // namespace onyxrt::ops::attention
