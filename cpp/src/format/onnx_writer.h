#pragma once

#include <cstddef>
#include <string>

#include "ir/graph.h"

namespace onyxrt::format {

struct ModelWriteOptions {
  // When set, main-graph initializers of at least `external_min_bytes` go to this data file
  // (a path relative to the model's folder, no ".."), as onnxruntime's session config entries
  // "session.optimized_model_external_initializers_file_name" / "..._min_size_in_bytes" ask.
  std::string external_data_file;
  size_t external_min_bytes = 1024;
};

// Writes `model` as an ONNX ModelProto to `path`: producer "onyxrt", the model's IR version,
// opset imports, metadata and functions, the graph with nodes in execution order, attributes of
// every kind (subgraphs included), initializers as raw_data (string tensors as string_data).
// Initializers that came from external data are written inline like the others, unless the
// model would not fit in one protobuf message (2 GiB): then, with no data file named, those of
// 1 KiB or more go to "<model file name>.data" beside it. IR < 4 models list every initializer
// as a graph input, as that IR requires. Throws Error(Fail) naming the path when it cannot be
// written, Error(InvalidArgument) for a data file name that leaves the model's folder.
void save_model_file(const ir::Model& model, const std::string& path, const ModelWriteOptions& options = {});

// The ModelProto bytes of `model`, every initializer inline. Throws Error(Fail) when they
// exceed protobuf's 2 GiB message limit.
std::string encode_model(const ir::Model& model);

}  // namespace onyxrt::format
