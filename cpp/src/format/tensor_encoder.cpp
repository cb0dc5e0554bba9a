// Tensor / ir::SparseTensor -> TensorProto and SparseTensorProto.
#include <string>

#include "format/encoders.h"
#include "format/proto_fields.h"

namespace onyxrt::format {
namespace {

using namespace proto_fields::tensor;

constexpr int64_t kLocationExternal = 1;

}  // namespace

uint64_t ExternalDataPlan::add(const uint8_t* data, size_t size) {
  const uint64_t padding = (kAlignment - size_ % kAlignment) % kAlignment;
  if (padding > 0) pieces_.emplace_back(nullptr, static_cast<size_t>(padding));
  const uint64_t offset = size_ + padding;
  pieces_.emplace_back(data, size);
  size_ = offset + size;
  return offset;
}

WireWriter encode_tensor(const Tensor& tensor, const std::string& name, ExternalDataPlan* external) {
  WireWriter w;
  w.packed_varints(kDims, tensor.shape());
  w.varint(kDataType, static_cast<int64_t>(tensor.dtype()));
  if (!name.empty()) w.string(kName, name);
  if (tensor.dtype() == DataType::String) {
    const auto* text = tensor.data<std::string>();
    for (int64_t i = 0; i < tensor.size(); ++i) w.string(kStringData, text[i]);
    return w;
  }
  // The IR keeps every numeric type in raw_data's layout (little-endian, bool as one byte 0/1,
  // sub-byte types packed low bits first), so the storage is the payload as it is.
  const size_t bytes = tensor.nbytes();
  const auto* data = static_cast<const uint8_t*>(tensor.raw());
  if (external != nullptr && bytes >= external->min_bytes() && bytes > 0) {
    const uint64_t offset = external->add(data, bytes);
    w.message(kExternalData, encode_string_entry("location", external->location()));
    w.message(kExternalData, encode_string_entry("offset", std::to_string(offset)));
    w.message(kExternalData, encode_string_entry("length", std::to_string(bytes)));
    w.varint(kDataLocation, kLocationExternal);
    return w;
  }
  w.bytes(kRawData, data, bytes);
  return w;
}

WireWriter encode_sparse_tensor(const ir::SparseTensor& sparse, const std::string& name) {
  WireWriter w;
  // The sparse tensor's name is its values tensor's name.
  w.message(kSparseValues, encode_tensor(sparse.values, name));
  w.message(kSparseIndices, encode_tensor(sparse.indices, ""));
  w.packed_varints(kSparseDims, sparse.dims);
  return w;
}

}  // namespace onyxrt::format
