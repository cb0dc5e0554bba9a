#include "optimizer/pass_manager.h"

#include <iterator>

#include "optimizer/rules.h"

namespace onyxrt::optimizer {
namespace {

// The rules per level, in the order they run. A level enables its rules and all lower levels'.
constexpr Rule kRules[] = {
    {"eliminate_identity", GraphOptimizationLevel::Basic, eliminate_identity},
    {"constant_folding", GraphOptimizationLevel::Basic, constant_folding},
    {"eliminate_dead_nodes", GraphOptimizationLevel::Basic, eliminate_dead_nodes},
    {"fold_batchnorm_into_conv", GraphOptimizationLevel::Extended, fold_batchnorm_into_conv},
    // Again after the fusions, to drop the weights they replaced.
    {"eliminate_dead_nodes", GraphOptimizationLevel::Extended, eliminate_dead_nodes},
};

}  // namespace

int optimize_graph(ir::Model& model, GraphOptimizationLevel level) {
  int rewrites = 0;
  for (const Rule& rule : kRules)
    if (static_cast<int>(rule.level) <= static_cast<int>(level)) rewrites += rule.apply(model);
  return rewrites;
}

}  // namespace onyxrt::optimizer
