// Op(a, b) -> y ; Op(a, b) -> z  (same domain, op type, attributes)   =>  readers of z read y
//   Inputs compare by value number: the same name, or small constant initializers with the same
//   type, shape and bytes (exporters write one per use: Gather(shape, idx_1) and
//   Gather(shape, idx_7) with equal indices are one computation). Left alone: random ops and ops
//   with a `seed` (each draws anew), Dropout (training_mode may be fed), ops with subgraphs,
//   nodes the registry cannot serve (their error stays theirs) and nodes writing a graph output.
#include <algorithm>
#include <optional>
#include <unordered_set>

#include "optimizer/bypass.h"
#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"
#include "ops/registry.h"

namespace onyxrt::optimizer {
namespace {

// Constants this small are compared by contents: the shape-computing scalars exporters repeat.
constexpr size_t kMaxComparedConstantBytes = 1024;
// Tensor attributes larger than this make a node unique rather than a long key.
constexpr size_t kMaxKeyedAttributeBytes = 64 * 1024;

bool may_differ_between_calls(const ir::Node& node) {
  static const std::unordered_set<std::string> kRandomOps = {"RandomNormal",      "RandomUniform", "RandomNormalLike",
                                                             "RandomUniformLike", "Multinomial",   "Bernoulli",
                                                             "Dropout"};
  return (node.domain.empty() && kRandomOps.count(node.op_type)) || node.find_attribute("seed") != nullptr;
}

void append_bytes(std::string& key, const void* data, size_t size) {
  key.append(std::to_string(size)).push_back(':');
  key.append(static_cast<const char*>(data), size);
}

bool append_tensor(std::string& key, const Tensor& t) {
  key.append(std::to_string(static_cast<int>(t.dtype()))).push_back('[');
  for (int64_t d : t.shape()) key.append(std::to_string(d)).push_back(',');
  key.push_back(']');
  if (t.dtype() == DataType::String) {
    for (int64_t i = 0; i < t.size(); ++i) {
      const std::string& s = t.data<std::string>()[i];
      append_bytes(key, s.data(), s.size());
    }
    return true;
  }
  if (t.nbytes() > kMaxKeyedAttributeBytes) return false;
  append_bytes(key, t.raw(), t.nbytes());
  return true;
}

// The attributes as one string, in name order; nothing when one cannot be compared cheaply
// (subgraphs, sparse tensors, type protos, large tensors): the node then stays unique.
std::optional<std::string> attributes_key(const ir::Node& node) {
  std::vector<const ir::Attribute*> sorted;
  for (const ir::Attribute& a : node.attributes) sorted.push_back(&a);
  std::sort(sorted.begin(), sorted.end(),
            [](const ir::Attribute* a, const ir::Attribute* b) { return a->name < b->name; });
  std::string key;
  for (const ir::Attribute* a : sorted) {
    append_bytes(key, a->name.data(), a->name.size());
    key.append(std::to_string(static_cast<int>(a->type))).push_back('=');
    switch (a->type) {
      case ir::AttrType::Float: append_bytes(key, &a->f, sizeof(float)); break;  // bits: -0.0 and NaNs differ
      case ir::AttrType::Int: key.append(std::to_string(a->i)); break;
      case ir::AttrType::String: append_bytes(key, a->s.data(), a->s.size()); break;
      case ir::AttrType::Floats: append_bytes(key, a->floats.data(), a->floats.size() * sizeof(float)); break;
      case ir::AttrType::Ints: append_bytes(key, a->ints.data(), a->ints.size() * sizeof(int64_t)); break;
      case ir::AttrType::Strings:
        key.append(std::to_string(a->strings.size())).push_back(':');
        for (const std::string& s : a->strings) append_bytes(key, s.data(), s.size());
        break;
      case ir::AttrType::Tensor:
        if (!append_tensor(key, a->t)) return std::nullopt;
        break;
      case ir::AttrType::Tensors:
        key.append(std::to_string(a->tensors.size())).push_back(':');
        for (const Tensor& t : a->tensors)
          if (!append_tensor(key, t)) return std::nullopt;
        break;
      default: return std::nullopt;
    }
    key.push_back(';');
  }
  return key;
}

// Value numbers: equal numbers hold equal values in every run.
class ValueNumbers {
 public:
  int fresh() { return next_++; }
  int of_constant(const Tensor& t) {
    std::string key;
    if (t.nbytes() > kMaxComparedConstantBytes || !append_tensor(key, t)) return fresh();
    auto [it, added] = constants_.emplace(std::move(key), next_);
    if (added) ++next_;
    return it->second;
  }
  void set(const std::string& name, int number) { numbers_[name] = number; }
  int get(const std::string& name) {
    auto it = numbers_.find(name);
    if (it != numbers_.end()) return it->second;
    return numbers_[name] = fresh();
  }

 private:
  int next_ = 0;
  std::unordered_map<std::string, int> numbers_;
  std::unordered_map<std::string, int> constants_;
};

}  // namespace

int eliminate_common_subexpressions(ir::Model& model) {
  ir::Graph& graph = model.graph;
  std::optional<std::vector<size_t>> order = execution_order(graph);
  if (!order) return 0;
  ValueNumbers numbers;
  for (const auto& [name, tensor] : constant_initializers(model)) numbers.set(name, numbers.of_constant(*tensor));

  Bypass bypass(graph);
  std::unordered_map<std::string, size_t> first_with_key;
  for (size_t index : *order) {
    const ir::Node& node = graph.nodes[index];
    std::optional<std::string> key;
    const int64_t opset = model.opset(node.domain);
    const bool comparable = !may_differ_between_calls(node) && !node.outputs.empty() && opset >= 0 &&
                            ops::builtin_registry().find(node.domain, node.op_type, opset) != nullptr;
    if (comparable) key = attributes_key(node);  // nothing for subgraphs
    if (key) {
      std::string full = node.domain + '\n' + node.op_type + '\n' + *key + '\n';
      for (const std::string& in : node.inputs)
        full.append(in.empty() ? "-" : std::to_string(numbers.get(in))).push_back(',');
      full.push_back('\n');
      for (const std::string& out : node.outputs) full.push_back(out.empty() ? '0' : '1');
      bool renamable = true;
      for (const std::string& out : node.outputs) renamable = renamable && (out.empty() || bypass.may_rename(out));
      auto [it, added] = first_with_key.emplace(std::move(full), index);
      if (!added && renamable) {
        const ir::Node& earlier = graph.nodes[it->second];
        for (size_t k = 0; k < node.outputs.size(); ++k) {
          if (node.outputs[k].empty()) continue;
          numbers.set(node.outputs[k], numbers.get(earlier.outputs[k]));
          bypass.alias(index, node.outputs[k], earlier.outputs[k]);
        }
        continue;
      }
    }
    for (const std::string& out : node.outputs)
      if (!out.empty()) numbers.set(out, numbers.fresh());
  }
  return bypass.apply(graph);
}

}  // namespace onyxrt::optimizer
