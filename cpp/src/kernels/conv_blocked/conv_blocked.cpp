// The channel-blocked convolution's driver (kernels/conv_blocked.h): weight packing, the work
// split, the reorders, and the portable row loop for CPUs without the vector kernel.
#include "kernels/conv_blocked.h"

#include <algorithm>
#include <cstring>

#include "base/allocator.h"
#include "base/parallel.h"
#include "kernels/conv_blocked/row_job.h"
#include "kernels/dispatch.h"

namespace onyxrt::kernels {
namespace {

// The weights of a group of panels are read once per tile of positions: kept to about half of a
// core's L2 so they stay there while the tiles go by.
constexpr int64_t kGroupWeightBytes = int64_t{1} << 20;
// Positions per work unit of a row (a pointwise layer's image is one long row): a multiple of
// the vector kernel's 14-position tile, and the span a unit's panels share in L1.
constexpr int64_t kSpan = 14;
constexpr int64_t kUnitSpans = 8;

// Scalar reference order: for each output, bias, then the taps in (c, kh, kw) order.
void row_portable(const ConvBlockedRowJob& j) {
  const int64_t plane = j.ih * j.iw * 16, row = j.iw * 16, panel_outputs = j.nb * 16;
  for (int64_t ow = j.ow_begin; ow < j.ow_end; ++ow) {
    float acc[32];
    for (int64_t o = 0; o < panel_outputs; ++o) acc[o] = j.bias[o];
    for (int64_t cb = 0; cb < j.c_blocks; ++cb) {
      for (int64_t kh = 0; kh < j.kh; ++kh) {
        const int64_t ih = j.oh * j.sh - j.ph + kh * j.dh;
        if (ih < 0 || ih >= j.ih) continue;
        for (int64_t kw = 0; kw < j.kw; ++kw) {
          const int64_t iw = ow * j.sw - j.pw + kw * j.dw;
          if (iw < 0 || iw >= j.iw) continue;
          const float* xp = j.x + cb * plane + ih * row + iw * 16;
          const float* wp = j.w + ((cb * j.kh + kh) * j.kw + kw) * 16 * panel_outputs;
          for (int c = 0; c < 16; ++c)
            for (int64_t o = 0; o < panel_outputs; ++o) acc[o] += xp[c] * wp[c * panel_outputs + o];
        }
      }
    }
    for (int64_t o = 0; o < panel_outputs; ++o) {
      const int64_t at = (o / 16) * j.y_block + ow * 16 + o % 16;
      float v = acc[o];
      if (j.z != nullptr) v += j.z[at];
      if (j.clamp) {
        const float up = j.lo > v ? j.lo : v;  // NaN stays NaN, as through the operators
        v = j.hi < up ? j.hi : up;
      }
      j.y[at] = v;
    }
  }
}

ConvBlockedRowFn row_kernel() {
#if defined(__x86_64__) || defined(_M_X64)
  if (tier_enabled(IsaTier::Avx512)) return conv_blocked_row_f32__avx512;
#endif
  return row_portable;
}

// fn(n, block, live channels of the block, p0, p1) over every image's channel blocks in runs of
// 16 positions (a 16 x 16 square: 16 lines of each side in L1 while it is transposed), threads splitting
// the blocks.
template <class Fn>
void for_each_block(int64_t batch, int64_t c, int64_t positions, int threads, const Fn& fn) {
  const int64_t blocks = channel_blocks(c);
  const int use = static_cast<int>(std::min<int64_t>(threads, std::max<int64_t>(1, batch * c * positions / 65536)));
  parallel_for(batch * blocks, 1, use, [&](int64_t begin, int64_t end) {
    for (int64_t unit = begin; unit < end; ++unit) {
      const int64_t n = unit / blocks, cb = unit % blocks;
      for (int64_t p0 = 0; p0 < positions; p0 += 16)
        fn(n, cb, std::min<int64_t>(16, c - cb * 16), p0, std::min(positions, p0 + 16));
    }
  });
}

int64_t panel_floats(const ConvBlockedWeights& w, int nb) { return channel_blocks(w.c) * w.kh * w.kw * 256 * nb; }

}  // namespace

bool conv_blocked_f32_fast() { return row_kernel() != row_portable; }

ConvBlockedWeights pack_conv_blocked_weights(const float* w, const float* bias, int64_t m, int64_t c, int64_t kh,
                                             int64_t kw) {
  ConvBlockedWeights p;
  p.m = m, p.c = c, p.kh = kh, p.kw = kw;
  const int64_t m_blocks = channel_blocks(m), c_blocks = channel_blocks(c), taps = kh * kw;
  const int64_t floats = m_blocks * c_blocks * taps * 256;
  p.storage = allocate_buffer(static_cast<size_t>(floats) * sizeof(float), BufferFill::Zeroed);
  float* panels = static_cast<float*>(p.storage.get());
  p.panels = panels;
  p.bias.assign(static_cast<size_t>(m_blocks * 16), 0.0f);
  if (bias != nullptr) std::copy(bias, bias + m, p.bias.begin());
  for (int64_t first = 0; first < m_blocks; first += 2) {
    const int nb = first + 1 < m_blocks ? 2 : 1;
    float* panel = panels + first / 2 * panel_floats(p, 2);
    const int64_t outputs = nb * 16;
    for (int64_t o = 0; o < outputs && first * 16 + o < m; ++o) {
      const float* wo = w + (first * 16 + o) * c * taps;
      for (int64_t ci = 0; ci < c; ++ci)
        for (int64_t t = 0; t < taps; ++t)
          panel[((ci / 16 * taps + t) * 16 + ci % 16) * outputs + o] = wo[ci * taps + t];
    }
  }
  return p;
}

void conv_blocked_f32(const ConvBlockedShape& s, const ConvBlockedWeights& w, const float* x, float* y,
                      const ConvBlockedEpilogue& epilogue, int threads) {
  const ConvBlockedRowFn row_fn = row_kernel();
  ConvBlockedShape g = s;
  if (g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0) {
    // A pointwise layer reads its input position by position: one long row.
    g.iw = g.ow = g.oh * g.ow, g.ih = g.oh = 1;
  }
  const int64_t m_blocks = channel_blocks(g.m), c_blocks = channel_blocks(g.c);
  const int64_t panels = (m_blocks + 1) / 2;
  const int64_t x_image = c_blocks * g.ih * g.iw * 16, y_block = g.oh * g.ow * 16, y_image = m_blocks * y_block;
  const int64_t panel_bytes = panel_floats(w, 2) * static_cast<int64_t>(sizeof(float));
  int64_t group = std::clamp<int64_t>(kGroupWeightBytes / std::max<int64_t>(1, panel_bytes), 1, panels);
  const int64_t spans = (g.ow + kSpan * kUnitSpans - 1) / (kSpan * kUnitSpans);
  const int64_t row_units = g.batch * g.oh * spans;
  // Enough units that two threads end within about a quarter unit of each other.
  while (threads > 1 && group > 1 && row_units * ((panels + group - 1) / group) < 4 * threads) group = (group + 1) / 2;
  const int64_t groups = (panels + group - 1) / group;
  const int64_t work = g.batch * g.oh * g.ow * m_blocks * c_blocks * g.kh * g.kw * 256;
  const int use = static_cast<int>(std::min<int64_t>(threads, std::max<int64_t>(1, work / 262144)));
  parallel_for(groups * row_units, 1, use, [&](int64_t begin, int64_t end) {
    for (int64_t unit = begin; unit < end; ++unit) {
      // Group-major, so each thread's contiguous units share their weights.
      const int64_t gi = unit / row_units, ru = unit % row_units;
      const int64_t n = ru / (g.oh * spans), oh = ru / spans % g.oh, span = ru % spans;
      const int64_t ow_end = std::min(g.ow, (span + 1) * kSpan * kUnitSpans);
      const int64_t p_end = std::min(panels, (gi + 1) * group);
      ConvBlockedRowJob j;
      j.x = x + n * x_image;
      j.y_block = y_block;
      j.c_blocks = c_blocks, j.ih = g.ih, j.iw = g.iw, j.kh = g.kh, j.kw = g.kw;
      j.sh = g.sh, j.sw = g.sw, j.dh = g.dh, j.dw = g.dw, j.ph = g.ph, j.pw = g.pw;
      j.oh = oh;
      j.clamp = epilogue.clamp, j.lo = epilogue.lo, j.hi = epilogue.hi;
      for (int64_t ow = span * kSpan * kUnitSpans; ow < ow_end; ow += kSpan) {
        j.ow_begin = ow, j.ow_end = std::min(ow_end, ow + kSpan);
        for (int64_t p = gi * group; p < p_end; ++p) {
          const int64_t first = 2 * p, at = n * y_image + first * y_block + oh * g.ow * 16;
          j.nb = first + 1 < m_blocks ? 2 : 1;
          j.w = w.panels + p * panel_floats(w, 2);
          j.bias = w.bias.data() + first * 16;
          j.y = y + at;
          j.z = epilogue.z != nullptr ? epilogue.z + at : nullptr;
          row_fn(j);
        }
      }
    }
  });
}

void reorder_to_blocked_f32(const float* x, int64_t batch, int64_t c, int64_t positions, float* y, int threads) {
  for_each_block(batch, c, positions, threads, [&](int64_t n, int64_t cb, int64_t live, int64_t p0, int64_t p1) {
    const float* src = x + (n * c + cb * 16) * positions;
    float* dst = y + (n * channel_blocks(c) + cb) * positions * 16;
    for (int64_t p = p0; p < p1; ++p)
      for (int64_t ci = 0; ci < 16; ++ci) dst[p * 16 + ci] = ci < live ? src[ci * positions + p] : 0.0f;
  });
}

void reorder_from_blocked_f32(const float* x, int64_t batch, int64_t c, int64_t positions, float* y, int threads) {
  for_each_block(batch, c, positions, threads, [&](int64_t n, int64_t cb, int64_t live, int64_t p0, int64_t p1) {
    const float* src = x + (n * channel_blocks(c) + cb) * positions * 16;
    float* dst = y + (n * c + cb * 16) * positions;
    for (int64_t ci = 0; ci < live; ++ci)
      for (int64_t p = p0; p < p1; ++p) dst[ci * positions + p] = src[p * 16 + ci];
  });
}

}  // namespace onyxrt::kernels
