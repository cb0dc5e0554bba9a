#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

// A linear-time regular-expression engine for RegexFullMatch, our own because std::regex
// backtracks recursively (slow, and a long input overflows the stack) and RE2 is not a
// dependency we can ship. RE2 syntax is parsed into a small tree (regex_parser.cpp), compiled to
// a Thompson NFA program (regex_program.cpp) and run as a set simulation, a Pike VM without
// captures (regex_matcher.cpp): time O(program size x text length), memory O(program size), no
// recursion on the text. Everything works on code points (the text is UTF-8). docs/regex.md
// lists the syntax and its limits.
namespace onyxrt::ops::regex {

inline constexpr size_t kMaxInstructions = 100000;  // a larger program is refused at compile time
inline constexpr int kMaxRepeat = 1000;             // RE2's bound on {n,m}
inline constexpr int kMaxNesting = 250;  // group depth: bounds the parser's and compiler's recursion (ASan-sized frames too)

struct CharRange {
  char32_t lo, hi;  // inclusive
};

enum class Assertion : uint8_t { BeginText, EndText, BeginLine, EndLine, WordBoundary, NotWordBoundary };

enum class OpCode : uint8_t {
  Class,          // consumes a code point in ranges [a, b) of Program::ranges
  AnyChar,        // consumes any code point
  AnyNotNewline,  // consumes any code point but '\n'
  Split,          // continues at both a and b
  Jump,           // continues at a
  Assert,         // continues at the next instruction when `assertion` holds here
  Match,
};

struct Inst {
  OpCode op;
  Assertion assertion = Assertion::BeginText;
  uint32_t a = 0, b = 0;
};

struct Program {
  std::vector<Inst> insts;
  std::vector<CharRange> ranges;  // the classes' ranges, each class sorted and disjoint
  uint32_t start = 0;
  uint32_t match = 0;  // the one Match instruction
};

// Parses `pattern` (RE2 syntax, UTF-8) and compiles it. Throws Error(InvalidArgument) saying what
// is wrong and where (a code-point offset): bad syntax, constructs RE2 does not have
// (backreferences, lookaround), constructs this engine leaves out (\p classes, \C), a repeat
// count above kMaxRepeat, nesting deeper than kMaxNesting, a program above kMaxInstructions.
Program compile(std::string_view pattern);

// Runs one program over many texts; holds the scratch sets, so one Matcher per thread.
class Matcher {
 public:
  explicit Matcher(const Program& program);
  // True when the whole of `text` matches. Bytes that are not valid UTF-8 read as U+FFFD each.
  bool full_match(std::string_view text);

 private:
  // A set of instruction indices with O(1) insert, membership and clear (Briggs & Torczon).
  struct PcSet {
    std::vector<uint32_t> dense, sparse;
    uint32_t size = 0;
    bool contains(uint32_t pc) const { return sparse[pc] < size && dense[sparse[pc]] == pc; }
    void insert(uint32_t pc) { sparse[pc] = size, dense[size++] = pc; }
  };
  struct Position {
    int64_t prev, next;  // the code points either side, -1 at the ends of the text
  };
  void add_closure(PcSet& set, uint32_t pc, Position at);
  bool in_class(const Inst& inst, char32_t c) const;

  const Program& program_;
  PcSet current_, next_;
  std::vector<uint32_t> stack_;
};

}  // namespace onyxrt::ops::regex
