#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/mapped_file.h"

namespace onyxrt::format {

// Finds, checks and maps the files that data_location = EXTERNAL tensors live in, for one load.
// Each file is mapped once and shared by all tensors in it (zero copy).
//
// Where a location may point (it comes from an untrusted file):
//  - relative, no NUL, and lexically inside `folder`: after dropping "." and resolving "..",
//    nothing may climb above it ("../x", "a/../../x" and "/etc/passwd" are refused);
//  - and once symlinks are followed, the file must be inside realpath(folder), or inside
//    `model_target_folder`. That second folder is what lets the Hugging Face cache layout load:
//    there snapshots/<rev>/model.onnx and snapshots/<rev>/model.onnx.data are both symlinks into
//    one blobs/ folder, which is where the model file's own realpath lives.
class ExternalData {
 public:
  // `folder`: what locations are relative to (the folder containing the model path as the caller
  // gave it, or the caller's folder for loads from bytes); empty refuses all external data.
  // `model_target_folder`: the folder of the model file's realpath; empty when loading bytes.
  ExternalData(std::string folder, std::string model_target_folder);

  struct Bytes {
    const uint8_t* data = nullptr;
    size_t size = 0;
    std::shared_ptr<const MappedFile> file;  // keeps `data` alive
  };

  // The `expected_bytes` bytes that TensorProto.external_data `entries` describe for tensor
  // `tensor_name`. Keys: location (required), offset, length (must equal expected_bytes when
  // given), checksum (not verified: hashing every weight at load defeats mmap). Unknown keys are
  // ignored, as newer writers may add some.
  Bytes read(const std::string& tensor_name, const std::vector<std::pair<std::string, std::string>>& entries,
             size_t expected_bytes);

  // Every file mapped so far, for the model to keep alive.
  std::vector<std::shared_ptr<const void>> mapped_files() const;

 private:
  std::shared_ptr<const MappedFile> open_inside(const std::string& tensor_name, const std::string& location);

  std::string folder_;
  std::string model_target_folder_;
  std::string canonical_folder_;                                    // realpath(folder_), computed on first use
  std::map<std::string, std::shared_ptr<const MappedFile>> files_;  // by canonical path
};

// "a/./b/../c" -> "a/c". Throws Error(InvalidGraph) naming `what` for an empty, absolute or
// NUL-containing path, or one whose ".." climbs above its start.
std::string normalize_relative_path(const std::string& path, const std::string& what);

// Parses a non-negative decimal integer ("0", "4096"); anything else (sign, spaces, hex, empty,
// overflow) throws Error(InvalidGraph) naming `what`.
uint64_t parse_decimal(const std::string& text, const std::string& what);

}  // namespace onyxrt::format
