// ai.onnx.ml ZipMap (ml opset 1): [N, C] (or [C]) float scores -> a sequence of N maps from the
// C class labels (classlabels_int64s or classlabels_strings) to the row's scores. Each map is
// ordered by key and a repeated label keeps its last score, as onnxruntime's std::map does, so a
// map converts to a Python dict with onnxruntime's key order.
#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "ops/ml/ml_features.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

using namespace ml;

class ZipMap final : public OpKernel {
 public:
  explicit ZipMap(const KernelInfo& info) : labels_(info, "classlabels_int64s", "classlabels_strings") {
    if (labels_.ints.empty() == labels_.strings.empty())
      info.fail(ErrorCode::InvalidGraph,
                "exactly one of 'classlabels_int64s' and 'classlabels_strings' must be given (non-empty)");
    // The order the columns go into each map: by label, the last of equal labels kept.
    std::vector<size_t> order(labels_.size());
    std::iota(order.begin(), order.end(), size_t{0});
    auto less = [&](size_t a, size_t b) {
      return labels_.strings_used() ? labels_.strings[a] < labels_.strings[b] : labels_.ints[a] < labels_.ints[b];
    };
    std::stable_sort(order.begin(), order.end(), less);
    for (size_t i = 0; i < order.size(); ++i) {
      if (i + 1 < order.size() && !less(order[i], order[i + 1])) continue;  // a later equal label wins
      columns_.push_back(static_cast<int64_t>(order[i]));
    }
    keys_ = Tensor(labels_.dtype(), {static_cast<int64_t>(columns_.size())});
    for (size_t i = 0; i < columns_.size(); ++i) labels_.write(keys_, static_cast<int64_t>(i), columns_[i]);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() != 1 && x.rank() != 2)
      ctx.fail(ErrorCode::InvalidArgument, "input X must be 1-D [C] or 2-D [N, C], got shape ",
               shape_to_string(x.shape()));
    const int64_t rows = x.rank() == 1 ? 1 : x.dim(0);
    const int64_t cols = x.dim(x.rank() - 1);
    if (cols != static_cast<int64_t>(labels_.size()))
      ctx.fail(ErrorCode::InvalidArgument, "input X has ", cols, " columns (shape ", shape_to_string(x.shape()),
               ") but there are ", labels_.size(), " class labels");
    const float* xd = x.data<float>();
    const int64_t width = static_cast<int64_t>(columns_.size());
    std::vector<Value> maps;
    maps.reserve(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      Tensor values(DataType::Float, {width});
      for (int64_t j = 0; j < width; ++j) values.data<float>()[j] = xd[r * cols + columns_[j]];
      maps.push_back(Value::map(keys_, std::move(values)));  // the keys tensor is shared, never written
    }
    ctx.set_output(0, Value::sequence(std::move(maps)));
  }

 private:
  ClassLabels labels_;
  std::vector<int64_t> columns_;  // X's column for each map entry, in key order
  Tensor keys_;
};

}  // namespace

void register_ml_zipmap(Registry& r) {
  r.add({"ai.onnx.ml", "ZipMap", 1, {DataType::Float}, make_kernel<ZipMap>});
}

}  // namespace onyxrt::ops
