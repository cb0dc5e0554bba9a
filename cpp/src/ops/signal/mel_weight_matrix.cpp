// MelWeightMatrix (17): [dft_length / 2 + 1, num_mel_bins] triangular filters, peak 1, that map
// a onesided spectrum to mel bands. The num_mel_bins + 2 edges are spaced evenly on the mel scale
// mel(f) = 2595 log10(1 + f / 700) from lower_edge_hertz, in steps of (mel(upper) - mel(lower)) /
// (num_mel_bins + 2) as the reference does, mapped back to hertz and to the spectrum bin
// floor((dft_length + 1) * hz / sample_rate) (Python's float floor division, for identical bins
// at exact quotients). Filter i rises over bins [e_i, e_{i+1}] and falls over [e_{i+1}, e_{i+2});
// a zero-width rise is a single 1 at e_{i+1}. Stored as `output_datatype` (default float).
#include <cmath>
#include <vector>

#include "ops/float_staging.h"
#include "ops/registry.h"
#include "ops/shape_check.h"
#include "ops/signal/signal_args.h"

namespace onyxrt::ops {
namespace {

// Python's float // (CPython float_floor_div, numpy npy_divmod): floor of the exact quotient,
// which plain floor(a / b) misses when a / b rounds up to an integer.
double python_floor_div(double a, double b) {
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div == 0) return std::copysign(0.0, a / b);
  double floor_div = std::floor(div);
  if (div - floor_div > 0.5) floor_div += 1.0;
  return floor_div;
}

double read_scalar_float(const KernelContext& ctx, size_t i, const char* what) {
  const Tensor& t = ctx.input(i);
  if (t.size() != 1 || t.rank() > 1)
    ctx.fail(ErrorCode::InvalidArgument, "'", what, "' must be a scalar, got shape ", shape_to_string(t.shape()));
  if (!kFloatTypes.contains(t.dtype()))
    ctx.fail(ErrorCode::InvalidArgument, "'", what, "' has element type ", data_type_name(t.dtype()),
             ", expected a float type");
  return values_as_double(t)[0];
}

class MelWeightMatrix final : public OpKernel {
 public:
  explicit MelWeightMatrix(const KernelInfo& info) : output_type_(parse_output_datatype(info)) {}

  void compute(KernelContext& ctx) const override {
    const int64_t mel_bins = read_scalar_int(ctx, 0, "num_mel_bins");
    const int64_t dft_length = read_scalar_int(ctx, 1, "dft_length");
    const int64_t sample_rate = read_scalar_int(ctx, 2, "sample_rate");
    const double lower = read_scalar_float(ctx, 3, "lower_edge_hertz");
    const double upper = read_scalar_float(ctx, 4, "upper_edge_hertz");
    if (mel_bins < 0) ctx.fail(ErrorCode::InvalidArgument, "num_mel_bins must not be negative, got ", mel_bins);
    if (dft_length < 1) ctx.fail(ErrorCode::InvalidArgument, "dft_length must be positive, got ", dft_length);
    if (sample_rate < 1) ctx.fail(ErrorCode::InvalidArgument, "sample_rate must be positive, got ", sample_rate);
    const int64_t spectrum_bins = dft_length / 2 + 1;
    const Shape out_shape{spectrum_bins, mel_bins};
    const int64_t count = checked_output_size(ctx, out_shape);

    const std::vector<int64_t> edges = edge_bins(ctx, mel_bins, dft_length, sample_rate, lower, upper, spectrum_bins);
    std::vector<double> w(static_cast<size_t>(count), 0.0);
    for (int64_t i = 0; i < mel_bins; ++i) {
      const int64_t left = edges[i], center = edges[i + 1], right = edges[i + 2];
      if (center == left) {
        w[center * mel_bins + i] = 1.0;
      } else {
        for (int64_t j = left; j <= center; ++j)
          w[j * mel_bins + i] = static_cast<double>(j - left) / static_cast<double>(center - left);
      }
      for (int64_t j = center; j < right; ++j)
        w[j * mel_bins + i] = static_cast<double>(right - j) / static_cast<double>(right - center);
    }
    Tensor& y = ctx.output(0, output_type_, out_shape);
    store_doubles(w, y);
  }

 private:
  // The spectrum bin of each of the mel_bins + 2 filter edges. Every bin a filter writes must
  // lie in the spectrum: edges 0 .. mel_bins below spectrum_bins, the last one at most that
  // (a falling edge stops before it).
  static std::vector<int64_t> edge_bins(const KernelContext& ctx, int64_t mel_bins, int64_t dft_length,
                                        int64_t sample_rate, double lower, double upper, int64_t spectrum_bins) {
    const double ln10 = std::log(10.0);
    const double low_mel = 2595.0 * std::log1p(lower / 700.0) / ln10;
    const double high_mel = 2595.0 * std::log1p(upper / 700.0) / ln10;
    const double step = (high_mel - low_mel) / static_cast<double>(mel_bins + 2);
    std::vector<int64_t> edges(static_cast<size_t>(mel_bins + 2));
    for (int64_t k = 0; k < mel_bins + 2; ++k) {
      const double hz = 700.0 * std::expm1((static_cast<double>(k) * step + low_mel) / 2595.0 * ln10);
      const double bin = python_floor_div(static_cast<double>(dft_length + 1) * hz, static_cast<double>(sample_rate));
      const int64_t limit = k == mel_bins + 1 ? spectrum_bins : spectrum_bins - 1;
      if (!(bin >= 0 && bin <= static_cast<double>(limit)))
        ctx.fail(ErrorCode::InvalidArgument, "lower_edge_hertz ", lower, " and upper_edge_hertz ", upper,
                 " put mel filter edge ", k, " at spectrum bin ", bin, ", outside [0, ", limit, "] for dft_length ",
                 dft_length, " and sample_rate ", sample_rate);
      edges[k] = static_cast<int64_t>(bin);
    }
    return edges;
  }

  DataType output_type_;
};

}  // namespace

void register_mel_weight_matrix(Registry& r) {
  r.add({"", "MelWeightMatrix", 17, {DataType::Int32, DataType::Int64}, make_kernel<MelWeightMatrix>});
}

}  // namespace onyxrt::ops
