#include "ops/recurrent/rnn_activation.h"

#include <cctype>
#include <cmath>
#include <limits>

namespace onyxrt::ops {

const std::vector<ActivationInfo>& activation_table() {
  constexpr float kNone = std::numeric_limits<float>::quiet_NaN();
  static const std::vector<ActivationInfo> table = {
      {"Relu", ActivationKind::Relu, false, false, kNone, kNone},
      {"Tanh", ActivationKind::Tanh, false, false, kNone, kNone},
      {"Sigmoid", ActivationKind::Sigmoid, false, false, kNone, kNone},
      {"Affine", ActivationKind::Affine, true, true, 1.0f, 0.0f},
      {"LeakyRelu", ActivationKind::LeakyRelu, true, false, 0.01f, kNone},
      {"ThresholdedRelu", ActivationKind::ThresholdedRelu, true, false, 1.0f, kNone},
      {"ScaledTanh", ActivationKind::ScaledTanh, true, true, kNone, kNone},
      {"HardSigmoid", ActivationKind::HardSigmoid, true, true, 0.2f, 0.5f},
      {"Elu", ActivationKind::Elu, true, false, 1.0f, kNone},
      {"Softsign", ActivationKind::Softsign, false, false, kNone, kNone},
      {"Softplus", ActivationKind::Softplus, false, false, kNone, kNone},
  };
  return table;
}

namespace {

bool same_name(const std::string& a, const char* b) {
  size_t i = 0;
  for (; i < a.size() && b[i] != '\0'; ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return i == a.size() && b[i] == '\0';
}

std::string known_names() {
  std::string s;
  for (const ActivationInfo& a : activation_table()) s += (s.empty() ? "" : ", ") + std::string(a.name);
  return s;
}

}  // namespace

std::string resolve_activations(const std::vector<std::string>& names, const std::vector<float>& alphas,
                                const std::vector<float>& betas, std::vector<Activation>& out) {
  size_t next_alpha = 0, next_beta = 0;
  out.clear();
  for (const std::string& name : names) {
    const ActivationInfo* info = nullptr;
    for (const ActivationInfo& a : activation_table())
      if (same_name(name, a.name)) info = &a;
    if (info == nullptr) return "unknown activation '" + name + "' (expected one of " + known_names() + ")";
    Activation f;
    f.kind = info->kind;
    if (info->uses_alpha) f.alpha = next_alpha < alphas.size() ? alphas[next_alpha++] : info->default_alpha;
    if (info->uses_beta) f.beta = next_beta < betas.size() ? betas[next_beta++] : info->default_beta;
    if (std::isnan(f.alpha) || std::isnan(f.beta))
      return "activation '" + name + "' has no default " + (std::isnan(f.alpha) ? "alpha" : "beta") +
             ": give it in activation_" + (std::isnan(f.alpha) ? "alpha" : "beta");
    out.push_back(f);
  }
  return {};
}

}  // namespace onyxrt::ops
