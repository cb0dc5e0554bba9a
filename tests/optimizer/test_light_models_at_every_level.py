"""The onnx package's light_* models (IR 3, weights from ConstantOfShape, Conv + BatchNormalization)
at every optimization level: everything the rules do to them keeps onnxruntime's results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from tests.optimizer.levels import assert_same_everywhere

LIGHT_DIR = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
# Small enough to run four times; between them: grouped and depthwise Conv + BN, BN followed by
# Mul / Add, Reshape on constant shapes, Dropout, Concat.
MODELS = ["squeezenet", "shufflenet", "inception_v2", "resnet50"]


@pytest.mark.parametrize("name", MODELS)
def test_light_model_at_every_level(name):
    path = str(LIGHT_DIR / f"light_{name}.onnx")
    model = onnx.load(path, load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    (data,) = [v for v in model.graph.input if v.name not in initializers]
    shape = [d.dim_value or 1 for d in data.type.tensor_type.shape.dim]
    x = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    assert_same_everywhere(path, {data.name: x}, rtol=2e-3, atol=1e-4)
