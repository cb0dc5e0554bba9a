#include "runtime/execution_plan.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "base/error.h"
#include "ir/topological_order.h"
#include "optimizer/constant_folding.h"
#include "optimizer/static_shapes.h"
#include "runtime/planned_subgraph.h"

namespace onyxrt::runtime {
namespace {

Tensor densify(const ir::SparseTensor& sparse, const std::string& name) {
  Tensor dense(sparse.values.dtype(), sparse.dims);
  const Tensor& idx = sparse.indices;
  int64_t nnz = sparse.values.size();
  int64_t total = dense.size();
  size_t elem = data_type_storage_bytes(sparse.values.dtype(), 1);
  if (sparse.values.dtype() == DataType::String || data_type_bits(sparse.values.dtype()) < 8)
    fail(ErrorCode::NotImplemented, "sparse initializer '", name, "' of type ", data_type_name(sparse.values.dtype()),
         " is not supported");
  if (idx.dtype() != DataType::Int64)
    fail(ErrorCode::InvalidGraph, "sparse initializer '", name, "' has indices of type ", data_type_name(idx.dtype()),
         ", expected int64");
  const int64_t* ix = idx.data<int64_t>();
  size_t rank = sparse.dims.size();
  bool linear = idx.rank() == 1;
  if (!(linear && idx.size() == nnz) && !(idx.rank() == 2 && idx.dim(0) == nnz && idx.dim(1) == int64_t(rank)))
    fail(ErrorCode::InvalidGraph, "sparse initializer '", name, "': indices of shape ", shape_to_string(idx.shape()),
         " do not fit ", nnz, " values in ", rank, " dimensions");
  auto* out = static_cast<uint8_t*>(dense.raw());
  const auto* in = static_cast<const uint8_t*>(sparse.values.raw());
  for (int64_t k = 0; k < nnz; ++k) {
    int64_t offset = 0;
    if (linear) {
      offset = ix[k];
    } else {
      for (size_t d = 0; d < rank; ++d) {
        int64_t i = ix[k * int64_t(rank) + int64_t(d)];
        if (i < 0 || i >= sparse.dims[d]) offset = -1;
        if (offset >= 0) offset = offset * sparse.dims[d] + i;
      }
    }
    if (offset < 0 || offset >= total)
      fail(ErrorCode::InvalidGraph, "sparse initializer '", name, "': index of value ", k, " is out of range");
    std::memcpy(out + offset * int64_t(elem), in + k * int64_t(elem), elem);
  }
  return dense;
}

std::string versions_text(const std::vector<int>& versions) {
  std::string s;
  for (int v : versions) s += (s.empty() ? "" : ", ") + std::to_string(v);
  return s;
}

const ops::KernelDef* find_kernel(const ir::Model& model, const ir::Node& node, const ops::Registry& registry,
                                  int64_t* opset_out) {
  int64_t opset = model.opset(node.domain);
  const char* shown_domain = node.domain.empty() ? "ai.onnx" : node.domain.c_str();
  if (opset < 0)
    fail(ErrorCode::InvalidGraph, node.describe(), " uses domain '", shown_domain,
         "', which the model does not import in opset_import");
  *opset_out = opset;
  const ops::KernelDef* def = registry.find(node.domain, node.op_type, opset);
  if (def == nullptr) {
    std::vector<int> versions = registry.versions(node.domain, node.op_type);
    if (versions.empty())
      fail(ErrorCode::NotImplemented, node.describe(), ": operator '", node.op_type, "' in domain '", shown_domain,
           "' (model opset ", opset, ") is not implemented");
    fail(ErrorCode::NotImplemented, node.describe(), ": operator '", node.op_type, "' in domain '", shown_domain,
         "' is implemented from opset ", versions_text(versions), ", not for model opset ", opset);
  }
  return def;
}

// The graphs a node's attributes hold (If branches, Loop/Scan bodies).
std::vector<const ir::Graph*> subgraph_bodies(const ir::Node& node) {
  std::vector<const ir::Graph*> bodies;
  for (const ir::Attribute& a : node.attributes) {
    if (a.g) bodies.push_back(a.g.get());
    for (const auto& g : a.graphs) bodies.push_back(g.get());
  }
  return bodies;
}

}  // namespace

namespace {

// A step may write an output into the buffer of an input it reads last (KernelContext::
// output_in_place_of). Not a graph input (the caller's array), a constant or an outer value (the
// enclosing run's), nor a value the step reads twice or through a subgraph.
void mark_in_place_inputs(ExecutionPlan& plan, const std::vector<int>& last_reader, const std::vector<bool>& kept) {
  std::vector<bool> foreign(static_cast<size_t>(plan.slot_count), false);
  for (int32_t s : plan.input_slots) foreign[static_cast<size_t>(s)] = true;
  for (const auto& [own, outer] : plan.outer_bindings) foreign[static_cast<size_t>(own)] = true;
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    Step& step = plan.steps[i];
    for (size_t k = 0; k < step.inputs.size() && k < 32; ++k) {
      const int32_t s = step.inputs[k];
      if (s < 0 || kept[static_cast<size_t>(s)] || foreign[static_cast<size_t>(s)] ||
          last_reader[static_cast<size_t>(s)] != static_cast<int>(i))
        continue;
      const auto reads = std::count(step.inputs.begin(), step.inputs.end(), s) +
                         std::count(step.implicit_inputs.begin(), step.implicit_inputs.end(), s);
      if (reads == 1) step.in_place_inputs |= uint32_t{1} << k;
    }
  }
}

}  // namespace

ExecutionPlan build_execution_plan(const ir::Model& model, const ir::Graph& graph, const ops::Registry& registry,
                                   const std::vector<std::string>& fed_names,
                                   const std::unordered_map<std::string, int32_t>* enclosing,
                                   const std::function<void(const std::string& name)>& release) {
  ExecutionPlan plan;
  auto slot = [&plan](const std::string& name) {
    auto [it, added] = plan.slot_of.emplace(name, plan.slot_count);
    if (added) ++plan.slot_count;
    return it->second;
  };

  std::unordered_set<std::string> available;
  for (const ValueInfo& in : graph.inputs) available.insert(in.name);
  for (const ir::NamedTensor& init : graph.initializers) {
    available.insert(init.name);
    plan.constants.emplace_back(slot(init.name), Value(init.tensor));
  }
  for (const ir::NamedSparseTensor& init : graph.sparse_initializers) {
    available.insert(init.name);
    plan.constants.emplace_back(slot(init.name), Value(densify(init.tensor, init.name)));
  }
  for (const ValueInfo& in : graph.inputs) plan.input_slots.push_back(slot(in.name));
  if (enclosing != nullptr) {
    for (const std::string& name : ir::outer_scope_inputs(graph)) {
      auto it = enclosing->find(name);
      if (it == enclosing->end())
        fail(ErrorCode::InvalidGraph, "subgraph '", graph.name, "' reads '", name,
             "', which neither it nor any enclosing graph defines");
      available.insert(name);
      plan.outer_bindings.emplace_back(slot(name), it->second);
    }
  }

  // Constants a kernel may pre-pack: initializers that no feed can replace.
  std::unordered_map<int32_t, const Tensor*> constant_of;
  for (const auto& [s, value] : plan.constants) constant_of.emplace(s, &value.tensor());
  for (const std::string& name : fed_names) {
    auto it = plan.slot_of.find(name);
    if (it != plan.slot_of.end()) constant_of.erase(it->second);
  }

  // Subgraphs of the node being built resolve outer names through this plan's slots, which at
  // that point hold every value defined before the node.
  const ops::SubgraphCompiler compile_subgraph = [&](const ir::Graph& body) -> std::unique_ptr<ops::Subgraph> {
    std::vector<std::string> formal_inputs;
    for (const ValueInfo& in : body.inputs) formal_inputs.push_back(in.name);
    return std::make_unique<PlannedSubgraph>(
        body, build_execution_plan(model, body, registry, formal_inputs, &plan.slot_of));
  };

  std::vector<size_t> order = ir::topological_order(graph, available);
  plan.steps.reserve(order.size());

  // Shapes known before any run, offered to the kernels as hints for their weight layouts (the
  // main graph's; a subgraph's values depend on its iterations).
  std::unordered_map<std::string, std::vector<int64_t>> known_shapes;
  if (&graph == &model.graph)
    for (const auto& [name, dims] : optimizer::static_shapes(model)) {
      std::vector<int64_t>& shape = known_shapes[name];
      for (const Dim& d : dims) shape.push_back(d.is_fixed() ? d.value : -1);
    }

  // Readers left per constant slot; a constant that is a graph output, is read by a subgraph or by
  // a kernel that needs its data is pinned. The rest lose their data after their last reader.
  std::unordered_map<int32_t, int> readers_left;
  std::unordered_set<int32_t> pinned;
  if (release) {
    for (size_t index : order)
      for (const std::string& in : graph.nodes[index].inputs) {
        auto it = in.empty() ? plan.slot_of.end() : plan.slot_of.find(in);
        if (it != plan.slot_of.end() && constant_of.count(it->second)) ++readers_left[it->second];
      }
    for (const ir::Node& node : graph.nodes)
      for (const ir::Graph* body : subgraph_bodies(node))
        for (const std::string& name : ir::outer_scope_inputs(*body))
          if (plan.slot_of.count(name)) pinned.insert(plan.slot_of.at(name));
    for (const ValueInfo& out : graph.outputs)
      if (plan.slot_of.count(out.name)) pinned.insert(plan.slot_of.at(out.name));
  }
  // Replaces constant slot s's tensor (data-less stand-in or real data) where kernels see it.
  auto set_constant = [&](int32_t s, const Tensor& tensor) {
    for (auto& [constant_slot, value] : plan.constants) {
      if (constant_slot != s || !value.is_tensor()) continue;
      value = Value(tensor);
      constant_of[s] = &value.tensor();
    }
  };
  auto stand_in = [](const Tensor& t) { return Tensor(t.dtype(), t.shape(), nullptr, nullptr); };
  auto release_if_done = [&](int32_t s, const std::string& name, bool released_by_reader) {
    if (!released_by_reader) pinned.insert(s);
    if (--readers_left[s] > 0 || pinned.count(s)) return;
    set_constant(s, stand_in(*constant_of.at(s)));
    release(name);
  };
  // Folded splats (optimizer/constant_folding.h) can lose their data now and get it back just
  // before their first reader is built. The peak of building is the largest weight beside its
  // packed copy, plus every weight resident then: those read later (those read earlier have been
  // packed and dropped). So the splats first read after the largest one's reader are dropped
  // (vgg19: fc7 and fc8, 80 MiB, while fc6's 392 MiB are packed); dropping the others too would
  // lower nothing and cost each one's page faults again.
  std::unordered_map<int32_t, optimizer::FoldedSplat> deferred;
  if (release) {
    struct Splat {
      int32_t slot;
      const Tensor* tensor;
      const std::string* name;
    };
    std::vector<Splat> splats_by_first_reader;
    std::unordered_set<int32_t> seen;
    for (size_t index : order)
      for (const std::string& in : graph.nodes[index].inputs) {
        auto named = in.empty() ? plan.slot_of.end() : plan.slot_of.find(in);
        if (named == plan.slot_of.end() || !seen.insert(named->second).second) continue;
        auto constant = constant_of.find(named->second);
        if (constant != constant_of.end() && !pinned.count(named->second) && optimizer::folded_splat(*constant->second))
          splats_by_first_reader.push_back({named->second, constant->second, &in});
      }
    size_t largest = 0;
    for (size_t i = 1; i < splats_by_first_reader.size(); ++i)
      if (splats_by_first_reader[i].tensor->nbytes() > splats_by_first_reader[largest].tensor->nbytes()) largest = i;
    for (size_t i = largest + 1; i < splats_by_first_reader.size(); ++i) {
      const Splat& splat = splats_by_first_reader[i];
      deferred.emplace(splat.slot, *optimizer::folded_splat(*splat.tensor));
      const Tensor shape_only = stand_in(*splat.tensor);
      set_constant(splat.slot, shape_only);
      release(*splat.name);
    }
  }
  for (size_t index : order) {
    const ir::Node& node = graph.nodes[index];
    for (const std::string& in : node.inputs) {
      auto named = deferred.empty() || in.empty() ? plan.slot_of.end() : plan.slot_of.find(in);
      auto it = named == plan.slot_of.end() ? deferred.end() : deferred.find(named->second);
      if (it == deferred.end()) continue;
      set_constant(it->first, optimizer::materialize_splat(it->second, constant_of.at(it->first)->shape()));
      deferred.erase(it);
    }
    Step step;
    step.node = &node;
    step.def = find_kernel(model, node, registry, &step.opset);
    std::vector<const Tensor*> constants;
    for (const std::string& in : node.inputs) {
      step.inputs.push_back(in.empty() ? -1 : slot(in));
      auto it = in.empty() ? constant_of.end() : constant_of.find(step.inputs.back());
      constants.push_back(it == constant_of.end() ? nullptr : it->second);
    }
    for (const ir::Graph* body : subgraph_bodies(node))
      for (const std::string& name : ir::outer_scope_inputs(*body)) step.implicit_inputs.push_back(slot(name));
    std::vector<const std::vector<int64_t>*> shapes;
    for (const std::string& in : node.inputs) {
      auto it = in.empty() ? known_shapes.end() : known_shapes.find(in);
      shapes.push_back(it == known_shapes.end() ? nullptr : &it->second);
    }
    const ops::KernelInfo info(node, step.opset, std::move(constants), &compile_subgraph, std::move(shapes));
    step.kernel = step.def->create(info);
    if (release)
      for (size_t i = 0; i < node.inputs.size(); ++i)
        if (info.constant_input(i) != nullptr) release_if_done(step.inputs[i], node.inputs[i], info.constant_released(i));
    for (const std::string& out : node.outputs) step.outputs.push_back(out.empty() ? -1 : slot(out));
    plan.steps.push_back(std::move(step));
  }

  for (const ValueInfo& out : graph.outputs) {
    auto it = plan.slot_of.find(out.name);
    if (it == plan.slot_of.end())
      fail(ErrorCode::InvalidGraph, "graph output '", out.name, "' is not produced by any node, input or initializer");
    plan.output_slots.push_back(it->second);
  }

  // Free each intermediate right after its last reader; graph outputs and constants stay.
  std::vector<int> last_reader(plan.slot_count, -1);
  for (size_t s = 0; s < plan.steps.size(); ++s)
    for (const auto* reads : {&plan.steps[s].inputs, &plan.steps[s].implicit_inputs})
      for (int32_t in : *reads)
        if (in >= 0) last_reader[in] = static_cast<int>(s);
  std::vector<bool> kept(plan.slot_count, false);
  for (int32_t s : plan.output_slots) kept[s] = true;
  for (const auto& [s, value] : plan.constants) kept[s] = true;
  for (int32_t s = 0; s < plan.slot_count; ++s)
    if (!kept[s] && last_reader[s] >= 0) plan.steps[last_reader[s]].release_after.push_back(s);
  // A value nobody reads is released right after the step that writes it.
  for (size_t i = 0; i < plan.steps.size(); ++i)
    for (int32_t out : plan.steps[i].outputs)
      if (out >= 0 && !kept[out] && last_reader[out] < 0) plan.steps[i].release_after.push_back(out);
  mark_in_place_inputs(plan, last_reader, kept);
  plan.is_constant.assign(static_cast<size_t>(plan.slot_count), false);
  for (const auto& [s, value] : plan.constants) plan.is_constant[static_cast<size_t>(s)] = true;
  return plan;
}

}  // namespace onyxrt::runtime
