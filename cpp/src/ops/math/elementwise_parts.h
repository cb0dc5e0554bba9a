#pragma once

#include "ops/registry.h"

// The elementwise family is split over several files; register_elementwise (elementwise.cpp)
// calls each part.
namespace onyxrt::ops {

void register_unary(Registry& r);       // unary.cpp: Abs ... Gelu, IsNaN, IsInf, Not, BitwiseNot
void register_binary(Registry& r);      // binary.cpp: Add ... Mod, PRelu, comparisons, logic, bitwise
void register_pow(Registry& r);         // pow.cpp: Pow (base and exponent of different types)
void register_clip(Registry& r);        // clip.cpp: Clip
void register_where(Registry& r);       // where.cpp: Where

}  // namespace onyxrt::ops
