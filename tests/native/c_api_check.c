/* Exercises the C API: load the model given on the command line, run it on a constant feed,
 * print the first output's shape and first values; then check that errors come back as
 * statuses with codes. */
#include <onyxrt/onyxrt_c.h>
#include <stdio.h>
#include <string.h>

static int report(OnyxStatus* status) {
  fprintf(stderr, "error %d: %s\n", (int)onyx_status_code(status), onyx_status_message(status));
  onyx_status_release(status);
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  OnyxSession* session = NULL;
  OnyxStatus* status = onyx_session_create(argv[1], 1, &session);
  if (status) return report(status);

  int64_t shape[2] = {2, 784};
  float data[2 * 784];
  for (int i = 0; i < 2 * 784; ++i) data[i] = (float)(i % 13) / 13.0f;
  OnyxTensor* input = NULL;
  if ((status = onyx_tensor_wrap(1, shape, 2, data, sizeof data, &input))) return report(status);

  const char* input_name = onyx_session_input_name(session, 0);
  OnyxTensor* output = NULL;
  status = onyx_session_run(session, &input_name, (const OnyxTensor* const*)&input, 1, NULL, 1, &output);
  if (status) return report(status);
  const int64_t* out_shape = onyx_tensor_shape(output);
  const float* values = (const float*)onyx_tensor_data(output);
  printf("shape %lld %lld values %.6f %.6f\n", (long long)out_shape[0], (long long)out_shape[1], values[0], values[1]);
  onyx_tensor_release(output);

  /* A wrong feed name is an InvalidArgument status naming it, not a crash. */
  const char* bad_name = "no_such_input";
  status = onyx_session_run(session, &bad_name, (const OnyxTensor* const*)&input, 1, NULL, 1, &output);
  if (!status || onyx_status_code(status) != ONYX_INVALID_ARGUMENT || !strstr(onyx_status_message(status), bad_name))
    return 3;
  onyx_status_release(status);

  /* A missing file is NoSuchFile. */
  OnyxSession* missing = NULL;
  status = onyx_session_create("/nonexistent/model.onnx", 1, &missing);
  if (!status || onyx_status_code(status) != ONYX_NO_SUCH_FILE) return 4;
  onyx_status_release(status);

  onyx_tensor_release(input);
  onyx_session_release(session);
  printf("c api ok\n");
  return 0;
}
