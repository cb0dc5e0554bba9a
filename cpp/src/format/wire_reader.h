#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace onyxrt::format {

// Protobuf wire types (the low 3 bits of a tag). 3 and 4 are the deprecated groups.
enum class WireType : uint8_t {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
};
const char* wire_type_name(WireType type);

// A borrowed byte range inside the buffer being decoded.
struct ByteSpan {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

// Walks one protobuf message's fields in order, zero-copy and schema-free: the decoder looks at
// field() and asks for the value as the type it expects (which checks the wire type), or skip()s
// what it does not know. Every length is checked against the bytes left before it is used; every
// failure throws Error(InvalidProtobuf) as "<Message>.<field>: <what> (at byte <n>)", where n
// counts from `origin`, the start of the whole buffer, so nested readers report file offsets.
// Nothing here recurses: nested messages are new readers the caller creates (and bounds).
class WireReader {
 public:
  WireReader(const uint8_t* data, size_t size, const char* message, const uint8_t* origin = nullptr);

  // Reads the next tag; false at the end of the message.
  bool next();
  uint32_t field() const { return field_; }
  WireType wire_type() const { return wire_type_; }
  const char* message() const { return message_; }
  // Offset of the current field's tag from the origin.
  size_t field_offset() const { return static_cast<size_t>(tag_start_ - origin_); }

  // The current field's value as the field called `name`; the wire type must match.
  uint64_t read_varint(const char* name);
  int64_t read_int64(const char* name) { return static_cast<int64_t>(read_varint(name)); }
  // Protobuf int32 semantics: negative values arrive sign-extended to 64 bits; keep the low 32.
  int32_t read_int32(const char* name) { return static_cast<int32_t>(static_cast<uint32_t>(read_varint(name))); }
  float read_float(const char* name);
  double read_double(const char* name);
  ByteSpan read_bytes(const char* name);
  std::string read_string(const char* name);
  // A reader over an embedded message; errors inside it name `message_type`.
  WireReader read_message(const char* name, const char* message_type);

  // Repeated scalars, packed (one length-delimited run) or not (one element per tag); appends.
  // Growth is bounded by the bytes present: counts are taken from the data, never trusted.
  void read_repeated(const char* name, std::vector<int64_t>& out);
  void read_repeated(const char* name, std::vector<uint64_t>& out);
  void read_repeated(const char* name, std::vector<int32_t>& out);
  void read_repeated(const char* name, std::vector<float>& out);
  void read_repeated(const char* name, std::vector<double>& out);

  // Skips the current field whatever its wire type, groups included (iteratively, depth-bounded).
  void skip();

  // Throws Error(InvalidProtobuf) "<Message>.<name>: <parts> (at byte <current position>)".
  template <typename... Parts>
  [[noreturn]] void fail_field(const char* name, Parts&&... parts) const {
    fail(ErrorCode::InvalidProtobuf, message_, ".", name, ": ", std::forward<Parts>(parts)..., " (at byte ", position(),
         ")");
  }

 private:
  size_t position() const { return static_cast<size_t>(pos_ - origin_); }
  size_t remaining() const { return static_cast<size_t>(end_ - pos_); }
  uint64_t take_varint(const char* name);
  ByteSpan take_span(const char* name);
  void expect(WireType wanted, const char* name) const;
  void skip_value(WireType type, const char* name);
  void skip_group(uint32_t group_field);
  template <typename T>
  void read_fixed_repeated(const char* name, std::vector<T>& out, WireType single);
  template <typename T>
  void read_varint_repeated(const char* name, std::vector<T>& out);

  const uint8_t* pos_;
  const uint8_t* end_;
  const uint8_t* origin_;
  const char* message_;
  const uint8_t* tag_start_;
  uint32_t field_ = 0;
  WireType wire_type_ = WireType::Varint;
};

// Groups nested deeper than this are refused rather than skipped.
inline constexpr int kMaxGroupDepth = 64;

}  // namespace onyxrt::format
