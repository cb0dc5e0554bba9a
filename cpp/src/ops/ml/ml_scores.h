#pragma once

#include <cstdint>

#include "ops/ml/ml_post_transform.h"

// How the linear and SVM models apply post_transform to their scores, following onnxruntime.
namespace onyxrt::ops::ml {

// [rows, cols] scores in place. A single score per row is a margin, and of the transforms only
// PROBIT maps it (LOGISTIC and the softmaxes leave it); wider rows take the transform as defined.

inline void post_transform_scores(PostTransform kind, float* scores, int64_t rows, int64_t cols) {
  if (cols == 1) {
    if (kind == PostTransform::Probit)
      for (int64_t r = 0; r < rows; ++r) scores[r] = probit_score(scores[r]);
    return;
  }
  apply_post_transform(kind, scores, rows, cols);
}

// A binary classifier's margin s as two class scores [1 - p, p]: p = logistic(s) or probit(s)
// for those transforms, p = s for NONE and the softmaxes (nothing to normalise).
// NOTE: onnxruntime 1.32 writes [probit(s), 0] (or leaves half of Z unwritten) for PROBIT; this
// keeps the [1 - p, p] form of the other transforms.
inline void binary_scores(PostTransform kind, float s, float* out) {
  const float p = kind == PostTransform::Logistic ? logistic_score(s)
                  : kind == PostTransform::Probit ? probit_score(s)
                                                  : s;
  out[0] = 1.f - p;
  out[1] = p;
}

}  // namespace onyxrt::ops::ml
