"""resolve_reshape_shapes (ORT_ENABLE_BASIC and up, onnxruntime's ReshapeFusion): the shape a
Reshape computes from its own input's dims (Shape -> Gather -> Unsqueeze -> Concat, as torch
exports x.view(b, s, heads, -1)) becomes a constant with 0 for "copy that dim" and -1 for the one
piece left to the element count; the shape computation then dies."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.helpers import make_model, tensor
from tests.optimizer.levels import assert_same_everywhere, optimized_op_types


def split_heads(pieces, source="X", allowzero=None, opset=17, shape_attrs=None):
    """Reshape(X, Concat(pieces)): a piece is ("dim", i) = Unsqueeze(Gather(Shape(source), i)),
    ("div", i, n) = the same divided by n, or ("const", [values])."""
    nodes = [helper.make_node("Shape", [source], ["shape"], **(shape_attrs or {}))]
    inits = [numpy_helper.from_array(np.array([0], np.int64), "axes0")]
    names = []
    for k, piece in enumerate(pieces):
        if piece[0] == "const":
            inits.append(numpy_helper.from_array(np.array(piece[1], np.int64), f"c{k}"))
            names.append(f"c{k}")
            continue
        inits.append(numpy_helper.from_array(np.array(piece[1], np.int64), f"i{k}"))
        nodes.append(helper.make_node("Gather", ["shape", f"i{k}"], [f"g{k}"], axis=0))
        value = f"g{k}"
        if piece[0] == "div":
            inits.append(numpy_helper.from_array(np.array(piece[2], np.int64), f"n{k}"))
            nodes.append(helper.make_node("Div", [value, f"n{k}"], [f"d{k}"]))
            value = f"d{k}"
        nodes.append(helper.make_node("Unsqueeze", [value, "axes0"], [f"u{k}"]))
        names.append(f"u{k}")
    attrs = {} if allowzero is None else {"allowzero": allowzero}
    nodes += [helper.make_node("Concat", names, ["dims"], axis=0),
              helper.make_node("Reshape", ["X", "dims"], ["r"], **attrs), helper.make_node("Neg", ["r"], ["Y"])]
    inputs = [tensor("X", shape=["batch", "seq", 8])]
    if source != "X":
        inputs.append(tensor(source, shape=["a", "b", "c"]))
    return make_model(nodes, inputs, [tensor("Y", shape=None)], inits, opset=opset)


def feeds(batch=2, seq=3, other=None):
    rng = np.random.default_rng(batch * 10 + seq)
    result = {"X": rng.standard_normal((batch, seq, 8)).astype(np.float32)}
    if other is not None:
        result["W"] = np.zeros(other, np.float32)
    return result


@pytest.mark.parametrize("pieces", [
    [("dim", 0), ("dim", 1), ("const", [2]), ("div", 2, 2)],  # x.view(b, s, heads, d // heads)
    [("dim", 0), ("dim", 1), ("const", [2, -1])],
    [("dim", 0), ("const", [-1])],
    [("dim", 0), ("dim", 1), ("dim", 2), ("const", [1])],
    [("div", 0, 1), ("const", [4, 8])],  # one piece that is not a copy: -1
], ids=["split_heads", "const_minus_one", "flatten_rest", "all_dims", "one_computed"])
@pytest.mark.parametrize("batch", [1, 3])
def test_computed_shapes_become_constants(pieces, batch):
    model = split_heads(pieces)
    x_feeds = feeds(batch, 3)
    if pieces[0][0] == "div":
        x_feeds = feeds(batch, 4)
    assert_same_everywhere(model, x_feeds, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Reshape", "Neg"]


@pytest.mark.parametrize(("pieces", "why"), [
    ([("dim", 1), ("dim", 0), ("const", [8])], "dims swapped: neither copies its own position"),
    ([("div", 0, 1), ("div", 1, 1), ("const", [8])], "two pieces left to the element count"),
    ([("dim", 0), ("const", [-1]), ("div", 2, 2)], "a constant -1 and a computed piece"),
])
def test_shapes_that_do_not_resolve_stay(pieces, why):
    model = split_heads(pieces)
    assert_same_everywhere(model, feeds(2, 3), rtol=0, atol=0)
    assert "Concat" in optimized_op_types(model, "ORT_ENABLE_ALL"), why


def test_another_tensors_dims_are_not_copies():
    """W's dims only look like X's: one such piece is -1, two are left alone."""
    one = split_heads([("dim", 0), ("dim", 1), ("const", [8])], source="W")
    one.graph.node[0].input[0] = "W"
    assert_same_everywhere(one, feeds(2, 3, other=(2, 3, 8)), rtol=0, atol=0)
    assert "Concat" in optimized_op_types(one, "ORT_ENABLE_ALL")


def test_allowzero_and_shape_ranges_are_left_alone():
    zero = split_heads([("dim", 0), ("dim", 1), ("const", [8])], allowzero=1, opset=18)
    ranged = split_heads([("dim", 0), ("dim", 1), ("const", [8])], opset=18, shape_attrs={"start": 0, "end": 2})
    for model in (zero, ranged):
        assert_same_everywhere(model, feeds(2, 3), rtol=0, atol=0)
        assert "Concat" in optimized_op_types(model, "ORT_ENABLE_ALL")


def test_the_shape_chain_dies_when_nothing_else_reads_it():
    model = split_heads([("dim", 0), ("dim", 1), ("const", [2]), ("div", 2, 2)])
    model.graph.node.append(helper.make_node("Identity", ["g0"], ["B"]))
    model.graph.output.append(tensor("B", TensorProto.INT64, []))
    assert_same_everywhere(model, feeds(2, 3), rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Shape", "Gather", "Reshape", "Neg", "Identity"]


def merge_heads(second_index: int):
    """Reshape(Transpose(Y, [0, 2, 1, 3]), [b, s, h * d]) with b, s, h, d read from Y's shape."""
    inits = [numpy_helper.from_array(np.array(k, np.int64), f"i{k}") for k in range(4)]
    inits.append(numpy_helper.from_array(np.array([0], np.int64), "axes0"))
    nodes = [helper.make_node("Transpose", ["Y"], ["t"], perm=[0, 2, 1, 3]), helper.make_node("Shape", ["Y"], ["s"])]
    nodes += [helper.make_node("Gather", ["s", f"i{k}"], [f"g{k}"], axis=0) for k in range(4)]
    nodes += [helper.make_node("Mul", ["g1", "g3"], ["hd"]),
              helper.make_node("Unsqueeze", ["g0", "axes0"], ["u0"]),
              helper.make_node("Unsqueeze", [f"g{second_index}", "axes0"], ["u1"]),
              helper.make_node("Unsqueeze", ["hd", "axes0"], ["u2"]),
              helper.make_node("Concat", ["u0", "u1", "u2"], ["dims"], axis=0),
              helper.make_node("Reshape", ["t", "dims"], ["r"]), helper.make_node("Neg", ["r"], ["Z"])]
    return make_model(nodes, [tensor("Y", shape=["b", 4, "s", 8])], [tensor("Z", shape=None)], inits)


@pytest.mark.parametrize("batch", [1, 2])
def test_dims_read_before_a_transpose_follow_its_perm(batch):
    model = merge_heads(second_index=2)
    y = np.random.default_rng(batch).standard_normal((batch, 4, 3, 8)).astype(np.float32)
    assert_same_everywhere(model, {"Y": y}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Transpose", "Reshape", "Neg"]


def test_a_dim_the_perm_does_not_put_there_is_not_a_copy():
    model = merge_heads(second_index=1)  # Y's dim 1 (4 heads) lands at position 2, not 1
    y = np.random.default_rng(0).standard_normal((4, 4, 4, 8)).astype(np.float32)
    assert_same_everywhere(model, {"Y": y}, rtol=0, atol=0)
    assert "Concat" in optimized_op_types(model, "ORT_ENABLE_BASIC")
