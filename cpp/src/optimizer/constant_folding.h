#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "onyxrt/tensor.hpp"

namespace onyxrt::optimizer {

// A folded value that is one element repeated (ConstantOfShape's output), as constant folding
// tags it. Its data can be written again from the element at any time, so the plan builder may
// drop it until the kernel that reads it is built (runtime/execution_plan.cpp): vgg19's fc7 and
// fc8 weights are then not resident while fc6's 392 MiB are packed.
struct FoldedSplat {
  DataType type = DataType::Undefined;
  std::array<uint8_t, 16> element{};  // the repeated element's bytes (up to 16-byte types)
};

// Folded values smaller than this are not tagged: dropping them saves too little to matter.
inline constexpr size_t kMinFoldedSplatBytes = size_t{1} << 20;

// The splat `t` holds when constant folding tagged its storage (any view of it with the tagged
// element type is a splat too), else null.
const FoldedSplat* folded_splat(const Tensor& t);

// A new tensor of `type` and `shape` with every element set to the splat's (written with the
// current thread pool).
Tensor materialize_splat(const FoldedSplat& splat, const Shape& shape);

}  // namespace onyxrt::optimizer
