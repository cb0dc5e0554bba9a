// The set simulation: all NFA threads advance together one code point at a time, each
// instruction at most once per step, so time is O(program size x text length). Epsilon closures
// use an explicit stack, never the call stack.
#include <algorithm>
#include <utility>

#include "ops/text/regex/regex_program.h"
#include "ops/text/utf8.h"

namespace onyxrt::ops::regex {
namespace {

bool is_word(int64_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

// The code point at `pos` and its byte length (0 at the end of the text).
size_t read_char(std::string_view text, size_t pos, int64_t& c) {
  if (pos >= text.size()) {
    c = -1;
    return 0;
  }
  char32_t cp;
  const size_t len = utf8::decode(text, pos, cp);
  c = cp;
  return len == 0 ? 1 : len;
}

}  // namespace

Matcher::Matcher(const Program& program) : program_(program) {
  const size_t n = program.insts.size();
  for (PcSet* s : {&current_, &next_}) s->dense.resize(n), s->sparse.resize(n);
  stack_.reserve(2 * n);
}

bool Matcher::in_class(const Inst& inst, char32_t c) const {
  const CharRange* begin = program_.ranges.data() + inst.a;
  const CharRange* end = program_.ranges.data() + inst.b;
  if (end - begin <= 8) {
    for (const CharRange* r = begin; r != end; ++r)
      if (c >= r->lo && c <= r->hi) return true;
    return false;
  }
  const CharRange* it = std::upper_bound(begin, end, c, [](char32_t v, const CharRange& r) { return v < r.lo; });
  return it != begin && c <= (it - 1)->hi;
}

void Matcher::add_closure(PcSet& set, uint32_t pc, Position at) {
  stack_.clear();
  stack_.push_back(pc);
  while (!stack_.empty()) {
    pc = stack_.back();
    stack_.pop_back();
    if (set.contains(pc)) continue;
    set.insert(pc);
    const Inst& inst = program_.insts[pc];
    switch (inst.op) {
      case OpCode::Jump:
        stack_.push_back(inst.a);
        break;
      case OpCode::Split:
        stack_.push_back(inst.b);
        stack_.push_back(inst.a);
        break;
      case OpCode::Assert: {
        bool holds = false;
        switch (inst.assertion) {
          case Assertion::BeginText:
            holds = at.prev < 0;
            break;
          case Assertion::EndText:
            holds = at.next < 0;
            break;
          case Assertion::BeginLine:
            holds = at.prev < 0 || at.prev == '\n';
            break;
          case Assertion::EndLine:
            holds = at.next < 0 || at.next == '\n';
            break;
          case Assertion::WordBoundary:
            holds = is_word(at.prev) != is_word(at.next);
            break;
          case Assertion::NotWordBoundary:
            holds = is_word(at.prev) == is_word(at.next);
            break;
        }
        if (holds) stack_.push_back(pc + 1);
        break;
      }
      default:  // consuming instructions and Match wait in the set for the next step
        break;
    }
  }
}

bool Matcher::full_match(std::string_view text) {
  int64_t c;
  size_t len = read_char(text, 0, c);
  current_.size = 0;
  add_closure(current_, program_.start, {-1, c});
  size_t pos = 0;
  while (len != 0) {
    if (current_.size == 0) return false;
    int64_t following;
    const size_t following_len = read_char(text, pos + len, following);
    const Position after{c, following};
    next_.size = 0;
    for (uint32_t i = 0; i < current_.size; ++i) {
      const uint32_t pc = current_.dense[i];
      const Inst& inst = program_.insts[pc];
      bool advances = false;
      switch (inst.op) {
        case OpCode::Class:
          advances = in_class(inst, static_cast<char32_t>(c));
          break;
        case OpCode::AnyChar:
          advances = true;
          break;
        case OpCode::AnyNotNewline:
          advances = c != '\n';
          break;
        default:
          break;
      }
      if (advances) add_closure(next_, pc + 1, after);
    }
    std::swap(current_, next_);
    pos += len;
    c = following;
    len = following_len;
  }
  return current_.contains(program_.match);
}

}  // namespace onyxrt::ops::regex
