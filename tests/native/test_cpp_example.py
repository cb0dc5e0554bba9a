"""The C++ example under examples/cpp builds against the installed package and runs a model."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnxruntime
import pytest

import onyxrt

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake is not installed")


def test_example_builds_and_runs_against_installed_package(tmp_path):
    build = tmp_path / "build"
    configure = [
        "cmake", "-S", str(REPO_ROOT / "examples" / "cpp"), "-B", str(build),
        f"-Donyxrt_DIR={onyxrt.get_cmake_dir()}", "-DCMAKE_BUILD_TYPE=Release",
    ]
    subprocess.run(configure, check=True, capture_output=True)
    subprocess.run(["cmake", "--build", str(build), "-j2"], check=True, capture_output=True)

    model = Path(onyxrt.__file__).parent / "data" / "mlp.onnx"
    result = subprocess.run([str(build / "run_model"), str(model)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "latency:" in result.stdout

    # The first values it prints match onnxruntime on the same pattern feed.
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    info = session.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in info.shape]
    feed = ((np.arange(int(np.prod(shape))) % 17) / 17.0 - 0.5).astype(np.float32).reshape(shape)
    expected = session.run(None, {info.name: feed})[0].ravel()[:4]
    printed = [float(v) for v in result.stdout.splitlines()[0].split()[-len(expected):]]
    np.testing.assert_allclose(printed, expected, rtol=1e-4, atol=1e-5)


def test_example_reports_a_missing_model_as_an_error(tmp_path):
    build = tmp_path / "build"
    subprocess.run(
        ["cmake", "-S", str(REPO_ROOT / "examples" / "cpp"), "-B", str(build), f"-Donyxrt_DIR={onyxrt.get_cmake_dir()}"],
        check=True, capture_output=True,
    )
    subprocess.run(["cmake", "--build", str(build), "-j2"], check=True, capture_output=True)
    result = subprocess.run([str(build / "run_model"), str(tmp_path / "missing.onnx")], capture_output=True, text=True)
    assert result.returncode == 1
    assert "NoSuchFile" in result.stderr and "missing.onnx" in result.stderr
