#include "onyxrt/value.hpp"

#include "base/error.h"

namespace onyxrt {
namespace {

const char* kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::None: return "none";
    case Value::Kind::Tensor: return "tensor";
    case Value::Kind::Sequence: return "sequence";
    case Value::Kind::Map: return "map";
  }
  return "?";
}

void expect_kind(Value::Kind actual, Value::Kind wanted) {
  if (actual != wanted)
    fail(ErrorCode::InvalidArgument, "expected a ", kind_name(wanted), " value, got a ", kind_name(actual));
}

}  // namespace

Value::Value(Tensor tensor) : kind_(Kind::Tensor), tensor_(std::move(tensor)) {}

Value Value::sequence(std::vector<Value> items, DataType element_type) {
  Value v;
  v.kind_ = Kind::Sequence;
  v.items_ = std::make_shared<const std::vector<Value>>(std::move(items));
  v.element_type_ = element_type;
  return v;
}

Value Value::map(Tensor keys, Tensor values) {
  if (keys.size() != values.size())
    fail(ErrorCode::InvalidArgument, "map has ", keys.size(), " keys but ", values.size(), " values");
  Value v;
  v.kind_ = Kind::Map;
  v.tensor_ = std::move(keys);
  v.map_values_ = std::move(values);
  return v;
}

const Tensor& Value::tensor() const {
  expect_kind(kind_, Kind::Tensor);
  return tensor_;
}

Tensor& Value::tensor() {
  expect_kind(kind_, Kind::Tensor);
  return tensor_;
}

const std::vector<Value>& Value::items() const {
  expect_kind(kind_, Kind::Sequence);
  return *items_;
}

const Tensor& Value::map_keys() const {
  expect_kind(kind_, Kind::Map);
  return tensor_;
}

const Tensor& Value::map_values() const {
  expect_kind(kind_, Kind::Map);
  return map_values_;
}

}  // namespace onyxrt
