"""Graph-level checks for the control-flow, sequence and optional tests: value-info and model
builders (onnx.helper), and a runner that compares onyxrt with expected values,
onnx.reference.ReferenceEvaluator and onnxruntime, sequences as lists and empty optionals as None."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto as TP
from onnx import helper
from onnx.reference import ReferenceEvaluator

import onyxrt

FLOAT, INT64, BOOL = TP.FLOAT, TP.INT64, TP.BOOL


def tensor(name: str, elem: int = FLOAT, shape=None) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def seq(name: str, elem: int = FLOAT) -> onnx.ValueInfoProto:
    return helper.make_value_info(
        name, helper.make_sequence_type_proto(helper.make_tensor_type_proto(elem, None))
    )


def opt_tensor(name: str, elem: int = FLOAT) -> onnx.ValueInfoProto:
    return helper.make_value_info(
        name, helper.make_optional_type_proto(helper.make_tensor_type_proto(elem, None))
    )


def opt_seq(name: str, elem: int = FLOAT) -> onnx.ValueInfoProto:
    inner = helper.make_sequence_type_proto(helper.make_tensor_type_proto(elem, None))
    return helper.make_value_info(name, helper.make_optional_type_proto(inner))


def const(name: str, value) -> onnx.NodeProto:
    return helper.make_node(
        "Constant", [], [name], value=onnx.numpy_helper.from_array(np.asarray(value), name)
    )


def model(nodes, inputs, outputs, opset: int, initializers=()) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "g",
        inputs,
        outputs,
        initializer=[onnx.numpy_helper.from_array(np.asarray(v), n) for n, v in initializers],
    )
    ir = 7 if opset < 15 else (8 if opset < 19 else 9)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=ir)


def body(nodes, inputs, outputs, name: str = "body") -> onnx.GraphProto:
    return helper.make_graph(nodes, name, inputs, outputs)


def run_onyxrt(m: onnx.ModelProto, feeds: dict) -> list:
    return onyxrt.InferenceSession(m.SerializeToString()).run(None, feeds)


def assert_same(got, want, where: str = "output") -> None:
    if want is None:
        assert got is None, f"{where}: expected None, got {got!r}"
        return
    if isinstance(want, (list, tuple)):
        assert isinstance(got, list), f"{where}: expected a list, got {type(got).__name__}"
        assert len(got) == len(want), f"{where}: {len(got)} items, expected {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{i}]")
        return
    want = np.asarray(want)
    assert isinstance(got, np.ndarray), f"{where}: expected an array, got {type(got).__name__}"
    assert got.shape == want.shape, f"{where}: shape {got.shape} != {want.shape}"
    assert got.dtype == want.dtype, f"{where}: dtype {got.dtype} != {want.dtype}"
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=where)


def check(m: onnx.ModelProto, feeds: dict, expected=None, reference: bool = True, ort: bool = True) -> list:
    """Runs onyxrt and compares with `expected` (when given), the reference evaluator and
    onnxruntime (each when asked for); returns onyxrt's outputs."""
    got = run_onyxrt(m, feeds)
    if expected is not None:
        assert_same(got, expected, "expected")
    if reference:
        assert_same(got, ReferenceEvaluator(m).run(None, feeds), "reference")
    if ort:
        sess = onnxruntime.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
        assert_same(got, sess.run(None, feeds), "onnxruntime")
    return got


def expect_error(m: onnx.ModelProto, feeds: dict, error: type, *fragments: str) -> str:
    with pytest.raises(error) as info:
        run_onyxrt(m, feeds)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message
