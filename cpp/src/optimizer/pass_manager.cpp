#include "optimizer/pass_manager.h"

#include <iterator>

#include "optimizer/rules.h"

namespace onyxrt::optimizer {
namespace {

// The rules per level, in the order they run. A level enables its rules and all lower levels'.
constexpr Rule kRules[] = {
    {"eliminate_identity", GraphOptimizationLevel::Basic, eliminate_identity},
};

}  // namespace

int optimize_graph(ir::Model& model, GraphOptimizationLevel level) {
  int rewrites = 0;
  for (const Rule& rule : kRules)
    if (static_cast<int>(rule.level) <= static_cast<int>(level)) rewrites += rule.apply(model.graph);
  return rewrites;
}

}  // namespace onyxrt::optimizer
