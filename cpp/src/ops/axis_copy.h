#pragma once

#include <cstdint>
#include <vector>

#include "onyxrt/tensor.hpp"

// Whole blocks copied along one axis, for any element type (strings included, packed sub-byte
// types where the blocks fall on byte boundaries): the engine under Scan (one slice per
// iteration, stacked outputs), Loop's scan outputs, SplitToSequence and ConcatFromSequence.
// Callers validate axes and shapes and name the node in their errors; these functions only
// guard their own invariants.
namespace onyxrt::ops {

// Cutting a tensor into more pieces than it has elements (SplitToSequence parts, Scan steps) is
// refused beyond this many pieces: a tiny [1e12, 0] feed must not make 1e12 pieces.
inline constexpr int64_t kMaxPiecesBeyondElements = int64_t{1} << 20;
inline bool too_many_pieces(int64_t pieces, int64_t elements) {
  return pieces > kMaxPiecesBeyondElements && pieces > elements;
}

// Copies n elements of src, from element src_offset, into dst at element dst_offset (same type).
void copy_elements(const Tensor& src, int64_t src_offset, Tensor& dst, int64_t dst_offset, int64_t n);

// src[..., start:start+length, ...] along `axis` (resolved, in range). A view of src's storage
// when no dimension before `axis` exceeds 1, else a copy.
Tensor slice_along_axis(const Tensor& src, int64_t axis, int64_t start, int64_t length);

// src[..., index, ...] along `axis`: the slice with that axis dropped.
Tensor take_along_axis(const Tensor& src, int64_t axis, int64_t index);

// The parts joined along `axis` (resolved). All parts share the element type and every dim but
// `axis`; there is at least one part.
Tensor concat_along_axis(const std::vector<Tensor>& parts, int64_t axis);

// The parts (all of one type and shape) stacked along a new axis `axis` in [0, rank]; `empty_shape`
// and `empty_type` give the item shape and type when there are no parts.
Tensor stack_along_new_axis(const std::vector<Tensor>& parts, int64_t axis, const Shape& empty_shape,
                            DataType empty_type);

}  // namespace onyxrt::ops
