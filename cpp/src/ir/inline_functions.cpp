#include "ir/inline_functions.h"

#include <string>
#include <unordered_map>
#include <utility>

#include "base/error.h"

namespace onyxrt::ir {
namespace {

// Calls nested deeper than this are a function calling itself, directly or through others.
constexpr int kMaxCallDepth = 64;
// Nodes that expansion may produce in all: a few functions calling each other several times per
// level would otherwise grow the graph exponentially.
constexpr int64_t kMaxExpandedNodes = int64_t{1} << 20;

// One call's copy of a function body: names, nested subgraphs and caller-attribute references.
class Instance {
 public:
  Instance(const Function& function, const Node& call, std::string prefix)
      : function_(function), call_(call), prefix_(std::move(prefix)) {
    if (call.inputs.size() > function.inputs.size() || call.outputs.size() > function.outputs.size())
      fail(ErrorCode::InvalidGraph, call.describe(), " has ", call.inputs.size(), " inputs and ", call.outputs.size(),
           " outputs; function '", function.name, "' declares ", function.inputs.size(), " and ",
           function.outputs.size());
    // An input the call omits is an omitted optional input inside the body too.
    for (size_t i = 0; i < function.inputs.size(); ++i)
      actual_[function.inputs[i]] = i < call.inputs.size() ? call.inputs[i] : std::string();
    for (size_t i = 0; i < function.outputs.size(); ++i)
      actual_[function.outputs[i]] =
          i < call.outputs.size() && !call.outputs[i].empty() ? call.outputs[i] : prefix_ + function.outputs[i];
  }

  std::vector<Node> body() const {
    std::vector<Node> nodes;
    nodes.reserve(function_.nodes.size());
    for (const Node& n : function_.nodes) nodes.push_back(node(n));
    return nodes;
  }

 private:
  // Functions see no outer scope: a name is a formal parameter or the body's own.
  std::string rename(const std::string& name) const {
    if (name.empty()) return name;
    auto it = actual_.find(name);
    return it != actual_.end() ? it->second : prefix_ + name;
  }

  Node node(const Node& n) const {
    Node out;
    out.name = n.name.empty() ? std::string() : prefix_ + n.name;
    out.op_type = n.op_type;
    out.domain = n.domain;
    out.doc_string = n.doc_string;
    for (const std::string& in : n.inputs) out.inputs.push_back(rename(in));
    for (const std::string& o : n.outputs) out.outputs.push_back(rename(o));
    for (const Attribute& a : n.attributes) {
      if (a.ref_attr_name.empty()) {
        out.attributes.push_back(attribute(a));
        continue;
      }
      // The caller's value (a graph of the caller's scope, so not renamed), else the default.
      const Attribute* value = call_.find_attribute(a.ref_attr_name);
      if (value == nullptr)
        for (const Attribute& d : function_.attribute_defaults)
          if (d.name == a.ref_attr_name) value = &d;
      if (value == nullptr) continue;  // neither: the attribute is absent
      Attribute bound = *value;
      bound.name = a.name;
      bound.ref_attr_name.clear();
      out.attributes.push_back(std::move(bound));
    }
    return out;
  }

  Attribute attribute(const Attribute& a) const {
    Attribute out = a;
    if (a.g) out.g = graph(*a.g);
    for (std::shared_ptr<Graph>& g : out.graphs) g = graph(*g);
    return out;
  }

  std::shared_ptr<Graph> graph(const Graph& g) const {
    auto out = std::make_shared<Graph>();
    out->name = g.name;
    out->doc_string = g.doc_string;
    for (const Node& n : g.nodes) out->nodes.push_back(node(n));
    auto renamed = [&](std::vector<ValueInfo> infos) {
      for (ValueInfo& v : infos) v.name = rename(v.name);
      return infos;
    };
    out->inputs = renamed(g.inputs);
    out->outputs = renamed(g.outputs);
    out->value_info = renamed(g.value_info);
    for (const NamedTensor& t : g.initializers) out->initializers.push_back({rename(t.name), t.tensor});
    for (const NamedSparseTensor& t : g.sparse_initializers)
      out->sparse_initializers.push_back({rename(t.name), t.tensor});
    return out;
  }

  const Function& function_;
  const Node& call_;
  std::string prefix_;
  std::unordered_map<std::string, std::string> actual_;  // formal parameter -> the call's name
};

class Inliner {
 public:
  // Functions by domain and name, indexed once: every node of the graph and of each expanded body
  // is looked up. A name defined twice (overloads) maps to null and fails only when called.
  explicit Inliner(const Model& model) {
    for (const Function& f : model.functions) {
      auto [it, inserted] = by_name_.emplace(key(f.domain, f.name), &f);
      if (!inserted) it->second = nullptr;
    }
  }

  // Expands the calls in g's nodes and in their subgraphs; `depth` counts enclosing calls.
  void expand(Graph& g, int depth) {
    std::vector<Node> nodes;
    nodes.reserve(g.nodes.size());
    for (Node& n : g.nodes) {
      for (Attribute& a : n.attributes) {
        if (a.g) expand(*a.g, depth);
        for (std::shared_ptr<Graph>& sub : a.graphs) expand(*sub, depth);
      }
      const Function* function = find(n);
      if (function == nullptr) {
        nodes.push_back(std::move(n));
        continue;
      }
      if (depth >= kMaxCallDepth)
        fail(ErrorCode::InvalidGraph, "function '", function->name, "' (domain '", function->domain,
             "') calls itself, directly or through other functions: calls nest more than ", kMaxCallDepth, " deep");
      Graph body;
      body.nodes = Instance(*function, n, prefix(*function)).body();
      expanded_nodes_ += static_cast<int64_t>(body.nodes.size());
      if (expanded_nodes_ > kMaxExpandedNodes)
        fail(ErrorCode::InvalidGraph, "expanding the model's functions produces more than ", kMaxExpandedNodes,
             " nodes");
      ++calls_;
      expand(body, depth + 1);
      for (Node& b : body.nodes) nodes.push_back(std::move(b));
    }
    g.nodes = std::move(nodes);
  }

  int calls() const { return calls_; }

 private:
  static std::string key(const std::string& domain, const std::string& name) { return domain + '\n' + name; }

  const Function* find(const Node& n) const {
    auto it = by_name_.find(key(n.domain, n.op_type));
    if (it == by_name_.end()) return nullptr;
    if (it->second == nullptr)
      fail(ErrorCode::InvalidGraph, "the model defines function '", n.op_type, "' (domain '", n.domain,
           "') more than once (overloads): onyxrt does not pick between them");
    return it->second;
  }

  // Unique to the call; the characters make a clash with a model's own names unlikely.
  std::string prefix(const Function& f) const { return f.name + "~" + std::to_string(calls_) + "/"; }

  std::unordered_map<std::string, const Function*> by_name_;
  int calls_ = 0;
  int64_t expanded_nodes_ = 0;
};

// The functions' opset imports join the model's; a domain both import must agree on the version.
void merge_opset_imports(Model& model) {
  for (const Function& f : model.functions)
    for (const OpsetImport& fi : f.opset_imports) {
      bool present = false;
      for (const OpsetImport& mi : model.opset_imports) {
        if (mi.domain != fi.domain) continue;
        present = true;
        if (mi.version != fi.version)
          fail(ErrorCode::InvalidGraph, "function '", f.name, "' imports opset ", fi.version, " of domain '",
               fi.domain, "', the model imports ", mi.version);
      }
      if (!present) model.opset_imports.push_back(fi);
    }
}

}  // namespace

int inline_model_functions(Model& model) {
  if (model.functions.empty()) return 0;
  Inliner inliner(model);
  inliner.expand(model.graph, 0);
  if (inliner.calls() > 0) merge_opset_imports(model);
  return inliner.calls();
}

}  // namespace onyxrt::ir
