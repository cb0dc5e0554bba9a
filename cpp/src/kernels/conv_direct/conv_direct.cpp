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
#include "kernels/scratch.h"

namespace onyxrt::kernels {
namespace {

// Planes beyond this many floats (256 MiB) are not worth their copy: im2col in chunks serves.
constexpr int64_t kMaxPlaneFloats = int64_t{1} << 26;
// A chunk of positions reads about this many floats of source per K slice: kept in L2 while
// every row panel passes over it.
constexpr int64_t kChunkSourceFloats = int64_t{1} << 16;

struct Buffers {  // the calling thread's, reused: a run after the first allocates nothing
  std::vector<int64_t> offset;
  LineAlignedFloats planes, grid, residual;
};
thread_local Buffers buffers;

// min(hi, max(lo, v)) with NaN passing through, as the tile kernels compute it.
float clamp(float v, float lo, float hi) {
  const float up = lo > v ? lo : v;
  return hi < up ? hi : up;
}

// How a call's tiles are shared out: `chunks` runs of position units (at most about
// kChunkSourceFloats of source each, so a chunk's source stays in cache across the channel
// panels) times `parts` parts of the output channels. When the weights outweigh the source twice
// (W is m x (channels x taps) floats, the source about channels x positions), threads split the
// channels, each streaming only its share of W; otherwise they split the positions, two chunks
// each. ResNet-50's 1024 -> 256 1x1 layers at 14 x 14 (weights 1.3x the source) went 530-670 ->
// 470-550 us at 2 threads split by positions; its 256 -> 1024 ones (5x) and 3x3 ones (9x) went
// 420 -> 480 and 720 -> 830 us that way, so they keep the channels split. Chunk
// sizes differ by at most one unit and, split by positions, their count is a multiple of the
// threads: 14 units in chunks of 4, 4, 4 and 2 gave one thread 8 and the other 6. The units are
// numbered part-major: parallel_for's contiguous ranges then give each thread whole parts of
// equal size, and the same parts of W every run.
struct WorkSplit {
  int threads = 1;
  int64_t units = 1, chunks = 1, parts = 1;
  // The first position unit of chunk i (i == chunks: the end).
  int64_t chunk_begin(int64_t i) const { return units * i / chunks; }
};

WorkSplit split_work(int64_t units, int64_t cache_units, int64_t m, int64_t taps, int64_t positions, int64_t panels,
                     int64_t work, int threads) {
  WorkSplit s;
  s.units = units;
  s.threads = static_cast<int>(std::min<int64_t>(threads, std::max<int64_t>(1, work / 262144)));
  int64_t chunk = std::max<int64_t>(1, std::min(units, cache_units));
  if (s.threads > 1 && m * taps >= 2 * positions) {
    s.parts = std::min<int64_t>(panels, 2 * s.threads);
  } else if (s.threads > 1) {
    chunk = std::max<int64_t>(1, std::min(chunk, (units + 2 * s.threads - 1) / (2 * s.threads)));
  }
  s.chunks = (units + chunk - 1) / chunk;
  if (s.threads > 1 && s.parts == 1)
    s.chunks = std::min(units, (s.chunks + s.threads - 1) / s.threads * s.threads);
  if (s.chunks * s.parts < s.threads) s.parts = std::min<int64_t>(panels, (s.threads + s.chunks - 1) / s.chunks);
  return s;
}

// Output channel rows [m0, m1) of part `part` of `parts`, in whole tiles of `rows`.
void part_rows(int64_t part, int64_t parts, int64_t panels, int rows, int64_t m, int64_t& m0, int64_t& m1) {
  m0 = panels * part / parts * rows;
  m1 = std::min(m, panels * (part + 1) / parts * rows);
}

// Runs the tiles of t on up to `threads` threads (split_work; position units of NR).
void run_tiles(const ConvDirectF32Variant& v, const ConvDirectTiles& t, int taps, int threads) {
  const int64_t depth = t.slice;
  const int64_t channels_per_slice = std::max<int64_t>(1, depth / std::max(1, taps));
  const int64_t units = (t.positions + v.nr - 1) / v.nr, panels = (t.m + v.mr - 1) / v.mr;
  const WorkSplit s = split_work(units, kChunkSourceFloats / channels_per_slice / v.nr, t.m, taps, t.positions, panels,
                                 t.m * t.k * t.positions, threads);
  parallel_for(s.chunks * s.parts, 1, s.threads, [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t q0 = s.chunk_begin(u % s.chunks) * v.nr;
      const int64_t q1 = std::min(t.positions, s.chunk_begin(u % s.chunks + 1) * v.nr);
      int64_t m0, m1;
      part_rows(u / s.chunks, s.parts, panels, v.mr, t.m, m0, m1);
      if (m0 < m1 && q0 < q1) v.tiles(t, m0, m1, q0, q1);
    }
  });
}

}  // namespace

// The source of both forms: the input itself (pointwise) or its planes, with each reduction
// step's offset and the grid row width; false when neither serves the geometry.
struct Source {
  const float* data = nullptr;
  int64_t cols = 0, positions = 0;  // grid row width, grid positions
  bool overread = false;            // NR - 1 floats past the last position are readable
  WindowPlanes planes;
};

bool source_serves(const ConvGeometry& g) {
  if (g.is_pointwise()) return true;
  WindowPlanes p;
  return make_window_planes(g, p) && g.channels <= kMaxPlaneFloats / p.size;
}

Source prepare_source(const ConvDirectF32Variant& v, const ConvGeometry& g, const float* x, Buffers& b,
                      int threads) {
  Source s;
  const int64_t k = g.channels * g.kernel_size();
  if (b.offset.size() < static_cast<size_t>(k)) b.offset.resize(static_cast<size_t>(k));
  if (g.is_pointwise()) {  // position o of channel c at x[c * in_size + o]
    const int64_t in_size = g.input_size();
    for (int64_t c = 0; c < g.channels; ++c) b.offset[c] = c * in_size;
    s.data = x, s.cols = g.output[g.rank - 1], s.positions = g.output_size();
    return s;
  }
  WindowPlanes& p = s.planes;
  make_window_planes(g, p);
  const int64_t stride = (p.size + 15) / 16 * 16;  // each channel's planes start on a cache line
  float* planes = b.planes.get(g.channels * stride);
  const int64_t grain = std::max<int64_t>(1, 16384 / stride);
  parallel_for(g.channels, grain, threads, [&](int64_t c0, int64_t c1) { v.planes(g, x, c0, c1, planes, stride); });
  for (int64_t c = 0; c < g.channels; ++c)
    for (int tap = 0; tap < p.taps; ++tap) b.offset[c * p.taps + tap] = c * stride + p.tap_offset[tap];
  // Output (oh, ow) is grid position oh * cols + ow; the slack after the planes covers a tile's
  // reads past the last position.
  s.data = planes, s.cols = p.cols, s.positions = (p.out_h - 1) * p.cols + p.out_w, s.overread = true;
  return s;
}

// Y may be Z's buffer (a planner reusing it): over several K slices the first would overwrite
// Z before the last adds it, so Z is set aside first.
const float* residual_source(const float* z, const float* y, int64_t rows, int64_t ldy, bool several_slices,
                             Buffers& b) {
  const auto at = [](const float* f) { return reinterpret_cast<std::uintptr_t>(f); };
  if (z == nullptr || !several_slices || at(z) >= at(y + rows * ldy) || at(y) >= at(z + rows * ldy)) return z;
  float* copy = b.residual.get(rows * ldy);
  std::memcpy(copy, z, static_cast<size_t>(rows * ldy) * sizeof(float));
  return copy;
}

bool conv_direct_f32_supported_with(const ConvDirectF32Variant& v, const GemmF32Config& cfg, const ConvGeometry& g,
                                    const PackedMatrixA& w) {
  if (w.empty() || !PackedAccess::fits(w, cfg) || v.mr != cfg.ukernel.mr) return false;
  return w.k() == g.channels * g.kernel_size() && source_serves(g);
}

void conv_direct_f32_with(const ConvDirectF32Variant& v, const GemmF32Config& cfg, const ConvGeometry& g,
                          const PackedMatrixA& w, const float* x, float* y, int64_t ldy,
                          const ConvDirectEpilogue& epilogue, int threads) {
  ONYXRT_ENFORCE(conv_direct_f32_supported_with(v, cfg, g, w), "conv_direct_f32: geometry or packing not supported");
  ConvDirectTiles t;
  t.k = w.k(), t.slice = gemm_f32_slice_depth(cfg, w.k()), t.weights = PackedAccess::data(w);
  t.m = w.m(), t.mpad = (t.m + v.mr - 1) / v.mr * v.mr;
  t.bias = epilogue.bias, t.clamp = epilogue.clamp, t.lo = epilogue.lo, t.hi = epilogue.hi;
  Buffers& b = buffers;
  const float* z = residual_source(epilogue.z, y, t.m, ldy, t.k > t.slice, b);
  const Source source = prepare_source(v, g, x, b, threads);
  t.offset = b.offset.data(), t.source = source.data, t.positions = source.positions;
  t.tail_overread = source.overread, t.z = z;
  const WindowPlanes& p = source.planes;
  // The tiles store straight into y, skipping the planes' padding columns, when each of their
  // vectors spans at most two grid rows; narrower grids are computed whole and compacted.
  const bool padded = !g.is_pointwise() && p.cols != p.out_w;
  const bool compact = padded && p.cols < v.nr;
  if (compact) {  // the residual and the clamp after it wait for the compaction
    t.ldc = (t.positions + 15) / 16 * 16;
    t.c = b.grid.get(t.m * t.ldc);
    t.z = nullptr;
    t.clamp = epilogue.clamp && z == nullptr;
  } else {
    t.c = y, t.ldc = ldy;
    if (padded) t.cols = p.cols, t.out_w = p.out_w;
  }
  run_tiles(v, t, g.is_pointwise() ? 1 : p.taps, threads);
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

bool conv_direct_t_f32_supported_with(const ConvDirectTF32Variant& v, const GemmF32Config& cfg, const ConvGeometry& g,
                                      const PackedMatrixB& w) {
  return v.tiles != nullptr && !w.empty() && PackedAccess::fits(w, cfg) && v.nr == cfg.ukernel.nr &&
         w.k() == g.channels * g.kernel_size() && source_serves(g);
}

void conv_direct_t_f32_with(const ConvDirectTF32Variant& v, const ConvDirectF32Variant& planes,
                            const GemmF32Config& cfg, const ConvGeometry& g, const PackedMatrixB& w,
                            const float* x, float* y, int64_t ldy, const ConvDirectEpilogue& epilogue, int threads) {
  ONYXRT_ENFORCE(conv_direct_t_f32_supported_with(v, cfg, g, w),
                 "conv_direct_t_f32: geometry or packing not supported");
  ConvDirectTTiles t;
  t.k = w.k(), t.slice = gemm_f32_slice_depth(cfg, w.k()), t.weights = PackedAccess::data(w);
  t.m = w.n(), t.npad = (t.m + v.nr - 1) / v.nr * v.nr;
  t.bias = epilogue.bias, t.clamp = epilogue.clamp, t.lo = epilogue.lo, t.hi = epilogue.hi;
  Buffers& b = buffers;
  t.z = residual_source(epilogue.z, y, t.m, ldy, t.k > t.slice, b);
  const Source source = prepare_source(planes, g, x, b, threads);
  t.offset = b.offset.data(), t.source = source.data;
  t.out_w = g.output[g.rank - 1], t.cols = source.cols, t.outputs = g.output_size();
  if (g.is_pointwise()) {
    // Positions are flat in the source and in y alike, so tiles may run across the image's rows:
    // rows as wide as whole tiles fill them (7 x 7: 14 + 14 + 14 + 7 positions, not 7 a tile).
    t.out_w = t.cols = (t.out_w + v.rows - 1) / v.rows * v.rows;
  }
  t.y = y, t.ldy = ldy;
  // split_work over whole output rows (the last one may be short), so tiles never straddle them.
  const int64_t depth = t.slice;
  const int64_t taps = g.is_pointwise() ? 1 : source.planes.taps;
  const int64_t channels_per_slice = std::max<int64_t>(1, depth / std::max<int64_t>(1, taps));
  const int64_t rows = (t.outputs + t.out_w - 1) / t.out_w, panels = (t.m + v.nr - 1) / v.nr;
  const WorkSplit s = split_work(rows, kChunkSourceFloats / channels_per_slice / std::max<int64_t>(1, t.cols), t.m,
                                 std::max<int64_t>(1, taps), t.outputs, panels, t.m * t.k * t.outputs, threads);
  parallel_for(s.chunks * s.parts, 1, s.threads, [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t r0 = s.chunk_begin(u % s.chunks) * t.out_w;
      const int64_t r1 = std::min(t.outputs, s.chunk_begin(u % s.chunks + 1) * t.out_w);
      int64_t m0, m1;
      part_rows(u / s.chunks, s.parts, panels, v.nr, t.m, m0, m1);
      if (m0 < m1 && r0 < r1) v.tiles(t, m0, m1, r0, r1);
    }
  });
}

bool conv_direct_t_f32_available() { return kernel_table().conv_direct_t_f32.tiles != nullptr; }

// Lanes lost by each form: the positions-in-lanes tile computes the planes' grid (padding
// columns included) rounded up to its width; the transposed one computes every output position
// once and rounds the channels up to its width. On a 1x1 window the transposed store costs a
// little: that form must win by 3%. On a wider window it wins ties: its broadcasts read the
// planes' few rows, shared by neighbouring taps, where the positions form streams a line per
// step (1 thread, onyxrt's node time: ResNet-50's 7x7 stem, 3 -> 64 at 224 x 224, 1.36-1.39
// against 1.55-1.56 ms, 2 threads 0.71 against 0.86; 16 -> 64 3x3 at 56 x 56 0.34 against 0.39;
// MobileNetV2's stem, 3 -> 32 3x3 stride 2, 0.26-0.28 against 0.28-0.29).
bool conv_direct_t_f32_preferred(const ConvGeometry& g, int64_t m) {
  const KernelTable& table = kernel_table();
  const ConvDirectTF32Variant& t = table.conv_direct_t_f32;
  if (t.tiles == nullptr || !source_serves(g) || m < 1) return false;
  const int64_t outputs = g.output_size();
  int64_t grid = outputs;
  if (!g.is_pointwise()) {
    WindowPlanes p;
    make_window_planes(g, p);
    grid = (p.out_h - 1) * p.cols + p.out_w;
  }
  const int lanes_nr = table.conv_direct_f32.nr;
  const double lanes = static_cast<double>(outputs) / static_cast<double>((grid + lanes_nr - 1) / lanes_nr * lanes_nr);
  const double transposed = static_cast<double>(m) / static_cast<double>((m + t.nr - 1) / t.nr * t.nr);
  return g.is_pointwise() ? transposed > 1.03 * lanes : transposed >= lanes;
}

bool conv_direct_t_f32_supported(const ConvGeometry& g, const PackedMatrixB& w) {
  const KernelTable& table = kernel_table();
  return conv_direct_t_f32_supported_with(table.conv_direct_t_f32, table.gemm_f32, g, w);
}

void conv_direct_t_f32(const ConvGeometry& g, const PackedMatrixB& w, const float* x, float* y, int64_t ldy,
                       const ConvDirectEpilogue& epilogue, int threads) {
  const KernelTable& table = kernel_table();
  conv_direct_t_f32_with(table.conv_direct_t_f32, table.conv_direct_f32, table.gemm_f32, g, w, x, y, ldy, epilogue,
                         threads);
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
