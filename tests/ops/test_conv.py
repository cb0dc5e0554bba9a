"""Conv against onnxruntime: 1-D / 2-D / 3-D, strides, pads, dilations, groups (depthwise
included), every auto_pad, bias, constant (pre-packed) and fed weights, odd sizes, dtypes; and the
errors a bad attribute or a channel mismatch raise."""

from __future__ import annotations

import numpy as np
import pytest

from tests.ops.op_check import check, expect_error, rand


def conv_inputs(x_shape, w_shape, bias=True, dtype=np.float32):
    inputs = {"X": rand(*x_shape, dtype=dtype, seed=1), "W": rand(*w_shape, dtype=dtype, seed=2)}
    if bias:
        inputs["B"] = rand(w_shape[0], dtype=dtype, seed=3)
    return inputs


CASES_2D = [
    # x shape, w shape, attrs
    ((1, 3, 7, 7), (4, 3, 3, 3), {}),
    ((2, 3, 13, 17), (5, 3, 3, 3), {"pads": [1, 1, 1, 1]}),
    ((1, 4, 17, 13), (6, 4, 3, 5), {"strides": [2, 3], "pads": [1, 2, 0, 1]}),
    ((1, 2, 13, 13), (3, 2, 3, 3), {"dilations": [2, 3], "pads": [2, 1, 2, 3]}),
    ((1, 8, 9, 9), (8, 1, 3, 3), {"group": 8, "pads": [1, 1, 1, 1]}),  # depthwise
    ((1, 8, 9, 9), (16, 1, 3, 3), {"group": 8, "strides": [2, 2]}),  # depthwise, multiplier 2
    ((2, 6, 11, 7), (9, 2, 3, 1), {"group": 3, "pads": [1, 0, 1, 0]}),
    ((1, 16, 15, 15), (32, 16, 1, 1), {}),  # pointwise: no im2col
    ((2, 8, 15, 15), (12, 4, 1, 1), {"group": 2}),  # grouped pointwise
    ((1, 16, 15, 15), (8, 16, 1, 1), {"strides": [2, 2]}),
    ((1, 3, 63, 63), (17, 3, 7, 7), {"strides": [2, 2], "pads": [3, 3, 3, 3]}),
    ((1, 64, 28, 28), (127, 64, 3, 3), {"pads": [1, 1, 1, 1]}),  # several im2col chunks
    ((1, 1, 5, 5), (1, 1, 5, 5), {}),
    ((1, 2, 1, 1), (3, 2, 1, 1), {}),
    ((1, 2, 3, 3), (3, 2, 3, 3), {"pads": [4, 4, 4, 4]}),  # padding wider than the kernel
    # Stride phases no kernel tap reads (their planes are never copied): a 1x1 window at stride
    # 3 through the padding, taps 0, 2, 4 at stride 2, a 2x2 window at stride 3, rows only.
    ((1, 16, 17, 17), (24, 16, 1, 1), {"strides": [3, 3], "pads": [1, 1, 1, 1]}),
    ((1, 8, 19, 19), (16, 8, 3, 3), {"strides": [2, 2], "dilations": [2, 2], "pads": [2, 1, 2, 1]}),
    ((1, 8, 20, 20), (12, 8, 2, 2), {"strides": [3, 3], "pads": [0, 1, 0, 1]}),
    ((1, 16, 15, 15), (8, 16, 1, 1), {"strides": [2, 1]}),
    ((1, 4, 40, 12), (6, 4, 3, 3), {"strides": [9, 1], "pads": [1, 1, 1, 1]}),  # beyond the planes' strides
]


@pytest.mark.parametrize("x_shape,w_shape,attrs", CASES_2D)
@pytest.mark.parametrize("constant_w", [False, True])
@pytest.mark.parametrize("bias", [False, True])
def test_conv_2d(x_shape, w_shape, attrs, constant_w, bias):
    # A constant 3x3 W with 16+ input and 32+ output channels, stride 1, on a 24x24+ plane runs
    # Winograd F(4x4, 3x3), whose error grows with the output's magnitude (outputs here reach
    # ~100, unit-variance W over 576 products): a few 1e-6 of it, 1.4e-4 here. test_conv_winograd.py
    # bounds that error relative to the output.
    m, c = w_shape[:2]
    winograd = (
        constant_w
        and w_shape[2:] == (3, 3)
        and c >= 16
        and m >= 32
        and m * c >= 1024
        and x_shape[2] * x_shape[3] >= 24 * 24
        and "strides" not in attrs
    )
    check(
        "Conv",
        conv_inputs(x_shape, w_shape, bias),
        ["W", "B"][: 1 + bias] if constant_w else [],
        attrs,
        rtol=1e-4,
        atol=5e-4 if winograd else 1e-4,
    )


@pytest.mark.parametrize("auto_pad", ["SAME_UPPER", "SAME_LOWER", "VALID"])
@pytest.mark.parametrize("strides", [[1, 1], [2, 2], [3, 2]])
def test_conv_auto_pad(auto_pad, strides):
    check(
        "Conv",
        conv_inputs((1, 3, 13, 10), (4, 3, 4, 3)),
        ["W"],
        {"auto_pad": auto_pad, "strides": strides},
        atol=1e-4,
    )


@pytest.mark.parametrize(
    "x_shape,w_shape,attrs",
    [
        ((2, 3, 17), (5, 3, 3), {"pads": [1, 2]}),
        ((1, 4, 31), (6, 2, 5), {"group": 2, "strides": [3], "dilations": [2]}),
        ((1, 4, 13), (8, 4, 1), {}),
        ((1, 2, 7, 9, 11), (3, 2, 3, 3, 3), {"pads": [1, 1, 1, 1, 1, 1]}),
        ((1, 4, 6, 7, 8), (4, 1, 2, 3, 2), {"group": 4, "strides": [2, 1, 2], "dilations": [1, 2, 1]}),
        ((1, 2, 5, 5, 5), (3, 2, 1, 1, 1), {}),
    ],
)
@pytest.mark.parametrize("constant_w", [False, True])
def test_conv_1d_3d(x_shape, w_shape, attrs, constant_w):
    check("Conv", conv_inputs(x_shape, w_shape), ["W"] if constant_w else [], attrs, atol=1e-4)


@pytest.mark.parametrize("threads", [1, 2])
def test_conv_threads(threads):
    check(
        "Conv",
        conv_inputs((4, 8, 20, 20), (16, 8, 3, 3)),
        ["W"],
        {"pads": [1, 1, 1, 1]},
        threads=threads,
        atol=1e-4,
    )


# Images (times groups) that share out evenly, or at least 4 a thread, run whole on one thread
# each; fewer are split within each image. Both sides of that rule, on the direct kernel's
# pointwise and 3x3 forms, grouped or not.
@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("batch", [1, 3, 4, 13])
@pytest.mark.parametrize("group", [1, 2])
@pytest.mark.parametrize("kernel", [1, 3])
def test_conv_units_across_threads(threads, batch, group, kernel):
    # 16 -> 48 channels at 24 x 24: enough work a unit that whole units pay for their fork/join
    x = np.random.default_rng(batch * 10 + group).standard_normal((batch, 16, 24, 24)).astype(np.float32)
    w = np.random.default_rng(kernel).standard_normal((48, 16 // group, kernel, kernel)).astype(np.float32)
    b = np.random.default_rng(7).standard_normal(48).astype(np.float32)
    check("Conv", {"X": x, "W": w, "B": b}, ["W", "B"], {"group": group, "pads": [kernel // 2] * 4},
          threads=threads, atol=1e-4)


@pytest.mark.parametrize("opset", [1, 11])
def test_conv_opsets(opset):
    check("Conv", conv_inputs((1, 2, 5, 5), (3, 2, 3, 3)), ["W"], {"kernel_shape": [3, 3]}, opset=opset)


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
@pytest.mark.parametrize("constant_w", [False, True])
def test_conv_float_types(dtype, constant_w):
    tol = 1e-2 if dtype == np.float16 else 1e-10
    check(
        "Conv",
        conv_inputs((1, 3, 9, 8), (4, 3, 3, 3), dtype=dtype),
        ["W"] if constant_w else [],
        {"pads": [1, 0, 1, 2], "strides": [2, 1]},
        rtol=tol,
        atol=tol,
    )


@pytest.mark.parametrize(
    "attr,value",
    [
        ("strides", [0, 1]),
        ("strides", [-1, 1]),
        ("dilations", [1, 0]),
        ("pads", [-1, 0, 0, 0]),
        ("group", 0),
        ("auto_pad", "SAME"),
    ],
)
def test_conv_bad_attribute_fails_at_creation(attr, value):
    expect_error(
        "Conv",
        conv_inputs((1, 2, 5, 5), (3, 2, 3, 3)),
        ["W"],
        {attr: value},
        match="Conv node 'node'",
        error="InvalidGraph",
    )


def test_conv_channel_mismatch_names_both_shapes():
    msg = expect_error(
        "Conv", conv_inputs((1, 4, 5, 5), (3, 2, 3, 3), bias=False), match="channels", error="InvalidArgument"
    )
    assert "{1,4,5,5}" in msg and "{3,2,3,3}" in msg, msg


def test_conv_window_larger_than_input():
    expect_error(
        "Conv",
        conv_inputs((1, 2, 2, 2), (3, 2, 3, 3)),
        match="larger than the padded",
        error="InvalidArgument",
    )
