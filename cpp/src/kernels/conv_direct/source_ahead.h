#pragma once

// Fetching the positions-in-lanes kernel's next source block into L2 while the current one
// computes. A call reads its source one block at a time (the K slice's rows over a chunk of
// positions, conv_direct.cpp) and reuses it from cache across the channel panels; the first
// panel's pass reads each block from wherever the previous layer left it. Each row of a block is
// a separate stream (256 of them for 256 input channels, 12.5 KB apart at 56 x 56), more than the
// hardware prefetchers follow, and only a few lines long, so out of cache that pass waits on
// nearly every line. That is the case in a model at batch 8, where a layer's input was written
// seven images earlier (ResNet-50's 256 -> 64 1x1 layer at 56 x 56, batch 8, input out of cache:
// 15-16 ms unaided, 9.5-10.5 with). Instead every tile of the current block fetches a share of the
// next one, a few lines a round.
#include <cstdint>

#include "kernels/conv_direct/weights_ahead.h"

namespace onyxrt::kernels {

// `rows` rows of `floats` floats each, row r at base + offset[r].
struct SourceBlock {
  const float* base = nullptr;
  const int64_t* offset = nullptr;
  int64_t rows = 0, floats = 0;

  int64_t lines_per_row() const { return (floats + 15) / 16; }
  int64_t lines() const { return rows * lines_per_row(); }
};

struct SourceAhead {
  SourceBlock block;
  int64_t row = 0, line = 0;  // the next line to fetch
  int64_t lines_per_row = 0;  // block.lines_per_row(), kept off the fetch loop
  int64_t left = 0;           // lines left in this tile's share
  int per_round = 0;

  // Call once per round (a group of reduction steps).
  void step() {
    for (int n = 0; n < per_round && left > 0; ++n, --left) {
      __builtin_prefetch(block.base + block.offset[row] + line * 16, 0, 2);
      if (++line == lines_per_row) line = 0, ++row;
    }
  }
};

// Tile `tile` of the `tiles` that reuse the current block, each `rounds` rounds long: its share of
// `next`'s lines (none when next has no rows).
inline SourceAhead source_ahead_share(const SourceBlock& next, int64_t tile, int64_t tiles, int64_t rounds) {
  SourceAhead ahead;
  const LineShare share = line_share(next.lines(), tile, tiles, rounds);
  if (share.to <= share.from) return ahead;
  ahead.block = next;
  ahead.lines_per_row = next.lines_per_row();
  ahead.row = share.from / ahead.lines_per_row, ahead.line = share.from % ahead.lines_per_row;
  ahead.left = share.to - share.from;
  ahead.per_round = share.per_round;
  return ahead;
}

// What a direct-convolution tile fetches ahead: its shares of the next weight block and of the
// next source block.
struct TileAhead {
  WeightsAhead weights;
  SourceAhead source;

  void step() {
    weights.step();
    source.step();
  }
};

}  // namespace onyxrt::kernels
