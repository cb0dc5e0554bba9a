// ir::Model -> ModelProto, to a file or to bytes.
#include "format/onnx_writer.h"
#include "format/proto_fields.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "base/error.h"
#include "format/encoders.h"

namespace onyxrt::format {
namespace {

using namespace proto_fields::model;

constexpr const char* kProducer = "onyxrt";
// protobuf refuses to parse a message of 2 GiB or more.
constexpr size_t kMaxMessageBytes = (size_t{1} << 31) - 1;
// Initializers this large or larger move out when a model does not fit inline.
constexpr size_t kSpillMinBytes = 1024;

WireWriter encode_model_with(const ir::Model& model, ExternalDataPlan* external) {
  WireWriter w;
  w.varint(kIrVersion, model.ir_version);
  w.string(kProducerName, kProducer);
  if (!model.domain.empty()) w.string(kDomain, model.domain);
  if (model.model_version != 0) w.varint(kModelVersion, model.model_version);
  if (!model.doc_string.empty()) w.string(kDocString, model.doc_string);
  GraphEncoding how;
  how.external = external;
  how.initializers_as_inputs = model.ir_version < 4;
  w.message(kGraph, encode_graph(model.graph, how));
  for (const ir::OpsetImport& o : model.opset_imports) w.message(kOpsetImport, encode_opset_import(o));
  for (const auto& [key, value] : model.metadata_props) w.message(kMetadataProps, encode_string_entry(key, value));
  for (const ir::Function& f : model.functions) w.message(kFunctions, encode_function(f));
  return w;
}

// The location as written into the model: relative, inside the model's folder.
void check_data_file_name(const std::string& name) {
  bool climbs = name == ".." || name.rfind("../", 0) == 0 || name.find("/../") != std::string::npos ||
                (name.size() >= 3 && name.compare(name.size() - 3, 3, "/..") == 0);
  if (name.empty() || name[0] == '/' || climbs || name.find('\0') != std::string::npos)
    fail(ErrorCode::InvalidArgument, "the optimized model's external data file '", name,
         "' must be a relative path inside the model's folder");
}

std::string sibling_path(const std::string& model_path, const std::string& name) {
  size_t slash = model_path.find_last_of('/');
  return slash == std::string::npos ? name : model_path.substr(0, slash + 1) + name;
}

std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};

// Writes the runs `for_each` yields to `path`, failing with the path and the system's reason.
template <typename ForEach>
void write_file(const std::string& path, const char* what, ForEach&& for_each) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "wb"));
  if (!file) fail(ErrorCode::Fail, "cannot write ", what, " to '", path, "': ", std::strerror(errno));
  static const uint8_t zeros[ExternalDataPlan::kAlignment] = {};
  bool ok = true;
  for_each([&](const uint8_t* data, size_t size) {
    if (ok && size > 0) ok = std::fwrite(data != nullptr ? data : zeros, 1, size, file.get()) == size;
  });
  const int saved_errno = errno;
  if (std::fclose(file.release()) != 0 || !ok)
    fail(ErrorCode::Fail, "cannot write ", what, " to '", path, "': ", std::strerror(ok ? errno : saved_errno));
}

}  // namespace

std::string encode_model(const ir::Model& model) {
  WireWriter w = encode_model_with(model, nullptr);
  if (w.size() > kMaxMessageBytes)
    fail(ErrorCode::Fail, "the model takes ", w.size(), " bytes, more than a protobuf message can hold (2 GiB)");
  std::string bytes;
  w.append_to(bytes);
  return bytes;
}

void save_model_file(const ir::Model& model, const std::string& path, const ModelWriteOptions& options) {
  if (path.empty()) fail(ErrorCode::InvalidArgument, "no path to write the model to");
  std::unique_ptr<ExternalDataPlan> external;
  if (!options.external_data_file.empty()) {
    check_data_file_name(options.external_data_file);
    external = std::make_unique<ExternalDataPlan>(options.external_data_file, options.external_min_bytes);
  }
  WireWriter w = encode_model_with(model, external.get());
  if (w.size() > kMaxMessageBytes && !external) {
    external = std::make_unique<ExternalDataPlan>(base_name(path) + ".data", kSpillMinBytes);
    w = encode_model_with(model, external.get());
  }
  if (w.size() > kMaxMessageBytes)
    fail(ErrorCode::Fail, "cannot write the model to '", path, "': even with its initializers in '",
         external->location(), "' it takes ", w.size(), " bytes, more than a protobuf message can hold (2 GiB)");
  if (external) {
    write_file(sibling_path(path, external->location()), "the model's external data", [&](auto&& sink) {
      for (const auto& [data, size] : external->pieces()) {
        // Padding runs are at most one alignment unit long: zeros covers them.
        sink(data, size);
      }
    });
  }
  write_file(path, "the model", [&](auto&& sink) { w.for_each_piece(sink); });
}

}  // namespace onyxrt::format
