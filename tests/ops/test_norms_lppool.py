"""RMSNormalization (23), GroupNormalization (18, 21) and LpPool (2, 11, 18) against
onnx.reference (onnxruntime for LpPool with ceil_mode): axes, Scale broadcast, per-group / per-channel parameters, p, window attributes,
float / double / float16, and the errors for bad shapes."""

from __future__ import annotations

import numpy as np
import pytest

import onyxrt
from tests.ops.op_check import check, expect_error, make_node_model, rand

HALF = {"rtol": 2e-2, "atol": 2e-2}


@pytest.mark.parametrize(
    "x_shape,axis,scale_shape",
    [
        ((2, 5), -1, (5,)),
        ((3, 4, 6), 1, (4, 6)),
        ((3, 4, 6), 1, (1, 6)),
        ((3, 4, 6), 1, (4, 1)),
        ((2, 3, 4, 5), 0, (3, 1, 5)),
        ((2, 3, 4, 5), -2, (1,)),
    ],
)
def test_rms_normalization(x_shape, axis, scale_shape):
    x, scale = rand(*x_shape), rand(*scale_shape, seed=1)
    check("RMSNormalization", {"X": x, "scale": scale}, attrs={"axis": axis}, opset=23, reference=True)
    check(
        "RMSNormalization",
        {"X": x.astype(np.float64), "scale": scale.astype(np.float64)},
        attrs={"axis": axis, "epsilon": 1e-3},
        opset=23,
        reference=True,
    )


def test_rms_normalization_float16():
    x, scale = rand(2, 3, 8, dtype=np.float16), rand(8, dtype=np.float16, seed=1)
    check("RMSNormalization", {"X": x, "scale": scale}, opset=23, reference=True, **HALF)


@pytest.mark.parametrize(
    "x_type,scale_type", [(np.float16, np.float32), (np.float32, np.float64), (np.float64, np.float16)]
)
def test_rms_normalization_mixed_types(x_type, scale_type):
    # The schema gives Y Scale's type (V), X may have another (T). onnx.reference returns X's type
    # there, so the values are checked against numpy instead.
    x, scale = rand(3, 4, 6, dtype=x_type), rand(4, 6, dtype=scale_type, seed=1)
    model = make_node_model("RMSNormalization", {"X": x, "scale": scale}, attrs={"axis": 1}, opset=23)
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, {"X": x, "scale": scale})[0]
    assert got.dtype == scale_type
    x64 = x.astype(np.float64)
    want = x64 / np.sqrt((x64 * x64).mean(axis=(1, 2), keepdims=True) + 1e-5) * scale.astype(np.float64)
    np.testing.assert_allclose(got.astype(np.float64), want, **HALF)


def test_rms_normalization_bad_scale():
    expect_error(
        "RMSNormalization",
        {"X": rand(2, 3, 4), "scale": rand(3)},
        attrs={"axis": -1},
        opset=23,
        match="does not broadcast",
    )


@pytest.mark.parametrize("opset", [18, 21])
@pytest.mark.parametrize(
    "x_shape,groups", [((2, 6, 5, 4), 3), ((3, 4, 7), 2), ((1, 4, 2, 2), 4), ((2, 6), 1)]
)
def test_group_normalization(opset, x_shape, groups):
    count = x_shape[1] if opset >= 21 else groups
    for dtype in (np.float32, np.float64):
        check(
            "GroupNormalization",
            {
                "X": rand(*x_shape, dtype=dtype),
                "scale": rand(count, dtype=dtype, seed=1),
                "bias": rand(count, dtype=dtype, seed=2),
            },
            attrs={"num_groups": groups, "epsilon": 1e-3},
            opset=opset,
            reference=True,
        )


def test_group_normalization_float16():
    check(
        "GroupNormalization",
        {
            "X": rand(2, 4, 3, 3, dtype=np.float16),
            "scale": rand(4, dtype=np.float16, seed=1),
            "bias": rand(4, dtype=np.float16, seed=2),
        },
        attrs={"num_groups": 2},
        opset=21,
        reference=True,
        **HALF,
    )


def test_group_normalization_bad_groups():
    expect_error(
        "GroupNormalization",
        {"X": rand(1, 6, 2, 2), "scale": rand(6), "bias": rand(6)},
        attrs={"num_groups": 4},
        opset=21,
        match="does not divide",
    )


LP_WINDOWS = [
    # x shape, attrs, opset
    ((1, 3, 7, 7), {"kernel_shape": [3, 3]}, 11),
    ((2, 2, 9, 8), {"kernel_shape": [3, 2], "strides": [2, 3], "pads": [1, 0, 2, 1]}, 11),
    ((1, 2, 8, 7), {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "SAME_UPPER"}, 11),
    ((1, 2, 8, 7), {"kernel_shape": [2, 3], "strides": [2, 1], "auto_pad": "SAME_LOWER"}, 11),
    ((1, 3, 17), {"kernel_shape": [4], "strides": [3], "pads": [1, 2]}, 2),
    ((1, 2, 5, 6, 7), {"kernel_shape": [2, 3, 3], "strides": [1, 2, 2]}, 18),
    ((1, 2, 11, 11), {"kernel_shape": [3, 3], "dilations": [2, 2], "pads": [1, 1, 1, 1]}, 18),
    ((1, 2, 11, 10), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}, 18),
]


@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("x_shape,attrs,opset", LP_WINDOWS)
def test_lp_pool(x_shape, attrs, opset, p):
    # With ceil_mode, onnx.reference rescales the windows that run past the input (it computes
    # average * kernel size with the average over the padded taps only); onnxruntime and a plain
    # sum of |x|^p over the zero-padded window agree with each other, so compare with those there.
    reference = "ceil_mode" not in attrs
    check("LpPool", {"X": rand(*x_shape)}, attrs={**attrs, "p": p}, opset=opset, reference=reference)


def test_lp_pool_double_and_float16():
    attrs = {"kernel_shape": [2, 2], "strides": [1, 2]}
    check("LpPool", {"X": rand(2, 3, 6, 6, dtype=np.float64)}, attrs=attrs, opset=18, reference=True)
    check("LpPool", {"X": rand(2, 3, 6, 6, dtype=np.float16)}, attrs=attrs, opset=18, reference=True, **HALF)


def test_norms_bfloat16():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    bf16 = ml_dtypes.bfloat16
    x = rand(2, 4, 3, 3).astype(bf16)
    scale, bias = rand(4, seed=1).astype(bf16), rand(4, seed=2).astype(bf16)
    x64, s64, b64 = x.astype(np.float64), scale.astype(np.float64), bias.astype(np.float64)

    model = make_node_model(
        "GroupNormalization", {"X": x, "scale": scale, "bias": bias}, attrs={"num_groups": 2}, opset=21
    )
    got = onyxrt.InferenceSession(model.SerializeToString()).run(
        None, {"X": x, "scale": scale, "bias": bias}
    )[0]
    groups = x64.reshape(2, 2, -1)
    want = (groups - groups.mean(-1, keepdims=True)) / np.sqrt(groups.var(-1, keepdims=True) + 1e-5)
    want = want.reshape(x.shape) * s64[None, :, None, None] + b64[None, :, None, None]
    assert got.dtype == bf16
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=3e-2, atol=3e-2)

    scale2 = rand(3, 3, seed=3).astype(bf16)
    model = make_node_model("RMSNormalization", {"X": x, "scale": scale2}, attrs={"axis": 2}, opset=23)
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, {"X": x, "scale": scale2})[0]
    want = x64 / np.sqrt((x64 * x64).mean(axis=(2, 3), keepdims=True) + 1e-5) * scale2.astype(np.float64)
    assert got.dtype == bf16
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=3e-2, atol=3e-2)
