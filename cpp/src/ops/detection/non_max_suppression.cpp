// NonMaxSuppression (opsets 10, 11): per batch and class, greedy selection of boxes by descending
// score (equal scores: the lower box index first, as onnxruntime orders them), dropping a box
// whose IoU with an already selected one is strictly greater than iou_threshold, and boxes whose
// score is not strictly greater than score_threshold (when given); at most
// max_output_boxes_per_class per class (absent or <= 0: none). Output rows are
// [batch, class, box] in batch, class, selection order. Boxes are [y1, x1, y2, x2] with either
// corner first (center_point_box 0) or [x_center, y_center, width, height] (1). The IoU is
// computed in float with onnxruntime's operation order, so threshold ties decide alike.
// (batch, class) pairs run in parallel.
#include <algorithm>
#include <cmath>
#include <vector>

#include "base/parallel.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

struct Box {
  float y_min, x_min, y_max, x_max;
};

Box corner_box(const float* b, bool center_point) {
  if (center_point) {  // [x_center, y_center, width, height]
    const float half_w = b[2] / 2, half_h = b[3] / 2;
    return {b[1] - half_h, b[0] - half_w, b[1] + half_h, b[0] + half_w};
  }
  return {std::min(b[0], b[2]), std::min(b[1], b[3]), std::max(b[0], b[2]), std::max(b[1], b[3])};
}

bool iou_exceeds(const Box& a, const Box& b, float threshold) {
  const float ix_min = std::max(a.x_min, b.x_min), ix_max = std::min(a.x_max, b.x_max);
  if (ix_max <= ix_min) return false;
  const float iy_min = std::max(a.y_min, b.y_min), iy_max = std::min(a.y_max, b.y_max);
  if (iy_max <= iy_min) return false;
  const float intersection = (ix_max - ix_min) * (iy_max - iy_min);
  if (intersection <= 0) return false;
  const float area_a = (a.x_max - a.x_min) * (a.y_max - a.y_min);
  const float area_b = (b.x_max - b.x_min) * (b.y_max - b.y_min);
  const float union_area = area_a + area_b - intersection;
  if (area_a <= 0 || area_b <= 0 || union_area <= 0) return false;
  return intersection / union_area > threshold;
}

// Descending score, NaN last: a strict weak order even with NaN scores.
bool ranks_before(float a, float b) { return !std::isnan(a) && (std::isnan(b) || a > b); }

// A scalar input given as a 0-D or one-element tensor; false when absent or empty.
template <class T>
bool read_scalar(const KernelContext& ctx, size_t i, const char* name, DataType type, T& value) {
  if (!ctx.has_input(i)) return false;
  const Tensor& t = ctx.input(i);
  if (t.dtype() != type || t.rank() > 1 || t.size() > 1)
    ctx.fail(ErrorCode::InvalidArgument, "'", name, "' must be a ", data_type_name(type),
             " scalar (or one-element 1-D tensor), got ", data_type_name(t.dtype()), " ", shape_to_string(t.shape()));
  if (t.size() == 0) return false;
  value = t.data<T>()[0];
  return true;
}

class NonMaxSuppression final : public OpKernel {
 public:
  explicit NonMaxSuppression(const KernelInfo& info) {
    const int64_t center = info.attr_int("center_point_box", 0);
    if (center != 0 && center != 1)
      info.fail(ErrorCode::InvalidGraph, "attribute 'center_point_box' must be 0 or 1, got ", center);
    center_point_ = center == 1;
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& boxes = ctx.input(0);
    const Tensor& scores = ctx.input(1);
    if (boxes.rank() != 3 || boxes.dim(2) != 4)
      ctx.fail(ErrorCode::InvalidArgument, "boxes must have shape [batches, boxes, 4], got ",
               shape_to_string(boxes.shape()));
    if (scores.dtype() != DataType::Float || scores.rank() != 3 || scores.dim(0) != boxes.dim(0) ||
        scores.dim(2) != boxes.dim(1))
      ctx.fail(ErrorCode::InvalidArgument, "scores must be float with shape [", boxes.dim(0), ", classes, ",
               boxes.dim(1), "] to match boxes, got ", data_type_name(scores.dtype()), " ",
               shape_to_string(scores.shape()));
    int64_t max_per_class = 0;
    float iou_threshold = 0, score_threshold = 0;
    read_scalar(ctx, 2, "max_output_boxes_per_class", DataType::Int64, max_per_class);
    read_scalar(ctx, 3, "iou_threshold", DataType::Float, iou_threshold);
    const bool by_score = read_scalar(ctx, 4, "score_threshold", DataType::Float, score_threshold);
    if (!(iou_threshold >= 0 && iou_threshold <= 1))
      ctx.fail(ErrorCode::InvalidArgument, "iou_threshold must be in [0, 1], got ", iou_threshold);
    const int64_t batches = boxes.dim(0), count = boxes.dim(1), classes = scores.dim(1);
    const int64_t limit = std::min(std::max<int64_t>(max_per_class, 0), count);

    std::vector<std::vector<int64_t>> selected(static_cast<size_t>(batches * classes));
    if (limit > 0) {
      parallel_for(batches * classes, 1, ctx.threads(), [&](int64_t begin, int64_t end) {
        std::vector<int64_t> order;
        std::vector<Box> kept;
        for (int64_t pair = begin; pair < end; ++pair) {
          const int64_t b = pair / classes;
          const float* score = scores.data<float>() + pair * count;
          const float* box = boxes.data<float>() + b * count * 4;
          order.clear();
          for (int64_t i = 0; i < count; ++i)
            if (!by_score || score[i] > score_threshold) order.push_back(i);
          std::stable_sort(order.begin(), order.end(),
                           [&](int64_t i, int64_t j) { return ranks_before(score[i], score[j]); });
          kept.clear();
          for (int64_t i : order) {
            const Box candidate = corner_box(box + i * 4, center_point_);
            bool keep = true;
            for (const Box& k : kept) {
              if (iou_exceeds(candidate, k, iou_threshold)) {
                keep = false;
                break;
              }
            }
            if (!keep) continue;
            kept.push_back(candidate);
            selected[pair].push_back(i);
            if (static_cast<int64_t>(kept.size()) == limit) break;
          }
        }
      });
    }
    int64_t rows = 0;
    for (const auto& s : selected) rows += static_cast<int64_t>(s.size());
    Tensor& y = ctx.output(0, DataType::Int64, {rows, 3});
    int64_t* out = y.data<int64_t>();
    for (int64_t pair = 0; pair < batches * classes; ++pair) {
      for (int64_t i : selected[pair]) *out++ = pair / classes, *out++ = pair % classes, *out++ = i;
    }
  }

 private:
  bool center_point_ = false;
};

}  // namespace

void register_non_max_suppression(Registry& r) {
  // 11 only documents that either corner may come first; the selection is the same.
  r.add({"", "NonMaxSuppression", 10, TypeSet{DataType::Float}, make_kernel<NonMaxSuppression>});
  r.add({"", "NonMaxSuppression", 11, TypeSet{DataType::Float}, make_kernel<NonMaxSuppression>});
}

}  // namespace onyxrt::ops
