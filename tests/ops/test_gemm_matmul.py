"""Gemm and MatMul against onnxruntime: transposes, alpha / beta, every broadcast form of C,
constant (pre-packed) and fed B, batched broadcasting, 1-D promotion, odd sizes and dtypes."""

from __future__ import annotations

import numpy as np
import pytest

from tests.ops.op_check import check, expect_error, rand

SIZES = [1, 7, 13, 17, 63, 127]


@pytest.mark.parametrize(
    "m,n,k",
    [(m, n, k) for m in SIZES for n in SIZES for k in (1, 17, 300) if (m + n + k) % 3 == 0]
    + [(300, 129, 257)],
)
@pytest.mark.parametrize("constant_b", [False, True])
def test_gemm_sizes(m, n, k, constant_b):
    inputs = {"A": rand(m, k, seed=1), "B": rand(k, n, seed=2), "C": rand(n, seed=3)}
    check("Gemm", inputs, ["B"] if constant_b else [], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("trans_a", [0, 1])
@pytest.mark.parametrize("trans_b", [0, 1])
@pytest.mark.parametrize("c_shape", [None, (), (1,), (9,), (1, 9), (13, 1), (13, 9), (1, 1)])
@pytest.mark.parametrize("alpha,beta", [(1.0, 1.0), (0.5, -2.0), (2.0, 0.0)])
@pytest.mark.parametrize("constant_b", [False, True])
def test_gemm_attributes(trans_a, trans_b, c_shape, alpha, beta, constant_b):
    m, n, k = 13, 9, 17
    a = rand(*((k, m) if trans_a else (m, k)), seed=1)
    b = rand(*((n, k) if trans_b else (k, n)), seed=2)
    inputs = {"A": a, "B": b}
    if c_shape is not None:
        inputs["C"] = rand(*c_shape, seed=3)
    attrs = {"transA": trans_a, "transB": trans_b, "alpha": alpha, "beta": beta}
    check("Gemm", inputs, ["B"] if constant_b else [], attrs, atol=1e-4)


@pytest.mark.parametrize("opset", [7, 9, 11, 13])
def test_gemm_opsets(opset):
    check("Gemm", {"A": rand(5, 4), "B": rand(4, 3, seed=1), "C": rand(5, 3, seed=2)}, opset=opset)


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_gemm_float_types(dtype):
    tol = 1e-2 if dtype == np.float16 else 1e-10
    check(
        "Gemm",
        {
            "A": rand(7, 5, dtype=dtype),
            "B": rand(5, 6, dtype=dtype, seed=1),
            "C": rand(6, dtype=dtype, seed=2),
        },
        attrs={"transA": 0, "alpha": 0.5},
        rtol=tol,
        atol=tol,
        reference=dtype == np.float16,
    )


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint32, np.uint64])
def test_gemm_integer_types(dtype):
    rng = np.random.default_rng(0)
    a, b, c = (rng.integers(0, 9, s).astype(dtype) for s in [(4, 5), (5, 3), (3,)])
    check("Gemm", {"A": a, "B": b, "C": c}, attrs={"transA": 0}, reference=True)


@pytest.mark.parametrize(
    "a_shape,b_shape",
    [
        ((7,), (7,)),
        ((7,), (7, 5)),
        ((3, 7), (7,)),
        ((13, 17), (17, 9)),
        ((2, 3, 13, 17), (17, 9)),
        ((2, 1, 13, 17), (3, 17, 9)),
        ((4, 13, 17), (4, 17, 9)),
        ((17,), (2, 17, 5)),
        ((2, 5, 17), (17,)),
        ((1, 1, 64), (64, 127)),
        ((63, 127), (127, 63)),
        ((0, 4), (4, 3)),
        ((5, 0), (0, 3)),
    ],
)
@pytest.mark.parametrize("constant_b", [False, True])
def test_matmul_shapes(a_shape, b_shape, constant_b):
    inputs = {"A": rand(*a_shape, seed=1), "B": rand(*b_shape, seed=2)}
    check("MatMul", inputs, ["B"] if constant_b else [], atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int32, np.int64, np.uint32, np.uint64])
def test_matmul_types(dtype):
    if np.dtype(dtype).kind in "iu":
        rng = np.random.default_rng(0)
        a, b = rng.integers(0, 9, (2, 3, 4)).astype(dtype), rng.integers(0, 9, (4, 5)).astype(dtype)
    else:
        a, b = rand(2, 3, 4, dtype=dtype), rand(4, 5, dtype=dtype, seed=1)
    tol = 1e-2 if dtype == np.float16 else 1e-6
    check("MatMul", {"A": a, "B": b}, rtol=tol, atol=tol)


@pytest.mark.parametrize("threads", [1, 2])
def test_matmul_threads_large(threads):
    check("MatMul", {"A": rand(8, 64, 96), "B": rand(96, 200, seed=1)}, ["B"], threads=threads, atol=1e-4)
    check("MatMul", {"A": rand(8, 64, 96), "B": rand(8, 96, 70, seed=1)}, threads=threads, atol=1e-4)


def test_matmul_mismatch_names_both_shapes():
    msg = expect_error("MatMul", {"A": rand(3, 4), "B": rand(5, 6)}, match="inner dimensions differ")
    assert "[3,4]" in msg.replace(" ", "") or "(3, 4)" in msg or "3x4" in msg or "3,4" in msg.replace(" ", "")


def test_gemm_bad_c_shape():
    expect_error("Gemm", {"A": rand(3, 4), "B": rand(4, 5), "C": rand(2, 5)}, match="does not broadcast")
