#pragma once

#include "ops/registry.h"

namespace onyxrt::ops {

// slice.cpp: Slice (part of the gather family; register_gather calls it).
void register_slice(Registry& r);

}  // namespace onyxrt::ops
