"""Hostile models and feeds: malformed bytes, lying tensors, broken graphs, huge shapes, escaping
external data, out-of-range indices, bad strides. Each case must raise an onyxrt exception of
the stated class whose message names the culprit (a node, a tensor, a field, a file) — never a
crash, a hang, or an allocation past the cap. Cases are built with onnx.helper or by editing the
serialized bytes, and run in a subprocess-free way: a crash here fails the whole test run."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import numpy as np
import onnx
import pytest
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

import onyxrt
from onyxrt.capi import onnxruntime_pybind11_state as st
from tests.helpers import make_model, tensor

F = TP.FLOAT


def node_model(op, inputs, outputs, attrs=None, inits=(), in_infos=(), out_infos=None, opset=17, name="culprit"):
    node = helper.make_node(op, inputs, outputs, name=name, **(attrs or {}))
    outs = out_infos if out_infos is not None else [tensor(o) for o in outputs]
    return make_model([node], list(in_infos), outs, list(inits), opset=opset)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


# --- raw protobuf bytes --------------------------------------------------------------------------
def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, wire: int, payload: bytes) -> bytes:
    key = varint(number << 3 | wire)
    return key + (varint(len(payload)) + payload if wire == 2 else payload)


def ok_model_bytes() -> bytes:
    return node_model("Relu", ["x"], ["y"], in_infos=[tensor("x", F, [2])]).SerializeToString()


def graph_bytes_with(extra: bytes) -> bytes:
    """A model whose graph (ModelProto field 7) carries `extra` appended to a valid graph."""
    m = onnx.load_from_string(ok_model_bytes())
    g = m.graph.SerializeToString() + extra
    m.ClearField("graph")
    return m.SerializeToString() + field(7, 2, g)


def tensor_bytes_model(tensor_payload: bytes) -> bytes:
    """A Relu model whose single initializer 'w' is given as raw TensorProto bytes."""
    m = onnx.load_from_string(ok_model_bytes())
    g = m.graph.SerializeToString() + field(5, 2, tensor_payload)  # GraphProto.initializer = 5
    m.ClearField("graph")
    return m.SerializeToString() + field(7, 2, g)


def tensor_proto(dims, data_type=F, raw: bytes | None = None, floats=None, name=b"w") -> bytes:
    out = b"".join(field(1, 0, varint(d & (2**64 - 1))) for d in dims)  # dims = 1 (varint, 2's complement)
    out += field(2, 0, varint(data_type)) + field(8, 2, name)
    if raw is not None:
        out += field(9, 2, raw)
    if floats is not None:
        out += field(4, 2, np.asarray(floats, np.float32).tobytes())  # packed float_data = 4
    return out


# --- graphs ----------------------------------------------------------------------------------------
def cycle_model():
    nodes = [helper.make_node("Relu", ["b"], ["a"], name="first"), helper.make_node("Relu", ["a"], ["b"], name="second")]
    return make_model(nodes, [tensor("x", F, [1])], [tensor("a")])


def undefined_input_model():
    return node_model("Add", ["x", "ghost"], ["y"], in_infos=[tensor("x", F, [1])])


def duplicate_output_model():
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="one"), helper.make_node("Neg", ["x"], ["y"], name="two")]
    return make_model(nodes, [tensor("x", F, [1])], [tensor("y")])


def unproduced_output_model():
    return make_model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [tensor("x", F, [1])],
                      [tensor("y"), tensor("nowhere")])


def unknown_attribute_type_model() -> bytes:
    m = node_model("Relu", ["x"], ["y"], in_infos=[tensor("x", F, [1])])
    m.graph.node[0].attribute.append(helper.make_attribute("alpha", 1.0))
    data = bytearray(m.SerializeToString())
    # AttributeProto.type (field 20, varint) FLOAT=1 -> 99
    key = varint(20 << 3 | 0) + varint(1)
    at = data.rfind(key)
    assert at > 0
    data[at:at + len(key)] = varint(20 << 3 | 0) + varint(99)
    return bytes(data)


def nested(op: str, depth: int) -> bytes:
    """If (or Loop) bodies nested `depth` deep, written as raw bytes: the protobuf library itself
    refuses to build messages nested this deep."""
    def node(op_type: str, inputs, outputs, attrs=b"") -> bytes:
        return (b"".join(field(1, 2, i.encode()) for i in inputs) + b"".join(field(2, 2, o.encode()) for o in outputs)
                + field(4, 2, op_type.encode()) + attrs)

    def graph_attr(name: str, graph: bytes) -> bytes:  # AttributeProto: name 1, g 6, type 20 (GRAPH = 5)
        return field(5, 2, field(1, 2, name.encode()) + field(6, 2, graph) + field(20, 0, varint(5)))

    def graph(nodes, outputs, inputs=()) -> bytes:  # GraphProto: node 1, name 2, input 11, output 12
        return (b"".join(field(1, 2, n) for n in nodes) + field(2, 2, b"g")
                + b"".join(field(11, 2, field(1, 2, i.encode())) for i in inputs)
                + b"".join(field(12, 2, field(1, 2, o.encode())) for o in outputs))

    inner = graph([node("Identity", ["x"], ["out"])], ["out"])
    for _ in range(depth):
        if op == "If":  # only the then branch nests: the model stays linear in depth
            leaf = graph([node("Identity", ["x"], ["out"])], ["out"])
            branches = graph_attr("then_branch", inner) + graph_attr("else_branch", leaf)
            inner = graph([node("If", ["cond"], ["out"], branches)], ["out"])
        else:
            inner = graph([node("Loop", ["", "c"], ["out"], graph_attr("body", inner))], ["c", "out"], ["i", "c"])
    opset = field(8, 2, field(2, 0, varint(17)))
    return field(1, 0, varint(8)) + opset + field(7, 2, inner)


def external_tensor_model(tmp_path, location, offset=None, length=None, dims=(4,), data_bytes=16):
    (tmp_path / "weights.bin").write_bytes(np.arange(data_bytes // 4, dtype=np.float32).tobytes())
    w = TP(name="w", data_type=F, dims=list(dims))
    w.data_location = TP.EXTERNAL
    for key, value in (("location", location), ("offset", offset), ("length", length)):
        if value is not None:
            w.external_data.add(key=key, value=str(value))
    m = node_model("Add", ["x", "w"], ["y"], in_infos=[tensor("x", F, list(dims))])
    m.graph.initializer.append(w)
    path = tmp_path / "model.onnx"
    path.write_bytes(m.SerializeToString())
    return str(path)


# --- the cases ---------------------------------------------------------------------------------
@dataclass
class Case:
    id: str
    build: Callable  # (tmp_path) -> model path, bytes or ModelProto
    error: type
    match: str  # regex the message must contain: it names the culprit
    feeds: dict | None = None  # None: creating the session must fail; else run() must


def _as_source(built):
    return built.SerializeToString() if isinstance(built, onnx.ModelProto) else built


def _x(shape=(1,), dtype=np.float32):
    return {"x": np.ones(shape, dtype)}


CASES = [
    # malformed bytes
    Case("varint_overflow", lambda p: b"\x08" + b"\xff" * 11, st.InvalidProtobuf, "varint"),
    Case("wrong_wire_type_for_graph", lambda p: varint(7 << 3 | 0) + varint(5), st.InvalidProtobuf, "graph"),
    Case("nested_length_past_end", lambda p: varint(7 << 3 | 2) + varint(1000) + b"\x0a\x00", st.InvalidProtobuf,
         "past the end"),
    Case("truncated_in_node", lambda p: ok_model_bytes()[:-12], st.InvalidProtobuf, "past the end|truncat"),
    Case("graph_with_garbage_field", lambda p: graph_bytes_with(b"\x07"), st.InvalidProtobuf, "GraphProto|wire type"),
    Case("no_graph", lambda p: field(1, 0, varint(8)), st.NoModel, "graph|model"),
    # lying tensors
    Case("huge_dims", lambda p: tensor_bytes_model(tensor_proto([1 << 62, 4], raw=b"")), st.InvalidGraph,
         "'w'.*(overflow|size|bytes)"),
    Case("negative_dim", lambda p: tensor_bytes_model(tensor_proto([-3], raw=b"\0" * 12)), st.InvalidGraph,
         "'w'.*negative"),
    Case("raw_data_size_mismatch", lambda p: tensor_bytes_model(tensor_proto([10], raw=b"\0" * 8)),
         st.InvalidGraph, "'w'.*8 bytes.*40"),
    Case("typed_field_count_mismatch", lambda p: tensor_bytes_model(tensor_proto([4], floats=[1, 2, 3])),
         st.InvalidGraph, "'w'.*3.*4"),
    Case("unknown_element_type", lambda p: tensor_bytes_model(tensor_proto([1], data_type=77, raw=b"\0" * 4)),
         st.InvalidGraph, "'w'.*(type|77)"),
    Case("string_tensor_count_mismatch", lambda p: tensor_bytes_model(
        b"".join([field(1, 0, varint(3)), field(2, 0, varint(TP.STRING)), field(8, 2, b"w"), field(6, 2, b"a")])),
        st.InvalidGraph, "'w'.*1.*3"),
    # broken graphs
    Case("cycle", lambda p: cycle_model(), st.InvalidGraph, "cycle|'first'|'second'"),
    Case("undefined_input", lambda p: undefined_input_model(), st.InvalidGraph, "'ghost'"),
    Case("duplicate_output", lambda p: duplicate_output_model(), st.InvalidGraph, "'y'"),
    Case("unproduced_graph_output", lambda p: unproduced_output_model(), st.InvalidGraph, "'nowhere'"),
    Case("unknown_attribute_type", lambda p: unknown_attribute_type_model(), st.InvalidGraph, "alpha|99"),
    Case("unknown_op", lambda p: node_model("NoSuchOp", ["x"], ["y"], in_infos=[tensor("x", F, [1])]),
         st.NotImplemented, "NoSuchOp"),
    Case("unknown_domain", lambda p: make_model([helper.make_node("Op", ["x"], ["y"], domain="evil.domain")],
                                                 [tensor("x", F, [1])], [tensor("y")],
                                                 extra_opsets={"evil.domain": 1}),
         st.NotImplemented, "evil.domain"),
    Case("opset_out_of_range", lambda p: node_model("Relu", ["x"], ["y"], in_infos=[tensor("x", F, [1])], opset=999),
         st.InvalidGraph, "opset 999"),
    Case("empty_op_type", lambda p: node_model("", ["x"], ["y"], in_infos=[tensor("x", F, [1])]),
         st.NotImplemented, "node 'culprit': operator ''"),
    Case("deep_if_nesting", lambda p: nested("If", 200), st.InvalidGraph, "depth|nest"),
    Case("deep_loop_nesting", lambda p: nested("Loop", 200), st.InvalidGraph, "depth|nest"),
    Case("loop_body_wrong_signature", lambda p: make_model(
        [helper.make_node("Loop", ["", ""], ["o"], name="culprit", body=helper.make_graph(
            [helper.make_node("Identity", ["x"], ["o"])], "b", [], [tensor("o")]))],
        [tensor("x", F, [1])], [tensor("o")]), st.InvalidGraph, "culprit"),
    # external data
    Case("external_escapes_with_dotdot", lambda p: external_tensor_model(p, "../weights.bin"), st.InvalidGraph,
         r"'w'.*\.\./weights\.bin"),
    Case("external_absolute_path", lambda p: external_tensor_model(p, "/etc/passwd"), st.InvalidGraph,
         "'w'.*/etc/passwd"),
    Case("external_symlink_escapes", lambda p: (os.symlink("/etc/hostname", p / "link.bin"),
                                                external_tensor_model(p, "link.bin"))[1],
         st.InvalidGraph, "'w'.*link.bin"),
    Case("external_offset_past_end", lambda p: external_tensor_model(p, "weights.bin", offset=4096), st.InvalidGraph,
         "'w'.*4096"),
    Case("external_negative_offset", lambda p: external_tensor_model(p, "weights.bin", offset=-8), st.InvalidGraph,
         "'w'.*-8"),
    Case("external_non_numeric_length", lambda p: external_tensor_model(p, "weights.bin", length="12abc"),
         st.InvalidGraph, "'w'.*12abc"),
    Case("external_length_mismatch", lambda p: external_tensor_model(p, "weights.bin", length=8), st.InvalidGraph,
         "'w'.*8"),
    Case("external_missing_file", lambda p: external_tensor_model(p, "absent.bin"), st.NoSuchFile,
         "'w'.*absent.bin"),
    # giant shapes and allocations (run time)
    Case("constant_of_shape_huge", lambda p: node_model("ConstantOfShape", ["s"], ["y"],
                                                        in_infos=[tensor("s", TP.INT64, [2])]),
         st.RuntimeException, "culprit.*bytes", {"s": np.array([1 << 31, 1 << 20], np.int64)}),
    Case("expand_overflows_int64", lambda p: node_model("Expand", ["x", "s"], ["y"], in_infos=[
        tensor("x", F, [1]), tensor("s", TP.INT64, [3])]),
         st.InvalidArgument, "culprit.*overflow", {"x": np.ones(1, np.float32),
                                                   "s": np.array([1 << 40, 1 << 40, 1 << 40], np.int64)}),
    Case("tile_huge_repeats", lambda p: node_model("Tile", ["x", "r"], ["y"], in_infos=[
        tensor("x", F, [2]), tensor("r", TP.INT64, [1])]),
         st.RuntimeException, "culprit.*bytes", {"x": np.ones(2, np.float32), "r": np.array([1 << 40], np.int64)}),
    Case("range_huge_count", lambda p: node_model("Range", ["a", "b", "c"], ["y"], in_infos=[
        tensor("a", TP.INT64, []), tensor("b", TP.INT64, []), tensor("c", TP.INT64, [])]),
         st.InvalidArgument, "culprit.*too large", {"a": np.array(0, np.int64), "b": np.array(1 << 60, np.int64),
                                                 "c": np.array(1, np.int64)}),
    Case("onehot_huge_depth", lambda p: node_model("OneHot", ["i", "d", "v"], ["y"], in_infos=[
        tensor("i", TP.INT64, [2]), tensor("d", TP.INT64, []), tensor("v", F, [2])]),
         st.RuntimeException, "culprit.*bytes", {"i": np.array([0, 1], np.int64), "d": np.array(1 << 45, np.int64),
                                                 "v": np.array([0, 1], np.float32)}),
    Case("pad_huge", lambda p: node_model("Pad", ["x", "pads"], ["y"], in_infos=[
        tensor("x", F, [2]), tensor("pads", TP.INT64, [2])]),
         st.RuntimeException, "culprit.*bytes", {"x": np.ones(2, np.float32), "pads": np.array([0, 1 << 50], np.int64)}),
    Case("reshape_count_mismatch", lambda p: node_model("Reshape", ["x", "s"], ["y"], in_infos=[
        tensor("x", F, [6]), tensor("s", TP.INT64, [2])]),
         st.InvalidArgument, "culprit", {"x": np.ones(6, np.float32), "s": np.array([4, 2], np.int64)}),
    # out-of-range indices
    Case("gather_index_out_of_range", lambda p: node_model("Gather", ["x", "i"], ["y"], in_infos=[
        tensor("x", F, [3]), tensor("i", TP.INT64, [1])]),
         st.InvalidArgument, "culprit.*7", {"x": np.ones(3, np.float32), "i": np.array([7], np.int64)}),
    Case("gather_elements_out_of_range", lambda p: node_model("GatherElements", ["x", "i"], ["y"], in_infos=[
        tensor("x", F, [3]), tensor("i", TP.INT64, [1])]),
         st.InvalidArgument, "culprit.*-9", {"x": np.ones(3, np.float32), "i": np.array([-9], np.int64)}),
    Case("scatter_nd_out_of_range", lambda p: node_model("ScatterND", ["x", "i", "u"], ["y"], in_infos=[
        tensor("x", F, [3]), tensor("i", TP.INT64, [1, 1]), tensor("u", F, [1])]),
         st.InvalidArgument, "culprit.*5", {"x": np.ones(3, np.float32), "i": np.array([[5]], np.int64),
                                            "u": np.ones(1, np.float32)}),
    Case("scatter_elements_out_of_range", lambda p: node_model("ScatterElements", ["x", "i", "u"], ["y"], in_infos=[
        tensor("x", F, [3]), tensor("i", TP.INT64, [1]), tensor("u", F, [1])]),
         st.InvalidArgument, "culprit.*3", {"x": np.ones(3, np.float32), "i": np.array([3], np.int64),
                                            "u": np.ones(1, np.float32)}),
    Case("topk_k_too_large", lambda p: node_model("TopK", ["x", "k"], ["v", "i"], in_infos=[
        tensor("x", F, [3]), tensor("k", TP.INT64, [1])], out_infos=[tensor("v"), tensor("i", TP.INT64)]),
         st.InvalidArgument, "culprit.*5", {"x": np.ones(3, np.float32), "k": np.array([5], np.int64)}),
    # bad window geometry
    Case("conv_zero_stride", lambda p: node_model("Conv", ["x", "w"], ["y"], attrs={"strides": [0, 1]},
                                                  inits=[init("w", np.ones((1, 1, 1, 1), np.float32))],
                                                  in_infos=[tensor("x", F, [1, 1, 2, 2])]),
         st.InvalidGraph, "culprit.*stride"),
    Case("conv_negative_dilation", lambda p: node_model("Conv", ["x", "w"], ["y"], attrs={"dilations": [-1, 1]},
                                                        inits=[init("w", np.ones((1, 1, 1, 1), np.float32))],
                                                        in_infos=[tensor("x", F, [1, 1, 2, 2])]),
         st.InvalidGraph, "culprit.*dilation"),
    Case("maxpool_zero_kernel", lambda p: node_model("MaxPool", ["x"], ["y"], attrs={"kernel_shape": [0, 2]},
                                                     in_infos=[tensor("x", F, [1, 1, 2, 2])]),
         st.InvalidGraph, "culprit.*kernel"),
    Case("conv_channel_mismatch", lambda p: node_model("Conv", ["x", "w"], ["y"],
                                                       inits=[init("w", np.ones((1, 3, 1, 1), np.float32))],
                                                       in_infos=[tensor("x", F, [1, 2, 2, 2])]),
         st.InvalidArgument, "culprit.*channel", {"x": np.ones((1, 2, 2, 2), np.float32)}),
    Case("transpose_bad_perm", lambda p: node_model("Transpose", ["x"], ["y"], attrs={"perm": [0, 0]},
                                                    in_infos=[tensor("x", F, [2, 2])]),
         st.InvalidGraph, "culprit.*perm"),
    Case("split_sizes_do_not_sum", lambda p: node_model("Split", ["x", "s"], ["a", "b"], in_infos=[
        tensor("x", F, [4]), tensor("s", TP.INT64, [2])]),
         st.InvalidArgument, "culprit", {"x": np.ones(4, np.float32), "s": np.array([1, 1], np.int64)}),
    Case("concat_rank_mismatch", lambda p: node_model("Concat", ["a", "b"], ["y"], attrs={"axis": 0}, in_infos=[
        tensor("a", F, [2]), tensor("b", F, [2, 2])]),
         st.InvalidArgument, "culprit", {"a": np.ones(2, np.float32), "b": np.ones((2, 2), np.float32)}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_model_raises_a_named_error(case, tmp_path):
    source = _as_source(case.build(tmp_path))
    if case.feeds is None:
        with pytest.raises(case.error, match=case.match):
            onyxrt.InferenceSession(source)
        return
    sess = onyxrt.InferenceSession(source)
    with pytest.raises(case.error, match=case.match):
        sess.run(None, case.feeds)


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40


def test_bool_bytes_other_than_0_and_1_read_as_true():
    # a bool byte of 37 is not a C++ bool: the loader normalizes it instead of handing it to kernels
    w = TP(name="w", data_type=TP.BOOL, dims=[3], raw_data=bytes([0, 37, 1]))
    m = make_model([helper.make_node("Not", ["w"], ["y"], name="not")], [], [tensor("y", TP.BOOL)], [w])
    got = onyxrt.InferenceSession(m.SerializeToString()).run(None, {})[0]
    np.testing.assert_array_equal(got, [True, False, False])
