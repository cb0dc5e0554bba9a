#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "onyxrt/tensor.hpp"
#include "onyxrt/type_info.hpp"

namespace onyxrt::ir {

struct Graph;

// Numbered as ONNX's AttributeProto.AttributeType.
enum class AttrType : int32_t {
  Undefined = 0,
  Float = 1,
  Int = 2,
  String = 3,
  Tensor = 4,
  Graph = 5,
  Floats = 6,
  Ints = 7,
  Strings = 8,
  Tensors = 9,
  Graphs = 10,
  SparseTensor = 11,
  SparseTensors = 12,
  TypeProto = 13,
  TypeProtos = 14,
};
const char* attr_type_name(AttrType type);

// A SparseTensorProto: `values` (1-D, nnz) at `indices` ([nnz] linear or [nnz, rank]) in `dims`.
struct SparseTensor {
  Tensor values;
  Tensor indices;
  Shape dims;
};

struct Attribute {
  std::string name;
  AttrType type = AttrType::Undefined;
  std::string ref_attr_name;  // inside a function body: refers to the caller's attribute
  std::string doc_string;

  float f = 0.0f;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::shared_ptr<Graph> g;
  SparseTensor sparse_tensor;
  TypeInfo type_proto;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Tensor> tensors;
  std::vector<std::shared_ptr<Graph>> graphs;
  std::vector<SparseTensor> sparse_tensors;
  std::vector<TypeInfo> type_protos;
};

}  // namespace onyxrt::ir
