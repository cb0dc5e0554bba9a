// libFuzzer target: untrusted model bytes -> Session -> run() with feeds built from the declared
// inputs. Anything but an onyxrt::Error escaping (a crash, a sanitizer report, another exception
// type, a hang, an allocation past the cap) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "onyxrt/onyxrt.hpp"

namespace {

constexpr int64_t kSymbolicDim = 2;          // what a symbolic or unknown dimension is fed as
constexpr int64_t kMaxFeedElements = 1 << 16;  // a feed larger than this is not built

// A feed for a declared tensor input: symbolic dims become kSymbolicDim; small, varied values.
bool make_feed(const onyxrt::TypeInfo& type, onyxrt::Value* out) {
  if (type.kind != onyxrt::TypeInfo::Kind::Tensor) return false;
  onyxrt::Shape shape;
  int64_t elements = 1;
  for (const onyxrt::Dim& d : type.dims) {
    const int64_t n = d.is_fixed() ? d.value : kSymbolicDim;
    if (n > kMaxFeedElements || (n > 0 && elements > kMaxFeedElements / n)) return false;
    elements *= n;
    shape.push_back(n);
  }
  if (type.elem_type == onyxrt::DataType::String || type.elem_type == onyxrt::DataType::Undefined) return false;
  onyxrt::Tensor t(type.elem_type, shape);
  auto* bytes = static_cast<uint8_t*>(t.raw());
  const bool is_bool = type.elem_type == onyxrt::DataType::Bool;
  for (size_t i = 0; i < t.nbytes(); ++i)
    bytes[i] = static_cast<uint8_t>(i % 7 == 0 ? 0 : is_bool ? 1 : (i * 37) & 0x3f);
  *out = onyxrt::Value(t);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  onyxrt::SessionOptions options;
  options.intra_op_num_threads = 1;
  options.config_entries["onyxrt.max_allocation_bytes"] = std::to_string(256 << 20);
  try {
    onyxrt::Session session(data, size, options);
    std::vector<std::string> names;
    std::vector<onyxrt::Value> feeds;
    for (const onyxrt::ValueInfo& in : session.inputs()) {
      onyxrt::Value v;
      if (!make_feed(in.type, &v)) return 0;
      names.push_back(in.name);
      feeds.push_back(v);
    }
    session.run(names, feeds);
  } catch (const onyxrt::Error&) {
  }
  return 0;
}
