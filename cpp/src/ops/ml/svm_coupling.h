#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

// Pairwise coupling (Wu, Lin & Weng 2004, method 2; libsvm's multiclass_probability): from the
// pairwise estimates r_ij = P(i | i or j), the class probabilities p minimising
//   sum_i sum_{j != i} (r_ji p_i - r_ij p_j)^2   subject to sum p = 1,
// by libsvm's fixed-point sweeps: at most max(100, k), stopping once every |(Qp)_t - p'Qp| is
// below 0.005 / k. Float arithmetic in onnxruntime's order, so probabilities match it closely.
namespace onyxrt::ops::ml {

class PairwiseCoupling {
 public:
  explicit PairwiseCoupling(int64_t k)
      : k_(k), r_(static_cast<size_t>(k * k), 0.f), q_(r_.size()), qp_(static_cast<size_t>(k)) {}

  // Pair number `pair` in (0,1), (0,2), ..., (1,2), ... order gets r_ij = p, r_ji = 1 - p.
  void set_pair(int64_t pair, float p) {
    if (pair == 0) next_i_ = 0, next_j_ = 1;
    r_[next_i_ * k_ + next_j_] = p;
    r_[next_j_ * k_ + next_i_] = 1.f - p;
    if (++next_j_ == k_) ++next_i_, next_j_ = next_i_ + 1;
  }

  // Writes the k class probabilities to p.
  void solve(float* p) {
    const int64_t k = k_;
    for (int64_t t = 0; t < k; ++t) {
      p[t] = 1.f / static_cast<float>(k);
      float& diag = q_[t * k + t];
      diag = 0.f;
      for (int64_t j = 0; j < k; ++j) {
        if (j == t) continue;
        diag += r_[j * k + t] * r_[j * k + t];
        q_[t * k + j] = -r_[j * k + t] * r_[t * k + j];
      }
    }
    const float eps = 0.005f / static_cast<float>(k);
    const int64_t sweeps = std::max<int64_t>(100, k);
    for (int64_t sweep = 0; sweep < sweeps; ++sweep) {
      float pqp = 0.f;
      for (int64_t t = 0; t < k; ++t) {
        qp_[t] = 0.f;
        for (int64_t j = 0; j < k; ++j) qp_[t] += q_[t * k + j] * p[j];
        pqp += p[t] * qp_[t];
      }
      float max_error = 0.f;
      for (int64_t t = 0; t < k; ++t) max_error = std::max(max_error, std::fabs(qp_[t] - pqp));
      if (max_error < eps) break;
      for (int64_t t = 0; t < k; ++t) {
        const float qtt = q_[t * k + t];
        const float diff = (-qp_[t] + pqp) / qtt;
        p[t] += diff;
        pqp = (pqp + diff * (diff * qtt + 2 * qp_[t])) / (1 + diff) / (1 + diff);
        for (int64_t j = 0; j < k; ++j) {
          qp_[j] = (qp_[j] + diff * q_[t * k + j]) / (1 + diff);
          p[j] /= (1 + diff);
        }
      }
    }
  }

 private:
  int64_t k_;
  int64_t next_i_ = 0, next_j_ = 1;
  std::vector<float> r_, q_, qp_;
};

}  // namespace onyxrt::ops::ml
