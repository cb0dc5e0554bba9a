"""The quantization operators against onnxruntime (integers exactly) or, where onnxruntime lacks
the kernel or cannot hand the type to numpy, onnx.reference / numpy:

QuantizeLinear and DequantizeLinear at opsets 10, 13, 19, 21, 23, 24, 25 (per tensor, per axis with
negative axes, blocked with a partial last block, every output type, saturate=0 for float8,
output_dtype, precision, round half to even), DynamicQuantizeLinear, MatMulInteger and
QLinearMatMul (zero points and scales per tensor / per row / per column, batches, constant B,
float16 scales, float8 operands), QLinearConv (per-channel weight scales, bias, groups, windows)
and ConvInteger; and the errors for mismatched shapes and types."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from onnx import TensorProto as TP

import onyxrt
from tests.ops.op_check import check, expect_error, make_node_model

ELEM = {
    np.dtype(np.int8): TP.INT8,
    np.dtype(np.uint8): TP.UINT8,
    np.dtype(np.int16): TP.INT16,
    np.dtype(np.uint16): TP.UINT16,
    np.dtype(np.int32): TP.INT32,
    np.dtype(np.float32): TP.FLOAT,
    np.dtype(np.float16): TP.FLOAT16,
    np.dtype(ml_dtypes.bfloat16): TP.BFLOAT16,
    np.dtype(ml_dtypes.int4): TP.INT4,
    np.dtype(ml_dtypes.uint4): TP.UINT4,
    np.dtype(ml_dtypes.int2): TP.INT2,
    np.dtype(ml_dtypes.uint2): TP.UINT2,
    np.dtype(ml_dtypes.float8_e4m3fn): TP.FLOAT8E4M3FN,
    np.dtype(ml_dtypes.float8_e4m3fnuz): TP.FLOAT8E4M3FNUZ,
    np.dtype(ml_dtypes.float8_e5m2): TP.FLOAT8E5M2,
    np.dtype(ml_dtypes.float8_e5m2fnuz): TP.FLOAT8E5M2FNUZ,
    np.dtype(ml_dtypes.float4_e2m1fn): TP.FLOAT4E2M1,
}
EXACT = {"rtol": 0, "atol": 0}


def rng(seed=0):
    return np.random.default_rng(seed)


def floats(*shape, scale=4.0, seed=0, dtype=np.float32):
    return (rng(seed).standard_normal(shape) * scale).astype(dtype)


def ints(*shape, dtype=np.uint8, seed=0):
    info = np.iinfo(dtype)
    return rng(seed).integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)


def run_onyxrt(op, inputs, constants=(), attrs=None, outputs=None, opset=17, threads=2):
    model = make_node_model(op, inputs, constants, attrs, outputs, opset)
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    sess = onyxrt.InferenceSession(model.SerializeToString(), options)
    return sess.run(None, {n: a for n, a in inputs.items() if n and n not in constants})


def quantize(
    x, scale, zero=None, attrs=None, opset=21, out=None, constants=("y_scale", "y_zero_point"), **kw
):
    inputs = {"x": x, "y_scale": scale}
    if zero is not None:
        inputs["y_zero_point"] = zero
    out = out if out is not None else (ELEM[zero.dtype] if zero is not None else TP.UINT8)
    consts = [c for c in constants if c in inputs]
    return check("QuantizeLinear", inputs, consts, attrs, {"y": out}, opset, **kw)


def dequantize(x, scale, zero=None, attrs=None, opset=21, out=None, **kw):
    inputs = {"x": x, "x_scale": scale}
    if zero is not None:
        inputs["x_zero_point"] = zero
    out = out if out is not None else ELEM[scale.dtype]
    return check("DequantizeLinear", inputs, [n for n in inputs if n != "x"], attrs, {"y": out}, opset, **kw)


# ---- QuantizeLinear: the signatures of each opset ------------------------------------------------


@pytest.mark.parametrize("zero_type", [np.uint8, np.int8, None])
def test_quantize_linear_10(zero_type):
    x = floats(3, 4, 5, scale=60)
    zero = None if zero_type is None else np.array(3, zero_type)
    quantize(x, np.array(0.37, np.float32), zero, opset=10)
    # int32 x (onnxruntime has no int32 kernel): the reference.
    xi = rng(1).integers(-2000, 2000, size=(4, 6)).astype(np.int32)
    quantize(xi, np.array(7.5, np.float32), np.array(-3, np.int8), opset=10, reference=True)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
@pytest.mark.parametrize("zero_type", [np.uint8, np.int8])
def test_quantize_linear_13_per_axis(axis, zero_type):
    x = floats(3, 4, 5, scale=40)
    d = x.shape[axis]
    scale = (rng(2).random(d) + 0.1).astype(np.float32)
    zero = ints(d, dtype=zero_type, seed=3) // 2
    quantize(x, scale, zero.astype(zero_type), {"axis": axis}, opset=13)


def test_quantize_linear_13_per_tensor_one_element_scale():
    x = floats(2, 6, scale=30)
    quantize(x, np.array([0.5], np.float32), np.array([7], np.uint8), opset=13)


@pytest.mark.parametrize("x_type", [np.float32, np.float16])
def test_quantize_linear_19_float16(x_type):
    x = floats(4, 7, scale=50, dtype=x_type)
    quantize(x, np.array(0.3, x_type), np.array(-5, np.int8), opset=19)
    quantize(
        x, np.array([0.3, 0.7, 1.1, 0.2], x_type), np.array([1, 2, 3, 4], np.uint8), {"axis": 0}, opset=19
    )


def test_quantize_linear_19_bfloat16():
    x = floats(4, 7, scale=50, dtype=ml_dtypes.bfloat16)
    quantize(x, np.array(0.3, ml_dtypes.bfloat16), np.array(-5, np.int8), opset=19, reference=True)


@pytest.mark.parametrize("saturate", [1, 0])
@pytest.mark.parametrize(
    "f8",
    [ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e4m3fnuz, ml_dtypes.float8_e5m2, ml_dtypes.float8_e5m2fnuz],
)
def test_quantize_linear_19_float8(f8, saturate):
    x = np.concatenate([floats(40, scale=30), [0.0, -0.0, 1e6, -1e6, np.inf, -np.inf, np.nan, 1e-9]]).astype(
        np.float32
    )
    quantize(
        x,
        np.array(0.5, np.float32),
        np.array(0, f8),
        {"saturate": saturate},
        opset=19,
        reference=True,
        **EXACT,
    )


@pytest.mark.parametrize("zero_type", [np.int16, np.uint16])
def test_quantize_linear_21_16bit(zero_type):
    x = floats(5, 6, scale=20000)
    quantize(x, np.array(0.9, np.float32), np.array(17, zero_type), opset=21)
    quantize(x, np.full(6, 1.3, np.float32), np.arange(6).astype(zero_type), {"axis": -1}, opset=21)


@pytest.mark.parametrize(
    "x_shape,axis,block",
    [((4, 6), 1, 2), ((4, 7), 1, 3), ((4, 7), -1, 7), ((6, 5), 0, 4), ((2, 5, 3), 1, 2), ((2, 5, 3), -2, 5)],
)
@pytest.mark.parametrize("zero_type", [np.int8, np.uint8, np.int16])
def test_quantize_linear_21_blocked(x_shape, axis, block, zero_type):
    x = floats(*x_shape, scale=50)
    s_shape = list(x_shape)
    s_shape[axis] = -(-x_shape[axis] // block)
    scale = (rng(4).random(s_shape) + 0.2).astype(np.float32)
    zero = (ints(*s_shape, dtype=np.int8, seed=5) // 4 + (20 if zero_type != np.int8 else 0)).astype(
        zero_type
    )
    quantize(x, scale, zero, {"axis": axis, "block_size": block}, opset=21)


def test_quantize_linear_21_output_dtype():
    x = floats(3, 5, scale=100)
    got = quantize(x, np.array(0.8, np.float32), None, {"output_dtype": TP.INT8}, opset=21, out=TP.INT8)
    assert got[0].dtype == np.int8
    got = quantize(x, np.array(0.8, np.float32), None, {"output_dtype": TP.UINT16}, opset=21, out=TP.UINT16)
    assert got[0].dtype == np.uint16
    got = quantize(x, np.array(0.8, np.float32), None, opset=21)  # neither: uint8
    assert got[0].dtype == np.uint8


@pytest.mark.parametrize(
    "zero_type,opset",
    [
        (ml_dtypes.int4, 21),
        (ml_dtypes.uint4, 21),
        (ml_dtypes.float4_e2m1fn, 23),
        (ml_dtypes.int2, 25),
        (ml_dtypes.uint2, 25),
    ],
)
def test_quantize_linear_small_types(zero_type, opset):
    x = floats(3, 7, scale=6)  # odd sizes: the last byte of a packed tensor is partial
    zero = np.array([1, 0, 1], dtype=np.float32).astype(zero_type)
    if zero_type == ml_dtypes.float4_e2m1fn:
        zero = np.zeros(3, zero_type)
    quantize(
        x, np.array([0.5, 1.0, 2.0], np.float32), zero, {"axis": 0}, opset=opset, reference=True, **EXACT
    )
    quantize(x, np.array(0.7, np.float32), np.array(0, zero_type), opset=opset, reference=True, **EXACT)


def test_quantize_linear_round_half_to_even():
    x = np.array([-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 126.5, 127.5, -128.5, 0.49999997], np.float32)
    got = quantize(x, np.array(1.0, np.float32), np.array(0, np.int8), opset=13)[0]
    np.testing.assert_array_equal(got, [-4, -2, -2, 0, 0, 2, 2, 4, 126, 127, -128, 0])
    # Ties of the quotient, with a zero point added after rounding.
    got = quantize(x, np.array(0.5, np.float32), np.array(10, np.uint8), opset=13)[0]
    np.testing.assert_array_equal(got, [3, 5, 7, 9, 11, 13, 15, 17, 255, 255, 0, 11])


def test_quantize_linear_saturation_and_nan():
    x = np.array([1e10, -1e10, np.inf, -np.inf, np.nan, 1000.0, -1000.0], np.float32)
    quantize(x, np.array(1.0, np.float32), np.array(3, np.int8), opset=21)
    quantize(x, np.array(1.0, np.float32), np.array(3, np.uint16), opset=21)


def test_quantize_linear_23_precision():
    x = floats(6, 9, scale=300)
    for precision in (TP.FLOAT16, TP.FLOAT, TP.BFLOAT16):
        quantize(
            x,
            np.array(0.37, np.float32),
            np.array(1, np.int16),
            {"precision": precision},
            opset=23,
            reference=True,
        )


def test_quantize_linear_23_scale_type_sets_precision():
    # x and y_scale may differ from 23 on; y_scale's type sets the division's precision (as
    # onnxruntime does; the reference divides in numpy's promoted type instead).
    x = floats(2000, scale=300)
    quantize(x, np.array(0.37, np.float16), np.array(0, np.int16), opset=23)
    quantize(x.astype(np.float16), np.array(0.37, np.float32), np.array(0, np.int16), opset=23)


def test_quantize_linear_24_e8m0_scale():
    x = floats(4, 6, scale=50)
    scale = np.array([0.25, 2.0, 8.0, 0.5], ml_dtypes.float8_e8m0fnu)
    got = run_onyxrt(
        "QuantizeLinear",
        {"x": x, "y_scale": scale, "y_zero_point": np.full(4, 3, np.int8)},
        ["y_scale", "y_zero_point"],
        {"axis": 0},
        {"y": TP.INT8},
        opset=24,
    )[0]
    want = np.clip(np.rint(x / scale.astype(np.float32)[:, None]) + 3, -128, 127).astype(np.int8)
    np.testing.assert_array_equal(got, want)


def test_quantize_linear_empty_and_threads():
    quantize(np.zeros((0, 3), np.float32), np.array(1.0, np.float32), np.array(0, np.int8), opset=21)
    x = floats(64, 1000, scale=100)  # several parallel chunks, per axis
    scale = (rng(7).random(1000) + 0.1).astype(np.float32)
    zero = ints(1000, dtype=np.int8, seed=8)
    quantize(x, scale, zero, {"axis": 1}, opset=13)
    quantize(x, np.array(0.3, np.float32), np.array(0, np.uint8), opset=13)
    # Blocks along the innermost axis, with chunk boundaries inside blocks and a partial last block.
    scale = (rng(9).random((64, 16)) + 0.1).astype(np.float32)
    quantize(x, scale, ints(64, 16, dtype=np.int8, seed=10), {"axis": 1, "block_size": 64}, opset=21)
    dequantize(
        ints(64, 1000, dtype=np.int8),
        scale,
        ints(64, 16, dtype=np.int8, seed=10),
        {"axis": -1, "block_size": 64},
        opset=21,
    )


# ---- DequantizeLinear -------------------------------------------------------------------------


@pytest.mark.parametrize("x_type", [np.int8, np.uint8, np.int32])
def test_dequantize_linear_10(x_type):
    x = ints(3, 4, 5, dtype=x_type)
    zero = np.array(0 if x_type == np.int32 else 9, x_type)
    dequantize(x, np.array(0.37, np.float32), zero, opset=10)
    dequantize(x, np.array(0.37, np.float32), None, opset=10)


@pytest.mark.parametrize("axis", [0, 1, -1, -2, -3])
def test_dequantize_linear_13_per_axis(axis):
    x = ints(3, 4, 5, dtype=np.int8)
    d = x.shape[axis]
    dequantize(
        x,
        (rng(2).random(d) + 0.1).astype(np.float32),
        ints(d, dtype=np.int8, seed=3),
        {"axis": axis},
        opset=13,
    )


def test_dequantize_linear_19():
    x = ints(4, 6, dtype=np.uint8)
    dequantize(x, np.array(0.3, np.float16), np.array(100, np.uint8), opset=19, rtol=1e-3, atol=1e-3)
    dequantize(
        x, np.array(0.3, ml_dtypes.bfloat16), np.array(100, np.uint8), opset=19, reference=True, rtol=1e-2
    )
    f8 = (floats(4, 6, scale=40)).astype(ml_dtypes.float8_e4m3fn)
    for t in (
        ml_dtypes.float8_e4m3fn,
        ml_dtypes.float8_e4m3fnuz,
        ml_dtypes.float8_e5m2,
        ml_dtypes.float8_e5m2fnuz,
    ):
        dequantize(f8.astype(t), np.array(0.5, np.float32), np.array(0, t), opset=19, reference=True, **EXACT)
        dequantize(
            f8.astype(t), np.array([0.5, 2, 4, 8], np.float32), None, {"axis": 0}, opset=19, reference=True
        )


@pytest.mark.parametrize("x_type", [np.int16, np.uint16, ml_dtypes.int4, ml_dtypes.uint4])
def test_dequantize_linear_21_types(x_type):
    if x_type in (np.int16, np.uint16):
        x, zero = ints(5, 7, dtype=x_type), np.array(300, x_type)
    else:
        lo, hi = (-8, 7) if x_type == ml_dtypes.int4 else (0, 15)
        x = rng(1).integers(lo, hi, size=(5, 7), endpoint=True).astype(x_type)
        zero = np.array(3, x_type)
    dequantize(x, np.array(0.25, np.float32), zero, opset=21, reference=x_type not in (np.int16, np.uint16))


@pytest.mark.parametrize(
    "x_shape,axis,block", [((4, 6), 1, 2), ((4, 7), -1, 3), ((5, 3, 2), 0, 2), ((2, 9), 1, 9)]
)
def test_dequantize_linear_21_blocked(x_shape, axis, block):
    x = ints(*x_shape, dtype=np.uint8)
    s_shape = list(x_shape)
    s_shape[axis] = -(-x_shape[axis] // block)
    scale = (rng(4).random(s_shape) + 0.2).astype(np.float32)
    dequantize(
        x, scale, ints(*s_shape, dtype=np.uint8, seed=5), {"axis": axis, "block_size": block}, opset=21
    )


def test_dequantize_linear_23_output_dtype_float4():
    x = ints(3, 5, dtype=np.int8)
    got = dequantize(
        x,
        np.array(0.3, np.float32),
        np.array(2, np.int8),
        {"output_dtype": TP.FLOAT16},
        opset=23,
        out=TP.FLOAT16,
        reference=True,
        rtol=1e-3,
    )
    assert got[0].dtype == np.float16
    f4 = floats(3, 5, scale=3).astype(ml_dtypes.float4_e2m1fn)
    dequantize(f4, np.array([0.5, 1, 2], np.float32), None, {"axis": 0}, opset=23, reference=True, **EXACT)


def test_dequantize_linear_24_e8m0_scale():
    x = ints(3, 4, dtype=np.int8)
    scale = np.array([0.25, 4.0, 1024.0], ml_dtypes.float8_e8m0fnu)
    got = run_onyxrt(
        "DequantizeLinear",
        {"x": x, "x_scale": scale, "x_zero_point": np.array([1, 2, 3], np.int8)},
        ["x_scale", "x_zero_point"],
        {"axis": 0, "output_dtype": TP.FLOAT},
        {"y": TP.FLOAT},
        opset=24,
    )[0]
    want = (x.astype(np.float32) - np.array([1, 2, 3], np.float32)[:, None]) * scale.astype(np.float32)[
        :, None
    ]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("x_type", [ml_dtypes.int2, ml_dtypes.uint2])
def test_dequantize_linear_25_2bit(x_type):
    lo, hi = (-2, 1) if x_type == ml_dtypes.int2 else (0, 3)
    x = rng(3).integers(lo, hi, size=(3, 5), endpoint=True).astype(x_type)
    dequantize(
        x,
        np.array([0.5, 1, 2], np.float32),
        np.array([1, 0, 1], x_type),
        {"axis": 0},
        opset=25,
        reference=True,
    )


def test_dequantize_linear_constant_weights_fold():
    # QDQ models dequantize constant weights: the node folds at session creation.
    inputs = {
        "w": ints(8, 6, dtype=np.int8),
        "s": (rng(1).random((8, 2)) + 0.1).astype(np.float32),
        "z": ints(8, 2, dtype=np.int8, seed=2),
    }
    check(
        "DequantizeLinear", inputs, ["w", "s", "z"], {"axis": 1, "block_size": 3}, {"y": TP.FLOAT}, opset=21
    )


def test_quantize_dequantize_round_trip_int32_bias():
    # int32 x: the bias path of quantized models (no zero point).
    x = rng(9).integers(-(2**30), 2**30, size=(64,)).astype(np.int32)
    dequantize(x, np.array(1e-4, np.float32), None, opset=13)


# ---- DynamicQuantizeLinear --------------------------------------------------------------------


@pytest.mark.parametrize(
    "x",
    [
        floats(3, 5, scale=3),
        np.abs(floats(4, 4)) + 1,  # all positive: zero point 0
        -np.abs(floats(4, 4)) - 1,  # all negative: zero point 255
        np.zeros((3, 2), np.float32),  # no range: scale 1 (onnxruntime)
        np.zeros((0, 4), np.float32),
        floats(130, 257, scale=10),  # several parallel chunks
        np.array([-1.0, 0.5, 1.0, 2.0, 254.0 / 255.0 * 3], np.float32),
    ],
)
def test_dynamic_quantize_linear(x):
    check(
        "DynamicQuantizeLinear",
        {"x": x},
        outputs={"y": TP.UINT8, "y_scale": TP.FLOAT, "y_zero_point": TP.UINT8},
        opset=11,
        rtol=0,
        atol=0,
    )


# ---- MatMulInteger ----------------------------------------------------------------------------


MATMUL_SHAPES = [
    ((3, 5), (5, 4)),
    ((1, 1), (1, 1)),
    ((2, 3, 5), (5, 4)),
    ((2, 3, 5), (2, 5, 4)),
    ((1, 3, 5), (2, 5, 7)),
    ((2, 1, 3, 5), (3, 5, 2)),
    ((5,), (5, 4)),
    ((3, 5), (5,)),
    ((17, 33), (33, 13)),
    ((3, 0), (0, 4)),
    ((0, 5), (5, 4)),
]


@pytest.mark.parametrize("a_shape,b_shape", MATMUL_SHAPES)
@pytest.mark.parametrize(
    "types", [(np.uint8, np.uint8), (np.uint8, np.int8), (np.int8, np.int8), (np.int8, np.uint8)]
)
def test_matmul_integer(a_shape, b_shape, types):
    a, b = ints(*a_shape, dtype=types[0], seed=1), ints(*b_shape, dtype=types[1], seed=2)
    empty_k = a_shape[-1] == 0  # onnxruntime leaves the output uninitialized then: the reference
    check("MatMulInteger", {"A": a, "B": b}, outputs={"Y": TP.INT32}, opset=10, reference=empty_k)
    inputs = {
        "A": a,
        "B": b,
        "a_zero_point": np.array(7, types[0]),
        "b_zero_point": np.array(-3 % 256, np.int64),
    }
    inputs["b_zero_point"] = inputs["b_zero_point"].astype(types[1])
    check("MatMulInteger", inputs, outputs={"Y": TP.INT32}, opset=10, reference=empty_k)


@pytest.mark.parametrize("constant_b", [False, True])
@pytest.mark.parametrize("a_shape", [(6, 9), (2, 3, 9)])
def test_matmul_integer_per_column_zero_point(constant_b, a_shape):
    a, b = ints(*a_shape, dtype=np.uint8, seed=1), ints(9, 11, dtype=np.int8, seed=2)
    bz = ints(11, dtype=np.int8, seed=3)
    inputs = {"A": a, "B": b, "a_zero_point": np.array(128, np.uint8), "b_zero_point": bz}
    check(
        "MatMulInteger",
        inputs,
        ["B", "b_zero_point"] if constant_b else [],
        outputs={"Y": TP.INT32},
        opset=10,
    )


def test_matmul_integer_per_row_zero_point():
    a, b = ints(2, 4, 6, dtype=np.uint8, seed=1), ints(2, 6, 5, dtype=np.uint8, seed=2)
    az = ints(2, 4, 1, dtype=np.uint8, seed=3)  # [..., M, 1]: numpy broadcasting gives the same rows
    bz = ints(2, 1, 5, dtype=np.uint8, seed=4)  # [..., 1, N] per batch entry
    check(
        "MatMulInteger",
        {"A": a, "B": b, "a_zero_point": az, "b_zero_point": bz},
        outputs={"Y": TP.INT32},
        opset=10,
        reference=True,
    )
    # A 1-D a_zero_point holds one value per row (M of them), as the spec describes.
    a2, b2, az2 = (
        ints(4, 6, dtype=np.uint8, seed=5),
        ints(6, 3, dtype=np.uint8, seed=6),
        ints(4, dtype=np.uint8, seed=7),
    )
    got = run_onyxrt(
        "MatMulInteger", {"A": a2, "B": b2, "a_zero_point": az2}, outputs={"Y": TP.INT32}, opset=10
    )[0]
    np.testing.assert_array_equal(got, (a2.astype(np.int64) - az2[:, None]) @ b2.astype(np.int64))


def test_matmul_integer_exact_long_sums():
    # Long K with extreme values: the int32 sums are exact (no float accumulation).
    k = 4099
    a = np.full((5, k), 255, np.uint8)
    a[1] = 0
    b = ints(k, 7, dtype=np.uint8, seed=3)
    b[:, 0] = 0
    got = run_onyxrt(
        "MatMulInteger",
        {"A": a, "B": b, "a_zero_point": np.array(0, np.uint8), "b_zero_point": np.array(255, np.uint8)},
        outputs={"Y": TP.INT32},
        opset=10,
    )[0]
    want = a.astype(np.int64) @ (b.astype(np.int64) - 255)
    np.testing.assert_array_equal(got, want)
    big = ints(97, 300, dtype=np.int8, seed=4), ints(300, 130, dtype=np.int8, seed=5)
    for threads in (1, 2):  # tiles split across threads
        got = run_onyxrt(
            "MatMulInteger", {"A": big[0], "B": big[1]}, outputs={"Y": TP.INT32}, opset=10, threads=threads
        )[0]
        np.testing.assert_array_equal(got, big[0].astype(np.int64) @ big[1].astype(np.int64))


# ---- QLinearMatMul ----------------------------------------------------------------------------


def qlinear_matmul_inputs(
    a_shape, b_shape, a_type, b_type, y_type, scale_type=np.float32, per_column=False, seed=0
):
    n = b_shape[-1] if len(b_shape) > 1 else 1
    a, b = ints(*a_shape, dtype=a_type, seed=seed + 1), ints(*b_shape, dtype=b_type, seed=seed + 2)
    if per_column:
        b_scale = (rng(seed + 3).random(n) * 0.02 + 0.005).astype(scale_type)
        b_zero = (ints(n, dtype=np.int8, seed=seed + 4) // 8 + (100 if b_type == np.uint8 else 0)).astype(
            b_type
        )
    else:
        b_scale, b_zero = np.array(0.013, scale_type), np.array(120 if b_type == np.uint8 else -5, b_type)
    return {
        "a": a,
        "a_scale": np.array(0.031, scale_type),
        "a_zero_point": np.array(130 if a_type == np.uint8 else 3, a_type),
        "b": b,
        "b_scale": b_scale,
        "b_zero_point": b_zero,
        "y_scale": np.array(0.17, scale_type),
        "y_zero_point": np.array(128 if y_type == np.uint8 else -2, y_type),
    }


@pytest.mark.parametrize("a_shape,b_shape", [s for s in MATMUL_SHAPES if 0 not in s[0] + s[1]])
@pytest.mark.parametrize(
    "types", [(np.uint8, np.uint8, np.uint8), (np.int8, np.int8, np.int8), (np.uint8, np.int8, np.uint8)]
)
@pytest.mark.parametrize("per_column", [False, True])
def test_qlinear_matmul_10(a_shape, b_shape, types, per_column):
    inputs = qlinear_matmul_inputs(a_shape, b_shape, *types, per_column=per_column)
    # onnxruntime takes per-column parameters of a batched b only shaped [..., 1, N].
    reference = per_column and len(b_shape) > 2
    check("QLinearMatMul", inputs, outputs={"y": ELEM[np.dtype(types[2])]}, opset=10, reference=reference)


@pytest.mark.parametrize("constant_b", [False, True])
@pytest.mark.parametrize("types", [(np.uint8, np.int8, np.uint8), (np.int8, np.int8, np.int8)])
def test_qlinear_matmul_21_float16_scales(constant_b, types):
    inputs = qlinear_matmul_inputs((2, 7, 19), (19, 6), *types, scale_type=np.float16, per_column=True)
    consts = ["b", "b_scale", "b_zero_point"] if constant_b else []
    check("QLinearMatMul", inputs, consts, outputs={"y": ELEM[np.dtype(types[2])]}, opset=21)


def qlinear_matmul_numpy(inputs, y_type):
    """numpy, with the scale ratio in float as onnxruntime computes it (the reference rounds each
    step of it to the scales' 16-bit type)."""
    a = inputs["a"].astype(np.int64) - inputs["a_zero_point"].astype(np.int64)
    b = inputs["b"].astype(np.int64) - inputs["b_zero_point"].astype(np.int64)
    scale = inputs["a_scale"].astype(np.float32) * inputs["b_scale"].astype(np.float32)
    ratio = (scale / inputs["y_scale"].astype(np.float32)).astype(np.float64)
    y = np.rint((a @ b) * ratio) + inputs["y_zero_point"].astype(np.float64)
    info = np.iinfo(y_type)
    return np.clip(y, info.min, info.max).astype(y_type)


def test_qlinear_matmul_21_bfloat16_and_mixed_types():
    inputs = qlinear_matmul_inputs(
        (5, 8), (8, 3), np.uint8, np.int8, np.int8, scale_type=ml_dtypes.bfloat16, per_column=True
    )
    got = run_onyxrt("QLinearMatMul", inputs, outputs={"y": TP.INT8}, opset=21)[0]
    np.testing.assert_array_equal(got, qlinear_matmul_numpy(inputs, np.int8))
    inputs = qlinear_matmul_inputs((5, 8), (8, 3), np.int8, np.uint8, np.uint8, per_column=True)
    check("QLinearMatMul", inputs, outputs={"y": TP.UINT8}, opset=10, reference=True)


def test_qlinear_matmul_per_row_a():
    inputs = qlinear_matmul_inputs((2, 4, 6), (2, 6, 5), np.uint8, np.uint8, np.uint8)
    inputs["a_scale"] = (rng(5).random((2, 4, 1)) * 0.05 + 0.01).astype(np.float32)
    inputs["a_zero_point"] = ints(2, 4, 1, dtype=np.uint8, seed=6)
    inputs["b_scale"] = (rng(7).random((2, 1, 5)) * 0.05 + 0.01).astype(np.float32)
    inputs["b_zero_point"] = ints(2, 1, 5, dtype=np.uint8, seed=8)
    check("QLinearMatMul", inputs, outputs={"y": TP.UINT8}, opset=10, reference=True)


def test_qlinear_matmul_21_float8():
    # Neither onnxruntime nor the reference run float8 operands: numpy, with float sums.
    f8 = ml_dtypes.float8_e4m3fn
    a, b = floats(3, 6, scale=2).astype(f8), floats(6, 4, scale=2, seed=1).astype(f8)
    a_s, b_s, y_s = np.float32(0.5), np.float32(0.25), np.float32(0.125)
    inputs = {
        "a": a,
        "a_scale": np.array(a_s),
        "a_zero_point": np.array(0, f8),
        "b": b,
        "b_scale": np.array(b_s),
        "b_zero_point": np.array(0, f8),
        "y_scale": np.array(y_s),
        "y_zero_point": np.array(0, f8),
    }
    got = run_onyxrt("QLinearMatMul", inputs, outputs={"y": TP.FLOAT8E4M3FN}, opset=21)[0]
    product = a.astype(np.float32) @ b.astype(np.float32)
    want = (product.astype(np.float64) * np.float32(a_s * b_s / y_s)).astype(np.float32).astype(f8)
    np.testing.assert_array_equal(got.astype(np.float32), want.astype(np.float32))
    inputs["y_zero_point"] = np.array(-3, np.int8)
    got = run_onyxrt("QLinearMatMul", inputs, outputs={"y": TP.INT8}, opset=21)[0]
    ratio = np.float64(np.float32(a_s * b_s / y_s))
    np.testing.assert_array_equal(got, np.clip(np.rint(product.astype(np.float64) * ratio) - 3, -128, 127))


def test_qlinear_matmul_saturates_and_rounds_half_even():
    a = np.array([[1, 2, 3, 4]], np.uint8)
    b = np.array([[1], [1], [1], [1]], np.uint8)  # sum 10
    inputs = {
        "a": a,
        "a_scale": np.array(1, np.float32),
        "a_zero_point": np.array(0, np.uint8),
        "b": b,
        "b_scale": np.array(1, np.float32),
        "b_zero_point": np.array(0, np.uint8),
        "y_scale": np.array(4, np.float32),
        "y_zero_point": np.array(0, np.uint8),
    }
    got = check("QLinearMatMul", inputs, outputs={"y": TP.UINT8}, opset=10)[0]
    assert got[0, 0] == 2  # 10 / 4 = 2.5 rounds to 2
    inputs["y_scale"] = np.array(0.01, np.float32)
    assert check("QLinearMatMul", inputs, outputs={"y": TP.UINT8}, opset=10)[0][0, 0] == 255


# ---- QLinearConv / ConvInteger ----------------------------------------------------------------


CONV_CASES = [
    ((1, 3, 7, 7), (4, 3, 3, 3), {}),
    ((2, 3, 9, 8), (5, 3, 3, 3), {"pads": [1, 1, 1, 1]}),
    ((1, 4, 11, 9), (6, 4, 3, 2), {"strides": [2, 3], "pads": [1, 0, 2, 1]}),
    ((1, 2, 11, 11), (3, 2, 3, 3), {"dilations": [2, 2], "pads": [2, 2, 2, 2]}),
    ((1, 6, 8, 8), (6, 1, 3, 3), {"group": 6, "pads": [1, 1, 1, 1]}),  # depthwise
    ((2, 6, 7, 7), (9, 2, 3, 3), {"group": 3}),
    ((1, 8, 6, 6), (5, 8, 1, 1), {}),  # pointwise
    ((2, 8, 6, 6), (4, 4, 1, 1), {"group": 2, "strides": [2, 2]}),
    ((1, 3, 10), (4, 3, 3), {"pads": [1, 1]}),  # 1-D
    ((1, 2, 4, 5, 5), (3, 2, 2, 3, 3), {"pads": [0, 1, 1, 1, 1, 0]}),  # 3-D
    ((1, 3, 8, 8), (4, 3, 3, 3), {"auto_pad": "SAME_UPPER", "strides": [2, 2]}),
    ((1, 32, 40, 40), (24, 32, 3, 3), {"pads": [1, 1, 1, 1]}),  # several im2col chunks
]


def qlinear_conv_inputs(x_shape, w_shape, x_type, w_type, per_channel, bias, seed=0):
    m = w_shape[0]
    inputs = {
        "x": ints(*x_shape, dtype=x_type, seed=seed + 1),
        "x_scale": np.array(0.02, np.float32),
        "x_zero_point": np.array(120 if x_type == np.uint8 else -4, x_type),
        "w": ints(*w_shape, dtype=w_type, seed=seed + 2),
        "w_scale": (rng(seed + 3).random(m) * 0.01 + 0.002).astype(np.float32)
        if per_channel
        else np.array(0.006, np.float32),
        "w_zero_point": np.zeros(m, w_type) if per_channel else np.array(0, w_type),
        "y_scale": np.array(0.9, np.float32),
        "y_zero_point": np.array(128 if x_type == np.uint8 else 5, x_type),
    }
    if bias:
        inputs["B"] = rng(seed + 4).integers(-5000, 5000, size=m).astype(np.int32)
    return inputs


@pytest.mark.parametrize("x_shape,w_shape,attrs", CONV_CASES)
@pytest.mark.parametrize("types", [(np.uint8, np.int8), (np.int8, np.int8), (np.uint8, np.uint8)])
@pytest.mark.parametrize("constant_w", [False, True])
def test_qlinear_conv(x_shape, w_shape, attrs, types, constant_w):
    inputs = qlinear_conv_inputs(x_shape, w_shape, *types, per_channel=True, bias=True)
    consts = ["w", "w_scale", "w_zero_point", "B"] if constant_w else []
    check("QLinearConv", inputs, consts, attrs, {"y": ELEM[np.dtype(types[0])]}, opset=10)


@pytest.mark.parametrize("per_channel", [False, True])
@pytest.mark.parametrize("bias", [False, True])
def test_qlinear_conv_scales_and_bias(per_channel, bias):
    inputs = qlinear_conv_inputs((2, 4, 9, 9), (6, 4, 3, 3), np.uint8, np.int8, per_channel, bias)
    check("QLinearConv", inputs, ["w"], {"pads": [1, 1, 1, 1]}, {"y": TP.UINT8}, opset=10)


def test_qlinear_conv_per_channel_weight_zero_points():
    # onnxruntime wants zero weight zero points with int8 weights: the reference.
    inputs = qlinear_conv_inputs((1, 3, 6, 6), (4, 3, 3, 3), np.uint8, np.uint8, True, True)
    inputs["w_zero_point"] = ints(4, dtype=np.uint8, seed=9)
    check(
        "QLinearConv",
        inputs,
        ["w", "w_zero_point"],
        {"pads": [1, 1, 1, 1]},
        {"y": TP.UINT8},
        opset=10,
        reference=True,
    )


@pytest.mark.parametrize("x_shape,w_shape,attrs", CONV_CASES)
@pytest.mark.parametrize("types", [(np.uint8, np.uint8), (np.int8, np.int8), (np.uint8, np.int8)])
def test_conv_integer(x_shape, w_shape, attrs, types):
    inputs = {
        "x": ints(*x_shape, dtype=types[0], seed=1),
        "w": ints(*w_shape, dtype=types[1], seed=2),
        "x_zero_point": np.array(3, types[0]),
        "w_zero_point": np.array(1, types[1]),
    }
    check("ConvInteger", inputs, ["w"], attrs, {"y": TP.INT32}, opset=10)
    check("ConvInteger", {"x": inputs["x"], "w": inputs["w"]}, [], attrs, {"y": TP.INT32}, opset=10)


def test_conv_integer_per_channel_weight_zero_points():
    inputs = {
        "x": ints(2, 2, 5, 5, dtype=np.uint8, seed=1),
        "w": ints(3, 2, 2, 2, dtype=np.uint8, seed=2),
        "x_zero_point": np.array(7, np.uint8),
        "w_zero_point": np.array([1, 0, 200], np.uint8),
    }
    for consts in ([], ["w", "w_zero_point"]):
        check(
            "ConvInteger", inputs, consts, {"pads": [1, 1, 0, 0]}, {"y": TP.INT32}, opset=10, reference=True
        )


# ---- errors -----------------------------------------------------------------------------------


def q_error(inputs, attrs=None, opset=21, match="", error="InvalidArgument", op="QuantizeLinear"):
    return expect_error(
        op, inputs, [n for n in inputs if n not in ("x", "a", "A")], attrs, opset, match, error
    )


def test_quantize_errors():
    x = floats(3, 4)
    q_error(
        {"x": x, "y_scale": np.ones(3, np.float32), "y_zero_point": np.zeros(3, np.int8)},
        {"axis": 1},
        match="has 3 values but input shape {3,4} has 4 along axis 1",
    )
    q_error(
        {"x": x, "y_scale": np.ones(4, np.float32), "y_zero_point": np.zeros(3, np.int8)},
        {"axis": 1},
        match="y_zero_point (shape {3}) must have the shape of y_scale",
    )
    q_error(
        {"x": x, "y_scale": np.ones(4, np.float32), "y_zero_point": np.zeros(4, np.int8)},
        opset=10,
        match="per-tensor quantization only",
    )
    # block_size 3 does not divide 4: two blocks (the last partial), never one or three.
    for blocks in (1, 3):
        q_error(
            {
                "x": x,
                "y_scale": np.ones((3, blocks), np.float32),
                "y_zero_point": np.zeros((3, blocks), np.int8),
            },
            {"axis": 1, "block_size": 3},
            match="with block_size 3 needs y_scale of shape {3,2}",
        )
    q_error(
        {"x": x, "y_scale": np.ones((2, 2), np.float32)},
        {"axis": 1, "block_size": 2},
        match="needs y_scale of shape {3,2} for input shape {3,4}, got {2,2}",
    )
    q_error(
        {"x": x, "y_scale": np.ones((3, 2), np.float32)}, {"axis": 1}, match="blocked quantization needs the"
    )
    q_error({"x": x, "y_scale": np.ones(4, np.float32)}, {"axis": 2}, match="axis 2 is out of range")
    q_error(
        {"x": x, "y_scale": np.array(1, np.float32), "y_zero_point": np.array(0, np.int8)},
        {"output_dtype": TP.UINT8},
        match="attribute 'output_dtype' is uint8",
    )
    q_error(
        {"x": x, "y_scale": np.array(1, np.float32), "y_zero_point": np.array(0, np.int16)},
        opset=19,
        match="not a quantized type of this opset",
    )
    q_error(
        {"x": x, "y_scale": np.array(1, np.float32)},
        {"block_size": -1},
        match="'block_size' must be",
        error="InvalidGraph",
    )
    q_error(
        {"x": x, "y_scale": np.array(1, np.float32)},
        {"output_dtype": TP.FLOAT},
        match="'output_dtype'",
        error="InvalidGraph",
    )


def test_dequantize_errors():
    x = ints(3, 4, dtype=np.uint8)
    q_error(
        {"x": x, "x_scale": np.array(1, np.float32), "x_zero_point": np.array(0, np.int8)},
        op="DequantizeLinear",
        match="x_zero_point has type int8 but x has type uint8",
    )
    q_error(
        {"x": x, "x_scale": np.ones((3, 3), np.float32)},
        {"axis": 1, "block_size": 1},
        op="DequantizeLinear",
        match="blocked quantization along axis 1 with block_size 1",
    )
    q_error(
        {"x": x, "x_scale": np.ones(5, np.float32)},
        {"axis": -1},
        op="DequantizeLinear",
        match="x_scale has 5 values",
    )
    q_error({"x": x, "x_scale": np.array(1, np.int32)}, op="DequantizeLinear", match="x_scale has type int32")
    q_error(
        {"x": x, "x_scale": np.array(1, ml_dtypes.float8_e8m0fnu)},
        op="DequantizeLinear",
        opset=24,
        match="needs the 'output_dtype' attribute",
    )


def test_matmul_errors():
    a, b = ints(3, 4, dtype=np.uint8), ints(5, 2, dtype=np.uint8)
    q_error({"A": a, "B": b}, op="MatMulInteger", opset=10, match="inner dimensions differ")
    b = ints(4, 2, dtype=np.uint8)
    q_error(
        {"A": a, "B": b, "a_zero_point": np.array(0, np.int8)},
        op="MatMulInteger",
        opset=10,
        match="a_zero_point has type int8 but A has type uint8",
    )
    q_error(
        {"A": a, "B": b, "a_zero_point": np.array(0, np.uint8), "b_zero_point": np.zeros(3, np.uint8)},
        op="MatMulInteger",
        opset=10,
        match="b_zero_point has shape {3}",
    )
    q_error(
        {"A": a, "B": b, "a_zero_point": np.zeros((1, 4), np.uint8)},
        op="MatMulInteger",
        opset=10,
        match="a_zero_point has shape {1,4}",
    )
    inputs = qlinear_matmul_inputs((3, 4), (4, 2), np.uint8, np.uint8, np.uint8)
    inputs["b_scale"] = np.ones(3, np.float32)
    q_error(inputs, op="QLinearMatMul", opset=10, match="b_scale (shape {3}) and b_zero_point (shape {})")
    inputs["b_zero_point"] = np.zeros(3, np.uint8)
    q_error(inputs, op="QLinearMatMul", opset=10, match="b_zero_point has shape {3}")
    inputs = qlinear_matmul_inputs((3, 4), (4, 2), np.uint8, np.uint8, np.uint8, scale_type=np.float16)
    q_error(inputs, op="QLinearMatMul", opset=10, match="must share one type")


def test_conv_errors():
    inputs = qlinear_conv_inputs((1, 3, 5, 5), (4, 3, 3, 3), np.uint8, np.int8, True, True)
    inputs["w_scale"] = np.ones(3, np.float32)
    q_error(inputs, op="QLinearConv", opset=10, match="w_scale has shape {3}")
    inputs = qlinear_conv_inputs((1, 3, 5, 5), (4, 3, 3, 3), np.uint8, np.int8, True, True)
    inputs["B"] = np.zeros(3, np.int32)
    q_error(inputs, op="QLinearConv", opset=10, match="B must be int32 of shape [4]")
    inputs = qlinear_conv_inputs((1, 2, 5, 5), (4, 3, 3, 3), np.uint8, np.int8, True, False)
    q_error(inputs, op="QLinearConv", opset=10, match="channels")
    inputs = qlinear_conv_inputs((1, 3, 5, 5), (4, 3, 3, 3), np.uint8, np.int8, True, False)
    inputs["x_zero_point"] = np.array(0, np.int8)
    q_error(inputs, op="QLinearConv", opset=10, match="x_zero_point has type int8")
    x, w = ints(1, 2, 5, 5, dtype=np.uint8), ints(3, 2, 3, 3, dtype=np.uint8)
    q_error(
        {"x": x, "w": w, "x_zero_point": np.array(0, np.uint8), "w_zero_point": np.zeros(2, np.uint8)},
        op="ConvInteger",
        opset=10,
        match="w_zero_point has shape {2}",
    )
    q_error(
        {"x": x, "w": w, "x_zero_point": np.zeros(2, np.uint8)},
        op="ConvInteger",
        opset=10,
        match="x_zero_point must hold one value",
    )


def test_version_rows_registered():
    # Each opset picks its own row: a model at opset 12 uses QuantizeLinear-10 (no per-axis).
    model = make_node_model(
        "QuantizeLinear",
        {"x": floats(2, 3), "s": np.ones(3, np.float32)},
        ["s"],
        {"axis": 1},
        {"y": TP.UINT8},
        opset=12,
    )
    with pytest.raises(Exception, match="per-tensor quantization only"):
        onyxrt.InferenceSession(model.SerializeToString()).run(None, {"x": floats(2, 3)})
