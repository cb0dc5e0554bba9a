// RE2 syntax -> parse tree: a recursive-descent parser whose recursion follows group nesting
// only (bounded by kMaxNesting); concatenations and alternations are flat lists.
#include <string>

#include "base/error.h"
#include "ops/text/regex/regex_ast.h"
#include "ops/text/regex/regex_charset.h"
#include "ops/text/unicode_case.h"
#include "ops/text/utf8.h"

namespace onyxrt::ops::regex {
namespace {

struct Flags {
  bool fold_case = false;   // i
  bool multi_line = false;  // m: ^ and $ also at line breaks
  bool dot_nl = false;      // s: . also matches \n
  bool ungreedy = false;    // U: swaps greedy and lazy; a full match does not care, kept for syntax
};

bool is_ascii_word(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

int hex_value(char32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}

std::string to_utf8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) utf8::append(out, c);
  return out;
}

std::string char_text(char32_t c) { return to_utf8(std::u32string_view(&c, 1)); }

NodePtr make(Node::Kind kind) { return std::make_unique<Node>(kind); }

NodePtr make_class(const CharSet& set) {
  NodePtr n = make(Node::Kind::Class);
  n->ranges = set.normalized();
  return n;
}

NodePtr make_assert(Assertion a) {
  NodePtr n = make(Node::Kind::Assert);
  n->assertion = a;
  return n;
}

class Parser {
 public:
  explicit Parser(std::string_view pattern) {
    for (size_t pos = 0; pos < pattern.size();) {
      char32_t c;
      const size_t len = utf8::decode(pattern, pos, c);
      if (len == 0) fail_at(text_.size(), "the pattern is not valid UTF-8");
      text_ += c;
      pos += len;
    }
  }

  NodePtr parse() {
    Flags flags;
    NodePtr tree = alternation(flags, 0);
    if (more()) fail("unmatched ')'");  // alternation stops only at the end or at ')'
    return tree;
  }

 private:
  bool more() const { return pos_ < text_.size(); }
  char32_t peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : 0; }
  bool looking_at(std::u32string_view s) const { return text_.compare(pos_, s.size(), s) == 0; }

  template <class... Parts>
  [[noreturn]] void fail_at(size_t at, Parts&&... parts) const {
    onyxrt::fail(ErrorCode::InvalidArgument, std::forward<Parts>(parts)..., " at offset ", at);
  }
  template <class... Parts>
  [[noreturn]] void fail(Parts&&... parts) const {
    fail_at(pos_, std::forward<Parts>(parts)...);
  }

  NodePtr alternation(Flags& flags, int depth) {
    std::vector<NodePtr> alternatives;
    alternatives.push_back(concatenation(flags, depth));
    while (more() && peek() == '|') {
      ++pos_;
      alternatives.push_back(concatenation(flags, depth));
    }
    if (alternatives.size() == 1) return std::move(alternatives[0]);
    NodePtr n = make(Node::Kind::Alternate);
    n->children = std::move(alternatives);
    return n;
  }

  NodePtr concatenation(Flags& flags, int depth) {
    std::vector<NodePtr> items;
    while (more() && peek() != '|' && peek() != ')') {
      if (looking_at(U"\\Q")) {
        quoted_literals(flags, items);
        continue;
      }
      NodePtr item = atom(flags, depth);
      if (!item) continue;  // a flag group such as (?i) changes flags and matches nothing
      items.push_back(repetitions(std::move(item)));
    }
    if (items.empty()) return make(Node::Kind::Empty);
    if (items.size() == 1) return std::move(items[0]);
    NodePtr n = make(Node::Kind::Concat);
    n->children = std::move(items);
    return n;
  }

  // \Q...\E (the \E optional at the end): literal text, backslashes included. A following
  // repetition applies to its last character, or to what precedes an empty \Q\E, as in RE2.
  void quoted_literals(const Flags& flags, std::vector<NodePtr>& items) {
    pos_ += 2;
    while (more() && !looking_at(U"\\E")) items.push_back(literal(text_[pos_++], flags));
    if (looking_at(U"\\E")) pos_ += 2;
    if (!items.empty()) items.back() = repetitions(std::move(items.back()));
  }

  // {n}, {n,}, {n,m} at pos_: true and the bounds (pos_ moved past it), or false (pos_ kept)
  // when the text there is not a repetition, which RE2 then reads as a literal '{'.
  bool repeat_bounds(int& min, int& max) {
    size_t p = pos_ + 1;
    auto number = [&](int& out) {
      const size_t begin = p;
      int64_t v = 0;
      while (p < text_.size() && text_[p] >= '0' && text_[p] <= '9') {
        v = std::min<int64_t>(v * 10 + (text_[p] - '0'), int64_t{kMaxRepeat} + 1);
        ++p;
      }
      out = static_cast<int>(v);
      return p > begin;
    };
    if (!number(min)) return false;
    max = min;
    if (p < text_.size() && text_[p] == ',') {
      ++p;
      max = -1;
      if (p < text_.size() && text_[p] != '}' && !number(max)) return false;
    }
    if (p >= text_.size() || text_[p] != '}') return false;
    const size_t begin = pos_;
    pos_ = p + 1;
    if (min > kMaxRepeat || max > kMaxRepeat)
      fail_at(begin, "bad repetition operator ", to_utf8(text_.substr(begin, pos_ - begin)), ": counts above ",
              kMaxRepeat, " are not allowed");
    if (max >= 0 && max < min)
      fail_at(begin, "bad repetition operator ", to_utf8(text_.substr(begin, pos_ - begin)), ": min above max");
    return true;
  }

  NodePtr repetitions(NodePtr item) {
    bool repeated = false;
    while (more()) {
      const size_t begin = pos_;
      int min = 0, max = -1;
      const char32_t c = peek();
      if (c == '*') {
        ++pos_;
      } else if (c == '+') {
        min = 1, ++pos_;
      } else if (c == '?') {
        max = 1, ++pos_;
      } else if (c != '{' || !repeat_bounds(min, max)) {
        break;
      }
      // RE2 refuses a repetition of a repetition (a**, a+*, a{2}{3}); a trailing ? is the lazy form.
      if (repeated) fail_at(begin, "bad repetition operator: a repetition cannot be repeated");
      if (more() && peek() == '?') ++pos_;
      NodePtr rep = make(Node::Kind::Repeat);
      rep->min = min, rep->max = max;
      rep->children.push_back(std::move(item));
      item = std::move(rep);
      repeated = true;
    }
    return item;
  }

  // One atom, or null for a flag group like (?i) that only changes `flags`.
  NodePtr atom(Flags& flags, int depth) {
    const char32_t c = peek();
    switch (c) {
      case '(':
        return group(flags, depth);
      case '[':
        return char_class(flags);
      case '.':
        ++pos_;
        return make(flags.dot_nl ? Node::Kind::AnyChar : Node::Kind::AnyNotNewline);
      case '^':
        ++pos_;
        return make_assert(flags.multi_line ? Assertion::BeginLine : Assertion::BeginText);
      case '$':
        ++pos_;
        return make_assert(flags.multi_line ? Assertion::EndLine : Assertion::EndText);
      case '\\':
        return escape(flags);
      case '*':
      case '+':
      case '?':
        fail("missing argument to repetition operator ", char_text(c));
      case '{': {
        int min, max;
        const size_t begin = pos_;
        if (repeat_bounds(min, max)) fail_at(begin, "missing argument to repetition operator");
        ++pos_;
        return literal(c, flags);
      }
      default:
        ++pos_;
        return literal(c, flags);
    }
  }

  NodePtr literal(char32_t c, const Flags& flags) {
    CharSet set;
    if (flags.fold_case) {
      for (char32_t other : case_orbit(c)) set.add(other, other);
    } else {
      set.add(c, c);
    }
    return make_class(set);
  }

  NodePtr group(Flags& flags, int depth) {
    const size_t open = pos_++;
    if (depth + 1 > kMaxNesting) fail_at(open, "groups nested deeper than ", kMaxNesting);
    Flags inner = flags;
    if (peek() == '?') {
      ++pos_;
      if (!special_group(flags, inner)) return nullptr;  // (?flags) alone
    }
    NodePtr body = alternation(inner, depth + 1);
    if (!more()) fail_at(open, "missing closing )");
    ++pos_;
    return body;
  }

  // After "(?": named groups, flag groups and the Perl forms RE2 lacks. Returns false for a bare
  // flag group "(?flags)" (consumed, `flags` changed), true when a group body follows with
  // `inner` as its flags.
  bool special_group(Flags& flags, Flags& inner) {
    const size_t at = pos_ - 2;
    if (looking_at(U"P<") || (peek() == '<' && peek(1) != '=' && peek(1) != '!')) {
      pos_ += peek() == 'P' ? 2 : 1;
      // Names are word characters, Unicode ones included; nothing is captured, so a name is
      // only checked, and may repeat (RE2 accepts that too).
      const size_t begin = pos_;
      while (more() && (is_ascii_word(peek()) || peek() >= 0x80)) ++pos_;
      if (pos_ == begin || !more() || peek() != '>') fail_at(at, "invalid named capture group");
      ++pos_;
      return true;
    }
    if (looking_at(U"P=") || peek() == '=' || peek() == '!' || looking_at(U"<=") || looking_at(U"<!")) {
      const bool backref = looking_at(U"P=");
      const bool behind = peek() == '<';
      fail_at(at,
              backref ? "backreferences (?P=name) are not supported (not RE2 syntax)"
                      : (behind ? "lookbehind assertions (?<= (?<! are not supported (not RE2 syntax)"
                                : "lookahead assertions (?= (?! are not supported (not RE2 syntax)"));
    }
    bool negated = false, any = false;
    Flags changed = flags;
    while (more()) {
      const char32_t c = text_[pos_++];
      bool* flag = nullptr;
      switch (c) {
        case 'i':
          flag = &changed.fold_case;
          break;
        case 'm':
          flag = &changed.multi_line;
          break;
        case 's':
          flag = &changed.dot_nl;
          break;
        case 'U':
          flag = &changed.ungreedy;
          break;
        case '-':
          if (negated) fail_at(at, "invalid flag group: '-' twice");
          negated = true, any = false;
          continue;
        case ')':
        case ':':
          // "(?:" alone is a plain non-capturing group; "(?)", "(?-:" and "(?i-)" are errors.
          if (!any && (negated || c == ')'))
            fail_at(at, "invalid or unsupported group syntax (?", to_utf8(text_.substr(at + 2, pos_ - at - 2)));
          if (c == ')') {
            flags = changed;
            return false;
          }
          inner = changed;
          return true;
        default:
          fail_at(at, "invalid or unsupported group syntax (?", char_text(c),
                  " (RE2 has no lookaround, atomic groups, comments, recursion or conditionals)");
      }
      *flag = !negated;
      any = true;
    }
    fail_at(at, "missing closing )");
  }

  // A character written with a backslash, shared by atoms and classes (pos_ is past the
  // backslash, at the letter): control letters, \x, octal, escaped punctuation.
  char32_t escaped_char() {
    const size_t at = pos_ - 1;
    const char32_t c = text_[pos_++];
    switch (c) {
      case 'a':
        return 7;
      case 'f':
        return '\f';
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 'v':
        return '\v';
      case 'x':
        return hex_escape(at);
      default:
        break;
    }
    // \0 and two- or three-digit forms are octal; a lone \1..\9 would be a backreference.
    const auto is_octal = [](char32_t d) { return d >= '0' && d <= '7'; };
    if (c == '0' || (is_octal(c) && is_octal(peek()))) {
      char32_t v = c - '0';
      for (int i = 0; i < 2 && is_octal(peek()); ++i) v = v * 8 + (text_[pos_++] - '0');
      return v;
    }
    if (c >= '1' && c <= '9')
      fail_at(at, "backreferences (\\", char_text(c), ") are not supported (not RE2 syntax)");
    if (c < 0x80 && !is_ascii_word(c)) return c;  // escaped punctuation or space
    if (c == '_') return c;
    fail_at(at, "invalid escape sequence \\", char_text(c));
  }

  char32_t hex_escape(size_t at) {
    if (peek() == '{') {
      ++pos_;
      int64_t v = 0;
      const size_t begin = pos_;
      while (more() && hex_value(peek()) >= 0) {
        v = std::min<int64_t>(v * 16 + hex_value(text_[pos_++]), 0x110000);
      }
      if (pos_ == begin || !more() || peek() != '}' || v > 0x10FFFF) fail_at(at, "invalid escape sequence \\x{...}");
      ++pos_;
      return static_cast<char32_t>(v);
    }
    const int hi = hex_value(peek()), lo = hex_value(peek(1));
    if (hi < 0 || lo < 0) fail_at(at, "invalid escape sequence \\x: two hex digits or \\x{...} expected");
    pos_ += 2;
    return static_cast<char32_t>(hi * 16 + lo);
  }

  // \d \D \s \S \w \W at pos_ (past the backslash): true with the class added to `out`.
  bool perl_class_at(CharSet& out) {
    const char32_t c = peek();
    const char32_t lower = (c >= 'A' && c <= 'Z') ? c + 32 : c;
    CharSet set;
    if (!perl_class(lower, set)) return false;
    if (lower != c) set.negate();
    out.add(set);
    ++pos_;
    return true;
  }

  void refuse_unsupported_escape(char32_t c, size_t at) const {
    if (c == 'p' || c == 'P')
      fail_at(at, "Unicode character classes (\\p, \\P) are not supported by this engine");
    if (c == 'C') fail_at(at, "\\C (any byte) is not supported by this engine");
    if (c == 'k') fail_at(at, "backreferences (\\k) are not supported (not RE2 syntax)");
  }

  NodePtr escape(const Flags& flags) {
    const size_t at = pos_++;
    if (!more()) fail_at(at, "trailing \\");
    const char32_t c = peek();
    CharSet perl;
    if (perl_class_at(perl)) return make_class(perl);
    refuse_unsupported_escape(c, at);
    switch (c) {
      case 'b':
        ++pos_;
        return make_assert(Assertion::WordBoundary);
      case 'B':
        ++pos_;
        return make_assert(Assertion::NotWordBoundary);
      case 'A':
        ++pos_;
        return make_assert(Assertion::BeginText);
      case 'z':
        ++pos_;
        return make_assert(Assertion::EndText);
      case 'Z':
      case 'G':
        fail_at(at, "\\", char_text(c), " is not RE2 syntax (use \\z or $)");
      default:
        return literal(escaped_char(), flags);
    }
  }

  // One bracket-expression item that can end a range: a literal character or an escape.
  char32_t class_char(size_t at) {
    if (peek() != '\\') return text_[pos_++];
    ++pos_;
    if (!more()) fail_at(at, "missing closing ]");
    refuse_unsupported_escape(peek(), pos_ - 1);
    return escaped_char();
  }

  NodePtr char_class(const Flags& flags) {
    const size_t open = pos_++;
    CharSet set;
    bool negated = false;
    if (peek() == '^') negated = true, ++pos_;
    for (bool first = true;; first = false) {
      if (!more()) fail_at(open, "missing closing ]");
      const char32_t c = peek();
      if (c == ']' && !first) {
        ++pos_;
        break;
      }
      if (looking_at(U"[:")) {
        const size_t close = text_.find(U":]", pos_ + 2);
        if (close != std::u32string::npos) {
          std::u32string_view name(text_.data() + pos_ + 2, close - pos_ - 2);
          const bool negated_name = !name.empty() && name[0] == '^';
          if (negated_name) name.remove_prefix(1);
          CharSet named;
          if (!posix_class(name, named))
            fail("invalid character class [:", to_utf8(std::u32string(name)), ":]");
          if (negated_name) named.negate();
          set.add(named);
          pos_ = close + 2;
          continue;
        }
      }
      if (c == '\\') {
        ++pos_;
        if (perl_class_at(set)) continue;
        --pos_;
      }
      const size_t item = pos_;
      const char32_t lo = class_char(item);
      char32_t hi = lo;
      if (peek() == '-' && pos_ + 1 < text_.size() && peek(1) != ']') {
        ++pos_;
        if (peek() == '\\' && std::u32string_view(U"dDsSwW").find(peek(1)) != std::u32string_view::npos)
          fail_at(item, "invalid character class range: a class cannot end a range");
        hi = class_char(item);
        if (hi < lo)
          fail_at(item, "invalid character class range ", char_text(lo), "-", char_text(hi));
      }
      set.add(lo, hi);
    }
    if (flags.fold_case) set.close_under_case();
    if (negated) set.negate();
    return make_class(set);
  }

  std::u32string text_;
  size_t pos_ = 0;
};

}  // namespace

NodePtr parse(std::string_view pattern) { return Parser(pattern).parse(); }

}  // namespace onyxrt::ops::regex
