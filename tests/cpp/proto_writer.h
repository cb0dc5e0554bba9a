#pragma once

// Builds protobuf bytes by hand for the tests, so they need neither libprotobuf nor Python: each
// call appends one field. Deliberately able to write malformed bytes too (raw()).

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace testing_proto {

inline std::string varint_bytes(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}

class ProtoWriter {
 public:
  ProtoWriter& tag(uint32_t field, int wire_type) {
    out_ += varint_bytes((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wire_type));
    return *this;
  }
  ProtoWriter& varint(uint32_t field, uint64_t value) {
    tag(field, 0);
    out_ += varint_bytes(value);
    return *this;
  }
  ProtoWriter& int64(uint32_t field, int64_t value) { return varint(field, static_cast<uint64_t>(value)); }
  ProtoWriter& fixed32(uint32_t field, float value) {
    tag(field, 5);
    append_le(&value, 4);
    return *this;
  }
  ProtoWriter& fixed64(uint32_t field, double value) {
    tag(field, 1);
    append_le(&value, 8);
    return *this;
  }
  ProtoWriter& bytes(uint32_t field, const std::string& payload) {
    tag(field, 2);
    out_ += varint_bytes(payload.size());
    out_ += payload;
    return *this;
  }
  ProtoWriter& message(uint32_t field, const ProtoWriter& inner) { return bytes(field, inner.str()); }
  template <typename T>
  ProtoWriter& packed_fixed(uint32_t field, const std::vector<T>& values) {
    std::string payload(values.size() * sizeof(T), '\0');
    if (!values.empty()) std::memcpy(&payload[0], values.data(), payload.size());
    return bytes(field, payload);
  }
  ProtoWriter& packed_varints(uint32_t field, const std::vector<int64_t>& values) {
    std::string payload;
    for (int64_t v : values) payload += varint_bytes(static_cast<uint64_t>(v));
    return bytes(field, payload);
  }
  ProtoWriter& raw(const std::string& bytes) {
    out_ += bytes;
    return *this;
  }

  const std::string& str() const { return out_; }

 private:
  void append_le(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string out_;
};

}  // namespace testing_proto
