#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ir/graph.h"

namespace onyxrt::format {

// Loads a ModelProto from a file, memory-mapped: tensors whose raw_data (or external data) is
// aligned for their element type point into the mapping (zero copy), others are copied.
// model->backing keeps the mappings alive. External data resolves inside the folder of `path` as
// given (see external_data.h for the exact confinement rule).
// Errors, each naming the path and where in the model (graph, node, attribute, field):
//   NoSuchFile       the model or an external data file cannot be opened;
//   NoModel          an empty file, or a model without a graph;
//   InvalidProtobuf  malformed protobuf ("TensorProto.raw_data: length ... (at byte n)");
//   InvalidGraph     well-formed protobuf with invalid content: tensor data that does not match
//                    its type and dims, bad data types, graphs nested deeper than 64, external
//                    data locations outside the model's folder;
//   NotImplemented   segmented tensors.
std::shared_ptr<ir::Model> load_model_file(const std::string& path);

// Same from bytes that `owner` keeps alive. External data resolves inside
// `external_data_folder`; when it is empty, a model with external data is refused with
// InvalidArgument.
std::shared_ptr<ir::Model> load_model_bytes(std::shared_ptr<const void> owner, const uint8_t* data, size_t size,
                                            const std::string& external_data_folder);

}  // namespace onyxrt::format
