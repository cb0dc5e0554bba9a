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


@pytest.mark.parametrize("width", [1, 5, 16, 17, 33, 100, 768, 1025])
@pytest.mark.parametrize("offset", [0.0, 300.0])
def test_layer_norm_row_kernel_widths(width, offset):
    """The vectorized float rows: every tail length of a vector, transformer widths, and a mean
    far from zero (the variance is taken around the mean, so it keeps its precision)."""
    inputs = {"X": rand(6, width) * 2 + np.float32(offset), "Scale": rand(width, seed=1), "B": rand(width, seed=2)}
    outputs = {"Y": onnx.TensorProto.FLOAT, "Mean": onnx.TensorProto.FLOAT, "InvStdDev": onnx.TensorProto.FLOAT}
    for epsilon in (1e-5, 1e-12):
        check("LayerNormalization", inputs, attrs={"axis": -1, "epsilon": epsilon}, outputs=outputs, atol=2e-4)


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
@pytest.mark.parametrize("scale_shape", [(2, 40), (40,), (1, 1)])
def test_layer_norm_float_types(dtype, scale_shape):
    """float16 through the float row kernel (Scale broadcast to one value per position first),
    double on its own path. Mean / InvStdDev only for double: onnx.reference gives them float16
    for float16 input, where the schema allows float or bfloat16 (onyxrt: float)."""
    inputs = {"X": rand(3, 2, 40, dtype=dtype), "Scale": rand(*scale_shape, dtype=dtype, seed=1),
              "B": rand(*scale_shape, dtype=dtype, seed=2)}
    stat = onnx.TensorProto.DOUBLE if dtype == np.float64 else onnx.TensorProto.FLOAT
    outputs = {"Y": onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))}
    if dtype == np.float64:
        outputs.update({"Mean": stat, "InvStdDev": stat})
    tol = 2e-2 if dtype == np.float16 else 1e-10
    check("LayerNormalization", inputs, attrs={"axis": 1}, outputs=outputs, rtol=tol, atol=tol, reference=True)


def test_layer_norm_nan_and_inf_rows():
    x = rand(4, 37)
    x[1, 5] = np.nan
    x[2, 0] = np.inf
    got = check("LayerNormalization", {"X": x, "Scale": rand(37, seed=1)}, atol=1e-4, reference=True)[0]
    assert np.isnan(got[1]).all() and np.isnan(got[2]).all() and np.isfinite(got[[0, 3]]).all()


def test_layer_norm_bad_scale():
    expect_error("LayerNormalization", {"X": rand(2, 8), "Scale": rand(5)}, match="Scale", error="InvalidArgument")


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


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("width", [1, 15, 16, 17, 63, 64, 65, 128, 300, 1000])
def test_softmax_row_kernel_widths(op, width):
    """The vectorized float rows: every tail length of the 4-vector steps and BERT's 128."""
    x = rand(5, width) * 8
    check(op, {"X": x}, attrs={"axis": -1}, opset=13, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
def test_softmax_nan_and_inf_rows(op):
    """A NaN, or +inf (inf - inf), makes its row NaN; -inf, or the lowest float that exporters
    fill a causal mask with, gives exactly 0 (as numpy), not a denormal."""
    x = rand(4, 40)
    x[0, 3] = np.nan
    x[1, 39] = np.inf
    x[2, 17] = -np.inf
    x[2, 18:33] = np.finfo(np.float32).min
    model = make_node_model(op, {"X": x}, opset=13)
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, {"X": x})[0]
    assert np.isnan(got[:2]).all()
    assert np.isfinite(got[3]).all() and not np.isnan(got[2]).any()
    p = np.exp(got[2]) if op == "LogSoftmax" else got[2]
    assert (p[17:33] == 0).all() and abs(p.sum() - 1) < 1e-5


def test_softmax_default_axes():
    check("Softmax", {"X": rand(2, 3, 4)}, opset=11)  # flattens from axis 1
    check("Softmax", {"X": rand(2, 3, 4)}, opset=13)  # along the last axis


def test_softmax_bad_axis():
    expect_error("Softmax", {"X": rand(2, 3)}, attrs={"axis": 2}, match="axis 2", error="InvalidArgument")
