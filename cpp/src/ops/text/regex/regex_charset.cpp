#include "ops/text/regex/regex_charset.h"

#include <algorithm>

#include "ops/text/unicode_case.h"

namespace onyxrt::ops::regex {
namespace {

constexpr char32_t kMaxCodePoint = 0x10FFFF;

bool contains(const std::vector<CharRange>& sorted, char32_t c) {
  auto it = std::upper_bound(sorted.begin(), sorted.end(), c, [](char32_t v, const CharRange& r) { return v < r.lo; });
  return it != sorted.begin() && c <= (it - 1)->hi;
}

struct NamedClass {
  std::u32string_view name;
  std::vector<CharRange> ranges;
};

const std::vector<NamedClass>& posix_classes() {
  static const std::vector<NamedClass> classes = {
      {U"alnum", {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}}},
      {U"alpha", {{'A', 'Z'}, {'a', 'z'}}},
      {U"ascii", {{0, 0x7F}}},
      {U"blank", {{'\t', '\t'}, {' ', ' '}}},
      {U"cntrl", {{0, 0x1F}, {0x7F, 0x7F}}},
      {U"digit", {{'0', '9'}}},
      {U"graph", {{'!', '~'}}},
      {U"lower", {{'a', 'z'}}},
      {U"print", {{' ', '~'}}},
      {U"punct", {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}}},
      {U"space", {{'\t', '\r'}, {' ', ' '}}},
      {U"upper", {{'A', 'Z'}}},
      {U"word", {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}},
      {U"xdigit", {{'0', '9'}, {'A', 'F'}, {'a', 'f'}}},
  };
  return classes;
}

}  // namespace

std::vector<CharRange> CharSet::normalized() const {
  std::vector<CharRange> sorted = ranges_;
  std::sort(sorted.begin(), sorted.end(), [](const CharRange& a, const CharRange& b) { return a.lo < b.lo; });
  std::vector<CharRange> out;
  for (const CharRange& r : sorted) {
    if (!out.empty() && r.lo <= out.back().hi + 1) {
      out.back().hi = std::max(out.back().hi, r.hi);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

void CharSet::negate() {
  std::vector<CharRange> complement;
  char32_t next = 0;
  bool done = false;
  for (const CharRange& r : normalized()) {
    if (r.lo > next) complement.push_back({next, r.lo - 1});
    if (r.hi >= kMaxCodePoint) {
      done = true;
      break;
    }
    next = r.hi + 1;
  }
  if (!done) complement.push_back({next, kMaxCodePoint});
  ranges_ = std::move(complement);
}

void CharSet::close_under_case() {
  const std::vector<CharRange> before = normalized();
  // Every code point with a case partner appears in the case tables, so walking them (a few
  // thousand) finds all partners of members without walking the (possibly huge) ranges.
  for_each_cased([&](char32_t c) {
    if (!contains(before, c)) return;
    for (char32_t other : case_orbit(c)) add(other, other);
  });
}

bool perl_class(char32_t letter, CharSet& out) {
  switch (letter) {
    case 'd':
      out.add('0', '9');
      return true;
    case 's':  // RE2's \s: no vertical tab
      out.add('\t', '\n'), out.add('\f', '\r'), out.add(' ', ' ');
      return true;
    case 'w':
      out.add('0', '9'), out.add('A', 'Z'), out.add('_', '_'), out.add('a', 'z');
      return true;
    default:
      return false;
  }
}

bool posix_class(std::u32string_view name, CharSet& out) {
  for (const NamedClass& c : posix_classes()) {
    if (c.name != name) continue;
    for (const CharRange& r : c.ranges) out.add(r.lo, r.hi);
    return true;
  }
  return false;
}

}  // namespace onyxrt::ops::regex
