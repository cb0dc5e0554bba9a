// Col2Im (18): the adjoint of im2col, PyTorch's fold for any spatial rank. input [N, C * prod(
// block_shape), L] holds, per channel and block tap, one column per sliding-block position (L of
// them, row-major over the block grid); each entry is added into the image [N, C, image_shape...]
// at the pixel it covers, entries over the padding dropped. The accumulation is the
// kernels/conv col2im that ConvTranspose uses; channels are split across threads.
// Types: float, double, float16 / bfloat16 through float.
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "kernels/conv.h"
#include "ops/float_staging.h"
#include "ops/registry.h"
#include "ops/shape_check.h"
#include "ops/tensor/tensor_args.h"

namespace onyxrt::ops {
namespace {

using kernels::ConvGeometry;
using kernels::kMaxConvSpatialRank;

constexpr int64_t kGrain = 65536;  // column entries per parallel chunk

class Col2Im final : public OpKernel {
 public:
  explicit Col2Im(const KernelInfo& info)
      : dilations_(info.attr_ints("dilations")), pads_(info.attr_ints("pads")), strides_(info.attr_ints("strides")) {
    for (int64_t d : dilations_)
      if (d < 1) info.fail(ErrorCode::InvalidGraph, "attribute 'dilations' must be positive, got ", d);
    for (int64_t s : strides_)
      if (s < 1) info.fail(ErrorCode::InvalidGraph, "attribute 'strides' must be positive, got ", s);
    for (int64_t p : pads_)
      if (p < 0) info.fail(ErrorCode::InvalidGraph, "attribute 'pads' must not be negative, got ", p);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const std::vector<int64_t> image = read_int64_list(ctx, 1, "image_shape");
    const std::vector<int64_t> block = read_int64_list(ctx, 2, "block_shape");
    const ConvGeometry g = geometry(ctx, x.shape(), image, block);
    Shape out_shape{x.dim(0), g.channels};
    out_shape.insert(out_shape.end(), image.begin(), image.end());
    checked_output_size(ctx, out_shape);
    Tensor& y = ctx.output(0, x.dtype(), out_shape);
    if (y.size() == 0) return;
    const int64_t planes = x.dim(0) * g.channels, ksize = g.kernel_size(), cols = g.output_size();
    const int64_t in_size = g.input_size();
    ConvGeometry one = g;  // the geometry of a single channel: planes are independent
    one.channels = 1;
    with_compute_type(x, y, [&](const auto* xd, auto* yd) {
      using T = std::remove_pointer_t<decltype(yd)>;
      std::fill_n(yd, y.size(), T(0));  // col2im accumulates
      parallel_for(planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, ksize * cols)), ctx.threads(),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t pl = begin; pl < end; ++pl) {
                       if constexpr (std::is_same_v<T, double>)
                         kernels::col2im_f64(one, xd + pl * ksize * cols, cols, 0, cols, yd + pl * in_size);
                       else
                         kernels::col2im_f32(one, xd + pl * ksize * cols, cols, 0, cols, yd + pl * in_size);
                     }
                   });
    });
  }

 private:
  // The sliding-block geometry, checked against the input's shape.
  ConvGeometry geometry(const KernelContext& ctx, const Shape& x_shape, const std::vector<int64_t>& image,
                        const std::vector<int64_t>& block) const {
    const size_t r = image.size();
    if (x_shape.size() != 3)
      ctx.fail(ErrorCode::InvalidArgument, "input must be 3-D (N, C * prod(block_shape), L), got shape ",
               shape_to_string(x_shape));
    if (r == 0 || r > static_cast<size_t>(kMaxConvSpatialRank))
      ctx.fail(ErrorCode::InvalidArgument, "'image_shape' must hold 1 to ", kMaxConvSpatialRank, " dims, got ", r);
    if (block.size() != r)
      ctx.fail(ErrorCode::InvalidArgument, "'block_shape' has ", block.size(), " dims, 'image_shape' ", r);
    check_length(ctx, "dilations", dilations_.size(), r);
    check_length(ctx, "strides", strides_.size(), r);
    check_length(ctx, "pads", pads_.size(), 2 * r);
    ConvGeometry g;
    g.rank = static_cast<int>(r);
    int64_t ksize = 1, blocks = 1;
    for (size_t d = 0; d < r; ++d) {
      if (image[d] < 0) ctx.fail(ErrorCode::InvalidArgument, "'image_shape' has a negative dim ", image[d]);
      if (block[d] < 1) ctx.fail(ErrorCode::InvalidArgument, "'block_shape' dims must be positive, got ", block[d]);
      g.input[d] = image[d];
      g.kernel[d] = block[d];
      g.dilation[d] = dilations_.empty() ? 1 : dilations_[d];
      g.stride[d] = strides_.empty() ? 1 : strides_[d];
      g.pad_begin[d] = pads_.empty() ? 0 : pads_[d];
      const int64_t pad_end = pads_.empty() ? 0 : pads_[d + r];
      int64_t span = 0, padded = 0;  // the block's extent and the padded image's, overflow-checked
      if (__builtin_mul_overflow(g.dilation[d], block[d] - 1, &span) ||
          __builtin_add_overflow(image[d], g.pad_begin[d], &padded) || __builtin_add_overflow(padded, pad_end, &padded))
        ctx.fail(ErrorCode::InvalidArgument, "block or padded image extent overflows on axis ", d);
      if (padded - 1 < span)
        ctx.fail(ErrorCode::InvalidArgument, "block of extent ", span + 1, " does not fit the padded image of extent ",
                 padded, " on axis ", d);
      g.output[d] = (padded - 1 - span) / g.stride[d] + 1;
      if (__builtin_mul_overflow(ksize, block[d], &ksize) || __builtin_mul_overflow(blocks, g.output[d], &blocks))
        ctx.fail(ErrorCode::InvalidArgument, "'block_shape' or the block count overflows");
    }
    if (x_shape[1] % ksize != 0)
      ctx.fail(ErrorCode::InvalidArgument, "input dim 1 (", x_shape[1],
               ") is not a multiple of prod(block_shape) = ", ksize);
    if (x_shape[2] != blocks)
      ctx.fail(ErrorCode::InvalidArgument, "input dim 2 (", x_shape[2], ") must equal the number of sliding blocks, ",
               blocks, ", for image_shape ", shape_to_string(Shape(image.begin(), image.end())), " and block_shape ",
               shape_to_string(Shape(block.begin(), block.end())));
    g.channels = x_shape[1] / ksize;
    return g;
  }

  static void check_length(const KernelContext& ctx, const char* name, size_t got, size_t want) {
    if (got != 0 && got != want)
      ctx.fail(ErrorCode::InvalidArgument, "attribute '", name, "' has ", got, " values, expected ", want,
               " for the spatial rank of 'image_shape'");
  }

  std::vector<int64_t> dilations_, pads_, strides_;
};

}  // namespace

void register_col2im(Registry& r) {
  r.add({"", "Col2Im", 18, kFloatTypes, make_kernel<Col2Im>});
}

}  // namespace onyxrt::ops
