/* The C API of onyxrt: a stable ABI over the C++ API for embedding from C and other languages.
 *
 * Every function that can fail returns an OnyxStatus*: NULL on success, otherwise an error the
 * caller reads with onyx_status_code / onyx_status_message and frees with onyx_status_release.
 * Objects returned through out-parameters are owned by the caller and freed with their
 * *_release function. A session may be run from many threads at once. */
#ifndef ONYXRT_C_H_
#define ONYXRT_C_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define ONYX_C_API __declspec(dllexport)
#else
#define ONYX_C_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct OnyxStatus OnyxStatus;
typedef struct OnyxSession OnyxSession;
typedef struct OnyxTensor OnyxTensor;

/* Error codes, numbered as onnxruntime's OrtErrorCode. */
typedef enum OnyxErrorCode {
  ONYX_OK = 0,
  ONYX_FAIL = 1,
  ONYX_INVALID_ARGUMENT = 2,
  ONYX_NO_SUCH_FILE = 3,
  ONYX_NO_MODEL = 4,
  ONYX_ENGINE_ERROR = 5,
  ONYX_RUNTIME_EXCEPTION = 6,
  ONYX_INVALID_PROTOBUF = 7,
  ONYX_MODEL_LOADED = 8,
  ONYX_NOT_IMPLEMENTED = 9,
  ONYX_INVALID_GRAPH = 10,
  ONYX_EP_FAIL = 11
} OnyxErrorCode;

ONYX_C_API OnyxErrorCode onyx_status_code(const OnyxStatus* status);
ONYX_C_API const char* onyx_status_message(const OnyxStatus* status);
ONYX_C_API void onyx_status_release(OnyxStatus* status);

/* intra_op_threads: 0 follows the process's CPU affinity. */
ONYX_C_API OnyxStatus* onyx_session_create(const char* model_path, int intra_op_threads, OnyxSession** out);
ONYX_C_API OnyxStatus* onyx_session_create_from_bytes(const void* model_bytes, size_t size, int intra_op_threads,
                                                      OnyxSession** out);
ONYX_C_API void onyx_session_release(OnyxSession* session);
ONYX_C_API size_t onyx_session_input_count(const OnyxSession* session);
ONYX_C_API size_t onyx_session_output_count(const OnyxSession* session);
/* Names live as long as the session; NULL when index is out of range. */
ONYX_C_API const char* onyx_session_input_name(const OnyxSession* session, size_t index);
ONYX_C_API const char* onyx_session_output_name(const OnyxSession* session, size_t index);

/* Element types use ONNX's TensorProto.DataType codes (1 = float, 7 = int64, ...). Strings are
 * not supported through the C API. */
ONYX_C_API OnyxStatus* onyx_tensor_create(int32_t element_type, const int64_t* shape, size_t rank, OnyxTensor** out);
/* Wraps caller memory without copying; it must stay valid until the tensor is released. */
ONYX_C_API OnyxStatus* onyx_tensor_wrap(int32_t element_type, const int64_t* shape, size_t rank, void* data,
                                        size_t byte_size, OnyxTensor** out);
ONYX_C_API void onyx_tensor_release(OnyxTensor* tensor);
ONYX_C_API int32_t onyx_tensor_element_type(const OnyxTensor* tensor);
ONYX_C_API size_t onyx_tensor_rank(const OnyxTensor* tensor);
ONYX_C_API const int64_t* onyx_tensor_shape(const OnyxTensor* tensor);
ONYX_C_API size_t onyx_tensor_byte_size(const OnyxTensor* tensor);
ONYX_C_API void* onyx_tensor_data(OnyxTensor* tensor);

/* Runs the session. outputs must have room for output_count tensors; output_names NULL with
 * output_count equal to the model's output count means every output in model order. */
ONYX_C_API OnyxStatus* onyx_session_run(const OnyxSession* session, const char* const* input_names,
                                        const OnyxTensor* const* inputs, size_t input_count,
                                        const char* const* output_names, size_t output_count, OnyxTensor** outputs);

#ifdef __cplusplus
}
#endif

#endif /* ONYXRT_C_H_ */
