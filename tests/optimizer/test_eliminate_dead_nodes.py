"""eliminate_dead_nodes (ORT_ENABLE_BASIC and up): nodes that reach no graph output and
initializers nothing reads go; what the outputs need, including subgraphs' outer reads, stays."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import onyxrt
from tests.helpers import make_model, tensor
from tests.optimizer.levels import LEVELS, assert_same_everywhere, onyxrt_session


def test_dead_branch_goes_live_branch_stays():
    nodes = [
        helper.make_node("Relu", ["X"], ["r"]),
        helper.make_node("Mul", ["r", "K"], ["dead_1"]),  # nobody reads these two
        helper.make_node("Exp", ["dead_1"], ["dead_2"]),
        helper.make_node("Add", ["r", "K"], ["Y"]),
    ]
    inits = [numpy_helper.from_array(np.array([1, 2, 3], np.float32), "K"),
             numpy_helper.from_array(np.array([9, 9, 9], np.float32), "unused")]
    model = make_model(nodes, [tensor("X", shape=[3])], [tensor("Y", shape=[3])], inits)
    assert_same_everywhere(model, {"X": np.array([-1, 0, 1], np.float32)})


def test_values_read_only_by_a_subgraph_stay():
    body = helper.make_graph([helper.make_node("Add", ["X", "only_in_branch"], ["t"])], "then", [],
                             [tensor("t", shape=[2])])
    other = helper.make_graph([helper.make_node("Identity", ["X"], ["e"])], "else", [], [tensor("e", shape=[2])])
    nodes = [helper.make_node("Neg", ["X"], ["only_in_branch"]),
             helper.make_node("If", ["cond"], ["Y"], then_branch=body, else_branch=other)]
    model = make_model(nodes, [tensor("X", shape=[2]), tensor("cond", TensorProto.BOOL, [])],
                       [tensor("Y", shape=[2])])
    for cond in (True, False):
        assert_same_everywhere(model, {"X": np.array([1, 2], np.float32), "cond": np.array(cond)})


def test_graph_inputs_stay_even_when_unread():
    model = make_model([helper.make_node("Relu", ["X"], ["Y"])], [tensor("X", shape=[2]), tensor("unread", shape=[2])],
                       [tensor("Y", shape=[2])])
    for level in LEVELS:
        session = onyxrt_session(model, level)
        assert [i.name for i in session.get_inputs()] == ["X", "unread"]
        session.run(None, {"X": np.ones(2, np.float32), "unread": np.ones(2, np.float32)})


@pytest.mark.parametrize("level", LEVELS)
def test_an_unknown_operator_is_reported_even_when_dead(level):
    nodes = [helper.make_node("Relu", ["X"], ["Y"]), helper.make_node("NoSuchOp", ["X"], ["dead"])]
    model = make_model(nodes, [tensor("X", shape=[2])], [tensor("Y", shape=[2])])
    with pytest.raises(onyxrt.NotImplemented, match="NoSuchOp"):
        onyxrt_session(model, level)


@pytest.mark.parametrize("level", LEVELS)
def test_a_malformed_graph_is_reported_alike(level):
    """A dead node reading an undefined value: the same InvalidGraph error at every level."""
    nodes = [helper.make_node("Relu", ["X"], ["Y"]), helper.make_node("Relu", ["nowhere"], ["dead"])]
    model = make_model(nodes, [tensor("X", shape=[2])], [tensor("Y", shape=[2])])
    with pytest.raises(onyxrt.InvalidGraph, match="nowhere"):
        onyxrt_session(model, level)


@pytest.mark.parametrize("level", LEVELS)
def test_a_node_without_outputs_stays_for_its_kernel_to_judge(level):
    """A Loop with no outputs (malformed: every operator has one) whose body returns a float
    condition: the run reports the body at every level instead of the node vanishing."""
    body = helper.make_graph([helper.make_node("Cast", ["cond"], ["cond_out"], to=TensorProto.FLOAT)], "body",
                             [tensor("i", TensorProto.INT64, []), tensor("cond", TensorProto.BOOL, [])],
                             [tensor("cond_out", TensorProto.FLOAT, [])])
    nodes = [helper.make_node("Loop", ["M", ""], [], name="no_outputs", body=body),
             helper.make_node("Identity", ["M"], ["out"])]
    model = make_model(nodes, [tensor("M", TensorProto.INT64, [])], [tensor("out", TensorProto.INT64, [])], opset=13)
    with pytest.raises(onyxrt.InvalidArgument, match="no_outputs"):
        onyxrt_session(model, level).run(None, {"M": np.array(2, np.int64)})
