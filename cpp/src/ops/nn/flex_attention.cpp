// FlexAttention (ai.onnx.preview 1): per batch and query head,
//   scores = Q K^T * scale  -> score_mod(scores) -> softmax over keys -> prob_mod(probs) -> Y = probs V
// Q (B, Hq, L, E), K (B, Hkv, S, E), V (B, Hkv, S, Ev); query head h reads K / V head
// h / (Hq / Hkv). score_mod and prob_mod are optional GRAPH attributes, each mapping one
// (B, Hq, L, S) tensor of the softmax precision to one of the same shape and type; they see the
// whole score tensor, so with a modifier the scores are materialized, and without one each head
// runs fused (scores of one head at a time). A row with no finite score gives zero
// probabilities, as Attention's fully masked rows do.
// Types: float, double; float16 / bfloat16 through float (Q and K scaled and Q K^T rounded to 16
// bits as the reference does). softmax_precision defaults to float (double for double inputs).
#include <algorithm>
#include <cmath>
#include <exception>
#include <mutex>
#include <vector>

#include "base/parallel.h"
#include "ops/float_staging.h"
#include "ops/nn/attention_common.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

using namespace attention;

struct FlexDims {
  int64_t batch = 0, q_heads = 0, kv_heads = 0, q_len = 0, kv_len = 0, head_size = 0, v_head_size = 0;
};

// Runs fn(b, h, r0, m) for every block of m <= `block` query rows r0.. of every (batch, query
// head), in parallel; exceptions are carried out.
template <class F>
void for_each_block(const FlexDims& d, int64_t block, int64_t work_per_row, int threads, F&& fn) {
  const int64_t blocks = (d.q_len + block - 1) / block;
  std::exception_ptr error;
  std::mutex error_mutex;
  const int64_t work = std::max<int64_t>(1, block * work_per_row);
  parallel_for(d.batch * d.q_heads * blocks, std::max<int64_t>(1, 262144 / work), threads,
               [&](int64_t begin, int64_t end) {
                 try {
                   for (int64_t t = begin; t < end; ++t) {
                     const int64_t unit = t / blocks, r0 = t % blocks * block;
                     fn(unit / d.q_heads, unit % d.q_heads, r0, std::min(block, d.q_len - r0));
                   }
                 } catch (...) {
                   std::lock_guard<std::mutex> lock(error_mutex);
                   if (!error) error = std::current_exception();
                 }
               });
  if (error) std::rethrow_exception(error);
}

// The compute-type views of one run; the steps work on m query rows r0.. of head (b, h), whose
// scores s are m x kv_len.
template <class C>
struct FlexJob {
  FlexDims d;
  const C* q;
  const C* k;
  const C* v;
  C* y;
  C alpha;
  Rounding rounding;
  DataType precision;

  int64_t kv_head(int64_t b, int64_t h) const { return b * d.kv_heads + h / (d.q_heads / d.kv_heads); }
  int64_t q_row(int64_t b, int64_t h, int64_t r0) const { return (b * d.q_heads + h) * d.q_len + r0; }

  // Q K^T rounded to the input's precision.
  void scores(int64_t b, int64_t h, int64_t r0, int64_t m, C* s) const {
    gemm_abt(m, d.kv_len, d.head_size, alpha, q + q_row(b, h, r0) * d.head_size, d.head_size,
             k + kv_head(b, h) * d.kv_len * d.head_size, d.head_size, s, d.kv_len);
    round_row(rounding, s, m * d.kv_len);
  }
  void softmax(int64_t m, C* s) const {
    for (int64_t i = 0; i < m; ++i) softmax_row(s + i * d.kv_len, d.kv_len, 0, d.kv_len, precision);
  }
  void output(int64_t b, int64_t h, int64_t r0, int64_t m, const C* p) const {
    gemm_ab(m, d.v_head_size, d.kv_len, p, d.kv_len, v + kv_head(b, h) * d.kv_len * d.v_head_size, d.v_head_size,
            y + q_row(b, h, r0) * d.v_head_size, d.v_head_size);
  }
};

class FlexAttention final : public OpKernel {
 public:
  explicit FlexAttention(const KernelInfo& info)
      : has_scale_(info.has_attr("scale")),
        scale_(info.attr_float("scale", 1.0f)),
        precision_(parse_softmax_precision(info, DataType::Undefined)) {
    if (info.has_attr("score_mod")) score_mod_ = compile_modifier(info, "score_mod");
    if (info.has_attr("prob_mod")) prob_mod_ = compile_modifier(info, "prob_mod");
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& q = ctx.input(0);
    const Tensor& k = ctx.input(1);
    const Tensor& v = ctx.input(2);
    const FlexDims d = check_shapes(ctx, q, k, v);
    Tensor& y = ctx.output(0, q.dtype(), {d.batch, d.q_heads, d.q_len, d.v_head_size});
    if (y.size() == 0) return;
    if (q.dtype() == DataType::Double) {
      run<double>(ctx, d, q, k, v, y);
    } else {
      run<float>(ctx, d, q, k, v, y);
    }
  }

 private:
  static std::unique_ptr<Subgraph> compile_modifier(const KernelInfo& info, const char* name) {
    std::unique_ptr<Subgraph> g = info.compile_subgraph(name);
    if (g->inputs().size() != 1 || g->outputs().size() != 1)
      info.fail(ErrorCode::InvalidGraph, "attribute '", name, "' must be a graph of 1 input and 1 output, got ",
                g->inputs().size(), " and ", g->outputs().size());
    return g;
  }

  template <class C>
  void run(KernelContext& ctx, const FlexDims& d, const Tensor& q, const Tensor& k, const Tensor& v, Tensor& y) const {
    const DataType compute = compute_type_for(q.dtype());
    FlexJob<C> job{d, nullptr, nullptr, nullptr, nullptr, C(1), rounding_of(q.dtype()), DataType::Float};
    job.precision = precision_ != DataType::Undefined ? precision_ : compute;
    const double scale = has_scale_ ? scale_ : 1.0 / std::sqrt(static_cast<double>(d.head_size));
    Tensor qc = q, kc = k;
    if (job.rounding != Rounding::None) {  // Q and K scaled by sqrt(scale) in their 16-bit type
      const float factor = round_to(job.rounding, std::sqrt(static_cast<float>(scale)));
      qc = widen_scaled(q, factor), kc = widen_scaled(k, factor);
    } else {
      job.alpha = static_cast<C>(scale);
    }
    const Tensor vc = to_compute_type(v, compute);
    Tensor yc = y.dtype() == compute ? y : Tensor(compute, y.shape());
    job.q = qc.data<C>(), job.k = kc.data<C>(), job.v = vc.data<C>(), job.y = yc.data<C>();
    const int64_t row_work = d.kv_len * (d.head_size + d.v_head_size + 8);
    if (score_mod_ == nullptr && prob_mod_ == nullptr) {  // fused, in row blocks that fit the budget
      const int64_t block = std::clamp<int64_t>(kScoreBudget / std::max<int64_t>(1, d.kv_len), 1, 256);
      for_each_block(d, block, row_work, ctx.threads(), [&](int64_t b, int64_t h, int64_t r0, int64_t m) {
        thread_local std::vector<C> scratch;  // kept: later runs allocate nothing
        if (scratch.size() < static_cast<size_t>(m * d.kv_len)) scratch.resize(static_cast<size_t>(m * d.kv_len));
        job.scores(b, h, r0, m, scratch.data());
        job.softmax(m, scratch.data());
        job.output(b, h, r0, m, scratch.data());
      });
    } else {  // the modifiers see the whole (B, Hq, L, S) tensor
      Tensor scores(compute, {d.batch, d.q_heads, d.q_len, d.kv_len});
      C* s = scores.data<C>();
      auto at = [&](int64_t b, int64_t h, int64_t r0) { return s + job.q_row(b, h, r0) * d.kv_len; };
      const int64_t block = std::max<int64_t>(1, d.q_len);
      for_each_block(d, block, row_work, ctx.threads(),
                     [&](int64_t b, int64_t h, int64_t r0, int64_t m) { job.scores(b, h, r0, m, at(b, h, r0)); });
      if (score_mod_ != nullptr) scores = apply_modifier(ctx, *score_mod_, "score_mod", scores, job.precision);
      s = scores.data<C>();
      for_each_block(d, block, d.kv_len * 8, ctx.threads(),
                     [&](int64_t b, int64_t h, int64_t r0, int64_t m) { job.softmax(m, at(b, h, r0)); });
      if (prob_mod_ != nullptr) scores = apply_modifier(ctx, *prob_mod_, "prob_mod", scores, job.precision);
      s = scores.data<C>();
      for_each_block(d, block, row_work, ctx.threads(),
                     [&](int64_t b, int64_t h, int64_t r0, int64_t m) { job.output(b, h, r0, m, at(b, h, r0)); });
    }
    if (yc.raw() != y.raw()) narrow_from_float(yc.data<float>(), y);
  }

  // Runs a modifier on the scores cast to the softmax precision; returns its result in the
  // compute type of `values`.
  static Tensor apply_modifier(KernelContext& ctx, const Subgraph& graph, const char* name, const Tensor& values,
                               DataType precision) {
    Tensor input = values;
    if (precision != values.dtype()) {
      input = Tensor(precision, values.shape());
      if (values.dtype() == DataType::Double) {
        store_values(values.data<double>(), values.size(), input, 0);
      } else {
        store_values(values.data<float>(), values.size(), input, 0);
      }
    }
    std::vector<Value> out = ctx.run_subgraph(graph, {Value(input)});
    if (out.size() != 1 || !out[0].is_tensor()) ctx.fail(ErrorCode::InvalidArgument, name, " must produce one tensor");
    const Tensor& result = out[0].tensor();
    if (result.dtype() != precision || result.shape() != values.shape())
      ctx.fail(ErrorCode::InvalidArgument, name, " must return a ", data_type_name(precision), " tensor of shape ",
               shape_to_string(values.shape()), " (its input's), got ", data_type_name(result.dtype()), " ",
               shape_to_string(result.shape()));
    Tensor back = to_compute_type(result, values.dtype());
    // The subgraph's output may share storage with a value it keeps (an initializer): copy.
    if (back.raw() == result.raw() && back.raw() != values.raw()) {
      Tensor copy(back.dtype(), back.shape());
      std::copy_n(static_cast<const char*>(back.raw()), back.nbytes(), static_cast<char*>(copy.raw()));
      back = copy;
    }
    return back;
  }

  static FlexDims check_shapes(const KernelContext& ctx, const Tensor& q, const Tensor& k, const Tensor& v) {
    if (k.dtype() != q.dtype() || v.dtype() != q.dtype())
      ctx.fail(ErrorCode::InvalidArgument, "Q, K and V must share one element type, got ", data_type_name(q.dtype()),
               ", ", data_type_name(k.dtype()), " and ", data_type_name(v.dtype()));
    if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
      ctx.fail(ErrorCode::InvalidArgument, "Q, K and V must be 4-D, got shapes ", shape_to_string(q.shape()), ", ",
               shape_to_string(k.shape()), " and ", shape_to_string(v.shape()));
    FlexDims d;
    d.batch = q.dim(0), d.q_heads = q.dim(1), d.q_len = q.dim(2), d.head_size = q.dim(3);
    d.kv_heads = k.dim(1), d.kv_len = k.dim(2), d.v_head_size = v.dim(3);
    if (k.dim(0) != d.batch || v.dim(0) != d.batch || k.dim(3) != d.head_size || v.dim(1) != d.kv_heads ||
        v.dim(2) != d.kv_len)
      ctx.fail(ErrorCode::InvalidArgument, "K (shape ", shape_to_string(k.shape()), ") must be (", d.batch,
               ", kv_heads, kv_len, ", d.head_size, ") and V (shape ", shape_to_string(v.shape()),
               ") (batch, kv_heads, kv_len, v_head_size) for Q of shape ", shape_to_string(q.shape()));
    if (d.kv_heads < 1 || d.q_heads % d.kv_heads != 0)
      ctx.fail(ErrorCode::InvalidArgument, "Q's ", d.q_heads, " heads must be a multiple of K's and V's ", d.kv_heads);
    return d;
  }

  bool has_scale_;
  float scale_;
  DataType precision_;  // Undefined: float, double for double inputs
  std::unique_ptr<Subgraph> score_mod_, prob_mod_;
};

}  // namespace

void register_flex_attention(Registry& r) {
  r.add({"ai.onnx.preview", "FlexAttention", 1, kFloatTypes, make_kernel<FlexAttention>});
}

}  // namespace onyxrt::ops
