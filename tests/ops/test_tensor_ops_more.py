"""Pad (2 / 11 / 18 / 19: attribute vs input pads, axes, negative pads, all modes), Trilu,
EyeLike, DepthToSpace / SpaceToDepth, Compress, NonZero, ReverseSequence and OneHot at their
operator versions, with negative axes and empty tensors, against onnx.reference; bad inputs raise
an onyxrt error naming the node."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto

import onyxrt
from tests.ops.op_check import check, expect_error, make_node_model, rand

I64 = np.int64

# ---- Pad ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
def test_pad_2_attribute(mode):
    check("Pad", {"x": rand(3, 4)}, attrs={"pads": [1, 2, 2, 1], "mode": mode, "value": 1.5}, opset=2,
          reference=True)


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
@pytest.mark.parametrize("opset", [11, 13])
def test_pad_11_inputs(mode, opset):
    inputs = {"x": rand(2, 3, 4), "pads": np.array([0, 1, 2, 1, 0, 2], I64)}
    if mode == "constant":
        inputs["value"] = np.array(-2.0, np.float32)
    check("Pad", inputs, constants=["pads"], attrs={"mode": mode}, opset=opset, reference=True)


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge", "wrap"])
def test_pad_19_axes_negative(mode):
    inputs = {"x": rand(3, 5), "pads": np.array([2, 3], I64), "value": np.array(0.5, np.float32),
              "axes": np.array([-1], I64)}
    check("Pad", inputs, constants=["pads", "axes"], attrs={"mode": mode}, opset=19, reference=True)


def test_pad_18_crop_and_int():
    # onnx.reference (np.pad) refuses negative pads: the expected value is built by hand.
    x = np.arange(24, dtype=np.int32).reshape(4, 6)
    inputs = {"x": x, "pads": np.array([-1, 2, 1, -3], I64), "value": np.array(7, np.int32),
              "axes": np.array([0, 1], I64)}
    model = make_node_model("Pad", inputs, constants=["pads", "value", "axes"], opset=18)
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    np.testing.assert_array_equal(got, np.pad(x[1:, :3], ((0, 1), (2, 0)), constant_values=7))


def test_pad_empty_constant():
    check("Pad", {"x": np.zeros((0, 3), np.float32), "pads": np.array([1, 0, 1, 0], I64)}, constants=["pads"],
          opset=13, reference=True)


def test_pad_string():
    x = np.array([["a", "b"], ["c", "d"]], dtype=object)
    inputs = {"x": x, "pads": np.array([0, 1, 0, 1], I64), "value": np.array("z", dtype=object)}
    model = make_node_model("Pad", inputs, constants=["pads", "value"], opset=13)
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    assert got.tolist() == [["z", "a", "b", "z"], ["z", "c", "d", "z"]]


def test_pad_bad_pads_length():
    msg = expect_error("Pad", {"x": rand(2, 3), "pads": np.array([1, 1, 1], I64)}, constants=["pads"], opset=13,
                       match="pads", error="InvalidArgument")
    assert "'node'" in msg


# ---- Trilu / EyeLike ----------------------------------------------------------------------------


@pytest.mark.parametrize("upper", [0, 1])
@pytest.mark.parametrize("k", [-1, 0, 2])
def test_trilu(upper, k):
    check("Trilu", {"x": rand(2, 3, 4), "k": np.array(k, I64)}, constants=["k"], attrs={"upper": upper}, opset=14,
          reference=True)


def test_trilu_empty_and_int():
    check("Trilu", {"x": np.zeros((0, 3, 3), np.float32)}, opset=14, reference=True)
    check("Trilu", {"x": np.arange(12, dtype=np.int64).reshape(3, 4)}, attrs={"upper": 0}, opset=14, reference=True)


@pytest.mark.parametrize("k", [-2, 0, 1, 5])
def test_eyelike(k):
    check("EyeLike", {"x": rand(3, 4)}, attrs={"k": k}, opset=9, reference=True)
    check("EyeLike", {"x": rand(4, 3)}, attrs={"k": k, "dtype": TensorProto.INT32},
          outputs={"Y": TensorProto.INT32}, opset=22, reference=True)


# ---- DepthToSpace / SpaceToDepth ----------------------------------------------------------------


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_depth_to_space(mode):
    check("DepthToSpace", {"x": rand(2, 8, 3, 2)}, attrs={"blocksize": 2, "mode": mode}, opset=13, reference=True)


def test_depth_to_space_1_and_space_to_depth():
    check("DepthToSpace", {"x": rand(1, 9, 2, 2)}, attrs={"blocksize": 3}, opset=1, reference=True)
    check("SpaceToDepth", {"x": rand(2, 3, 4, 6)}, attrs={"blocksize": 2}, opset=13, reference=True)
    check("SpaceToDepth", {"x": np.arange(16, dtype=np.int8).reshape(1, 1, 4, 4)}, attrs={"blocksize": 4}, opset=1,
          reference=True)


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_space_to_depth_28_mode(mode):
    check("SpaceToDepth", {"x": rand(2, 2, 4, 6)}, attrs={"blocksize": 2, "mode": mode}, opset=28, reference=True)


def test_space_to_depth_bad_shape():
    expect_error("SpaceToDepth", {"x": rand(1, 1, 3, 4)}, attrs={"blocksize": 2}, opset=13, match="'node'",
                 error="InvalidArgument")


# ---- Compress / NonZero / ReverseSequence -------------------------------------------------------


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_compress(axis):
    attrs = {} if axis is None else {"axis": axis}
    cond = np.array([True, False, True], bool)
    check("Compress", {"x": rand(3, 3, 3), "c": cond}, constants=["c"], attrs=attrs, opset=11, reference=True)


def test_compress_short_condition_and_empty():
    check("Compress", {"x": rand(4, 2), "c": np.array([False, True], bool)}, constants=["c"], attrs={"axis": 0},
          opset=9, reference=True)
    check("Compress", {"x": rand(3, 2), "c": np.array([False, False, False], bool)}, constants=["c"],
          attrs={"axis": 0}, opset=13, reference=True)


@pytest.mark.parametrize("dtype", [np.float32, np.int32, bool, np.uint8])
def test_nonzero(dtype):
    x = (np.random.default_rng(0).integers(0, 3, size=(3, 4, 2)) % 2).astype(dtype)
    check("NonZero", {"x": x}, outputs={"Y": TensorProto.INT64}, opset=13, reference=True)
    check("NonZero", {"x": np.zeros((0, 2), dtype)}, outputs={"Y": TensorProto.INT64}, opset=9, reference=True)


@pytest.mark.parametrize(("batch_axis", "time_axis"), [(1, 0), (0, 1)])
def test_reverse_sequence(batch_axis, time_axis):
    x = rand(4, 4, 3) if batch_axis == 1 else rand(4, 4, 3)
    lens = np.array([4, 1, 0, 2], I64)
    check("ReverseSequence", {"x": x, "lens": lens}, constants=["lens"],
          attrs={"batch_axis": batch_axis, "time_axis": time_axis}, opset=10, reference=True)


def test_reverse_sequence_bad_len():
    expect_error("ReverseSequence", {"x": rand(3, 2), "lens": np.array([1, 5], I64)}, constants=["lens"],
                 attrs={"batch_axis": 1, "time_axis": 0}, opset=10, match="'node'", error="InvalidArgument")


# ---- OneHot -------------------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [-1, 0, 1, -2])
@pytest.mark.parametrize("opset", [9, 11])
def test_onehot(axis, opset):
    indices = np.array([[0, 3, -1], [-4, 7, 2]], I64) if opset >= 11 else np.array([[0, 3, 1], [2, 7, 2]], I64)
    inputs = {"i": indices, "depth": np.array(4, np.float32), "values": np.array([1, 5], np.int32)}
    check("OneHot", inputs, constants=["depth", "values"], attrs={"axis": axis}, outputs={"Y": TensorProto.INT32},
          opset=opset, reference=True)


def test_onehot_float_indices_and_empty():
    inputs = {"i": np.array([1.0, -1.0, 9.0], np.float32), "depth": np.array(3, I64),
              "values": np.array([0.0, 1.0], np.float32)}
    check("OneHot", inputs, constants=["depth", "values"], outputs={"Y": TensorProto.FLOAT}, opset=11,
          reference=True)
    inputs = {"i": np.zeros((0, 2), I64), "depth": np.array(3, I64), "values": np.array([0.0, 1.0], np.float32)}
    check("OneHot", inputs, constants=["depth", "values"], outputs={"Y": TensorProto.FLOAT}, opset=11,
          reference=True)


def test_onehot_bad_depth():
    inputs = {"i": np.array([1, 2], I64), "depth": np.array(0, I64), "values": np.array([0.0, 1.0], np.float32)}
    expect_error("OneHot", inputs, constants=["depth", "values"], opset=11, match="'node'", error="InvalidArgument")


# ---- bad input: errors name the node, nothing huge is allocated ---------------------------------


def test_pad_bad_mode_is_invalid_graph():
    expect_error("Pad", {"x": rand(2, 3), "pads": np.array([1, 1, 1, 1], I64)}, constants=["pads"],
                 attrs={"mode": "wrap"}, opset=13, match="'node'", error="InvalidGraph")


def test_huge_pads_on_empty_input():
    x = np.zeros((0, 2), np.float32)
    model = make_node_model("Pad", {"x": x, "pads": np.array([0, 0, 0, 1 << 50], I64)}, constants=["pads"], opset=13)
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    assert got.shape == (0, 2 + (1 << 50))
    expect_error("Pad", {"x": rand(2, 2), "pads": np.array([0, 0, 0, 1 << 62], I64)}, constants=["pads"], opset=13,
                 match="'node'", error="InvalidArgument")


def test_onehot_huge_depth():
    inputs = {"i": np.array([1], I64), "depth": np.array(1 << 62, I64), "values": np.array([0.0, 1.0], np.float32)}
    expect_error("OneHot", inputs, constants=["depth", "values"], opset=11, match="'node'", error="InvalidArgument")


def test_depth_to_space_huge_blocksize():
    expect_error("DepthToSpace", {"x": rand(1, 4, 2, 2)}, attrs={"blocksize": 1 << 40}, opset=13, match="'node'",
                 error="InvalidArgument")


def test_pad_21_float8():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    from onnx import helper, numpy_helper

    x = np.array([[1, 2], [0.5, 4]], dtype=ml_dtypes.float8_e4m3fn)
    node = helper.make_node("Pad", ["x", "pads", "v"], ["y"], name="node", mode="edge")
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT8E4M3FN, [2, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT8E4M3FN, None)],
        initializer=[numpy_helper.from_array(np.array([1, 0, 0, 2], I64), "pads"),
                     helper.make_tensor("v", TensorProto.FLOAT8E4M3FN, [], [0.0])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], ir_version=10)
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    want = np.pad(x.view(np.uint8), ((1, 0), (0, 2)), mode="edge")
    np.testing.assert_array_equal(got.view(np.uint8), want)
