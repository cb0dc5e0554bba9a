#pragma once

#include "optimizer/rule.h"

namespace onyxrt::optimizer {

int eliminate_identity(ir::Graph& graph);

}  // namespace onyxrt::optimizer
