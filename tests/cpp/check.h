#pragma once

// A tiny test harness: TEST(name) { CHECK(...); }, then `int main() { return check::run_all(); }`.
// A failed CHECK reports and lets the test go on; an exception escaping a test fails that test.

#include <cstdio>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "onyxrt/error.hpp"

namespace check {

struct TestCase {
  const char* name;
  void (*run)();
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

inline int& failures_in_current_test() {
  static int count = 0;
  return count;
}

struct Registrar {
  Registrar(const char* name, void (*run)()) { registry().push_back({name, run}); }
};

inline void report(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what.c_str());
  ++failures_in_current_test();
}

template <typename T>
std::string show(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

inline int run_all() {
  int failed = 0;
  for (const TestCase& test : registry()) {
    failures_in_current_test() = 0;
    try {
      test.run();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: unexpected exception: %s\n", test.name, e.what());
      ++failures_in_current_test();
    }
    bool ok = failures_in_current_test() == 0;
    std::fprintf(stderr, "[%s] %s\n", ok ? " ok " : "FAIL", test.name);
    failed += !ok;
  }
  std::fprintf(stderr, "%zu tests, %d failed\n", registry().size(), failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace check

#define TEST(name)                                                \
  static void name();                                             \
  static const ::check::Registrar name##_registrar(#name, &name); \
  static void name()

#define CHECK(cond)                                                       \
  do {                                                                    \
    if (!(cond)) ::check::report(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

#define CHECK_EQ(a, b)                                                                                            \
  do {                                                                                                            \
    const auto& check_a_ = (a);                                                                                   \
    const auto& check_b_ = (b);                                                                                   \
    if (!(check_a_ == check_b_))                                                                                  \
      ::check::report(__FILE__, __LINE__,                                                                         \
                      "CHECK_EQ(" #a ", " #b "): " + ::check::show(check_a_) + " != " + ::check::show(check_b_)); \
  } while (0)

// Expects `expr` to throw onyxrt::Error with `wanted_code` and a message containing `fragment`.
#define CHECK_THROWS(expr, wanted_code, fragment)                                                                   \
  do {                                                                                                              \
    try {                                                                                                           \
      (void)(expr);                                                                                                 \
      ::check::report(__FILE__, __LINE__, "CHECK_THROWS(" #expr "): nothing was thrown");                           \
    } catch (const ::onyxrt::Error& check_e_) {                                                                     \
      std::string check_msg_ = check_e_.what();                                                                     \
      if (check_e_.code() != (wanted_code) || check_msg_.find(fragment) == std::string::npos)                       \
        ::check::report(__FILE__, __LINE__,                                                                         \
                        std::string("CHECK_THROWS(" #expr "): got ") + ::onyxrt::error_code_name(check_e_.code()) + \
                            " \"" + check_msg_ + "\", wanted " + ::onyxrt::error_code_name(wanted_code) +           \
                            " containing \"" + (fragment) + "\"");                                                  \
    } catch (const std::exception& check_e_) {                                                                      \
      ::check::report(__FILE__, __LINE__,                                                                           \
                      std::string("CHECK_THROWS(" #expr "): non-onyxrt exception: ") + check_e_.what());            \
    }                                                                                                               \
  } while (0)
