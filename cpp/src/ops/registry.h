#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ops/kernel.h"

namespace onyxrt::ops {

// A set of element types, one bit per DataType code.
class TypeSet {
 public:
  constexpr TypeSet() = default;
  constexpr TypeSet(std::initializer_list<DataType> types) {
    for (DataType t : types) bits_ |= bit(t);
  }
  constexpr bool contains(DataType t) const { return (bits_ & bit(t)) != 0; }
  constexpr TypeSet operator|(TypeSet other) const {
    TypeSet s;
    s.bits_ = bits_ | other.bits_;
    return s;
  }
  static constexpr TypeSet all() {
    TypeSet s;
    s.bits_ = ~uint64_t{0} & ~uint64_t{1};
    return s;
  }
  std::string to_string() const;

 private:
  // A code outside the enum (an attribute of an untrusted model) is in no set.
  static constexpr uint64_t bit(DataType t) {
    const int code = static_cast<int>(t);
    return code >= 0 && code < 64 ? uint64_t{1} << code : 0;
  }
  uint64_t bits_ = 0;
};

inline constexpr TypeSet kFloatTypes{DataType::Float, DataType::Double, DataType::Float16, DataType::BFloat16};
inline constexpr TypeSet kSignedIntTypes{DataType::Int8, DataType::Int16, DataType::Int32, DataType::Int64};
inline constexpr TypeSet kUnsignedIntTypes{DataType::UInt8, DataType::UInt16, DataType::UInt32, DataType::UInt64};
inline constexpr TypeSet kIntTypes = kSignedIntTypes | kUnsignedIntTypes;
inline constexpr TypeSet kNumericTypes = kFloatTypes | kIntTypes;

using KernelFactory = std::unique_ptr<OpKernel> (*)(const KernelInfo&);

template <typename Kernel>
std::unique_ptr<OpKernel> make_kernel(const KernelInfo& info) {
  return std::make_unique<Kernel>(info);
}

// One operator version a kernel serves: valid from opset `since` until the next declaration of
// the same (domain, op_type). `types` constrains the element type of the first input; the executor
// checks it, so a kernel may assume it.
struct KernelDef {
  std::string domain;  // canonical: "" for ai.onnx
  std::string op_type;
  int since = 1;
  TypeSet types = TypeSet::all();
  KernelFactory create = nullptr;
};

class Registry {
 public:
  void add(KernelDef def);
  // The declaration with the greatest `since` <= opset, or null.
  const KernelDef* find(const std::string& domain, const std::string& op_type, int64_t opset) const;
  // Every `since` declared for the op, ascending (empty when the op is unknown).
  std::vector<int> versions(const std::string& domain, const std::string& op_type) const;
  std::vector<const KernelDef*> all() const;

 private:
  std::unordered_map<std::string, std::vector<KernelDef>> defs_;  // key: domain + ":" + op_type
};

// The built-in operators, registered once on first use; thread-safe.
const Registry& builtin_registry();

}  // namespace onyxrt::ops
