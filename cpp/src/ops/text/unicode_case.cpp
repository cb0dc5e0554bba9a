#include "ops/text/unicode_case.h"

#include <algorithm>
#include <iterator>

#include "ops/text/utf8.h"

namespace onyxrt::ops {
namespace {

#include "ops/text/unicode_case_table.inc"

template <size_t N>
char32_t map_with(const CaseRun (&runs)[N], char32_t cp) {
  // The last run starting at or before cp.
  const CaseRun* it = std::upper_bound(std::begin(runs), std::end(runs), cp,
                                       [](char32_t c, const CaseRun& r) { return c < r.first; });
  if (it == std::begin(runs)) return cp;
  const CaseRun& r = *(it - 1);
  if (cp > r.last || (cp - r.first) % static_cast<char32_t>(r.stride) != 0) return cp;
  return static_cast<char32_t>(static_cast<int64_t>(cp) + r.delta);
}

// Every code point that `runs` maps to `target`.
template <size_t N>
void preimages(const CaseRun (&runs)[N], char32_t target, std::vector<char32_t>& out) {
  for (const CaseRun& r : runs) {
    const int64_t source = static_cast<int64_t>(target) - r.delta;
    if (source < r.first || source > r.last || (source - r.first) % r.stride != 0) continue;
    out.push_back(static_cast<char32_t>(source));
  }
}

}  // namespace

char32_t to_lower(char32_t cp) { return map_with(kToLowerRuns, cp); }
char32_t to_upper(char32_t cp) { return map_with(kToUpperRuns, cp); }

const CaseRun* case_runs(bool upper, size_t& count) {
  count = upper ? std::size(kToUpperRuns) : std::size(kToLowerRuns);
  return upper ? kToUpperRuns : kToLowerRuns;
}

bool change_case(const std::string& text, CaseAction action, bool turkic, std::string& out) {
  out.clear();
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    char32_t cp;
    const size_t len = utf8::decode(text, pos, cp);
    if (len == 0) return false;
    pos += len;
    if (action == CaseAction::Lower) {
      cp = turkic && cp == U'I' ? U'\u0131' : to_lower(cp);
    } else if (action == CaseAction::Upper) {
      cp = turkic && cp == U'i' ? U'\u0130' : to_upper(cp);
    }
    utf8::append(out, cp);
  }
  return true;
}

std::vector<char32_t> case_orbit(char32_t cp) {
  // Dotted I and dotless i fold only under Turkic rules (CaseFolding.txt status T), so they stay
  // alone and out of i's orbit, as in RE2.
  const auto turkic_only = [](char32_t c) { return c == 0x130 || c == 0x131; };
  std::vector<char32_t> orbit{cp};
  if (turkic_only(cp)) return orbit;
  // Breadth-first over "maps to" and "is mapped from"; orbits have at most four members.
  for (size_t i = 0; i < orbit.size(); ++i) {
    std::vector<char32_t> next{to_lower(orbit[i]), to_upper(orbit[i])};
    preimages(kToLowerRuns, orbit[i], next);
    preimages(kToUpperRuns, orbit[i], next);
    for (char32_t c : next)
      if (!turkic_only(c) && std::find(orbit.begin(), orbit.end(), c) == orbit.end()) orbit.push_back(c);
  }
  std::sort(orbit.begin(), orbit.end());
  return orbit;
}

}  // namespace onyxrt::ops
