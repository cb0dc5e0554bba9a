#pragma once

#include "ops/registry.h"

// The shape-ops family is split over several files; register_shape_ops (shape_ops.cpp) calls
// each part.
namespace onyxrt::ops {

void register_dropout(Registry& r);      // dropout.cpp: Dropout
void register_expand_tile(Registry& r);  // expand_tile.cpp: Expand, Tile
void register_range(Registry& r);        // range.cpp: Range

}  // namespace onyxrt::ops
