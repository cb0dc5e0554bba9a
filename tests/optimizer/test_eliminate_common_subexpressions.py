"""eliminate_common_subexpressions (ORT_ENABLE_BASIC and up, onnxruntime's
CommonSubexpressionElimination with its ConstantSharing): a node computing what an earlier node
computes (same op, domain, attributes, inputs; small constants compared by value) goes, its
readers moving to the earlier one. Random ops, subgraphs and graph outputs are left alone."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.helpers import make_model, tensor
from tests.optimizer.levels import LEVELS, assert_same_everywhere, onyxrt_session, optimized_op_types

X = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)


def test_repeated_nodes_merge():
    model = make_model([helper.make_node("Relu", ["X"], ["r1"]), helper.make_node("Relu", ["X"], ["r2"]),
                        helper.make_node("Sub", ["X", "r1"], ["s1"]), helper.make_node("Sub", ["r2", "X"], ["s2"]),
                        helper.make_node("Sub", ["X", "r2"], ["s3"]), helper.make_node("Mul", ["s1", "s3"], ["m"]),
                        helper.make_node("Add", ["m", "s2"], ["Y"])],
                       [tensor("X", shape=[3, 4])], [tensor("Y", shape=[3, 4])])
    assert_same_everywhere(model, {"X": X}, rtol=0, atol=0)
    # Once r2 is r1, Sub(X, r2) is Sub(X, r1); Sub(r2, X) has its inputs the other way round.
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Relu", "Sub", "Sub", "Mul", "Add"]


def test_shape_computations_with_repeated_constants_merge():
    """As torch exports them: Shape(x) per use, each Gather with its own copy of the index."""
    nodes, inits = [], []
    for k in range(3):
        inits.append(numpy_helper.from_array(np.array(1, np.int64), f"idx{k}"))
        inits.append(numpy_helper.from_array(np.array([0], np.int64), f"axes{k}"))
        nodes += [helper.make_node("Shape", ["X"], [f"s{k}"]), helper.make_node("Gather", [f"s{k}", f"idx{k}"], [f"g{k}"]),
                  helper.make_node("Unsqueeze", [f"g{k}", f"axes{k}"], [f"u{k}"])]
    nodes += [helper.make_node("Concat", ["u0", "u1", "u2"], ["dims"], axis=0),
              helper.make_node("Expand", ["one", "dims"], ["Y"])]
    inits.append(numpy_helper.from_array(np.ones(1, np.float32), "one"))
    model = make_model(nodes, [tensor("X", shape=["n", "m"])], [tensor("Y", shape=None)], inits)
    assert_same_everywhere(model, {"X": X}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Shape", "Gather", "Unsqueeze", "Concat", "Expand"]


def test_different_attributes_or_constants_do_not_merge():
    inits = [numpy_helper.from_array(np.array(0, np.int64), "zero"), numpy_helper.from_array(np.array(1, np.int64), "one"),
             numpy_helper.from_array(np.array(1, np.int32), "one_int32")]
    model = make_model([helper.make_node("Softmax", ["X"], ["a"], axis=0), helper.make_node("Softmax", ["X"], ["b"], axis=1),
                        helper.make_node("LeakyRelu", ["X"], ["c"], alpha=0.0),
                        helper.make_node("LeakyRelu", ["X"], ["d"], alpha=-0.0),
                        helper.make_node("Gather", ["X", "zero"], ["e"]), helper.make_node("Gather", ["X", "one"], ["f"]),
                        helper.make_node("Gather", ["X", "one_int32"], ["g"]),
                        helper.make_node("Sum", ["a", "b", "c", "d"], ["Y"]),
                        helper.make_node("Sum", ["e", "f", "g"], ["Z"])],
                       [tensor("X", shape=[3, 4])], [tensor("Y", shape=[3, 4]), tensor("Z", shape=[4])], inits)
    assert_same_everywhere(model, {"X": X}, rtol=1e-6, atol=1e-7)
    assert optimized_op_types(model, "ORT_ENABLE_ALL") == optimized_op_types(model, "ORT_DISABLE_ALL")


def test_overridable_initializers_are_not_compared_by_value():
    """Since IR 4 an initializer that is also a graph input can be fed: equal defaults prove nothing."""
    inits = [numpy_helper.from_array(np.ones(4, np.float32), "w1"), numpy_helper.from_array(np.ones(4, np.float32), "w2")]
    model = make_model([helper.make_node("Add", ["X", "w1"], ["a"]), helper.make_node("Add", ["X", "w2"], ["b"]),
                        helper.make_node("Sub", ["a", "b"], ["Y"])],
                       [tensor("X", shape=[3, 4]), tensor("w1", shape=[4]), tensor("w2", shape=[4])],
                       [tensor("Y", shape=[3, 4])], inits)
    assert optimized_op_types(model, "ORT_ENABLE_ALL") == ["Add", "Add", "Sub"]
    w2 = np.full(4, 5, np.float32)
    for level in LEVELS:
        (y,) = onyxrt_session(model, level).run(None, {"X": X, "w2": w2})
        np.testing.assert_allclose(y, np.full((3, 4), -4, np.float32), rtol=1e-6, err_msg=level)


def test_dropouts_each_draw_their_own_mask():
    """A Dropout in training mode is random (and its mode may be fed): never merged."""
    inits = [numpy_helper.from_array(np.array(0.5, np.float32), "ratio")]
    model = make_model([helper.make_node("Dropout", ["X", "ratio", "T"], ["a"]),
                        helper.make_node("Dropout", ["X", "ratio", "T"], ["b"]), helper.make_node("Sub", ["a", "b"], ["Y"])],
                       [tensor("X", shape=[64, 64]), tensor("T", TensorProto.BOOL, [])], [tensor("Y", shape=[64, 64])],
                       inits)
    assert optimized_op_types(model, "ORT_ENABLE_ALL") == ["Dropout", "Dropout", "Sub"]
    for level in LEVELS:
        (y,) = onyxrt_session(model, level).run(None, {"X": np.ones((64, 64), np.float32), "T": np.array(True)})
        assert np.count_nonzero(y) > 1000, level


def test_nodes_with_subgraphs_are_left_alone():
    def branch(value):
        return helper.make_graph([helper.make_node("Constant", [], ["v"], value_float=value)], "b", [],
                                 [tensor("v", shape=[])])
    model = make_model([helper.make_node("If", ["C"], ["a"], then_branch=branch(1.0), else_branch=branch(2.0)),
                        helper.make_node("If", ["C"], ["b"], then_branch=branch(1.0), else_branch=branch(2.0)),
                        helper.make_node("Add", ["a", "b"], ["Y"])],
                       [tensor("C", TensorProto.BOOL, [])], [tensor("Y", shape=[])])
    assert_same_everywhere(model, {"C": np.array(True)}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_ALL") == ["If", "If", "Add"]


def test_graph_outputs_keep_their_nodes():
    model = make_model([helper.make_node("Neg", ["X"], ["Y"]), helper.make_node("Neg", ["X"], ["Z"]),
                        helper.make_node("Neg", ["X"], ["n"]), helper.make_node("Abs", ["n"], ["W"])],
                       [tensor("X", shape=[3, 4])], [tensor("Y", shape=[3, 4]), tensor("Z", shape=[3, 4]),
                                                     tensor("W", shape=[3, 4])])
    assert_same_everywhere(model, {"X": X}, rtol=0, atol=0)
    # Y and Z are asked for by name; n is not, so Abs reads Y.
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Neg", "Neg", "Abs"]


def test_multi_output_nodes_merge_output_by_output():
    inits = [numpy_helper.from_array(np.array([1, 3], np.int64), "split"),
             numpy_helper.from_array(np.array([2], np.int64), "k")]
    model = make_model([helper.make_node("Split", ["X", "split"], ["a1", "a2"], axis=1),
                        helper.make_node("Split", ["X", "split"], ["b1", "b2"], axis=1),
                        helper.make_node("TopK", ["X", "k"], ["v1", "i1"]), helper.make_node("TopK", ["X", "k"], ["v2", "i2"]),
                        helper.make_node("Concat", ["a1", "b2", "v2"], ["Y"], axis=1),
                        helper.make_node("Concat", ["b1", "a2", "v1"], ["Z"], axis=1),
                        helper.make_node("Sub", ["i1", "i2"], ["I"])],
                       [tensor("X", shape=[3, 4])],
                       [tensor("Y", shape=[3, 6]), tensor("Z", shape=[3, 6]), tensor("I", TensorProto.INT64, [3, 2])],
                       inits)
    assert_same_everywhere(model, {"X": X}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Split", "TopK", "Concat", "Concat", "Sub"]


@pytest.mark.parametrize("level", ["ORT_ENABLE_BASIC", "ORT_ENABLE_ALL"])
def test_reads_inside_subgraphs_move_too(level):
    body = helper.make_graph([helper.make_node("Add", ["r2", "one"], ["v"])], "then", [], [tensor("v", shape=[3, 4])])
    other = helper.make_graph([helper.make_node("Identity", ["r1"], ["w"])], "else", [], [tensor("w", shape=[3, 4])])
    model = make_model([helper.make_node("Relu", ["X"], ["r1"]), helper.make_node("Relu", ["X"], ["r2"]),
                        helper.make_node("If", ["C"], ["Y"], then_branch=body, else_branch=other)],
                       [tensor("X", shape=[3, 4]), tensor("C", TensorProto.BOOL, [])], [tensor("Y", shape=[3, 4])],
                       [numpy_helper.from_array(np.array(1, np.float32), "one")])
    for c in (True, False):
        assert_same_everywhere(model, {"X": X, "C": np.array(c)}, rtol=0, atol=0)
    assert optimized_op_types(model, level) == ["Relu", "If"]
