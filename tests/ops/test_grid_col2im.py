"""GridSample (16, 20, 22), AffineGrid (20), Col2Im (18) and CenterCropPad (18) against
onnxruntime, and onnx.reference where onnxruntime lacks a kernel (float16, cubic beyond 4-D,
Col2Im beyond 2-D or in double): every mode x padding_mode x align_corners, opset 16 vs 20 mode
names, 5-D and 3-D GridSample, positions far outside the image, AffineGrid 2-D / 3-D, Col2Im with
strides / dilations / pads in 1-D to 3-D, CenterCropPad crop, pad and both at once, and the errors
for bad ranks, shapes and attributes."""

from __future__ import annotations

import numpy as np
import pytest
from onnx.reference import ReferenceEvaluator

import onyxrt
from tests.ops.op_check import check, expect_error, make_node_model, rand

HALF = {"rtol": 2e-2, "atol": 2e-2}
PADDINGS = ["zeros", "border", "reflection"]


def grid(*shape, spread=1.3, dtype=np.float32, seed=1):
    """Normalized positions, some outside [-1, 1] so that every padding rule is exercised."""
    return np.random.default_rng(seed).uniform(-spread, spread, shape).astype(dtype)


def run(model, feeds, threads=2):
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    return onyxrt.InferenceSession(model.SerializeToString(), options).run(None, feeds)[0]


# GridSample


@pytest.mark.parametrize(
    "opset,mode",
    [
        (16, "bilinear"),
        (16, "nearest"),
        (16, "bicubic"),
        (20, "linear"),
        (20, "nearest"),
        (20, "cubic"),
        (22, "linear"),
        (22, "cubic"),
    ],
)
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("align", [0, 1])
def test_grid_sample_4d(opset, mode, padding, align):
    x, g = rand(2, 3, 5, 7), grid(2, 4, 6, 2)
    attrs = {"mode": mode, "padding_mode": padding, "align_corners": align}
    check("GridSample", {"X": x, "grid": g}, attrs=attrs, opset=opset)


@pytest.mark.parametrize("mode", ["linear", "nearest"])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("align", [0, 1])
def test_grid_sample_5d(mode, padding, align):
    x, g = rand(2, 2, 3, 4, 5), grid(2, 3, 2, 4, 3)
    check(
        "GridSample",
        {"X": x, "grid": g},
        attrs={"mode": mode, "padding_mode": padding, "align_corners": align},
        opset=20,
    )


@pytest.mark.parametrize("padding", ["zeros", "reflection"])
@pytest.mark.parametrize("align", [0, 1])
def test_grid_sample_5d_cubic(padding, align):
    # onnxruntime has cubic only in 4-D; onnx.reference agrees with it (and PyTorch) except for
    # border, which it clamps before taking taps (see test_grid_sample_cubic_border_5d).
    x, g = rand(1, 2, 3, 4, 5), grid(1, 2, 3, 2, 3)
    check(
        "GridSample",
        {"X": x, "grid": g},
        attrs={"mode": "cubic", "padding_mode": padding, "align_corners": align},
        opset=20,
        reference=True,
    )


@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize("align", [0, 1])
def test_grid_sample_cubic_border_5d(mode, align):
    # A depth of one: every depth tap clamps to the only slice (border), so the 5-D result is the
    # 4-D one of that slice, which onnxruntime computes.
    x, g = rand(2, 3, 1, 4, 5), grid(2, 1, 3, 4, 3, spread=1.8)
    attrs = {"mode": mode, "padding_mode": "border", "align_corners": align}
    got = run(make_node_model("GridSample", {"X": x, "grid": g}, attrs=attrs, opset=20), {"X": x, "grid": g})
    x4, g4 = x[:, :, 0], np.ascontiguousarray(g[:, 0, :, :, :2])
    want = check("GridSample", {"X": x4, "grid": g4}, attrs=attrs, opset=20)[0]
    np.testing.assert_allclose(got[:, :, 0], want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["linear", "nearest", "cubic"])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("align", [0, 1])
def test_grid_sample_3d_input(mode, padding, align):
    # X of rank 3 (one spatial dim), which onnxruntime lacks: it is the 4-D case of a single row
    # sampled at that row's center (y = 0 unnormalizes to row 0 with a zero fraction).
    x, g = rand(2, 3, 6), grid(2, 5, 1, spread=2.5)
    attrs = {"mode": mode, "padding_mode": padding, "align_corners": align}
    got = run(make_node_model("GridSample", {"X": x, "grid": g}, attrs=attrs, opset=20), {"X": x, "grid": g})
    g4 = np.concatenate([g, np.full_like(g, -1.0 if align else 0.0)], axis=-1)[:, None]
    want = check("GridSample", {"X": x[:, :, None], "grid": g4}, attrs=attrs, opset=20)[0]
    np.testing.assert_allclose(got, want[:, :, 0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["linear", "nearest", "cubic"])
def test_grid_sample_6d(mode):
    # Four spatial dims: 256 cubic taps per point.
    x, g = rand(1, 2, 3, 2, 3, 4), grid(1, 3, 2, 1, 2, 4)
    check(
        "GridSample",
        {"X": x, "grid": g},
        attrs={"mode": mode, "padding_mode": "reflection"},
        opset=20,
        reference=True,
    )


@pytest.mark.parametrize("mode", ["linear", "nearest", "cubic"])
@pytest.mark.parametrize("padding", PADDINGS)
def test_grid_sample_double_and_far_positions(mode, padding):
    # Positions many image widths away (several reflections), and exact pixel centers.
    x = rand(1, 2, 4, 5, dtype=np.float64)
    g = np.concatenate(
        [
            grid(1, 3, 4, 2, spread=9.0, dtype=np.float64),
            np.array([[[[-1, -1], [1, 1], [0, 0], [0.5, -0.5]]]], np.float64),
        ],
        axis=1,
    )
    check(
        "GridSample",
        {"X": x, "grid": g},
        attrs={"mode": mode, "padding_mode": padding},
        opset=20,
        rtol=1e-9,
        atol=1e-9,
    )


@pytest.mark.parametrize("mode", ["linear", "nearest", "cubic"])
def test_grid_sample_float16(mode):
    x, g = rand(1, 2, 4, 5, dtype=np.float16), grid(1, 3, 4, 2, dtype=np.float16)
    check(
        "GridSample",
        {"X": x, "grid": g},
        attrs={"mode": mode, "padding_mode": "reflection"},
        opset=20,
        reference=True,
        **HALF,
    )


def test_grid_sample_bfloat16_and_mixed_grid():
    # X float16 with a float grid (T1 and T2 are separate type parameters), against float32.
    x, g = rand(1, 2, 4, 5), grid(1, 3, 4, 2)
    want = check("GridSample", {"X": x, "grid": g}, opset=22)[0]
    model = make_node_model("GridSample", {"X": x.astype(np.float16), "grid": g}, opset=22)
    got = run(model, {"X": x.astype(np.float16), "grid": g})
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype(np.float32), want, **HALF)


def test_grid_sample_threads_and_large():
    # Enough points for several work units and threads; the result must not depend on them.
    x, g = rand(2, 5, 33, 29), grid(2, 40, 37, 2)
    attrs = {"mode": "cubic", "padding_mode": "reflection", "align_corners": 1}
    model = make_node_model("GridSample", {"X": x, "grid": g}, attrs=attrs, opset=20)
    one = run(model, {"X": x, "grid": g}, threads=1)
    many = run(model, {"X": x, "grid": g}, threads=4)
    np.testing.assert_array_equal(one, many)
    check("GridSample", {"X": x, "grid": g}, attrs=attrs, opset=20, threads=4)


def test_grid_sample_nan_and_empty():
    x = rand(1, 1, 3, 3)
    g = np.array([[[[np.nan, 0.0], [0.0, 0.0], [1e30, -1e30], [np.inf, 0.0]]]], np.float32)
    for padding in PADDINGS:
        model = make_node_model("GridSample", {"X": x, "grid": g}, attrs={"padding_mode": padding}, opset=20)
        y = run(model, {"X": x, "grid": g})
        assert np.isnan(y[0, 0, 0, 0]) and y[0, 0, 0, 1] == pytest.approx(x[0, 0, 1, 1])
        if padding == "zeros":
            assert y[0, 0, 0, 2] == 0 and y[0, 0, 0, 3] == 0
        if padding == "border":
            assert y[0, 0, 0, 2] == pytest.approx(x[0, 0, 0, 2]) and y[0, 0, 0, 3] == pytest.approx(
                x[0, 0, 1, 2]
            )
    check("GridSample", {"X": rand(2, 3, 4, 5), "grid": grid(2, 0, 3, 2)}, opset=20)
    check("GridSample", {"X": rand(0, 3, 4, 5), "grid": grid(0, 2, 3, 2)}, opset=20)
    # An empty image samples zeros in zeros mode, NaN positions included.
    model = make_node_model("GridSample", {"X": rand(1, 2, 0, 4), "grid": g}, opset=20)
    assert not run(model, {"X": rand(1, 2, 0, 4), "grid": g}).any()
    model = make_node_model("GridSample", {"X": rand(1, 2, 0, 4), "grid": grid(1, 2, 3, 2)}, opset=20)
    assert not run(model, {"X": rand(1, 2, 0, 4), "grid": grid(1, 2, 3, 2)}).any()


def test_grid_sample_errors():
    x, g = rand(1, 2, 4, 5), grid(1, 3, 4, 2)
    expect_error(
        "GridSample",
        {"X": x, "grid": g},
        attrs={"mode": "linear"},
        opset=16,
        match="'mode' 'linear'",
        error="InvalidGraph",
    )
    expect_error(
        "GridSample",
        {"X": x, "grid": g},
        attrs={"mode": "bicubic"},
        opset=20,
        match="'mode' 'bicubic'",
        error="InvalidGraph",
    )
    expect_error(
        "GridSample",
        {"X": x, "grid": g},
        attrs={"padding_mode": "wrap"},
        opset=20,
        match="'padding_mode' 'wrap'",
        error="InvalidGraph",
    )
    expect_error(
        "GridSample",
        {"X": x, "grid": g},
        attrs={"align_corners": 2},
        opset=20,
        match="align_corners",
        error="InvalidGraph",
    )
    expect_error(
        "GridSample",
        {"X": rand(1, 2, 3, 4, 5), "grid": grid(1, 2, 2, 2, 3)},
        opset=16,
        match="4-D",
        error="InvalidArgument",
    )
    expect_error(
        "GridSample",
        {"X": x, "grid": grid(1, 3, 4, 3)},
        opset=20,
        match="grid has shape",
        error="InvalidArgument",
    )
    expect_error(
        "GridSample",
        {"X": x, "grid": grid(2, 3, 4, 2)},
        opset=20,
        match="grid has shape",
        error="InvalidArgument",
    )
    expect_error(
        "GridSample",
        {"X": x, "grid": grid(1, 12, 2)},
        opset=20,
        match="grid has shape",
        error="InvalidArgument",
    )
    expect_error(
        "GridSample", {"X": rand(1, 2), "grid": grid(1, 2)}, opset=20, match="rank 3", error="InvalidArgument"
    )
    expect_error(
        "GridSample",
        {"X": x, "grid": g.astype(np.int32)},
        opset=20,
        match="grid has element type",
        error="InvalidArgument",
    )
    expect_error(
        "GridSample",
        {"X": rand(1, 1, *[1] * 9), "grid": grid(1, *[1] * 9, 9)},
        opset=20,
        match="at most 8 are supported",
        error="NotImplemented",
    )
    expect_error(
        "GridSample",
        {"X": rand(1, 2, 0, 4), "grid": g},
        attrs={"padding_mode": "border"},
        opset=20,
        match="empty spatial dim",
        error="InvalidArgument",
    )


# AffineGrid


AFFINE_SIZES = [[2, 3, 4, 5], [1, 1, 1, 6], [2, 3, 3, 4, 5], [1, 2, 5, 1, 2]]


# A single point on an axis with align_corners is left to test_affine_grid_single_point_align_corners:
# onnxruntime gives 1 and onnx.reference -1 there.
@pytest.mark.parametrize(
    "size,align", [(s, 0) for s in AFFINE_SIZES] + [(s, 1) for s in AFFINE_SIZES if 1 not in s[2:]]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_affine_grid(size, align, dtype):
    r = len(size) - 2
    theta = rand(size[0], r, r + 1, dtype=dtype)
    check(
        "AffineGrid",
        {"theta": theta, "size": np.array(size, np.int64)},
        constants=["size"],
        attrs={"align_corners": align},
        opset=20,
        rtol=1e-5,
        atol=1e-6,
    )


def test_affine_grid_single_point_align_corners():
    # PyTorch's choice: the only point of an axis sits at its center, 0.
    theta = np.array([[[2.0, 0.0, 0.5], [0.0, 3.0, -0.25]]], np.float32)
    model = make_node_model(
        "AffineGrid",
        {"theta": theta, "size": np.array([1, 1, 1, 3], np.int64)},
        constants=["size"],
        attrs={"align_corners": 1},
        opset=20,
    )
    got = run(model, {"theta": theta})
    want = np.array([[[[-1.5, -0.25], [0.5, -0.25], [2.5, -0.25]]]], np.float32)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_affine_grid_float16_and_empty():
    # onnx.reference returns float32 for any theta type: compared with the float32 result instead.
    theta = rand(2, 3, 4, dtype=np.float16)
    size = np.array([2, 1, 2, 3, 4], np.int64)
    want = check(
        "AffineGrid", {"theta": theta.astype(np.float32), "size": size}, constants=["size"], opset=20
    )[0]
    got = run(
        make_node_model("AffineGrid", {"theta": theta, "size": size}, constants=["size"], opset=20),
        {"theta": theta},
    )
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype(np.float32), want, **HALF)
    check(
        "AffineGrid",
        {"theta": rand(0, 2, 3), "size": np.array([0, 1, 2, 3], np.int64)},
        constants=["size"],
        opset=20,
        reference=True,
    )


def test_affine_grid_errors():
    theta = rand(2, 2, 3)
    expect_error(
        "AffineGrid",
        {"theta": theta, "size": np.array([2, 1, 4], np.int64)},
        constants=["size"],
        opset=20,
        match="'size' must hold 4 values",
        error="InvalidArgument",
    )
    expect_error(
        "AffineGrid",
        {"theta": theta, "size": np.array([2, 1, 3, 4, 5], np.int64)},
        constants=["size"],
        opset=20,
        match="theta has shape",
        error="InvalidArgument",
    )
    expect_error(
        "AffineGrid",
        {"theta": theta, "size": np.array([3, 1, 4, 5], np.int64)},
        constants=["size"],
        opset=20,
        match="theta has shape",
        error="InvalidArgument",
    )
    expect_error(
        "AffineGrid",
        {"theta": theta, "size": np.array([2, 1, -4, 5], np.int64)},
        constants=["size"],
        opset=20,
        match="negative",
        error="InvalidArgument",
    )
    expect_error(
        "AffineGrid",
        {"theta": theta, "size": np.array([2, 1, 4, 5], np.int64)},
        constants=["size"],
        attrs={"align_corners": 3},
        opset=20,
        match="align_corners",
        error="InvalidGraph",
    )


# Col2Im


def col2im_inputs(n, c, image, block, dilations=None, pads=None, strides=None, dtype=np.float32):
    r = len(image)
    dilations, pads, strides = dilations or [1] * r, pads or [0] * (2 * r), strides or [1] * r
    blocks = 1
    for d in range(r):
        blocks *= (image[d] + pads[d] + pads[d + r] - dilations[d] * (block[d] - 1) - 1) // strides[d] + 1
    attrs = {
        k: v
        for k, v in (("dilations", dilations), ("pads", pads), ("strides", strides))
        if any(e != 1 for e in v) or k == "pads" and any(v)
    }
    inputs = {
        "input": rand(n, c * int(np.prod(block)), blocks, dtype=dtype),
        "image_shape": np.array(image, np.int64),
        "block_shape": np.array(block, np.int64),
    }
    return inputs, attrs


@pytest.mark.parametrize(
    "image,block,dilations,pads,strides",
    [
        ([5, 6], [2, 3], None, None, None),
        ([5, 6], [2, 3], [2, 1], None, None),
        ([5, 6], [2, 3], None, [1, 0, 2, 1], None),
        ([5, 6], [2, 3], None, None, [2, 3]),
        ([7, 6], [3, 2], [2, 2], [1, 2, 0, 1], [2, 1]),
        ([3, 3], [3, 3], None, [1, 1, 1, 1], [2, 2]),
    ],
)
def test_col2im_2d(image, block, dilations, pads, strides):
    inputs, attrs = col2im_inputs(2, 3, image, block, dilations, pads, strides)
    check("Col2Im", inputs, constants=["image_shape", "block_shape"], attrs=attrs, opset=18)


@pytest.mark.parametrize(
    "image,block,dilations,pads,strides",
    [
        ([7], [3], [2], [1, 2], [2]),
        ([4, 5, 6], [2, 2, 3], [1, 2, 1], [1, 0, 1, 0, 1, 1], [1, 2, 2]),
        ([3, 4, 2, 3], [2, 1, 2, 2], None, None, None),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_col2im_nd(image, block, dilations, pads, strides, dtype):
    # onnxruntime's Col2Im is 2-D and float only: against onnx.reference.
    inputs, attrs = col2im_inputs(2, 2, image, block, dilations, pads, strides, dtype=dtype)
    check("Col2Im", inputs, constants=["image_shape", "block_shape"], attrs=attrs, opset=18, reference=True)


def test_col2im_float16_threads_and_empty():
    inputs, attrs = col2im_inputs(1, 2, [5, 6], [2, 3], dtype=np.float16)
    check(
        "Col2Im",
        inputs,
        constants=["image_shape", "block_shape"],
        attrs=attrs,
        opset=18,
        reference=True,
        **HALF,
    )
    inputs, attrs = col2im_inputs(3, 16, [20, 24], [3, 3], [1, 2], [1, 1, 1, 1], [1, 2])
    check("Col2Im", inputs, constants=["image_shape", "block_shape"], attrs=attrs, opset=18, threads=4)
    inputs, attrs = col2im_inputs(0, 2, [5, 6], [2, 3])
    check("Col2Im", inputs, constants=["image_shape", "block_shape"], attrs=attrs, opset=18)


def test_col2im_errors():
    inputs, _ = col2im_inputs(1, 2, [5, 6], [2, 3])
    consts = ["image_shape", "block_shape"]
    bad = dict(inputs, input=inputs["input"][:, :-1])
    expect_error(
        "Col2Im",
        bad,
        constants=consts,
        opset=18,
        match="multiple of prod(block_shape)",
        error="InvalidArgument",
    )
    bad = dict(inputs, input=inputs["input"][:, :, :-1])
    expect_error(
        "Col2Im", bad, constants=consts, opset=18, match="number of sliding blocks", error="InvalidArgument"
    )
    bad = dict(inputs, block_shape=np.array([2, 3, 1], np.int64))
    expect_error(
        "Col2Im", bad, constants=consts, opset=18, match="'block_shape' has 3 dims", error="InvalidArgument"
    )
    bad = dict(inputs, block_shape=np.array([2, 0], np.int64))
    expect_error("Col2Im", bad, constants=consts, opset=18, match="must be positive", error="InvalidArgument")
    bad = dict(inputs, block_shape=np.array([9, 3], np.int64))
    expect_error("Col2Im", bad, constants=consts, opset=18, match="does not fit", error="InvalidArgument")
    expect_error(
        "Col2Im",
        inputs,
        constants=consts,
        attrs={"strides": [1, 1, 1]},
        opset=18,
        match="'strides' has 3 values",
        error="InvalidArgument",
    )
    expect_error(
        "Col2Im",
        inputs,
        constants=consts,
        attrs={"dilations": [0, 1]},
        opset=18,
        match="dilations",
        error="InvalidGraph",
    )
    expect_error(
        "Col2Im",
        inputs,
        constants=consts,
        attrs={"pads": [0, -1, 0, 0]},
        opset=18,
        match="pads",
        error="InvalidGraph",
    )
    bad = dict(inputs, input=inputs["input"][0])
    expect_error("Col2Im", bad, constants=consts, opset=18, match="must be 3-D", error="InvalidArgument")


# CenterCropPad


@pytest.mark.parametrize(
    "shape,target,axes",
    [
        ((5, 6, 7), [3, 4, 7], None),  # crop
        ((5, 6, 7), [8, 9, 10], None),  # pad, odd and even totals
        ((5, 6, 7), [3, 9, 7], None),  # crop and pad
        ((5, 6, 7), [2, 11], [0, 2]),
        ((5, 6, 7), [4, 1], [-2, -1]),  # negative axes
        ((5, 6, 7), [3], [1]),
        ((5, 6, 7), [5, 6, 7], None),  # unchanged
        ((5, 6, 7), [0, 6, 8], None),  # empty output
        ((1, 3, 4, 6), [1, 3, 5, 5], None),
    ],
)
def test_center_crop_pad(shape, target, axes):
    x = rand(*shape)
    attrs = {} if axes is None else {"axes": axes}
    check(
        "CenterCropPad",
        {"x": x, "shape": np.array(target, np.int64)},
        constants=["shape"],
        attrs=attrs,
        opset=18,
    )


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.bool_, np.float16, np.float64, np.complex64])
def test_center_crop_pad_types(dtype):
    # Elements are moved, not computed on: compared exactly (complex parts included).
    x = (np.arange(4 * 5 * 3) % 7).reshape(4, 5, 3).astype(dtype)
    if dtype == np.complex64:
        x = x + 1j * x[::-1]
    model = make_node_model(
        "CenterCropPad",
        {"x": x, "shape": np.array([7, 2], np.int32)},
        constants=["shape"],
        attrs={"axes": [0, 1]},
        opset=18,
    )
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    got = run(model, {"x": x})
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_center_crop_pad_strings_and_threads():
    x = np.array([["a", "b", "c"], ["d", "e", "f"]], dtype=object)
    model = make_node_model(
        "CenterCropPad",
        {"x": x, "shape": np.array([3, 2], np.int64)},
        constants=["shape"],
        outputs={"Y": 8},
        opset=18,
    )
    got = run(model, {"x": x})
    np.testing.assert_array_equal(got, np.array([["a", "b"], ["d", "e"], ["", ""]], dtype=object))
    x = rand(64, 48, 40)
    check(
        "CenterCropPad",
        {"x": x, "shape": np.array([70, 31, 41], np.int64)},
        constants=["shape"],
        opset=18,
        threads=4,
    )
    check(
        "CenterCropPad",
        {"x": x, "shape": np.array([33, 20, 39], np.int64)},
        constants=["shape"],
        opset=18,
        threads=4,
    )


def test_center_crop_pad_errors():
    x = rand(5, 6, 7)
    expect_error(
        "CenterCropPad",
        {"x": x, "shape": np.array([3, 4], np.int64)},
        constants=["shape"],
        opset=18,
        match="'shape' has 2 values, expected 3",
        error="InvalidArgument",
    )
    expect_error(
        "CenterCropPad",
        {"x": x, "shape": np.array([3, 4], np.int64)},
        constants=["shape"],
        attrs={"axes": [0, 3]},
        opset=18,
        match="axis 3 is out of range",
        error="InvalidArgument",
    )
    expect_error(
        "CenterCropPad",
        {"x": x, "shape": np.array([3, -4, 1], np.int64)},
        constants=["shape"],
        opset=18,
        match="negative",
        error="InvalidArgument",
    )
    expect_error(
        "CenterCropPad",
        {"x": x, "shape": np.array([3.0, 4.0, 1.0], np.float32)},
        constants=["shape"],
        opset=18,
        match="'shape' has element type",
        error="InvalidArgument",
    )
