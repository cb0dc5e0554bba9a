#include "ops/nn/conv_core.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "base/mapped_file.h"
#include "base/parallel.h"
#include "kernels/conv.h"
#include "kernels/conv_direct.h"
#include "ops/float_staging.h"
#include "ops/nn/conv_operands.h"
#include "ops/nn/gemm_units.h"

namespace onyxrt::ops {
namespace {

// Groups with one input channel and at most this many output channels run the direct depthwise
// kernel: as a GEMM they would fill a fraction of the microkernel's rows.
constexpr int64_t kDepthwiseMaxMultiplier = 4;
constexpr int kDepthwiseMaxRank = 3;

// What follows the GEMM in each unit: the residual Z (same layout as Y, or null) and the
// activation.
template <class T>
struct UnitTail {
  const ConvActivation& act;
  const T* z;  // Z's element 0, to be offset like Y
};

// Depthwise: units are (image, block of output channels) ranges, in parallel; blocks of 16 suit
// the kernel's channels-in-lanes path at either vector width, unless that leaves a thread idle.
// The residual Z and a Relu / Clip go into the kernel's stores; other activations follow each
// range while it is in cache.
void run_depthwise(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                   const UnitTail<float>& tail, int threads) {
  using Kind = ConvActivation::Kind;
  kernels::DepthwiseEpilogue ep;
  ep.z = tail.z;
  if (tail.act.kind == Kind::Relu) ep.lo = 0.0f;
  if (tail.act.kind == Kind::Clip) ep.lo = tail.act.p0, ep.hi = tail.act.p1;
  const bool pass = tail.act.kind != Kind::None && tail.act.kind != Kind::Relu && tail.act.kind != Kind::Clip;
  const int64_t block = s.batch * ((s.m + 15) / 16) >= threads ? 16 : 1;
  const int64_t blocks = (s.m + block - 1) / block, units = s.batch * blocks;
  const int64_t work = std::max<int64_t>(1, block * s.out_size * s.geometry.kernel_size());
  const int64_t grain = std::max<int64_t>(1, 32768 / work);
  parallel_for(units, grain, threads, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end;) {  // one call per image within the chunk
      const int64_t n = u / blocks, b0 = u % blocks, b1 = std::min(blocks, b0 + (end - u));
      const int64_t c0 = b0 * block, c1 = std::min(s.m, b1 * block);
      const int64_t image = n * s.m * s.out_size;
      kernels::DepthwiseEpilogue image_ep = ep;
      if (ep.z != nullptr) image_ep.z = ep.z + image;
      kernels::depthwise_conv_f32(s.geometry, s.m_g, x + n * s.c * s.in_size, w, bias, y + image, c0, c1, image_ep);
      if (pass)
        apply_conv_activation<float>(tail.act, y + image + c0 * s.out_size, nullptr, c1 - c0, s.out_size, s.out_size);
      u += b1 - b0;
    }
  });
}

// Column chunk: for im2col about 512 KiB of the lowered matrix, at least 64 columns. A pointwise
// convolution needs no lowering and runs whole, unless an activation pass follows: then chunks
// keep each unit's output (M/g x chunk) near 128 KiB, so the pass finds it in cache.
int64_t chunk_columns(const ConvShape& s, const ConvActivation& act) {
  int64_t cols;
  if (s.pointwise) {
    if (!act.needs_pass()) return s.out_size;
    cols = std::max<int64_t>(256, (int64_t{1} << 15) / std::max<int64_t>(1, s.m_g)) / 64 * 64;
  } else {
    cols = std::max<int64_t>(64, (int64_t{1} << 17) / std::max<int64_t>(1, s.k_g)) / 64 * 64;
  }
  return std::min(cols, s.out_size);
}

template <class T>
std::vector<T>& im2col_scratch() {
  thread_local std::vector<T> buffer;  // reused across calls: a run after the first allocates nothing
  return buffer;
}

// W[g] * cols (k_g x n, row stride ldb) [+ y when accumulate] -> y (m_g x n, row stride ldc),
// plus bias per row, clamped at 0 when relu.
void group_gemm(const ConvShape& s, int64_t g, const float* w, const kernels::PackedMatrixA* packed,
                const float* bias, const float* cols, int64_t n, int64_t ldb, float* y, int64_t ldc, bool accumulate,
                bool relu, int threads) {
  kernels::GemmEpilogue ep;
  if (bias != nullptr) ep.bias_kind = kernels::GemmEpilogue::Bias::PerRow, ep.bias = bias + g * s.m_g;
  ep.relu = relu;
  const float beta = accumulate ? 1.0f : 0.0f;
  if (packed != nullptr) {
    kernels::gemm_f32_packed(packed[g], false, n, 1.0f, cols, ldb, beta, y, ldc, threads, ep);
  } else {
    kernels::gemm_f32(false, false, s.m_g, n, s.k_g, 1.0f, w + g * s.m_g * s.k_g, s.k_g, cols, ldb, beta, y, ldc,
                      threads, ep);
  }
}

// Double has no epilogue: the bias and a Relu are a pass like the other activations.
void group_gemm(const ConvShape& s, int64_t g, const double* w, const void*, const double* bias, const double* cols,
                int64_t n, int64_t ldb, double* y, int64_t ldc, bool accumulate, bool relu, int threads) {
  kernels::gemm_f64(false, false, s.m_g, n, s.k_g, 1.0, w + g * s.m_g * s.k_g, s.k_g, cols, ldb,
                    accumulate ? 1.0 : 0.0, y, ldc, threads);
  if (bias != nullptr)
    for (int64_t i = 0; i < s.m_g; ++i)
      for (int64_t j = 0; j < n; ++j) y[i * ldc + j] += bias[g * s.m_g + i];
  if (relu) apply_conv_activation(ConvActivation{ConvActivation::Kind::Relu}, y, static_cast<const double*>(nullptr),
                                  s.m_g, n, ldc);
}

void im2col(const kernels::ConvGeometry& g, const float* x, int64_t q0, int64_t n, float* out) {
  kernels::im2col_f32(g, x, q0, n, out, n);
}
void im2col(const kernels::ConvGeometry& g, const double* x, int64_t q0, int64_t n, double* out) {
  kernels::im2col_f64(g, x, q0, n, out, n);
}

// Y's block (rows x cols, row stride ld) starts as Z's, for a GEMM with beta = 1. Y may be Z
// itself when a planner reuses Z's buffer.
template <class T>
void copy_block(const T* z, T* y, int64_t rows, int64_t cols, int64_t ld) {
  if (z == y) return;
  for (int64_t r = 0; r < rows; ++r) std::memcpy(y + r * ld, z + r * ld, static_cast<size_t>(cols) * sizeof(T));
}

// Runs every (image, group, column chunk) unit: in parallel with single-threaded GEMMs when there
// are enough units, else one after another with threaded GEMMs.
template <class T, class Packed>
void run_conv(const ConvShape& s, const T* x, const T* w, const Packed* packed, const T* bias, T* y,
              const UnitTail<T>& tail, int threads) {
  const int64_t chunk = chunk_columns(s, tail.act);
  const int64_t chunks = (s.out_size + chunk - 1) / chunk;
  const int64_t units = s.batch * s.group * chunks;
  const bool relu = tail.act.kind == ConvActivation::Kind::Relu, pass = tail.act.needs_pass();
  run_gemm_units(units, threads, [&](int64_t u, int gemm_threads) {
    const int64_t n = u / (s.group * chunks), g = (u / chunks) % s.group, q0 = (u % chunks) * chunk;
    const int64_t cols = std::min(chunk, s.out_size - q0);
    const T* xg = x + (n * s.c + g * s.c_g) * s.in_size;
    const int64_t y_offset = (n * s.m + g * s.m_g) * s.out_size + q0;
    T* yb = y + y_offset;
    if (tail.z != nullptr) copy_block(tail.z + y_offset, yb, s.m_g, cols, s.out_size);
    if (s.pointwise) {
      group_gemm(s, g, w, packed, bias, xg + q0, cols, s.out_size, yb, s.out_size, tail.z != nullptr, relu,
                 gemm_threads);
    } else {
      std::vector<T>& buf = im2col_scratch<T>();
      if (buf.size() < static_cast<size_t>(s.k_g * cols)) buf.resize(static_cast<size_t>(s.k_g * cols));
      im2col(s.geometry, xg, q0, cols, buf.data());
      group_gemm(s, g, w, packed, bias, buf.data(), cols, cols, yb, s.out_size, tail.z != nullptr, relu, gemm_threads);
    }
    if (pass) apply_conv_activation(tail.act, yb, static_cast<const T*>(nullptr), s.m_g, cols, s.out_size);
  });
}

// A direct kernel's epilogue: a clamp activation (Relu, Clip) is fused into its stores; the
// other activations run as a pass after it (activation_after_direct).
kernels::ConvDirectEpilogue direct_epilogue(const ConvActivation& act) {
  using Kind = ConvActivation::Kind;
  kernels::ConvDirectEpilogue ep;
  if (act.kind == Kind::Relu || act.kind == Kind::Clip) {
    ep.clamp = true;
    ep.lo = act.kind == Kind::Relu ? 0.0f : act.p0;
    ep.hi = act.kind == Kind::Relu ? std::numeric_limits<float>::infinity() : act.p1;
  }
  return ep;
}

void activation_after_direct(const ConvActivation& act, const kernels::ConvDirectEpilogue& ep, float* y, int64_t rows,
                             int64_t cols) {
  if (!ep.clamp && act.kind != ConvActivation::Kind::None)
    apply_conv_activation(act, y, static_cast<const float*>(nullptr), rows, cols, cols);
}

// Every (image, group) through a direct kernel (conv_one(group, x, y, epilogue, threads)), with the
// residual Z and the activation as direct_epilogue splits it. With units enough to share out
// evenly, each thread takes whole units on one thread: a unit split across threads pays a
// fork/join per image and leaves a core idle wherever its tiles do not divide evenly (MobileNetV2
// at batch 8 on 2 threads: 1.06-1.09 of onnxruntime's time split within images, 1.02-1.03 by
// images). Fewer units (batch 1, or 3 images on 2 threads) split within each, as does a
// convolution too small to pay for the fork/join (the direct kernel's own threshold: 2^18
// multiply-adds a thread).
template <class ConvOne>
void run_direct(const ConvShape& s, const float* x, const float* bias, float* y, const UnitTail<float>& tail,
                int threads, ConvOne&& conv_one) {
  const kernels::ConvDirectEpilogue base = direct_epilogue(tail.act);
  const auto one = [&](int64_t unit, int unit_threads) {
    const int64_t n = unit / s.group, g = unit % s.group;
    kernels::ConvDirectEpilogue ep = base;
    ep.bias = bias != nullptr ? bias + g * s.m_g : nullptr;
    const int64_t y_offset = (n * s.m + g * s.m_g) * s.out_size;
    ep.z = tail.z != nullptr ? tail.z + y_offset : nullptr;
    conv_one(g, x + (n * s.c + g * s.c_g) * s.in_size, y + y_offset, ep, unit_threads);
    activation_after_direct(tail.act, ep, y + y_offset, s.m_g, s.out_size);
  };
  constexpr int64_t kMinWorkPerThread = int64_t{1} << 18;
  const int64_t units = s.batch * s.group, t = threads;
  const bool evenly = units % t == 0 || units >= 4 * t;
  run_units(units, threads, evenly && units * s.m_g * s.k_g * s.out_size >= kMinWorkPerThread * t, one);
}

// W^T packed (the transposed form's layout) for a geometry that form does not serve: C^T =
// im2col(x)^T W^T through the GEMM, column chunk by chunk, transposed into y with the bias and Z;
// the activation follows as a pass.
void run_transposed_gemm(const ConvShape& s, const float* x, const kernels::PackedMatrixB* packed, const float* bias,
                         float* y, const UnitTail<float>& tail, int threads) {
  const int64_t chunk = std::min<int64_t>(s.out_size, std::max<int64_t>(64, (int64_t{1} << 17) / std::max<int64_t>(1, s.k_g)));
  std::vector<float>& cols = im2col_scratch<float>();
  std::vector<float> ct(static_cast<size_t>(chunk * s.m_g));
  if (cols.size() < static_cast<size_t>(s.k_g * chunk)) cols.resize(static_cast<size_t>(s.k_g * chunk));
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t g = 0; g < s.group; ++g) {
      const float* xg = x + (n * s.c + g * s.c_g) * s.in_size;
      float* yg = y + (n * s.m + g * s.m_g) * s.out_size;
      for (int64_t q0 = 0; q0 < s.out_size; q0 += chunk) {
        const int64_t n_cols = std::min(chunk, s.out_size - q0);
        im2col(s.geometry, xg, q0, n_cols, cols.data());
        kernels::gemm_f32_packed(true, n_cols, 1.0f, cols.data(), n_cols, packed[g], 0.0f, ct.data(), s.m_g, threads);
        // Z joins here, read just before its Y element is written: Y may be Z's buffer.
        const float* zg = tail.z != nullptr ? tail.z + (n * s.m + g * s.m_g) * s.out_size : nullptr;
        for (int64_t i = 0; i < s.m_g; ++i) {
          const float b = bias != nullptr ? bias[g * s.m_g + i] : 0.0f;
          float* yr = yg + i * s.out_size + q0;
          for (int64_t q = 0; q < n_cols; ++q) yr[q] = ct[q * s.m_g + i] + b;
          if (zg != nullptr)
            for (int64_t q = 0; q < n_cols; ++q) yr[q] += zg[i * s.out_size + q0 + q];
        }
      }
      if (tail.act.kind != ConvActivation::Kind::None)
        apply_conv_activation(tail.act, yg, static_cast<const float*>(nullptr), s.m_g, s.out_size, s.out_size);
    }
}

// The geometry of one image and group when X's spatial shape is known before any run (its batch
// may be open), else nothing: a hint for choosing a weight form (a later run of another shape
// still computes right, in that form's layout).
std::optional<kernels::ConvGeometry> known_geometry(const KernelInfo& info, const WindowAttributes& window,
                                                    const Tensor& w, int64_t group) {
  const std::vector<int64_t>* known = info.static_input_shape(0);
  if (known == nullptr || known->size() != w.rank()) return std::nullopt;
  Shape input = *known;
  input[0] = 1, input[1] = w.dim(1) * group;
  for (size_t d = 2; d < input.size(); ++d)
    if (input[d] < 1) return std::nullopt;
  try {
    WindowPlan plan = resolve_window(window, info, input, Shape(w.shape().begin() + 2, w.shape().end()));
    plan.geometry.channels = w.dim(1);
    return plan.geometry;
  } catch (const Error&) {  // the run will report it, against the real shape
    return std::nullopt;
  }
}

// Whether X's known shape makes the transposed direct kernel the better form.
bool transposed_form_fits(const KernelInfo& info, const WindowAttributes& window, const Tensor& w, int64_t group) {
  if (!kernels::conv_direct_t_f32_available()) return false;
  const std::optional<kernels::ConvGeometry> g = known_geometry(info, window, w, group);
  return g && kernels::conv_direct_t_f32_preferred(*g, w.dim(0) / group);
}

// Whether a Winograd call over `outputs` output positions (all images) beats the direct kernel.
// Its transformed weights are 4x W's bytes, and in a model they come from DRAM every run (the
// weights of a model do not stay in cache between runs), so few positions a call cannot pay for
// reading them. Measured with the caches flushed before each run, 1 thread: at 14 x 14 and
// batch 1 the direct kernel wins for every channel count (256 -> 256: 1.73 against 2.01 ms,
// 128 -> 160: 0.64 against 0.82); 256 -> 256 at batch 2 goes to Winograd (2.67 against 2.97),
// 128 -> 160 not even at batch 3 (1.42 against 1.62); at 28 x 28 and batch 1 Winograd wins from
// 96 -> 96 (0.78 against 0.91; 64 -> 96 loses 0.71 against 0.66), at batch 8 on 14 x 14 always.
bool winograd_pays(int64_t outputs, int64_t in_channels, int64_t out_channels) {
  constexpr int64_t kMinOutputs = 28 * 28, kMinOutputsWide = 2 * 14 * 14, kWideChannels = 256;
  return outputs >= kMinOutputs ||
         (outputs >= kMinOutputsWide && std::min(in_channels, out_channels) >= kWideChannels);
}

// Which weight forms a constant W needs for the Winograd kernel (kernels/winograd.h): a 2-D 3x3
// convolution, stride and dilation 1, one group, whose channels give the point GEMMs some size:
// at least 32 in and 32 out (the input transform's cost per tile grows with the input channels,
// the output transform's with the output channels, the GEMMs' with both). With the caches
// flushed before each run, 1 thread, Winograd against direct: 16 in and 64 out at 55 x 55 1.18
// against 0.82 ms (in squeezenet 467 against 391 us), 24 in 1.21 against 1.15, 32 in 1.09
// against 1.28 at 56 x 56; 32 in and 16 out measured 1.3-1.8 of onnxruntime against the direct
// kernel's 0.85. Its transformed weights are 4x the size of W, so the widest
// layers (more than 256 x 256 channels) keep the direct kernel, as do, when X's shape is known:
// - planes under 14 x 14: per layer they gain too (squeezenet's 64 -> 256 at 13 x 13: 0.72 of
//   onnxruntime against 1.05), but GoogLeNet's 13 x 13 stage doubled its session creation
//   (20 -> 41 ms, onnxruntime's 20) for 4% of its run time;
// - planes under 24 x 24 with fewer than 96 output channels: the partial tiles at the edges
//   (16 x 16 outputs computed for 14 x 14) cost more than narrow GEMMs save (64 -> 64 channels
//   at 14 x 14 measured 1.18 of onnxruntime, 48 -> 128 0.78, 256 -> 256 0.60; `bench/conv.py`);
// - calls with too few positions for the weights' reads (winograd_pays): with the batch known
//   that decides; with it open, a plane that one image does not pay for keeps both forms, and
//   each run takes the one its batch pays for.
// ONYXRT_WINOGRAD=0 in the environment turns it off (the direct kernels' rounding, for comparing
// outputs closely with another runtime).
enum class WinogradForms { None, Only, AlongsideDirect };

WinogradForms winograd_forms(const KernelInfo& info, const Tensor& w, int64_t group, const WindowAttributes& window) {
  static const bool enabled = [] {
    const char* flag = std::getenv("ONYXRT_WINOGRAD");
    return flag == nullptr || std::string(flag) != "0";
  }();
  if (!enabled) return WinogradForms::None;
  constexpr int64_t kMinIn = 32, kMinOut = 32, kMaxChannelProduct = 256 * 256;
  constexpr int64_t kMinPlane = 14 * 14, kWidePlane = 24 * 24, kMinOutOnNarrowPlane = 96;
  auto all_ones = [](const std::vector<int64_t>& v) {
    return std::all_of(v.begin(), v.end(), [](int64_t x) { return x == 1; });
  };
  const int64_t m = w.rank() == 4 ? w.dim(0) : 0, c = w.rank() == 4 ? w.dim(1) : 0;
  const bool serves = group == 1 && w.rank() == 4 && w.dim(2) == 3 && w.dim(3) == 3 && all_ones(window.strides) &&
                      all_ones(window.dilations) && c >= kMinIn && m >= kMinOut && m * c <= kMaxChannelProduct;
  if (!serves) return WinogradForms::None;
  const std::optional<kernels::ConvGeometry> g = known_geometry(info, window, w, group);
  if (!g) return WinogradForms::Only;
  const int64_t plane = g->input_size();
  if (plane < kMinPlane || (plane < kWidePlane && m < kMinOutOnNarrowPlane)) return WinogradForms::None;
  const int64_t batch = (*info.static_input_shape(0))[0];
  if (batch > 0) return winograd_pays(batch * g->output_size(), c, m) ? WinogradForms::Only : WinogradForms::None;
  return winograd_pays(g->output_size(), c, m) ? WinogradForms::Only : WinogradForms::AlongsideDirect;
}

}  // namespace

ConvCore::ConvCore(const KernelInfo& info, ConvActivation activation, int z_input)
    : window_(parse_window_attributes(info)), activation_(activation), z_input_(z_input) {
  group_ = info.attr_int("group", 1);
  if (group_ < 1) info.fail(ErrorCode::InvalidGraph, "attribute 'group' must be at least 1, got ", group_);
  const Tensor* w = info.constant_input(1);
  if (w == nullptr) return;
  if (w->rank() < 3)
    info.fail(ErrorCode::InvalidGraph, "W must have M, C/group and kernel axes, got shape ",
              shape_to_string(w->shape()));
  if (w->dim(0) % group_ != 0)
    info.fail(ErrorCode::InvalidGraph, "W's ", w->dim(0), " output channels do not split into ", group_, " groups");
  if (!window_.kernel_shape.empty() && !std::equal(window_.kernel_shape.begin(), window_.kernel_shape.end(),
                                                   w->shape().begin() + 2, w->shape().end()))
    info.fail(ErrorCode::InvalidGraph, "attribute 'kernel_shape' disagrees with W's shape ",
              shape_to_string(w->shape()));
  if ((w->dtype() != DataType::Float && !is_half_type(w->dtype())) || w->size() == 0) return;
  const Tensor wf = widen_to_float(*w);
  if (w->dim(1) == 1 && w->dim(0) / group_ <= kDepthwiseMaxMultiplier && w->rank() - 2 <= kDepthwiseMaxRank) {
    depthwise_weights_ = wf;  // the direct kernel reads W as it is
    return;
  }
  const WinogradForms winograd = winograd_forms(info, *w, group_, window_);
  if (winograd != WinogradForms::None)
    winograd_ = kernels::WinogradWeightsF32(wf.data<float>(), w->dim(0), w->dim(1));
  if (winograd != WinogradForms::Only) pack_direct_weights(info, *w, wf);
  packed_shape_ = w->shape();
  release_mapped_pages(w->raw(), w->nbytes());  // the packed copy is what runs read
  // A float W is read for its shape only from now on (every path uses the packed copy), so the
  // session may free it; a 16-bit W is kept.
  if (w->dtype() == DataType::Float) info.release_constant(1);
}

void ConvCore::pack_direct_weights(const KernelInfo& info, const Tensor& w, const Tensor& wf) {
  // Pre-pack each group's (M/g) x (C/g * kernel) block of the float weights: as B panels of W^T
  // for the transposed direct kernel when X's known shape favours it, else as A panels.
  const int64_t m_g = w.dim(0) / group_, k_g = w.size() / w.dim(0);
  const bool transposed = transposed_form_fits(info, window_, w, group_);
  for (int64_t g = 0; g < group_; ++g) {
    const float* wg = wf.data<float>() + g * m_g * k_g;
    if (transposed) {
      packed_t_.push_back(kernels::pack_b_f32(true, k_g, m_g, wg, k_g));
    } else {
      packed_.push_back(kernels::pack_a_f32(false, m_g, k_g, wg, k_g));
    }
  }
}

void ConvCore::compute(KernelContext& ctx) const {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const Tensor* b = ctx.has_input(2) ? &ctx.input(2) : nullptr;
  const Tensor* z = z_input_ >= 0 && ctx.has_input(static_cast<size_t>(z_input_)) ? &ctx.input(z_input_) : nullptr;
  ConvShape s = check_shapes(ctx, x, w, b);
  Shape y_shape = window_output_shape(plan_for(ctx, x, w, s), s.batch, s.m);
  // Y may take Z's buffer when nothing reads Z after this step: a residual block then streams one
  // buffer instead of two. Every path but depthwise reads each Z element before writing its Y
  // element (the depthwise kernels that add Z in a pass after storing Y do not).
  Tensor& y = z != nullptr && !s.depthwise
                  ? ctx.output_in_place_of(static_cast<size_t>(z_input_), 0, x.dtype(), std::move(y_shape))
                  : ctx.output(0, x.dtype(), std::move(y_shape));
  if (z != nullptr && (z->dtype() != x.dtype() || z->shape() != y.shape()))
    ctx.fail(ErrorCode::InvalidArgument, "Z must have the output's type and shape (", data_type_name(x.dtype()), " ",
             shape_to_string(y.shape()), "), got ", data_type_name(z->dtype()), " ", shape_to_string(z->shape()));
  if (y.size() == 0) return;
  const bool use_packed = (!packed_.empty() || !packed_t_.empty() || !winograd_.empty()) && w.shape() == packed_shape_;
  run_in_compute_type(
      x, b, y,
      [&](double* yd) {
        const UnitTail<double> tail{activation_, z ? z->data<double>() : nullptr};
        run_conv<double, void>(s, x.data<double>(), w.data<double>(), nullptr, b ? b->data<double>() : nullptr, yd,
                               tail, ctx.threads());
      },
      [&](const Tensor& xf, const Tensor* bf, float* yf) {
        const Tensor zf = z ? widen_to_float(*z) : Tensor();
        run_f32(s, xf, w, bf, z ? &zf : nullptr, use_packed, yf, ctx.threads());
      });
}

ConvShape ConvCore::check_shapes(const KernelContext& ctx, const Tensor& x, const Tensor& w, const Tensor* b) const {
  check_conv_operands(ctx, x, w, b);
  ConvShape s;
  s.batch = x.dim(0), s.group = group_, s.c = x.dim(1), s.m = w.dim(0), s.c_g = w.dim(1);
  if (s.c_g * group_ != s.c || s.m % group_ != 0)
    ctx.fail(ErrorCode::InvalidArgument, "X (shape ", shape_to_string(x.shape()), ") has ", s.c,
             " channels but W (shape ", shape_to_string(w.shape()), ") with group ", group_, " expects ",
             s.c_g * group_, s.m % group_ != 0 ? " and M divisible by group" : "");
  if (b != nullptr && (b->rank() != 1 || b->dim(0) != s.m))
    ctx.fail(ErrorCode::InvalidArgument, "B must have shape [", s.m, "] to match W (shape ",
             shape_to_string(w.shape()), "), got ", shape_to_string(b->shape()));
  s.m_g = s.m / group_;
  return s;
}

WindowPlan ConvCore::plan_for(const KernelContext& ctx, const Tensor& x, const Tensor& w, ConvShape& s) const {
  const std::vector<int64_t> kernel = conv_kernel_of(ctx, window_, w);
  WindowPlan plan = resolve_window(window_, ctx, x.shape(), kernel);
  plan.geometry.channels = s.c_g;
  s.geometry = plan.geometry;
  s.in_size = plan.geometry.input_size();
  s.out_size = plan.geometry.output_size();
  s.k_g = s.c_g * plan.geometry.kernel_size();
  s.depthwise = s.c_g == 1 && s.m_g <= kDepthwiseMaxMultiplier && plan.geometry.rank <= kDepthwiseMaxRank;
  s.pointwise = plan.geometry.is_pointwise();
  return plan;
}

// x, b and z are float; w has the input's type (widened here unless a packed copy serves).
void ConvCore::run_f32(const ConvShape& s, const Tensor& x, const Tensor& w, const Tensor* b, const Tensor* z,
                       bool use_packed, float* y, int threads) const {
  const float* bias = b ? b->data<float>() : nullptr;
  const UnitTail<float> tail{activation_, z ? z->data<float>() : nullptr};
  if (s.depthwise) {
    const bool constant = depthwise_weights_.defined() && w.shape() == depthwise_weights_.shape();
    const Tensor wf = constant ? depthwise_weights_ : widen_to_float(w);
    run_depthwise(s, x.data<float>(), wf.data<float>(), bias, y, tail, threads);
  } else if (use_packed && !winograd_.empty() &&
             ((packed_.empty() && packed_t_.empty()) || winograd_pays(s.batch * s.out_size, s.c_g, s.m))) {
    // The constructor took only a W whose every geometry the kernel serves (winograd_forms).
    ONYXRT_ENFORCE(kernels::winograd_f32_supported(s.geometry), "Winograd convolution: unsupported geometry");
    kernels::ConvDirectEpilogue ep = direct_epilogue(tail.act);
    ep.bias = bias, ep.z = tail.z;
    kernels::winograd_conv_f32(s.geometry, winograd_, s.batch, x.data<float>(), y, ep, threads);
    activation_after_direct(tail.act, ep, y, s.batch * s.m, s.out_size);
  } else if (use_packed && !packed_t_.empty()) {
    if (kernels::conv_direct_t_f32_supported(s.geometry, packed_t_[0])) {
      run_direct(s, x.data<float>(), bias, y, tail, threads,
                 [&](int64_t g, const float* xg, float* yg, const auto& ep, int unit_threads) {
        kernels::conv_direct_t_f32(s.geometry, packed_t_[g], xg, yg, s.out_size, ep, unit_threads);
      });
    } else {
      run_transposed_gemm(s, x.data<float>(), packed_t_.data(), bias, y, tail, threads);
    }
  } else if (use_packed && kernels::conv_direct_f32_supported(s.geometry, packed_[0])) {
    run_direct(s, x.data<float>(), bias, y, tail, threads,
               [&](int64_t g, const float* xg, float* yg, const auto& ep, int unit_threads) {
      kernels::conv_direct_f32(s.geometry, packed_[g], xg, yg, s.out_size, ep, unit_threads);
    });
  } else if (use_packed) {
    run_conv(s, x.data<float>(), static_cast<const float*>(nullptr), packed_.data(), bias, y, tail, threads);
  } else {
    const Tensor wf = widen_to_float(w);
    run_conv(s, x.data<float>(), wf.data<float>(), static_cast<const kernels::PackedMatrixA*>(nullptr), bias, y, tail,
             threads);
  }
}

}  // namespace onyxrt::ops
