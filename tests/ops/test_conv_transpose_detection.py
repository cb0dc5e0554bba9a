"""ConvTranspose, DeformConv, MaxUnpool, MeanVarianceNormalization, BatchNormalization (its
7 / 9 / 14 / 15 signatures, training included), NonMaxSuppression and RoiAlign against
onnxruntime (onnx.reference where onnxruntime has no kernel or disagrees with the ONNX
conformance data), on edge shapes, every attribute mode, and the errors bad input raises."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

import onyxrt
from tests.ops.op_check import IR_VERSION, check, expect_error, expected_outputs, make_node_model, rand

INT64 = TensorProto.INT64


def ct_inputs(x_shape, w_shape, group=1, bias=True, dtype=np.float32):
    inputs = {"X": rand(*x_shape, dtype=dtype, seed=1), "W": rand(*w_shape, dtype=dtype, seed=2)}
    if bias:
        inputs["B"] = rand(w_shape[1] * group, dtype=dtype, seed=3)
    return inputs


# --- ConvTranspose ---------------------------------------------------------------------------

CT_2D = [
    # x shape, w shape (C, M/group, k...), attrs
    ((1, 3, 5, 5), (3, 2, 3, 3), {}),
    ((2, 3, 7, 6), (3, 4, 3, 3), {"strides": [2, 2]}),
    ((1, 4, 6, 5), (4, 3, 3, 2), {"strides": [3, 2], "pads": [1, 0, 2, 1]}),
    ((1, 2, 5, 7), (2, 3, 3, 3), {"strides": [2, 3], "output_padding": [1, 2]}),
    ((1, 2, 6, 6), (2, 2, 3, 3), {"dilations": [2, 3], "pads": [1, 1, 2, 0]}),
    ((2, 6, 5, 4), (6, 2, 3, 3), {"group": 3, "strides": [2, 1], "pads": [1, 1, 1, 1]}),
    ((1, 8, 5, 5), (8, 1, 3, 3), {"group": 8, "strides": [2, 2]}),  # depthwise
    ((1, 16, 9, 9), (16, 8, 1, 1), {}),  # pointwise: the GEMM writes Y directly
    ((1, 4, 9, 9), (4, 6, 1, 1), {"group": 2}),  # grouped pointwise
    ((1, 4, 5, 5), (4, 3, 1, 1), {"strides": [2, 2]}),  # 1x1 but strided: col2im
    ((1, 32, 40, 40), (32, 16, 4, 4), {"strides": [2, 2], "pads": [1, 1, 1, 1]}),  # several column chunks
    ((1, 1, 1, 1), (1, 1, 3, 3), {}),
    ((1, 2, 3, 3), (2, 2, 3, 3), {"pads": [2, 2, 2, 2]}),  # pads eat most of the output
]


@pytest.mark.parametrize("x_shape,w_shape,attrs", CT_2D)
@pytest.mark.parametrize("constant_w", [False, True])
@pytest.mark.parametrize("bias", [False, True])
def test_conv_transpose_2d(x_shape, w_shape, attrs, constant_w, bias):
    inputs = ct_inputs(x_shape, w_shape, attrs.get("group", 1), bias)
    constants = ["W", "B"][: 1 + bias] if constant_w else []
    check("ConvTranspose", inputs, constants, attrs, rtol=1e-4, atol=1e-4)


def test_conv_transpose_output_padding_below_dilation():
    # The spec allows output_padding up to the stride or the dilation; onnxruntime and the
    # reference stop at the stride. The padding only appends outputs that no input reaches: the
    # bias, after the adj=0 result.
    inputs = ct_inputs((1, 2, 4, 4), (2, 2, 2, 2))
    attrs = {"dilations": [3, 1]}
    want = check("ConvTranspose", inputs, attrs=attrs)[0]
    model = make_node_model("ConvTranspose", inputs, attrs={**attrs, "output_padding": [2, 0]})
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, inputs)[0]
    assert got.shape == (1, 2, want.shape[2] + 2, want.shape[3])
    np.testing.assert_allclose(got[:, :, : want.shape[2]], want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        got[:, :, want.shape[2] :],
        np.broadcast_to(inputs["B"][None, :, None, None], (1, 2, 2, want.shape[3])),
    )


@pytest.mark.parametrize("auto_pad", ["SAME_UPPER", "SAME_LOWER", "VALID"])
@pytest.mark.parametrize("strides", [[1, 1], [2, 2], [3, 2]])
@pytest.mark.parametrize("kernel", [[3, 3], [4, 2]])
def test_conv_transpose_auto_pad(auto_pad, strides, kernel):
    check(
        "ConvTranspose",
        ct_inputs((1, 2, 5, 4), (2, 3, *kernel)),
        ["W"],
        {"auto_pad": auto_pad, "strides": strides},
    )


@pytest.mark.parametrize("auto_pad", ["NOTSET", "SAME_UPPER", "SAME_LOWER"])
@pytest.mark.parametrize(
    "output_shape,extra",
    [
        ([10, 8], {}),  # odd total padding: the split depends on auto_pad
        ([9, 9], {"output_padding": [1, 1]}),
        ([12, 10], {}),  # past the natural size: zeros appended
        ([3, 2], {}),
    ],
)
def test_conv_transpose_output_shape(auto_pad, output_shape, extra):
    attrs = {"strides": [2, 2], "output_shape": output_shape, "auto_pad": auto_pad, **extra}
    check("ConvTranspose", ct_inputs((1, 2, 5, 4), (2, 3, 3, 3)), ["W"], attrs)


def test_conv_transpose_output_shape_wins_over_pads():
    attrs = {"strides": [2, 2], "output_shape": [11, 9], "pads": [5, 5, 5, 5]}
    check("ConvTranspose", ct_inputs((1, 2, 5, 4), (2, 3, 3, 3)), ["W"], attrs)


@pytest.mark.parametrize(
    "x_shape,w_shape,attrs",
    [
        ((2, 3, 7), (3, 4, 3), {"strides": [2], "pads": [1, 2]}),
        ((1, 4, 9), (4, 2, 5), {"group": 2, "strides": [3], "dilations": [2], "output_padding": [1]}),
        ((1, 2, 6), (2, 3, 4), {"auto_pad": "SAME_LOWER", "strides": [2]}),
        ((1, 2, 4, 5, 3), (2, 3, 3, 3, 2), {"strides": [2, 1, 2], "pads": [1, 0, 1, 0, 1, 0]}),
        ((1, 4, 3, 3, 3), (4, 1, 2, 2, 2), {"group": 2, "dilations": [2, 1, 1], "output_shape": [4, 3, 4]}),
        ((2, 2, 3, 4, 2), (2, 2, 1, 1, 1), {}),
    ],
)
@pytest.mark.parametrize("constant_w", [False, True])
def test_conv_transpose_1d_3d(x_shape, w_shape, attrs, constant_w):
    check(
        "ConvTranspose",
        ct_inputs(x_shape, w_shape, attrs.get("group", 1)),
        ["W"] if constant_w else [],
        attrs,
    )


@pytest.mark.parametrize("threads", [1, 2, 4])
@pytest.mark.parametrize("batch", [1, 5])
def test_conv_transpose_threads(threads, batch):  # units below and above the thread count
    check(
        "ConvTranspose",
        ct_inputs((batch, 8, 12, 12), (8, 6, 3, 3)),
        ["W"],
        {"strides": [2, 2], "pads": [1, 1, 1, 1]},
        threads=threads,
        atol=1e-4,
    )


@pytest.mark.parametrize("opset", [1, 11, 22])
def test_conv_transpose_opsets(opset):
    inputs = ct_inputs((1, 2, 4, 4), (2, 3, 3, 3))
    check("ConvTranspose", inputs, ["W"], {"kernel_shape": [3, 3], "strides": [2, 2]}, opset=opset)


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
@pytest.mark.parametrize("constant_w", [False, True])
def test_conv_transpose_float_types(dtype, constant_w):
    tol = 1e-2 if dtype == np.float16 else 1e-10
    check(
        "ConvTranspose",
        ct_inputs((2, 3, 5, 4), (3, 2, 3, 3), dtype=dtype),
        ["W"] if constant_w else [],
        {"pads": [1, 0, 1, 2], "strides": [2, 1], "output_padding": [1, 0]},
        rtol=tol,
        atol=tol,
    )


def test_conv_transpose_bfloat16():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    bf16 = ml_dtypes.bfloat16
    inputs = {k: v.astype(bf16) for k, v in ct_inputs((1, 3, 5, 5), (3, 2, 3, 3)).items()}
    attrs = {"strides": [2, 2]}
    model = make_node_model("ConvTranspose", inputs, attrs=attrs, opset=22)
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, inputs)[0]
    assert got.dtype == bf16
    as_float = {k: v.astype(np.float32) for k, v in inputs.items()}
    want = check("ConvTranspose", as_float, attrs=attrs)[0]
    np.testing.assert_allclose(got.astype(np.float32), want, rtol=3e-2, atol=5e-2)


def test_conv_transpose_empty_batch():
    check("ConvTranspose", ct_inputs((0, 2, 4, 4), (2, 3, 3, 3)), ["W"], {"strides": [2, 2]})


@pytest.mark.parametrize(
    "x_shape,w_shape,attrs,match",
    [
        ((1, 4, 5, 5), (3, 2, 3, 3), {}, "channels"),
        ((1, 4, 5, 5), (4, 2, 3, 3), {"group": 3}, "divisible by group"),
        ((1, 2, 5, 5), (2, 2, 3, 3), {"strides": [2, 2], "output_padding": [2, 0]}, "output_padding"),
        ((1, 2, 5, 5), (2, 2, 3, 3), {"strides": [2, 2], "output_shape": [20, 9]}, "output_shape 20"),
        ((1, 2, 5, 5), (2, 2, 3, 3), {"output_shape": [7]}, "output_shape"),
        ((1, 2, 2, 2), (2, 2, 3, 3), {"pads": [3, 3, 3, 3]}, "exceed"),
        ((1, 2, 5, 5), (2, 2, 3, 3), {"kernel_shape": [2, 2]}, "kernel_shape"),
        ((1, 2, 5, 5), (2, 2, 3), {}, "rank"),
    ],
)
def test_conv_transpose_bad_input(x_shape, w_shape, attrs, match):
    expect_error(
        "ConvTranspose",
        ct_inputs(x_shape, w_shape, bias=False),
        attrs=attrs,
        match=match,
        error="InvalidArgument",
    )


@pytest.mark.parametrize(
    "attr,value", [("group", 0), ("strides", [0, 1]), ("output_padding", [-1, 0]), ("auto_pad", "SAME")]
)
def test_conv_transpose_bad_attribute(attr, value):
    expect_error(
        "ConvTranspose",
        ct_inputs((1, 2, 5, 5), (2, 2, 3, 3)),
        ["W"],
        {attr: value},
        match=attr,
        error="InvalidGraph",
    )


def test_conv_transpose_bias_shape():
    inputs = ct_inputs((1, 2, 5, 5), (2, 2, 3, 3), bias=False)
    inputs["B"] = rand(3)
    expect_error("ConvTranspose", inputs, match="B must have shape [2]", error="InvalidArgument")


# --- DeformConv ------------------------------------------------------------------------------


def deform_inputs(
    x_shape, w_shape, out_spatial, offset_group=1, mask=False, bias=False, scale=1.5, dtype=np.float32
):
    """X, W, offset, then B (or "" when only the mask follows) and mask, as the node takes them."""
    n, k, rank = x_shape[0], int(np.prod(w_shape[2:])), len(out_spatial)
    inputs = {
        "X": rand(*x_shape, seed=1),
        "W": rand(*w_shape, seed=2),
        "offset": scale * rand(n, offset_group * k * rank, *out_spatial, seed=3),
    }
    if bias or mask:
        inputs["B" if bias else ""] = rand(w_shape[0], seed=4) if bias else None
    if mask:
        inputs["mask"] = np.random.default_rng(5).random((n, offset_group * k, *out_spatial))
    return {name: None if v is None else v.astype(dtype) for name, v in inputs.items()}


@pytest.mark.parametrize(
    "x_shape,w_shape,out,attrs",
    [
        ((1, 1, 3, 3), (1, 1, 2, 2), (2, 2), {}),
        ((2, 4, 7, 6), (6, 2, 3, 3), (7, 6), {"group": 2, "pads": [1, 1, 1, 1]}),
        ((1, 4, 9, 8), (3, 4, 3, 2), (4, 3), {"strides": [2, 2], "dilations": [1, 2], "offset_group": 2}),
        (
            (1, 6, 6, 6),
            (4, 3, 2, 2),
            (5, 5),
            {"group": 2, "offset_group": 3},
        ),  # offset groups straddle groups
        ((1, 3, 30, 30), (8, 3, 3, 3), (30, 30), {"pads": [1, 1, 1, 1]}),  # several column chunks
    ],
)
@pytest.mark.parametrize("mask", [False, True])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("constant_w", [False, True])
def test_deform_conv(x_shape, w_shape, out, attrs, mask, bias, constant_w):
    inputs = deform_inputs(x_shape, w_shape, out, attrs.get("offset_group", 1), mask, bias)
    check("DeformConv", inputs, ["W"] if constant_w else [], attrs, opset=19, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("scale", [0.0, 4.0, 50.0])  # zero offsets, mostly inside, mostly outside
def test_deform_conv_offset_ranges(scale):
    inputs = deform_inputs((1, 2, 6, 5), (3, 2, 3, 3), (4, 3), mask=True, bias=True, scale=scale)
    check("DeformConv", inputs, attrs={}, opset=19, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "x_shape,w_shape,out,attrs",
    [
        ((2, 3, 11), (4, 3, 3), (5,), {"strides": [2]}),
        ((1, 2, 5, 6, 4), (3, 2, 3, 2, 2), (5, 5, 3), {"pads": [1, 0, 0, 1, 0, 0]}),
    ],
)
def test_deform_conv_zero_offset_is_conv(x_shape, w_shape, out, attrs):
    # No oracle has 1-D / 3-D DeformConv: with zero offsets and no mask it must equal Conv.
    inputs = deform_inputs(x_shape, w_shape, out, scale=0.0)
    offset = inputs.pop("offset")
    want = check("Conv", inputs, attrs=attrs)[0]
    inputs["offset"] = offset
    model = make_node_model("DeformConv", inputs, attrs=attrs, opset=19)
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, inputs)[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_deform_conv_float_types(dtype):
    inputs = deform_inputs((1, 2, 5, 5), (2, 2, 2, 2), (4, 4), mask=True, dtype=dtype)
    tol = 2e-2 if dtype == np.float16 else 1e-10
    check("DeformConv", inputs, attrs={}, opset=19, rtol=tol, atol=tol, reference=dtype == np.float16)


@pytest.mark.parametrize(
    "change,match",
    [
        ({"offset": rand(1, 8, 3, 3)}, "offset has shape"),
        ({"mask": rand(1, 3, 4, 4)}, "mask has shape"),
        ({"W": rand(2, 3, 2, 2)}, "channels"),
    ],
)
def test_deform_conv_bad_shapes(change, match):
    inputs = deform_inputs((1, 2, 5, 5), (2, 2, 2, 2), (4, 4), mask=True)
    inputs.update(change)
    expect_error("DeformConv", inputs, opset=19, match=match, error="InvalidArgument")


def test_deform_conv_offset_group_must_divide_channels():
    inputs = deform_inputs((1, 3, 5, 5), (2, 3, 2, 2), (4, 4), offset_group=2)
    expect_error(
        "DeformConv",
        inputs,
        attrs={"offset_group": 2},
        opset=19,
        match="offset_group",
        error="InvalidArgument",
    )


# --- MaxUnpool -------------------------------------------------------------------------------


def pooled(x_shape, attrs):
    """MaxPool's values and indices for a random input, from onnxruntime."""
    import onnxruntime

    x = rand(*x_shape, seed=7)
    model = make_node_model(
        "MaxPool", {"X": x}, attrs=attrs, outputs={"Y": TensorProto.FLOAT, "I": INT64}, opset=12
    )
    sess = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"X": x})


@pytest.mark.parametrize(
    "x_shape,attrs",
    [
        ((2, 3, 8, 6), {"kernel_shape": [2, 2], "strides": [2, 2]}),
        ((1, 2, 9, 7), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
        ((1, 2, 9), {"kernel_shape": [3], "strides": [3]}),
        ((1, 2, 4, 6, 4), {"kernel_shape": [2, 3, 2], "strides": [2, 3, 2]}),
        ((1, 1, 5, 5), {"kernel_shape": [2, 2]}),  # overlapping windows: repeated indices
    ],
)
@pytest.mark.parametrize("opset", [9, 11])
def test_max_unpool(x_shape, attrs, opset):
    values, indices = pooled(x_shape, attrs)
    check("MaxUnpool", {"X": values, "I": indices}, attrs=attrs, opset=opset)


def test_max_unpool_output_shape_equal_to_inferred():
    attrs = {"kernel_shape": [2, 2], "strides": [2, 2]}
    values, indices = pooled((1, 2, 6, 4), attrs)
    shape = np.array([1, 2, 6, 4], np.int64)
    check("MaxUnpool", {"X": values, "I": indices, "output_shape": shape}, attrs=attrs, opset=11)


def test_max_unpool_larger_output_shape():
    # Indices address the inferred shape; the ONNX conformance data (and onnx.reference) put that
    # block at the start of each axis of the larger output. onnxruntime reads them against the
    # output shape instead, so this compares against the reference.
    attrs = {"kernel_shape": [2, 2], "strides": [2, 2]}
    values, indices = pooled((2, 2, 6, 4), attrs)
    shape = np.array([2, 2, 7, 5], np.int64)
    check(
        "MaxUnpool", {"X": values, "I": indices, "output_shape": shape}, attrs=attrs, opset=11, reference=True
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_max_unpool_float_types(dtype):
    attrs = {"kernel_shape": [2, 2], "strides": [2, 2]}
    values, indices = pooled((1, 2, 4, 4), attrs)
    check("MaxUnpool", {"X": values.astype(dtype), "I": indices}, attrs=attrs, opset=11)


@pytest.mark.parametrize(
    "bad_index,shape,match",
    [
        (64, None, "out of range"),
        (-1, None, "out of range"),
        (0, [1, 2, 3, 4], "output_shape"),
        (0, [1, 3, 4, 4], "output_shape"),
        (0, [1, 2, 4], "output_shape"),
    ],
)
def test_max_unpool_bad_input(bad_index, shape, match):
    values, indices = pooled((1, 2, 4, 4), {"kernel_shape": [2, 2], "strides": [2, 2]})
    indices = indices.copy()
    indices.flat[3] = bad_index
    inputs = {"X": values, "I": indices}
    if shape is not None:
        inputs["output_shape"] = np.array(shape, np.int64)
    expect_error(
        "MaxUnpool", inputs, attrs={"kernel_shape": [2, 2], "strides": [2, 2]}, opset=11, match=match
    )


def test_max_unpool_needs_kernel_shape():
    values, indices = pooled((1, 1, 4, 4), {"kernel_shape": [2, 2], "strides": [2, 2]})
    expect_error(
        "MaxUnpool", {"X": values, "I": indices}, opset=11, match="kernel_shape", error="InvalidGraph"
    )


# --- MeanVarianceNormalization ---------------------------------------------------------------


@pytest.mark.parametrize(
    "shape,axes",
    [
        ((2, 3, 4, 5), None),
        ((2, 3, 4, 5), [1]),
        ((2, 3, 4, 5), [0, 1, 2, 3]),
        ((3, 4, 5), [-1]),
        ((2, 3, 4, 5), [2, 3]),
    ],
)
@pytest.mark.parametrize("opset", [9, 13])
def test_mvn(shape, axes, opset):
    x = (rand(*shape) * 3 + 5).astype(np.float32)  # an offset mean: catches E[x^2] - E[x]^2 cancellation
    check(
        "MeanVarianceNormalization",
        {"X": x},
        attrs={} if axes is None else {"axes": axes},
        opset=opset,
        atol=1e-4,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_mvn_float_types(dtype):
    # The function body adds a float epsilon, so neither onnxruntime nor the reference runs these
    # types: compare against the formula.
    x = rand(2, 3, 4, 5, dtype=dtype)
    model = make_node_model("MeanVarianceNormalization", {"X": x}, attrs={"axes": [0, 2]}, opset=13)
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, {"X": x})[0]
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=(0, 2), keepdims=True)
    want = (x64 - mean) / (np.sqrt(((x64 - mean) ** 2).mean(axis=(0, 2), keepdims=True)) + 1e-9)
    tol = 1e-2 if dtype == np.float16 else 1e-10
    assert got.dtype == dtype
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=tol, atol=tol)


def test_mvn_constant_slice_is_zero():
    # onnxruntime returns NaN here; the function body's epsilon makes it 0 / 1e-9 = 0.
    got = check(
        "MeanVarianceNormalization", {"X": np.full((1, 2, 3, 3), 0.1, np.float32)}, opset=13, reference=True
    )
    assert np.all(got[0] == 0)


def test_mvn_default_axes_need_rank_4():
    expect_error("MeanVarianceNormalization", {"X": rand(2, 3, 4)}, opset=13, match="out of range")


# --- BatchNormalization ----------------------------------------------------------------------


def bn_inputs(x_shape, dtype=np.float32, param_dtype=None):
    c, p = x_shape[1], param_dtype or dtype
    return {
        "X": (rand(*x_shape, dtype=dtype) * 2 + 1).astype(dtype),
        "scale": rand(c, dtype=p, seed=1),
        "B": rand(c, dtype=p, seed=2),
        "mean": rand(c, dtype=p, seed=3),
        "var": (np.abs(rand(c, dtype=p, seed=4)) + 0.5).astype(p),
    }


F32 = TensorProto.FLOAT


@pytest.mark.parametrize("opset", [7, 9, 14, 15])
@pytest.mark.parametrize("x_shape", [(2, 3), (2, 3, 5), (3, 4, 2, 3)])
def test_batch_norm_inference_signatures(opset, x_shape):
    check(
        "BatchNormalization",
        bn_inputs(x_shape),
        ["scale", "B", "mean", "var"],
        {"epsilon": 1e-3},
        opset=opset,
    )


@pytest.mark.parametrize("opset", [14, 15])
@pytest.mark.parametrize("x_shape", [(4, 3), (2, 3, 5), (3, 4, 2, 3)])
@pytest.mark.parametrize("momentum", [None, 0.7])
def test_batch_norm_training_mode(opset, x_shape, momentum):
    attrs = {"training_mode": 1, "epsilon": 1e-3}
    if momentum is not None:
        attrs["momentum"] = momentum
    outputs = {"Y": F32, "running_mean": F32, "running_var": F32}
    check("BatchNormalization", bn_inputs(x_shape), attrs=attrs, outputs=outputs, opset=opset)


def test_batch_norm_training_double():
    outputs = {"Y": TensorProto.DOUBLE, "running_mean": TensorProto.DOUBLE, "running_var": TensorProto.DOUBLE}
    check(
        "BatchNormalization",
        bn_inputs((3, 2, 4), np.float64),
        attrs={"training_mode": 1},
        outputs=outputs,
        opset=15,
        rtol=1e-10,
        atol=1e-10,
    )


def test_batch_norm_training_mixed_types():
    # Opset 15: X float16, scale / B / mean / var float. The running statistics have input_mean's
    # type (T2) by the spec; onnx.reference casts them to X's, so the values are compared.
    inputs = bn_inputs((3, 2, 4), np.float16, np.float32)
    outputs = {"Y": TensorProto.FLOAT16, "running_mean": F32, "running_var": F32}
    model = make_node_model(
        "BatchNormalization", inputs, attrs={"training_mode": 1}, outputs=outputs, opset=15
    )
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, inputs)
    want = ReferenceEvaluator(model).run(None, inputs)
    assert [g.dtype for g in got] == [np.float16, np.float32, np.float32]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=1e-2, atol=1e-2)


def test_batch_norm_training_only_y():
    # onnxruntime wants all three outputs in training; normalized by the batch, Y's mean is B.
    inputs = bn_inputs((4, 3, 5))
    got = check("BatchNormalization", inputs, attrs={"training_mode": 1}, opset=15, reference=True)[0]
    np.testing.assert_allclose(got.mean(axis=(0, 2)), inputs["B"], atol=1e-5)


@pytest.mark.parametrize("opset", [7, 9])
def test_batch_norm_training_outputs_before_14(opset):
    # Before 14 the extra outputs ask for training; saved_var is onnxruntime's 1 / sqrt(var + eps).
    outputs = {"Y": F32, "mean_out": F32, "var_out": F32, "saved_mean": F32, "saved_var": F32}
    check("BatchNormalization", bn_inputs((3, 4, 5)), attrs={"momentum": 0.8}, outputs=outputs, opset=opset)


def test_batch_norm_training_needs_spatial():
    model = make_node_model(
        "BatchNormalization",
        bn_inputs((2, 3, 4)),
        attrs={"spatial": 0},
        outputs={"Y": F32, "mean_out": F32, "var_out": F32},
        opset=7,
    )
    with pytest.raises(onyxrt.NotImplemented, match="spatial"):
        onyxrt.InferenceSession(model.SerializeToString())


@pytest.mark.parametrize("constant", [True, False], ids=["constant_params", "fed_params"])
@pytest.mark.parametrize("x_shape", [(1, 16, 7, 7), (2, 5, 13), (1, 3, 0, 4), (3, 6)])
def test_batch_norm_inference_constant_or_fed(constant, x_shape):
    # Constant parameters are folded into one affine map at session creation, fed ones per run:
    # the same results, 7x7 planes (vector loop plus tail) and empty ones included.
    check("BatchNormalization", bn_inputs(x_shape), ["scale", "B", "mean", "var"] if constant else [],
          {"epsilon": 1e-3}, opset=15)
    check("BatchNormalization", bn_inputs(x_shape, np.float64), ["scale", "B", "mean", "var"] if constant else [],
          opset=15, rtol=1e-12, atol=1e-12)


def test_batch_norm_constant_params_wrong_size_for_x():
    # The folded map is checked against X's channels on every run.
    inputs = bn_inputs((2, 4, 3))
    inputs["X"] = rand(2, 5, 3)
    expect_error("BatchNormalization", inputs, ["scale", "B", "mean", "var"], opset=15, match="scale",
                 error="InvalidArgument")


def test_batch_norm_training_bad_parameter_shape():
    inputs = bn_inputs((2, 3, 4))
    inputs["mean"] = rand(4)
    expect_error("BatchNormalization", inputs, attrs={"training_mode": 1}, opset=15, match="input_mean")


# --- NonMaxSuppression -----------------------------------------------------------------------


def nms_model(boxes, scores, max_out=None, iou=None, score=None, attrs=None, opset=11):
    """The model and feeds; optional inputs left out become "" (or are dropped at the end)."""
    feeds = {"boxes": np.asarray(boxes, np.float32), "scores": np.asarray(scores, np.float32)}
    names = list(feeds)
    optional = [
        ("max_output_boxes_per_class", max_out, np.int64),
        ("iou_threshold", iou, np.float32),
        ("score_threshold", score, np.float32),
    ]
    last = max((i for i, (_, v, _) in enumerate(optional) if v is not None), default=-1)
    for name, value, dtype in optional[: last + 1]:
        names.append("" if value is None else name)
        if value is not None:
            feeds[name] = np.array([value], dtype)
    node = helper.make_node("NonMaxSuppression", names, ["selected"], name="node", **(attrs or {}))
    graph = helper.make_graph(
        [node],
        "g",
        [
            helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
            for n, a in feeds.items()
        ],
        [helper.make_tensor_value_info("selected", INT64, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=IR_VERSION)
    return model, feeds


def check_nms(*args, **kwargs):
    model, feeds = nms_model(*args, **kwargs)
    want = expected_outputs(model, feeds)[0]
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)[0]
    assert got.dtype == np.int64 and got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(got, want)
    return got


def nms_error(*args, match, error, **kwargs):
    model, feeds = nms_model(*args, **kwargs)
    with pytest.raises(getattr(onyxrt, error), match=match):
        onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)


UNIT_BOXES = [
    [0, 0, 1, 1],
    [0, 0.1, 1, 1.1],
    [0, -0.1, 1, 0.9],
    [0, 10, 1, 11],
    [0, 10.1, 1, 11.1],
    [0, 100, 1, 101],
]
UNIT_SCORES = [[[0.9, 0.75, 0.6, 0.95, 0.5, 0.3]]]


@pytest.mark.parametrize("max_out", [None, 0, -1, 1, 3, 100])
@pytest.mark.parametrize("iou", [None, 0.0, 0.5])
@pytest.mark.parametrize("score", [None, 0.4])
@pytest.mark.parametrize("opset", [10, 11])
def test_nms_thresholds(max_out, iou, score, opset):
    check_nms([UNIT_BOXES], UNIT_SCORES, max_out, iou, score, opset=opset)


@pytest.mark.parametrize("center", [0, 1])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nms_random(center, seed):
    rng = np.random.default_rng(seed)
    corners = rng.random((2, 60, 2), np.float32) * 10
    sizes = rng.random((2, 60, 2), np.float32) * 4
    if center:
        boxes = np.concatenate([corners, sizes], axis=-1)
    else:  # corners in either order (flipped boxes)
        flip = rng.random((2, 60, 1)) < 0.5
        a, b = corners, corners + sizes
        boxes = np.where(flip, np.concatenate([b, a], -1), np.concatenate([a, b], -1))
    scores = rng.random((2, 3, 60), np.float32)
    scores[:, :, ::7] = 0.5  # ties
    check_nms(boxes, scores, 10, 0.3, 0.2, attrs={"center_point_box": center})


def test_nms_ties_keep_lower_index_first():
    boxes = [[[0, 0, 1, 1], [5, 5, 6, 6], [0, 0, 1, 1], [9, 9, 10, 10]]]
    got = check_nms(boxes, [[[0.5, 0.5, 0.5, 0.5]]], 10, 0.5)
    assert got[:, 2].tolist() == [0, 1, 3]


def test_nms_all_suppressed_but_one():
    boxes = [[[0, 0, 1, 1]] * 8]
    got = check_nms(boxes, [[np.linspace(0.1, 0.8, 8)]], 8, 0.5)
    assert got.tolist() == [[0, 0, 7]]


def test_nms_no_boxes():
    got = check_nms(np.zeros((1, 0, 4)), np.zeros((1, 2, 0)), 5, 0.5, 0.0)
    assert got.shape == (0, 3)


def test_nms_everything_under_score_threshold():
    got = check_nms([UNIT_BOXES], UNIT_SCORES, 5, 0.5, 0.99)
    assert got.shape == (0, 3)


def test_nms_iou_boundary_is_kept():
    # IoU of these two is exactly 0.5: a box is dropped only when its IoU is strictly greater.
    got = check_nms([[[0, 0, 1, 1], [0, 0, 1, 0.5]]], [[[0.9, 0.8]]], 3, 0.5)
    assert got.shape == (2, 3)


@pytest.mark.parametrize(
    "boxes,scores,iou,match",
    [
        (np.zeros((1, 3, 5)), np.zeros((1, 1, 3)), 0.5, "boxes must have shape"),
        (np.zeros((1, 3, 4)), np.zeros((1, 1, 4)), 0.5, "scores must be float"),
        (np.zeros((2, 3, 4)), np.zeros((1, 1, 3)), 0.5, "scores must be float"),
        (np.zeros((1, 3, 4)), np.zeros((1, 1, 3)), 1.5, "iou_threshold"),
    ],
)
def test_nms_bad_input(boxes, scores, iou, match):
    nms_error(boxes, scores, 2, iou, match=match, error="InvalidArgument")


def test_nms_bad_center_point_box():
    nms_error(
        [UNIT_BOXES],
        UNIT_SCORES,
        2,
        attrs={"center_point_box": 2},
        match="center_point_box",
        error="InvalidGraph",
    )


# --- RoiAlign --------------------------------------------------------------------------------

ROIS = [
    [0, 0, 9, 9],
    [0, 5, 4, 9],
    [5, 5, 9, 9],
    [2.3, 1.7, 6.1, 8.4],
    [-3, -2, 4, 3],  # partly outside
    [8.5, 8.5, 12, 14],  # mostly outside
    [3, 3, 3.2, 3.3],  # smaller than a pixel
    [6, 6, 2, 3],  # reversed
]


def roi_inputs(n=2, c=3, h=10, w=11, rois=ROIS, dtype=np.float32):
    rois = np.asarray(rois, dtype)
    return {
        "X": rand(n, c, h, w, dtype=dtype, seed=4),
        "rois": rois,
        "batch_indices": np.arange(len(rois), dtype=np.int64) % n,
    }


@pytest.mark.parametrize("mode", ["avg", "max"])
@pytest.mark.parametrize("ctm", ["half_pixel", "output_half_pixel"])
@pytest.mark.parametrize("sampling_ratio", [0, 1, 2])
@pytest.mark.parametrize("scale_out", [(1.0, (5, 5)), (0.5, (3, 4))])
def test_roi_align(mode, ctm, sampling_ratio, scale_out):
    spatial_scale, (oh, ow) = scale_out
    attrs = {
        "mode": mode,
        "coordinate_transformation_mode": ctm,
        "sampling_ratio": sampling_ratio,
        "spatial_scale": spatial_scale,
        "output_height": oh,
        "output_width": ow,
    }
    check("RoiAlign", roi_inputs(), attrs=attrs, opset=16, atol=1e-5)


@pytest.mark.parametrize("mode", ["avg", "max"])
def test_roi_align_opset_10(mode):  # no coordinate_transformation_mode: output_half_pixel
    check(
        "RoiAlign",
        roi_inputs(),
        attrs={"mode": mode, "output_height": 3, "output_width": 2},
        opset=10,
        atol=1e-5,
    )


def test_roi_align_defaults_and_many_rois():
    rng = np.random.default_rng(3)
    rois = np.sort(rng.random((40, 2, 2), np.float32) * 30, axis=1).reshape(40, 4)  # x1, y1, x2, y2
    check("RoiAlign", roi_inputs(3, 4, 24, 32, rois), opset=16, atol=1e-5)


def test_roi_align_double_and_half():
    attrs = {"output_height": 4, "output_width": 3, "sampling_ratio": 2}
    check("RoiAlign", roi_inputs(dtype=np.float64), attrs=attrs, opset=16, rtol=1e-10, atol=1e-10)
    check("RoiAlign", roi_inputs(dtype=np.float16), attrs=attrs, opset=16, rtol=2e-2, atol=2e-2)


def test_roi_align_no_rois():
    got = check("RoiAlign", roi_inputs(rois=np.zeros((0, 4))), opset=16)[0]
    assert got.shape == (0, 3, 1, 1)


@pytest.mark.parametrize(
    "change,match",
    [
        ({"batch_indices": np.array([0, 0, 0, 0, 0, 0, 0, 2], np.int64)}, "batch_indices[7] = 2"),
        ({"batch_indices": np.zeros(3, np.int64)}, "batch_indices must be int64"),
        ({"rois": np.zeros((8, 5), np.float32)}, "rois must be"),
        ({"X": rand(2, 3, 10)}, "X must have shape"),
        ({"rois": np.array([[0, 0, 1e30, 1e30]] * 8, np.float32)}, "sampling grid"),
    ],
)
def test_roi_align_bad_input(change, match):
    inputs = roi_inputs()
    inputs.update(change)
    expect_error("RoiAlign", inputs, opset=16, match=match, error="InvalidArgument")


@pytest.mark.parametrize(
    "attrs", [{"mode": "sum"}, {"coordinate_transformation_mode": "align_corners"}, {"output_height": 0}]
)
def test_roi_align_bad_attribute(attrs):
    expect_error("RoiAlign", roi_inputs(), attrs=attrs, opset=16, error="InvalidGraph")
