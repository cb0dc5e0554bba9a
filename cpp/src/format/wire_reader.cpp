#include "format/wire_reader.h"

#include <cstring>
#include <type_traits>

namespace onyxrt::format {

// Fixed-width protobuf values and raw_data are little-endian; reading them with memcpy is only
// right on a little-endian host (every target this project builds for).
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the wire reader assumes a little-endian host");

const char* wire_type_name(WireType type) {
  switch (type) {
    case WireType::Varint: return "varint";
    case WireType::Fixed64: return "fixed64";
    case WireType::LengthDelimited: return "length-delimited";
    case WireType::StartGroup: return "start-group";
    case WireType::EndGroup: return "end-group";
    case WireType::Fixed32: return "fixed32";
  }
  return "unknown";
}

WireReader::WireReader(const uint8_t* data, size_t size, const char* message, const uint8_t* origin)
    : pos_(data), end_(data + size), origin_(origin ? origin : data), message_(message), tag_start_(data) {}

uint64_t WireReader::take_varint(const char* name) {
  uint64_t value = 0;
  const uint8_t* start = pos_;
  for (int i = 0; i < 10; ++i) {
    if (pos_ == end_) {
      pos_ = start;
      fail_field(name, "varint is truncated by the end of the message");
    }
    uint8_t byte = *pos_++;
    if (i == 9 && byte > 1) {
      pos_ = start;
      if (byte & 0x80) fail_field(name, "varint is longer than 10 bytes");
      fail_field(name, "varint overflows 64 bits");
    }
    value |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) return value;
  }
  return value;  // unreachable: the tenth byte either ends the varint or fails above
}

ByteSpan WireReader::take_span(const char* name) {
  uint64_t length = take_varint(name);
  if (length > remaining())
    fail_field(name, "length ", length, " runs past the end of the message (", remaining(), " bytes left)");
  ByteSpan span{pos_, static_cast<size_t>(length)};
  pos_ += length;
  return span;
}

bool WireReader::next() {
  if (pos_ == end_) return false;
  tag_start_ = pos_;
  uint64_t tag = take_varint("tag");
  if (tag > UINT32_MAX) {
    pos_ = tag_start_;
    fail_field("tag", "tag ", tag, " does not fit in 32 bits");
  }
  uint32_t type = static_cast<uint32_t>(tag & 7);
  field_ = static_cast<uint32_t>(tag >> 3);
  if (field_ == 0) {
    pos_ = tag_start_;
    fail_field("tag", "field number 0 is invalid (wire type ", type, ")");
  }
  if (type > 5) {
    pos_ = tag_start_;
    fail_field("tag", "field ", field_, " has invalid wire type ", type);
  }
  wire_type_ = static_cast<WireType>(type);
  if (wire_type_ == WireType::EndGroup) {
    pos_ = tag_start_;
    fail_field("tag", "end-group for field ", field_, " without a matching start-group");
  }
  return true;
}

void WireReader::expect(WireType wanted, const char* name) const {
  if (wire_type_ != wanted)
    fail(ErrorCode::InvalidProtobuf, message_, ".", name, ": wire type ", wire_type_name(wire_type_), " where ",
         wire_type_name(wanted), " was expected (field ", field_, " at byte ", field_offset(), ")");
}

uint64_t WireReader::read_varint(const char* name) {
  expect(WireType::Varint, name);
  return take_varint(name);
}

float WireReader::read_float(const char* name) {
  expect(WireType::Fixed32, name);
  if (remaining() < 4) fail_field(name, "fixed32 is truncated by the end of the message");
  float value;
  std::memcpy(&value, pos_, 4);
  pos_ += 4;
  return value;
}

double WireReader::read_double(const char* name) {
  expect(WireType::Fixed64, name);
  if (remaining() < 8) fail_field(name, "fixed64 is truncated by the end of the message");
  double value;
  std::memcpy(&value, pos_, 8);
  pos_ += 8;
  return value;
}

ByteSpan WireReader::read_bytes(const char* name) {
  expect(WireType::LengthDelimited, name);
  return take_span(name);
}

std::string WireReader::read_string(const char* name) {
  ByteSpan span = read_bytes(name);
  return std::string(reinterpret_cast<const char*>(span.data), span.size);
}

WireReader WireReader::read_message(const char* name, const char* message_type) {
  ByteSpan span = read_bytes(name);
  return WireReader(span.data, span.size, message_type, origin_);
}

template <typename T>
void WireReader::read_fixed_repeated(const char* name, std::vector<T>& out, WireType single) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8);
  if (wire_type_ == single) {
    if (remaining() < sizeof(T)) fail_field(name, wire_type_name(single), " is truncated by the end of the message");
    T value;
    std::memcpy(&value, pos_, sizeof(T));
    pos_ += sizeof(T);
    out.push_back(value);
    return;
  }
  expect(WireType::LengthDelimited, name);
  const uint8_t* start = pos_;
  ByteSpan span = take_span(name);
  if (span.size % sizeof(T) != 0) {
    pos_ = start;
    fail_field(name, "packed length ", span.size, " is not a multiple of ", sizeof(T));
  }
  size_t count = span.size / sizeof(T);
  size_t old = out.size();
  out.resize(old + count);
  if (count > 0) std::memcpy(out.data() + old, span.data, span.size);
}

template <typename T>
void WireReader::read_varint_repeated(const char* name, std::vector<T>& out) {
  // Through the unsigned type so that the truncation of a sign-extended int32 is well defined.
  auto narrow = [](uint64_t v) { return static_cast<T>(static_cast<std::make_unsigned_t<T>>(v)); };
  if (wire_type_ == WireType::Varint) {
    out.push_back(narrow(take_varint(name)));
    return;
  }
  expect(WireType::LengthDelimited, name);
  ByteSpan span = take_span(name);
  // Each varint ends at a byte without the continuation bit: counting those sizes the output
  // exactly from bytes that are really there.
  size_t count = 0;
  for (size_t i = 0; i < span.size; ++i) count += (span.data[i] & 0x80) == 0;
  out.reserve(out.size() + count);
  WireReader packed(span.data, span.size, message_, origin_);
  while (packed.pos_ != packed.end_) out.push_back(narrow(packed.take_varint(name)));
}

void WireReader::read_repeated(const char* name, std::vector<int64_t>& out) {
  read_varint_repeated(name, out);
}
void WireReader::read_repeated(const char* name, std::vector<uint64_t>& out) {
  read_varint_repeated(name, out);
}
void WireReader::read_repeated(const char* name, std::vector<int32_t>& out) {
  read_varint_repeated(name, out);
}
void WireReader::read_repeated(const char* name, std::vector<float>& out) {
  read_fixed_repeated(name, out, WireType::Fixed32);
}
void WireReader::read_repeated(const char* name, std::vector<double>& out) {
  read_fixed_repeated(name, out, WireType::Fixed64);
}

void WireReader::skip_value(WireType type, const char* name) {
  switch (type) {
    case WireType::Varint: take_varint(name); return;
    case WireType::Fixed64:
      if (remaining() < 8) fail_field(name, "fixed64 is truncated by the end of the message");
      pos_ += 8;
      return;
    case WireType::Fixed32:
      if (remaining() < 4) fail_field(name, "fixed32 is truncated by the end of the message");
      pos_ += 4;
      return;
    case WireType::LengthDelimited: take_span(name); return;
    case WireType::StartGroup:
    case WireType::EndGroup: break;  // handled by skip_group
  }
}

// A group has no length: its end is the matching end-group tag, so skipping one means reading
// through its fields. Nested groups are tracked on an explicit, bounded stack.
void WireReader::skip_group(uint32_t group_field) {
  std::vector<uint32_t> open{group_field};
  while (!open.empty()) {
    if (pos_ == end_) fail_field("group", "group for field ", open.back(), " is not closed before the end");
    const uint8_t* tag_at = pos_;
    uint64_t tag = take_varint("group tag");
    uint32_t type = static_cast<uint32_t>(tag & 7);
    uint64_t number = tag >> 3;
    if (tag > UINT32_MAX || number == 0 || type > 5) {
      pos_ = tag_at;
      fail_field("group", "invalid tag ", tag, " inside group for field ", open.back());
    }
    if (type == static_cast<uint32_t>(WireType::StartGroup)) {
      if (open.size() >= static_cast<size_t>(kMaxGroupDepth))
        fail_field("group", "groups nested deeper than ", kMaxGroupDepth);
      open.push_back(static_cast<uint32_t>(number));
    } else if (type == static_cast<uint32_t>(WireType::EndGroup)) {
      if (number != open.back()) {
        pos_ = tag_at;
        fail_field("group", "end-group for field ", number, " closes a group for field ", open.back());
      }
      open.pop_back();
    } else {
      skip_value(static_cast<WireType>(type), "group member");
    }
  }
}

void WireReader::skip() {
  std::string name = "field " + std::to_string(field_);
  if (wire_type_ == WireType::StartGroup)
    skip_group(field_);
  else
    skip_value(wire_type_, name.c_str());
}

}  // namespace onyxrt::format
