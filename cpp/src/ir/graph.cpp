#include "ir/graph.h"

namespace onyxrt::ir {

const char* attr_type_name(AttrType type) {
  switch (type) {
    case AttrType::Undefined: return "UNDEFINED";
    case AttrType::Float: return "FLOAT";
    case AttrType::Int: return "INT";
    case AttrType::String: return "STRING";
    case AttrType::Tensor: return "TENSOR";
    case AttrType::Graph: return "GRAPH";
    case AttrType::Floats: return "FLOATS";
    case AttrType::Ints: return "INTS";
    case AttrType::Strings: return "STRINGS";
    case AttrType::Tensors: return "TENSORS";
    case AttrType::Graphs: return "GRAPHS";
    case AttrType::SparseTensor: return "SPARSE_TENSOR";
    case AttrType::SparseTensors: return "SPARSE_TENSORS";
    case AttrType::TypeProto: return "TYPE_PROTO";
    case AttrType::TypeProtos: return "TYPE_PROTOS";
  }
  return "UNKNOWN";
}

std::string canonical_domain(std::string domain) {
  if (domain == "ai.onnx") domain.clear();
  return domain;
}

const Attribute* Node::find_attribute(const std::string& attr_name) const {
  for (const Attribute& a : attributes)
    if (a.name == attr_name) return &a;
  return nullptr;
}

std::string Node::describe() const {
  std::string text = op_type + " node";
  if (!name.empty()) text += " '" + name + "'";
  else if (!outputs.empty()) text += " producing '" + outputs.front() + "'";
  return text;
}

int64_t Model::opset(const std::string& d) const {
  std::string wanted = canonical_domain(d);
  for (const OpsetImport& o : opset_imports)
    if (o.domain == wanted) return o.version;
  return -1;
}

}  // namespace onyxrt::ir
