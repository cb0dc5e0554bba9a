#include "ops/nn/resize_plan.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"

namespace onyxrt::ops {
namespace {

// The input coordinate of output position y. The fractional output length scale * in is what
// onnx.reference divides by in align_corners and tf_crop_and_resize (the backend cases expect it);
// pytorch_half_pixel tests the integer length, as its definition and onnxruntime do.
double source_coordinate(const ResizeOptions& options, const AxisGeometry& a, int64_t out_index) {
  const double y = static_cast<double>(out_index), in = static_cast<double>(a.in);
  const double width = a.scale * in;
  switch (options.coordinate) {
    case CoordinateMode::HalfPixel:
      return (y + 0.5) / a.scale - 0.5;
    case CoordinateMode::HalfPixelSymmetric: {
      // Keeps the centre of the input on the centre of the output when out was rounded down.
      const double adjustment = static_cast<double>(a.out) / width;
      const double offset = in / 2 * (1 - adjustment);
      return offset + (y + 0.5) / a.scale - 0.5;
    }
    case CoordinateMode::PytorchHalfPixel:
      return a.out > 1 ? (y + 0.5) / a.scale - 0.5 : 0.0;
    case CoordinateMode::AlignCorners:
      return width == 1 ? 0.0 : y * (in - 1) / (width - 1);
    case CoordinateMode::Asymmetric:
      return y / a.scale;
    case CoordinateMode::TfHalfPixelForNN:
      return (y + 0.5) / a.scale;
    case CoordinateMode::TfCropAndResize: {
      double span = a.roi_end - a.roi_start, offset = a.roi_start * (in - 1);
      if (a.roi_in_float) span = static_cast<float>(span), offset = static_cast<float>(offset);
      const double x = width == 1 ? span * (in - 1) / 2 : y * span * (in - 1) / (width - 1);
      return x + offset;
    }
  }
  return 0;
}

// The nearest input index of coordinate x, clamped into [0, in).
int64_t nearest_index(NearestMode mode, double x, bool shrinking, int64_t in) {
  // Anything below -1 or above in clamps to the same edge: bound x first so the rounding below
  // converts only small values to integers.
  x = std::isnan(x) ? 0.0 : std::clamp(x, -1.0, static_cast<double>(in));
  const double below = std::floor(x);
  double index = below;
  switch (mode) {
    case NearestMode::RoundPreferFloor: index = x - below <= 0.5 ? below : below + 1; break;
    case NearestMode::RoundPreferCeil: index = x - below < 0.5 ? below : below + 1; break;
    case NearestMode::Floor: index = below; break;
    case NearestMode::Ceil: index = std::ceil(x); break;
    case NearestMode::Simple: index = shrinking ? std::ceil(x) : std::trunc(x); break;
  }
  return std::clamp(static_cast<int64_t>(index), int64_t{0}, in - 1);
}

// Keys' cubic convolution kernel with parameter a, at distance d.
double cubic_weight(double a, double d) {
  d = std::fabs(d);
  if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
  if (d < 2) return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  return 0;
}

double filter_weight(const ResizeOptions& options, double d) {
  if (options.mode == ResizeMode::Cubic) return cubic_weight(options.cubic_coeff_a, d);
  return std::max(0.0, 1 - std::fabs(d));
}

bool is_outside_input(double x, int64_t in) { return std::isnan(x) || x < 0 || x > static_cast<double>(in - 1); }

void fill_nearest(const ResizeOptions& options, const AxisGeometry& a, AxisTable& t) {
  const bool crop = options.coordinate == CoordinateMode::TfCropAndResize;
  for (int64_t o = 0; o < a.out; ++o) {
    const double x = source_coordinate(options, a, o);
    if (crop && is_outside_input(x, a.in)) {
      t.outside[static_cast<size_t>(o)] = 1;
      continue;
    }
    t.first[static_cast<size_t>(o)] = nearest_index(options.nearest, x, a.scale < 1, a.in);
  }
}

// Linear and cubic, with or without antialiasing: a window of `raw` taps starting `start` after
// floor(x), weighted by the filter stretched by 1 / min(scale, 1) when antialiasing.
void fill_filtered(const ResizeOptions& options, const AxisGeometry& a, AxisTable& t) {
  const bool crop = options.coordinate == CoordinateMode::TfCropAndResize;
  const double radius = options.mode == ResizeMode::Cubic ? 2 : 1;
  const double stretch = options.antialias ? std::min(a.scale, 1.0) : 1.0;
  // Bounded by about 8 * in: an axis with out >= 1 has scale * in >= 1/2.
  const double start_d = std::floor(-radius / stretch) + 1;
  ONYXRT_ENFORCE(-start_d <= 16.0 * static_cast<double>(a.in) + 16, "Resize: filter window too wide");
  const int64_t start = static_cast<int64_t>(start_d);
  const int64_t raw = 2 - 2 * start;
  t.taps = std::min(raw, a.in);
  t.weights.assign(static_cast<size_t>(a.out * t.taps), 0.0);
  std::vector<double> w(static_cast<size_t>(raw));
  const double far = static_cast<double>(raw + 1);
  for (int64_t o = 0; o < a.out; ++o) {
    double x = source_coordinate(options, a, o);
    if (crop && is_outside_input(x, a.in)) {
      t.outside[static_cast<size_t>(o)] = 1;
      continue;
    }
    // Beyond one window of the input every tap lands outside: the weights no longer change.
    x = std::isnan(x) ? 0.0 : std::clamp(x, -far, static_cast<double>(a.in) + far);
    const int64_t base = static_cast<int64_t>(std::floor(x)) + start;
    double sum = 0;
    for (int64_t k = 0; k < raw; ++k) {
      w[k] = filter_weight(options, (static_cast<double>(base + k) - x) * stretch);
      sum += w[k];
    }
    if (options.antialias && sum != 0)
      for (double& v : w) v /= sum;
    if (options.exclude_outside) {
      sum = 0;
      for (int64_t k = 0; k < raw; ++k) {
        if (base + k < 0 || base + k >= a.in) w[k] = 0;
        sum += w[k];
      }
      if (sum != 0)
        for (double& v : w) v /= sum;
    }
    // Taps past an edge read the edge value (the input is extended by replication).
    const int64_t first = std::min(std::clamp(base, int64_t{0}, a.in - 1), a.in - t.taps);
    t.first[static_cast<size_t>(o)] = first;
    double* row = t.weights.data() + o * t.taps;
    for (int64_t k = 0; k < raw; ++k) row[std::clamp(base + k, int64_t{0}, a.in - 1) - first] += w[k];
  }
}

}  // namespace

bool AxisTable::is_identity() const {
  if (in != out || !outside.empty()) return false;
  for (int64_t o = 0; o < out; ++o) {
    if (weights.empty()) {
      if (first[static_cast<size_t>(o)] != o) return false;
      continue;
    }
    const double* row = weights.data() + o * taps;
    for (int64_t k = 0; k < taps; ++k)
      if (row[k] != (first[static_cast<size_t>(o)] + k == o ? 1.0 : 0.0)) return false;
  }
  return true;
}

AxisTable make_axis_table(const ResizeOptions& options, const AxisGeometry& axis) {
  AxisTable t;
  t.in = axis.in;
  t.out = axis.out;
  if (axis.out == 0) return t;
  ONYXRT_ENFORCE(axis.in > 0, "Resize: an empty axis cannot grow");
  t.first.assign(static_cast<size_t>(axis.out), 0);
  if (options.coordinate == CoordinateMode::TfCropAndResize) t.outside.assign(static_cast<size_t>(axis.out), 0);
  if (options.mode == ResizeMode::Nearest) {
    fill_nearest(options, axis, t);
  } else {
    fill_filtered(options, axis, t);
  }
  if (!t.outside.empty() && std::none_of(t.outside.begin(), t.outside.end(), [](uint8_t v) { return v != 0; }))
    t.outside.clear();
  return t;
}

}  // namespace onyxrt::ops
