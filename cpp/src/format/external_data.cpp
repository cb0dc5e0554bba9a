#include "format/external_data.h"

#include <climits>
#include <cstdlib>

#include "base/error.h"

namespace onyxrt::format {
namespace {

// realpath(3) into a std::string; throws NoSuchFile naming `what` when the path does not resolve.
std::string canonical_path(const std::string& path, const std::string& what) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) fail(ErrorCode::NoSuchFile, what, ": '", path, "' does not exist");
  std::string result(resolved);
  std::free(resolved);
  return result;
}

// True when canonical `path` lies below canonical folder `dir`.
bool is_inside(const std::string& path, const std::string& dir) {
  if (dir.empty()) return false;
  if (dir == "/") return path.size() > 1 && path[0] == '/';
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

}  // namespace

std::string normalize_relative_path(const std::string& path, const std::string& what) {
  if (path.empty()) fail(ErrorCode::InvalidGraph, what, " is empty");
  if (path.find('\0') != std::string::npos) fail(ErrorCode::InvalidGraph, what, " contains a NUL byte");
  if (path[0] == '/')
    fail(ErrorCode::InvalidGraph, what, " '", path, "' is absolute; it must be relative to the model");
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(start, slash - start);
    if (part == "..") {
      if (parts.empty()) fail(ErrorCode::InvalidGraph, what, " '", path, "' points outside the model's folder");
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    start = slash + 1;
  }
  if (parts.empty()) fail(ErrorCode::InvalidGraph, what, " '", path, "' names no file");
  std::string normal;
  for (const std::string& part : parts) normal += (normal.empty() ? "" : "/") + part;
  return normal;
}

uint64_t parse_decimal(const std::string& text, const std::string& what) {
  if (text.empty()) fail(ErrorCode::InvalidGraph, what, " is empty");
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') fail(ErrorCode::InvalidGraph, what, " '", text, "' is not a non-negative decimal integer");
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) fail(ErrorCode::InvalidGraph, what, " '", text, "' is too large");
    value = value * 10 + digit;
  }
  return value;
}

ExternalData::ExternalData(std::string folder, std::string model_target_folder)
    : folder_(std::move(folder)), model_target_folder_(std::move(model_target_folder)) {}

std::shared_ptr<const MappedFile> ExternalData::open_inside(const std::string& tensor_name,
                                                            const std::string& location) {
  std::string what = "tensor '" + tensor_name + "': external data location";
  std::string relative = normalize_relative_path(location, what);
  if (canonical_folder_.empty()) canonical_folder_ = canonical_path(folder_, "external data folder");
  std::string joined = folder_ + "/" + relative;
  std::string canonical = canonical_path(joined, "external data file of tensor '" + tensor_name + "'");
  if (!is_inside(canonical, canonical_folder_) && !is_inside(canonical, model_target_folder_))
    fail(ErrorCode::InvalidGraph, what, " '", location, "' resolves to '", canonical, "', outside the model's folder '",
         canonical_folder_, "'");
  auto cached = files_.find(canonical);
  if (cached != files_.end()) return cached->second;
  auto file = MappedFile::open(canonical);
  files_.emplace(canonical, file);
  return file;
}

ExternalData::Bytes ExternalData::read(const std::string& tensor_name,
                                       const std::vector<std::pair<std::string, std::string>>& entries,
                                       size_t expected_bytes) {
  if (folder_.empty())
    fail(ErrorCode::InvalidArgument, "tensor '", tensor_name,
         "' has external data, which needs a base folder: load the model from a file path, or pass the "
         "folder its data files are in");
  const std::string* location = nullptr;
  uint64_t offset = 0;
  bool has_length = false;
  uint64_t length = 0;
  for (const auto& [key, value] : entries) {
    if (key == "location")
      location = &value;
    else if (key == "offset")
      offset = parse_decimal(value, "external data offset of tensor '" + tensor_name + "'");
    else if (key == "length") {
      length = parse_decimal(value, "external data length of tensor '" + tensor_name + "'");
      has_length = true;
    }
  }
  if (location == nullptr)
    fail(ErrorCode::InvalidGraph, "tensor '", tensor_name, "' has external data but no location");
  if (has_length && length != expected_bytes)
    fail(ErrorCode::InvalidGraph, "tensor '", tensor_name, "': external data length ", length, " does not match the ",
         expected_bytes, " bytes its type and dims need");

  auto file = open_inside(tensor_name, *location);
  if (offset > file->size() || expected_bytes > file->size() - offset)
    fail(ErrorCode::InvalidGraph, "tensor '", tensor_name, "': external data at offset ", offset, " with length ",
         expected_bytes, " runs past the end of '", *location, "' (", file->size(), " bytes)");
  Bytes bytes;
  bytes.data = file->data() ? file->data() + offset : nullptr;
  bytes.size = expected_bytes;
  bytes.file = std::move(file);
  return bytes;
}

std::vector<std::shared_ptr<const void>> ExternalData::mapped_files() const {
  std::vector<std::shared_ptr<const void>> result;
  for (const auto& entry : files_) result.push_back(entry.second);
  return result;
}

}  // namespace onyxrt::format
