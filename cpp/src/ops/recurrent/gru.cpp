// GRU (opsets 1, 3, 7, 14, 22), gates z, r, h (f = Sigmoid, g = Tanh by default):
//   z = f(Xt Wz^T + Ht-1 Rz^T + Wbz + Rbz)     r = f(Xt Wr^T + Ht-1 Rr^T + Wbr + Rbr)
//   h = g(Xt Wh^T + (r . Ht-1) Rh^T + Rbh + Wbh)        linear_before_reset = 0
//   h = g(Xt Wh^T + r . (Ht-1 Rh^T + Rbh) + Wbh)        linear_before_reset != 0
//   Ht = (1 - z) . h + z . Ht-1
// X W^T for all steps is one GEMM before the loop. Per step, linear_before_reset = 0 takes two
// products (Ht-1 [Rz Rr]^T, then (r . Ht-1) Rh^T), linear_before_reset != 0 one (Ht-1 R^T), each
// run per unit block of R with the blocks in parallel (rnn_common.h).
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

  // r: this direction's R blocks (r_blocks()), cut by units. A step is one parallel loop over
  // the unit blocks (two without linear_before_reset: (r . Ht-1) Rh^T needs every unit's r), each
  // computing its units' products and gates; Ht-1 is read from `h`, Ht written to `h_next`.
  template <class T>
  void run_direction(const GruRun<T>& run, const UnitBlockedR<T>* r, int64_t d, int threads) const {
    const RnnDims& dims = run.dims;
    const int64_t n = dims.hidden, gw = dims.gate_width(), batch = dims.batch;
    // g: per batch row, the products of r[0]'s blocks (z r h, or z r alone), each block's gates
    // side by side; gh: (r . Ht-1) Rh^T; rh: r . Ht-1.
    std::vector<T> h(batch * n), h_next(batch * n), g(batch * gw), gh(linear_before_reset_ ? 0 : batch * n),
        rh(linear_before_reset_ ? 0 : batch * n);
    for (int64_t b = 0; b < batch; ++b) load_state(run.initial_h, dims, d, b, h.data() + b * n);
    const Activation* act = attrs_.activations_of(d);
    const T* rbh = run.b != nullptr && linear_before_reset_ ? run.b + d * 2 * gw + gw + 2 * n : nullptr;
    const float clip = attrs_.clip;
    const int64_t steps = *std::max_element(run.lens.begin(), run.lens.end());
    const UnitBlockedR<T>& rzr = r[0];
    const int64_t g_stride = rzr.gates * n;  // a batch row of g
    auto xw_row = [&](int64_t s, int64_t b) {
      const int64_t t = time_index(attrs_, d, s, run.lens[b]);
      return run.xw + dims.x_row(t, b) * dims.dirs * gw + d * gw;
    };
    // Ht of `units` units from z (gz), the candidate's pre-activation (hc), Ht-1 (hp) into hn.
    auto update = [&](const T* gz, T* hc, const T* hp, T* hn, int64_t units) {
      if (clip > 0.0f) clip_values(hc, units, clip);
      apply_activation(act[1], hc, units);
      for (int64_t j = 0; j < units; ++j) hn[j] = (T(1) - gz[j]) * hc[j] + gz[j] * hp[j];
    };
    StepOperand<T> lhs;
    for (int64_t s = 0; s < steps; ++s) {
      // z and r for every live row (and, with linear_before_reset, the whole update).
      lhs.set(h.data(), batch, n);
      for_each_unit_block(dims, rzr, s, threads, [&](int64_t k) {
        const int64_t u0 = rzr.first_unit(k), units = rzr.units(k);
        T* gk = g.data() + rzr.column(k);
        lhs.multiply(rzr.parts[k], gk, g_stride);
        for (int64_t b = 0; b < batch; ++b) {
          const int64_t row = b * n + u0;
          if (s >= run.lens[b]) {  // this sequence has ended: its state stays as it was
            std::memcpy(h_next.data() + row, h.data() + row, sizeof(T) * units);
            continue;
          }
          T *gz = gk + b * g_stride, *gr = gz + units;
          const T* xb = xw_row(s, b) + projection_column(kGates, u0);  // z, r, h: `units` values each
          for (int64_t j = 0; j < 2 * units; ++j) gz[j] += xb[j];  // z and r
          if (clip > 0.0f) clip_values(gz, 2 * units, clip);
          apply_activation(act[0], gz, 2 * units);
          const T* hp = h.data() + row;
          if (linear_before_reset_) {
            T* hc = gr + units;
            const T* xh = xb + 2 * units;
            const T* rb = rbh != nullptr ? rbh + u0 : nullptr;
            for (int64_t j = 0; j < units; ++j) hc[j] = xh[j] + gr[j] * (hc[j] + (rb != nullptr ? rb[j] : T(0)));
            update(gz, hc, hp, h_next.data() + row, units);
          } else {
            T* rb = rh.data() + row;
            for (int64_t j = 0; j < units; ++j) rb[j] = gr[j] * hp[j];
          }
        }
      });
      if (!linear_before_reset_) {
        const UnitBlockedR<T>& rh_blocks = r[1];
        lhs.set(rh.data(), batch, n);
        for_each_unit_block(dims, rh_blocks, s, threads, [&](int64_t k) {
          const int64_t u0 = rh_blocks.first_unit(k), units = rh_blocks.units(k);
          lhs.multiply(rh_blocks.parts[k], gh.data() + u0, n);
          for (int64_t b = 0; b < batch; ++b) {
            if (s >= run.lens[b]) continue;
            const int64_t row = b * n + u0;
            T* hc = gh.data() + row;
            const T* xh = xw_row(s, b) + projection_column(kGates, u0) + 2 * units;
            for (int64_t j = 0; j < units; ++j) hc[j] += xh[j];
            update(g.data() + b * g_stride + rzr.column(k), hc, h.data() + row, h_next.data() + row, units);
          }
        });
      }
      if (run.y != nullptr)
        for (int64_t b = 0; b < batch; ++b)
          if (s < run.lens[b])
            std::memcpy(run.y + dims.y_offset(time_index(attrs_, d, s, run.lens[b]), d, b), h_next.data() + b * n,
                        sizeof(T) * n);
      std::swap(h, h_next);
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
