#pragma once

#include <cstddef>

#include "ops/registry.h"

namespace onyxrt::ops {

// One registration row of a table-driven family: an operator version and its kernel factory.
// Families keep a constexpr array of these (with a static_assert on its length, so that a
// half-done edit does not compile) and register it with register_rows().
struct OpRow {
  const char* op_type;
  int since;
  TypeSet types;
  KernelFactory create;
};

template <size_t N>
void register_rows(Registry& r, const OpRow (&rows)[N], const char* domain = "") {
  for (const OpRow& row : rows) r.add(KernelDef{domain, row.op_type, row.since, row.types, row.create});
}

}  // namespace onyxrt::ops
