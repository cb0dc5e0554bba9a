// Attention (opsets 23, 24, 25): per batch and query head,
//   Y = softmax(softcap(Q K^T * scale) + bias) V
// Query heads share K / V heads in contiguous groups (GQA, MQA); past_key / past_value go in
// front of K / V (present_key / present_value). The bias (attn_mask, is_causal, from 24
// nonpad_kv_seqlen, from 25 the sliding window) is evaluated per query row (attention_mask.h),
// never materialized at the broadcast (batch, heads, q_len, keys) shape. A query row that sees
// no key gives a zero row (Y and the mode-3 qk_matmul_output), not NaN.
//
// Work units are (batch, head, block of query rows); Q K^T and P V run on the packed SGEMM per
// block, single-threaded, with the units in parallel. When a K / V head serves several query
// heads and their rows are evenly spaced in Q and Y (4-D, or one query per head), the whole group
// is one unit, so K and V are packed once per group rather than once per query head. Without a
// raw-score output, the scores stop at the block's last visible key (causal blocks skip the
// masked upper triangle, static caches their padding).
//
// Types: float and double natively; float16 / bfloat16 through float, with each intermediate
// rounded back to 16 bits where the reference (numpy) rounds it.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <vector>

#include "base/parallel.h"
#include "ops/float_staging.h"
#include "ops/nn/attention_common.h"
#include "ops/nn/attention_mask.h"
#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

using namespace attention;

// What the later versions added; one registration row each.
struct AttentionVersion {
  bool nonpad_input;    // 24: nonpad_kv_seqlen (input 6)
  bool pad_short_mask;  // 24: a mask with fewer keys is padded with -inf (23: it broadcasts)
  bool windows;         // 25: left_window_size / right_window_size
  bool heads_only_3d;   // 25: q_num_heads / kv_num_heads are an error with 4-D inputs
  // onyxrt's fused forms of the exported MatMul -> Softmax -> MatMul chain (optimizer/
  // fuse_attention.cpp) keep the chain's semantics: Q, K and V are 3-D, and a row whose keys are
  // all -inf gives NaN (as Softmax does), not zeros.
  bool chain_semantics;
  bool masked_fill;  // MaskedMultiHeadAttention: input 3 is a bool keep mask, hidden scores become masked_value
};

enum QkMode : int64_t { kQkRaw = 0, kQkSoftcapped = 1, kQkBiased = 2, kQkProbabilities = 3 };

struct Dims {
  int64_t batch = 0, q_heads = 0, kv_heads = 0, q_len = 0, kv_len = 0, past_len = 0, total = 0;
  int64_t head_size = 0, v_head_size = 0;
  bool three_d = false;
};

// Everything the row blocks of one run read, in the compute type C.
template <class C>
struct Job {
  Dims d;
  const C* q = nullptr;
  const C* k = nullptr;
  const C* v = nullptr;
  C* y = nullptr;
  HeadLayout ql, kl, vl, yl;
  Tensor* qk = nullptr;  // the optional 4th output
  int64_t qk_mode = kQkRaw;
  const MaskBias* mask = nullptr;
  KeyWindow keys;
  C alpha = 1, softcap = 0;
  Rounding rounding = Rounding::None;
  DataType softmax_precision = DataType::Float;
  int64_t group = 1;     // query heads per K / V head
  bool stacked = false;  // a unit holds a K / V head's whole group of query heads
  bool hidden_rows_nan = false;  // AttentionVersion::chain_semantics
  bool replace_hidden = false;  // MaskedMultiHeadAttention: a hidden key's score becomes hidden_value
  C hidden_value = 0;
  int64_t units = 0, unit_rows = 0, block = 1;
};

template <class C>
void fill_output(Tensor& out, int64_t at, int64_t n, C value) {
  if (n <= 0) return;
  const std::vector<C> values(static_cast<size_t>(n), value);
  store_values(values.data(), n, out, at);
}

// x = cap * tanh(x / cap), each step rounded to the input's precision.
template <class C>
void softcap_row(C* x, int64_t n, C cap, Rounding rd) {
  for (int64_t j = 0; j < n; ++j) x[j] /= cap;
  round_row(rd, x, n);
  for (int64_t j = 0; j < n; ++j) x[j] = std::tanh(x[j]);
  round_row(rd, x, n);
  for (int64_t j = 0; j < n; ++j) x[j] *= cap;
  round_row(rd, x, n);
}

// Adds the mask's values to the visible keys of one row; true when some key stays attendable.
template <class C>
bool add_mask(const Job<C>& job, int64_t b, int64_t h, int64_t i, C* x, int64_t lo, int64_t hi) {
  if (job.mask == nullptr) return lo < hi;
  const C* m = job.mask->template row<C>(b, h, i);
  const int64_t sj = job.mask->stride_j;
  if (job.replace_hidden) {  // a bool mask, as 0 / -inf: Where(keep, score, hidden_value)
    for (int64_t j = lo; j < hi; ++j) x[j] = m[j * sj] == neg_inf<C>() ? job.hidden_value : x[j];
    return lo < hi;
  }
  if (sj == 1 && job.rounding == Rounding::None) {  // the common case, in loops that vectorize
    int64_t hidden = 0;
    for (int64_t j = lo; j < hi; ++j) {
      x[j] += m[j];
      hidden += m[j] == neg_inf<C>() ? 1 : 0;
    }
    return hidden < hi - lo;
  }
  bool visible = false;
  for (int64_t j = lo; j < hi; ++j) {
    const C mv = m[j * sj];
    x[j] = round_to(job.rounding, x[j] + mv);
    visible |= mv != neg_inf<C>();
  }
  return visible;
}

template <class C>
void run_block(const Job<C>& job, int64_t task, std::vector<C>& scratch) {
  const Dims& d = job.d;
  const int64_t blocks = (job.unit_rows + job.block - 1) / job.block;
  const int64_t b = task / (job.units * blocks), u = task / blocks % job.units;
  const int64_t r0 = task % blocks * job.block, m = std::min(job.block, job.unit_rows - r0);
  const int64_t kv_head = job.stacked ? u : u / job.group;
  const int64_t h0 = job.stacked ? u * job.group : u;  // the unit's first query head
  auto head_of = [&](int64_t r) { return job.stacked ? h0 + r / d.q_len : h0; };
  auto query_of = [&](int64_t r) { return job.stacked ? r % d.q_len : r; };
  // A stacked unit of single queries steps from head to head; otherwise rows are queries.
  const bool by_head = job.stacked && d.q_len == 1;
  const int64_t q_step = by_head ? job.ql.head_stride : job.ql.row_stride;
  const int64_t y_step = by_head ? job.yl.head_stride : job.yl.row_stride;
  const C* q = job.q + job.ql.offset(b, h0, 0) + r0 * q_step;
  C* y = job.y + job.yl.offset(b, h0, 0) + r0 * y_step;

  const bool raw_output = job.qk != nullptr && job.qk_mode <= kQkSoftcapped;
  int64_t n = d.total, lo = 0, hi = 0;
  if (!raw_output) {  // keys past the block's last visible one cannot contribute
    n = 0;
    for (int64_t r = r0; r < r0 + m; ++r) {
      job.keys.range(b, query_of(r), lo, hi);
      n = std::max(n, hi);
    }
  }
  if (scratch.size() < static_cast<size_t>(m * n)) scratch.resize(static_cast<size_t>(m * n));
  C* scores = scratch.data();
  if (n > 0)
    gemm_abt(m, n, d.head_size, job.alpha, q, q_step, job.k + job.kl.offset(b, kv_head, 0), job.kl.row_stride, scores,
             n);

  const Rounding rd = job.rounding;
  for (int64_t rr = 0; rr < m; ++rr) {
    const int64_t h = head_of(r0 + rr), i = query_of(r0 + rr);
    C* x = scores + rr * n;
    const int64_t qk_at = ((b * d.q_heads + h) * d.q_len + i) * d.total;
    round_row(rd, x, n);
    if (job.qk != nullptr && job.qk_mode == kQkRaw) store_values(x, n, *job.qk, qk_at);
    job.keys.range(b, i, lo, hi);
    if (job.softcap > 0) {  // on the visible keys only, unless the capped scores are an output
      const bool all = job.qk != nullptr && job.qk_mode == kQkSoftcapped;
      softcap_row(all ? x : x + lo, all ? n : std::min(hi, n) - lo, job.softcap, rd);
    }
    if (job.qk != nullptr && job.qk_mode == kQkSoftcapped) store_values(x, n, *job.qk, qk_at);
    const bool visible = add_mask(job, b, h, i, x, lo, hi);
    if (job.qk != nullptr && job.qk_mode == kQkBiased) {
      std::fill(x, x + std::min(lo, n), neg_inf<C>());
      std::fill(x + std::min(hi, n), x + n, neg_inf<C>());
      store_values(x, n, *job.qk, qk_at);
      fill_output(*job.qk, qk_at + n, d.total - n, neg_inf<C>());
    }
    if (visible) {
      softmax_row(x, n, lo, hi, job.softmax_precision);
      round_row(rd, x, n);  // the probabilities are cast back to Q's type before P V
    } else {
      std::fill(x, x + n, job.hidden_rows_nan ? std::numeric_limits<C>::quiet_NaN() : C(0));
    }
    if (job.qk != nullptr && job.qk_mode == kQkProbabilities) {
      store_values(x, n, *job.qk, qk_at);
      fill_output(*job.qk, qk_at + n, d.total - n, C(0));
    }
  }
  if (n > 0) {
    gemm_ab(m, d.v_head_size, n, scores, n, job.v + job.vl.offset(b, kv_head, 0), job.vl.row_stride, y, y_step);
  } else {  // no key visible to any row of the block
    for (int64_t rr = 0; rr < m; ++rr) std::fill(y + rr * y_step, y + rr * y_step + d.v_head_size, C(0));
  }
}

template <class C>
void run_job(const Job<C>& job, int threads) {
  const int64_t blocks = (job.unit_rows + job.block - 1) / job.block;
  const int64_t tasks = job.d.batch * job.units * blocks;
  const int64_t work = job.block * std::max<int64_t>(1, job.d.total) * (job.d.head_size + job.d.v_head_size + 8);
  std::exception_ptr error;
  std::mutex error_mutex;
  parallel_for(tasks, std::max<int64_t>(1, 262144 / std::max<int64_t>(1, work)), threads,
               [&](int64_t begin, int64_t end) {
                 try {
                   thread_local std::vector<C> scratch;  // kept: later runs allocate nothing
                   for (int64_t t = begin; t < end; ++t) run_block(job, t, scratch);
                 } catch (...) {  // an exception must not cross the parallel region
                   std::lock_guard<std::mutex> lock(error_mutex);
                   if (!error) error = std::current_exception();
                 }
               });
  if (error) std::rethrow_exception(error);
}

// One cache to write: present (batch, heads, past + new rows, cols) = past rows, then the new
// rows of `cur` (3-D or 4-D, read through its layout).
struct CacheWrite {
  const Tensor* past;
  const Tensor* cur;
  HeadLayout layout;
  Tensor* present;
};

// Copies element bytes (any element type); the K and V caches share one parallel loop.
void write_caches(const std::vector<CacheWrite>& writes, int threads) {
  if (writes.empty()) return;
  const int64_t units = writes[0].layout.batch * writes[0].layout.heads;
  const int64_t bytes = writes[0].present->nbytes() / std::max<int64_t>(1, units);
  parallel_for(
      static_cast<int64_t>(writes.size()) * units, std::max<int64_t>(1, (int64_t{1} << 18) / (bytes + 1)), threads,
      [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; ++task) {
          const CacheWrite& w = writes[task / units];
          const HeadLayout& cl = w.layout;
          const int64_t unit = task % units, b = unit / cl.heads, h = unit % cl.heads;
          const size_t es = data_type_storage_bytes(w.cur->dtype(), 1);
          const int64_t p = w.past != nullptr ? w.past->dim(2) : 0;
          const size_t row_bytes = static_cast<size_t>(cl.cols) * es;
          char* out = static_cast<char*>(w.present->raw()) + static_cast<size_t>(unit * (p + cl.rows)) * row_bytes;
          if (p > 0)
            std::memcpy(out, static_cast<const char*>(w.past->raw()) + static_cast<size_t>(unit * p) * row_bytes,
                        static_cast<size_t>(p) * row_bytes);
          const char* src = static_cast<const char*>(w.cur->raw());
          for (int64_t r = 0; r < cl.rows; ++r)
            std::memcpy(out + static_cast<size_t>(p + r) * row_bytes,
                        src + static_cast<size_t>(cl.offset(b, h, r)) * es, row_bytes);
        }
      });
}

class Attention final : public OpKernel {
 public:
  Attention(const KernelInfo& info, const AttentionVersion& version)
      : version_(version),
        causal_(info.attr_int("is_causal", 0) != 0),
        has_scale_(info.has_attr("scale")),
        scale_(info.attr_float("scale", 1.0f)),
        softcap_(info.attr_float("softcap", 0.0f)),
        has_head_attrs_(info.has_attr("q_num_heads") || info.has_attr("kv_num_heads")),
        q_heads_attr_(info.attr_int("q_num_heads", 0)),
        kv_heads_attr_(info.attr_int("kv_num_heads", 0)),
        qk_mode_(info.attr_int("qk_matmul_output_mode", kQkRaw)),
        softmax_precision_(parse_softmax_precision(info, DataType::Undefined)),
        masked_value_(info.attr_float("masked_value", 0.0f)) {
    if (version_.masked_fill && !info.has_attr("masked_value"))
      info.fail(ErrorCode::InvalidGraph, "MaskedMultiHeadAttention needs the float attribute 'masked_value'");
    if (qk_mode_ < kQkRaw || qk_mode_ > kQkProbabilities)
      info.fail(ErrorCode::InvalidGraph, "attribute 'qk_matmul_output_mode' is ", qk_mode_, "; expected 0 to 3");
    if (q_heads_attr_ < 0 || kv_heads_attr_ < 0)
      info.fail(ErrorCode::InvalidGraph, "attributes 'q_num_heads' (", q_heads_attr_, ") and 'kv_num_heads' (",
                kv_heads_attr_, ") must be positive");
    if (version_.windows) {
      left_ = info.attr_int("left_window_size", -1);
      right_ = info.attr_int("right_window_size", -1);
      if (left_ < -1 || right_ < -1)
        info.fail(ErrorCode::InvalidGraph, "attributes 'left_window_size' (", left_, ") and 'right_window_size' (",
                  right_, ") must be -1 (unbounded) or at least 0");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& q = ctx.input(0);
    const Tensor& k = ctx.input(1);
    const Tensor& v = ctx.input(2);
    const Tensor* past_k = ctx.has_input(4) ? &ctx.input(4) : nullptr;
    const Tensor* past_v = ctx.has_input(5) ? &ctx.input(5) : nullptr;
    const Dims d = check_shapes(ctx, q, k, v, past_k, past_v);
    HeadLayout kl = d.three_d ? layout_3d(k.shape(), d.kv_heads) : layout_4d(k.shape());
    HeadLayout vl = d.three_d ? layout_3d(v.shape(), d.kv_heads) : layout_4d(v.shape());
    Tensor k_all = k, v_all = v;
    std::vector<CacheWrite> caches;
    if (past_k != nullptr || ctx.has_output(1)) {
      Tensor& present = ctx.output(1, k.dtype(), {d.batch, d.kv_heads, d.total, d.head_size});
      caches.push_back({past_k, &k, kl, &present});
      k_all = present, kl = layout_4d(present.shape());
    }
    if (past_v != nullptr || ctx.has_output(2)) {
      Tensor& present = ctx.output(2, v.dtype(), {d.batch, d.kv_heads, d.total, d.v_head_size});
      caches.push_back({past_v, &v, vl, &present});
      v_all = present, vl = layout_4d(present.shape());
    }
    write_caches(caches, ctx.threads());
    const std::vector<int64_t> nonpad = read_nonpad(ctx, d);
    Tensor& y = ctx.output(0, q.dtype(),
                           d.three_d ? Shape{d.batch, d.q_len, d.q_heads * d.v_head_size}
                                     : Shape{d.batch, d.q_heads, d.q_len, d.v_head_size});
    Tensor* qk = ctx.has_output(3) ? &ctx.output(3, q.dtype(), {d.batch, d.q_heads, d.q_len, d.total}) : nullptr;
    if (y.size() == 0 && (qk == nullptr || qk->size() == 0)) return;
    MaskBias mask;
    const DataType compute = compute_type_for(q.dtype());
    if (version_.masked_fill && ctx.has_input(3) && ctx.input(3).dtype() != DataType::Bool)
      ctx.fail(ErrorCode::InvalidArgument, "keep (input 3) must be bool, got ", data_type_name(ctx.input(3).dtype()));
    if (ctx.has_input(3))
      mask = prepare_mask(ctx, ctx.input(3), compute, rounding_of(q.dtype()), d.batch, d.q_heads, d.q_len, d.total,
                          version_.pad_short_mask);
    if (compute == DataType::Double) {
      run<double>(ctx, d, q, k_all, v_all, kl, vl, mask, nonpad, y, qk);
    } else {
      run<float>(ctx, d, q, k_all, v_all, kl, vl, mask, nonpad, y, qk);
    }
  }

 private:
  template <class C>
  void run(KernelContext& ctx, const Dims& d, const Tensor& q, const Tensor& k, const Tensor& v, const HeadLayout& kl,
           const HeadLayout& vl, const MaskBias& mask, const std::vector<int64_t>& nonpad, Tensor& y,
           Tensor* qk) const {
    const DataType compute = compute_type_for(q.dtype());
    Job<C> job;
    job.d = d;
    job.rounding = rounding_of(q.dtype());
    const double scale = has_scale_ ? scale_ : 1.0 / std::sqrt(static_cast<double>(d.head_size));
    Tensor qc = q, kc = k;
    if (job.rounding != Rounding::None) {  // the reference scales Q and K by sqrt(scale) in 16 bits
      const float factor = round_to(job.rounding, static_cast<float>(std::sqrt(scale)));
      qc = widen_scaled(q, factor), kc = widen_scaled(k, factor);
    } else {
      job.alpha = static_cast<C>(scale);
    }
    const Tensor vc = to_compute_type(v, compute);
    Tensor y_compute = y.dtype() == compute ? y : Tensor(compute, y.shape());
    job.q = qc.data<C>(), job.k = kc.data<C>(), job.v = vc.data<C>(), job.y = y_compute.data<C>();
    job.ql = d.three_d ? layout_3d(q.shape(), d.q_heads) : layout_4d(q.shape());
    job.kl = kl, job.vl = vl;
    job.yl = d.three_d ? layout_3d(y.shape(), d.q_heads) : layout_4d(y.shape());
    job.qk = qk, job.qk_mode = qk_mode_;
    job.mask = mask.present() ? &mask : nullptr;
    job.keys.causal = causal_, job.keys.left = left_, job.keys.right = right_;
    job.keys.q_len = d.q_len, job.keys.total = d.total, job.keys.past = d.past_len;
    job.keys.nonpad = nonpad.empty() ? nullptr : nonpad.data();
    if (mask.present()) job.keys.mask_keys = mask.keys;
    job.softcap = softcap_ > 0 ? round_to(job.rounding, static_cast<C>(softcap_)) : C(0);
    job.softmax_precision = softmax_precision_ != DataType::Undefined ? softmax_precision_ : q.dtype();
    job.hidden_rows_nan = version_.chain_semantics;
    job.replace_hidden = version_.masked_fill && mask.present();
    job.hidden_value = static_cast<C>(masked_value_);
    plan_units(job, ctx.threads());
    run_job(job, ctx.threads());
    if (y_compute.raw() != y.raw()) narrow_from_float(y_compute.data<float>(), y);
  }

  // Units, rows per unit and the row block: blocks of up to 64 / 256 rows whose scores fit the
  // scratch budget, smaller when that leaves threads idle, but not thinner than 16 rows (K and V
  // are re-packed per block) unless there are too few rows to go round.
  template <class C>
  static void plan_units(Job<C>& job, int threads) {
    const Dims& d = job.d;
    job.group = d.q_heads / d.kv_heads;
    const auto even = [&](const HeadLayout& l) { return l.head_stride == d.q_len * l.row_stride; };
    job.stacked = job.group > 1 && (d.q_len == 1 || (even(job.ql) && even(job.yl)));
    job.units = job.stacked ? d.kv_heads : d.q_heads;
    job.unit_rows = job.stacked ? job.group * d.q_len : d.q_len;
    const int64_t rows = d.batch * job.units * job.unit_rows;
    const int64_t t = std::max(threads, 1), fair = (rows + t - 1) / t;
    // Causal (or right-bounded) rows see more keys row by row: thinner blocks skip more of the
    // masked triangle, at the price of packing K and V once more per block.
    const int64_t max_block = job.keys.causal || job.keys.right >= 0 ? 64 : 256;
    int64_t block = std::min(max_block, std::max<int64_t>(1, kScoreBudget / std::max<int64_t>(1, d.total)));
    // Two blocks per thread; with few rows (decode), one thin block per thread instead.
    block = fair < 16 ? std::min(block, fair) : std::min(block, std::max<int64_t>((fair + 1) / 2, 16));
    job.block = std::max<int64_t>(1, std::min(block, job.unit_rows));
  }

  Dims check_shapes(const KernelContext& ctx, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor* past_k,
                    const Tensor* past_v) const {
    if (k.dtype() != q.dtype())
      ctx.fail(ErrorCode::InvalidArgument, "K has element type ", data_type_name(k.dtype()), " but Q has ",
               data_type_name(q.dtype()), "; they must match");
    if (!kFloatTypes.contains(v.dtype()))
      ctx.fail(ErrorCode::InvalidArgument, "V has element type ", data_type_name(v.dtype()),
               "; expected float, double, float16 or bfloat16");
    const size_t rank = q.rank();
    if (version_.chain_semantics && (rank != 3 || k.rank() != 3 || v.rank() != 3))
      ctx.fail(ErrorCode::InvalidArgument, "Q, K and V must all be 3-D (batch, sequence, heads x head size), got shapes ",
               shape_to_string(q.shape()), ", ", shape_to_string(k.shape()), " and ", shape_to_string(v.shape()));
    if ((rank != 3 && rank != 4) || k.rank() != rank || v.rank() != rank)
      ctx.fail(ErrorCode::InvalidArgument, "Q, K and V must all be 3-D or all 4-D, got shapes ",
               shape_to_string(q.shape()), ", ", shape_to_string(k.shape()), " and ", shape_to_string(v.shape()));
    Dims d;
    d.three_d = rank == 3;
    d.batch = q.dim(0);
    if (k.dim(0) != d.batch || v.dim(0) != d.batch)
      ctx.fail(ErrorCode::InvalidArgument, "Q, K and V must have the same batch size, got shapes ",
               shape_to_string(q.shape()), ", ", shape_to_string(k.shape()), " and ", shape_to_string(v.shape()));
    if (d.three_d) {
      if (q_heads_attr_ <= 0 || kv_heads_attr_ <= 0)
        ctx.fail(ErrorCode::InvalidArgument,
                 "3-D Q, K and V need the attributes 'q_num_heads' and 'kv_num_heads' (positive)");
      d.q_heads = q_heads_attr_, d.kv_heads = kv_heads_attr_;
      if (q.dim(2) % d.q_heads != 0 || k.dim(2) % d.kv_heads != 0 || v.dim(2) % d.kv_heads != 0)
        ctx.fail(ErrorCode::InvalidArgument, "hidden sizes must divide into heads: Q ", shape_to_string(q.shape()),
                 " by q_num_heads ", d.q_heads, ", K ", shape_to_string(k.shape()), " and V ",
                 shape_to_string(v.shape()), " by kv_num_heads ", d.kv_heads);
      d.q_len = q.dim(1), d.kv_len = k.dim(1);
      d.head_size = q.dim(2) / d.q_heads, d.v_head_size = v.dim(2) / d.kv_heads;
      if (k.dim(2) / d.kv_heads != d.head_size)
        ctx.fail(ErrorCode::InvalidArgument, "K's head size ", k.dim(2) / d.kv_heads, " (", k.dim(2), " / ", d.kv_heads,
                 " heads) differs from Q's ", d.head_size, " (", q.dim(2), " / ", d.q_heads, " heads)");
      if (v.dim(1) != d.kv_len)
        ctx.fail(ErrorCode::InvalidArgument, "K (shape ", shape_to_string(k.shape()), ") and V (shape ",
                 shape_to_string(v.shape()), ") must have the same sequence length");
    } else {
      d.q_heads = q.dim(1), d.kv_heads = k.dim(1), d.q_len = q.dim(2), d.kv_len = k.dim(2);
      d.head_size = q.dim(3), d.v_head_size = v.dim(3);
      if (has_head_attrs_ && version_.heads_only_3d)
        ctx.fail(ErrorCode::InvalidArgument, "q_num_heads and kv_num_heads must not be given with 4-D inputs");
      if ((q_heads_attr_ > 0 && q_heads_attr_ != d.q_heads) || (kv_heads_attr_ > 0 && kv_heads_attr_ != d.kv_heads))
        ctx.fail(ErrorCode::InvalidArgument, "attributes q_num_heads ", q_heads_attr_, " / kv_num_heads ",
                 kv_heads_attr_, " disagree with Q (shape ", shape_to_string(q.shape()), ") and K (shape ",
                 shape_to_string(k.shape()), ")");
      if (k.dim(3) != d.head_size || v.dim(1) != d.kv_heads || v.dim(2) != d.kv_len)
        ctx.fail(ErrorCode::InvalidArgument, "K (shape ", shape_to_string(k.shape()), ") must be (batch, kv_heads, ",
                 "kv_len, ", d.head_size, ") and V (shape ", shape_to_string(v.shape()),
                 ") (batch, kv_heads, kv_len, v_head_size) for Q of shape ", shape_to_string(q.shape()));
    }
    if (d.kv_heads < 1 || d.q_heads % d.kv_heads != 0)
      ctx.fail(ErrorCode::InvalidArgument, "q_num_heads (", d.q_heads, ") must be a multiple of kv_num_heads (",
               d.kv_heads, ")");
    if ((past_k == nullptr) != (past_v == nullptr))
      ctx.fail(ErrorCode::InvalidArgument, "past_key and past_value must be given together");
    if (past_k != nullptr) {
      if (past_k->dtype() != q.dtype() || past_v->dtype() != v.dtype())
        ctx.fail(ErrorCode::InvalidArgument, "past_key must have Q's element type and past_value V's, got ",
                 data_type_name(past_k->dtype()), " and ", data_type_name(past_v->dtype()));
      const Shape want_k{d.batch, d.kv_heads, past_k->rank() == 4 ? past_k->dim(2) : 0, d.head_size};
      const Shape want_v{d.batch, d.kv_heads, want_k[2], d.v_head_size};
      if (past_k->shape() != want_k || past_v->shape() != want_v)
        ctx.fail(ErrorCode::InvalidArgument, "past_key (shape ", shape_to_string(past_k->shape()),
                 ") and past_value (shape ", shape_to_string(past_v->shape()),
                 ") must be (batch, kv_heads, past_len, head_size) = ", shape_to_string(want_k), " and ",
                 shape_to_string(want_v));
      d.past_len = want_k[2];
    }
    d.total = d.past_len + d.kv_len;
    return d;
  }

  // nonpad_kv_seqlen (24 on): per batch, how many leading keys are real; empty when absent.
  std::vector<int64_t> read_nonpad(const KernelContext& ctx, const Dims& d) const {
    if (!version_.nonpad_input || !ctx.has_input(6)) return {};
    const Tensor& t = ctx.input(6);
    if (t.dtype() != DataType::Int64 || t.shape() != Shape{d.batch})
      ctx.fail(ErrorCode::InvalidArgument, "nonpad_kv_seqlen must be int64 of shape [", d.batch, "], got ",
               data_type_name(t.dtype()), " ", shape_to_string(t.shape()));
    if (d.past_len > 0 || ctx.has_input(4))
      ctx.fail(ErrorCode::InvalidArgument, "nonpad_kv_seqlen cannot be combined with past_key / past_value");
    std::vector<int64_t> values(t.data<int64_t>(), t.data<int64_t>() + d.batch);
    for (int64_t b = 0; b < d.batch; ++b)
      if (values[b] < 0 || values[b] > d.kv_len)
        ctx.fail(ErrorCode::InvalidArgument, "nonpad_kv_seqlen[", b, "] = ", values[b], " is outside [0, ", d.kv_len,
                 "] (the key sequence length)");
    return values;
  }

  AttentionVersion version_;
  bool causal_;
  bool has_scale_;
  float scale_;
  float softcap_;
  bool has_head_attrs_;
  int64_t q_heads_attr_, kv_heads_attr_;
  int64_t qk_mode_;
  DataType softmax_precision_;  // Undefined: Q's own precision
  float masked_value_;          // MaskedMultiHeadAttention
  int64_t left_ = -1, right_ = -1;
};

template <int kSince>
std::unique_ptr<OpKernel> make_attention(const KernelInfo& info) {
  constexpr AttentionVersion version{kSince >= 24, kSince >= 24, kSince >= 25, kSince >= 25, false, false};
  return std::make_unique<Attention>(info, version);
}

// ai.onyxrt MultiHeadAttention (Q, K, V), BiasedMultiHeadAttention (Q, K, V, bias) and
// MaskedMultiHeadAttention (Q, K, V, keep; hidden scores become masked_value): opset 23's 3-D
// Attention with the chain's semantics (see AttentionVersion).
template <bool kMasked>
std::unique_ptr<OpKernel> make_fused_attention(const KernelInfo& info) {
  constexpr AttentionVersion version{false, false, false, false, true, kMasked};
  return std::make_unique<Attention>(info, version);
}

}  // namespace

void register_attention(Registry& r) {
  r.add({"", "Attention", 23, kFloatTypes, make_attention<23>});
  r.add({"", "Attention", 24, kFloatTypes, make_attention<24>});
  r.add({"", "Attention", 25, kFloatTypes, make_attention<25>});
  r.add({"ai.onyxrt", "MultiHeadAttention", 1, kFloatTypes, make_fused_attention<false>});
  r.add({"ai.onyxrt", "BiasedMultiHeadAttention", 1, kFloatTypes, make_fused_attention<false>});
  r.add({"ai.onyxrt", "MaskedMultiHeadAttention", 1, kFloatTypes, make_fused_attention<true>});
}

}  // namespace onyxrt::ops
