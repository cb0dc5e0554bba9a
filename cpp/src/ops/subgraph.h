#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "ir/graph.h"
#include "onyxrt/type_info.hpp"
#include "onyxrt/value.hpp"

namespace onyxrt::ops {

// A subgraph (an If branch, a Loop or Scan body) compiled once with the session by the runtime
// and run by a control-flow kernel as often as it needs. Values the body reads from enclosing
// scopes are taken from the enclosing run's slots, so the body sees the caller's current values.
class Subgraph {
 public:
  virtual ~Subgraph() = default;
  virtual const std::vector<ValueInfo>& inputs() const = 0;
  virtual const std::vector<ValueInfo>& outputs() const = 0;
  // Binds `inputs` to the formal inputs in order, runs, and returns the outputs in order.
  virtual std::vector<Value> run(const std::vector<Value>& inputs, const Value* enclosing_slots,
                                 int threads) const = 0;
};

// Supplied by the runtime while a graph is being compiled: compiles a subgraph of the node being
// built, resolving its outer-scope names in the enclosing graph.
using SubgraphCompiler = std::function<std::unique_ptr<Subgraph>(const ir::Graph&)>;

}  // namespace onyxrt::ops
