#pragma once

#include <string_view>
#include <vector>

#include "ops/text/regex/regex_program.h"

// Sets of code points as ranges, for the regex parser: building, normalizing, complementing,
// closing under case, and the named classes (\d \w \s, [:alpha:] ...), all ASCII as in RE2.
namespace onyxrt::ops::regex {

class CharSet {
 public:
  void add(char32_t lo, char32_t hi) { ranges_.push_back({lo, hi}); }
  void add(const CharSet& other) { ranges_.insert(ranges_.end(), other.ranges_.begin(), other.ranges_.end()); }
  // Adds every code point equal to one of the set's ignoring case.
  void close_under_case();
  void negate();  // the complement within [0, U+10FFFF]
  // Sorted, disjoint, adjacent ranges merged.
  std::vector<CharRange> normalized() const;

 private:
  std::vector<CharRange> ranges_;
};

// \d \s \w by their letter (lower case; the caller negates for \D \S \W). False for other letters.
bool perl_class(char32_t letter, CharSet& out);
// [:alpha:] and the other POSIX names (the name without the colons). False for an unknown name.
bool posix_class(std::u32string_view name, CharSet& out);

}  // namespace onyxrt::ops::regex
