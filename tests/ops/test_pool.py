"""MaxPool / AveragePool / GlobalAveragePool / GlobalMaxPool against onnxruntime (onnx.reference
where onnxruntime has no kernel): 1-D / 2-D / 3-D, pads, strides, dilations, ceil_mode,
count_include_pad, auto_pad, the Indices output in both storage orders, int8 / uint8."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from tests.ops.op_check import check, expect_error, rand

WINDOWS = [
    # x shape, attrs
    ((1, 3, 7, 7), {"kernel_shape": [3, 3]}),
    ((2, 2, 13, 17), {"kernel_shape": [3, 2], "strides": [2, 3], "pads": [1, 0, 2, 1]}),
    ((1, 2, 12, 12), {"kernel_shape": [2, 2], "strides": [2, 2]}),
    ((1, 3, 13, 11), {"kernel_shape": [1, 1], "strides": [2, 2]}),  # one stride phase in four read
    ((1, 3, 20, 17), {"kernel_shape": [2, 2], "strides": [3, 3], "pads": [1, 0, 0, 1]}),
    ((1, 2, 40, 12), {"kernel_shape": [3, 3], "strides": [9, 1], "pads": [1, 1, 1, 1]}),
    ((1, 2, 13, 11), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
    ((1, 2, 14, 14), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1}),
    ((1, 2, 13, 13), {"kernel_shape": [3, 3], "dilations": [2, 2], "pads": [1, 2, 1, 2]}),
    ((1, 2, 15, 9), {"kernel_shape": [2, 3], "dilations": [3, 1], "strides": [2, 2], "ceil_mode": 1}),
    ((1, 3, 17), {"kernel_shape": [4], "strides": [3], "pads": [1, 2]}),
    ((1, 2, 5, 7, 9), {"kernel_shape": [2, 3, 3], "strides": [1, 2, 2], "pads": [0, 1, 1, 1, 0, 1]}),
    ((1, 2, 6, 6, 6), {"kernel_shape": [2, 2, 2], "strides": [2, 2, 2], "ceil_mode": 1}),
]


@pytest.mark.parametrize("x_shape,attrs", WINDOWS)
def test_max_pool(x_shape, attrs):
    check("MaxPool", {"X": rand(*x_shape)}, attrs=attrs)


@pytest.mark.parametrize("x_shape,attrs", WINDOWS)
@pytest.mark.parametrize("storage_order", [0, 1])
def test_max_pool_indices(x_shape, attrs, storage_order):
    check(
        "MaxPool",
        {"X": rand(*x_shape)},
        attrs={**attrs, "storage_order": storage_order},
        outputs={"Y": onnx.TensorProto.FLOAT, "I": onnx.TensorProto.INT64},
    )


@pytest.mark.parametrize("x_shape,attrs", WINDOWS)
@pytest.mark.parametrize("count_include_pad", [0, 1])
def test_average_pool(x_shape, attrs, count_include_pad):
    opset = 19 if "dilations" in attrs else 17
    check(
        "AveragePool",
        {"X": rand(*x_shape)},
        attrs={**attrs, "count_include_pad": count_include_pad},
        opset=opset,
    )


@pytest.mark.parametrize("op", ["MaxPool", "AveragePool"])
@pytest.mark.parametrize("auto_pad", ["SAME_UPPER", "SAME_LOWER", "VALID"])
@pytest.mark.parametrize("strides", [[1, 1], [2, 2], [3, 2]])
def test_pool_auto_pad(op, auto_pad, strides):
    check(
        op,
        {"X": rand(1, 2, 11, 10)},
        attrs={"kernel_shape": [3, 2], "auto_pad": auto_pad, "strides": strides},
    )


@pytest.mark.parametrize(
    "op,opset",
    [
        ("MaxPool", 1),
        ("MaxPool", 8),
        ("MaxPool", 10),
        ("MaxPool", 11),
        ("MaxPool", 12),
        ("AveragePool", 1),
        ("AveragePool", 7),
        ("AveragePool", 10),
        ("AveragePool", 11),
        ("AveragePool", 19),
    ],
)
def test_pool_opsets(op, opset):
    # NOTE: AveragePool-1's text divides by the taps inside the input, but onnxruntime and
    # onnx.reference divide by the whole kernel there; onyxrt follows the text, so opset 1 is
    # compared without padding, where the two agree.
    pads = [0, 0, 0, 0] if (op, opset) == ("AveragePool", 1) else [1, 1, 1, 1]
    check(
        op,
        {"X": rand(1, 2, 9, 9)},
        attrs={"kernel_shape": [3, 3], "strides": [2, 2], "pads": pads},
        opset=opset,
    )


@pytest.mark.parametrize("dtype", [np.int8, np.uint8])
def test_max_pool_8bit(dtype):
    x = (
        np.random.default_rng(0)
        .integers(np.iinfo(dtype).min, np.iinfo(dtype).max, (1, 3, 9, 9))
        .astype(dtype)
    )
    check("MaxPool", {"X": x}, attrs={"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 2]})


@pytest.mark.parametrize("op", ["MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool"])
@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_pool_float_types(op, dtype):
    attrs = {} if op.startswith("Global") else {"kernel_shape": [2, 3], "pads": [1, 1, 0, 1]}
    tol = 1e-3 if dtype == np.float16 else 1e-12
    check(op, {"X": rand(2, 3, 7, 8, dtype=dtype)}, attrs=attrs, rtol=tol, atol=tol)


@pytest.mark.parametrize("op", ["GlobalMaxPool", "GlobalAveragePool"])
@pytest.mark.parametrize("x_shape", [(1, 3, 7), (2, 5, 7, 9), (1, 2, 3, 4, 5), (3, 4, 1, 1)])
def test_global_pool(op, x_shape):
    check(op, {"X": rand(*x_shape)})


@pytest.mark.parametrize("threads", [1, 2])
def test_pool_threads(threads):
    check(
        "MaxPool",
        {"X": rand(4, 16, 32, 32)},
        attrs={"kernel_shape": [3, 3], "strides": [2, 2]},
        threads=threads,
    )
    check("AveragePool", {"X": rand(4, 16, 32, 32)}, attrs={"kernel_shape": [3, 3]}, threads=threads)


def test_pool_bad_attributes():
    expect_error(
        "MaxPool",
        {"X": rand(1, 1, 5, 5)},
        attrs={"kernel_shape": [3, 3], "strides": [0, 1]},
        match="strides",
        error="InvalidGraph",
    )
    expect_error(
        "AveragePool",
        {"X": rand(1, 1, 5, 5)},
        attrs={"kernel_shape": [3, 3], "pads": [3, 0, 0, 0]},
        match="not smaller than the kernel",
        error="InvalidGraph",
    )
    expect_error(
        "MaxPool",
        {"X": rand(1, 1, 5, 5)},
        attrs={"kernel_shape": [3]},
        match="kernel",
        error="InvalidArgument",
    )


@pytest.mark.parametrize(
    "x_shape,attrs",
    [
        ((2, 3, 6, 6), {"kernel_shape": [7, 7], "pads": [0, 0, 1, 1]}),  # inception_v1's head: end padding
        ((1, 4, 5, 6), {"kernel_shape": [6, 7], "pads": [1, 0, 0, 1]}),  # begin padding on one axis
        ((1, 3, 7, 7), {"kernel_shape": [7, 7]}),  # exactly the plane
        ((1, 3, 9), {"kernel_shape": [10], "pads": [0, 1]}),  # 1-D
        ((1, 2, 6, 6), {"kernel_shape": [7, 7], "pads": [0, 0, 1, 1], "strides": [3, 3]}),
        ((1, 2, 6, 6), {"kernel_shape": [7, 7], "pads": [1, 1, 1, 1]}),  # two windows per axis: not one
    ],
)
@pytest.mark.parametrize("count_include_pad", [0, 1])
def test_average_pool_one_window_over_the_plane(x_shape, attrs, count_include_pad):
    # One window whose taps inside the input are the whole plane is the plane's mean (when padding
    # does not count in the divisor); with count_include_pad the padded count divides.
    x = rand(*x_shape) + 3.0  # away from 0, so that a wrong divisor shows
    check("AveragePool", {"X": x}, attrs={**attrs, "count_include_pad": count_include_pad})
