#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ir/attribute.h"
#include "onyxrt/type_info.hpp"

namespace onyxrt::ir {

// The default ONNX domain is spelled "" or "ai.onnx"; the IR always stores "".
inline constexpr const char* kOnnxDomain = "";
inline constexpr const char* kMlDomain = "ai.onnx.ml";
std::string canonical_domain(std::string domain);

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;                // canonical: "" for ai.onnx
  std::vector<std::string> inputs;   // "" marks an omitted optional input
  std::vector<std::string> outputs;  // "" marks an omitted optional output
  std::vector<Attribute> attributes;
  std::string doc_string;

  const Attribute* find_attribute(const std::string& attr_name) const;
  // "Conv node 'conv1'" (or "Conv node #3" when unnamed): how errors name a node.
  std::string describe() const;
};

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

struct NamedSparseTensor {
  std::string name;
  SparseTensor tensor;
};

struct Graph {
  std::string name;
  std::string doc_string;
  std::vector<Node> nodes;
  std::vector<ValueInfo> inputs;
  std::vector<ValueInfo> outputs;
  std::vector<ValueInfo> value_info;
  std::vector<NamedTensor> initializers;
  std::vector<NamedSparseTensor> sparse_initializers;
};

struct OpsetImport {
  std::string domain;  // canonical
  int64_t version = 0;
};

// A model-local function (FunctionProto).
struct Function {
  std::string name;
  std::string domain;
  std::string overload;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<std::string> attribute_names;  // attributes without a default
  std::vector<Attribute> attribute_defaults;
  std::vector<Node> nodes;
  std::vector<OpsetImport> opset_imports;
  std::string doc_string;
};

struct Model {
  int64_t ir_version = 0;
  std::vector<OpsetImport> opset_imports;
  std::string producer_name;
  std::string producer_version;
  std::string domain;
  int64_t model_version = 0;
  std::string doc_string;
  std::vector<std::pair<std::string, std::string>> metadata_props;
  Graph graph;
  std::vector<Function> functions;
  // Keeps alive what initializers point into (the mapped file, the copied bytes, external data).
  std::vector<std::shared_ptr<const void>> backing;

  // The imported version of `domain`, or -1 when the model does not import it.
  int64_t opset(const std::string& domain) const;
};

}  // namespace onyxrt::ir
