#include <algorithm>
#include <iterator>
#include <numeric>

#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/tensor/strided_copy.h"

namespace onyxrt::ops {
namespace {

// One tile of a matrix transpose; plain values and restrict pointers so that the indices stay in
// registers (the tile loop inside a lambda capturing by reference ran several times slower).
template <class W>
void transpose_tile(const W* __restrict s, W* __restrict d, int64_t rows, int64_t cols, int64_t r0, int64_t r1,
                    int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; ++c)
    for (int64_t r = r0; r < r1; ++r) d[c * rows + r] = s[r * cols + c];
}

// dst[c * rows + r] = src[r * cols + c] for `batches` consecutive matrices, in square tiles so
// that both sides stay in cache. Serves the 2-D case and NCHW <-> NHWC (a batch of [C, HW]
// or [HW, C] matrices) after collapsing.
template <class W>
void transpose_matrices(const W* src, W* dst, int64_t batches, int64_t rows, int64_t cols, int threads) {
  constexpr int64_t kTile = 16;
  const int64_t row_tiles = (rows + kTile - 1) / kTile;
  const int64_t grain = std::max<int64_t>(1, 16384 / (kTile * std::max<int64_t>(cols, 1)));
  parallel_for(batches * row_tiles, grain, threads, [=](int64_t begin, int64_t end) {
    for (int64_t job = begin; job < end; ++job) {
      const int64_t b = job / row_tiles, r0 = (job % row_tiles) * kTile, r1 = std::min(rows, r0 + kTile);
      for (int64_t c0 = 0; c0 < cols; c0 += kTile)
        transpose_tile(src + b * rows * cols, dst + b * rows * cols, rows, cols, r0, r1, c0,
                       std::min(cols, c0 + kTile));
    }
  });
}

// Transpose: output dim i is input dim perm[i]; perm defaults to the reversed axes.
class TransposeKernel final : public OpKernel {
 public:
  explicit TransposeKernel(const KernelInfo& info) : has_perm_(info.has_attr("perm")), perm_(info.attr_ints("perm")) {
    std::vector<bool> seen(perm_.size(), false);
    for (int64_t p : perm_) {
      if (p < 0 || p >= static_cast<int64_t>(perm_.size()) || seen[static_cast<size_t>(p)])
        info.fail(ErrorCode::InvalidGraph, "attribute 'perm' ", shape_to_string(perm_), " is not a permutation");
      seen[static_cast<size_t>(p)] = true;
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const size_t rank = x.rank();
    std::vector<int64_t> perm = perm_;
    if (!has_perm_) {
      perm.resize(rank);
      std::iota(perm.rbegin(), perm.rend(), 0);
    } else if (perm.size() != rank) {
      ctx.fail(ErrorCode::InvalidArgument, "perm ", shape_to_string(perm), " does not fit an input of shape ",
               shape_to_string(x.shape()));
    }
    Shape out_shape(rank);
    for (size_t i = 0; i < rank; ++i) out_shape[i] = x.dim(static_cast<size_t>(perm[i]));

    // Collapse: ignore dims of 1, merge input axes that stay adjacent and in order.
    std::vector<int64_t> kept;  // input axes of size > 1, in output order
    for (int64_t p : perm)
      if (x.dim(static_cast<size_t>(p)) != 1) kept.push_back(p);
    if (std::is_sorted(kept.begin(), kept.end())) {  // the order of the data does not change
      ctx.set_output(0, x.reshaped(out_shape));
      return;
    }
    std::vector<int64_t> in_strides(rank, 1);
    for (size_t d = rank; d-- > 1;) in_strides[d - 1] = in_strides[d] * x.dim(d);
    Shape view_shape;
    std::vector<int64_t> view_strides;
    for (int64_t p : kept) {
      view_shape.push_back(x.dim(static_cast<size_t>(p)));
      view_strides.push_back(in_strides[static_cast<size_t>(p)]);
    }
    StridedView v = collapse_view(view_shape, view_strides);

    Tensor& y = ctx.output(0, x.dtype(), out_shape);
    bool supported = visit_element_width(x.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      const size_t r = v.shape.size();
      // A batch of matrix transposes: output [B, C, R] from input [B, R, C] (strides C, 1 ... R*C).
      bool matrices = r >= 2 && v.strides[r - 1] == v.shape[r - 2] && v.strides[r - 2] == 1 &&
                      (r == 2 || (r == 3 && v.strides[0] == v.shape[1] * v.shape[2]));
      if (matrices) {
        int64_t batches = r == 3 ? v.shape[0] : 1;
        transpose_matrices(x.data<W>(), y.data<W>(), batches, v.shape[r - 1], v.shape[r - 2], ctx.threads());
      } else {
        strided_copy(x.data<W>(), v.shape, v.strides, y.data<W>(), ctx.threads());
      }
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }

 private:
  bool has_perm_;
  std::vector<int64_t> perm_;
};

// NOTE: Transpose-21 and later also list the 4-bit / 2-bit types, which are not supported.
constexpr OpRow kTransposeRows[] = {
    {"Transpose", 1, kWholeByteTypesNoBf16, make_kernel<TransposeKernel>},
    {"Transpose", 13, kWholeByteTypes, make_kernel<TransposeKernel>},
};
static_assert(std::size(kTransposeRows) == 2, "update the row count together with the table");

}  // namespace

void register_transpose(Registry& r) { register_rows(r, kTransposeRows); }

}  // namespace onyxrt::ops
