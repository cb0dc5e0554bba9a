// RNN (opsets 1, 7, 14, 22): Ht = f(Xt Wi^T + Ht-1 Ri^T + Wbi + Rbi), f = Tanh by default.
// X W^T for all steps is one GEMM before the loop, Ht-1 R^T one GEMM per step (rnn_common.h).
// Opset 1's output_sequence only made Y optional; Y is produced whenever the node asks for it.
// Layout 1 from opset 14, bfloat16 from 22. Types: float, double, float16 / bfloat16 through float.
// This file also registers the family: GRU, LSTM and the recurrent-state ops of opset 27.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "ops/recurrent/rnn_common.h"
#include "ops/registry.h"

namespace onyxrt::ops {

void register_gru(Registry& r);
void register_lstm(Registry& r);
void register_linear_attention(Registry& r);
void register_causal_conv_with_state(Registry& r);

namespace {

class Rnn final : public RecurrentKernel {
 public:
  Rnn(const KernelInfo& info, bool has_layout) : RecurrentKernel(info, 1, {"Tanh"}, has_layout, {}) {}

  void compute(KernelContext& ctx) const override {
    const RnnDims dims = check_rnn_inputs(ctx, attrs_, 1);
    const std::vector<int64_t> lens = read_sequence_lens(ctx, dims);
    if (ctx.input(0).dtype() == DataType::Double) {
      run<double>(ctx, dims, lens);
    } else {
      run<float>(ctx, dims, lens);
    }
  }

 private:
  template <class T>
  void run(KernelContext& ctx, const RnnDims& dims, const std::vector<int64_t>& lens) const {
    Tensor keep_x, keep_b, keep_h, keep_w, keep_r;
    const DataType type = ctx.input(0).dtype();
    ComputeOutput<T> y(ctx, 0, type, dims.y_shape()), y_h(ctx, 1, type, dims.state_shape());
    if (dims.batch > 0 && dims.hidden > 0) {
      zero_padded_steps(y.data(), dims, lens);
      const RnnWeights<T> weights = weights_for_run<T>(ctx, dims, keep_w, keep_r);
      const std::vector<T> bias = projection_bias(compute_input<T>(ctx, 3, keep_b), dims);
      const std::unique_ptr<T[]> xw =
          project_inputs(weights.w, compute_input<T>(ctx, 0, keep_x), dims, bias, ctx.threads());
      const T* initial_h = compute_input<T>(ctx, 5, keep_h);
      for_each_direction(dims, ctx.threads(), [&](int64_t d, int threads) {
        run_direction(dims, lens, xw.get(), initial_h, weights.r[d], d, threads, y.data(), y_h.data());
      });
    }
    y.finish();
    y_h.finish();
  }

  template <class T>
  void run_direction(const RnnDims& dims, const std::vector<int64_t>& lens, const T* xw, const T* initial_h,
                     const UnitBlockedR<T>& r, int64_t d, int threads, T* y, T* y_h) const {
    const int64_t hidden = dims.hidden, batch = dims.batch;
    // h: Ht-1; g: the step's product, then Ht (swapped into h after the step).
    std::vector<T> h(batch * hidden), g(batch * hidden);
    for (int64_t b = 0; b < batch; ++b) load_state(initial_h, dims, d, b, h.data() + b * hidden);
    const Activation& f = attrs_.activations_of(d)[0];
    const int64_t steps = *std::max_element(lens.begin(), lens.end());
    StepOperand<T> lhs;
    for (int64_t s = 0; s < steps; ++s) {
      lhs.set(h.data(), batch, hidden);
      for_each_unit_block(dims, r, s, threads, [&](int64_t k) {
        const int64_t u0 = r.first_unit(k), units = r.units(k);
        lhs.multiply(r.parts[k], g.data() + u0, hidden);
        for (int64_t b = 0; b < batch; ++b) {
          T* gb = g.data() + b * hidden + u0;
          if (s >= lens[b]) {  // this sequence has ended: its state stays as it was
            std::memcpy(gb, h.data() + b * hidden + u0, sizeof(T) * units);
            continue;
          }
          const int64_t t = time_index(attrs_, d, s, lens[b]);
          const T* xb = xw + dims.x_row(t, b) * dims.dirs * hidden + d * hidden + u0;
          for (int64_t j = 0; j < units; ++j) gb[j] += xb[j];
          if (attrs_.clip > 0.0f) clip_values(gb, units, attrs_.clip);
          apply_activation(f, gb, units);
          if (y != nullptr) std::memcpy(y + dims.y_offset(t, d, b) + u0, gb, sizeof(T) * units);
        }
      });
      std::swap(h, g);
    }
    if (y_h == nullptr) return;
    for (int64_t b = 0; b < batch; ++b)
      write_final_state(y_h + dims.state_offset(d, b), h.data() + b * hidden, hidden, lens[b]);
  }
};

template <bool kLayout>
std::unique_ptr<OpKernel> make_rnn(const KernelInfo& info) {
  return std::make_unique<Rnn>(info, kLayout);
}

}  // namespace

void register_recurrent(Registry& r) {
  r.add({"", "RNN", 1, kRecurrentTypes, make_rnn<false>});
  register_recurrent_from_7(r, "RNN", make_rnn<false>, make_rnn<true>);
  register_gru(r);
  register_lstm(r);
  register_linear_attention(r);
  register_causal_conv_with_state(r);
}

}  // namespace onyxrt::ops
