"""Scan across its operator versions: 8 (batch axis 0, sequence axis 1, sequence_lens, directions)
and 9, 11, 16, 21 (scan_input_axes / scan_output_axes, negative from 11, input and output
directions), every axis against onnxruntime, strings and packed int4 items, zero-length scans;
then the errors for malformed models and bad feeds."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto as TP
from onnx import helper

import onyxrt
from tests.ops.graph_check import FLOAT, INT64, body, check, expect_error, model, run_onyxrt, tensor

# ---- Scan --------------------------------------------------------------------------------------


def running_sum_body(state_shape, item_shape) -> onnx.GraphProto:
    """state += item * scale (scale read from the outer scope); outputs the new state twice."""
    return body(
        [
            helper.make_node("Mul", ["item", "scale"], ["scaled"]),
            helper.make_node("Add", ["state", "scaled"], ["state_out"]),
            helper.make_node("Identity", ["state_out"], ["scan_out"]),
        ],
        [tensor("state", FLOAT, state_shape), tensor("item", FLOAT, item_shape)],
        [tensor("state_out", FLOAT, state_shape), tensor("scan_out", FLOAT, state_shape)],
    )


def test_scan8_batch_sequence_lens_and_reverse():
    # x: [batch 2, seq 3, 2]; row 1 runs only 2 steps; the second scan input is read backwards.
    loop_body = body(
        [
            helper.make_node("Add", ["a", "b"], ["ab"]),
            helper.make_node("Add", ["state", "ab"], ["state_out"]),
            helper.make_node("Identity", ["state_out"], ["scan_out"]),
        ],
        [tensor("state", FLOAT, [2]), tensor("a", FLOAT, [2]), tensor("b", FLOAT, [2])],
        [tensor("state_out", FLOAT, [2]), tensor("scan_out", FLOAT, [2])],
    )
    node = helper.make_node(
        "Scan",
        ["lens", "s0", "x", "x"],
        ["s_final", "ys"],
        num_scan_inputs=2,
        directions=[0, 1],
        body=loop_body,
    )
    m = model(
        [node],
        [tensor("lens", INT64, [2]), tensor("s0", FLOAT, [2, 2]), tensor("x", FLOAT, [2, 3, 2])],
        [tensor("s_final", FLOAT, None), tensor("ys", FLOAT, None)],
        8,
    )
    x = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    s0 = np.float32([[0, 0], [100, 100]])
    lens = np.int64([3, 2])
    finals, ys = [], np.zeros((2, 3, 2), np.float32)
    for b in range(2):
        state, n = s0[b].copy(), lens[b]
        for t in range(n):
            state = state + x[b, t] + x[b, n - 1 - t]
            ys[b, t] = state
        finals.append(state)
    check(m, {"lens": lens, "s0": s0, "x": x}, [np.stack(finals), ys], reference=False)
    # Without sequence_lens every row runs the full length.
    m.graph.node[0].input[0] = ""
    m.graph.input.pop(0)
    got = check(m, {"s0": s0, "x": x}, reference=False)
    assert got[1].shape == (2, 3, 2)


@pytest.mark.parametrize("opset", [9, 11, 16, 21])
def test_scan9_axes_and_directions(opset):
    # x: [2, 4] scanned along axis 1 (4 steps of [2]), backwards; outputs stacked along axis 1,
    # one appended, one prepended.
    loop_body = body(
        [
            helper.make_node("Mul", ["item", "scale"], ["scaled"]),
            helper.make_node("Add", ["state", "scaled"], ["state_out"]),
            helper.make_node("Identity", ["state_out"], ["out_a"]),
            helper.make_node("Identity", ["item"], ["out_b"]),
        ],
        [tensor("state", FLOAT, [2]), tensor("item", FLOAT, [2])],
        [tensor("state_out", FLOAT, [2]), tensor("out_a", FLOAT, [2]), tensor("out_b", FLOAT, [2])],
    )
    axes = {"scan_input_axes": [1], "scan_output_axes": [1, 0]}
    if opset >= 11:
        axes = {"scan_input_axes": [-1], "scan_output_axes": [-1, -2]}
    node = helper.make_node(
        "Scan",
        ["s0", "x"],
        ["s_final", "ya", "yb"],
        num_scan_inputs=1,
        body=loop_body,
        scan_input_directions=[1],
        scan_output_directions=[0, 1],
        **axes,
    )
    m = model(
        [node],
        [tensor("s0", FLOAT, [2]), tensor("x", FLOAT, [2, 4])],
        [tensor("s_final", FLOAT, None), tensor("ya", FLOAT, None), tensor("yb", FLOAT, None)],
        opset,
        initializers=[("scale", np.float32(0.5))],
    )
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    s0 = np.float32([1, -1])
    state, ya, yb = s0.copy(), [], []
    for t in range(4):
        item = x[:, 3 - t]
        state = state + item * 0.5
        ya.append(state)
        yb.insert(0, item)
    check(m, {"s0": s0, "x": x}, [state, np.stack(ya, axis=1), np.stack(yb, axis=0)], reference=False)


def test_scan9_two_inputs_default_axes_matches_reference():
    loop_body = body(
        [
            helper.make_node("Add", ["a", "b"], ["ab"]),
            helper.make_node("Add", ["state", "ab"], ["state_out"]),
            helper.make_node("Identity", ["ab"], ["scan_out"]),
        ],
        [tensor("state", FLOAT, [3]), tensor("a", FLOAT, [3]), tensor("b", FLOAT, [3])],
        [tensor("state_out", FLOAT, [3]), tensor("scan_out", FLOAT, [3])],
    )
    node = helper.make_node("Scan", ["s0", "xa", "xb"], ["s_final", "ys"], num_scan_inputs=2, body=loop_body)
    m = model(
        [node],
        [tensor("s0", FLOAT, [3]), tensor("xa", FLOAT, [4, 3]), tensor("xb", FLOAT, [4, 3])],
        [tensor("s_final", FLOAT, None), tensor("ys", FLOAT, None)],
        16,
    )
    rng = np.random.default_rng(0)
    feeds = {
        "s0": np.zeros(3, np.float32),
        "xa": rng.standard_normal((4, 3)).astype(np.float32),
        "xb": rng.standard_normal((4, 3)).astype(np.float32),
    }
    check(m, feeds, [(feeds["xa"] + feeds["xb"]).sum(0), feeds["xa"] + feeds["xb"]])


def test_scan9_zero_length():
    # onnxruntime refuses an empty scan axis; onyxrt returns the states and empty outputs shaped
    # from the body's declared item shape.
    node = helper.make_node(
        "Scan", ["s0", "x"], ["s_final", "ys"], num_scan_inputs=1, body=running_sum_body([2], [2])
    )
    m = model(
        [node],
        [tensor("s0", FLOAT, [2]), tensor("x", FLOAT, [None, 2])],
        [tensor("s_final", FLOAT, None), tensor("ys", FLOAT, None)],
        11,
        initializers=[("scale", np.float32(1))],
    )
    got = run_onyxrt(m, {"s0": np.float32([1, 2]), "x": np.zeros((0, 2), np.float32)})
    np.testing.assert_array_equal(got[0], [1, 2])
    assert got[1].shape == (0, 2) and got[1].dtype == np.float32


@pytest.mark.parametrize("in_axis", [0, 1, 2, -2])
@pytest.mark.parametrize("out_axis", [0, 1, -1])
@pytest.mark.parametrize("directions", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_scan_axes_against_onnxruntime(in_axis, out_axis, directions):
    # A rank-3 input scanned along each axis (axes past 0 take the copying path), the item
    # stacked along each output axis, forward and backward, appended and prepended.
    loop_body = body(
        [
            helper.make_node("Add", ["state", "item"], ["state_out"]),
            helper.make_node("Mul", ["item", "state_out"], ["scan_out"]),
        ],
        [tensor("state", FLOAT, None), tensor("item", FLOAT, None)],
        [tensor("state_out", FLOAT, None), tensor("scan_out", FLOAT, None)],
    )
    node = helper.make_node(
        "Scan",
        ["s0", "x"],
        ["s_final", "ys"],
        num_scan_inputs=1,
        body=loop_body,
        scan_input_axes=[in_axis],
        scan_output_axes=[out_axis],
        scan_input_directions=[directions[0]],
        scan_output_directions=[directions[1]],
    )
    x = np.random.default_rng(2).standard_normal((3, 4, 5)).astype(np.float32)
    item_shape = [int(d) for d in np.delete(np.array(x.shape), in_axis)]
    m = model(
        [node],
        [tensor("s0", FLOAT, item_shape), tensor("x", FLOAT, list(x.shape))],
        [tensor("s_final", FLOAT, None), tensor("ys", FLOAT, None)],
        16,
    )
    check(m, {"s0": np.ones(item_shape, np.float32), "x": x}, reference=False)


def test_scan_strings_along_axis_one():
    # String items taken along axis 1 (copied, not viewed) and restacked along axis 0: a transpose.
    loop_body = body(
        [helper.make_node("Identity", ["item"], ["item_out"])],
        [tensor("item", TP.STRING, [2])],
        [tensor("item_out", TP.STRING, [2])],
    )
    node = helper.make_node("Scan", ["x"], ["ys"], num_scan_inputs=1, body=loop_body, scan_input_axes=[1])
    m = model([node], [tensor("x", TP.STRING, [2, 3])], [tensor("ys", TP.STRING, None)], 11)
    x = np.array([["a", "b", "c"], ["d", "e", "f"]], dtype=object)
    got = run_onyxrt(m, {"x": x})[0]
    assert got.tolist() == x.T.tolist()


@pytest.mark.parametrize("axis", [0, 1])
def test_scan_packed_int4_items(axis):
    # 3 x 3 int4: rows start mid-byte, so items are copied nibble by nibble, then restacked.
    ml_dtypes = pytest.importorskip("ml_dtypes")
    loop_body = body(
        [helper.make_node("Identity", ["item"], ["item_out"])],
        [tensor("item", TP.INT4, None)],
        [tensor("item_out", TP.INT4, None)],
    )
    node = helper.make_node(
        "Scan", ["x"], ["ys"], num_scan_inputs=1, body=loop_body, scan_input_axes=[axis], scan_output_axes=[1]
    )
    m = model([node], [tensor("x", TP.INT4, [3, 3])], [tensor("ys", TP.INT4, None)], 21)
    x = np.array([[1, 2, 3], [-4, 5, -6], [7, -8, 0]], dtype=ml_dtypes.int4)
    got = run_onyxrt(m, {"x": x})[0]
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got.astype(np.int8), (x.T if axis == 0 else x).astype(np.int8))


def test_scan8_row_of_length_zero():
    # A batch row with sequence length 0 keeps its initial state and gets an all-zero output row.
    node = helper.make_node(
        "Scan", ["lens", "s0", "x"], ["s_final", "ys"], num_scan_inputs=1, body=running_sum_body([2], [2])
    )
    m = model(
        [node],
        [tensor("lens", INT64, [2]), tensor("s0", FLOAT, [2, 2]), tensor("x", FLOAT, [2, 3, 2])],
        [tensor("s_final", FLOAT, None), tensor("ys", FLOAT, None)],
        8,
        initializers=[("scale", np.float32(1))],
    )
    x = np.ones((2, 3, 2), np.float32)
    s0 = np.float32([[1, 1], [5, 5]])
    got = run_onyxrt(m, {"lens": np.int64([0, 3]), "s0": s0, "x": x})
    np.testing.assert_array_equal(got[0], [[1, 1], [8, 8]])
    np.testing.assert_array_equal(got[1][0], np.zeros((3, 2)))
    np.testing.assert_array_equal(got[1][1], [[6, 6], [7, 7], [8, 8]])


# ---- errors ------------------------------------------------------------------------------------


def test_scan_mismatched_sequence_lengths():
    loop_body = body(
        [helper.make_node("Add", ["a", "b"], ["ab"]), helper.make_node("Add", ["state", "ab"], ["st"])],
        [tensor("state", FLOAT, [2]), tensor("a", FLOAT, [2]), tensor("b", FLOAT, [2])],
        [tensor("st", FLOAT, [2])],
    )
    node = helper.make_node(
        "Scan", ["s0", "xa", "xb"], ["s_final"], name="zip_scan", num_scan_inputs=2, body=loop_body
    )
    m = model(
        [node],
        [tensor("s0", FLOAT, [2]), tensor("xa", FLOAT, None), tensor("xb", FLOAT, None)],
        [tensor("s_final", FLOAT, None)],
        11,
    )
    expect_error(
        m,
        {
            "s0": np.zeros(2, np.float32),
            "xa": np.zeros((3, 2), np.float32),
            "xb": np.zeros((4, 2), np.float32),
        },
        onyxrt.InvalidArgument,
        "zip_scan",
        "sequence length",
    )


def test_scan_bad_attributes():
    node = helper.make_node(
        "Scan",
        ["s0", "x"],
        ["s_final", "ys"],
        name="bad_scan",
        num_scan_inputs=3,
        body=running_sum_body([2], [2]),
    )
    m = model(
        [node],
        [tensor("s0", FLOAT, [2]), tensor("x", FLOAT, [3, 2])],
        [tensor("s_final", FLOAT, None), tensor("ys", FLOAT, None)],
        11,
        initializers=[("scale", np.float32(1))],
    )
    feeds = {"s0": np.zeros(2, np.float32), "x": np.zeros((3, 2), np.float32)}
    expect_error(m, feeds, onyxrt.InvalidGraph, "bad_scan", "num_scan_inputs")
    node = m.graph.node[0]
    for a in node.attribute:
        if a.name == "num_scan_inputs":
            a.i = 1
    node.attribute.append(helper.make_attribute("scan_input_directions", [2]))
    expect_error(m, feeds, onyxrt.InvalidGraph, "bad_scan", "scan_input_directions")
    node.attribute.pop()
    node.attribute.append(helper.make_attribute("scan_input_axes", [2]))
    expect_error(m, feeds, onyxrt.InvalidArgument, "bad_scan", "scan_input_axes")


def test_scan8_sequence_lens_out_of_range():
    node = helper.make_node(
        "Scan",
        ["lens", "s0", "x"],
        ["s_final", "ys"],
        name="scan8",
        num_scan_inputs=1,
        body=running_sum_body([2], [2]),
    )
    m = model(
        [node],
        [tensor("lens", INT64, [1]), tensor("s0", FLOAT, [1, 2]), tensor("x", FLOAT, [1, 3, 2])],
        [tensor("s_final", FLOAT, None), tensor("ys", FLOAT, None)],
        8,
        initializers=[("scale", np.float32(1))],
    )
    expect_error(
        m,
        {"lens": np.int64([4]), "s0": np.zeros((1, 2), np.float32), "x": np.zeros((1, 3, 2), np.float32)},
        onyxrt.InvalidArgument,
        "scan8",
        "sequence_lens",
    )
