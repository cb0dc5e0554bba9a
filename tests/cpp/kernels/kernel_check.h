#pragma once

// A minimal check harness for the kernel tests: counts failures, prints the first few, and
// main() returns non-zero when any check failed.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

namespace ktest {

inline int failures = 0;
inline int checks = 0;

inline void report_failure(const char* what) {
  if (++failures <= 20) std::printf("FAIL %s\n", what);
}

#define KCHECK(cond, ...)                                  \
  do {                                                     \
    ++::ktest::checks;                                     \
    if (!(cond)) {                                         \
      char msg_[512];                                      \
      std::snprintf(msg_, sizeof(msg_), __VA_ARGS__);      \
      ::ktest::report_failure(msg_);                       \
    }                                                      \
  } while (0)

inline std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

inline int finish(const char* suite) {
  std::printf("%s: %d checks, %d failures\n", suite, checks, failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace ktest
