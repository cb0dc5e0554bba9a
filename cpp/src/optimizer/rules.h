#pragma once

#include "optimizer/rule.h"

namespace onyxrt::optimizer {

// One per file of this folder; each file opens with the rewrite it makes.
int eliminate_identity(ir::Model& model);
int constant_folding(ir::Model& model);
int eliminate_dead_nodes(ir::Model& model);
int eliminate_common_subexpressions(ir::Model& model);
int eliminate_cast_noop(ir::Model& model);
int cancel_transposes(ir::Model& model);
int merge_reshapes(ir::Model& model);
int resolve_reshape_shapes(ir::Model& model);
int fold_batchnorm_into_conv(ir::Model& model);
int fold_channel_affine_into_conv(ir::Model& model);
int fold_affine_into_batchnorm(ir::Model& model);
int fuse_conv_activation(ir::Model& model);
int fuse_matmul_add(ir::Model& model);
int fuse_gelu(ir::Model& model);
int fuse_attention(ir::Model& model);

}  // namespace onyxrt::optimizer
