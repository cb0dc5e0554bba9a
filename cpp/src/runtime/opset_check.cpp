#include "runtime/opset_check.h"

#include "base/error.h"

namespace onyxrt::runtime {
namespace {

struct DomainRange {
  const char* domain;  // canonical
  const char* shown;
  int64_t newest;
};

// The newest opset per domain that onyxrt knows the semantics of (onnx 1.23: ai.onnx 28, ml 5).
// A model importing a newer one may rely on semantics this runtime has never seen.
constexpr DomainRange kKnownDomains[] = {
    {"", "ai.onnx", 28},
    {"ai.onnx.ml", "ai.onnx.ml", 5},
    {"ai.onnx.preview.training", "ai.onnx.preview.training", 1},
    {"ai.onnx.preview", "ai.onnx.preview", 1},
};

}  // namespace

void check_opset_imports(const ir::Model& model) {
  for (const ir::OpsetImport& imported : model.opset_imports) {
    for (const DomainRange& known : kKnownDomains) {
      if (imported.domain != known.domain) continue;
      if (imported.version < 1 || imported.version > known.newest)
        fail(ErrorCode::InvalidGraph, "the model imports opset ", imported.version, " of domain '", known.shown,
             "'; onyxrt supports opsets 1 to ", known.newest);
    }
  }
}

}  // namespace onyxrt::runtime
