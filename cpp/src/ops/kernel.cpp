#include "ops/kernel.h"

namespace onyxrt::ops {

const ir::Attribute* KernelInfo::typed_attr(const std::string& name, ir::AttrType type) const {
  const ir::Attribute* a = node_.find_attribute(name);
  if (a != nullptr && a->type != type)
    fail(ErrorCode::InvalidGraph, "attribute '", name, "' has type ", ir::attr_type_name(a->type), ", expected ",
         ir::attr_type_name(type));
  return a;
}

int64_t KernelInfo::attr_int(const std::string& name, int64_t fallback) const {
  const ir::Attribute* a = typed_attr(name, ir::AttrType::Int);
  return a ? a->i : fallback;
}

float KernelInfo::attr_float(const std::string& name, float fallback) const {
  const ir::Attribute* a = typed_attr(name, ir::AttrType::Float);
  return a ? a->f : fallback;
}

std::string KernelInfo::attr_string(const std::string& name, const std::string& fallback) const {
  const ir::Attribute* a = typed_attr(name, ir::AttrType::String);
  return a ? a->s : fallback;
}

std::vector<int64_t> KernelInfo::attr_ints(const std::string& name, std::vector<int64_t> fallback) const {
  const ir::Attribute* a = typed_attr(name, ir::AttrType::Ints);
  return a ? a->ints : fallback;
}

std::vector<float> KernelInfo::attr_floats(const std::string& name, std::vector<float> fallback) const {
  const ir::Attribute* a = typed_attr(name, ir::AttrType::Floats);
  return a ? a->floats : fallback;
}

std::vector<std::string> KernelInfo::attr_strings(const std::string& name, std::vector<std::string> fallback) const {
  const ir::Attribute* a = typed_attr(name, ir::AttrType::Strings);
  return a ? a->strings : fallback;
}

const Tensor* KernelInfo::attr_tensor(const std::string& name) const {
  const ir::Attribute* a = typed_attr(name, ir::AttrType::Tensor);
  return a ? &a->t : nullptr;
}

const ir::Graph* KernelInfo::attr_graph(const std::string& name) const {
  const ir::Attribute* a = typed_attr(name, ir::AttrType::Graph);
  return a ? a->g.get() : nullptr;
}

int64_t KernelInfo::required_int(const std::string& name) const {
  const ir::Attribute* a = typed_attr(name, ir::AttrType::Int);
  if (a == nullptr) fail(ErrorCode::InvalidGraph, "required attribute '", name, "' is missing");
  return a->i;
}

std::vector<int64_t> KernelInfo::required_ints(const std::string& name) const {
  const ir::Attribute* a = typed_attr(name, ir::AttrType::Ints);
  if (a == nullptr) fail(ErrorCode::InvalidGraph, "required attribute '", name, "' is missing");
  return a->ints;
}

const Tensor& KernelInfo::required_tensor(const std::string& name) const {
  const Tensor* t = attr_tensor(name);
  if (t == nullptr) fail(ErrorCode::InvalidGraph, "required attribute '", name, "' is missing");
  return *t;
}

std::unique_ptr<Subgraph> KernelInfo::compile_subgraph(const std::string& name) const {
  const ir::Graph* graph = attr_graph(name);
  if (graph == nullptr) fail(ErrorCode::InvalidGraph, "required graph attribute '", name, "' is missing");
  if (subgraph_compiler_ == nullptr || !*subgraph_compiler_)
    fail(ErrorCode::Fail, "graph attribute '", name, "' cannot be compiled here: no subgraph compiler");
  return (*subgraph_compiler_)(*graph);
}

const Value& KernelContext::input_value(size_t i) const {
  if (!has_input(i)) fail(ErrorCode::InvalidArgument, "input ", i, " is required but missing");
  return slots_[input_slots_[i]];
}

const Tensor& KernelContext::input(size_t i) const {
  const Value& v = input_value(i);
  if (!v.is_tensor()) fail(ErrorCode::InvalidArgument, "input ", i, " ('", node_.inputs[i], "') is not a tensor");
  return v.tensor();
}

Tensor& KernelContext::output(size_t i, DataType type, Shape shape) {
  Tensor t;
  try {
    t = Tensor::uninitialized(type, std::move(shape));
  } catch (const Error& e) {  // an overflowing or oversized shape: say which node asked for it
    fail(e.code(), "output ", i, ": ", e.what());
  }
  set_output(i, std::move(t));
  Value& v = has_output(i) ? slots_[output_slots_[i]] : discarded_.back();
  return v.tensor();
}

Tensor& KernelContext::output_in_place_of(size_t input, size_t i, DataType type, Shape shape) {
  if (input >= 32 || ((in_place_inputs_ >> input) & 1u) == 0 || !has_input(input) || type == DataType::String)
    return output(i, type, std::move(shape));
  const Value& v = slots_[input_slots_[input]];
  if (!v.is_tensor()) return output(i, type, std::move(shape));
  const Tensor& x = v.tensor();
  // use_count 1: the input's slot is the buffer's only holder (no view of it lives elsewhere).
  if (x.dtype() != type || x.owner() == nullptr || x.owner().use_count() != 1 || x.raw() == nullptr)
    return output(i, type, std::move(shape));
  int64_t count = 0;
  try {
    count = shape_size(shape);
  } catch (const Error& e) {
    fail(e.code(), "output ", i, ": ", e.what());
  }
  if (count != x.size()) return output(i, type, std::move(shape));
  set_output(i, Value(Tensor(type, std::move(shape), const_cast<void*>(x.raw()), x.owner())));
  Value& out = has_output(i) ? slots_[output_slots_[i]] : discarded_.back();
  return out.tensor();
}

void KernelContext::set_output(size_t i, Value value) {
  if (has_output(i)) {
    slots_[output_slots_[i]] = std::move(value);
  } else {
    discarded_.push_back(std::move(value));
  }
}

}  // namespace onyxrt::ops
