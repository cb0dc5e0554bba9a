#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "format/wire_writer.h"
#include "ir/graph.h"
#include "onyxrt/type_info.hpp"

// The ONNX message encoders, the mirror of decoders.h: each turns one piece of IR into the
// message's bytes. Field numbers are onnx.proto3's. Tensor payloads are borrowed, not copied
// (see WireWriter): the IR must outlive the writer. What the decoder does not keep (opaque types,
// denotations, quantization annotations, metadata_props of graphs, nodes and values, training
// info) cannot be written back.
namespace onyxrt::format {

// Main-graph initializers of at least `min_bytes` that go to a separate data file instead of
// raw_data. Collects the spans to write and hands out their offsets; the caller writes the file.
class ExternalDataPlan {
 public:
  // Offsets are multiples of this, so that whoever maps the file finds every tensor aligned.
  static constexpr uint64_t kAlignment = 64;

  ExternalDataPlan(std::string location, size_t min_bytes) : location_(std::move(location)), min_bytes_(min_bytes) {}

  const std::string& location() const { return location_; }
  size_t min_bytes() const { return min_bytes_; }
  // Places `size` bytes at the next aligned offset and returns that offset.
  uint64_t add(const uint8_t* data, size_t size);
  uint64_t size() const { return size_; }
  // (data, size) in file order; padding runs have data == nullptr (zero bytes).
  const std::vector<std::pair<const uint8_t*, size_t>>& pieces() const { return pieces_; }

 private:
  std::string location_;
  size_t min_bytes_;
  std::vector<std::pair<const uint8_t*, size_t>> pieces_;
  uint64_t size_ = 0;
};

// How one graph is written.
struct GraphEncoding {
  // Non-null for the main graph when large initializers go to a data file.
  ExternalDataPlan* external = nullptr;
  // IR versions before 4 require every initializer to be listed as a graph input (that is what
  // made it a constant then); rules add initializers, so the writer lists the missing ones.
  bool initializers_as_inputs = false;
};

WireWriter encode_tensor(const Tensor& tensor, const std::string& name, ExternalDataPlan* external = nullptr);
WireWriter encode_sparse_tensor(const ir::SparseTensor& sparse, const std::string& name);

WireWriter encode_type(const TypeInfo& type);
WireWriter encode_value_info(const ValueInfo& info);

// Nodes are written in an execution order (the stored one where it already is one): ONNX
// requires a graph's nodes to be topologically sorted, and rewrites may have moved producers.
// value_info is kept for the values a node of the graph still produces.
WireWriter encode_graph(const ir::Graph& graph, const GraphEncoding& how = {});
WireWriter encode_node(const ir::Node& node);
WireWriter encode_attribute(const ir::Attribute& attribute);
WireWriter encode_function(const ir::Function& function);

WireWriter encode_opset_import(const ir::OpsetImport& opset);
WireWriter encode_string_entry(const std::string& key, const std::string& value);

}  // namespace onyxrt::format
