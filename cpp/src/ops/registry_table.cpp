#include <algorithm>

#include "ops/registry.h"

namespace onyxrt::ops {
namespace {

std::string key_of(const std::string& domain, const std::string& op_type) { return domain + ":" + op_type; }

}  // namespace

std::string TypeSet::to_string() const {
  std::string s;
  for (int code = 1; code < kDataTypeCount; ++code) {
    if (!contains(static_cast<DataType>(code))) continue;
    if (!s.empty()) s += ", ";
    s += data_type_name(static_cast<DataType>(code));
  }
  return s;
}

void Registry::add(KernelDef def) {
  auto& list = defs_[key_of(def.domain, def.op_type)];
  for (const KernelDef& d : list)
    ONYXRT_ENFORCE(d.since != def.since, "operator ", def.op_type, " declared twice at opset ", def.since);
  list.push_back(std::move(def));
  std::sort(list.begin(), list.end(), [](const KernelDef& a, const KernelDef& b) { return a.since < b.since; });
}

const KernelDef* Registry::find(const std::string& domain, const std::string& op_type, int64_t opset) const {
  auto it = defs_.find(key_of(domain, op_type));
  if (it == defs_.end()) return nullptr;
  const KernelDef* best = nullptr;
  for (const KernelDef& d : it->second)
    if (d.since <= opset) best = &d;
  return best;
}

std::vector<int> Registry::versions(const std::string& domain, const std::string& op_type) const {
  std::vector<int> out;
  auto it = defs_.find(key_of(domain, op_type));
  if (it != defs_.end())
    for (const KernelDef& d : it->second) out.push_back(d.since);
  return out;
}

std::vector<const KernelDef*> Registry::all() const {
  std::vector<const KernelDef*> out;
  for (const auto& [key, list] : defs_)
    for (const KernelDef& d : list) out.push_back(&d);
  return out;
}

}  // namespace onyxrt::ops
