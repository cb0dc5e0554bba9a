// RegexFullMatch (20): Y[i] = whether all of X[i] matches `pattern` (RE2 syntax). The pattern is
// compiled once, with the session, by the engine in ops/text/regex/ (linear time, no recursion
// on the text); each thread runs its own Matcher over a chunk of the elements.
#include <string>

#include "base/parallel.h"
#include "ops/registry.h"
#include "ops/text/regex/regex_program.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 64;  // strings per parallel chunk: a match can be long, so keep it small

// Long patterns are cut in messages; the offset in the engine's message still locates the error.
std::string quoted_pattern(const std::string& pattern) {
  return "'" + (pattern.size() > 200 ? pattern.substr(0, 200) + "..." : pattern) + "'";
}

class RegexFullMatch final : public OpKernel {
 public:
  explicit RegexFullMatch(const KernelInfo& info) {
    if (!info.has_attr("pattern")) info.fail(ErrorCode::InvalidArgument, "attribute 'pattern' is missing");
    const std::string pattern = info.attr_string("pattern", "");
    try {
      program_ = regex::compile(pattern);
    } catch (const Error& e) {
      info.fail(ErrorCode::InvalidArgument, "invalid pattern ", quoted_pattern(pattern), ": ", e.what());
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0, DataType::Bool, x.shape());
    const std::string* xs = x.data<std::string>();
    bool* ys = y.data<bool>();
    parallel_for(x.size(), kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
      regex::Matcher matcher(program_);
      for (int64_t i = begin; i < end; ++i) ys[i] = matcher.full_match(xs[i]);
    });
  }

 private:
  regex::Program program_;
};

}  // namespace

void register_regex_full_match(Registry& r) {
  r.add({"", "RegexFullMatch", 20, TypeSet{DataType::String}, make_kernel<RegexFullMatch>});
}

}  // namespace onyxrt::ops
