#pragma once

#include <sstream>
#include <string>
#include <utility>

#include "onyxrt/error.hpp"

namespace onyxrt {

// Concatenates the streamable parts into one message.
template <typename... Parts>
std::string str_cat(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}

// Throws Error(code) with the parts joined: fail(ErrorCode::InvalidArgument, "input '", n, "' ...").
template <typename... Parts>
[[noreturn]] void fail(ErrorCode code, Parts&&... parts) {
  throw Error(code, str_cat(std::forward<Parts>(parts)...));
}

// Internal invariant check that still reports instead of crashing on bad input.
#define ONYXRT_ENFORCE(cond, ...)                                        \
  do {                                                                   \
    if (!(cond)) ::onyxrt::fail(::onyxrt::ErrorCode::Fail, __VA_ARGS__); \
  } while (0)

}  // namespace onyxrt
