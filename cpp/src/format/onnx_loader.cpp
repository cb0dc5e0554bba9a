// ModelProto -> ir::Model, from a mapped file or from bytes.
#include "format/onnx_loader.h"
#include "format/proto_fields.h"

#include <cstdlib>

#include "base/error.h"
#include "base/mapped_file.h"
#include "format/decoders.h"
#include "format/external_data.h"

namespace onyxrt::format {
namespace {

using namespace proto_fields::model;

// `source` names the model in errors ("'path/model.onnx'" or "model bytes").
std::shared_ptr<ir::Model> decode_model(const uint8_t* data, size_t size, std::shared_ptr<const void> owner,
                                        ExternalData& external, const std::string& source) {
  auto model = std::make_shared<ir::Model>();
  DecodeContext ctx;
  ctx.bytes_owner = std::const_pointer_cast<void>(owner);
  ctx.external = &external;
  bool has_graph = false;
  bool any_model_field = false;  // tells a foreign file from a model that lacks a graph
  WireReader r(data, size, "ModelProto");
  try {
    while (r.next()) {
      bool known = true;
      switch (r.field()) {
        case kIrVersion: model->ir_version = r.read_int64("ir_version"); break;
        case kProducerName: model->producer_name = r.read_string("producer_name"); break;
        case kProducerVersion: model->producer_version = r.read_string("producer_version"); break;
        case kDomain: model->domain = r.read_string("domain"); break;
        case kModelVersion: model->model_version = r.read_int64("model_version"); break;
        case kDocString: model->doc_string = r.read_string("doc_string"); break;
        case kGraph:
          // Protobuf merges repeated occurrences of a message field; no writer does that for the
          // graph, and merging two graphs silently would hide a corrupt file.
          if (has_graph) r.fail_field("graph", "the model has more than one graph");
          model->graph = decode_graph(r.read_message("graph", "GraphProto"), ctx);
          has_graph = true;
          break;
        case kOpsetImport:
          model->opset_imports.push_back(decode_opset_import(r.read_message("opset_import", "OperatorSetIdProto")));
          break;
        case kMetadataProps:
          model->metadata_props.push_back(
              decode_string_entry(r.read_message("metadata_props", "StringStringEntryProto")));
          break;
        case kFunctions:
          model->functions.push_back(decode_function(r.read_message("functions", "FunctionProto"), ctx));
          break;
        default:  // training_info, configuration, future fields
          r.skip();
          known = false;
          break;
      }
      any_model_field |= known;
    }
  } catch (const Error& e) {
    rethrow_within(e, "cannot load ", source);
  }
  if (!has_graph) {
    if (!any_model_field)
      fail(ErrorCode::InvalidProtobuf, "cannot load ", source, ": it is not an ONNX model (no ModelProto fields)");
    fail(ErrorCode::NoModel, "cannot load ", source, ": the model has no graph");
  }
  model->backing.push_back(std::move(owner));
  for (auto& file : external.mapped_files()) model->backing.push_back(std::move(file));
  return model;
}

// The folder part of `path` as written: "m.onnx" -> ".", "a/b/m.onnx" -> "a/b", "/m.onnx" -> "/".
std::string folder_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// The folder of the file that `path` really is, symlinks followed; empty when that fails.
std::string real_folder_of(const std::string& path) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return "";
  std::string real(resolved);
  std::free(resolved);
  return folder_of(real);
}

}  // namespace

std::shared_ptr<ir::Model> load_model_file(const std::string& path) {
  std::shared_ptr<const MappedFile> file = MappedFile::open(path);
  if (file->size() == 0) fail(ErrorCode::NoModel, "'", path, "' is empty");
  ExternalData external(folder_of(path), real_folder_of(path));
  return decode_model(file->data(), file->size(), file, external, "'" + path + "'");
}

std::shared_ptr<ir::Model> load_model_bytes(std::shared_ptr<const void> owner, const uint8_t* data, size_t size,
                                            const std::string& external_data_folder) {
  if (size == 0 || data == nullptr) fail(ErrorCode::NoModel, "the model bytes are empty");
  ExternalData external(external_data_folder, "");
  return decode_model(data, size, std::move(owner), external, "model from bytes");
}

}  // namespace onyxrt::format
