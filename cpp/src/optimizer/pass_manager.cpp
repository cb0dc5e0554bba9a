#include "optimizer/pass_manager.h"

#include <iterator>

#include "optimizer/rules.h"

namespace onyxrt::optimizer {
namespace {

// The rules per level, in the order they run. A level enables its rules and all lower levels'.
constexpr Rule kRules[] = {
    {"eliminate_identity", GraphOptimizationLevel::Basic, eliminate_identity},
    {"constant_folding", GraphOptimizationLevel::Basic, constant_folding},
    // After folding, so that constants compare by value; before the no-op rules, which then see
    // one copy of each repeated shape computation.
    {"eliminate_common_subexpressions", GraphOptimizationLevel::Basic, eliminate_common_subexpressions},
    {"eliminate_cast_noop", GraphOptimizationLevel::Basic, eliminate_cast_noop},
    {"cancel_transposes", GraphOptimizationLevel::Basic, cancel_transposes},
    {"resolve_reshape_shapes", GraphOptimizationLevel::Basic, resolve_reshape_shapes},
    {"merge_reshapes", GraphOptimizationLevel::Basic, merge_reshapes},
    {"eliminate_dead_nodes", GraphOptimizationLevel::Basic, eliminate_dead_nodes},
    {"fold_batchnorm_into_conv", GraphOptimizationLevel::Extended, fold_batchnorm_into_conv},
    {"fold_channel_affine_into_conv", GraphOptimizationLevel::Extended, fold_channel_affine_into_conv},
    // After the Conv folds, which absorb a Conv -> BN -> Mul -> Add chain whole; the BNs left
    // (after a Concat or a pool) take the Mul / Add into their scale and B.
    {"fold_affine_into_batchnorm", GraphOptimizationLevel::Extended, fold_affine_into_batchnorm},
    // After the folds, so that the Conv it absorbs already carries them.
    {"fuse_conv_activation", GraphOptimizationLevel::Extended, fuse_conv_activation},
    {"fuse_matmul_add", GraphOptimizationLevel::Extended, fuse_matmul_add},
    // After fuse_matmul_add: a 2-D MatMul + bias becomes a Gemm with the bias in its epilogue;
    // other ranks leave the Add to join BiasGelu / FastGelu here.
    {"fuse_gelu", GraphOptimizationLevel::Extended, fuse_gelu},
    {"fuse_attention", GraphOptimizationLevel::Extended, fuse_attention},
    // Again after the fusions, to drop the weights they replaced.
    {"eliminate_dead_nodes", GraphOptimizationLevel::Extended, eliminate_dead_nodes},
};

}  // namespace

int optimize_graph(ir::Model& model, GraphOptimizationLevel level,
                   const std::function<void(const char* rule, int rewrites)>& on_rewrite) {
  int rewrites = 0;
  for (const Rule& rule : kRules) {
    if (static_cast<int>(rule.level) > static_cast<int>(level)) continue;
    const int made = rule.apply(model);
    if (made > 0 && on_rewrite) on_rewrite(rule.name, made);
    rewrites += made;
  }
  return rewrites;
}

}  // namespace onyxrt::optimizer
