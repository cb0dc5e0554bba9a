#pragma once

// What RNN, GRU and LSTM share: their attributes, the layout of X / Y / the states, the checks
// of the inputs against each other, the per-batch sequence lengths, and the weights as the GEMM
// wants them.
//
// Weight layout (all three ops): W is [num_directions, gates * hidden, input], R is
// [num_directions, gates * hidden, hidden], B is [num_directions, 2 * gates * hidden] (the W
// biases, then the R biases), gates in the op's order (LSTM i o f c, GRU z r h, RNN one).
// Every op computes X * W^T for all time steps in one GEMM (both directions at once: W's first
// two axes are one [dirs * gates * hidden, input] matrix), then H * R^T per step.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "kernels/gemm.h"
#include "ops/kernel.h"
#include "ops/recurrent/rnn_activation.h"
#include "ops/registry.h"

namespace onyxrt::ops {

enum class RnnDirection : uint8_t { Forward, Reverse, Bidirectional };

// The attributes the three ops share, parsed and checked once per node.
struct RnnAttributes {
  RnnDirection direction = RnnDirection::Forward;
  int64_t num_directions = 1;
  int64_t hidden_size = 0;              // 0 when absent: taken from R
  float clip = 0.0f;                    // 0: no clip
  bool batch_major = false;             // layout 1 (opset 14): X [batch, seq, input], states [batch, dirs, hidden]
  int64_t per_direction = 0;            // activations per direction
  std::vector<Activation> activations;  // per_direction * num_directions, direction 0's first

  bool reverse(int64_t d) const { return direction == RnnDirection::Reverse || d == 1; }
  const Activation* activations_of(int64_t d) const { return activations.data() + d * per_direction; }
};

// `defaults` are one direction's activations when the attribute is absent; `has_layout` is true
// from opset 14, where the layout attribute exists.
RnnAttributes parse_rnn_attributes(const KernelInfo& info, const std::vector<std::string>& defaults, bool has_layout);

// The sizes of one run and where each (time, batch, direction) lives in X, Y and the states.
struct RnnDims {
  int64_t seq = 0, batch = 0, input = 0, hidden = 0, dirs = 1, gates = 1;
  bool batch_major = false;

  int64_t gate_width() const { return gates * hidden; }
  // Row of X (and of the input projection) holding time t of batch b.
  int64_t x_row(int64_t t, int64_t b) const { return batch_major ? b * seq + t : t * batch + b; }
  // Offset of (direction d, batch b) in initial_h / initial_c / Y_h / Y_c.
  int64_t state_offset(int64_t d, int64_t b) const { return (batch_major ? b * dirs + d : d * batch + b) * hidden; }
  // Offset of (time t, direction d, batch b) in Y.
  int64_t y_offset(int64_t t, int64_t d, int64_t b) const {
    return (batch_major ? (b * seq + t) * dirs + d : (t * dirs + d) * batch + b) * hidden;
  }
  Shape y_shape() const { return batch_major ? Shape{batch, seq, dirs, hidden} : Shape{seq, dirs, batch, hidden}; }
  Shape state_shape() const { return batch_major ? Shape{batch, dirs, hidden} : Shape{dirs, batch, hidden}; }
};

// Checks X (0), W (1), R (2), B (3), sequence_lens (4) and initial_h (5) against each other and
// the attributes: ranks, shapes, element types. Fails naming the input.
RnnDims check_rnn_inputs(const KernelContext& ctx, const RnnAttributes& a, int64_t gates);
// Checks an optional input of the state's shape (LSTM's initial_c).
void check_state_input(const KernelContext& ctx, size_t index, const char* name, const RnnDims& dims);
// Checks an optional [num_directions, n] input (LSTM's P).
void check_per_direction_input(const KernelContext& ctx, size_t index, const char* name, const RnnDims& dims,
                               int64_t n);
// Checks constant W and R at session creation, so that a wrong hidden_size or direction count is
// reported before any run.
void check_constant_weights(const KernelInfo& info, const RnnAttributes& a, int64_t gates);

// sequence_lens (input 4) as one length per batch, seq when absent; fails unless 0 <= len <= seq.
std::vector<int64_t> read_sequence_lens(const KernelContext& ctx, const RnnDims& dims);

// The time step batch b reads at step s of direction d (valid while s < len).
inline int64_t time_index(const RnnAttributes& a, int64_t d, int64_t s, int64_t len) {
  return a.reverse(d) ? len - 1 - s : s;
}

// Y_h / Y_c of one (direction, batch): the state after the sequence's last step, or zeros for a
// sequence of length 0 (as onnxruntime reports it), not the initial state.
template <class T>
inline void write_final_state(T* out, const T* state, int64_t n, int64_t len) {
  for (int64_t j = 0; j < n; ++j) out[j] = len == 0 ? T(0) : state[j];
}

// A weight block M (rows x cols, row-major) used as the right operand M^T of a GEMM:
// C (m x rows) = A (m x cols) * M^T [+ bias per column]. For float it is packed once for the
// microkernel; for double it points at M (the plain double GEMM reads it transposed).
template <class T>
class TransposedWeights;

template <>
class TransposedWeights<float> {
 public:
  TransposedWeights() = default;
  TransposedWeights(const float* m, int64_t rows, int64_t cols)
      : packed_(kernels::pack_b_f32(true, cols, rows, m, cols)) {}
  bool empty() const { return packed_.empty(); }
  void multiply(const float* a, int64_t m, int64_t lda, float* c, int64_t ldc, int threads,
                const float* bias = nullptr) const {
    kernels::GemmEpilogue ep;
    if (bias != nullptr) ep.bias_kind = kernels::GemmEpilogue::Bias::PerColumn, ep.bias = bias;
    kernels::gemm_f32_packed(false, m, 1.0f, a, lda, packed_, 0.0f, c, ldc, threads, ep);
  }

 private:
  kernels::PackedMatrixB packed_;
};

template <>
class TransposedWeights<double> {
 public:
  TransposedWeights() = default;
  TransposedWeights(const double* m, int64_t rows, int64_t cols) : m_(m), rows_(rows), cols_(cols) {}
  bool empty() const { return m_ == nullptr; }
  void multiply(const double* a, int64_t m, int64_t lda, double* c, int64_t ldc, int threads,
                const double* bias = nullptr) const {
    kernels::gemm_f64(false, true, m, rows_, cols_, 1.0, a, lda, m_, cols_, 0.0, c, ldc, threads);
    if (bias == nullptr) return;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < rows_; ++j) c[i * ldc + j] += bias[j];
  }

 private:
  const double* m_ = nullptr;
  int64_t rows_ = 0, cols_ = 0;
};

// An input in the compute type T: the tensor's own data for float / double, a widened copy for
// float16 / bfloat16 (kept alive by `keep`). Null when the input is absent.
template <class T>
const T* compute_input(const KernelContext& ctx, size_t index, Tensor& keep);

// An output in the compute type T, staged through float for 16-bit outputs. `data` stays null
// when the node does not produce the output, so the op skips writing it.
template <class T>
class ComputeOutput {
 public:
  ComputeOutput(KernelContext& ctx, size_t index, DataType type, const Shape& shape);
  T* data() const { return data_; }
  void finish();  // narrows a staged output into the real one

 private:
  Tensor* out_ = nullptr;
  Tensor stage_;
  T* data_ = nullptr;
};

// A block of rows of one direction's R, in hidden units: GRU multiplies its z/r rows and its h
// rows by different left operands when linear_before_reset is 0, so it asks for two blocks.
struct RowBlock {
  int64_t begin = 0, count = 0;
};

// The weights of one run in GEMM form: W^T for all directions at once, and each direction's R
// blocks transposed (r[d * blocks + k]).
template <class T>
struct RnnWeights {
  TransposedWeights<T> w;
  std::vector<TransposedWeights<T>> r;
};

// W ([dirs * gate_rows, input]) as one right operand.
template <class T>
TransposedWeights<T> transpose_w(const T* w, int64_t dirs, int64_t gate_rows, int64_t input) {
  return TransposedWeights<T>(w, dirs * gate_rows, input);
}
// R ([dirs, gate_rows, hidden]) cut into per-direction blocks of rows.
template <class T>
std::vector<TransposedWeights<T>> transpose_r(const T* r, int64_t dirs, int64_t hidden, int64_t gates,
                                              const std::vector<RowBlock>& blocks) {
  std::vector<TransposedWeights<T>> out;
  for (int64_t d = 0; d < dirs; ++d)
    for (const RowBlock& k : blocks)
      out.emplace_back(r + (d * gates + k.begin) * hidden * hidden, k.count * hidden, hidden);
  return out;
}

// The bias the input projection adds, per column of [dirs * gates * hidden]: Wb + Rb, except in
// the gates `keep_r_apart` names (GRU's h gate with linear_before_reset), whose Rb the op adds
// itself. Empty when B is absent.
template <class T>
std::vector<T> projection_bias(const T* b, const RnnDims& dims, int64_t keep_r_apart = -1) {
  std::vector<T> out;
  if (b == nullptr) return out;
  const int64_t gw = dims.gate_width();
  out.resize(static_cast<size_t>(dims.dirs * gw));
  for (int64_t d = 0; d < dims.dirs; ++d)
    for (int64_t j = 0; j < gw; ++j) {
      const bool apart = j / dims.hidden == keep_r_apart;
      out[d * gw + j] = b[d * 2 * gw + j] + (apart ? T(0) : b[d * 2 * gw + gw + j]);
    }
  return out;
}

// X W^T + bias for every time step and direction at once: [rows of X, dirs * gate_width], in X's
// row order. Left uninitialised before the GEMM writes it: it is the largest buffer of a run.
template <class T>
std::unique_ptr<T[]> project_inputs(const TransposedWeights<T>& w, const T* x, const RnnDims& dims,
                                    const std::vector<T>& bias, int threads) {
  const int64_t width = dims.dirs * dims.gate_width(), rows = dims.seq * dims.batch;
  std::unique_ptr<T[]> xw(new T[static_cast<size_t>(rows * width)]);
  w.multiply(x, rows, dims.input, xw.get(), width, threads, bias.empty() ? nullptr : bias.data());
  return xw;
}

// Zeroes Y when some sequence is shorter than seq_length: its steps past the end stay zero.
template <class T>
void zero_padded_steps(T* y, const RnnDims& dims, const std::vector<int64_t>& lens) {
  if (y == nullptr || std::all_of(lens.begin(), lens.end(), [&](int64_t n) { return n == dims.seq; })) return;
  std::fill(y, y + shape_size(dims.y_shape()), T(0));
}

// The base of the three ops: attributes, and W / R packed at session creation when they are
// session constants (float, or 16-bit floats widened).
class RecurrentKernel : public OpKernel {
 protected:
  RecurrentKernel(const KernelInfo& info, int64_t gates, const std::vector<std::string>& default_activations,
                  bool has_layout, std::vector<RowBlock> r_blocks);

  // The run's weights: the pre-packed ones where there are, the others prepared now.
  template <class T>
  RnnWeights<T> weights_for_run(const KernelContext& ctx, const RnnDims& dims, Tensor& keep_w, Tensor& keep_r) const;

  RnnAttributes attrs_;
  int64_t gates_;
  std::vector<RowBlock> r_blocks_;  // in hidden units; empty: the whole gate width

 private:
  TransposedWeights<float> packed_w_;
  std::vector<TransposedWeights<float>> packed_r_;
};

// Runs fn(d, gemm_threads) for each direction: side by side when the per-step GEMM is too small to
// keep the threads busy by itself, else one after the other with all threads.
void for_each_direction(const RnnDims& dims, int threads, const std::function<void(int64_t, int)>& fn);

// Runs fn(b0, b1) over the batch rows of one step, in parallel when the step is large.
void for_each_batch_chunk(const RnnDims& dims, int threads, const std::function<void(int64_t, int64_t)>& fn);

// Fills `row` (n values) from the initial state of (d, b), or zeros when there is none.
template <class T>
void load_state(const T* initial, const RnnDims& dims, int64_t d, int64_t b, T* row);

inline constexpr TypeSet kRecurrentTypes{DataType::Float, DataType::Double, DataType::Float16};

// The rows RNN, GRU and LSTM share from opset 7: float, double and float16; `layout` from 14;
// bfloat16 from 22. `first` is the opset-7 kernel, `with_layout` the one from 14. Earlier rows
// (opset 1, GRU's 3) the caller adds itself.
void register_recurrent_from_7(Registry& r, const char* op, KernelFactory first, KernelFactory with_layout);

}  // namespace onyxrt::ops
