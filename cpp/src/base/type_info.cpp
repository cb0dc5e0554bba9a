#include "onyxrt/type_info.hpp"

namespace onyxrt {

std::string TypeInfo::to_string() const {
  auto inner_text = [this] { return inner ? inner->to_string() : std::string("undefined"); };
  switch (kind) {
    case Kind::Tensor: return std::string("tensor(") + data_type_name(elem_type) + ")";
    case Kind::SparseTensor: return std::string("sparse_tensor(") + data_type_name(elem_type) + ")";
    case Kind::Sequence: return "seq(" + inner_text() + ")";
    case Kind::Optional: return "optional(" + inner_text() + ")";
    case Kind::Map: return std::string("map(") + data_type_name(map_key_type) + "," + inner_text() + ")";
    case Kind::Unknown: break;
  }
  return "unknown";
}

}  // namespace onyxrt
