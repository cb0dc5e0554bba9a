#pragma once

// Batch evaluation of a flattened tree ensemble (tree_ensemble_layout.h). Rows go in blocks:
// each tree runs over the whole block before the next tree, so a tree's nodes stay in cache
// while the block passes through it. Blocks are split across threads for large batches; a
// small batch runs on the calling thread without allocating.

#include <cstdint>
#include <functional>

#include "ops/ml/tree_ensemble_layout.h"
#include "onyxrt/data_type.hpp"

namespace onyxrt::ops {

// Row-major [rows, features] input: float, double, float16, int64 or int32. Features are compared
// in the wider of the input and threshold types (integers and float16 convert to the threshold
// type first, as onnxruntime does).
struct TreeInput {
  const void* data = nullptr;
  DataType type = DataType::Float;
  int64_t rows = 0;
  int64_t features = 0;
};

// Receives rows [row0, row0 + rows) of a block: scores[r * n_targets + t] is the SUM (for AVERAGE
// too), MIN or MAX of the weights the row's leaves give target t, summed in the weights' type
// (layout.double_weights), and scored[...] is 1 when at least one leaf gave it a weight (the
// score is 0 otherwise). Blocks may arrive concurrently.
using TreeBlockSink = std::function<void(int64_t row0, int64_t rows, const double* scores, const uint8_t* scored)>;

// The caller has checked x.features >= layout.min_features.
void evaluate_tree_ensemble(const TreeEnsembleLayout& layout, const TreeInput& x, int threads,
                            const TreeBlockSink& sink);

}  // namespace onyxrt::ops
