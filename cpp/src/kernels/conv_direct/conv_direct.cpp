// The direct convolution's driver: the source layout, the work split and the row compaction; the
// arithmetic is in the dispatched ISA variant (conv_direct/tiles_simd.h).
#include "kernels/conv_direct.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "base/parallel.h"
#include "kernels/conv/window_planes.h"
#include "kernels/dispatch.h"
#include "kernels/gemm/gemm_f32_driver.h"

namespace onyxrt::kernels {
namespace {

// Planes beyond this many floats (256 MiB) are not worth their copy: im2col in chunks serves.
constexpr int64_t kMaxPlaneFloats = int64_t{1} << 26;
// A chunk of positions reads about this many floats of source per K slice: kept in L2 while
// every row panel passes over it.
constexpr int64_t kChunkSourceFloats = int64_t{1} << 16;

struct Buffers {  // the calling thread's, reused: a run after the first allocates nothing
  std::vector<int64_t> offset;
  std::vector<float> planes, grid, residual;
};
thread_local Buffers buffers;

// min(hi, max(lo, v)) with NaN passing through, as the tile kernels compute it.
float clamp(float v, float lo, float hi) {
  const float up = lo > v ? lo : v;
  return hi < up ? hi : up;
}

float* grow(std::vector<float>& v, int64_t floats) {
  if (v.size() < static_cast<size_t>(floats)) v.resize(static_cast<size_t>(floats));
  return v.data();
}

// Runs the tiles of t on up to `threads` threads: chunks of positions (about
// kChunkSourceFloats of source each), and the rows cut too when there are fewer chunks than
// threads.
void run_tiles(const ConvDirectF32Variant& v, const ConvDirectTiles& t, int taps, int threads) {
  const int64_t depth = std::min(t.k, t.slice);
  const int64_t channels_per_slice = std::max<int64_t>(1, depth / std::max(1, taps));
  int64_t chunk = std::max<int64_t>(v.nr, kChunkSourceFloats / channels_per_slice / v.nr * v.nr);
  const int64_t work = t.m * t.k * t.positions;
  const int useful = static_cast<int>(std::min<int64_t>(threads, std::max<int64_t>(1, work / 262144)));
  if (useful > 1) {  // at least two chunks per thread when the grid allows it
    const int64_t spread = (t.positions + 2 * useful - 1) / (2 * useful);
    chunk = std::max<int64_t>(v.nr, std::min(chunk, (spread + v.nr - 1) / v.nr * v.nr));
  }
  const int64_t chunks = (t.positions + chunk - 1) / chunk;
  const int64_t panels = (t.m + v.mr - 1) / v.mr;
  const int64_t row_parts = chunks >= useful ? 1 : std::min<int64_t>(panels, (useful + chunks - 1) / chunks);
  const int64_t units = chunks * row_parts;
  parallel_for(units, 1, useful, [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t q0 = (u / row_parts) * chunk, part = u % row_parts;
      const int64_t m0 = panels * part / row_parts * v.mr;
      const int64_t m1 = std::min(t.m, panels * (part + 1) / row_parts * v.mr);
      if (m0 < m1) v.tiles(t, m0, m1, q0, std::min(t.positions, q0 + chunk));
    }
  });
}

}  // namespace

bool conv_direct_f32_supported_with(const ConvDirectF32Variant& v, const GemmF32Config& cfg, const ConvGeometry& g,
                                    const PackedMatrixA& w) {
  if (w.empty() || !PackedAccess::fits(w, cfg) || v.mr != cfg.ukernel.mr) return false;
  if (w.k() != g.channels * g.kernel_size()) return false;
  if (g.is_pointwise()) return true;
  WindowPlanes p;
  return make_window_planes(g, p) && g.channels <= kMaxPlaneFloats / p.size;
}

void conv_direct_f32_with(const ConvDirectF32Variant& v, const GemmF32Config& cfg, const ConvGeometry& g,
                          const PackedMatrixA& w, const float* x, float* y, int64_t ldy,
                          const ConvDirectEpilogue& epilogue, int threads) {
  ONYXRT_ENFORCE(conv_direct_f32_supported_with(v, cfg, g, w), "conv_direct_f32: geometry or packing not supported");
  ConvDirectTiles t;
  t.k = w.k(), t.slice = cfg.kc, t.weights = PackedAccess::data(w);
  t.m = w.m(), t.mpad = (t.m + v.mr - 1) / v.mr * v.mr;
  t.bias = epilogue.bias, t.clamp = epilogue.clamp, t.lo = epilogue.lo, t.hi = epilogue.hi;
  Buffers& b = buffers;
  // Y may be Z's buffer (a planner reusing it): over several K slices the first would overwrite
  // Z before the last adds it, so Z is set aside first.
  const float* z = epilogue.z;
  const auto at = [](const float* f) { return reinterpret_cast<std::uintptr_t>(f); };
  if (z != nullptr && t.k > t.slice && at(z) < at(y + t.m * ldy) && at(y) < at(z + t.m * ldy)) {
    float* copy = grow(b.residual, t.m * ldy);
    std::memcpy(copy, z, static_cast<size_t>(t.m * ldy) * sizeof(float));
    z = copy;
  }
  t.z = z;
  if (b.offset.size() < static_cast<size_t>(t.k)) b.offset.resize(static_cast<size_t>(t.k));
  t.offset = b.offset.data();
  const int64_t in_size = g.input_size(), out_size = g.output_size();  // equal when pointwise
  if (g.is_pointwise()) {  // the input is the source: position o of channel c at x[c * in_size + o]
    for (int64_t c = 0; c < g.channels; ++c) b.offset[c] = c * in_size;
    t.source = x, t.positions = out_size, t.tail_overread = false, t.c = y, t.ldc = ldy;
    run_tiles(v, t, 1, threads);
    return;
  }
  WindowPlanes p;
  make_window_planes(g, p);
  const int64_t stride = (p.size + 15) / 16 * 16;  // each channel's planes start on a cache line
  float* planes = grow(b.planes, g.channels * stride);
  const int64_t grain = std::max<int64_t>(1, 16384 / stride);
  parallel_for(g.channels, grain, threads,
               [&](int64_t c0, int64_t c1) { v.planes(g, x, c0, c1, planes, stride); });
  for (int64_t c = 0; c < g.channels; ++c)
    for (int tap = 0; tap < p.taps; ++tap) b.offset[c * p.taps + tap] = c * stride + p.tap_offset[tap];
  // Output (oh, ow) is grid position oh * cols + ow; the slack after the planes covers a tile's
  // reads past the last position.
  t.source = planes, t.positions = (p.out_h - 1) * p.cols + p.out_w, t.tail_overread = true;
  const bool compact = p.cols != p.out_w;
  if (compact) {  // the residual and the clamp after it wait for the compaction
    t.ldc = (t.positions + 15) / 16 * 16;
    t.c = grow(b.grid, t.m * t.ldc);
    t.z = nullptr;
    t.clamp = epilogue.clamp && z == nullptr;
  } else {
    t.c = y, t.ldc = ldy;
  }
  run_tiles(v, t, p.taps, threads);
  if (!compact) return;
  const int64_t rows = t.m * p.out_h;
  parallel_for(rows, std::max<int64_t>(1, 8192 / p.out_w), threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t i = r / p.out_h, oh = r % p.out_h;
      float* dst = y + i * ldy + oh * p.out_w;
      const float* src = t.c + i * t.ldc + oh * p.cols;
      if (z == nullptr) {
        std::memcpy(dst, src, static_cast<size_t>(p.out_w) * sizeof(float));
        continue;
      }
      const float* zr = z + i * ldy + oh * p.out_w;
      for (int64_t j = 0; j < p.out_w; ++j) {
        const float v = src[j] + zr[j];
        dst[j] = epilogue.clamp ? clamp(v, epilogue.lo, epilogue.hi) : v;
      }
    }
  });
}

bool conv_direct_f32_supported(const ConvGeometry& g, const PackedMatrixA& w) {
  const KernelTable& table = kernel_table();
  return conv_direct_f32_supported_with(table.conv_direct_f32, table.gemm_f32, g, w);
}

void conv_direct_f32(const ConvGeometry& g, const PackedMatrixA& w, const float* x, float* y, int64_t ldy,
                     const ConvDirectEpilogue& epilogue, int threads) {
  const KernelTable& table = kernel_table();
  conv_direct_f32_with(table.conv_direct_f32, table.gemm_f32, g, w, x, y, ldy, epilogue, threads);
}

const char* conv_direct_f32_kernel_name() { return kernel_table().conv_direct_f32.name; }

}  // namespace onyxrt::kernels
