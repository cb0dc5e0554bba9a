#pragma once

#include <string>
#include <vector>

// Unicode simple case mapping, one code point to one code point, locale-independent except for
// the Turkic dotted/dotless i. Shared by StringNormalizer (LOWER / UPPER) and the regex
// compiler's case-insensitive mode. Data: unicode_case_table.inc.
namespace onyxrt::ops {

enum class CaseAction { None, Lower, Upper };

char32_t to_lower(char32_t cp);
char32_t to_upper(char32_t cp);

// Maps every code point of valid UTF-8 `text`; false (out unspecified) when `text` is not valid
// UTF-8. `turkic` applies the tr / az rules: I <-> dotless i, dotted I <-> i.
bool change_case(const std::string& text, CaseAction action, bool turkic, std::string& out);

// The code points equal to `cp` ignoring case (its simple case-folding orbit: k, K and the
// Kelvin sign; s, S and the long s), `cp` included; sorted.
std::vector<char32_t> case_orbit(char32_t cp);

// Calls f(cp) for every code point that has a lower- or uppercase mapping, ascending within each
// table (a code point may be visited twice). Lets a caller close a large set under case without
// walking all of Unicode.
template <class F>
void for_each_cased(F&& f);

// ---- implementation of the template ----

struct CaseRun {
  char32_t first, last;
  int delta;
  int stride;
};
const CaseRun* case_runs(bool upper, size_t& count);

template <class F>
void for_each_cased(F&& f) {
  for (bool upper : {false, true}) {
    size_t count = 0;
    const CaseRun* runs = case_runs(upper, count);
    for (size_t i = 0; i < count; ++i)
      for (char32_t cp = runs[i].first; cp <= runs[i].last; cp += static_cast<char32_t>(runs[i].stride)) f(cp);
  }
}

}  // namespace onyxrt::ops
