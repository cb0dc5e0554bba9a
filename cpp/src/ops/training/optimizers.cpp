// ai.onnx.preview.training Adagrad, Adam and Momentum (opset 1): one optimizer step for several
// tensors at once (input grouping and broadcasting in ops/training/optimizer_kernel.h). Each
// rule follows the schema's pseudo code; the regularized gradient is g + norm_coefficient * x.
// Types: R float or double; X, G and the states float or double (all of one tensor alike).
#include <cmath>
#include <string>

#include "ops/training/optimizer_kernel.h"

namespace onyxrt::ops {
namespace {

constexpr const char* kTrainingDomain = "ai.onnx.preview.training";

float required_float(const KernelInfo& info, const char* name) {
  if (!info.has_attr(name)) info.fail(ErrorCode::InvalidGraph, "required attribute '", name, "' is missing");
  return info.attr_float(name, 0.0f);
}

// H_new = H + g^2; X_new = X - r / (1 + T decay_factor) * g / (sqrt(H_new) + epsilon).
struct AdagradRule {
  static constexpr size_t kStates = 1;
  double norm, decay, epsilon;

  explicit AdagradRule(const KernelInfo& info)
      : norm(info.attr_float("norm_coefficient", 0.0f)),
        decay(info.attr_float("decay_factor", 0.0f)),
        epsilon(info.attr_float("epsilon", 1e-6f)) {}

  struct Step {
    double rate, norm, epsilon;
    double operator()(double x, double g, const double* s, double* s_new) const {
      const double gr = norm * x + g;
      s_new[0] = s[0] + gr * gr;
      return x - rate * gr / (std::sqrt(s_new[0]) + epsilon);
    }
  };
  Step at(double r, int64_t t) const { return {r / (1.0 + static_cast<double>(t) * decay), norm, epsilon}; }
};

// V_new = alpha V + (1 - alpha) g; H_new = beta H + (1 - beta) g^2;
// X_new = (1 - norm_coefficient_post) (X - r' V_new / (sqrt(H_new) + epsilon)), with the bias
// correction r' = r sqrt(1 - beta^T) / (1 - alpha^T) from T > 0 on.
struct AdamRule {
  static constexpr size_t kStates = 2;
  double alpha, beta, norm, norm_post, epsilon;

  explicit AdamRule(const KernelInfo& info)
      : alpha(info.attr_float("alpha", 0.9f)),
        beta(info.attr_float("beta", 0.999f)),
        norm(info.attr_float("norm_coefficient", 0.0f)),
        norm_post(info.attr_float("norm_coefficient_post", 0.0f)),
        epsilon(info.attr_float("epsilon", 1e-6f)) {}

  struct Step {
    double rate, alpha, beta, norm, norm_post, epsilon;
    double operator()(double x, double g, const double* s, double* s_new) const {
      const double gr = norm * x + g;
      s_new[0] = alpha * s[0] + (1.0 - alpha) * gr;
      s_new[1] = beta * s[1] + (1.0 - beta) * gr * gr;
      const double x_new = x - rate * (s_new[0] / (std::sqrt(s_new[1]) + epsilon));
      return (1.0 - norm_post) * x_new;
    }
  };
  Step at(double r, int64_t t) const {
    const double td = static_cast<double>(t);
    const double rate = t > 0 ? r * std::sqrt(1.0 - std::pow(beta, td)) / (1.0 - std::pow(alpha, td)) : r;
    return {rate, alpha, beta, norm, norm_post, epsilon};
  }
};

// V_new = alpha V + beta' g (beta' = 1 at T = 0); standard: X_new = X - r V_new;
// nesterov: X_new = X - r (g + alpha V_new).
struct MomentumRule {
  static constexpr size_t kStates = 1;
  double alpha, beta, norm;
  bool nesterov;

  explicit MomentumRule(const KernelInfo& info)
      : alpha(required_float(info, "alpha")),
        beta(required_float(info, "beta")),
        norm(required_float(info, "norm_coefficient")),
        nesterov(parse_mode(info)) {}

  static bool parse_mode(const KernelInfo& info) {
    if (!info.has_attr("mode")) info.fail(ErrorCode::InvalidGraph, "required attribute 'mode' is missing");
    const std::string mode = info.attr_string("mode", "");
    if (mode != "standard" && mode != "nesterov")
      info.fail(ErrorCode::InvalidGraph, "attribute 'mode' must be \"standard\" or \"nesterov\", got \"", mode, "\"");
    return mode == "nesterov";
  }

  struct Step {
    double rate, alpha, beta, norm;
    bool nesterov;
    double operator()(double x, double g, const double* s, double* s_new) const {
      const double gr = norm * x + g;
      s_new[0] = alpha * s[0] + beta * gr;
      return nesterov ? x - rate * (gr + alpha * s_new[0]) : x - rate * s_new[0];
    }
  };
  Step at(double r, int64_t t) const { return {r, alpha, t > 0 ? beta : 1.0, norm, nesterov}; }
};

}  // namespace

void register_training_optimizers(Registry& r) {
  const TypeSet rates{DataType::Float, DataType::Double};
  r.add({kTrainingDomain, "Adagrad", 1, rates, make_kernel<OptimizerKernel<AdagradRule>>});
  r.add({kTrainingDomain, "Adam", 1, rates, make_kernel<OptimizerKernel<AdamRule>>});
  r.add({kTrainingDomain, "Momentum", 1, rates, make_kernel<OptimizerKernel<MomentumRule>>});
}

}  // namespace onyxrt::ops
