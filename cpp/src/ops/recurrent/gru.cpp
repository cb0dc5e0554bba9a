// GRU (opsets 1, 3, 7, 14, 22), gates z, r, h (f = Sigmoid, g = Tanh by default):
//   z = f(Xt Wz^T + Ht-1 Rz^T + Wbz + Rbz)     r = f(Xt Wr^T + Ht-1 Rr^T + Wbr + Rbr)
//   h = g(Xt Wh^T + (r . Ht-1) Rh^T + Rbh + Wbh)        linear_before_reset = 0
//   h = g(Xt Wh^T + r . (Ht-1 Rh^T + Rbh) + Wbh)        linear_before_reset != 0
//   Ht = (1 - z) . h + z . Ht-1
// X W^T for all steps is one GEMM before the loop. Per step, linear_before_reset = 0 takes two
// GEMMs (Ht-1 [Rz Rr]^T, then (r . Ht-1) Rh^T), linear_before_reset != 0 one (Ht-1 R^T).
// linear_before_reset appears at opset 3 (opset 1 behaves as 0), layout at 14, bfloat16 at 22.
// Opset 1's output_sequence only made Y optional; Y is produced whenever the node asks for it.
// Types: float, double, float16 / bfloat16 through float.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "ops/recurrent/rnn_common.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGates = 3;  // z, r, h

std::vector<RowBlock> r_blocks(bool linear_before_reset) {
  if (linear_before_reset) return {{0, 3}};
  return {{0, 2}, {2, 1}};  // [Rz Rr], then Rh on its own: its left operand is r . Ht-1
}

// What one direction of one run reads and writes.
template <class T>
struct GruRun {
  const RnnDims& dims;
  const std::vector<int64_t>& lens;
  const T* xw;  // [rows of X, dirs * 3 * hidden], biases included (but Rbh when linear_before_reset)
  const T* b;   // B or null
  const T* initial_h;
  T* y;
  T* y_h;
};

class Gru final : public RecurrentKernel {
 public:
  Gru(const KernelInfo& info, bool has_reset_attr, bool has_layout)
      : RecurrentKernel(info, kGates, {"Sigmoid", "Tanh"}, has_layout, r_blocks(reset_attr(info, has_reset_attr))),
        linear_before_reset_(reset_attr(info, has_reset_attr)) {}

  void compute(KernelContext& ctx) const override {
    const RnnDims dims = check_rnn_inputs(ctx, attrs_, kGates);
    const std::vector<int64_t> lens = read_sequence_lens(ctx, dims);
    if (ctx.input(0).dtype() == DataType::Double) {
      run<double>(ctx, dims, lens);
    } else {
      run<float>(ctx, dims, lens);
    }
  }

 private:
  static bool reset_attr(const KernelInfo& info, bool has_reset_attr) {
    return has_reset_attr && info.attr_int("linear_before_reset", 0) != 0;
  }

  template <class T>
  void run(KernelContext& ctx, const RnnDims& dims, const std::vector<int64_t>& lens) const {
    Tensor keep_x, keep_b, keep_h, keep_w, keep_r;
    const DataType type = ctx.input(0).dtype();
    ComputeOutput<T> y(ctx, 0, type, dims.y_shape()), y_h(ctx, 1, type, dims.state_shape());
    if (dims.batch > 0 && dims.hidden > 0) {
      zero_padded_steps(y.data(), dims, lens);
      const RnnWeights<T> weights = weights_for_run<T>(ctx, dims, keep_w, keep_r);
      const T* b = compute_input<T>(ctx, 3, keep_b);
      const std::vector<T> bias = projection_bias(b, dims, linear_before_reset_ ? 2 : -1);
      const std::unique_ptr<T[]> xw =
          project_inputs(weights.w, compute_input<T>(ctx, 0, keep_x), dims, bias, ctx.threads());
      const GruRun<T> run{dims, lens, xw.get(), b, compute_input<T>(ctx, 5, keep_h), y.data(), y_h.data()};
      const size_t blocks = r_blocks(linear_before_reset_).size();
      for_each_direction(dims, ctx.threads(), [&](int64_t d, int threads) {
        run_direction(run, weights.r.data() + d * blocks, d, threads);
      });
    }
    y.finish();
    y_h.finish();
  }

  // r: this direction's R blocks (r_blocks()).
  template <class T>
  void run_direction(const GruRun<T>& run, const TransposedWeights<T>* r, int64_t d, int threads) const {
    const RnnDims& dims = run.dims;
    const int64_t n = dims.hidden, gw = dims.gate_width(), batch = dims.batch;
    // g: per batch row, Ht-1 [Rz Rr]^T then the h gate's recurrent term; rh: r . Ht-1.
    std::vector<T> h(batch * n), g(batch * gw), rh(batch * n);
    for (int64_t b = 0; b < batch; ++b) load_state(run.initial_h, dims, d, b, h.data() + b * n);
    const Activation* act = attrs_.activations_of(d);
    const T* rbh = run.b != nullptr && linear_before_reset_ ? run.b + d * 2 * gw + gw + 2 * n : nullptr;
    const float clip = attrs_.clip;
    const int64_t steps = *std::max_element(run.lens.begin(), run.lens.end());
    auto xw_row = [&](int64_t s, int64_t b) {
      const int64_t t = time_index(attrs_, d, s, run.lens[b]);
      return run.xw + dims.x_row(t, b) * dims.dirs * gw + d * gw;
    };
    for (int64_t s = 0; s < steps; ++s) {
      r[0].multiply(h.data(), batch, n, g.data(), gw, threads);  // all three gates, or z and r alone
      // z and r for every live row; without linear_before_reset, also r . Ht-1 for the second GEMM.
      for_each_batch_chunk(dims, threads, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          if (s >= run.lens[b]) continue;
          T* gb = g.data() + b * gw;
          const T* xb = xw_row(s, b);
          for (int64_t j = 0; j < 2 * n; ++j) gb[j] += xb[j];
          if (clip > 0.0f) clip_values(gb, 2 * n, clip);
          apply_activation(act[0], gb, 2 * n);
          if (linear_before_reset_) continue;
          const T *gr = gb + n, *hb = h.data() + b * n;
          T* rb = rh.data() + b * n;
          for (int64_t j = 0; j < n; ++j) rb[j] = gr[j] * hb[j];
        }
      });
      if (!linear_before_reset_) r[1].multiply(rh.data(), batch, n, g.data() + 2 * n, gw, threads);
      for_each_batch_chunk(dims, threads, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          if (s >= run.lens[b]) continue;  // this sequence has ended: its state stays as it was
          T *gb = g.data() + b * gw, *hb = h.data() + b * n;
          const T* xb = xw_row(s, b) + 2 * n;
          T *gz = gb, *gr = gb + n, *gh = gb + 2 * n;
          if (linear_before_reset_) {
            for (int64_t j = 0; j < n; ++j) gh[j] = xb[j] + gr[j] * (gh[j] + (rbh != nullptr ? rbh[j] : T(0)));
          } else {
            for (int64_t j = 0; j < n; ++j) gh[j] += xb[j];
          }
          if (clip > 0.0f) clip_values(gh, n, clip);
          apply_activation(act[1], gh, n);
          for (int64_t j = 0; j < n; ++j) hb[j] = (T(1) - gz[j]) * gh[j] + gz[j] * hb[j];
          if (run.y != nullptr) {
            const int64_t t = time_index(attrs_, d, s, run.lens[b]);
            std::memcpy(run.y + dims.y_offset(t, d, b), hb, sizeof(T) * n);
          }
        }
      });
    }
    if (run.y_h == nullptr) return;
    for (int64_t b = 0; b < batch; ++b)
      write_final_state(run.y_h + dims.state_offset(d, b), h.data() + b * n, n, run.lens[b]);
  }

  bool linear_before_reset_;
};

template <bool kResetAttr, bool kLayout>
std::unique_ptr<OpKernel> make_gru(const KernelInfo& info) {
  return std::make_unique<Gru>(info, kResetAttr, kLayout);
}

}  // namespace

void register_gru(Registry& r) {
  r.add({"", "GRU", 1, kRecurrentTypes, make_gru<false, false>});
  r.add({"", "GRU", 3, kRecurrentTypes, make_gru<true, false>});
  register_recurrent_from_7(r, "GRU", make_gru<true, false>, make_gru<true, true>);
}

}  // namespace onyxrt::ops
