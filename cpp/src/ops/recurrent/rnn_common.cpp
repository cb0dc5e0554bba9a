#include "ops/recurrent/rnn_common.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <mutex>

#include "base/parallel.h"
#include "ops/float_staging.h"
#include "ops/shape_check.h"

namespace onyxrt::ops {

RnnAttributes parse_rnn_attributes(const KernelInfo& info, const std::vector<std::string>& defaults, bool has_layout) {
  RnnAttributes a;
  const std::string direction = info.attr_string("direction", "forward");
  if (direction == "forward") {
    a.direction = RnnDirection::Forward;
  } else if (direction == "reverse") {
    a.direction = RnnDirection::Reverse;
  } else if (direction == "bidirectional") {
    a.direction = RnnDirection::Bidirectional;
  } else {
    info.fail(ErrorCode::InvalidGraph, "attribute 'direction' is '", direction,
              "', expected 'forward', 'reverse' or 'bidirectional'");
  }
  a.num_directions = a.direction == RnnDirection::Bidirectional ? 2 : 1;
  a.hidden_size = info.attr_int("hidden_size", 0);
  if (info.has_attr("hidden_size") && a.hidden_size <= 0)
    info.fail(ErrorCode::InvalidGraph, "attribute 'hidden_size' must be positive, got ", a.hidden_size);
  if (info.has_attr("clip")) {
    a.clip = info.attr_float("clip", 0.0f);
    if (!(a.clip > 0.0f)) info.fail(ErrorCode::InvalidGraph, "attribute 'clip' must be positive, got ", a.clip);
  }
  if (has_layout) {
    const int64_t layout = info.attr_int("layout", 0);
    if (layout != 0 && layout != 1)
      info.fail(ErrorCode::InvalidGraph, "attribute 'layout' must be 0 or 1, got ", layout);
    a.batch_major = layout == 1;
  }

  a.per_direction = static_cast<int64_t>(defaults.size());
  std::vector<std::string> names = info.attr_strings("activations", {});
  if (names.empty()) {
    for (int64_t d = 0; d < a.num_directions; ++d) names.insert(names.end(), defaults.begin(), defaults.end());
  } else if (a.per_direction == 1 && a.num_directions == 1 && names.size() == 2) {
    // RNN's schema default lists two names whatever the direction; one direction uses the first.
    names.resize(defaults.size());
  }
  if (static_cast<int64_t>(names.size()) != a.per_direction * a.num_directions)
    info.fail(ErrorCode::InvalidGraph, "attribute 'activations' has ", names.size(), " names, expected ",
              a.per_direction * a.num_directions, " (", a.per_direction, " per direction, ", a.num_directions,
              a.num_directions == 1 ? " direction)" : " directions)");
  const std::string error = resolve_activations(names, info.attr_floats("activation_alpha", {}),
                                                info.attr_floats("activation_beta", {}), a.activations);
  if (!error.empty()) info.fail(ErrorCode::InvalidGraph, "attribute 'activations': ", error);
  return a;
}

namespace {

const char* kInputNames[] = {"X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"};

void expect_shape(const KernelContext& ctx, const Tensor& t, size_t index, const Shape& want) {
  if (t.shape() != want)
    ctx.fail(ErrorCode::InvalidArgument, "input ", kInputNames[index], " must have shape ", shape_to_string(want),
             ", got ", shape_to_string(t.shape()));
}

void expect_type(const KernelContext& ctx, const Tensor& t, size_t index, DataType want) {
  if (t.dtype() != want)
    ctx.fail(ErrorCode::InvalidArgument, "input ", kInputNames[index], " has element type ", data_type_name(t.dtype()),
             ", expected ", data_type_name(want), " like X");
}

// The hidden size W and R imply, checked against the attribute and the direction count.
template <class Fail>
int64_t check_weight_shapes(const Fail& fail, const RnnAttributes& a, int64_t gates, const Shape& w, const Shape& r) {
  if (w.size() != 3 || r.size() != 3)
    fail("W and R must be 3-D [num_directions, ", gates, " * hidden_size, ...], got W ", shape_to_string(w), " and R ",
         shape_to_string(r));
  const int64_t hidden = a.hidden_size > 0 ? a.hidden_size : r[2];
  if (hidden > (INT64_MAX / 8) / gates) fail("hidden_size ", hidden, " is too large");
  if (w[0] != a.num_directions || r[0] != a.num_directions)
    fail("W ", shape_to_string(w), " and R ", shape_to_string(r), " must have ", a.num_directions,
         " direction(s) on axis 0 (direction attribute)");
  if (r[2] != hidden || r[1] != gates * hidden)
    fail("R must have shape [", a.num_directions, ", ", gates * hidden, ", ", hidden, "] for hidden_size ", hidden,
         ", got ", shape_to_string(r));
  if (w[1] != gates * hidden)
    fail("W has ", w[1], " rows per direction but hidden_size ", hidden, " needs ", gates, " * ", hidden, " = ",
         gates * hidden, " (W shape ", shape_to_string(w), ")");
  return hidden;
}

}  // namespace

RnnDims check_rnn_inputs(const KernelContext& ctx, const RnnAttributes& a, int64_t gates) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const Tensor& r = ctx.input(2);
  if (x.rank() != 3)
    ctx.fail(ErrorCode::InvalidArgument, "input X must be 3-D ",
             a.batch_major ? "[batch_size, seq_length, input_size]" : "[seq_length, batch_size, input_size]", ", got ",
             shape_to_string(x.shape()));
  expect_type(ctx, w, 1, x.dtype());
  expect_type(ctx, r, 2, x.dtype());
  RnnDims dims;
  dims.hidden = check_weight_shapes([&](auto&&... parts) { ctx.fail(ErrorCode::InvalidArgument, parts...); }, a, gates,
                                    w.shape(), r.shape());
  dims.batch_major = a.batch_major;
  dims.seq = a.batch_major ? x.dim(1) : x.dim(0);
  dims.batch = a.batch_major ? x.dim(0) : x.dim(1);
  dims.input = x.dim(2);
  dims.dirs = a.num_directions;
  dims.gates = gates;
  if (w.dim(2) != dims.input)
    ctx.fail(ErrorCode::InvalidArgument, "W ", shape_to_string(w.shape()), " has input size ", w.dim(2), " but X ",
             shape_to_string(x.shape()), " has ", dims.input);
  if (ctx.has_input(3)) {
    const Tensor& b = ctx.input(3);
    expect_type(ctx, b, 3, x.dtype());
    expect_shape(ctx, b, 3, {dims.dirs, 2 * dims.gate_width()});
  }
  if (ctx.has_input(4)) {
    const Tensor& lens = ctx.input(4);
    if (lens.dtype() != DataType::Int32 && lens.dtype() != DataType::Int64)
      ctx.fail(ErrorCode::InvalidArgument, "input sequence_lens must be int32, got ", data_type_name(lens.dtype()));
    expect_shape(ctx, lens, 4, {dims.batch});
  }
  check_state_input(ctx, 5, "initial_h", dims);
  // Y and the projection are the largest buffers: refuse sizes whose byte counts would overflow.
  checked_output_size(ctx, dims.y_shape());
  checked_output_size(ctx, {dims.seq, dims.batch, dims.dirs, dims.gate_width()});
  return dims;
}

void check_state_input(const KernelContext& ctx, size_t index, const char* name, const RnnDims& dims) {
  if (!ctx.has_input(index)) return;
  const Tensor& t = ctx.input(index);
  expect_type(ctx, t, index, ctx.input(0).dtype());
  if (t.shape() != dims.state_shape())
    ctx.fail(
        ErrorCode::InvalidArgument, "input ", name, " must have shape ", shape_to_string(dims.state_shape()),
        dims.batch_major ? " [batch_size, num_directions, hidden_size]" : " [num_directions, batch_size, hidden_size]",
        ", got ", shape_to_string(t.shape()));
}

void check_per_direction_input(const KernelContext& ctx, size_t index, const char* name, const RnnDims& dims,
                               int64_t n) {
  if (!ctx.has_input(index)) return;
  const Tensor& t = ctx.input(index);
  expect_type(ctx, t, index, ctx.input(0).dtype());
  if (t.shape() != Shape{dims.dirs, n})
    ctx.fail(ErrorCode::InvalidArgument, "input ", name, " must have shape ", shape_to_string({dims.dirs, n}), ", got ",
             shape_to_string(t.shape()));
}

void check_constant_weights(const KernelInfo& info, const RnnAttributes& a, int64_t gates) {
  const Tensor* w = info.constant_input(1);
  const Tensor* r = info.constant_input(2);
  if (w == nullptr || r == nullptr) return;
  check_weight_shapes([&](auto&&... parts) { info.fail(ErrorCode::InvalidGraph, parts...); }, a, gates, w->shape(),
                      r->shape());
}

std::vector<int64_t> read_sequence_lens(const KernelContext& ctx, const RnnDims& dims) {
  std::vector<int64_t> lens(static_cast<size_t>(dims.batch), dims.seq);
  if (!ctx.has_input(4)) return lens;
  const Tensor& t = ctx.input(4);
  for (int64_t b = 0; b < dims.batch; ++b) {
    lens[b] = t.dtype() == DataType::Int32 ? t.data<int32_t>()[b] : t.data<int64_t>()[b];
    if (lens[b] < 0 || lens[b] > dims.seq)
      ctx.fail(ErrorCode::InvalidArgument, "sequence_lens[", b, "] = ", lens[b],
               " is outside [0, seq_length = ", dims.seq, "]");
  }
  return lens;
}

template <>
const float* compute_input<float>(const KernelContext& ctx, size_t index, Tensor& keep) {
  if (!ctx.has_input(index)) return nullptr;
  keep = widen_to_float(ctx.input(index));
  return keep.data<float>();
}

template <>
const double* compute_input<double>(const KernelContext& ctx, size_t index, Tensor&) {
  return ctx.has_input(index) ? ctx.input(index).data<double>() : nullptr;
}

template <class T>
ComputeOutput<T>::ComputeOutput(KernelContext& ctx, size_t index, DataType type, const Shape& shape) {
  if (!ctx.has_output(index)) return;
  out_ = &ctx.output(index, type, shape);
  if (is_half_type(type)) {
    stage_ = Tensor(DataType::Float, shape);
    data_ = reinterpret_cast<T*>(stage_.data<float>());
  } else {
    data_ = out_->data<T>();
  }
}

template <class T>
void ComputeOutput<T>::finish() {
  if (stage_.defined()) narrow_from_float(stage_.data<float>(), *out_);
}

template class ComputeOutput<float>;
template class ComputeOutput<double>;

namespace {

// A step's multiply-adds per thread below which one direction cannot keep the threads busy (the
// GEMM's own threshold, kernels/gemm: 2^18 per thread).
constexpr double kGemmWorkPerThread = 262144.0;

void run_guarded(int64_t n, int threads, const std::function<void(int64_t, int64_t)>& fn, int64_t grain = 1) {
  std::exception_ptr error;
  std::mutex error_mutex;
  parallel_for(n, grain, threads, [&](int64_t begin, int64_t end) {
    try {
      fn(begin, end);
    } catch (...) {  // an exception must not cross the parallel region
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  });
  if (error) std::rethrow_exception(error);
}

}  // namespace

void for_each_direction(const RnnDims& dims, int threads, const std::function<void(int64_t, int)>& fn) {
  const double step_work = static_cast<double>(dims.batch) * dims.gate_width() * dims.hidden;
  const bool side_by_side = dims.dirs > 1 && threads > 1 && step_work / kGemmWorkPerThread < threads / 2.0;
  if (!side_by_side) {
    for (int64_t d = 0; d < dims.dirs; ++d) fn(d, threads);
    return;
  }
  const int each = std::max(1, threads / static_cast<int>(dims.dirs));
  run_guarded(dims.dirs, threads, [&](int64_t begin, int64_t end) {
    for (int64_t d = begin; d < end; ++d) fn(d, each);
  });
}

template <class T>
void for_each_unit_block(const RnnDims& dims, const UnitBlockedR<T>& r, int64_t step, int threads,
                         const std::function<void(int64_t)>& fn) {
  const bool backwards = step % 2 == 1;
  auto walk = [&](int64_t k0, int64_t k1) {
    if (backwards) {
      for (int64_t k = k1 - 1; k >= k0; --k) fn(k);
    } else {
      for (int64_t k = k0; k < k1; ++k) fn(k);
    }
  };
  // Multiply-adds a thread's share of a step must reach to pay for the fork/join (a few
  // microseconds); below, the step stays on the calling thread.
  constexpr double kMinWork = 131072.0;
  const double part_work = std::max(1.0, static_cast<double>(dims.batch) * r.gates * r.width * r.hidden);
  const int64_t grain = static_cast<int64_t>(std::ceil(kMinWork / part_work));
  if (threads <= 1 || r.count() <= grain) {
    walk(0, r.count());
    return;
  }
  run_guarded(r.count(), threads, walk, grain);
}

template void for_each_unit_block<float>(const RnnDims&, const UnitBlockedR<float>&, int64_t, int,
                                         const std::function<void(int64_t)>&);
template void for_each_unit_block<double>(const RnnDims&, const UnitBlockedR<double>&, int64_t, int,
                                          const std::function<void(int64_t)>&);

template <class T>
void load_state(const T* initial, const RnnDims& dims, int64_t d, int64_t b, T* row) {
  if (initial == nullptr) {
    std::fill(row, row + dims.hidden, T(0));
  } else {
    std::memcpy(row, initial + dims.state_offset(d, b), sizeof(T) * dims.hidden);
  }
}

template void load_state<float>(const float*, const RnnDims&, int64_t, int64_t, float*);
template void load_state<double>(const double*, const RnnDims&, int64_t, int64_t, double*);

RecurrentKernel::RecurrentKernel(const KernelInfo& info, int64_t gates,
                                 const std::vector<std::string>& default_activations, bool has_layout,
                                 std::vector<RowBlock> r_blocks)
    : attrs_(parse_rnn_attributes(info, default_activations, has_layout)),
      gates_(gates),
      r_blocks_(std::move(r_blocks)) {
  if (r_blocks_.empty()) r_blocks_.push_back({0, gates});
  check_constant_weights(info, attrs_, gates);
  const Tensor* w = info.constant_input(1);
  const Tensor* r = info.constant_input(2);
  auto packable = [](const Tensor* t) {
    return t != nullptr && t->rank() == 3 && t->size() > 0 &&
           (t->dtype() == DataType::Float || is_half_type(t->dtype()));
  };
  if (packable(w) && w->dim(1) % gates == 0) {
    const Tensor wf = widen_to_float(*w);
    packed_w_ = transpose_w(wf.data<float>(), w->dim(0), gates, w->dim(1) / gates, w->dim(2));
  }
  if (packable(r) && r->dim(1) == gates * r->dim(2)) {
    const Tensor rf = widen_to_float(*r);
    packed_r_ = transpose_r(rf.data<float>(), r->dim(0), r->dim(2), gates, r_blocks_);
  }
}

template <>
RnnWeights<float> RecurrentKernel::weights_for_run<float>(const KernelContext& ctx, const RnnDims& dims, Tensor& keep_w,
                                                          Tensor& keep_r) const {
  // A constant W / R is the run's input itself, so its pre-packed form always applies.
  RnnWeights<float> out;
  out.w = !packed_w_.empty()
              ? packed_w_
              : transpose_w(compute_input<float>(ctx, 1, keep_w), dims.dirs, gates_, dims.hidden, dims.input);
  out.r = !packed_r_.empty()
              ? packed_r_
              : transpose_r(compute_input<float>(ctx, 2, keep_r), dims.dirs, dims.hidden, gates_, r_blocks_);
  return out;
}

template <>
RnnWeights<double> RecurrentKernel::weights_for_run<double>(const KernelContext& ctx, const RnnDims& dims, Tensor&,
                                                            Tensor&) const {
  RnnWeights<double> out;
  out.w = transpose_w(ctx.input(1).data<double>(), dims.dirs, gates_, dims.hidden, dims.input);
  out.r = transpose_r(ctx.input(2).data<double>(), dims.dirs, dims.hidden, gates_, r_blocks_);
  return out;
}

void register_recurrent_from_7(Registry& r, const char* op, KernelFactory first, KernelFactory with_layout) {
  r.add({"", op, 7, kRecurrentTypes, first});
  r.add({"", op, 14, kRecurrentTypes, with_layout});
  r.add({"", op, 22, kRecurrentTypes | TypeSet{DataType::BFloat16}, with_layout});
}

}  // namespace onyxrt::ops
