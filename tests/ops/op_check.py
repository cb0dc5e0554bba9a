"""Single-node models built with onnx.helper, run by onyxrt and by onnxruntime (or, where
onnxruntime lacks the kernel, by onnx.reference) on the same feeds, outputs compared."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

import onyxrt

IR_VERSION = 8


def make_node_model(
    op_type: str,
    inputs: dict,
    constants=(),
    attrs: dict | None = None,
    outputs: dict | None = None,
    opset: int = 17,
) -> onnx.ModelProto:
    """inputs: name -> array in the node's input order ("" -> None skips an optional input); the
    names in `constants` become initializers; outputs: name -> elem type."""
    initializers = {n: inputs[n] for n in constants}
    names = list(inputs)
    inputs = {n: a for n, a in inputs.items() if n and n not in constants}
    first = next(iter(initializers.values())) if not inputs else next(iter(inputs.values()))
    elem = helper.np_dtype_to_tensor_dtype(first.dtype)
    outputs = outputs or {"Y": elem}
    node = helper.make_node(op_type, names, list(outputs), name="node", **(attrs or {}))
    graph = helper.make_graph(
        [node],
        "g",
        [
            helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
            for n, a in inputs.items()
            if n
        ],
        [helper.make_tensor_value_info(n, t, None) for n, t in outputs.items() if n],
        initializer=[numpy_helper.from_array(a, n) for n, a in initializers.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=IR_VERSION)


def expected_outputs(model: onnx.ModelProto, feeds: dict) -> list:
    try:
        sess = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    except Exception:  # noqa: BLE001 - onnxruntime has no kernel for this type / version: use the reference
        return ReferenceEvaluator(model).run(None, feeds)
    return sess.run(None, feeds)


def check(
    op_type: str,
    inputs: dict,
    constants=(),
    attrs: dict | None = None,
    outputs: dict | None = None,
    opset: int = 17,
    rtol: float = 1e-4,
    atol: float = 1e-5,
    threads: int = 2,
    reference: bool = False,
) -> list:
    model = make_node_model(op_type, inputs, constants, attrs, outputs, opset)
    feeds = {n: a for n, a in inputs.items() if n and n not in constants}
    want = ReferenceEvaluator(model).run(None, feeds) if reference else expected_outputs(model, feeds)
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    got = onyxrt.InferenceSession(model.SerializeToString(), options).run(None, feeds)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        w = np.asarray(w)
        assert g.shape == w.shape, (g.shape, w.shape)
        assert g.dtype == w.dtype, (g.dtype, w.dtype)
        if g.dtype.kind in "iub":
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=rtol, atol=atol)
    return got


def expect_error(
    op_type: str,
    inputs: dict,
    constants=(),
    attrs: dict | None = None,
    opset: int = 17,
    match: str = "",
    error: str = "",
) -> str:
    """Runs onyxrt (session creation and run) and returns the message of the error it raised,
    checking its class name (onyxrt.InvalidArgument, ...) when `error` is given."""
    model = make_node_model(op_type, inputs, constants, attrs, None, opset)
    try:
        sess = onyxrt.InferenceSession(model.SerializeToString())
        sess.run(None, {n: a for n, a in inputs.items() if n and n not in constants})
    except Exception as e:  # noqa: BLE001 - the message is what is checked
        assert match in str(e), str(e)
        assert not error or type(e).__name__ == error, (type(e).__name__, str(e))
        return str(e)
    raise AssertionError(f"{op_type} accepted the bad input")


def rand(*shape, dtype=np.float32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def run_python(code: str, **env: str) -> None:
    """Runs `code` in a Python subprocess with `env` added to the environment, and asserts that it
    succeeds: for settings the runtime reads once per process (ONYXRT_ISA, ONYXRT_WINOGRAD)."""
    result = subprocess.run(
        [sys.executable, "-c", code], env=dict(os.environ, **env), capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]


def run_at_isa(code: str, isa: str) -> None:
    """Runs `code` with the kernels dispatched at most to `isa` (the table is filled once per process)."""
    run_python(code, ONYXRT_ISA=isa)
