#include "ops/ml/tree_ensemble_layout.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>
#include <utility>

#include "ops/float_staging.h"
#include "ops/kernel.h"

namespace onyxrt::ops {
namespace {

constexpr int64_t kMaxIndex = std::numeric_limits<int32_t>::max() - 1;

template <class V>
void check_length(const KernelInfo& info, const char* name, const std::vector<V>& v, size_t n, const char* ref) {
  if (v.size() != n)
    info.fail(ErrorCode::InvalidGraph, "attribute '", name, "' has ", v.size(), " values; '", ref, "' has ", n);
}

// `name` as FLOATS or, from opset 3, `name`_as_tensor; not both. *is_double: a double tensor.
std::vector<double> floats_or_tensor(const KernelInfo& info, const std::string& name, bool* is_double = nullptr) {
  const Tensor* t = info.attr_tensor(name + "_as_tensor");
  const std::vector<float> f = info.attr_floats(name);
  if (is_double) *is_double = t != nullptr && t->dtype() == DataType::Double;
  if (!t) return {f.begin(), f.end()};
  if (!f.empty())
    info.fail(ErrorCode::InvalidGraph, "attributes '", name, "' and '", name, "_as_tensor' are both given");
  if (t->dtype() != DataType::Float && t->dtype() != DataType::Double)
    info.fail(ErrorCode::InvalidGraph, "attribute '", name, "_as_tensor' must hold float or double, got ",
              data_type_name(t->dtype()));
  return values_as_double(*t);
}

TreeMode parse_mode_name(const KernelInfo& info, const std::string& s, bool* leaf) {
  static const std::pair<const char*, TreeMode> kModes[] = {
      {"BRANCH_LEQ", TreeMode::Leq}, {"BRANCH_LT", TreeMode::Lt}, {"BRANCH_GTE", TreeMode::Gte},
      {"BRANCH_GT", TreeMode::Gt},   {"BRANCH_EQ", TreeMode::Eq}, {"BRANCH_NEQ", TreeMode::Neq},
  };
  *leaf = s == "LEAF";
  if (*leaf) return TreeMode::Leq;
  for (const auto& m : kModes)
    if (s == m.first) return m.second;
  info.fail(ErrorCode::InvalidGraph, "nodes_modes holds '", s,
            "'; expected BRANCH_LEQ, BRANCH_LT, BRANCH_GTE, BRANCH_GT, BRANCH_EQ, BRANCH_NEQ or LEAF");
}

// (tree id, node id) -> position, for the opset 1/3 encoding.
class NodeIdIndex {
 public:
  NodeIdIndex(const KernelInfo& info, const std::vector<int64_t>& trees, const std::vector<int64_t>& ids) {
    keys_.reserve(trees.size());
    for (size_t i = 0; i < trees.size(); ++i) keys_.push_back({trees[i], ids[i], static_cast<int64_t>(i)});
    std::sort(keys_.begin(), keys_.end(), [](const Key& a, const Key& b) {
      return a.tree != b.tree ? a.tree < b.tree : a.node < b.node;
    });
    for (size_t i = 1; i < keys_.size(); ++i)
      if (keys_[i].tree == keys_[i - 1].tree && keys_[i].node == keys_[i - 1].node)
        info.fail(ErrorCode::InvalidGraph, "node id ", keys_[i].node, " appears twice in tree ", keys_[i].tree);
  }
  // -1 when absent.
  int64_t find(int64_t tree, int64_t node) const {
    auto it = std::lower_bound(keys_.begin(), keys_.end(), Key{tree, node, 0}, [](const Key& a, const Key& b) {
      return a.tree != b.tree ? a.tree < b.tree : a.node < b.node;
    });
    return it != keys_.end() && it->tree == tree && it->node == node ? it->position : -1;
  }

 private:
  struct Key {
    int64_t tree, node, position;
  };
  std::vector<Key> keys_;
};

// Combines the weights each leaf gives the same target, so a leaf lists a target once.
double combine(TreeAggregate a, double x, double y) {
  switch (a) {
    case TreeAggregate::Min:
      return std::min(x, y);
    case TreeAggregate::Max:
      return std::max(x, y);
    default:
      return x + y;
  }
}

std::string describe(const TreeEnsembleSource& s, int64_t p) {
  if (static_cast<size_t>(p) < s.node_ids.size())
    return str_cat("node ", s.node_ids[static_cast<size_t>(p)], " of tree ", s.tree_ids[static_cast<size_t>(p)]);
  return str_cat("node ", p);
}

template <class T>
std::vector<TreeNode<T>>& nodes_of(TreeEnsembleLayout& l);
template <>
std::vector<TreeNode<float>>& nodes_of<float>(TreeEnsembleLayout& l) {
  return l.nodes_f;
}
template <>
std::vector<TreeNode<double>>& nodes_of<double>(TreeEnsembleLayout& l) {
  return l.nodes_d;
}

// Depth-first flattening from each root, true child first. Colours find cycles (a reference to a
// node still on the path); a node reached again later (a shared subtree) keeps its one copy.
template <class T>
void flatten(const KernelInfo& info, const TreeEnsembleSource& s, TreeEnsembleLayout& out,
             std::vector<int64_t>& leaf_position) {
  const size_t n = s.is_leaf.size();
  std::vector<int32_t> index(n, std::numeric_limits<int32_t>::min());  // child ref once placed
  std::vector<uint8_t> colour(n, 0);                                    // 0 new, 1 on path, 2 done
  std::vector<TreeNode<T>>& nodes = nodes_of<T>(out);
  std::vector<int64_t> node_position;

  auto leaf_ref = [&](int64_t p) {
    if (index[p] == std::numeric_limits<int32_t>::min()) {
      if (static_cast<int64_t>(leaf_position.size()) >= kMaxIndex)
        info.fail(ErrorCode::InvalidGraph, "the ensemble has too many leaves");
      index[p] = ~static_cast<int32_t>(leaf_position.size());
      leaf_position.push_back(p);
    }
    return index[p];
  };
  auto enter = [&](int64_t p) {
    if (static_cast<int64_t>(nodes.size()) >= kMaxIndex)
      info.fail(ErrorCode::InvalidGraph, "the ensemble has too many nodes");
    const int64_t f = s.features[p];
    if (f < 0 || f > static_cast<int64_t>(TreeNode<T>::kFeatureMask))
      info.fail(ErrorCode::InvalidGraph, describe(s, p), " reads feature ", f, ", out of range");
    TreeNode<T> node{};
    node.threshold = static_cast<T>(s.thresholds[p]);
    node.bits = static_cast<uint32_t>(f) | (static_cast<uint32_t>(s.modes[p]) << 28) |
                (s.missing_tracks_true.empty() || !s.missing_tracks_true[p] ? 0u : 1u << 31);
    index[p] = static_cast<int32_t>(nodes.size());
    colour[p] = 1;
    nodes.push_back(node);
    node_position.push_back(p);
  };
  // The reference a child gets; pushes a new interior child on the stack.
  struct Frame {
    int64_t position;
    int stage;  // 0: true child next, 1: false child next, 2: done
  };
  std::vector<Frame> stack;
  auto child_ref = [&](int64_t parent, int64_t c) -> int32_t {
    if (s.is_leaf[c]) return leaf_ref(c);
    if (colour[c] == 1)
      info.fail(ErrorCode::InvalidGraph, "the trees contain a cycle: ", describe(s, parent), " leads back to ",
                describe(s, c));
    if (colour[c] == 2) return index[c];
    enter(c);
    stack.push_back({c, 0});
    return index[c];
  };

  for (int64_t root : s.roots) {
    if (s.is_leaf[root]) {
      out.roots.push_back(leaf_ref(root));
      continue;
    }
    if (colour[root] == 2) {
      out.roots.push_back(index[root]);
      continue;
    }
    enter(root);
    out.roots.push_back(index[root]);
    stack.push_back({root, 0});
    while (!stack.empty()) {
      Frame& f = stack.back();
      const int64_t p = f.position;
      if (f.stage == 2) {
        colour[p] = 2;
        stack.pop_back();
        continue;
      }
      const bool true_side = f.stage == 0;
      ++f.stage;  // `f` may dangle after child_ref pushes
      const int32_t ref = child_ref(p, true_side ? s.true_children[p] : s.false_children[p]);
      nodes[index[p]].child[true_side ? 1 : 0] = ref;
    }
  }

  // Membership sets of the placed Member nodes, sorted for binary search.
  bool any_member = false;
  for (int64_t p : node_position) any_member |= s.modes[p] == TreeMode::Member;
  if (any_member) {
    out.member_set.assign(nodes.size(), -1);
    out.member_begin.push_back(0);
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (s.modes[node_position[i]] != TreeMode::Member) continue;
      std::vector<double> set = s.member_sets[node_position[i]];
      std::sort(set.begin(), set.end());
      set.erase(std::unique(set.begin(), set.end()), set.end());
      out.member_set[i] = static_cast<int32_t>(out.member_begin.size() - 1);
      out.member_values.insert(out.member_values.end(), set.begin(), set.end());
      out.member_begin.push_back(static_cast<uint32_t>(out.member_values.size()));
    }
  }
  for (const TreeNode<T>& node : nodes) {
    out.min_features = std::max<int64_t>(out.min_features, int64_t{node.feature()} + 1);
    out.any_missing_true |= node.missing_tracks_true();
    if (node.mode() != nodes.front().mode()) out.uniform_mode = false;
  }
  if (!nodes.empty()) out.mode = nodes.front().mode();
}

}  // namespace

TreeEnsembleLayout build_tree_layout(const KernelInfo& info, TreeEnsembleSource s) {
  TreeEnsembleLayout out;
  out.double_thresholds = s.double_thresholds;
  out.double_weights = s.double_weights;
  out.n_targets = s.n_targets;
  out.aggregate = s.aggregate;
  if (s.n_targets < 1 || s.n_targets > kMaxIndex)
    info.fail(ErrorCode::InvalidGraph, "the number of targets or classes must be positive, got ", s.n_targets);

  std::vector<int64_t> leaf_position;
  if (s.double_thresholds)
    flatten<double>(info, s, out, leaf_position);
  else
    flatten<float>(info, s, out, leaf_position);

  // Weights of the placed leaves, grouped by leaf, one entry per (leaf, target).
  std::vector<int32_t> leaf_of(s.is_leaf.size(), -1);
  for (size_t l = 0; l < leaf_position.size(); ++l) leaf_of[leaf_position[l]] = static_cast<int32_t>(l);
  struct Entry {
    int32_t leaf;
    uint32_t target;
    double weight;
  };
  std::vector<Entry> entries;
  for (size_t i = 0; i < s.weight_position.size(); ++i) {
    const int64_t t = s.weight_target[i];
    if (t < 0 || t >= s.n_targets)
      info.fail(ErrorCode::InvalidGraph, "a leaf weight targets index ", t, ", outside [0, ", s.n_targets, ")");
    const int32_t leaf = leaf_of[s.weight_position[i]];
    if (leaf >= 0) entries.push_back({leaf, static_cast<uint32_t>(t), s.weight_value[i]});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.leaf != b.leaf ? a.leaf < b.leaf : a.target < b.target;
  });
  out.leaf_begin.assign(leaf_position.size() + 1, 0);
  for (size_t i = 0; i < entries.size(); ++i) {
    const bool repeat = i > 0 && entries[i].leaf == entries[i - 1].leaf && entries[i].target == entries[i - 1].target;
    if (repeat) {
      out.leaf_weight.back() = combine(s.aggregate, out.leaf_weight.back(), entries[i].weight);
      continue;
    }
    out.leaf_target.push_back(entries[i].target);
    out.leaf_weight.push_back(entries[i].weight);
    ++out.leaf_begin[static_cast<size_t>(entries[i].leaf) + 1];
  }
  std::partial_sum(out.leaf_begin.begin(), out.leaf_begin.end(), out.leaf_begin.begin());

  out.single_column_leaves = !leaf_position.empty() && out.leaf_target.size() == leaf_position.size();
  if (out.single_column_leaves) {
    out.single_column = out.leaf_target.front();
    for (size_t l = 0; l < leaf_position.size(); ++l)
      out.single_column_leaves &=
          out.leaf_begin[l + 1] - out.leaf_begin[l] == 1 && out.leaf_target[l] == out.single_column;
  }
  return out;
}

TreeEnsembleSource parse_tree_attributes_v3(const KernelInfo& info, bool classifier, int64_t n_targets) {
  TreeEnsembleSource s;
  s.n_targets = n_targets;
  const std::vector<int64_t> trees = info.attr_ints("nodes_treeids");
  const std::vector<int64_t> ids = info.attr_ints("nodes_nodeids");
  const size_t n = trees.size();
  s.features = info.attr_ints("nodes_featureids");
  s.true_children = info.attr_ints("nodes_truenodeids");
  s.false_children = info.attr_ints("nodes_falsenodeids");
  const std::vector<std::string> modes = info.attr_strings("nodes_modes");
  s.thresholds = floats_or_tensor(info, "nodes_values", &s.double_thresholds);
  const std::vector<int64_t> missing = info.attr_ints("nodes_missing_value_tracks_true");
  check_length(info, "nodes_nodeids", ids, n, "nodes_treeids");
  check_length(info, "nodes_featureids", s.features, n, "nodes_treeids");
  check_length(info, "nodes_truenodeids", s.true_children, n, "nodes_treeids");
  check_length(info, "nodes_falsenodeids", s.false_children, n, "nodes_treeids");
  check_length(info, "nodes_modes", modes, n, "nodes_treeids");
  const char* values_name = info.has_attr("nodes_values_as_tensor") ? "nodes_values_as_tensor" : "nodes_values";
  check_length(info, values_name, s.thresholds, n, "nodes_treeids");
  if (!missing.empty()) check_length(info, "nodes_missing_value_tracks_true", missing, n, "nodes_treeids");

  s.is_leaf.resize(n);
  s.modes.resize(n);
  s.missing_tracks_true.assign(missing.begin(), missing.end());
  for (size_t i = 0; i < n; ++i) {
    bool leaf = false;
    s.modes[i] = parse_mode_name(info, modes[i], &leaf);
    s.is_leaf[i] = leaf;
  }

  s.tree_ids = trees;
  s.node_ids = ids;
  // Children are ids within the parent's tree.
  const NodeIdIndex index(info, trees, ids);
  std::vector<uint8_t> referenced(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (s.is_leaf[i]) continue;
    for (std::vector<int64_t>* side : {&s.true_children, &s.false_children}) {
      const int64_t child = index.find(trees[i], (*side)[i]);
      if (child < 0)
        info.fail(ErrorCode::InvalidGraph, "node ", ids[i], " of tree ", trees[i], " has ",
                  side == &s.true_children ? "true" : "false", " child ", (*side)[i],
                  ", which that tree does not have");
      (*side)[i] = child;
      referenced[child] = 1;
    }
  }
  // Trees in order of first appearance; a tree's root is its first listed node no node refers to.
  std::unordered_map<int64_t, size_t> tree_slot;
  std::vector<int64_t> roots;
  for (size_t i = 0; i < n; ++i) {
    auto [it, added] = tree_slot.emplace(trees[i], roots.size());
    if (added) roots.push_back(-1);
    if (roots[it->second] < 0 && !referenced[i]) roots[it->second] = static_cast<int64_t>(i);
  }
  for (const auto& [tree, slot] : tree_slot)
    if (roots[slot] < 0) info.fail(ErrorCode::InvalidGraph, "tree ", tree, " has no root: its nodes form a cycle");
  s.roots = std::move(roots);

  const std::string prefix = classifier ? "class_" : "target_";
  const std::vector<int64_t> w_trees = info.attr_ints(prefix + "treeids");
  const std::vector<int64_t> w_nodes = info.attr_ints(prefix + "nodeids");
  s.weight_target = info.attr_ints(prefix + "ids");
  s.weight_value = floats_or_tensor(info, prefix + "weights", &s.double_weights);
  const std::string ids_name = prefix + "ids";
  check_length(info, (prefix + "treeids").c_str(), w_trees, s.weight_target.size(), ids_name.c_str());
  check_length(info, (prefix + "nodeids").c_str(), w_nodes, s.weight_target.size(), ids_name.c_str());
  check_length(info, (prefix + "weights").c_str(), s.weight_value, s.weight_target.size(), ids_name.c_str());
  for (size_t i = 0; i < w_trees.size(); ++i) {
    const int64_t p = index.find(w_trees[i], w_nodes[i]);
    if (p < 0)
      info.fail(ErrorCode::InvalidGraph, "a weight is given for node ", w_nodes[i], " of tree ", w_trees[i],
                ", which does not exist");
    // NOTE: weights on interior nodes are ignored, as onnxruntime does: old onnxmltools wrote them.
    s.weight_position.push_back(s.is_leaf[p] ? p : static_cast<int64_t>(n));
  }
  // Position n is a sink leaf no tree reaches, so ignored weights need no second array.
  s.is_leaf.push_back(1);
  return s;
}

TreeEnsembleSource parse_tree_attributes_v5(const KernelInfo& info) {
  TreeEnsembleSource s;
  const Tensor& splits = info.required_tensor("nodes_splits");
  const Tensor& modes = info.required_tensor("nodes_modes");
  s.features = info.required_ints("nodes_featureids");
  const size_t n = s.features.size();
  const std::vector<int64_t> true_ids = info.required_ints("nodes_truenodeids");
  const std::vector<int64_t> false_ids = info.required_ints("nodes_falsenodeids");
  const std::vector<int64_t> true_leafs = info.required_ints("nodes_trueleafs");
  const std::vector<int64_t> false_leafs = info.required_ints("nodes_falseleafs");
  const std::vector<int64_t> missing = info.attr_ints("nodes_missing_value_tracks_true");
  const std::vector<int64_t> targets = info.required_ints("leaf_targetids");
  const Tensor& weights_tensor = info.required_tensor("leaf_weights");
  const std::vector<double> leaf_weights = values_as_double(weights_tensor);
  s.double_weights = weights_tensor.dtype() == DataType::Double;
  const std::vector<int64_t> roots = info.required_ints("tree_roots");
  s.n_targets = info.attr_int("n_targets", 0);
  if (splits.dtype() != DataType::Float && splits.dtype() != DataType::Double && splits.dtype() != DataType::Float16)
    info.fail(ErrorCode::InvalidGraph, "attribute 'nodes_splits' must be a float, double or float16 tensor, got ",
              data_type_name(splits.dtype()));
  s.double_thresholds = splits.dtype() == DataType::Double;
  s.thresholds = values_as_double(splits);
  if (modes.dtype() != DataType::UInt8)
    info.fail(ErrorCode::InvalidGraph, "attribute 'nodes_modes' must be a uint8 tensor, got ",
              data_type_name(modes.dtype()));
  check_length(info, "nodes_splits", s.thresholds, n, "nodes_featureids");
  if (static_cast<size_t>(modes.size()) != n)
    info.fail(ErrorCode::InvalidGraph, "attribute 'nodes_modes' has ", modes.size(), " values; 'nodes_featureids' has ",
              n);
  check_length(info, "nodes_truenodeids", true_ids, n, "nodes_featureids");
  check_length(info, "nodes_falsenodeids", false_ids, n, "nodes_featureids");
  check_length(info, "nodes_trueleafs", true_leafs, n, "nodes_featureids");
  check_length(info, "nodes_falseleafs", false_leafs, n, "nodes_featureids");
  if (!missing.empty()) check_length(info, "nodes_missing_value_tracks_true", missing, n, "nodes_featureids");
  check_length(info, "leaf_weights", leaf_weights, targets.size(), "leaf_targetids");

  // Positions: interior nodes 0..n-1, then leaves n..n+L-1.
  const int64_t leaves = static_cast<int64_t>(targets.size());
  auto position = [&](int64_t i, int64_t id, bool leaf, const char* side) {
    const int64_t limit = leaf ? leaves : static_cast<int64_t>(n);
    if (id < 0 || id >= limit)
      info.fail(ErrorCode::InvalidGraph, "node ", i, " has ", side, " ", leaf ? "leaf " : "node ", id, ", outside [0, ",
                limit, ")");
    return leaf ? static_cast<int64_t>(n) + id : id;
  };
  s.is_leaf.assign(n + targets.size(), 0);
  std::fill(s.is_leaf.begin() + static_cast<std::ptrdiff_t>(n), s.is_leaf.end(), 1);
  s.modes.resize(n);
  s.true_children.resize(n);
  s.false_children.resize(n);
  s.member_sets.resize(n);
  s.missing_tracks_true.assign(missing.begin(), missing.end());
  std::vector<double> members;
  if (const Tensor* m = info.attr_tensor("membership_values")) members = values_as_double(*m);
  size_t next_member = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t mode = modes.data<uint8_t>()[i];
    if (mode > static_cast<uint8_t>(TreeMode::Member))
      info.fail(ErrorCode::InvalidGraph, "nodes_modes[", i, "] is ", int{mode}, "; expected 0 to 6");
    s.modes[i] = static_cast<TreeMode>(mode);
    const int64_t ii = static_cast<int64_t>(i);
    s.true_children[i] = position(ii, true_ids[i], true_leafs[i] != 0, "true");
    s.false_children[i] = position(ii, false_ids[i], false_leafs[i] != 0, "false");
    if (s.modes[i] != TreeMode::Member) continue;
    // This node's members run up to the next NaN (the last set's NaN may be left out).
    if (next_member >= members.size())
      info.fail(ErrorCode::InvalidGraph, "membership_values has no set for BRANCH_MEMBER node ", i);
    while (next_member < members.size() && !std::isnan(members[next_member]))
      s.member_sets[i].push_back(members[next_member++]);
    ++next_member;
  }
  if (next_member < members.size())
    info.fail(ErrorCode::InvalidGraph, "membership_values holds more sets than there are BRANCH_MEMBER nodes");

  for (int64_t r : roots) {
    if (r < 0 || r >= static_cast<int64_t>(n))
      info.fail(ErrorCode::InvalidGraph, "tree_roots holds ", r, ", outside [0, ", n, ")");
    // A one-leaf tree: both branches name the same leaf; its comparison is never made.
    const bool single_leaf = true_leafs[r] && false_leafs[r] && true_ids[r] == false_ids[r];
    s.roots.push_back(single_leaf ? s.true_children[r] : r);
  }
  for (int64_t l = 0; l < leaves; ++l) {
    s.weight_position.push_back(static_cast<int64_t>(n) + l);
    s.weight_target.push_back(targets[l]);
    s.weight_value.push_back(leaf_weights[l]);
  }
  const int64_t aggregate = info.attr_int("aggregate_function", 1);
  if (aggregate < 0 || aggregate > 3)
    info.fail(ErrorCode::InvalidGraph, "aggregate_function is ", aggregate,
              "; expected 0 (AVERAGE), 1 (SUM), 2 (MIN) or 3 (MAX)");
  s.aggregate = static_cast<TreeAggregate>(aggregate);
  return s;
}

std::vector<double> parse_base_values(const KernelInfo& info) { return floats_or_tensor(info, "base_values"); }

TreeAggregate parse_tree_aggregate(const KernelInfo& info) {
  const std::string name = info.attr_string("aggregate_function", "SUM");
  if (name == "SUM") return TreeAggregate::Sum;
  if (name == "AVERAGE") return TreeAggregate::Average;
  if (name == "MIN") return TreeAggregate::Min;
  if (name == "MAX") return TreeAggregate::Max;
  info.fail(ErrorCode::InvalidGraph, "aggregate_function is '", name, "'; expected SUM, AVERAGE, MIN or MAX");
}

}  // namespace onyxrt::ops
