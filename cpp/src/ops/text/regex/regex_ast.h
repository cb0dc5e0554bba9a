#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "ops/text/regex/regex_program.h"

// The parse tree between regex_parser.cpp and regex_program.cpp. Flags are already applied:
// case-insensitive literals and classes are case-closed ranges, '.' and '^' / '$' are resolved
// to their single-line or multi-line forms, groups are gone (nothing is captured).
namespace onyxrt::ops::regex {

struct Node {
  enum class Kind { Empty, Class, AnyChar, AnyNotNewline, Assert, Concat, Alternate, Repeat };
  explicit Node(Kind k) : kind(k) {}

  Kind kind;
  std::vector<CharRange> ranges;  // Class: sorted, disjoint, not adjacent
  Assertion assertion = Assertion::BeginText;
  int min = 0, max = -1;  // Repeat: max -1 is unbounded
  std::vector<std::unique_ptr<Node>> children;  // Concat, Alternate; Repeat has one
};
using NodePtr = std::unique_ptr<Node>;

// Throws Error(InvalidArgument) as compile() documents.
NodePtr parse(std::string_view pattern);

}  // namespace onyxrt::ops::regex
