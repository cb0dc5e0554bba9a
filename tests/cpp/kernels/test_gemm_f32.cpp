// Every f32 GEMM microkernel of kernels/gemm/gemm_f32.inc and its m-row companion, alone and
// inside the blocked driver
// (plain, packed A, packed B, packed B by column shares, transposes, alpha/beta, strides,
// epilogues, 1 and 2 threads),
// against a double-precision reference and against the generic variant, at odd sizes; and the
// whole-matrix packing of each variant's MR/NR against its panel layout, value by value.
// Variants the CPU cannot run are skipped with a visible SKIP line.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernel_check.h"
#include "kernels/dispatch.h"
#include "kernels/gemm/gemm_f32_driver.h"

using namespace onyxrt;
using namespace onyxrt::kernels;

namespace {

const int64_t kSizes[] = {1, 7, 13, 17, 63, 127};

struct Case {
  bool ta = false, tb = false;
  int64_t m = 1, n = 1, k = 1;
  float alpha = 1.0f, beta = 0.0f;
  int64_t pad = 0;  // extra elements per row of A, B and C (leading dims larger than the width)
  GemmEpilogue::Bias bias = GemmEpilogue::Bias::None;
  bool relu = false;
  int threads = 1;
};

struct Data {
  std::vector<float> a, b, c0, bias;
  int64_t lda, ldb, ldc;
};

Data make_data(const Case& t, uint32_t seed) {
  Data d;
  d.lda = (t.ta ? t.m : t.k) + t.pad;
  d.ldb = (t.tb ? t.k : t.n) + t.pad;
  d.ldc = t.n + t.pad;
  d.a = ktest::random_floats(static_cast<size_t>((t.ta ? t.k : t.m) * d.lda), seed);
  d.b = ktest::random_floats(static_cast<size_t>((t.tb ? t.n : t.k) * d.ldb), seed + 1);
  d.c0 = ktest::random_floats(static_cast<size_t>(t.m * d.ldc), seed + 2);
  d.bias = ktest::random_floats(static_cast<size_t>(std::max(t.m, t.n)), seed + 3);
  if (t.beta == 0.0f)  // beta == 0 must never read C
    std::fill(d.c0.begin(), d.c0.end(), std::numeric_limits<float>::quiet_NaN());
  return d;
}

// C in double, and for each element the sum of |terms| to scale the tolerance.
void reference(const Case& t, const Data& d, std::vector<double>& out, std::vector<double>& mag) {
  out.assign(static_cast<size_t>(t.m * t.n), 0.0);
  mag.assign(out.size(), 0.0);
  for (int64_t i = 0; i < t.m; ++i)
    for (int64_t j = 0; j < t.n; ++j) {
      double s = 0, a = 0;
      for (int64_t p = 0; p < t.k; ++p) {
        double x = t.ta ? d.a[p * d.lda + i] : d.a[i * d.lda + p];
        double y = t.tb ? d.b[j * d.ldb + p] : d.b[p * d.ldb + j];
        s += x * y;
        a += std::fabs(x * y);
      }
      double v = t.alpha * s, m = std::fabs(t.alpha) * a;
      if (t.beta != 0.0f) {
        v += t.beta * d.c0[i * d.ldc + j];
        m += std::fabs(t.beta * d.c0[i * d.ldc + j]);
      }
      if (t.bias == GemmEpilogue::Bias::PerColumn) v += d.bias[j], m += std::fabs(d.bias[j]);
      if (t.bias == GemmEpilogue::Bias::PerRow) v += d.bias[i], m += std::fabs(d.bias[i]);
      if (t.relu) v = std::max(v, 0.0);
      out[i * t.n + j] = v;
      mag[i * t.n + j] = m;
    }
}

enum class Path { Plain, PackedA, PackedB, PackedBShares };

std::vector<float> run(const GemmF32Config& cfg, Path path, const Case& t, const Data& d) {
  std::vector<float> c = d.c0;
  GemmEpilogue ep;
  ep.bias_kind = t.bias;
  ep.bias = d.bias.data();
  ep.relu = t.relu;
  switch (path) {
    case Path::Plain:
      gemm_f32_with(cfg, t.ta, t.tb, t.m, t.n, t.k, t.alpha, d.a.data(), d.lda, d.b.data(), d.ldb, t.beta, c.data(),
                    d.ldc, t.threads, ep);
      break;
    case Path::PackedB: {
      PackedMatrixB pb = pack_b_f32_with(cfg, t.tb, t.k, t.n, d.b.data(), d.ldb);
      gemm_f32_packed_with(cfg, t.ta, t.m, t.alpha, d.a.data(), d.lda, pb, t.beta, c.data(), d.ldc, t.threads, ep);
      break;
    }
    case Path::PackedBShares: {  // the shares one after the other must make the whole product
      PackedMatrixB pb = pack_b_f32_with(cfg, t.tb, t.k, t.n, d.b.data(), d.ldb);
      const int parts = 2 + static_cast<int>((t.m + t.n + t.k) % 3);
      for (int part = 0; part < parts; ++part)
        gemm_f32_packed_share_with(cfg, t.ta, t.m, t.alpha, d.a.data(), d.lda, pb, t.beta, c.data(), d.ldc, part,
                                   parts, ep);
      break;
    }
    case Path::PackedA: {
      PackedMatrixA pa = pack_a_f32_with(cfg, t.ta, t.m, t.k, d.a.data(), d.lda);
      gemm_f32_packed_with(cfg, pa, t.tb, t.n, t.alpha, d.b.data(), d.ldb, t.beta, c.data(), d.ldc, t.threads, ep);
      break;
    }
  }
  return c;
}

const char* path_name(Path p) {
  switch (p) {
    case Path::Plain:
      return "plain";
    case Path::PackedA:
      return "packedA";
    case Path::PackedB:
      return "packedB";
    case Path::PackedBShares:
      return "packedB shares";
  }
  return "?";
}

// Compares one variant (and the generic one) with the reference on one case.
void check_case(const GemmF32Config& cfg, const GemmF32Config& generic, Path path, const Case& t, uint32_t seed) {
  Data d = make_data(t, seed);
  std::vector<double> ref, mag;
  reference(t, d, ref, mag);
  std::vector<float> got = run(cfg, path, t, d);
  std::vector<float> base = run(generic, path, t, d);
  const double eps = std::numeric_limits<float>::epsilon();
  int bad = 0;
  double worst = 0;
  for (int64_t i = 0; i < t.m; ++i)
    for (int64_t j = 0; j < t.n; ++j) {
      double tol = 2.0 * (t.k + 2) * eps * mag[i * t.n + j] + 1e-30;
      double e1 = std::fabs(got[i * d.ldc + j] - ref[i * t.n + j]);
      double e2 = std::fabs(got[i * d.ldc + j] - base[i * d.ldc + j]);
      if (!(e1 <= tol) || !(e2 <= 2 * tol)) ++bad, worst = std::max(worst, e1 / tol);
    }
  // Padding columns of C (beyond n) must be untouched.
  for (int64_t i = 0; i < t.m; ++i)
    for (int64_t j = t.n; j < d.ldc; ++j) {
      float before = d.c0[i * d.ldc + j], after = got[i * d.ldc + j];
      if (!(before == after || (std::isnan(before) && std::isnan(after)))) ++bad;
    }
  KCHECK(bad == 0,
         "%s %s m=%lld n=%lld k=%lld ta=%d tb=%d alpha=%g beta=%g pad=%lld bias=%d relu=%d threads=%d: "
         "%d bad, worst %.2f x tol",
         cfg.ukernel.name, path_name(path), (long long)t.m, (long long)t.n, (long long)t.k, t.ta, t.tb, t.alpha, t.beta,
         (long long)t.pad, (int)t.bias, t.relu, t.threads, bad, worst);
}

// The microkernel alone on full tiles: k steps, alpha/beta, C with a row stride.
void check_microkernel(const GemmF32Ukernel& uk) {
  for (int64_t k : {1, 2, 7, 13, 17, 63, 127, 300}) {
    for (float beta : {0.0f, 1.0f, -0.5f}) {
      const int mr = uk.mr, nr = uk.nr, ldc = nr + 3;
      auto a = ktest::random_floats(static_cast<size_t>(k * mr), 11);
      auto b = ktest::random_floats(static_cast<size_t>(k * nr), 12);
      auto c = ktest::random_floats(static_cast<size_t>(mr * ldc), 13);
      if (beta == 0.0f) std::fill(c.begin(), c.end(), std::numeric_limits<float>::quiet_NaN());
      std::vector<float> out = c;
      const float alpha = 0.75f;
      uk.fn(k, a.data(), b.data(), out.data(), ldc, alpha, beta, GemmAhead{});
      int bad = 0;
      for (int i = 0; i < mr; ++i)
        for (int j = 0; j < ldc; ++j) {
          float got = out[i * ldc + j];
          if (j >= nr) {  // outside the tile: untouched
            if (!(got == c[i * ldc + j] || (std::isnan(got) && std::isnan(c[i * ldc + j])))) ++bad;
            continue;
          }
          double s = 0, m = 0;
          for (int64_t p = 0; p < k; ++p) {
            s += double(a[p * mr + i]) * b[p * nr + j];
            m += std::fabs(a[p * mr + i] * b[p * nr + j]);
          }
          double want = alpha * s + (beta != 0.0f ? beta * c[i * ldc + j] : 0.0);
          double cm = beta != 0.0f ? std::fabs(beta * c[i * ldc + j]) : 0.0;
          double tol = 2.0 * (k + 2) * std::numeric_limits<float>::epsilon() * (std::fabs(alpha) * m + cm);
          if (!(std::fabs(got - want) <= tol + 1e-30)) ++bad;
        }
      KCHECK(bad == 0, "%s microkernel k=%lld beta=%g: %d bad", uk.name, (long long)k, beta, bad);
      // Lines fetched ahead (here the B panel's own, at most one a step and more than the steps)
      // change nothing: the same bits as without.
      for (int64_t lines : {int64_t{1}, k * nr / 16, 4 * k}) {
        std::vector<float> fetching = c;
        uk.fn(k, a.data(), b.data(), fetching.data(), ldc, alpha, beta,
              GemmAhead{b.data(), std::min<int64_t>(lines, static_cast<int64_t>(b.size()) / 16)});
        int differ = 0;
        for (size_t e = 0; e < out.size(); ++e)
          differ += !(fetching[e] == out[e] || (std::isnan(fetching[e]) && std::isnan(out[e])));
        KCHECK(differ == 0, "%s microkernel k=%lld, %lld lines ahead: %d elements differ", uk.name, (long long)k,
               (long long)lines, differ);
      }
      // The companion at every height, on the rows [i0, i0 + rows) of the same packed A panel
      // (stride mr), must give the same bits as the full kernel and leave C's other elements
      // alone: a row's result may not depend on its batch.
      int rows_bad = 0;
      for (int rows = 1; rows <= mr; ++rows) {
        const int i0 = (mr - rows) / 2;
        std::vector<float> part = c;
        uk.rows_fn(k, rows, 1, a.data() + i0, mr, b.data(), part.data() + i0 * ldc, ldc, alpha, beta);
        for (int i = 0; i < mr; ++i)
          for (int j = 0; j < ldc; ++j) {
            const bool inside = i >= i0 && i < i0 + rows && j < nr;
            const float want = inside ? out[i * ldc + j] : c[i * ldc + j];
            const float got = part[i * ldc + j];
            rows_bad += !(got == want || (std::isnan(got) && std::isnan(want)));
          }
      }
      // Several panels side by side (B panels k * nr apart, C columns adjacent): each panel's
      // columns must match the full kernel run on that panel alone.
      for (int panels : {2, 3, 5, 9}) {
        for (int rows : {1, 2, 3, mr}) {
          if (rows > mr) continue;
          const int64_t wide_ldc = panels * nr + 1;
          auto bw = ktest::random_floats(static_cast<size_t>(k * nr * panels), 14);
          auto cw = ktest::random_floats(static_cast<size_t>(mr * wide_ldc), 15);
          if (beta == 0.0f) std::fill(cw.begin(), cw.end(), std::numeric_limits<float>::quiet_NaN());
          std::vector<float> got = cw;
          uk.rows_fn(k, rows, panels, a.data(), mr, bw.data(), got.data(), wide_ldc, alpha, beta);
          for (int q = 0; q < panels; ++q) {
            std::vector<float> one(static_cast<size_t>(mr * ldc));
            for (int i = 0; i < mr; ++i)
              for (int j = 0; j < nr; ++j) one[i * ldc + j] = cw[i * wide_ldc + q * nr + j];
            uk.fn(k, a.data(), bw.data() + q * k * nr, one.data(), ldc, alpha, beta, GemmAhead{});
            for (int i = 0; i < rows; ++i)
              for (int j = 0; j < nr; ++j) rows_bad += got[i * wide_ldc + q * nr + j] != one[i * ldc + j];
          }
          for (int i = 0; i < mr; ++i) {  // the last column and the rows past `rows`: untouched
            for (int j = 0; j < wide_ldc; ++j) {
              if (i < rows && j < panels * nr) continue;
              const float w = cw[i * wide_ldc + j], g = got[i * wide_ldc + j];
              rows_bad += !(g == w || (std::isnan(g) && std::isnan(w)));
            }
          }
        }
      }
      KCHECK(rows_bad == 0, "%s k=%lld beta=%g: %d bad", uk.rows_name, (long long)k, beta, rows_bad);
    }
  }
}

// Whole-matrix packing against the layout written out element by element (gemm/pack_f32.cpp's
// header): op(X)(p, i) of the depth slice at p0 at p0 * padded + (i / w) * w * kc + (p - p0) * w
// + i % w, and +0.0f in the padding of the last panel. Bitwise: packing only moves values. Sizes
// around the panel width w (tail panels of 1 .. w - 1 live lines), depths around the copy tiles
// (8, 16) and past KC (several slices), strided sources, both orientations.
void check_packing(const GemmF32Config& cfg) {
  const int mr = cfg.ukernel.mr, nr = cfg.ukernel.nr;
  int cases = 0;
  const int64_t depths[] = {1, 7, 8, 15, 16, 17, 33, 300, 2 * int64_t{cfg.kc} + 5};
  const int64_t widths[] = {1, 5, mr - 1, mr + 1, nr - 1, nr, nr + 1, 2 * nr + 3, 127};
  for (int64_t k : depths)
    for (int64_t n : widths)
      for (int trans = 0; trans < 2; ++trans)
        for (int64_t pad : {0, 3}) {
          ++cases;
          const uint32_t seed = static_cast<uint32_t>(cases * 7);
          const int64_t depth = gemm_f32_slice_depth(cfg, k);
          // B is k x n (source n x k when transposed); A is n x k here (source k x n when transposed).
          const int64_t ld = (trans ? k : n) + pad, lda = (trans ? n : k) + pad;
          auto b = ktest::random_floats(static_cast<size_t>((trans ? n : k) * ld), seed);
          auto a = ktest::random_floats(static_cast<size_t>((trans ? k : n) * lda), seed + 1);
          PackedMatrixB pb = pack_b_f32_with(cfg, trans, k, n, b.data(), ld);
          PackedMatrixA pa = pack_a_f32_with(cfg, trans, n, k, a.data(), lda);
          const float* gb = PackedAccess::data(pb);
          const float* ga = PackedAccess::data(pa);
          int bad_b = 0, bad_a = 0;
          const int64_t npad = (n + nr - 1) / nr * nr, mpad = (n + mr - 1) / mr * mr;
          for (int64_t p = 0; p < k; ++p) {
            const int64_t p0 = p / depth * depth, kc = std::min(depth, k - p0);
            for (int64_t j = 0; j < npad; ++j) {
              const float want = j < n ? (trans ? b[j * ld + p] : b[p * ld + j]) : 0.0f;
              const float got = gb[p0 * npad + j / nr * nr * kc + (p - p0) * nr + j % nr];
              bad_b += std::memcmp(&want, &got, sizeof(float)) != 0;
            }
            for (int64_t i = 0; i < mpad; ++i) {
              const float want = i < n ? (trans ? a[p * lda + i] : a[i * lda + p]) : 0.0f;
              const float got = ga[p0 * mpad + i / mr * mr * kc + (p - p0) * mr + i % mr];
              bad_a += std::memcmp(&want, &got, sizeof(float)) != 0;
            }
          }
          KCHECK(bad_b == 0 && bad_a == 0, "%s packing kc=%d k=%lld n=%lld trans=%d pad=%lld: %d B, %d A values wrong",
                 cfg.ukernel.name, cfg.kc, (long long)k, (long long)n, trans, (long long)pad, bad_b, bad_a);
        }
}

void check_variant(const GemmF32Ukernel& uk) {
  const GemmF32Config generic = gemm_f32_config_for(kGemmF32Ukernels[0]);
  // The production blocking, and a tiny one so that small sizes cross every block boundary
  // (several KC slices, MC blocks and NC blocks, with partial tiles at each edge).
  GemmF32Config configs[2] = {gemm_f32_config_for(uk), gemm_f32_config_for(uk)};
  configs[1].kc = 16, configs[1].mc = 2 * uk.mr, configs[1].nc = 2 * uk.nr;
  GemmF32Config tiny_generic = generic;
  tiny_generic.kc = 16, tiny_generic.mc = 2 * generic.ukernel.mr, tiny_generic.nc = 2 * generic.ukernel.nr;
  uint32_t seed = 1;
  for (int ci = 0; ci < 2; ++ci) {
    const GemmF32Config& cfg = configs[ci];
    const GemmF32Config& base = ci == 0 ? generic : tiny_generic;
    check_packing(cfg);
    // All size triples, cycling transposes, alpha/beta and the three paths.
    int index = 0;
    for (int64_t m : kSizes)
      for (int64_t n : kSizes)
        for (int64_t k : kSizes) {
          Case t;
          t.m = m, t.n = n, t.k = k;
          t.ta = index & 1, t.tb = (index >> 1) & 1;
          const float alphas[] = {1.0f, 0.5f, -2.0f};
          const float betas[] = {0.0f, 1.0f, 0.25f};
          t.alpha = alphas[index % 3], t.beta = betas[(index / 3) % 3];
          t.pad = (index % 5 == 0) ? 3 : 0;
          Path path = static_cast<Path>(index % 4);
          check_case(cfg, base, path, t, seed++);
          ++index;
        }
    // Every transpose x path combination, epilogues and threads at a size with edges everywhere.
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (int p = 0; p < 4; ++p)
          for (int variant = 0; variant < 4; ++variant) {
            Case t;
            t.ta = ta, t.tb = tb, t.m = 127, t.n = 63 + 2 * variant, t.k = 300;
            t.alpha = 1.5f, t.beta = variant == 1 ? 0.0f : 0.5f, t.pad = 1;
            t.bias = static_cast<GemmEpilogue::Bias>(variant % 3);
            t.relu = variant >= 2;
            t.threads = variant % 2 == 0 ? 2 : 1;
            check_case(cfg, base, static_cast<Path>(p), t, seed++);
          }
    // Batch invariance: each row of a 29-row product has the bits it has when computed alone
    // (full panels, the one-row kernel and partial panels must all sum in the same order).
    {
      const int64_t m = 29, n = 45, k = 300;
      auto a = ktest::random_floats(static_cast<size_t>(m * k), 91);
      auto b = ktest::random_floats(static_cast<size_t>(k * n), 92);
      std::vector<float> all(static_cast<size_t>(m * n)), one(static_cast<size_t>(n));
      gemm_f32_with(cfg, false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, all.data(), n, 1);
      int differ = 0;
      for (int64_t i = 0; i < m; ++i) {
        gemm_f32_with(cfg, false, false, 1, n, k, 1.0f, a.data() + i * k, k, b.data(), n, 0.0f, one.data(), n, 1);
        for (int64_t j = 0; j < n; ++j) differ += one[j] != all[i * n + j];
      }
      KCHECK(differ == 0, "%s: %d values differ between a 29-row product and its rows alone", cfg.ukernel.name,
             differ);
    }
    // K == 0: C = beta * C (+ epilogue).
    for (float beta : {0.0f, 2.0f})
      for (Path path : {Path::Plain, Path::PackedBShares})
        for (auto bias : {GemmEpilogue::Bias::PerRow, GemmEpilogue::Bias::PerColumn}) {
          Case t;
          t.m = 7, t.n = 13 + 4 * cfg.ukernel.nr, t.k = 0, t.beta = beta, t.bias = bias, t.relu = true;
          check_case(cfg, base, path, t, seed++);
        }
  }
}

}  // namespace

int main() {
  // Uninitialized buffers (packed matrices among them) come filled with 0xFF bytes, so a panel's
  // zero padding is checked rather than found on fresh zero pages. Before any allocation: the
  // allocator reads the flag once.
  setenv("ONYXRT_POISON_UNINITIALIZED", "1", 1);
  for (const GemmF32Ukernel& uk : kGemmF32Ukernels) {
    if (!cpu_supports(uk.tier)) {
      std::printf("SKIP %s: this CPU lacks %s\n", uk.name, isa_tier_name(uk.tier));
      continue;
    }
    int before = ktest::failures;
    check_microkernel(uk);
    check_variant(uk);
    std::printf("%s %s\n", ktest::failures == before ? "PASS" : "FAIL", uk.name);
  }
  std::printf("dispatched: %s\n", gemm_f32_kernel_name());
  return ktest::finish("test_gemm_f32");
}
