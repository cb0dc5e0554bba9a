#include "ops/ml/tree_ensemble_eval.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "base/float16.h"
#include "base/parallel.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kBlockRows = 64;
// Score entries (rows x targets) a block's scratch holds: models with very many targets or
// classes take fewer rows per block rather than a large scratch.
constexpr int64_t kBlockScores = 1 << 14;
constexpr int kGenericMode = -1;

// Ordered comparisons are false for NaN, NEQ included (x < t || x > t), so a NaN feature goes
// to the false branch unless its node tracks missing values to the true branch, as the
// specification says for every mode. NOTE: onnxruntime evaluates NEQ as x != t (true for NaN).
template <int kMode, class C>
inline bool compare(C x, C t) {
  if constexpr (kMode == static_cast<int>(TreeMode::Leq)) return x <= t;
  if constexpr (kMode == static_cast<int>(TreeMode::Lt)) return x < t;
  if constexpr (kMode == static_cast<int>(TreeMode::Gte)) return x >= t;
  if constexpr (kMode == static_cast<int>(TreeMode::Gt)) return x > t;
  if constexpr (kMode == static_cast<int>(TreeMode::Eq)) return x == t;
  if constexpr (kMode == static_cast<int>(TreeMode::Neq)) return x < t || x > t;
  return false;
}

template <class C, class T>
bool compare_any(const TreeEnsembleLayout& L, const TreeNode<T>& n, int32_t index, C x) {
  const C t = static_cast<C>(n.threshold);
  switch (n.mode()) {
    case TreeMode::Leq:
      return compare<0>(x, t);
    case TreeMode::Lt:
      return compare<1>(x, t);
    case TreeMode::Gte:
      return compare<2>(x, t);
    case TreeMode::Gt:
      return compare<3>(x, t);
    case TreeMode::Eq:
      return compare<4>(x, t);
    case TreeMode::Neq:
      return compare<5>(x, t);
    case TreeMode::Member: {
      const int32_t set = L.member_set[static_cast<size_t>(index)];
      const double* begin = L.member_values.data() + L.member_begin[static_cast<size_t>(set)];
      const double* end = L.member_values.data() + L.member_begin[static_cast<size_t>(set) + 1];
      return x == x && std::binary_search(begin, end, static_cast<double>(x));  // NaN: never a member
    }
  }
  return false;
}

// Traverses up to kLanes (tree, row) pairs together: lane k starts at child reference ref[k]
// and reads row[k]; on return ref[k] is ~(its leaf). The lanes are independent chains of
// loads, so their latencies overlap, and the child is selected without a branch, so random
// paths cost no mispredictions. A lane that reached its leaf keeps it while the others go on,
// re-reading node 0 (which exists whenever a lane is still on an interior node). Terminates:
// the layout is acyclic.
constexpr int kLanes = 8;

template <int kMode, bool kMissing, class X, class T>
inline void descend(const TreeEnsembleLayout& L, const TreeNode<T>* nodes, int32_t* ref, const X* const* row) {
  using C = std::conditional_t<std::is_same_v<X, double> || std::is_same_v<T, double>, double, float>;
  for (;;) {
    int32_t all = -1;
    for (int k = 0; k < kLanes; ++k) all &= ref[k];
    if (all < 0) return;  // every lane's sign bit set: all at leaves
    for (int k = 0; k < kLanes; ++k) {
      const int32_t r = ref[k];
      const int32_t done = r >> 31;  // all ones once the lane is at a leaf
      const int32_t at = r & ~done;
      const TreeNode<T>& n = nodes[at];
      const C x = static_cast<C>(row[k][n.feature()]);
      bool go_true;
      if constexpr (kMode == kGenericMode)
        go_true = compare_any<C>(L, n, at, x);
      else
        go_true = compare<kMode>(x, static_cast<C>(n.threshold));
      if constexpr (kMissing) go_true = go_true | (n.missing_tracks_true() & std::isnan(x));
      ref[k] = (r & done) | (n.child[go_true ? 1 : 0] & ~done);
    }
  }
}

// Calls visit(row, tree, leaf) for every row of the block and every tree, trees in model order
// for each row. Blocks of at least kLanes rows run one tree over kLanes rows at a time; smaller
// blocks (a single-row call) run kLanes trees over one row at a time.
template <int kMode, bool kMissing, class X, class T, class Visit>
void for_each_leaf(const TreeEnsembleLayout& L, const TreeNode<T>* nodes, const X* x, int64_t rows, int64_t stride,
                   Visit&& visit) {
  const int64_t trees = L.tree_count();
  int32_t ref[kLanes];
  const X* row[kLanes];
  if (rows >= kLanes) {
    for (int64_t t = 0; t < trees; ++t) {
      for (int64_t r0 = 0; r0 < rows; r0 += kLanes) {
        const int lanes = static_cast<int>(std::min<int64_t>(kLanes, rows - r0));
        for (int k = 0; k < kLanes; ++k) {
          ref[k] = L.roots[static_cast<size_t>(t)];
          row[k] = x + (r0 + std::min(k, lanes - 1)) * stride;  // spare lanes repeat the last row
        }
        descend<kMode, kMissing>(L, nodes, ref, row);
        for (int k = 0; k < lanes; ++k) visit(r0 + k, t, static_cast<uint32_t>(~ref[k]));
      }
    }
    return;
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t t0 = 0; t0 < trees; t0 += kLanes) {
      const int lanes = static_cast<int>(std::min<int64_t>(kLanes, trees - t0));
      for (int k = 0; k < kLanes; ++k) {
        ref[k] = L.roots[static_cast<size_t>(t0 + std::min(k, lanes - 1))];  // spare lanes repeat the last tree
        row[k] = x + r * stride;
      }
      descend<kMode, kMissing>(L, nodes, ref, row);
      for (int k = 0; k < lanes; ++k) visit(r, t0 + k, static_cast<uint32_t>(~ref[k]));
    }
  }
}

// One column per row: every leaf holds one weight for the same column (regressors, binary
// classifiers, and each SUM-combined tree of gradient boosting with one output).
template <int kMode, bool kMissing, class X, class T, class Acc>
void block_single(const TreeEnsembleLayout& L, const TreeNode<T>* nodes, const X* x, int64_t rows, int64_t stride,
                  Acc* acc) {
  const double* w = L.leaf_weight.data();
  switch (L.aggregate) {
    case TreeAggregate::Min:
      for_each_leaf<kMode, kMissing>(L, nodes, x, rows, stride, [&](int64_t r, int64_t t, uint32_t leaf) {
        const Acc v = static_cast<Acc>(w[leaf]);
        acc[r] = t == 0 || v < acc[r] ? v : acc[r];
      });
      return;
    case TreeAggregate::Max:
      for_each_leaf<kMode, kMissing>(L, nodes, x, rows, stride, [&](int64_t r, int64_t t, uint32_t leaf) {
        const Acc v = static_cast<Acc>(w[leaf]);
        acc[r] = t == 0 || v > acc[r] ? v : acc[r];
      });
      return;
    default:
      for_each_leaf<kMode, kMissing>(L, nodes, x, rows, stride,
                                     [&](int64_t r, int64_t, uint32_t leaf) { acc[r] += static_cast<Acc>(w[leaf]); });
  }
}

template <int kMode, bool kMissing, class X, class T, class Acc>
void block_general(const TreeEnsembleLayout& L, const TreeNode<T>* nodes, const X* x, int64_t rows, int64_t stride,
                   Acc* acc, uint8_t* scored) {
  const int64_t nt = L.n_targets;
  const TreeAggregate agg = L.aggregate;
  for_each_leaf<kMode, kMissing>(L, nodes, x, rows, stride, [&](int64_t r, int64_t, uint32_t leaf) {
    Acc* a = acc + r * nt;
    uint8_t* s = scored + r * nt;
    for (uint32_t e = L.leaf_begin[leaf]; e < L.leaf_begin[leaf + 1]; ++e) {
      const uint32_t c = L.leaf_target[e];
      const Acc w = static_cast<Acc>(L.leaf_weight[e]);
      if (agg == TreeAggregate::Sum || agg == TreeAggregate::Average)
        a[c] += w;
      else if (!s[c] || (agg == TreeAggregate::Min ? w < a[c] : w > a[c]))
        a[c] = w;
      s[c] = 1;
    }
  });
}

template <int kMode, bool kMissing, class X, class T, class Acc>
void run_block(const TreeEnsembleLayout& L, const TreeNode<T>* nodes, const X* x, int64_t rows, int64_t stride,
               Acc* acc, uint8_t* scored) {
  const int64_t nt = L.n_targets;
  std::fill(acc, acc + rows * nt, Acc{0});
  std::fill(scored, scored + rows * nt, uint8_t{0});
  if (!L.single_column_leaves) {
    block_general<kMode, kMissing>(L, nodes, x, rows, stride, acc, scored);
    return;
  }
  // The scalar path accumulates in acc[0 .. rows) and then spreads to the row-major layout.
  block_single<kMode, kMissing>(L, nodes, x, rows, stride, acc);
  const uint8_t any = L.roots.empty() ? 0 : 1;
  for (int64_t r = rows - 1; r >= 0; --r) {
    const Acc v = acc[r];
    std::fill(acc + r * nt, acc + (r + 1) * nt, Acc{0});
    acc[r * nt + L.single_column] = v;
    scored[r * nt + L.single_column] = any;
  }
}

using BlockFn = void (*)(const TreeEnsembleLayout&, const void* nodes, const void* x, int64_t rows, int64_t stride,
                         void* acc, uint8_t* scored);

template <int kMode, bool kMissing, class X, class T, class Acc>
void run_block_erased(const TreeEnsembleLayout& L, const void* nodes, const void* x, int64_t rows, int64_t stride,
                      void* acc, uint8_t* scored) {
  run_block<kMode, kMissing>(L, static_cast<const TreeNode<T>*>(nodes), static_cast<const X*>(x), rows, stride,
                             static_cast<Acc*>(acc), scored);
}

// Specialised on the two modes converters write (scikit-learn and LightGBM: LEQ, XGBoost: LT)
// and on whether any node sends missing values to the true branch.
template <class X, class T, class Acc>
BlockFn pick_block_fn(const TreeEnsembleLayout& L) {
  const bool leq = L.uniform_mode && L.mode == TreeMode::Leq;
  const bool lt = L.uniform_mode && L.mode == TreeMode::Lt;
  if (L.any_missing_true) {
    if (leq) return run_block_erased<0, true, X, T, Acc>;
    if (lt) return run_block_erased<1, true, X, T, Acc>;
    return run_block_erased<kGenericMode, true, X, T, Acc>;
  }
  if (leq) return run_block_erased<0, false, X, T, Acc>;
  if (lt) return run_block_erased<1, false, X, T, Acc>;
  return run_block_erased<kGenericMode, false, X, T, Acc>;
}

template <class X, class T>
BlockFn pick_block_fn_acc(const TreeEnsembleLayout& L) {
  return L.double_weights ? pick_block_fn<X, T, double>(L) : pick_block_fn<X, T, float>(L);
}

// Integer and float16 rows are staged into the threshold type block by block.
template <class From, class To>
void stage_rows(const From* src, int64_t count, To* dst) {
  for (int64_t i = 0; i < count; ++i) {
    if constexpr (std::is_same_v<From, uint16_t>)
      dst[i] = static_cast<To>(half_to_float(src[i]));
    else
      dst[i] = static_cast<To>(src[i]);
  }
}

struct Scratch {
  std::vector<double> acc;
  std::vector<float> acc_f;
  std::vector<uint8_t> scored;
  std::vector<double> staged_d;
  std::vector<float> staged_f;
};

}  // namespace

void evaluate_tree_ensemble(const TreeEnsembleLayout& L, const TreeInput& x, int threads, const TreeBlockSink& sink) {
  const bool dbl = L.double_thresholds;
  const void* nodes = dbl ? static_cast<const void*>(L.nodes_d.data()) : static_cast<const void*>(L.nodes_f.data());
  // The element type the blocks read: the input's own when it compares directly, else staged.
  const bool direct = x.type == DataType::Double || (x.type == DataType::Float && !dbl);
  BlockFn fn;
  if (x.type == DataType::Double)
    fn = dbl ? pick_block_fn_acc<double, double>(L) : pick_block_fn_acc<double, float>(L);
  else if (dbl)
    fn = pick_block_fn_acc<double, double>(L);
  else
    fn = pick_block_fn_acc<float, float>(L);
  const size_t elem = x.type == DataType::Double || x.type == DataType::Int64 ? 8
                      : x.type == DataType::Float16                          ? 2
                                                                             : 4;

  const int64_t F = x.features;
  const int64_t nt = L.n_targets;
  const int64_t block_rows = std::clamp<int64_t>(kBlockScores / nt, 1, kBlockRows);
  const int64_t blocks = (x.rows + block_rows - 1) / block_rows;
  // About 64k node visits per thread before splitting pays for the fork.
  const int64_t visits_per_block = block_rows * std::max<int64_t>(1, L.tree_count()) * 8;
  const int64_t grain = std::max<int64_t>(1, 65536 / visits_per_block);
  parallel_for(blocks, grain, threads, [&](int64_t b0, int64_t b1) {
    thread_local Scratch scratch;
    const size_t scores = static_cast<size_t>(block_rows * nt);
    scratch.acc.resize(scores);
    if (!L.double_weights) scratch.acc_f.resize(scores);
    scratch.scored.resize(scores);
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t row0 = b * block_rows;
      const int64_t rows = std::min(block_rows, x.rows - row0);
      const void* src = static_cast<const char*>(x.data) + static_cast<size_t>(row0 * F) * elem;
      const void* block = src;
      if (!direct) {
        const int64_t count = rows * F;
        if (dbl) {
          scratch.staged_d.resize(static_cast<size_t>(count));
          double* d = scratch.staged_d.data();
          if (x.type == DataType::Float) stage_rows(static_cast<const float*>(src), count, d);
          if (x.type == DataType::Int64) stage_rows(static_cast<const int64_t*>(src), count, d);
          if (x.type == DataType::Int32) stage_rows(static_cast<const int32_t*>(src), count, d);
          if (x.type == DataType::Float16) stage_rows(static_cast<const uint16_t*>(src), count, d);
          block = d;
        } else {
          scratch.staged_f.resize(static_cast<size_t>(count));
          float* f = scratch.staged_f.data();
          if (x.type == DataType::Int64) stage_rows(static_cast<const int64_t*>(src), count, f);
          if (x.type == DataType::Int32) stage_rows(static_cast<const int32_t*>(src), count, f);
          if (x.type == DataType::Float16) stage_rows(static_cast<const uint16_t*>(src), count, f);
          block = f;
        }
      }
      if (L.double_weights) {
        fn(L, nodes, block, rows, F, scratch.acc.data(), scratch.scored.data());
      } else {
        fn(L, nodes, block, rows, F, scratch.acc_f.data(), scratch.scored.data());
        std::copy(scratch.acc_f.begin(), scratch.acc_f.begin() + rows * nt, scratch.acc.begin());
      }
      sink(row0, rows, scratch.acc.data(), scratch.scored.data());
    }
  });
}

}  // namespace onyxrt::ops
