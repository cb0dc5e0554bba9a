// The dispatch table: filled once from generic/, then each ISA tier the CPU supports (and
// ONYXRT_ISA allows) overwrites the slots it improves, in gemm_f32.inc order (best last).
#include "kernels/dispatch.h"

#include "kernels/conv.h"
#include "kernels/layer_norm.h"
#include "kernels/lstm_cell.h"
#include "kernels/pool.h"
#include "kernels/softmax.h"
#include "kernels/vmath.h"

namespace onyxrt::kernels {

bool cpu_supports(IsaTier tier) {
  const CpuFeatures& f = cpu_features();
  switch (tier) {
    case IsaTier::Generic: return true;
    case IsaTier::Avx2: return f.avx2_fma;
    case IsaTier::Avx512: return f.avx512;
    case IsaTier::Neon: return f.neon;
  }
  return false;
}

bool tier_enabled(IsaTier tier) {
  if (!cpu_supports(tier)) return false;
  IsaTier selected = selected_isa_tier();
  switch (tier) {
    case IsaTier::Generic: return true;
    case IsaTier::Avx2: return selected == IsaTier::Avx2 || selected == IsaTier::Avx512;
    case IsaTier::Avx512: return selected == IsaTier::Avx512;
    case IsaTier::Neon: return selected == IsaTier::Neon;
  }
  return false;
}

GemmF32Config gemm_f32_config_for(const GemmF32Ukernel& ukernel) {
  // KC = 1024: every K slice costs a pass over C (loaded, updated, stored from L3), so deep
  // slices pay off more than keeping the B panel in L1 (it streams from L2 at a fraction of that
  // bandwidth): 256 -> 1024 took 1024^3 from 82% to 89% of the FMA peak on Zen 4. MC ~ 240 rows
  // keeps most of the A block (~1 MiB) in L2; NC bounds the B block (8 MiB) in a shared L3.
  // Rounded to the tile so panels never straddle.
  GemmF32Config c;
  c.ukernel = ukernel;
  c.kc = 1024;
  c.mc = (240 / ukernel.mr) * ukernel.mr;
  c.nc = (2048 / ukernel.nr) * ukernel.nr;
  return c;
}

namespace {

// The last variant of a list (generic first, then by tier) that this CPU and ONYXRT_ISA allow.
template <class Variant, size_t N>
Variant best_variant(const Variant (&variants)[N]) {
  Variant best = variants[0];
  for (const Variant& v : variants)
    if (tier_enabled(v.tier)) best = v;
  return best;
}

KernelTable build_table() {
  KernelTable t;
  t.gemm_f32 = gemm_f32_config_for(best_variant(kGemmF32Ukernels));
  t.softmax_f32 = best_variant(kSoftmaxF32Variants);
  t.depthwise_f32 = best_variant(kDepthwiseF32Variants);
  t.conv_direct_f32 = best_variant(kConvDirectF32Variants);
  t.conv_direct_t_f32 = kConvDirectTF32Variants[0];
  for (const ConvDirectTF32Variant& v : kConvDirectTF32Variants) {
    if (v.tiles != nullptr && tier_enabled(v.tier)) t.conv_direct_t_f32 = v;
  }
  t.pool_f32 = best_variant(kPoolF32Variants);
  for (int f = 0; f < kVmathF32Count; ++f) t.vmath_f32[f] = kVmathF32Variants[f];
  for (const VmathF32Variant& v : kVmathF32Variants) {
    if (tier_enabled(v.tier)) t.vmath_f32[static_cast<int>(v.function)] = v;
  }
  t.layer_norm_f32 = best_variant(kLayerNormF32Variants);
  t.winograd_f32 = best_variant(kWinogradF32Variants);
  t.lstm_cell_f32 = best_variant(kLstmCellF32Variants);
  t.pack_columns_f32 = best_variant(kPackColumnsF32Variants);
  return t;
}

}  // namespace

void softmax_f32(const float* x, float* y, int64_t n, bool log) {
  if (n > 0) kernel_table().softmax_f32.fn(x, y, n, log);
}

const char* softmax_f32_kernel_name() { return kernel_table().softmax_f32.name; }

void vmath_f32(VmathF32 function, const float* x, float* y, int64_t n) {
  if (n > 0) kernel_table().vmath_f32[static_cast<int>(function)].fn(x, y, n);
}

const char* vmath_f32_kernel_name(VmathF32 function) {
  return kernel_table().vmath_f32[static_cast<int>(function)].name;
}

void layer_norm_f32(const float* x, const float* scale, const float* bias, float* y, int64_t n, float epsilon,
                    bool center, float* stats) {
  if (n > 0) kernel_table().layer_norm_f32.fn(x, scale, bias, y, n, epsilon, center, stats);
}

const char* layer_norm_f32_kernel_name() { return kernel_table().layer_norm_f32.name; }

void lstm_cell_f32(const float* g, const float* xw, float* c, float* h, int64_t n) {
  if (n > 0) kernel_table().lstm_cell_f32.fn(g, xw, c, h, n);
}

const char* lstm_cell_f32_kernel_name() { return kernel_table().lstm_cell_f32.name; }

void depthwise_conv_f32(const ConvGeometry& g, int64_t multiplier, const float* x, const float* w, const float* bias,
                        float* y, int64_t c0, int64_t c1, const DepthwiseEpilogue& ep) {
  kernel_table().depthwise_f32.fn(g, multiplier, x, w, bias, y, c0, c1, ep);
}

bool pool_f32(const ConvGeometry& g, PoolF32Kind kind, const float* count_h, const float* count_w, const float* x,
              float* y, int64_t p0, int64_t p1) {
  return kernel_table().pool_f32.window(g, kind, count_h, count_w, x, y, p0, p1);
}

void global_pool_f32(PoolF32Kind kind, const float* x, int64_t n, float* y, int64_t p0, int64_t p1) {
  if (n > 0 && p0 < p1) kernel_table().pool_f32.global(kind, x, n, y, p0, p1);
}

const KernelTable& kernel_table() {
  static const KernelTable table = build_table();
  return table;
}

}  // namespace onyxrt::kernels
