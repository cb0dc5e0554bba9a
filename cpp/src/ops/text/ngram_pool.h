#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

// TfIdfVectorizer's pool of n-grams as a trie: a path of tokens from the root spells an n-gram,
// and the node it ends at holds that n-gram's number in the pool (or -1 for a prefix that is not
// itself in the pool). Counting walks the trie along the input, stopping at the first miss.
namespace onyxrt::ops {

template <class Token>
class NgramTrie {
 public:
  static constexpr int32_t kRoot = 0;
  static constexpr int32_t kNone = -1;

  NgramTrie() : nodes_(1) {}
  bool empty() const { return nodes_.size() == 1; }

  // Inserts tokens [first, first + n) as n-gram number `ngram`; false when it is already there.
  template <class It>
  bool insert(It first, int64_t n, int64_t ngram) {
    int32_t node = kRoot;
    for (int64_t i = 0; i < n; ++i, ++first) {
      auto found = nodes_[node].children.find(*first);
      if (found == nodes_[node].children.end()) {
        nodes_.emplace_back();
        const int32_t child = static_cast<int32_t>(nodes_.size() - 1);
        nodes_[node].children.emplace(Token(*first), child);
        node = child;
      } else {
        node = found->second;
      }
    }
    if (nodes_[node].ngram >= 0) return false;
    nodes_[node].ngram = ngram;
    return true;
  }

  int32_t child(int32_t node, const Token& token) const {
    const auto& children = nodes_[node].children;
    auto found = children.find(token);
    return found == children.end() ? kNone : found->second;
  }
  int64_t ngram(int32_t node) const { return nodes_[node].ngram; }

 private:
  struct Node {
    std::unordered_map<Token, int32_t> children;
    int64_t ngram = -1;
  };
  std::vector<Node> nodes_;
};

}  // namespace onyxrt::ops
