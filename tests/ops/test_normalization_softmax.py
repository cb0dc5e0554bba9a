"""BatchNormalization, InstanceNormalization, LRN, LayerNormalization, LpNormalization and the
Softmax family against onnxruntime (onnx.reference where onnxruntime has no kernel)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

import onyxrt
from tests.ops.op_check import check, expect_error, make_node_model, rand


def bn_inputs(x_shape, dtype=np.float32, param_dtype=None):
    c = x_shape[1]
    p = param_dtype or dtype
    return {
        "X": rand(*x_shape, dtype=dtype),
        "scale": rand(c, dtype=p, seed=1),
        "B": rand(c, dtype=p, seed=2),
        "mean": rand(c, dtype=p, seed=3),
        "var": np.abs(rand(c, dtype=p, seed=4)) + p(0.5),
    }


@pytest.mark.parametrize("x_shape", [(2, 3), (2, 3, 7), (1, 5, 7, 9), (2, 3, 4, 5, 6)])
@pytest.mark.parametrize("opset", [7, 9, 14, 15])
@pytest.mark.parametrize("constant", [False, True])
def test_batch_norm(x_shape, opset, constant):
    check(
        "BatchNormalization",
        bn_inputs(x_shape),
        ["scale", "B", "mean", "var"] if constant else [],
        {"epsilon": 1e-3},
        opset=opset,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_batch_norm_float_types(dtype):
    tol = 1e-2 if dtype == np.float16 else 1e-10
    check("BatchNormalization", bn_inputs((2, 3, 4, 5), dtype), rtol=tol, atol=tol)


def test_batch_norm_mixed_parameter_type():  # opset 15: X float16, parameters float
    check(
        "BatchNormalization",
        bn_inputs((2, 3, 4, 5), np.float16, np.float32),
        opset=15,
        rtol=1e-2,
        atol=1e-2,
        reference=True,
    )


@pytest.mark.parametrize("x_shape", [(2, 3, 7), (1, 5, 7, 9), (2, 3, 4, 5, 6)])
def test_instance_norm(x_shape):
    c = x_shape[1]
    check(
        "InstanceNormalization",
        {"X": rand(*x_shape), "scale": rand(c, seed=1), "B": rand(c, seed=2)},
        attrs={"epsilon": 1e-4},
        atol=1e-4,
    )


@pytest.mark.parametrize("size", [1, 3, 5])
@pytest.mark.parametrize("opset", [1, 13])
def test_lrn(size, opset):
    check(
        "LRN",
        {"X": rand(2, 7, 5, 6)},
        attrs={"size": size, "alpha": 2e-3, "beta": 0.8, "bias": 1.5},
        opset=opset,
    )


@pytest.mark.parametrize("size", [2, 4])
def test_lrn_even_size(size):
    # onnxruntime refuses even sizes and onnx.reference loops over the batch axis instead of the
    # channels, so even sizes are checked against the spec's formula written out here.
    x = rand(2, 7, 5, 6)
    alpha, beta, bias = 2e-3, 0.8, 1.5
    lo, hi = (size - 1) // 2, -(-(size - 1) // 2)
    sq = np.zeros_like(x, dtype=np.float64)
    for c in range(x.shape[1]):
        sq[:, c] = (x[:, max(0, c - lo) : min(x.shape[1], c + hi + 1)].astype(np.float64) ** 2).sum(axis=1)
    want = x / (bias + alpha / size * sq) ** beta
    model = make_node_model("LRN", {"X": x}, attrs={"size": size, "alpha": alpha, "beta": beta, "bias": bias})
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, {"X": x})[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "x_shape,axis,scale_shape",
    [
        ((4, 7), -1, (7,)),
        ((2, 3, 8), -1, (8,)),
        ((2, 3, 8), 1, (3, 8)),
        ((2, 3, 8), -2, (1, 8)),
        ((2, 3, 4, 5), 2, (4, 5)),
        ((2, 3, 4, 5), 0, (3, 4, 5)),
        ((3, 5), 1, (1,)),
    ],
)
@pytest.mark.parametrize("with_bias", [False, True])
def test_layer_norm(x_shape, axis, scale_shape, with_bias):
    inputs = {"X": rand(*x_shape), "Scale": rand(*scale_shape, seed=1)}
    if with_bias:
        inputs["B"] = rand(*scale_shape, seed=2)
    outputs = {
        "Y": onnx.TensorProto.FLOAT,
        "Mean": onnx.TensorProto.FLOAT,
        "InvStdDev": onnx.TensorProto.FLOAT,
    }
    check("LayerNormalization", inputs, attrs={"axis": axis, "epsilon": 1e-3}, outputs=outputs, atol=1e-4)


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("p", [1, 2])
def test_lp_norm(axis, p):
    x = rand(3, 4, 5)
    x[0, 0, :] = 0  # a zero line normalizes to zeros
    check("LpNormalization", {"X": x}, attrs={"axis": axis, "p": p})  # onnx.reference forgets abs() for p=1


SOFTMAX_SHAPES = [((7,), [0, -1]), ((3, 17), [0, 1, -1]), ((2, 3, 4, 5), [0, 1, 2, 3, -1, -2])]


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax", "Hardmax"])
@pytest.mark.parametrize("opset", [1, 11, 13])
@pytest.mark.parametrize("shape,axes", SOFTMAX_SHAPES)
def test_softmax_family(op, opset, shape, axes):
    x = rand(*shape) * 10
    x.flat[0] = 1000.0  # large values must not overflow
    for axis in axes:
        if opset == 1 and axis < 0:
            continue
        check(op, {"X": x}, attrs={"axis": axis}, opset=opset, atol=1e-5)


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_softmax_float_types(op, dtype):
    tol = 2e-3 if dtype == np.float16 else 1e-12
    check(op, {"X": rand(3, 4, 5, dtype=dtype)}, attrs={"axis": 1}, rtol=tol, atol=tol)


def test_half_softmax_rounds_like_its_function_body():
    """Softmax-13 is defined as Exp, ReduceSum and Div, each yielding T: every intermediate is
    rounded to float16, as onnx.reference does (the backend suite's expected outputs come from it).
    onnxruntime rounds once, at the end, and lands one ulp away on some elements: we follow the
    spec, bit for bit."""
    from onnx.reference import ReferenceEvaluator

    x = (rand(64, 37) * 4).astype(np.float16)
    model = make_node_model("Softmax", {"X": x}, opset=13)
    expected = ReferenceEvaluator(model).run(None, {"X": x})[0]
    actual = onyxrt.InferenceSession(model.SerializeToString()).run(None, {"X": x})[0]
    assert actual.dtype == np.float16
    np.testing.assert_array_equal(actual.view(np.uint16), expected.view(np.uint16))


def test_softmax_default_axes():
    check("Softmax", {"X": rand(2, 3, 4)}, opset=11)  # flattens from axis 1
    check("Softmax", {"X": rand(2, 3, 4)}, opset=13)  # along the last axis


def test_softmax_bad_axis():
    expect_error("Softmax", {"X": rand(2, 3)}, attrs={"axis": 2}, match="axis 2", error="InvalidArgument")
