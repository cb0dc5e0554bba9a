#pragma once

// Hand-built ONNX messages for the decoder tests. Field numbers are restated here from
// onnx.proto3 rather than shared with the decoder, so a wrong number on either side shows up.

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "proto_writer.h"

namespace onnx_build {

using testing_proto::ProtoWriter;

// TensorProto.DataType codes used by the tests.
enum : int {
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  INT32 = 6,
  INT64 = 7,
  STRING = 8,
  BOOL = 9,
  FLOAT16 = 10,
  DOUBLE = 11,
  UINT32 = 12,
  COMPLEX64 = 14,
  INT4 = 22,
  UINT2 = 25
};

inline ProtoWriter tensor_header(const std::string& name, int data_type, const std::vector<int64_t>& dims) {
  ProtoWriter t;
  for (int64_t d : dims) t.int64(1, d);  // dims, unpacked as old writers did
  t.varint(2, static_cast<uint64_t>(data_type));
  if (!name.empty()) t.bytes(8, name);
  return t;
}

template <typename T>
std::string bytes_of_values(const std::vector<T>& values) {
  std::string out(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(&out[0], values.data(), out.size());
  return out;
}

inline ProtoWriter tensor_raw(const std::string& name, int data_type, const std::vector<int64_t>& dims,
                              const std::string& raw) {
  return tensor_header(name, data_type, dims).bytes(9, raw);
}

inline ProtoWriter tensor_external(const std::string& name, int data_type, const std::vector<int64_t>& dims,
                                   const std::vector<std::pair<std::string, std::string>>& entries) {
  ProtoWriter t = tensor_header(name, data_type, dims);
  for (const auto& [key, value] : entries) t.message(13, ProtoWriter().bytes(1, key).bytes(2, value));
  t.varint(14, 1);  // data_location = EXTERNAL
  return t;
}

inline ProtoWriter shape(const std::vector<std::string>& dims) {  // "" unknown, digits fixed, else param
  ProtoWriter s;
  for (const std::string& d : dims) {
    ProtoWriter dim;
    if (!d.empty() && d.find_first_not_of("0123456789") == std::string::npos)
      dim.int64(1, std::stoll(d));
    else if (!d.empty())
      dim.bytes(2, d);
    s.message(1, dim);
  }
  return s;
}

inline ProtoWriter tensor_type(int elem_type, const std::vector<std::string>* dims) {
  ProtoWriter tensor;
  tensor.varint(1, static_cast<uint64_t>(elem_type));
  if (dims) tensor.message(2, shape(*dims));
  return ProtoWriter().message(1, tensor);
}

inline ProtoWriter value_info(const std::string& name, const ProtoWriter& type) {
  return ProtoWriter().bytes(1, name).message(2, type);
}

inline ProtoWriter node(const std::string& op_type, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
  ProtoWriter n;
  for (const std::string& i : inputs) n.bytes(1, i);
  for (const std::string& o : outputs) n.bytes(2, o);
  if (!name.empty()) n.bytes(3, name);
  n.bytes(4, op_type);
  return n;
}

inline ProtoWriter opset(const std::string& domain, int64_t version) {
  return ProtoWriter().bytes(1, domain).int64(2, version);
}

inline std::string model(const ProtoWriter& graph, int64_t opset_version = 17) {
  return ProtoWriter().int64(1, 8).message(8, opset("", opset_version)).message(7, graph).str();
}

// A graph with one initializer and an Identity node reading it.
inline std::string model_with_initializer(const ProtoWriter& tensor, const std::string& name) {
  ProtoWriter g;
  g.message(1, node("Identity", {name}, {"y"})).bytes(2, "g").message(5, tensor);
  return model(g);
}

// Model bytes in a malloc'd (so 16-byte aligned) buffer, as the API hands them to the loader:
// alignment-dependent behaviour (zero copy) is then decided by offsets alone.
struct Buffer {
  std::shared_ptr<uint8_t> owner;
  const uint8_t* data = nullptr;
  size_t size = 0;
};

inline Buffer aligned_copy(const std::string& bytes) {
  Buffer b;
  b.owner = std::shared_ptr<uint8_t>(new uint8_t[bytes.size() + 1], std::default_delete<uint8_t[]>());
  if (!bytes.empty()) std::memcpy(b.owner.get(), bytes.data(), bytes.size());
  b.data = b.owner.get();
  b.size = bytes.size();
  return b;
}

}  // namespace onnx_build
