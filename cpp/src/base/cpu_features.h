#pragma once

namespace onyxrt {

// Instruction-set tiers the kernels are written for, lowest first.
enum class IsaTier { Generic = 0, Avx2 = 1, Avx512 = 2, Neon = 3 };

struct CpuFeatures {
  bool avx2_fma = false;  // AVX2 + FMA3 + F16C, with OS support for YMM state
  bool avx512 = false;    // AVX-512 F/BW/DQ/VL, with OS support for ZMM state
  bool avx512_bf16 = false;
  bool avx512_vnni = false;
  bool neon = false;
};

// Detected once; thread-safe.
const CpuFeatures& cpu_features();

// The tier the dispatcher uses: the best the CPU supports, capped by ONYXRT_ISA
// (generic|avx2|avx512|neon) when set. An unknown ONYXRT_ISA value is ignored.
IsaTier selected_isa_tier();
const char* isa_tier_name(IsaTier tier);

}  // namespace onyxrt
