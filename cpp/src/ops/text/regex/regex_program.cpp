// Parse tree -> Thompson NFA program. Counted repetitions are unrolled (x{2,4} = x x (x (x)?)?),
// so the program size is bounded up front by refusing programs above kMaxInstructions; a budget
// on compile steps also bounds nested repetitions of empty-width pieces, which emit nothing.
#include <unordered_map>

#include "base/error.h"
#include "ops/text/regex/regex_ast.h"

namespace onyxrt::ops::regex {
namespace {

constexpr size_t kMaxCompileSteps = 10 * kMaxInstructions;

class Compiler {
 public:
  Program compile(const Node& root) {
    program_.start = 0;
    emit_tree(root);
    program_.match = emit({OpCode::Match});
    return std::move(program_);
  }

 private:
  [[noreturn]] void too_large() const {
    fail(ErrorCode::InvalidArgument, "the pattern is too large: it compiles to more than ", kMaxInstructions,
         " instructions (counted repetitions are unrolled)");
  }

  uint32_t emit(Inst inst) {
    if (program_.insts.size() >= kMaxInstructions) too_large();
    program_.insts.push_back(inst);
    return static_cast<uint32_t>(program_.insts.size() - 1);
  }
  uint32_t next_pc() const { return static_cast<uint32_t>(program_.insts.size()); }

  void emit_tree(const Node& n) {
    if (++steps_ > kMaxCompileSteps) too_large();
    switch (n.kind) {
      case Node::Kind::Empty:
        return;
      case Node::Kind::Class:
        emit_class(n);
        return;
      case Node::Kind::AnyChar:
        emit({OpCode::AnyChar});
        return;
      case Node::Kind::AnyNotNewline:
        emit({OpCode::AnyNotNewline});
        return;
      case Node::Kind::Assert:
        emit({OpCode::Assert, n.assertion});
        return;
      case Node::Kind::Concat:
        for (const auto& child : n.children) emit_tree(*child);
        return;
      case Node::Kind::Alternate:
        emit_alternation(n);
        return;
      case Node::Kind::Repeat:
        emit_repeat(n);
        return;
    }
  }

  // An unrolled repetition emits the same class many times; its ranges are stored once.
  void emit_class(const Node& n) {
    auto found = class_ranges_.find(&n);
    if (found == class_ranges_.end()) {
      const uint32_t begin = static_cast<uint32_t>(program_.ranges.size());
      program_.ranges.insert(program_.ranges.end(), n.ranges.begin(), n.ranges.end());
      found = class_ranges_.emplace(&n, std::make_pair(begin, static_cast<uint32_t>(program_.ranges.size()))).first;
    }
    emit({OpCode::Class, Assertion::BeginText, found->second.first, found->second.second});
  }

  // split L1, S2; L1: a1; jmp end; S2: split L2, S3; L2: a2; jmp end; ... Ln: an; end:
  void emit_alternation(const Node& n) {
    std::vector<uint32_t> jumps;
    for (size_t i = 0; i < n.children.size(); ++i) {
      const bool last = i + 1 == n.children.size();
      uint32_t split = 0;
      if (!last) split = emit({OpCode::Split});
      if (!last) program_.insts[split].a = next_pc();
      emit_tree(*n.children[i]);
      if (!last) {
        jumps.push_back(emit({OpCode::Jump}));
        program_.insts[split].b = next_pc();
      }
    }
    for (uint32_t j : jumps) program_.insts[j].a = next_pc();
  }

  void emit_repeat(const Node& n) {
    const Node& body = *n.children[0];
    const int required = n.max < 0 && n.min > 0 ? n.min - 1 : n.min;
    for (int i = 0; i < required; ++i) emit_tree(body);
    if (n.max < 0) {
      if (n.min > 0) {  // L: body; split L, out
        const uint32_t loop = next_pc();
        emit_tree(body);
        emit({OpCode::Split, Assertion::BeginText, loop, next_pc() + 1});
      } else {  // L: split B, out; B: body; jmp L; out:
        const uint32_t split = emit({OpCode::Split});
        program_.insts[split].a = next_pc();
        emit_tree(body);
        emit({OpCode::Jump, Assertion::BeginText, split});
        program_.insts[split].b = next_pc();
      }
      return;
    }
    // Optional copies nest: split B1, out; B1: body; split B2, out; B2: body; ... out:
    std::vector<uint32_t> splits;
    for (int i = n.min; i < n.max; ++i) {
      splits.push_back(emit({OpCode::Split}));
      program_.insts[splits.back()].a = next_pc();
      emit_tree(body);
    }
    for (uint32_t s : splits) program_.insts[s].b = next_pc();
  }

  Program program_;
  size_t steps_ = 0;
  std::unordered_map<const Node*, std::pair<uint32_t, uint32_t>> class_ranges_;
};

}  // namespace

Program compile(std::string_view pattern) {
  const NodePtr tree = parse(pattern);
  return Compiler().compile(*tree);
}

}  // namespace onyxrt::ops::regex
