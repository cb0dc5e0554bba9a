// The Winograd F(4x4, 3x3) convolution's driver (kernels/winograd.h): the weight transform, the
// bands of tile rows and their 36 GEMMs; the transforms themselves are dispatched per ISA.
#include <algorithm>
#include <vector>

#include "base/parallel.h"
#include "kernels/dispatch.h"
#include "kernels/scratch.h"
#include "kernels/winograd.h"

namespace onyxrt::kernels {
namespace {

constexpr int kPoints = WinogradWeightsF32::kPoints;

// G (6 x 3): U = G w G^T for the points 0, 1, -1, 2, -1/2 and infinity (winograd/transforms_simd.h).
constexpr double kG[6][3] = {{1.0, 0.0, 0.0},
                             {-1.0 / 3, -1.0 / 3, -1.0 / 3},
                             {1.0 / 3, -1.0 / 3, 1.0 / 3},
                             {1.0 / 15, 2.0 / 15, 4.0 / 15},
                             {-16.0 / 15, 8.0 / 15, -4.0 / 15},
                             {0.0, 0.0, 1.0}};

// A band's transformed inputs, its GEMM products and the input transform's rows, per thread:
// reused from run to run, so steady shapes allocate nothing.
struct BandScratch {
  LineAlignedFloats v, prod, work;
};
BandScratch& band_scratch() {
  thread_local BandScratch scratch;
  return scratch;
}

}  // namespace

WinogradWeightsF32::WinogradWeightsF32(const float* w, int64_t m, int64_t c) : m_(m), c_(c) {
  // Six points at a time (one row i of U = G w G^T): their C x M right operands (row-major,
  // u[k][ci][o]) are computed into one scratch, packed, and the scratch reused for the next row,
  // so creation touches fresh memory only for the packed copies. W is regrouped once with the
  // output channels innermost (taps[ci][r][o]), so both products run as loops over contiguous
  // channels and no row i gathers W again.
  const int64_t point = c * m;
  std::vector<float> taps(static_cast<size_t>(9 * point));
  // In blocks of 16 output channels, so each store fills a cache line's worth of one taps row
  // (one output channel at a time stored 9 scattered floats per input channel: a third of the
  // transform's time).
  constexpr int64_t kBlock = 16;
  for (int64_t o0 = 0; o0 < m; o0 += kBlock)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int r = 0; r < 9; ++r)
        for (int64_t o = o0; o < std::min(m, o0 + kBlock); ++o)
          taps[static_cast<size_t>((ci * 9 + r) * m + o)] = w[(o * c + ci) * 9 + r];
  std::vector<float> u(static_cast<size_t>(6 * point));
  std::vector<double> half(static_cast<size_t>(3 * m));  // (G w)[i] of one input channel
  points_.reserve(kPoints);
  for (int i = 0; i < 6; ++i) {
    for (int64_t ci = 0; ci < c; ++ci) {
      for (int k = 0; k < 3; ++k) {
        const float *t0 = taps.data() + (ci * 9 + k) * m, *t1 = t0 + 3 * m, *t2 = t0 + 6 * m;
        double* dst = half.data() + k * m;
        for (int64_t o = 0; o < m; ++o) dst[o] = kG[i][0] * t0[o] + kG[i][1] * t1[o] + kG[i][2] * t2[o];
      }
      const double *h0 = half.data(), *h1 = h0 + m, *h2 = h0 + 2 * m;
      for (int k = 0; k < 6; ++k) {
        float* dst = u.data() + k * point + ci * m;
        for (int64_t o = 0; o < m; ++o) dst[o] = static_cast<float>(h0[o] * kG[k][0] + h1[o] * kG[k][1] + h2[o] * kG[k][2]);
      }
    }
    for (int k = 0; k < 6; ++k) points_.push_back(pack_b_f32(false, c, m, u.data() + k * point, m));
  }
}

bool winograd_f32_supported(const ConvGeometry& g) {
  return g.rank == 2 && g.kernel[0] == 3 && g.kernel[1] == 3 && g.stride[0] == 1 && g.stride[1] == 1 &&
         g.dilation[0] == 1 && g.dilation[1] == 1 && g.output[0] > 0 && g.output[1] > 0 && g.channels > 0;
}

void winograd_conv_f32(const ConvGeometry& g, const WinogradWeightsF32& w, int64_t batch, const float* x, float* y,
                       const ConvDirectEpilogue& epilogue, int threads) {
  const WinogradF32Variant& kernel = kernel_table().winograd_f32;
  WinogradBand shape;
  shape.channels = g.channels, shape.out_channels = w.m();
  shape.in_h = g.input[0], shape.in_w = g.input[1], shape.out_h = g.output[0], shape.out_w = g.output[1];
  shape.pad_top = g.pad_begin[0], shape.pad_left = g.pad_begin[1];
  shape.tiles_x = (shape.out_w + 3) / 4;
  const int64_t c = shape.channels, m = shape.out_channels;
  const int64_t tiles_y = (shape.out_h + 3) / 4, rows = batch * tiles_y;  // tile rows of every image in turn
  const int64_t x_image = c * shape.in_h * shape.in_w, y_image = m * shape.out_h * shape.out_w;
  // Rows of tiles per band, the larger of two counts. The band's transformed inputs and products
  // (36 floats per tile and input or output channel) near 512 KiB, so they stay in L2 between the
  // transforms and the GEMMs. And enough tiles that the weights, which every band's GEMMs read
  // whole (36 C M floats, from L3 or memory once they outgrow L2), are at most two thirds of
  // what a band moves: C M / (2 (C + M)) tiles, 64 for 256 x 256 channels, where a 14 x 14 image
  // has 16. One-row bands of 4 tiles ran those layers in ResNet-50 at 1.72 ms, whole images at
  // 1.24-1.34; at batch 8, bands of 32 or 64 tiles at 8.9-9.2 ms, of 128 or 256 at 9.3-9.8.
  const int64_t tile_bytes = kPoints * (c + m) * int64_t{sizeof(float)};
  const int64_t l2_rows = (int64_t{1} << 19) / (tile_bytes * shape.tiles_x);
  const int64_t reuse_rows = (c * m / (2 * (c + m)) + shape.tiles_x - 1) / shape.tiles_x;
  const int64_t band_rows = std::clamp<int64_t>(std::max(l2_rows, reuse_rows), 1, rows);
  int64_t bands = (rows + band_rows - 1) / band_rows;

  // Calls fn(image, its part) for each image with tile rows in [r0, r1) of the band that starts
  // at tile row r0 and holds `tiles` tiles per point, the part covering channels [c0, c1).
  auto for_each_image = [&](int64_t r0, int64_t r1, int64_t tiles, int64_t c0, int64_t c1, auto&& fn) {
    for (int64_t n = r0 / tiles_y; n * tiles_y < r1; ++n) {
      WinogradBand part = shape;
      part.ty0 = std::max(r0, n * tiles_y) - n * tiles_y;
      part.ty1 = std::min(r1, (n + 1) * tiles_y) - n * tiles_y;
      part.first_tile = (n * tiles_y + part.ty0 - r0) * shape.tiles_x;
      part.point_tiles = tiles;
      part.channel_begin = c0, part.channel_end = c1;
      fn(n, part);
    }
  };
  // The input transform of input channels [c0, c1) of band [r0, r1) into v.
  auto transform_input = [&](int64_t r0, int64_t r1, int64_t c0, int64_t c1, float* v) {
    BandScratch& scratch = band_scratch();
    float* work = scratch.work.get(48 * (shape.tiles_x + 1));
    const int64_t tiles = (r1 - r0) * shape.tiles_x;
    for_each_image(r0, r1, tiles, c0, c1, [&](int64_t n, const WinogradBand& part) {
      kernel.input(part, x + n * x_image, v, work);
    });
  };
  // The output transform of output channels [o0, o1) of band [r0, r1) from prod.
  auto transform_output = [&](int64_t r0, int64_t r1, int64_t o0, int64_t o1, const float* prod) {
    const int64_t tiles = (r1 - r0) * shape.tiles_x;
    for_each_image(r0, r1, tiles, o0, o1, [&](int64_t n, const WinogradBand& part) {
      const float* z = epilogue.z != nullptr ? epilogue.z + n * y_image : nullptr;
      kernel.output(part, prod, epilogue.bias, z, epilogue.clamp, epilogue.lo, epilogue.hi, y + n * y_image);
    });
  };

  // Bands side by side, one thread each, read the weights once per band. With fewer bands than
  // threads (a small image at batch 1: one band of 16 tiles for a 14 x 14 plane), splitting
  // bands further would have each thread read the weights whole for a few tiles: ResNet-50's
  // 256 x 256 layers at 14 x 14 scaled 1.35-1.5x to 2 threads so (9.4 MB of weights per thread).
  // There, each band is computed by all threads together instead, in two steps: the input
  // transform by input channels, then per thread a share of the output channels, through the
  // point GEMMs (reading only that share of every point's weights) and the output transform.
  // Only then: with as many bands as threads, sharing each band has every thread pack every
  // band's transformed inputs for its narrower GEMMs, at two fork/joins a band (28 x 28 at
  // 128 x 128 channels, two bands: 15-35% slower than a band per thread).
  if (threads <= 1 || bands >= threads) {
    // A multiple of the threads in bands, the rows dealt out evenly, so that none idles.
    if (threads > 1) bands = std::min(rows, (bands + threads - 1) / threads * threads);
    parallel_for_claimed(bands, threads, [&](int64_t b) {
      const int64_t r0 = rows * b / bands, r1 = rows * (b + 1) / bands, tiles = (r1 - r0) * shape.tiles_x;
      BandScratch& scratch = band_scratch();
      float* v = scratch.v.get(kPoints * c * tiles);
      float* prod = scratch.prod.get(kPoints * tiles * m);
      transform_input(r0, r1, 0, c, v);
      for (int e = 0; e < kPoints; ++e)
        gemm_f32_packed(true, tiles, 1.0f, v + e * c * tiles, tiles, w.point(e), 0.0f, prod + e * tiles * m, m, 1);
      transform_output(r0, r1, 0, m, prod);
    });
    return;
  }
  BandScratch& shared = band_scratch();  // the caller's, written by every thread at disjoint places
  for (int64_t b = 0; b < bands; ++b) {
    const int64_t r0 = rows * b / bands, r1 = rows * (b + 1) / bands, tiles = (r1 - r0) * shape.tiles_x;
    float* v = shared.v.get(kPoints * c * tiles);
    float* prod = shared.prod.get(kPoints * tiles * m);
    parallel_for(threads, 1, threads, [&](int64_t p0, int64_t p1) {
      transform_input(r0, r1, c * p0 / threads, c * p1 / threads, v);
    });
    parallel_for(threads, 1, threads, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        std::pair<int64_t, int64_t> columns;
        for (int e = 0; e < kPoints; ++e)
          columns = gemm_f32_packed_share(true, tiles, 1.0f, v + e * c * tiles, tiles, w.point(e), 0.0f,
                                          prod + e * tiles * m, m, static_cast<int>(p), threads);
        transform_output(r0, r1, columns.first, columns.second, prod);
      }
    });
  }
}

}  // namespace onyxrt::kernels
