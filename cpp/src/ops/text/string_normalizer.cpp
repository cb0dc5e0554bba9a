// StringNormalizer (10): drops the elements of X that are stopwords, then lower- or uppercases
// the rest (case_change_action). Without is_case_sensitive, an element is compared with the
// stopwords after both are uppercased (action UPPER) or lowercased (otherwise), as onnxruntime
// does. X is [C] or [1, C]; when nothing is left, Y is [""] of shape [1] or [1, 1].
// Case mapping is Unicode's simple mapping (ops/text/unicode_case.h) whatever the locale, except
// that a Turkish or Azerbaijani locale ("tr", "az", "tr_TR.UTF-8", ...) maps i / I to dotted /
// dotless forms. Elements and stopwords that are case-mapped must be valid UTF-8.
#include <string>
#include <unordered_set>
#include <vector>

#include "base/parallel.h"
#include "ops/registry.h"
#include "ops/text/unicode_case.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 1024;  // strings per parallel chunk

enum Verdict : uint8_t { kKeep, kDrop, kInvalidUtf8 };

bool is_turkic(const std::string& locale) {
  for (const char* lang : {"tr", "az"}) {
    if (locale.compare(0, 2, lang) != 0) continue;
    if (locale.size() == 2 || locale[2] == '_' || locale[2] == '-' || locale[2] == '.') return true;
  }
  return false;
}

CaseAction parse_action(const KernelInfo& info) {
  const std::string action = info.attr_string("case_change_action", "NONE");
  if (action == "NONE") return CaseAction::None;
  if (action == "LOWER") return CaseAction::Lower;
  if (action == "UPPER") return CaseAction::Upper;
  info.fail(ErrorCode::InvalidGraph, "case_change_action '", action, "' is not one of LOWER, UPPER, NONE");
}

class StringNormalizer final : public OpKernel {
 public:
  explicit StringNormalizer(const KernelInfo& info)
      : action_(parse_action(info)),
        case_sensitive_(info.attr_int("is_case_sensitive", 0) != 0),
        compare_action_(case_sensitive_ ? CaseAction::None
                                        : (action_ == CaseAction::Upper ? CaseAction::Upper : CaseAction::Lower)),
        turkic_(is_turkic(info.attr_string("locale", ""))) {
    for (const std::string& word : info.attr_strings("stopwords")) {
      std::string key = word;
      if (compare_action_ != CaseAction::None && !change_case(word, compare_action_, turkic_, key))
        info.fail(ErrorCode::InvalidGraph, "stopword '", word, "' is not valid UTF-8 (needed to ignore its case)");
      stopwords_.insert(std::move(key));
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const bool row = x.rank() == 2;
    if (!(x.rank() == 1 || (row && x.dim(0) == 1)))
      ctx.fail(ErrorCode::InvalidArgument, "X must have shape [C] or [1, C], got ", shape_to_string(x.shape()));
    const int64_t n = x.size();
    const std::string* xs = x.data<std::string>();
    std::vector<Verdict> status(static_cast<size_t>(n));
    std::vector<std::string> mapped(static_cast<size_t>(n));
    parallel_for(n, kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
      std::string key;
      for (int64_t i = begin; i < end; ++i) status[i] = normalize(xs[i], key, mapped[i]);
    });
    std::vector<std::string> kept;
    for (int64_t i = 0; i < n; ++i) {
      if (status[i] == kInvalidUtf8)
        ctx.fail(ErrorCode::InvalidArgument, "element ", i, " of X is not valid UTF-8 (needed to change its case)");
      if (status[i] == kKeep) kept.push_back(std::move(mapped[i]));
    }
    if (kept.empty()) kept.emplace_back();
    const int64_t count = static_cast<int64_t>(kept.size());
    std::string* ys = ctx.output(0, DataType::String, row ? Shape{1, count} : Shape{count}).data<std::string>();
    for (int64_t i = 0; i < count; ++i) ys[i] = std::move(kept[i]);
  }

 private:
  // The verdict on s, and on kKeep the output string in `out`. `key` is scratch.
  Verdict normalize(const std::string& s, std::string& key, std::string& out) const {
    if (!stopwords_.empty()) {
      if (compare_action_ == CaseAction::None) {
        if (stopwords_.count(s)) return kDrop;
      } else {
        if (!change_case(s, compare_action_, turkic_, key)) return kInvalidUtf8;
        if (stopwords_.count(key)) return kDrop;
        if (action_ == compare_action_) {  // already mapped the way the output wants it
          out = std::move(key);
          return kKeep;
        }
      }
    }
    if (action_ == CaseAction::None) {
      out = s;
      return kKeep;
    }
    return change_case(s, action_, turkic_, out) ? kKeep : kInvalidUtf8;
  }

  CaseAction action_;
  bool case_sensitive_;
  CaseAction compare_action_;  // None when comparing as is
  bool turkic_;
  std::unordered_set<std::string> stopwords_;
};

}  // namespace

void register_string_normalizer(Registry& r) {
  r.add({"", "StringNormalizer", 10, TypeSet{DataType::String}, make_kernel<StringNormalizer>});
}

}  // namespace onyxrt::ops
