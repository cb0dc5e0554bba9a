// The protobuf wire reader on hand-built bytes, malformed ones above all.
#include <string>
#include <vector>

#include "check.h"
#include "format/wire_reader.h"
#include "proto_writer.h"

using onyxrt::ErrorCode;
using onyxrt::format::ByteSpan;
using onyxrt::format::WireReader;
using onyxrt::format::WireType;
using testing_proto::ProtoWriter;

namespace {

const uint8_t* bytes_of(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

WireReader reader_over(const std::string& s, const char* message = "TestProto") {
  return WireReader(bytes_of(s), s.size(), message);
}

// Reads field 1 of a one-field message holding `payload` as a varint.
uint64_t varint_of(const std::string& payload) {
  std::string msg = std::string("\x08", 1) + payload;
  WireReader r = reader_over(msg);
  r.next();
  return r.read_varint("value");
}

}  // namespace

TEST(varints_decode) {
  CHECK_EQ(varint_of(std::string("\x00", 1)), 0u);
  CHECK_EQ(varint_of("\x01"), 1u);
  CHECK_EQ(varint_of("\xac\x02"), 300u);
  CHECK_EQ(varint_of("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), UINT64_MAX);
  // Non-minimal encodings are legal protobuf.
  CHECK_EQ(varint_of(std::string("\x81\x80\x80\x00", 4)), 1u);
}

TEST(varint_overflow_rejected) {
  CHECK_THROWS(varint_of("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"), ErrorCode::InvalidProtobuf,
               "TestProto.value: varint overflows 64 bits");
  CHECK_THROWS(varint_of(std::string("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11)), ErrorCode::InvalidProtobuf,
               "longer than 10 bytes");
}

TEST(varint_truncated_rejected) {
  CHECK_THROWS(varint_of("\x80"), ErrorCode::InvalidProtobuf, "TestProto.value: varint is truncated");
  CHECK_THROWS(varint_of("\xff\xff"), ErrorCode::InvalidProtobuf, "(at byte 1)");
  CHECK_THROWS(varint_of(""), ErrorCode::InvalidProtobuf, "truncated");
}

TEST(negative_int32_and_int64) {
  std::string msg = ProtoWriter().int64(1, -1).int64(2, -5).str();
  CHECK_EQ(msg.size(), 22u);  // negatives always take ten bytes
  WireReader r = reader_over(msg);
  CHECK(r.next());
  CHECK_EQ(r.read_int32("a"), -1);
  CHECK(r.next());
  CHECK_EQ(r.read_int64("b"), -5);
  CHECK(!r.next());
}

TEST(invalid_tags_rejected) {
  std::string zero_field("\x00\x01", 2);
  CHECK_THROWS(reader_over(zero_field).next(), ErrorCode::InvalidProtobuf, "field number 0");
  CHECK_THROWS(reader_over("\x0e\x01").next(), ErrorCode::InvalidProtobuf, "invalid wire type 6");
  CHECK_THROWS(reader_over("\x0f\x01").next(), ErrorCode::InvalidProtobuf, "invalid wire type 7");
  CHECK_THROWS(reader_over("\x0c").next(), ErrorCode::InvalidProtobuf, "end-group for field 1 without");
  // A tag above 32 bits.
  CHECK_THROWS(reader_over("\x80\x80\x80\x80\x80\x01").next(), ErrorCode::InvalidProtobuf, "does not fit in 32 bits");
}

TEST(length_past_end_rejected) {
  // Field 9 (raw_data), length 100, 3 bytes present.
  std::string msg = std::string("\x4a\x64", 2) + "abc";
  WireReader r = reader_over(msg, "TensorProto");
  CHECK(r.next());
  CHECK_THROWS(r.read_bytes("raw_data"), ErrorCode::InvalidProtobuf,
               "TensorProto.raw_data: length 100 runs past the end of the message (3 bytes left) (at byte 2)");
  // A length near 2^64 must not wrap around the pointer arithmetic.
  std::string huge = std::string("\x4a") + "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01" + "abc";
  WireReader h = reader_over(huge, "TensorProto");
  CHECK(h.next());
  CHECK_THROWS(h.read_bytes("raw_data"), ErrorCode::InvalidProtobuf, "runs past the end");
}

TEST(wire_type_mismatch_rejected) {
  std::string msg = ProtoWriter().bytes(2, "xy").str();
  WireReader r = reader_over(msg, "NodeProto");
  CHECK(r.next());
  CHECK_THROWS(r.read_varint("data_type"), ErrorCode::InvalidProtobuf,
               "NodeProto.data_type: wire type length-delimited where varint was expected");
}

TEST(fixed_values) {
  std::string msg = ProtoWriter().fixed32(1, 1.5f).fixed64(2, -2.25).str();
  WireReader r = reader_over(msg);
  CHECK(r.next());
  CHECK_EQ(r.read_float("f"), 1.5f);
  CHECK(r.next());
  CHECK_EQ(r.read_double("d"), -2.25);
  CHECK(!r.next());
  std::string cut = msg.substr(0, 3);
  WireReader c = reader_over(cut);
  CHECK(c.next());
  CHECK_THROWS(c.read_float("f"), ErrorCode::InvalidProtobuf, "fixed32 is truncated");
}

TEST(unknown_fields_of_every_wire_type_skipped) {
  ProtoWriter w;
  w.varint(90, 12345).fixed64(91, 1.0).bytes(92, "payload").fixed32(93, 2.0f);
  // A group with a varint, a nested group and a length-delimited member inside.
  w.tag(94, 3).varint(1, 7).tag(5, 3).fixed32(2, 1.0f).tag(5, 4).bytes(3, "in group").tag(94, 4);
  w.varint(1, 42);
  std::string msg = w.str();
  WireReader r = reader_over(msg);
  uint64_t known = 0;
  int skipped = 0;
  while (r.next()) {
    if (r.field() == 1) {
      known = r.read_varint("known");
    } else {
      r.skip();
      ++skipped;
    }
  }
  CHECK_EQ(known, 42u);
  CHECK_EQ(skipped, 5);
}

TEST(malformed_groups_rejected) {
  std::string unclosed = ProtoWriter().tag(4, 3).varint(1, 1).str();
  WireReader a = reader_over(unclosed);
  CHECK(a.next());
  CHECK_THROWS(a.skip(), ErrorCode::InvalidProtobuf, "group for field 4 is not closed");

  std::string mismatched = ProtoWriter().tag(4, 3).tag(5, 4).str();
  WireReader b = reader_over(mismatched);
  CHECK(b.next());
  CHECK_THROWS(b.skip(), ErrorCode::InvalidProtobuf, "end-group for field 5 closes a group for field 4");

  ProtoWriter deep;
  for (int i = 0; i < 100; ++i) deep.tag(4, 3);
  WireReader c = reader_over(deep.str());
  CHECK(c.next());
  CHECK_THROWS(c.skip(), ErrorCode::InvalidProtobuf, "nested deeper than 64");
}

TEST(skipping_truncated_unknown_fields_rejected) {
  std::string cut_fixed64 = ProtoWriter().fixed64(50, 1.0).str().substr(0, 6);
  WireReader a = reader_over(cut_fixed64);
  CHECK(a.next());
  CHECK_THROWS(a.skip(), ErrorCode::InvalidProtobuf, "TestProto.field 50: fixed64 is truncated");
  std::string cut_bytes = ProtoWriter().bytes(50, "abcdef").str().substr(0, 5);
  WireReader b = reader_over(cut_bytes);
  CHECK(b.next());
  CHECK_THROWS(b.skip(), ErrorCode::InvalidProtobuf, "length 6 runs past the end");
}

TEST(packed_and_unpacked_floats_agree) {
  std::vector<float> values = {1.0f, -2.5f, 3.25f};
  std::string packed = ProtoWriter().packed_fixed(4, values).str();
  std::string unpacked = ProtoWriter().fixed32(4, 1.0f).fixed32(4, -2.5f).fixed32(4, 3.25f).str();
  for (const std::string& msg : {packed, unpacked}) {
    std::vector<float> out;
    WireReader r = reader_over(msg);
    while (r.next()) r.read_repeated("float_data", out);
    CHECK(out == values);
  }
  // Mixed: a packed run then a lone element, as protobuf allows.
  std::string mixed = packed + ProtoWriter().fixed32(4, 9.0f).str();
  std::vector<float> out;
  WireReader r = reader_over(mixed);
  while (r.next()) r.read_repeated("float_data", out);
  CHECK_EQ(out.size(), 4u);
  CHECK_EQ(out.back(), 9.0f);
}

TEST(packed_fixed_length_must_be_whole_elements) {
  std::string msg = ProtoWriter().bytes(4, "abcde").str();
  WireReader r = reader_over(msg, "TensorProto");
  CHECK(r.next());
  std::vector<float> out;
  CHECK_THROWS(r.read_repeated("float_data", out), ErrorCode::InvalidProtobuf,
               "TensorProto.float_data: packed length 5 is not a multiple of 4");
  std::string doubles = ProtoWriter().bytes(10, "abcdefghijkl").str();
  WireReader d = reader_over(doubles);
  CHECK(d.next());
  std::vector<double> dout;
  CHECK_THROWS(d.read_repeated("double_data", dout), ErrorCode::InvalidProtobuf, "not a multiple of 8");
}

TEST(packed_and_unpacked_varints_agree) {
  std::vector<int64_t> values = {0, 1, -1, 300, INT64_MAX, INT64_MIN};
  std::string packed = ProtoWriter().packed_varints(1, values).str();
  ProtoWriter unpacked_writer;
  for (int64_t v : values) unpacked_writer.int64(1, v);
  for (const std::string& msg : {packed, unpacked_writer.str()}) {
    std::vector<int64_t> out;
    WireReader r = reader_over(msg);
    while (r.next()) r.read_repeated("dims", out);
    CHECK(out == values);
  }
  std::vector<int32_t> ints;
  std::string int32s = ProtoWriter().packed_varints(5, {-3, 7, 65535}).str();
  WireReader r = reader_over(int32s);
  while (r.next()) r.read_repeated("int32_data", ints);
  CHECK(ints == std::vector<int32_t>({-3, 7, 65535}));
}

TEST(packed_varint_truncated_rejected) {
  // A packed run whose last varint has its continuation bit set.
  std::string msg = ProtoWriter().bytes(1, "\x01\x80").str();
  WireReader r = reader_over(msg, "TensorProto");
  CHECK(r.next());
  std::vector<int64_t> out;
  CHECK_THROWS(r.read_repeated("dims", out), ErrorCode::InvalidProtobuf, "TensorProto.dims: varint is truncated");
}

TEST(nested_message_is_bounded_by_its_own_length) {
  // Outer field 7 holds 3 bytes: an inner field 1 claiming 5 bytes. The outer message has more
  // bytes after it, but the inner length must stop at the inner message's end.
  std::string inner =
      "\x0a\x05"
      "a";
  std::string msg = ProtoWriter().bytes(7, inner).varint(2, 1).varint(3, 1).varint(4, 1).str();
  WireReader outer = reader_over(msg, "ModelProto");
  CHECK(outer.next());
  WireReader nested = outer.read_message("graph", "GraphProto");
  CHECK(nested.next());
  CHECK_EQ(nested.field(), 1u);
  // The offset is counted from the start of the outer buffer: tag(1) + len(1) + tag(1) + len(1).
  CHECK_THROWS(nested.read_bytes("node"), ErrorCode::InvalidProtobuf,
               "GraphProto.node: length 5 runs past the end of the message (1 bytes left) (at byte 4)");
  // The outer reader carries on after the nested message.
  CHECK(outer.next());
  CHECK_EQ(outer.field(), 2u);
}

TEST(strings_and_empty_message) {
  std::string msg = ProtoWriter().bytes(1, std::string("a\0b", 3)).bytes(2, "").str();
  WireReader r = reader_over(msg);
  CHECK(r.next());
  CHECK_EQ(r.read_string("s"), std::string("a\0b", 3));
  CHECK(r.next());
  ByteSpan empty = r.read_bytes("e");
  CHECK_EQ(empty.size, 0u);
  CHECK(!r.next());
  WireReader nothing(nullptr, 0, "Empty");
  CHECK(!nothing.next());
}

int main() {
  return check::run_all();
}
