// LinearAttention (27): causal linear attention as a recurrence over a per-KV-head state
// S (d_k x d_v), run token by token:
//   linear        S = S + k v^T
//   gated         S = exp(g) S + k v^T
//   delta         S = S + beta k (v - S^T k)^T
//   gated_delta   S = exp(g) S + beta k (v - exp(g) S^T k)^T
//   o = scale q^T S  for each query head sharing the KV head (GQA: query head h reads KV head
//   h / (q_num_heads / kv_num_heads)).
// Q / K / V / decay / beta are packed [B, T, heads * dim]; past_state / present_state are
// [B, H_kv, d_k, d_v] in their own type S (query's type when past_state is absent). decay is per
// key dimension [B, T, H_kv * d_k] or per head [B, T, H_kv]; beta is [B, T, H_kv] or [B, T, 1].
// chunk_size is a tuning hint for chunked GPU kernels: the sequential recurrence ignores it.
// Types: float, float16 / bfloat16 through float; the state accumulates in float.
#include <algorithm>
#include <cmath>
#include <vector>

#include "base/parallel.h"
#include "ops/float_staging.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

enum Input : size_t { kQuery, kKey, kValue, kPastState, kDecay, kBeta };

struct AttentionDims {
  int64_t batch = 0, seq = 0, q_heads = 0, kv_heads = 0, dk = 0, dv = 0;
  bool per_head_decay = false;  // decay [B, T, H_kv] rather than [B, T, H_kv * d_k]
  bool shared_beta = false;     // beta [B, T, 1]
};

class LinearAttention final : public OpKernel {
 public:
  explicit LinearAttention(const KernelInfo& info)
      : q_heads_(info.required_int("q_num_heads")),
        kv_heads_(info.required_int("kv_num_heads")),
        scale_(info.attr_float("scale", 0.0f)) {
    if (q_heads_ <= 0 || kv_heads_ <= 0 || q_heads_ % kv_heads_ != 0)
      info.fail(ErrorCode::InvalidGraph, "q_num_heads (", q_heads_, ") must be a positive multiple of kv_num_heads (",
                kv_heads_, ")");
    const std::string rule = info.attr_string("update_rule", "gated_delta");
    if (rule != "linear" && rule != "gated" && rule != "delta" && rule != "gated_delta")
      info.fail(ErrorCode::InvalidGraph, "attribute 'update_rule' is '", rule,
                "', expected 'linear', 'gated', 'delta' or 'gated_delta'");
    gated_ = rule == "gated" || rule == "gated_delta";
    delta_ = rule == "delta" || rule == "gated_delta";
    if (gated_ != info.has_input(kDecay))
      info.fail(ErrorCode::InvalidGraph, "update_rule '", rule, gated_ ? "' requires" : "' takes no", " decay input");
    if (delta_ != info.has_input(kBeta))
      info.fail(ErrorCode::InvalidGraph, "update_rule '", rule, delta_ ? "' requires" : "' takes no", " beta input");
  }

  void compute(KernelContext& ctx) const override {
    const AttentionDims s = check_inputs(ctx);
    const DataType type = ctx.input(kQuery).dtype();
    const DataType state_type = ctx.has_input(kPastState) ? ctx.input(kPastState).dtype() : type;
    Tensor& out = ctx.output(0, type, {s.batch, s.seq, s.q_heads * s.dv});
    Tensor& present = ctx.output(1, state_type, {s.batch, s.kv_heads, s.dk, s.dv});
    const Tensor q = widen_to_float(ctx.input(kQuery)), k = widen_to_float(ctx.input(kKey)),
                 v = widen_to_float(ctx.input(kValue));
    const Tensor decay = gated_ ? widen_to_float(ctx.input(kDecay)) : Tensor();
    const Tensor beta = delta_ ? widen_to_float(ctx.input(kBeta)) : Tensor();
    Tensor state(DataType::Float, present.shape());
    if (ctx.has_input(kPastState)) {
      const Tensor past = widen_to_float(ctx.input(kPastState));
      std::copy(past.data<float>(), past.data<float>() + past.size(), state.data<float>());
    } else {
      std::fill(state.data<float>(), state.data<float>() + state.size(), 0.0f);
    }
    Tensor of = type == DataType::Float ? out : Tensor(DataType::Float, out.shape());
    const float scale = scale_ != 0.0f ? scale_ : (s.dk > 0 ? 1.0f / std::sqrt(static_cast<float>(s.dk)) : 1.0f);
    const int64_t work = s.seq * s.dk * s.dv * (s.q_heads / s.kv_heads + 2);
    parallel_for(s.batch * s.kv_heads, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, work)), ctx.threads(),
                 [&](int64_t begin, int64_t end) {
                   std::vector<float> u(static_cast<size_t>(s.dv));
                   for (int64_t unit = begin; unit < end; ++unit)
                     run_head(s, unit / s.kv_heads, unit % s.kv_heads, q.data<float>(), k.data<float>(),
                              v.data<float>(), gated_ ? decay.data<float>() : nullptr,
                              delta_ ? beta.data<float>() : nullptr, scale, state.data<float>(), of.data<float>(),
                              u.data());
                 });
    if (type != DataType::Float) narrow_from_float(of.data<float>(), out);
    narrow_from_float(state.data<float>(), present);
  }

 private:
  AttentionDims check_inputs(const KernelContext& ctx) const {
    const char* names[] = {"query", "key", "value", "past_state", "decay", "beta"};
    const Tensor& q = ctx.input(kQuery);
    for (size_t i : {kQuery, kKey, kValue, kDecay, kBeta}) {
      if (!ctx.has_input(i)) continue;
      const Tensor& t = ctx.input(i);
      if (t.rank() != 3)
        ctx.fail(ErrorCode::InvalidArgument, "input ", names[i], " must be 3-D (B, T, heads * dim), got ",
                 shape_to_string(t.shape()));
      if (t.dtype() != q.dtype())
        ctx.fail(ErrorCode::InvalidArgument, "input ", names[i], " has element type ", data_type_name(t.dtype()),
                 ", expected ", data_type_name(q.dtype()), " like query");
      if (t.dim(0) != q.dim(0) || t.dim(1) != q.dim(1))
        ctx.fail(ErrorCode::InvalidArgument, "input ", names[i], " ", shape_to_string(t.shape()),
                 " must share batch and sequence length with query ", shape_to_string(q.shape()));
    }
    AttentionDims s;
    s.batch = q.dim(0), s.seq = q.dim(1), s.q_heads = q_heads_, s.kv_heads = kv_heads_;
    const Tensor& k = ctx.input(kKey);
    const Tensor& v = ctx.input(kValue);
    if (q.dim(2) % q_heads_ != 0 || v.dim(2) % kv_heads_ != 0)
      ctx.fail(ErrorCode::InvalidArgument, "query's last dim ", q.dim(2), " must divide by q_num_heads ", q_heads_,
               " and value's ", v.dim(2), " by kv_num_heads ", kv_heads_);
    s.dk = q.dim(2) / q_heads_;
    s.dv = v.dim(2) / kv_heads_;
    if (k.dim(2) != kv_heads_ * s.dk)
      ctx.fail(ErrorCode::InvalidArgument, "key's last dim must be kv_num_heads * d_k = ", kv_heads_ * s.dk, ", got ",
               shape_to_string(k.shape()));
    if (ctx.has_input(kPastState)) {
      const Tensor& p = ctx.input(kPastState);
      if (p.dtype() != DataType::Float && !is_half_type(p.dtype()))
        ctx.fail(ErrorCode::InvalidArgument, "past_state has element type ", data_type_name(p.dtype()),
                 ", expected float, float16 or bfloat16");
      const Shape want{s.batch, kv_heads_, s.dk, s.dv};
      if (p.shape() != want)
        ctx.fail(ErrorCode::InvalidArgument, "past_state must have shape ", shape_to_string(want),
                 " (B, H_kv, d_k, d_v), got ", shape_to_string(p.shape()));
    }
    if (gated_) {
      const int64_t last = ctx.input(kDecay).dim(2);
      if (last != kv_heads_ && last != kv_heads_ * s.dk)
        ctx.fail(ErrorCode::InvalidArgument, "decay's last dim ", last, " must be kv_num_heads (", kv_heads_,
                 ") or kv_num_heads * d_k (", kv_heads_ * s.dk, ")");
      s.per_head_decay = last == kv_heads_ && kv_heads_ * s.dk != kv_heads_;
    }
    if (delta_) {
      const int64_t last = ctx.input(kBeta).dim(2);
      if (last != kv_heads_ && last != 1)
        ctx.fail(ErrorCode::InvalidArgument, "beta's last dim ", last, " must be kv_num_heads (", kv_heads_, ") or 1");
      s.shared_beta = last == 1;
    }
    return s;
  }

  // The recurrence of one (batch, KV head) over all tokens; `state` is the whole present_state,
  // `u` d_v floats of scratch.
  void run_head(const AttentionDims& s, int64_t b, int64_t hk, const float* q, const float* k, const float* v,
                const float* decay, const float* beta, float scale, float* state, float* out, float* u) const {
    const int64_t dk = s.dk, dv = s.dv, group = s.q_heads / s.kv_heads;
    float* st = state + (b * s.kv_heads + hk) * dk * dv;
    for (int64_t t = 0; t < s.seq; ++t) {
      const int64_t token = b * s.seq + t;
      const float* kt = k + (token * s.kv_heads + hk) * dk;
      const float* vt = v + (token * s.kv_heads + hk) * dv;
      if (decay != nullptr) {
        const float* g = s.per_head_decay ? decay + token * s.kv_heads + hk : decay + (token * s.kv_heads + hk) * dk;
        for (int64_t i = 0; i < dk; ++i) {
          const float f = std::exp(g[s.per_head_decay ? 0 : i]);
          float* row = st + i * dv;
          for (int64_t m = 0; m < dv; ++m) row[m] *= f;
        }
      }
      if (beta != nullptr) {  // u = beta (v - S^T k), read from the decayed state
        const float bt = beta[s.shared_beta ? token : token * s.kv_heads + hk];
        std::copy(vt, vt + dv, u);
        for (int64_t i = 0; i < dk; ++i) {
          const float* row = st + i * dv;
          for (int64_t m = 0; m < dv; ++m) u[m] -= row[m] * kt[i];
        }
        for (int64_t m = 0; m < dv; ++m) u[m] *= bt;
      } else {
        std::copy(vt, vt + dv, u);
      }
      for (int64_t i = 0; i < dk; ++i) {
        float* row = st + i * dv;
        for (int64_t m = 0; m < dv; ++m) row[m] += kt[i] * u[m];
      }
      for (int64_t hq = hk * group; hq < (hk + 1) * group; ++hq) {
        const float* qt = q + (token * s.q_heads + hq) * dk;
        float* ot = out + (token * s.q_heads + hq) * dv;
        std::fill(ot, ot + dv, 0.0f);
        for (int64_t i = 0; i < dk; ++i) {
          const float* row = st + i * dv;
          for (int64_t m = 0; m < dv; ++m) ot[m] += qt[i] * row[m];
        }
        for (int64_t m = 0; m < dv; ++m) ot[m] *= scale;
      }
    }
  }

  int64_t q_heads_, kv_heads_;
  float scale_;
  bool gated_ = false, delta_ = false;
};

}  // namespace

void register_linear_attention(Registry& r) {
  r.add({"",
         "LinearAttention",
         27,
         {DataType::Float, DataType::Float16, DataType::BFloat16},
         make_kernel<LinearAttention>});
}

}  // namespace onyxrt::ops
