"""A residual block, Relu(Conv(X) + T) with T an intermediate nothing reads afterwards, becomes a
FusedConv whose output takes T's buffer (KernelContext::output_in_place_of). Every convolution
path must then read each T element before it writes that Y element: pointwise and 3x3 direct
kernels (pointwise tiles across rows too), several K slices, the transposed form's small planes, the compacted narrow grid, im2col
(3-D, grouped) and depthwise (which keeps its own buffer). Checked against onnxruntime; T kept
where it is also a graph output."""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

import onyxrt

GEOMETRIES = {
    "pointwise": ((1, 64, 56, 56), (256, 64, 1, 1), {}),
    "pointwise_deep": ((1, 2048, 28, 28), (64, 2048, 1, 1), {}),
    "pointwise_batch": ((3, 24, 20, 20), (48, 24, 1, 1), {}),
    # the transposed form's tiles run across rows narrower than a tile (7 x 7: 14 + 14 + 14 + 7)
    "pointwise_7x7": ((1, 512, 7, 7), (2048, 512, 1, 1), {}),
    "pointwise_3x5": ((2, 64, 3, 5), (48, 64, 1, 1), {}),
    "3x3": ((2, 32, 28, 28), (64, 32, 3, 3), {"pads": [1, 1, 1, 1]}),
    "3x3_deep": ((1, 256, 28, 28), (32, 256, 3, 3), {"pads": [1, 1, 1, 1]}),
    "small_planes_deep": ((1, 256, 7, 7), (256, 256, 3, 3), {"pads": [1, 1, 1, 1]}),
    "3x3_stride2": ((1, 64, 28, 28), (128, 64, 3, 3), {"pads": [1, 1, 1, 1], "strides": [2, 2]}),
    "small_planes": ((1, 512, 7, 7), (512, 512, 3, 3), {"pads": [1, 1, 1, 1]}),
    "narrow_grid": ((1, 16, 5, 5), (32, 16, 3, 3), {"pads": [1, 1, 1, 1]}),
    "grouped": ((1, 32, 14, 14), (64, 8, 3, 3), {"pads": [1, 1, 1, 1], "group": 4}),
    "depthwise": ((1, 32, 28, 28), (32, 1, 3, 3), {"pads": [1, 1, 1, 1], "group": 32}),
    "3d": ((1, 8, 6, 6, 6), (16, 8, 3, 3, 3), {"pads": [1] * 6}),
}


def residual_block(x_shape, w_shape, attrs, keep_t=False):
    """T = Conv_1x1(X) (same output grid as the main conv), Y = Relu(Conv(X) + B + T)."""
    rng = np.random.default_rng(len(x_shape) * 100 + w_shape[0])
    rank = len(x_shape) - 2
    w = (rng.standard_normal(w_shape) / np.sqrt(np.prod(w_shape[1:]))).astype(np.float32)
    b = rng.standard_normal(w_shape[0]).astype(np.float32)
    wt = (rng.standard_normal((w_shape[0], x_shape[1]) + (1,) * rank) / np.sqrt(x_shape[1])).astype(np.float32)
    # The shortcut's 1x1 conv lands on the main conv's grid ('same' padding there): same strides.
    shortcut_attrs = {"strides": attrs.get("strides", [1] * rank)}
    nodes = [
        helper.make_node("Conv", ["X", "Wt"], ["T"], **shortcut_attrs),
        helper.make_node("Conv", ["X", "W", "B"], ["U"], **attrs),
        helper.make_node("Add", ["U", "T"], ["S"]),
        helper.make_node("Relu", ["S"], ["Y"]),
    ]
    outputs = [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)]
    if keep_t:
        outputs.append(helper.make_tensor_value_info("T", TensorProto.FLOAT, None))
    graph = helper.make_graph(
        nodes, "block", [helper.make_tensor_value_info("X", TensorProto.FLOAT, x_shape)], outputs,
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B"), numpy_helper.from_array(wt, "Wt")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    x = rng.standard_normal(x_shape).astype(np.float32)
    return model.SerializeToString(), {"X": x}


def run(runtime, model, feeds, threads):
    options = runtime.SessionOptions()
    options.intra_op_num_threads = threads
    session = runtime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


@pytest.mark.parametrize("geometry", sorted(GEOMETRIES))
@pytest.mark.parametrize("threads", [1, 2])
def test_residual_block_matches_onnxruntime(geometry, threads):
    model, feeds = residual_block(*GEOMETRIES[geometry])
    want = run(onnxruntime, model, feeds, threads)[0]
    for _ in range(2):  # the second run reuses the first's buffers
        got = run(onyxrt, model, feeds, threads)[0]
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("geometry", ["pointwise_deep", "3x3", "small_planes"])
def test_a_residual_that_is_also_an_output_keeps_its_values(geometry):
    model, feeds = residual_block(*GEOMETRIES[geometry], keep_t=True)
    want_y, want_t = run(onnxruntime, model, feeds, 2)
    got_y, got_t = run(onyxrt, model, feeds, 2)
    np.testing.assert_allclose(got_t, want_t, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got_y, want_y, rtol=1e-4, atol=1e-4)
    assert not np.shares_memory(got_y, got_t)
