"""The float pooling paths the vectorized kernels (kernels/pool.h) serve, against onnxruntime:
MaxPool / AveragePool over 1-D and 2-D windows across strides, pads, dilations, ceil_mode,
count_include_pad and widths either side of the vector widths; the CNN windows at model-like
channel counts (the channels-in-lanes and stride-2 kernels); NaN and -inf inputs (a NaN never
wins a max, a rule the C++ kernel test checks: onnxruntime propagates some NaNs); the whole-plane AveragePool shortcut; GlobalAveragePool / GlobalMaxPool over odd
plane sizes; each ISA tier in a subprocess (ONYXRT_ISA)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.ops.op_check import check, rand, run_at_isa

WINDOWS = [
    ({"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ({"kernel_shape": [3, 3], "strides": [2, 2]}),
    ({"kernel_shape": [3, 3], "strides": [1, 1], "pads": [1, 1, 1, 1]}),
    ({"kernel_shape": [2, 2], "strides": [2, 2]}),
    ({"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
    ({"kernel_shape": [3, 3], "strides": [2, 2], "pads": [0, 1, 1, 0], "ceil_mode": 1}),
    ({"kernel_shape": [5, 5], "strides": [3, 3], "pads": [2, 2, 2, 2]}),
    ({"kernel_shape": [3, 2], "strides": [1, 2], "pads": [1, 0, 1, 1]}),
]


def fits(hw, attrs):
    k, pads = attrs["kernel_shape"], attrs.get("pads", [0, 0, 0, 0])
    return hw + pads[0] + pads[2] >= k[0] and hw + 1 + pads[1] + pads[3] >= k[1]


@pytest.mark.parametrize("hw", [1, 6, 7, 14, 16, 17, 28, 33])
@pytest.mark.parametrize("attrs", WINDOWS)
def test_max_pool_windows(hw, attrs):
    if not fits(hw, attrs):
        pytest.skip("window larger than the padded input")
    check("MaxPool", {"X": rand(2, 5, hw, hw + 1, seed=hw)}, attrs=attrs)


@pytest.mark.parametrize("hw", [1, 6, 7, 14, 16, 17, 28, 33])
@pytest.mark.parametrize("attrs", WINDOWS)
@pytest.mark.parametrize("count_include_pad", [0, 1])
def test_average_pool_windows(hw, attrs, count_include_pad):
    if not fits(hw, attrs):
        pytest.skip("window larger than the padded input")
    attrs = {**attrs, "count_include_pad": count_include_pad}
    check("AveragePool", {"X": rand(2, 5, hw, hw + 1, seed=hw)}, attrs=attrs)


@pytest.mark.parametrize("op", ["MaxPool", "AveragePool"])
def test_pool_dilations_and_1d(op):
    opset = 19  # AveragePool takes dilations from 19
    check(op, {"X": rand(1, 4, 17, 19, seed=4)}, attrs={"kernel_shape": [3, 3], "dilations": [2, 2],
                                                       "pads": [2, 1, 2, 1]}, opset=opset)
    check(op, {"X": rand(1, 4, 37, seed=5)}, attrs={"kernel_shape": [3], "strides": [2], "pads": [1, 1]}, opset=opset)


def test_max_pool_inf():
    x = rand(1, 3, 14, 14, seed=6)
    x[0, 0, 0, 0] = -np.inf
    x[0, 1, 5, 5] = np.inf
    x[0, 2, ::2, ::3] = -np.inf  # (a window of -inf only gives lowest(), as before; onnxruntime -inf)
    for attrs in WINDOWS[:3]:
        check("MaxPool", {"X": x}, attrs=attrs)


@pytest.mark.parametrize("x_shape,k", [((1, 9, 7, 7), 7), ((1, 9, 13, 13), 13), ((2, 3, 6, 5), [6, 5])])
def test_average_pool_whole_plane(x_shape, k):
    k = [k, k] if isinstance(k, int) else k
    check("AveragePool", {"X": rand(*x_shape, seed=7)}, attrs={"kernel_shape": k})
    check("MaxPool", {"X": rand(*x_shape, seed=8)}, attrs={"kernel_shape": k})


# The CNN windows at model-like channel counts: blocks of planes go through the channels-in-lanes
# kernel (rows narrower than a vector), 3-wide stride-2 windows through the column-first kernel,
# the rest through the row kernel; odd channel counts leave partial blocks.
MODEL_WINDOWS = [
    ((1, 37, 7, 7), {"kernel_shape": [3, 3], "strides": [1, 1], "pads": [1, 1, 1, 1]}),
    ((1, 37, 14, 14), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [0, 0, 1, 1]}),
    ((1, 37, 14, 14), {"kernel_shape": [3, 3], "strides": [1, 1], "pads": [1, 1, 1, 1]}),
    ((1, 21, 27, 27), {"kernel_shape": [3, 3], "strides": [2, 2]}),
    ((1, 21, 28, 28), {"kernel_shape": [3, 3], "strides": [1, 1], "pads": [1, 1, 1, 1]}),
    ((1, 5, 112, 112), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [0, 0, 1, 1]}),
    ((1, 5, 111, 111), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
    ((2, 19, 9, 11), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1}),
]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("x_shape,attrs", MODEL_WINDOWS)
def test_pool_model_windows(x_shape, attrs, threads):
    x = rand(*x_shape, seed=x_shape[2])
    check("MaxPool", {"X": x}, attrs=attrs, threads=threads)
    for count_include_pad in (0, 1):
        check("AveragePool", {"X": x}, attrs={**attrs, "count_include_pad": count_include_pad}, threads=threads)


@pytest.mark.parametrize("op", ["GlobalAveragePool", "GlobalMaxPool"])
@pytest.mark.parametrize("x_shape", [(1, 5, 1, 1), (2, 7, 7, 7), (1, 9, 13, 13), (1, 3, 17), (1, 4, 3, 5, 7)])
def test_global_pool_sizes(op, x_shape):
    check(op, {"X": rand(*x_shape, seed=9)}, threads=1)


@pytest.mark.parametrize("isa", ["generic", "avx2"])
def test_pool_isa_tiers(isa):
    code = (
        "from tests.ops.op_check import check, rand, run_at_isa\n"
        "from tests.ops.test_pool_kernels import WINDOWS\n"
        "for hw in (7, 17, 28):\n"
        "    for attrs in WINDOWS[:5]:\n"
        "        check('MaxPool', {'X': rand(1, 3, hw, hw, seed=hw)}, attrs=attrs)\n"
        "        check('AveragePool', {'X': rand(1, 3, hw, hw, seed=hw)}, attrs={**attrs, 'count_include_pad': 1})\n"
        "from tests.ops.test_pool_kernels import MODEL_WINDOWS\n"
        "for x_shape, attrs in MODEL_WINDOWS:\n"
        "    check('MaxPool', {'X': rand(*x_shape, seed=2)}, attrs=attrs)\n"
        "    check('AveragePool', {'X': rand(*x_shape, seed=2)}, attrs=attrs)\n"
        "for op in ('GlobalAveragePool', 'GlobalMaxPool'):\n"
        "    check(op, {'X': rand(1, 5, 13, 13, seed=1)})\n"
    )
    run_at_isa(code, isa)
