// Op(constants...) -> y  =>  initializer y (computed once, with the op's own kernel)
#include "optimizer/constant_folding.h"

#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_set>

#include "base/parallel.h"
#include "base/thread_pool.h"
#include "optimizer/graph_queries.h"
#include "optimizer/rules.h"
#include "ops/registry.h"

namespace onyxrt::optimizer {
namespace {

// Folding keeps its results for the session's lifetime, so what it adds is bounded: an op whose
// outputs are no larger than its inputs (Transpose, Reshape, Cast of big weights) always folds;
// one that grows data (ConstantOfShape, Expand, Tile turn a few bytes into gigabytes) folds when
// no output passes kMaxGrownOutputBytes and all growth stays within kMaxTotalGrowthBytes. Large
// enough for the light_* models of the onnx package, which build every weight with
// ConstantOfShape (vgg19's biggest is 25088 x 4096 floats, 392 MiB; 548 MiB in all). A model
// asking for more keeps the op, which then allocates only while it runs.
constexpr double kMaxGrownOutputBytes = 1024.0 * 1024 * 1024;
constexpr double kMaxTotalGrowthBytes = 4.0 * 1024 * 1024 * 1024;

class GrowthBudget {
 public:
  bool allows(double input_bytes, double output_bytes, double largest_output) const {
    return output_bytes <= input_bytes ||
           (largest_output <= kMaxGrownOutputBytes && grown_ + output_bytes - input_bytes <= kMaxTotalGrowthBytes);
  }
  void spend(double input_bytes, double output_bytes) { grown_ += std::max(0.0, output_bytes - input_bytes); }

 private:
  double grown_ = 0;
};

// Ops whose result differs between runs; folding would freeze one draw.
bool is_random(const ir::Node& node) {
  static const std::unordered_set<std::string> kRandomOps = {
      "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"};
  return (node.domain.empty() && kRandomOps.count(node.op_type)) || node.find_attribute("seed") != nullptr;
}

bool has_subgraph(const ir::Node& node) {
  for (const ir::Attribute& a : node.attributes)
    if (a.g || !a.graphs.empty()) return true;
  return false;
}

double element_count(const Shape& shape) {
  double n = 1;
  for (int64_t d : shape) n *= static_cast<double>(std::max<int64_t>(d, 0));
  return n;
}

std::optional<Shape> int64_values(const Tensor* t) {
  if (t == nullptr || t->dtype() != DataType::Int64 || t->rank() > 1) return std::nullopt;
  return Shape(t->data<int64_t>(), t->data<int64_t>() + t->size());
}

std::optional<double> scalar_value(const Tensor* t) {
  if (t == nullptr || t->size() != 1) return std::nullopt;
  switch (t->dtype()) {
    case DataType::Float: return t->data<float>()[0];
    case DataType::Double: return t->data<double>()[0];
    case DataType::Int16: return t->data<int16_t>()[0];
    case DataType::Int32: return t->data<int32_t>()[0];
    case DataType::Int64: return static_cast<double>(t->data<int64_t>()[0]);
    default: return std::nullopt;
  }
}

// The byte size of the output of an op whose size is set by input values rather than input
// sizes, worked out before running it so that a model cannot make folding allocate gigabytes.
// Nothing when the op is not one of those or its inputs are not as expected (the kernel then
// runs and reports what is wrong; other ops' outputs are measured after running).
std::optional<double> predicted_output_bytes(const ir::Node& node, const std::vector<const Tensor*>& in) {
  if (!node.domain.empty() || in.empty()) return std::nullopt;
  auto bytes_of = [](DataType type, double elements) {
    return elements * static_cast<double>(std::max<size_t>(1, data_type_storage_bytes(type, 1)));
  };
  const std::string& op = node.op_type;
  if (op == "ConstantOfShape") {
    std::optional<Shape> shape = int64_values(in[0]);
    if (!shape) return std::nullopt;
    const ir::Attribute* value = node.find_attribute("value");
    bool typed = value != nullptr && value->type == ir::AttrType::Tensor;
    return bytes_of(typed ? value->t.dtype() : DataType::Float, element_count(*shape));
  }
  if ((op == "Expand" || op == "Tile") && in.size() >= 2 && in[0] != nullptr) {
    std::optional<Shape> arg = int64_values(in[1]);
    if (!arg) return std::nullopt;
    const Shape& x = in[0]->shape();
    double n = 1;
    if (op == "Tile") {
      for (size_t i = 0; i < x.size() && i < arg->size(); ++i)
        n *= static_cast<double>(std::max<int64_t>(x[i], 0)) * static_cast<double>(std::max<int64_t>((*arg)[i], 0));
    } else {  // broadcast of x's shape and the requested one, right-aligned
      for (size_t k = 0; k < std::max(x.size(), arg->size()); ++k) {
        int64_t a = k < x.size() ? x[x.size() - 1 - k] : 1, b = k < arg->size() ? (*arg)[arg->size() - 1 - k] : 1;
        n *= static_cast<double>(std::max<int64_t>({a, b, 0}));
      }
    }
    return bytes_of(in[0]->dtype(), n);
  }
  if (op == "Range" && in.size() >= 3) {
    std::optional<double> start = scalar_value(in[0]), limit = scalar_value(in[1]), delta = scalar_value(in[2]);
    if (!start || !limit || !delta || *delta == 0) return std::nullopt;
    return bytes_of(in[0]->dtype(), std::max(0.0, std::ceil((*limit - *start) / *delta)));
  }
  return std::nullopt;
}

// Runs `node` once on constant inputs with its kernel, as the executor would (same first-input
// type check). Nothing when it cannot be folded: any error leaves the node to raise it at run
// time, exactly as without optimization.
std::optional<std::vector<Tensor>> run_once(const ir::Node& node, const ops::KernelDef& def, int64_t opset,
                                            const std::vector<const Tensor*>& inputs) {
  if (!inputs.empty() && inputs[0] != nullptr && !def.types.contains(inputs[0]->dtype())) return std::nullopt;
  const size_t n_in = node.inputs.size(), n_out = node.outputs.size();
  std::vector<Value> slots(n_in + n_out);
  std::vector<int32_t> input_slots(n_in, -1), output_slots(n_out, -1);
  for (size_t i = 0; i < n_in; ++i) {
    if (inputs[i] == nullptr) continue;
    slots[i] = Value(*inputs[i]);
    input_slots[i] = static_cast<int32_t>(i);
  }
  for (size_t o = 0; o < n_out; ++o)
    if (!node.outputs[o].empty()) output_slots[o] = static_cast<int32_t>(n_in + o);
  try {
    std::unique_ptr<ops::OpKernel> kernel = def.create(ops::KernelInfo(node, opset, inputs));
    // One thread: a folded value must not depend on the machine, and folding stays off the
    // threads the caller may have limited the session to.
    ops::KernelContext ctx(node, opset, slots.data(), input_slots.data(), n_in, output_slots.data(), n_out, 1);
    kernel->compute(ctx);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::vector<Tensor> outputs(n_out);
  for (size_t o = 0; o < n_out; ++o) {
    if (output_slots[o] < 0) continue;
    const Value& v = slots[output_slots[o]];
    if (!v.is_tensor()) return std::nullopt;  // sequences, maps and absent optionals stay computed
    outputs[o] = v.tensor();
  }
  return outputs;
}

// The owner of a tagged splat: keeps the kernel's storage alive and carries the element, where
// folded_splat finds it (std::get_deleter) without the tensor or the graph knowing of it.
struct SplatOwner {
  std::shared_ptr<void> storage;
  FoldedSplat splat;
  void operator()(void*) const {}
};

size_t splat_element_bytes(DataType type) {
  if (type == DataType::String || data_type_bits(type) < 8) return 0;
  const size_t bytes = data_type_storage_bytes(type, 1);
  return bytes <= sizeof(FoldedSplat::element) ? bytes : 0;
}

// ConstantOfShape's output, tagged as a splat when it is large enough for dropping it to matter.
Tensor tagged_if_splat(const ir::Node& node, Tensor t) {
  const size_t width = splat_element_bytes(t.dtype());
  if (!is_onnx_op(node, "ConstantOfShape") || width == 0 || t.nbytes() < kMinFoldedSplatBytes) return t;
  SplatOwner owner{t.owner(), {t.dtype(), {}}};
  std::memcpy(owner.splat.element.data(), t.raw(), width);
  void* data = t.raw();
  return Tensor(t.dtype(), t.shape(), data, std::shared_ptr<void>(data, std::move(owner)));
}

// A materialised splat gets pages of its own, not a malloc block, so that once its reader has
// packed it, it goes back to the system at once: glibc serves blocks below its mmap threshold
// from the heap, the first large free raises that threshold to 32 MiB, and a freed heap block
// stays resident (measured: vgg19's conv weights, written again this way, each stayed resident
// beside its packed copy). Its size was checked against the allocation limit when folding made
// it. No MADV_HUGEPAGE: the kernel zeroing 2 MiB pages made alexnet's session creation 252 ->
// 330 ms, against 278 with plain pages.
std::shared_ptr<void> map_pages(size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) fail(ErrorCode::RuntimeException, "failed to map ", bytes, " bytes for a folded constant");
  return std::shared_ptr<void>(p, [bytes](void* q) { ::munmap(q, bytes); });
}

template <size_t Width>
void fill_elements(void* dst, int64_t count, const uint8_t* element) {
  struct Element {
    uint8_t bytes[Width];
  };
  Element value;
  std::memcpy(value.bytes, element, Width);
  Element* out = static_cast<Element*>(dst);
  parallel_for(count, 1 << 16, current_thread_pool().threads(),
               [&](int64_t begin, int64_t end) { std::fill(out + begin, out + end, value); });
}

}  // namespace

const FoldedSplat* folded_splat(const Tensor& t) {
  const SplatOwner* owner = std::get_deleter<SplatOwner>(t.owner());
  return owner != nullptr && owner->splat.type == t.dtype() ? &owner->splat : nullptr;
}

Tensor materialize_splat(const FoldedSplat& splat, const Shape& shape) {
  const size_t bytes = data_type_storage_bytes(splat.type, shape_size(shape));
  if (bytes == 0) return Tensor::uninitialized(splat.type, shape);
  std::shared_ptr<void> pages = map_pages(bytes);
  void* data = pages.get();
  Tensor t(splat.type, shape, data, std::move(pages));
  switch (splat_element_bytes(splat.type)) {
    case 1: fill_elements<1>(t.raw(), t.size(), splat.element.data()); break;
    case 2: fill_elements<2>(t.raw(), t.size(), splat.element.data()); break;
    case 4: fill_elements<4>(t.raw(), t.size(), splat.element.data()); break;
    case 8: fill_elements<8>(t.raw(), t.size(), splat.element.data()); break;
    case 16: fill_elements<16>(t.raw(), t.size(), splat.element.data()); break;
    default: fail(ErrorCode::NotImplemented, "no splat of element type ", data_type_name(splat.type));
  }
  return t;
}

int constant_folding(ir::Model& model) {
  ir::Graph& graph = model.graph;
  std::optional<std::vector<size_t>> order = execution_order(graph);
  if (!order) return 0;
  std::unordered_map<std::string, const Tensor*> constants = constant_initializers(model);
  const ops::Registry& registry = ops::builtin_registry();

  std::deque<ir::NamedTensor> folded_values;  // a deque: `constants` points into it as it grows
  std::vector<bool> folded(graph.nodes.size(), false);
  GrowthBudget budget;
  for (size_t index : *order) {
    const ir::Node& node = graph.nodes[index];
    if (is_random(node) || has_subgraph(node)) continue;
    std::vector<const Tensor*> inputs;
    bool all_constant = true;
    double input_bytes = 0;
    for (const std::string& name : node.inputs) {
      auto it = name.empty() ? constants.end() : constants.find(name);
      if (!name.empty() && it == constants.end()) all_constant = false;
      inputs.push_back(it == constants.end() ? nullptr : it->second);
      if (inputs.back() != nullptr) input_bytes += static_cast<double>(inputs.back()->nbytes());
    }
    if (!all_constant) continue;
    const int64_t opset = model.opset(node.domain);
    const ops::KernelDef* def = opset < 0 ? nullptr : registry.find(node.domain, node.op_type, opset);
    if (def == nullptr) continue;
    std::optional<double> predicted = predicted_output_bytes(node, inputs);
    if (predicted && !budget.allows(input_bytes, *predicted, *predicted)) continue;

    std::optional<std::vector<Tensor>> outputs = run_once(node, *def, opset, inputs);
    if (!outputs) continue;
    double output_bytes = 0, largest = 0;
    for (const Tensor& t : *outputs) {
      output_bytes += static_cast<double>(t.nbytes());
      largest = std::max(largest, static_cast<double>(t.nbytes()));
    }
    if (!budget.allows(input_bytes, output_bytes, largest)) continue;
    budget.spend(input_bytes, output_bytes);
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      if (node.outputs[o].empty()) continue;
      folded_values.push_back({node.outputs[o], tagged_if_splat(node, std::move((*outputs)[o]))});
      constants[node.outputs[o]] = &folded_values.back().tensor;
    }
    folded[index] = true;
  }

  // Graph outputs made by folded nodes keep their names: the value is now an initializer of it.
  for (ir::NamedTensor& value : folded_values) graph.initializers.push_back(std::move(value));
  return remove_nodes(graph, folded);
}

}  // namespace onyxrt::optimizer
