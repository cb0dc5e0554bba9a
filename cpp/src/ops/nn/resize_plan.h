#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

// Per-axis sampling tables for Resize and Upsample. Resizing is separable: each output position
// along an axis reads a short window of input positions with fixed weights, so the coordinate
// arithmetic runs once per axis and output index, never per output element.
namespace onyxrt::ops {

enum class ResizeMode { Nearest, Linear, Cubic };

enum class CoordinateMode {
  HalfPixel,
  HalfPixelSymmetric,
  PytorchHalfPixel,
  AlignCorners,
  Asymmetric,
  TfHalfPixelForNN,
  TfCropAndResize,
};

// Simple is Resize-10 / Upsample: ceil when the axis shrinks, truncate when it grows.
enum class NearestMode { RoundPreferFloor, RoundPreferCeil, Floor, Ceil, Simple };

// What a node fixes once, from its attributes (and its opset, for Resize-10 and Upsample).
struct ResizeOptions {
  ResizeMode mode = ResizeMode::Nearest;
  CoordinateMode coordinate = CoordinateMode::HalfPixel;
  NearestMode nearest = NearestMode::RoundPreferFloor;
  double cubic_coeff_a = -0.75;
  bool exclude_outside = false;
  bool antialias = false;
  double extrapolation_value = 0;
};

// One axis as a run resolved it. `scale` is the factor the coordinate transform divides by:
// the given scale, or out / in when sizes were given (as onnx.reference computes it), so that
// scale * in is the fractional output length align_corners and tf_crop_and_resize divide by.
struct AxisGeometry {
  int64_t in = 1, out = 1;
  double scale = 1;
  double roi_start = 0, roi_end = 1;  // tf_crop_and_resize only
  // The roi came as float32 (or float16): its extent and start offset are rounded to float, as
  // onnxruntime and onnx.reference compute them, so that ties of the nearest modes fall alike.
  bool roi_in_float = false;
};

// Output position o reads inputs [first[o], first[o] + taps) with weights[o * taps + k] (linear,
// cubic), or input first[o] alone (nearest, taps == 1, no weights). Window taps that fall outside
// the input were clamped to the edge and their weights merged there, so a window never leaves
// [0, in). outside[o] marks tf_crop_and_resize positions that take the extrapolation value.
struct AxisTable {
  int64_t in = 0, out = 0;
  int64_t taps = 1;
  std::vector<int64_t> first;
  std::vector<double> weights;
  std::vector<uint8_t> outside;  // empty when no position extrapolates

  bool is_outside(int64_t o) const { return !outside.empty() && outside[static_cast<size_t>(o)] != 0; }
  // True when every output position copies the input position of the same index.
  bool is_identity() const;
};

// The table of one axis; in must be > 0 when out > 0 (the caller checks).
AxisTable make_axis_table(const ResizeOptions& options, const AxisGeometry& axis);

}  // namespace onyxrt::ops
