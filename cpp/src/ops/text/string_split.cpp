// StringSplit (20): Y = the substrings of each X element, padded with "" to the largest count
// (Y's extra last dim, 0 when X is empty or every element splits into nothing), Z = the counts.
// With a delimiter the split is Python's str.split(delimiter, maxsplit): adjacent delimiters
// delimit empty strings and "" gives one empty substring. Without one (absent or ""), runs of
// whitespace (Unicode White_Space) separate and leading / trailing whitespace is dropped, also
// from the unsplit remainder that maxsplit leaves (the spec; Python keeps its trailing space).
// A negative maxsplit means no limit, as in Python.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "base/parallel.h"
#include "ops/registry.h"
#include "ops/shape_check.h"
#include "ops/text/utf8.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 1024;  // strings per parallel chunk

// The byte length of the whitespace code point at text[pos], or 0 when there is none there.
size_t whitespace_at(std::string_view text, size_t pos) {
  const unsigned char b = static_cast<unsigned char>(text[pos]);
  if (b < 0x80) return (b == ' ' || (b >= '\t' && b <= '\r')) ? 1 : 0;
  char32_t c;
  const size_t len = utf8::decode(text, pos, c);
  if (len == 0) return 0;
  const bool space = c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
                     c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
  return space ? len : 0;
}

// Byte length of the code point at text[pos] (1 for a byte that is not valid UTF-8).
size_t char_length(std::string_view text, size_t pos) {
  char32_t c;
  const size_t len = utf8::decode(text, pos, c);
  return len == 0 ? 1 : len;
}

class StringSplit final : public OpKernel {
 public:
  explicit StringSplit(const KernelInfo& info)
      : delimiter_(info.attr_string("delimiter", "")),
        max_splits_(info.attr_int("maxsplit", -1)) {
    if (max_splits_ < 0) max_splits_ = std::numeric_limits<int64_t>::max();
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const std::string* xs = x.data<std::string>();
    const int64_t n = x.size();
    int64_t* counts = ctx.output(1, DataType::Int64, x.shape()).data<int64_t>();
    parallel_for(n, kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        int64_t count = 0;
        split(xs[i], [&](std::string_view) { ++count; });
        counts[i] = count;
      }
    });
    const int64_t width = n == 0 ? 0 : *std::max_element(counts, counts + n);
    Shape y_shape = x.shape();
    y_shape.push_back(width);
    checked_output_size(ctx, y_shape);
    std::string* ys = ctx.output(0, DataType::String, y_shape).data<std::string>();
    parallel_for(n, kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        std::string* row = ys + i * width;
        split(xs[i], [&](std::string_view piece) { (row++)->assign(piece); });
      }
    });
  }

 private:
  template <class F>
  void split(std::string_view s, F&& emit) const {
    if (delimiter_.empty()) {
      split_on_whitespace(s, emit);
      return;
    }
    size_t pos = 0;
    for (int64_t splits = 0; splits < max_splits_; ++splits) {
      const size_t found = s.find(delimiter_, pos);
      if (found == std::string_view::npos) break;
      emit(s.substr(pos, found - pos));
      pos = found + delimiter_.size();
    }
    emit(s.substr(pos));
  }

  template <class F>
  void split_on_whitespace(std::string_view s, F& emit) const {
    // The end of the last word, found with the same forward decoding as the split (invalid bytes too).
    size_t end = 0;
    for (size_t pos = 0; pos < s.size();) {
      const size_t ws = whitespace_at(s, pos);
      pos += ws ? ws : char_length(s, pos);
      if (!ws) end = pos;
    }
    size_t pos = 0;
    for (int64_t pieces = 0;; ++pieces) {
      while (pos < end) {
        const size_t ws = whitespace_at(s, pos);
        if (!ws) break;
        pos += ws;
      }
      if (pos >= end) return;
      if (pieces == max_splits_) {  // the remainder, already without trailing whitespace
        emit(s.substr(pos, end - pos));
        return;
      }
      const size_t start = pos;
      while (pos < end && !whitespace_at(s, pos)) pos += char_length(s, pos);
      emit(s.substr(start, pos - start));
    }
  }

  std::string delimiter_;
  int64_t max_splits_;
};

}  // namespace

void register_string_split(Registry& r) {
  r.add({"", "StringSplit", 20, TypeSet{DataType::String}, make_kernel<StringSplit>});
}

}  // namespace onyxrt::ops
