#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace onyxrt {

// A read-only view of a whole file, memory-mapped. Throws Error(NoSuchFile) when the file cannot
// be opened, naming the path. Empty files map to a null view of size 0.
class MappedFile {
 public:
  static std::shared_ptr<const MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  MappedFile(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  const uint8_t* data_;
  size_t size_;
};

// Drops this process's resident copies of the whole pages inside [data, data + bytes) when they
// lie in a live file mapping (touched again, they are read back from the page cache); does
// nothing for other memory. For constants a kernel has copied into its own layout (pre-packed
// weights), so that the original and the copy are not both resident.
void release_mapped_pages(const void* data, size_t bytes);

}  // namespace onyxrt
