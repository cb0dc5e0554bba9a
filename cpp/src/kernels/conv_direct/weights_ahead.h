#pragma once

// Fetching a direct convolution's next weight block into L2 while the current one computes.
// A call walks its packed weights once, block by block (one K slice of one channel panel), in
// memory order, and reuses each block from cache across its tiles of positions. A model's
// weights outlive the caches, so every run reads them from DRAM: unaided, the first tile of a
// block waits on each of its lines (ResNet-50's 2048 -> 512 1x1 layer: 1.15 ms with its 4 MB of
// weights out of cache, 0.65 in it). Instead the tiles of a block share out the next block, a
// few lines each reduction step.
#include <cstdint>

namespace onyxrt::kernels {

struct WeightsAhead {
  static constexpr int64_t kLine = 64;  // bytes
  const char* line = nullptr;
  const char* end = nullptr;
  int per_step = 0;

  // Call once per round: a reduction step, or a group of them (the `steps` of the share).
  void step() {
    for (int q = 0; q < per_step && line < end; ++q, line += kLine) __builtin_prefetch(line, 0, 2);
  }
};

// The first block of the K slice after the one at step pc (kc deep) in packed weights laid out
// as the GEMM packs them (a slice from step s0 of the panel at index i starts at weights + s0 *
// ld + i * that slice's depth; slices `depth` deep, the last shorter), for the call's first panel
// index `first`; null after the last slice. Sets next_kc to that slice's depth (0 if none).
inline const float* next_slice_block(const float* weights, int64_t ld, int64_t k, int64_t depth, int64_t pc,
                                     int64_t kc, int64_t first, int64_t& next_kc) {
  next_kc = k - pc - kc < depth ? k - pc - kc : depth;
  return next_kc > 0 ? weights + (pc + kc) * ld + first * next_kc : nullptr;
}

// Tile `tile`'s share of the `lines` lines of a block that `tiles` tiles, each `rounds` rounds
// long, fetch between them: lines [from, to), per_round at a time.
struct LineShare {
  int64_t from = 0, to = 0;
  int per_round = 0;
};

inline LineShare line_share(int64_t lines, int64_t tile, int64_t tiles, int64_t rounds) {
  LineShare share;
  if (lines <= 0 || tiles <= 0 || rounds <= 0) return share;
  share.from = lines * tile / tiles, share.to = lines * (tile + 1) / tiles;
  share.per_round = static_cast<int>((share.to - share.from + rounds - 1) / rounds);
  return share;
}

// Tile `tile` of the `tiles` that reuse a block, each `steps` rounds long: its share of the
// `floats` floats at `next` (null: nothing follows).
inline WeightsAhead weights_ahead_share(const float* next, int64_t floats, int64_t tile, int64_t tiles,
                                        int64_t steps) {
  WeightsAhead ahead;
  if (next == nullptr) return ahead;
  const int64_t lines = (floats * static_cast<int64_t>(sizeof(float)) + WeightsAhead::kLine - 1) / WeightsAhead::kLine;
  const LineShare share = line_share(lines, tile, tiles, steps);
  ahead.line = reinterpret_cast<const char*>(next) + share.from * WeightsAhead::kLine;
  ahead.end = reinterpret_cast<const char*>(next) + share.to * WeightsAhead::kLine;
  ahead.per_step = share.per_round;
  return ahead;
}

}  // namespace onyxrt::kernels
