// TfIdfVectorizer (9): counts, per row of X ([C] is one row, [B, C] is B rows, a scalar one row of
// one token), the n-grams of the pool found in it, n from min_gram_length to max_gram_length,
// the tokens of an n-gram `skip` apart for every skip from 0 to max_skip_count (unigrams counted
// once). Each occurrence of the pool's k-th n-gram updates Y[row, ngram_indexes[k]]: TF adds 1,
// TFIDF adds weights[k], IDF sets it to weights[k] (weights default to 1). Where several n-grams
// share a coordinate, the updates happen in onnxruntime's order (skip, then start, then length),
// so IDF keeps the last one found, as onnxruntime does.
// NOTE: weights are indexed by pool n-gram as the spec says and onnxruntime does; onnx.reference
// indexes them by output coordinate (the same when ngram_indexes is 0, 1, 2, ...).
#include <algorithm>
#include <string>
#include <vector>

#include "base/parallel.h"
#include "ops/registry.h"
#include "ops/shape_check.h"
#include "ops/text/ngram_pool.h"

namespace onyxrt::ops {
namespace {

enum class Mode { TF, IDF, TFIDF };

constexpr int64_t kMaxCoordinate = int64_t{1} << 40;  // far beyond any vocabulary; keeps sizes in range

// The trie's key for an element of X: int32 widens to the pool's int64, strings are not copied.
inline int64_t token(int32_t v) { return v; }
inline int64_t token(int64_t v) { return v; }
inline const std::string& token(const std::string& v) { return v; }

Mode parse_mode(const KernelInfo& info) {
  if (!info.has_attr("mode")) info.fail(ErrorCode::InvalidGraph, "required attribute 'mode' is missing");
  const std::string mode = info.attr_string("mode", "");
  if (mode == "TF") return Mode::TF;
  if (mode == "IDF") return Mode::IDF;
  if (mode == "TFIDF") return Mode::TFIDF;
  info.fail(ErrorCode::InvalidGraph, "mode '", mode, "' is not one of TF, IDF, TFIDF");
}

std::vector<int64_t> required_list(const KernelInfo& info, const char* name) {
  std::vector<int64_t> v = info.attr_ints(name);
  if (v.empty()) info.fail(ErrorCode::InvalidGraph, "required attribute '", name, "' is missing or empty");
  return v;
}

class TfIdfVectorizer final : public OpKernel {
 public:
  explicit TfIdfVectorizer(const KernelInfo& info)
      : mode_(parse_mode(info)),
        min_n_(info.required_int("min_gram_length")),
        max_n_(info.required_int("max_gram_length")),
        max_skip_(info.required_int("max_skip_count")),
        weights_(info.attr_floats("weights")) {
    if (min_n_ < 1) info.fail(ErrorCode::InvalidGraph, "min_gram_length must be positive, got ", min_n_);
    if (max_n_ < min_n_)
      info.fail(ErrorCode::InvalidGraph, "max_gram_length (", max_n_, ") is below min_gram_length (", min_n_, ")");
    if (max_skip_ < 0) info.fail(ErrorCode::InvalidGraph, "max_skip_count must be non-negative, got ", max_skip_);
    const std::vector<int64_t> counts = required_list(info, "ngram_counts");
    const std::vector<int64_t> indexes = required_list(info, "ngram_indexes");
    for (int64_t c : indexes)
      if (c < 0 || c >= kMaxCoordinate)
        info.fail(ErrorCode::InvalidGraph, "ngram_indexes has coordinate ", c, ", outside [0, 2^40)");
    output_size_ = *std::max_element(indexes.begin(), indexes.end()) + 1;
    coordinates_ = indexes;
    if (max_n_ > static_cast<int64_t>(counts.size()))
      info.fail(ErrorCode::InvalidGraph, "max_gram_length ", max_n_, " exceeds the ", counts.size(),
                " n-gram lengths that ngram_counts describes");
    if (!weights_.empty() && weights_.size() != indexes.size())
      info.fail(ErrorCode::InvalidGraph, "weights has ", weights_.size(), " values but ngram_indexes has ",
                indexes.size(), " (one weight per n-gram)");
    const std::vector<std::string> pool_strings = info.attr_strings("pool_strings");
    const std::vector<int64_t> pool_ints = info.attr_ints("pool_int64s");
    if (pool_strings.empty() == pool_ints.empty())
      info.fail(ErrorCode::InvalidGraph, "exactly one of pool_strings and pool_int64s must be set and non-empty");
    strings_ = !pool_strings.empty();
    if (strings_) {
      load_pool(info, pool_strings, counts, string_pool_);
    } else {
      load_pool(info, pool_ints, counts, int_pool_);
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() > 2) ctx.fail(ErrorCode::InvalidArgument, "X must be [C] or [B, C], got ", shape_to_string(x.shape()));
    if (strings_ != (x.dtype() == DataType::String))
      ctx.fail(ErrorCode::InvalidArgument, "X has element type ", data_type_name(x.dtype()), " but the pool is ",
               strings_ ? "pool_strings" : "pool_int64s");
    const int64_t rows = x.rank() == 2 ? x.dim(0) : 1;
    const int64_t row_size = x.rank() == 0 ? 1 : x.dim(x.rank() - 1);
    const Shape y_shape = x.rank() == 2 ? Shape{rows, output_size_} : Shape{output_size_};
    checked_output_size(ctx, y_shape);
    float* y = ctx.output(0, DataType::Float, y_shape).data<float>();
    std::fill(y, y + rows * output_size_, 0.0f);
    const int64_t work_per_row = std::max<int64_t>(1, row_size * std::min(max_skip_ + 1, row_size));
    const int64_t grain = std::max<int64_t>(1, 4096 / work_per_row);
    parallel_for(rows, grain, ctx.threads(), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        float* out = y + r * output_size_;
        switch (x.dtype()) {
          case DataType::String:
            scan_row(string_pool_, x.data<std::string>() + r * row_size, row_size, out);
            break;
          case DataType::Int32:
            scan_row(int_pool_, x.data<int32_t>() + r * row_size, row_size, out);
            break;
          default:
            scan_row(int_pool_, x.data<int64_t>() + r * row_size, row_size, out);
            break;
        }
      }
    });
  }

 private:
  // ngram_counts[i] is where the (i + 1)-grams start in the pool; only lengths within
  // [min_gram_length, max_gram_length] are loaded, but every n-gram takes its index in order.
  template <class Token>
  void load_pool(const KernelInfo& info, const std::vector<Token>& pool, const std::vector<int64_t>& starts,
                 NgramTrie<Token>& trie) {
    const int64_t pool_size = static_cast<int64_t>(pool.size());
    size_t ngram = 0;  // the running n-gram number, an index into ngram_indexes
    for (size_t i = 0; i < starts.size(); ++i) {
      const int64_t n = static_cast<int64_t>(i) + 1;
      const int64_t begin = starts[i], end = i + 1 < starts.size() ? starts[i + 1] : pool_size;
      if (begin < 0 || end < begin || end > pool_size)
        info.fail(ErrorCode::InvalidGraph, "ngram_counts puts the ", n, "-grams at [", begin, ", ", end,
                  "), outside the pool of ", pool_size, " items or out of order");
      if ((end - begin) % n != 0)
        info.fail(ErrorCode::InvalidGraph, "the ", end - begin, " pool items of the ", n, "-grams are not whole ", n,
                  "-grams");
      for (int64_t at = begin; at < end; at += n, ++ngram) {
        if (ngram >= coordinates_.size())
          info.fail(ErrorCode::InvalidGraph, "the pool has more n-grams than ngram_indexes has coordinates (",
                    coordinates_.size(), ")");
        if (n < min_n_ || n > max_n_) continue;
        if (!trie.insert(pool.begin() + at, n, static_cast<int64_t>(ngram)))
          info.fail(ErrorCode::InvalidGraph, "the pool holds a ", n, "-gram twice (n-gram ", ngram, ")");
      }
    }
  }

  // Finds the pool's n-grams in one row and applies each occurrence to `out` (zeroed).
  template <class Token, class T>
  void scan_row(const NgramTrie<Token>& trie, const T* row, int64_t size, float* out) const {
    if (trie.empty()) return;
    int64_t shortest = min_n_;
    // Tokens further apart than the row is long form no n-gram: a huge max_skip_count costs nothing.
    const int64_t last_distance = std::min(max_skip_ + 1, std::max<int64_t>(1, size - 1));
    for (int64_t distance = 1; distance <= last_distance; ++distance) {
      for (int64_t start = 0; start + distance * (shortest - 1) < size; ++start) {
        int32_t node = NgramTrie<Token>::kRoot;
        int64_t at = start;
        for (int64_t n = 1; n <= max_n_ && at < size; ++n, at += distance) {
          node = trie.child(node, token(row[at]));
          if (node == NgramTrie<Token>::kNone) break;
          const int64_t k = trie.ngram(node);
          if (n >= shortest && k >= 0) apply(k, out);
        }
      }
      // A unigram has no skip: count unigrams in the first pass only.
      if (shortest == 1 && ++shortest > max_n_) break;
    }
  }

  void apply(int64_t k, float* out) const {
    float& y = out[coordinates_[k]];
    const float w = weights_.empty() ? 1.0f : weights_[k];
    switch (mode_) {
      case Mode::TF:
        y += 1.0f;
        break;
      case Mode::IDF:
        y = w;
        break;
      case Mode::TFIDF:
        y += w;
        break;
    }
  }

  Mode mode_;
  int64_t min_n_, max_n_, max_skip_;
  std::vector<float> weights_;
  int64_t output_size_ = 0;
  std::vector<int64_t> coordinates_;  // ngram_indexes: the output coordinate of each pool n-gram
  bool strings_ = false;
  NgramTrie<std::string> string_pool_;
  NgramTrie<int64_t> int_pool_;
};

}  // namespace

void register_tfidf_vectorizer(Registry& r) {
  const TypeSet types{DataType::String, DataType::Int32, DataType::Int64};
  r.add({"", "TfIdfVectorizer", 9, types, make_kernel<TfIdfVectorizer>});
}

}  // namespace onyxrt::ops
