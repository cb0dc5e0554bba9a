// Node whose outputs reach no graph output  =>  (removed);  initializer nobody reads  =>  (dropped)
#include <algorithm>
#include <unordered_set>

#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"
#include "ops/registry.h"

namespace onyxrt::optimizer {
namespace {

// Malformed nodes stay even when dead, so that what is wrong with them is reported at every
// optimization level alike: one the registry cannot serve (an unknown operator), and one with no
// output at all (every ONNX operator has one; its kernel says what else is wrong, e.g. a Loop
// body's condition type).
bool kept_for_its_errors(const ir::Model& model, const ir::Node& node) {
  const int64_t opset = model.opset(node.domain);
  if (opset < 0 || ops::builtin_registry().find(node.domain, node.op_type, opset) == nullptr) return true;
  return std::all_of(node.outputs.begin(), node.outputs.end(), [](const std::string& out) { return out.empty(); });
}

}  // namespace

int eliminate_dead_nodes(ir::Model& model) {
  ir::Graph& graph = model.graph;
  // A malformed graph is left for the plan builder to report, whatever its dead parts hold.
  std::optional<std::vector<size_t>> order = execution_order(graph);
  if (!order) return 0;

  // ONNX inference ops have no side effects: a node matters only through what it outputs.
  // Walking the order backwards, a node is live when a graph output or a live node reads it.
  std::unordered_set<std::string> needed;
  for (const ValueInfo& out : graph.outputs) needed.insert(out.name);
  std::vector<bool> dead(graph.nodes.size(), true);
  for (auto it = order->rbegin(); it != order->rend(); ++it) {
    const ir::Node& node = graph.nodes[*it];
    bool read = kept_for_its_errors(model, node);
    for (const std::string& out : node.outputs) read = read || (!out.empty() && needed.count(out));
    if (!read) continue;
    dead[*it] = false;
    for (std::string& name : names_read_by(node)) needed.insert(std::move(name));
  }
  int removed = remove_nodes(graph, dead);

  // Graph inputs stay whatever reads them: they are the session's interface (and, before IR 4,
  // the listing every initializer needed). Sparse initializers stay too: the plan densifies
  // and checks each one, and a bad one must fail alike at every level.
  std::unordered_set<std::string> inputs;
  for (const ValueInfo& in : graph.inputs) inputs.insert(in.name);
  const size_t initializers = graph.initializers.size();
  graph.initializers.erase(std::remove_if(graph.initializers.begin(), graph.initializers.end(),
                                          [&](const ir::NamedTensor& t) {
                                            return !needed.count(t.name) && !inputs.count(t.name);
                                          }),
                           graph.initializers.end());
  removed += static_cast<int>(initializers - graph.initializers.size());
  return removed;
}

}  // namespace onyxrt::optimizer
