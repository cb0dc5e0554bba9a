// Linear and cubic Resize over the per-axis tables of ops/nn/resize_plan.h.
// When only the two innermost axes change (images in NCHW, every resize of a 1-D or 2-D tensor)
// one fused pass per output row blends the horizontally resampled source rows it needs; each is
// computed once per thread's run of rows and kept in a ring of `taps` rows, x is read and y
// written in their own types, and no intermediate tensor exists. Otherwise one separable pass
// per resized axis goes through compute-type buffers, shrinking axes first so that none is
// larger than the input or the output. Both parallelise over output rows.
#include "ops/nn/resize_filter.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "base/parallel.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGrain = 16384;  // multiply-adds per parallel chunk

// An axis that keeps every position: one tap of weight 1.
AxisTable identity_table(int64_t n) {
  AxisTable t;
  t.in = t.out = n;
  t.first.resize(static_cast<size_t>(n));
  for (int64_t o = 0; o < n; ++o) t.first[static_cast<size_t>(o)] = o;
  t.weights.assign(static_cast<size_t>(n), 1.0);
  return t;
}

template <class C>
std::vector<C> weights_as(const AxisTable& t) {
  return std::vector<C>(t.weights.begin(), t.weights.end());
}

// ---- fused: the two innermost axes ----

template <class T>
void resize_rows(const KernelContext& ctx, const AxisTable& th, const AxisTable& tw, const Tensor& x, Tensor& y,
                 double extrapolation) {
  using C = resize_compute_t<T>;
  constexpr bool direct = std::is_same_v<T, C>;
  const std::vector<C> wh = weights_as<C>(th), ww = weights_as<C>(tw);
  const T fill = resize_store<T>(static_cast<C>(extrapolation));
  const int64_t in_w = tw.in, out_w = tw.out, taps_h = th.taps, taps_w = tw.taps;
  const int64_t rows = y.size() / out_w;  // planes * th.out
  const T* xd = x.data<T>();
  T* yd = y.data<T>();

  // One source row resampled along the innermost axis (positions outside are filled later).
  auto resample_row = [&](const T* src, C* dst) {
    for (int64_t j = 0; j < out_w; ++j) {
      const T* window = src + tw.first[static_cast<size_t>(j)];
      const C* w = ww.data() + j * taps_w;
      C acc = 0;
      for (int64_t k = 0; k < taps_w; ++k) acc += w[k] * static_cast<C>(to_compute(window[k]));
      dst[j] = acc;
    }
  };

  const int64_t row_cost = out_w * (taps_h + taps_w);
  parallel_for(rows, std::max<int64_t>(1, kGrain / row_cost), ctx.threads(), [&](int64_t begin, int64_t end) {
    // ring slot s % taps_h holds source row s of the current window; held[] names what it holds.
    std::vector<C> ring(static_cast<size_t>(taps_h * out_w));
    std::vector<int64_t> held(static_cast<size_t>(taps_h), -1);
    std::vector<C> staged(direct ? 0 : static_cast<size_t>(out_w));
    std::vector<const C*> source(static_cast<size_t>(taps_h));
    for (int64_t r = begin; r < end; ++r) {
      const int64_t plane = r / th.out, oy = r % th.out;
      T* out = yd + r * out_w;
      if (th.is_outside(oy)) {
        std::fill(out, out + out_w, fill);
        continue;
      }
      const int64_t first = th.first[static_cast<size_t>(oy)];
      for (int64_t k = 0; k < taps_h; ++k) {
        const int64_t row = plane * th.in + first + k;
        const size_t slot = static_cast<size_t>((first + k) % taps_h);
        C* dst = ring.data() + slot * out_w;
        if (held[slot] != row) {
          resample_row(xd + row * in_w, dst);
          held[slot] = row;
        }
        source[static_cast<size_t>(k)] = dst;
      }
      const C* w = wh.data() + oy * taps_h;
      C* acc = direct ? reinterpret_cast<C*>(out) : staged.data();
      for (int64_t j = 0; j < out_w; ++j) acc[j] = w[0] * source[0][j];
      for (int64_t k = 1; k < taps_h; ++k) {
        const C wk = w[k];
        const C* s = source[static_cast<size_t>(k)];
        for (int64_t j = 0; j < out_w; ++j) acc[j] += wk * s[j];
      }
      if constexpr (!direct)
        for (int64_t j = 0; j < out_w; ++j) out[j] = resize_store<T>(acc[j]);
      if (!tw.outside.empty())
        for (int64_t j = 0; j < out_w; ++j)
          if (tw.is_outside(j)) out[j] = fill;
    }
  });
}

// ---- separable: one pass per resized axis ----

// Axis t of a [outer, t.in, inner] buffer into [outer, t.out, inner].
template <class C>
void filter_axis(const C* src, C* dst, int64_t outer, int64_t inner, const AxisTable& t, C fill, int threads) {
  const std::vector<C> w = weights_as<C>(t);
  const int64_t taps = t.taps, in = t.in, out = t.out;
  parallel_for(outer * out, std::max<int64_t>(1, kGrain / (inner * taps)), threads, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t p = r / out, o = r % out;
      C* d = dst + r * inner;
      if (t.is_outside(o)) {
        std::fill(d, d + inner, fill);
        continue;
      }
      const C* s = src + (p * in + t.first[static_cast<size_t>(o)]) * inner;
      const C* wo = w.data() + o * taps;
      for (int64_t i = 0; i < inner; ++i) d[i] = wo[0] * s[i];
      for (int64_t k = 1; k < taps; ++k) {
        const C wk = wo[k];
        const C* sk = s + k * inner;
        for (int64_t i = 0; i < inner; ++i) d[i] += wk * sk[i];
      }
    }
  });
}

template <class T>
void resize_separable(const KernelContext& ctx, const std::vector<AxisTable>& tables, std::vector<size_t> order,
                      const Tensor& x, Tensor& y, double extrapolation) {
  using C = resize_compute_t<T>;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return static_cast<double>(tables[a].out) / tables[a].in < static_cast<double>(tables[b].out) / tables[b].in;
  });
  std::unique_ptr<C[]> current(new C[static_cast<size_t>(x.size())]);
  const T* xd = x.data<T>();
  for (int64_t i = 0; i < x.size(); ++i) current[i] = static_cast<C>(to_compute(xd[i]));
  Shape shape = x.shape();
  for (size_t axis : order) {
    const AxisTable& t = tables[axis];
    int64_t outer = 1, inner = 1;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (d < axis) outer *= shape[d];
      if (d > axis) inner *= shape[d];
    }
    shape[axis] = t.out;
    std::unique_ptr<C[]> next(new C[static_cast<size_t>(outer * t.out * inner)]);
    filter_axis<C>(current.get(), next.get(), outer, inner, t, static_cast<C>(extrapolation), ctx.threads());
    current = std::move(next);
  }
  T* yd = y.data<T>();
  const C* src = current.get();
  parallel_for(y.size(), kGrain, ctx.threads(), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) yd[i] = resize_store<T>(src[i]);
  });
}

template <class T>
void resize_typed(const KernelContext& ctx, const std::vector<AxisTable>& tables, const Tensor& x, Tensor& y,
                  double extrapolation) {
  const size_t rank = tables.size();
  std::vector<size_t> changed;
  for (size_t d = 0; d < rank; ++d)
    if (!tables[d].is_identity()) changed.push_back(d);
  if (changed.empty()) {
    std::memcpy(y.raw(), x.raw(), x.nbytes());
    return;
  }
  if (changed.front() + 2 >= rank) {
    const AxisTable rows_kept = identity_table(rank >= 2 ? tables[rank - 2].in : 1);
    const AxisTable cols_kept = identity_table(tables[rank - 1].in);
    const bool rows_changed = rank >= 2 && changed.front() == rank - 2;
    const bool cols_changed = changed.back() == rank - 1;
    resize_rows<T>(ctx, rows_changed ? tables[rank - 2] : rows_kept, cols_changed ? tables[rank - 1] : cols_kept, x,
                   y, extrapolation);
    return;
  }
  resize_separable<T>(ctx, tables, changed, x, y, extrapolation);
}

}  // namespace

void resize_filtered(const KernelContext& ctx, const std::vector<AxisTable>& tables, const Tensor& x, Tensor& y,
                     double extrapolation) {
  const bool supported = visit_type(x.dtype(), NumericTypeList{}, [&](auto tag) {
    resize_typed<typename decltype(tag)::type>(ctx, tables, x, y, extrapolation);
  });
  ONYXRT_ENFORCE(supported, "Resize: no filtered kernel for ", data_type_name(x.dtype()));
}

}  // namespace onyxrt::ops
