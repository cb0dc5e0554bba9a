// GridSample (16: 4-D X, modes bilinear / nearest / bicubic; 20: X of any rank r + 2, modes
// linear / nearest / cubic; 22 adds bfloat16): Y[n, c, o...] samples X[n, c] at the position
// grid[n, o..., :] holds, normalized to [-1, 1] and in reverse axis order (x = width first).
// Each output point's source taps (plane offsets and weights) are computed once, for all
// channels: unnormalize per align_corners, round for nearest, then fetch every tap through the
// padding rule (a tap outside the image in zeros mode is dropped, border clamps it, reflection
// mirrors it). Cubic is Keys' kernel with A = -0.75, as in the spec.
// NOTE: like PyTorch and onnxruntime, the position itself is not clamped first in border mode;
// onnx.reference clamps it, which changes cubic results within 2 pixels of the edge.
// Work units are (image, run of output points); coordinates are computed in X's compute type.
// Types: float, double, float16 (and bfloat16 from 22) through float; grid any float type.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/float_staging.h"
#include "ops/op_table.h"
#include "ops/shape_check.h"

namespace onyxrt::ops {
namespace {

enum class Interp { Nearest, Linear, Cubic };
enum class Padding { Zeros, Border, Reflection };

constexpr int kMaxSpatialRank = 8;       // bounds the taps per point: 4^8 for cubic
constexpr int64_t kTapsPerChunk = 8192;  // tap buffer of one work unit
constexpr int64_t kGrainTaps = 65536;    // tap reads below which a range stays on one thread

Interp parse_mode(const KernelInfo& info) {
  // Opset 20 renamed the modes when it generalized them to N-D.
  const bool renamed = info.opset() >= 20;
  const std::string mode = info.attr_string("mode", renamed ? "linear" : "bilinear");
  if (mode == "nearest") return Interp::Nearest;
  if (mode == (renamed ? "linear" : "bilinear")) return Interp::Linear;
  if (mode == (renamed ? "cubic" : "bicubic")) return Interp::Cubic;
  info.fail(ErrorCode::InvalidGraph, "attribute 'mode' '", mode, "' is not supported (",
            renamed ? "linear, nearest or cubic" : "bilinear, nearest or bicubic", ")");
}

Padding parse_padding(const KernelInfo& info) {
  const std::string padding = info.attr_string("padding_mode", "zeros");
  if (padding == "zeros") return Padding::Zeros;
  if (padding == "border") return Padding::Border;
  if (padding == "reflection") return Padding::Reflection;
  info.fail(ErrorCode::InvalidGraph, "attribute 'padding_mode' '", padding,
            "' is not supported (zeros, border or reflection)");
}

// Reflects x into [lo, hi] off the borders, as often as it takes.
template <class T>
T reflect(T x, T lo, T hi) {
  const T range = hi - lo;
  if (range <= 0) return lo;
  const bool below = x < lo;
  const T dist = below ? lo - x : x - hi;
  const T flips = std::floor(dist / range);
  const T rest = dist - flips * range;
  const bool odd = std::fmod(flips, T(2)) != 0;
  return below != odd ? lo + rest : hi - rest;
}

template <class T>
void cubic_coefficients(T t, T* c) {
  constexpr T A = T(-0.75);
  const T t1 = t + 1, u = 1 - t, u1 = 2 - t;
  c[0] = ((A * t1 - 5 * A) * t1 + 8 * A) * t1 - 4 * A;
  c[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
  c[2] = ((A + 2) * u - (A + 3)) * u * u + 1;
  c[3] = ((A * u1 - 5 * A) * u1 + 8 * A) * u1 - 4 * A;
}

// One spatial axis of X: extent, element stride in a plane, and the coordinate range that
// counts as inside (pixel centers with align_corners, pixel edges without).
template <class T>
struct Axis {
  int64_t size = 1, stride = 1;
  T lo = 0, hi = 0;
};

// The taps of all points of a work unit: offsets into an X plane and weights, point p owning
// entries [begin[p], begin[p + 1]).
template <class T>
struct Taps {
  std::vector<int64_t> offset;
  std::vector<T> weight;
  std::vector<int64_t> begin;
};

template <class T>
class Sampler {
 public:
  Sampler(Interp mode, Padding padding, bool align_corners, const std::vector<Axis<T>>& axes)
      : mode_(mode), padding_(padding), align_(align_corners), axes_(axes) {
    for (const Axis<T>& ax : axes) empty_image_ = empty_image_ || ax.size == 0;
  }

  int per_axis() const { return mode_ == Interp::Nearest ? 1 : mode_ == Interp::Linear ? 2 : 4; }

  // Appends the taps of the point whose normalized coordinates are g[0..r) (x first).
  void add_point(const T* g, Taps<T>& taps) const {
    const int r = static_cast<int>(axes_.size()), k = per_axis();
    int64_t idx[kMaxSpatialRank][4];
    T w[kMaxSpatialRank][4];
    int count[kMaxSpatialRank];
    bool nan = false;
    for (int a = 0; a < r; ++a) {
      const Axis<T>& ax = axes_[a];
      const T n = g[r - 1 - a];
      const T size = static_cast<T>(ax.size);
      T x = align_ ? (n + 1) / 2 * (size - 1) : ((n + 1) * size - 1) / 2;
      if (mode_ == Interp::Nearest) x = std::nearbyint(x);
      // Reflecting the position gives the taps that reflecting each tap would (the mirrors sit
      // on the integer or half-integer lattice), and stays exact however far out it lies.
      if (padding_ == Padding::Reflection && (x < ax.lo || x > ax.hi)) x = reflect(x, ax.lo, ax.hi);
      if (std::isnan(x)) {
        nan = true;
        break;
      }
      // Beyond 4 pixels out every tap is dropped (zeros) or clamped to the edge (border) either
      // way; the clamp keeps the integer conversion defined.
      x = std::clamp<T>(x, -5, size + 4);
      const T base = mode_ == Interp::Nearest ? x : std::floor(x);
      const int64_t i0 = static_cast<int64_t>(base) - (mode_ == Interp::Cubic ? 1 : 0);
      T coeff[4] = {1, 0, 0, 0};
      if (mode_ == Interp::Linear) coeff[0] = 1 - (x - base), coeff[1] = x - base;
      if (mode_ == Interp::Cubic) cubic_coefficients(x - base, coeff);
      count[a] = 0;
      for (int j = 0; j < k; ++j) {
        int64_t i = i0 + j;
        if (!fetch_index(ax, i)) continue;
        idx[a][count[a]] = i * ax.stride;
        w[a][count[a]++] = coeff[j];
      }
    }
    if (nan) {  // a NaN position samples NaN (an empty image, zeros mode, has nothing to read)
      if (!empty_image_) {
        taps.offset.push_back(0);
        taps.weight.push_back(std::numeric_limits<T>::quiet_NaN());
      }
      taps.begin.push_back(static_cast<int64_t>(taps.offset.size()));
      return;
    }
    // The tensor product of the axes' taps, last axis fastest.
    int pos[kMaxSpatialRank] = {};
    bool empty = false;
    for (int a = 0; a < r; ++a) empty = empty || count[a] == 0;
    while (!empty) {
      int64_t off = 0;
      T weight = 1;
      for (int a = 0; a < r; ++a) off += idx[a][pos[a]], weight *= w[a][pos[a]];
      taps.offset.push_back(off);
      taps.weight.push_back(weight);
      int a = r - 1;
      while (a >= 0 && ++pos[a] == count[a]) pos[a--] = 0;
      if (a < 0) break;
    }
    taps.begin.push_back(static_cast<int64_t>(taps.offset.size()));
  }

 private:
  // Maps a tap's index through the padding rule; false when zeros mode drops it.
  bool fetch_index(const Axis<T>& ax, int64_t& i) const {
    if (i >= 0 && i < ax.size) return true;
    if (padding_ == Padding::Zeros) return false;
    if (padding_ == Padding::Reflection) i = static_cast<int64_t>(reflect(static_cast<T>(i), ax.lo, ax.hi));
    i = std::clamp<int64_t>(i, 0, ax.size - 1);  // border; a safety net after reflecting
    return true;
  }

  Interp mode_;
  Padding padding_;
  bool align_;
  const std::vector<Axis<T>>& axes_;
  bool empty_image_ = false;
};

// The grid's values in the compute type T: the tensor's own data when the types agree.
template <class T>
const T* grid_values(const Tensor& grid, std::vector<T>& store, Tensor& widened) {
  if (grid.dtype() == data_type_v<T>) return grid.data<T>();
  if constexpr (std::is_same_v<T, float>) {
    if (is_half_type(grid.dtype())) {
      widened = widen_to_float(grid);
      return widened.data<float>();
    }
  }
  const std::vector<double> values = values_as_double(grid);
  store.assign(values.begin(), values.end());
  return store.data();
}

class GridSample final : public OpKernel {
 public:
  explicit GridSample(const KernelInfo& info)
      : mode_(parse_mode(info)), padding_(parse_padding(info)), nd_(info.opset() >= 20), bf16_(info.opset() >= 22) {
    const int64_t align = info.attr_int("align_corners", 0);
    if (align != 0 && align != 1)
      info.fail(ErrorCode::InvalidGraph, "attribute 'align_corners' must be 0 or 1, got ", align);
    align_ = align == 1;
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& grid = ctx.input(1);
    check_grid_type(ctx, grid);
    const size_t rank = x.rank();
    if (nd_ ? rank < 3 : rank != 4)
      ctx.fail(ErrorCode::InvalidArgument, "X must be ",
               nd_ ? "of rank 3 or more (N, C, spatial...)" : "4-D (N, C, H, W)", ", got shape ",
               shape_to_string(x.shape()));
    const int r = static_cast<int>(rank - 2);
    if (r > kMaxSpatialRank)
      ctx.fail(ErrorCode::NotImplemented, "X has ", r, " spatial dims, at most ", kMaxSpatialRank, " are supported");
    if (grid.rank() != rank || grid.dim(0) != x.dim(0) || grid.dim(rank - 1) != r)
      ctx.fail(ErrorCode::InvalidArgument, "grid has shape ", shape_to_string(grid.shape()), ", expected (", x.dim(0),
               ", ", r == 2 ? "H_out, W_out" : "spatial...", ", ", r, ") for X of shape ", shape_to_string(x.shape()));
    Shape out_shape{x.dim(0), x.dim(1)};
    out_shape.insert(out_shape.end(), grid.shape().begin() + 1, grid.shape().end() - 1);
    checked_output_size(ctx, out_shape);
    Tensor& y = ctx.output(0, x.dtype(), out_shape);
    if (y.size() == 0) return;
    for (size_t d = 2; d < rank; ++d)
      if (x.dim(d) == 0 && padding_ != Padding::Zeros)
        ctx.fail(ErrorCode::InvalidArgument, "X of shape ", shape_to_string(x.shape()),
                 " has an empty spatial dim: only padding_mode 'zeros' can sample it");
    with_compute_type(x, y, [&](const auto* xd, auto* yd) {
      using T = std::remove_const_t<std::remove_pointer_t<decltype(xd)>>;
      std::vector<T> store;
      Tensor widened;
      sample(ctx, x.shape(), grid.shape(), grid_values<T>(grid, store, widened), xd, yd);
    });
  }

 private:
  void check_grid_type(const KernelContext& ctx, const Tensor& grid) const {
    const DataType t = grid.dtype();
    const bool ok =
        t == DataType::Float || t == DataType::Double || t == DataType::Float16 || (bf16_ && t == DataType::BFloat16);
    if (!ok)
      ctx.fail(ErrorCode::InvalidArgument, "grid has element type ", data_type_name(t), ", expected ",
               bf16_ ? "float, double, float16 or bfloat16" : "float, double or float16");
  }

  template <class T>
  void sample(const KernelContext& ctx, const Shape& x_shape, const Shape& grid_shape, const T* grid, const T* xd,
              T* yd) const {
    const int r = static_cast<int>(x_shape.size() - 2);
    std::vector<Axis<T>> axes(static_cast<size_t>(r));
    int64_t plane = 1;
    for (int a = r - 1; a >= 0; --a) {
      Axis<T>& ax = axes[a];
      ax.size = x_shape[a + 2];
      ax.stride = plane;
      plane *= ax.size;
      ax.lo = align_ ? T(0) : T(-0.5);
      ax.hi = align_ ? static_cast<T>(ax.size - 1) : static_cast<T>(ax.size) - T(0.5);
    }
    const Sampler<T> sampler(mode_, padding_, align_, axes);
    int64_t taps_per_point = 1;
    for (int a = 0; a < r; ++a) taps_per_point *= sampler.per_axis();
    const int64_t batch = x_shape[0], channels = x_shape[1];
    int64_t points = 1;
    for (int a = 1; a <= r; ++a) points *= grid_shape[a];
    // Runs of points small enough for the tap buffer, and enough of them to occupy the threads
    // when there are few images: a point's taps are computed once whatever the run length.
    const int64_t per_image = std::max<int64_t>(1, (4 * int64_t{ctx.threads()} + batch - 1) / batch);
    const int64_t most = std::max<int64_t>(1, kTapsPerChunk / taps_per_point);
    const int64_t least = std::min<int64_t>({points, 64, most});
    const int64_t chunk = std::clamp<int64_t>((points + per_image - 1) / per_image, least, most);
    const int64_t chunks = (points + chunk - 1) / chunk;
    const int64_t grain = std::max<int64_t>(1, kGrainTaps / std::max<int64_t>(1, chunk * taps_per_point * channels));
    parallel_for(batch * chunks, grain, ctx.threads(), [&](int64_t begin, int64_t end) {
      Taps<T> taps;
      for (int64_t unit = begin; unit < end; ++unit) {
        const int64_t n = unit / chunks, p0 = (unit % chunks) * chunk, p1 = std::min(points, p0 + chunk);
        taps.offset.clear(), taps.weight.clear(), taps.begin.assign(1, 0);
        for (int64_t p = p0; p < p1; ++p) sampler.add_point(grid + (n * points + p) * r, taps);
        // Raw pointers: stores to y could otherwise alias the vectors' internals.
        const int64_t *offset = taps.offset.data(), *first = taps.begin.data();
        const T* weight = taps.weight.data();
        for (int64_t c = 0; c < channels; ++c) {
          const T* xc = xd + (n * channels + c) * plane;
          T* yc = yd + (n * channels + c) * points + p0;
          for (int64_t p = 0; p < p1 - p0; ++p) {
            T acc = 0;
            for (int64_t t = first[p]; t < first[p + 1]; ++t) acc += weight[t] * xc[offset[t]];
            yc[p] = acc;
          }
        }
      }
    });
  }

  Interp mode_;
  Padding padding_;
  bool nd_, bf16_;
  bool align_ = false;
};

// 20 generalizes to N-D and renames the modes; 22 adds bfloat16.
constexpr OpRow kGridSampleRows[] = {
    {"GridSample", 16, kIeeeFloatTypes, make_kernel<GridSample>},
    {"GridSample", 20, kIeeeFloatTypes, make_kernel<GridSample>},
    {"GridSample", 22, kFloatTypes, make_kernel<GridSample>},
};
static_assert(std::size(kGridSampleRows) == 3, "update the row count together with the table");

}  // namespace

void register_grid_sample(Registry& r) {
  register_rows(r, kGridSampleRows);
}

}  // namespace onyxrt::ops
