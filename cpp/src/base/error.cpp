#include "onyxrt/error.hpp"

namespace onyxrt {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::Fail: return "Fail";
    case ErrorCode::InvalidArgument: return "InvalidArgument";
    case ErrorCode::NoSuchFile: return "NoSuchFile";
    case ErrorCode::NoModel: return "NoModel";
    case ErrorCode::EngineError: return "EngineError";
    case ErrorCode::RuntimeException: return "RuntimeException";
    case ErrorCode::InvalidProtobuf: return "InvalidProtobuf";
    case ErrorCode::ModelLoaded: return "ModelLoaded";
    case ErrorCode::NotImplemented: return "NotImplemented";
    case ErrorCode::InvalidGraph: return "InvalidGraph";
    case ErrorCode::EPFail: return "EPFail";
  }
  return "Fail";
}

}  // namespace onyxrt
