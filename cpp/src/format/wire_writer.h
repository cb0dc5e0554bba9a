#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace onyxrt::format {

// Builds one protobuf message, the mirror of WireReader. Small fields are copied into owned
// bytes; payloads of kBorrowBytes or more (raw_data) are only referenced, so a model with
// gigabytes of weights is encoded without copying them: the caller keeps what was borrowed alive
// until the bytes are written out. A nested message is built in its own writer and then spliced
// in with message(): its length is known by then, and its pieces move rather than copy.
class WireWriter {
 public:
  static constexpr size_t kBorrowBytes = 4096;

  // int32 / int64 / enum / bool fields (negative values take 10 bytes, as protobuf sign-extends).
  void varint(uint32_t field, int64_t value);
  void float32(uint32_t field, float value);
  void float64(uint32_t field, double value);
  void bytes(uint32_t field, const void* data, size_t size);
  void string(uint32_t field, const std::string& text) { bytes(field, text.data(), text.size()); }
  void message(uint32_t field, WireWriter&& nested);

  // Repeated scalars as one packed run (parsers accept packed runs for proto2 fields too); an
  // empty list writes nothing.
  void packed_varints(uint32_t field, const std::vector<int64_t>& values);
  void packed_floats(uint32_t field, const std::vector<float>& values);

  // Total encoded size in bytes.
  size_t size() const { return size_; }
  // The encoded bytes, appended to `out` (copies what was borrowed).
  void append_to(std::string& out) const;
  // Calls sink(data, size) for each run of bytes in order.
  template <typename Sink>
  void for_each_piece(Sink&& sink) const {
    for (const Piece& p : pieces_) {
      if (p.borrowed != nullptr)
        sink(p.borrowed, p.size);
      else
        sink(reinterpret_cast<const uint8_t*>(owned_[p.owned].data()), owned_[p.owned].size());
    }
  }

 private:
  // Either a reference into owned_ or a borrowed span.
  struct Piece {
    size_t owned = 0;
    const uint8_t* borrowed = nullptr;
    size_t size = 0;
  };

  std::string& tail();  // the owned piece that small writes append to
  void tag(uint32_t field, uint32_t wire_type);
  void raw_varint(uint64_t value);

  std::vector<Piece> pieces_;
  std::vector<std::string> owned_;
  size_t size_ = 0;
};

}  // namespace onyxrt::format
