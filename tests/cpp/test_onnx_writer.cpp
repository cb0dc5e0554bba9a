// The protobuf wire writer read back by the wire reader, and ir::Model -> bytes -> ir::Model.
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "check.h"
#include "format/onnx_loader.h"
#include "format/onnx_writer.h"
#include "format/wire_reader.h"
#include "format/wire_writer.h"

using onyxrt::DataType;
using onyxrt::Tensor;
using onyxrt::format::WireReader;
using onyxrt::format::WireType;
using onyxrt::format::WireWriter;
namespace ir = onyxrt::ir;

namespace {

std::string bytes_of(const WireWriter& w) {
  std::string out;
  w.append_to(out);
  return out;
}

WireReader reader_over(const std::string& s) {
  return WireReader(reinterpret_cast<const uint8_t*>(s.data()), s.size(), "TestProto");
}

}  // namespace

TEST(scalars_read_back) {
  WireWriter w;
  w.varint(1, 0);
  w.varint(2, 300);
  w.varint(3, -1);  // sign-extended: ten bytes
  w.varint(4, std::numeric_limits<int64_t>::min());
  w.float32(5, -0.25f);
  w.float64(6, std::nan(""));
  w.string(7, "");
  w.string(8, std::string("a\0b", 3));
  const std::string s = bytes_of(w);
  CHECK_EQ(s.size(), w.size());
  WireReader r = reader_over(s);
  CHECK(r.next() && r.field() == 1 && r.read_int64("a") == 0);
  CHECK(r.next() && r.field() == 2 && r.read_int64("b") == 300);
  CHECK(r.next() && r.field() == 3 && r.read_int64("c") == -1);
  CHECK(r.next() && r.field() == 4 && r.read_int64("d") == std::numeric_limits<int64_t>::min());
  CHECK(r.next() && r.field() == 5 && r.read_float("e") == -0.25f);
  CHECK(r.next() && r.field() == 6 && std::isnan(r.read_double("f")));
  CHECK(r.next() && r.field() == 7 && r.read_string("g").empty());
  CHECK(r.next() && r.field() == 8 && r.read_string("h") == std::string("a\0b", 3));
  CHECK(!r.next());
}

TEST(negative_int32_reads_back_as_int32) {
  WireWriter w;
  w.varint(1, -7);
  const std::string s = bytes_of(w);
  CHECK_EQ(s.size(), size_t{11});  // tag + ten bytes, as protobuf writes a negative int32
  WireReader r = reader_over(s);
  CHECK(r.next());
  CHECK_EQ(r.read_int32("v"), -7);
}

TEST(large_payloads_are_borrowed_and_nested_lengths_add_up) {
  std::vector<uint8_t> big(WireWriter::kBorrowBytes * 3 + 5);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7);
  WireWriter inner;
  inner.bytes(1, big.data(), big.size());
  inner.varint(2, 42);
  inner.packed_varints(3, {1, -1, 1 << 20});
  inner.packed_floats(4, {1.5f, -2.0f});
  inner.packed_varints(5, {});  // nothing written
  WireWriter middle;
  middle.message(1, std::move(inner));
  middle.string(2, "after");
  WireWriter outer;
  outer.message(9, std::move(middle));
  const std::string s = bytes_of(outer);
  CHECK_EQ(s.size(), outer.size());

  WireReader r = reader_over(s);
  CHECK(r.next() && r.field() == 9);
  WireReader m = r.read_message("middle", "Middle");
  CHECK(m.next() && m.field() == 1);
  WireReader i = m.read_message("inner", "Inner");
  CHECK(i.next() && i.field() == 1);
  auto span = i.read_bytes("big");
  CHECK(span.size == big.size() && std::memcmp(span.data, big.data(), big.size()) == 0);
  CHECK(i.next() && i.read_int64("v") == 42);
  std::vector<int64_t> ints;
  CHECK(i.next());
  i.read_repeated("ints", ints);
  CHECK(ints == std::vector<int64_t>({1, -1, 1 << 20}));
  std::vector<float> floats;
  CHECK(i.next());
  i.read_repeated("floats", floats);
  CHECK(floats == std::vector<float>({1.5f, -2.0f}));
  CHECK(!i.next());
  CHECK(m.next() && m.read_string("s") == "after");
  CHECK(!m.next() && !r.next());
}

TEST(a_model_survives_encoding_and_decoding) {
  auto model = std::make_shared<ir::Model>();
  model->ir_version = 8;
  model->opset_imports = {{"", 17}, {"ai.onnx.ml", 3}};
  model->metadata_props = {{"k", "v"}};
  ir::Graph& g = model->graph;
  g.name = "main";
  onyxrt::ValueInfo x;
  x.name = "X";
  x.type.kind = onyxrt::TypeInfo::Kind::Tensor;
  x.type.elem_type = DataType::Float;
  x.type.has_shape = true;
  x.type.dims = {onyxrt::Dim{-1, "batch"}, onyxrt::Dim{3, ""}, onyxrt::Dim{}};
  g.inputs = {x};
  onyxrt::ValueInfo y = x;
  y.name = "Y";
  g.outputs = {y};
  Tensor w(DataType::Float, {3});
  for (int k = 0; k < 3; ++k) w.data<float>()[k] = 0.5f * static_cast<float>(k);
  g.initializers.push_back({"W", w});
  ir::Node add;
  add.op_type = "Add";
  add.inputs = {"X", "W"};
  add.outputs = {"Y"};
  ir::Attribute ints;
  ints.name = "ints";
  ints.type = ir::AttrType::Ints;
  ints.ints = {-3, 0, 5};
  add.attributes.push_back(ints);
  g.nodes.push_back(add);

  const std::string bytes = onyxrt::format::encode_model(*model);
  auto owner = std::make_shared<std::string>(bytes);
  auto back = onyxrt::format::load_model_bytes(owner, reinterpret_cast<const uint8_t*>(owner->data()), owner->size(),
                                               "");
  CHECK_EQ(back->ir_version, 8);
  CHECK_EQ(back->producer_name, std::string("onyxrt"));
  CHECK_EQ(back->opset("ai.onnx.ml"), 3);
  CHECK(back->metadata_props == model->metadata_props);
  CHECK_EQ(back->graph.name, std::string("main"));
  CHECK_EQ(back->graph.inputs[0].type.dims[0].param, std::string("batch"));
  CHECK_EQ(back->graph.inputs[0].type.dims[1].value, 3);
  CHECK(!back->graph.inputs[0].type.dims[2].is_fixed() && back->graph.inputs[0].type.dims[2].param.empty());
  CHECK_EQ(back->graph.initializers[0].tensor.data<float>()[2], 1.0f);
  CHECK(back->graph.nodes[0].attributes[0].ints == ints.ints);
  CHECK(back->graph.nodes[0].inputs == add.inputs);
}

TEST(unwritable_paths_and_escaping_data_files_are_refused) {
  ir::Model model;
  model.ir_version = 8;
  CHECK_THROWS(onyxrt::format::save_model_file(model, "/no/such/folder/m.onnx"), onyxrt::ErrorCode::Fail,
               "cannot write the model to '/no/such/folder/m.onnx'");
  onyxrt::format::ModelWriteOptions options;
  options.external_data_file = "../up.bin";
  CHECK_THROWS(onyxrt::format::save_model_file(model, "m.onnx", options), onyxrt::ErrorCode::InvalidArgument,
               "relative path inside the model's folder");
}

int main() { return check::run_all(); }
