#pragma once

// The evaluation layout shared by TreeEnsembleClassifier, TreeEnsembleRegressor (ai.onnx.ml 1, 3)
// and TreeEnsemble (ai.onnx.ml 5), built once per kernel from the node's attributes.
//
// Interior nodes of all trees live in one array, each tree in depth-first order with the true
// child right after its parent. A child reference is a node index when >= 0 and the leaf ~ref
// when < 0, so leaves cost no node load. Leaves point into one (target, weight) array. The
// builder checks every reference, rejects cycles and drops unreachable nodes, so a traversal
// ends within (interior node count) steps and never indexes out of bounds, whatever the model.

#include <cstdint>
#include <string>
#include <vector>

#include "ops/ml/ml_post_transform.h"

namespace onyxrt::ops {

class KernelInfo;

// The comparison of an interior node; the values are TreeEnsemble's (ml opset 5) encoding.
enum class TreeMode : uint8_t { Leq = 0, Lt = 1, Gte = 2, Gt = 3, Eq = 4, Neq = 5, Member = 6 };

// How leaf weights of one target combine across trees; the values are TreeEnsemble's encoding.
enum class TreeAggregate : uint8_t { Average = 0, Sum = 1, Min = 2, Max = 3 };

// 16 bytes with float thresholds, 24 with double.
template <class T>
struct TreeNode {
  T threshold;
  uint32_t bits;  // feature id (low 27 bits), mode (bits 28-30), missing value tracks true (bit 31)
  int32_t child[2];  // [0] when the comparison is false, [1] when true: selected by index, not a branch

  static constexpr uint32_t kFeatureMask = (1u << 27) - 1;
  uint32_t feature() const { return bits & kFeatureMask; }
  TreeMode mode() const { return static_cast<TreeMode>((bits >> 28) & 7u); }
  bool missing_tracks_true() const { return (bits >> 31) != 0; }
};

struct TreeEnsembleLayout {
  bool double_thresholds = false;   // v3 *_as_tensor or v5 double: thresholds compare in double
  // Scores accumulate in the leaf weights' type, as onnxruntime does: float sums give the same
  // roundings, so ties at a decision threshold (0.5 in a random forest) break the same way.
  bool double_weights = false;
  std::vector<TreeNode<float>> nodes_f;
  std::vector<TreeNode<double>> nodes_d;
  std::vector<int32_t> roots;       // one child reference per tree, in model order

  // Set membership (v5 BRANCH_MEMBER): the sorted members of node i's set are
  // member_values[member_begin[s] .. member_begin[s + 1]) with s = member_set[i].
  std::vector<int32_t> member_set;  // per interior node; empty when no node tests membership
  std::vector<uint32_t> member_begin;
  std::vector<double> member_values;

  // Leaf l's weights are entries leaf_begin[l] .. leaf_begin[l + 1]; targets within a leaf are
  // distinct (duplicates were combined with the aggregate function).
  std::vector<uint32_t> leaf_begin;
  std::vector<uint32_t> leaf_target;
  std::vector<double> leaf_weight;

  int64_t n_targets = 0;   // score columns: targets, or classes for the classifier
  int64_t min_features = 0;  // 1 + the greatest feature id an interior node reads
  TreeAggregate aggregate = TreeAggregate::Sum;

  // Facts the evaluator specialises on.
  bool uniform_mode = true;  // every interior node has mode `mode`
  TreeMode mode = TreeMode::Leq;
  bool any_missing_true = false;
  // Every leaf holds exactly one weight, all for column `single_column`: one scalar per row.
  bool single_column_leaves = false;
  uint32_t single_column = 0;

  int64_t tree_count() const { return static_cast<int64_t>(roots.size()); }
  int64_t node_count() const {
    return static_cast<int64_t>(double_thresholds ? nodes_d.size() : nodes_f.size());
  }
};

// A tree ensemble as its attributes describe it, one position space for interior nodes and
// leaves (the form both attribute encodings convert to). Children and roots are positions;
// a leaf's weights are listed in weight_position / weight_target / weight_value.
struct TreeEnsembleSource {
  bool double_thresholds = false;
  bool double_weights = false;
  std::vector<uint8_t> is_leaf;
  std::vector<TreeMode> modes;
  std::vector<int64_t> features;
  std::vector<double> thresholds;
  std::vector<int64_t> true_children, false_children;
  std::vector<uint8_t> missing_tracks_true;
  std::vector<std::vector<double>> member_sets;  // per position; used by Member nodes only
  std::vector<int64_t> roots;
  std::vector<int64_t> weight_position, weight_target;
  std::vector<double> weight_value;
  // For messages: the (tree id, node id) of each position in the opset 1/3 encoding; empty for
  // opset 5, whose positions are nodes_* indices.
  std::vector<int64_t> tree_ids, node_ids;
  int64_t n_targets = 0;
  TreeAggregate aggregate = TreeAggregate::Sum;
};

// Flattens and validates; fails naming the node on a dangling reference, a cycle, a weight
// target out of range, or a model too large for the 32-bit layout.
TreeEnsembleLayout build_tree_layout(const KernelInfo& info, TreeEnsembleSource source);

// ml opsets 1 and 3: trees given by nodes_treeids / nodes_nodeids with class_* (classifier) or
// target_* (regressor) weights; `n_targets` is the class count for the classifier.
TreeEnsembleSource parse_tree_attributes_v3(const KernelInfo& info, bool classifier, int64_t n_targets);

// ml opset 5 (TreeEnsemble): separate interior node and leaf arrays, tree_roots, membership sets.
TreeEnsembleSource parse_tree_attributes_v5(const KernelInfo& info);

// base_values / base_values_as_tensor (opset 3), as doubles; both given is an error.
std::vector<double> parse_base_values(const KernelInfo& info);

// The aggregate_function string of TreeEnsembleRegressor.
TreeAggregate parse_tree_aggregate(const KernelInfo& info);

}  // namespace onyxrt::ops
