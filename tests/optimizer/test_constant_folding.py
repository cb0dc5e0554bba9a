"""constant_folding (ORT_ENABLE_BASIC and up): nodes on constant inputs run once at session
creation. Every model here runs at every level and must match onnxruntime and the unoptimized run."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import onyxrt
from tests.helpers import make_model, tensor
from tests.optimizer.levels import LEVELS, assert_same_everywhere, onnxruntime_run, onyxrt_session


def int64s(name: str, values) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=np.int64), name)


def filled(shape_name: str, out: str, value: float, dtype=TensorProto.FLOAT) -> onnx.NodeProto:
    return helper.make_node("ConstantOfShape", [shape_name], [out],
                            value=helper.make_tensor("value", dtype, [1], [value]))


def weights_from_constant_of_shape() -> onnx.ModelProto:
    """As the light_* models build their weights: ConstantOfShape(shape initializer) -> Conv."""
    nodes = [
        filled("w_shape", "w_ones", 0.25),
        helper.make_node("Range", ["zero", "count", "one"], ["ramp"]),  # distinct values, not only a fill
        helper.make_node("Reshape", ["ramp", "w_shape"], ["w_ramp"]),
        helper.make_node("Mul", ["w_ones", "w_ramp"], ["w"]),
        filled("b_shape", "b", -0.5),
        helper.make_node("Conv", ["x", "w", "b"], ["y"], pads=[1, 1, 1, 1]),
    ]
    inits = [int64s("w_shape", [4, 3, 3, 3]), int64s("b_shape", [4]),
             numpy_helper.from_array(np.array(0, np.float32), "zero"),
             numpy_helper.from_array(np.array(108, np.float32), "count"),
             numpy_helper.from_array(np.array(1, np.float32), "one")]
    return make_model(nodes, [tensor("x", shape=[1, 3, 8, 8])], [tensor("y", shape=[1, 4, 8, 8])], inits)


def test_constant_of_shape_weights_feeding_conv():
    x = np.random.default_rng(0).standard_normal((1, 3, 8, 8)).astype(np.float32)
    assert_same_everywhere(weights_from_constant_of_shape(), {"x": x}, rtol=1e-5, atol=1e-4)


def reshape_by_shape_chain() -> onnx.ModelProto:
    """Y = Reshape(X, Concat(Unsqueeze(Gather(Shape(K), 0)), [-1])): the target shape comes from a
    constant K's shape through the usual exporter chain, so all of it folds but the Reshape."""
    nodes = [
        helper.make_node("Shape", ["K"], ["k_shape"]),
        helper.make_node("Gather", ["k_shape", "zero"], ["k_rows"], axis=0),
        helper.make_node("Unsqueeze", ["k_rows", "axes"], ["k_rows_1d"]),
        helper.make_node("Concat", ["k_rows_1d", "minus_one"], ["target"], axis=0),
        helper.make_node("Reshape", ["X", "target"], ["Y"]),
    ]
    inits = [numpy_helper.from_array(np.zeros((3, 5), np.float32), "K"), int64s("zero", 0), int64s("axes", [0]),
             int64s("minus_one", [-1])]
    return make_model(nodes, [tensor("X", shape=[2, 6, 2])], [tensor("Y", shape=[3, 8])], inits, opset=13)


def test_shape_gather_unsqueeze_concat_reshape_chain():
    x = np.arange(24, dtype=np.float32).reshape(2, 6, 2)
    (y,) = assert_same_everywhere(reshape_by_shape_chain(), {"X": x})
    assert y.shape == (3, 8)


def test_constant_nodes_and_elementwise_chains_fold():
    nodes = [
        helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(np.linspace(-2, 2, 6, dtype=np.float32))),
        helper.make_node("Exp", ["c"], ["e"]),
        helper.make_node("Cast", ["e"], ["e16"], to=TensorProto.FLOAT16),
        helper.make_node("Cast", ["e16"], ["e32"], to=TensorProto.FLOAT),
        helper.make_node("Add", ["X", "e32"], ["Y"]),
    ]
    model = make_model(nodes, [tensor("X", shape=[6])], [tensor("Y", shape=[6])])
    assert_same_everywhere(model, {"X": np.ones(6, np.float32)})


def test_an_output_that_becomes_constant_keeps_its_name():
    """Outputs computed from constants only (and a Constant node's output) come out by name."""
    nodes = [
        helper.make_node("Constant", [], ["direct"], value=numpy_helper.from_array(np.array([1.5, 2.5], np.float32))),
        helper.make_node("Mul", ["K", "K"], ["squared"]),
        helper.make_node("Add", ["X", "squared"], ["Y"]),
    ]
    inits = [numpy_helper.from_array(np.array([1, 2], np.float32), "K")]
    model = make_model(nodes, [tensor("X", shape=[2])],
                       [tensor("Y", shape=[2]), tensor("squared", shape=[2]), tensor("direct", shape=[2])], inits)
    feeds = {"X": np.array([10, 20], np.float32)}
    assert_same_everywhere(model, feeds)
    for level in LEVELS:
        session = onyxrt_session(model, level)
        assert [o.name for o in session.get_outputs()] == ["Y", "squared", "direct"]
        squared, direct = session.run(["squared", "direct"], feeds)
        np.testing.assert_array_equal(squared, [1, 4])
        np.testing.assert_array_equal(direct, [1.5, 2.5])
        # A returned constant is the caller's copy: writing to it must not change the next run.
        squared[:] = -1
        np.testing.assert_array_equal(session.run(["squared"], feeds)[0], [1, 4])


def overridable_weight_model() -> onnx.ModelProto:
    """Y = X + W * 2 where W is an initializer listed as a graph input (IR >= 4: a default)."""
    nodes = [helper.make_node("Mul", ["W", "two"], ["W2"]), helper.make_node("Add", ["X", "W2"], ["Y"])]
    inits = [numpy_helper.from_array(np.array([1, 2, 3], np.float32), "W"),
             numpy_helper.from_array(np.array(2, np.float32), "two")]
    return make_model(nodes, [tensor("X", shape=[3]), tensor("W", shape=[3])], [tensor("Y", shape=[3])], inits)


@pytest.mark.parametrize("level", LEVELS)
def test_overridable_initializers_are_not_folded(level):
    model = overridable_weight_model()
    session = onyxrt_session(model, level)
    x = np.zeros(3, np.float32)
    np.testing.assert_array_equal(session.run(None, {"X": x})[0], [2, 4, 6])
    w = np.array([10, 20, 30], np.float32)
    np.testing.assert_array_equal(session.run(None, {"X": x, "W": w})[0], [20, 40, 60])
    np.testing.assert_array_equal(onnxruntime_run(model, {"X": x, "W": w})[0], [20, 40, 60])


def test_before_ir_4_initializers_listed_as_inputs_are_constants():
    """IR 3 (the light_* models): every initializer is listed as an input and none can be fed, so
    they fold; the results stay those of the unoptimized run."""
    model = weights_from_constant_of_shape()
    model.ir_version = 3
    for init in model.graph.initializer:
        model.graph.input.append(helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
    x = np.random.default_rng(1).standard_normal((1, 3, 8, 8)).astype(np.float32)
    assert_same_everywhere(model, {"x": x}, rtol=1e-5, atol=1e-4)
    for level in LEVELS:
        assert [i.name for i in onyxrt_session(model, level).get_inputs()] == ["x"]


def failing_reshape_model() -> onnx.ModelProto:
    """Reshape of constants to a shape that does not fit: folding it fails, the run must too."""
    nodes = [helper.make_node("Reshape", ["K", "bad_shape"], ["R"]), helper.make_node("Add", ["X", "R"], ["Y"])]
    inits = [numpy_helper.from_array(np.arange(6, dtype=np.float32), "K"), int64s("bad_shape", [4])]
    return make_model(nodes, [tensor("X", shape=[4])], [tensor("Y", shape=[4])], inits)


def test_a_fold_that_raises_leaves_the_error_to_the_run():
    model = failing_reshape_model()
    raised = {}
    for level in LEVELS:
        session = onyxrt_session(model, level)  # creation still succeeds: the node stays unfolded
        with pytest.raises(onyxrt.OnyxrtError) as info:
            session.run(None, {"X": np.zeros(4, np.float32)})
        raised[level] = type(info.value)
        assert "Reshape" in str(info.value)
    assert len(set(raised.values())) == 1, raised


def test_outer_scope_reads_of_folded_values_survive():
    """An If branch reads a value that folding turns into an initializer of the main graph."""
    then_graph = helper.make_graph([helper.make_node("Add", ["X", "folded"], ["t"])], "then", [],
                                   [tensor("t", shape=[2])])
    else_graph = helper.make_graph([helper.make_node("Sub", ["X", "folded"], ["e"])], "else", [],
                                   [tensor("e", shape=[2])])
    nodes = [
        helper.make_node("Mul", ["K", "K"], ["folded"]),
        helper.make_node("If", ["cond"], ["Y"], then_branch=then_graph, else_branch=else_graph),
    ]
    inits = [numpy_helper.from_array(np.array([3, 4], np.float32), "K")]
    model = make_model(nodes, [tensor("X", shape=[2]), tensor("cond", TensorProto.BOOL, [])],
                       [tensor("Y", shape=[2])], inits)
    for cond in (True, False):
        assert_same_everywhere(model, {"X": np.array([1, 1], np.float32), "cond": np.array(cond)})


def test_large_filled_weights_fold_within_the_bound():
    """A ConstantOfShape output the size of vgg19's largest weight (392 MiB) still folds and runs."""
    nodes = [filled("w_shape", "w", 0.001), helper.make_node("MatMul", ["x", "w"], ["y"])]
    model = make_model(nodes, [tensor("x", shape=[1, 25088])], [tensor("y", shape=[1, 4096])],
                       [int64s("w_shape", [25088, 4096])])
    x = np.ones((1, 25088), np.float32)
    for level in ("ORT_DISABLE_ALL", "ORT_ENABLE_ALL"):
        np.testing.assert_allclose(onyxrt_session(model, level).run(None, {"x": x})[0],
                                   np.full((1, 4096), 25.088, np.float32), rtol=1e-4)


@pytest.mark.parametrize("level", LEVELS)
def test_oversized_constant_of_shape_is_left_to_run_time(level):
    """A 2^40-element fill is not folded (nor allocated) at session creation: the model loads,
    and the run reports the allocation failure as the unoptimized run does."""
    nodes = [filled("huge_shape", "huge", 1.0), helper.make_node("ReduceSum", ["huge"], ["s"], keepdims=0),
             helper.make_node("Add", ["x", "s"], ["y"])]
    model = make_model(nodes, [tensor("x", shape=[])], [tensor("y", shape=[])],
                       [int64s("huge_shape", [1 << 20, 1 << 20])], opset=13)
    session = onyxrt_session(model, level)
    assert [o.name for o in session.get_outputs()] == ["y"]
