#pragma once

#include <cstdint>
#include <limits>

// Convolution helpers with no operator knowledge: the im2col lowering that turns an N-D
// convolution of one image (channels outermost, NCHW-style) into a GEMM, and col2im, its adjoint
// (transposed convolution, Col2Im).
namespace onyxrt::kernels {

inline constexpr int kMaxConvSpatialRank = 8;

// An N-D sliding window over `channels` planes of `input` dims. output[d] is the caller's (it
// knows auto_pad / ceil rules); a window position o reads input index
//   o * stride[d] - pad_begin[d] + k * dilation[d]   for kernel index k, zero outside [0, input[d]).
struct ConvGeometry {
  int rank = 0;  // spatial rank, 1..kMaxConvSpatialRank
  int64_t channels = 0;
  int64_t input[kMaxConvSpatialRank] = {};
  int64_t kernel[kMaxConvSpatialRank] = {};
  int64_t output[kMaxConvSpatialRank] = {};
  int64_t stride[kMaxConvSpatialRank] = {};
  int64_t dilation[kMaxConvSpatialRank] = {};
  int64_t pad_begin[kMaxConvSpatialRank] = {};

  int64_t input_size() const { return product(input); }
  int64_t kernel_size() const { return product(kernel); }
  int64_t output_size() const { return product(output); }
  // True when im2col would be the identity (1x1..., stride 1, no padding): use x directly as B.
  bool is_pointwise() const;

 private:
  int64_t product(const int64_t* dims) const {
    int64_t p = 1;
    for (int d = 0; d < rank; ++d) p *= dims[d];
    return p;
  }
};

// Writes rows (c, k_0, ..., k_{rank-1}) x columns [col_begin, col_begin + col_count) of the
// im2col matrix of x ([channels, input...]) to out, row r at out + r * ld_out. Columns index the
// output positions in row-major order; entries whose input index falls outside are zero.
void im2col_f32(const ConvGeometry& g, const float* x, int64_t col_begin, int64_t col_count, float* out,
                int64_t ld_out);
void im2col_f64(const ConvGeometry& g, const double* x, int64_t col_begin, int64_t col_count, double* out,
                int64_t ld_out);

// The adjoint of im2col: adds rows (c, k_0, ..., k_{rank-1}) x columns [col_begin, col_begin +
// col_count) of an im2col-layout matrix (row r at cols + r * ld_cols) into x ([channels, input...])
// at the input index each entry was read from; entries whose index falls outside are dropped.
// x is accumulated into, not cleared (ConvTranspose pre-fills it with the bias). Channels write
// disjoint planes, so a caller may split them across threads.
void col2im_f32(const ConvGeometry& g, const float* cols, int64_t ld_cols, int64_t col_begin, int64_t col_count,
                float* x);
void col2im_f64(const ConvGeometry& g, const double* cols, int64_t ld_cols, int64_t col_begin, int64_t col_count,
                double* x);

// What the depthwise kernel applies to each output before storing it: the residual z (Y's layout,
// pointing at the image's first channel like y; null for none) added, then a clamp to [lo, hi]
// computed as min(hi, max(lo, v)) with NaN passing through, as Relu (lo 0) and Clip do.
struct DepthwiseEpilogue {
  const float* z = nullptr;
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  bool is_identity() const {
    return z == nullptr && lo == -std::numeric_limits<float>::infinity() &&
           hi == std::numeric_limits<float>::infinity();
  }
};

// Direct convolution for groups of one input channel (depthwise, `multiplier` output channels per
// input channel), spatial rank 1..3: output channel o of one image reads input channel
// o / multiplier through its own kernel w[o] (kernel_size() values), adds bias[o] (bias may be
// null), then the epilogue. Computes output channels [c0, c1); x and y point at the image's first
// channel.
void depthwise_conv_f32(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w, const float* bias,
                        float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep = DepthwiseEpilogue());

}  // namespace onyxrt::kernels
