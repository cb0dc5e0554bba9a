#include "onyxrt/onyxrt_c.h"

#include <new>
#include <string>
#include <vector>

#include "onyxrt/onyxrt.hpp"

struct OnyxStatus {
  OnyxErrorCode code;
  std::string message;
};

struct OnyxSession {
  onyxrt::Session session;
};

struct OnyxTensor {
  onyxrt::Tensor tensor;
};

namespace {

OnyxStatus* make_status(OnyxErrorCode code, const char* message) {
  return new (std::nothrow) OnyxStatus{code, message};
}

// Runs fn, turning every exception into a status: nothing propagates across the C boundary.
template <typename Fn>
OnyxStatus* guarded(Fn&& fn) {
  try {
    fn();
    return nullptr;
  } catch (const onyxrt::Error& e) {
    return make_status(static_cast<OnyxErrorCode>(e.code()), e.what());
  } catch (const std::bad_alloc&) {
    return make_status(ONYX_RUNTIME_EXCEPTION, "out of memory");
  } catch (const std::exception& e) {
    return make_status(ONYX_FAIL, e.what());
  }
}

OnyxStatus* null_argument(const char* what) {
  return make_status(ONYX_INVALID_ARGUMENT, (std::string(what) + " is null").c_str());
}

onyxrt::Shape shape_from(const int64_t* shape, size_t rank) {
  return shape == nullptr ? onyxrt::Shape(rank, 0) : onyxrt::Shape(shape, shape + rank);
}

void check_numeric_type(int32_t element_type) {
  if (!onyxrt::data_type_is_valid(element_type) || element_type == static_cast<int32_t>(onyxrt::DataType::String))
    throw onyxrt::Error(onyxrt::ErrorCode::InvalidArgument,
                        "element type code " + std::to_string(element_type) + " is not supported by the C API");
}

}  // namespace

extern "C" {

OnyxErrorCode onyx_status_code(const OnyxStatus* status) { return status ? status->code : ONYX_OK; }
const char* onyx_status_message(const OnyxStatus* status) { return status ? status->message.c_str() : ""; }
void onyx_status_release(OnyxStatus* status) { delete status; }

OnyxStatus* onyx_session_create(const char* model_path, int intra_op_threads, OnyxSession** out) {
  if (model_path == nullptr) return null_argument("model_path");
  if (out == nullptr) return null_argument("out");
  return guarded([&] {
    onyxrt::SessionOptions options;
    options.intra_op_num_threads = intra_op_threads;
    *out = new OnyxSession{onyxrt::Session(model_path, options)};
  });
}

OnyxStatus* onyx_session_create_from_bytes(const void* model_bytes, size_t size, int intra_op_threads,
                                           OnyxSession** out) {
  if (out == nullptr) return null_argument("out");
  return guarded([&] {
    onyxrt::SessionOptions options;
    options.intra_op_num_threads = intra_op_threads;
    *out = new OnyxSession{onyxrt::Session(model_bytes, size, options)};
  });
}

void onyx_session_release(OnyxSession* session) { delete session; }

size_t onyx_session_input_count(const OnyxSession* s) { return s ? s->session.inputs().size() : 0; }
size_t onyx_session_output_count(const OnyxSession* s) { return s ? s->session.outputs().size() : 0; }

const char* onyx_session_input_name(const OnyxSession* s, size_t index) {
  return s && index < s->session.inputs().size() ? s->session.inputs()[index].name.c_str() : nullptr;
}

const char* onyx_session_output_name(const OnyxSession* s, size_t index) {
  return s && index < s->session.outputs().size() ? s->session.outputs()[index].name.c_str() : nullptr;
}

OnyxStatus* onyx_tensor_create(int32_t element_type, const int64_t* shape, size_t rank, OnyxTensor** out) {
  if (out == nullptr) return null_argument("out");
  if (shape == nullptr && rank > 0) return null_argument("shape");
  return guarded([&] {
    check_numeric_type(element_type);
    *out = new OnyxTensor{onyxrt::Tensor(static_cast<onyxrt::DataType>(element_type), shape_from(shape, rank))};
  });
}

OnyxStatus* onyx_tensor_wrap(int32_t element_type, const int64_t* shape, size_t rank, void* data, size_t byte_size,
                             OnyxTensor** out) {
  if (out == nullptr) return null_argument("out");
  if (shape == nullptr && rank > 0) return null_argument("shape");
  return guarded([&] {
    check_numeric_type(element_type);
    onyxrt::Tensor t(static_cast<onyxrt::DataType>(element_type), shape_from(shape, rank), data, nullptr);
    if (t.nbytes() != byte_size)
      throw onyxrt::Error(onyxrt::ErrorCode::InvalidArgument,
                          "tensor of shape " + onyxrt::shape_to_string(t.shape()) + " needs " +
                              std::to_string(t.nbytes()) + " bytes, got " + std::to_string(byte_size));
    if (data == nullptr && byte_size > 0) throw onyxrt::Error(onyxrt::ErrorCode::InvalidArgument, "data is null");
    *out = new OnyxTensor{std::move(t)};
  });
}

void onyx_tensor_release(OnyxTensor* tensor) { delete tensor; }
int32_t onyx_tensor_element_type(const OnyxTensor* t) { return t ? static_cast<int32_t>(t->tensor.dtype()) : 0; }
size_t onyx_tensor_rank(const OnyxTensor* t) { return t ? t->tensor.rank() : 0; }
const int64_t* onyx_tensor_shape(const OnyxTensor* t) { return t ? t->tensor.shape().data() : nullptr; }
size_t onyx_tensor_byte_size(const OnyxTensor* t) { return t ? t->tensor.nbytes() : 0; }
void* onyx_tensor_data(OnyxTensor* t) { return t ? t->tensor.raw() : nullptr; }

OnyxStatus* onyx_session_run(const OnyxSession* session, const char* const* input_names,
                             const OnyxTensor* const* inputs, size_t input_count, const char* const* output_names,
                             size_t output_count, OnyxTensor** outputs) {
  if (session == nullptr) return null_argument("session");
  if (input_count > 0 && (input_names == nullptr || inputs == nullptr)) return null_argument("inputs");
  if (output_count > 0 && outputs == nullptr) return null_argument("outputs");
  return guarded([&] {
    std::vector<std::string> names;
    std::vector<onyxrt::Value> values;
    for (size_t i = 0; i < input_count; ++i) {
      if (input_names[i] == nullptr || inputs[i] == nullptr)
        throw onyxrt::Error(onyxrt::ErrorCode::InvalidArgument, "input " + std::to_string(i) + " is null");
      names.emplace_back(input_names[i]);
      values.emplace_back(inputs[i]->tensor);
    }
    std::vector<std::string> wanted;
    if (output_names != nullptr)
      for (size_t i = 0; i < output_count; ++i) wanted.emplace_back(output_names[i] ? output_names[i] : "");
    std::vector<onyxrt::Value> results = session->session.run(names, values, wanted);
    if (results.size() != output_count)
      throw onyxrt::Error(onyxrt::ErrorCode::InvalidArgument,
                          "the run produced " + std::to_string(results.size()) + " outputs but output_count is " +
                              std::to_string(output_count));
    for (const onyxrt::Value& v : results)
      if (!v.is_tensor())
        throw onyxrt::Error(onyxrt::ErrorCode::NotImplemented, "the C API returns tensors only");
    for (size_t i = 0; i < output_count; ++i) outputs[i] = new OnyxTensor{results[i].tensor()};
  });
}

}  // extern "C"
