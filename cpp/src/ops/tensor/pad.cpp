#include <algorithm>
#include <cstring>
#include <iterator>

#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/shape_check.h"
#include "ops/tensor/tensor_args.h"

// Pad: modes constant / reflect / edge / wrap. Negative pads crop. Each output dim maps through
// a table to an input index (or -1: the constant), so all modes share one copy loop.
namespace onyxrt::ops {
namespace {

enum class PadMode { Constant, Reflect, Edge, Wrap };

PadMode parse_mode(const KernelInfo& info) {
  const std::string mode = info.attr_string("mode", "constant");
  if (mode == "constant") return PadMode::Constant;
  if (mode == "reflect") return PadMode::Reflect;
  if (mode == "edge") return PadMode::Edge;
  if (mode == "wrap" && info.opset() >= 19) return PadMode::Wrap;
  info.fail(ErrorCode::InvalidGraph, "attribute 'mode' '", mode, "' is not supported");
}

// Output index o of a dim with input extent n, padded by `begin` in front, to an input index
// (-1 for the constant). Negative pads crop: the kept input range is [lo, hi).
std::vector<int64_t> dim_map(const KernelContext& ctx, PadMode mode, int64_t n, int64_t begin, int64_t end,
                             size_t axis) {
  const int64_t lo = std::max<int64_t>(0, -begin), hi = n - std::max<int64_t>(0, -end);
  const int64_t out = n + begin + end;
  if (out < 0) ctx.fail(ErrorCode::InvalidArgument, "pads crop axis ", axis, " of size ", n, " below zero");
  const int64_t kept = std::max<int64_t>(0, hi - lo), front = std::max<int64_t>(0, begin);
  std::vector<int64_t> map(static_cast<size_t>(out));
  if (kept == 0 && mode != PadMode::Constant && out > 0)
    ctx.fail(ErrorCode::InvalidArgument, "cannot pad an empty axis ", axis, " in this mode");
  for (int64_t o = 0; o < out; ++o) {
    int64_t j = o - front;  // index into the kept range
    if (j < 0 || j >= kept) {
      switch (mode) {
        case PadMode::Constant: j = -1; break;
        case PadMode::Edge: j = j < 0 ? 0 : kept - 1; break;
        case PadMode::Wrap: j = ((j % kept) + kept) % kept; break;
        case PadMode::Reflect:
          if (kept == 1) {
            j = 0;
          } else {
            const int64_t period = 2 * (kept - 1);
            j = ((j % period) + period) % period;
            if (j >= kept) j = period - j;
          }
          break;
      }
    }
    map[static_cast<size_t>(o)] = j < 0 ? -1 : j + lo;
  }
  return map;
}

class PadKernel final : public OpKernel {
 public:
  explicit PadKernel(const KernelInfo& info) : mode_(parse_mode(info)), from_inputs_(info.opset() >= 11) {
    if (!from_inputs_) {
      if (!info.has_attr("pads")) info.fail(ErrorCode::InvalidGraph, "attribute 'pads' is missing");
      pads_ = info.attr_ints("pads");
      value_ = info.attr_float("value", 0.0f);
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    std::vector<int64_t> pads = from_inputs_ ? read_int64_list(ctx, 1, "pads") : pads_;
    std::vector<int64_t> axes;
    if (from_inputs_ && ctx.has_input(3)) {
      axes = read_int64_list(ctx, 3, "axes");
      normalize_axes(ctx, axes, rank);
    } else {
      for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
    }
    if (pads.size() != 2 * axes.size())
      ctx.fail(ErrorCode::InvalidArgument, "pads has ", pads.size(), " values, expected ", 2 * axes.size(),
               " for input shape ", shape_to_string(x.shape()));
    std::vector<int64_t> begin(static_cast<size_t>(rank), 0), end(static_cast<size_t>(rank), 0);
    const size_t na = axes.size();
    for (size_t k = 0; k < na; ++k) {
      begin[static_cast<size_t>(axes[k])] = pads[k];
      end[static_cast<size_t>(axes[k])] = pads[k + na];
    }
    Shape out_shape(static_cast<size_t>(rank));
    for (size_t d = 0; d < out_shape.size(); ++d) {
      int64_t o = 0;
      if (__builtin_add_overflow(x.dim(d), begin[d], &o) || __builtin_add_overflow(o, end[d], &o))
        ctx.fail(ErrorCode::InvalidArgument, "pads overflow");
      out_shape[d] = std::max<int64_t>(o, 0);
      if (o < 0) ctx.fail(ErrorCode::InvalidArgument, "pads crop axis ", d, " of size ", x.dim(d), " below zero");
    }
    if (checked_output_size(ctx, out_shape) == 0) {  // nothing to write; a map could be long
      ctx.output(0, x.dtype(), out_shape);
      return;
    }
    // The output first: its allocation is checked against the session's cap, and no index map
    // is longer than the output, so a huge pad fails there, naming its size.
    Tensor& y = ctx.output(0, x.dtype(), out_shape);
    std::vector<std::vector<int64_t>> maps;
    for (size_t d = 0; d < out_shape.size(); ++d) maps.push_back(dim_map(ctx, mode_, x.dim(d), begin[d], end[d], d));
    bool supported = visit_element_width(x.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      W fill{};
      if (from_inputs_) {
        if (ctx.has_input(2)) {
          const Tensor& c = ctx.input(2);
          if (c.dtype() != x.dtype())
            ctx.fail(ErrorCode::InvalidArgument, "constant_value has type ", data_type_name(c.dtype()),
                     ", expected ", data_type_name(x.dtype()));
          if (c.size() >= 1) fill = c.data<W>()[0];
        }
      } else {
        visit_type(x.dtype(), FloatTypeList{}, [&](auto ft) {
          using T = typename decltype(ft)::type;
          T v = from_compute<T>(value_);
          if constexpr (sizeof(T) == sizeof(W) && !std::is_same_v<W, std::string>) std::memcpy(&fill, &v, sizeof(W));
        });
      }
      copy_padded(x.data<W>(), x.shape(), maps, fill, y.data<W>(), y.size());
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  template <class W>
  static void copy_padded(const W* src, const Shape& in_shape, const std::vector<std::vector<int64_t>>& maps,
                          const W& fill, W* dst, int64_t total) {
    const size_t rank = maps.size();
    if (total == 0) return;
    if (rank == 0) {
      dst[0] = src[0];
      return;
    }
    std::vector<int64_t> stride(rank, 1);
    for (size_t d = rank; d-- > 1;) stride[d - 1] = stride[d] * in_shape[d];
    std::vector<int64_t> idx(rank, 0);
    const std::vector<int64_t>& inner = maps[rank - 1];
    const int64_t inner_n = static_cast<int64_t>(inner.size());
    for (int64_t pos = 0; pos < total; pos += inner_n) {
      int64_t base = 0;
      bool constant = false;
      for (size_t d = 0; d + 1 < rank; ++d) {
        int64_t m = maps[d][static_cast<size_t>(idx[d])];
        if (m < 0) constant = true;
        base += m * stride[d];
      }
      for (int64_t o = 0; o < inner_n; ++o) {
        int64_t m = inner[static_cast<size_t>(o)];
        dst[pos + o] = (constant || m < 0) ? fill : src[base + m];
      }
      for (size_t d = rank - 1; d-- > 0;) {  // advance the outer odometer
        if (++idx[d] < static_cast<int64_t>(maps[d].size())) break;
        idx[d] = 0;
      }
    }
  }

  PadMode mode_;
  bool from_inputs_;
  std::vector<int64_t> pads_;
  float value_ = 0.0f;
};

// Pad-21 adds the float8 types (8 bits wide: moved like uint8) and the 4-bit types, Pad-23/24/25
// float4e2m1, float8e8m0 and the 2-bit types. NOTE: the sub-byte types are not supported.
constexpr OpRow kPadRows[] = {
    {"Pad", 2, kIeeeFloatTypes, make_kernel<PadKernel>},
    {"Pad", 11, kNumericTypesNoBf16, make_kernel<PadKernel>},
    {"Pad", 13, kWholeByteTypes, make_kernel<PadKernel>},
    {"Pad", 18, kWholeByteTypes, make_kernel<PadKernel>},
    {"Pad", 19, kWholeByteTypes, make_kernel<PadKernel>},
    {"Pad", 21, kWholeByteTypes | kFloat8Types, make_kernel<PadKernel>},
    {"Pad", 24, kWholeByteTypes | kFloat8Types | TypeSet{DataType::Float8E8M0}, make_kernel<PadKernel>},
};
static_assert(std::size(kPadRows) == 7, "update the row count together with the table");

}  // namespace

void register_pad(Registry& r) { register_rows(r, kPadRows); }

}  // namespace onyxrt::ops
