#include "optimizer/pass_manager.h"

namespace onyxrt::optimizer {

int optimize_graph(ir::Model& model, GraphOptimizationLevel level) {
  (void)model;
  (void)level;
  return 0;
}

}  // namespace onyxrt::optimizer
