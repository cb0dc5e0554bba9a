#include <iterator>

#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/shape_check.h"
#include "ops/tensor/strided_copy.h"

// DepthToSpace and SpaceToDepth: a reshape to 6-D, a transpose, a reshape back; the transpose
// is one strided copy through the engine under Transpose.
namespace onyxrt::ops {
namespace {

// Copies x seen as `view` (6-D, row-major) permuted by `perm` into a new output of `out_shape`.
void permuted_copy(KernelContext& ctx, const Tensor& x, const Shape& view, const std::vector<int64_t>& perm,
                   Shape out_shape) {
  std::vector<int64_t> strides(view.size(), 1);
  for (size_t d = view.size(); d-- > 1;) strides[d - 1] = strides[d] * view[d];
  Shape shape;
  std::vector<int64_t> perm_strides;
  for (int64_t p : perm) {
    shape.push_back(view[static_cast<size_t>(p)]);
    perm_strides.push_back(strides[static_cast<size_t>(p)]);
  }
  Tensor& y = ctx.output(0, x.dtype(), std::move(out_shape));
  if (y.size() == 0) return;
  bool supported = visit_element_width(x.dtype(), [&](auto tag) {
    using W = typename decltype(tag)::type;
    strided_copy(x.data<W>(), shape, perm_strides, y.data<W>(), ctx.threads());
  });
  if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
}

int64_t read_blocksize(const KernelInfo& info) {
  int64_t b = info.required_int("blocksize");
  if (b <= 0) info.fail(ErrorCode::InvalidGraph, "attribute 'blocksize' must be positive, got ", b);
  return b;
}

// The `mode` attribute: DCR (depth-column-row, the default) or CRD (column-row-depth).
bool read_crd_mode(const KernelInfo& info) {
  const std::string mode = info.attr_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") info.fail(ErrorCode::InvalidGraph, "attribute 'mode' '", mode, "' is not DCR or CRD");
  return mode == "CRD";
}

// a * b, failing naming the node on overflow (a huge blocksize).
int64_t checked_mul(const KernelContext& ctx, int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) ctx.fail(ErrorCode::InvalidArgument, "blocksize ", b, " is too large (overflow)");
  return r;
}

void check_4d(const KernelContext& ctx, const Tensor& x) {
  if (x.rank() != 4) ctx.fail(ErrorCode::InvalidArgument, "input must be 4-D, got shape ", shape_to_string(x.shape()));
}

class DepthToSpaceKernel final : public OpKernel {
 public:
  // `mode` exists from DepthToSpace-11; earlier versions are DCR.
  explicit DepthToSpaceKernel(const KernelInfo& info)
      : b_(read_blocksize(info)), crd_(info.opset() >= 11 && read_crd_mode(info)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    check_4d(ctx, x);
    const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3), bb = checked_mul(ctx, b_, b_);
    if (c % bb != 0)
      ctx.fail(ErrorCode::InvalidArgument, "channels ", c, " are not divisible by blocksize^2 (", b_, "^2)");
    const int64_t oc = c / bb;
    Shape out{n, oc, checked_mul(ctx, h, b_), checked_mul(ctx, w, b_)};
    checked_output_size(ctx, out);
    if (crd_) {
      permuted_copy(ctx, x, {n, oc, b_, b_, h, w}, {0, 1, 4, 2, 5, 3}, out);
    } else {
      permuted_copy(ctx, x, {n, b_, b_, oc, h, w}, {0, 3, 4, 1, 5, 2}, out);
    }
  }

 private:
  int64_t b_;
  bool crd_;
};

class SpaceToDepthKernel final : public OpKernel {
 public:
  // `mode` exists from SpaceToDepth-28; earlier versions are DCR.
  explicit SpaceToDepthKernel(const KernelInfo& info)
      : b_(read_blocksize(info)), crd_(info.opset() >= 28 && read_crd_mode(info)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    check_4d(ctx, x);
    const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
    if (h % b_ != 0 || w % b_ != 0)
      ctx.fail(ErrorCode::InvalidArgument, "height ", h, " and width ", w, " must be divisible by blocksize ", b_);
    const Shape view{n, c, h / b_, b_, w / b_, b_};
    const Shape out{n, checked_mul(ctx, c, checked_mul(ctx, b_, b_)), h / b_, w / b_};
    if (crd_) {
      permuted_copy(ctx, x, view, {0, 1, 3, 5, 2, 4}, out);
    } else {
      permuted_copy(ctx, x, view, {0, 3, 5, 1, 2, 4}, out);
    }
  }

 private:
  int64_t b_;
  bool crd_;
};

constexpr OpRow kSpaceDepthRows[] = {
    {"DepthToSpace", 1, kWholeByteTypesNoBf16, make_kernel<DepthToSpaceKernel>},
    {"DepthToSpace", 11, kWholeByteTypesNoBf16, make_kernel<DepthToSpaceKernel>},  // adds `mode`
    {"DepthToSpace", 13, kWholeByteTypes, make_kernel<DepthToSpaceKernel>},
    {"SpaceToDepth", 1, kWholeByteTypesNoBf16, make_kernel<SpaceToDepthKernel>},
    {"SpaceToDepth", 13, kWholeByteTypes, make_kernel<SpaceToDepthKernel>},
    {"SpaceToDepth", 28, kWholeByteTypes, make_kernel<SpaceToDepthKernel>},  // adds `mode`
};
static_assert(std::size(kSpaceDepthRows) == 6, "update the row count together with the table");

}  // namespace

void register_space_depth(Registry& r) { register_rows(r, kSpaceDepthRows); }

}  // namespace onyxrt::ops
