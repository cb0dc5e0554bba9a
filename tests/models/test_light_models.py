"""The light_* models shipped in the onnx package: onyxrt against onnxruntime on the same feeds,
and against the outputs the onnx package ships for its deterministic input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import numpy_helper

import onyxrt

LIGHT_DIR = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
MODELS = sorted(p.stem.removeprefix("light_") for p in LIGHT_DIR.glob("light_*.onnx"))
# The onnx package's own tolerances for these models (backend/test/case/model/__init__.py).
RTOL = {"densenet121": 2e-3}


def test_all_nine_light_models_are_present():
    assert len(MODELS) == 9, MODELS


def deterministic_input(info: onnx.ValueInfoProto) -> np.ndarray:
    """The input onnx's backend runner feeds these models: arange(n) / n in the input's shape."""
    shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in info.type.tensor_type.shape.dim)
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) / n).astype(np.float32)


@pytest.fixture(scope="module", params=MODELS)
def light_model(request):
    path = LIGHT_DIR / f"light_{request.param}.onnx"
    model = onnx.load(path)
    initializers = {t.name for t in model.graph.initializer}
    inputs = [v for v in model.graph.input if v.name not in initializers]
    return request.param, path, inputs


def test_matches_onnxruntime_on_random_input(light_model):
    name, path, inputs = light_model
    rng = np.random.default_rng(7)
    feeds = {
        v.name: rng.standard_normal(deterministic_input(v).shape).astype(np.float32) for v in inputs
    }
    expected = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)
    actual = onyxrt.InferenceSession(str(path)).run(None, feeds)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert a.shape == e.shape and a.dtype == e.dtype
        np.testing.assert_allclose(a, e, rtol=RTOL.get(name, 1e-3), atol=1e-5)


def test_matches_shipped_reference_output(light_model):
    name, path, inputs = light_model
    expected_path = LIGHT_DIR / f"light_{name}_output_0.pb"
    expected = numpy_helper.to_array(onnx.load_tensor(str(expected_path)))
    feeds = {v.name: deterministic_input(v) for v in inputs}
    actual = onyxrt.InferenceSession(str(path)).run(None, feeds)[0]
    np.testing.assert_allclose(actual, expected, rtol=RTOL.get(name, 1e-3), atol=1e-5)
