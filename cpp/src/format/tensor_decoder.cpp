// TensorProto and SparseTensorProto -> Tensor / ir::SparseTensor.
#include <cstdint>

#include "format/decoders.h"
#include "format/external_data.h"
#include "format/proto_fields.h"
#include "format/tensor_data.h"

namespace onyxrt::format {
namespace {

using namespace proto_fields::tensor;

constexpr int32_t kLocationDefault = 0;
constexpr int32_t kLocationExternal = 1;

struct TensorProtoFields {
  std::string name;
  Shape dims;
  int32_t data_type = 0;
  bool has_segment = false;
  bool has_raw_data = false;
  ByteSpan raw_data;
  TypedTensorFields typed;
  std::vector<std::pair<std::string, std::string>> external_data;
  int32_t data_location = kLocationDefault;
};

TensorProtoFields read_tensor_fields(WireReader& r) {
  TensorProtoFields f;
  while (r.next()) {
    switch (r.field()) {
      case kDims: r.read_repeated("dims", f.dims); break;
      case kDataType: f.data_type = r.read_int32("data_type"); break;
      case kSegment:
        r.read_bytes("segment");
        f.has_segment = true;
        break;
      case kFloatData: r.read_repeated("float_data", f.typed.float_data); break;
      case kInt32Data: r.read_repeated("int32_data", f.typed.int32_data); break;
      case kStringData: f.typed.string_data.push_back(r.read_string("string_data")); break;
      case kInt64Data: r.read_repeated("int64_data", f.typed.int64_data); break;
      case kName: f.name = r.read_string("name"); break;
      case kRawData:
        f.raw_data = r.read_bytes("raw_data");
        f.has_raw_data = true;
        break;
      case kDoubleData: r.read_repeated("double_data", f.typed.double_data); break;
      case kUint64Data: r.read_repeated("uint64_data", f.typed.uint64_data); break;
      case kExternalData:
        f.external_data.push_back(decode_string_entry(r.read_message("external_data", "StringStringEntryProto")));
        break;
      case kDataLocation: f.data_location = r.read_int32("data_location"); break;
      default: r.skip(); break;  // doc_string, metadata_props, future fields
    }
  }
  return f;
}

std::string describe_tensor(const std::string& name) {
  return name.empty() ? std::string("unnamed tensor") : "tensor '" + name + "'";
}

}  // namespace

Tensor decode_tensor(WireReader reader, DecodeContext& ctx, std::string* name) {
  TensorProtoFields f = read_tensor_fields(reader);
  if (name) *name = f.name;
  const std::string what = describe_tensor(f.name);

  if (f.has_segment) fail(ErrorCode::NotImplemented, what, " is stored in segments, which onyxrt does not support");
  if (!data_type_is_valid(f.data_type))
    fail(ErrorCode::InvalidGraph, what, " has invalid or unsupported data_type ", f.data_type);
  const auto type = static_cast<DataType>(f.data_type);
  int64_t count = 1;
  for (size_t i = 0; i < f.dims.size(); ++i) {
    if (f.dims[i] < 0) fail(ErrorCode::InvalidGraph, what, " has negative dims[", i, "] = ", f.dims[i]);
    if (__builtin_mul_overflow(count, f.dims[i], &count))
      fail(ErrorCode::InvalidGraph, what, " has dims ", shape_to_string(f.dims), " whose element count overflows");
  }
  // 16 bytes is the widest element (complex128): below this bound byte sizes cannot overflow.
  if (static_cast<uint64_t>(count) > SIZE_MAX / 16)
    fail(ErrorCode::InvalidGraph, what, " has dims ", shape_to_string(f.dims), " too large to address");
  const size_t bytes = data_type_storage_bytes(type, count);

  const std::string typed_present = f.typed.present_fields();
  if (f.data_location == kLocationExternal) {
    if (type == DataType::String) fail(ErrorCode::InvalidGraph, what, " is a string tensor with external data");
    if (f.has_raw_data || !typed_present.empty())
      fail(ErrorCode::InvalidGraph, what, " has external data and also inline data (",
           f.has_raw_data ? "raw_data" : typed_present, ")");
    ExternalData::Bytes data = ctx.external->read(f.name, f.external_data, bytes);
    return tensor_over_bytes(type, std::move(f.dims), data.data, data.file);
  }
  if (f.data_location != kLocationDefault)
    fail(ErrorCode::InvalidGraph, what, " has invalid data_location ", f.data_location);

  if (f.has_raw_data) {
    if (type == DataType::String)
      fail(ErrorCode::InvalidGraph, what, " is a string tensor with raw_data; strings go in string_data");
    if (!typed_present.empty()) fail(ErrorCode::InvalidGraph, what, " has both raw_data and ", typed_present);
    if (f.raw_data.size != bytes)
      fail(ErrorCode::InvalidGraph, what, " has ", f.raw_data.size, " bytes of raw_data but its dims ",
           shape_to_string(f.dims), " of type ", data_type_name(type), " need ", bytes);
    return tensor_over_bytes(type, std::move(f.dims), f.raw_data.data, ctx.bytes_owner);
  }
  if (typed_present.empty()) {
    if (count != 0)
      fail(ErrorCode::InvalidGraph, what, " has no data for its ", count, " elements (dims ", shape_to_string(f.dims),
           ")");
    return Tensor(type, std::move(f.dims));
  }
  return tensor_from_typed_fields(type, std::move(f.dims), count, f.typed, what);
}

ir::SparseTensor decode_sparse_tensor(WireReader r, DecodeContext& ctx, std::string* name) {
  ir::SparseTensor sparse;
  bool has_values = false, has_indices = false;
  std::string values_name;
  while (r.next()) {
    switch (r.field()) {
      case kSparseValues:
        sparse.values = decode_tensor(r.read_message("values", "TensorProto"), ctx, &values_name);
        has_values = true;
        break;
      case kSparseIndices:
        sparse.indices = decode_tensor(r.read_message("indices", "TensorProto"), ctx, nullptr);
        has_indices = true;
        break;
      case kSparseDims: r.read_repeated("dims", sparse.dims); break;
      default: r.skip(); break;
    }
  }
  if (name) *name = values_name;
  const std::string what = "sparse " + describe_tensor(values_name);
  if (!has_values || !has_indices)
    fail(ErrorCode::InvalidGraph, what, " lacks its ", has_values ? "indices" : "values");
  int64_t dense_count = 1;
  for (size_t i = 0; i < sparse.dims.size(); ++i) {
    if (sparse.dims[i] < 0) fail(ErrorCode::InvalidGraph, what, " has negative dims[", i, "] = ", sparse.dims[i]);
    if (__builtin_mul_overflow(dense_count, sparse.dims[i], &dense_count))
      fail(ErrorCode::InvalidGraph, what, " has dims ", shape_to_string(sparse.dims), " whose size overflows");
  }
  if (sparse.values.rank() != 1)
    fail(ErrorCode::InvalidGraph, what, ": values must be 1-D, got shape ", shape_to_string(sparse.values.shape()));
  const int64_t nnz = sparse.values.size();
  const Tensor& idx = sparse.indices;
  const auto rank = static_cast<int64_t>(sparse.dims.size());
  if (idx.dtype() != DataType::Int64) fail(ErrorCode::InvalidGraph, what, ": indices must be int64");
  // The indices are checked here, once, so whoever densifies the tensor can trust them.
  if (idx.rank() == 1 && idx.dim(0) == nnz) {
    const int64_t* linear = idx.data<int64_t>();
    for (int64_t k = 0; k < nnz; ++k)
      if (linear[k] < 0 || linear[k] >= dense_count)
        fail(ErrorCode::InvalidGraph, what, ": index ", linear[k], " at position ", k, " is outside dims ",
             shape_to_string(sparse.dims));
  } else if (idx.rank() == 2 && idx.dim(0) == nnz && idx.dim(1) == rank) {
    const int64_t* coords = idx.data<int64_t>();
    for (int64_t k = 0; k < nnz * rank; ++k)
      if (coords[k] < 0 || coords[k] >= sparse.dims[k % rank])
        fail(ErrorCode::InvalidGraph, what, ": index ", coords[k], " of entry ", k / rank, " is outside dims ",
             shape_to_string(sparse.dims));
  } else {
    fail(ErrorCode::InvalidGraph, what, ": indices of shape ", shape_to_string(idx.shape()), " fit neither [", nnz,
         "] nor [", nnz, ",", rank, "]");
  }
  return sparse;
}

}  // namespace onyxrt::format
