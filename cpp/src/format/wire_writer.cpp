#include "format/wire_writer.h"

#include <cstring>

namespace onyxrt::format {

// Fixed-width values are written with memcpy: little-endian hosts only, as the reader.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the wire writer assumes a little-endian host");

namespace {
constexpr uint32_t kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5;

size_t varint_size(uint64_t value) {
  size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}
}  // namespace

std::string& WireWriter::tail() {
  if (pieces_.empty() || pieces_.back().borrowed != nullptr) {
    owned_.emplace_back();
    pieces_.push_back({owned_.size() - 1, nullptr, 0});
  }
  return owned_[pieces_.back().owned];
}

void WireWriter::raw_varint(uint64_t value) {
  std::string& out = tail();
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));  // callers count the size: they know the value
}

void WireWriter::tag(uint32_t field, uint32_t wire_type) {
  const uint64_t key = (static_cast<uint64_t>(field) << 3) | wire_type;
  raw_varint(key);
  size_ += varint_size(key);
}

void WireWriter::varint(uint32_t field, int64_t value) {
  tag(field, kVarint);
  raw_varint(static_cast<uint64_t>(value));
  size_ += varint_size(static_cast<uint64_t>(value));
}

void WireWriter::float32(uint32_t field, float value) {
  tag(field, kFixed32);
  char bytes[4];
  std::memcpy(bytes, &value, 4);
  tail().append(bytes, 4);
  size_ += 4;
}

void WireWriter::float64(uint32_t field, double value) {
  tag(field, kFixed64);
  char bytes[8];
  std::memcpy(bytes, &value, 8);
  tail().append(bytes, 8);
  size_ += 8;
}

void WireWriter::bytes(uint32_t field, const void* data, size_t size) {
  tag(field, kLengthDelimited);
  raw_varint(size);
  size_ += varint_size(size) + size;
  if (size >= kBorrowBytes) {
    pieces_.push_back({0, static_cast<const uint8_t*>(data), size});
  } else if (size > 0) {
    tail().append(static_cast<const char*>(data), size);
  }
}

void WireWriter::message(uint32_t field, WireWriter&& nested) {
  tag(field, kLengthDelimited);
  raw_varint(nested.size_);
  size_ += varint_size(nested.size_) + nested.size_;
  for (Piece& p : nested.pieces_) {
    if (p.borrowed != nullptr) {
      pieces_.push_back(p);
    } else {
      owned_.push_back(std::move(nested.owned_[p.owned]));
      pieces_.push_back({owned_.size() - 1, nullptr, 0});
    }
  }
  nested = WireWriter();
}

void WireWriter::packed_varints(uint32_t field, const std::vector<int64_t>& values) {
  if (values.empty()) return;
  size_t length = 0;
  for (int64_t v : values) length += varint_size(static_cast<uint64_t>(v));
  tag(field, kLengthDelimited);
  raw_varint(length);
  size_ += varint_size(length) + length;
  for (int64_t v : values) raw_varint(static_cast<uint64_t>(v));
}

void WireWriter::packed_floats(uint32_t field, const std::vector<float>& values) {
  if (values.empty()) return;
  const size_t length = values.size() * sizeof(float);
  tag(field, kLengthDelimited);
  raw_varint(length);
  size_ += varint_size(length) + length;
  tail().append(reinterpret_cast<const char*>(values.data()), length);
}

void WireWriter::append_to(std::string& out) const {
  out.reserve(out.size() + size_);
  for_each_piece([&](const uint8_t* data, size_t size) { out.append(reinterpret_cast<const char*>(data), size); });
}

}  // namespace onyxrt::format
