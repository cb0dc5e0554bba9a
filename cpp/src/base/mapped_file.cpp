#include "base/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>

#include "base/error.h"

namespace onyxrt {
namespace {

// The live mappings (start -> size), for release_mapped_pages to tell mapped memory from other.
std::mutex& mappings_mutex() {
  static std::mutex m;
  return m;
}
std::map<const uint8_t*, size_t>& live_mappings() {
  static std::map<const uint8_t*, size_t> m;
  return m;
}

}  // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(ErrorCode::NoSuchFile, "cannot open file '", path, "': ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(ErrorCode::NoSuchFile, "'", path, "' is not a regular file");
  }
  size_t size = static_cast<size_t>(st.st_size);
  void* p = nullptr;
  if (size > 0) {
    p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      fail(ErrorCode::NoSuchFile, "cannot map file '", path, "': ", std::strerror(err));
    }
  }
  ::close(fd);
  if (p != nullptr) {
    std::lock_guard<std::mutex> lock(mappings_mutex());
    live_mappings()[static_cast<const uint8_t*>(p)] = size;
  }
  return std::shared_ptr<const MappedFile>(new MappedFile(static_cast<const uint8_t*>(p), size));
}

MappedFile::~MappedFile() {
  if (data_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mappings_mutex());
    live_mappings().erase(data_);
  }
  ::munmap(const_cast<uint8_t*>(data_), size_);
}

void release_mapped_pages(const void* data, size_t bytes) {
  const auto* begin = static_cast<const uint8_t*>(data);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (begin == nullptr || bytes == 0 || page_size <= 0) return;
  const uintptr_t page = static_cast<uintptr_t>(page_size);
  const uintptr_t first = (reinterpret_cast<uintptr_t>(begin) + page - 1) / page * page;
  const uintptr_t last = (reinterpret_cast<uintptr_t>(begin) + bytes) / page * page;
  if (first >= last) return;
  std::lock_guard<std::mutex> lock(mappings_mutex());
  auto it = live_mappings().upper_bound(begin);
  if (it == live_mappings().begin()) return;
  --it;
  if (begin + bytes > it->first + it->second) return;  // not inside one mapping
  // A private read-only file mapping never written: dropped pages come back from the file.
  ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace onyxrt
