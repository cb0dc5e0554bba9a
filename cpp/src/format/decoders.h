#pragma once

#include <memory>
#include <string>
#include <utility>

#include "format/wire_reader.h"
#include "ir/graph.h"
#include "onyxrt/type_info.hpp"

// The ONNX message decoders: each takes a reader positioned over one message's bytes and returns
// the IR for it. Field numbers live next to the decoder of their message (onnx.proto3).
namespace onyxrt::format {

class ExternalData;

// Subgraphs (If/Loop/Scan bodies, graph attributes) and TypeProtos nest; both are refused past
// these depths so that a hostile file cannot exhaust the stack.
inline constexpr int kMaxGraphDepth = 64;
inline constexpr int kMaxTypeDepth = 64;

// What all decoders of one load share.
struct DecodeContext {
  // Keeps the model bytes alive; zero-copy tensors (raw_data views) hold it as their owner.
  std::shared_ptr<void> bytes_owner;
  // Resolves data_location = EXTERNAL tensors; never null during a load.
  ExternalData* external = nullptr;
  // Graphs open around the one being decoded (the main graph is depth 1).
  int graph_depth = 0;
};

// Rethrows `error` with the same code and "<context>: " in front of its message, so errors from
// deep inside a model say where they came from ("node 'conv1' (Conv): attribute 'W': ...").
template <typename... Parts>
[[noreturn]] void rethrow_within(const Error& error, Parts&&... context) {
  throw Error(error.code(), str_cat(std::forward<Parts>(context)..., ": ", error.what()));
}

// TensorProto -> Tensor; `name` receives TensorProto.name. Handles raw (zero-copy when aligned),
// typed and external data.
Tensor decode_tensor(WireReader reader, DecodeContext& ctx, std::string* name);
// SparseTensorProto; its name is its values tensor's name.
ir::SparseTensor decode_sparse_tensor(WireReader reader, DecodeContext& ctx, std::string* name);

TypeInfo decode_type(WireReader reader, int depth);
ValueInfo decode_value_info(WireReader reader);

ir::Graph decode_graph(WireReader reader, DecodeContext& ctx);
ir::Node decode_node(WireReader reader, DecodeContext& ctx, size_t index);
ir::Attribute decode_attribute(WireReader reader, DecodeContext& ctx);
ir::Function decode_function(WireReader reader, DecodeContext& ctx);

// Small shared messages.
std::pair<std::string, std::string> decode_string_entry(WireReader reader);
ir::OpsetImport decode_opset_import(WireReader reader);

}  // namespace onyxrt::format
