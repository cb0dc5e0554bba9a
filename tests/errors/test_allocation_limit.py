"""The per-session cap on a single allocation (session config entry
'onyxrt.max_allocation_bytes'): an allocation past it raises RuntimeException naming the node,
the size and the cap; a bad value is refused."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

import onyxrt
from onyxrt.capi.onnxruntime_pybind11_state import InvalidArgument, RuntimeException
from tests.helpers import make_model, tensor

KEY = "onyxrt.max_allocation_bytes"


def constant_of_shape_model(shape_from_input: bool):
    nodes = [helper.make_node("ConstantOfShape", ["shape"], ["y"], name="big")]
    if shape_from_input:
        return make_model(nodes, [tensor("shape", TensorProto.INT64, [1])], [tensor("y", TensorProto.FLOAT)])
    init = [helper.make_tensor("shape", TensorProto.INT64, [1], [1 << 20])]
    nodes.append(helper.make_node("Relu", ["y"], ["z"], name="after"))
    return make_model(nodes, [], [tensor("z", TensorProto.FLOAT)], initializers=init)


def session(model, limit: str | None, level=onyxrt.GraphOptimizationLevel.ORT_ENABLE_ALL):
    options = onyxrt.SessionOptions()
    options.graph_optimization_level = level
    if limit is not None:
        options.add_session_config_entry(KEY, limit)
    return onyxrt.InferenceSession(model.SerializeToString(), options)


def test_run_time_allocation_past_the_cap_names_node_size_and_cap():
    sess = session(constant_of_shape_model(True), str(1 << 20))
    small = sess.run(None, {"shape": np.array([1000], np.int64)})[0]
    assert small.shape == (1000,)
    with pytest.raises(RuntimeException, match=r"ConstantOfShape node 'big'.*4194304 bytes.*1048576 bytes.*"
                                              r"onyxrt\.max_allocation_bytes"):
        sess.run(None, {"shape": np.array([1 << 20], np.int64)})
    # the session stays usable after the refusal
    assert sess.run(None, {"shape": np.array([3], np.int64)})[0].shape == (3,)


@pytest.mark.parametrize("level", [onyxrt.GraphOptimizationLevel.ORT_ENABLE_ALL,
                                   onyxrt.GraphOptimizationLevel.ORT_DISABLE_ALL])
def test_a_constant_subgraph_past_the_cap_fails_at_run_time_not_at_load(level):
    # constant folding leaves what it cannot compute within bounds to the run, which then
    # reports the node
    sess = session(constant_of_shape_model(False), str(1 << 20), level)
    with pytest.raises(RuntimeException, match=r"'big'.*4194304 bytes.*1048576 bytes"):
        sess.run(None, {})


def test_default_cap_refuses_a_huge_shape_without_allocating():
    sess = session(constant_of_shape_model(True), None)
    with pytest.raises(RuntimeException, match=r"refusing to allocate 4398046511104 bytes.*default limit"):
        sess.run(None, {"shape": np.array([1 << 40], np.int64)})


def test_workers_inherit_the_cap():
    # Tile's output is allocated on the calling thread, but a two-thread Gemm on big inputs
    # exercises the parallel path: it must still work under a generous cap.
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = 2
    options.add_session_config_entry(KEY, str(64 << 20))
    model = make_model([helper.make_node("MatMul", ["a", "b"], ["c"], name="mm")],
                       [tensor("a", TensorProto.FLOAT, [256, 256]), tensor("b", TensorProto.FLOAT, [256, 256])],
                       [tensor("c", TensorProto.FLOAT)])
    a = np.random.default_rng(0).standard_normal((256, 256)).astype(np.float32)
    got = onyxrt.InferenceSession(model.SerializeToString(), options).run(None, {"a": a, "b": a})[0]
    np.testing.assert_allclose(got, a @ a, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("value", ["", "0", "-5", "12abc", "1e9", "99999999999999999999999"])
def test_bad_cap_values_are_refused(value):
    with pytest.raises(InvalidArgument, match=rf"{KEY}.*positive number of bytes"):
        session(constant_of_shape_model(True), value)
