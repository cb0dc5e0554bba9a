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
#include "kernels/gemm_prepacked.h"
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
  const kernels::PackedMatrixB& packed() const { return packed_; }

 private:
  kernels::PackedMatrixB packed_;
};

template <>
class TransposedWeights<double> {
 public:
  TransposedWeights() = default;
  TransposedWeights(const double* m, int64_t rows, int64_t cols) : m_(m), rows_(rows), cols_(cols) {}
  // Keeps `m` itself (regrouped rows that live no longer than the run's weights).
  TransposedWeights(std::shared_ptr<const std::vector<double>> m, int64_t rows, int64_t cols)
      : own_(std::move(m)), m_(own_->data()), rows_(rows), cols_(cols) {}
  bool empty() const { return m_ == nullptr; }
  void multiply(const double* a, int64_t m, int64_t lda, double* c, int64_t ldc, int threads,
                const double* bias = nullptr) const {
    kernels::gemm_f64(false, true, m, rows_, cols_, 1.0, a, lda, m_, cols_, 0.0, c, ldc, threads);
    if (bias == nullptr) return;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < rows_; ++j) c[i * ldc + j] += bias[j];
  }

 private:
  std::shared_ptr<const std::vector<double>> own_;
  const double* m_ = nullptr;
  int64_t rows_ = 0, cols_ = 0;
};

// Rows regrouped into a right operand that the operand keeps (float packs them; double keeps them).
inline TransposedWeights<float> owned_transposed(std::vector<float>&& rows, int64_t count, int64_t cols) {
  return TransposedWeights<float>(rows.data(), count, cols);
}
inline TransposedWeights<double> owned_transposed(std::vector<double>&& rows, int64_t count, int64_t cols) {
  return TransposedWeights<double>(std::make_shared<const std::vector<double>>(std::move(rows)), count, cols);
}

// The left operand of a step's products (Ht-1, or GRU's r . Ht-1: [m, k] row-major), set once per
// step and multiplied by each unit block of R (below) on the calling thread. For float it is
// packed once in set(), not once per block.
template <class T>
class StepOperand;

template <>
class StepOperand<float> {
 public:
  void set(const float* a, int64_t m, int64_t k) { repacked_.pack(m, k, a, k); }
  // c (rows ldc apart) = operand * w^T.
  void multiply(const TransposedWeights<float>& w, float* c, int64_t ldc) const {
    kernels::gemm_f32_prepacked(repacked_, w.packed(), c, ldc);
  }

 private:
  kernels::RepackedMatrixA repacked_;
};

template <>
class StepOperand<double> {
 public:
  void set(const double* a, int64_t m, int64_t k) { a_ = a, m_ = m, k_ = k; }
  void multiply(const TransposedWeights<double>& w, double* c, int64_t ldc) const { w.multiply(a_, m_, k_, c, ldc, 1); }

 private:
  const double* a_ = nullptr;
  int64_t m_ = 0, k_ = 0;
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

// A block of rows of one direction's R, in gates: GRU multiplies its z/r rows and its h rows by
// different left operands when linear_before_reset is 0, so it asks for two blocks.
struct RowBlock {
  int64_t begin = 0, count = 0;
};

// Hidden units per unit block of R (below): about 8 blocks, each a whole number of 8-unit groups
// so that a block's product columns fill the GEMM's column panels; one block when hidden is small.
inline int64_t unit_block_width(int64_t hidden) {
  if (hidden <= 32) return std::max<int64_t>(hidden, 1);
  const int64_t per_block = (hidden + 7) / 8;
  return std::max<int64_t>(32, (per_block + 7) / 8 * 8);
}

// One direction's R rows of a RowBlock's gates, cut by hidden units: part k holds, for units
// [k * width, k * width + units(k)), the rows of each of the `gates` gates in turn, so that
// Ht-1 * part^T is a [batch, gates * units] product whose columns are gate after gate. A step
// then runs as one parallel loop over the parts, each thread computing whole units (their
// product and their cell) with no second fork/join for the cell and no thread reading another
// thread's product.
template <class T>
struct UnitBlockedR {
  int64_t hidden = 0, width = 1, gates = 1;
  std::vector<TransposedWeights<T>> parts;

  int64_t count() const { return static_cast<int64_t>(parts.size()); }
  int64_t first_unit(int64_t k) const { return k * width; }
  int64_t units(int64_t k) const { return std::min(width, hidden - k * width); }
  // Where part k's product starts in a row of the step's [batch, gates * hidden] product buffer.
  int64_t column(int64_t k) const { return gates * first_unit(k); }
};

// The weights of one run in GEMM form: W^T for all directions at once, and each direction's R
// blocks cut by units (r[d * blocks + k]).
template <class T>
struct RnnWeights {
  TransposedWeights<T> w;
  std::vector<UnitBlockedR<T>> r;
};

// The rows of a [dirs, gates * hidden, cols] matrix in unit-block order: per direction, per block
// of unit_block_width(hidden) units, each gate's rows of those units in turn (the order of
// UnitBlockedR's products). W and the projection bias are stored so, which puts a unit block's
// gates side by side in each row of the input projection, as in the block's product: a cell adds
// the two in one contiguous loop, and a step reads its projection rows block after block.
template <class T>
std::vector<T> regroup_by_units(const T* m, int64_t dirs, int64_t gates, int64_t hidden, int64_t cols) {
  std::vector<T> out(static_cast<size_t>(dirs * gates * hidden * cols));
  const int64_t width = unit_block_width(hidden);
  T* dst = out.data();
  for (int64_t d = 0; d < dirs; ++d)
    for (int64_t first = 0; first < hidden; first += width) {
      const int64_t units = std::min(width, hidden - first);
      for (int64_t q = 0; q < gates; ++q, dst += units * cols) {
        const T* src = m + ((d * gates + q) * hidden + first) * cols;
        std::copy(src, src + units * cols, dst);
      }
    }
  return out;
}

// Where the gates of unit block k (first unit u0) start in a direction's stretch of an input
// projection row: its gates follow one another, `units` values each.
inline int64_t projection_column(int64_t gates, int64_t u0) { return gates * u0; }

// W ([dirs, gates * hidden, input]) as one right operand, its rows in unit-block order.
template <class T>
TransposedWeights<T> transpose_w(const T* w, int64_t dirs, int64_t gates, int64_t hidden, int64_t input) {
  return owned_transposed(regroup_by_units(w, dirs, gates, hidden, input), dirs * gates * hidden, input);
}
// R ([dirs, gates * hidden, hidden]) as per-direction RowBlocks cut by units.
template <class T>
std::vector<UnitBlockedR<T>> transpose_r(const T* r, int64_t dirs, int64_t hidden, int64_t gates,
                                         const std::vector<RowBlock>& blocks) {
  std::vector<UnitBlockedR<T>> out;
  const int64_t width = unit_block_width(hidden);
  for (int64_t d = 0; d < dirs; ++d)
    for (const RowBlock& blk : blocks) {
      UnitBlockedR<T> u;
      u.hidden = hidden, u.width = width, u.gates = blk.count;
      for (int64_t first = 0; first < hidden; first += width) {
        const int64_t units = std::min(width, hidden - first);
        std::vector<T> rows(static_cast<size_t>(blk.count * units * hidden));
        for (int64_t q = 0; q < blk.count; ++q) {
          const T* src = r + ((d * gates + blk.begin + q) * hidden + first) * hidden;
          std::copy(src, src + units * hidden, rows.begin() + q * units * hidden);
        }
        u.parts.push_back(owned_transposed(std::move(rows), blk.count * units, hidden));
      }
      out.push_back(std::move(u));
    }
  return out;
}

// The bias the input projection adds, per column of [dirs * gates * hidden] in unit-block order:
// Wb + Rb, except in the gate `keep_r_apart` names (GRU's h gate with linear_before_reset), whose
// Rb the op adds itself. Empty when B is absent.
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
  return regroup_by_units(out.data(), dims.dirs, dims.gates, dims.hidden, 1);
}

// X W^T + bias for every time step and direction at once: [rows of X, dirs * gate_width], in X's
// row order, the columns of each direction in unit-block order (regroup_by_units). Left
// uninitialised before the GEMM writes it: it is the largest buffer of a run.
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
  std::vector<UnitBlockedR<float>> packed_r_;
};

// Runs fn(d, gemm_threads) for each direction: side by side when the per-step GEMM is too small to
// keep the threads busy by itself, else one after the other with all threads.
void for_each_direction(const RnnDims& dims, int threads, const std::function<void(int64_t, int)>& fn);

// Runs fn(k) for each part k of `r` at step `step`, in parallel when the step's product is large
// enough to pay for the fork/join. Each thread keeps the same parts every step and walks them
// forwards on even steps, backwards on odd ones: R is read whole every step and is larger than
// a core's L2, so the parts a thread read last are the ones still in its L2 when the next step
// begins with them (in one direction only, they would be evicted before being read again).
template <class T>
void for_each_unit_block(const RnnDims& dims, const UnitBlockedR<T>& r, int64_t step, int threads,
                         const std::function<void(int64_t)>& fn);

// Fills `row` (n values) from the initial state of (d, b), or zeros when there is none.
template <class T>
void load_state(const T* initial, const RnnDims& dims, int64_t d, int64_t b, T* row);

inline constexpr TypeSet kRecurrentTypes{DataType::Float, DataType::Double, DataType::Float16};

// The rows RNN, GRU and LSTM share from opset 7: float, double and float16; `layout` from 14;
// bfloat16 from 22. `first` is the opset-7 kernel, `with_layout` the one from 14. Earlier rows
// (opset 1, GRU's 3) the caller adds itself.
void register_recurrent_from_7(Registry& r, const char* op, KernelFactory first, KernelFactory with_layout);

}  // namespace onyxrt::ops
