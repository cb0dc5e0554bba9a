// Every variant of kernels/vmath/vmath_f32.inc against a double-precision reference, in ulp of
// the float32 result: a sweep over the whole float32 range (every 1021st bit pattern of both
// signs), dense grids where the functions bend, special values, odd lengths, in place, and
// against the generic variant. Variants the CPU cannot run are skipped with a visible SKIP line.
// `kernels_test_vmath_f32 --exhaustive [name-part]` measures every float32 input instead (the
// figures of docs/vmath.md; about a minute per variant), for the variants whose name contains
// name-part when given.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "kernel_check.h"
#include "kernels/dispatch.h"
#include "kernels/vmath.h"

using namespace onyxrt;
using namespace onyxrt::kernels;

namespace {

double sigmoid_ref(double x) { return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x)); }

double reference(VmathF32 f, float xf) {
  const double x = xf;
  switch (f) {
    case VmathF32::Exp: return std::exp(x);
    case VmathF32::Log: return std::log(x);
    case VmathF32::Tanh: return std::tanh(x);
    case VmathF32::Erf: return std::erf(x);
    case VmathF32::Sigmoid: return sigmoid_ref(x);
    case VmathF32::Silu: return x * sigmoid_ref(x);
    case VmathF32::GeluErf: return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
    case VmathF32::GeluTanh: {  // x (1 + tanh(u)) / 2 = x sigmoid(2u), without tanh's cancellation
      const double u = std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
      return x * sigmoid_ref(2.0 * u);
    }
    case VmathF32::Count: break;
  }
  return 0;
}

// The bound each function is held to (docs/vmath.md), in ulp of the float32 result.
double bound(VmathF32 f) {
  switch (f) {
    case VmathF32::Exp:
    case VmathF32::Log:
    case VmathF32::Tanh: return 2.0;
    case VmathF32::Erf:
    case VmathF32::Sigmoid: return 3.0;
    default: return 4.0;  // silu, gelu: one or two more roundings on top of sigmoid / erfc
  }
}

// |got - want| in units of the spacing of float32 at want (denormal spacing below FLT_MIN);
// infinite when one is NaN and not the other, or an infinity is missed.
double ulp_error(float got, double want) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got) ? 0.0 : INFINITY;
  const float rounded = static_cast<float>(want);
  if (std::isinf(rounded) || std::isinf(got)) return got == rounded ? 0.0 : INFINITY;
  if (want == 0.0) return got == 0.0f && std::signbit(got) == std::signbit(want) ? 0.0 : std::fabs(got) / 1.4e-45;
  const int exponent = std::max(std::ilogb(std::fabs(rounded == 0.0f ? want : rounded)), -126);
  return std::fabs(static_cast<double>(got) - want) / std::ldexp(1.0, exponent - 23);
}

struct Worst {
  double ulp = 0;
  float at = 0;
};

Worst measure(const VmathF32Variant& v, const std::vector<float>& x) {
  std::vector<float> y(x.size());
  v.fn(x.data(), y.data(), static_cast<int64_t>(x.size()));
  Worst w;
  for (size_t i = 0; i < x.size(); ++i) {
    const double e = ulp_error(y[i], reference(v.function, x[i]));
    if (!(e <= w.ulp)) w = {e, x[i]};
  }
  return w;
}

float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof(f));
  return f;
}

// Every stride-th bit pattern, in chunks (the exhaustive run would not fit in memory at once).
Worst measure_sweep(const VmathF32Variant& v, uint32_t stride, uint64_t& count) {
  Worst worst;
  std::vector<float> x;
  for (uint64_t b = 0; b <= 0xffffffffu; b += stride) {
    x.push_back(from_bits(static_cast<uint32_t>(b)));
    if (x.size() == (1u << 20) || b + stride > 0xffffffffu) {
      const Worst w = measure(v, x);
      if (!(w.ulp <= worst.ulp)) worst = w;
      count += x.size();
      x.clear();
    }
  }
  return worst;
}

std::vector<float> dense_grid() {
  std::vector<float> x;
  for (int i = -200000; i <= 200000; ++i) x.push_back(static_cast<float>(i) * 1e-4f);  // [-20, 20]
  for (int i = -20000; i <= 20000; ++i) x.push_back(static_cast<float>(i) * 6e-3f);   // [-120, 120]
  return x;
}

const std::vector<float>& specials() {
  static const std::vector<float> s = [] {
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<float> v = {0.0f,    -0.0f,   inf,      -inf,     std::numeric_limits<float>::quiet_NaN(),
                            1e-45f,  -1e-45f, 1e-38f,   -1e-38f,  1.17549435e-38f,
                            88.72f,  88.73f,  89.0f,    -87.33f,  -103.0f, -103.97f, -104.0f, -150.0f,
                            0.625f,  -0.625f, 0.875f,   -0.875f,  1.2374368f, -1.2374368f, 3.92f, -3.92f,
                            9.01f,   -9.01f,  9.1f,     -9.1f,    10.2f,   -10.2f,   14.4f,   -14.4f,
                            3.4e38f, -3.4e38f, 1.0f,    -1.0f};
    return v;
  }();
  return s;
}

// Blocks of ordinary arguments, which the loops give the fast forms (vmath_f32_loops.h), each
// with one special value or extreme argument planted at a varying index: the block must then go
// the general way, the special value and its ordinary neighbours within bounds alike.
std::vector<float> ordinary_blocks_with_specials() {
  std::vector<float> x;
  const std::vector<float>& s = specials();
  for (size_t k = 0; k < s.size(); ++k) {
    for (int i = 0; i < 256; ++i) x.push_back(static_cast<float>(i - 128) * 0.05f + 0.01f);  // [-6.4, 6.4]
    x[x.size() - 256 + (k * 37) % 256] = s[k];
  }
  return x;
}

void check_variant(const VmathF32Variant& v, const VmathF32Variant& generic, uint32_t stride) {
  const double limit = bound(v.function);
  uint64_t count = 0;
  const Worst swept = measure_sweep(v, stride, count);
  KCHECK(swept.ulp <= limit, "%s sweep: %.2f ulp at %.9g (bound %.0f)", v.name, swept.ulp, swept.at, limit);
  std::printf("  %-24s max %.3f ulp at %.9g over %llu bit patterns\n", v.name, swept.ulp, swept.at,
              (unsigned long long)count);
  const Worst grid = measure(v, dense_grid());
  KCHECK(grid.ulp <= limit, "%s grid: %.2f ulp at %.9g (bound %.0f)", v.name, grid.ulp, grid.at, limit);
  std::printf("  %-24s max %.3f ulp at %.9g on the grids\n", v.name, grid.ulp, grid.at);
  const Worst special = measure(v, specials());
  KCHECK(special.ulp <= limit, "%s specials: %.2f ulp at %.9g", v.name, special.ulp, special.at);
  if (v.function != VmathF32::Log) {  // log's ordinary arguments are positive
    const Worst planted = measure(v, ordinary_blocks_with_specials());
    KCHECK(planted.ulp <= limit, "%s specials among ordinary values: %.2f ulp at %.9g", v.name, planted.ulp,
           planted.at);
  }
  // Odd lengths (vector tails), in place, and agreement with the generic variant.
  for (int64_t n : {1, 2, 7, 13, 15, 16, 17, 31, 63, 127, 255, 256, 257, 1000}) {
    std::vector<float> x = ktest::random_floats(static_cast<size_t>(n), static_cast<uint32_t>(n));
    for (float& e : x) e *= 12.0f;
    if (v.function == VmathF32::Log)
      for (float& e : x) e = std::fabs(e);
    std::vector<float> got(x), base(x.size());
    v.fn(got.data(), got.data(), n);  // in place
    generic.fn(x.data(), base.data(), n);
    int bad = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double want = reference(v.function, x[i]);
      if (!(ulp_error(got[i], want) <= limit) || !(ulp_error(base[i], want) <= limit)) ++bad;
    }
    KCHECK(bad == 0, "%s n=%lld in place: %d bad", v.name, (long long)n, bad);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool exhaustive = argc > 1 && std::strcmp(argv[1], "--exhaustive") == 0;
  const uint32_t stride = exhaustive ? 1 : 1021;
  const char* only = exhaustive && argc > 2 ? argv[2] : nullptr;
  for (const VmathF32Variant& v : kVmathF32Variants) {
    if (only != nullptr && std::strstr(v.name, only) == nullptr) continue;
    if (!cpu_supports(v.tier)) {
      std::printf("SKIP %s: this CPU lacks %s\n", v.name, isa_tier_name(v.tier));
      continue;
    }
    int before = ktest::failures;
    check_variant(v, kVmathF32Variants[static_cast<int>(v.function)], stride);
    std::printf("%s %s\n", ktest::failures == before ? "PASS" : "FAIL", v.name);
  }
  for (int f = 0; f < kVmathF32Count; ++f)
    std::printf("dispatched: %s\n", vmath_f32_kernel_name(static_cast<VmathF32>(f)));
  return ktest::finish("test_vmath_f32");
}
