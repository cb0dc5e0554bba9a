#include "format/onnx_loader.h"

#include "base/error.h"

namespace onyxrt::format {

// PLACEHOLDER: replaced by the wire reader and decoder.
std::shared_ptr<ir::Model> load_model_file(const std::string& path) {
  fail(ErrorCode::NotImplemented, "loading '", path, "' is not implemented yet");
}

std::shared_ptr<ir::Model> load_model_bytes(std::shared_ptr<const void>, const uint8_t*, size_t, const std::string&) {
  fail(ErrorCode::NotImplemented, "loading from bytes is not implemented yet");
}

}  // namespace onyxrt::format
