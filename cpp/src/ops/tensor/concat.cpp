#include <algorithm>
#include <cstdint>
#include <iterator>
#include <type_traits>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/tensor/tensor_args.h"

// Concat and Split: a tensor seen as [outer, dim(axis) * inner] rows; each input (output) owns a
// contiguous block of every row.
namespace onyxrt::ops {
namespace {

struct AxisSplit {
  int64_t outer = 1, inner = 1;
};

AxisSplit split_at(const Shape& shape, size_t axis) {
  AxisSplit s;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (d < axis) s.outer *= shape[d];
    if (d > axis) s.inner *= shape[d];
  }
  return s;
}

// dst[k] = src[k] for k < n. glibc's memcpy moves 2 KiB to 1 MiB with `rep movsb`, which on the AMD
// EPYC here runs about 15x slower when dst lies a few bytes past src modulo 4 KiB (4K aliasing,
// measured at 4 to 12 bytes, not at 16 or more: 200 KiB in cache, 58 us against 3.6 us); a Concat
// input landing at an odd channel offset can meet it. Such copies go in 2 KiB calls, under the
// `rep movsb` threshold (10 us for the same 200 KiB).
template <class W>
void copy_row(const W* src, int64_t n, W* dst) {
  if constexpr (std::is_trivially_copyable_v<W>) {
    constexpr int64_t kSize = sizeof(W), kPiece = 2048 / kSize;
    const auto distance = (reinterpret_cast<uintptr_t>(dst) - reinterpret_cast<uintptr_t>(src)) % 4096;
    if (distance != 0 && distance < 16 && n > kPiece) {
      for (int64_t k = 0; k < n; k += kPiece) std::copy_n(src + k, std::min(kPiece, n - k), dst + k);
      return;
    }
  }
  std::copy_n(src, n, dst);
}

// Copies rows: dst[o * dst_row + dst_col + k] = src[o * src_row + k], k < width, for o < rows.
// Long rows are cut into pieces of 64 KiB, so that threads share a batch-1 channel Concat (one row
// per input, megabytes long) rather than one thread copying it all.
template <class W>
void copy_blocks(const W* src, int64_t src_row, W* dst, int64_t dst_row, int64_t dst_col, int64_t width,
                 int64_t rows, int threads) {
  if (width == 0 || rows == 0) return;
  const int64_t piece = std::min<int64_t>(width, std::max<int64_t>(1, 65536 / static_cast<int64_t>(sizeof(W))));
  const int64_t pieces = (width + piece - 1) / piece;  // per row
  const int64_t grain = std::max<int64_t>(1, 32768 / piece);
  parallel_for(rows * pieces, grain, threads, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const int64_t o = u / pieces, k = (u % pieces) * piece;
      copy_row(src + o * src_row + k, std::min(piece, width - k), dst + o * dst_row + dst_col + k);
    }
  });
}

class ConcatKernel final : public OpKernel {
 public:
  explicit ConcatKernel(const KernelInfo& info) : axis_(info.required_int("axis")) {
    if (info.input_count() == 0) info.fail(ErrorCode::InvalidGraph, "needs at least one input");
  }

  void compute(KernelContext& ctx) const override {
    const size_t n = ctx.input_count();
    const Tensor& first = ctx.input(0);
    const auto rank = static_cast<int64_t>(first.rank());
    int64_t axis = axis_;
    if (!normalize_axis(axis, rank))
      ctx.fail(ErrorCode::InvalidArgument, "axis ", axis_, " is out of range for inputs of rank ", rank);
    const auto a = static_cast<size_t>(axis);
    Shape out_shape = first.shape();
    out_shape[a] = 0;
    for (size_t i = 0; i < n; ++i) {
      const Tensor& t = ctx.input(i);
      bool fits = t.dtype() == first.dtype() && t.rank() == first.rank();
      for (size_t d = 0; fits && d < t.rank(); ++d) fits = d == a || t.dim(d) == first.dim(d);
      if (!fits)
        ctx.fail(ErrorCode::InvalidArgument, "input '", ctx.node().inputs[i], "' (", data_type_name(t.dtype()), " ",
                 shape_to_string(t.shape()), ") does not match input '", ctx.node().inputs[0], "' (",
                 data_type_name(first.dtype()), " ", shape_to_string(first.shape()), ") outside axis ", axis);
      if (__builtin_add_overflow(out_shape[a], t.dim(a), &out_shape[a]))
        ctx.fail(ErrorCode::InvalidArgument, "concatenated dim overflows");
    }
    checked_output_size(ctx, out_shape);
    Tensor& out = ctx.output(0, first.dtype(), out_shape);
    const AxisSplit s = split_at(out_shape, a);
    const int64_t out_row = out_shape[a] * s.inner;
    bool supported = visit_element_width(first.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      int64_t col = 0;
      for (size_t i = 0; i < n; ++i) {
        const Tensor& t = ctx.input(i);
        const int64_t width = t.dim(a) * s.inner;
        copy_blocks(t.data<W>(), width, out.data<W>(), out_row, col, width, s.outer, ctx.threads());
        col += width;
      }
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(first.dtype()), " is not supported");
  }

 private:
  int64_t axis_;
};

// Split. Sizes come from the 'split' attribute (before opset 13) or input (13 on); without
// them the outputs share the dim equally (opset 18: 'num_outputs' parts, the last smaller).
enum class SplitSizes { Attribute, Input, InputOrNumOutputs };

template <SplitSizes kSizes>
class SplitKernel final : public OpKernel {
 public:
  explicit SplitKernel(const KernelInfo& info) : axis_(info.attr_int("axis", 0)) {
    if constexpr (kSizes == SplitSizes::Attribute) {
      has_split_ = info.has_attr("split");
      split_ = info.attr_ints("split");
    }
    if constexpr (kSizes == SplitSizes::InputOrNumOutputs) {
      num_outputs_ = info.attr_int("num_outputs", 0);
      if (info.has_attr("num_outputs") && num_outputs_ != static_cast<int64_t>(info.output_count()))
        info.fail(ErrorCode::InvalidGraph, "attribute 'num_outputs' is ", num_outputs_, " but the node has ",
                  info.output_count(), " outputs");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const auto rank = static_cast<int64_t>(x.rank());
    int64_t axis = axis_;
    if (!normalize_axis(axis, rank))
      ctx.fail(ErrorCode::InvalidArgument, "axis ", axis_, " is out of range for an input of rank ", rank);
    const auto a = static_cast<size_t>(axis);
    const std::vector<int64_t> sizes = part_sizes(ctx, x.dim(a));
    const AxisSplit s = split_at(x.shape(), a);
    const int64_t in_row = x.dim(a) * s.inner;
    bool supported = visit_element_width(x.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      int64_t col = 0;
      for (size_t i = 0; i < sizes.size(); ++i) {
        Shape shape = x.shape();
        shape[a] = sizes[i];
        Tensor& out = ctx.output(i, x.dtype(), shape);
        const int64_t width = sizes[i] * s.inner;
        copy_blocks(x.data<W>() + col, in_row, out.data<W>(), width, 0, width, s.outer, ctx.threads());
        col += width;
      }
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  std::vector<int64_t> part_sizes(const KernelContext& ctx, int64_t dim) const {
    const auto parts = static_cast<int64_t>(ctx.output_count());
    std::vector<int64_t> sizes = split_;
    bool given = has_split_;
    if constexpr (kSizes != SplitSizes::Attribute) {
      given = ctx.has_input(1);
      if (given) sizes = read_int64_list(ctx, 1, "split");
    }
    if (given) {
      int64_t sum = 0;
      bool ok = static_cast<int64_t>(sizes.size()) == parts;
      for (int64_t v : sizes) ok = ok && v >= 0 && !__builtin_add_overflow(sum, v, &sum);
      if (!ok || sum != dim)
        ctx.fail(ErrorCode::InvalidArgument, "split ", shape_to_string(sizes), " does not cut a dim of ", dim, " into ",
                 parts, " parts");
      return sizes;
    }
    if (parts == 0) ctx.fail(ErrorCode::InvalidArgument, "has no outputs");
    if (kSizes == SplitSizes::InputOrNumOutputs && num_outputs_ > 0) {
      const int64_t chunk = (dim + parts - 1) / parts;  // the last part takes what is left
      for (int64_t i = 0; i < parts; ++i) sizes.push_back(std::clamp<int64_t>(dim - i * chunk, 0, chunk));
      return sizes;
    }
    if (dim % parts != 0)
      ctx.fail(ErrorCode::InvalidArgument, "a dim of ", dim, " does not split into ", parts, " equal parts");
    return std::vector<int64_t>(static_cast<size_t>(parts), dim / parts);
  }

  int64_t axis_;
  bool has_split_ = false;
  std::vector<int64_t> split_;
  int64_t num_outputs_ = 0;
};

constexpr OpRow kConcatRows[] = {
    {"Concat", 4, kWholeByteTypesNoBf16, make_kernel<ConcatKernel>},  // negative axis (11) accepted throughout
    {"Concat", 13, kWholeByteTypes, make_kernel<ConcatKernel>},
    {"Split", 2, kWholeByteTypesNoBf16, make_kernel<SplitKernel<SplitSizes::Attribute>>},
    {"Split", 13, kWholeByteTypes, make_kernel<SplitKernel<SplitSizes::Input>>},
    {"Split", 18, kWholeByteTypes, make_kernel<SplitKernel<SplitSizes::InputOrNumOutputs>>},
};
static_assert(std::size(kConcatRows) == 5, "update the row count together with the table");

}  // namespace

void register_concat(Registry& r) { register_rows(r, kConcatRows); }

}  // namespace onyxrt::ops
