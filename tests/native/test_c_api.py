"""The C API: a C program compiled against the installed headers and library runs a model."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnxruntime
import pytest

import onyxrt

HERE = Path(__file__).resolve().parent
COMPILER = shutil.which("cc") or shutil.which("gcc")


@pytest.mark.skipif(COMPILER is None, reason="no C compiler")
def test_c_program_runs_the_bundled_model(tmp_path):
    package = Path(onyxrt.__file__).parent
    exe = tmp_path / "c_api_check"
    subprocess.run(
        [COMPILER, "-std=c99", "-O1", str(HERE / "c_api_check.c"), "-I", onyxrt.get_include(),
         "-L", str(package / "lib"), f"-Wl,-rpath,{package / 'lib'}", "-lonyxrt", "-o", str(exe)],
        check=True, capture_output=True,
    )
    model = package / "data" / "mlp.onnx"
    result = subprocess.run([str(exe), str(model)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "c api ok" in result.stdout

    feed = ((np.arange(2 * 784) % 13) / 13.0).astype(np.float32).reshape(2, 784)
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    expected = session.run(None, {session.get_inputs()[0].name: feed})[0]
    fields = result.stdout.split()
    assert fields[1:3] == [str(d) for d in expected.shape]
    np.testing.assert_allclose([float(fields[4]), float(fields[5])], expected.ravel()[:2], rtol=1e-4, atol=1e-5)
