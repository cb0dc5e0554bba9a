#include "onyxrt/session.hpp"

#include <cstring>

#include "base/buffer_cache.h"
#include "base/error.h"
#include "format/onnx_loader.h"
#include "runtime/session.h"

namespace onyxrt {

class SessionImpl : public runtime::Session {
 public:
  using runtime::Session::Session;
};

// Loading and building share one BufferCache (BufferCache::Use::Creation): the aligned copies of
// misaligned initializers, dropped as their readers pack them, can become later weights' packed
// buffers instead of fresh pages.
Session::Session(const std::string& model_path, const SessionOptions& options) {
  BufferCache creation(BufferCache::Use::Creation);
  const ScopedBufferCache use_creation(&creation);
  impl_ = std::make_shared<const SessionImpl>(format::load_model_file(model_path), options);
}

Session::Session(const void* model_bytes, size_t size, const SessionOptions& options,
                 const std::string& external_data_folder) {
  if (model_bytes == nullptr && size > 0) fail(ErrorCode::InvalidArgument, "model bytes are null");
  BufferCache creation(BufferCache::Use::Creation);
  const ScopedBufferCache use_creation(&creation);
  // Copied once so initializers can point into memory the session owns.
  std::shared_ptr<uint8_t[]> copy(new uint8_t[size > 0 ? size : 1]);
  if (size > 0) std::memcpy(copy.get(), model_bytes, size);
  const uint8_t* data = copy.get();
  auto model = format::load_model_bytes(std::shared_ptr<const void>(copy, data), data, size, external_data_folder);
  impl_ = std::make_shared<const SessionImpl>(std::move(model), options);
}

const std::vector<ValueInfo>& Session::inputs() const { return impl_->inputs(); }
const std::vector<ValueInfo>& Session::outputs() const { return impl_->outputs(); }
const std::vector<ValueInfo>& Session::overridable_initializers() const { return impl_->overridable_initializers(); }
const ModelMetadata& Session::metadata() const { return impl_->metadata(); }

std::vector<Value> Session::run(const std::vector<std::string>& input_names, const std::vector<Value>& inputs,
                                const std::vector<std::string>& output_names) const {
  return impl_->run(input_names, inputs, output_names);
}

std::string Session::end_profiling() const { return impl_->end_profiling(); }
uint64_t Session::profiling_start_time_ns() const { return impl_->profiling_start_time_ns(); }

const char* version() { return "0.1.0"; }

}  // namespace onyxrt
