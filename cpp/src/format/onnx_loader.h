#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ir/graph.h"

namespace onyxrt::format {

// Loads a ModelProto from a file, memory-mapped: initializers with raw_data point into the
// mapping (zero copy). External data resolves inside the file's folder.
// Errors: NoSuchFile (cannot open), InvalidProtobuf (malformed bytes, naming the field),
// NoModel (an empty file or no graph), InvalidGraph (structurally invalid content).
std::shared_ptr<ir::Model> load_model_file(const std::string& path);

// Same from bytes that `owner` keeps alive. External data resolves inside
// `external_data_folder`; when it is empty, a model with external data is refused.
std::shared_ptr<ir::Model> load_model_bytes(std::shared_ptr<const void> owner, const uint8_t* data, size_t size,
                                            const std::string& external_data_folder);

}  // namespace onyxrt::format
