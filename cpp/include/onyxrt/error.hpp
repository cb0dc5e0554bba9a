#pragma once

#include <stdexcept>
#include <string>

#include "onyxrt/export.hpp"

namespace onyxrt {

// Numbered as onnxruntime's OrtErrorCode so that bindings map one to one.
enum class ErrorCode : int {
  Fail = 1,
  InvalidArgument = 2,
  NoSuchFile = 3,
  NoModel = 4,
  EngineError = 5,
  RuntimeException = 6,
  InvalidProtobuf = 7,
  ModelLoaded = 8,
  NotImplemented = 9,
  InvalidGraph = 10,
  EPFail = 11,
};

ONYXRT_API const char* error_code_name(ErrorCode code);

// The one exception type the library throws; the message names the culprit (node, input, field).
class ONYXRT_API Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace onyxrt
