"""merge_reshapes (ORT_ENABLE_BASIC and up): Reshape / Flatten chains whose last shape is a constant
become one Reshape, and Unsqueeze -> Squeeze (or Squeeze -> Unsqueeze) on the same axes goes."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.helpers import make_model, tensor
from tests.optimizer.levels import assert_same_everywhere, optimized_op_types

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def shape(name: str, values) -> object:
    return numpy_helper.from_array(np.array(values, np.int64), name)


def chain(first: helper.NodeProto, second: helper.NodeProto, inits=(), inputs=(), opset=17, extra_reader=False):
    """X -> first -> second -> Neg -> Y."""
    nodes = [first, second, helper.make_node("Neg", [second.output[0]], ["Y"])]
    outputs = [tensor("Y", shape=None)]
    if extra_reader:
        nodes.append(helper.make_node("Abs", [first.output[0]], ["Z"]))
        outputs.append(tensor("Z", shape=None))
    return make_model(nodes, [tensor("X", shape=[2, 3, 4]), *inputs], outputs, list(inits), opset=opset)


def reshape(src, dst, shape_name, **attrs):
    return helper.make_node("Reshape", [src, shape_name], [dst], **attrs)


@pytest.mark.parametrize("second_shape", [[2, -1, 3], [24], [4, 3, 2], [1, 1, 24, 1]])
def test_reshape_after_reshape_reads_the_first_input(second_shape):
    model = chain(reshape("X", "a", "s1"), reshape("a", "b", "s2"), [shape("s1", [6, 4]), shape("s2", second_shape)])
    assert_same_everywhere(model, {"X": X}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_DISABLE_ALL") == ["Reshape", "Reshape", "Neg"]
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Reshape", "Neg"]


def test_the_first_shape_may_be_computed():
    """Only the element count passes through the first Reshape, whatever its shape."""
    model = chain(reshape("X", "a", "dims"), reshape("a", "b", "s2"), [shape("s2", [-1])],
                  inputs=[tensor("dims", TensorProto.INT64, [2])])
    assert_same_everywhere(model, {"X": X, "dims": np.array([4, 6], np.int64)}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Reshape", "Neg"]


def test_flatten_then_reshape():
    model = chain(helper.make_node("Flatten", ["X"], ["a"], axis=2), reshape("a", "b", "s2"), [shape("s2", [3, 8])])
    assert_same_everywhere(model, {"X": X}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Reshape", "Neg"]


@pytest.mark.parametrize("axis", [0, 1, 2, -1, 3])
def test_reshape_with_known_dims_then_flatten(axis):
    model = chain(reshape("X", "a", "s1"), helper.make_node("Flatten", ["a"], ["b"], axis=axis),
                  [shape("s1", [4, 3, 2])])
    assert_same_everywhere(model, {"X": X}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Reshape", "Neg"]


def test_flatten_after_a_reshape_with_an_inferred_dim_stays():
    model = chain(reshape("X", "a", "s1"), helper.make_node("Flatten", ["a"], ["b"]), [shape("s1", [4, -1])])
    assert_same_everywhere(model, {"X": X}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Reshape", "Flatten", "Neg"]


@pytest.mark.parametrize("allowzero", [0, 1])
def test_a_zero_in_the_second_shape(allowzero):
    """0 copies a dim of the first Reshape's output: the pair stays unless allowzero makes it a size."""
    model = chain(reshape("X", "a", "s1"), reshape("a", "b", "s2", allowzero=allowzero),
                  [shape("s1", [0, 12]), shape("s2", [0, 4, 3] if allowzero == 0 else [0, 4, 0])])
    x = X if allowzero == 0 else np.zeros((2, 0, 4), np.float32)
    model.graph.input[0].CopyFrom(tensor("X", shape=list(x.shape)))
    if allowzero == 1:
        model.graph.initializer[0].CopyFrom(shape("s1", [2, 0]))
    assert_same_everywhere(model, {"X": x}, rtol=0, atol=0)
    expected = ["Reshape", "Reshape", "Neg"] if allowzero == 0 else ["Reshape", "Neg"]
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == expected


def test_a_computed_second_shape_stays():
    model = chain(reshape("X", "a", "s1"), reshape("a", "b", "dims"), [shape("s1", [6, 4])],
                  inputs=[tensor("dims", TensorProto.INT64, [2])])
    assert_same_everywhere(model, {"X": X, "dims": np.array([4, 6], np.int64)}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Reshape", "Reshape", "Neg"]


def test_the_first_reshape_stays_for_its_other_reader():
    model = chain(reshape("X", "a", "s1"), reshape("a", "b", "s2"), [shape("s1", [6, 4]), shape("s2", [24])],
                  extra_reader=True)
    assert_same_everywhere(model, {"X": X}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Reshape", "Reshape", "Neg", "Abs"]


def squeeze_pair(first: str, second: str, first_axes, second_axes, opset: int):
    def node(op, src, dst, axes, name):
        if opset >= 13:
            return helper.make_node(op, [src, name], [dst]), [shape(name, axes)]
        return helper.make_node(op, [src], [dst], axes=axes), []
    a, inits_a = node(first, "X", "a", first_axes, "axes1")
    b, inits_b = node(second, "a", "b", second_axes, "axes2")
    return chain(a, b, inits_a + inits_b, opset=opset)


@pytest.mark.parametrize("opset", [11, 13, 21])
@pytest.mark.parametrize("axes", [([0, 3], [3, 0]), ([-1], [-1]), ([1, -1], [1, -1])], ids=["positive", "negative",
                                                                                         "mixed"])
def test_unsqueeze_then_squeeze_on_the_same_axes_cancel(opset, axes):
    model = squeeze_pair("Unsqueeze", "Squeeze", *axes, opset=opset)
    assert_same_everywhere(model, {"X": X}, rtol=0, atol=0)
    mixed = axes[0] == [1, -1]  # the same dims only once the rank is known: left alone
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == (["Unsqueeze", "Squeeze", "Neg"] if mixed else ["Neg"])


@pytest.mark.parametrize("opset", [11, 13])
def test_squeeze_then_unsqueeze_on_the_same_axes_cancel(opset):
    model = squeeze_pair("Squeeze", "Unsqueeze", [1], [1], opset=opset)
    x = X.reshape(2, 1, 12)
    model.graph.input[0].CopyFrom(tensor("X", shape=[2, 1, 12]))
    assert_same_everywhere(model, {"X": x}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Neg"]


def test_different_axes_stay():
    model = squeeze_pair("Unsqueeze", "Squeeze", [0], [1], opset=13)
    model.graph.input[0].CopyFrom(tensor("X", shape=[1, 3, 8]))
    x = X.reshape(1, 3, 8)
    assert_same_everywhere(model, {"X": x}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Unsqueeze", "Squeeze", "Neg"]
