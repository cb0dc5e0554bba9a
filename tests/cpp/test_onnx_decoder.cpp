// ModelProto bytes built by hand -> ir::Model, and the ways bad tensors and graphs are refused.
#include <cstring>
#include <string>
#include <vector>

#include "base/float16.h"
#include "check.h"
#include "format/onnx_loader.h"
#include "onnx_builders.h"

using namespace onnx_build;
using onyxrt::DataType;
using onyxrt::ErrorCode;
using onyxrt::Shape;
using onyxrt::Tensor;
using onyxrt::TypeInfo;
namespace ir = onyxrt::ir;

namespace {

std::shared_ptr<ir::Model> load(const std::string& bytes, const std::string& folder = "") {
  Buffer b = aligned_copy(bytes);
  return onyxrt::format::load_model_bytes(b.owner, b.data, b.size, folder);
}

// Decodes a model holding `tensor` as its only initializer.
Tensor load_initializer(const ProtoWriter& tensor, const std::string& name = "w") {
  auto model = load(model_with_initializer(tensor, name));
  return model->graph.initializers.at(0).tensor;
}

template <typename T>
std::vector<T> values_of(const Tensor& t) {
  const T* p = t.data<T>();
  return std::vector<T>(p, p + t.size());
}

ProtoWriter attribute(const std::string& name, int type) {
  return ProtoWriter().bytes(1, name).varint(20, type);
}

}  // namespace

TEST(model_fields_decode) {
  ProtoWriter add = node("Add", {"x", "w"}, {"y"}, "add0");
  add.bytes(7, "ai.onnx");
  add.message(5, attribute("alpha", 1).fixed32(2, 0.5f));
  add.message(5, attribute("axes", 7).packed_varints(8, {1, -2, 3}));
  add.message(5, attribute("mode", 3).bytes(4, "linear"));
  add.message(5, attribute("names", 8).bytes(9, "a").bytes(9, "b"));
  add.message(5, attribute("scales", 6).fixed32(7, 1.0f).fixed32(7, 2.0f));
  add.message(5, ProtoWriter().bytes(1, "old_int").int64(3, 7));  // no type: inferred
  add.message(5, attribute("value", 4).message(5, tensor_raw("", FLOAT, {1}, bytes_of_values<float>({4.0f}))));
  add.message(5, attribute("tp", 13).message(14, tensor_type(INT64, nullptr)));
  add.bytes(6, "adds");

  std::vector<std::string> x_dims = {"N", "2", ""};
  ProtoWriter seq_type = ProtoWriter().message(4, ProtoWriter().message(1, tensor_type(INT64, nullptr)));
  ProtoWriter map_type =
      ProtoWriter().message(5, ProtoWriter().varint(1, INT64).message(2, tensor_type(FLOAT, nullptr)));
  ProtoWriter opt_type = ProtoWriter().message(9, ProtoWriter().message(1, tensor_type(FLOAT, nullptr)));
  std::vector<std::string> scalar;

  ProtoWriter g;
  g.message(1, add).bytes(2, "main").bytes(10, "graph doc");
  g.message(5, tensor_raw("w", FLOAT, {2}, bytes_of_values<float>({1.0f, 2.0f})));
  g.message(11, value_info("x", tensor_type(FLOAT, &x_dims)).bytes(3, "input x"));
  g.message(12, value_info("y", tensor_type(FLOAT, nullptr)));
  g.message(13, value_info("s", seq_type));
  g.message(13, value_info("m", map_type));
  g.message(13, value_info("o", opt_type));
  g.message(13, value_info("scalar", tensor_type(DOUBLE, &scalar)));
  g.varint(99, 1);  // unknown field: skipped

  ProtoWriter m;
  m.int64(1, 9).bytes(2, "handmade").bytes(3, "1.0").bytes(4, "org.test").int64(5, 3).bytes(6, "model doc");
  m.message(8, opset("ai.onnx", 17)).message(8, opset("com.microsoft", 1));
  m.message(14, ProtoWriter().bytes(1, "author").bytes(2, "me"));
  m.message(7, g);
  m.message(20, ProtoWriter().bytes(1, "ignored training info"));
  auto model = load(m.str());

  CHECK_EQ(model->ir_version, 9);
  CHECK_EQ(model->producer_name, "handmade");
  CHECK_EQ(model->producer_version, "1.0");
  CHECK_EQ(model->domain, "org.test");
  CHECK_EQ(model->model_version, 3);
  CHECK_EQ(model->doc_string, "model doc");
  CHECK_EQ(model->opset(""), 17);
  CHECK_EQ(model->opset("ai.onnx"), 17);
  CHECK_EQ(model->opset("com.microsoft"), 1);
  CHECK_EQ(model->opset_imports.at(0).domain, "");
  CHECK_EQ(model->metadata_props.size(), 1u);
  CHECK_EQ(model->metadata_props.at(0).second, "me");
  CHECK(!model->backing.empty());

  const ir::Graph& graph = model->graph;
  CHECK_EQ(graph.name, "main");
  CHECK_EQ(graph.doc_string, "graph doc");
  CHECK_EQ(graph.nodes.size(), 1u);
  const ir::Node& n = graph.nodes.at(0);
  CHECK_EQ(n.op_type, "Add");
  CHECK_EQ(n.name, "add0");
  CHECK_EQ(n.domain, "");
  CHECK_EQ(n.doc_string, "adds");
  CHECK(n.inputs == std::vector<std::string>({"x", "w"}));
  CHECK(n.outputs == std::vector<std::string>({"y"}));
  CHECK_EQ(n.attributes.size(), 8u);
  CHECK_EQ(n.find_attribute("alpha")->f, 0.5f);
  CHECK(n.find_attribute("axes")->ints == std::vector<int64_t>({1, -2, 3}));
  CHECK_EQ(n.find_attribute("mode")->s, "linear");
  CHECK(n.find_attribute("names")->strings == std::vector<std::string>({"a", "b"}));
  CHECK(n.find_attribute("scales")->floats == std::vector<float>({1.0f, 2.0f}));
  CHECK(n.find_attribute("old_int")->type == ir::AttrType::Int);
  CHECK_EQ(n.find_attribute("old_int")->i, 7);
  CHECK_EQ(n.find_attribute("value")->t.data<float>()[0], 4.0f);
  CHECK(n.find_attribute("tp")->type_proto.kind == TypeInfo::Kind::Tensor);

  CHECK_EQ(graph.initializers.size(), 1u);
  CHECK_EQ(graph.initializers.at(0).name, "w");
  CHECK(values_of<float>(graph.initializers.at(0).tensor) == std::vector<float>({1.0f, 2.0f}));

  const TypeInfo& x = graph.inputs.at(0).type;
  CHECK_EQ(graph.inputs.at(0).doc_string, "input x");
  CHECK(x.kind == TypeInfo::Kind::Tensor && x.elem_type == DataType::Float && x.has_shape);
  CHECK_EQ(x.dims.size(), 3u);
  CHECK(!x.dims[0].is_fixed() && x.dims[0].param == "N");
  CHECK(x.dims[1].is_fixed() && x.dims[1].value == 2);
  CHECK(!x.dims[2].is_fixed() && x.dims[2].param.empty());
  CHECK(!graph.outputs.at(0).type.has_shape);
  CHECK_EQ(graph.value_info.at(0).type.to_string(), "seq(tensor(int64))");
  CHECK_EQ(graph.value_info.at(1).type.to_string(), "map(int64,tensor(float))");
  CHECK_EQ(graph.value_info.at(2).type.to_string(), "optional(tensor(float))");
  CHECK(graph.value_info.at(3).type.has_shape && graph.value_info.at(3).type.dims.empty());
}

TEST(raw_data_is_zero_copy_when_aligned) {
  // Shift the raw_data payload through four offsets: aligned ones must view the model bytes,
  // the others must be copied into aligned memory, all with the same values.
  int viewed = 0, copied = 0;
  for (int pad = 0; pad < 4; ++pad) {
    ProtoWriter t = tensor_header("w", FLOAT, {3});
    t.bytes(12, std::string(static_cast<size_t>(pad), 'p'));  // doc_string moves what follows
    t.bytes(9, bytes_of_values<float>({1.0f, 2.0f, 3.0f}));
    Buffer b = aligned_copy(model_with_initializer(t, "w"));
    auto model = onyxrt::format::load_model_bytes(b.owner, b.data, b.size, "");
    const Tensor& w = model->graph.initializers.at(0).tensor;
    CHECK(values_of<float>(w) == std::vector<float>({1.0f, 2.0f, 3.0f}));
    CHECK(reinterpret_cast<uintptr_t>(w.raw()) % 4 == 0);
    bool inside = w.raw() >= static_cast<const void*>(b.data) && w.raw() < static_cast<const void*>(b.data + b.size);
    if (inside) {
      ++viewed;
      CHECK(w.owner().get() == b.owner.get());
    } else {
      ++copied;
    }
  }
  CHECK_EQ(viewed, 1);
  CHECK_EQ(copied, 3);
}

TEST(typed_fields_decode) {
  CHECK(values_of<float>(load_initializer(tensor_header("w", FLOAT, {2}).packed_fixed<float>(4, {1.5f, -1.0f}))) ==
        std::vector<float>({1.5f, -1.0f}));
  CHECK(values_of<double>(load_initializer(tensor_header("w", DOUBLE, {1}).fixed64(10, 0.25))) ==
        std::vector<double>({0.25}));
  CHECK(values_of<int64_t>(load_initializer(tensor_header("w", INT64, {3}).packed_varints(7, {-1, 0, 1LL << 40}))) ==
        std::vector<int64_t>({-1, 0, 1LL << 40}));
  CHECK(values_of<int32_t>(load_initializer(tensor_header("w", INT32, {2}).packed_varints(5, {-7, 9}))) ==
        std::vector<int32_t>({-7, 9}));
  CHECK(values_of<int8_t>(load_initializer(tensor_header("w", INT8, {2}).packed_varints(5, {-7, 100}))) ==
        std::vector<int8_t>({-7, 100}));
  CHECK(values_of<uint8_t>(load_initializer(tensor_header("w", BOOL, {3}).packed_varints(5, {1, 0, 1}))) ==
        std::vector<uint8_t>({1, 0, 1}));
  CHECK(values_of<uint32_t>(load_initializer(tensor_header("w", UINT32, {1}).varint(11, 4000000000u))) ==
        std::vector<uint32_t>({4000000000u}));
  Tensor half = load_initializer(tensor_header("w", FLOAT16, {2}).packed_varints(5, {15360, 49152}));
  CHECK_EQ(onyxrt::half_to_float(half.data<uint16_t>()[0]), 1.0f);
  CHECK_EQ(onyxrt::half_to_float(half.data<uint16_t>()[1]), -2.0f);
  Tensor complex = load_initializer(tensor_header("w", COMPLEX64, {2}).packed_fixed<float>(4, {1, 2, 3, 4}));
  CHECK(std::vector<float>(complex.data<float>(), complex.data<float>() + 4) == std::vector<float>({1, 2, 3, 4}));
  Tensor strings = load_initializer(tensor_header("w", STRING, {2}).bytes(6, "ab").bytes(6, ""));
  CHECK_EQ(strings.data<std::string>()[0], "ab");
  CHECK_EQ(strings.data<std::string>()[1], "");
}

TEST(packed_sub_byte_types_in_int32_data) {
  // int4 [1, -2, 3] packs as bytes 0xE1, 0x03: one int32_data entry per byte (as onnx writes it).
  Tensor int4 = load_initializer(tensor_header("w", INT4, {3}).packed_varints(5, {225, 3}));
  CHECK_EQ(int4.nbytes(), 2u);
  CHECK_EQ(int4.data<uint8_t>()[0], 0xE1);
  CHECK_EQ(int4.data<uint8_t>()[1], 0x03);
  // uint2 [1, 2, 3, 0, 1] packs as 0x39, 0x01.
  Tensor uint2 = load_initializer(tensor_header("w", UINT2, {5}).packed_varints(5, {57, 1}));
  CHECK_EQ(uint2.data<uint8_t>()[0], 57);
  CHECK_EQ(uint2.data<uint8_t>()[1], 1);
  CHECK_THROWS(load_initializer(tensor_header("w", INT4, {3}).packed_varints(5, {1, 2, 3})), ErrorCode::InvalidGraph,
               "has 3 entries in int32_data but its 3 elements of type int4 need 2");
}

TEST(raw_data_size_mismatch_rejected) {
  CHECK_THROWS(load_initializer(tensor_raw("w", FLOAT, {2, 2}, bytes_of_values<float>({1, 2, 3}))),
               ErrorCode::InvalidGraph, "tensor 'w' has 12 bytes of raw_data but its dims {2,2} of type float need 16");
  CHECK_THROWS(load_initializer(tensor_raw("w", INT4, {3}, "\x01")), ErrorCode::InvalidGraph, "need 2");
}

TEST(negative_dim_rejected) {
  CHECK_THROWS(load_initializer(tensor_raw("w", FLOAT, {2, -1}, "")), ErrorCode::InvalidGraph,
               "tensor 'w' has negative dims[1] = -1");
}

TEST(huge_dims_rejected_without_allocating) {
  CHECK_THROWS(load_initializer(tensor_header("w", FLOAT, {1LL << 40, 1LL << 40})), ErrorCode::InvalidGraph,
               "overflows");
  // Plausible dims, no data: refused by the count check before any allocation.
  CHECK_THROWS(load_initializer(tensor_header("w", FLOAT, {1LL << 40}).fixed32(4, 1.0f)), ErrorCode::InvalidGraph,
               "has 1 entries in float_data but its 1099511627776 elements");
  CHECK_THROWS(load_initializer(tensor_header("w", STRING, {1LL << 40}).bytes(6, "a")), ErrorCode::InvalidGraph,
               "string_data");
}

TEST(bad_data_type_rejected) {
  CHECK_THROWS(load_initializer(tensor_raw("w", 0, {1}, "\x01")), ErrorCode::InvalidGraph,
               "tensor 'w' has invalid or unsupported data_type 0");
  CHECK_THROWS(load_initializer(tensor_raw("w", 99, {1}, "\x01")), ErrorCode::InvalidGraph, "data_type 99");
}

TEST(inconsistent_tensor_data_rejected) {
  CHECK_THROWS(load_initializer(tensor_header("w", FLOAT, {2}).fixed32(4, 1.0f)), ErrorCode::InvalidGraph,
               "tensor 'w' has 1 entries in float_data but its 2 elements of type float need 2");
  CHECK_THROWS(load_initializer(tensor_header("w", FLOAT, {1}).int64(7, 1)), ErrorCode::InvalidGraph,
               "carries its data in int64_data; the spec puts it in float_data");
  CHECK_THROWS(load_initializer(tensor_raw("w", FLOAT, {1}, bytes_of_values<float>({1})).fixed32(4, 1.0f)),
               ErrorCode::InvalidGraph, "has both raw_data and float_data");
  CHECK_THROWS(load_initializer(tensor_header("w", FLOAT, {3})), ErrorCode::InvalidGraph,
               "tensor 'w' has no data for its 3 elements");
  CHECK_THROWS(load_initializer(tensor_raw("w", STRING, {1}, "a")), ErrorCode::InvalidGraph,
               "string tensor with raw_data");
  CHECK_THROWS(load_initializer(tensor_raw("w", FLOAT, {1}, "abcd").message(3, ProtoWriter().int64(1, 0))),
               ErrorCode::NotImplemented, "segments");
  CHECK_THROWS(load_initializer(tensor_raw("w", FLOAT, {1}, "abcd").varint(14, 5)), ErrorCode::InvalidGraph,
               "invalid data_location 5");
}

TEST(empty_tensors_need_no_data) {
  Tensor empty = load_initializer(tensor_header("w", FLOAT, {0, 3}));
  CHECK_EQ(empty.size(), 0);
  CHECK(empty.shape() == Shape({0, 3}));
  Tensor empty_raw = load_initializer(tensor_raw("w", INT64, {0}, ""));
  CHECK_EQ(empty_raw.size(), 0);
  Tensor scalar = load_initializer(tensor_raw("w", INT64, {}, bytes_of_values<int64_t>({5})));
  CHECK_EQ(scalar.rank(), 0u);
  CHECK_EQ(scalar.data<int64_t>()[0], 5);
}

TEST(errors_say_where_they_happened) {
  // A truncated raw_data inside a Constant node's tensor attribute.
  std::string broken_tensor = ProtoWriter().varint(2, FLOAT).str() + std::string("\x4a\x40", 2) + "abcd";
  ProtoWriter constant = node("Constant", {}, {"c"}, "const0");
  constant.message(5, attribute("value", 4).bytes(5, broken_tensor));
  ProtoWriter g = ProtoWriter().message(1, constant).bytes(2, "main");
  CHECK_THROWS(load(model(g)), ErrorCode::InvalidProtobuf,
               "graph 'main': node 'const0' (Constant): attribute 'value': TensorProto.raw_data: length 64 runs past "
               "the end of the message");
}

TEST(not_a_model_rejected) {
  CHECK_THROWS(load("this is not an onnx model, just text\n"), ErrorCode::InvalidProtobuf, "");
  CHECK_THROWS(load(std::string("\xff\xff\xff\xff", 4)), ErrorCode::InvalidProtobuf, "varint");
  CHECK_THROWS(load(""), ErrorCode::NoModel, "empty");
  // Valid protobuf but nothing of a model in it.
  CHECK_THROWS(load(ProtoWriter().varint(1000, 1).str()), ErrorCode::InvalidProtobuf, "not an ONNX model");
  // A model without a graph.
  CHECK_THROWS(load(ProtoWriter().int64(1, 8).message(8, opset("", 17)).str()), ErrorCode::NoModel, "has no graph");
  // Two graphs.
  ProtoWriter g = ProtoWriter().bytes(2, "g");
  CHECK_THROWS(load(ProtoWriter().message(7, g).message(7, g).str()), ErrorCode::InvalidProtobuf,
               "more than one graph");
  // A known field with the wrong wire type.
  CHECK_THROWS(load(ProtoWriter().varint(7, 1).str()), ErrorCode::InvalidProtobuf,
               "ModelProto.graph: wire type varint where length-delimited was expected");
}

TEST(subgraphs_decode_and_nesting_is_bounded) {
  // depth graphs, each holding the next as an If's then_branch.
  auto nested = [](int depth) {
    ProtoWriter inner = ProtoWriter().bytes(2, "g" + std::to_string(depth));
    for (int level = depth - 1; level >= 1; --level) {
      ProtoWriter if_node = node("If", {"cond"}, {"out"}, "if" + std::to_string(level));
      if_node.message(5, attribute("then_branch", 5).message(6, inner));
      inner = ProtoWriter().message(1, if_node).bytes(2, "g" + std::to_string(level));
    }
    return model(inner);
  };
  auto ok = load(nested(64));
  const ir::Graph* g = &ok->graph;
  int depth = 1;
  while (!g->nodes.empty()) {
    g = g->nodes.at(0).find_attribute("then_branch")->g.get();
    ++depth;
  }
  CHECK_EQ(depth, 64);
  CHECK_EQ(g->name, "g64");
  CHECK_THROWS(load(nested(65)), ErrorCode::InvalidGraph, "graph 'g65' is nested more than 64 graphs deep");
}

TEST(graphs_attribute_decodes) {
  ProtoWriter body = ProtoWriter().message(1, node("Identity", {"a"}, {"b"})).bytes(2, "body");
  ProtoWriter n = node("Custom", {}, {"o"});
  n.message(5, attribute("branches", 10).message(11, body).message(11, body));
  auto model_ir = load(model(ProtoWriter().message(1, n).bytes(2, "main")));
  const ir::Attribute* a = model_ir->graph.nodes.at(0).find_attribute("branches");
  CHECK(a->type == ir::AttrType::Graphs);
  CHECK_EQ(a->graphs.size(), 2u);
  CHECK_EQ(a->graphs.at(1)->nodes.at(0).op_type, "Identity");
}

TEST(type_nesting_is_bounded) {
  auto seq_of_depth = [](int depth) {
    ProtoWriter type = tensor_type(FLOAT, nullptr);
    for (int i = 0; i < depth; ++i) type = ProtoWriter().message(4, ProtoWriter().message(1, type));
    return model(ProtoWriter().bytes(2, "g").message(11, value_info("x", type)));
  };
  CHECK_EQ(load(seq_of_depth(10))->graph.inputs.at(0).type.to_string().substr(0, 8), "seq(seq(");
  CHECK_THROWS(load(seq_of_depth(200)), ErrorCode::InvalidGraph, "value 'x': TypeProto nested deeper than 64");
}

TEST(bad_attributes_rejected) {
  auto model_with_attr = [](const ProtoWriter& attr) {
    ProtoWriter n = node("Op", {}, {"o"}, "n0");
    n.message(5, attr);
    return model(ProtoWriter().message(1, n).bytes(2, "g"));
  };
  CHECK_THROWS(load(model_with_attr(attribute("x", 99))), ErrorCode::InvalidGraph,
               "node 'n0' (Op): attribute 'x': has unknown type 99");
  CHECK_THROWS(load(model_with_attr(ProtoWriter().bytes(1, "x"))), ErrorCode::InvalidGraph,
               "attribute 'x': has no type and no value");
  CHECK_THROWS(load(model_with_attr(ProtoWriter().bytes(1, "x").int64(3, 1).fixed32(2, 1.0f))), ErrorCode::InvalidGraph,
               "has no type and values of 2 kinds");
  CHECK_THROWS(load(model_with_attr(attribute("x", 4))), ErrorCode::InvalidGraph,
               "attribute 'x': is a TENSOR without t");
  CHECK_THROWS(load(model_with_attr(attribute("x", 5))), ErrorCode::InvalidGraph, "is a GRAPH without g");
  // A function body's reference attribute carries no value.
  auto ref = load(model_with_attr(ProtoWriter().bytes(1, "x").bytes(21, "caller_x").varint(20, 2)));
  CHECK_EQ(ref->graph.nodes.at(0).attributes.at(0).ref_attr_name, "caller_x");
}

TEST(sparse_initializers) {
  ProtoWriter values = tensor_raw("sp", FLOAT, {2}, bytes_of_values<float>({5.0f, 6.0f}));
  auto sparse_model = [&](const std::vector<int64_t>& indices, const std::vector<int64_t>& index_dims) {
    ProtoWriter sp;
    sp.message(1, values).message(2, tensor_raw("", INT64, index_dims, bytes_of_values(indices)));
    sp.int64(3, 3).int64(3, 4);
    return model(ProtoWriter().bytes(2, "g").message(15, sp));
  };
  auto linear = load(sparse_model({1, 11}, {2}));
  CHECK_EQ(linear->graph.sparse_initializers.at(0).name, "sp");
  CHECK(linear->graph.sparse_initializers.at(0).tensor.dims == Shape({3, 4}));
  auto coords = load(sparse_model({0, 1, 2, 3}, {2, 2}));
  CHECK_EQ(coords->graph.sparse_initializers.at(0).tensor.indices.dim(1), 2);
  CHECK_THROWS(load(sparse_model({1, 12}, {2})), ErrorCode::InvalidGraph,
               "sparse initializer #0: sparse tensor 'sp': index 12 at position 1 is outside dims {3,4}");
  CHECK_THROWS(load(sparse_model({0, 4, 2, 3}, {2, 2})), ErrorCode::InvalidGraph, "index 4 of entry 0 is outside");
  CHECK_THROWS(load(sparse_model({1, 2, 3}, {3})), ErrorCode::InvalidGraph, "fit neither [2] nor [2,2]");
}

TEST(functions_decode) {
  ProtoWriter f;
  f.bytes(1, "MyRelu").bytes(4, "x").bytes(5, "y").bytes(6, "alpha");
  f.message(11, attribute("beta", 1).fixed32(2, 1.0f));
  f.message(7, node("Relu", {"x"}, {"y"}));
  f.message(9, opset("", 17)).bytes(10, "custom").bytes(13, "v2").bytes(8, "doc");
  std::string bytes = ProtoWriter().int64(1, 8).message(7, ProtoWriter().bytes(2, "g")).message(25, f).str();
  auto m = load(bytes);
  CHECK_EQ(m->functions.size(), 1u);
  const ir::Function& fn = m->functions.at(0);
  CHECK_EQ(fn.name, "MyRelu");
  CHECK_EQ(fn.domain, "custom");
  CHECK_EQ(fn.overload, "v2");
  CHECK(fn.inputs == std::vector<std::string>({"x"}));
  CHECK(fn.attribute_names == std::vector<std::string>({"alpha"}));
  CHECK_EQ(fn.attribute_defaults.at(0).name, "beta");
  CHECK_EQ(fn.nodes.at(0).op_type, "Relu");
  CHECK_EQ(fn.opset_imports.at(0).version, 17);
}

TEST(external_data_from_bytes_needs_a_folder) {
  ProtoWriter t = tensor_external("w", FLOAT, {2}, {{"location", "w.data"}});
  CHECK_THROWS(load(model_with_initializer(t, "w")), ErrorCode::InvalidArgument, "needs a base folder");
}

// Every truncation and many random byte changes of a model that uses most message types: each
// load must either succeed or throw onyxrt::Error (run under ONYXRT_SANITIZE=ON to catch reads
// out of bounds).
TEST(mutated_models_never_crash) {
  ProtoWriter n = node("If", {"c"}, {"y"}, "if0");
  ProtoWriter body = ProtoWriter().message(1, node("Identity", {"w"}, {"y"})).bytes(2, "then");
  n.message(5, attribute("then_branch", 5).message(6, body));
  n.message(5, attribute("ints", 7).packed_varints(8, {1, 2, 3}));
  n.message(5, attribute("t", 4).message(5, tensor_header("", INT64, {2}).packed_varints(7, {4, 5})));
  std::vector<std::string> dims = {"N", "3"};
  ProtoWriter g;
  g.message(1, n).bytes(2, "main");
  g.message(5, tensor_raw("w", FLOAT, {2}, bytes_of_values<float>({1, 2})));
  g.message(5, tensor_header("s", STRING, {1}).bytes(6, "str"));
  g.message(11, value_info("c", tensor_type(BOOL, &dims)));
  g.message(13, value_info("m", ProtoWriter().message(
                                    5, ProtoWriter().varint(1, INT64).message(2, tensor_type(FLOAT, nullptr)))));
  const std::string good = model(g);
  CHECK(load(good) != nullptr);

  auto try_load = [](const std::string& bytes) {
    try {
      load(bytes);
    } catch (const onyxrt::Error&) {
    }
  };
  for (size_t len = 0; len < good.size(); ++len) try_load(good.substr(0, len));
  uint32_t state = 12345;  // xorshift: reproducible without <random>'s distributions
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  };
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = good;
    int changes = 1 + static_cast<int>(next() % 3);
    for (int c = 0; c < changes; ++c) bytes[next() % bytes.size()] = static_cast<char>(next() & 0xff);
    try_load(bytes);
  }
}

int main() {
  return check::run_all();
}
