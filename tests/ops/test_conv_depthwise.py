"""Depthwise Conv (group == channels) against onnxruntime, across the classes the vectorized plane
kernel (kernels/conv/depthwise_f32_planes.h) tells apart: 3x3 and 5x5 (unrolled tap counts) and
other kernels, strides 1 / 2 / 3, pads 0 / half / full / asymmetric, dilations, planes narrower
than, equal to and wider than the vector widths (7, 14, 16, 17, 28, 33, 56: flat and per-row runs,
masked tails), channel multipliers 1 to 4 and above (the GEMM path), 1-D, 3-D (row loops), batch,
thread splits; each ISA tier in a subprocess (ONYXRT_ISA)."""

from __future__ import annotations

import pytest

from tests.ops.op_check import check, rand, run_at_isa


def depthwise(x_shape, k, multiplier=1, bias=True, threads=2, **attrs):
    c = x_shape[1]
    w_shape = (c * multiplier, 1, *([k] * (len(x_shape) - 2) if isinstance(k, int) else k))
    inputs = {"X": rand(*x_shape, seed=1), "W": rand(*w_shape, seed=2)}
    if bias:
        inputs["B"] = rand(w_shape[0], seed=3)
    check("Conv", inputs, constants=tuple(n for n in ("W", "B") if n in inputs), attrs={"group": c, **attrs},
          threads=threads)


@pytest.mark.parametrize("hw", [1, 5, 7, 14, 16, 17, 28, 33, 56])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("k", [3, 5])
def test_depthwise_same_padding(hw, stride, k):
    p = k // 2
    depthwise((1, 12, hw, hw), k, strides=[stride, stride], pads=[p] * 4)


@pytest.mark.parametrize(
    "x_shape,k,attrs",
    [
        ((1, 8, 14, 14), 3, {}),  # no padding
        ((1, 8, 15, 13), 3, {"strides": [2, 2], "pads": [0, 1, 1, 0]}),  # asymmetric
        ((1, 8, 9, 9), 3, {"pads": [3, 3, 3, 3]}),  # padding as wide as the kernel
        ((1, 8, 14, 14), 3, {"strides": [3, 3], "pads": [1, 1, 1, 1]}),
        ((1, 8, 14, 14), 3, {"strides": [1, 2], "pads": [1, 1, 1, 1]}),
        ((1, 8, 17, 17), 3, {"dilations": [2, 2], "pads": [2, 2, 2, 2]}),
        ((1, 8, 17, 17), 3, {"dilations": [2, 2], "strides": [2, 2], "pads": [2, 2, 2, 2]}),
        ((1, 8, 13, 13), 5, {"strides": [2, 2], "pads": [2, 2, 2, 2]}),
        ((1, 8, 12, 12), 2, {"strides": [2, 2]}),
        ((1, 8, 16, 16), [1, 7], {"pads": [0, 3, 0, 3]}),
        ((1, 8, 16, 16), 7, {"pads": [3, 3, 3, 3]}),
        ((1, 4, 20, 20), 9, {"pads": [4, 4, 4, 4]}),  # 81 taps: the row loops
        ((1, 8, 14, 14), 3, {"auto_pad": "SAME_UPPER", "strides": [2, 2]}),
        ((1, 8, 33), 3, {"pads": [1, 1]}),  # 1-D
        ((1, 8, 33), 5, {"strides": [2], "pads": [2, 2]}),
        ((1, 4, 5, 6, 7), 3, {"pads": [1] * 6}),  # 3-D: the row loops
        ((3, 8, 14, 14), 3, {"pads": [1, 1, 1, 1]}),  # batch
    ],
)
def test_depthwise_geometry(x_shape, k, attrs):
    depthwise(x_shape, k, **attrs)


@pytest.mark.parametrize("multiplier", [2, 3, 4, 8])
@pytest.mark.parametrize("stride", [1, 2])
def test_depthwise_multiplier(multiplier, stride):
    depthwise((1, 6, 14, 14), 3, multiplier=multiplier, strides=[stride, stride], pads=[1, 1, 1, 1])


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_depthwise_threads_and_no_bias(threads):
    depthwise((2, 13, 28, 28), 3, multiplier=2, bias=False, threads=threads, pads=[1, 1, 1, 1])


@pytest.mark.parametrize("isa", ["generic", "avx2"])
def test_depthwise_isa_tiers(isa):
    code = (
        "from tests.ops.test_conv_depthwise import depthwise\n"
        "for hw, s, k in [(7, 1, 3), (14, 2, 3), (17, 1, 5), (28, 2, 5), (33, 2, 3)]:\n"
        "    depthwise((1, 6, hw, hw), k, multiplier=2, strides=[s, s], pads=[k // 2] * 4)\n"
    )
    run_at_isa(code, isa)
