"""Accuracy of the float32 transcendental ops (kernels/vmath.h, docs/vmath.md) against numpy in
float64, at every ISA tier: each tier runs in a subprocess with ONYXRT_ISA set (the dispatcher
reads it once), over random bit patterns covering the whole float32 range (NaN, infinities,
denormals included), dense grids where the functions bend, and special values. Errors are in
ulp of the float32 result; the bounds are the ones docs/vmath.md states."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper

# op, attributes, bound (ulp): docs/vmath.md.
BOUNDS = {
    "Exp": 2.0,
    "Log": 2.0,
    "Tanh": 2.0,
    "Erf": 3.0,
    "Sigmoid": 3.0,
    "Gelu": 4.0,
    "Gelu_tanh": 4.0,
}
ISAS = ["generic", "avx2", "avx512"]


# ----------------------------------------------------------------------------- float64 references
def _erf(x: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erf

        return erf(x)
    except ImportError:
        return np.vectorize(math.erf, otypes=[np.float64])(x)


def _erfc(x: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erfc

        return erfc(x)
    except ImportError:
        return np.vectorize(math.erfc, otypes=[np.float64])(x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def reference(op: str, x32: np.ndarray) -> np.ndarray:
    x = x32.astype(np.float64)
    with np.errstate(all="ignore"):
        if op == "Exp":
            return np.exp(x)
        if op == "Log":
            return np.log(x)
        if op == "Tanh":
            return np.tanh(x)
        if op == "Erf":
            return _erf(x)
        if op == "Sigmoid":
            return _sigmoid(x)
        if op == "Gelu":  # x Phi(x) through erfc: no cancellation for negative x
            return 0.5 * x * _erfc(-x / np.sqrt(2.0))
        if op == "Gelu_tanh":  # x (1 + tanh(u)) / 2 = x sigmoid(2u)
            u = np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)
            return x * _sigmoid(2.0 * u)
    raise ValueError(op)


def ulp_errors(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """|got - want| in ulp of float32 at want (denormal spacing below the normals); inf where a
    NaN or an infinity is missed."""
    got = got.astype(np.float64)
    with np.errstate(all="ignore"):
        rounded = want.astype(np.float32).astype(np.float64)
        magnitude = np.where(rounded == 0, np.abs(want), np.abs(rounded))
        exponent = np.maximum(np.frexp(magnitude)[1] - 1, -126)
        err = np.abs(got - want) / np.ldexp(1.0, exponent - 23)
    err = np.where(want == 0, np.where(got == 0, 0.0, np.abs(got) / 2.0**-149), err)
    nan_want, nan_got = np.isnan(want), np.isnan(got)
    err = np.where(nan_want | nan_got, np.where(nan_want & nan_got, 0.0, np.inf), err)
    inf_any = np.isinf(rounded) | np.isinf(got)
    return np.where(inf_any & ~(nan_want | nan_got), np.where(got == rounded, 0.0, np.inf), err)


# ------------------------------------------------------------------------------------------ inputs
def inputs(op: str) -> np.ndarray:
    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2**32, size=1 << 20, dtype=np.uint64).astype(np.uint32).view(np.float32)
    specials = np.array(
        [
            0.0,
            -0.0,
            np.inf,
            -np.inf,
            np.nan,
            1e-45,
            -1e-45,
            1.17549435e-38,
            88.72,
            88.73,
            89.0,
            -87.33,
            -103.97,
            -104.0,
            -150.0,
            0.625,
            -0.625,
            0.875,
            -0.875,
            3.92,
            -3.92,
            9.1,
            -9.1,
            10.2,
            -10.2,
            14.4,
            -14.4,
            3.4e38,
            -3.4e38,
            1.0,
            -1.0,
        ],
        dtype=np.float32,
    )
    if op == "Log":
        grids = [
            np.geomspace(1e-45, 3e38, 400_000),
            np.linspace(0.5, 2.0, 400_000),
        ]
    else:
        grids = [np.linspace(-20, 20, 400_001), np.linspace(-120, 120, 100_001)]
    return np.concatenate([bits, specials] + [g.astype(np.float32) for g in grids])


def single_node_model(op: str, n: int) -> bytes:
    attrs = {"approximate": "tanh"} if op == "Gelu_tanh" else {}
    op_type = "Gelu" if op.startswith("Gelu") else op
    node = helper.make_node(op_type, ["X"], ["Y"], **attrs)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [n])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [n])],
    )
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 20)], ir_version=9
    ).SerializeToString()


def softmax_model(op: str, shape) -> bytes:
    node = helper.make_node(op, ["X"], ["Y"], axis=-1)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, shape)],
    )
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=9
    ).SerializeToString()


def measure() -> dict:
    """Run in the subprocess: the worst error of each op under this process's ONYXRT_ISA."""
    import onyxrt

    results = {}
    for op in BOUNDS:
        x = inputs(op)
        got = onyxrt.InferenceSession(single_node_model(op, x.size)).run(None, {"X": x})[0]
        err = ulp_errors(got, reference(op, x))
        worst = int(np.argmax(err))
        results[op] = {"ulp": float(err[worst]), "at": float(x[worst])}
    # Softmax: exp's error, the rounding of x - max (|x - max| ulp of the argument) and the
    # row sum's (16 partial sums: n / 16 + 16 roundings).
    rng = np.random.default_rng(11)
    worst_ratio, where = 0.0, None
    for n in (1, 7, 16, 33, 128, 1000):
        x = (rng.standard_normal((64, n)) * 8).astype(np.float32)
        got = onyxrt.InferenceSession(softmax_model("Softmax", [64, n])).run(None, {"X": x})[0]
        xd = x.astype(np.float64)
        shifted = xd - xd.max(axis=1, keepdims=True)
        want = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        allowed = 4 + np.abs(shifted) + n / 16 + 16
        ratio = ulp_errors(got, want) / allowed
        if ratio.max() > worst_ratio:
            worst_ratio, where = float(ratio.max()), n
        log_got = onyxrt.InferenceSession(softmax_model("LogSoftmax", [64, n])).run(None, {"X": x})[0]
        log_sum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        log_want = shifted - log_sum
        # y = x - (max + log(sum)): two roundings at the magnitudes of x and of that shift.
        scale = 1 + np.abs(xd) + np.abs(xd.max(axis=1, keepdims=True)) + np.abs(log_sum)
        log_err = np.abs(log_got - log_want) / (2.0**-22 * scale)
        if log_err.max() > worst_ratio:
            worst_ratio, where = float(log_err.max()), f"log {n}"
    results["Softmax"] = {"ratio": worst_ratio, "at": where}
    return results


# ------------------------------------------------------------------------------------------- tests
def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def _available(isa: str) -> bool:
    flags = _cpu_flags()
    if isa == "generic":
        return True
    if isa == "avx2":
        return {"avx2", "fma"} <= flags
    return {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= flags


_cache: dict[str, dict] = {}


def results_for(isa: str) -> dict:
    if isa not in _cache:
        env = dict(os.environ, ONYXRT_ISA=isa)
        out = subprocess.run(
            [sys.executable, __file__, "--measure"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        _cache[isa] = json.loads(out.stdout.strip().splitlines()[-1])
    return _cache[isa]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("op", list(BOUNDS))
def test_max_ulp_error(isa, op):
    if not _available(isa):
        pytest.skip(f"this CPU cannot run the {isa} tier")
    r = results_for(isa)[op]
    assert r["ulp"] <= BOUNDS[op], f"{op} at ONYXRT_ISA={isa}: {r['ulp']:.2f} ulp at x = {r['at']!r}"


@pytest.mark.parametrize("isa", ISAS)
def test_softmax_error(isa):
    if not _available(isa):
        pytest.skip(f"this CPU cannot run the {isa} tier")
    r = results_for(isa)["Softmax"]
    assert r["ratio"] <= 1.0, (
        f"Softmax at ONYXRT_ISA={isa}: {r['ratio']:.2f} of the allowed error (n = {r['at']})"
    )


def test_special_values_follow_std():
    import onyxrt

    x = np.array([np.inf, -np.inf, np.nan, -0.0, 0.0, 100.0, -100.0, 89.0, -1000.0], dtype=np.float32)
    expected = {
        "Exp": [np.inf, 0.0, np.nan, 1.0, 1.0, np.inf, 3.720076e-44, np.inf, 0.0],
        "Tanh": [1.0, -1.0, np.nan, -0.0, 0.0, 1.0, -1.0, 1.0, -1.0],
        "Erf": [1.0, -1.0, np.nan, -0.0, 0.0, 1.0, -1.0, 1.0, -1.0],
        "Sigmoid": [1.0, 0.0, np.nan, 0.5, 0.5, 1.0, 3.720076e-44, 1.0, 0.0],
        "Gelu": [np.inf, np.nan, np.nan, -0.0, 0.0, 100.0, -0.0, 89.0, -0.0],
        "Gelu_tanh": [np.inf, np.nan, np.nan, -0.0, 0.0, 100.0, -0.0, 89.0, -0.0],
    }
    for op, want in expected.items():
        got = onyxrt.InferenceSession(single_node_model(op, x.size)).run(None, {"X": x})[0]
        want = np.array(want, dtype=np.float32)
        np.testing.assert_array_equal(got, want, err_msg=op)  # NaN == NaN here
        if op not in ("Exp", "Sigmoid"):
            assert list(np.signbit(got[3:5])) == [True, False], op  # -0 keeps its sign
    logs = np.array([0.0, -0.0, -1.0, np.inf, np.nan, 1e-45, 1.0], dtype=np.float32)
    got = onyxrt.InferenceSession(single_node_model("Log", logs.size)).run(None, {"X": logs})[0]
    np.testing.assert_array_equal(
        got, np.array([-np.inf, -np.inf, np.nan, np.inf, np.nan, -103.27893, 0.0], np.float32)
    )


@pytest.mark.parametrize("dtype", [np.float16])
@pytest.mark.parametrize("op", ["Exp", "Tanh", "Erf", "Sigmoid", "Log"])
def test_half_precision_rounds_like_float32(op, dtype):
    """16-bit floats compute through float32 vmath: within one 16-bit ulp of the exact result."""
    import onyxrt

    x = np.arange(2**16, dtype=np.uint16).view(np.float16)
    x = x[np.isfinite(x)]
    node = helper.make_node(op, ["X"], ["Y"])
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT16, [x.size])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT16, [x.size])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=9)
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, {"X": x})[0].astype(np.float64)
    want = reference(op, x.astype(np.float32))
    with np.errstate(all="ignore"):
        want16 = want.astype(np.float16).astype(np.float64)
        spacing = np.abs(np.spacing(want.astype(np.float16))).astype(np.float64)
        ok = (got == want16) | (np.abs(got - want) <= spacing) | (np.isnan(got) & np.isnan(want))
    assert ok.all(), (
        f"{op}: {np.count_nonzero(~ok)} values off by more than one float16 ulp, e.g. x = {x[~ok][:5]}"
    )


if __name__ == "__main__" and sys.argv[1:] == ["--measure"]:
    print(json.dumps(measure()))
