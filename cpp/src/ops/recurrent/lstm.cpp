// LSTM (opsets 1, 7, 14, 22), gates i, o, f, c (f = Sigmoid, g = Tanh, h = Tanh by default):
//   i = f(Xt Wi^T + Ht-1 Ri^T + Pi . Ct-1 + Wbi + Rbi)      f = f(... Pf . Ct-1 ...) or 1 - i (input_forget)
//   c = g(Xt Wc^T + Ht-1 Rc^T + Wbc + Rbc)                  Ct = f . Ct-1 + i . c
//   o = f(Xt Wo^T + Ht-1 Ro^T + Po . Ct + Wbo + Rbo)        Ht = o . h(Ct)
// X Wt^T for all steps is one GEMM before the loop; each step, Ht-1 R^T and the cells run per unit
// block of R, the blocks in parallel (rnn_common.h).
// Opset 1's output_sequence only made Y optional; Y is produced whenever the node asks for it.
// Layout 1 from opset 14, bfloat16 from 22. Types: float, double, float16 / bfloat16 through float.
#include <algorithm>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "kernels/lstm_cell.h"
#include "ops/recurrent/rnn_common.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kGates = 4;  // i, o, f, c

// What one direction of one run reads and writes.
template <class T>
struct LstmRun {
  const RnnDims& dims;
  const std::vector<int64_t>& lens;
  const T* xw;  // [rows of X, dirs * 4 * hidden], biases included
  const T* initial_h;
  const T* initial_c;
  const T* p;  // [dirs, 3 * hidden] (i, o, f) or null
  T* y;
  T* y_h;
  T* y_c;
};

class Lstm final : public RecurrentKernel {
 public:
  Lstm(const KernelInfo& info, bool has_layout)
      : RecurrentKernel(info, kGates, {"Sigmoid", "Tanh", "Tanh"}, has_layout, {}),
        input_forget_(info.attr_int("input_forget", 0) != 0) {}

  void compute(KernelContext& ctx) const override {
    const RnnDims dims = check_rnn_inputs(ctx, attrs_, kGates);
    check_state_input(ctx, 6, "initial_c", dims);
    check_per_direction_input(ctx, 7, "P", dims, 3 * dims.hidden);
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
    Tensor keep_x, keep_b, keep_h, keep_c, keep_p, keep_w, keep_r;
    const DataType type = ctx.input(0).dtype();
    ComputeOutput<T> y(ctx, 0, type, dims.y_shape()), y_h(ctx, 1, type, dims.state_shape()),
        y_c(ctx, 2, type, dims.state_shape());
    if (dims.batch > 0 && dims.hidden > 0) {
      zero_padded_steps(y.data(), dims, lens);
      const RnnWeights<T> weights = weights_for_run<T>(ctx, dims, keep_w, keep_r);
      const std::vector<T> bias = projection_bias(compute_input<T>(ctx, 3, keep_b), dims);
      const std::unique_ptr<T[]> xw =
          project_inputs(weights.w, compute_input<T>(ctx, 0, keep_x), dims, bias, ctx.threads());
      const LstmRun<T> run{dims,
                           lens,
                           xw.get(),
                           compute_input<T>(ctx, 5, keep_h),
                           compute_input<T>(ctx, 6, keep_c),
                           compute_input<T>(ctx, 7, keep_p),
                           y.data(),
                           y_h.data(),
                           y_c.data()};
      for_each_direction(dims, ctx.threads(),
                         [&](int64_t d, int threads) { run_direction(run, weights.r[d], d, threads); });
    }
    y.finish();
    y_h.finish();
    y_c.finish();
  }

  // A step is one parallel loop over R's unit blocks: each computes its units' Ht-1 R^T columns,
  // then their cells, reading Ht-1 from `h` and writing Ht to `h_next` (swapped after the step).
  template <class T>
  void run_direction(const LstmRun<T>& run, const UnitBlockedR<T>& r, int64_t d, int threads) const {
    const RnnDims& dims = run.dims;
    const int64_t hidden = dims.hidden, gw = dims.gate_width(), batch = dims.batch;
    std::vector<T> h(batch * hidden), h_next(batch * hidden), c(batch * hidden), gates(batch * gw),
        scratch(batch * hidden);
    for (int64_t b = 0; b < batch; ++b) {
      load_state(run.initial_h, dims, d, b, h.data() + b * hidden);
      load_state(run.initial_c, dims, d, b, c.data() + b * hidden);
    }
    const Activation* act = attrs_.activations_of(d);
    // The common cell runs fused (kernels/lstm_cell.h): default activations, no peepholes, no
    // clip, no coupled input and forget gates.
    const bool fused_cell = std::is_same_v<T, float> && run.p == nullptr && !input_forget_ && attrs_.clip <= 0.0f &&
                            act[0].kind == ActivationKind::Sigmoid && act[1].kind == ActivationKind::Tanh &&
                            act[2].kind == ActivationKind::Tanh;
    const T* peep = run.p != nullptr ? run.p + d * 3 * hidden : nullptr;
    const int64_t steps = *std::max_element(run.lens.begin(), run.lens.end());
    StepOperand<T> lhs;
    for (int64_t s = 0; s < steps; ++s) {
      lhs.set(h.data(), batch, hidden);
      for_each_unit_block(dims, r, s, threads, [&](int64_t k) {
        const int64_t u0 = r.first_unit(k), units = r.units(k);
        // Row b's input projection at this step, from its first unit (null once it has ended).
        auto xw_of = [&](int64_t b) -> const T* {
          if (s >= run.lens[b]) return nullptr;
          return run.xw + dims.x_row(time_index(attrs_, d, s, run.lens[b]), b) * dims.dirs * gw + d * gw +
                 projection_column(kGates, u0);
        };
        T* gk = gates.data() + r.column(k);
        lhs.multiply(r.parts[k], gk, gw);
        for (int64_t b = 0; b < batch; ++b) {
          const int64_t row = b * hidden + u0;
          const T* xw = xw_of(b);
          if (xw == nullptr) {  // this sequence has ended: its state stays as it was
            std::memcpy(h_next.data() + row, h.data() + row, sizeof(T) * units);
            continue;
          }
          const int64_t t = time_index(attrs_, d, s, run.lens[b]);
          cell(fused_cell, gk + b * gw, xw, peep != nullptr ? peep + u0 : nullptr, hidden, act, units, c.data() + row,
               h_next.data() + row, scratch.data() + row);
          if (run.y != nullptr)
            std::memcpy(run.y + dims.y_offset(t, d, b) + u0, h_next.data() + row, sizeof(T) * units);
        }
      });
      std::swap(h, h_next);
    }
    for (int64_t b = 0; b < batch; ++b) {
      if (run.y_h != nullptr)
        write_final_state(run.y_h + dims.state_offset(d, b), h.data() + b * hidden, hidden, run.lens[b]);
      if (run.y_c != nullptr)
        write_final_state(run.y_c + dims.state_offset(d, b), c.data() + b * hidden, hidden, run.lens[b]);
    }
  }

  // n units of one batch row of one step. g and xw hold their Ht-1 R^T and input projection, gate
  // after gate (i, o, f, c; n values each); peep points at the first unit's P values, whose gates
  // lie `p_stride` (hidden) apart. c is updated in place, Ht written to h; tmp is n values.
  // fused: the direction's cell is the common one (run_direction decides once per run).
  template <class T>
  void cell(bool fused, T* g, const T* xw, const T* peep, int64_t p_stride, const Activation* act, int64_t n, T* c,
            T* h, T* tmp) const {
    if constexpr (std::is_same_v<T, float>) {
      // One vectorized pass: the separate passes below cost a call and a copy per activation and
      // unit block, 13% of a batch-8 run.
      if (fused) {
        kernels::lstm_cell_f32(g, xw, c, h, n);
        return;
      }
    }
    for (int64_t j = 0; j < kGates * n; ++j) g[j] += xw[j];
    T *gi = g, *go = g + n, *gf = g + 2 * n, *gc = g + 3 * n;
    if (peep != nullptr) {
      const T *pi = peep, *pf = peep + 2 * p_stride;
      for (int64_t j = 0; j < n; ++j) gi[j] += pi[j] * c[j];
      for (int64_t j = 0; j < n; ++j) gf[j] += pf[j] * c[j];
    }
    const float clip = attrs_.clip;
    if (clip > 0.0f) clip_values(gi, n, clip), clip_values(gf, n, clip), clip_values(gc, n, clip);
    if (peep == nullptr && !input_forget_) {
      // i, o and f are adjacent and o needs no Ct: one call for the three
      if (clip > 0.0f) clip_values(go, n, clip);
      apply_activation(act[0], gi, 3 * n);
    } else {
      apply_activation(act[0], gi, n);
      if (input_forget_) {
        for (int64_t j = 0; j < n; ++j) gf[j] = T(1) - gi[j];
      } else {
        apply_activation(act[0], gf, n);
      }
    }
    apply_activation(act[1], gc, n);
    for (int64_t j = 0; j < n; ++j) c[j] = gf[j] * c[j] + gi[j] * gc[j];
    if (peep != nullptr || input_forget_) {
      if (peep != nullptr) {
        const T* po = peep + p_stride;
        for (int64_t j = 0; j < n; ++j) go[j] += po[j] * c[j];
      }
      if (clip > 0.0f) clip_values(go, n, clip);
      apply_activation(act[0], go, n);
    }
    std::memcpy(tmp, c, sizeof(T) * n);
    apply_activation(act[2], tmp, n);
    for (int64_t j = 0; j < n; ++j) h[j] = go[j] * tmp[j];
  }

  bool input_forget_;
};

template <bool kLayout>
std::unique_ptr<OpKernel> make_lstm(const KernelInfo& info) {
  return std::make_unique<Lstm>(info, kLayout);
}

}  // namespace

void register_lstm(Registry& r) {
  r.add({"", "LSTM", 1, kRecurrentTypes, make_lstm<false>});
  register_recurrent_from_7(r, "LSTM", make_lstm<false>, make_lstm<true>);
}

}  // namespace onyxrt::ops
