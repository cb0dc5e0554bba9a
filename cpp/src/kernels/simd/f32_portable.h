#pragma once

// f32 vector vocabulary in plain C++ for kernels/generic/: a vector is a small array whose
// element-wise loops the compiler maps onto whatever vector unit the baseline target has (SSE2,
// NEON), so loops written once over a vocabulary (simd/f32_<isa>.h) also build portably. Local
// to the including unit (anonymous namespace).
namespace onyxrt::kernels::simd {
namespace {

struct F32Portable {
  static constexpr int kLanes = 8;
  static constexpr int kRegisters = 16;  // vector registers (notional: the compiler's)
  struct vf32 {
    float v[kLanes];
  };
  static vf32 zero() { return set1(0.0f); }
  static vf32 set1(float x) {
    vf32 r;
    for (int i = 0; i < kLanes; ++i) r.v[i] = x;
    return r;
  }
  static vf32 broadcast(const float* p) { return set1(*p); }
  static vf32 load(const float* p) {
    vf32 r;
    for (int i = 0; i < kLanes; ++i) r.v[i] = p[i];
    return r;
  }
  static vf32 load_partial(const float* p, int n) {  // the first n lanes (n <= 0: none), zeros after
    vf32 r = zero();
    for (int i = 0; i < n && i < kLanes; ++i) r.v[i] = p[i];
    return r;
  }
  static vf32 even(vf32 a, vf32 b) {  // a[0], a[2], ..., b[0], b[2], ...
    vf32 r;
    for (int i = 0; i < kLanes / 2; ++i) r.v[i] = a.v[2 * i], r.v[i + kLanes / 2] = b.v[2 * i];
    return r;
  }
  static void store(float* p, vf32 a) {
    for (int i = 0; i < kLanes; ++i) p[i] = a.v[i];
  }
  static void store_partial(float* p, vf32 a, int n) {  // the first n lanes, 0 <= n <= kLanes
    for (int i = 0; i < n; ++i) p[i] = a.v[i];
  }
  static void store_lanes(float* p, vf32 a, int lo, int hi) {  // lanes [lo, hi) to p[0, hi - lo)
    for (int i = lo; i < hi; ++i) p[i - lo] = a.v[i];
  }
  static vf32 load_lanes(vf32 into, const float* p, int lo, int hi) {  // lanes [lo, hi) from p[0, hi - lo)
    for (int i = lo; i < hi; ++i) into.v[i] = p[i - lo];
    return into;
  }
  static vf32 add(vf32 a, vf32 b) {
    for (int i = 0; i < kLanes; ++i) a.v[i] += b.v[i];
    return a;
  }
  static vf32 div(vf32 a, vf32 b) {
    for (int i = 0; i < kLanes; ++i) a.v[i] /= b.v[i];
    return a;
  }
  static vf32 sub(vf32 a, vf32 b) {
    for (int i = 0; i < kLanes; ++i) a.v[i] -= b.v[i];
    return a;
  }
  static vf32 mul(vf32 a, vf32 b) {
    for (int i = 0; i < kLanes; ++i) a.v[i] *= b.v[i];
    return a;
  }
  static vf32 fmadd(vf32 a, vf32 b, vf32 c) {  // a * b + c (fused where the target contracts it)
    for (int i = 0; i < kLanes; ++i) c.v[i] += a.v[i] * b.v[i];
    return c;
  }
  static vf32 max(vf32 a, vf32 b) {  // a > b ? a : b, so b when either is NaN (as x86 MAXPS)
    for (int i = 0; i < kLanes; ++i) a.v[i] = a.v[i] > b.v[i] ? a.v[i] : b.v[i];
    return a;
  }
  static vf32 min(vf32 a, vf32 b) {  // a < b ? a : b, so b when either is NaN (as x86 MINPS)
    for (int i = 0; i < kLanes; ++i) a.v[i] = a.v[i] < b.v[i] ? a.v[i] : b.v[i];
    return a;
  }
  // r[j] lane i <- r[i] lane j for kLanes vectors.
  static void transpose(vf32* r) {
    vf32 t[kLanes];
    for (int i = 0; i < kLanes; ++i)
      for (int j = 0; j < kLanes; ++j) t[j].v[i] = r[i].v[j];
    for (int i = 0; i < kLanes; ++i) r[i] = t[i];
  }
};

}  // namespace
}  // namespace onyxrt::kernels::simd
