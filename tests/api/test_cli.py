"""The `onyxrt` command: `onyxrt run` on the bundled model and on a given one, and --version."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import onyxrt
import pytest

from tests import helpers


def onyxrt_command(*args: str) -> subprocess.CompletedProcess:
    # The installed console script when it is on PATH, else the same entry point through Python.
    script = shutil.which("onyxrt")
    command = [script] if script else [sys.executable, "-m", "onyxrt.tools.cli"]
    return subprocess.run(command + list(args), capture_output=True, text=True, timeout=300, check=False)


def test_run_bundled_model():
    result = onyxrt_command("run", "--repeat", "3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mlp.onnx" in result.stdout
    assert re.search(r"output output: shape=\[1, 10\] dtype=float32", result.stdout), result.stdout
    assert re.search(r"latency: median [0-9.]+ ms over 3 runs", result.stdout), result.stdout


def test_run_given_model_with_batch_and_threads(tmp_path):
    path = helpers.save(helpers.multi_io(), tmp_path)
    result = onyxrt_command("run", str(path), "--batch", "3", "--threads", "1", "--repeat", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "output twice: shape=[3] dtype=int64" in result.stdout
    assert "output square: shape=[3, 3] dtype=float32" in result.stdout
    assert re.search(r"latency: median [0-9.]+ ms over 2 runs \(threads=1, batch=3\)", result.stdout)


def test_bad_model_is_a_one_line_error(tmp_path):
    path = tmp_path / "absent.onnx"
    result = onyxrt_command("run", str(path))
    assert result.returncode == 1
    assert "NoSuchFile" in result.stderr and "Traceback" not in result.stderr


def test_version():
    result = onyxrt_command("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"onyxrt {onyxrt.__version__}"


@pytest.mark.parametrize("type_string", ["tensor(float)", "tensor(int64)", "tensor(bool)", "tensor(string)",
                                         "tensor(float16)", "tensor(uint8)"])
def test_random_feeds_follow_the_declared_type(type_string):
    import numpy as np
    from onyxrt.tools.random_feeds import concrete_shape, numpy_dtype, random_tensor

    shape = concrete_shape(["batch", None, 3], batch=2)
    assert shape == (2, 2, 3)
    value = random_tensor(type_string, shape, np.random.default_rng(0))
    assert value.shape == shape and value.dtype == numpy_dtype(type_string[7:-1])
