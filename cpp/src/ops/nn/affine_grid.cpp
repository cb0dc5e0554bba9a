// AffineGrid (20): the sampling grid GridSample reads, from a batch of affine matrices theta
// ([N, 2, 3] for 2-D, [N, 3, 4] for 3-D) and the target size ([N, C, H, W] or [N, C, D, H, W]):
// grid[n, (d,) h, w] = theta[n] @ (x_w, y_h, (z_d,) 1), with each base coordinate evenly spaced in
// [-1, 1]: at the pixel centers of the corner pixels with align_corners, else of a grid whose
// outer pixel edges sit at -1 and 1. The last grid axis holds x (width) first.
// Types: float, double, float16, bfloat16; the products are taken in double.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "ops/float_staging.h"
#include "ops/registry.h"
#include "ops/shape_check.h"
#include "ops/tensor/tensor_args.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 4096;  // grid points per parallel chunk

// Base coordinate of index i of an axis of `size` points.
double base_coordinate(int64_t i, int64_t size, bool align_corners) {
  // A single point sits at the center, as in PyTorch (onnxruntime gives 1, onnx.reference -1).
  if (align_corners) return size > 1 ? -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(size - 1) : 0.0;
  return (2.0 * static_cast<double>(i) + 1.0) / static_cast<double>(size) - 1.0;
}

class AffineGrid final : public OpKernel {
 public:
  explicit AffineGrid(const KernelInfo& info) {
    const int64_t align = info.attr_int("align_corners", 0);
    if (align != 0 && align != 1)
      info.fail(ErrorCode::InvalidGraph, "attribute 'align_corners' must be 0 or 1, got ", align);
    align_ = align == 1;
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& theta = ctx.input(0);
    const std::vector<int64_t> size = read_int64_list(ctx, 1, "size");
    if (size.size() != 4 && size.size() != 5)
      ctx.fail(ErrorCode::InvalidArgument, "'size' must hold 4 values (N, C, H, W) or 5 (N, C, D, H, W), got ",
               size.size());
    const int64_t r = static_cast<int64_t>(size.size()) - 2;  // spatial rank: 2 or 3
    if (theta.rank() != 3 || theta.dim(1) != r || theta.dim(2) != r + 1 || theta.dim(0) != size[0])
      ctx.fail(ErrorCode::InvalidArgument, "theta has shape ", shape_to_string(theta.shape()), ", expected (", size[0],
               ", ", r, ", ", r + 1, ") for size ", shape_to_string(Shape(size.begin(), size.end())));
    Shape out_shape{size[0]};
    out_shape.insert(out_shape.end(), size.begin() + 2, size.end());
    out_shape.push_back(r);
    checked_output_size(ctx, out_shape);
    Tensor& grid = ctx.output(0, theta.dtype(), out_shape);
    if (grid.size() == 0) return;

    // Base coordinates per axis, listed x (width) first.
    std::vector<std::vector<double>> base(static_cast<size_t>(r));
    for (int64_t a = 0; a < r; ++a) {
      const int64_t n = size[static_cast<size_t>(size.size() - 1 - a)];
      for (int64_t i = 0; i < n; ++i) base[a].push_back(base_coordinate(i, n, align_));
    }
    const int64_t width = size.back(), height = size[size.size() - 2];
    const int64_t points = grid.size() / (size[0] * r);
    with_compute_type(theta, grid, [&](const auto* th, auto* out) {
      using T = std::remove_pointer_t<decltype(out)>;
      parallel_for(size[0] * points, kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
        for (int64_t q = begin; q < end; ++q) {
          const int64_t n = q / points, p = q % points;
          const double pos[3] = {base[0][p % width], base[1][(p / width) % height],
                                 r == 3 ? base[2][p / (width * height)] : 0.0};
          const auto* m = th + n * r * (r + 1);
          for (int64_t row = 0; row < r; ++row) {
            double v = m[row * (r + 1) + r];
            for (int64_t col = 0; col < r; ++col) v += static_cast<double>(m[row * (r + 1) + col]) * pos[col];
            out[q * r + row] = static_cast<T>(v);
          }
        }
      });
    });
  }

 private:
  bool align_ = false;
};

}  // namespace

void register_affine_grid(Registry& r) {
  r.add({"", "AffineGrid", 20, kFloatTypes, make_kernel<AffineGrid>});
}

}  // namespace onyxrt::ops
