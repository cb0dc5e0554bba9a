#pragma once

#include <string>

#include "ops/kernel.h"
#include "ops/value_text.h"

// Reading the arguments the sequence operators share: the input sequence, a
// position scalar.
namespace onyxrt::ops {

// Input i as a sequence; fails naming the node and the input otherwise.
inline const Value& input_sequence(const KernelContext& ctx, size_t i) {
  const Value& v = ctx.input_value(i);
  if (!v.is_sequence())
    ctx.fail(ErrorCode::InvalidArgument, "input '", ctx.node().inputs[i], "' must be a sequence, got ",
             describe_value(v));
  return v;
}

// The element type a sequence declares, or that of its first item when it declares none.
inline DataType sequence_element_type(const Value& seq) {
  if (seq.sequence_element_type() != DataType::Undefined || seq.items().empty()) return seq.sequence_element_type();
  const Value& first = seq.items().front();
  return first.is_tensor() ? first.tensor().dtype() : DataType::Undefined;
}

// A one-element int32 / int64 tensor (the position and split-like inputs).
inline int64_t read_index_scalar(const KernelContext& ctx, size_t i, const char* what) {
  const Value& v = ctx.input_value(i);
  const bool ok = v.is_tensor() && v.tensor().size() == 1 &&
                  (v.tensor().dtype() == DataType::Int64 || v.tensor().dtype() == DataType::Int32);
  if (!ok)
    ctx.fail(ErrorCode::InvalidArgument, what, " '", ctx.node().inputs[i], "' must be an int32 or int64 scalar, got ",
             describe_value(v));
  const Tensor& t = v.tensor();
  return t.dtype() == DataType::Int64 ? *t.data<int64_t>() : *t.data<int32_t>();
}

// A position in [-count, count - 1] (or [-count, count] when `allow_end`), made non-negative.
inline int64_t resolve_position(const KernelContext& ctx, int64_t position, int64_t count, bool allow_end) {
  const int64_t hi = allow_end ? count : count - 1;
  if (position < -count || position > hi)
    ctx.fail(ErrorCode::InvalidArgument, "position ", position, " is out of range for a sequence of ", count,
             " values (accepted: [", -count, ", ", hi, "])");
  return position < 0 ? position + count : position;
}

}  // namespace onyxrt::ops
