"""com.microsoft FusedConv against onnxruntime's own kernel: every activation, the residual Z,
pointwise / im2col / depthwise / grouped paths, constant and fed weights, and the errors."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import helper, numpy_helper

import onyxrt

ACTIVATIONS = [
    ("Relu", []),
    ("Clip", [-0.5, 0.75]),
    ("LeakyRelu", [0.2]),
    ("Sigmoid", []),
    ("Tanh", []),
    ("HardSigmoid", [0.3, 0.4]),
    (None, []),
]


def fused_conv_model(x_shape, w_shape, *, activation=None, params=(), bias=True, residual=False,
                     constant_w=True, dtype=np.float32, seed=0, **attrs) -> tuple[onnx.ModelProto, dict]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = (rng.standard_normal(w_shape) / np.sqrt(np.prod(w_shape[1:]))).astype(dtype)
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    feeds = {"X": x}
    inits = []
    inputs = [helper.make_tensor_value_info("X", elem, x.shape)]
    if constant_w:
        inits.append(numpy_helper.from_array(w, "W"))
    else:
        feeds["W"] = w
        inputs.append(helper.make_tensor_value_info("W", elem, w.shape))
    node_inputs = ["X", "W", "B" if bias else ""]
    if bias:
        inits.append(numpy_helper.from_array(rng.standard_normal(w_shape[0]).astype(dtype), "B"))
    if residual:
        # Z must have Y's shape: computed from the unfused convolution's output shape.
        y_shape = onnxruntime_conv_shape(x, w, attrs)
        feeds["Z"] = rng.standard_normal(y_shape).astype(dtype)
        inputs.append(helper.make_tensor_value_info("Z", elem, y_shape))
        node_inputs.append("Z")
    while node_inputs and node_inputs[-1] == "":
        node_inputs.pop()
    if activation is not None:
        attrs = dict(attrs, activation=activation)
        if params:
            attrs["activation_params"] = list(params)
    node = helper.make_node("FusedConv", node_inputs, ["Y"], domain="com.microsoft", name="fc", **attrs)
    graph = helper.make_graph([node], "g", inputs, [helper.make_tensor_value_info("Y", elem, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)],
                              ir_version=8)
    return model, feeds


def onnxruntime_conv_shape(x, w, attrs) -> tuple:
    node = helper.make_node("Conv", ["X", "W"], ["Y"], **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", 1, x.shape)],
                              [helper.make_tensor_value_info("Y", 1, None)], [numpy_helper.from_array(w.astype(np.float32), "W")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"X": x.astype(np.float32)})[0].shape


def run_both(model, feeds, threads=1) -> tuple[np.ndarray, np.ndarray]:
    want = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    got = onyxrt.InferenceSession(model.SerializeToString(), options).run(None, feeds)
    return got[0], want[0]


SHAPES = {
    "im2col": ((2, 6, 9, 9), (8, 6, 3, 3), {"pads": [1, 1, 1, 1]}),
    "pointwise": ((1, 16, 40, 40), (24, 16, 1, 1), {}),
    "strided": ((1, 4, 11, 10), (6, 4, 3, 3), {"strides": [2, 2]}),
    "grouped": ((2, 8, 7, 7), (12, 4, 3, 3), {"group": 2, "pads": [1, 1, 1, 1]}),
    "depthwise": ((2, 6, 8, 8), (6, 1, 3, 3), {"group": 6, "pads": [1, 1, 1, 1]}),
    "conv1d": ((2, 4, 17), (5, 4, 3), {"dilations": [2]}),
}


@pytest.mark.parametrize("activation,params", ACTIVATIONS, ids=[a or "none" for a, _ in ACTIVATIONS])
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("residual", [False, True], ids=["plain", "residual"])
def test_matches_onnxruntime(activation, params, shape, residual):
    x_shape, w_shape, attrs = SHAPES[shape]
    model, feeds = fused_conv_model(x_shape, w_shape, activation=activation, params=params, residual=residual, **attrs)
    got, want = run_both(model, feeds)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("threads", [1, 2, 4])
@pytest.mark.parametrize("bias", [True, False])
def test_threads_fed_weights_and_no_bias(threads, bias):
    for constant_w in (True, False):
        model, feeds = fused_conv_model((3, 8, 12, 12), (16, 8, 3, 3), activation="Clip", params=[0.0, 6.0],
                                        bias=bias, residual=True, constant_w=constant_w, pads=[1, 1, 1, 1])
        got, want = run_both(model, feeds, threads)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_double_and_float16_follow_the_float_formula():
    # onnxruntime has FusedConv for float only: the other types are checked against numpy on the
    # float result (Relu(Conv + B + Z)).
    model, feeds = fused_conv_model((1, 3, 6, 6), (4, 3, 3, 3), activation="LeakyRelu", params=[0.1], residual=True)
    want = run_both(model, feeds)[1]
    for dtype, tol in ((np.float64, 1e-5), (np.float16, 2e-2)):
        model_t, feeds_t = fused_conv_model((1, 3, 6, 6), (4, 3, 3, 3), activation="LeakyRelu", params=[0.1],
                                            residual=True, dtype=dtype)
        got = onyxrt.InferenceSession(model_t.SerializeToString()).run(None, feeds_t)[0]
        assert got.dtype == dtype
        np.testing.assert_allclose(got.astype(np.float32), want, rtol=tol, atol=tol)


def test_empty_batch():
    model, feeds = fused_conv_model((0, 3, 6, 6), (4, 3, 3, 3), activation="Relu")
    assert onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)[0].shape == (0, 4, 4, 4)


def test_residual_of_another_shape_is_refused():
    model, feeds = fused_conv_model((1, 3, 6, 6), (4, 3, 3, 3), activation="Relu", residual=True)
    feeds["Z"] = np.ones((1, 4, 1, 1), np.float32)  # broadcastable, but FusedConv's Z is not broadcast
    model.graph.input[1].CopyFrom(helper.make_tensor_value_info("Z", onnx.TensorProto.FLOAT, None))
    with pytest.raises(Exception, match="Z must have the output's type and shape"):
        onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)


@pytest.mark.parametrize("activation,params,message", [
    ("Gelu", [], "unsupported activation 'Gelu'"),
    ("Clip", [0.0], "activation 'Clip' takes 2 activation_params, got 1"),
    ("LeakyRelu", [], "activation 'LeakyRelu' takes 1 activation_params, got 0"),
])
def test_bad_activation_attributes(activation, params, message):
    model, _ = fused_conv_model((1, 3, 6, 6), (4, 3, 3, 3), activation=activation, params=params)
    with pytest.raises(Exception, match=message):
        onyxrt.InferenceSession(model.SerializeToString())
