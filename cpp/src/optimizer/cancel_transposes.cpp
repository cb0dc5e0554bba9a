// Transpose(perm=p1) -> Transpose(perm=p2) -> y   =>  readers of y read x      when p1[p2[i]] == i
//                                                  =>  Transpose(x, perm=p1[p2]) otherwise
// Transpose(x, perm=identity) -> y                 =>  readers of y read x
//   Without perm a Transpose reverses the axes: two of them cancel whatever the rank.
#include <optional>

#include "optimizer/bypass.h"
#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"

namespace onyxrt::optimizer {
namespace {

bool is_transpose(const ir::Node& node) {
  return node.domain.empty() && node.op_type == "Transpose" && node.inputs.size() == 1 && !node.inputs[0].empty() &&
         node.outputs.size() == 1 && !node.outputs[0].empty();
}

// The perm when it is valid (a permutation of 0..n-1); a Transpose without one is `reversed`.
struct Perm {
  bool reversed = false;
  std::vector<int64_t> axes;
};

std::optional<Perm> perm_of(const ir::Node& node) {
  const ir::Attribute* a = node.find_attribute("perm");
  if (a == nullptr) return Perm{true, {}};
  if (a->type != ir::AttrType::Ints) return std::nullopt;
  std::vector<bool> seen(a->ints.size(), false);
  for (int64_t axis : a->ints) {
    // Not a permutation: its kernel says why.
    if (axis < 0 || axis >= static_cast<int64_t>(a->ints.size()) || seen[axis]) return std::nullopt;
    seen[axis] = true;
  }
  return Perm{false, a->ints};
}

std::vector<int64_t> reversal(size_t rank) {
  std::vector<int64_t> axes(rank);
  for (size_t i = 0; i < rank; ++i) axes[i] = static_cast<int64_t>(rank - 1 - i);
  return axes;
}

bool is_identity(const std::vector<int64_t>& axes) {
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != static_cast<int64_t>(i)) return false;
  return true;
}

void set_perm(ir::Node& node, std::vector<int64_t> axes) {
  for (ir::Attribute& a : node.attributes)
    if (a.name == "perm") {
      a.ints = std::move(axes);
      return;
    }
  ir::Attribute perm;
  perm.name = "perm";
  perm.type = ir::AttrType::Ints;
  perm.ints = std::move(axes);
  node.attributes.push_back(std::move(perm));
}

}  // namespace

int cancel_transposes(ir::Model& model) {
  ir::Graph& graph = model.graph;
  std::optional<std::vector<size_t>> order = execution_order(graph);
  if (!order) return 0;
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const std::string& out : graph.nodes[i].outputs)
      if (!out.empty()) producer[out] = i;

  Bypass bypass(graph);
  int merged = 0;
  // In execution order, so that a chain of three folds from its start: the second Transpose
  // already reads x when the third looks at it.
  for (size_t index : *order) {
    ir::Node& node = graph.nodes[index];
    if (!is_transpose(node)) continue;
    std::optional<Perm> outer = perm_of(node);
    if (!outer) continue;
    const std::string& y = node.outputs[0];
    if (!outer->reversed && is_identity(outer->axes)) {
      if (bypass.may_rename(y)) bypass.alias(index, y, node.inputs[0]);
      continue;
    }
    auto p = producer.find(bypass.resolve(node.inputs[0]));
    if (p == producer.end() || !is_transpose(graph.nodes[p->second])) continue;
    const ir::Node& first = graph.nodes[p->second];
    std::optional<Perm> inner = perm_of(first);
    if (!inner) continue;
    if (inner->reversed && outer->reversed) {
      if (bypass.may_rename(y)) bypass.alias(index, y, first.inputs[0]);
      continue;
    }
    const size_t rank = inner->reversed ? outer->axes.size() : inner->axes.size();
    const std::vector<int64_t> p1 = inner->reversed ? reversal(rank) : inner->axes;
    const std::vector<int64_t> p2 = outer->reversed ? reversal(rank) : outer->axes;
    if (p1.size() != p2.size()) continue;  // ranks disagree: the kernel reports it
    std::vector<int64_t> composed(rank);
    for (size_t i = 0; i < rank; ++i) composed[i] = p1[p2[i]];
    if (is_identity(composed)) {
      if (bypass.may_rename(y)) bypass.alias(index, y, first.inputs[0]);
      continue;
    }
    // One Transpose instead of two; the first stays for its other readers, if any (else it is
    // dead and goes with eliminate_dead_nodes).
    node.inputs[0] = first.inputs[0];
    set_perm(node, composed);
    ++merged;
  }
  return merged + bypass.apply(graph);
}

}  // namespace onyxrt::optimizer
