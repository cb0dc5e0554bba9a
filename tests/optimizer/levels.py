"""Running one model at every graph optimization level, against onnxruntime and against itself."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime

import onyxrt

LEVELS = ["ORT_DISABLE_ALL", "ORT_ENABLE_BASIC", "ORT_ENABLE_EXTENDED", "ORT_ENABLE_ALL"]


def onyxrt_session(model: onnx.ModelProto | str, level: str) -> onyxrt.InferenceSession:
    options = onyxrt.SessionOptions()
    options.graph_optimization_level = getattr(onyxrt.GraphOptimizationLevel, level)
    source = model if isinstance(model, str) else model.SerializeToString()
    return onyxrt.InferenceSession(source, options)


def onnxruntime_run(model: onnx.ModelProto | str, feeds: dict, output_names=None) -> list:
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    source = model if isinstance(model, str) else model.SerializeToString()
    session = onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    return session.run(output_names, feeds)


def run_at_every_level(model, feeds: dict, output_names=None) -> dict[str, list]:
    return {level: onyxrt_session(model, level).run(output_names, feeds) for level in LEVELS}


def assert_same_everywhere(model, feeds: dict, rtol: float = 1e-5, atol: float = 1e-6, output_names=None) -> list:
    """Every level matches onnxruntime and the unoptimized run (to float rounding)."""
    expected = onnxruntime_run(model, feeds, output_names)
    results = run_at_every_level(model, feeds, output_names)
    unoptimized = results["ORT_DISABLE_ALL"]
    for level, actual in results.items():
        assert len(actual) == len(expected), level
        for a, e, u in zip(actual, expected, unoptimized):
            assert a.shape == e.shape and a.dtype == e.dtype, (level, a.shape, e.shape, a.dtype, e.dtype)
            np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=f"{level} vs onnxruntime")
            np.testing.assert_allclose(a, u, rtol=rtol, atol=atol, err_msg=f"{level} vs ORT_DISABLE_ALL")
    return expected


def assert_levels_agree(model, feeds: dict, rtol: float, atol: float) -> None:
    """Every level matches the unoptimized run, for models onnxruntime cannot run (double Conv)."""
    results = run_at_every_level(model, feeds)
    for level, actual in results.items():
        for a, u in zip(actual, results["ORT_DISABLE_ALL"]):
            assert a.shape == u.shape and a.dtype == u.dtype, level
            np.testing.assert_allclose(a, u, rtol=rtol, atol=atol, err_msg=f"{level} vs ORT_DISABLE_ALL")


def rules_fired(model: onnx.ModelProto, level: str, capfd) -> dict[str, int]:
    """The optimizer rules that changed `model` at `level`, with their rewrite counts, read from
    the verbose session log (pytest's capfd fixture captures the native stderr)."""
    options = onyxrt.SessionOptions()
    options.graph_optimization_level = getattr(onyxrt.GraphOptimizationLevel, level)
    options.log_severity_level = 0
    capfd.readouterr()
    onyxrt.InferenceSession(model.SerializeToString(), options)
    fired: dict[str, int] = {}
    for rule, count in re.findall(r"optimizer rule '(\w+)' made (\d+) rewrite", capfd.readouterr().err):
        fired[rule] = fired.get(rule, 0) + int(count)
    return fired


def optimized_model(model: onnx.ModelProto | str, level: str) -> onnx.ModelProto:
    """The model as onyxrt's optimizer leaves it at `level`, read back from the file that
    SessionOptions.optimized_model_filepath writes."""
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "optimized.onnx")
        options = onyxrt.SessionOptions()
        options.graph_optimization_level = getattr(onyxrt.GraphOptimizationLevel, level)
        options.optimized_model_filepath = path
        onyxrt.InferenceSession(model if isinstance(model, str) else model.SerializeToString(), options)
        return onnx.load(path)


def optimized_op_types(model: onnx.ModelProto | str, level: str) -> list[str]:
    """The main graph's op types after optimization at `level`, in order ("domain:op" outside the
    default domain): what tests assert to show that a rule fired, or left a node alone."""
    return [n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}:{n.op_type}"
            for n in optimized_model(model, level).graph.node]
